"""How the self-test runs its steps: one line each, waits woken by the window's signals, a time limit.

``gui/self_test.py`` says what is checked; this module how a step is run, waited for and
reported, so that a failure always names its step and reason and the exit code is honest.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QEventLoop


class StepFailed(Exception):
    """A step did not pass; the message says why, ``detail`` adds technical lines."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


# A windowed Windows build has no console (sys.stdout is None): the report then goes to a file.
REPORT_FILE = Path(tempfile.gettempdir()) / "venvdesk-self-test.txt"
_report_stream = None


def report(line: str) -> None:
    global _report_stream
    if _report_stream is None:
        _report_stream = sys.stdout if sys.stdout is not None else open(REPORT_FILE, "w", encoding="utf-8")  # noqa: SIM115
    _report_stream.write(line + "\n")
    _report_stream.flush()


class StepRunner:
    """Runs steps in order under one overall time limit; the first failure ends the run."""

    def __init__(self, time_limit: float) -> None:
        self.time_limit = time_limit
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        self.passed = 0
        self._loop: QEventLoop | None = None
        self._unexpected: str = ""


    def ok(self, text: str) -> None:
        self.passed += 1
        report(f"ok: {text}")

    def wait(self, what: str, signals: list, done: Callable[[], bool], limit: float) -> None:
        """Run the event loop until ``done()`` (checked whenever one of ``signals`` fires), or fail."""
        from PySide6.QtCore import QEventLoop, QTimer

        if done():
            return
        remaining = self.deadline - time.monotonic()
        limit = min(limit, remaining)
        if limit <= 0:
            raise StepFailed(f"{what}: the self-test ran out of time (limit {self.time_limit:.0f} s)")
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)

        def check(*_args) -> None:
            if done():
                loop.quit()

        for signal in signals:
            signal.connect(check)
        self._loop = loop
        timer.start(int(limit * 1000))
        try:
            loop.exec()
        finally:
            self._loop = None
            timer.stop()
            for signal in signals:
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(check)
        if self._unexpected:
            raise StepFailed(f"{what}: an unexpected error happened inside Venvdesk", self._unexpected)
        if not done():
            overall = " (the self-test's overall limit)" if limit >= remaining else ""
            raise StepFailed(f"{what}: nothing happened within {limit:.0f} s{overall}")

    def excepthook(self, exc_type, exc, tb) -> None:
        self._unexpected = "".join(traceback.format_exception(exc_type, exc, tb))
        if self._loop is not None:
            self._loop.quit()

    def close(self) -> None:
        """Undo what the steps set up (called whatever happened)."""

    def run_steps(self, steps: list[Callable[[], None]]) -> bool:
        step = steps[0]
        try:
            for step in steps:
                step()
                if self._unexpected:
                    raise StepFailed("an unexpected error happened inside Venvdesk", self._unexpected)
        except StepFailed as failure:
            self._report_failure(str(failure), failure.detail)
            return False
        except Exception as exc:  # a missing module in a bundle, a bug: say where, with the traceback
            what = step.__name__.replace("_", " ")
            self._report_failure(f"{what}: {type(exc).__name__}: {exc}", traceback.format_exc())
            return False
        finally:
            self.close()
        report(f"self-test passed: {self.passed} steps in {time.monotonic() - self.started:.1f} s")
        return True

    def _report_failure(self, message: str, detail: str) -> None:
        report(f"FAILED: {message}")
        for line in detail.strip().splitlines():
            report(f"    {line}")
        report(f"self-test failed after {self.passed} passed steps ({time.monotonic() - self.started:.1f} s)")

