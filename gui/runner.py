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

from core.commands import Command, child_environment, redact
from core.operations import Operation, Outcome, Status

TAIL_LINES = 25
# The lines of the step that ended, kept for explaining a failure (pip's error block, a compiler's
# "fatal error" far above pip's last line); each line at most TAIL_LINE_CHARS.
TRANSCRIPT_LINES = 20_000
CANCEL_GRACE_MS = 3000
# How long quitting waits for background work that must not be stopped half-way (pip replacing
# itself takes a second or two) before it is stopped all the same.
FINISH_GRACE_MS = 10_000
# What one runaway program can make Venvdesk hold in memory.
TAIL_LINE_CHARS = 1_000  # each of the last lines kept for the failure's details
MAX_CAPTURED_CHARS = 20_000_000  # standard output kept for the outcome (pip freeze, pip check)
MAX_LINE_CHARS = 1_000_000  # a line longer than this is passed on in parts (a program that never says "\n")


class _Running:
    """Book-keeping for the operation that currently runs for one key."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.step = 0
        self.process: QProcess | None = None
        self.cancel_requested = False
        self.kill_timer: QTimer | None = None
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.transcript: deque[str] = deque(maxlen=TRANSCRIPT_LINES)
        self.decoders = {
            stream: codecs.getincrementaldecoder("utf-8")(errors="replace") for stream in ("out", "err")
        }
        # The unfinished last line of each stream, in pieces (joined once, when it ends).
        self.partial: dict[str, list[str]] = {"out": [], "err": []}
        self.partial_chars = {"out": 0, "err": 0}
        self.warnings: list[str] = []
        self.captured: list[str] = []
        self.captured_chars = 0
        self.captured_cut = False


class ProcessRunner(QObject):
    queued = Signal(object)  # Operation
    started = Signal(object)  # Operation
    step_started = Signal(object, object)  # Operation, Command
    output = Signal(object, str, bool)  # Operation, text (whole lines), is_stderr
    progress = Signal(object, int, int)  # Operation, done, total (from the backend's progress lines)
    process_started = Signal(object, int)  # Operation, the process id of the step that now runs
    finished = Signal(object)  # Outcome

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        cancel_grace_ms: int = CANCEL_GRACE_MS,
        finish_grace_ms: int = FINISH_GRACE_MS,
        max_captured_chars: int = MAX_CAPTURED_CHARS,
        max_line_chars: int = MAX_LINE_CHARS,
    ) -> None:
        super().__init__(parent)
        self._queues: dict[str, deque[Operation]] = {}
        self._running: dict[str, _Running] = {}
        self._cancel_grace_ms = cancel_grace_ms
        self._finish_grace_ms = finish_grace_ms
        self._max_captured_chars = max_captured_chars
        self._max_line_chars = max_line_chars
        self._closing = False

    # -- public API ----------------------------------------------------------------------

    def submit(self, operation: Operation) -> None:
        if self._closing:
            # Follow-ups of work killed by shutdown() (a pip check after an install) must not start.
            self.finished.emit(Outcome(Status.CANCELLED, operation, reason="Venvdesk is closing"))
            return
        running = self._running.get(operation.key)
        if running is None:
            self._start(operation)
            return
        queue = self._queues.setdefault(operation.key, deque())
        if operation.background:
            if not any(op.background and op.title == operation.title for op in queue):
                queue.append(operation)  # after everything else (once: the same work waiting is enough)
            return
        # Work someone waits for goes before background work, which yields: stopped now (it is
        # safe to stop), run again after.  Background work that must not be stopped half-way (pip
        # replacing itself) is not started now: it is dropped; running, it is waited for.
        waiting = [op for op in queue if op.background]
        for op in waiting:
            queue.remove(op)
        queue.append(operation)
        dropped = [op for op in waiting if not op.yields]
        waiting = [op for op in waiting if op.yields]
        if running.operation.background and running.operation.yields and not running.cancel_requested:
            waiting.append(running.operation.again())
            self.cancel(running.operation)
        queue.extend(waiting)
        self.queued.emit(operation)
        for op in dropped:
            self.finished.emit(Outcome(Status.CANCELLED, op, reason=f"{operation.title} was asked for first"))

    @property
    def closing(self) -> bool:
        """True once :meth:`shutdown` ran: nothing new starts."""
        return self._closing

    def is_busy(self, key: str) -> bool:
        """Something someone waits for runs or waits for ``key``, or ``key`` is being changed by
        background work that cannot stop half-way (pip replacing itself: anything asked for waits
        for it).  Other background work does not count: it steps aside."""
        running = self._running.get(key)
        if running is not None and not (running.operation.background and running.operation.yields):
            return True
        return any(not op.background for op in self._queues.get(key, ()))

    def running_operations(self) -> list[Operation]:
        """What runs now that someone waits for (not background work, which can simply stop)."""
        return [running.operation for running in self._running.values() if not running.operation.background]

    def pending_operations(self, key: str) -> list[Operation]:
        return [op for op in self._queues.get(key, ()) if not op.background]

    def queued_operations(self) -> list[Operation]:
        """What waits to run, in every environment, that someone asked for (not background work)."""
        return [op for queue in self._queues.values() for op in queue if not op.background]

    def background_waiting(self, key: str) -> list[Operation]:
        """Background work queued for ``key`` that has not started."""
        return [op for op in self._queues.get(key, ()) if op.background]

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
        """Stop everything (the app is quitting): queued work is dropped, running work killed.

        Background work that must not be stopped half-way (pip replacing itself, a second or two)
        is first given up to ``finish_grace_ms`` to end by itself; nobody is asked.
        """
        self._closing = True
        self._queues.clear()
        unstoppable = [
            running.process for running in self._running.values()
            if not running.operation.yields and running.process is not None
        ]
        deadline = QDeadlineTimer(self._finish_grace_ms)
        for process in unstoppable:
            if process.state() != QProcess.ProcessState.NotRunning:
                process.waitForFinished(max(0, deadline.remainingTime()))
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
        started = process.startDetached()
        # PySide6 gives (ok, pid) for the instance method in some versions and ok alone in others (6.11).
        return bool(started[0] if isinstance(started, tuple) else started)

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
        running.transcript.clear()  # an outcome explains the step it ended in
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
        # Nobody types into a child: its standard input is empty and closed, so a program that asks
        # (input(), a pip prompt) gets end-of-file at once instead of waiting for ever.
        process.setStandardInputFile(QProcess.nullDevice())
        process.readyReadStandardOutput.connect(lambda: self._read(running, "out"))
        process.readyReadStandardError.connect(lambda: self._read(running, "err"))
        process.errorOccurred.connect(lambda error: self._on_error(running, process, error))
        process.finished.connect(lambda code, status: self._on_finished(running, process, code, status))
        process.started.connect(lambda: self.process_started.emit(running.operation, int(process.processId())))
        process.start()

    def _read(self, running: _Running, stream: str, final: bool = False) -> None:
        """Decode what arrived, emit whole lines; lines the operation's progress parser knows become progress.

        Linear in what arrived (one read is at most a pipe's worth, ~64 KB): an unfinished line is
        kept in pieces, not joined again on every read, and is passed on in parts once it is longer
        than ``max_line_chars``.
        """
        process = running.process
        if process is None:
            return
        raw = process.readAllStandardOutput() if stream == "out" else process.readAllStandardError()
        text = running.decoders[stream].decode(bytes(raw.data()), final=final).replace("\r\n", "\n")
        if running.operation.capture_output and stream == running.operation.steps[running.step].report_stream:
            self._capture(running, text)
        pieces = running.partial[stream]
        if final:
            complete = "".join(pieces) + text
            pieces.clear()
        else:
            end = text.rfind("\n") + 1
            if end:
                complete = "".join(pieces) + text[:end]
                pieces.clear()
                if end < len(text):
                    pieces.append(text[end:])
                running.partial_chars[stream] = len(text) - end
            else:
                if text:
                    pieces.append(text)
                    running.partial_chars[stream] += len(text)
                if running.partial_chars[stream] < self._max_line_chars:
                    return
                complete = self._split_long_line(running, stream)
        if not complete:
            return
        lines = complete.split("\n")
        if lines[-1] == "":
            lines.pop()  # after the last line break
        parse_progress = running.operation.progress
        if parse_progress is None:
            self._keep_tail(running, lines)
            self.output.emit(running.operation, complete, stream == "err")
            return
        shown = []
        for line in lines:
            progress = parse_progress(line)
            if progress is not None:
                self.progress.emit(running.operation, *progress)
                continue
            shown.append(line)
        self._keep_tail(running, shown)
        if shown:
            ending = "\n" if complete.endswith("\n") or parse_progress(lines[-1]) is not None else ""
            self.output.emit(running.operation, "\n".join(shown) + ending, stream == "err")

    def _split_long_line(self, running: _Running, stream: str) -> str:
        """The first part of an over-long unfinished line, as a line of its own; the rest stays unfinished.

        The cut is made before a URL whose credentials may not have ended yet (so redaction sees them
        whole), else after the last space, else where the limit falls (in the second half either way).
        """
        pieces = running.partial[stream]
        whole = "".join(pieces)
        pieces.clear()
        cut = len(whole)
        scheme = whole.rfind("://")
        if scheme > 0 and not any(mark in whole[scheme + 3 :] for mark in ("/", "@", " ", "\t")):
            start = len(whole[:scheme].rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.-"))
            if start > len(whole) // 2:
                cut = start
        if cut == len(whole):
            space = max(whole.rfind(" "), whole.rfind("\t"))
            if space > len(whole) // 2:  # at least half is passed on: linear, however often this runs
                cut = space + 1
        if cut < len(whole):
            pieces.append(whole[cut:])
        running.partial_chars[stream] = len(whole) - cut
        return whole[:cut] + "\n"

    @staticmethod
    def _keep_tail(running: _Running, lines: list[str]) -> None:
        """Remember the last non-blank lines (each at most TAIL_LINE_CHARS, secrets hidden before the cut)."""
        if len(lines) > TRANSCRIPT_LINES:
            lines = lines[-TRANSCRIPT_LINES:]
        running.transcript.extend(
            line if len(line) <= TAIL_LINE_CHARS else f"{redact(line)[:TAIL_LINE_CHARS]}…" for line in lines
        )
        kept: list[str] = []
        for line in reversed(lines):
            if not line.strip():
                continue
            line = line.rsplit("\r", 1)[-1]
            if len(line) > TAIL_LINE_CHARS:
                line = redact(line)
                if len(line) > TAIL_LINE_CHARS:
                    line = f"{line[:TAIL_LINE_CHARS]}… ({len(line) - TAIL_LINE_CHARS:,} more characters)"
            kept.append(line)
            if len(kept) == TAIL_LINES:
                break
        running.tail.extend(reversed(kept))

    def _capture(self, running: _Running, text: str) -> None:
        """Keep standard output for the outcome, up to ``max_captured_chars`` (whole lines), then say it was cut."""
        if running.captured_cut:
            return
        room = self._max_captured_chars - running.captured_chars
        if len(text) > room:
            text = text[: text.rfind("\n", 0, room) + 1]
            running.captured_cut = True
            running.warnings.append(
                f"The output was longer than {self._max_captured_chars:,} characters; only the first"
                f" {running.captured_chars + len(text):,} were kept."
            )
        running.captured.append(text)
        running.captured_chars += len(text)

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
            _dispose(process)
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
            _dispose(running.process)
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
                stdout_cut=running.captured_cut,
                output=tuple(running.transcript),
            )
        )
        if key in self._running:
            return  # a slot of `finished` started a follow-up (pip check): the queue waits for it
        queue = self._queues.get(key)
        if queue:
            self._start(queue.popleft())
        elif queue is not None:
            del self._queues[key]


def _dispose(process: QProcess) -> None:
    """Delete a finished process once control is back in the event loop.

    It leaves the runner first: its connections hold the runner (through the slots), so a runner
    with no parent is freed only when the process is, and must not then delete it a second time.
    """
    process.setParent(None)
    process.deleteLater()


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
