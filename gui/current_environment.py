"""The selected environment, observed by every view: what it is, what is installed, what is wrong.

One object holds the selection and what the app knows about it — its packages
(read from metadata off the UI thread), the newest versions on the index, the
half-installed scan, the problems ``pip check`` reported — and tells observers
when any of it changes.  Views (the Installed table, Find packages) and
controllers read it; none of them reaches into another view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QFileSystemWatcher, QObject, Qt, QTimer, Signal

from core import pypi
from core.checks import consistency_problems
from core.commands import Command, redact
from core.environments import Environment, Health, interpreter_starts
from core.errors import UserFacingError
from core.journal import JournalEntry
from core.packages import (
    InstalledPackage,
    Integrity,
    check_integrity,
    installed_packages,
    installed_version,
    required_by,
)
from core.settings import Settings
from gui.models.environments import EnvironmentEntry
from gui.workers import run_in_background

LATEST_VERSIONS_TTL = 3600
WATCH_DEBOUNCE_MS = 700
_AFTER_PAINT = QEvent.Type(QEvent.registerEventType())


class LatestVersions:
    """The newest installable version of each project, per index and Python, kept for an hour."""

    def __init__(self) -> None:
        # (index, python version, name) -> (version, fetched at)
        self._cache: dict[tuple[str, tuple[int, ...], str], tuple[str, float]] = {}

    def known(self, index: str, python: tuple[int, ...], names: list[str]) -> tuple[dict[str, str], list[str]]:
        """What is cached and fresh, and the names still to look up."""
        now = time.time()
        known: dict[str, str] = {}
        missing: list[str] = []
        for name in names:
            cached = self._cache.get((index, python, name))
            if cached is not None and now - cached[1] < LATEST_VERSIONS_TTL:
                known[name] = cached[0]
            else:
                missing.append(name)
        return known, missing

    def remember(self, index: str, python: tuple[int, ...], name: str, version: str) -> None:
        self._cache[(index, python, name)] = (version, time.time())


@dataclass
class _Load:
    """One read of an environment: what has come back from its two workers."""

    path: str
    python_ok: bool | None  # None: its Python's start-up check has not answered yet
    read: bool = False
    site_packages: object = None
    quiet_check: bool = True  # the installer's consistency check follows
    shown: bool = False  # the list has been shown and the checks that follow it started
    checked: bool = False  # the quiet check has been started


class CurrentEnvironment(QObject):
    changed = Signal()  # another environment (or none) was selected
    packages_loaded = Signal(str)  # environment path: packages are read (the scan and checks follow)
    latest_versions_loaded = Signal(str)  # environment path
    broken = Signal(str, object)  # path, Health: its Python no longer starts
    integrity_changed = Signal()
    problems_changed = Signal()  # what pip check reported
    attention_changed = Signal()  # an interrupted change (of any environment) was found or settled
    failed = Signal(object)  # UserFacingError: a background read failed

    def __init__(
        self, settings: Settings, is_busy: Callable[[str], bool], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._is_busy = is_busy
        self.entry: EnvironmentEntry | None = None
        self.packages: list[InstalledPackage] = []
        # When the read that gave ``packages`` was asked for (time.monotonic): older than a change
        # that ended since, it no longer says what is installed.
        self.packages_read_at = 0.0
        # Which installed packages need each one (normalised name -> names), read with the packages.
        self.dependents: dict[str, list[str]] = {}
        self.integrity = Integrity()
        self.problems: list[str] = []
        self.latest: dict[str, str] = {}
        self.latest_failures: list[str] = []
        #: The packages (normalised names) the index has no page for: the person's own, or installed
        #: from a file or another index.  Not failures: there is no newest version to show.
        self.latest_not_on_index: list[str] = []
        #: Why no project's newest version could be asked for at all ("" when the look-up ran): the
        #: look-up itself stopped (its child could not start, or died), not the index.
        self.latest_problem = ""
        self.loaded = False
        self._latest_versions = LatestVersions()
        self._load: _Load | None = None  # the newest read asked for
        # Per environment: the reads waiting for the start-up check of its Python under way.
        self._python_checks: dict[str, list[_Load]] = {}
        # Per environment: the requirements an interrupted run was installing (Repair reinstalls them).
        self._interrupted: dict[str, tuple[str, ...]] = {}
        # Per environment: the journal entry of a change the app stopped in the middle of.
        self._attention: dict[str, JournalEntry] = {}
        self._changed_while_busy: set[str] = set()
        self._after_paint: list[Callable[[], None]] = []
        # Builds the installer's check command for an environment (set by the operations controller).
        self.check_command: Callable[[Environment], tuple[Command, Callable[[str], list[str]]]] | None = None

        self._watch_timer = QTimer(self)
        self._watch_timer.setSingleShot(True)
        self._watch_timer.setInterval(WATCH_DEBOUNCE_MS)
        self._watch_timer.timeout.connect(self._changed_behind_our_back)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self._watch_timer.start())

    # -- what is selected --------------------------------------------------------------------

    @property
    def environment(self) -> Environment | None:
        return self.entry.environment if self.entry is not None else None

    @property
    def key(self) -> str:
        return str(self.entry.environment.path) if self.entry is not None else ""

    @property
    def usable(self) -> bool:
        """A working environment is selected (packages can be installed into it)."""
        return self.entry is not None and self.entry.health.ok

    def index_url(self) -> str:
        return pypi.configured_index_url(self.settings.index_url)

    def index_url_shown(self) -> str:
        """The index, with any password hidden (for display)."""
        return redact(self.index_url())

    def installed_version(self, key: str) -> str:
        return installed_version(self.packages, key)

    def select(self, entry: EnvironmentEntry | None) -> None:
        """Make ``entry`` the current environment and read it (off the UI thread)."""
        previous = self.key
        self.entry = entry
        if self._watcher.directories():
            self._watcher.removePaths(self._watcher.directories())
        if previous != self.key:
            self.packages = []
            self.dependents = {}
            self.latest = {}
            self.latest_failures = []
            self.latest_not_on_index = []
            self.latest_problem = ""
            self.integrity = Integrity()
            self.problems = []
            self.loaded = False
        self.changed.emit()
        if entry is not None and entry.health.ok:
            self.reload()
        elif entry is not None:
            self.packages_loaded.emit(self.key)

    # -- reading -----------------------------------------------------------------------------

    def reload(self, *, check_python: bool = True, quiet_check: bool = True) -> None:
        """Re-read packages and the half-installed scan; with ``check_python``, also that its Python starts.

        The Python start-up check (a process: 20-50 ms) runs beside the read, in its own worker,
        so the list is shown as soon as the metadata is read.  Should the Python not start, the
        page becomes the broken page (``broken``), whether the list was shown already or not.

        With ``quiet_check``, the installer's consistency check runs in the background afterwards
        (not after the app's own changes: those run it in the open, in the Log); it needs the
        Python, so it waits for the start-up check.
        """
        environment = self.environment
        if environment is None:
            return
        path = self.key
        requested = time.monotonic()
        load = self._load = _Load(path, python_ok=None if check_python else True, quiet_check=quiet_check)

        def read() -> tuple[object, list[InstalledPackage], dict[str, list[str]]]:
            site_packages = environment.site_packages()
            packages = installed_packages(site_packages)
            return site_packages, packages, required_by(packages)

        def done(result: tuple[object, list[InstalledPackage], dict[str, list[str]]]) -> None:
            site_packages, packages, dependents = result
            if self._load is not load or self.key != path or not self.usable or load.python_ok is False:
                # The person moved on; or a newer read of it was asked for (it says what is
                # installed now, and one "packages_loaded" is one look at the changes made outside
                # Venvdesk); or its Python does not start (the broken page is shown).
                return
            self.packages = packages
            self.packages_read_at = requested
            self.dependents = dependents
            self.loaded = True
            self.attention_changed.emit()  # whether pip is missing may have changed
            if site_packages is not None and str(site_packages) not in self._watcher.directories():
                self._watcher.addPath(str(site_packages))
            self.packages_loaded.emit(path)  # the list is shown now; the scan and checks follow
            load.site_packages = site_packages
            load.read = True
            # Once the list is painted: a worker started now would take turns with the paint (the
            # GIL) and make it several times slower.
            self._after_painting(lambda: self._after_list_shown(environment, load))

        def started(health: Health) -> None:
            for waiting in self._python_checks.pop(path, []):
                waiting.python_ok = health.ok
            if self.key != path:
                return
            if not health.ok:
                # Nothing read stays: it is not an environment packages can be shown for.
                self.packages, self.dependents, self.loaded = [], {}, False
                self.broken.emit(path, health)
            elif self._load is not None and self._load.path == path and self._load.quiet_check:
                self._check_quietly_when_ready(environment, self._load)

        def not_started(exc: BaseException, formatted: str) -> None:
            self._python_checks.pop(path, None)
            self._failed("start its Python")(exc, formatted)

        # The read first: with the pool's threads busy (a slow Python), it is not queued behind.
        run_in_background(read, done, self._failed("read the installed packages"), context=self)
        if check_python:
            if path in self._python_checks:
                self._python_checks[path].append(load)  # one check of this Python is under way: its answer
            else:
                self._python_checks[path] = [load]
                run_in_background(lambda: interpreter_starts(environment), started, not_started, context=self)

    def _after_painting(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the windows have painted what they were just told.

        Qt posts a window's repaint as a low-priority event; an event posted after it with the
        same priority is delivered after it (a zero timer or a queued call comes first).
        """
        self._after_paint.append(callback)
        QCoreApplication.postEvent(self, QEvent(_AFTER_PAINT), Qt.EventPriority.LowEventPriority.value)

    def customEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt
        if event.type() == _AFTER_PAINT and self._after_paint:
            # On the next turn of the event loop: the read, its list and the paint came in one
            # batch of posted events, and timers (input too) get their turn first.
            QTimer.singleShot(0, self, self._after_paint.pop(0))

    def _after_list_shown(self, environment: Environment, load: _Load) -> None:
        if self._load is not load or self.key != load.path:
            return  # another environment (or a newer read of this one) is being shown
        # The newest versions once the scan is in: their answer (and the panel's work on it) no longer
        # lands while the scan's thread holds the interpreter (a 56 ms heartbeat gap in the panel's
        # benchmark); the look-up itself, in its child, costs this process nothing meanwhile.
        self._scan_integrity(load.path, load.site_packages, then=lambda: self._fetch_latest_versions_for(load))
        load.shown = True
        if load.quiet_check:  # its command is worked out here (a few ms): on a turn of the loop of its own
            QTimer.singleShot(0, self, lambda: self._check_quietly_when_ready(environment, load))

    def _check_quietly_when_ready(self, environment: Environment, load: _Load) -> None:
        """The quiet check, once the packages are read and its Python is known to start (once)."""
        if load.shown and load.python_ok and not load.checked and self._load is load and self.key == load.path:
            load.checked = True
            self._check_quietly(environment, load.site_packages)

    def _scan_integrity(self, path: str, site_packages: object, then: Callable[[], None]) -> None:
        """Half-installed files from an earlier session (or another program) are offered for repair
        too — looked for after the list is shown; RECORDs found whole before are not checked again.
        ``then`` is called once the scan ended (found, or failed)."""

        packages = self.packages  # read from the same folder a moment ago

        def scan() -> Integrity:
            folder = site_packages if isinstance(site_packages, Path) else None
            return check_integrity(folder, deep=False, packages=packages)

        def scanned(integrity: Integrity) -> None:
            if self.key == path:
                self.integrity = integrity
                self.integrity_changed.emit()
            then()

        def failed(exc: BaseException, formatted: str) -> None:
            self._failed("look for half-installed files")(exc, formatted)
            then()

        run_in_background(scan, scanned, failed, context=self)

    def _fetch_latest_versions_for(self, load: _Load) -> None:
        if self._load is load and self.key == load.path:  # still the list being shown
            self._fetch_latest_versions()

    def index_changed(self) -> None:
        """The index was changed (in Settings): what the old one answered is not shown for the new one.

        Its answers stay in the cache, kept per index, for when it is chosen again.
        """
        self.latest = {}
        self.latest_failures = []
        self.latest_not_on_index = []
        self.latest_problem = ""

    def forget_latest_versions(self) -> None:
        """Look the newest versions up again next time (the cache is kept for an hour otherwise)."""
        self._latest_versions = LatestVersions()

    def set_integrity(self, path: str, integrity: Integrity) -> None:
        if path == self.key:
            self.integrity = integrity
            self.integrity_changed.emit()

    def set_problems(self, path: str, problems: list[str]) -> None:
        if path == self.key:
            self.problems = list(problems)
            self.problems_changed.emit()

    def _changed_behind_our_back(self) -> None:
        """Something (a terminal pip, another program) changed site-packages: show it."""
        if self.entry is None:
            return
        if self._is_busy(self.key):
            self._changed_while_busy.add(self.key)  # read again when the running change ends
        else:
            self.reload(check_python=False)

    def operation_ended(self, key: str) -> None:
        """An operation on ``key`` ended: a change seen meanwhile is read now."""
        if key in self._changed_while_busy and not self._is_busy(key):
            self._changed_while_busy.discard(key)
            if key == self.key:
                self.reload(check_python=False)

    def _check_quietly(self, environment: Environment, site_packages: object) -> None:
        """The installer's consistency check, in the background, cached per state of site-packages."""
        if self.check_command is None or not isinstance(site_packages, Path):
            return
        if not installed_version(self.packages, "pip"):
            return  # nothing to check with; the attention bar says pip is missing
        command, parse = self.check_command(environment)
        path = self.key

        def done(problems: list[str] | None) -> None:
            if problems is not None:
                self.set_problems(path, problems)

        run_in_background(
            lambda: consistency_problems(site_packages, command, parse),
            done,
            self._failed("check that the packages fit together"),
            context=self,
        )

    def _fetch_latest_versions(self) -> None:
        environment = self.environment
        if environment is None:
            return
        index = self.index_url()
        python = environment.python_version
        known, missing = self._latest_versions.known(index, python, [p.key for p in self.packages])
        self.latest = known
        self.latest_failures = []
        self.latest_not_on_index = []
        self.latest_problem = ""
        if not missing:
            self.latest_versions_loaded.emit(self.key)
            return
        path = self.key
        from core import lookup_child  # in a child Venvdesk: see there
        from core.pypi import NotOnIndex

        def done(results: dict[str, str | Exception]) -> None:
            failures, not_on_index = [], []
            for name, value in results.items():
                if isinstance(value, NotOnIndex):
                    not_on_index.append(name)
                elif isinstance(value, Exception):
                    failures.append(f"{name}: {value}")
                else:
                    self._latest_versions.remember(index, python, name, value)
                    known[name] = value
            if self.key != path:
                return
            self.latest = known
            self.latest_failures = [redact(failure) for failure in failures]
            self.latest_not_on_index = sorted(not_on_index)
            self.latest_versions_loaded.emit(path)

        def failed(exc: BaseException, _formatted: str) -> None:
            # As for an index that does not answer: a quiet note (asked again when the list is read
            # again), not an error bar each time an environment is shown; and the checks after a
            # change are not held back waiting for newest versions that will not come.
            if self.key != path:
                return
            self.latest = known
            self.latest_failures = [redact(f"{name}: {exc}") for name in missing]
            self.latest_problem = redact(str(exc))
            self.latest_versions_loaded.emit(path)

        run_in_background(
            lambda: lookup_child.latest_versions(index, missing, python),
            done,
            failed,
            context=self,
        )

    def _failed(self, what: str) -> Callable[[BaseException, str], None]:
        def report(exc: BaseException, formatted: str) -> None:
            self.failed.emit(UserFacingError(f"Venvdesk could not {what}.", str(exc), detail=formatted))

        return report

    # -- what interrupted runs left to repair ------------------------------------------------

    def attention(self, key: str = "") -> JournalEntry | None:
        """The change the app stopped in the middle of, for ``key`` (default: the current one)."""
        return self._attention.get(key or self.key)

    def set_attention(self, key: str, entry: JournalEntry | None) -> None:
        if entry is None:
            self._attention.pop(key, None)
        else:
            self._attention[key] = entry
        self.attention_changed.emit()

    def attention_entries(self) -> list[JournalEntry]:
        """Every change the app was stopped in the middle of and nobody has settled yet."""
        return list(self._attention.values())

    def interrupted_specs(self, key: str = "") -> tuple[str, ...]:
        return self._interrupted.get(key or self.key, ())

    def note_interrupted(self, key: str, specs: tuple[str, ...]) -> None:
        self._interrupted[key] = specs

    def clear_interrupted(self, key: str) -> None:
        self._interrupted.pop(key, None)
