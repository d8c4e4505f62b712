"""The way back: Repair, and what to do about a change the app was stopped in the middle of.

- Repair first puts back what pip had set aside (``core.recovery``), so no package
  is ever lost, then reinstalls what is still damaged.
- A change found in the journal on start (the app was killed, the machine went
  down) can be finished or undone: undo returns to the package set the journal
  recorded before it.  A creation that never finished is made again, or its
  half-made folder removed.
- An environment without pip gets one from ``ensurepip``.
Every step is an operation like any other, so it gets the same ending.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core import plans
from core.environments import Environment, remove_half_made
from core.errors import UserFacingError
from core.journal import (
    CREATE,
    INSTALL,
    REQUIREMENTS,
    UNINSTALL,
    JournalEntry,
    package_set,
    rollback_changes,
)
from core.operations import CreateEnvironment, Operation
from core.packages import InstalledPackage, Integrity, check_integrity, installed_packages
from core.recovery import RestoreReport, restore_stashed
from gui.controllers import show_error
from gui.controllers.operations import OperationsController
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.workers import run_in_background

Restored = tuple[RestoreReport, Integrity, list[InstalledPackage]]


class RecoveryController(QObject):
    recovered = Signal(str)  # environment path: a step that needed no installer is done
    # Asks for an environment to be made again from a journal entry: (CreateEnvironment, python version).
    create_again_requested = Signal(object)

    def __init__(
        self,
        operations: OperationsController,
        current: CurrentEnvironment,
        message_bar: MessageBar,
        log_view: LogView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.operations = operations
        self.current = current
        self.message_bar = message_bar
        self.log_view = log_view

    def _environment(self) -> Environment | None:
        return self.current.environment if self.current.usable else None

    def _restore_then(self, environment: Environment, then: Callable[[Restored], None]) -> None:
        """Put pip's backups back (off the UI thread), say what was done, then continue."""
        site_packages = environment.site_packages()
        key = str(environment.path)

        def work() -> Restored:
            report = restore_stashed(site_packages) if site_packages is not None else RestoreReport()
            return report, check_integrity(site_packages), installed_packages(site_packages)

        def done(result: Restored) -> None:
            report = result[0]
            if report.changed or report.problems:
                self.log_view.note(f"Repair in {environment.name}: {report.describe()}.")
            if key == self.current.key:
                self.current.set_integrity(key, result[1])
            then(result)

        def failed(exc: BaseException, formatted: str) -> None:
            show_error(
                self.message_bar,
                self.log_view,
                UserFacingError(f"Venvdesk could not put pip's backups back in {environment.name}.", str(exc), detail=formatted),
            )

        run_in_background(work, done, failed, context=self)

    # -- Repair ------------------------------------------------------------------------------

    def repair(self) -> None:
        """Put back what pip set aside; then reinstall damaged distributions and what an interrupted run was installing."""
        environment = self._environment()
        integrity = self.current.integrity
        if environment is None or integrity.clean:
            return
        if self.operations.someone_else_is_changing(str(environment.path)):
            self.message_bar.show_message(
                "Another Venvdesk (or a pip it started) is still changing this environment: Repair waits"
                " until it has finished, so that nothing is repaired under it.",
                Level.WARNING,
            )
            return
        interrupted = self.current.interrupted_specs()
        if not (integrity.damaged or integrity.leftovers or integrity.stashed or interrupted):
            return  # only files no distribution claims: Repair cannot tell what they belong to

        def continue_repair(result: Restored) -> None:
            report, after, _installed = result
            operation = plans.repair(
                environment,
                self.operations.backend(environment),
                damaged_specs=[f"{p.name}=={p.version}" for p in after.damaged] + list(report.reinstall),
                interrupted_specs=interrupted,
                leftovers=after.leftovers,
            )
            if operation is None:
                self._done_without_installer(environment, report)
                return
            if report.changed:
                self.message_bar.show_message(
                    f"Repair {report.describe()}. Now reinstalling what is still incomplete.", Level.INFO
                )
            self.operations.submit(operation)

        self._restore_then(environment, continue_repair)

    def _done_without_installer(self, environment: Environment, report: RestoreReport) -> None:
        key = str(environment.path)
        if report.changed:
            self.message_bar.show_message(f"Repair {report.describe()}. Nothing else was needed.", Level.SUCCESS)
        if key == self.current.key:
            self.current.reload(check_python=False)
        self.recovered.emit(key)

    # -- a change the app was stopped in the middle of ---------------------------------------

    def _entry_environment(self, entry: JournalEntry) -> Environment | None:
        environment = Environment.load(entry.environment)
        health = environment.health()
        if not health.ok:
            self.message_bar.show_message(f"{health.reason} {health.hint}".strip(), Level.WARNING)
            return None
        return environment

    def finish_interrupted(self, entry: JournalEntry) -> None:
        """Do again what was running when the app stopped (after putting pip's backups back)."""
        environment = self._entry_environment(entry)
        if environment is None:
            return

        def go(_result: Restored) -> None:
            report = _result[0]
            backend = self.operations.backend(environment, _result[2])
            if report.reinstall:
                # Put back whole what pip had half-replaced, before doing the change again.
                whole = plans.restore_package_set(environment, backend, install=report.reinstall, uninstall=())
                if whole is not None:
                    self.operations.submit(whole)
            operation: Operation | None = None
            if entry.kind == INSTALL and entry.specs:
                operation = plans.install(
                    environment, backend, entry.specs, title=f"Finishing: {entry.title}",
                    upgrade=bool(entry.options.get("upgrade")), reinstall=bool(entry.options.get("reinstall")),
                )
            elif entry.kind == UNINSTALL and entry.specs:
                operation = plans.uninstall(environment, backend, entry.specs)
            elif entry.kind == REQUIREMENTS and entry.requirements_file and Path(entry.requirements_file).is_file():
                operation = plans.install_requirements(environment, backend, Path(entry.requirements_file), entry.specs)
            if operation is None:
                self._undo_with(environment, entry, _result)  # nothing to redo: go back instead
                return
            self.operations.submit(operation)

        self._restore_then(environment, go)

    def undo_interrupted(self, entry: JournalEntry) -> None:
        """Return to the package set the journal recorded before the interrupted change."""
        environment = self._entry_environment(entry)
        if environment is None:
            return
        self._restore_then(environment, lambda result: self._undo_with(environment, entry, result))

    def _undo_with(self, environment: Environment, entry: JournalEntry, result: Restored) -> None:
        report, _integrity, installed = result
        install, uninstall = rollback_changes(entry.before, package_set(installed))
        install = sorted(set(install) | set(report.reinstall))
        backend = self.operations.backend(environment, installed)
        operation = plans.restore_package_set(environment, backend, install=install, uninstall=uninstall)
        if operation is None:
            key = str(environment.path)
            self.operations.journal.end(key)
            self.current.set_attention(key, None)
            self.message_bar.show_message(
                f"{environment.name} already holds what it held before “{entry.title}” ({len(entry.before)} packages)"
                + (f"; {report.describe()}" if report.changed else "")
                + ".",
                Level.SUCCESS,
            )
            self._done_without_installer(environment, RestoreReport())
            return
        self.operations.submit(operation)

    def dismiss_interrupted(self, entry: JournalEntry) -> None:
        """Forget the record (the person checked the environment themselves)."""
        self.operations.journal.end(entry.environment)
        self.current.set_attention(entry.environment, None)

    def install_pip(self) -> Operation | None:
        environment = self.current.environment
        if environment is None:
            return None
        return self.operations.submit(plans.install_pip(environment))

    # -- a creation that never finished ------------------------------------------------------

    def creation_intent(self, entry: JournalEntry) -> CreateEnvironment:
        options = entry.options
        requirements = str(options.get("requirements") or "")
        return CreateEnvironment(
            str(options.get("name") or Path(entry.environment).name),
            Path(entry.environment),
            bool(options.get("existed_before", False)),
            Path(requirements) if requirements else None,
            interpreter=entry.interpreter,
            system_site_packages=bool(options.get("system_site_packages", False)),
            prompt=str(options.get("prompt") or ""),
            newest_pip=bool(options.get("newest_pip", True)),
        )

    def remove_half_made(self, entry: JournalEntry, then: Callable[[], None] | None = None) -> None:
        """Remove the folder of a creation the app never finished (empty it if it was an empty folder)."""
        if entry.kind != CREATE:
            return
        intent = self.creation_intent(entry)

        def clean() -> None:
            remove_half_made(intent.target, existed_before=intent.existed_before)

        def cleaned(_result: None) -> None:
            self.operations.journal.end(entry.environment)
            self.current.set_attention(entry.environment, None)
            self.log_view.note(f"Removed the half-made folder {intent.target}")
            if then is not None:
                then()
            else:
                self.message_bar.show_message(f"The half-made “{intent.name}” was removed.", Level.INFO)
            self.recovered.emit(entry.environment)

        def failed(exc: BaseException, formatted: str) -> None:
            show_error(
                self.message_bar,
                self.log_view,
                UserFacingError(
                    f"The half-made folder {intent.target} could not be removed.",
                    "Delete it yourself with your file manager.",
                    detail=formatted,
                ),
            )

        run_in_background(clean, cleaned, failed, context=self)

    def create_again(self, entry: JournalEntry) -> None:
        """Remove what the interrupted creation left, then make the environment again the same way."""
        intent = self.creation_intent(entry)
        self.remove_half_made(entry, then=lambda: self.create_again_requested.emit(intent))
