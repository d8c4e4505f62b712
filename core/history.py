"""What changed in an environment, change by change: its package set before and after, and the way back.

Every change the app makes records one :class:`Change`: what the person asked for, how it
ended, and the package set (``core.journal.package_set``: ``{key: (name, version)}``, read
from metadata in milliseconds) before and after.  The before-set is the one the journal
entry already holds while the change runs, so a change that a crash interrupted is
recorded from that same entry when the app starts again.  A change made from a terminal
(``pip install`` in an activated environment) shows up too: :meth:`History.note_current`
compares the newest record's after-set with what is installed now.

Records live in ``<data dir>/history/<sha256 of the environment path>.jsonl``, one JSON
object a line, appended with flush + fsync.  A line a crash cut short is skipped; when the
file holds many more than :data:`MAX_RECORDS` records it is rewritten (atomically) with the
newest ones only.

The words (:func:`describe`, :func:`describe_interrupted`) are plain sentences for the
message bar and the History list; :func:`undo_plan` is what returns an environment to a
recorded set (``core.journal.rollback_changes``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import storage
from core.journal import Journal, JournalEntry, rollback_changes
from core.operations import Status

HISTORY_VERSION = 1
# Records kept per environment; the file is trimmed back to this many once it holds
# TRIM_SLACK more (so trimming is rare, not a rewrite on every change).
MAX_RECORDS = 500
TRIM_SLACK = 50
# Names listed in one sentence before the rest is counted ("… and 37 more").
MAX_NAMED = 8

PackageSet = Mapping[str, tuple[str, str]]

# How a change ended (the words stored in the records).
DONE, FAILED, CANCELLED, CRASHED, OUTSIDE = "done", "failed", "cancelled", "crashed", "outside"
STATUSES = (DONE, FAILED, CANCELLED, CRASHED, OUTSIDE)
# The kind of a change nobody in this app made; and of the quiet first look at an environment
# that had no history yet (the reference a later outside change is compared with; never listed).
OUTSIDE_KIND = "outside"
BASELINE_KIND = "baseline"
OUTSIDE_TITLE = "changed outside Venvdesk"
# The kind of a re-creation with another Python (this app's own change; not undoable: going
# back to the old package set would not bring back the old Python).
RECREATE_KIND = "recreate"
# The kind of the app bringing a new environment's pip up to date in the background: its own
# change, kept when an earlier change is undone, and never itself what Undo takes back (the
# person did not ask for it).
PIP_UPDATE_KIND = "pip-update"


def status_word(status: Status) -> str:
    """The record's word for how an operation ended."""
    return {
        Status.OK: DONE,
        Status.FAILED: FAILED,
        Status.FAILED_TO_START: FAILED,
        Status.CANCELLED: CANCELLED,
        Status.CRASHED: CRASHED,
    }[status]


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class Change:
    """One change to an environment's packages, however it ended."""

    when: float
    # What was asked, in words ("Install pandas").
    title: str
    # The journal's word for the intent (install, uninstall, requirements, repair, rollback,
    # create), "recreate" (re-created with another Python), or "outside".
    kind: str
    specs: tuple[str, ...] = ()
    status: str = DONE
    before: dict[str, tuple[str, str]] = field(default_factory=dict)
    after: dict[str, tuple[str, str]] = field(default_factory=dict)
    id: str = field(default_factory=_new_id)

    @classmethod
    def new(
        cls,
        *,
        title: str,
        kind: str,
        specs: Sequence[str] = (),
        status: str = DONE,
        before: PackageSet,
        after: PackageSet,
        when: float | None = None,
    ) -> Change:
        """A change that ended just now (``when`` defaults to the current time; a fresh id)."""
        return cls(
            when=time.time() if when is None else when,
            title=title,
            kind=kind,
            specs=tuple(specs),
            status=status,
            before=dict(before),
            after=dict(after),
        )

    @property
    def changed(self) -> bool:
        return dict(self.before) != dict(self.after)

    @property
    def undoable(self) -> bool:
        """It changed packages and did not create the environment (the set before a creation is an
        environment that did not exist: going back to it would remove pip)."""
        return self.changed and self.kind not in ("create", RECREATE_KIND, PIP_UPDATE_KIND)

    def describe(self) -> str:
        """What changed, in words ("numpy 2.1.0 was installed"; "nothing changed")."""
        return describe(self.before, self.after)

    def undo_plan(self, now: PackageSet | None = None) -> tuple[list[str], list[str]]:
        """What returns the environment to this change's before-set from ``now`` (default: its after-set)."""
        return undo_plan(self.before, self.after if now is None else now)

    def date(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.when)) if self.when else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": HISTORY_VERSION,
            "id": self.id,
            "when": self.when,
            "title": self.title,
            "kind": self.kind,
            "specs": list(self.specs),
            "status": self.status,
            "before": {key: list(value) for key, value in sorted(self.before.items())},
            "after": {key: list(value) for key, value in sorted(self.after.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            when=float(data.get("when", 0.0)),
            title=str(data.get("title", "")),
            kind=str(data.get("kind", "")),
            specs=tuple(str(s) for s in data.get("specs") or ()),
            status=str(data.get("status", DONE)),
            before=_package_set(data.get("before")),
            after=_package_set(data.get("after")),
            id=str(data.get("id") or _new_id()),
        )


def _package_set(raw: Any) -> dict[str, tuple[str, str]]:
    return {str(key): (str(value[0]), str(value[1])) for key, value in dict(raw or {}).items()}


def change_from_journal(
    entry: JournalEntry, status: str, after: PackageSet, *, when: float | None = None
) -> Change:
    """The record of the change ``entry`` describes, ended with ``status``, leaving ``after``.

    The journal entry is what the app wrote before the change started (its before-set, what
    was asked); this is how a change is recorded at its end, and how one a crash interrupted
    is recorded when the app starts again (``status`` ``"crashed"``).
    """
    return Change(
        when=entry.started_at if when is None else when,
        title=entry.title,
        kind=entry.kind,
        specs=entry.specs,
        status=status,
        before=dict(entry.before),
        after=dict(after),
    )


def history_dir() -> Path:
    return storage.data_dir() / "history"


def _digest(environment: str | os.PathLike[str]) -> str:
    path = os.path.abspath(os.fspath(environment))
    return hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:24]


class History:
    """The recorded changes of every environment (one file each)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or history_dir()

    def path(self, environment: str | os.PathLike[str]) -> Path:
        return self.folder / f"{_digest(environment)}.jsonl"

    # -- writing -----------------------------------------------------------------------------

    def record(self, environment: str | os.PathLike[str], change: Change, *, sync_later: bool = False) -> Change:
        """Append ``change`` to the environment's history (durably: flush and fsync).

        With ``sync_later`` the fsync runs on :mod:`core.storage`'s own thread: the UI thread
        records each change as it is reported, and an fsync can take tens of ms on a busy disk
        (seen inside a 35 ms heartbeat gap at the end of an install, issue 13).
        """
        path = self.path(environment)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = change.to_json()
        data["environment"] = os.path.abspath(os.fspath(environment))
        line = json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"
        with storage.locked(path):
            with open(path, "ab") as handle:
                if handle.tell() and not _ends_with_newline(path):
                    # A crash cut the last record short: keep that fragment on a line of its own
                    # (it is skipped when read) rather than gluing this record onto it.
                    handle.write(b"\n")
                handle.write(line.encode("utf-8"))
                handle.flush()
                if not sync_later:
                    os.fsync(handle.fileno())
            self._trim(path)
        if sync_later:
            storage.flush_later(path)
        return change

    def _trim(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except OSError:
            return
        if raw.count(b"\n") <= MAX_RECORDS + TRIM_SLACK:
            return
        lines = [line for line in raw.decode("utf-8", "replace").splitlines() if _parse(line) is not None]
        storage.write_text_atomic(path, "".join(line + "\n" for line in lines[-MAX_RECORDS:]))

    def note_current(
        self, environment: str | os.PathLike[str], now_set: PackageSet, *, when: float | None = None
    ) -> Change | None:
        """Record a change made outside the app, if the environment no longer holds what was recorded.

        Compares the newest record's after-set with ``now_set`` (read from metadata just now);
        when they differ, a change of kind ``"outside"`` ("changed outside Venvdesk") is
        appended and returned.  An environment with no history gets a quiet first record (not
        listed by :meth:`changes`) that later looks are compared with.  Nothing is recorded
        while a change of this app runs in the environment (its journal entry exists): the set
        is in the middle of changing.
        """
        change = self.look(environment, now_set, when=when)
        if change is None:
            return None
        self.record(environment, change)
        return None if change.kind == BASELINE_KIND else change

    def look(
        self, environment: str | os.PathLike[str], now_set: PackageSet, *, when: float | None = None
    ) -> Change | None:
        """What :meth:`note_current` would record (an "outside" change, or the quiet first record),
        without writing it: a caller that must first make sure no change of its own finished in
        the meantime records it itself."""
        if Journal().entry(environment) is not None or _being_recreated(environment):
            return None
        newest = self._newest(environment, include_baseline=True)
        now = dict(now_set)
        moment = time.time() if when is None else when
        if newest is None:
            return Change(moment, "first look", BASELINE_KIND, status=OUTSIDE, before=now, after=now)
        if dict(newest.after) == now:
            return None
        return Change(moment, OUTSIDE_TITLE, OUTSIDE_KIND, status=OUTSIDE, before=dict(newest.after), after=now)

    # -- reading -----------------------------------------------------------------------------

    def _records(self, environment: str | os.PathLike[str]) -> list[Change]:
        """Every readable record, oldest first (a torn or foreign line is skipped)."""
        try:
            raw = self.path(environment).read_bytes()
        except OSError:
            return []
        found = []
        for line in raw.decode("utf-8", "replace").splitlines():
            data = _parse(line)
            if data is None:
                continue
            with contextlib.suppress(ValueError, TypeError, IndexError, KeyError):
                found.append(Change.from_json(data))
        return found

    def changes(self, environment: str | os.PathLike[str]) -> list[Change]:
        """The environment's recorded changes, newest first."""
        return [change for change in reversed(self._records(environment)) if change.kind != BASELINE_KIND]

    def _newest(self, environment: str | os.PathLike[str], *, include_baseline: bool) -> Change | None:
        for change in reversed(self._records(environment)):
            if include_baseline or change.kind != BASELINE_KIND:
                return change
        return None

    def last_change(self, environment: str | os.PathLike[str]) -> Change | None:
        return self._newest(environment, include_baseline=False)

    def change(self, environment: str | os.PathLike[str], change_id: str) -> Change | None:
        """The record with this id (for "restore to before this change")."""
        for change in self._records(environment):
            if change.id == change_id:
                return change
        return None

    def forget(self, environment: str | os.PathLike[str]) -> None:
        """Drop the environment's history (it was removed)."""
        with contextlib.suppress(FileNotFoundError):
            self.path(environment).unlink()


def _being_recreated(environment: str | os.PathLike[str]) -> bool:
    """A re-creation of this app holds the environment (moved aside, being built, or being put
    back): what is there now is the app's own doing, recorded when the re-creation ends."""
    from core.recreate import read_record

    return read_record(environment) is not None


def recreation_change(
    title: str, specs: Sequence[str], before: PackageSet, after: PackageSet, *, when: float | None = None
) -> Change:
    """The record of a re-creation that worked: the old environment's set, the new one's."""
    return Change.new(title=title, kind=RECREATE_KIND, specs=specs, status=DONE, before=before, after=after, when=when)


def _ends_with_newline(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"
    except OSError:
        return True  # empty (or unreadable): nothing to separate from


def _parse(line: str) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("version") != HISTORY_VERSION:
        return None
    return data


# -- words --------------------------------------------------------------------------------------


def join_words(words: Sequence[str], limit: int = MAX_NAMED) -> str:
    """``a``; ``a and b``; ``a, b and c``; past ``limit``: ``a, b, c … and 37 more``."""
    words = list(words)
    if not words:
        return ""
    if len(words) > limit:
        return f"{', '.join(words[:limit])} … and {len(words) - limit} more"
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"


def version_change(old: str, new: str) -> str:
    """``"same"``, ``"upgrade"``, ``"downgrade"``, or ``"replace"`` (versions that do not compare)."""
    if old == new:
        return "same"
    from packaging.version import InvalidVersion, Version

    try:
        older, newer = Version(old), Version(new)
    except InvalidVersion:
        return "replace"
    if older == newer:
        return "same"
    return "upgrade" if newer > older else "downgrade"


def _clause(items: list[str], singular: str, plural: str) -> str:
    return f"{join_words(items)} {singular if len(items) == 1 else plural}"


def describe(before: PackageSet, after: PackageSet) -> str:
    """What changed from ``before`` to ``after``, in words (sorted by name; "nothing changed")."""
    installed, removed, upgraded, downgraded, replaced = [], [], [], [], []
    for key in sorted(set(before) | set(after)):
        if key not in before:
            name, version = after[key]
            installed.append(f"{name} {version}".strip())
        elif key not in after:
            name, version = before[key]
            removed.append(f"{name} {version}".strip())
        else:
            (_, old), (name, new) = before[key], after[key]
            how = version_change(old, new)
            if how == "upgrade":
                upgraded.append((name, old, new))
            elif how == "downgrade":
                downgraded.append((name, old, new))
            elif how == "replace":
                replaced.append((name, old, new))
    parts = []
    if installed:
        parts.append(_clause(installed, "was installed", "were installed"))
    for changes, verb in ((upgraded, "upgraded"), (downgraded, "downgraded"), (replaced, "changed")):
        if len(changes) == 1:
            name, old, new = changes[0]
            parts.append(f"{name} was {verb} from {old} to {new}")
        elif changes:
            listed = [f"{name} from {old} to {new}" for name, old, new in changes]
            parts.append(f"{join_words(listed)} were {verb}")
    if removed:
        parts.append(_clause(removed, "was removed", "were removed"))
    return "; ".join(parts) if parts else "nothing changed"


_BEFORE_WORDS = {
    "cancelled": "before you cancelled",
    "failed": "before it failed",
    "stopped": "before it stopped",
    "crashed": "before it stopped",
}


def describe_interrupted(before: PackageSet, after: PackageSet, how: str) -> str:
    """The banner's sentence after a cancel, a failure or a stop: exactly what changed before it.

    ``how`` is ``"cancelled"``, ``"failed"`` or ``"stopped"`` ("crashed" reads as "stopped").
    """
    ending = _BEFORE_WORDS.get(how, f"before it {how}")
    if dict(before) == dict(after):
        return f"Nothing was changed {ending}."
    # The sentence starts with a package name, spelt as its project spells it ("numpy …").
    return f"{describe(before, after)} {ending}."


def keeping_pip_updates(change: Change, newer: Sequence[Change]) -> tuple[PackageSet, PackageSet]:
    """``change``'s before- and after-sets with pip as the app's background updates since left it.

    Going back to before ``change`` is about what the person did; pip brought up to date by the
    app afterwards (``PIP_UPDATE_KIND`` records in ``newer``, the records after ``change``) stays,
    unless something else changed pip after that update.
    """
    before, after = dict(change.before), dict(change.after)
    pip: tuple[str, str] | None = None
    for later in sorted(newer, key=lambda record: record.when):
        if later.kind == PIP_UPDATE_KIND and "pip" in later.after:
            pip = later.after["pip"]
        elif later.before.get("pip") != later.after.get("pip"):
            pip = None  # pip changed again after the update: taken back as any change
    if pip is not None:
        if "pip" in before:
            before["pip"] = pip
        if "pip" in after:
            after["pip"] = pip
    return before, after


def undo_plan(before: PackageSet, now: PackageSet) -> tuple[list[str], list[str]]:
    """What returns ``now`` to ``before``: (``name==version`` to install, names to uninstall)."""
    return rollback_changes(before, now)


__all__ = [
    "BASELINE_KIND",
    "CANCELLED",
    "CRASHED",
    "DONE",
    "FAILED",
    "OUTSIDE",
    "OUTSIDE_KIND",
    "OUTSIDE_TITLE",
    "RECREATE_KIND",
    "Change",
    "History",
    "change_from_journal",
    "describe",
    "describe_interrupted",
    "join_words",
    "recreation_change",
    "status_word",
    "undo_plan",
    "version_change",
]
