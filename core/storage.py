"""Where the app keeps its state, and how it writes it without losing it.

All paths come from platformdirs, so setting ``XDG_CONFIG_HOME``,
``XDG_DATA_HOME``, ``XDG_CACHE_HOME`` and ``XDG_STATE_HOME`` isolates a run
completely (the tests rely on this).  Files are written atomically: a temporary
file in the same folder, fsync, then ``os.replace``.

Two Venvdesk windows may run at once.  A state file both change (the list of
environments, the settings) is changed with :func:`update_json`: under a lock
file (``flock`` on POSIX, ``msvcrt.locking`` on Windows) the file is read
again, this instance's change is applied to what is there now, and the result
is written atomically, so neither instance's change is lost.  Temporary files
left behind by a killed instance are removed the next time the file is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "venvdesk"
# Owner-only: for files that can hold a password (an index URL with credentials).
PRIVATE_MODE = 0o600
# A temporary file older than this was left by an instance that was killed mid-write.
STALE_TEMP_AGE = 60.0
# How long a save waits for another instance holding the lock (it holds it for milliseconds).
LOCK_TIMEOUT = 10.0


def _read_umask() -> int:
    """The process's umask, read once: ``os.umask`` can only be read by setting it, and setting it
    for a moment would give files that other threads create in that moment the wrong mode (Linux
    tells it without that; elsewhere it is set and put back once, as this module is imported)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_environments_dir() -> Path:
    """The folder new environments go to unless the person picks another."""
    return data_dir() / "envs"


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


_TEMP_SUFFIX = ".tmp"
# What tempfile.mkstemp puts between prefix and suffix (eight of "a-z0-9_").
_TEMP_MIDDLE = re.compile(r"[a-z0-9_]{8}")


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None, sync_later: bool = False) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never half.

    A symbolic link keeps pointing where it did (its target is replaced), and the file keeps its
    permissions (a new one gets the usual ones, not ``mkstemp``'s owner-only 0600).  ``mode``,
    when given, is the file's mode whatever it was before (``PRIVATE_MODE`` for secrets).

    ``sync_later``: the data is flushed to the disk by a thread of this module just after the
    rename, not before it (an ``fsync`` takes 5-100 ms while pip writes thousands of files; the UI
    thread must not wait for it).  The app being killed still leaves the old or the new file (the
    data is in the system's cache); only a power cut in those milliseconds could leave an empty
    one, which readers skip.  For the journal of a change, written as the change starts.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if not sync_later:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if sync_later:
        flush_later(path)


_flush_queue: queue.SimpleQueue[Path] = queue.SimpleQueue()
_flusher: threading.Thread | None = None
_flusher_lock = threading.Lock()


def flush_later(path: Path) -> None:
    """``fsync`` ``path`` on this module's own thread (started on first use)."""
    global _flusher
    with _flusher_lock:
        if _flusher is None:
            _flusher = threading.Thread(target=_flush_forever, name="venvdesk-fsync", daemon=True)
            _flusher.start()
    _flush_queue.put(path)


def _flush_forever() -> None:
    while True:
        path = _flush_queue.get()
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # already removed (a short change ended): nothing to keep
        except OSError as exc:
            sys.stderr.write(f"Venvdesk could not open {path} to flush it to the disk: {exc}\n")
            continue
        try:
            os.fsync(fd)
        except OSError as exc:
            sys.stderr.write(f"Venvdesk could not flush {path} to the disk: {exc}\n")
        finally:
            os.close(fd)


def write_text_atomic(path: Path, text: str, *, mode: int | None = None, sync_later: bool = False) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode, sync_later=sync_later)


def write_json_atomic(path: Path, document: Any, *, mode: int | None = None, sync_later: bool = False) -> None:
    write_text_atomic(path, json.dumps(document, indent=2, sort_keys=True) + "\n", mode=mode, sync_later=sync_later)


def remove_stale_temp_files(path: Path, max_age: float = STALE_TEMP_AGE) -> list[Path]:
    """Delete ``.<name>.XXXXXXXX.tmp`` files next to ``path`` older than ``max_age`` seconds.

    Only this module's own temporary files for ``path`` are touched (its exact prefix, mkstemp's
    eight characters, ``.tmp``); a fresh one may belong to another instance writing right now.
    Returns what was removed.
    """
    path = Path(os.path.realpath(path))
    prefix = _temp_prefix(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    removed: list[Path] = []
    now = time.time()
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_TEMP_SUFFIX)):
            continue
        if not _TEMP_MIDDLE.fullmatch(name[len(prefix) : -len(_TEMP_SUFFIX)]):
            continue
        candidate = path.parent / name
        try:
            info = os.lstat(candidate)
            if now - info.st_mtime < max_age or not stat.S_ISREG(info.st_mode):
                continue
            os.unlink(candidate)
        except OSError:
            continue
        removed.append(candidate)
    return removed


# -- one writer at a time across instances --------------------------------------------------


def lock_path(path: Path) -> Path:
    """The lock file that guards ``path`` (kept: deleting a lock file would let two writers in)."""
    path = Path(os.path.realpath(path))
    return path.with_name(f".{path.name}.lock")


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock that guards ``path`` (another process waits; ``OSError`` after ``timeout``)."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.002
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"{path} is being written by another Venvdesk that has held it for over"
                    f" {timeout:g} seconds ({lock})."
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def update_json(
    path: Path,
    version: int,
    change: Callable[[dict[str, Any] | None], dict[str, Any]],
    *,
    mode: int | None = None,
    sync_later: bool = False,
) -> dict[str, Any]:
    """Read ``path`` again, apply ``change`` to what is there now, write the result; all under the lock.

    ``change`` gets the document on disk (``None`` when there is none, or when it was unreadable
    and set aside) and returns the whole new document, which is also returned.  ``sync_later``: see
    :func:`write_bytes_atomic`.
    """
    with locked(path):
        current = load_versioned_json(path, version).data
        document = change(current)
        write_json_atomic(path, document, mode=mode, sync_later=sync_later)
    return document


@dataclass(frozen=True)
class LoadedDocument:
    """A versioned JSON document read from disk.

    ``data`` is ``None`` when the file did not exist.  ``recovered_to`` is set
    when the file was unreadable: it was moved aside to that path, and the app
    goes on with defaults while telling the person.
    """

    data: dict[str, Any] | None
    recovered_to: Path | None = None
    problem: str = ""


def load_versioned_json(path: Path, version: int) -> LoadedDocument:
    """Read ``{"version": N, ...}`` from ``path``; set a corrupt or foreign file aside as ``.bak``.

    Temporary files a killed instance left next to it are removed first.
    """
    path = Path(path)
    remove_stale_temp_files(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedDocument(None)
    problem = ""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"it is not valid JSON ({exc})"
    else:
        if not isinstance(data, dict):
            problem = "it does not hold a JSON object"
        elif data.get("version") != version:
            problem = f"it has version {data.get('version')!r}, this app reads version {version}"
        else:
            return LoadedDocument(data)
    backup = path.with_name(path.name + ".bak")
    if backup.exists():  # keep an earlier copy set aside too
        backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
    os.replace(path, backup)
    return LoadedDocument(None, recovered_to=backup, problem=problem)
