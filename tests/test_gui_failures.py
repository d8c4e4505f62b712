"""Failures as a beginner meets them, explained: real pip, a local index of deliberately failing packages.

Each test does what a person would (types a name, presses Install, presses the fix in the
message bar, presses Undo) and checks what they would read there, and what the environment
then really holds.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core.journal import package_set
from core.packages import installed_packages
from tests.support.local_index import LocalIndexServer, PackageSpec, build_wheel
from venvdesk_testing.failing import build_failing_index, setuptools_wheel

PIP_TIMEOUT = 180_000


@pytest.fixture(scope="session")
def failing_index_root(tmp_path_factory, pip_wheels) -> Path:
    extra = list(pip_wheels)
    setuptools = setuptools_wheel()
    if setuptools is not None:
        extra.append(setuptools)
    return build_failing_index(tmp_path_factory.mktemp("failing-index"), extra, with_sdists=setuptools is not None)


@pytest.fixture(scope="session")
def failing_index(failing_index_root):
    with LocalIndexServer(failing_index_root) as server:
        yield server


@pytest.fixture
def open_window(qtbot, make_venv, make_main_window):
    """A window showing a fresh environment (its pip uses whatever PIP_INDEX_URL says then)."""

    def start(name: str = "proj"):
        target = make_venv(name)
        window = make_main_window()
        window.show()
        with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
            pass
        with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
            window.environment_actions.add_environment_folder(str(target))
        return window, target

    return start


@pytest.fixture
def open_failing(open_window, failing_index, monkeypatch):
    """A window showing a fresh environment whose pip uses the failing index."""
    monkeypatch.setenv("PIP_INDEX_URL", failing_index.simple_url)
    return open_window


def bar_text(window) -> str:
    return window.findChild(type(window.message_bar.text_label), "messageText").text() if window.message_bar.isVisible() else ""


def bar_button(window, name: str) -> QPushButton | None:
    button = window.message_bar.findChild(QPushButton, name)
    return button if button is not None and button.isVisible() else None


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def packages_of(target: Path) -> dict[str, tuple[str, str]]:
    return package_set(installed_packages(next(target.glob("lib/python*/site-packages"))))


def install_typed(qtbot, window, text: str) -> None:
    """Type ``text`` in the Install box, press Install, wait until the message about it is up."""
    panel = window.packages_panel
    qtbot.keyClicks(panel.install_edit, text)
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        click(qtbot, panel.install_button)


def press(qtbot, window, button: QPushButton) -> None:
    """Press a button in the message bar and wait for the change it starts to be reported."""
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        click(qtbot, button)


def test_a_misspelt_name_is_explained_and_the_fix_installs_the_real_one(qtbot, open_failing):
    window, target = open_failing()
    before = packages_of(target)
    install_typed(qtbot, window, "reqeusts")
    text = bar_text(window)
    assert "reqeusts" in text and "requests" in text, text
    assert "log" not in text.lower()
    assert window.message_bar.level.value == "error"
    fix = bar_button(window, "messageActionButton")
    assert fix is not None and fix.text() == "Install requests"
    assert packages_of(target) == before  # nothing was installed
    press(qtbot, window, fix)
    assert packages_of(target)["requests"][1] == "2.32.3"
    # The success replaced the failure.
    assert "done" in bar_text(window) and "reqeusts" not in bar_text(window)
    assert window.message_bar.level.value == "success"


def test_no_release_for_this_python_offers_an_older_one_that_fits(qtbot, open_failing):
    window, target = open_failing()
    install_typed(qtbot, window, "fitsold==2.0")
    text = bar_text(window)
    assert "fitsold" in text and "Python" in text, text
    # The release that fits comes from the index's file list (a moment later).
    qtbot.waitUntil(lambda: bar_button(window, "messageActionButton") is not None
                    and "1.0" in bar_button(window, "messageActionButton").text(), timeout=30_000)
    press(qtbot, window, bar_button(window, "messageActionButton"))
    assert packages_of(target)["fitsold"][1] == "1.0"


def test_a_conflict_says_who_needs_what(qtbot, open_failing):
    window, target = open_failing()
    before = packages_of(target)
    install_typed(qtbot, window, "conflict-x")  # alone, it installs
    assert packages_of(target)["conflict-x"][1] == "1.0"
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        window.package_actions.install(["conflict-x", "other-y"], "Installing conflict-x, other-y", preview=True)
    text = bar_text(window)
    assert "conflict-x" in text and "other-y" in text and "lib" in text, text
    assert packages_of(target) != before


def test_a_package_that_needs_a_missing_header_offers_a_ready_made_wheel(qtbot, open_failing):
    if setuptools_wheel() is None or shutil.which("gcc") is None and shutil.which("cc") is None:
        pytest.skip("no setuptools wheel in this machine's mirror, or no C compiler")
    window, target = open_failing()
    install_typed(qtbot, window, "needspq==2.0")
    text = bar_text(window)
    assert "libpq" in text, text
    qtbot.waitUntil(lambda: any("1.0" in (bar_button(window, name).text() if bar_button(window, name) else "")
                                for name in ("messageActionButton", "messageSecondaryButton")), timeout=30_000)
    button = next(bar_button(window, name) for name in ("messageActionButton", "messageSecondaryButton")
                  if bar_button(window, name) is not None and "1.0" in bar_button(window, name).text())
    press(qtbot, window, button)
    assert packages_of(target)["needspq"][1] == "1.0"


def test_installed_but_cannot_be_imported_is_a_failure_with_the_fix(qtbot, open_failing):
    window, target = open_failing()
    install_typed(qtbot, window, "requests==2.6.0")
    # The install itself is done, then the import check fails: the banner changes to say so.
    qtbot.waitUntil(lambda: "imported" in bar_text(window), timeout=60_000)
    text = bar_text(window)
    assert "requests" in text and "2.6.0" in text, text
    assert window.message_bar.level.value == "error"
    qtbot.waitUntil(lambda: bar_button(window, "messageActionButton") is not None, timeout=30_000)
    press(qtbot, window, bar_button(window, "messageActionButton"))
    assert packages_of(target)["requests"][1] == "2.32.3"


def test_an_index_that_stopped_is_named(qtbot, open_window, monkeypatch, failing_index_root):
    server = LocalIndexServer(failing_index_root).start()
    monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
    window, _target = open_window("offline")
    server.stop()
    install_typed(qtbot, window, "requests")
    text = bar_text(window)
    assert "127.0.0.1" in text and ("reach" in text or "connect" in text), text
    assert "PIP_INDEX_URL" in text, text


def test_cancel_during_the_install_phase_says_what_changed_and_undo_restores_it(
    qtbot, open_window, monkeypatch, tmp_path, pip_wheels
):
    # slowpkg needs smalldep; pip installs smalldep first, then slowpkg's many files (a second or more).
    many = {f"slowpkg/part{i:05d}.py": "" for i in range(15_000)}
    many["slowpkg/__init__.py"] = ""
    packages = [
        PackageSpec("smalldep", "1.0"),
    ]
    folder = tmp_path / "index"
    from venvdesk_testing.index import build_index

    wheels = [build_wheel(tmp_path / "wheels", "slowpkg", "1.0", requires=("smalldep",), modules=many)]
    build_index(folder, packages, extra_wheels=[*pip_wheels, *wheels])
    with LocalIndexServer(folder) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        window, target = open_window("cancelled")
        before = packages_of(target)
        site_packages = next(target.glob("lib/python*/site-packages"))
        qtbot.keyClicks(window.packages_panel.install_edit, "slowpkg")
        click(qtbot, window.packages_panel.install_button)
        # Cancel once smalldep is in place and slowpkg's files are being written.
        qtbot.waitUntil(lambda: (site_packages / "slowpkg").is_dir() and any(site_packages.glob("smalldep-1.0.dist-info")),
                        timeout=PIP_TIMEOUT)
        with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
            click(qtbot, window.cancel_button)
        after = packages_of(target)
        text = bar_text(window)
        assert "cancelled" in text, text
        assert "smalldep 1.0" in text and "installed" in text, text
        assert "smalldep" in after and "slowpkg" not in after
        undo = bar_button(window, "messageUndoButton")
        assert undo is not None
        press(qtbot, window, undo)
        assert packages_of(target) == before
        listed = subprocess.run(
            [str(target / "bin" / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
            capture_output=True, text=True, check=True,
        ).stdout
        assert "smalldep" not in listed


def test_undo_last_change_and_the_history(qtbot, open_failing):
    window, target = open_failing()
    before = packages_of(target)
    install_typed(qtbot, window, "conflict-x")
    assert "lib 1.0" in bar_text(window) or "lib" in bar_text(window)
    action = window.findChild(type(window.changes.undo_action), "undoLastChangeAction")
    assert action is window.changes.undo_action and action.isEnabled()
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        action.trigger()
    assert packages_of(target) == before
    window.changes.history_action.trigger()
    dialog = window.changes.history_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows()
    assert rows[0][1].startswith("Undoing") and "Installing conflict-x" in rows[1][1]
    assert "conflict-x 1.0" in rows[1][2] and rows[1][3] == "done"
    dialog.reject()


def test_a_change_made_in_a_terminal_appears_in_the_history(qtbot, open_failing, failing_index):
    from tests.conftest import pip_install

    window, target = open_failing()
    install_typed(qtbot, window, "lib==1.0")
    pip_install(target, "other-y", index_url=failing_index.simple_url)  # upgrades lib to 2.0
    with qtbot.waitSignal(window.changes.history_changed, timeout=30_000):
        window.current.reload()
    window.changes.history_action.trigger()
    rows = window.changes.history_dialog.rows()
    assert rows[0][1] == "changed outside Venvdesk" and rows[0][3] == "changed outside Venvdesk"
    assert "other-y 1.0" in rows[0][2] and "lib" in rows[0][2]
    assert "Installing lib==1.0" in rows[1][1]


def test_an_install_that_changes_installed_packages_shows_the_plan_first(qtbot, open_failing):
    window, target = open_failing()
    install_typed(qtbot, window, "lib==1.0")  # nothing but pip there: no question
    assert window.package_actions.install_plan_box is None
    qtbot.keyClicks(window.packages_panel.install_edit, "other-y")
    click(qtbot, window.packages_panel.install_button)
    qtbot.waitUntil(lambda: window.package_actions.install_plan_box is not None
                    and window.package_actions.install_plan_box.isVisible(), timeout=PIP_TIMEOUT)
    box = window.package_actions.install_plan_box
    assert "upgrades lib from 1.0 to 2.0" in box.informativeText(), box.informativeText()
    assert "other-y 1.0" in box.informativeText()
    assert packages_of(target)["lib"][1] == "1.0"  # the dry run changed nothing
    box.button(box.StandardButton.Cancel).click()
    assert packages_of(target)["lib"][1] == "1.0" and "other-y" not in packages_of(target)
    # Asked again, and this time the person goes ahead.
    qtbot.keyClicks(window.packages_panel.install_edit, "other-y")
    click(qtbot, window.packages_panel.install_button)
    qtbot.waitUntil(lambda: window.package_actions.install_plan_box is not box
                    and window.package_actions.install_plan_box.isVisible(), timeout=PIP_TIMEOUT)
    install = next(b for b in window.package_actions.install_plan_box.buttons() if b.text() == "Install")
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        install.click()
    assert packages_of(target)["lib"][1] == "2.0" and packages_of(target)["other-y"][1] == "1.0"
    assert "lib was upgraded from 1.0 to 2.0" in bar_text(window) or "lib" in bar_text(window)


def test_the_proxy_setting_is_checked_saved_and_given_to_pip(qtbot, make_main_window, make_venv):
    from core.environments import Environment
    from core.settings import Settings

    window = make_main_window()
    dialog = window.open_settings()
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.keyClicks(dialog.proxy_edit, "proxy.example:notaport")
    assert not save.isEnabled() and "port" in dialog.error_label.text()
    dialog.proxy_edit.clear()
    qtbot.keyClicks(dialog.proxy_edit, "proxy.example:3128")
    assert save.isEnabled()
    click(qtbot, save)
    assert Settings.load().proxy == "proxy.example:3128"
    backend = window.operations.backend(Environment.load(make_venv("p")), ())
    args = backend.install(["requests"]).args
    assert args[args.index("--proxy") + 1] == "proxy.example:3128"


def test_the_plan_offers_a_ready_made_wheel_instead_of_a_build(qtbot, open_failing):
    if setuptools_wheel() is None:
        pytest.skip("no setuptools wheel in this machine's mirror")
    window, target = open_failing()
    install_typed(qtbot, window, "lib==1.0")  # something installed: the next install is previewed
    qtbot.keyClicks(window.packages_panel.install_edit, "needspq==2.0")
    click(qtbot, window.packages_panel.install_button)
    qtbot.waitUntil(lambda: window.package_actions.install_plan_box is not None
                    and window.package_actions.install_plan_box.isVisible(), timeout=PIP_TIMEOUT)
    box = window.package_actions.install_plan_box
    assert "built from source" in box.informativeText() and "C compiler" in box.informativeText()
    instead = next(b for b in box.buttons() if b.text() == "Install needspq 1.0 instead")
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        instead.click()
    assert packages_of(target)["needspq"][1] == "1.0"


def test_a_change_queued_behind_another_records_only_what_it_did(qtbot, open_failing):
    window, target = open_failing()
    panel = window.packages_panel
    reports = []
    window.changes.reported.connect(lambda report: reports.append(report))
    for spec in ("lib==1.0", "fastint==2.0"):
        panel.install_edit.setText(spec)
        click(qtbot, panel.install_button)
    qtbot.waitUntil(lambda: len(reports) == 2, timeout=PIP_TIMEOUT)
    text = bar_text(window)
    assert "fastint 2.0 was installed" in text and "lib" not in text, text
    press(qtbot, window, bar_button(window, "messageUndoButton"))
    after = packages_of(target)
    assert "fastint" not in after and after["lib"][1] == "1.0"


def test_a_failure_keeps_undo_of_the_earlier_change_and_a_banner_stays_with_its_environment(qtbot, open_failing, make_venv):
    window, target = open_failing()
    install_typed(qtbot, window, "lib==1.0")
    install_typed(qtbot, window, "reqeusts")
    action = window.changes.undo_action
    assert action.isEnabled() and action.text() == "Undo “Installing lib==1.0”"
    assert "reqeusts" in bar_text(window)
    other = make_venv("other")
    with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
        window.environment_actions.add_environment_folder(str(other))
    assert bar_text(window) == ""  # the failure (and its "Install requests") was about the other one


def test_undo_pressed_while_an_install_runs_waits_and_then_restores_the_exact_set(qtbot, open_failing):
    window, target = open_failing()
    install_typed(qtbot, window, "lib==1.0")
    before_lib = {key: value for key, value in packages_of(target).items() if key != "lib"}
    panel = window.packages_panel
    panel.install_edit.setText("fastint==2.0")
    from core.operations import InstallPackages

    with qtbot.waitSignal(window.runner.started, timeout=PIP_TIMEOUT,
                          check_params_cb=lambda op: isinstance(op.intent, InstallPackages)):
        click(qtbot, panel.install_button)  # (after the dry run that shows nothing needs asking)
    window.changes.undo_action.trigger()  # Undo "Installing lib==1.0" while fastint installs
    # Taking lib back now also takes back fastint (installed after it): the person is asked first.
    qtbot.waitUntil(lambda: window.changes.restore_box is not None and window.changes.restore_box.isVisible(),
                    timeout=PIP_TIMEOUT)
    box = window.changes.restore_box
    assert "fastint 2.0" in box.text(), box.text()
    go = next(b for b in box.buttons() if b.text() == "Undoing “Installing lib==1.0”")
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        go.click()
    assert packages_of(target) == before_lib


def test_an_index_answering_503_is_named_never_taken_for_a_missing_package(qtbot, open_failing, failing_index, monkeypatch):
    # pip says only "from versions: none" for a page the index answered 503 to; the index is asked before
    # "There is no package called …" is ever said.
    monkeypatch.setenv("PIP_RETRIES", "0")  # the same words, without pip's back-off between retries
    window, target = open_failing()
    before = packages_of(target)
    failing_index.down = True
    try:
        install_typed(qtbot, window, "tinyapp")
    finally:
        failing_index.down = False
    where = failing_index.simple_url.split("/")[2]
    text = bar_text(window)
    assert text.startswith(
        f"The package index {where} is not answering properly: it answered with a server error (HTTP 503)."
    ), text
    assert window.message_bar.level.value == "error"
    assert "no package called" not in window.log_view.toPlainText()
    assert bar_button(window, "messageActionButton").text() == "Try again"
    assert packages_of(target) == before


def test_a_change_made_in_a_terminal_is_recorded_once_when_two_reads_see_it(qtbot, open_failing, failing_index):
    # Two reads of the list ending close together (the folder watcher's and a refresh) both compare
    # the environment with its history: the second must start from what the first recorded.
    from tests.conftest import pip_install

    window, target = open_failing()
    install_typed(qtbot, window, "lib==1.0")
    pip_install(target, "other-y", index_url=failing_index.simple_url)
    key = window.current.key
    with qtbot.waitSignal(window.changes.history_changed, timeout=30_000):
        window.current.packages_loaded.emit(key)
        window.current.packages_loaded.emit(key)
    qtbot.wait(1500)  # a second record, if any, would have come by now
    window.changes.history_action.trigger()
    rows = window.changes.history_dialog.rows()
    assert [row[1] for row in rows].count("changed outside Venvdesk") == 1, rows
    assert "Installing lib==1.0" in rows[1][1]
