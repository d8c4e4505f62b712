"""Using an environment: Jupyter kernels, running a file, how to use it from editors and terminals.

* **Use in Jupyter**: installs ``ipykernel`` into the environment when its metadata lacks it
  (through the package controller, so the install has the usual log, Cancel, explanation and
  Undo), then registers the kernel (``core.jupyter.register_kernel_command``) as an operation
  of its own.  Where no Jupyter is found it says how to get one and offers JupyterLab.
* **Jupyter kernels…**: the kernels that point into environments; removing one moves its
  kernelspec folder to the trash (it may hold the person's own changes; the trash keeps it
  restorable, as for environments).  After an environment goes to the trash, its kernels are
  offered for removal.
* **How to use this environment…**: the page in ``gui/dialogs/usage.py``; running a file is an
  operation through the runner; "which environment has this module" reads metadata off the
  UI thread (``core.usage``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFile, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from core import jupyter, usage
from core.environments import Environment, activation_warning
from core.errors import UserFacingError
from core.jupyter import JupyterSurvey, Kernel, RegisterKernel, environment_label
from core.operations import Operation, Outcome, Status
from core.usage import Answer, RunPythonFile
from gui.controllers import show_error
from gui.controllers.changes import ChangesController
from gui.controllers.environments import EnvironmentController
from gui.controllers.operations import OperationsController
from gui.controllers.packages import PackageController
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import Level, MessageAction, MessageBar
from gui.workers import run_in_background

if TYPE_CHECKING:  # the dialogs are imported where they are built
    from gui.dialogs.kernels import KernelsDialog
    from gui.dialogs.usage import HowToUseDialog


def _move_to_trash(kernels: Sequence[Kernel]) -> list[tuple[Kernel, str]]:
    """Move each kernel's folder to the trash (runs on a worker thread); (kernel, where it went)."""
    moved = []
    for kernel in kernels:
        refusal = jupyter.removal_refusal(kernel)
        if refusal:
            raise UserFacingError(refusal, "Nothing was removed.", reference="kernel-remove-refused")
        folder = QFile(str(kernel.folder))
        if not folder.moveToTrash():
            raise UserFacingError(
                f"The Jupyter kernel “{kernel.display_name}” could not be moved to the trash. Nothing was deleted.",
                f"Your system may have no trash for that drive; delete the folder {kernel.folder} with your file manager.",
                reference="kernel-trash-failed",
                detail=f"Folder: {kernel.folder}\n{folder.errorString()}",
            )
        moved.append((kernel, folder.fileName()))
    return moved


class UsageController(QObject):
    kernel_registered = Signal(str)  # kernel name
    kernels_removed = Signal(list)  # where each kernel's folder went in the trash
    kernels_listed = Signal()  # the kernels dialog shows what is on disk now
    answered = Signal(str)  # the answer to "which environment has it?"
    run_ended = Signal(object)  # Outcome of running a file

    def __init__(
        self,
        operations: OperationsController,
        current: CurrentEnvironment,
        environments: EnvironmentController,
        packages: PackageController,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
        known_environments: Callable[[], list[Environment]],
        changes: ChangesController | None = None,
    ) -> None:
        """``changes``: the controller that explains a failed change in the message bar (the
        Jupyter ending of a failed ipykernel install is put in front of its explanation); without
        it, this controller says what is known itself."""
        super().__init__(window)
        self.operations = operations
        self.current = current
        self.environments = environments
        self.packages = packages
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.known_environments = known_environments
        self.jupyter_action = QAction("Use in Jupyter…", window)
        self.jupyter_action.setObjectName("jupyterKernelAction")
        self.jupyter_action.triggered.connect(self.use_in_jupyter)
        window.addAction(self.jupyter_action)
        self.how_to_use_action = QAction("How to use this environment…", window)
        self.how_to_use_action.setObjectName("howToUseAction")
        self.how_to_use_action.triggered.connect(self.show_how_to_use)
        window.addAction(self.how_to_use_action)
        self.kernels_action = QAction("Jupyter kernels…", window)
        self.kernels_action.setObjectName("jupyterKernelsAction")
        self.kernels_action.triggered.connect(self.show_kernels)
        window.addAction(self.kernels_action)

        self.kernels_dialog: KernelsDialog | None = None
        self.how_to_use_dialog: HowToUseDialog | None = None
        self._dialog_environment: Environment | None = None
        self._after_install: dict[int, JupyterSurvey] = {}  # ipykernel install → the registration it waits for
        self._registering: dict[int, JupyterSurvey] = {}
        self._runs: dict[int, Operation] = {}
        self._offer: Answer | None = None
        # The index's full list of project names when the Find tab has loaded it (``lookup(name)``), else
        # None: then a module's own name is checked by asking the index for that one project.  (The main
        # window may set this, as it does for Find missing packages; by default it asks the Find tab.)
        # The Find tab's index of every project name once loaded, else None (the window connects it).
        self.search_index: Callable[[], Any] = lambda: None
        # An ipykernel install that did not work: the changes controller explains it in the message bar
        # (cause, fix buttons, Details); the Jupyter ending is put in front of that explanation.
        self._install_endings: dict[int, tuple[str, Outcome]] = {}  # operation id → (sentence, outcome)
        self._jupyter_ending: tuple[str, Outcome] | None = None  # while its explanation may be (re)shown
        self._changes = changes
        if self._changes is not None:
            self._changes.reported.connect(self._change_reported)
        message_bar.shown.connect(self._message_shown)
        operations.change_started.connect(self._forget_jupyter_ending)  # new work: its messages are its own

        operations.ended.connect(self._ended)
        operations.queue_changed.connect(lambda _key: self._set_state())
        current.changed.connect(self._set_state)
        environments.environment_deleted.connect(self._environment_deleted)
        self._set_state()

    def _set_state(self) -> None:
        usable = self.current.usable
        self.jupyter_action.setEnabled(usable)
        self.how_to_use_action.setEnabled(usable)

    def _selected(self) -> Environment | None:
        if not self.current.usable:
            self.message_bar.show_message("Select a working environment in the list first.", Level.INFO)
            return None
        return self.current.environment

    # -- Jupyter: registering --------------------------------------------------------------------

    def use_in_jupyter(self) -> None:
        """Make the selected environment a Jupyter kernel (installing ipykernel first if it lacks it)."""
        environment = self._selected()
        if environment is None:
            return
        environments = self.known_environments()
        self.log_view.note(f"Looking for ipykernel in “{environment_label(environment)}” and for a Jupyter to use it with…")
        run_in_background(
            lambda: jupyter.survey(environment, environments),
            self._surveyed,
            self._background_failed("look for Jupyter"),
            context=self,
        )

    def _surveyed(self, survey: JupyterSurvey) -> None:
        for problem in survey.scan.problems:
            self.log_view.note(problem)
        if survey.has_kernel_package:
            self._register(survey)
            return
        label = environment_label(survey.environment)
        operation = self.packages.install(
            [jupyter.KERNEL_PACKAGE], f"Installing ipykernel into “{label}”", environment=survey.environment
        )
        if operation is None:
            return  # refused (another Venvdesk is changing it): the message bar said why
        self._after_install[operation.id] = survey
        self.message_bar.show_message(
            f"Installing ipykernel into “{label}”: Jupyter needs it to run code there. The kernel is"
            " registered as soon as that is done.",
            Level.INFO,
        )

    def _register(self, survey: JupyterSurvey) -> Operation | None:
        environment = survey.environment
        try:
            command = jupyter.register_kernel_command(environment, survey.name, survey.display_name)
        except ValueError as exc:
            self.show_error(UserFacingError("This environment cannot be registered in Jupyter.", str(exc)))
            return None
        intent = RegisterKernel(survey.name, survey.display_name)
        operation = Operation(
            str(environment.path), f"Registering “{environment_label(environment)}” in Jupyter", [command], intent
        )
        if self.operations.submit(operation) is None:
            return None
        self._registering[operation.id] = survey
        return operation

    def _registered(self, outcome: Outcome, survey: JupyterSurvey) -> None:
        environment = survey.environment
        label = environment_label(environment)
        if not outcome.ok:
            if outcome.status is Status.CANCELLED:
                self.message_bar.show_message(f"“{label}” was not registered in Jupyter: you cancelled it.", Level.INFO)
                return
            error = usage.last_error_line(outcome.output or outcome.tail)
            self.show_error(
                UserFacingError(
                    f"“{label}” could not be registered as a Jupyter kernel" + (f": {error}" if error else "."),
                    "Check the Log for ipykernel's message; re-installing ipykernel in this environment often helps.",
                    reference="kernel-register-failed",
                    detail=outcome.detail(),
                )
            )
            return
        text = f"“{label}” is ready for Jupyter: choose the kernel “{survey.display_name}” in Jupyter's kernel menu."
        actions = [MessageAction("Show kernels", self.show_kernels)]
        level = Level.SUCCESS
        if survey.jupyter:
            text += f" Jupyter found: {survey.jupyter[0].description}."
        else:
            text += " " + jupyter.no_jupyter_advice(environment)
            actions.insert(0, MessageAction(f"Install JupyterLab into “{label}”", lambda: self.install_jupyterlab(environment)))
        self.message_bar.show_message(text, level, actions=actions)
        self.log_view.note(text)
        self.kernel_registered.emit(survey.name)
        self._reload_kernels()

    def install_jupyterlab(self, environment: Environment) -> Operation | None:
        return self.packages.install(
            [jupyter.FRONT_END_PACKAGE], f"Installing JupyterLab into “{environment_label(environment)}”", environment=environment
        )

    # -- Jupyter: listing and removing -----------------------------------------------------------

    def show_kernels(self) -> None:
        from gui.dialogs.kernels import KernelsDialog

        dialog = KernelsDialog(self.window)
        dialog.register_requested.connect(self.use_in_jupyter)
        dialog.remove_requested.connect(lambda kernel: self.remove_kernels([kernel]))
        dialog.register_button.setEnabled(self.current.usable)
        self.kernels_dialog = dialog
        dialog.open()
        self._reload_kernels()

    def _reload_kernels(self) -> None:
        dialog = self.kernels_dialog
        if dialog is None or not dialog.isVisible():
            return
        environments = self.known_environments()

        def read() -> tuple[list[tuple[Kernel, str]], tuple[str, ...]]:
            scan = jupyter.find_kernels()
            rows = []
            for kernel in scan.kernels:
                where = next((environment for environment in environments if kernel.points_into(environment.path)), None)
                if where is not None:
                    rows.append((kernel, environment_label(where)))
                elif kernel.argv0 and not kernel.program_exists:
                    rows.append((kernel, f"gone: its Python {kernel.argv0} no longer exists"))
            return rows, scan.problems

        def done(result: tuple[list[tuple[Kernel, str]], tuple[str, ...]]) -> None:
            rows, problems = result
            for problem in problems:
                self.log_view.note(problem)
            if rows:
                intro = (
                    f"{len(rows)} Jupyter kernel{'s' if len(rows) != 1 else ''} point into your environments."
                    " Removing one moves its folder to the trash; Jupyter then stops offering it."
                )
            else:
                intro = "No Jupyter kernel points into your environments yet. Select one and choose “Use this environment in Jupyter”."
            dialog.set_kernels(rows, intro)
            self.kernels_listed.emit()

        run_in_background(read, done, self._background_failed("read Jupyter's kernels"), context=dialog)

    def remove_kernels(self, kernels: Sequence[Kernel]) -> None:
        """Move the kernels' folders to the trash (off the UI thread), then say so."""
        chosen = list(kernels)

        def done(moved: list[tuple[Kernel, str]]) -> None:
            names = ", ".join(f"“{kernel.display_name}”" for kernel, _trashed in moved)
            for kernel, trashed in moved:
                self.log_view.note(f"Moved the Jupyter kernel {kernel.folder} to the trash ({trashed}).")
            self.message_bar.show_message(
                f"The Jupyter kernel{'s' if len(moved) != 1 else ''} {names} {'were' if len(moved) != 1 else 'was'}"
                " moved to the trash; Jupyter no longer offers it. You can restore it from the trash.",
                Level.SUCCESS,
            )
            self.kernels_removed.emit([trashed for _kernel, trashed in moved])
            self._reload_kernels()

        def failed(exc: BaseException, formatted: str) -> None:
            if isinstance(exc, UserFacingError):
                self.show_error(exc)
            else:
                self.show_error(UserFacingError("Venvdesk could not remove the Jupyter kernel.", str(exc), detail=formatted))
            self._reload_kernels()

        run_in_background(lambda: _move_to_trash(chosen), done, failed, context=self)

    def _environment_deleted(self, path: str, _trashed: str) -> None:
        """An environment went to the trash: offer to remove the kernels that still point into it."""
        name = Path(path).name
        if name in ("", ".venv", "venv", "env"):
            name = Path(path).parent.name or name

        def found(kernels: list[Kernel]) -> None:
            if not kernels:
                return
            if len(kernels) == 1:
                what = f"Its Jupyter kernel “{kernels[0].display_name}” still points into it"
                label = "Remove the kernel"
            else:
                what = f"{len(kernels)} Jupyter kernels still point into it"
                label = "Remove the kernels"
            self.message_bar.show_message(
                f"“{name}” was moved to the trash. {what}, and Jupyter would fail to start it.",
                Level.SUCCESS,
                actions=[MessageAction(label, lambda: self.remove_kernels(kernels))],
            )

        run_in_background(
            lambda: jupyter.find_kernels().pointing_into(path), found, self._background_failed("read Jupyter's kernels"), context=self
        )

    # -- How to use this environment ---------------------------------------------------------------

    def show_how_to_use(self) -> None:
        environment = self._selected()
        if environment is None:
            return
        from gui.dialogs.usage import HowToUseDialog

        dialog = HowToUseDialog(
            environment_label(environment),
            str(environment.python),
            usage.activation_lines(environment),
            self.window,
            activation_warning=activation_warning(environment.path),
        )
        dialog.run_file_requested.connect(lambda path: self.run_file(path, environment))
        dialog.stop_requested.connect(self.stop_runs)
        dialog.find_requested.connect(self.find_module)
        dialog.script_chosen.connect(self.check_script)
        dialog.install_requested.connect(self.install_offer)
        dialog.kernels_requested.connect(self.show_kernels)
        self.how_to_use_dialog = dialog
        self._dialog_environment = environment
        dialog.open()
        python = environment.python
        run_in_background(
            lambda: usage.editors_found(python),
            lambda editors: dialog.set_editors([editor.how for editor in editors]),
            self._background_failed("look for editors"),
            context=dialog,
        )

    def _target(self) -> Environment | None:
        """The environment the page is about (else the selected one)."""
        dialog = self.how_to_use_dialog
        if dialog is not None and dialog.isVisible() and self._dialog_environment is not None:
            return self._dialog_environment
        return self.current.environment if self.current.usable else None

    def run_file(self, path: str, environment: Environment | None = None) -> Operation | None:
        """Run ``path`` with the environment's Python, through the runner (output in the Log, Cancel stops it)."""
        environment = environment or self._target()
        if environment is None:
            self.message_bar.show_message("Select a working environment in the list first.", Level.INFO)
            return None
        try:
            operation = usage.run_file_operation(environment, path)
        except UserFacingError as error:
            self.show_error(error)
            return None
        waits = self.operations.runner.is_busy(operation.key)
        if self.operations.submit(operation) is None:
            return None
        self._runs[operation.id] = operation
        name = Path(path).name
        label = environment_label(environment)
        if waits:
            text = f"{name} runs with “{label}”'s Python once the work running on “{label}” has finished."
        else:
            text = f"Running {name} with “{label}”'s Python; its output is in the Log. Cancel in the status bar stops it."
        self.message_bar.show_message(text, Level.INFO)
        if self.how_to_use_dialog is not None:
            self.how_to_use_dialog.set_running(f"Running {name}… (output in the Log)", True)
        return operation

    def stop_runs(self) -> None:
        for operation in list(self._runs.values()):
            self.log_view.note(f"Stopping {operation.title}…")
            self.operations.runner.cancel(operation)

    def _run_finished(self, outcome: Outcome) -> None:
        text = usage.run_file_ending(outcome)
        level = {Status.OK: Level.SUCCESS, Status.CANCELLED: Level.INFO}.get(outcome.status, Level.WARNING)
        error = usage.last_error_line(outcome.tail) if outcome.status is Status.FAILED else ""
        actions = []
        if error and usage.module_in_error(error):
            actions.append(MessageAction("Which environment has it?", lambda: self.find_module(error)))
        elif usage.asked_for_input(outcome):
            command = usage.terminal_command(outcome)
            if command:
                actions.append(MessageAction("Copy the command", lambda: self._copy_command(command)))
        self.message_bar.show_message(text, level, outcome.detail() if outcome.status is not Status.OK else "", actions=actions)
        if self.how_to_use_dialog is not None:
            self.how_to_use_dialog.set_running(text, bool(self._runs))
        self.run_ended.emit(outcome)

    def _copy_command(self, command: str) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(command)
        self.message_bar.show_message(
            f"Copied: {command}. Paste it into a terminal; there you can type what the program asks for.", Level.INFO
        )

    # -- "I installed it but my code still can't find it" ----------------------------------------

    def find_module(self, text: str) -> None:
        """Which known environments have the module ``text`` (an error, a line of code) names."""
        self._answer_with(
            lambda environments, current, editors, known: usage.answer_for_error(text, environments, current, editors, known)
        )

    def check_script(self, path: str) -> None:
        """Which known environments have every package the script ``path`` imports."""
        script = Path(path)
        self._answer_with(
            lambda environments, current, editors, known: usage.answer_for_script(script, environments, current, editors, known)
        )

    def _answer_with(
        self,
        answer: Callable[[list[Environment], Environment | None, list[usage.Editor], usage.ProjectLookup], Answer],
    ) -> None:
        environments = self.known_environments()
        current = self._target()
        if self.how_to_use_dialog is not None:
            self.how_to_use_dialog.show_searching()
        full_list = self.search_index()
        index_url = self.current.index_url()

        def work() -> Answer:
            editors = usage.editors_found(current.python if current is not None else "")
            known = usage.index_lookup(index_url, full_list.lookup if full_list is not None else None)
            return answer(environments, current, editors, known)

        def failed(exc: BaseException, formatted: str) -> None:
            text = f"Venvdesk could not read what it needed to answer: {exc}"
            if self.how_to_use_dialog is not None and self.how_to_use_dialog.isVisible():
                self.how_to_use_dialog.show_answer(text)
            self.show_error(UserFacingError("Venvdesk could not find which environment has it.", str(exc), detail=formatted))

        run_in_background(work, self._answered, failed, context=self)

    def _answered(self, answer: Answer) -> None:
        self._offer = answer
        install_label = ""
        if answer.install and answer.target is not None:
            install_label = f"Install {', '.join(answer.install)} into “{environment_label(answer.target)}”"
        dialog = self.how_to_use_dialog
        if dialog is not None and dialog.isVisible():
            dialog.show_answer(answer.text, install_label)
        else:
            actions = [MessageAction(install_label, self.install_offer)] if install_label else []
            self.message_bar.show_message(answer.text, Level.INFO, actions=actions)
        self.answered.emit(answer.text)

    def install_offer(self) -> Operation | None:
        answer = self._offer
        if answer is None or not answer.install or answer.target is None:
            return None
        specs = list(answer.install)
        return self.packages.install(
            specs, f"Installing {', '.join(specs)} into “{environment_label(answer.target)}”", environment=answer.target
        )

    # -- endings -----------------------------------------------------------------------------------

    def _ended(self, outcome: Outcome) -> None:
        operation_id = outcome.operation.id
        if operation_id in self._after_install:
            survey = self._after_install.pop(operation_id)
            if outcome.ok:
                self._register(survey)
            else:
                self._install_ended_badly(outcome, survey)
        elif operation_id in self._registering:
            self._registered(outcome, self._registering.pop(operation_id))
        elif operation_id in self._runs and isinstance(outcome.intent, RunPythonFile):
            del self._runs[operation_id]
            self._run_finished(outcome)

    def _install_ended_badly(self, outcome: Outcome, survey: JupyterSurvey) -> None:
        """Installing ipykernel did not work: say that the environment is not ready for Jupyter, in
        front of the install's own explanation (which the changes controller shows once it is worked out)."""
        label = environment_label(survey.environment)
        if outcome.status is Status.CANCELLED:
            sentence = f"“{label}” was not made ready for Jupyter: installing ipykernel was cancelled."
        else:
            sentence = (
                f"“{label}” could not be made ready for Jupyter: installing ipykernel, which Jupyter needs to run"
                " code there, did not work."
            )
        self.log_view.note(sentence)
        if self._changes is None:  # nobody else explains it: say what is known
            self.message_bar.show_message(f"{sentence} {outcome}", Level.ERROR, outcome.detail())
            return
        self._install_endings[outcome.operation.id] = (sentence, outcome)

    def _change_reported(self, report: object) -> None:
        outcome = getattr(report, "outcome", None)
        if not isinstance(outcome, Outcome):
            return
        ending = self._install_endings.pop(outcome.operation.id, None)
        if ending is None:
            return
        self._jupyter_ending = ending
        if not self._put_ending_in_front():
            self._jupyter_ending = None  # the explanation is not on screen (another environment is shown)

    def _message_shown(self, _text: str) -> None:
        # The explanation can be shown again, refined (an older version that fits, the index's answer):
        # the ending goes in front of it again.  Any other message ends the watch.
        if self._jupyter_ending is not None and not self._put_ending_in_front():
            self._jupyter_ending = None

    def _forget_jupyter_ending(self, _operation: object = None) -> None:
        self._jupyter_ending = None

    def _put_ending_in_front(self) -> bool:
        """Put the Jupyter ending in front of the message about its install, if that is on screen."""
        assert self._jupyter_ending is not None
        sentence, outcome = self._jupyter_ending
        bar = self.message_bar
        detail = outcome.detail()
        about_it = bar.isVisible() and bar.level is not Level.SUCCESS and (
            (bool(detail) and detail in bar.detail) or bar.text().startswith(outcome.operation.title)
        )
        if not about_it:
            return False
        text = bar.text()
        if not text.startswith(sentence):
            # The text only: the explanation's buttons (its fix, Undo) and Details stay as they are.
            bar.text_label.setText(f"{sentence} {text}")
        return True

    def _background_failed(self, what: str) -> Callable[[BaseException, str], None]:
        def show(exc: BaseException, formatted: str) -> None:
            self.show_error(UserFacingError(f"Venvdesk could not {what}.", str(exc), detail=formatted))

        return show

    def show_error(self, error: UserFacingError) -> None:
        show_error(self.message_bar, self.log_view, error)
