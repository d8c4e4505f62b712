"""Creating environments: the Pythons to choose from, the dialog, the steps, and tidying up.

The controller finds the base interpreters (off the UI thread), opens the
New environment dialog, turns its request into a creation operation through
core (``core.plans.create_environment``), and when that ends — the common
ending aside — either lists and selects the new environment (then installs
its requirements file) or removes the half-made folder and says so.  A new
environment whose pip is older than the newest one the app keeps (seeded from
the wheel its Python carries, the cache still empty) gets that pip afterwards,
in the background, when nothing the person asked for waits there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from core import plans, storage
from core.environments import Environment, remove_half_made
from core.errors import UserFacingError
from core.operations import CreateEnvironment, Operation, Outcome, Status, UpdatePip
from core.settings import Settings
from gui import icons
from gui.controllers import show_error
from gui.controllers.environments import EnvironmentController
from gui.controllers.operations import OperationsController
from gui.controllers.packages import PackageController
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.interpreters import Interpreter
    from gui.dialogs.new_environment import NewEnvironmentDialog, NewEnvironmentRequest


class CreationController(QObject):
    interpreters_loaded = Signal()
    creation_finished = Signal(object)  # Outcome, after any clean-up

    def __init__(
        self,
        settings: Settings,
        operations: OperationsController,
        environments: EnvironmentController,
        packages: PackageController,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.settings = settings
        self.operations = operations
        self.environments = environments
        self.packages = packages
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.interpreters: list[Interpreter] = []
        self.interpreters_loading = True
        self.new_environment_dialog: NewEnvironmentDialog | None = None
        # Further requirements files to install after a creation, by target path (a project's
        # requirements/dev.txt beside its requirements.txt); the intent holds the first one.
        self._more_requirements: dict[str, tuple[Path, ...]] = {}
        # Requirements files whose lines that change where code comes from the person already
        # accepted before the environment was made: {target: {file: the lines as they were shown}}.
        self._confirmed_sources: dict[str, dict[Path, str]] = {}
        # Environments made in this session whose pip is brought up to the newest cached wheel when
        # there is a newer one (seeded from the wheel their Python carries, or the cache refreshed
        # since): {target: the pip version they hold}.  Which of them have that update queued or running.
        self._pip_to_update: dict[str, str] = {}
        self._pip_updating: set[str] = set()
        self._pip_update_waits: set[str] = set()  # said in the Log that it waits (said once)

        self.new_action = QAction("New environment…", window)
        self.new_action.setObjectName("newEnvironmentAction")
        icons.set_action_icon(self.new_action, "new-environment")
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(lambda _checked=False: self.new_environment())
        window.addAction(self.new_action)
        operations.ended.connect(self._ended)

    # -- the Pythons to create from ----------------------------------------------------------

    def refresh_interpreters(self) -> None:
        from core.interpreters import find_interpreters

        self.interpreters_loading = True
        run_in_background(find_interpreters, self._interpreters_found, self._discovery_failed, context=self)

    def _discovery_failed(self, exc: BaseException, formatted: str) -> None:
        self.interpreters_loading = False
        show_error(
            self.message_bar, self.log_view, UserFacingError("Venvdesk could not look for Python installations.", str(exc), detail=formatted)
        )
        self.interpreters_loaded.emit()

    def _interpreters_found(self, interpreters: list[Interpreter]) -> None:
        self.interpreters = list(interpreters)
        self.interpreters_loading = False
        if not any(i.can_create_venv for i in interpreters):
            from core.interpreters import how_to_get_python

            found = "; ".join(f"{i.label}: {i.problem} {i.fix}".strip() for i in interpreters)
            self.message_bar.show_message(
                "Venvdesk found no Python on this computer that can create environments. " + how_to_get_python(),
                Level.WARNING,
                f"Pythons found but not usable: {found}" if found else "No Python interpreter was found.",
            )
        if self.new_environment_dialog is not None:
            self.new_environment_dialog.set_interpreters(self.interpreters, loading=False)
        self.interpreters_loaded.emit()

    def refresh_pip_wheel(self) -> None:
        """Keep the newest pip wheel in the cache, so new environments get pip in a fraction of a second."""
        from core import pip_wheels, pypi
        from core.commands import redact

        if not pip_wheels.needs_refresh():
            self._unpack_pip_wheels()
            return
        index = pypi.configured_index_url(self.settings.index_url)

        def failed(exc: BaseException, _tb: str) -> None:
            self.log_view.note(
                f"Could not fetch the newest pip from {redact(index)} ({exc})."
                " New environments use the pip already kept by Venvdesk, or the one that comes with Python."
            )
            self._unpack_pip_wheels()

        run_in_background(
            lambda: pip_wheels.refresh_pip_wheel(index), lambda _path: self._pip_wheel_refreshed(), failed, context=self
        )

    def _pip_wheel_refreshed(self) -> None:
        """A newer pip may be cached now: environments made in this session with an older one get it."""
        self._unpack_pip_wheels()
        for key in list(self._pip_to_update):
            self._update_pip_when_idle(key)

    def _unpack_pip_wheels(self) -> None:
        """Unpack the cached pip wheels once (in the background), so new environments link pip's files."""
        from core import pip_wheels

        def failed(exc: BaseException, _tb: str) -> None:
            self.log_view.note(
                f"Could not unpack pip in Venvdesk's cache folder {pip_wheels.pip_wheel_dir()} ({exc})."
                " New environments unzip pip's wheel instead, which takes a few tenths of a second longer."
            )

        run_in_background(pip_wheels.unpack_cached, lambda _folders: None, failed, context=self)

    # -- pip brought up to date afterwards ----------------------------------------------------

    def _update_pip_when_idle(self, key: str) -> None:
        """Queue the update of ``key``'s pip to the newest cached wheel, when there is one and nothing
        the person asked for waits there (it would be dropped at once: it is tried again when that
        work has ended).  It runs in the background, after the environment is shown as ready."""
        from core.pip_wheels import installed_pip_version

        runner = self.operations.runner
        expected = self._pip_to_update.get(key)
        if expected is None or key in self._pip_updating or runner.closing or runner.pending_operations(key):
            return
        environment = Environment.load(key)
        if installed_pip_version(environment.site_packages()) != expected:
            # Gone, or its pip changed since (the person installed another pip, or removed it).
            del self._pip_to_update[key]
            return
        operation = plans.update_pip(environment)
        if operation is None:
            return  # nothing newer cached (yet: a refresh may bring one)
        self._pip_updating.add(key)
        runner.submit(operation)  # after what runs; nothing is asked or shown for it

    def _pip_update_ended(self, outcome: Outcome, intent: UpdatePip) -> None:
        """Done or failed: the operations controller said so in the Log.  Dropped before it started
        (something was asked for first): tried again once that has ended, and said here, once."""
        key = outcome.operation.key
        self._pip_updating.discard(key)
        if outcome.status is Status.CANCELLED and outcome.command is None:
            if key not in self._pip_update_waits and not self.operations.runner.closing:
                self._pip_update_waits.add(key)
                name = intent.name or Environment.load(key).name
                self.log_view.note(f"Updating pip in “{name}” to {intent.version} waits: {outcome.reason}.")
            return
        self._pip_update_waits.discard(key)
        if outcome.ok:
            self._pip_to_update[key] = intent.version  # a later refresh may bring a newer one still
        else:
            self._pip_to_update.pop(key, None)  # it failed (said in the Log): not tried again

    # -- creating ----------------------------------------------------------------------------

    def new_environment(self, python_versions: tuple[str, ...] = ()) -> NewEnvironmentDialog:
        """Open the New environment dialog; ``python_versions`` (as "3.12") preselects a Python that fits."""
        from gui.dialogs.new_environment import NewEnvironmentDialog

        location = self.settings.last_location or str(storage.default_environments_dir())
        dialog = NewEnvironmentDialog(Path(location), self.window)
        dialog.set_interpreters(self.interpreters, loading=self.interpreters_loading)
        if self.settings.last_interpreter and not python_versions:
            dialog.select_interpreter(self.settings.last_interpreter)
        for wanted in python_versions:
            fitting = [
                interpreter for interpreter in self.interpreters
                if interpreter.can_create_venv and (wanted in (interpreter.path, interpreter.version_text)
                                                    or interpreter.version_text.startswith(wanted + "."))
            ]
            if fitting and dialog.select_interpreter(fitting[0].path):
                break
        dialog.accepted.connect(lambda: self.create_environment(dialog.request()))
        dialog.finished.connect(lambda _result: setattr(self, "new_environment_dialog", None))
        self.new_environment_dialog = dialog
        dialog.open()
        dialog.name_edit.setFocus()
        return dialog

    def creation_operation(self, request: NewEnvironmentRequest) -> Operation:
        interpreter = request.interpreter
        intent = CreateEnvironment(
            request.name,
            request.target,
            request.target.exists(),
            request.requirements,
            interpreter=interpreter.path,
            system_site_packages=request.system_site_packages,
            prompt=request.prompt,
            newest_pip=request.upgrade_deps,
        )
        return self.plan(intent, interpreter.version)

    def plan(self, intent: CreateEnvironment, python_version: tuple[int, ...]) -> Operation:
        from core import pip_wheels

        return plans.create_environment(
            intent,
            python_version=python_version,
            # The newest pip the app keeps, else the one the interpreter carries: either is unpacked
            # in a fraction of a second, with no network.
            pip_wheel=pip_wheels.pip_wheel_for(intent.interpreter, python_version) if intent.newest_pip else None,
            # pip inside the new environment: its version is unknown until it exists.
            # (its Python's version is known: it decides whether uv can serve it)
            backend=self.operations.backend(
                Environment(intent.target, {"version_info": ".".join(map(str, python_version))}), ()
            ),
        )

    def create_again(self, intent: CreateEnvironment) -> Operation | None:
        """Make an environment again the way an interrupted creation was making it."""
        wanted = os.path.realpath(intent.interpreter)
        interpreter = next(
            (i for i in self.interpreters if i.path == intent.interpreter or i.real_path == wanted), None
        )
        if interpreter is None or not interpreter.can_create_venv:
            self.message_bar.show_message(
                f"“{intent.name}” cannot be made again the same way: the Python it was made with"
                f" ({intent.interpreter}) is not usable any more. Create a new environment instead.",
                Level.WARNING,
            )
            return None
        return self.operations.submit(self.plan(intent, interpreter.version))

    def create_project_environment(
        self,
        intent: CreateEnvironment,
        interpreter: Interpreter,
        more_requirements: tuple[Path, ...] = (),
        confirmed_sources: dict[Path, str] | None = None,
    ) -> Operation | None:
        """Create a project's environment (``intent.target`` is ``<project>/.venv``), then install
        ``intent.requirements``, each of ``more_requirements`` and ``intent.packages`` into it.

        ``confirmed_sources``: files whose lines that change where code comes from the person
        accepted before (``{file: those lines as described}``); they are not asked about again
        unless the file changed since.
        """
        if more_requirements:
            self._more_requirements[str(intent.target)] = tuple(more_requirements)
        if confirmed_sources:
            self._confirmed_sources[str(intent.target)] = dict(confirmed_sources)
        if interpreter.path != self.settings.last_interpreter:
            self.settings.last_interpreter = interpreter.path
            self.environments.save_quietly(self.settings.save, "Your settings")
        operation = self.operations.submit(self.plan(intent, interpreter.version))
        if operation is None:
            self._more_requirements.pop(str(intent.target), None)
            self._confirmed_sources.pop(str(intent.target), None)
        return operation

    def create_environment(self, request: NewEnvironmentRequest) -> Operation | None:
        operation = self.creation_operation(request)
        location = str(request.target.parent)
        changed = False
        if location != str(storage.default_environments_dir()) and location != self.settings.last_location:
            self.settings.last_location = location
            changed = True
        if request.interpreter.path != self.settings.last_interpreter:
            self.settings.last_interpreter = request.interpreter.path
            changed = True
        if changed:
            self.environments.save_quietly(self.settings.save, "Your settings")
        return self.operations.submit(operation)

    def _ended(self, outcome: Outcome) -> None:
        if isinstance(outcome.intent, UpdatePip):
            self._pip_update_ended(outcome, outcome.intent)
        elif outcome.operation.key in self._pip_to_update and not outcome.operation.background:
            # What was asked for there has ended (the update waited, or was dropped for it).
            self._update_pip_when_idle(outcome.operation.key)
        if isinstance(outcome.intent, CreateEnvironment):
            more = self._more_requirements.pop(str(outcome.intent.target), ())
            confirmed = self._confirmed_sources.pop(str(outcome.intent.target), {})
            if outcome.ok:
                self._created(outcome, outcome.intent, more, confirmed)
            else:
                self._tidy_up(outcome, outcome.intent)

    def _created(
        self,
        outcome: Outcome,
        intent: CreateEnvironment,
        more_requirements: tuple[Path, ...] = (),
        confirmed: dict[Path, str] | None = None,
    ) -> None:
        if str(intent.target.parent) != str(storage.default_environments_dir()):
            self.environments.remember(intent.target)
        self.message_bar.show_message(f"“{intent.name}” is ready. Its packages are listed on the right.", Level.SUCCESS)
        self.environments.refresh(select=str(intent.target))
        for requirements in (intent.requirements, *more_requirements):
            if requirements is None:
                continue
            environment = Environment.load(intent.target)
            if confirmed and requirements in confirmed:
                self._install_confirmed(requirements, confirmed[requirements], environment)
            else:
                self.packages.install_requirements_file(requirements, environment=environment)
        if intent.packages:
            self.packages.install(
                list(intent.packages),
                f"Installing {len(intent.packages)} packages into “{intent.name}”",
                environment=Environment.load(intent.target),
            )
        self.creation_finished.emit(outcome)
        if intent.newest_pip:  # (not the Python's own pip, when that was asked for)
            self._remember_pip(str(intent.target))

    def _remember_pip(self, key: str) -> None:
        """``key`` was just made with pip (often the older one its Python carries, when no pip wheel
        was cached yet): it gets the newest cached pip once nothing else waits there."""
        from core.pip_wheels import installed_pip_version

        version = installed_pip_version(Environment.load(key).site_packages())
        if version:
            self._pip_to_update[key] = version
            self._update_pip_when_idle(key)

    def _install_confirmed(self, path: Path, shown: str, environment: Environment) -> None:
        """Install a requirements file whose source-changing lines (``shown``) the person accepted
        before the environment was made; if the file changed since, it is checked and asked about again."""
        from core.requirements import CheckedRequirements, check_requirements_file

        def checked(result: CheckedRequirements) -> None:
            if result.ok and result.options == shown:
                backend = self.operations.backend(environment)
                self.operations.submit(plans.install_requirements(environment, backend, path, result.specs))
            else:
                self.packages.install_requirements_file(path, environment=environment)

        run_in_background(
            lambda: check_requirements_file(path),
            checked,
            lambda _exc, _formatted: self.packages.install_requirements_file(path, environment=environment),
            context=self,
        )

    def _tidy_up(self, outcome: Outcome, intent: CreateEnvironment) -> None:
        """Remove the half-made folder (empty it again if it was an empty folder before), off the UI thread."""

        def clean() -> None:
            remove_half_made(intent.target, existed_before=intent.existed_before)

        def cleaned(_result: None) -> None:
            if outcome.status is Status.CANCELLED:
                self.message_bar.show_message(
                    f"Creating “{intent.name}” was cancelled. The half-made folder was removed.", Level.INFO
                )
            else:
                self.message_bar.show_message(
                    f"“{intent.name}” could not be created. The half-made folder was removed; nothing else was changed.",
                    Level.ERROR,
                    outcome.detail(),
                )
            self.log_view.note(f"Removed the half-made folder {intent.target}")
            self.creation_finished.emit(outcome)

        def clean_failed(exc: BaseException, formatted: str) -> None:
            show_error(
                self.message_bar,
                self.log_view,
                UserFacingError(
                    f"Creating “{intent.name}” stopped, and the half-made folder {intent.target} could not be removed.",
                    "Delete it yourself, or choose it in the list and use “Move to trash”.",
                    detail=f"{outcome.detail()}\n\n{formatted}",
                ),
            )
            self.creation_finished.emit(outcome)

        run_in_background(clean, cleaned, clean_failed, context=self)
