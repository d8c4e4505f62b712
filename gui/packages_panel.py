"""The Packages panel: what is installed in the selected environment, and every pip action on it.

Each action is a real ``python -m pip`` run through the window's one
ProcessRunner; the panel builds the operation, and when it ends re-reads the
environment from disk, runs ``pip check`` and looks for half-installed files.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import commands, pypi
from core.environments import Environment, Health, interpreter_starts
from core.errors import InvalidInput, UserFacingError
from core.names import canonical_name
from core.packages import InstalledPackage, Integrity, check_integrity, installed_packages
from core.settings import Settings
from gui import icons, theme
from gui.message_bar import Level, MessageBar
from gui.models.environments import EnvironmentEntry
from gui.models.packages import PackageFilterModel, PackageTableModel
from gui.runner import Operation, Outcome, ProcessRunner, Status
from gui.workers import run_in_background

LATEST_VERSIONS_TTL = 3600
WATCH_DEBOUNCE_MS = 700
CHANGE, CHECK, FREEZE = "change", "check", "freeze"


class PackagesPanel(QWidget):
    packages_loaded = Signal(str)  # environment path
    latest_versions_loaded = Signal(str)
    environment_broken = Signal(str, object)  # path, Health
    checks_finished = Signal(str)  # after pip check and the half-installed scan of a change
    requirements_saved = Signal(str)  # file path

    def __init__(
        self,
        runner: ProcessRunner,
        settings: Settings,
        message_bar: MessageBar,
        broken_actions: list[QAction],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("packagesPanel")
        self.runner = runner
        self.settings = settings
        self.message_bar = message_bar
        self.entry: EnvironmentEntry | None = None
        self.integrity = Integrity()
        self.uninstall_warning_box: QMessageBox | None = None
        self.requirements_options_box: QMessageBox | None = None
        self.overwrite_box: QMessageBox | None = None
        # (index, python version, name) -> (version, fetched at)
        self._latest_cache: dict[tuple[str, tuple, str], tuple[str, float]] = {}
        self._loading_for = ""
        # Per environment: the requirements an interrupted install was installing.
        self._interrupted: dict[str, list[str]] = {}

        self.model = PackageTableModel(parent=self)
        self.filter_model = PackageFilterModel(self)
        self.filter_model.setSourceModel(self.model)
        self._build(broken_actions)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _path: self._watch_timer.start())
        self._watch_timer = QTimer(self)
        self._watch_timer.setSingleShot(True)
        self._watch_timer.setInterval(WATCH_DEBOUNCE_MS)
        self._watch_timer.timeout.connect(self._changed_behind_our_back)

        runner.queued.connect(lambda _op: self._update_queue())
        runner.started.connect(lambda _op: self._update_queue())
        runner.finished.connect(self._operation_finished)
        self.set_environment(None)

    # -- building ----------------------------------------------------------------------------

    def _build(self, broken_actions: list[QAction]) -> None:
        self.title = QLabel("Packages")
        self.title.setObjectName("packagesTitle")
        theme.set_role(self.title, "title")

        self.install_edit = QLineEdit()
        self.install_edit.setObjectName("installSpecEdit")
        self.install_edit.setAccessibleName("Package to install")
        self.install_edit.setPlaceholderText("Package to install, e.g. requests or requests==2.32.3")
        self.install_edit.textChanged.connect(lambda _t: self._set_install_error(""))
        self.install_edit.returnPressed.connect(self.install_from_box)
        self.install_button = QPushButton("Install")
        icons.set_action_icon(self.install_button, "install")
        self.install_button.setObjectName("installButton")
        self.install_button.setAccessibleName("Install the package named in the box")
        self.install_button.clicked.connect(self.install_from_box)
        self.requirements_button = QToolButton()
        self.requirements_button.setObjectName("requirementsButton")
        self.requirements_button.setText("requirements.txt")
        self.requirements_button.setAccessibleName("Save or install a requirements file")
        self.requirements_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.save_requirements_action = menu.addAction("Save requirements…", self.save_requirements)
        self.save_requirements_action.setObjectName("saveRequirementsAction")
        icons.set_action_icon(self.save_requirements_action, "save-requirements")
        self.install_requirements_action = menu.addAction("Install from requirements…", self.choose_requirements_file)
        self.install_requirements_action.setObjectName("installRequirementsAction")
        icons.set_action_icon(self.install_requirements_action, "load-requirements")
        self.requirements_button.setMenu(menu)
        install_row = QHBoxLayout()
        install_row.addWidget(self.install_edit, 1)
        install_row.addWidget(self.install_button)
        install_row.addWidget(self.requirements_button)
        self.install_error = QLabel()
        self.install_error.setObjectName("installSpecError")
        self.install_error.setWordWrap(True)
        theme.set_role(self.install_error, "error")
        self.install_error.hide()

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("packageFilterEdit")
        self.filter_edit.setAccessibleName("Filter the installed packages")
        self.filter_edit.setPlaceholderText("Filter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.filter_model.set_text)
        self.outdated_check = QCheckBox("Only outdated")
        self.outdated_check.setObjectName("outdatedOnlyCheck")
        self.outdated_check.setAccessibleName("Show only packages with a newer version")
        self.outdated_check.toggled.connect(self.filter_model.set_outdated_only)
        self.upgrade_button = QPushButton("Upgrade")
        icons.set_action_icon(self.upgrade_button, "upgrade")
        self.upgrade_button.setObjectName("upgradeButton")
        self.upgrade_button.setAccessibleName("Upgrade the selected packages")
        self.upgrade_button.clicked.connect(self.upgrade_selected)
        self.upgrade_all_button = QPushButton("Upgrade all outdated")
        icons.set_action_icon(self.upgrade_all_button, "upgrade")
        self.upgrade_all_button.setObjectName("upgradeAllButton")
        self.upgrade_all_button.setAccessibleName("Upgrade every outdated package")
        self.upgrade_all_button.clicked.connect(self.upgrade_all_outdated)
        self.uninstall_button = QPushButton("Uninstall")
        icons.set_action_icon(self.uninstall_button, "uninstall")
        self.uninstall_button.setObjectName("uninstallButton")
        self.uninstall_button.setAccessibleName("Uninstall the selected packages")
        self.uninstall_button.clicked.connect(self.uninstall_selected)
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.filter_edit, 1)
        actions_row.addWidget(self.outdated_check)
        actions_row.addWidget(self.upgrade_button)
        actions_row.addWidget(self.upgrade_all_button)
        actions_row.addWidget(self.uninstall_button)

        self.index_note = QLabel()
        self.index_note.setObjectName("indexNote")
        self.index_note.setWordWrap(True)
        theme.set_role(self.index_note, "muted")
        self.index_note.hide()

        self.problems_label = QLabel()
        self.problems_label.setObjectName("pipCheckLabel")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.set_role(self.problems_label, "warning")
        self.problems_label.hide()

        self.repair_bar = QFrame()
        self.repair_bar.setObjectName("repairBar")
        self.repair_bar.setFrameShape(QFrame.Shape.StyledPanel)
        repair_layout = QHBoxLayout(self.repair_bar)
        self.repair_label = QLabel()
        self.repair_label.setObjectName("repairLabel")
        self.repair_label.setWordWrap(True)
        self.repair_button = QPushButton("Repair")
        icons.set_action_icon(self.repair_button, "repair")
        self.repair_button.setObjectName("repairButton")
        self.repair_button.setAccessibleName("Repair the half-installed packages")
        self.repair_button.clicked.connect(self.repair)
        repair_layout.addWidget(self.repair_label, 1)
        repair_layout.addWidget(self.repair_button)
        self.repair_bar.hide()

        self.table = QTableView()
        self.table.setObjectName("packageTable")
        self.table.setAccessibleName("Installed packages")
        self.table.setModel(self.filter_model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(PackageTableModel.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in (PackageTableModel.NAME, PackageTableModel.VERSION, PackageTableModel.LATEST):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._set_state())

        self.queue_box = QFrame()
        self.queue_box.setObjectName("queueBox")
        queue_layout = QHBoxLayout(self.queue_box)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_label = QLabel("Waiting to run:")
        self.queue_list = QListWidget()
        self.queue_list.setObjectName("queueList")
        self.queue_list.setAccessibleName("Operations waiting to run")
        self.queue_list.setMaximumHeight(70)
        self.remove_queued_button = QPushButton("Remove from queue")
        icons.set_action_icon(self.remove_queued_button, "remove")
        self.remove_queued_button.setObjectName("removeQueuedButton")
        self.remove_queued_button.clicked.connect(self.remove_selected_from_queue)
        queue_layout.addWidget(self.queue_label)
        queue_layout.addWidget(self.queue_list, 1)
        queue_layout.addWidget(self.remove_queued_button)
        self.queue_box.hide()

        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addLayout(install_row)
        table_layout.addWidget(self.install_error)
        table_layout.addWidget(self.repair_bar)
        table_layout.addWidget(self.problems_label)
        table_layout.addLayout(actions_row)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.index_note)
        table_layout.addWidget(self.queue_box)

        self.placeholder = QLabel("Select an environment to see the packages installed in it.")
        self.placeholder.setObjectName("packagesPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.broken_actions = QWidget()
        broken_row = QHBoxLayout(self.broken_actions)
        broken_row.addStretch(1)
        for action in broken_actions:
            button = QPushButton(action.icon(), action.text())
            button.setObjectName("broken" + action.objectName()[0].upper() + action.objectName()[1:].replace("Action", "Button"))
            button.clicked.connect(action.trigger)
            broken_row.addWidget(button)
        broken_row.addStretch(1)
        self.message_page = QWidget()
        message_layout = QVBoxLayout(self.message_page)
        message_layout.addStretch(1)
        message_layout.addWidget(self.placeholder)
        message_layout.addWidget(self.broken_actions)
        message_layout.addStretch(1)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.message_page)
        self.pages.addWidget(table_page)
        self.table_page = table_page
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.pages, 1)

    # -- state -------------------------------------------------------------------------------

    @property
    def environment(self) -> Environment | None:
        return self.entry.environment if self.entry is not None else None

    @property
    def key(self) -> str:
        return str(self.entry.environment.path) if self.entry is not None else ""

    def selected_packages(self) -> list[InstalledPackage]:
        rows = self.table.selectionModel().selectedRows()
        return [self.filter_model.data(index, PackageTableModel.PackageRole) for index in rows]

    def _set_state(self) -> None:
        has_env = self.entry is not None and self.entry.health.ok
        selected = self.selected_packages() if has_env else []
        for widget in (self.install_edit, self.install_button, self.requirements_button):
            widget.setEnabled(has_env)
        self.upgrade_button.setEnabled(bool(selected))
        self.uninstall_button.setEnabled(bool(selected))
        self.upgrade_all_button.setEnabled(has_env and bool(self.model.outdated_packages()))

    def _set_install_error(self, text: str) -> None:
        self.install_error.setText(text)
        self.install_error.setVisible(bool(text))

    def set_environment(self, entry: EnvironmentEntry | None) -> None:
        """Show ``entry``'s packages (read off the UI thread), or explain why there are none."""
        previous = self.key
        self.entry = entry
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        if previous != self.key:
            self.problems_label.hide()
            self.repair_bar.hide()
            self._set_install_error("")
        self._update_queue()
        if entry is None:
            self.title.setText("Packages")
            self.placeholder.setText("Select an environment to see the packages installed in it.")
            self.broken_actions.hide()
            self.pages.setCurrentWidget(self.message_page)
            self.model.set_packages([])
            self._set_state()
            return
        environment = entry.environment
        self.title.setText(f"Packages in {environment.name}")
        if not entry.health.ok:
            self.show_broken(entry.health)
            self.packages_loaded.emit(self.key)
            return
        self.broken_actions.hide()
        self.reload()

    def show_broken(self, health: Health) -> None:
        self.placeholder.setText(
            f"<p><b>This environment is broken.</b></p><p>{html.escape(health.reason)}</p>"
            f"<p>{html.escape(health.hint)}</p>"
        )
        self.broken_actions.show()
        self.pages.setCurrentWidget(self.message_page)
        self.model.set_packages([])
        self._set_state()

    # -- reading -----------------------------------------------------------------------------

    def reload(self, *, check_python: bool = True) -> None:
        environment = self.environment
        if environment is None:
            return
        path = self.key
        self._loading_for = path

        def read():
            site_packages = environment.site_packages()
            health = interpreter_starts(environment) if check_python else None
            # Half-installed files from an earlier session (or another program) are offered for repair too.
            return site_packages, installed_packages(site_packages), health, check_integrity(site_packages)

        def done(result) -> None:
            site_packages, packages, health, integrity = result
            if self._loading_for != path or self.key != path:
                return  # the person moved on
            if health is not None and not health.ok:
                self.environment_broken.emit(path, health)
                return
            self.model.set_packages(packages)
            self._show_repair_offer(integrity)
            self.pages.setCurrentWidget(self.table_page)
            if site_packages is not None and str(site_packages) not in self.watcher.directories():
                self.watcher.addPath(str(site_packages))
            self._set_state()
            self.packages_loaded.emit(path)
            self._fetch_latest_versions(packages)

        run_in_background(read, done, self._failed("read the installed packages"), context=self)

    def _changed_behind_our_back(self) -> None:
        """Something (a terminal pip, another program) changed site-packages: show it."""
        if self.entry is not None and not self.runner.is_busy(self.key):
            self.reload(check_python=False)

    def index_url(self) -> str:
        return pypi.configured_index_url(self.settings.index_url)

    def _python_version(self) -> tuple[int, ...]:
        version = self.environment.version if self.environment is not None else ""
        return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())

    def _fetch_latest_versions(self, packages: list[InstalledPackage]) -> None:
        index = self.index_url()
        python = self._python_version()
        now = time.time()
        known: dict[str, str] = {}
        missing: list[str] = []
        for package in packages:
            cached = self._latest_cache.get((index, python, package.key))
            if cached is not None and now - cached[1] < LATEST_VERSIONS_TTL:
                known[package.key] = cached[0]
            else:
                missing.append(package.key)
        self.model.set_latest_versions(known)
        self._set_state()
        if not missing:
            self.latest_versions_loaded.emit(self.key)
            return
        path = self.key

        def done(results: dict) -> None:
            fetched_at = time.time()
            failures = []
            for name, value in results.items():
                if isinstance(value, Exception):
                    failures.append(f"{name}: {value}")
                else:
                    self._latest_cache[(index, python, name)] = (value, fetched_at)
                    known[name] = value
            if self.key != path:
                return
            self.model.set_latest_versions(known)
            self._set_state()
            if failures:
                # Not worth interrupting the person (they may be offline): a quiet note with details.
                self.index_note.setText(
                    f"Newest versions unknown for {len(failures)} package(s):"
                    f" {commands.redact(index)} did not answer."
                )
                self.index_note.setToolTip(commands.redact("\n".join(failures[:20])))
            self.index_note.setVisible(bool(failures))
            self.latest_versions_loaded.emit(path)

        run_in_background(
            lambda: pypi.latest_versions(index, missing, python), done, self._failed("look up the newest versions"), context=self
        )

    def _failed(self, what: str):
        def show(exc: BaseException, formatted: str) -> None:
            error = UserFacingError(f"Venvdesk could not {what}.", str(exc), detail=formatted)
            self.message_bar.show_message(str(error), Level.ERROR, error.detail)

        return show

    # -- actions -----------------------------------------------------------------------------

    def pip_version(self, environment: Environment | None = None) -> str:
        """The environment's pip version (decides whether pip can report progress as numbers)."""
        packages = self.model.packages()
        if environment is not None and str(environment.path) != self.key:
            packages = installed_packages(environment.site_packages())  # a few ms of metadata reads
        for package in packages:
            if package.key == "pip":
                return package.version
        return ""

    def submit_change(self, title: str, steps: list[commands.Command], **data) -> Operation:
        operation = Operation(self.key, title, steps, kind=CHANGE, data=data)
        self.runner.submit(operation)
        self._update_queue()
        return operation

    def install_from_box(self) -> Operation | None:
        from core.requirements import parse_install_spec

        if self.environment is None:
            return None
        try:
            requirement = parse_install_spec(self.install_edit.text())
        except InvalidInput as error:
            self._set_install_error(" ".join(filter(None, [error.message, error.hint])))
            return None
        spec = str(requirement)
        command = commands.pip_install(
            self.environment.python, [spec], pip_version=self.pip_version(), index_url=self.settings.index_url
        )
        self.install_edit.clear()
        return self.submit_change(f"Installing {spec}", [command], names=[requirement.name], repair_specs=[spec])

    def install_specs(self, specs: list[str], title: str, *, upgrade: bool = False) -> Operation | None:
        if self.environment is None or not specs:
            return None
        command = commands.pip_install(
            self.environment.python, specs, pip_version=self.pip_version(), index_url=self.settings.index_url, upgrade=upgrade
        )
        return self.submit_change(title, [command], names=specs, repair_specs=specs)

    def upgrade_selected(self) -> Operation | None:
        names = [p.name for p in self.selected_packages()]
        return self.install_specs(names, f"Upgrading {', '.join(names)}", upgrade=True)

    def upgrade_all_outdated(self) -> Operation | None:
        names = [p.name for p in self.model.outdated_packages()]
        return self.install_specs(names, f"Upgrading {len(names)} outdated package(s)", upgrade=True)

    def uninstall_selected(self) -> None:
        chosen = self.selected_packages()
        if not chosen or self.environment is None:
            return
        removing = {p.key for p in chosen}
        needed: dict[str, list[str]] = {}
        for package in chosen:
            users = [name for name in self.model.dependents_of(package) if canonical_name(name) not in removing]
            if users:
                needed[package.name] = users
        if not needed:
            self.uninstall([p.name for p in chosen])
            return
        box = QMessageBox(self)
        box.setObjectName("uninstallWarningBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Other packages need these")
        box.setText("Some of the packages you chose are needed by other installed packages.")
        box.setInformativeText(
            "\n".join(f"• {name} is needed by {', '.join(users)}" for name, users in needed.items())
            + "\n\nUninstalling them may break those packages."
        )
        unneeded = [p.name for p in chosen if p.name not in needed]
        keep_button = None
        if unneeded:
            keep_button = box.addButton(f"Uninstall only {', '.join(unneeded)}", QMessageBox.ButtonRole.AcceptRole)
            keep_button.setObjectName("uninstallUnneededButton")
        anyway = box.addButton("Uninstall anyway", QMessageBox.ButtonRole.DestructiveRole)
        anyway.setObjectName("uninstallAnywayButton")
        keep = box.addButton("Keep them", QMessageBox.ButtonRole.RejectRole)
        keep.setObjectName("keepPackagesButton")
        box.setDefaultButton(keep)

        def clicked(button) -> None:
            if button is anyway:
                self.uninstall([p.name for p in chosen])
            elif keep_button is not None and button is keep_button:
                self.uninstall(unneeded)

        box.buttonClicked.connect(clicked)
        self.uninstall_warning_box = box
        box.open()

    def uninstall(self, names: list[str]) -> Operation | None:
        if self.environment is None or not names:
            return None
        command = commands.pip_uninstall(self.environment.python, names)
        return self.submit_change(f"Uninstalling {', '.join(names)}", [command], names=names)

    # -- requirements ------------------------------------------------------------------------

    def default_requirements_path(self) -> Path:
        environment = self.environment
        folder = environment.project_folder if environment is not None and environment.is_project_environment else Path.home()
        return folder / "requirements.txt"

    def save_requirements(self) -> None:
        if self.environment is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save requirements", str(self.default_requirements_path()), "Requirements (*.txt)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.save_requirements_to(Path(path))

    def save_requirements_to(self, path: Path, *, overwrite: bool = False) -> Operation | None:
        """Run ``pip freeze`` and write its output to ``path`` (asks before replacing a file)."""
        if self.environment is None:
            return None
        if path.exists() and not overwrite:
            box = QMessageBox(self)
            box.setObjectName("overwriteRequirementsBox")
            box.setIcon(QMessageBox.Icon.Question)
            box.setText(f"{path.name} already exists. Replace it?")
            box.setInformativeText(str(path))
            replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
            replace.setObjectName("replaceButton")
            box.addButton(QMessageBox.StandardButton.Cancel)
            def clicked(button) -> None:
                if button is replace:
                    self.save_requirements_to(path, overwrite=True)

            box.buttonClicked.connect(clicked)
            self.overwrite_box = box
            box.open()
            return None
        operation = Operation(
            self.key, f"Saving requirements to {path.name}", [commands.pip_freeze(self.environment.python)],
            kind=FREEZE, data={"path": path, "overwrite": overwrite}, capture_output=True,
        )
        self.runner.submit(operation)
        return operation

    def choose_requirements_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Install from requirements", str(self.default_requirements_path().parent), "Requirements (*.txt);;All files (*)"
        )
        if path:
            self.install_requirements_file(Path(path))

    def install_requirements_file(
        self, path: Path, *, options_confirmed: bool = False, environment: Environment | None = None
    ) -> Operation | None:
        """Check the file line by line, confirm lines that change where code comes from, then ``pip install -r``."""
        from core.requirements import read_requirements_file

        environment = environment or self.environment
        if environment is None:
            return None
        try:
            parsed = read_requirements_file(path)
        except InvalidInput as error:
            self.message_bar.show_message(str(error), Level.ERROR, error.detail)
            return None
        if not parsed.ok:
            self.message_bar.show_message(
                f"{path.name} has lines Venvdesk cannot read, so nothing was installed. {parsed.describe_errors()}",
                Level.ERROR,
                parsed.describe_errors(),
            )
            return None
        if parsed.changes_sources and not options_confirmed:
            box = QMessageBox(self)
            box.setObjectName("requirementsOptionsBox")
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("Check where the code comes from")
            box.setText(f"{path.name} has lines that change where packages are downloaded from, or install local code:")
            box.setInformativeText(parsed.describe_options() + "\n\nInstall only if you trust this file.")
            go = box.addButton("Install anyway", QMessageBox.ButtonRole.AcceptRole)
            go.setObjectName("installRequirementsAnywayButton")
            box.addButton(QMessageBox.StandardButton.Cancel)
            def confirmed(button) -> None:
                if button is go:
                    self.install_requirements_file(path, options_confirmed=True, environment=environment)

            box.buttonClicked.connect(confirmed)
            self.requirements_options_box = box
            box.open()
            return None
        command = commands.pip_install_requirements(
            environment.python, path, pip_version=self.pip_version(environment), index_url=self.settings.index_url
        )
        requirements = [line.requirement for line in parsed.requirements if line.requirement is not None]
        operation = Operation(
            str(environment.path), f"Installing from {path.name}", [command], kind=CHANGE,
            data={"names": [r.name for r in requirements], "repair_specs": [str(r) for r in requirements]},
        )
        self.runner.submit(operation)
        self._update_queue()
        return operation

    # -- outcomes ----------------------------------------------------------------------------

    def _operation_finished(self, outcome: Outcome) -> None:
        operation = outcome.operation
        self._update_queue()
        if operation.kind == CHANGE:
            self._change_finished(outcome)
        elif operation.kind == CHECK:
            self._check_finished(outcome)
        elif operation.kind == FREEZE:
            self._freeze_finished(outcome)

    def _change_finished(self, outcome: Outcome) -> None:
        operation = outcome.operation
        if outcome.status in (Status.CANCELLED, Status.CRASHED):
            # What it was installing: the only safe names for Repair to reinstall later.
            self._interrupted[operation.key] = list(operation.data.get("repair_specs", ()))
        elif outcome.ok:
            self._interrupted.pop(operation.key, None)
        if outcome.status is Status.FAILED:
            self.message_bar.show_message(
                f"{operation.title} did not work. The log shows pip's explanation.", Level.ERROR, outcome.detail()
            )
        elif outcome.status is Status.FAILED_TO_START:
            self.message_bar.show_message(str(outcome), Level.ERROR, outcome.detail())
        environment = Environment.load(operation.key)
        if operation.key == self.key:
            self.reload(check_python=False)
        # Follow-ups: pip's own consistency check, and a scan for half-installed files.
        self.runner.submit(
            Operation(operation.key, "Checking that packages fit together", [commands.pip_check(environment.python)],
                      kind=CHECK, capture_output=True, data={"after": outcome.status})
        )
        path = operation.key

        def scanned(integrity: Integrity) -> None:
            if path == self.key:
                self.show_integrity(integrity, outcome)
            else:  # the person moved on; the result shows when they come back and it is re-checked
                self.checks_finished.emit(path)

        run_in_background(lambda: check_integrity(environment.site_packages()), scanned, self._failed("check for half-installed files"), context=self)

    def _show_repair_offer(self, integrity: Integrity) -> None:
        self.integrity = integrity
        if integrity.clean:
            self.repair_bar.hide()
            return
        unknown = [o for o in integrity.orphans if not self._interrupted.get(self.key)]
        advice = "Repair reinstalls them."
        if unknown and not integrity.damaged and not integrity.leftovers:
            advice = "Reinstall the package these files belong to (Repair cannot tell which one it is)."
        self.repair_label.setText(
            f"<b>This environment may have half-installed packages</b> ({html.escape(integrity.describe())}). {advice}"
        )
        self.repair_bar.show()
        self.repair_button.setEnabled(bool(integrity.damaged or integrity.leftovers or self._interrupted.get(self.key)))

    def show_integrity(self, integrity: Integrity, outcome: Outcome | None = None) -> None:
        """Show the scan after a change; tell the person what an interruption left behind."""
        self._show_repair_offer(integrity)
        interrupted = outcome is not None and outcome.status in (Status.CANCELLED, Status.CRASHED)
        if integrity.clean:
            if interrupted:
                self.message_bar.show_message(
                    f"{outcome.operation.title} was {'cancelled' if outcome.status is Status.CANCELLED else 'stopped'}."
                    " The environment was checked: no half-installed files were left.",
                    Level.INFO,
                )
        elif interrupted:
            self.message_bar.show_message(
                f"{outcome.operation.title} was interrupted and left half-installed files. Use Repair to fix them.",
                Level.WARNING,
                outcome.detail(),
            )
        self.checks_finished.emit(self.key)

    def _check_finished(self, outcome: Outcome) -> None:
        if outcome.operation.key != self.key:
            return
        lines = [line for line in outcome.stdout.splitlines() if line.strip() and not line.startswith("No broken")]
        if outcome.ok or not lines:
            self.problems_label.hide()
        else:
            self.problems_label.setText("⚠ Some installed packages do not fit together:\n" + "\n".join(lines))
            self.problems_label.show()

    def _freeze_finished(self, outcome: Outcome) -> None:
        from core.requirements import write_requirements_file

        path: Path = outcome.operation.data["path"]
        if not outcome.ok:
            self.message_bar.show_message(f"Could not list the installed packages for {path.name}.", Level.ERROR, outcome.detail())
            return
        try:
            write_requirements_file(path, outcome.stdout, overwrite=outcome.operation.data.get("overwrite", False))
        except UserFacingError as error:  # exists already, or cannot be written
            self.message_bar.show_message(str(error), Level.ERROR, error.detail)
            return
        count = len([line for line in outcome.stdout.splitlines() if line.strip()])
        self.message_bar.show_message(f"Saved {count} package version(s) to {path}.", Level.SUCCESS)
        self.requirements_saved.emit(str(path))

    def repair(self) -> Operation | None:
        """Remove pip's leftovers; reinstall damaged distributions and what an interrupted install was installing.

        Folder names are never passed to pip: ``attr/`` belongs to ``attrs``, and PyPI's ``attr`` is
        another project.
        """
        environment = self.environment
        if environment is None or self.integrity.clean:
            return None
        integrity = self.integrity
        site_packages = environment.site_packages()
        specs = [f"{p.name}=={p.version}" for p in integrity.damaged]
        specs += [s for s in self._interrupted.get(self.key, []) if s not in specs]
        steps = []
        if integrity.leftovers and site_packages is not None:
            paths = [str(site_packages / name) for name in integrity.leftovers]
            steps.append(
                commands.Command(
                    str(environment.python),
                    ("-I", "-c", "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, ignore_errors=True)", *paths),
                    "Remove pip's temporary leftovers",
                )
            )
        if specs:
            steps.append(
                commands.pip_install(
                    environment.python, specs, pip_version=self.pip_version(), index_url=self.settings.index_url,
                    force_reinstall=True, no_deps=True, description="Reinstall the half-installed packages",
                )
            )
        if not steps:
            return None
        self.repair_bar.hide()
        return self.submit_change("Repairing the environment", steps, names=specs, repair_specs=specs)

    # -- queue -------------------------------------------------------------------------------

    def _update_queue(self) -> None:
        pending = self.runner.pending_operations(self.key) if self.key else []
        self.queue_list.clear()
        for operation in pending:
            item = QListWidgetItem(operation.title)
            item.setData(Qt.ItemDataRole.UserRole, operation.id)
            self.queue_list.addItem(item)
        self.queue_box.setVisible(bool(pending))

    def remove_selected_from_queue(self) -> None:
        item = self.queue_list.currentItem() or (self.queue_list.item(0) if self.queue_list.count() else None)
        if item is None:
            return
        wanted = item.data(Qt.ItemDataRole.UserRole)
        for operation in self.runner.pending_operations(self.key):
            if operation.id == wanted:
                self.runner.cancel(operation)
        self._update_queue()
