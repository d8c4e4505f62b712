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
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from core import pypi
from core.checks import consistency_problems
from core.commands import Command, redact
from core.environments import Environment, interpreter_starts
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


class CurrentEnvironment(QObject):
    changed = Signal()  # another environment (or none) was selected
    packages_loaded = Signal(str)  # environment path: packages and integrity are read
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
        self.loaded = False
        self._latest_versions = LatestVersions()
        self._loading_for = ""
        # Per environment: the requirements an interrupted run was installing (Repair reinstalls them).
        self._interrupted: dict[str, tuple[str, ...]] = {}
        # Per environment: the journal entry of a change the app stopped in the middle of.
        self._attention: dict[str, JournalEntry] = {}
        self._changed_while_busy: set[str] = set()
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

        With ``quiet_check``, the installer's consistency check runs in the background afterwards
        (not after the app's own changes: those run it in the open, in the Log).
        """
        environment = self.environment
        if environment is None:
            return
        path = self.key
        self._loading_for = path
        requested = time.monotonic()

        def read() -> tuple[object, list[InstalledPackage], object, dict[str, list[str]]]:
            site_packages = environment.site_packages()
            health = interpreter_starts(environment) if check_python else None
            packages = installed_packages(site_packages)
            return site_packages, packages, health, required_by(packages)

        def done(result: tuple[object, list[InstalledPackage], object, dict[str, list[str]]]) -> None:
            site_packages, packages, health, dependents = result
            if self._loading_for != path or self.key != path:
                return  # the person moved on
            if health is not None and not getattr(health, "ok", True):
                self.broken.emit(path, health)
                return
            self.packages = packages
            self.packages_read_at = requested
            self.dependents = dependents
            self.loaded = True
            self.attention_changed.emit()  # whether pip is missing may have changed
            if site_packages is not None and str(site_packages) not in self._watcher.directories():
                self._watcher.addPath(str(site_packages))
            self.packages_loaded.emit(path)  # the list is shown now; the scan and checks follow
            self._scan_integrity(path, site_packages)
            self._fetch_latest_versions()
            if quiet_check:
                self._check_quietly(environment, site_packages)

        run_in_background(read, done, self._failed("read the installed packages"), context=self)

    def _scan_integrity(self, path: str, site_packages: object) -> None:
        """Half-installed files from an earlier session (or another program) are offered for repair
        too — looked for after the list is shown; RECORDs found whole before are not checked again."""

        def scan() -> Integrity:
            return check_integrity(site_packages if isinstance(site_packages, Path) else None, deep=False)

        def scanned(integrity: Integrity) -> None:
            if self.key == path:
                self.integrity = integrity
                self.integrity_changed.emit()

        run_in_background(scan, scanned, self._failed("look for half-installed files"), context=self)

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
        if not missing:
            self.latest_versions_loaded.emit(self.key)
            return
        path = self.key

        def done(results: dict[str, str | Exception]) -> None:
            failures = []
            for name, value in results.items():
                if isinstance(value, Exception):
                    failures.append(f"{name}: {value}")
                else:
                    self._latest_versions.remember(index, python, name, value)
                    known[name] = value
            if self.key != path:
                return
            self.latest = known
            self.latest_failures = [redact(failure) for failure in failures]
            self.latest_versions_loaded.emit(path)

        run_in_background(
            lambda: pypi.latest_versions(index, missing, python),
            done,
            self._failed("look up the newest versions"),
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
