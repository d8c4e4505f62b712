"""Projects driven as a person would: open a folder, set it up in one click, find it again after a
restart, use another environment for it, open it in an editor.  Real venv, real pip, local index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QWidget

from core import storage
from core.environments import Environment, EnvironmentRegistry, read_pyvenv_cfg
from core.projects import choose_interpreter
from gui.environments_panel import WELCOME_PAGE
from gui.main_window import MainWindow
from gui.models.environments import shown_path

SETUP_TIMEOUT = 180_000

REQUIREMENTS = "tinyapp==2.0\n"
PYPROJECT = """\
[project]
name = "homework"
version = "0.1"
requires-python = ">=3.8"
dependencies = ["Old_Package==1.0"]

[project.optional-dependencies]
dev = ["tinyextra"]
"""


def make_project(root: Path, name: str = "homework") -> Path:
    project = root / name
    project.mkdir()
    (project / "requirements.txt").write_text(REQUIREMENTS)
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "main.py").write_text("import tinyapp\nprint('hello')\n")
    (project / "helpers.py").write_text("def helper():\n    return 1\n")
    return project


@pytest.fixture
def open_window(qtbot, make_main_window):
    """Start the main window the way the app does and wait for its start-up work."""

    def start() -> MainWindow:
        window = make_main_window()
        window.show()
        with qtbot.waitSignals(
            [window.environment_actions.environments_loaded, window.creation.interpreters_loaded, window.projects.editors_found],
            timeout=60_000,
        ):
            pass
        return window

    return start


def row_texts(window: MainWindow) -> list[str]:
    model = window.environment_actions.model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def installed(window: MainWindow) -> dict[str, str]:
    return {package.name: package.version for package in window.packages_panel.model.packages()}


def message(window: MainWindow) -> str:
    return window.message_bar.text()


def page_shown(window: MainWindow) -> bool:
    tabs = window.package_tabs
    return tabs.currentWidget() is window.project_page and tabs.isTabVisible(tabs.indexOf(window.project_page))


def wait_until_idle(qtbot, window: MainWindow, timeout: int = SETUP_TIMEOUT) -> None:
    qtbot.waitUntil(lambda: not window.runner.running_operations() and not window.runner.is_busy(window.current.key),
                    timeout=timeout)


def first_row_line(window: MainWindow, row: int = 0) -> str:
    return row_texts(window)[row].split("\n")[0]


def select_row(qtbot, window: MainWindow, first_line: str) -> None:
    row = [text.split("\n")[0] for text in row_texts(window)].index(first_line)
    view = window.environments_panel.list_view
    rect = view.visualRect(window.environment_actions.model.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.environment_actions.selected_entry().name == first_line


# ------------------------------------------------------------------ the acceptance test


def test_from_first_launch_to_a_working_project_in_three_clicks(
    qtbot, open_window, tmp_path, monkeypatch, seeded_pip_cache, use_local_index
):
    project = make_project(tmp_path)
    clicks = []

    def click(widget: QWidget) -> None:
        clicks.append(widget.objectName())
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def person_chooses_the_folder(*_args, **_kwargs) -> str:
        clicks.append("Choose (the folder dialog)")  # stands in for the native dialog's "Choose"
        return str(project)

    monkeypatch.setattr("gui.controllers.projects.QFileDialog.getExistingDirectory", person_chooses_the_folder)
    window = open_window()
    assert window.environments_panel.pages.currentIndex() == WELCOME_PAGE  # a first launch
    open_button = window.findChild(QPushButton, "openProjectButton")
    assert open_button.isVisible()

    click(open_button)
    page = window.project_page
    set_up = window.findChild(QPushButton, "setUpProjectButton")
    qtbot.waitUntil(lambda: page.scan is not None and set_up.isVisible() and set_up.isEnabled(), timeout=30_000)
    assert page_shown(window), "right after opening the folder the person sees the project page"
    assert page.summary_label.text() == (
        "Found requirements.txt (1 package), pyproject.toml (needs Python >=3.8; 1 dependency; optional"
        " groups: dev), 2 Python files. No environment yet."
    )
    assert first_row_line(window) == "homework — not set up yet"
    chosen = choose_interpreter(window.creation.interpreters, ">=3.8")
    assert page.chosen_interpreter() == chosen
    assert page.source_check("requirements.txt").isChecked()
    assert page.source_check("pyproject.toml dependencies").isChecked()
    assert not page.source_check("Optional group “dev”").isChecked()
    # Nothing to re-create yet: that button is for a broken environment only.
    assert not window.findChild(QToolButton, "recreateEnvironmentActionButton").isVisible()

    click(set_up)
    target = project / ".venv"
    qtbot.waitUntil(
        lambda: {"tinyapp", "tinyutil", "Old_Package"} <= set(installed(window)) and not window.runner.running_operations(),
        timeout=SETUP_TIMEOUT,
    )
    wait_until_idle(qtbot, window)

    assert len(clicks) <= 3, clicks
    assert clicks == ["openProjectButton", "Choose (the folder dialog)", "setUpProjectButton"]
    # The folder has a working .venv, made from the intended Python, with its requirements.
    config = read_pyvenv_cfg(target / "pyvenv.cfg")
    assert os.path.realpath(config["home"]) == os.path.dirname(chosen.real_path)
    assert Environment.load(target).short_version == chosen.version_text
    assert installed(window)["tinyapp"] == "2.0"
    assert installed(window)["Old_Package"] == "1.0"
    assert "tinyextra" not in installed(window)  # the optional group was left unchecked
    # What the person sees: the project's row (its name, its folder below), its packages, the news.
    assert row_texts(window) == [f"homework\n{shown_path(project)}"]
    assert window.environment_actions.selected_entry().environment.path == target
    assert window.package_tabs.currentWidget() is window.packages_panel
    assert window.message_bar.level.value == "success", message(window)
    assert "Old_Package" in message(window) or "tinyapp" in message(window) or "ready" in message(window)
    log = window.log_view.toPlainText()
    assert "Creating “homework”" in log
    assert f"{chosen.path} -m venv --without-pip" in log
    # Remembered: the project uses its .venv.
    assert EnvironmentRegistry.load().project(project).environment == target


# ------------------------------------------------------------------ an environment already there


def test_an_environment_already_in_the_folder_is_used_and_remembered_after_a_restart(
    qtbot, open_window, tmp_path, make_venv, use_local_index
):
    project = make_project(tmp_path)
    existing = make_venv(".venv", parent=project)
    window = open_window()
    with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
        window.projects.open_folder(project)
    qtbot.waitUntil(lambda: window.project_page.scan is not None, timeout=30_000)
    assert "already has an environment, .venv" in message(window)
    assert "nothing new was made" in message(window)
    assert [text.split("\n")[0] for text in row_texts(window)] == ["homework"]  # one row: no second environment
    assert window.environment_actions.selected_entry().environment.path == existing
    assert installed(window) == {"pip": installed(window)["pip"]}
    page = window.project_page
    assert page.environment_label.text().startswith("This project uses .venv, Python ")
    assert not window.findChild(QPushButton, "setUpProjectButton").isVisible()
    assert page.install_button.isVisible()  # its requirements can go into it
    assert page.summary_label.text().endswith("It already has an environment: .venv (Python "
                                              f"{Environment.load(existing).short_version}); Venvdesk uses it.")
    assert sorted(os.listdir(project)) == [".venv", "helpers.py", "main.py", "pyproject.toml", "requirements.txt"]

    # Install what it needs into the environment it has (the same live log and ending as any install).
    with qtbot.waitSignal(window.operations.checks_finished, timeout=SETUP_TIMEOUT):
        qtbot.mouseClick(page.install_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: {"tinyapp", "Old_Package"} <= set(installed(window)), timeout=SETUP_TIMEOUT)
    wait_until_idle(qtbot, window)

    window.close()
    again = open_window()
    assert [text.split("\n")[0] for text in row_texts(again)] == ["homework"]
    qtbot.waitUntil(lambda: {"tinyapp", "Old_Package"} <= set(installed(again)), timeout=30_000)
    assert again.environment_actions.selected_entry().project.folder == project
    assert again.package_tabs.isTabVisible(again.package_tabs.indexOf(again.project_page))


# ------------------------------------------------------------------ opened, not set up yet


def test_a_dropped_folder_is_opened_and_stays_listed_until_set_up(qtbot, open_window, tmp_path):
    project = make_project(tmp_path, "thesis")
    window = open_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(project))])
    position = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(position.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: bool(row_texts(window)) and first_row_line(window) == "thesis — not set up yet", timeout=30_000)
    qtbot.waitUntil(lambda: window.project_page.scan is not None, timeout=30_000)
    assert page_shown(window)
    assert "Opened “thesis”" in message(window)
    assert not (project / ".venv").exists()

    window.close()
    again = open_window()
    assert first_row_line(again) == "thesis — not set up yet"
    select_row(qtbot, again, "thesis — not set up yet")
    qtbot.waitUntil(lambda: again.project_page.scan is not None and page_shown(again), timeout=30_000)
    assert again.findChild(QPushButton, "setUpProjectButton").isVisible()
    assert again.project_page.title.text() == "thesis"


def test_a_file_dropped_on_the_window_is_not_taken_for_a_project(qtbot, open_window, tmp_path):
    window = open_window()
    note = tmp_path / "notes.txt"
    note.write_text("x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note))])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


# ------------------------------------------------------------------ another environment, editors, requirements


def test_use_another_environment_for_a_project(qtbot, open_window, tmp_path, make_venv):
    project = make_project(tmp_path)
    data = make_venv("data", parent=storage.default_environments_dir())
    window = open_window()
    window.projects.open_folder(project)
    qtbot.waitUntil(lambda: window.project_page.scan is not None and "homework — not set up yet" in
                    [t.split("\n")[0] for t in row_texts(window)], timeout=30_000)
    select_row(qtbot, window, "homework — not set up yet")
    assert window.projects.use_environment_action.isEnabled()
    window.projects.use_environment_action.trigger()
    dialog = window.projects.use_environment_dialog
    assert dialog is not None and dialog.objectName() == "useEnvironmentDialog"
    items = [dialog.list.item(row).text() for row in range(dialog.list.count())]
    assert items == [f"data\n{data}"]
    dialog.list.setCurrentRow(0)
    with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert message(window) == "“homework” now uses “data”."
    entry = window.environment_actions.selected_entry()
    assert (entry.name, entry.environment.path) == ("homework", data)
    assert "pip" in installed(window)
    assert EnvironmentRegistry.load().project(project).environment == data
    # Save requirements starts in the project folder, not in the environment's or the home folder.
    assert window.package_actions.default_requirements_path() == project / "requirements.txt"
    assert window.project_page.environment_label.text().startswith(f"This project uses “data” ({data})")


def test_open_in_vs_code_when_it_is_found(qtbot, open_window, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv.txt"
    fake_code = bin_dir / "code"
    fake_code.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    fake_code.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    settings_before = sorted(os.listdir(tmp_path))
    project = make_project(tmp_path)
    window = open_window()
    action = window.findChild(type(window.projects.open_action), "openInVsCodeAction")
    assert action.isVisible()
    window.projects.open_folder(project)
    qtbot.waitUntil(lambda: window.project_page.scan is not None and window.projects.current_project_folder() == project,
                    timeout=30_000)
    button = window.project_page.findChild(QWidget, "openInVsCodeActionButton")
    assert button.isVisible() and button.text() == "Open in VS Code"
    assert not window.project_page.findChild(QWidget, "openInThonnyActionButton").isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(record.exists, timeout=15_000)
    qtbot.waitUntil(lambda: record.read_text() == f"{project}\n", timeout=5_000)
    assert message(window).startswith("Opened “homework” in VS Code.")
    assert sorted(os.listdir(project)) == ["helpers.py", "main.py", "pyproject.toml", "requirements.txt"]  # no .vscode
    assert sorted(os.listdir(tmp_path)) == sorted([*settings_before, "argv.txt", "homework"])


def test_the_command_line_names_the_project_folder():
    from gui.app import project_folder_argument

    assert project_folder_argument(["venvdesk", "/home/me/homework"]) == "/home/me/homework"
    assert project_folder_argument(["venvdesk", "--quit-after-paint"]) == ""
    assert project_folder_argument(["venvdesk"]) == ""


# ------------------------------------------------------------------ what goes wrong around a project


def open_and_wait(qtbot, window: MainWindow, folder: Path) -> None:
    window.projects.open_folder(folder)
    qtbot.waitUntil(lambda: window.project_page.scan is not None and window.project_page.scan.folder == folder.resolve()
                    and window.projects.current_project_folder() == folder.resolve(), timeout=30_000)


def first_lines(window: MainWindow) -> list[str]:
    return [text.split("\n")[0] for text in row_texts(window)]


def test_opening_a_project_again_while_it_is_set_up_then_cancelling_leaves_it_not_set_up(
    qtbot, open_window, tmp_path, use_local_index
):
    project = make_project(tmp_path)
    target = project / ".venv"
    window = open_window()
    open_and_wait(qtbot, window, project)
    qtbot.mouseClick(window.findChild(QPushButton, "setUpProjectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (target / "pyvenv.cfg").is_file(), timeout=30_000)
    assert window.runner.running_operations(), "the environment is still being made"
    window.projects.open_folder(project)  # the person opens it again (menu, drop) meanwhile
    qtbot.waitUntil(lambda: "is being set up" in message(window), timeout=30_000)
    assert "already has an environment" not in message(window)
    assert EnvironmentRegistry.load().project(project).environment is None  # not the half-made .venv
    qtbot.waitUntil(lambda: first_lines(window) == ["homework — not set up yet"], timeout=30_000)
    page = window.project_page
    assert "already has an environment" not in page.summary_label.text()
    assert not page.install_button.isVisible()

    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.running_operations() and "cancelled" in message(window), timeout=60_000)
    qtbot.waitUntil(lambda: page.scan is not None and page.set_up_button.isEnabled(), timeout=30_000)
    assert not target.exists()
    assert first_lines(window) == ["homework — not set up yet"]
    assert page.set_up_button.isVisible() and page.summary_label.text().endswith("No environment yet.")
    assert EnvironmentRegistry.load().project(project).environment is None
    window.close()
    again = open_window()
    assert first_lines(again) == ["homework — not set up yet"]  # one row, no broken "homework/.venv"


def test_a_venv_deleted_outside_venvdesk_leaves_one_row_not_set_up(qtbot, open_window, tmp_path, make_venv):
    import shutil

    project = make_project(tmp_path)
    make_venv(".venv", parent=project)
    window = open_window()
    open_and_wait(qtbot, window, project)
    qtbot.waitUntil(lambda: first_lines(window) == ["homework"], timeout=30_000)
    window.close()
    shutil.rmtree(project / ".venv")  # while Venvdesk was closed
    window = open_window()
    assert first_lines(window) == ["homework — not set up yet"]  # no second, broken "homework/.venv" row
    window.projects.open_folder(project)
    qtbot.waitUntil(lambda: "is no longer in its folder" in message(window), timeout=30_000)
    assert message(window) == (
        "The environment of “homework”, .venv, is no longer in its folder: it was deleted or moved outside Venvdesk."
        " Click “Set up this project” on the Project tab to make a new one."
    )
    qtbot.waitUntil(lambda: first_lines(window) == ["homework — not set up yet"], timeout=30_000)
    assert window.findChild(QPushButton, "setUpProjectButton").isVisible()
    assert EnvironmentRegistry.load().project(project).environment is None
    window.close()
    again = open_window()
    assert first_lines(again) == ["homework — not set up yet"]


def test_setting_up_a_project_whose_folder_was_deleted_makes_nothing(qtbot, open_window, tmp_path):
    import shutil

    project = make_project(tmp_path)
    window = open_window()
    open_and_wait(qtbot, window, project)
    shutil.rmtree(project)
    qtbot.mouseClick(window.findChild(QPushButton, "setUpProjectButton"), Qt.MouseButton.LeftButton)
    assert message(window).startswith(f"The folder {project} no longer exists, so “homework” was not set up. Nothing was made.")
    assert window.message_bar.level.value == "error"
    qtbot.wait(500)
    assert not project.exists() and not window.runner.running_operations()


def test_a_broken_environment_in_the_project_is_said_to_be_broken_and_can_be_replaced(
    qtbot, open_window, tmp_path, seeded_pip_cache
):
    project = tmp_path / "homework"
    project.mkdir()
    (project / "main.py").write_text("print('hi')\n")
    broken = project / "venv"
    broken.mkdir()
    (broken / "pyvenv.cfg").write_text("home = /nonexistent/python/bin\nversion = 3.9.1\n")
    window = open_window()
    open_and_wait(qtbot, window, project)
    qtbot.waitUntil(lambda: first_lines(window) == ["homework"], timeout=30_000)
    assert message(window).startswith("“homework” has an environment, venv (Python 3.9.1), but it is broken: The Python"
                                      " it was made from (/nonexistent/python/bin) is gone")
    assert window.message_bar.level.value == "warning"
    page = window.project_page
    qtbot.waitUntil(lambda: "It is broken" in page.environment_label.text(), timeout=30_000)
    text = page.environment_label.text()
    assert "“Re-create with another Python…” below" in text
    recreate = window.findChild(QToolButton, "recreateEnvironmentActionButton")
    assert recreate is not None and recreate.isVisible()  # the button the sentence points to
    assert "click “Set up this project”: it makes a new .venv in this folder" in text
    assert "(the broken venv goes to the trash first; you are asked)" in text
    set_up = window.findChild(QPushButton, "setUpProjectButton")
    assert set_up.isVisible() and set_up.isEnabled()
    assert not page.install_button.isVisible()

    qtbot.mouseClick(set_up, Qt.MouseButton.LeftButton)
    actions = window.environment_actions
    qtbot.waitUntil(lambda: actions.confirm_delete_box is not None and actions.confirm_delete_box.isVisible(), timeout=10_000)
    assert "Then “Set up this project” makes a new .venv" in actions.confirm_delete_box.informativeText()
    assert not (project / ".venv").exists()  # nothing happens before the person answers
    qtbot.mouseClick(actions.confirm_delete_box.findChild(QPushButton, "confirmDeleteButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (project / ".venv" / "pyvenv.cfg").is_file() and not window.runner.running_operations()
                    and EnvironmentRegistry.load().project(project).environment == project / ".venv", timeout=SETUP_TIMEOUT)
    assert not broken.exists()  # in the trash
    qtbot.waitUntil(lambda: window.environment_actions.selected_entry() is not None
                    and window.environment_actions.selected_entry().usable, timeout=30_000)
    assert first_lines(window) == ["homework"]


def test_a_folder_that_cannot_be_opened_leaves_the_current_project_shown(qtbot, open_window, tmp_path, make_venv):
    project = make_project(tmp_path)
    window = open_window()
    open_and_wait(qtbot, window, project)
    page = window.project_page
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    for bad, says in [
        (notes, "is a file, not a folder"),
        (tmp_path / "nope", "could not open the folder"),
        (make_venv("myenv"), "is an environment, not a project folder"),
        (Path("/"), "is the top of the disk, not a project folder"),
    ]:
        window.projects.open_folder(bad)
        qtbot.waitUntil(lambda says=says: says in message(window), timeout=30_000)
        qtbot.waitUntil(lambda: page.scan is not None, timeout=30_000)
        assert page.title.text() == "homework", bad
        assert page.summary_label.text().startswith("Found requirements.txt"), bad
        assert page_shown(window) or window.package_tabs.isTabVisible(window.package_tabs.indexOf(page))
        assert window.findChild(QPushButton, "setUpProjectButton").isEnabled()
    assert first_lines(window) == ["homework — not set up yet"]  # nothing else was remembered


def test_the_home_folder_is_opened_as_a_project_only_after_asking(qtbot, open_window, tmp_path, monkeypatch):
    home = tmp_path / "me"
    home.mkdir()
    (home / "notes.py").write_text("")
    monkeypatch.setenv("HOME", str(home))
    window = open_window()
    window.projects.open_folder(home)
    box = window.projects.question_box
    assert box is not None and box.isVisible() and box.objectName() == "homeFolderProjectBox"
    assert box.text() == f"{home} is your home folder. Open it as a project anyway?"
    assert f"would make {home / '.venv'}, one environment for everything" in box.informativeText()
    box.reject()
    qtbot.wait(300)
    assert row_texts(window) == [] and EnvironmentRegistry.load().project(home) is None
    window.projects.open_folder(home)
    box = window.projects.question_box
    qtbot.mouseClick(box.findChild(QPushButton, "openHomeFolderAnywayButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first_lines(window) == ["me — not set up yet"], timeout=30_000)


def test_only_the_main_requirements_file_is_ticked_and_the_sentence_stays_short(qtbot, open_window, tmp_path):
    project = make_project(tmp_path)
    for name in ("requirements-dev.txt", "requirements-10.txt", "requirements-2.txt"):
        (project / name).write_text("tinyutil\n")
    (project / "requirements-empty.txt").write_text("")
    window = open_window()
    open_and_wait(qtbot, window, project)
    page = window.project_page
    shown = [(source.check.text(), source.check.isChecked()) for source in page._sources]
    assert shown == [
        ("requirements.txt (1 package)", True),
        ("requirements-2.txt (1 package)", False),
        ("requirements-10.txt (1 package)", False),
        ("requirements-dev.txt (1 package)", False),
        ("requirements-empty.txt (empty)", False),
        ("pyproject.toml dependencies (1 package)", True),
        ("Optional group “dev” (1 package)", False),
    ]
    assert page.will_label.text() == "Then installs requirements.txt, and 1 package from pyproject.toml, with the live log below."
    page.source_check("requirements-2.txt").setChecked(True)
    page.source_check("requirements-10.txt").setChecked(True)
    assert page.will_label.text() == (
        "Then installs requirements.txt and 2 more files, and 1 package from pyproject.toml, with the live log below."
    )


def test_lines_that_change_where_code_comes_from_are_asked_about_before_anything_is_made(
    qtbot, open_window, tmp_path, seeded_pip_cache, use_local_index
):
    project = tmp_path / "homework"
    project.mkdir()
    (project / "requirements.txt").write_text(f"--index-url {use_local_index.simple_url}\ntinyapp==2.0\n")
    window = open_window()
    open_and_wait(qtbot, window, project)
    set_up = window.findChild(QPushButton, "setUpProjectButton")
    qtbot.mouseClick(set_up, Qt.MouseButton.LeftButton)
    box = window.projects.question_box
    assert box is not None and box.isVisible() and box.objectName() == "setupSourcesBox"
    assert box.text() == "requirements.txt has lines that change where packages are downloaded from, or install local code:"
    assert f"line 1: --index-url {use_local_index.simple_url}" in box.informativeText()
    box.reject()  # Cancel: nothing is made
    qtbot.wait(300)
    assert not (project / ".venv").exists() and not window.runner.running_operations()

    qtbot.mouseClick(set_up, Qt.MouseButton.LeftButton)
    box = window.projects.question_box
    qtbot.mouseClick(box.findChild(QPushButton, "setUpAnywayButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: installed(window).get("tinyapp") == "2.0", timeout=SETUP_TIMEOUT)
    wait_until_idle(qtbot, window)
    assert window.package_actions.requirements_options_box is None  # not asked a second time


def test_the_trash_question_names_the_projects_that_use_the_environment(qtbot, open_window, tmp_path, make_venv):
    project = make_project(tmp_path)
    data = make_venv("data", parent=storage.default_environments_dir())
    registry = EnvironmentRegistry.load()
    registry.remember_project(project, data)
    window = open_window()
    select_row(qtbot, window, "data")
    window.environment_actions.delete_action.trigger()
    actions = window.environment_actions
    qtbot.waitUntil(lambda: actions.confirm_delete_box is not None and actions.confirm_delete_box.isVisible(), timeout=10_000)
    assert "The project “homework” uses it and will need a new environment." in actions.confirm_delete_box.informativeText()
    actions.confirm_delete_box.reject()
