"""The app is killed — with its pip — in the middle of a change; the next start says so and fixes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, base_python
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core import storage
from venvdesk_testing.index import build_index
from venvdesk_testing.server import LocalIndexServer
from venvdesk_testing.wheels import PackageSpec

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kills a process group")
TIMEOUT = 120_000


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.fixture(scope="module")
def crash_index(tmp_path_factory, pip_wheels):
    many = {f"crashpkg/part{i}.py": f"VALUE = {i}\n" * 20 for i in range(2500)}
    packages = [
        PackageSpec("crashpkg", "1.0", modules={"crashpkg/__init__.py": "VERSION = '1.0'\n", "crashmod.py": "X = 1\n"}),
        PackageSpec("crashpkg", "2.0", modules={**many, "crashpkg/__init__.py": "VERSION = '2.0'\n", "crashmod.py": "X = 2\n"}),
    ]
    root = build_index(tmp_path_factory.mktemp("crash-index"), packages=packages, extra_wheels=pip_wheels)
    with LocalIndexServer(root) as server:
        yield server


def run_driver(*args: str) -> int:
    """The real app in a child process, in its own session, so that it can kill itself and its pip."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.support.crash_driver", *args],
        cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, start_new_session=True,
        capture_output=True, text=True, timeout=180,
    )
    return completed.returncode


def run_python(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "python"), *args], capture_output=True, text=True, timeout=120)


def open_window(qtbot, make_main_window):
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    return window


def test_killed_during_an_upgrade_the_next_start_offers_undo_and_it_works(qtbot, make_venv, make_main_window, crash_index, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", crash_index.simple_url)
    venv = make_venv("upgraded")
    from conftest import pip_install

    pip_install(venv, "crashpkg==1.0", index_url=crash_index.simple_url)
    code = run_driver("upgrade", str(venv), "crashpkg==2.0")
    if code == 3:
        pytest.skip("the upgrade finished before the app could be killed in the middle of it")
    assert code == -9 or code == 137 or code < 0, code

    window = open_window(qtbot, make_main_window)
    bar = window.attention_bar
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=30_000)
    assert "Venvdesk stopped in the middle of installing crashpkg==2.0" in bar.label.text()
    assert "“upgraded”" in bar.label.text()
    undo = bar.findChild(QPushButton, "undoChangeButton")
    assert undo.isVisible() and bar.findChild(QPushButton, "finishChangeButton").isVisible()
    with qtbot.waitSignal(window.operations.checks_finished, timeout=TIMEOUT):
        click(qtbot, undo)
    qtbot.waitUntil(lambda: not window.runner.is_busy(str(venv)) and not bar.isVisible(), timeout=TIMEOUT)
    shown = run_python(venv, "-c", "import crashpkg, crashmod; print(crashpkg.VERSION, crashmod.X)")
    assert shown.stdout.split() == ["1.0", "1"], shown.stderr
    assert run_python(venv, "-m", "pip", "check").returncode == 0
    assert run_python(venv, "-m", "pip", "--version").returncode == 0
    assert not [n for n in os.listdir(next(venv.glob("lib/python*/site-packages"))) if n.startswith("~")]


def test_killed_during_creation_the_next_start_offers_to_create_it_again(qtbot, make_main_window, crash_index, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", crash_index.simple_url)
    code = run_driver("create", "half", base_python())
    if code == 3:
        pytest.skip("the creation finished before the app could be killed in the middle of it")
    target = storage.default_environments_dir() / "half"
    assert (target / "pyvenv.cfg").exists()

    window = open_window(qtbot, make_main_window)
    bar = window.attention_bar
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=30_000)
    assert "Venvdesk stopped while it was creating “half”" in bar.label.text()
    qtbot.waitUntil(lambda: not window.creation.interpreters_loading, timeout=60_000)
    with qtbot.waitSignal(window.creation.creation_finished, timeout=TIMEOUT) as finished:
        click(qtbot, bar.findChild(QPushButton, "createAgainButton"))
    assert finished.args[0].ok, finished.args[0].detail()
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=30_000)
    assert run_python(target, "-m", "pip", "--version").returncode == 0
    assert run_python(target, "-m", "pip", "check").returncode == 0


def test_a_change_another_process_is_making_is_waited_for_not_repaired(qtbot, make_venv, make_main_window):
    """A journal entry whose process still runs (a second Venvdesk, a pip that outlived a killed app) is a lock."""
    from core.journal import Journal, JournalEntry

    venv = make_venv("busy-elsewhere")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        Journal().begin(JournalEntry(str(venv), "install", "Installing tinyapp", specs=("tinyapp",), app_pid=other.pid))
        window = open_window(qtbot, make_main_window)
        with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
            window.environment_actions.add_environment_folder(str(venv))
        qtbot.waitUntil(lambda: window.operations.is_waiting(str(venv)), timeout=10_000)
        assert not window.attention_bar.isVisible()
        assert "Another Venvdesk (or a pip it started) is changing" in window.log_view.toPlainText()
        # Nothing of ours runs on it meanwhile.
        assert window.package_actions.install(["tinyutil"], "Installing tinyutil") is None
        assert "is changing this environment right now" in window.message_bar.text()
        assert not window.runner.is_busy(str(venv))
    finally:
        other.kill()
        other.wait()
    # When that process is gone, what it left is offered like any interrupted change.
    qtbot.waitUntil(lambda: window.attention_bar.isVisible(), timeout=10_000)
    assert "installing tinyapp" in window.attention_bar.label.text()
    assert not window.operations.is_waiting(str(venv))


def test_the_journal_names_the_running_installer_so_a_survivor_is_waited_for(qtbot, make_venv, make_main_window, index_root, monkeypatch):
    from core.journal import Journal, process_alive

    with LocalIndexServer(index_root, delay_per_chunk=0.3) as slow:
        monkeypatch.setenv("PIP_INDEX_URL", slow.simple_url)
        venv = make_venv("slow-install")
        window = open_window(qtbot, make_main_window)
        with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
            window.environment_actions.add_environment_folder(str(venv))
        with qtbot.waitSignal(window.runner.process_started, timeout=30_000):
            operation = window.package_actions.install(["tinyapp==2.0"], "Installing tinyapp==2.0")
        entry = Journal().entry(venv)
        assert entry is not None and entry.app_pid == os.getpid() and entry.title == "Installing tinyapp==2.0"
        assert entry.child_pid > 0 and process_alive(entry.child_pid)
        assert "pip" in entry.before  # what the environment held before: what Undo returns to
        with qtbot.waitSignal(window.operations.checks_finished, timeout=TIMEOUT):
            window.runner.cancel(operation)
    assert Journal().entry(venv) is None  # ended (cancelled in the app): nothing left to recover
