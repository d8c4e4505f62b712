"""Projects: a folder the person works in, and the environment it uses.

Open project folder… (a folder dialog, the welcome page's button, a folder dropped on the
window, ``venvdesk PATH``) reads the folder off the UI thread and shows the project page: what
was found, the Python, the requirement sources.  "Set up this project" makes ``<project>/.venv``
through the creation controller (the same live log, cancel, explanations and undo as every
creation) and installs what was checked; an environment already in the folder is used instead.
Projects are remembered in the registry with the environment each uses ("Use another
environment for this project…" changes it), and can be opened in the editors found on PATH.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.editors import KNOWN_EDITORS, Editor, find_editors
from core.environments import Environment, EnvironmentRegistry, validate_new_environment
from core.errors import UserFacingError
from core.operations import CreateEnvironment, Outcome
from core.projects import (
    PROJECT_ENVIRONMENT,
    FoundEnvironment,
    ProjectScan,
    SetupChoice,
    home_folder_role,
    scan_project,
)
from gui import icons
from gui.controllers import show_error
from gui.dialogs import confirmations
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.project_page import ChooseEnvironmentDialog, ProjectPage
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.interpreters import Interpreter
    from gui.controllers.creation import CreationController
    from gui.controllers.environments import EnvironmentController
    from gui.controllers.packages import PackageController
    from gui.models.environments import EnvironmentEntry
    from gui.runner import ProcessRunner

# objectNames of the "Open in …" actions, by editor name.
EDITOR_ACTION_NAMES = {"VS Code": "openInVsCodeAction", "PyCharm": "openInPyCharmAction", "Thonny": "openInThonnyAction"}


class ProjectController(QObject):
    # (visible, bring to front): the window shows or hides the Project tab.
    page_wanted = Signal(bool, bool)
    # After a project was set up: the window shows the Installed tab.
    packages_wanted = Signal()
    editors_found = Signal()
    scanned = Signal(object)  # ProjectScan, whenever a project folder was read

    def __init__(
        self,
        window: QWidget,
        registry: EnvironmentRegistry,
        environments: EnvironmentController,
        creation: CreationController,
        packages: PackageController,
        runner: ProcessRunner,
        message_bar: MessageBar,
        log_view: LogView,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.registry = registry
        self.environments = environments
        self.creation = creation
        self.packages = packages
        self.runner = runner
        self.message_bar = message_bar
        self.log_view = log_view
        self.editors: dict[str, Editor] = {}
        self.use_environment_dialog: ChooseEnvironmentDialog | None = None
        self._scans: dict[str, ProjectScan] = {}
        self._scanning: set[str] = set()
        self._bring_to_front = ""  # the folder just opened: its page comes to the front once listed
        self._setting_up: dict[str, str] = {}  # target .venv -> project folder
        # The questions asked before opening the home folder or setting up (kept for tests and to stay open).
        self.question_box: QMessageBox | None = None

        self.open_action = QAction("Open project folder…", window)
        self.open_action.setObjectName("openProjectAction")
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        icons.set_action_icon(self.open_action, "open-folder")
        self.open_action.triggered.connect(lambda _checked=False: self.open_project())
        window.addAction(self.open_action)
        self.use_environment_action = QAction("Use another environment for this project…", window)
        self.use_environment_action.setObjectName("useEnvironmentAction")
        self.use_environment_action.triggered.connect(lambda _checked=False: self.use_another_environment())
        window.addAction(self.use_environment_action)
        self.editor_actions: dict[str, QAction] = {}
        for name, _programs, _picks in KNOWN_EDITORS:
            action = QAction(f"Open in {name}", window)
            action.setObjectName(EDITOR_ACTION_NAMES[name])
            action.setVisible(False)  # until the editor is found on PATH
            action.triggered.connect(lambda _checked=False, editor=name: self.open_in_editor(editor))
            window.addAction(action)
            self.editor_actions[name] = action

        self.page = ProjectPage([self.use_environment_action, *self.editor_actions.values()])
        self.page.set_up_requested.connect(self.set_up)
        self.page.install_requested.connect(self.install_into_environment)
        environments.entry_selected.connect(self._entry_selected)
        creation.interpreters_loaded.connect(
            lambda: self.page.set_interpreters(creation.interpreters, loading=creation.interpreters_loading)
        )
        creation.creation_finished.connect(self._creation_finished)
        self._set_state()

    def menu_actions(self) -> list[QAction | None]:
        """The Project menu, in order (None is a separator)."""
        return [self.open_action, None, self.use_environment_action, *self.editor_actions.values()]

    def find_editors(self) -> None:
        """Look for VS Code, PyCharm and Thonny on PATH (off the UI thread); their actions appear when found."""

        def found(editors: list[Editor]) -> None:
            self.editors = {editor.name: editor for editor in editors}
            for name, action in self.editor_actions.items():
                action.setVisible(name in self.editors)
            self._set_state()
            self.editors_found.emit()

        def failed(exc: BaseException, formatted: str) -> None:
            self.log_view.note(f"Could not look for code editors on PATH ({exc}).")
            self.editors_found.emit()

        run_in_background(find_editors, found, failed, context=self)

    # -- what is selected --------------------------------------------------------------------

    def current_entry(self) -> EnvironmentEntry | None:
        entry = self.environments.selected_entry()
        return entry if entry is not None and entry.project is not None else None

    def current_project_folder(self) -> Path | None:
        """The project folder of the selected row, if it is a project."""
        entry = self.current_entry()
        return entry.project.folder if entry is not None and entry.project is not None else None

    def _set_state(self) -> None:
        entry = self.current_entry()
        self.use_environment_action.setEnabled(entry is not None)
        folder = self._editor_folder()
        for action in self.editor_actions.values():
            action.setEnabled(folder is not None)

    def _editor_folder(self) -> Path | None:
        folder = self.current_project_folder()
        if folder is not None:
            return folder
        entry = self.environments.selected_entry()
        if entry is not None and entry.environment.is_project_environment:
            return entry.environment.project_folder
        return None

    def _entry_selected(self, entry: EnvironmentEntry | None) -> None:
        self._set_state()
        if entry is None or entry.project is None:
            self.page_wanted.emit(False, False)
            return
        folder = str(entry.project.folder)
        scan = self._scans.get(folder)
        if scan is not None:
            self.page.show_project(self._without_the_one_being_made(scan), entry)
        elif self.page.scan is None or str(self.page.scan.folder) != folder:
            self.page.show_looking(entry.project.folder)
            self.page.set_entry(entry)
        bring = folder == self._bring_to_front or not entry.set_up
        if folder == self._bring_to_front:
            self._bring_to_front = ""
        self.page.set_busy(folder in self._setting_up.values())
        self.page_wanted.emit(True, bring)
        self._scan(entry.project.folder)

    # -- opening a folder --------------------------------------------------------------------

    def open_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open project folder")
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | os.PathLike[str]) -> None:
        """Read ``folder`` (off the UI thread), remember it as a project and show its page.

        The home folder (or one holding it) is opened only after the person read what that means.
        """
        path = Path(folder).expanduser()
        path = Path(os.path.abspath(path))
        role = home_folder_role(path)
        if role and self.registry.project(path) is None:
            self.question_box = confirmations.home_folder_as_project(
                self.window, path, role == "holds home", on_open=lambda: self._open(path)
            )
            return
        self._open(path)

    def _open(self, path: Path) -> None:
        self.page.show_looking(path)
        self.page_wanted.emit(True, True)
        self.log_view.note(f"Opening the project folder {path}")

        def failed(exc: BaseException, formatted: str) -> None:
            error = exc if isinstance(exc, UserFacingError) else UserFacingError(
                f"Venvdesk could not read the folder {path}.", str(exc), detail=formatted
            )
            show_error(self.message_bar, self.log_view, error)
            self._show_current_project()

        run_in_background(lambda: scan_project(path), self._opened, failed, context=self)

    def _show_current_project(self) -> None:
        """Show the page of the selected project again (a folder that could not be opened is not shown)."""
        entry = self.current_entry()
        if entry is None or entry.project is None:
            self.page_wanted.emit(False, False)
            return
        scan = self._scans.get(str(entry.project.folder))
        if scan is not None:
            self.page.show_project(self._without_the_one_being_made(scan), entry)
        else:
            self.page.show_looking(entry.project.folder)
            self.page.set_entry(entry)
            self._scan(entry.project.folder)
        self.page.set_busy(str(entry.project.folder) in self._setting_up.values())
        self.page_wanted.emit(True, False)

    def _without_the_one_being_made(self, scan: ProjectScan) -> ProjectScan:
        """``scan`` without the ``.venv`` a running set-up is making (it is not an environment yet)."""
        making = {target for target, folder in self._setting_up.items() if folder == str(scan.folder)}
        if not making or not any(str(found.path) in making for found in scan.environments):
            return scan
        return dataclasses.replace(
            scan, environments=tuple(found for found in scan.environments if str(found.path) not in making)
        )

    def _opened(self, scan: ProjectScan) -> None:
        folder = str(scan.folder)
        scan = self._without_the_one_being_made(scan)
        self._scans[folder] = scan
        self.scanned.emit(scan)
        record = self.registry.project(folder)
        recorded = record.environment if record is not None else None
        found = scan.environment
        being_set_up = folder in self._setting_up.values()
        # Its own environment was deleted (or moved) outside Venvdesk since it was last seen.
        own_gone = (
            not being_set_up
            and recorded is not None
            and recorded.parent == scan.folder
            and all(other.path.name != recorded.name for other in scan.environments)
        )
        if being_set_up:
            self._remember(folder, None)
            self.message_bar.show_message(
                f"“{scan.name}” is being set up: its environment is still being made. Follow it in the Log below;"
                " Cancel stops it.",
                Level.INFO,
            )
        elif own_gone and recorded is not None:
            self.environments.save_quietly(
                lambda: self.registry.forget_project_environment(folder, recorded), "The list of projects"
            )
            self.log_view.note(f"{recorded} is gone: “{scan.name}” is not set up any more.")
            if found is not None:
                self._adopt(scan, found, f"Its environment {recorded.name} is no longer in its folder. ")
            else:
                self._remember(folder, None)
                self.message_bar.show_message(
                    f"The environment of “{scan.name}”, {recorded.name}, is no longer in its folder: it was deleted or"
                    " moved outside Venvdesk. Click “Set up this project” on the Project tab to make a new one.",
                    Level.WARNING,
                    detail=f"Expected: {recorded}",
                )
        elif recorded is None and found is not None:
            self._adopt(scan, found)
        elif recorded is None:
            self._remember(folder, None)
            self.message_bar.show_message(
                f"Opened “{scan.name}”. Check what to install on the Project tab, then click “Set up this project”.",
                Level.INFO,
            )
        else:
            self._remember(folder, None)
            where = recorded.name if recorded.parent == scan.folder else f"“{Environment(recorded).name}”"
            self.message_bar.show_message(f"Opened “{scan.name}”. It uses {where}.", Level.INFO)
        self._bring_to_front = folder
        self.environments.refresh(select=folder)

    def _remember(self, folder: str | Path, environment: Path | None) -> None:
        self.environments.save_quietly(lambda: self.registry.remember_project(folder, environment), "The list of projects")

    def _adopt(self, scan: ProjectScan, found: FoundEnvironment, before: str = "") -> None:
        """The environment already in the project's folder becomes the one it uses; say whether it works."""
        self._remember(scan.folder, found.path)
        version = f" (Python {found.version})" if found.version else ""
        if found.problem:
            self.message_bar.show_message(
                f"{before}“{scan.name}” has an environment, {found.name}{version}, but it is broken: {found.problem}"
                " The Project tab says how to replace it.",
                Level.WARNING,
            )
        else:
            self.message_bar.show_message(
                f"{before}“{scan.name}” already has an environment, {found.name}{version}. Venvdesk uses it:"
                " nothing new was made.",
                Level.INFO,
            )

    def _scan(self, folder: Path) -> None:
        """Read the project again (off the UI thread): its files may have changed since."""
        key = str(folder)
        if key in self._scanning:
            return
        self._scanning.add(key)

        def done(scan: ProjectScan) -> None:
            self._scanning.discard(key)
            scan = self._without_the_one_being_made(scan)
            self._scans[key] = scan
            self.scanned.emit(scan)
            entry = self.current_entry()
            if entry is not None and entry.project is not None and str(entry.project.folder) == key:
                self.page.show_project(scan, entry)

        def failed(exc: BaseException, formatted: str) -> None:
            self._scanning.discard(key)
            error = exc if isinstance(exc, UserFacingError) else UserFacingError(
                f"Venvdesk could not read the project folder {folder}.", str(exc), detail=formatted
            )
            self.page.summary_label.setText(str(error))
            self.log_view.note(f"Error: {error}")

        run_in_background(lambda: scan_project(folder), done, failed, context=self)

    # -- setting up --------------------------------------------------------------------------

    def set_up(self) -> None:
        """Make ``<project>/.venv`` with the chosen Python and install what is checked (one click).

        Lines that change where code comes from are asked about first (before anything is made);
        a broken environment in the project's folder goes to the trash first, after asking.
        """
        scan = self.page.scan
        interpreter = self.page.chosen_interpreter()
        if scan is None or interpreter is None:
            self.message_bar.show_message("Choose a Python to set the project up with.", Level.INFO)
            return
        target = scan.folder / PROJECT_ENVIRONMENT
        if str(target) in self._setting_up:
            self.message_bar.show_message(f"“{scan.name}” is being set up already.", Level.INFO)
            return
        if not scan.folder.is_dir():
            show_error(self.message_bar, self.log_view, self._folder_gone(scan))
            return
        choice = self.page.choice()
        entry = self.current_entry()
        broken = (
            entry is not None and entry.project is not None and entry.set_up and not entry.health.ok
            and entry.project.folder == scan.folder
        )
        if not broken and (target / "pyvenv.cfg").is_file():  # made since the folder was read: use it
            self._use_environment(scan.folder, target)
            return
        replace = entry if broken and entry is not None and entry.environment.path.parent == scan.folder else None

        def go_on() -> None:
            if replace is None:
                self._create(scan, interpreter, choice, confirmed)
                return
            self.environments.trash_then(
                replace,
                f"Then “Set up this project” makes a new {PROJECT_ENVIRONMENT} in {scan.folder} with {interpreter.label}.",
                lambda: self._create(scan, interpreter, choice, confirmed),
            )

        asked = [
            (source, source.source_options)
            for source in scan.requirements
            if source.path in choice.requirement_files and source.source_options
        ]
        confirmed = {source.path: options for source, options in asked}
        if asked:
            self.question_box = confirmations.setup_changes_sources(
                self.window, [(source.relative, options) for source, options in asked], on_set_up=go_on
            )
            return
        go_on()

    @staticmethod
    def _folder_gone(scan: ProjectScan) -> UserFacingError:
        return UserFacingError(
            f"The folder {scan.folder} no longer exists, so “{scan.name}” was not set up. Nothing was made.",
            "It was moved, renamed or deleted: open it again from where it is now (Open project folder…).",
            reference="project-folder-gone",
        )

    def _create(
        self, scan: ProjectScan, interpreter: Interpreter, choice: SetupChoice, confirmed: dict[Path, str]
    ) -> None:
        target = scan.folder / PROJECT_ENVIRONMENT
        if str(target) in self._setting_up:
            return
        if not scan.folder.is_dir():  # it may have gone while the person was asked
            show_error(self.message_bar, self.log_view, self._folder_gone(scan))
            return
        try:
            validate_new_environment(PROJECT_ENVIRONMENT, scan.folder)
        except UserFacingError as error:
            show_error(self.message_bar, self.log_view, error)
            return
        files = choice.requirement_files
        intent = CreateEnvironment(
            scan.name,
            target,
            target.exists(),
            files[0] if files else None,
            interpreter=interpreter.path,
            prompt=scan.name,
            packages=choice.packages,
        )
        self._remember(scan.folder, None)
        self._setting_up[str(target)] = str(scan.folder)
        self.page.set_busy(True)
        if self.creation.create_project_environment(intent, interpreter, files[1:], confirmed) is None:
            self._setting_up.pop(str(target), None)
            self.page.set_busy(False)

    def _creation_finished(self, outcome: Outcome) -> None:
        intent = outcome.intent
        if not isinstance(intent, CreateEnvironment):
            return
        folder = self._setting_up.pop(str(intent.target), None)
        if folder is None:
            return
        self.page.set_busy(False)
        if outcome.ok:
            self.environments.save_quietly(
                lambda: self.registry.remember_project(folder, intent.target), "The list of projects"
            )
            self.environments.refresh(select=folder)
            self.packages_wanted.emit()
        else:
            # Nothing may point at the half-made folder that was just removed.
            self.environments.save_quietly(
                lambda: self.registry.forget_project_environment(folder, intent.target), "The list of projects"
            )
            self.environments.refresh(select=folder)

    def _use_environment(self, folder: Path, environment: Path) -> None:
        self.environments.save_quietly(lambda: self.registry.remember_project(folder, environment), "The list of projects")
        self.environments.refresh(select=str(folder))

    def install_into_environment(self) -> None:
        """Install the checked requirements into the environment the project already uses."""
        entry = self.current_entry()
        if entry is None or not entry.usable:
            return
        choice = self.page.choice()
        environment = entry.environment
        for path in choice.requirement_files:
            self.packages.install_requirements_file(path, environment=environment)
        if choice.packages:
            count = len(choice.packages)
            self.packages.install(
                list(choice.packages),
                f"Installing {count} package{'s' if count != 1 else ''} from pyproject.toml into “{entry.name}”",
                environment=environment,
            )
        self.packages_wanted.emit()

    # -- another environment -----------------------------------------------------------------

    def use_another_environment(self) -> ChooseEnvironmentDialog | None:
        entry = self.current_entry()
        if entry is None or entry.project is None:
            self.message_bar.show_message("Select a project in the list first.", Level.INFO)
            return None
        project = entry.project
        choices: list[tuple[str, Path]] = []
        seen: set[str] = set()
        for other in self.environments.model.entries():
            if not other.usable or str(other.environment.path) in seen:
                continue
            seen.add(str(other.environment.path))
            choices.append((other.name, other.environment.path))
        if not choices:
            self.message_bar.show_message(
                "Venvdesk knows no working environment yet. Set this project up, or create an environment first.",
                Level.INFO,
            )
            return None
        current = entry.environment.path if entry.set_up else None
        dialog = ChooseEnvironmentDialog(project.name, choices, current, self.window)

        def chosen() -> None:
            path = dialog.chosen()
            if path is None:
                return
            self._use_environment(project.folder, path)
            name = next((name for name, candidate in choices if candidate == path), path.name)
            self.message_bar.show_message(f"“{project.name}” now uses “{name}”.", Level.SUCCESS)

        dialog.accepted.connect(chosen)
        dialog.finished.connect(lambda _result: setattr(self, "use_environment_dialog", None))
        self.use_environment_dialog = dialog
        dialog.open()
        return dialog

    # -- editors -----------------------------------------------------------------------------

    def open_in_editor(self, name: str) -> None:
        editor = self.editors.get(name)
        folder = self._editor_folder()
        if editor is None or folder is None:
            return
        command = editor.open_command(folder)
        self.log_view.note(f"$ {command.display()}")
        if not self.runner.start_detached(command):
            self.message_bar.show_message(
                f"{name} could not be started ({editor.program}). Open the folder {folder} in it yourself.",
                Level.WARNING,
                detail=command.display(),
            )
            return
        self.message_bar.show_message(f"Opened “{folder.name}” in {name}. {editor.picks_environment}", Level.INFO)
