"""The newest-version look-up, done by a child Venvdesk that stays up between look-ups.

:func:`core.pypi.latest_versions` is Python in threads: the requests, TLS, reading each project's
simple page (a big project's page is megabytes, read by one C call that holds the interpreter).
Beside the window's UI thread those threads took turns with it for the interpreter: just as an
install ended, when the list, the scan and the look-up all start, the UI thread waited 25-45 ms
at a time for it, and the window's 10 ms heartbeat gapped 55-87 ms in half the passes of
``benchmarks/bench_ui_responsiveness.py`` (none over 48 ms with the child; issue 13).  A child has
its own interpreter.

Starting a Python and importing ``urllib`` costs ~140 ms, so the child is kept: it answers one
request per line on its input, one answer per line on its output, and ends by itself after
:data:`IDLE_EXIT_SECONDS` without a request (or when the window's end closes its input).  The
request travels through that pipe, not the command line, which other users of the machine can
read: the index URL may hold a token.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from typing import IO, Any

from core.processes import venvdesk_child

#: A child with nothing to do for this long ends; the next look-up starts another.
IDLE_EXIT_SECONDS = 900.0
#: How long one look-up may take in all (each request to the index has its own 20 s timeout).
LOOKUP_TIMEOUT_SECONDS = 600.0


class LookupFailed(OSError):
    """One project's look-up failed in the child; ``str()`` is that failure's own wording.

    A project the index does not have comes back as :class:`core.pypi.NotOnIndex` instead, as
    :func:`core.pypi.latest_versions` gives it.
    """


class LookupChild:
    """One child process and the look-ups sent to it, one at a time (call from workers: it blocks)."""

    def __init__(self, command: list[str] | None = None) -> None:
        """``command``: another program to start instead of Venvdesk's own look-up child."""
        self._command, self._cwd = (command, None) if command else venvdesk_child("--latest-versions")
        self._lock = threading.Lock()  # one look-up at a time: one answer line per request line
        self._process: subprocess.Popen[bytes] | None = None
        self._errors = bytearray()  # the end of the child's error output, for a failure's detail
        self._error_reader: threading.Thread | None = None
        self._closed = False
        self._state = threading.Lock()  # the child started or stopped, and closed, as one step

    def latest_versions(
        self, index_url: str, projects: list[str], python_version: tuple[int, ...] = (), *, timeout: float = LOOKUP_TIMEOUT_SECONDS
    ) -> dict[str, str | Exception]:
        """What :func:`core.pypi.latest_versions` answers, from the child.

        A project's failure is a :class:`LookupFailed` with the same wording.  Raises ``OSError``
        when no child could answer: it could not start, stopped, or took longer than ``timeout``.
        """
        if not projects:
            return {}
        line = json.dumps({"index": index_url, "projects": list(projects), "python": list(python_version)}) + "\n"
        with self._lock:
            try:
                answer = self._ask(line, timeout)
            except _ChildGone as gone:
                if not gone.ended_by_itself and not self._closed:
                    self._stop()
                    raise  # it crashed on this request: the same request would crash the next one
                # It ended by itself (idle) as this request went out, or was closed: one new child
                # (none when closed: _running says Venvdesk is closing).
                self._stop()
                try:
                    answer = self._ask(line, timeout)
                except OSError:
                    self._stop()
                    raise
        if "error" in answer:  # the look-up itself failed in the child (which still runs)
            raise OSError(str(answer["error"]))
        versions: dict[str, str] = answer["versions"]
        failures: dict[str, str] = answer["failures"]
        not_on_index = set(answer.get("not_on_index", ()))
        from core.pypi import NotOnIndex  # on the worker that asks, as the child imports it

        def value(project: str) -> str | Exception:
            if project not in failures:
                return versions.get(project, "")
            return NotOnIndex(failures[project]) if project in not_on_index else LookupFailed(failures[project])

        return {project: value(project) for project in projects}

    def _ask(self, line: str, timeout: float) -> dict[str, Any]:
        process = self._running()
        assert process.stdin is not None and process.stdout is not None
        timed_out = threading.Event()

        def stop_hung() -> None:  # the child is stopped: readline below ends
            timed_out.set()
            with contextlib.suppress(OSError):
                process.kill()

        timer = threading.Timer(timeout, stop_hung)
        timer.daemon = True
        timer.start()
        try:
            try:
                process.stdin.write(line.encode("utf-8"))
                process.stdin.flush()
            except (OSError, ValueError):  # its input is closed: it ended (or was stopped)
                reply = b""
            else:
                reply = process.stdout.readline()
        finally:
            timer.cancel()
        if timed_out.is_set():
            self._stop()
            raise OSError(f"the look-up of the newest versions took longer than {timeout:.0f} s and was stopped")
        if not reply:  # it ended: what it said on its way out
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)
            if self._error_reader is not None:
                self._error_reader.join(timeout=2)
            raise _ChildGone(self._error_tail(), process.returncode == 0)
        try:
            answer = json.loads(reply.decode("utf-8"))
        except ValueError:
            answer = None
        if isinstance(answer, dict) and (
            "error" in answer or (isinstance(answer.get("versions"), dict) and isinstance(answer.get("failures"), dict))
        ):
            return answer
        self._stop()
        raise OSError(f"the look-up of the newest versions answered something unreadable: {reply[:200]!r}")

    def _running(self) -> subprocess.Popen[bytes]:
        with self._state:  # close() waits for a start under way, then stops what it started
            return self._start_unless_closed()

    def _start_unless_closed(self) -> subprocess.Popen[bytes]:
        if self._closed:
            raise OSError("the look-up of the newest versions was stopped: Venvdesk is closing")
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop_locked()  # one that ended: its pipes are closed
        self._errors.clear()
        options: dict[str, Any] = {"cwd": self._cwd}
        if sys.platform == "win32":
            options["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        else:
            options["start_new_session"] = True  # Ctrl+C in the app's terminal is the app's, not the child's
        try:
            process = subprocess.Popen(
                self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options
            )
        except OSError as exc:
            raise OSError(f"the look-up of the newest versions could not start ({' '.join(self._command)}): {exc}") from exc
        self._error_reader = threading.Thread(
            target=self._keep_errors, args=(process.stderr,), name="lookup-child-errors", daemon=True
        )
        self._error_reader.start()
        self._process = process
        return process

    def _keep_errors(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        with contextlib.suppress(OSError, ValueError), stream:
            for chunk in iter(lambda: os.read(stream.fileno(), 4096), b""):
                self._errors += chunk
                del self._errors[:-4000]

    def _error_tail(self) -> str:
        tail = bytes(self._errors).decode("utf-8", "replace").strip()
        return f"the look-up of the newest versions stopped without an answer{': ' + tail if tail else ''}"

    def _stop(self) -> None:
        with self._state:
            self._stop_locked()

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # Killed first: a look-up blocked writing to a child that no longer reads holds the input's
        # lock, and closing the input would wait for it.
        with contextlib.suppress(OSError):
            process.kill()
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        with contextlib.suppress(OSError):
            if process.stdout is not None:
                process.stdout.close()

    def close(self) -> None:
        """End the child (its input closes: it ends at once); a look-up under way fails, none starts another."""
        with self._state:
            self._closed = True
            self._stop_locked()


class _ChildGone(OSError):
    """The child was not there to answer; ``ended_by_itself``: it ended cleanly (idle, or its input closed)."""

    def __init__(self, message: str, ended_by_itself: bool = False) -> None:
        super().__init__(message)
        self.ended_by_itself = ended_by_itself


_shared: LookupChild | None = None
_shared_lock = threading.Lock()


def latest_versions(
    index_url: str, projects: list[str], python_version: tuple[int, ...] = (), *, timeout: float = LOOKUP_TIMEOUT_SECONDS
) -> dict[str, str | Exception]:
    """(Blocking: a worker.) :func:`core.pypi.latest_versions`, by this process's one look-up child."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LookupChild()
        child = _shared
    return child.latest_versions(index_url, projects, python_version, timeout=timeout)


def close_shared() -> None:
    """End this process's look-up child, if one runs (the window's end)."""
    with _shared_lock:
        if _shared is not None:
            _shared.close()


# -- the child's half ----------------------------------------------------------------------------


def serve(stdin: IO[bytes] | None = None, stdout: IO[str] | None = None, idle_exit: float = IDLE_EXIT_SECONDS) -> int:
    """Answer look-up requests, one JSON line each, until the input ends or none came for ``idle_exit`` s."""
    from core.pypi import NotOnIndex
    from core.pypi import latest_versions as look_up

    source = stdin if stdin is not None else sys.stdin.buffer
    out = stdout if stdout is not None else sys.stdout
    lines: queue.Queue[bytes] = queue.Queue()

    def read() -> None:
        """A thread: waiting for a line with a timeout works the same on every system.  It reads the
        descriptor itself, not through the buffered stream, whose lock it would hold in a read still
        waiting when the child ends (Python then aborts at its exit)."""
        fd, pending = source.fileno(), b""
        with contextlib.suppress(OSError):
            for chunk in iter(lambda: os.read(fd, 65536), b""):
                *complete, pending = (pending + chunk).split(b"\n")
                for line in complete:
                    lines.put(line + b"\n")
        lines.put(b"")

    threading.Thread(target=read, name="requests", daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=idle_exit)
        except queue.Empty:
            return 0
        if not line:
            return 0
        try:
            request = json.loads(line)
            index_url, projects = str(request["index"]), [str(name) for name in request["projects"]]
            python_version = tuple(int(part) for part in request["python"])
        except (KeyError, ValueError, TypeError) as exc:
            sys.stderr.write(f"an unreadable look-up request: {exc!r}\n")
            return 2
        try:
            results = look_up(index_url, projects, python_version)
        except Exception as exc:  # noqa: BLE001 - told to the window in a sentence; this child goes on
            out.write(json.dumps({"error": f"the look-up of the newest versions failed: {type(exc).__name__}: {exc}"}) + "\n")
            out.flush()
            continue
        answer = {
            "versions": {name: value for name, value in results.items() if isinstance(value, str)},
            "failures": {name: str(value) for name, value in results.items() if isinstance(value, Exception)},
            "not_on_index": [name for name, value in results.items() if isinstance(value, NotOnIndex)],
        }
        out.write(json.dumps(answer) + "\n")
        out.flush()
