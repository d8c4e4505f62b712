"""The window stays responsive through an install: what used to freeze it does not run on the UI thread.

No timing here (a loaded CI machine makes any threshold flaky): the benchmark
``benchmarks/bench_ui_responsiveness.py`` measures the heartbeat; these tests pin down the causes
it found, by where the work runs.
"""

from __future__ import annotations

import importlib
import sys
import threading

from core.commands import Command
from core.operations import CheckPackages, Operation
from gui import workers
from gui.activity import MODULES_AN_ENDING_USES, ActivityIndicator
from gui.log_view import LogView
from gui.runner import ProcessRunner


class _ImportRecorder:
    """A finder that finds nothing: it notes which thread asked for which module, then lets the others look."""

    def __init__(self) -> None:
        self.threads: dict[str, str] = {}

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001 - the meta path finder protocol
        self.threads.setdefault(name, threading.current_thread().name)
        return None


def test_the_first_operation_imports_what_its_ending_uses_on_a_worker_thread(qtbot, monkeypatch):
    # core.explain took ~20 ms to import (~60 ms without cached bytecode), first imported by a slot
    # at the end of the first install: a frozen window. Now it is imported while the installer runs.
    for name in MODULES_AN_ENDING_USES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    recorder = _ImportRecorder()
    monkeypatch.setattr(sys, "meta_path", [recorder, *sys.meta_path])
    runner = ProcessRunner()
    log_view = LogView()
    qtbot.addWidget(log_view)
    indicator = ActivityIndicator(runner, log_view)
    operation = Operation("env", "Installing", [Command(sys.executable, ("-c", "pass"), "Install")], CheckPackages())
    try:
        with qtbot.waitSignal(runner.finished, timeout=20_000):
            runner.submit(operation)
        qtbot.waitUntil(lambda: all(name in sys.modules for name in MODULES_AN_ENDING_USES), timeout=20_000)
        for name in MODULES_AN_ENDING_USES:
            importlib.import_module(name)  # waits (import lock) until the worker has finished it
    finally:
        runner.shutdown()
    importing_threads = {name: recorder.threads.get(name) for name in MODULES_AN_ENDING_USES}
    assert None not in importing_threads.values(), importing_threads
    assert threading.main_thread().name not in importing_threads.values(), importing_threads
    assert indicator.label.text() == "Installing: done."


def test_modules_already_imported_start_no_background_work(qtbot):
    for name in MODULES_AN_ENDING_USES:
        importlib.import_module(name)  # loaded, as after the first operation
    runner = ProcessRunner()
    log_view = LogView()
    qtbot.addWidget(log_view)
    ActivityIndicator(runner, log_view)
    jobs_before = len(workers._alive)
    runner.started.emit(Operation("env", "Installing", [Command(sys.executable, ("-c", "pass"), "Install")], CheckPackages()))
    assert len(workers._alive) == jobs_before
