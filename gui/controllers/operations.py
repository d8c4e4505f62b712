"""Every operation goes in here and comes out through the same ending.

Controllers submit :class:`~core.operations.Operation` values; this controller
queues them on the one :class:`~gui.runner.ProcessRunner`, shows them in the
Log, and when one ends — whoever started it — gives it the same ending:
for every intent that changes packages it re-reads the environment, scans it
for half-installed files, runs the backend's consistency check and tells the
person what happened.  Then it announces the outcome (``ended``) so that the
controller that owns the intent can finish its own part (write the
requirements file, tidy a half-made environment), recognising it by type.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from core import plans
from core.backends import InstallerBackend, choose_backend
from core.commands import Command
from core.environments import Environment
from core.errors import UserFacingError
from core.journal import (
    CREATE,
    INSTALL,
    REPAIR,
    REQUIREMENTS,
    ROLLBACK,
    UNINSTALL,
    Journal,
    JournalEntry,
    package_set,
)
from core.operations import (
    ByteCompile,
    CheckImports,
    CheckPackages,
    CreateEnvironment,
    InstallPackages,
    InstallRequirements,
    Intent,
    Operation,
    Outcome,
    PreviewInstall,
    RepairEnvironment,
    RestorePackageSet,
    Status,
    UninstallPackages,
    UpdatePip,
    changes_packages,
    reinstallable_specs,
    requested_specs,
    unfulfilled,
)
from core.packages import InstalledPackage, Integrity, check_integrity, installed_packages
from core.settings import Settings
from gui.controllers import show_error
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.runner import ProcessRunner
from gui.workers import run_in_background

WAIT_POLL_MS = 2000
# The checks after a change wait at most this long for the list, the half-installed scan and the
# newest versions to be shown (a slow index must not keep pip check's answer away for long).
FOLLOW_UPS_WAIT_AT_MOST_MS = 2000
# The half-installed scan after a change to the environment on screen waits at most this long for the
# re-read list and the scan that follows it (a Python that does not start never shows a list).
SCAN_WAITS_AT_MOST_MS = 1500


@dataclass(frozen=True)
class ChangeReport:
    """How a change ended, and the environment read again after it."""

    outcome: Outcome
    # The package set before the change (None when it was not recorded: the journal could not be read).
    before: dict[str, tuple[str, str]] | None
    after: dict[str, tuple[str, str]]
    integrity: Integrity
    # Requirements the installer said were done but are not installed.
    missing: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.outcome.operation.key


@dataclass
class _Settling:
    """A change that just ended, while what the person looks at is brought up to date.

    The re-read list, the half-installed scan and the newest versions are what the person waits
    for; the checks that follow (``pip check``, the import check, the byte-compile) are not, and a
    check is a Python program that needs a whole CPU for a few hundred ms.  Started at the same
    moment on a machine with two cores, they made the window wait for a CPU (heartbeat gaps of
    50-115 ms, issue 13); held here until the rest is shown, they start one after another as
    they did, only later.
    """

    scanned: bool = False  # the half-installed scan after the change is shown
    newest_versions: bool = False  # the newest versions of the re-read list are shown (or not awaited)
    held: list[Operation] = field(default_factory=list)  # the follow-ups, in the order they were submitted


@dataclass
class _WaitingScan:
    """The ending's half-installed scan of the environment on screen, waiting for the list to be shown.

    Re-reading the list and scanning are both Python in worker threads: run at the same moment, as
    the change ends, they took turns with the UI thread for the interpreter (GIL) just when it shows
    the list (gaps of 50-70 ms, issue 13).  After the list, ``CurrentEnvironment`` scans it once more
    anyway (the files of what was just installed: the costly part, ~1 ms per package); this scan,
    started after that one, finds those files checked already.
    """

    start: Callable[[], None]
    list_shown: bool = False


def follows_a_change(intent: Intent) -> bool:
    """Work the app starts after a change on its own (checks, compiling), not asked for by the person."""
    return isinstance(intent, (CheckPackages, CheckImports, ByteCompile))


def journal_kind(intent: Intent) -> str:
    """The stable word a journal entry uses for an intent that changes packages ("" for others)."""
    kinds: list[tuple[type, str]] = [
        (CreateEnvironment, CREATE),
        (InstallPackages, INSTALL),
        (UninstallPackages, UNINSTALL),
        (InstallRequirements, REQUIREMENTS),
        (RepairEnvironment, REPAIR),
        (RestorePackageSet, ROLLBACK),
    ]
    for kind_type, kind in kinds:
        if isinstance(intent, kind_type):
            return kind
    return REPAIR if changes_packages(intent) else ""


class OperationsController(QObject):
    ended = Signal(object)  # Outcome, after the common ending started
    queue_changed = Signal(str)  # environment path whose queue changed
    # Environment path: the half-installed scan after a change is shown, and the checks that follow
    # it (pip check, the import check) are on the runner.
    checks_finished = Signal(str)
    history_recorded = Signal(str)  # environment path: a background change of the app's own was added to its History
    interrupted_found = Signal(object)  # JournalEntry left by a run of the app that stopped mid-change
    # A change that started (intent changes packages) — a stale message about earlier work goes.
    change_started = Signal(object)  # Operation
    # A change ended and the environment was read again: ChangeReport (what changed, how it ended).
    change_reported = Signal(object)

    def __init__(
        self,
        runner: ProcessRunner,
        current: CurrentEnvironment,
        settings: Settings,
        message_bar: MessageBar,
        log_view: LogView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.current = current
        self.settings = settings
        self.message_bar = message_bar
        self.log_view = log_view
        self.journal = Journal()
        # uv's version, once probed off the UI thread ("" until then: options of newer uv versions
        # are not used); which reasons for using pip instead of the chosen installer were logged.
        self.uv_version = ""
        self._backend_notes: set[tuple[str, str]] = set()
        self._journaled: dict[int, JournalEntry] = {}  # operation id -> its entry
        self._before: dict[int, dict[str, tuple[str, str]]] = {}  # operation id -> package set before it
        self._change_ended_at: dict[str, float] = {}  # environment -> when its last change ended (monotonic)
        self._waiting: dict[str, JournalEntry] = {}  # environments another process is changing
        self._settling: dict[str, _Settling] = {}  # environment -> its change's ending, checks held
        self._waiting_scans: dict[str, _WaitingScan] = {}  # environment on screen -> its ending's scan
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(WAIT_POLL_MS)
        self._wait_timer.timeout.connect(self.review_journal)
        current.check_command = self._check_command
        runner.started.connect(self._started)
        runner.process_started.connect(self._process_started)
        runner.queued.connect(self._queued)
        runner.step_started.connect(lambda _op, command: log_view.command(command))
        runner.output.connect(self._output)
        runner.finished.connect(self._finished)
        current.latest_versions_loaded.connect(self._newest_versions_shown)
        current.packages_loaded.connect(self._list_shown)
        current.integrity_changed.connect(self._list_scanned)
        current.changed.connect(self._selection_changed)

    def _output(self, operation: Operation, text: str, is_error: bool) -> None:
        # A dry run's JSON report and the import check's result lines are data for the app, not
        # reading for the person: the Log shows what those steps print on their error stream only.
        if not is_error and isinstance(operation.intent, (PreviewInstall, CheckImports)):
            return
        if operation.background:
            return  # nobody waits for it; what it prints (an interrupted compile's traceback) is noise
        self.log_view.output(text, is_error)

    # -- submitting --------------------------------------------------------------------------

    def backend(self, environment: Environment, installed: Sequence[InstalledPackage] | None = None) -> InstallerBackend:
        """The installer backend for ``environment`` (the one chosen in Settings where it can serve this
        environment, else pip, the reason noted in the Log once), told what is installed there and
        which index to use."""
        if installed is None:
            installed = self._pip_installed(environment)
        choice = choose_backend(
            environment,
            installed,
            index_url=self.settings.index_url,
            proxy=self.settings.proxy,
            installer=self.settings.installer,
            uv_version=self.uv_version,
        )
        if choice.note and (str(environment.path), choice.note) not in self._backend_notes:
            self._backend_notes.add((str(environment.path), choice.note))
            self.log_view.note(choice.note)
        return choice.backend

    def _pip_installed(self, environment: Environment) -> Sequence[InstalledPackage]:
        """What a backend needs to know of what is installed (pip's version), cheaply: the list shown
        when it is current, else pip's ``.dist-info`` folder name (one listing, on the UI thread),
        else every package's metadata."""
        if self._shown_list_is_current(environment):
            return self.current.packages
        from core.pip_wheels import installed_pip_version

        version = installed_pip_version(environment.site_packages())
        return [InstalledPackage("pip", version)] if version else self._installed(environment)

    def _check_command(self, environment: Environment) -> tuple[Command, Callable[[str], list[str]]]:
        backend = self.backend(environment)
        return backend.check(), backend.check_problems

    def submit(self, operation: Operation) -> Operation | None:
        """Queue ``operation``; refused while another process is changing that environment."""
        foreign = self.journal.entry(operation.key)
        if foreign is not None and foreign.app_pid != os.getpid() and foreign.someone_is_working():
            self.message_bar.show_message(
                f"Another Venvdesk (or a pip it started) is changing this environment right now"
                f" ({foreign.title}). Wait until it has finished, then try again.",
                Level.WARNING,
            )
            return None
        from core.recreate import read_record

        recreation = read_record(operation.key)
        if recreation is not None and recreation.running_elsewhere():
            self.message_bar.show_message(
                f"Another Venvdesk is re-creating “{recreation.name}” with Python {recreation.new_version} right now."
                " Wait until it has finished, then try again.",
                Level.WARNING,
            )
            return None
        if operation.key in self._settling:
            if follows_a_change(operation.intent):
                self._settling[operation.key].held.append(operation)
                return operation
            self._release_follow_ups(operation.key)  # what the person asks for goes after them, as before
        self.runner.submit(operation)
        self.queue_changed.emit(operation.key)
        return operation

    def pending(self, key: str) -> list[Operation]:
        return self.runner.pending_operations(key) if key else []

    def remove_queued(self, key: str, operation_id: int) -> None:
        for operation in self.runner.pending_operations(key):
            if operation.id == operation_id:
                self.runner.cancel(operation)
        self.queue_changed.emit(key)

    def _started(self, operation: Operation) -> None:
        self.log_view.begin_section(operation.title)
        self._write_journal(operation)
        self.queue_changed.emit(operation.key)
        if changes_packages(operation.intent):
            self.change_started.emit(operation)

    # -- the journal: what survives a crash ---------------------------------------------------

    def _installed(self, environment: Environment) -> Sequence[InstalledPackage]:
        """What is installed: the current environment's list when it was read after the last change
        there ended, else a few ms of metadata reads (a change queued right behind another)."""
        if self._shown_list_is_current(environment):
            return self.current.packages
        return installed_packages(environment.site_packages())

    def _shown_list_is_current(self, environment: Environment) -> bool:
        """The Installed list shown is ``environment``'s, read after the last change there ended."""
        key = str(environment.path)
        return key == self.current.key and self.current.loaded and self.current.packages_read_at > self._change_ended_at.get(key, 0.0)

    def _write_journal(self, operation: Operation) -> None:
        """Before a change starts: what it does, and what the environment holds now."""
        intent = operation.intent
        kind = journal_kind(intent)
        if not kind:
            return
        if isinstance(intent, CreateEnvironment):
            self._before[operation.id] = {}
            entry = JournalEntry(
                operation.key, kind, operation.title, interpreter=intent.interpreter,
                options={
                    "name": intent.name, "existed_before": intent.existed_before,
                    "system_site_packages": intent.system_site_packages, "prompt": intent.prompt,
                    "newest_pip": intent.newest_pip,
                    "requirements": str(intent.requirements) if intent.requirements else "",
                },
            )
        else:
            specs = requested_specs(intent)
            options = {"upgrade": intent.upgrade, "reinstall": intent.reinstall} if isinstance(intent, InstallPackages) else {}
            before = package_set(self._installed(Environment.load(operation.key)))
            self._before[operation.id] = before
            entry = JournalEntry(
                operation.key, kind, operation.title, specs=specs,
                requirements_file=str(intent.path) if isinstance(intent, InstallRequirements) else "",
                before=before, options=options,
            )
        try:
            self._journaled[operation.id] = self.journal.begin(entry)
        except OSError as exc:
            self.log_view.note(f"Could not record this change in Venvdesk's journal ({exc}); if Venvdesk stops now, it will not know what was running.")

    def _process_started(self, operation: Operation, pid: int) -> None:
        """Record the installer's process: one that outlives a killed app is waited for, not repaired under."""
        entry = self._journaled.get(operation.id)
        if entry is not None and pid > 0:
            try:
                self._journaled[operation.id] = self.journal.update(entry, child_pid=pid)
            except OSError as exc:
                self.log_view.note(f"Could not update Venvdesk's journal ({exc}).")

    def _end_journal(self, outcome: Outcome) -> None:
        entry = self._journaled.pop(outcome.operation.id, None)
        if entry is None:
            return
        if self.runner.closing and outcome.interrupted:
            return  # the app is quitting in the middle: next start offers to finish or undo it
        self.journal.end(entry.environment)
        earlier = self.current.attention(entry.environment)
        if earlier is not None:
            if outcome.ok:
                self.current.set_attention(entry.environment, None)
            else:  # the way back did not work this time: keep the record of what happened first
                self.journal.begin(earlier)

    def review_journal(self) -> None:
        """Entries left behind by a Venvdesk that stopped mid-change: needs attention, or wait for it."""
        waiting_before = set(self._waiting)
        self._waiting.clear()
        for entry in self.journal.entries():
            if entry.app_pid == os.getpid():
                continue  # ours, running now
            if entry.someone_is_working():
                if entry.environment not in waiting_before:
                    self.log_view.note(
                        f"Another Venvdesk (or a pip it started) is changing {entry.environment} ({entry.title});"
                        " waiting until it has finished before checking it."
                    )
                self._waiting[entry.environment] = entry
                continue
            if self.current.attention(entry.environment) is None:
                self.current.set_attention(entry.environment, entry)
                self.interrupted_found.emit(entry)
        finished = waiting_before - set(self._waiting)
        for key in finished:
            self.log_view.note(f"The other Venvdesk (or its pip) has finished with {key}; it was checked again.")
            if key == self.current.key:
                self.message_bar.show_message(
                    "The other Venvdesk (or its pip) has finished with this environment; it was checked again.",
                    Level.INFO,
                )
                self.current.reload()
        if self._waiting and not self._wait_timer.isActive():
            self._wait_timer.start()
        elif not self._waiting:
            self._wait_timer.stop()

    def is_waiting(self, key: str) -> bool:
        return key in self._waiting

    def someone_else_is_changing(self, key: str) -> bool:
        """Another Venvdesk, or a pip a killed one left running, is changing ``key`` right now."""
        entry = self.journal.entry(key)
        return entry is not None and entry.app_pid != os.getpid() and entry.someone_is_working()

    def _queued(self, operation: Operation) -> None:
        self.log_view.note(f"Queued: {operation.title} (waits for the running one)")
        self.queue_changed.emit(operation.key)

    # -- the one ending ----------------------------------------------------------------------

    def _finished(self, outcome: Outcome) -> None:
        operation = outcome.operation
        if operation.background:
            self._background_finished(outcome)
            return
        if changes_packages(operation.intent):
            self._change_ended_at[operation.key] = time.monotonic()
        self.log_view.outcome(str(outcome), outcome.ok)
        self._end_journal(outcome)
        self.queue_changed.emit(operation.key)
        intent = operation.intent
        if isinstance(intent, CheckPackages):
            self._check_finished(outcome)
        elif changes_packages(intent) and not (isinstance(intent, CreateEnvironment) and not outcome.ok):
            # A creation that did not finish has no environment to check: its controller tidies up.
            self._change_finished(outcome)
        self._before.pop(operation.id, None)
        self.current.operation_ended(operation.key)
        self.ended.emit(outcome)

    def _background_finished(self, outcome: Outcome) -> None:
        """Background work ended: said in the Log when it did its job or could not; not when it
        yielded to something the person asked for (it runs again after)."""
        intent = outcome.operation.intent
        if isinstance(intent, UpdatePip):
            self._pip_update_finished(outcome, intent)
        elif outcome.status is not Status.CANCELLED:
            self.log_view.note(
                f"{outcome.operation.title}: done." if outcome.ok and not outcome.warnings
                else f"{outcome.operation.title}: not everything could be compiled; those modules compile"
                " when they are first imported."
            )
        self.queue_changed.emit(outcome.operation.key)
        self.current.operation_ended(outcome.operation.key)
        self.ended.emit(outcome)

    def _pip_update_finished(self, outcome: Outcome, intent: UpdatePip) -> None:
        """pip was brought up to the cached wheel (or could not be): one line in the Log, never a
        message or an error box — the environment works with either pip.  Done, it is this app's
        change in the History (recorded before the environment is read again, which would otherwise
        take it for a change made outside Venvdesk) and compiled afterwards like any install."""
        # (imported here: its HTTP imports are not needed at start-up)
        from core.pip_wheels import installed_pip_version

        environment = Environment.load(outcome.operation.key)
        if not environment.path.is_dir():
            return  # the environment was removed while the update waited: nothing to say about it
        name = intent.name or environment.name
        now = installed_pip_version(environment.site_packages())
        if outcome.ok:
            self._record_pip_update(environment, outcome, intent.installed, now or intent.version)
            self._change_ended_at[outcome.operation.key] = time.monotonic()  # the list shown says the old pip
            self.log_view.note(f"Updated pip in “{name}” from {intent.installed} to {now or intent.version} in the background.")
            waiting = self.runner.background_waiting(outcome.operation.key)
            if not any(isinstance(op.intent, ByteCompile) for op in waiting):  # (after a creation, one waits)
                self._compile_later(environment)
            return
        if outcome.status is Status.CANCELLED and outcome.command is None:
            return  # dropped before it started, for work asked for: its owner tries again, and says so once
        if outcome.status is Status.CANCELLED:
            cause = "Venvdesk was closing and could not wait longer"
        elif outcome.status is Status.FAILED_TO_START:
            cause = f"pip could not be started: {outcome.reason}"
        elif outcome.status is Status.CRASHED:
            cause = outcome.crash_description()
        else:
            last = next((line.strip() for line in reversed(outcome.tail) if line.strip()), "")
            cause = last.removeprefix("ERROR: ") or f"pip exited with code {outcome.exit_code}"
        if now:
            fix = f" It keeps pip {now}, which works; nothing else was changed."
        else:
            fix = f" pip is missing there now: choose “{name}” and use “Install pip”."
        self.log_view.note(f"Could not update pip in “{name}” to {intent.version} in the background ({cause}).{fix}")

    def _record_pip_update(self, environment: Environment, outcome: Outcome, before: str, after: str) -> None:
        """The update in the History, as this app's change (pip alone changed: it has no dependencies)."""
        from core.history import PIP_UPDATE_KIND, Change, History

        now = package_set(self._installed(environment))  # the list shown may predate the update: pip set below
        change = Change.new(
            title=outcome.operation.title,
            kind=PIP_UPDATE_KIND,
            specs=(f"pip=={after}",),
            before={**now, "pip": ("pip", before)},
            after={**now, "pip": ("pip", after)},
        )
        try:
            History().record(outcome.operation.key, change)
        except OSError as exc:
            self.log_view.note(f"Could not add the update of pip to the environment's history ({exc}).")
            return
        self.history_recorded.emit(outcome.operation.key)

    def _compile_later(self, environment: Environment) -> None:
        """Installs ran with ``--no-compile``: compile now, in the background, the environment usable already."""
        if not self.backend(environment, ()).compiles_later or self.runner.closing:
            return
        operation = plans.byte_compile_installed(environment)
        if operation is None:
            return
        settling = self._settling.get(operation.key)
        if settling is not None:
            settling.held.append(operation)  # after the checks, as it would have queued
        else:
            self.runner.submit(operation)  # after what is queued; nothing is asked or shown for it

    def _change_finished(self, outcome: Outcome) -> None:
        operation = outcome.operation
        key = operation.key
        before = self._before.get(operation.id)
        if outcome.interrupted:
            # What it was installing: the only safe names for Repair to reinstall later.
            self.current.note_interrupted(key, reinstallable_specs(operation.intent))
        elif outcome.ok:
            self.current.clear_interrupted(key)
        if self.runner.closing:
            return  # nothing follows work that shutdown stopped
        environment = Environment.load(key)
        settling: _Settling | None = None
        # When nothing else waits to run here, the checks wait until the list is shown (see _Settling).
        # Not after a creation: a new environment holds pip alone (little to show), and the update of
        # its pip, submitted straight to the runner, must queue behind its check.
        creation = isinstance(operation.intent, CreateEnvironment)
        if outcome.status is not Status.CANCELLED and not creation and not self._queued_for(key):
            self._release_follow_ups(key)
            settling = self._settling[key] = _Settling(newest_versions=key != self.current.key)
            QTimer.singleShot(FOLLOW_UPS_WAIT_AT_MOST_MS, self, lambda: self._release_follow_ups(key, settling))
        if key == self.current.key:
            self.current.reload(check_python=False, quiet_check=outcome.status is Status.CANCELLED)
        if outcome.status is not Status.CANCELLED:
            # After a cancel the person wants it to stop: the check runs quietly when the
            # environment is shown again (a hanging python then needs no second Cancel).
            self.submit(plans.check(environment, self.backend(environment)))
        site_packages = environment.site_packages()

        def scan(shown: Sequence[InstalledPackage] | None = None) -> ChangeReport:
            # ``shown``: the list on screen, read after the change ended (its metadata is not read again).
            installed = installed_packages(site_packages) if shown is None else shown
            integrity = check_integrity(site_packages, deep=not outcome.ok, packages=installed)
            missing = unfulfilled(operation.intent, installed) if outcome.ok else []
            return ChangeReport(outcome, before, package_set(installed), integrity, tuple(missing))

        def scan_shown() -> None:
            if settling is not None and self._settling.get(key) is settling:
                settling.scanned = True
                self._release_when_settled(key)  # says checks_finished then
            else:
                self.checks_finished.emit(key)

        def scanned(report: ChangeReport) -> None:
            self.current.set_integrity(key, report.integrity)
            self.change_reported.emit(report)
            if outcome.status is not Status.CANCELLED:
                self._compile_later(environment)  # a new environment's pip too
            scan_shown()

        def failed(exc: BaseException, formatted: str) -> None:
            self.show_error(UserFacingError("Venvdesk could not check for half-installed files.", str(exc), detail=formatted))
            scan_shown()

        def start_scan() -> None:
            shown = list(self.current.packages) if self._shown_list_is_current(environment) else None
            run_in_background(lambda: scan(shown), scanned, failed, context=self)

        if key == self.current.key:
            self._scan_after_the_list(key, _WaitingScan(start_scan))
        else:
            start_scan()

    # -- the scan and the checks after a change wait until it is shown -----------------------

    def _scan_after_the_list(self, key: str, waiting: _WaitingScan) -> None:
        earlier = self._waiting_scans.pop(key, None)
        if earlier is not None:
            earlier.start()
        self._waiting_scans[key] = waiting
        QTimer.singleShot(SCAN_WAITS_AT_MOST_MS, self, lambda: self._start_waiting_scan(key, waiting))

    def _start_waiting_scan(self, key: str, waiting: _WaitingScan | None = None) -> None:
        if key in self._waiting_scans and (waiting is None or self._waiting_scans[key] is waiting):
            self._waiting_scans.pop(key).start()

    def _list_shown(self, key: str) -> None:
        waiting = self._waiting_scans.get(key)
        if waiting is not None:
            waiting.list_shown = True

    def _list_scanned(self) -> None:
        """``CurrentEnvironment`` scanned the list it showed (or was told a scan): ours is cheap now."""
        waiting = self._waiting_scans.get(self.current.key)
        if waiting is not None and waiting.list_shown:
            self._start_waiting_scan(self.current.key, waiting)

    def _queued_for(self, key: str) -> bool:
        return bool(self.runner.pending_operations(key) or self.runner.background_waiting(key))

    def _newest_versions_shown(self, key: str) -> None:
        settling = self._settling.get(key)
        if settling is not None:
            settling.newest_versions = True
            self._release_when_settled(key)

    def _selection_changed(self) -> None:
        """Another environment is shown: nothing of an earlier one is on screen to wait for."""
        for key in [key for key in self._waiting_scans if key != self.current.key]:
            self._start_waiting_scan(key)
        for key, settling in list(self._settling.items()):
            if key != self.current.key and not settling.newest_versions:
                settling.newest_versions = True
                self._release_when_settled(key)

    def _release_when_settled(self, key: str) -> None:
        """Once the list, the scan and the newest versions are shown: on a turn of the event loop of
        its own (after the views' slots for the same news, and starting a process costs ~5 ms)."""
        settling = self._settling.get(key)
        if settling is not None and settling.scanned and settling.newest_versions:
            QTimer.singleShot(0, self, lambda: self._release_follow_ups(key, settling))

    def _release_follow_ups(self, key: str, settling: _Settling | None = None) -> None:
        """Submit the checks held for ``key`` (only ``settling``'s, when given), in their order."""
        if key not in self._settling or (settling is not None and self._settling[key] is not settling):
            return
        released = self._settling.pop(key)
        for operation in released.held:
            self.runner.submit(operation)
        if released.held:
            self.queue_changed.emit(key)
        if released.scanned:
            self.checks_finished.emit(key)

    def show_integrity(self, key: str, integrity: Integrity) -> None:
        """Show a half-installed scan of ``key`` made outside the ending of a change (Repair's bar follows it)."""
        self.current.set_integrity(key, integrity)
        self.checks_finished.emit(key)

    def _check_finished(self, outcome: Outcome) -> None:
        key = outcome.operation.key
        if key != self.current.key:
            return
        problems = [] if outcome.ok else self.backend(Environment.load(key), ()).check_problems(outcome.stdout)
        self.current.set_problems(key, problems)

    def show_error(self, error: UserFacingError) -> None:
        show_error(self.message_bar, self.log_view, error)
