"""Re-create an environment with another Python, keeping its packages.

The controller records what the environment holds (from metadata, off the UI thread: its
Python may be gone), asks which Python to use, moves the old folder aside, and submits one
operation that builds the new environment at the same path and installs the same packages
(``core.recreate``).  When that ends it either moves the old folder to the trash and says
what differs, or removes the new folder and puts the old one back, explaining the failure
(and offering a version that works with the new Python, when there is one).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFile, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from core import recreate, storage
from core.environments import Environment, deletion_refusal
from core.errors import UserFacingError
from core.names import canonical_name
from core.operations import CreateEnvironment, Outcome, Status
from core.recreate import Comparison, PackageRecord, RecreateEnvironment, Recreation, Unfinished
from gui import icons
from gui.controllers import show_error
from gui.controllers.creation import CreationController
from gui.controllers.environments import EnvironmentController
from gui.controllers.operations import OperationsController
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import Level, MessageAction, MessageBar
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.explain import Explanation
    from core.interpreters import Interpreter
    from gui.dialogs.recreate import RecreateDialog


@dataclass
class _Running:
    recreation: Recreation
    intent: RecreateEnvironment
    interpreter: Interpreter
    environment: Environment
    replacements: dict[str, str] = field(default_factory=dict)


class RecreateController(QObject):
    # The re-creation ended and what follows (trash, or putting the old one back) is done: the Outcome.
    recreation_finished = Signal(object)

    def __init__(
        self,
        operations: OperationsController,
        current: CurrentEnvironment,
        creation: CreationController,
        environments: EnvironmentController,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.operations = operations
        self.current = current
        self.creation = creation
        self.environments = environments
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.dialog: RecreateDialog | None = None
        self._running: dict[int, _Running] = {}
        self._reviewed = False
        self._preparing: set[str] = set()  # environments being moved aside (not yet submitted)
        self.recreate_action = QAction("Re-create with another Python…", window)
        self.recreate_action.setObjectName("recreateEnvironmentAction")
        icons.set_action_icon(self.recreate_action, "refresh")
        self.recreate_action.triggered.connect(lambda _checked=False: self.recreate())
        window.addAction(self.recreate_action)
        current.changed.connect(self._set_state)
        operations.runner.started.connect(lambda _op: self._set_state())
        operations.runner.finished.connect(lambda _outcome: self._set_state())
        operations.ended.connect(self._ended)
        environments.environments_loaded.connect(self._review_unfinished)
        self._set_state()

    # -- what can be re-created --------------------------------------------------------------

    def _recreatable(self) -> Environment | None:
        """The selected environment, if it can be re-created now (healthy, or its Python is gone)."""
        entry = self.current.entry
        if entry is None:
            return None
        environment = entry.environment
        if self.operations.runner.is_busy(str(environment.path)) or str(environment.path) in self._preparing:
            return None
        if not (environment.path / "pyvenv.cfg").is_file():
            return None
        if entry.health.ok or recreate.base_python_gone(environment):
            return environment
        return None

    def _set_state(self) -> None:
        self.recreate_action.setEnabled(self._recreatable() is not None)

    # -- asking --------------------------------------------------------------------------------

    def recreate(self) -> None:
        """Read what the selected environment holds (off the UI thread), then ask which Python to use."""
        environment = self._recreatable()
        if environment is None:
            self.message_bar.show_message(
                "Select an environment that is not busy to re-create it with another Python.", Level.INFO
            )
            return
        run_in_background(
            lambda: recreate.record_packages(environment),
            lambda record: self._ask(environment, record),
            self._failed("read the packages of the environment"),
            context=self,
        )

    def _ask(self, environment: Environment, record: PackageRecord) -> None:
        from gui.dialogs.recreate import RecreateDialog

        dialog = RecreateDialog(
            environment.name,
            environment.version,
            recreate.base_python_gone(environment),
            record.installable_count,
            self.window,
            left_out=record.left_out_words(),
        )

        def offer_interpreters() -> None:
            dialog.set_interpreters(self.creation.interpreters, loading=self.creation.interpreters_loading)
            suggested = recreate.suggested_interpreter(environment.version, self.creation.interpreters)
            if suggested is not None and not dialog.chosen_by_person:
                dialog.select_interpreter(suggested.path)

        offer_interpreters()
        self.creation.interpreters_loaded.connect(offer_interpreters)

        def accepted() -> None:
            interpreter = dialog.selected_interpreter()
            if interpreter is not None:
                self.start(environment, record, interpreter)

        def finished(_result: int) -> None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.creation.interpreters_loaded.disconnect(offer_interpreters)
            self.dialog = None

        dialog.accepted.connect(accepted)
        dialog.finished.connect(finished)
        self.dialog = dialog
        dialog.open()

    # -- doing ---------------------------------------------------------------------------------

    def start(
        self,
        environment: Environment,
        record: PackageRecord,
        interpreter: Interpreter,
        replacements: dict[str, str] | None = None,
    ) -> None:
        """Move the old environment aside (off the UI thread), then build the new one in its place."""
        key = str(environment.path)
        busy = self.operations.runner.is_busy(key) or key in self._preparing
        if busy or self.operations.someone_else_is_changing(key):
            self.message_bar.show_message(
                f"“{environment.name}” is busy. Wait until what runs on it has finished, then re-create it.", Level.INFO
            )
            return
        replacements = dict(replacements or {})
        plan = recreate.plan_install(record, replacements)
        constraints = recreate.constraints_path(environment.path)

        def prepare() -> Recreation:
            if plan.constraints:
                storage.write_text_atomic(constraints, "".join(f"{line}\n" for line in plan.constraints))
            return recreate.move_aside(environment, record, interpreter)

        def prepared(recreation: Recreation) -> None:
            self._preparing.discard(key)
            intent = RecreateEnvironment(
                environment.path.name,
                environment.path,
                Path(recreation.aside),
                interpreter.path,
                tuple(interpreter.version),
                environment.version,
                record,
                plan,
                constraints if plan.constraints else None,
            )
            creation = self.creation.plan(
                CreateEnvironment(
                    environment.name,
                    environment.path,
                    interpreter=interpreter.path,
                    system_site_packages=environment.include_system_site_packages,
                    prompt=environment.prompt,
                    newest_pip=True,
                ),
                interpreter.version,
            )
            operation = recreate.recreation_operation(intent, creation, self.operations.backend(Environment(environment.path), ()))
            self.log_view.note(f"Moved {environment.path} aside to {recreation.aside} while it is re-created.")
            self._running[operation.id] = _Running(recreation, intent, interpreter, environment, replacements)
            if self.operations.submit(operation) is None:
                self._running.pop(operation.id, None)
                self._put_back(intent, None)

        def failed(exc: BaseException, formatted: str) -> None:
            self._preparing.discard(key)
            if isinstance(exc, UserFacingError):
                show_error(self.message_bar, self.log_view, dataclasses.replace(exc, detail=exc.detail or formatted))
            else:
                self._failed("move the environment aside")(exc, formatted)
            self._set_state()

        self._preparing.add(key)
        self._set_state()
        run_in_background(prepare, prepared, failed, context=self)

    def _ended(self, outcome: Outcome) -> None:
        intent: object = outcome.operation.intent
        if not isinstance(intent, RecreateEnvironment):
            return
        running = self._running.pop(outcome.operation.id, None)
        if outcome.ok:
            self._finish(outcome, intent)
        else:
            self._put_back(intent, outcome, running)

    def _finish(self, outcome: Outcome, intent: RecreateEnvironment) -> None:
        """It worked: mark it built, compare the package sets, then move the old folder to the trash."""
        from core.packages import installed_packages

        def work() -> Comparison:
            recreation = recreate.read_record(intent.target)
            if recreation is not None:
                recreate.mark_built(recreation)
            if intent.constraints_file is not None:
                with contextlib.suppress(OSError):
                    intent.constraints_file.unlink()
            after = installed_packages(Environment.load(intent.target).site_packages())
            return recreate.compare(intent.record, after, intent.plan)

        def compared(comparison: Comparison) -> None:
            sentence = recreate.describe_result(intent.name, intent.new_version_text, comparison, intent.record)
            trashed = self._trash_aside(intent.aside)
            recreate.end_record(intent.target)
            if trashed:
                self.log_view.note(f"Moved the old environment {intent.aside} to the trash.")
                if comparison.left_out:
                    # What was not carried over is still in the old folder: say where that went.
                    sentence += f" The old environment, with {'it' if len(comparison.left_out) == 1 else 'them'}, is in the trash."
                self.message_bar.show_message(sentence, Level.SUCCESS, f"The old environment went to the trash from {intent.aside}.")
            else:
                self.message_bar.show_message(
                    f"{sentence} The old environment could not be moved to the trash; it is kept at {intent.aside}."
                    " Delete it with your file manager when you no longer need it.",
                    Level.WARNING,
                )
            self.log_view.note(sentence)
            self.environments.refresh(select=str(intent.target))
            self.recreation_finished.emit(outcome)

        def failed(exc: BaseException, formatted: str) -> None:
            self._failed("check the new environment")(exc, formatted)
            self.environments.refresh(select=str(intent.target))
            self.recreation_finished.emit(outcome)

        run_in_background(work, compared, failed, context=self)

    def _trash_aside(self, aside: Path) -> bool:
        refusal = deletion_refusal(aside)
        if refusal:
            self.log_view.note(f"Did not move {aside} to the trash: {refusal}")
            return False
        return QFile(str(aside)).moveToTrash()

    def _put_back(self, intent: RecreateEnvironment, outcome: Outcome | None, running: _Running | None = None) -> None:
        """It did not work (or never started): remove the new folder, rename the old one back."""

        def work() -> None:
            if intent.constraints_file is not None:
                with contextlib.suppress(OSError):
                    intent.constraints_file.unlink()
            recreate.put_back(intent.target, intent.aside)

        def done(_result: None) -> None:
            back = f"“{intent.name}” is back as it was, with Python {intent.old_version_text}."
            self.log_view.note(f"Put the old environment back at {intent.target}.")
            self.environments.refresh(select=str(intent.target))
            if outcome is None:
                self.message_bar.show_message(f"Re-creating “{intent.name}” did not start. {back}", Level.WARNING)
            elif outcome.status is Status.CANCELLED:
                self.message_bar.show_message(f"Re-creating “{intent.name}” was cancelled. {back}", Level.INFO)
            else:
                self._explain(intent, outcome, back, running)
                return
            self.recreation_finished.emit(outcome)

        def failed(exc: BaseException, formatted: str) -> None:
            show_error(
                self.message_bar,
                self.log_view,
                UserFacingError(
                    f"Re-creating “{intent.name}” stopped, and the old environment could not be put back ({exc}).",
                    f"It is kept, unchanged, at {intent.aside}: once {intent.target} is gone, rename it back to"
                    f" {intent.target.name}.",
                    detail=formatted,
                ),
            )
            self.environments.refresh(select=str(intent.target))
            self.recreation_finished.emit(outcome)

        run_in_background(work, done, failed, context=self)

    # -- explaining a failure --------------------------------------------------------------------

    def _explain(self, intent: RecreateEnvironment, outcome: Outcome, back: str, running: _Running | None) -> None:
        """Why the install failed for the new Python (``core.explain``), with the version that works
        as a button when the index has one: the person chooses before anything is installed."""
        from core import pypi
        from core.explain import Context, explain, refine, refine_error

        context = Context(
            requested=intent.plan.specs,
            python_version=intent.python_version,
            index_url=self.current.index_url(),
            index_origin=pypi.index_origin(self.current.settings.index_url),
            platform=sys.platform,
            interpreters=tuple(
                (i.version_text, i.path) for i in self.creation.interpreters if i.can_create_venv
            ),
        )
        lines = outcome.output or outcome.tail

        def work() -> Explanation:
            explanation = explain(lines, outcome.exit_code, context)
            if explanation.needs_releases and explanation.project:
                try:
                    files = pypi.project_files(context.index_url, explanation.project, timeout=15.0)
                except Exception as exc:  # noqa: BLE001 - the index failed (a 503…) or confirmed (404)
                    # pip says "no versions" for a page the index failed to serve, too.
                    return refine_error(explanation, exc, context)
                explanation = refine(explanation, files, context)
            return explanation

        def explained(explanation: Explanation) -> None:
            why = explanation.sentence or f"{outcome}"
            actions = []
            fix = next((f for f in explanation.fixes if f.kind == "install" and f.specs), None)
            if fix is not None and running is not None:
                replacements = dict(running.replacements)
                asked = set(intent.plan.specs)
                for spec in fix.specs:
                    if spec not in asked:
                        replacements[canonical_name(spec.split("=")[0].split("<")[0].split(">")[0].strip())] = spec
                changed = ", ".join(spec for spec in fix.specs if spec not in asked)
                actions.append(
                    MessageAction(
                        f"Re-create with {changed} instead",
                        lambda: self._retry(running, replacements),
                        f"Re-create “{intent.name}” with Python {intent.new_version_text}, installing {changed}.",
                    )
                )
            self.log_view.note(f"Why: {why}")
            self.message_bar.show_message(
                f"Re-creating “{intent.name}” with Python {intent.new_version_text} did not work: {why} {back}",
                Level.ERROR,
                "\n\n".join(part for part in (explanation.detail, outcome.detail()) if part),
                actions=actions,
            )
            self.recreation_finished.emit(outcome)

        def failed(exc: BaseException, formatted: str) -> None:
            self.log_view.note(f"Venvdesk could not explain this failure: {exc}\n{formatted}")
            self.message_bar.show_message(
                f"Re-creating “{intent.name}” with Python {intent.new_version_text} did not work. {back}",
                Level.ERROR,
                outcome.detail(),
            )
            self.recreation_finished.emit(outcome)

        run_in_background(work, explained, failed, context=self)

    def _retry(self, running: _Running, replacements: dict[str, str]) -> None:
        environment = Environment.load(running.environment.path)
        self.start(environment, running.intent.record, running.interpreter, replacements)

    # -- after Venvdesk was stopped in the middle ---------------------------------------------

    def _review_unfinished(self) -> None:
        """Once, when the list is first read: put back (or finish) what a stopped Venvdesk left."""
        if self._reviewed:
            return
        self._reviewed = True
        run_in_background(recreate.settle_unfinished, self._settled, self._failed("check for unfinished re-creations"), context=self)

    def _settled(self, unfinished: list[Unfinished]) -> None:
        for item in unfinished:
            text = item.sentence
            level = Level.INFO
            if item.to_trash is not None:
                if self._trash_aside(item.to_trash):
                    recreate.end_record(item.recreation.target)
                else:
                    text += f" It could not be moved to the trash; it is kept at {item.to_trash}. Delete it yourself when you no longer need it."
                    level = Level.WARNING
                    recreate.end_record(item.recreation.target)
            elif "could not be put back" in text:
                level = Level.WARNING
            self.log_view.note(text)
            self.message_bar.show_message(text, level)
        if unfinished:
            self.environments.refresh()

    def _failed(self, what: str) -> Callable[[BaseException, str], None]:
        def show(exc: BaseException, formatted: str) -> None:
            show_error(self.message_bar, self.log_view, UserFacingError(f"Venvdesk could not {what}.", str(exc), detail=formatted))

        return show
