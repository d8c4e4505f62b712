"""Start-up cost: PySide6 does not read Venvdesk's sources at import, and what follows the first paint is spread out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
