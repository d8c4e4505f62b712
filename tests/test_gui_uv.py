"""uv chosen in Settings: the same window, the same words, a faster installer.

Real uv (Venvdesk's optional extra; the tests skip where it is not installed) against the local
index of deliberately failing packages, hermetic (``UV_NO_CONFIG``, its cache in the test's state
folder: see ``venvdesk_testing.isolation``).  What the person sees is the same as with pip: the
plan before an install that changes installed packages, the failure explained with its fix,
what changed, and Undo.
"""

from __future__ import annotations

import subprocess

import pytest
from PySide6.QtWidgets import QComboBox

from core import uv
from core.settings import Settings
from tests.test_gui_failures import (  # noqa: F401 - fixtures
    PIP_TIMEOUT,
    bar_button,
    bar_text,
    click,
    failing_index,
    failing_index_root,
    install_typed,
    open_failing,
    open_window,
    packages_of,
    press,
)

pytestmark = pytest.mark.skipif(not uv.find_uv(), reason="uv is not installed (Venvdesk's 'uv' extra)")


@pytest.fixture
def with_uv():
    """Settings ▸ Installer: uv (saved before the window starts, as after a restart)."""
    settings = Settings.load()
    settings.installer = "uv"
    settings.save()


def test_uv_installs_with_the_plan_first_and_undo_goes_back(qtbot, with_uv, open_failing):  # noqa: F811
    window, target = open_failing()
    before = packages_of(target)
    install_typed(qtbot, window, "lib==1.0")  # only pip there: no question
    assert packages_of(target)["lib"][1] == "1.0"
    assert "uv pip install" in window.log_view.toPlainText()
    assert "done" in bar_text(window), bar_text(window)
    # uv's dry run (its plan is on standard error) becomes the same question pip's does.
    qtbot.keyClicks(window.packages_panel.install_edit, "other-y")
    click(qtbot, window.packages_panel.install_button)
    qtbot.waitUntil(lambda: window.package_actions.install_plan_box is not None
                    and window.package_actions.install_plan_box.isVisible(), timeout=PIP_TIMEOUT)
    box = window.package_actions.install_plan_box
    assert "upgrades lib from 1.0 to 2.0" in box.informativeText(), box.informativeText()
    install = next(b for b in box.buttons() if b.text() == "Install")
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        install.click()
    assert packages_of(target)["lib"][1] == "2.0" and packages_of(target)["other-y"][1] == "1.0"
    # Undo: back to the set before that install, through uv too.
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        window.changes.undo_action.trigger()
    assert packages_of(target) == {**before, "lib": ("lib", "1.0")}
    # The environment stays a standard one: its own pip still works and lists what is there.
    listed = subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "pip==" in listed and "lib==1.0" in listed and "other-y" not in listed


def test_a_uv_failure_is_explained_with_the_fix(qtbot, with_uv, open_failing):  # noqa: F811
    window, target = open_failing()
    before = packages_of(target)
    install_typed(qtbot, window, "reqeusts")
    text = bar_text(window)
    assert "reqeusts" in text and "requests" in text, text
    assert "log" not in text.lower()
    assert window.message_bar.level.value == "error"
    assert packages_of(target) == before
    fix = bar_button(window, "messageActionButton")
    assert fix is not None and fix.text() == "Install requests"
    press(qtbot, window, fix)
    assert packages_of(target)["requests"][1] == "2.32.3"


def test_the_installer_setting_is_offered_and_saved(qtbot, make_main_window):
    window = make_main_window()
    dialog = window.open_settings()
    combo = dialog.findChild(QComboBox, "installerCombo")
    assert combo is not None and combo.currentData() == "pip"
    assert "found at" in dialog.installer_note.text(), dialog.installer_note.text()
    combo.setCurrentIndex(combo.findData("uv"))
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert Settings.load().installer == "uv"
    qtbot.waitUntil(lambda: bool(window.operations.uv_version), timeout=30_000)  # asked once, off the UI thread
