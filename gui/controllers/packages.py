"""Package verbs: install, upgrade, uninstall, repair, requirements in and out.

The controller listens to what the views ask for (the Installed tab's buttons,
Find packages' Install), validates through core, asks the installer backend
for the commands (``core.plans``) and submits them; the common ending is the
operations controller's.  It finishes the one intent whose result is its own:
writing a requirements file after ``pip freeze``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from core import plans
from core.backends import InstallerBackend
from core.environments import Environment, version_tuple
from core.errors import InvalidInput, UserFacingError
from core.names import canonical_name
from core.operations import (
    InstallPackages,
    Operation,
    Outcome,
    PreviewInstall,
    SaveRequirements,
    Status,
)
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
    from core.preview import Preview
    from core.requirements import CheckedRequirements


# What a fresh environment holds besides its Python: an install cannot change anything a person chose.
_INSTALLER_PACKAGES = frozenset({"pip", "setuptools", "wheel"})


@dataclass
class _Precheck:
    """An install waiting for the check of its pinned releases (``warnings`` None until it is back)."""

    operation: Operation
    backend: InstallerBackend
    warnings: list[tuple[str, str]] | None


def _with_sizes_and_wheels(
    plan: Preview, index_url: str, python_version: tuple[int, ...]
) -> tuple[Preview, dict[str, str]]:
    """(Blocking: a worker.) The plan with download sizes from the index's file lists, and for
    each requested package that would be built from source, a release with a ready-made wheel."""
    from concurrent.futures import ThreadPoolExecutor

    from core import pypi
    from core.explain import newest_wheel_release
    from core.preview import fill_sizes

    names = sorted(
        {item.name for item in plan.items if not item.direct and (item.size is None or item.builds_from_source)}
    )

    def files(name: str) -> list[dict[str, object]]:
        try:
            return pypi.project_files(index_url, name, timeout=5.0)
        except (OSError, ValueError):
            return []  # the size stays unknown; the install itself says what is wrong

    with ThreadPoolExecutor(max_workers=8) as pool:
        found = dict(zip(names, pool.map(files, names)))
    plan = fill_sizes(plan, found)
    instead = {}
    for item in plan.from_source():
        if item.requested:
            version = newest_wheel_release(found.get(item.name, []), python_version)
            if version and version != item.version:
                instead[item.name] = version
    return plan, instead


def _requested(operation: Operation) -> tuple[str, ...]:
    """What the person asked to install in ``operation`` (for installers whose plan does not say)."""
    intent = operation.intent
    return intent.specs if isinstance(intent, InstallPackages) else ()


class PackageController(QObject):
    requirements_saved = Signal(str)  # file path
    requirements_read = Signal(str)  # file path: checked (and either refused, asked about, or submitted)
    choose_version_requested = Signal(str)  # project name: show its releases (Find packages)

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
        self.install_plan_box: QMessageBox | None = None
        self.old_release_box: QMessageBox | None = None
        self._prechecks: list[_Precheck] = []  # installs waiting for the pinned-release check, in order
        self._previews: dict[int, Operation] = {}  # dry run id -> the install it is for
        # The project folder of the selected row, if it is a project (set by the window).
        self.project_folder: Callable[[], Path | None] = lambda: None

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
        return self.install([spec], f"Installing {spec}", preview=True)

    def install(
        self,
        specs: Sequence[str],
        title: str,
        *,
        upgrade: bool = False,
        reinstall: bool = False,
        description: str = "",
        preview: bool = False,
        environment: Environment | None = None,
    ) -> Operation | None:
        """Install ``specs`` (into ``environment``, else the current one).  With ``preview`` (what the person asks for in the window), first warn about a
        pinned release older than this Python and, where the install could change installed packages,
        show the backend's plan and ask.

        Returns the operation submitted now: the install, the dry run that comes before it, or None
        while the pinned-release check runs.
        """
        environment = environment or self._environment()
        if environment is None or not specs:
            return None
        backend = self.operations.backend(environment)
        operation = plans.install(
            environment, backend, specs, title=title, upgrade=upgrade, reinstall=reinstall, description=description
        )
        return self._submit_previewed(operation, backend, preview=preview)

    def _submit_previewed(self, operation: Operation, backend: InstallerBackend, *, preview: bool = True) -> Operation | None:
        """Submit an install: first a warning for a pinned release older than this Python, then the backend's
        dry run where it could change packages already installed (each asks only when it has something to say).

        Returns the operation submitted now (None while a question waits).
        """
        intent = operation.intent
        if not preview or not isinstance(intent, InstallPackages):
            return self.operations.submit(operation)
        pinned = [spec for spec in intent.specs if "==" in spec]
        if not pinned and not self._prechecks:
            return self._dry_run_then_install(operation, backend)
        # Installs leave this stage in the order they were asked for, whichever check returns first.
        precheck = _Precheck(operation, backend, None if pinned else [])
        self._prechecks.append(precheck)
        if not pinned:
            self._drain_prechecks()
            return None
        from core.compatibility import pinned_release_warning
        from core.environments import version_tuple

        index_url = self.current.index_url()
        python_version = version_tuple(Environment.load(operation.key).version)

        def warn() -> list[tuple[str, str]]:
            found = [(spec, pinned_release_warning(index_url, spec, python_version, timeout=10.0)) for spec in pinned]
            return [(spec, text) for spec, text in found if text]

        def warned(warnings: list[tuple[str, str]]) -> None:
            precheck.warnings = warnings
            self._drain_prechecks()

        def failed(exc: BaseException, formatted: str) -> None:
            self.log_view.note(f"Could not check how old the pinned release is ({exc}); installing it as asked.")
            precheck.warnings = []
            self._drain_prechecks()

        run_in_background(warn, warned, failed, context=self)
        return None

    def _drain_prechecks(self) -> None:
        while self._prechecks and self._prechecks[0].warnings is not None:
            precheck = self._prechecks.pop(0)
            operation, backend = precheck.operation, precheck.backend
            if not precheck.warnings:
                self._dry_run_then_install(operation, backend)
                continue
            spec, text = precheck.warnings[0]
            name = spec.split("==", 1)[0].strip()
            self.old_release_box = confirmations.old_release(
                self.parent_widget,
                text,
                on_install=functools.partial(self._dry_run_then_install, operation, backend),
                on_choose=functools.partial(self.choose_version_requested.emit, name),
            )

    def _dry_run_then_install(self, operation: Operation, backend: InstallerBackend) -> Operation | None:
        intent = operation.intent
        assert isinstance(intent, InstallPackages)
        if not self._worth_previewing():
            return self.operations.submit(operation)
        dry_run = backend.dry_run(intent.specs, upgrade=intent.upgrade, reinstall=intent.reinstall)
        what = operation.title[:1].lower() + operation.title[1:]
        if dry_run is None:
            self.log_view.note(f"No preview of what {what} changes: {backend.dry_run_unavailable()}")
            return self.operations.submit(operation)
        check = Operation(
            operation.key,
            f"Checking what {what} would change",
            [dry_run],
            PreviewInstall(intent.specs, intent.upgrade, intent.reinstall),
            capture_output=True,
        )
        self._previews[check.id] = operation
        return self.operations.submit(check)

    def _worth_previewing(self) -> bool:
        """An environment with nothing but the installer's own packages has nothing an install could change."""
        return any(package.key not in _INSTALLER_PACKAGES for package in self.current.packages)

    def _previewed(self, outcome: Outcome) -> None:
        operation = self._previews.pop(outcome.operation.id)
        key = operation.key
        if outcome.status is Status.CANCELLED:
            return
        if not outcome.ok:
            # The install would fail the same way: run it, so the failure is explained like any other.
            self.operations.submit(operation)
            return
        environment = Environment.load(key)
        backend = self.operations.backend(environment, self.current.packages if key == self.current.key else None)
        try:
            plan = backend.parse_dry_run(outcome.stdout, requested=_requested(operation))
        except ValueError as exc:
            self.log_view.note(f"The installer's plan could not be read ({exc}); installing without a preview.")
            self.operations.submit(operation)
            return
        from core.journal import package_set

        installed = package_set(self.current.packages) if key == self.current.key else {}
        plan = plan.compared_with(installed)
        site_packages = environment.site_packages()
        if site_packages is not None:
            plan = plan.with_free_space(site_packages)
        index_url = self.current.index_url()
        python_version = version_tuple(environment.version)

        def sizes() -> tuple[Preview, dict[str, str]]:
            return _with_sizes_and_wheels(plan, index_url, python_version)

        def sized(result: tuple[Preview, dict[str, str]]) -> None:
            self._decide(operation, *result)

        def failed(exc: BaseException, _formatted: str) -> None:
            self.log_view.note(f"The download sizes could not be looked up ({exc}).")
            self._decide(operation, plan, {})

        run_in_background(sizes, sized, failed, context=self)

    def _decide(self, operation: Operation, plan: Preview, wheels_instead: dict[str, str]) -> None:
        """Ask when the plan has news (other installed packages change, a build from source, a
        download that does not fit); otherwise install straight away."""
        self.log_view.note(plan.describe())
        # What the person asked for changing is the request itself; others changing, a build from
        # source, or a download that does not fit is news.
        others_change = [item for item in plan.changes_installed() if not item.requested]
        if not (others_change or plan.from_source() or plan.too_big()):
            self.operations.submit(operation)
            return
        alternative = None
        if wheels_instead:
            name, version = next(iter(sorted(wheels_instead.items())))
            alternative = (
                f"Install {name} {version} instead",
                lambda: self.install([f"{name}=={version}"], f"Installing {name}=={version}", preview=True),
            )
        self.install_plan_box = confirmations.install_plan(
            self.parent_widget,
            operation.title,
            plan.describe()
            + (f" {alternative[0][:1].upper()}{alternative[0][1:]}: it has a ready-made wheel, so nothing needs building."
               if alternative else ""),
            on_install=lambda: self.operations.submit(operation),
            alternative=alternative,
            changes_installed=bool(others_change),
        )

    def install_release(self, name: str, version: str) -> Operation | None:
        """Exactly this release (Find packages): an install, upgrade, downgrade or reinstall."""
        environment = self._environment()
        if environment is None:
            return None
        installed = self.current.installed_version(canonical_name(name))
        backend = self.operations.backend(environment)
        return self._submit_previewed(plans.install_release(environment, backend, name, version, installed=installed), backend)

    def upgrade(self, names: list[str]) -> Operation | None:
        return self.install(names, f"Upgrading {', '.join(names)}", upgrade=True, preview=True)

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
        """``requirements.txt`` in the project the environment belongs to (the home folder for none)."""
        environment = self.current.environment
        folder = self.project_folder()
        if folder is None:
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
        if outcome.operation.id in self._previews:
            self._previewed(outcome)
        elif isinstance(outcome.intent, SaveRequirements):
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
