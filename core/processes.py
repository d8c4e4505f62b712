"""Running a program to its end, bounded in time and in output, leaving nothing behind.

For the blocking checks that run in worker threads (probing a base Python, the quiet pip check
when an environment is shown): the program runs in its own session, at most ``limit`` bytes of
each stream are kept, and on a timeout or too much output the program and everything it started
are killed.  (Operations the person watches run through ``gui.runner`` instead.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BoundedRun:
    """What a bounded run of a program gave: at most ``limit`` bytes of each stream."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    overflowed: bool = False


def venvdesk_child(*arguments: str) -> tuple[list[str], str | None]:
    """The command that runs Venvdesk itself as a child with ``arguments``, and the folder to start it in.

    The bundle runs itself (any folder will do: ``None``).  From source it is ``python -m gui``,
    started in Venvdesk's own folder: ``-m`` looks in the working folder first, where a project's
    own ``gui.py`` or ``core/`` would be run instead.
    """
    if getattr(sys, "frozen", False):
        return [sys.executable, *arguments], None
    return [sys.executable, "-m", "gui", *arguments], os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_bounded(
    command: list[str], timeout: float, limit: int, *, env: Mapping[str, str], cwd: str | None = None
) -> BoundedRun:
    """Run ``command`` in its own session; keep at most ``limit`` bytes of stdout and of stderr.

    It is stopped, together with every process it started, when it runs past ``timeout``
    seconds or writes more than ``limit`` bytes to a stream.  When it ends on its own, anything
    it left running in its process group is stopped too.  Raises ``OSError`` when it cannot start.
    """
    if sys.platform == "win32":
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            creationflags=flags,
        )
    else:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,  # its own process group: killed as a whole
        )
    buffers = (bytearray(), bytearray())
    finished = threading.Event()  # both streams ended, or one overflowed
    overflowed = threading.Event()
    open_streams = [2]
    lock = threading.Lock()

    def pump(stream: Any, buffer: bytearray) -> None:
        try:
            fd = stream.fileno()
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                room = limit - len(buffer)
                if len(chunk) > room:
                    buffer += chunk[:room]
                    overflowed.set()
                    finished.set()
                    break
                buffer += chunk
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                stream.close()
            with lock:
                open_streams[0] -= 1
                if open_streams[0] == 0:
                    finished.set()

    readers = [
        threading.Thread(target=pump, args=(process.stdout, buffers[0]), name="bounded-stdout", daemon=True),
        threading.Thread(target=pump, args=(process.stderr, buffers[1]), name="bounded-stderr", daemon=True),
    ]
    for reader in readers:
        reader.start()
    ended = finished.wait(timeout)
    overflow = overflowed.is_set()
    # Whatever happened, nothing it started outlives the probe.  (A process whose streams
    # reached their end is exiting: its exit status is already decided.)
    stop_process_tree(process, forceful=not ended or overflow)
    try:
        returncode: int | None = process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
        process.kill()
        returncode = process.wait()
    for reader in readers:
        reader.join(timeout=1.0)
    return BoundedRun(
        None if not ended or overflow else returncode,
        bytes(buffers[0]),
        bytes(buffers[1]),
        timed_out=not ended,
        overflowed=overflow,
    )


def stop_process_tree(process: subprocess.Popen[bytes], *, forceful: bool) -> None:
    """Kill ``process``'s whole process group (POSIX), or its tree (Windows, when ``forceful``)."""
    if sys.platform == "win32":
        if forceful and process.poll() is None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    ["taskkill", "/F", "/T", "/PID", str(process.pid)],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=10,
                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
                )
            with contextlib.suppress(OSError):
                process.kill()
        return
    # start_new_session made the probe the leader of a group numbered by its pid; the
    # group outlives the leader while anything it started is still in it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
