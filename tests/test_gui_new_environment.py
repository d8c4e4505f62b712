"""The New environment dialog as a person uses it: Enter creates, the last Python is remembered,
the path shown is exact, and nothing moves while typing."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from core import storage
from core.environments import Environment
from core.settings import Settings
from tests.test_gui_environments import CREATE_TIMEOUT, click, second_interpreter


@pytest.fixture
def open_window(qtbot, make_main_window):
    """The main window as the app starts it, once its start-up work (the list, the Pythons) is done."""

    def start():
        window = make_main_window()
        window.show()
        with qtbot.waitSignals(
            [window.environment_actions.environments_loaded, window.creation.interpreters_loaded], timeout=60_000
        ):
            pass
        return window

    return start


def open_dialog(qtbot, window):
    click(qtbot, window.findChild(QPushButton, "newEnvironmentButton"))
    dialog = window.creation.new_environment_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_enter_in_the_name_field_creates_and_the_python_is_remembered(qtbot, open_window, seeded_pip_cache):
    window = open_window()
    chosen = second_interpreter(window)
    dialog = open_dialog(qtbot, window)
    combo = dialog.findChild(QComboBox, "interpreterCombo")
    combo.setCurrentIndex(next(r for r in range(combo.count()) if getattr(combo.itemData(r), "path", None) == chosen.path))
    dialog.name_edit.setFocus()
    qtbot.keyClicks(dialog.name_edit, "by-enter")
    with qtbot.waitSignal(window.creation.creation_finished, timeout=CREATE_TIMEOUT) as finished:
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert finished.args[0].ok, finished.args[0].detail()
    target = storage.default_environments_dir() / "by-enter"
    assert Environment.load(target).short_version == chosen.version_text
    qtbot.waitUntil(lambda: not window.runner.is_busy(str(target)), timeout=20_000)

    # Next time (in this window, and in a new start of the app) the same Python is preselected.
    assert Settings.load().last_interpreter == chosen.path
    again = open_dialog(qtbot, window)
    assert again.selected_interpreter().path == chosen.path
    again.reject()
    later = open_window()
    assert open_dialog(qtbot, later).selected_interpreter().path == chosen.path


def test_the_cached_pip_is_unpacked_once_and_new_environments_link_it(qtbot, open_window, seeded_pip_cache):
    """After start-up the cached pip wheel is unpacked in the background; a new environment's pip files
    are then links to those (no unzipping), and its pip works."""
    import subprocess

    from core import pip_wheels

    window = open_window()
    unpacked = pip_wheels.unpacked_folder(seeded_pip_cache)
    qtbot.waitUntil(unpacked.is_dir, timeout=20_000)
    dialog = open_dialog(qtbot, window)
    qtbot.keyClicks(dialog.name_edit, "linked")
    with qtbot.waitSignal(window.creation.creation_finished, timeout=CREATE_TIMEOUT) as finished:
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert finished.args[0].ok, finished.args[0].detail()
    environment = Environment.load(storage.default_environments_dir() / "linked")
    module = environment.site_packages() / "pip" / "__init__.py"
    assert module.stat().st_ino == (unpacked / "pip" / "__init__.py").stat().st_ino
    assert f"Install pip from {seeded_pip_cache.name}" in window.log_view.toPlainText()
    shown = subprocess.run([str(environment.python), "-m", "pip", "--version"], capture_output=True, text=True)
    assert shown.stdout.startswith("pip " + seeded_pip_cache.name.split("-")[1] + " "), shown.stderr
    qtbot.waitUntil(lambda: not window.runner.is_busy(str(environment.path)), timeout=20_000)


def test_choose_buttons_are_never_pressed_by_enter(qtbot, open_window):
    dialog = open_dialog(qtbot, open_window())
    for name in ("chooseLocationButton", "chooseRequirementsButton"):
        button = dialog.findChild(QPushButton, name)
        assert not button.autoDefault() and not button.isDefault()
    assert dialog.findChild(QPushButton, "createEnvironmentButton").isDefault()


def test_the_path_shown_is_exact_with_no_invisible_characters(qtbot, open_window, tmp_path):
    dialog = open_dialog(qtbot, open_window())
    location = tmp_path / "a-rather-long-folder-name-for-environments" / "and-another-level-below-it"
    dialog.location_edit.setText(str(location))
    qtbot.keyClicks(dialog.name_edit, "homework")
    label = dialog.findChild(QLabel, "targetPathLabel")
    assert label.isVisible()
    assert label.text() == f"Will be created as {location / 'homework'}"
    invisible = [c for c in label.text() if unicodedata.category(c) in ("Cf", "Cc", "Zl", "Zp") or (c.isspace() and c != " ")]
    assert invisible == []
    assert label.wordWrap()  # long paths wrap (after "/" and "-") instead of being cut


def test_the_form_does_not_move_when_the_first_character_is_typed(qtbot, open_window):
    dialog = open_dialog(qtbot, open_window())
    qtbot.wait(50)
    watched = [
        dialog.name_edit,
        dialog.location_edit,
        dialog.findChild(QComboBox, "interpreterCombo"),
        dialog.prompt_edit,
        dialog.requirements_edit,
        dialog.findChild(QPushButton, "createEnvironmentButton"),
    ]

    def places() -> list[tuple[QPoint, int, int]]:
        return [(w.mapTo(dialog, QPoint(0, 0)), w.width(), w.height()) for w in watched]

    before, size = places(), dialog.size()
    qtbot.keyClicks(dialog.name_edit, "h")
    qtbot.wait(50)
    assert dialog.findChild(QLabel, "targetPathLabel").isVisible()
    assert places() == before and dialog.size() == size
    # And an error in place of the path does not move anything either.
    qtbot.keyClicks(dialog.name_edit, "/")
    qtbot.wait(50)
    assert dialog.error_label.isVisible()
    assert places() == before


def test_long_interpreter_paths_are_elided_in_the_middle(qtbot, open_window):
    window = open_window()
    usable = next(i for i in window.creation.interpreters if i.can_create_venv)
    long_path = "/opt/" + "/".join(["a-very-long-folder-name"] * 8) + "/bin/python3.12"
    interpreter = dataclasses.replace(usable, path=long_path, real_path=long_path)
    dialog = open_dialog(qtbot, window)
    dialog.set_interpreters([interpreter], loading=False)
    combo = dialog.findChild(QComboBox, "interpreterCombo")
    shown = combo.displayed_text()
    assert "…" in shown
    assert shown.startswith("Python") and shown.endswith("bin/python3.12")  # the ends stay; the middle goes
    assert combo.view().textElideMode() == Qt.TextElideMode.ElideMiddle
    assert long_path in combo.model().item(0).toolTip()


def test_prompt_is_explained_in_one_line(qtbot, open_window):
    dialog = open_dialog(qtbot, open_window())
    hint = dialog.findChild(QLabel, "promptHint")
    assert hint.isVisible() and "terminal" in hint.text()


def test_enter_on_an_empty_name_says_what_is_missing(qtbot, open_window):
    """Enter before a name is typed does not do nothing: the status line says what is missing."""
    window = open_window()
    dialog = open_dialog(qtbot, window)
    assert not dialog.error_label.isVisible()  # nothing said before the person tried
    dialog.name_edit.setFocus()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and not window.runner.running_operations()
    assert dialog.error_label.isVisible() and dialog.error_label.text() == "Give the environment a name."
    # Typing a name replaces it with the path; Enter in another field says it again once the name is gone.
    qtbot.keyClicks(dialog.name_edit, "abc")
    assert not dialog.error_label.isVisible()
    assert dialog.findChild(QLabel, "targetPathLabel").isVisible()
    dialog.name_edit.clear()
    qtbot.keyClick(dialog.prompt_edit, Qt.Key.Key_Enter)
    assert dialog.isVisible() and dialog.error_label.text() == "Give the environment a name."
