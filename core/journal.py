"""An on-disk record of every change while it runs: what survives a crash of the app.

Before an operation that changes an environment starts, an entry is written
(atomically) naming the environment, what is being done, the package set
before it, and which process is doing it.  The entry is removed when the
operation ends, however it ends.  An entry found on start therefore means the
app (or the machine) stopped in the middle of a change; the entry says what
was happening and what the environment held before, so the person can be
offered the way back — finish the change, or return to the recorded set — and
a half-made environment can be re-created or removed.

The entry is also the lock: while its process is alive (a second Venvdesk, or a
pip that outlived a killed app), nobody else repairs or changes that
environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import storage

JOURNAL_VERSION = 1

# The kinds of change a journal entry records (the intent's type, as a stable word).
CREATE, INSTALL, UNINSTALL, REQUIREMENTS, REPAIR, ROLLBACK = (
    "create",
    "install",
    "uninstall",
    "requirements",
    "repair",
    "rollback",
)


def journal_dir() -> Path:
    return storage.data_dir() / "journal"


def _entry_path(environment: str | os.PathLike[str], folder: Path | None = None) -> Path:
    digest = hashlib.sha256(os.path.abspath(os.fspath(environment)).encode("utf-8", "surrogatepass")).hexdigest()
    return (folder or journal_dir()) / f"{digest[:24]}.json"


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def _zombie(pid: int) -> bool:
    """A dead child nobody has reaped yet (Linux): it is not working on anything."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


@dataclass(frozen=True)
class JournalEntry:
    environment: str
    kind: str
    title: str
    # Requirements (install) or names (uninstall) the change was about.
    specs: tuple[str, ...] = ()
    # The requirements file, for a requirements install.
    requirements_file: str = ""
    # What was installed before the change: normalised name -> (display name, version).
    before: dict[str, tuple[str, str]] = field(default_factory=dict)
    # For a creation: how to make it again.
    interpreter: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    app_pid: int = 0
    # The installer's process, once it runs (a pip that outlives a killed app keeps writing).
    child_pid: int = 0
    host: str = ""
    started_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["version"] = JOURNAL_VERSION
        data["before"] = {key: list(value) for key, value in self.before.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JournalEntry:
        before = data.get("before") or {}
        return cls(
            environment=str(data["environment"]),
            kind=str(data.get("kind", "")),
            title=str(data.get("title", "")),
            specs=tuple(str(s) for s in data.get("specs") or ()),
            requirements_file=str(data.get("requirements_file", "")),
            before={str(k): (str(v[0]), str(v[1])) for k, v in dict(before).items()},
            interpreter=str(data.get("interpreter", "")),
            options=dict(data.get("options") or {}),
            app_pid=int(data.get("app_pid", 0)),
            child_pid=int(data.get("child_pid", 0)),
            host=str(data.get("host", "")),
            started_at=float(data.get("started_at", 0.0)),
        )

    def someone_is_working(self) -> bool:
        """Its app or its installer still runs here: wait, do not repair under it."""
        if self.host and self.host != socket.gethostname():
            return False  # recorded elsewhere (a shared home folder): pids mean nothing here
        for pid in (self.child_pid, self.app_pid):
            if pid and pid != os.getpid() and process_alive(pid) and not _zombie(pid):
                return True
        return False

    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.started_at)) if self.started_at else "earlier"


class Journal:
    """The entries of changes that are running (or were, when the app stopped)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or journal_dir()

    def begin(self, entry: JournalEntry) -> JournalEntry:
        """Record ``entry`` before its change starts (atomically: a crash leaves the old or the new file)."""
        entry = dataclasses.replace(
            entry,
            app_pid=entry.app_pid or os.getpid(),
            host=entry.host or socket.gethostname(),
            started_at=entry.started_at or time.time(),
        )
        # Flushed to the disk just after, off the calling (UI) thread: see write_bytes_atomic.
        storage.write_text_atomic(
            _entry_path(entry.environment, self.folder), json.dumps(entry.to_json(), indent=1), sync_later=True
        )
        return entry

    def update(self, entry: JournalEntry, **changes: Any) -> JournalEntry:
        entry = dataclasses.replace(entry, **changes)
        storage.write_text_atomic(
            _entry_path(entry.environment, self.folder), json.dumps(entry.to_json(), indent=1), sync_later=True
        )
        return entry

    def end(self, environment: str | os.PathLike[str]) -> None:
        """The change ended (however): forget it."""
        with contextlib.suppress(FileNotFoundError):
            _entry_path(environment, self.folder).unlink()

    def entry(self, environment: str | os.PathLike[str]) -> JournalEntry | None:
        return self._read(_entry_path(environment, self.folder))

    def entries(self) -> list[JournalEntry]:
        """Every entry on disk (unreadable ones are skipped: only a power cut just after a write could leave one)."""
        try:
            paths = sorted(self.folder.glob("*.json"))
        except OSError:
            return []
        found = []
        for path in paths:
            entry = self._read(path)
            if entry is not None:
                found.append(entry)
        return found

    @staticmethod
    def _read(path: Path) -> JournalEntry | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return JournalEntry.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None


def package_set(packages: Any) -> dict[str, tuple[str, str]]:
    """``{key: (name, version)}`` of installed packages (``core.packages.InstalledPackage``)."""
    return {package.key: (package.name, package.version) for package in packages}


def rollback_changes(
    before: Mapping[str, tuple[str, str]], now: Mapping[str, tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """What returns ``now`` to ``before``: (requirements to install, names to uninstall).

    Packages that appeared are uninstalled; packages that went away or changed version are
    installed again at the version recorded before.
    """
    install = [f"{name}=={version}" for key, (name, version) in sorted(before.items()) if now.get(key, ("", ""))[1] != version and version]
    uninstall = [name for key, (name, _version) in sorted(now.items()) if key not in before]
    return install, uninstall
