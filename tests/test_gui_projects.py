"""Projects driven as a person would: open a folder, set it up in one click, find it again after a
restart, use another environment for it, open it in an editor.  Real venv, real pip, local index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

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
