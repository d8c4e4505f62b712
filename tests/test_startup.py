"""Start-up cost: PySide6 does not read Venvdesk's sources at import, the first paint shows the window's frame
and the person's environments without building the rest, and what follows it is spread out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QDockWidget

REPO = Path(__file__).resolve().parents[1]

# Imports the main window the way `venvdesk` does (PySide6 first, then the app's modules) and
# reports every module whose source PySide6's import hook read to learn whether it uses PySide6.
SOURCE_READS_PROBE = r"""
import inspect, sys
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QTimer  # installs PySide6's import hook
from gui.app import spare_pyside_source_reads

read = []
original = inspect.getsource
def counting(module):
    read.append(getattr(module, "__name__", "?"))
    return original(module)
inspect.getsource = counting
spare_pyside_source_reads()
import gui.main_window, gui.search_panel, gui.controllers.projects  # noqa: E401
import __feature__
known = __feature__.pyside_feature_dict
print("read:", sorted(name for name in read if name.split(".")[0] in ("gui", "core")))
print("all read:", len(read))
print("uses PySide6:", known["gui.main_window"], known["gui.controllers.projects"], known["core.operations"])
"""


def test_pyside_reads_no_source_file_of_venvdesk_at_start_up():
    completed = subprocess.run(
        [sys.executable, "-c", SOURCE_READS_PROBE, str(REPO)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "read: []" in out, out  # none of gui/ or core/ (~130 files: ~20 ms before the first paint)
    reads = int(out.split("all read:")[1].split()[0])
    assert reads < 40, out  # what is left: PySide6's own modules and a few third-party ones
    # PySide6's record says what it would have found: gui/ uses it, core/ never does.
    assert "uses PySide6: 0 0 -1" in out, out


def test_pythons_are_looked_for_once_every_part_of_the_window_is_built(qtbot, make_main_window):
    window = make_main_window()
    built_when_discovery_started: list[bool] = []
    refresh_interpreters = window.creation.refresh_interpreters

    def spy() -> None:  # records the moment, then looks for Pythons as usual
        built_when_discovery_started.append(window._search_panel is not None and window._usage is not None)
        refresh_interpreters()

    window.creation.refresh_interpreters = spy  # type: ignore[method-assign]
    with qtbot.waitSignal(window.creation.interpreters_loaded, timeout=60_000):
        window.show()
    # The discovery's workers compete with the UI thread for the interpreter: the parts were
    # built first, each on its own turn, with the modules they import loaded on a worker.
    assert built_when_discovery_started == [True]
    assert window.package_tabs.tabText(window.package_tabs.indexOf(window.search_panel)) == "Find packages"
    assert window.creation.interpreters  # this machine's Python was found


def test_a_returning_person_sees_the_list_not_the_welcome_page_while_it_is_read(qtbot, make_main_window, tmp_path):
    from core.environments import EnvironmentRegistry
    from gui.environments_panel import LIST_PAGE

    registry = EnvironmentRegistry.load()
    registry.added.append(str(tmp_path / "gone"))  # remembered, then deleted outside Venvdesk
    registry.save()
    window = make_main_window()
    window.show()
    # The first paint: the list (read off the UI thread after it), not "Welcome to Venvdesk".
    assert window.environments_panel.pages.currentIndex() == LIST_PAGE
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    assert window.environments_panel.pages.currentIndex() == LIST_PAGE
    assert [entry.environment.name for entry in window.environment_actions.model.entries()] == ["gone"]
    assert not window.environment_actions.model.entry(0).health.ok  # shown broken, with its reason


# -- the first paint: the window's frame, then the rest (gui/main_window.py, MainWindow(staged=True)) --

# Starts Venvdesk as `venvdesk --quit-after-paint` does and reports what the first paint shows,
# and what was built and imported by then.
FIRST_PAINT_PROBE = r"""
import sys
sys.path.insert(0, sys.argv[1])
import PySide6.QtCore
from PySide6.QtWidgets import QMainWindow
import gui.app

seen = {}
repaint = QMainWindow.repaint
def recording(window):
    repaint(window)
    if seen:
        return
    seen["qt enums"] = "Qt" in PySide6.QtCore.__dict__  # first, before anything here creates them
    seen["filled"] = window.is_filled
    seen["imported"] = sorted(name for name in ("gui.runner", "gui.controllers.operations", "gui.packages_panel",
                                                "gui.models.environments", "core.operations") if name in sys.modules)
    shown = window.environments_panel.list_view.model()
    seen["rows"] = [shown.index(row, 0).data() for row in range(shown.rowCount())]
    seen["page"] = window.environments_panel.pages.currentIndex()
    seen["menus"] = [action.text() for action in window.menuBar().actions()]
    seen["tabs"] = [window.package_tabs.tabText(index) for index in range(window.package_tabs.count())]
    seen["title"] = window.windowTitle()
QMainWindow.repaint = recording
status = gui.app.main(["venvdesk", "--quit-after-paint"])
print("SEEN", repr(seen))
sys.exit(status)
"""


def _first_paint(tmp_path: Path) -> tuple[dict, str]:
    import os

    completed = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_PROBE, str(REPO)],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert any(line.startswith("painted ") for line in lines), completed.stdout
    assert any(line.startswith("built ") for line in lines), completed.stdout  # the rest built after it
    seen = [line for line in lines if line.startswith("SEEN ")]
    assert seen, completed.stdout + completed.stderr
    import ast

    return ast.literal_eval(seen[0][len("SEEN "):]), completed.stderr


def test_the_first_paint_shows_the_environments_and_no_more_is_built_before_it(tmp_path, make_venv):
    from core import storage
    from core.environments import EnvironmentRegistry

    storage.default_environments_dir().mkdir(parents=True)
    make_venv("alpha", parent=storage.default_environments_dir())
    registry = EnvironmentRegistry.load()
    registry.add(make_venv("elsewhere"))  # remembered: outside the default folder
    registry.save()

    seen, _stderr = _first_paint(tmp_path)
    assert seen["rows"] == ["alpha", "elsewhere"]  # the person's environments, at once
    assert seen["page"] == 1  # the list, not the welcome page
    assert seen["title"] == "Venvdesk"
    assert seen["menus"] == ["&Venvdesk", "P&roject", "&Environment", "&Packages", "&Help"]  # no bar appears later
    assert seen["tabs"] == ["Installed", "Find packages"]
    # What the frame does without: the rest of the window (after the paint), its modules, and the
    # Qt namespace's enums (~30 ms to create: a Python model's header or a dock's place makes them).
    assert seen["filled"] is False
    assert seen["imported"] == []
    assert seen["qt enums"] is False


def test_a_first_start_paints_the_welcome_page_at_once(tmp_path):
    seen, _stderr = _first_paint(tmp_path)
    assert seen["rows"] == []
    assert seen["page"] == 0  # "Welcome to Venvdesk"
    assert seen["qt enums"] is False


def _staged_window(qtbot):
    from gui.main_window import MainWindow

    window = MainWindow(staged=True)
    qtbot.addWidget(window, before_close_func=lambda w: w.shut_down())
    return window


def test_the_frame_is_filled_after_the_first_paint_and_then_everything_works(qtbot, make_venv, local_index):
    from core import storage
    from tests.conftest import pip_install

    storage.default_environments_dir().mkdir(parents=True)
    make_venv("first", parent=storage.default_environments_dir())
    target = make_venv("second", parent=storage.default_environments_dir())
    pip_install(target, "tinyapp==2.0", index_url=local_index.simple_url)
    window = _staged_window(qtbot)
    assert not window.is_filled
    panel = window.environments_panel
    window.show()
    assert [panel.list_view.model().index(row, 0).data() for row in range(2)] == ["first", "second"]
    with qtbot.waitSignal(window.filled, timeout=30_000):
        pass
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    # The real parts took the placeholders' places: the Installed panel, the Log's dock, the menus' items.
    tabs = window.package_tabs
    assert tabs.tabText(tabs.indexOf(window.packages_panel)) == "Installed"
    assert [tabs.tabText(index) for index in range(tabs.count()) if tabs.isTabVisible(index)] == ["Installed", "Find packages"]
    assert window.findChild(QDockWidget, "logDock").widget() is window.log_panel
    assert [action.text() for action in window.menuBar().actions()][0] == "&Venvdesk"
    assert "Quit" in [action.text() for action in window.menuBar().actions()[0].menu().actions()]
    # Select the second environment: its packages are listed.
    with qtbot.waitSignal(window.current.packages_loaded, timeout=20_000):
        panel.select_row(1)
    assert window.packages_panel.title.text() == "Packages in second"
    assert ("tinyapp", "2.0") in {(p.name, p.version) for p in window.packages_panel.model.packages()}


def test_a_click_before_the_window_is_filled_has_it_filled_first(qtbot, make_venv):
    """The second row clicked on the first paint: the window is filled before the click is handled,
    and the clicked row stays chosen through the list's first read."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from core import storage

    storage.default_environments_dir().mkdir(parents=True)
    make_venv("first", parent=storage.default_environments_dir())
    make_venv("second", parent=storage.default_environments_dir())
    window = _staged_window(qtbot)
    window.show()
    window.repaint()  # the first paint, as the app's start does; nothing more has run
    assert not window.is_filled
    view = window.environments_panel.list_view
    assert view.model().index(1, 0).data() == "second"
    second = view.visualRect(view.model().index(1, 0)).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, second)
    assert window.is_filled  # built before the click was handled: nothing is lost
    assert window.environment_actions.selected_entry() is not None
    assert window.environment_actions.selected_entry().environment.name == "second"
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: window.packages_panel.title.text() == "Packages in second", timeout=30_000)
    assert [index.data() for index in view.selectionModel().selectedRows()] == ["second"]


def test_a_shortcut_before_the_window_is_filled_is_not_lost(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = _staged_window(qtbot)
    window.show()
    window.repaint()
    assert not window.is_filled
    triggered: list[bool] = []
    # Connected as soon as the action exists: the key is matched to it once the window is filled.
    window.filled.connect(lambda: window.environment_actions.refresh_action.triggered.connect(lambda: triggered.append(True)))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window
    assert not window.is_filled
    view = window.environments_panel.list_view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F5)  # Refresh
    assert window.is_filled
    assert triggered == [True]


def test_closing_before_the_window_is_filled_is_clean(qtbot):
    from gui.main_window import MainWindow

    window = MainWindow(staged=True)
    window.show()
    window.repaint()
    window.close()  # at once, as a person closing it right away, or the session ending
    assert not window.isVisible()
    qtbot.wait(500)  # the turns that would have filled it and started the work
    assert not window.is_filled  # nothing was built or started after the close
    assert window.findChild(QDockWidget) is None
    window.shut_down()  # what the app's exit does: nothing runs, nothing to stop
    window.deleteLater()


def test_a_window_made_by_anyone_else_is_whole_at_once(qtbot, make_main_window):
    window = make_main_window()
    assert window.is_filled
    assert window.package_tabs.tabText(window.package_tabs.indexOf(window.packages_panel)) == "Installed"
    assert window.findChild(QDockWidget, "logDock").widget() is window.log_panel
    assert window.runner is not None and window.environment_actions is not None


def test_a_returning_person_sees_the_selected_environments_packages_not_select_one(qtbot, make_venv):
    """The row highlighted on the first paint is read as soon as the window is filled: the Installed
    tab never says "Select an environment" under it (it did, for the ~200 ms until the list's first
    read in the background), and that read does not read the environment again."""
    from core import storage

    storage.default_environments_dir().mkdir(parents=True)
    make_venv("only", parent=storage.default_environments_dir())
    window = _staged_window(qtbot)
    listed: list[str] = []
    window.filled.connect(lambda: window.current.packages_loaded.connect(listed.append))
    window.show()
    with qtbot.waitSignal(window.filled, timeout=30_000):
        pass
    panel = window.packages_panel
    assert panel.title.text() == "Packages in only"
    shown = panel.placeholder.text() if panel.placeholder.isVisible() else "the list"
    assert shown in ("Reading the packages installed in only…", "the list")
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: len(listed) >= 1, timeout=30_000)
    qtbot.wait(300)
    assert [index.data() for index in window.environments_panel.list_view.selectionModel().selectedRows()] == ["only"]
    assert [p.name for p in panel.model.packages()] == ["pip"]
    assert len(listed) == 1  # read once, not again when the list's read ended


def test_a_folder_given_on_the_command_line_waits_for_the_first_paint(qtbot, make_venv, tmp_path):
    """``venvdesk PATH``: the project is opened once its part of the window is built in its turn.
    Opening it at once built everything before the first paint (~250 ms of a window not yet drawn)."""
    from tests.test_gui_projects import make_project, row_texts

    project = make_project(tmp_path)
    make_venv(".venv", parent=project)
    window = _staged_window(qtbot)
    window.open_project_when_ready(str(project))
    window.show()
    window.repaint()  # the first paint
    assert not window.is_filled  # asking for the folder did not build the window before it
    qtbot.waitUntil(lambda: window.is_filled and window.environment_actions.selected_entry() is not None
                    and window.environment_actions.selected_entry().key == str(project), timeout=30_000)
    qtbot.waitUntil(lambda: window.packages_panel.title.text() == "Packages in homework/.venv", timeout=30_000)
    assert [text.split("\n")[0] for text in row_texts(window)] == ["homework"]
