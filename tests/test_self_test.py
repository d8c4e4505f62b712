"""``venvdesk --self-test``: the check a bundled app runs on itself, run here from source."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.interpreters import Interpreter
from gui.dialogs.new_environment import NewEnvironmentDialog
from gui.self_test import is_this_program, no_interpreter_message

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_self_test_creates_an_environment_and_installs_a_package_offline(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path))
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "gui", "--self-test"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    lines = completed.stdout.splitlines()
    report = completed.stdout + completed.stderr
    assert completed.returncode == 0, report
    assert not [line for line in lines if line.startswith("FAILED")], report
    ok_lines = [line for line in lines if line.startswith("ok: ")]
    for expected in (
        "isolated in",
        "local index serves venvdesk_selftest-1.0-py3-none-any.whl at http://127.0.0.1:",
        "main window opened",
        "bundled files present",
        "created ",
        "environment selected",
        "installed venvdesk-selftest through the Packages panel",
        "venvdesk-selftest 1.0 is listed in the Packages panel",
        "imports venvdesk_selftest 1.0",
    ):
        assert any(expected in line for line in ok_lines), f"no ok line with {expected!r}:\n{report}"
    assert lines[-1].startswith("self-test passed:"), report
    assert elapsed < 60, f"the self-test took {elapsed:.1f} s"
    # Its throw-away folder is gone, and nothing was left in the temporary folder.
    assert not list(tmp_path.glob("venvdesk-self-test-*")), report


def _interpreter(path: str, usable: bool) -> Interpreter:
    return Interpreter(
        path=path,
        real_path=path,
        version=(2, 7, 18) if not usable else (3, 12, 1),
        implementation="CPython",
        architecture="x86_64",
        can_create_venv=usable,
        supports_upgrade_deps=usable,
        problem="" if usable else "Python 2.7 cannot create virtual environments: it has no venv module.",
        fix="" if usable else "Choose Python 3.9 or newer.",
    )


def test_no_usable_interpreter_fails_with_the_dialogs_message(qtbot, tmp_path):
    unusable = [_interpreter("/opt/python2.7/bin/python", usable=False)]
    message, detail = no_interpreter_message(unusable)

    dialog = NewEnvironmentDialog(tmp_path, None)
    qtbot.addWidget(dialog)
    dialog.set_interpreters(unusable, loading=False)
    dialog.name_edit.setText("self-test")
    assert message
    assert message == (dialog.interpreter_note.text() or dialog.validation_error())
    assert "/opt/python2.7/bin/python" in detail
    assert "it has no venv module. Choose Python 3.9 or newer." in detail


def test_no_interpreter_at_all_has_a_message_too(qtbot):
    message, detail = no_interpreter_message([])
    assert message
    assert detail == ""


def test_the_running_program_is_never_chosen():
    assert is_this_program(sys.executable)
    assert not is_this_program("/nonexistent/python3")


def test_self_test_uses_the_shared_testing_support():
    # One wheel builder, index and isolation for the suite and --self-test (venvdesk_testing).
    import gui.self_test as self_test
    from venvdesk_testing import server, wheels

    assert self_test.LocalIndexServer is server.LocalIndexServer
    assert isinstance(self_test.PACKAGE, wheels.PackageSpec)
    source = Path(self_test.__file__).read_text(encoding="utf-8")
    assert "zipfile" not in source and "http.server" not in source
