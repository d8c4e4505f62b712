"""Find missing packages: what a project's code imports that its environment lacks (issue 12).

``scan_action`` (Project ▸ Find missing packages…) reads the project's Python files, asks the
environment's own Python for its standard library, and compares with what is installed — all
off the UI thread (:func:`core.code_imports.check_project`), while the message bar says
"Reading your code…".  Nothing missing is a sentence in the message bar; otherwise the
missing-packages dialog lists the packages to install.  Its Install goes through the package
controller like every install (dry run, live Log, Cancel, explanations, Undo), into the
environment that was scanned, after adding the packages to requirements.txt when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from core.code_imports import (
    REQUIREMENTS_FILE,
    MissingPackages,
    Summary,
    add_to_requirements,
    check_project,
    join_words,
    summarize,
)
from core.environments import Environment
from core.errors import UserFacingError
from gui.controllers import show_error
from gui.controllers.packages import PackageController
from gui.current_environment import CurrentEnvironment
from gui.dialogs.missing_packages import MissingPackagesDialog
from gui.log_view import LogView
from gui.message_bar import Level, MessageAction, MessageBar
from gui.workers import run_in_background

READING_TEXT = "Reading your code…"


class MissingPackagesController(QObject):
    # The reading ended (the answer is back from the worker); emitted before the answer is shown.
    scanned = Signal(object)  # MissingPackages

    def __init__(
        self,
        current: CurrentEnvironment,
        packages: PackageController,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
        project_folder: Callable[[], Path | None],
    ) -> None:
        super().__init__(window)
        self.current = current
        self.packages = packages
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.project_folder = project_folder
        # The full index of project names when it is loaded (a ``SearchIndex``: ``lookup(name)``),
        # else None: then the popular names shipped with the app are asked, and a module the
        # import-name table does not know is taken as its own package name.  The window connects
        # it to the Find tab's index.
        self.search_index: Callable[[], Any] = lambda: None
        self.dialog: MissingPackagesDialog | None = None
        self.last_result: MissingPackages | None = None
        self._scanning = False
        self.scan_action = QAction("Find missing packages…", window)
        self.scan_action.setObjectName("scanImportsAction")
        self.scan_action.setToolTip("Read your project's code and install the packages it imports that this environment lacks")
        self.scan_action.triggered.connect(self.scan)
        window.addAction(self.scan_action)
        current.changed.connect(self._set_state)
        self._set_state()

    def _set_state(self) -> None:
        self.scan_action.setEnabled(self.current.usable and not self._scanning)

    # -- which folder, which environment ------------------------------------------------------

    def _folder_for(self, environment: Environment) -> Path | None:
        """The selected project's folder; else the project around the environment; else ask."""
        folder = self.project_folder()
        if folder is not None:
            return folder
        if environment.project_folder != environment.path:
            return environment.project_folder
        chosen = QFileDialog.getExistingDirectory(self.window, "Which folder is your code in?", str(Path.home()))
        return Path(chosen) if chosen else None

    def scan(self) -> None:
        """Find missing packages for the selected environment and its project."""
        environment = self.current.environment if self.current.usable else None
        if environment is None or self._scanning:
            return
        folder = self._folder_for(environment)
        if folder is not None:
            self.scan_folder(environment, folder)

    def scan_folder(self, environment: Environment, folder: Path) -> None:
        """Read the code in ``folder`` (off the UI thread) and tell what ``environment`` lacks."""
        self._scanning = True
        self._set_state()
        self.message_bar.show_message(READING_TEXT, Level.INFO)
        self.log_view.note(f"Reading the Python files in {folder} to find what they import.")
        full_index = self.search_index()

        def work() -> tuple[MissingPackages, bool, Summary]:
            index, complete = full_index, True
            if index is None:
                from gui.controllers.changes import snapshot_search_index

                index, complete = snapshot_search_index(), False
            result = check_project(
                folder,
                environment.python,
                environment.site_packages(),
                known_project=index.lookup,
                index_complete=complete,
            )
            # What the dialog shows is worked out here too: thousands of modules must not cost the UI thread.
            return result, (folder / REQUIREMENTS_FILE).exists(), summarize(result)

        def done(answer: tuple[MissingPackages, bool, Summary]) -> None:
            self.scanned.emit(answer[0])
            self._finish_scan()
            self._show(environment, folder, *answer)

        def failed(exc: BaseException, formatted: str) -> None:
            self._finish_scan()
            error = exc if isinstance(exc, UserFacingError) else UserFacingError(
                f"Venvdesk could not read the code in {folder} ({exc}).",
                "Try again; if it keeps happening, copy the Log and send it to someone helping you.",
                reference="code-scan-failed",
                detail=formatted,
            )
            show_error(self.message_bar, self.log_view, error)

        run_in_background(work, done, failed, context=self)

    def _finish_scan(self) -> None:
        self._scanning = False
        self._set_state()
        if self.message_bar.text() == READING_TEXT:
            self.message_bar.clear()

    # -- the answer --------------------------------------------------------------------------

    def _show(
        self, environment: Environment, folder: Path, result: MissingPackages, requirements_exists: bool, summary: Summary
    ) -> None:
        self.last_result = result
        sentence = summary.sentence
        found_notes = list(summary.notes)
        self.log_view.note(" ".join([sentence, *found_notes, summary.more_sentence()]).strip())
        if not (result.missing or result.unknown or result.python2_only):
            present = ", ".join(
                f"{module.module} ({module.installed_as})" for module in result.present
            )
            detail = "\n".join([*found_notes, *([f"Imported and installed: {present}."] if present else [])])
            level = Level.SUCCESS if result.scan.files else Level.INFO
            self.message_bar.show_message(sentence, level, detail)
            return
        dialog = MissingPackagesDialog(
            result, environment.name, folder / REQUIREMENTS_FILE, requirements_exists, self.window, summary=summary
        )
        dialog.install_requested.connect(
            lambda projects, add: self.install(environment, folder, list(projects), add_to_file=bool(add))
        )
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        if self.dialog is not None:
            self.dialog.reject()  # an older answer is out of date
        self.dialog = dialog
        # Shown in the next turn of the event loop: building it and laying it out on screen are two
        # short stops of the UI thread instead of one longer one.
        QTimer.singleShot(0, dialog, lambda: self._open(dialog))

    def _open(self, dialog: MissingPackagesDialog) -> None:
        if self.dialog is dialog:
            dialog.open()

    def _dialog_closed(self, dialog: MissingPackagesDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def install(self, environment: Environment, folder: Path, projects: Sequence[str], *, add_to_file: bool) -> None:
        """Install ``projects`` into ``environment``, first adding them to the project's requirements.txt if asked."""
        projects = list(projects)
        if not projects:
            return
        if not add_to_file:
            self._submit_install(environment, projects)
            return
        path = folder / REQUIREMENTS_FILE

        def added(lines: list[str]) -> None:
            if lines:
                self.log_view.note(f"Added {join_words(lines)} to {path}.")
            else:
                self.log_view.note(f"{path} already names {join_words(projects)}; it was left as it was.")
            self._submit_install(environment, projects)

        def failed(exc: BaseException, formatted: str) -> None:
            error = exc if isinstance(exc, UserFacingError) else UserFacingError(
                f"{path} could not be changed ({exc}).", f"Add these lines to it yourself: {', '.join(projects)}.",
                reference="requirements-unwritable", detail=formatted,
            )
            # The install waits for the person: the failure stays in view until they choose.
            self.message_bar.show_message(
                str(error),
                Level.ERROR,
                error.detail,
                actions=[MessageAction(f"Install {join_words(projects, 3)}", lambda: self._submit_install(environment, projects))],
            )
            self.log_view.note(f"Error: {error}")

        run_in_background(lambda: add_to_requirements(path, projects), added, failed, context=self)

    def _submit_install(self, environment: Environment, projects: list[str]) -> None:
        self.packages.install(projects, f"Installing {join_words(projects, 5)}", environment=environment, preview=True)
