"""The main window: Environments on the left, Packages on the right, the Log docked below."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QFile, QItemSelectionModel, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core import commands, storage
from core.environments import (
    Environment,
    EnvironmentRegistry,
    activation_command,
    deletion_refusal,
    folder_size,
    foreign_entries,
    human_size,
)
from core.errors import UserFacingError
from core.settings import Settings
from gui import icons, theme
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.models.environments import EnvironmentEntry, EnvironmentListModel
from gui.packages_panel import PackagesPanel
from gui.runner import Operation, Outcome, ProcessRunner, Status
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.interpreters import Interpreter
    from gui.dialogs.new_environment import NewEnvironmentDialog, NewEnvironmentRequest

# Modules needed only after the window is up (discovery, the dialog, HTTP, the pip cache) are
# imported where they are used: importing them before the first paint made start-up ~25% slower
# (benchmarks/bench_startup.py).

WELCOME_PAGE, LIST_PAGE = range(2)
PIP_REFRESH_DELAY_MS = 3000


def _load_entries(registry: EnvironmentRegistry) -> list[EnvironmentEntry]:
    """Read every known environment and its health from disk (runs on a worker thread)."""
    entries = []
    for path in registry.environment_paths():
        environment = Environment.load(path)
        entries.append(EnvironmentEntry(environment, environment.health()))
    return entries


class MainWindow(QMainWindow):
    environments_loaded = Signal()
    packages_loaded = Signal(str)  # environment path
    interpreters_loaded = Signal()
    creation_finished = Signal(object)  # Outcome, after any clean-up
    environment_deleted = Signal(str, str)  # path, where it went in the trash

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        theme.ensure_installed()
        self.setWindowTitle("Venvdesk")
        self.setWindowIcon(icons.app_icon())
        self.resize(1100, 720)

        self.settings = Settings.load()
        self.registry = EnvironmentRegistry.load()
        self.runner = ProcessRunner(self)
        self.interpreters: list[Interpreter] = []
        self.interpreters_loading = True
        self.new_environment_dialog: NewEnvironmentDialog | None = None
        self.confirm_delete_box: QMessageBox | None = None
        self.confirm_quit_box: QMessageBox | None = None
        self._quit_confirmed = False
        self._creations: dict[int, tuple[NewEnvironmentRequest, bool]] = {}
        self._active: list[Operation] = []
        self._packages_for = ""
        self._select_after_load = ""

        self.environment_model = EnvironmentListModel(parent=self)
        self._build_actions()
        self._build_ui()
        self._build_menus()
        self._connect_runner()
        self._set_state()

        for problem in (self.registry.problem, self.settings.problem):
            if problem:
                self.message_bar.show_message(problem, Level.WARNING)
                self.log_view.note(problem)
        # Everything that touches the disk or starts processes waits until the window is up.
        QTimer.singleShot(0, self._start_background_work)

    # -- building ----------------------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, name: str, slot, icon: str | None = None, shortcut=None) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            if icon is not None:
                icons.set_action_icon(act, icon)
            if shortcut is not None:
                act.setShortcut(shortcut)
            act.triggered.connect(slot)
            if name != "deleteEnvironmentAction":  # its shortcut belongs to the environment list
                self.addAction(act)
            return act

        keys = QKeySequence.StandardKey
        self.new_action = action("New environment…", "newEnvironmentAction", self.new_environment, "new-environment", keys.New)
        self.add_existing_action = action("Add existing environment…", "addExistingAction", self.add_existing_environment, "add-existing", keys.Open)
        self.open_folder_action = action("Open folder", "openFolderAction", self.open_folder, "open-folder")
        self.copy_activation_action = action("Copy activation command", "copyActivationAction", self.copy_activation_command, "copy")
        self.open_terminal_action = action("Open terminal here", "openTerminalAction", self.open_terminal, "terminal")
        self.remove_action = action("Remove from list", "removeFromListAction", self.remove_from_list, "remove")
        self.delete_action = action("Move to trash…", "deleteEnvironmentAction", self.delete_selected, "trash", keys.Delete)
        self.settings_action = action("Settings…", "settingsAction", self.open_settings, "settings", keys.Preferences)
        self.quit_action = action("Quit", "quitAction", self.close, None, keys.Quit)
        self.open_log_folder_action = action("Open the log folder", "openLogFolderAction", self.open_log_folder, "open-folder")
        self.refresh_action = action("Refresh", "refreshAction", self.refresh_environments, "refresh", keys.Refresh)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        app_menu = bar.addMenu("&Venvdesk")
        app_menu.addAction(self.new_action)
        app_menu.addAction(self.add_existing_action)
        app_menu.addSeparator()
        app_menu.addAction(self.settings_action)
        app_menu.addSeparator()
        app_menu.addAction(self.quit_action)
        bar.addMenu(self.environment_menu).setText("&Environment")
        packages_menu = bar.addMenu("&Packages")
        packages_menu.addAction(self.packages_panel.save_requirements_action)
        packages_menu.addAction(self.packages_panel.install_requirements_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.open_log_folder_action)

    def open_settings(self):
        from gui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.settings.index_url, self)

        def save() -> None:
            self.settings.index_url = dialog.index_url()
            try:
                self.settings.save()
            except OSError as exc:
                self.show_error(UserFacingError("Your settings could not be saved.", str(exc)))
            self.update_index_label()
            self.packages_panel.set_environment(self.selected_entry())

        dialog.accepted.connect(save)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def open_log_folder(self) -> None:
        folder = self.log_view.activity_log.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.message_bar.show_message(f"The log files are in {folder}.", Level.INFO)

    def _build_ui(self) -> None:
        self.message_bar = MessageBar()

        # Environments panel ------------------------------------------------------------------
        title = QLabel("Environments")
        title.setObjectName("environmentsTitle")
        theme.set_role(title, "title")
        self.new_environment_button = QPushButton("New…")
        icons.set_action_icon(self.new_environment_button, "new-environment")
        self.new_environment_button.setObjectName("newEnvironmentButton")
        self.new_environment_button.setAccessibleName("Create a new environment")
        self.new_environment_button.setToolTip("Create a new virtual environment")
        self.new_environment_button.clicked.connect(self.new_environment)
        self.environment_menu_button = QToolButton()
        self.environment_menu_button.setObjectName("environmentMenuButton")
        self.environment_menu_button.setAccessibleName("More environment actions")
        self.environment_menu_button.setText("More")
        self.environment_menu_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.environment_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.environment_menu = QMenu(self)
        self.environment_menu.setObjectName("environmentMenu")
        for act in (
            self.open_folder_action,
            self.copy_activation_action,
            self.open_terminal_action,
            None,
            self.add_existing_action,
            self.refresh_action,
            None,
            self.remove_action,
            self.delete_action,
        ):
            if act is None:
                self.environment_menu.addSeparator()
            else:
                self.environment_menu.addAction(act)
        self.environment_menu_button.setMenu(self.environment_menu)
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.new_environment_button)
        header.addWidget(self.environment_menu_button)

        self.environment_list = QTreeView()
        self.environment_list.setObjectName("environmentList")
        self.environment_list.setAccessibleName("Environments")
        self.environment_list.setModel(self.environment_model)
        # Delete moves an environment to the trash only when the list has the focus: pressed in
        # the package table it must not offer to trash the whole environment.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.environment_list.addAction(self.delete_action)
        self.environment_list.setRootIsDecorated(False)
        self.environment_list.setUniformRowHeights(True)
        self.environment_list.setIconSize(QSize(18, 18))
        self.environment_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.environment_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.environment_list.customContextMenuRequested.connect(
            lambda pos: self.environment_menu.popup(self.environment_list.viewport().mapToGlobal(pos))
        )
        self.environment_list.header().setStretchLastSection(False)
        self.environment_list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.environment_list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.environment_list.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        welcome = QWidget()
        welcome.setObjectName("welcomePage")
        welcome_text = QLabel(
            "<h3>Welcome to Venvdesk</h3>"
            "<p>An <b>environment</b> is a private set of Python packages for one project."
            " Create one, then install the packages your project needs into it.</p>"
        )
        welcome_text.setObjectName("welcomeText")
        welcome_text.setWordWrap(True)
        welcome_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_button = QPushButton("Create your first environment")
        icons.set_action_icon(self.welcome_button, "new-environment")
        self.welcome_button.setObjectName("welcomeCreateButton")
        self.welcome_button.setAccessibleName("Create your first environment")
        self.welcome_button.clicked.connect(self.new_environment)
        self.welcome_add_button = QPushButton("I already have one…")
        self.welcome_add_button.setObjectName("welcomeAddExistingButton")
        self.welcome_add_button.setFlat(True)
        self.welcome_add_button.clicked.connect(self.add_existing_environment)
        welcome_layout = QVBoxLayout(welcome)
        welcome_layout.addStretch(1)
        welcome_layout.addWidget(welcome_text)
        welcome_layout.addWidget(self.welcome_button, 0, Qt.AlignmentFlag.AlignCenter)
        welcome_layout.addWidget(self.welcome_add_button, 0, Qt.AlignmentFlag.AlignCenter)
        welcome_layout.addStretch(2)

        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.environment_list, 1)
        self.environment_pages = QStackedWidget()
        self.environment_pages.setObjectName("environmentPages")
        self.environment_pages.addWidget(welcome)
        self.environment_pages.addWidget(list_page)

        environments_panel = QWidget()
        environments_panel.setObjectName("environmentsPanel")
        left = QVBoxLayout(environments_panel)
        left.addLayout(header)
        left.addWidget(self.environment_pages, 1)

        # Packages panel ----------------------------------------------------------------------
        self.packages_panel = PackagesPanel(self.runner, self.settings, self.message_bar, [self.remove_action, self.delete_action])
        self.packages_panel.packages_loaded.connect(self.packages_loaded)
        self.packages_panel.environment_broken.connect(self._mark_broken)
        from gui.search_panel import SearchPanel

        self.search_panel = SearchPanel(
            self.settings,
            self.packages_panel,
            lambda: [entry.environment for entry in self.environment_model.entries() if entry.health.ok],
        )
        self.packages_panel.packages_loaded.connect(lambda _path: self.search_panel.environment_changed())
        self.package_tabs = QTabWidget()
        self.package_tabs.setObjectName("packageTabs")
        self.package_tabs.addTab(self.packages_panel, "Installed")
        self.package_tabs.addTab(self.search_panel, "Find packages")
        self.package_tabs.currentChanged.connect(self._tab_changed)

        splitter = QSplitter()
        splitter.addWidget(environments_panel)
        splitter.addWidget(self.package_tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 680])
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(8, 8, 8, 0)
        central_layout.addWidget(self.message_bar)
        central_layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        # Log dock ----------------------------------------------------------------------------
        self.log_view = LogView()
        copy_log = QPushButton("Copy")
        copy_log.setObjectName("copyLogButton")
        copy_log.setAccessibleName("Copy the whole log")
        copy_log.setToolTip("Copy the whole log, to paste it to someone helping you")
        copy_log.clicked.connect(self.copy_log)
        save_log = QPushButton("Save…")
        save_log.setObjectName("saveLogButton")
        save_log.setAccessibleName("Save the log to a file")
        save_log.clicked.connect(self.save_log)
        self.log_file_label = QLabel()
        self.log_file_label.setObjectName("logFileLabel")
        self.log_file_label.setText(f"Also kept in {self.log_view.activity_log.path}")
        self.log_file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_view.file_problem.connect(self._log_file_problem)
        log_buttons = QHBoxLayout()
        log_buttons.setContentsMargins(0, 0, 0, 0)
        log_buttons.addWidget(self.log_file_label, 1)
        log_buttons.addWidget(copy_log)
        log_buttons.addWidget(save_log)
        log_panel = QWidget()
        log_layout = QVBoxLayout(log_panel)
        log_layout.setContentsMargins(4, 0, 4, 4)
        log_layout.addLayout(log_buttons)
        log_layout.addWidget(self.log_view, 1)
        dock = QDockWidget("Log", self)
        dock.setObjectName("logDock")
        dock.setWidget(log_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [190], Qt.Orientation.Vertical)

        # Activity in the status bar ----------------------------------------------------------
        self.activity_label = QLabel()
        self.activity_label.setObjectName("activityLabel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setAccessibleName("Progress of the running operation")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setMaximumWidth(180)
        self.cancel_button = QPushButton("Cancel")
        icons.set_action_icon(self.cancel_button, "cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel the running operation")
        self.cancel_button.clicked.connect(self.cancel_current)
        self.index_label = QLabel()
        self.index_label.setObjectName("indexLabel")
        self.update_index_label()
        status = self.statusBar()
        status.addWidget(self.activity_label, 1)
        status.addPermanentWidget(self.index_label)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)

    def _connect_runner(self) -> None:
        self.runner.started.connect(self._operation_started)
        self.runner.step_started.connect(lambda _op, command: self.log_view.command(command))
        self.runner.output.connect(lambda _op, text, is_error: self.log_view.output(text, is_error))
        self.runner.finished.connect(self._operation_finished)
        self.runner.progress.connect(self._operation_progress)
        self.runner.queued.connect(lambda op: self.log_view.note(f"Queued: {op.title} (waits for the running one)"))

    # -- state -------------------------------------------------------------------------------

    def selected_entry(self) -> EnvironmentEntry | None:
        rows = self.environment_list.selectionModel().selectedRows()
        if not rows:
            return None
        return self.environment_model.entry(rows[0].row())

    def _set_state(self) -> None:
        """The one place that decides what is enabled and visible."""
        entry = self.selected_entry()
        has_entry = entry is not None
        busy = has_entry and self.runner.is_busy(str(entry.environment.path))
        for act in (self.open_folder_action, self.copy_activation_action, self.open_terminal_action):
            act.setEnabled(has_entry and entry.environment.path.is_dir())
        self.remove_action.setEnabled(has_entry and not busy)
        self.delete_action.setEnabled(has_entry and not busy)
        empty = self.environment_model.rowCount() == 0
        self.environment_pages.setCurrentIndex(WELCOME_PAGE if empty else LIST_PAGE)
        running = bool(self._active)
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.activity_label.setText(f"{self._active[-1].title}…")

    # -- background start-up work ------------------------------------------------------------

    def _start_background_work(self) -> None:
        self.refresh_environments()
        self.refresh_interpreters()
        # Not urgent, and its HTTP imports would compete with the first paint.
        QTimer.singleShot(PIP_REFRESH_DELAY_MS, self._refresh_pip_wheel)

    def refresh_environments(self, select: str = "") -> None:
        if select:
            self._select_after_load = select
        elif self.selected_entry() is not None:
            self._select_after_load = str(self.selected_entry().environment.path)
        registry = self.registry
        run_in_background(lambda: _load_entries(registry), self._environments_read, self._background_failed("read the environments"), context=self)

    def _environments_read(self, entries: list[EnvironmentEntry]) -> None:
        self.environment_model.set_entries(entries)
        row = self.environment_model.row_of(self._select_after_load) if self._select_after_load else -1
        if row < 0 and entries:
            row = 0
        if row >= 0:
            self.environment_list.selectionModel().select(
                self.environment_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.environment_list.setCurrentIndex(self.environment_model.index(row, 0))
        self._selection_changed()
        self.environments_loaded.emit()

    def refresh_interpreters(self) -> None:
        self.interpreters_loading = True
        from core.interpreters import find_interpreters

        run_in_background(find_interpreters, self._interpreters_found, self._background_failed("look for Python installations"), context=self)

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

    def _refresh_pip_wheel(self) -> None:
        from core import pip_wheels, pypi

        if not pip_wheels.needs_refresh():
            return
        index = pypi.configured_index_url(self.settings.index_url)

        def failed(exc: BaseException, _tb: str) -> None:
            self.log_view.note(
                f"Could not fetch the newest pip from {commands.redact(index)} ({exc})."
                " New environments use the pip already kept by Venvdesk, or the one that comes with Python."
            )

        run_in_background(lambda: pip_wheels.refresh_pip_wheel(index), lambda _path: None, failed, context=self)

    def _background_failed(self, what: str):
        def show(exc: BaseException, formatted: str) -> None:
            self.show_error(UserFacingError(f"Venvdesk could not {what}.", str(exc), detail=formatted))

        return show

    def _save_quietly(self, save, what: str) -> None:
        """Save a small state file; if that fails the work goes on and the person is told why."""
        try:
            save()
        except OSError as exc:
            self.show_error(
                UserFacingError(
                    f"{what} could not be saved, so this change will be forgotten when Venvdesk restarts.",
                    "Check that your disk is not full and that your user folder can be written to.",
                    detail=str(exc),
                )
            )

    def show_error(self, error: UserFacingError) -> None:
        self.message_bar.show_message(str(error), Level.ERROR, error.detail)
        self.log_view.note(f"Error: {error}")

    # -- selection and packages --------------------------------------------------------------

    def _selection_changed(self) -> None:
        self._set_state()
        self.packages_panel.set_environment(self.selected_entry())
        self.search_panel.environment_changed()

    def _tab_changed(self, index: int) -> None:
        if self.package_tabs.widget(index) is self.search_panel:
            if self.search_panel.search_index is None:
                self.search_panel.load_index()  # the first time only: a download or a cache read
            self.search_panel.search_edit.setFocus()

    def show_search(self) -> None:
        self.package_tabs.setCurrentWidget(self.search_panel)

    def _mark_broken(self, path: str, health) -> None:
        row = self.environment_model.row_of(path)
        if row < 0:
            return
        entries = self.environment_model.entries()
        entries[row] = EnvironmentEntry(entries[row].environment, health)
        self._select_after_load = path
        self._environments_read(entries)

    # -- creating ----------------------------------------------------------------------------

    def new_environment(self) -> NewEnvironmentDialog:
        from gui.dialogs.new_environment import NewEnvironmentDialog

        location = self.settings.last_location or str(storage.default_environments_dir())
        dialog = NewEnvironmentDialog(Path(location), self)
        dialog.set_interpreters(self.interpreters, loading=self.interpreters_loading)
        dialog.accepted.connect(lambda: self.create_environment(dialog.request()))
        dialog.finished.connect(lambda _r: setattr(self, "new_environment_dialog", None))
        self.new_environment_dialog = dialog
        dialog.open()
        dialog.name_edit.setFocus()
        return dialog

    def creation_operation(self, request: NewEnvironmentRequest) -> Operation:
        """The steps that make a ready-to-use environment.

        With a cached pip wheel (and "newest pip" chosen): ``venv --without-pip``,
        unpack the wheel, then byte-compile pip — ~0.2 s instead of ensurepip's
        seconds.  Without one: plain ``venv`` (ensurepip), then, if chosen, an
        upgrade of pip from the index that may fail offline without losing the
        environment.
        """
        from core import pip_wheels

        interpreter = request.interpreter
        environment = Environment(request.target)
        title = f"Creating “{request.name}”"
        options = {"system_site_packages": request.system_site_packages, "prompt": request.prompt}
        wheel = None
        if request.upgrade_deps and sys.platform != "win32":
            wheel = pip_wheels.cached_pip_wheel(interpreter.version)
        if wheel is None:
            steps = [commands.create_venv(interpreter.path, request.target, **options)]
            if request.upgrade_deps:
                steps.append(
                    commands.pip_install(
                        environment.python, ["pip"], upgrade=True, index_url=self.settings.index_url,
                        description="Upgrade pip",
                    )
                )
            return Operation(str(request.target), title, steps, optional=frozenset({1}))
        major_minor = "{}.{}".format(*interpreter.version[:2])
        site_packages = request.target / "lib" / f"python{major_minor}" / "site-packages"
        steps = [
            commands.create_venv(interpreter.path, request.target, with_pip=False, **options),
            commands.seed_pip(environment.python, wheel),
            commands.byte_compile(environment.python, site_packages / "pip"),
        ]
        return Operation(str(request.target), title, steps, optional=frozenset({2}))

    def create_environment(self, request: NewEnvironmentRequest) -> Operation:
        existed_before = request.target.exists()
        operation = self.creation_operation(request)
        self._creations[operation.id] = (request, existed_before)
        location = str(request.target.parent)
        if location != str(storage.default_environments_dir()) and location != self.settings.last_location:
            self.settings.last_location = location
            self._save_quietly(self.settings.save, "Your settings")
        self.runner.submit(operation)
        return operation

    def _operation_started(self, operation: Operation) -> None:
        self._active.append(operation)
        self.log_view.begin_section(operation.title)
        self.progress_bar.setRange(0, 0)  # busy until pip reports numbers
        self._set_state()

    def _operation_progress(self, operation: Operation, done: int, total: int) -> None:
        if self._active and operation is self._active[-1] and total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))

    def update_index_label(self) -> None:
        from core import pypi

        index = commands.redact(pypi.configured_index_url(self.settings.index_url))
        source = "Venvdesk's setting" if self.settings.index_url else "pip's configuration"
        self.index_label.setText(f"Index: {index}")
        self.index_label.setToolTip(f"Packages come from {index} (from {source}).")

    def _log_file_problem(self, problem: str) -> None:
        self.log_file_label.setText("Kept on screen only (the log file cannot be written).")
        self.message_bar.show_message(problem, Level.WARNING)

    def copy_log(self) -> None:
        self.log_view.copy_all()
        self.message_bar.show_message("The log was copied. Paste it into a message to someone helping you.", Level.INFO)

    def save_log(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save the log", str(Path.home() / "venvdesk-log.txt"), "Text (*.txt)")
        if path:
            self.save_log_to(Path(path))

    def save_log_to(self, path: Path) -> None:
        try:
            storage.write_text_atomic(path, self.log_view.toPlainText())
        except OSError as exc:
            self.show_error(UserFacingError(f"The log could not be saved to {path}.", str(exc)))
            return
        self.message_bar.show_message(f"Log saved to {path}.", Level.SUCCESS)

    def _operation_finished(self, outcome: Outcome) -> None:
        operation = outcome.operation
        if operation in self._active:
            self._active.remove(operation)
        self.log_view.outcome(str(outcome), outcome.ok)
        self.activity_label.setText(str(outcome))
        self._set_state()
        creation = self._creations.pop(operation.id, None)
        if creation is not None:
            self._creation_finished(outcome, *creation)

    def _creation_finished(self, outcome: Outcome, request: NewEnvironmentRequest, existed_before: bool) -> None:
        if outcome.ok:
            if str(request.target.parent) != str(storage.default_environments_dir()):
                self._save_quietly(lambda: self.registry.add(request.target), "The list of environments")
            self.message_bar.show_message(
                f"“{request.name}” is ready. Its packages are listed on the right.", Level.SUCCESS
            )
            self.refresh_environments(select=str(request.target))
            if request.requirements is not None:
                self.packages_panel.install_requirements_file(request.requirements, environment=Environment.load(request.target))
            self.creation_finished.emit(outcome)
            return

        def cleaned(_result) -> None:
            if outcome.status is Status.CANCELLED:
                self.message_bar.show_message(
                    f"Creating “{request.name}” was cancelled. The half-made folder was removed.", Level.INFO
                )
            else:
                self.message_bar.show_message(
                    f"“{request.name}” could not be created. The half-made folder was removed;"
                    " nothing else was changed.",
                    Level.ERROR,
                    outcome.detail(),
                )
            self.log_view.note(f"Removed the half-made folder {request.target}")
            self.creation_finished.emit(outcome)

        def clean() -> None:
            target = request.target
            if not target.exists():
                return
            if existed_before:  # it was an empty folder: empty it again, keep it
                for child in target.iterdir():
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
            else:
                shutil.rmtree(target)

        def clean_failed(exc: BaseException, formatted: str) -> None:
            self.show_error(
                UserFacingError(
                    f"Creating “{request.name}” stopped, and the half-made folder {request.target} could not be removed.",
                    "Delete it yourself, or choose it in the list and use “Move to trash”.",
                    detail=f"{outcome.detail()}\n\n{formatted}",
                )
            )
            self.creation_finished.emit(outcome)

        run_in_background(clean, cleaned, clean_failed, context=self)

    def cancel_current(self) -> None:
        if self._active:
            self.log_view.note(f"Cancelling: {self._active[-1].title}…")
            self.runner.cancel(self._active[-1])

    # -- per-environment actions -------------------------------------------------------------

    def _require_selection(self) -> EnvironmentEntry | None:
        entry = self.selected_entry()
        if entry is None:
            self.message_bar.show_message("Select an environment in the list first.", Level.INFO)
        return entry

    def open_folder(self) -> None:
        entry = self._require_selection()
        if entry and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(entry.environment.path))):
            self.message_bar.show_message(
                f"No file manager could be opened for {entry.environment.path}.", Level.WARNING
            )

    def copy_activation_command(self) -> str:
        entry = self._require_selection()
        if entry is None:
            return ""
        line = activation_command(entry.environment)
        QGuiApplication.clipboard().setText(line)
        self.message_bar.show_message(
            f"Copied “{line}”. Paste it into a terminal to use this environment there.", Level.INFO
        )
        return line

    def open_terminal(self) -> None:
        entry = self._require_selection()
        if entry is None:
            return
        from core.terminal import terminal_command

        command = terminal_command(entry.environment)
        if command is None or not self.runner.start_detached(command):
            self.message_bar.show_message(
                "No terminal program was found on this computer. Copy the activation command instead"
                " and paste it into the terminal you use.",
                Level.WARNING,
                detail=command.display() if command else "",
            )
            return
        line = activation_command(entry.environment)
        QGuiApplication.clipboard().setText(line)
        self.message_bar.show_message(f"Terminal opened. Paste “{line}” into it to activate the environment.", Level.INFO)

    def add_existing_environment(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose an environment or project folder")
        if folder:
            self.add_environment_folder(folder)

    def add_environment_folder(self, folder: str) -> None:
        try:
            path = self.registry.add(folder)
        except UserFacingError as error:
            self.show_error(error)
            return
        except OSError as exc:
            self.show_error(UserFacingError("The list of environments could not be saved.", str(exc)))
            return
        self.refresh_environments(select=str(path))

    def remove_from_list(self) -> None:
        entry = self._require_selection()
        if entry is None:
            return
        try:
            self.registry.remove(entry.environment.path)
        except OSError as exc:
            self.show_error(UserFacingError("The list of environments could not be saved.", str(exc)))
            return
        self.message_bar.show_message(
            f"“{entry.environment.name}” was removed from the list. Its files are untouched in"
            f" {entry.environment.path}.",
            Level.INFO,
        )
        self._select_after_load = ""
        self.environment_list.clearSelection()
        self.refresh_environments()

    def delete_selected(self) -> None:
        entry = self._require_selection()
        if entry is None:
            return
        path = entry.environment.path
        refusal = deletion_refusal(path)
        if refusal:
            self.show_error(UserFacingError(refusal, "Nothing was deleted.", reference="delete-refused"))
            return
        if self.runner.is_busy(str(path)):
            self.message_bar.show_message("Wait until the running operation on it has finished.", Level.INFO)
            return
        run_in_background(
            lambda: (folder_size(path), foreign_entries(path)),
            lambda result: self._confirm_delete(entry, *result),
            self._background_failed("measure the folder"),
            context=self,
        )

    def _confirm_delete(self, entry: EnvironmentEntry, size: int, foreign: list[str]) -> None:
        path = entry.environment.path
        box = QMessageBox(self)
        box.setObjectName("confirmDeleteBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Move environment to trash")
        box.setText(f"Move “{entry.environment.name}” to the trash?")
        text = f"{path}\n{human_size(size)}\n\nYou can restore it from the trash. Projects that use it will need a new environment."
        if foreign:
            shown = ", ".join(foreign[:8]) + (f" and {len(foreign) - 8} more" if len(foreign) > 8 else "")
            text += (
                f"\n\n⚠ This folder also holds things that are not part of the environment ({shown})."
                " They would go to the trash with it. If this is your project folder, cancel and move"
                " your files out first."
            )
            box.setIcon(QMessageBox.Icon.Warning)
        box.setInformativeText(text)
        trash_button = box.addButton("Move to Trash", QMessageBox.ButtonRole.DestructiveRole)
        trash_button.setObjectName("confirmDeleteButton")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        def clicked(button) -> None:
            if button is trash_button:
                self._move_to_trash(entry)

        box.buttonClicked.connect(clicked)
        self.confirm_delete_box = box
        box.open()

    def _move_to_trash(self, entry: EnvironmentEntry) -> None:
        path = entry.environment.path
        refusal = deletion_refusal(path)  # the folder may have changed while the box was open
        if refusal:
            self.show_error(UserFacingError(refusal, "Nothing was deleted.", reference="delete-refused"))
            return
        folder = QFile(str(path))
        if not folder.moveToTrash():
            self.show_error(
                UserFacingError(
                    f"“{entry.environment.name}” could not be moved to the trash. Nothing was deleted.",
                    "Your system may have no trash for this folder's drive; delete it with your file manager.",
                    reference="trash-failed",
                    detail=f"Folder: {path}",
                )
            )
            return
        trashed = folder.fileName()  # after the move: where it is in the trash
        self._save_quietly(lambda: self.registry.forget_deleted(path), "The list of environments")
        self.log_view.note(f"Moved {path} to the trash ({trashed}).")
        self.message_bar.show_message(f"“{entry.environment.name}” was moved to the trash.", Level.SUCCESS)
        self._select_after_load = ""
        self.environment_list.clearSelection()
        self.refresh_environments()
        self.environment_deleted.emit(str(path), trashed or "")

    # -- appearance and closing --------------------------------------------------------------

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange:
            icons.palette_changed()  # icons are drawn in the palette's text colour
            theme.refresh()
        super().changeEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        busy = self.runner.running_operations()
        if busy and not self._quit_confirmed:
            event.ignore()
            self._confirm_quit(busy)
            return
        self.runner.shutdown()
        super().closeEvent(event)

    def _confirm_quit(self, busy: list[Operation]) -> None:
        box = QMessageBox(self)
        box.setObjectName("confirmQuitBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Quit Venvdesk?")
        box.setText("Venvdesk is still working: " + "; ".join(op.title for op in busy) + ".")
        box.setInformativeText(
            "If you quit now, it is stopped. An environment may then have half-installed packages;"
            " Venvdesk checks for them next time and offers to repair them."
        )
        stop = box.addButton("Stop and quit", QMessageBox.ButtonRole.DestructiveRole)
        stop.setObjectName("stopAndQuitButton")
        box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)

        def clicked(button) -> None:
            if button is stop:
                self._quit_confirmed = True
                self.close()

        box.buttonClicked.connect(clicked)
        self.confirm_quit_box = box
        box.open()
