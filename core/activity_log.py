"""The log file a person can send to someone helping them: every command, its output and outcome.

Kept under the platformdirs log folder, rotated at 1 MB with three old files,
secrets in URLs redacted before anything is written.

:meth:`ActivityLog.write` only queues an entry (it costs the caller nothing that grows with the
disk's speed); a background thread redacts, writes and flushes to the operating system after each
batch, so a crash of Venvdesk loses at most the few milliseconds of entries still in the queue.
:meth:`ActivityLog.flush` waits for the queue to be written; :meth:`ActivityLog.close`, and the
interpreter's exit, drain it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import threading
import time
import weakref
from pathlib import Path
from typing import BinaryIO, Callable

from core import storage
from core.commands import redact

MAX_BYTES = 1_000_000
BACKUPS = 3
# Entries waiting for a slow disk: beyond this many characters, new entries are counted, not kept.
MAX_QUEUED_CHARS = 64_000_000
IDLE_SECONDS = 2.0  # the writer thread ends after this long without entries (a new one starts on demand)
EXIT_WAIT_SECONDS = 5.0

_LIVE: weakref.WeakSet[ActivityLog] = weakref.WeakSet()


def log_file_path() -> Path:
    return storage.log_dir() / "venvdesk.log"


def _timestamp(when: float) -> str:
    """As the logging module writes ``%(asctime)s``: ``2024-05-01 12:34:56,789``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when)) + f",{int(when % 1 * 1000):03d}"


class ActivityLog:
    def __init__(self, path: Path | None = None, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        self.path = path or log_file_path()
        self.max_bytes = max_bytes
        self.backups = backups
        self.problem = ""  # set (by the writer thread) once the file cannot be written
        # Told the problem once, on the writer thread (a GUI hands it to its own thread).
        self.on_problem: Callable[[str], None] | None = None
        # None: stop.  (queue.Queue waits in Condition.wait: a sampling profiler sees the thread idle.)
        self._queue: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._written = threading.Condition(self._lock)
        self._unwritten = 0  # entries queued and not yet written (or given up on)
        self._queued_chars = 0
        self._dropped = 0  # entries not kept because the disk could not keep up
        self._thread: threading.Thread | None = None
        self._handle: BinaryIO | None = None  # the open file: the writer thread's alone
        self._size = 0  # bytes in it
        self._closed = False
        _LIVE.add(self)

    def write(self, text: str) -> None:
        """Append one entry (several lines allowed); returns at once, the file is written in the background."""
        with self._lock:
            if self._closed or self.problem:
                return
            if self._queued_chars + len(text) > MAX_QUEUED_CHARS:
                self._dropped += 1
                return
            self._unwritten += 1
            self._queued_chars += len(text)
            self._queue.put((time.time(), text))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="venvdesk-activity-log", daemon=True)
                self._thread.start()

    def flush(self, timeout: float = EXIT_WAIT_SECONDS) -> bool:
        """Wait until every entry written so far is in the file; False if that took over ``timeout`` seconds."""
        with self._written:
            return self._written.wait_for(lambda: self._unwritten == 0, timeout)

    def close(self) -> None:
        """Write what is queued, close the file; later entries are ignored."""
        self.flush()
        with self._lock:
            self._closed = True
            if self._thread is not None:
                self._queue.put(None)

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    item = None
                if item is None:  # idle, or closed
                    with self._lock:
                        if self._unwritten == 0:
                            # Closed before the next write can start a new thread (which opens it again).
                            self._close_file()
                            self._thread = None
                            return
                    continue
                batch = [item]
                while len(batch) < 1000:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        self._queue.put(None)  # handled once this batch is written
                        break
                    batch.append(item)
                try:
                    if not self.problem:
                        self._write_batch(batch)
                except Exception as exc:  # noqa: BLE001 - whatever it is, the entries are not written
                    self.problem = f"The log file {self.path} cannot be written ({exc}); the log is kept on screen only."
                    self._close_file()
                    self._tell_problem()
                with self._written:
                    self._unwritten -= len(batch)
                    self._queued_chars -= sum(len(text) for _when, text in batch)
                    self._written.notify_all()
        finally:
            with self._lock:
                if self._thread is threading.current_thread():  # ended by something unforeseen
                    self._close_file()
                    self._thread = None

    def _tell_problem(self) -> None:
        if self.on_problem is not None:
            # A listener that is gone (its window closed) changes nothing.
            with contextlib.suppress(Exception):
                self.on_problem(self.problem)

    def _close_file(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def _write_batch(self, batch: list[tuple[float, str]]) -> None:
        with self._lock:
            dropped, self._dropped = self._dropped, 0
        entries = [(when, redact(text.rstrip("\n"))) for when, text in batch]
        if dropped:
            entries.insert(0, (time.time(), f"… {dropped} entries were left out here: the disk could not keep up."))
        for when, text in entries:
            line = f"{_timestamp(when)} {text}\n".encode("utf-8", errors="replace")
            if self._handle is None:
                self._handle = self._open()
            elif self._size > 0 and self._size + len(line) > self.max_bytes:
                self._rotate()
            self._handle.write(line)  # buffered: one system call per ~8 KB, not per entry
            self._size += len(line)
        if self._handle is not None:
            self._handle.flush()

    def _open(self) -> BinaryIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "ab")  # noqa: SIM115 - kept open by the writer thread
        self._size = os.fstat(handle.fileno()).st_size
        return handle

    def _rotate(self) -> None:
        """``venvdesk.log`` → ``.1`` → ``.2`` → ``.3`` (the oldest dropped), as RotatingFileHandler does."""
        self._close_file()
        for number in range(self.backups - 1, 0, -1):
            source = self.path.with_name(f"{self.path.name}.{number}")
            if source.exists():
                os.replace(source, self.path.with_name(f"{self.path.name}.{number + 1}"))
        if self.backups > 0:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)
        self._handle = self._open()


@atexit.register
def _drain_at_exit() -> None:
    for log in list(_LIVE):
        log.flush(EXIT_WAIT_SECONDS)
