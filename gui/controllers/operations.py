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

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from core import plans
from core.backends import InstallerBackend, backend_for
from core.environments import Environment
from core.errors import UserFacingError
from core.operations import (
    CheckPackages,
    CreateEnvironment,
    Operation,
    Outcome,
    Status,
    changes_packages,
    reinstallable_specs,
)
from core.packages import InstalledPackage, Integrity, check_integrity, installed_packages
from core.settings import Settings
from gui.controllers import show_error
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.runner import ProcessRunner
from gui.workers import run_in_background


class OperationsController(QObject):
    ended = Signal(object)  # Outcome, after the common ending started
    queue_changed = Signal(str)  # environment path whose queue changed
    checks_finished = Signal(str)  # environment path: the half-installed scan after a change is shown

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
        runner.started.connect(self._started)
        runner.queued.connect(self._queued)
        runner.step_started.connect(lambda _op, command: log_view.command(command))
        runner.output.connect(lambda _op, text, is_error: log_view.output(text, is_error))
        runner.finished.connect(self._finished)

    # -- submitting --------------------------------------------------------------------------

    def backend(self, environment: Environment, installed: Sequence[InstalledPackage] | None = None) -> InstallerBackend:
        """The installer backend for ``environment``, told what is installed there and which index to use."""
        if installed is None:
            if str(environment.path) == self.current.key and self.current.loaded:
                installed = self.current.packages
            else:
                installed = installed_packages(environment.site_packages())  # a few ms of metadata reads
        return backend_for(environment, installed, index_url=self.settings.index_url)

    def submit(self, operation: Operation) -> Operation:
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
        self.queue_changed.emit(operation.key)

    def _queued(self, operation: Operation) -> None:
        self.log_view.note(f"Queued: {operation.title} (waits for the running one)")
        self.queue_changed.emit(operation.key)

    # -- the one ending ----------------------------------------------------------------------

    def _finished(self, outcome: Outcome) -> None:
        operation = outcome.operation
        self.log_view.outcome(str(outcome), outcome.ok)
        self.queue_changed.emit(operation.key)
        intent = operation.intent
        if isinstance(intent, CheckPackages):
            self._check_finished(outcome)
        elif changes_packages(intent) and not (isinstance(intent, CreateEnvironment) and not outcome.ok):
            # A creation that did not finish has no environment to check: its controller tidies up.
            self._change_finished(outcome)
        self.ended.emit(outcome)

    def _change_finished(self, outcome: Outcome) -> None:
        operation = outcome.operation
        key = operation.key
        if outcome.interrupted:
            # What it was installing: the only safe names for Repair to reinstall later.
            self.current.note_interrupted(key, reinstallable_specs(operation.intent))
        elif outcome.ok:
            self.current.clear_interrupted(key)
        if outcome.status is Status.FAILED:
            self.message_bar.show_message(
                f"{operation.title} did not work. The log shows pip's explanation.", Level.ERROR, outcome.detail()
            )
        elif outcome.status is Status.FAILED_TO_START:
            self.message_bar.show_message(str(outcome), Level.ERROR, outcome.detail())
        if self.runner.closing:
            return  # nothing follows work that shutdown stopped
        environment = Environment.load(key)
        if key == self.current.key:
            self.current.reload(check_python=False)
        self.submit(plans.check(environment, self.backend(environment)))
        site_packages = environment.site_packages()

        def failed(exc: BaseException, formatted: str) -> None:
            self.show_error(UserFacingError("Venvdesk could not check for half-installed files.", str(exc), detail=formatted))
            self.checks_finished.emit(key)

        run_in_background(
            lambda: check_integrity(site_packages),
            lambda integrity: self.show_integrity(key, integrity, outcome),
            failed,
            context=self,
        )

    def show_integrity(self, key: str, integrity: Integrity, outcome: Outcome | None = None) -> None:
        """Show the half-installed scan of ``key``; after an interruption, say what it left behind."""
        self.current.set_integrity(key, integrity)
        if key == self.current.key and outcome is not None and outcome.interrupted:
            title = outcome.operation.title
            if integrity.clean:
                stopped = "cancelled" if outcome.status is Status.CANCELLED else "stopped"
                self.message_bar.show_message(
                    f"{title} was {stopped}. The environment was checked: no half-installed files were left.",
                    Level.INFO,
                )
            else:
                self.message_bar.show_message(
                    f"{title} was interrupted and left half-installed files. Use Repair to fix them.",
                    Level.WARNING,
                    outcome.detail(),
                )
        self.checks_finished.emit(key)

    def _check_finished(self, outcome: Outcome) -> None:
        key = outcome.operation.key
        if key != self.current.key:
            return
        problems = [] if outcome.ok else self.backend(Environment.load(key), ()).check_problems(outcome.stdout)
        self.current.set_problems(key, problems)

    def show_error(self, error: UserFacingError) -> None:
        show_error(self.message_bar, self.log_view, error)
