"""What a change did, in words; why it failed, with the fix; and the way back.

The operations controller reads the environment again after every change and
hands over a :class:`~gui.controllers.operations.ChangeReport`.  This
controller turns it into what the person sees:

- a success replaces an earlier failure, and names what changed;
- a failure is explained by :mod:`core.explain` (off the UI thread): the cause
  in a sentence, the fix as a button, pip's error block behind "Details…";
- after a cancel, a crash or a failure, exactly what changed before it stopped;
- Undo after every change that changed something, and the per-environment
  History (:mod:`core.history`), each entry restorable to its before-state;
- after an install, the packages asked for are imported in the environment's
  Python: "installed but cannot be imported" is a failure too.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication

from core import plans
from core.environments import Environment
from core.errors import UserFacingError
from core.names import canonical_name
from core.operations import (
    CheckImports,
    CreateEnvironment,
    InstallPackages,
    InstallRequirements,
    Operation,
    Outcome,
    RepairEnvironment,
    RestorePackageSet,
    Status,
    requested_specs,
)
from gui import icons
from gui.controllers import show_error
from gui.current_environment import CurrentEnvironment
from gui.dialogs import confirmations
from gui.log_view import LogView
from gui.message_bar import Level, MessageAction, MessageBar
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.explain import Context, Explanation, Fix
    from core.history import Change, History
    from core.recreate import RecreateEnvironment
    from gui.controllers.operations import ChangeReport, OperationsController

PackageSet = Mapping[str, tuple[str, str]]

_HOW = {Status.CANCELLED: "cancelled", Status.CRASHED: "stopped", Status.FAILED: "failed"}


class ChangesController(QObject):
    # Emitted after the message about a change is on screen (with its explanation, when it failed).
    reported = Signal(object)  # ChangeReport
    history_changed = Signal(str)  # environment path

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
        self._history: History | None = None
        # What the fixes do; the main window connects them to the controllers that own the verbs.
        self.fix_handlers: dict[str, Callable[[Fix], object]] = {
            "copy": self._copy,
            "retry": self._retry,
        }
        self.close_names: Callable[[str], Sequence[tuple[str, int | None]]] = lambda _name: ()
        self.interpreters: Callable[[], Sequence[tuple[str, str]]] = lambda: ()
        self._last_failure: dict[str, Operation] = {}  # environment -> the operation a "Try again" repeats
        self.undo_action = QAction("Undo last change", self)
        self.undo_action.setObjectName("undoLastChangeAction")
        icons.set_action_icon(self.undo_action, "undo")
        self.undo_action.setToolTip("Put the packages back the way they were before the last change")
        self.undo_action.triggered.connect(self.undo_last_change)
        self.history_action = QAction("History…", self)
        self.history_action.setObjectName("historyAction")
        icons.set_action_icon(self.history_action, "history")
        self.history_action.setToolTip("Every change made to this environment, each one restorable")
        self.history_action.triggered.connect(self.show_history)
        self.history_dialog: Any = None
        self.restore_box: Any = None
        self._last: dict[str, Change | None] = {}
        self._import_checks: dict[int, tuple[ChangeReport, Change | None]] = {}
        self._shown_explanation: tuple[str, int] | None = None
        self._logged_sentence = ""
        # Environments whose change ended but is not recorded yet: a re-read then is not "outside".
        self._changing: set[str] = set()
        self._generation: dict[str, int] = {}  # changes started or recorded per environment
        # Environments being compared with their history now: True when another look is wanted after
        # (two looks at once would both measure from the same last record, and record one change twice).
        self._looking: dict[str, bool] = {}
        self._bar_key = ""  # the environment the message on the bar is about
        self._pending_restore: dict[str, Change] = {}  # Undo asked while the environment was busy
        operations.ended.connect(self._ended)
        operations.change_started.connect(self._change_started)
        operations.change_reported.connect(self._change_reported)
        operations.history_recorded.connect(self._history_recorded)
        current.changed.connect(self._refresh_history)
        current.packages_loaded.connect(self._packages_loaded)
        self._set_state()

    @property
    def history(self) -> History:
        """The History records (opened when first needed: not at start-up)."""
        if self._history is None:
            from core.history import History

            self._history = History()
        return self._history

    # -- state -------------------------------------------------------------------------------

    def _set_state(self) -> None:
        key = self.current.key
        last = self._last.get(key) if key else None
        usable = self.current.usable and undoable(last)
        self.undo_action.setEnabled(usable)
        self.undo_action.setText(f"Undo “{last.title}”" if usable and last is not None else "Undo last change")
        self.history_action.setEnabled(bool(key))

    def _refresh_history(self) -> None:
        key = self.current.key
        if not key:
            self._set_state()
            return

        def read() -> Change | None:
            return self._newest_undoable(key)

        def done(last: Change | None) -> None:
            self._last[key] = last
            self._set_state()

        run_in_background(read, done, self._background_failed("read this environment's history"), context=self)
        # A message about another environment must not stay above this one (its buttons would act here).
        if self._bar_key and self._bar_key != key and self.message_bar.isVisible():
            self.message_bar.clear()
            self._bar_key = ""

    def _newest_undoable(self, key: str) -> Change | None:
        """(Blocking: a worker.) The newest change of ``key`` that Undo can take back."""
        return next((change for change in self.history.changes(key) if change.undoable), None)

    def _packages_loaded(self, key: str) -> None:
        """A change made outside Venvdesk (pip in a terminal) is recorded as one when it is first seen."""
        if key != self.current.key or key in self._changing or self.operations.runner.is_busy(key):
            return
        if key in self._looking:
            self._looking[key] = True  # once this look is recorded: it is the next one's starting point
            return
        self._looking[key] = False
        from core.environments import Environment
        from core.journal import package_set
        from core.packages import installed_packages

        generation = self._generation.get(key, 0)
        site_packages = Environment.load(key).site_packages()

        def look() -> Change | None:
            # Read now, in the worker: the list shown may be older than the files.
            return self.history.look(key, package_set(installed_packages(site_packages)))

        def looked(seen: Change | None) -> None:
            if seen is None:
                self._looked(key)
                return
            if self._generation.get(key, 0) != generation or key in self._changing or self.operations.runner.is_busy(key):
                self._looked(key)
                return  # a change of ours started or ended meanwhile: the difference may be ours
            self._record_outside(key, seen)

        def failed(exc: BaseException, formatted: str) -> None:
            self._looked(key)
            self._background_failed("compare this environment with its history")(exc, formatted)

        run_in_background(look, looked, failed, context=self)

    def _history_recorded(self, key: str) -> None:
        """The operations controller added the app's own background change (a pip update): Undo
        and an open History follow."""

        def written(last: Change | None) -> None:
            self._last[key] = last
            self.history_changed.emit(key)
            self._set_state()

        run_in_background(
            lambda: self._newest_undoable(key), written, self._background_failed("read this environment's history"),
            context=self,
        )

    def _looked(self, key: str) -> None:
        """A look at ``key`` ended (and what it saw is recorded): the one asked for meanwhile follows."""
        if self._looking.pop(key, False):
            self._packages_loaded(key)

    def _record_outside(self, key: str, seen: Change) -> None:
        def write() -> Change | None:
            self.history.record(key, seen)
            return self._newest_undoable(key)

        def written(last: Change | None) -> None:
            self._last[key] = last
            if seen.kind == "outside":
                self.log_view.note(f"Changed outside Venvdesk: {self._describe(seen.before, seen.after)}")
                self.history_changed.emit(key)
            self._set_state()
            self._looked(key)

        def failed(exc: BaseException, formatted: str) -> None:
            self._looked(key)
            self._background_failed("add to this environment's history")(exc, formatted)

        run_in_background(write, written, failed, context=self)

    def _background_failed(self, what: str) -> Callable[[BaseException, str], None]:
        def failed(exc: BaseException, formatted: str) -> None:
            self.log_view.note(f"Venvdesk could not {what}: {exc}")
            self.log_view.note(formatted)

        return failed

    # -- a change starts, a change ends ---------------------------------------------------------

    def _change_started(self, operation: Operation) -> None:
        self._changing.add(operation.key)
        self._generation[operation.key] = self._generation.get(operation.key, 0) + 1
        # A banner about earlier work must not sit above new work as if it were about it.
        if self.message_bar.isVisible() and self.message_bar.level is not Level.INFO:
            self.message_bar.clear()

    def _change_reported(self, report: ChangeReport) -> None:
        outcome = report.outcome
        intent = outcome.intent
        key = report.key
        change = self._record(report)
        self._changing.discard(key)
        self._generation[key] = self._generation.get(key, 0) + 1
        if key in self._pending_restore:
            self._restore_pending(key)  # while another change runs, the runner is busy: no "outside" either
        if outcome.status is Status.FAILED_TO_START:
            self._show(key, str(outcome), Level.ERROR, outcome.detail(), change=change)
        elif outcome.status is Status.FAILED:
            self._last_failure[key] = outcome.operation
            self._explain_failure(report, change)
            return
        elif outcome.interrupted:
            self._show_interrupted(report, change)
        elif report.missing:
            self._show(
                key,
                f"{outcome.operation.title}: the installer said it was done, but {'; '.join(report.missing)}."
                " Nothing else was changed; try again, and if it keeps happening, look at the Log.",
                Level.WARNING,
                outcome.detail(),
                change=change,
            )
        else:
            self._show_success(report, change)
            if isinstance(intent, (InstallPackages, InstallRequirements)):
                self._check_imports(report, change)
                return
        self.reported.emit(report)

    def _record(self, report: ChangeReport) -> Change | None:
        """The change, in this environment's History (before and after, what was asked, how it ended)."""
        from core.history import Change, status_word
        from gui.controllers.operations import journal_kind

        outcome = report.outcome
        if report.before is None:
            return None
        change = Change.new(
            title=outcome.operation.title,
            kind=journal_kind(outcome.intent),
            specs=requested_specs(outcome.intent),
            status=status_word(outcome.status),
            before=dict(report.before),
            after=dict(report.after),
        )
        try:
            self.history.record(report.key, change, sync_later=True)
        except OSError as exc:
            self.log_view.note(f"Could not add this change to the environment's history ({exc}).")
            return change
        if change.undoable:
            self._last[report.key] = change
        if report.key == self.current.key:
            self._set_state()
        self.history_changed.emit(report.key)
        return change

    def _show(
        self,
        key: str,
        text: str,
        level: Level,
        detail: str = "",
        *,
        actions: Sequence[MessageAction] = (),
        change: Change | None = None,
    ) -> None:
        if key != self.current.key:
            self.log_view.note(text)
            return
        self._bar_key = key
        self.message_bar.show_message(text, level, detail, actions=actions, undo=self._undo_button(key, change))

    def _undo_button(self, key: str, change: Change | None) -> MessageAction | None:
        if not undoable(change):
            return None
        assert change is not None
        return MessageAction("Undo", lambda: self.restore(key, change), f"Put back what was installed before “{change.title}”")

    @staticmethod
    def _describe(before: PackageSet, after: PackageSet) -> str:
        from core.history import describe

        return describe(before, after)

    def _show_success(self, report: ChangeReport, change: Change | None) -> None:
        outcome = report.outcome
        intent = outcome.intent
        key = report.key
        if isinstance(intent, CreateEnvironment):
            return  # the creation controller says it is ready
        if isinstance(intent, RepairEnvironment):
            if report.integrity.clean:
                self._show(key, "Repair is done. The environment was checked again: nothing is half-installed.", Level.SUCCESS)
            return
        what = self._describe(report.before or {}, report.after) if report.before is not None else ""
        if isinstance(intent, RestorePackageSet):
            text = f"{outcome.operation.title}: done. The packages are back the way they were"
            text += f" ({what})." if what and what != "nothing changed" else "."
            self._show(key, text, Level.SUCCESS)
            return
        text = f"{outcome.operation.title}: done."
        if what:
            text += f" {_sentence(what)}"
        self._show(key, text, Level.SUCCESS, change=change)

    def _show_interrupted(self, report: ChangeReport, change: Change | None) -> None:
        from core.history import describe_interrupted

        outcome = report.outcome
        how = _HOW.get(outcome.status, "stopped")
        title = outcome.operation.title
        changed = describe_interrupted(report.before or {}, report.after, how) if report.before is not None else ""
        if report.integrity.clean:
            verb = "cancelled" if outcome.status is Status.CANCELLED else "stopped"
            text = f"{title} was {verb}. {changed} The environment was checked: no half-installed files were left."
            self._show(report.key, " ".join(text.split()), Level.INFO, change=change)
        else:
            text = f"{title} was interrupted and left half-installed files. {changed} Use Repair to fix them."
            repair = self.fix_handlers.get("repair")
            actions = [MessageAction("Repair", lambda: repair(_fix("repair", "Repair")))] if repair else []
            self._show(report.key, " ".join(text.split()), Level.WARNING, outcome.detail(), actions=actions, change=change)

    # -- failures, explained --------------------------------------------------------------------

    def context(self, environment: Environment) -> Context:
        """What the classifier needs to know besides pip's output (read on the UI thread: cheap)."""
        from core import pypi
        from core.environments import version_tuple
        from core.explain import Context

        return Context(
            requested=(),
            python_version=version_tuple(environment.version),
            index_url=self.current.index_url(),
            index_origin=pypi.index_origin(self.current.settings.index_url),
            system=_os_release(),
            platform=sys.platform,
            close_names=self.close_names,
            interpreters=tuple(self.interpreters()),
        )

    def _explain_failure(self, report: ChangeReport, change: Change | None) -> None:
        import dataclasses

        from core.explain import Cause, explain

        outcome = report.outcome
        environment = Environment.load(report.key)
        context = dataclasses.replace(self.context(environment), requested=requested_specs(outcome.intent))
        lines = outcome.output or outcome.tail

        notes: list[str] = []

        def work() -> Explanation:
            explanation = explain(lines, outcome.exit_code, context)
            if explanation.needs_releases and explanation.project and explanation.cause is Cause.NO_SUCH_PROJECT:
                # "There is no package called …" is only said once the index confirmed it: pip says
                # "no versions" when the index failed to answer (a 503) too.
                explanation = _verified(explanation, context, notes)
            return explanation

        def done(explanation: Explanation) -> None:
            for note in notes:
                self.log_view.note(note)
            self._show_explanation(report, change, explanation, context)
            self.reported.emit(report)
            if explanation.needs_releases and explanation.project:
                self._refine(report, change, explanation, context)

        def failed(exc: BaseException, formatted: str) -> None:
            self.log_view.note(f"Venvdesk could not explain this failure: {exc}\n{formatted}")
            self._show(report.key, f"{outcome.operation.title} did not work: {_last_error(lines)}", Level.ERROR,
                       outcome.detail(), change=change)
            self.reported.emit(report)

        run_in_background(work, done, failed, context=self)

    def _show_explanation(self, report: ChangeReport, change: Change | None, explanation: Explanation, context: Context) -> None:
        from core.history import describe_interrupted

        outcome = report.outcome
        changed = ""
        if report.before is not None and not outcome.ok:
            changed = describe_interrupted(report.before, report.after, "failed")
        text = " ".join(f"{explanation.sentence} {changed}".split())
        detail = "\n\n".join(part for part in (explanation.detail, outcome.detail()) if part)
        actions = [self._fix_action(fix) for fix in explanation.fixes[:2]]
        if self._shown_explanation != (report.key, outcome.operation.id) or self._logged_sentence != explanation.sentence:
            self.log_view.note(f"Why: {explanation.sentence}")
        self._shown_explanation = (report.key, outcome.operation.id)
        self._logged_sentence = explanation.sentence
        self._show(report.key, text, Level.ERROR, detail, actions=[a for a in actions if a is not None], change=change)

    def _refine(self, report: ChangeReport, change: Change | None, explanation: Explanation, context: Context) -> None:
        """The fix that needs the index's file list (an older release that fits, one with a ready-made wheel)."""
        from core import pypi
        from core.explain import refine

        project = explanation.project
        index_url = context.index_url

        def work() -> Explanation:
            return refine(explanation, pypi.project_files(index_url, project, timeout=15.0), context)

        def done(better: Explanation) -> None:
            if self._shown_explanation != (report.key, report.outcome.operation.id):
                return  # something else is on screen now
            if better != explanation and self.message_bar.isVisible():
                self._show_explanation(report, change, better, context)

        def failed(exc: BaseException, _formatted: str) -> None:
            # A 404 confirms there is no such project; another failure means the index itself failed
            # (pip says "no versions" for a page it could not read, too).
            from core.explain import refine_error

            if getattr(exc, "code", None) != 404:  # a 404 only confirms what the sentence says
                self.log_view.note(f"Looking up the releases of {project} on the index: {exc}")
            done(refine_error(explanation, exc, context))

        run_in_background(work, done, failed, context=self)

    def _fix_action(self, fix: Fix) -> MessageAction | None:
        handler = self.fix_handlers.get(fix.kind)
        if handler is None:
            return None
        key = self.current.key

        def run() -> None:
            if self.current.key != key:  # the fix is for the environment the failure happened in
                self.log_view.note(f"That fix was for {key}; choose it in the list and try again.")
                return
            handler(fix)

        return MessageAction(fix.label, run)

    def _copy(self, fix: Fix) -> None:
        QGuiApplication.clipboard().setText(fix.text)
        self.message_bar.show_message(
            f"Copied: {fix.text} — paste it into a terminal, then try again here.", Level.INFO
        )

    def _retry(self, _fix: Fix) -> None:
        operation = self._last_failure.get(self.current.key)
        if operation is not None:
            self.operations.submit(
                Operation(operation.key, operation.title, list(operation.steps), operation.intent,
                          optional=operation.optional, capture_output=operation.capture_output, progress=operation.progress)
            )

    # -- installed, but does it import? ---------------------------------------------------------

    def _check_imports(self, report: ChangeReport, change: Change | None) -> None:
        from core import import_check

        outcome = report.outcome
        environment = Environment.load(report.key)
        asked = _asked_names(outcome)
        site_packages = environment.site_packages()
        if not asked or site_packages is None:
            self.reported.emit(report)
            return

        def find() -> dict[str, list[str]]:
            return import_check.modules_to_check(site_packages, asked)

        def found(modules: dict[str, list[str]]) -> None:
            every = sorted({module for names in modules.values() for module in names})
            if not every:
                self.reported.emit(report)
                return
            command = import_check.import_check_command(environment.python, every, import_check.IMPORT_CHECK_TIMEOUT_S)
            intent = CheckImports(tuple((name, tuple(found)) for name, found in sorted(modules.items())))
            operation = Operation(report.key, "Checking that it can be imported", [command], intent, capture_output=True)
            self._import_checks[operation.id] = (report, change)
            if self.operations.submit(operation) is None:
                self._import_checks.pop(operation.id, None)
                self.reported.emit(report)

        def failed(exc: BaseException, formatted: str) -> None:
            self._background_failed("find the modules to import")(exc, formatted)
            self.reported.emit(report)

        run_in_background(find, found, failed, context=self)

    def _ended(self, outcome: Outcome) -> None:
        from core.recreate import RecreateEnvironment

        if isinstance(outcome.intent, RecreateEnvironment):
            self._recreation_ended(outcome, outcome.intent)
        if outcome.operation.key in self._pending_restore:
            from PySide6.QtCore import QTimer

            key = outcome.operation.key
            QTimer.singleShot(0, lambda: self._restore_pending(key))  # once the runner has moved on
        pending = self._import_checks.pop(outcome.operation.id, None)
        if pending is None:
            return
        report, change = pending
        if outcome.status is not Status.OK and not outcome.stdout:
            # The check itself could not run (cancelled, timed out): say so in the Log, keep the success.
            self.log_view.note(f"The import check did not finish ({outcome}); the install itself is done.")
            self.reported.emit(report)
            return
        from core import import_check
        from core.explain import explain_import_failure

        assert isinstance(outcome.intent, CheckImports)
        results = import_check.parse_import_results(outcome.stdout)
        unfinished = [result.module for result in results if not result.ok and (not result.finished or result.error_type == "Timeout")]
        if unfinished:
            # Slow or hanging on import is not "cannot be imported": say so in the Log only.
            self.log_view.note(
                f"The import check did not finish for {', '.join(unfinished)} (it took too long); the install itself is done."
            )
        failures = [result for result in results if not result.ok and result.module not in unfinished]
        if not failures:
            self.reported.emit(report)
            return
        module_owner = {module: name for name, modules in outcome.intent.modules for module in modules}
        first = failures[0]
        project = module_owner.get(first.module, first.module)
        version = report.after.get(canonical_name(project), (project, ""))[1]
        environment = Environment.load(report.key)
        context = self.context(environment)
        error = f"{first.error_type}: {first.error}".strip(": ")
        explanation = explain_import_failure(project, version, error, context)
        detail = "\n".join(
            f"import {result.module}: {result.error_type}: {result.error}\n{result.traceback_tail}".rstrip() for result in failures
        )
        explanation = _with_detail(explanation, detail)
        self._show_explanation(report, change, explanation, context)
        self.reported.emit(report)
        if explanation.needs_releases:
            self._refine(report, change, explanation, context)

    # -- a re-creation with another Python ----------------------------------------------------------

    def _recreation_ended(self, outcome: Outcome, intent: RecreateEnvironment) -> None:
        """A re-creation is this app's own change: one that worked is recorded in the History with what
        it changed, so the new environment's set is never taken for a change made outside Venvdesk.

        One that did not work puts the old environment back as it was (the re-creation controller):
        nothing to record; until then ``core.history`` sees the re-creation's record and looks away.
        """
        if not outcome.ok:
            return
        from core.history import recreation_change
        from core.journal import package_set
        from core.packages import installed_packages

        key = outcome.operation.key
        # Until it is recorded, a re-read of this environment is not "outside" (as for any change).
        self._changing.add(key)
        self._generation[key] = self._generation.get(key, 0) + 1
        title = outcome.operation.title
        before = intent.record.package_set()

        def write() -> tuple[Change, Change | None]:
            after = package_set(installed_packages(Environment.load(key).site_packages()))
            change = self.history.record(key, recreation_change(title, intent.plan.specs, before, after))
            return change, self._newest_undoable(key)

        def written(result: tuple[Change, Change | None]) -> None:
            change, last = result
            self._changing.discard(key)
            self._generation[key] = self._generation.get(key, 0) + 1
            self._last[key] = last
            self.log_view.note(f"Recorded in the History: {title}: {self._describe(change.before, change.after)}.")
            self.history_changed.emit(key)
            self._set_state()

        def failed(exc: BaseException, formatted: str) -> None:
            self._changing.discard(key)
            self._background_failed("add the re-creation to this environment's history")(exc, formatted)

        run_in_background(write, written, failed, context=self)

    # -- the way back -----------------------------------------------------------------------------

    def undo_last_change(self) -> Operation | None:
        key = self.current.key
        last = self._last.get(key)
        if not key or last is None or not undoable(last):
            return None
        return self.restore(key, last)

    def restore(self, key: str, change: Change, *, confirmed: bool = False) -> Operation | None:
        """Put ``key``'s packages back to the set recorded before ``change``.

        The plan is made when the environment is free: an Undo pressed while something else runs
        waits for it (a plan made now would be wrong by then).  When going back also takes back
        changes made after ``change``, the person is asked first, with those named.
        """
        from core.history import describe, keeping_pip_updates, undo_plan
        from core.journal import package_set
        from core.packages import installed_packages

        if self.operations.runner.is_busy(key) or key in self._changing:
            self._pending_restore[key] = change
            self._show(key, f"Undo of “{change.title}” will start when the running work has finished.", Level.INFO)
            return None
        environment = Environment.load(key)
        installed = installed_packages(environment.site_packages())
        now = package_set(installed)
        records = self.history.changes(key)  # newest first
        newer = records[: next((i for i, record in enumerate(records) if record.id == change.id), 0)]
        before, after = keeping_pip_updates(change, newer)  # pip the app updated since stays
        install, uninstall = undo_plan(before, now)
        if not confirmed and dict(now) != dict(after):
            # Since the change, more happened (a later change, pip in a terminal): say what else goes.
            self.restore_box = confirmations.restore_more(
                self.message_bar.window(),
                _restore_title(change),
                f"Going back to before “{change.title}” also takes back what changed after it:"
                f" {describe(after, now)}.",
                on_restore=lambda: self.restore(key, change, confirmed=True),
            )
            return None
        backend = self.operations.backend(environment, installed)
        operation = plans.restore_package_set(
            environment, backend, install=install, uninstall=uninstall, title=_restore_title(change)
        )
        if operation is None:
            self._show(key, f"Nothing to undo: the packages are already as they were before “{change.title}”.", Level.INFO)
            return None
        return self.operations.submit(operation)

    def _restore_pending(self, key: str) -> None:
        change = self._pending_restore.get(key)
        if change is not None and not self.operations.runner.is_busy(key) and key not in self._changing:
            del self._pending_restore[key]
            self.restore(key, change)

    def show_history(self) -> None:
        from gui.dialogs.history import HistoryDialog

        key = self.current.key
        if not key:
            return
        environment = self.current.environment
        name = environment.name if environment is not None else key
        dialog = HistoryDialog(name, self.history.changes(key), self._describe, self.message_bar.window())
        dialog.restore_requested.connect(lambda change: self.restore(key, change))
        self.history_dialog = dialog
        dialog.open()

    def show_error(self, error: UserFacingError) -> None:
        show_error(self.message_bar, self.log_view, error)


def _fix(kind: str, label: str) -> Fix:
    from core.explain import Fix

    return Fix(kind=kind, label=label)


# How long the index may take to confirm that a project does not exist before the failure is shown.
VERIFY_TIMEOUT_S = 10.0


def _verified(explanation: Explanation, context: Context, notes: list[str]) -> Explanation:
    """(Blocking: a worker.) ``explanation`` completed with the index's page for its project:
    a 404 confirms it; any other failure (a 503, no answer) means the index itself failed."""
    from core import pypi
    from core.explain import refine, refine_error

    try:
        files = pypi.project_files(context.index_url, explanation.project, timeout=VERIFY_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - whatever failed, the index did not answer properly
        if getattr(exc, "code", None) != 404:  # a 404 only confirms what the sentence says
            notes.append(f"Looking up the releases of {explanation.project} on the index: {exc}")
        return refine_error(explanation, exc, context)
    return refine(explanation, files, context)


def _restore_title(change: Change) -> str:
    """What going back to before ``change`` is called (taking back an Undo is a Redo)."""
    for word, opposite in (("Undoing", "Redoing"), ("Redoing", "Undoing")):
        prefix = f"{word} “"
        if change.title.startswith(prefix) and change.title.endswith("”"):
            return f"{opposite} “{change.title[len(prefix):-1]}”"
    return f"Undoing “{change.title}”"


def undoable(change: Change | None) -> bool:
    return change is not None and change.undoable


def _with_detail(explanation: Explanation, detail: str) -> Explanation:
    import dataclasses

    return dataclasses.replace(explanation, detail="\n\n".join(part for part in (explanation.detail, detail) if part))


def _sentence(text: str) -> str:
    """``text`` ending with a full stop (not capitalised: it may start with a package's own name)."""
    text = text.strip()
    if not text:
        return ""
    return text if text.endswith(".") else text + "."


def _asked_names(outcome: Outcome) -> list[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    names = []
    for spec in requested_specs(outcome.intent):
        try:
            names.append(Requirement(spec).name)
        except InvalidRequirement:
            continue
    return names


def _last_error(lines: Sequence[str]) -> str:
    for line in reversed(lines):
        if line.startswith("ERROR:"):
            return line.removeprefix("ERROR:").strip()
    return next((line.strip() for line in reversed(lines) if line.strip()), "the installer stopped with an error")


_SNAPSHOT_INDEX: Any = None
_SNAPSHOT_LOCK = threading.Lock()


def snapshot_search_index() -> Any:
    """A search index of the well-known names shipped with the app (before the Find tab loaded the full list)."""
    global _SNAPSHOT_INDEX
    with _SNAPSHOT_LOCK:
        if _SNAPSHOT_INDEX is None:
            from core.search import SearchIndex, load_popularity_snapshot

            _SNAPSHOT_INDEX = SearchIndex.from_snapshot(load_popularity_snapshot())
        return _SNAPSHOT_INDEX


def _os_release() -> dict[str, str]:
    """``/etc/os-release`` (ID, ID_LIKE, VERSION_ID…): which install line a missing library needs.

    ``platform`` reads the file once and keeps it; {} where there is none (Windows, macOS).
    """
    import platform

    if not hasattr(platform, "freedesktop_os_release"):  # Python 3.9
        return {}
    try:
        return dict(platform.freedesktop_os_release())
    except OSError:
        return {}

