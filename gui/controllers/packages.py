"""Package verbs: install, upgrade, uninstall, repair, requirements in and out.

The controller listens to what the views ask for (the Installed tab's buttons,
Find packages' Install), validates through core, asks the installer backend
for the commands (``core.plans``) and submits them; the common ending is the
operations controller's.  It finishes the one intent whose result is its own:
writing a requirements file after ``pip freeze``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from core import plans
from core.environments import Environment
from core.errors import InvalidInput, UserFacingError
from core.names import canonical_name
from core.operations import Operation, Outcome, SaveRequirements
from core.packages import InstalledPackage
from gui import icons
from gui.controllers import show_error
from gui.controllers.operations import OperationsController
from gui.current_environment import CurrentEnvironment
from gui.dialogs import confirmations
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.packages_panel import PackagesPanel
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.requirements import CheckedRequirements


class PackageController(QObject):
    requirements_saved = Signal(str)  # file path
    requirements_read = Signal(str)  # file path: checked (and either refused, asked about, or submitted)

    def __init__(
        self,
        operations: OperationsController,
        current: CurrentEnvironment,
        message_bar: MessageBar,
        log_view: LogView,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self.operations = operations
        self.current = current
        self.message_bar = message_bar
        self.log_view = log_view
        self.parent_widget = parent_widget
        self.panel: PackagesPanel | None = None
        self.uninstall_warning_box: QMessageBox | None = None
        self.requirements_options_box: QMessageBox | None = None
        self.overwrite_box: QMessageBox | None = None

        self.requirements_menu = QMenu(parent_widget)
        self.save_requirements_action = self._action(
            "Save requirements…", "saveRequirementsAction", "save-requirements", self.save_requirements
        )
        self.install_requirements_action = self._action(
            "Install from requirements…", "installRequirementsAction", "load-requirements", self.choose_requirements_file
        )
        operations.ended.connect(self._ended)
        operations.queue_changed.connect(self._queue_changed)
        current.changed.connect(self._set_state)
        self._set_state()

    def _action(self, text: str, name: str, icon: str, slot: object) -> QAction:
        action = self.requirements_menu.addAction(text)
        action.setObjectName(name)
        icons.set_action_icon(action, icon)
        action.triggered.connect(slot)
        return action

    def attach(self, panel: PackagesPanel) -> None:
        """Carry out what the Installed tab asks for, and keep its queue up to date."""
        self.panel = panel
        panel.install_requested.connect(self.install_from_text)
        panel.upgrade_requested.connect(self.upgrade)
        panel.upgrade_all_requested.connect(
            lambda names: self.install(names, f"Upgrading {len(names)} outdated package(s)", upgrade=True)
        )
        panel.uninstall_requested.connect(self.uninstall_chosen)
        panel.unqueue_requested.connect(lambda operation_id: self.operations.remove_queued(self.current.key, operation_id))
        self._queue_changed(self.current.key)

    def _set_state(self) -> None:
        usable = self.current.usable
        self.save_requirements_action.setEnabled(usable)
        self.install_requirements_action.setEnabled(usable)
        self._queue_changed(self.current.key)

    def _queue_changed(self, key: str) -> None:
        if self.panel is not None and key == self.current.key:
            self.panel.show_queue(self.operations.pending(key))

    def _environment(self) -> Environment | None:
        return self.current.environment if self.current.usable else None

    # -- installing and removing -------------------------------------------------------------

    def install_from_text(self, text: str) -> Operation | None:
        """What the person typed in the Install box: one requirement, checked before pip sees it."""
        from core.requirements import parse_install_spec

        if self._environment() is None:
            return None
        try:
            requirement = parse_install_spec(text)
        except InvalidInput as error:
            if self.panel is not None:
                self.panel.show_install_error(" ".join(filter(None, [error.message, error.hint])))
            return None
        if self.panel is not None:
            self.panel.install_edit.clear()
        spec = str(requirement)
        return self.install([spec], f"Installing {spec}")

    def install(
        self, specs: Sequence[str], title: str, *, upgrade: bool = False, reinstall: bool = False, description: str = ""
    ) -> Operation | None:
        environment = self._environment()
        if environment is None or not specs:
            return None
        backend = self.operations.backend(environment)
        return self.operations.submit(
            plans.install(
                environment, backend, specs, title=title, upgrade=upgrade, reinstall=reinstall, description=description
            )
        )

    def install_release(self, name: str, version: str) -> Operation | None:
        """Exactly this release (Find packages): an install, upgrade, downgrade or reinstall."""
        environment = self._environment()
        if environment is None:
            return None
        installed = self.current.installed_version(canonical_name(name))
        return self.operations.submit(
            plans.install_release(environment, self.operations.backend(environment), name, version, installed=installed)
        )

    def upgrade(self, names: list[str]) -> Operation | None:
        return self.install(names, f"Upgrading {', '.join(names)}", upgrade=True)

    def uninstall_chosen(self, chosen: list[InstalledPackage]) -> None:
        """Uninstall, after asking when other installed packages need some of them."""
        if not chosen or self._environment() is None:
            return
        removing = {p.key for p in chosen}
        needed: dict[str, list[str]] = {}
        for package in chosen:
            users = [name for name in self._dependents_of(package) if canonical_name(name) not in removing]
            if users:
                needed[package.name] = users
        if not needed:
            self.uninstall([p.name for p in chosen])
            return
        unneeded = [p.name for p in chosen if p.name not in needed]
        self.uninstall_warning_box = confirmations.uninstall_needed_packages(
            self.parent_widget,
            needed,
            unneeded,
            on_anyway=lambda: self.uninstall([p.name for p in chosen]),
            on_only_unneeded=lambda: self.uninstall(unneeded),
        )

    def _dependents_of(self, package: InstalledPackage) -> list[str]:
        from core.packages import required_by

        return sorted(required_by(self.current.packages).get(package.key, []), key=str.lower)

    def uninstall(self, names: list[str]) -> Operation | None:
        environment = self._environment()
        if environment is None or not names:
            return None
        return self.operations.submit(plans.uninstall(environment, self.operations.backend(environment), names))

    # -- requirements files ------------------------------------------------------------------

    def default_requirements_path(self) -> Path:
        environment = self.current.environment
        folder = environment.project_folder if environment is not None and environment.is_project_environment else Path.home()
        return folder / "requirements.txt"

    def save_requirements(self) -> None:
        if self._environment() is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self.parent_widget, "Save requirements", str(self.default_requirements_path()), "Requirements (*.txt)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.save_requirements_to(Path(path))

    def save_requirements_to(self, path: Path, *, overwrite: bool = False) -> Operation | None:
        """List what is installed (``pip freeze``) and write it to ``path`` (asks before replacing a file)."""
        environment = self._environment()
        if environment is None:
            return None
        if path.exists() and not overwrite:
            self.overwrite_box = confirmations.replace_file(
                self.parent_widget, path, on_replace=lambda: self.save_requirements_to(path, overwrite=True)
            )
            return None
        backend = self.operations.backend(environment)
        return self.operations.submit(plans.save_requirements(environment, backend, path, overwrite=overwrite))

    def choose_requirements_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self.parent_widget, "Install from requirements", str(self.default_requirements_path().parent),
            "Requirements (*.txt);;All files (*)",
        )
        if path:
            self.install_requirements_file(Path(path))

    def install_requirements_file(self, path: Path, *, environment: Environment | None = None) -> None:
        """Read and check the file (off the UI thread), confirm lines that change where code comes from, then install it.

        ``requirements_read`` is emitted once the file is checked (whatever the verdict).
        """
        from core.requirements import check_requirements_file

        target = environment or self._environment()
        if target is None:
            return

        def failed(exc: BaseException, formatted: str) -> None:
            if isinstance(exc, UserFacingError):
                self.message_bar.show_message(str(exc), Level.ERROR, exc.detail)
            else:
                show_error(
                    self.message_bar,
                    self.log_view,
                    UserFacingError(f"Venvdesk could not read {path.name}.", str(exc), detail=formatted),
                )
            self.requirements_read.emit(str(path))

        run_in_background(
            lambda: check_requirements_file(path), lambda checked: self._requirements_checked(path, checked, target), failed,
            context=self,
        )

    def _requirements_checked(self, path: Path, checked: CheckedRequirements, environment: Environment) -> None:
        if not checked.ok:
            self.message_bar.show_message(
                f"{path.name} has lines Venvdesk cannot read, so nothing was installed. {checked.errors}",
                Level.ERROR,
                checked.errors,
            )
        elif checked.changes_sources:
            self.requirements_options_box = confirmations.requirements_change_sources(
                self.parent_widget,
                path,
                checked.options,
                on_install=lambda: self._install_checked(path, checked, environment),
            )
        else:
            self._install_checked(path, checked, environment)
        self.requirements_read.emit(str(path))

    def _install_checked(self, path: Path, checked: CheckedRequirements, environment: Environment) -> Operation | None:
        backend = self.operations.backend(environment)
        return self.operations.submit(plans.install_requirements(environment, backend, path, checked.specs))

    # -- outcomes that are this controller's to finish ---------------------------------------

    def _ended(self, outcome: Outcome) -> None:
        if isinstance(outcome.intent, SaveRequirements):
            self._requirements_listed(outcome, outcome.intent)

    def _requirements_listed(self, outcome: Outcome, intent: SaveRequirements) -> None:
        from core.requirements import write_requirements_file

        if not outcome.ok:
            self.message_bar.show_message(
                f"Could not list the installed packages for {intent.path.name}.", Level.ERROR, outcome.detail()
            )
            return
        if outcome.stdout_cut:
            self.message_bar.show_message(
                f"The list of installed packages was too long to keep whole, so {intent.path.name} was not written.",
                Level.ERROR,
                outcome.detail(),
            )
            return
        try:
            write_requirements_file(intent.path, outcome.stdout, overwrite=intent.overwrite)
        except UserFacingError as error:  # exists already, or cannot be written
            self.message_bar.show_message(str(error), Level.ERROR, error.detail)
            return
        count = len([line for line in outcome.stdout.splitlines() if line.strip()])
        self.message_bar.show_message(f"Saved {count} package version(s) to {intent.path}.", Level.SUCCESS)
        self.requirements_saved.emit(str(intent.path))
