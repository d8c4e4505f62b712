"""The one owner of every QProcess the app starts.

An :class:`~core.operations.Operation` is a list of :class:`core.commands.Command`
steps that run one after another for one environment (its *key*).  Each key has a queue:
one operation runs at a time per environment, operations on different
environments run side by side.  Whatever way an operation ends — finished,
a step exited non-zero, crashed, could not start, cancelled — it ends with
exactly one :class:`~core.operations.Outcome`, whose ``str()`` is a sentence for the person.
"""

from __future__ import annotations

import codecs
import os
import shutil
import signal
import sys
from collections import deque

from PySide6.QtCore import QDeadlineTimer, QObject, QProcess, QProcessEnvironment, QTimer, Signal

from core.commands import Command, child_environment
from core.operations import Operation, Outcome, Status

TAIL_LINES = 25
CANCEL_GRACE_MS = 3000


class _Running:
    """Book-keeping for the operation that currently runs for one key."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.step = 0
        self.process: QProcess | None = None
        self.cancel_requested = False
        self.kill_timer: QTimer | None = None
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.decoders = {
            stream: codecs.getincrementaldecoder("utf-8")(errors="replace") for stream in ("out", "err")
        }
        self.partial = {"out": "", "err": ""}
        self.warnings: list[str] = []
        self.captured: list[str] = []


class ProcessRunner(QObject):
    queued = Signal(object)  # Operation
    started = Signal(object)  # Operation
    step_started = Signal(object, object)  # Operation, Command
    output = Signal(object, str, bool)  # Operation, text (whole lines), is_stderr
    progress = Signal(object, int, int)  # Operation, done, total (from the backend's progress lines)
    finished = Signal(object)  # Outcome

    def __init__(self, parent: QObject | None = None, *, cancel_grace_ms: int = CANCEL_GRACE_MS) -> None:
        super().__init__(parent)
        self._queues: dict[str, deque[Operation]] = {}
        self._running: dict[str, _Running] = {}
        self._cancel_grace_ms = cancel_grace_ms
        self._closing = False

    # -- public API ----------------------------------------------------------------------

    def submit(self, operation: Operation) -> None:
        if self._closing:
            # Follow-ups of work killed by shutdown() (a pip check after an install) must not start.
            self.finished.emit(Outcome(Status.CANCELLED, operation, reason="Venvdesk is closing"))
            return
        if operation.key in self._running:
            self._queues.setdefault(operation.key, deque()).append(operation)
            self.queued.emit(operation)
        else:
            self._start(operation)

    @property
    def closing(self) -> bool:
        """True once :meth:`shutdown` ran: nothing new starts."""
        return self._closing

    def is_busy(self, key: str) -> bool:
        return key in self._running or bool(self._queues.get(key))

    def running_operations(self) -> list[Operation]:
        return [running.operation for running in self._running.values()]

    def pending_operations(self, key: str) -> list[Operation]:
        return list(self._queues.get(key, ()))

    def cancel(self, operation: Operation) -> None:
        """Remove a queued operation, or interrupt a running one (kill after a grace period)."""
        queue = self._queues.get(operation.key)
        if queue and operation in queue:
            queue.remove(operation)
            self.finished.emit(Outcome(Status.CANCELLED, operation))
            return
        running = self._running.get(operation.key)
        if running is None or running.operation is not operation or running.cancel_requested:
            return
        running.cancel_requested = True
        process = running.process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        self._interrupt(process)
        running.kill_timer = QTimer(self)
        running.kill_timer.setSingleShot(True)
        running.kill_timer.timeout.connect(process.kill)
        running.kill_timer.start(self._cancel_grace_ms)

    def shutdown(self) -> None:
        """Stop everything (the app is quitting): queued work is dropped, running work killed."""
        self._closing = True
        self._queues.clear()
        processes = []
        for running in self._running.values():
            if running.process is None:
                continue
            running.cancel_requested = True
            processes.append(running.process)
            if running.process.state() == QProcess.ProcessState.Starting:
                running.process.waitForStarted(2000)  # a signal needs a process id
            self._interrupt(running.process)  # pip cleans up after an interrupt, not after a kill
        deadline = QDeadlineTimer(min(self._cancel_grace_ms, 2000))
        for process in processes:
            if not process.waitForFinished(max(0, deadline.remainingTime())):
                process.kill()
                process.waitForFinished(3000)
        # Whatever is left (a step that began while the others ended) must not outlive us.
        for process in self.findChildren(QProcess):
            if process.state() != QProcess.ProcessState.NotRunning:
                process.kill()
                process.waitForFinished(3000)

    def start_detached(self, command: Command) -> bool:
        """Start a program that lives on its own (a terminal), with the person's environment, not ours."""
        program = _resolve_program(command.program)
        if program is None:
            return False
        process = QProcess()
        process.setProgram(program)
        process.setArguments(list(command.args))
        process.setProcessEnvironment(_process_environment(command))
        if command.cwd:
            process.setWorkingDirectory(command.cwd)
        ok, _pid = process.startDetached()
        return bool(ok)

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _interrupt(process: QProcess) -> None:
        pid = process.processId()
        if sys.platform != "win32" and pid > 0:
            try:
                os.kill(pid, signal.SIGINT)  # pip cleans up and says "Operation cancelled by user"
                return
            except OSError:
                pass
        process.terminate()

    def _start(self, operation: Operation) -> None:
        running = _Running(operation)
        self._running[operation.key] = running
        self.started.emit(operation)
        self._start_step(running)

    def _start_step(self, running: _Running) -> None:
        command = running.operation.steps[running.step]
        if self._closing:
            self._finish(running, Status.CANCELLED, command, reason="Venvdesk is closing")
            return
        self.step_started.emit(running.operation, command)
        program = _resolve_program(command.program)
        if program is None:
            self._finish(running, Status.FAILED_TO_START, command, reason=f"{command.program} was not found")
            return
        process = QProcess(self)
        running.process = process
        process.setProgram(program)
        process.setArguments(list(command.args))
        process.setProcessEnvironment(_process_environment(command))
        if command.cwd:
            process.setWorkingDirectory(command.cwd)
        process.readyReadStandardOutput.connect(lambda: self._read(running, "out"))
        process.readyReadStandardError.connect(lambda: self._read(running, "err"))
        process.errorOccurred.connect(lambda error: self._on_error(running, process, error))
        process.finished.connect(lambda code, status: self._on_finished(running, process, code, status))
        process.start()

    def _read(self, running: _Running, stream: str, final: bool = False) -> None:
        """Decode what arrived, emit whole lines; lines the operation's progress parser knows become progress."""
        process = running.process
        if process is None:
            return
        raw = process.readAllStandardOutput() if stream == "out" else process.readAllStandardError()
        text = running.decoders[stream].decode(bytes(raw.data()), final=final).replace("\r\n", "\n")
        if stream == "out" and running.operation.capture_output:
            running.captured.append(text)
        lines = (running.partial[stream] + text).split("\n")
        running.partial[stream] = "" if final else lines.pop()
        shown = []
        parse_progress = running.operation.progress
        for line in lines:
            progress = parse_progress(line) if parse_progress is not None else None
            if progress is not None:
                self.progress.emit(running.operation, *progress)
                continue
            if line.strip():
                running.tail.append(line.rsplit("\r", 1)[-1])
            shown.append(line)
        if final and shown and shown[-1] == "":
            shown.pop()
        if shown:
            self.output.emit(running.operation, "\n".join(shown) + ("" if final and not text.endswith("\n") else "\n"), stream == "err")

    def _on_error(self, running: _Running, process: QProcess, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._running.get(running.operation.key) is running:
            # FailedToStart comes without finished().
            command = running.operation.steps[running.step]
            self._finish(running, Status.FAILED_TO_START, command, reason=process.errorString())

    def _on_finished(
        self, running: _Running, process: QProcess, exit_code: int, exit_status: QProcess.ExitStatus
    ) -> None:
        if self._running.get(running.operation.key) is not running or running.process is not process:
            return
        self._read(running, "out", final=True)
        self._read(running, "err", final=True)
        command = running.operation.steps[running.step]
        if running.cancel_requested:
            self._finish(running, Status.CANCELLED, command, exit_code=exit_code)
        elif exit_status == QProcess.ExitStatus.CrashExit:
            # On POSIX, Qt reports the number of the signal that ended the program as its exit code.
            self._finish(running, Status.CRASHED, command, exit_code=exit_code if sys.platform != "win32" else None)
        elif exit_code != 0 and running.step not in running.operation.optional:
            self._finish(running, Status.FAILED, command, exit_code=exit_code)
        elif running.step + 1 < len(running.operation.steps):
            if exit_code != 0:
                running.warnings.append(f"“{command.description}” failed (exit code {exit_code}).")
            running.step += 1
            process.deleteLater()
            self._start_step(running)
        else:
            if exit_code != 0:
                running.warnings.append(f"“{command.description}” failed (exit code {exit_code}).")
            self._finish(running, Status.OK, command, exit_code=exit_code)

    def _finish(
        self,
        running: _Running,
        status: Status,
        command: Command,
        *,
        exit_code: int | None = None,
        reason: str = "",
    ) -> None:
        key = running.operation.key
        del self._running[key]
        if running.kill_timer is not None:
            running.kill_timer.stop()
        if running.process is not None:
            running.process.deleteLater()
        self.finished.emit(
            Outcome(
                status,
                running.operation,
                command,
                exit_code,
                tuple(running.tail),
                reason,
                tuple(running.warnings),
                "".join(running.captured),
            )
        )
        queue = self._queues.get(key)
        if queue:
            self._start(queue.popleft())
        elif queue is not None:
            del self._queues[key]


def _process_environment(command: Command) -> QProcessEnvironment:
    environment = QProcessEnvironment()
    for name, value in {**child_environment(), **command.env}.items():
        environment.insert(name, value)
    return environment


def _resolve_program(program: str) -> str | None:
    """Absolute path of ``program`` (looked up on PATH when it is a bare name), or None."""
    if os.path.isabs(program):
        return program if os.path.exists(program) else None
    return shutil.which(program)
