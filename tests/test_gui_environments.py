"""The Environments side of the window, driven as a person would: real clicks, real venv, real trash."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core import storage
from core.environments import Environment, EnvironmentRegistry
from core.operations import Status
from gui.environments_panel import LIST_PAGE, WELCOME_PAGE
from gui.main_window import MainWindow
from gui.models.environments import EnvironmentListModel
from tests.conftest import base_python

CREATE_TIMEOUT = 90_000


@pytest.fixture
def open_window(qtbot, make_main_window):
    """Start the main window the way the app does and wait for its start-up work."""

    def start() -> MainWindow:
        window = make_main_window()
        window.show()
        with qtbot.waitSignals([window.environment_actions.environments_loaded, window.creation.interpreters_loaded], timeout=60_000):
            pass
        return window

    return start


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def visible_names(window: MainWindow) -> list[str]:
    model = window.environment_actions.model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def select_environment(qtbot, window: MainWindow, name: str) -> None:
    row = visible_names(window).index(name)
    rect = window.environments_panel.list_view.visualRect(window.environment_actions.model.index(row, 0))
    qtbot.mouseClick(window.environments_panel.list_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.environment_actions.selected_entry().environment.name == name


def add_and_select(qtbot, window: MainWindow, target: Path) -> None:
    """Add an existing environment as "Add existing…" does, and select it in the list."""
    window.environment_actions.add_environment_folder(str(target))
    qtbot.waitUntil(lambda: target.name in visible_names(window))
    select_environment(qtbot, window, target.name)


def second_interpreter(window: MainWindow):
    """A usable interpreter that is not the dialog's default choice (to prove the choice is used)."""
    usable = [i for i in window.creation.interpreters if i.can_create_venv]
    if len(usable) < 2:
        pytest.skip("needs two usable Python interpreters")
    return usable[1]


def test_welcome_page_offers_to_create_the_first_environment(open_window):
    window = open_window()
    assert window.environments_panel.pages.currentIndex() == WELCOME_PAGE
    button = window.findChild(QPushButton, "welcomeCreateButton")
    assert button.isVisible() and button.text() == "Create your first environment"
    assert window.findChild(QPushButton, "newEnvironmentButton").isVisible()


def test_create_environment_with_chosen_interpreter(qtbot, open_window, seeded_pip_cache):
    window = open_window()
    chosen = second_interpreter(window)
    click(qtbot, window.findChild(QPushButton, "welcomeCreateButton"))
    dialog = window.creation.new_environment_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.location_edit.text() == str(storage.default_environments_dir())
    qtbot.keyClicks(dialog.name_edit, "demo")
    combo = dialog.interpreter_combo
    row = next(r for r in range(combo.count()) if getattr(combo.itemData(r), "path", None) == chosen.path)
    combo.setCurrentIndex(row)
    assert combo.currentText() == chosen.label
    assert dialog.create_button.isEnabled()

    window.log_panel.full_commands_check.setChecked(True)  # whole command lines in the view, as in the file
    with qtbot.waitSignal(window.creation.creation_finished, timeout=CREATE_TIMEOUT) as finished:
        click(qtbot, dialog.create_button)
        assert window.progress_bar.isVisible() and window.cancel_button.isVisible()
    outcome = finished.args[0]
    assert outcome.ok, outcome.detail()

    target = storage.default_environments_dir() / "demo"
    environment = Environment.load(target)
    assert environment.short_version == chosen.version_text
    assert os.path.realpath(environment.home) == os.path.dirname(chosen.real_path)
    assert glob.glob(str(target / "lib" / "python*" / "site-packages" / "pip"))

    # Like every change, a creation ends with the half-installed scan and pip check.
    with qtbot.waitSignals([window.current.packages_loaded, window.operations.checks_finished], timeout=20_000):
        pass
    qtbot.waitUntil(lambda: not window.runner.is_busy(str(target)), timeout=20_000)
    assert visible_names(window) == ["demo"]
    assert window.environments_panel.pages.currentIndex() == LIST_PAGE
    assert window.environment_actions.model.data(window.environment_actions.model.index(0, 1)) == chosen.version_text
    packages = [p.name for p in window.packages_panel.model.packages()]
    assert packages == ["pip"]
    assert not window.progress_bar.isVisible()

    log = window.log_view.toPlainText()
    commands = [line for line in log.splitlines() if line.startswith("$ ")]
    assert commands[0].startswith(f"$ {chosen.path} -m venv --without-pip")
    assert "seed_pip.py" in commands[1]
    assert log.index("Creating “demo”") < log.index(commands[0]) < log.index("✓ Creating “demo”: done.")
    check = next(c for c in commands if c.endswith("-m pip --disable-pip-version-check --no-input --no-color check"))
    # Then pip is byte-compiled, in the background (the environment was ready before).
    assert commands.index(check) > 1 and all("-m compileall" in c for c in commands[commands.index(check) + 1:])
    assert "✓ Checking that packages fit together: done." in log
    assert not window.packages_panel.problems_label.isVisible()


def test_dialog_refuses_invalid_names_inline(qtbot, open_window, tmp_path):
    window = open_window()
    click(qtbot, window.findChild(QPushButton, "newEnvironmentButton"))
    dialog = window.creation.new_environment_dialog
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("mine")
    dialog.location_edit.setText(str(tmp_path))
    for text, expected in [
        ("a/b", "cannot contain /"),
        ("-rf", "cannot start with “-”"),
        ("taken", "already exists"),
    ]:
        dialog.name_edit.clear()
        qtbot.keyClicks(dialog.name_edit, text)
        assert dialog.error_label.isVisible()
        assert expected in dialog.error_label.text()
        assert not dialog.create_button.isEnabled()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "fresh")
    assert not dialog.error_label.isVisible()
    assert dialog.create_button.isEnabled()
    assert dialog.target_label.text().replace("\u200b", "") == f"Will be created as {tmp_path / 'fresh'}"


def test_unusable_interpreters_are_disabled_with_their_reason(qtbot, open_window):
    window = open_window()
    unusable = [i for i in window.creation.interpreters if not i.can_create_venv]
    if not unusable:
        pytest.skip("every interpreter on this machine can create environments")
    click(qtbot, window.findChild(QPushButton, "newEnvironmentButton"))
    combo = window.creation.new_environment_dialog.interpreter_combo
    for interpreter in unusable:
        row = next(r for r in range(combo.count()) if getattr(combo.itemData(r), "path", None) == interpreter.path)
        item = combo.model().item(row)
        assert not item.isEnabled()
        assert interpreter.problem in item.toolTip()


def test_cancel_creation_removes_the_half_made_folder(qtbot, open_window):
    window = open_window()
    click(qtbot, window.findChild(QPushButton, "newEnvironmentButton"))
    dialog = window.creation.new_environment_dialog
    qtbot.keyClicks(dialog.name_edit, "halfway")
    dialog.select_interpreter(base_python())
    # No cached pip wheel: creation runs ensurepip, which takes seconds: time to cancel.
    with qtbot.waitSignal(window.runner.started, timeout=10_000):
        click(qtbot, dialog.create_button)
    target = storage.default_environments_dir() / "halfway"
    qtbot.waitUntil(lambda: (target / "pyvenv.cfg").exists(), timeout=10_000)
    with qtbot.waitSignal(window.creation.creation_finished, timeout=30_000) as finished:
        click(qtbot, window.cancel_button)
    assert finished.args[0].status is Status.CANCELLED
    assert not target.exists()
    assert "cancelled" in window.message_bar.text()
    assert "✗ Creating “halfway”: cancelled." in window.log_view.toPlainText()
    assert not window.cancel_button.isVisible()
    assert visible_names(window) == []


def test_delete_environment_moves_it_to_the_trash(qtbot, open_window, make_venv):
    target = make_venv("old-project", parent=storage.default_environments_dir().parent / "envs_tmp")
    storage.default_environments_dir().mkdir(parents=True)
    target = target.rename(storage.default_environments_dir() / "old-project")
    window = open_window()
    assert visible_names(window) == ["old-project"]
    select_environment(qtbot, window, "old-project")

    window.environment_actions.delete_action.trigger()
    qtbot.waitUntil(lambda: window.environment_actions.confirm_delete_box is not None and window.environment_actions.confirm_delete_box.isVisible())
    box = window.environment_actions.confirm_delete_box
    assert str(target) in box.informativeText()
    assert "MB" in box.informativeText() or "KB" in box.informativeText()
    with qtbot.waitSignal(window.environment_actions.environment_deleted, timeout=10_000) as deleted:
        click(qtbot, box.findChild(QPushButton, "confirmDeleteButton"))
    assert not target.exists()
    trashed = Path(deleted.args[1])
    assert (trashed / "pyvenv.cfg").is_file(), "the folder is in the trash, whole"
    assert trashed.is_relative_to(Path(os.environ["XDG_DATA_HOME"]) / "Trash")
    qtbot.waitUntil(lambda: visible_names(window) == [])


def test_cancel_in_delete_confirmation_keeps_everything(qtbot, open_window, make_venv):
    target = make_venv("keep-me")
    window = open_window()
    add_and_select(qtbot, window, target)
    window.environment_actions.delete_action.trigger()
    qtbot.waitUntil(lambda: window.environment_actions.confirm_delete_box is not None and window.environment_actions.confirm_delete_box.isVisible())
    window.environment_actions.confirm_delete_box.reject()
    assert (target / "pyvenv.cfg").is_file()
    assert visible_names(window) == ["keep-me"]


def test_refuses_to_delete_a_folder_without_pyvenv_cfg(qtbot, open_window, make_venv):
    target = make_venv("not-quite")
    window = open_window()
    window.environment_actions.add_environment_folder(str(target))
    qtbot.waitUntil(lambda: visible_names(window) == ["not-quite"])
    (target / "pyvenv.cfg").unlink()
    (target / "my-notes.txt").write_text("precious")
    window.environment_actions.refresh()
    qtbot.waitSignal(window.environment_actions.environments_loaded).wait()
    select_environment(qtbot, window, "not-quite")

    window.environment_actions.delete_action.trigger()
    assert window.environment_actions.confirm_delete_box is None
    assert "has no pyvenv.cfg" in window.message_bar.text()
    assert "Nothing was deleted" in window.message_bar.text()
    assert (target / "my-notes.txt").read_text() == "precious"


def test_broken_environment_is_shown_as_broken(qtbot, open_window, make_venv):
    target = make_venv("orphan")
    config = target / "pyvenv.cfg"
    config.write_text(config.read_text().replace(f"home = {Environment.load(target).home}", "home = /gone/python/bin"))
    window = open_window()
    window.environment_actions.add_environment_folder(str(target))
    qtbot.waitUntil(lambda: visible_names(window) == ["orphan"])
    model = window.environment_actions.model
    entry = model.data(model.index(0, 0), EnvironmentListModel.EntryRole)
    assert not entry.health.ok
    tooltip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "Broken" in tooltip and "/gone/python/bin" in tooltip
    select_environment(qtbot, window, "orphan")
    assert "is gone" in window.packages_panel.placeholder.text()
    assert "broken" in window.packages_panel.placeholder.text()
    assert window.packages_panel.pages.currentWidget() is window.packages_panel.message_page
    assert window.findChild(QPushButton, "brokenRemoveFromListButton").isVisible()


def test_environment_whose_python_does_not_start_is_shown_as_broken(qtbot, open_window, make_venv):
    target = make_venv("nostart")
    python = target / "bin" / "python"
    python.unlink()
    python.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    python.chmod(0o755)
    window = open_window()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=20_000):
        window.environment_actions.add_environment_folder(str(target))
    qtbot.waitUntil(lambda: not window.environment_actions.model.entry(0).health.ok, timeout=20_000)
    assert "exits with code 3" in window.environment_actions.model.entry(0).health.reason


def test_corrupt_environment_list_is_set_aside_and_the_app_starts(qtbot, open_window, make_venv):
    storage.default_environments_dir().mkdir(parents=True)
    make_venv("survivor", parent=storage.default_environments_dir())
    registry_file = storage.config_dir() / "environments.json"
    registry_file.parent.mkdir(parents=True, exist_ok=True)
    registry_file.write_bytes(b"{not json at all")
    window = open_window()
    assert "could not be read" in window.message_bar.text()
    assert registry_file.with_name("environments.json.bak").read_bytes() == b"{not json at all"
    assert visible_names(window) == ["survivor"]
    assert window.environments_panel.pages.currentIndex() == LIST_PAGE


def test_remove_from_list_keeps_the_files(qtbot, open_window, make_venv):
    target = make_venv("listed")
    window = open_window()
    add_and_select(qtbot, window, target)
    with qtbot.waitSignal(window.environment_actions.environments_loaded):
        window.environment_actions.remove_action.trigger()
    assert visible_names(window) == []
    assert (target / "pyvenv.cfg").is_file()
    assert EnvironmentRegistry.load().added == []


def test_copy_activation_command(qtbot, open_window, make_venv):
    target = make_venv("project")
    window = open_window()
    add_and_select(qtbot, window, target)
    window.environment_actions.copy_activation_action.trigger()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text().endswith(f"{target}/bin/activate")
    assert "Paste it into a terminal" in window.message_bar.text()


def test_packages_panel_lists_installed_distributions(qtbot, open_window, make_venv, local_index):
    from tests.conftest import pip_install

    target = make_venv("with-packages")
    pip_install(target, "tinyapp==2.0", index_url=local_index.simple_url)
    window = open_window()
    with qtbot.waitSignal(window.current.packages_loaded, timeout=20_000):
        window.environment_actions.add_environment_folder(str(target))
    table = {(p.name, p.version) for p in window.packages_panel.model.packages()}
    assert {("tinyapp", "2.0"), ("tinyutil", "1.1")} <= table
    assert window.packages_panel.title.text() == "Packages in with-packages"


def test_browsing_to_an_interpreter_probes_it_and_offers_it(qtbot, open_window, tmp_path):
    window = open_window()
    click(qtbot, window.findChild(QPushButton, "newEnvironmentButton"))
    dialog = window.creation.new_environment_dialog
    qtbot.keyClicks(dialog.name_edit, "browsed")

    not_python = tmp_path / "python3"
    not_python.write_text("#!/bin/sh\necho hello\n")
    not_python.chmod(0o755)
    with qtbot.waitSignal(dialog.interpreter_browsed, timeout=20_000):
        dialog.add_browsed_interpreter(str(not_python))
    assert dialog.selected_interpreter().path == str(not_python)
    assert not dialog.selected_interpreter().can_create_venv
    assert not dialog.create_button.isEnabled()
    assert "did not start" in dialog.error_label.text()

    with qtbot.waitSignal(dialog.interpreter_browsed, timeout=20_000):
        dialog.add_browsed_interpreter(base_python())
    assert dialog.selected_interpreter().real_path == base_python()
    assert dialog.selected_interpreter().can_create_venv
    assert dialog.create_button.isEnabled()


def test_no_usable_python_tells_the_person_how_to_get_one(qtbot, open_window):
    window = open_window()
    # What discovery delivers on a machine with only Python 2 (the slot that receives its result).
    python2 = next((i for i in window.creation.interpreters if not i.can_create_venv), None)
    window.creation._interpreters_found([python2] if python2 else [])
    text = window.message_bar.text()
    assert "found no Python on this computer that can create environments" in text
    assert "sudo apt install python3 python3-venv" in text or "python.org" in text
    click(qtbot, window.findChild(QPushButton, "newEnvironmentButton"))
    dialog = window.creation.new_environment_dialog
    assert "No Python on this computer can create environments" in dialog.interpreter_note.text()
    assert not dialog.create_button.isEnabled()


def test_quitting_while_busy_asks_first(qtbot, open_window):
    window = open_window()
    from core.commands import Command
    from core.operations import CheckPackages, Operation

    sleeper = Operation("env", "Sleeping", [Command(base_python(), ("-c", "import time; time.sleep(30)"), "sleep")], CheckPackages())
    with qtbot.waitSignal(window.runner.started):
        window.runner.submit(sleeper)
    window.close()
    assert window.isVisible(), "the window stays open until the person confirms"
    box = window.confirm_quit_box
    assert box.isVisible() and "Sleeping" in box.text()
    with qtbot.waitSignal(window.runner.finished, timeout=10_000) as finished:
        click(qtbot, box.findChild(QPushButton, "stopAndQuitButton"))
    assert finished.args[0].status is Status.CANCELLED
    assert not window.isVisible()


def test_delete_warns_about_files_that_are_not_part_of_the_environment(qtbot, open_window, make_venv):
    target = make_venv("project-with-venv-inside")
    (target / "main.py").write_text("print('my work')\n")
    window = open_window()
    add_and_select(qtbot, window, target)
    window.environment_actions.delete_action.trigger()
    qtbot.waitUntil(lambda: window.environment_actions.confirm_delete_box is not None and window.environment_actions.confirm_delete_box.isVisible())
    assert "also holds things that are not part of the environment (main.py)" in window.environment_actions.confirm_delete_box.informativeText()
    window.environment_actions.confirm_delete_box.reject()


# ------------------------------------------------------------------ hostile names, a folder changed under the question


def test_copy_activation_of_an_environment_whose_path_runs_code_warns_instead(qtbot, open_window, make_venv):
    from PySide6.QtGui import QGuiApplication

    from gui.message_bar import Level

    target = make_venv("$(touch PWNED)")
    window = open_window()
    add_and_select(qtbot, window, target)  # an existing environment may be added: it is not made here
    QGuiApplication.clipboard().setText("what was there before")
    assert window.environment_actions.copy_activation_command() == ""
    assert QGuiApplication.clipboard().text() == "what was there before", "nothing unsafe to paste"
    text = window.message_bar.text()
    assert window.message_bar.level is Level.WARNING
    assert "unsafe to paste" in text
    assert "“$” appears in the folder name “$(touch PWNED)”" in text

    window.environment_actions.open_terminal_action.trigger()
    assert window.message_bar.level is Level.WARNING
    assert window.message_bar.text().startswith("No terminal was opened.")
    assert QGuiApplication.clipboard().text() == "what was there before"


def test_trash_asks_again_when_the_folder_changed_while_the_question_was_open(qtbot, open_window, make_venv):
    from gui.message_bar import Level

    target = make_venv("old-env")
    window = open_window()
    add_and_select(qtbot, window, target)
    actions = window.environment_actions
    actions.delete_action.trigger()
    qtbot.waitUntil(lambda: actions.confirm_delete_box is not None and actions.confirm_delete_box.isVisible())
    first_box = actions.confirm_delete_box
    assert "not part of the environment" not in first_box.informativeText()

    (target / "thesis.docx").write_text("four years of work")  # while the question is open
    click(qtbot, first_box.findChild(QPushButton, "confirmDeleteButton"))
    assert (target / "thesis.docx").read_text() == "four years of work", "nothing was moved"
    assert (target / "pyvenv.cfg").is_file()
    assert window.message_bar.level is Level.WARNING
    assert "was not moved to the trash: the folder changed" in window.message_bar.text()
    assert "it now also holds thesis.docx" in window.message_bar.text()

    # Asked again, with the new warning; confirming that moves what it now shows.
    qtbot.waitUntil(lambda: actions.confirm_delete_box is not first_box and actions.confirm_delete_box.isVisible())
    second_box = actions.confirm_delete_box
    assert "also holds things that are not part of the environment (thesis.docx)" in second_box.informativeText()
    with qtbot.waitSignal(actions.environment_deleted, timeout=10_000):
        click(qtbot, second_box.findChild(QPushButton, "confirmDeleteButton"))
    assert not target.exists()


def test_a_row_clicked_while_the_list_is_read_stays_chosen(qtbot, make_venv, make_main_window):
    """The rows are on screen from the first paint, and the list is read again in the background
    (at start-up, F5, after a change): a row the person clicks meanwhile is not taken back when the
    read ends.  It was: the row selected when the read *started* was selected again."""
    from PySide6.QtTest import QTest

    storage.default_environments_dir().mkdir(parents=True)
    make_venv("first", parent=storage.default_environments_dir())
    make_venv("second", parent=storage.default_environments_dir())
    window = make_main_window()
    window.show()
    actions = window.environment_actions
    with qtbot.waitSignal(actions.environments_loaded, timeout=30_000):
        pass
    view = window.environments_panel.list_view
    assert view.model().index(0, 0).data() == "first" and actions.selected_entry().environment.name == "first"
    with qtbot.waitSignal(actions.environments_loaded, timeout=30_000):
        actions.refresh()  # the read runs on a worker; its end arrives through the event loop
        second = view.visualRect(view.model().index(1, 0)).center()
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, second)
    qtbot.waitUntil(lambda: window.packages_panel.title.text() == "Packages in second", timeout=30_000)
    qtbot.wait(200)
    assert [index.data() for index in view.selectionModel().selectedRows()] == ["second"]
    assert window.packages_panel.title.text() == "Packages in second"
