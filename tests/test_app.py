"""Start-up (gui/app.py, gui/display.py): the display check, SIGINT for the children, no import circle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gui.display import NO_DISPLAY_MESSAGE, has_display

REPO = Path(__file__).resolve().parents[1]

# Starts the rest of its command line (a Python with its arguments) with SIGINT ignored, as
# `nohup`, `trap "" INT` or a launcher would: an ignored signal stays ignored across exec.
IGNORE_SIGINT_THEN_EXEC = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)

# Runs a sleeping child Python the way the runner runs pip (a QProcess), sends it SIGINT as
# Cancel does, and prints how it ended: before and after gui.app.restore_default_sigint().
CANCEL_A_CHILD = r"""
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QProcess

assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN, "set-up: SIGINT should start ignored"


def cancel_a_child():
    child = QProcess()
    child.start(sys.executable, ["-c", "import time; print('ready', flush=True); time.sleep(60)"])
    assert child.waitForStarted(10000), child.errorString()
    assert child.waitForReadyRead(20000), "the child never said it was ready"
    os.kill(child.processId(), signal.SIGINT)
    if child.waitForFinished(3000):
        return "ended by SIGINT" if child.exitStatus() == QProcess.ExitStatus.CrashExit else "exited"
    child.kill()
    child.waitForFinished(10000)
    return "ignored SIGINT"


print("inherited:", cancel_a_child(), flush=True)
from gui.app import restore_default_sigint

restore_default_sigint()
print("restored:", cancel_a_child(), flush=True)
"""

MAIN_RESTORES_SIGINT = r"""
import signal, sys
sys.path.insert(0, sys.argv[1])
from gui.app import main

try:
    main(["venvdesk", "--version"])
except SystemExit:
    pass
print("default" if signal.getsignal(signal.SIGINT) is signal.SIG_DFL else "not default")
"""


def run_with_sigint_ignored(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", IGNORE_SIGINT_THEN_EXEC, sys.executable, "-c", script, str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal dispositions")
def test_cancel_reaches_children_when_the_app_was_started_with_sigint_ignored():
    completed = run_with_sigint_ignored(CANCEL_A_CHILD)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # Without the restore the child inherits the ignored SIGINT (what made Cancel fail) ...
    assert "inherited: ignored SIGINT" in completed.stdout, completed.stdout + completed.stderr
    # ... with it, SIGINT ends the child.
    assert "restored: ended by SIGINT" in completed.stdout, completed.stdout + completed.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal dispositions")
def test_main_restores_the_default_sigint_before_anything_else():
    completed = run_with_sigint_ignored(MAIN_RESTORES_SIGINT)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "default", completed.stdout + completed.stderr


def test_self_test_needs_nothing_from_app():
    # `venvdesk --self-test` goes app -> self_test; self_test must not import app back.
    completed = subprocess.run(
        [sys.executable, "-c", "import sys, gui.self_test; print('gui.app' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "False"


def test_has_display():
    assert has_display({}, "win32")
    assert has_display({}, "darwin")
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert "QT_QPA_PLATFORM=offscreen" in NO_DISPLAY_MESSAGE


def test_no_display_exits_2_with_the_message(monkeypatch, capsys):
    from gui import app

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(app, "restore_default_sigint", lambda: None)  # keep pytest's Ctrl+C
    if sys.platform in ("win32", "darwin"):
        pytest.skip("there is always a display here")
    assert app.main(["venvdesk"]) == 2
    assert capsys.readouterr().err == NO_DISPLAY_MESSAGE


# Builds the main window in a fresh interpreter, as `venvdesk` does, and reports what was
# imported and shown at the first paint, then once the event loop has had a few turns.
FIRST_PAINT_PROBE = r"""
import sys
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from gui.main_window import MainWindow

LATER = ("gui.controllers.projects", "gui.controllers.missing", "gui.controllers.usage", "gui.search_panel",
         "core.projects", "core.code_imports", "core.jupyter")
window = MainWindow()
window.show()
window.repaint()
print("at paint:", sorted(name for name in LATER if name in sys.modules))
print("tabs at paint:", [window.package_tabs.tabText(i) for i in range(window.package_tabs.count())])


def later():
    print("later:", sorted(name for name in LATER if name not in sys.modules))
    print("app menu:", [a.text() for a in window.menuBar().actions()[0].menu().actions() if a.text()])
    print("project menu:", [a.text() for a in window.project_menu.actions() if a.text()])
    print("find tab:", type(window.package_tabs.widget(window.package_tabs.count() - 1)).__name__)
    window.runner.shutdown()
    app.quit()


QTimer.singleShot(1500, later)
app.exec()
"""


def test_what_the_first_paint_does_not_show_is_built_right_after_it():
    completed = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_PROBE, str(REPO)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "at paint: []" in out  # none of them imported before the window was painted
    assert "tabs at paint: ['Installed', 'Find packages']" in out  # the Find tab's title is there at once
    assert "later: []" in out  # all of them there shortly after
    assert "app menu: ['Open project folder…', 'New environment…'" in out
    assert "Find missing packages…']" in out  # the Project menu's last entry
    assert "find tab: SearchPanel" in out
