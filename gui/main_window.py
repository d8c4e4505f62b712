"""The main window: Environments on the left, Installed / Find packages on the right, the Log below.

Layout and wiring only: the views display, the controllers (``gui/controllers``)
own the verbs, and :class:`~gui.current_environment.CurrentEnvironment` is the
selection every view observes.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.commands import redact
from core.environments import EnvironmentRegistry
from core.errors import UserFacingError
from core.settings import Settings
from gui import icons, theme
from gui.activity import ActivityIndicator
from gui.attention_bar import AttentionBar
from gui.controllers import show_error
from gui.controllers.changes import ChangesController
from gui.controllers.creation import CreationController
from gui.controllers.environments import EnvironmentController
from gui.controllers.operations import OperationsController
from gui.controllers.packages import PackageController
from gui.controllers.recovery import RecoveryController
from gui.controllers.recreate import RecreateController
from gui.current_environment import CurrentEnvironment
from gui.dialogs import confirmations
from gui.environments_panel import EnvironmentsPanel
from gui.log_panel import LogPanel
from gui.message_bar import Level, MessageBar
from gui.models.base import plain_tooltip
from gui.packages_panel import PackagesPanel
from gui.runner import ProcessRunner
from gui.workers import import_in_background, run_in_background

if TYPE_CHECKING:
    from core.explain import Fix
    from gui.controllers.missing import MissingPackagesController
    from gui.controllers.projects import ProjectController
    from gui.controllers.usage import UsageController
    from gui.project_page import ProjectPage
    from gui.search_panel import SearchPanel

# Modules needed only after the window is up (discovery, the dialogs, HTTP, the pip cache, the
# Find tab's search) are imported where they are used: importing them before the first paint made
# start-up ~25% slower (benchmarks/bench_startup.py).  What the first paint does not show — the
# Find tab, the project page and the controllers behind them (projects, missing packages, Jupyter
# and "how to use") — is built right after it (:meth:`MainWindow.finish_building`).


#: Imported on a worker right after the first paint, before the projects controller is built on the UI
#: thread; the list is read right after it, then the pip wheel refreshed; the Pythons looked for later.
MODULES_THE_PROJECTS_USE = ("core.projects", "core.editors", "core.pip_wheels", "core.interpreters")
#: Imported on a worker before the other parts are built (missing packages, Jupyter and "how to use",
#: the Find tab and its package page).
MODULES_THE_OTHER_PARTS_USE = (
    "core.code_imports",
    "core.import_names",
    "core.jupyter",
    "core.usage",
    "core.preview",
    "core.history",
)

#: How long a worker thread may hold the interpreter while the UI thread waits for it (seconds).
UI_SWITCH_INTERVAL = 0.001

#: How long a shown window may stay unpainted before what follows the first paint starts anyway.
FIRST_PAINT_PATIENCE_MS = 1000


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        # Workers (interpreter probes, imports ahead of use, scans) run Python beside the UI thread, which
        # waits for the interpreter lock each time it wakes: Python hands it over after 5 ms by default,
        # which under load added up to 50-60 ms heartbeat gaps on a first start; 1 ms keeps them ~30 ms.
        # Only threads that ask for the lock are affected: an idle UI thread costs the workers nothing.
        sys.setswitchinterval(UI_SWITCH_INTERVAL)
        theme.ensure_installed()
        self.setWindowTitle("Venvdesk")
        self.setWindowIcon(icons.app_icon())
        self.resize(1100, 720)
        self.confirm_quit_box: QMessageBox | None = None
        self._quit_confirmed = False

        self.settings = Settings.load()
        self.registry = EnvironmentRegistry.load()
        self.runner = ProcessRunner(self)
        self.message_bar = MessageBar()
        self.log_panel = LogPanel(self.message_bar)
        self.log_view = self.log_panel.log_view
        self.current = CurrentEnvironment(self.settings, self.runner.is_busy, self)

        # Controllers: each owns its verbs and their outcomes.
        self.operations = OperationsController(self.runner, self.current, self.settings, self.message_bar, self.log_view, self)
        self.environment_actions = EnvironmentController(
            self.registry, self.runner, self.current, self.message_bar, self.log_view, self
        )
        self.package_actions = PackageController(self.operations, self.current, self.message_bar, self.log_view, self)
        self.creation = CreationController(
            self.settings, self.operations, self.environment_actions, self.package_actions, self.message_bar, self.log_view, self
        )
        self.recovery = RecoveryController(self.operations, self.current, self.message_bar, self.log_view, self)
        self.recovery.create_again_requested.connect(self.creation.create_again)
        self.recovery.recovered.connect(lambda _path: self.environment_actions.refresh())
        self.changes = ChangesController(self.operations, self.current, self.message_bar, self.log_view, self)
        self.recreation = RecreateController(
            self.operations, self.current, self.creation, self.environment_actions, self.message_bar, self.log_view, self
        )
        self._wire_fixes()
        self.activity = ActivityIndicator(self.runner, self.log_view, self)
        self._build_app_actions()
        self._build_ui()
        self._build_menus()
        self.current.failed.connect(lambda error: show_error(self.message_bar, self.log_view, error))

        for problem in (self.registry.problem, self.settings.problem):
            if problem:
                self.message_bar.show_message(problem, Level.WARNING)
                self.log_view.note(problem)
        self.setAcceptDrops(True)  # a project folder dropped on the window is opened
        # Built after the first paint (or when first needed, whichever comes first).
        self._projects: ProjectController | None = None
        self._missing_packages: MissingPackagesController | None = None
        self._usage: UsageController | None = None
        self._search_panel: SearchPanel | None = None
        self._painted = False
        self._started = False
        self._discovery_started = False
        self._build_steps = [
            self._build_projects,
            self._build_missing_packages,
            self._build_usage,
            self._import_search_panel,
            self._build_search_panel,
        ]
        self.installEventFilter(self)  # until the first paint
        # Everything that touches the disk or starts processes waits until the window is painted
        # (a window never shown starts it on the first turn of the event loop).
        QTimer.singleShot(0, self, self._first_turn)
        QTimer.singleShot(FIRST_PAINT_PATIENCE_MS, self, self._finish_start)  # a window shown but never painted

    # -- after the first paint ---------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self and event.type() == QEvent.Type.UpdateRequest and not self._painted:
            # The window's first frame is being drawn: build the rest on the next turn.
            self._painted = True
            self.removeEventFilter(self)
            QTimer.singleShot(0, self, self._finish_start)
        return False

    def _first_turn(self) -> None:
        if self.isVisible() and not self._painted:
            return  # the first paint starts it
        self._finish_start()

    def _finish_start(self) -> None:
        """After the first paint: what it did not show, and the work that fills the window, spread out.

        Building a part is mostly importing it, and importing the plain-Python half of a part (the
        project reader and ``packaging``, the import scanner, Jupyter, the package page's history)
        took 20-60 ms each on the UI thread: heartbeat gaps of 80-240 ms on a first start.  So those
        modules are imported on a worker first (the UI thread waits at most a GIL switch at a time),
        and each part is built on its own turn of the event loop once they are loaded: the projects
        first (the list's project rows need them), then the list is read (and the pip wheel
        refreshed once it is shown) and the editors looked for, then the other parts.  The
        interpreters' discovery comes last: its workers (a probe per Python found) hold the
        interpreter lock often enough that building widgets beside them took several times as
        long (a 120 ms gap for a 9 ms part).
        """
        if self._started:
            return
        self._started = True
        # What start-up made lives as long as the window: leave it out of the cyclic garbage
        # collector's full passes, which otherwise walk all of it while holding the interpreter
        # (a worker allocating the 886k-name search index triggered ~60-80 ms UI gaps).
        gc.freeze()
        import_in_background(MODULES_THE_PROJECTS_USE, context=self, then=self._projects_loaded)

    def _projects_loaded(self) -> None:
        if self._projects is None:
            self._build_next()  # the projects first: the list's project rows need them
        self._start_background_work()
        import_in_background(MODULES_THE_OTHER_PARTS_USE, context=self, then=self._build_in_turns)

    def _build_in_turns(self) -> None:
        """One part per turn of the event loop, so that the window answers in between (each ~1-10 ms)."""
        if self._build_next():
            QTimer.singleShot(0, self, self._build_in_turns)
        else:
            QTimer.singleShot(0, self, self._start_discovery)

    def _build_next(self) -> bool:
        """Build the next part not built yet; True while parts remain."""
        if self._build_steps:
            self._build_steps.pop(0)()
        return bool(self._build_steps)

    def finish_building(self) -> None:
        """Build what the first paint does not show: the Find tab, the project page, and the controllers
        of projects, missing packages and "use this environment" (menus and actions included).

        Right after the first paint these are built one per turn of the event loop; whatever needs
        one of them earlier builds the rest at once (idempotent).
        """
        while self._build_next():
            pass

    def _build_projects(self) -> None:
        from gui.controllers.projects import ProjectController

        projects = ProjectController(
            self, self.registry, self.environment_actions, self.creation, self.package_actions, self.runner,
            self.message_bar, self.log_view,
        )
        self._projects = projects
        self.package_actions.project_folder = projects.current_project_folder
        projects.page.add_tool(self.recreation.recreate_action, only_for_broken=True)
        # "Open project folder…" first in the app menu; the Project menu.
        self._app_menu.insertAction(self.creation.new_action, projects.open_action)
        for action in projects.menu_actions():
            if action is None:
                self.project_menu.addSeparator()
            else:
                self.project_menu.addAction(action)
        # The project page's tab, hidden until a project is selected.
        tabs = self.package_tabs
        tabs.blockSignals(True)  # the current tab stays: nothing to react to
        current = tabs.currentWidget()
        tabs.insertTab(0, projects.page, "Project")
        tabs.setTabVisible(0, False)
        tabs.setCurrentWidget(current)
        tabs.blockSignals(False)
        projects.page_wanted.connect(self._show_project_page)
        projects.packages_wanted.connect(lambda: self.package_tabs.setCurrentWidget(self.packages_panel))

    def _build_missing_packages(self) -> None:
        from gui.controllers.missing import MissingPackagesController

        projects = self.projects
        missing = MissingPackagesController(
            self.current, self.package_actions, self.message_bar, self.log_view, self, projects.current_project_folder
        )
        self._missing_packages = missing
        missing.search_index = lambda: self.search_panel.search_index
        projects.page.add_tool(missing.scan_action, first=True)
        self.project_menu.addSeparator()
        self.project_menu.addAction(missing.scan_action)

    def _build_usage(self) -> None:
        from gui.controllers.usage import UsageController

        environments = self.environment_actions
        usage = UsageController(
            self.operations,
            self.current,
            environments,
            self.package_actions,
            self.message_bar,
            self.log_view,
            self,
            lambda: [entry.environment for entry in environments.model.entries() if entry.health.ok],
            self.changes,
        )
        self._usage = usage
        usage.search_index = lambda: self.search_panel.search_index
        self.environments_panel.add_menu_actions([usage.jupyter_action, usage.how_to_use_action, usage.kernels_action])

    def _import_search_panel(self) -> None:
        """The Find tab's modules on a turn of their own: the largest part, built in two halves."""
        import gui.search_panel  # noqa: F401

    def _build_search_panel(self) -> None:
        from gui.search_panel import SearchPanel

        environments = self.environment_actions
        search_panel = SearchPanel(
            self.current,
            lambda: [entry.environment for entry in environments.model.entries() if entry.health.ok],
        )
        self._search_panel = search_panel
        search_panel.install_requested.connect(self.package_actions.install_release)
        tabs = self.package_tabs
        tabs.blockSignals(True)
        was_chosen = tabs.currentWidget() is self._search_placeholder
        index = tabs.indexOf(self._search_placeholder)
        tabs.insertTab(index, search_panel, "Find packages")
        tabs.removeTab(index + 1)
        self._search_placeholder.deleteLater()
        if was_chosen:
            tabs.setCurrentWidget(search_panel)
        tabs.blockSignals(False)
        if was_chosen:
            self._tab_changed(tabs.currentIndex())

    @property
    def projects(self) -> ProjectController:
        if self._projects is None:
            self.finish_building()
        assert self._projects is not None
        return self._projects

    @property
    def missing_packages(self) -> MissingPackagesController:
        self.finish_building()
        assert self._missing_packages is not None
        return self._missing_packages

    @property
    def usage(self) -> UsageController:
        self.finish_building()
        assert self._usage is not None
        return self._usage

    @property
    def search_panel(self) -> SearchPanel:
        self.finish_building()
        assert self._search_panel is not None
        return self._search_panel

    @property
    def project_page(self) -> ProjectPage:
        return self.projects.page

    # -- building ----------------------------------------------------------------------------

    def _wire_fixes(self) -> None:
        """What the fix buttons of an explained failure do: each goes to the controller that owns the verb."""
        changes = self.changes
        changes.fix_handlers.update(
            {
                "install": lambda fix: self.package_actions.install(
                    list(fix.specs), f"Installing {', '.join(fix.specs)}", preview=True
                ),
                "new_environment": lambda fix: self.creation.new_environment(python_versions=tuple(fix.python_versions)),
                "settings": self._settings_fix,
                "repair": lambda _fix: self.recovery.repair(),
            }
        )
        changes.interpreters = lambda: [
            (interpreter.version_text, interpreter.path) for interpreter in self.creation.interpreters if interpreter.can_create_venv
        ]
        changes.close_names = self._close_names

    def _settings_fix(self, fix: Fix) -> None:
        """Open Settings at the field the explanation named (the index, or the proxy)."""
        dialog = self.open_settings()
        field = getattr(dialog, "proxy_edit" if fix.text == "proxy" else "index_edit", None)
        if field is not None:
            field.setFocus()
            field.selectAll()

    def _close_names(self, name: str) -> list[tuple[str, int | None]]:
        """Existing projects spelled like ``name``, with their download ranks (called off the UI thread)."""
        from gui.controllers.changes import snapshot_search_index

        index = self.search_panel.search_index or snapshot_search_index()
        return [(result.name, result.rank) for result in index.search(name, limit=8)]

    def _build_app_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.settings_action = self._action("Settings…", "settingsAction", self.open_settings, "settings", keys.Preferences)
        self.quit_action = self._action("Quit", "quitAction", self.close, None, keys.Quit)
        self.open_log_folder_action = self._action(
            "Open the log folder", "openLogFolderAction", self.open_log_folder, "open-folder"
        )

    def _action(self, text: str, name: str, slot: object, icon: str | None, shortcut: QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if icon is not None:
            icons.set_action_icon(action, icon)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        environments = self.environment_actions
        bar = self.menuBar()
        app_menu = bar.addMenu("&Venvdesk")
        self._app_menu = app_menu  # "Open project folder…" goes first once built
        app_menu.addAction(self.creation.new_action)
        app_menu.addAction(environments.add_existing_action)
        app_menu.addSeparator()
        app_menu.addAction(self.settings_action)
        app_menu.addSeparator()
        app_menu.addAction(self.quit_action)
        self.project_menu = bar.addMenu("P&roject")  # filled by finish_building()
        self.project_menu.setObjectName("projectMenu")
        bar.addMenu(self.environments_panel.menu).setText("&Environment")
        packages_menu = bar.addMenu("&Packages")
        packages_menu.addAction(self.changes.undo_action)
        packages_menu.addAction(self.changes.history_action)
        packages_menu.addSeparator()
        packages_menu.addAction(self.package_actions.save_requirements_action)
        packages_menu.addAction(self.package_actions.install_requirements_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.open_log_folder_action)

    def _build_ui(self) -> None:
        environments = self.environment_actions
        self.environments_panel = EnvironmentsPanel(
            environments.model,
            self.creation.new_action,
            environments.add_existing_action,
            [
                *environments.menu_actions(),
                None,
                self.recreation.recreate_action,
            ],
            environments.delete_action,
            offer_open_project=True,
            list_coming=self._environments_known(),
        )
        self.environments_panel.open_project_requested.connect(lambda: self.projects.open_action.trigger())
        environments.attach(self.environments_panel)

        self.packages_panel = PackagesPanel(
            self.current,
            [self.recreation.recreate_action, environments.remove_action, environments.delete_action],
            self.package_actions.requirements_menu,
        )
        self.package_actions.attach(self.packages_panel)
        self.packages_panel.repair_requested.connect(self.recovery.repair)
        self.packages_panel.page_requested.connect(self.show_package_page)
        self.package_actions.choose_version_requested.connect(self._choose_version)
        self.package_tabs = QTabWidget()
        self.package_tabs.setObjectName("packageTabs")
        self.package_tabs.addTab(self.packages_panel, "Installed")
        # The Find tab's title shows at once; its panel is built after the first paint.
        self._search_placeholder = QWidget()
        self.package_tabs.addTab(self._search_placeholder, "Find packages")
        self.package_tabs.setCurrentWidget(self.packages_panel)
        self.package_tabs.currentChanged.connect(self._tab_changed)

        splitter = QSplitter()
        splitter.addWidget(self.environments_panel)
        splitter.addWidget(self.package_tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 680])
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(8, 8, 8, 0)
        central_layout.addWidget(self.message_bar)
        self.attention_bar = AttentionBar(self.current)
        recovery = self.recovery
        self.attention_bar.finish_requested.connect(recovery.finish_interrupted)
        self.attention_bar.undo_requested.connect(recovery.undo_interrupted)
        self.attention_bar.create_again_requested.connect(recovery.create_again)
        self.attention_bar.remove_requested.connect(recovery.remove_half_made)
        self.attention_bar.dismiss_requested.connect(recovery.dismiss_interrupted)
        self.attention_bar.install_pip_requested.connect(recovery.install_pip)
        central_layout.addWidget(self.attention_bar)
        central_layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        dock = QDockWidget("Log", self)
        dock.setObjectName("logDock")
        dock.setWidget(self.log_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [190], Qt.Orientation.Vertical)

        self.index_label = QLabel()
        self.index_label.setObjectName("indexLabel")
        self.index_label.setTextFormat(Qt.TextFormat.PlainText)  # the address comes from outside
        self.update_index_label()
        status = self.statusBar()
        status.addWidget(self.activity.label, 1)
        status.addPermanentWidget(self.index_label)
        status.addPermanentWidget(self.activity.progress_bar)
        status.addPermanentWidget(self.activity.cancel_button)
        self.progress_bar = self.activity.progress_bar
        self.cancel_button = self.activity.cancel_button

    def _environments_known(self) -> bool:
        """Whether the list read after the first paint will have rows (the registry, the default folder's names).

        Without this, a returning person's first paint showed the welcome page meant for a first
        launch, until the list came a moment later.
        """
        if self.registry.added or self.registry.projects:
            return True
        from core import storage

        try:
            return any(True for _ in storage.default_environments_dir().iterdir())
        except OSError:  # no folder yet: a first launch
            return False

    def _start_background_work(self) -> None:
        # Once the list is read: changes a stopped Venvdesk left unfinished need attention.
        self.environment_actions.environments_loaded.connect(self.operations.review_journal)
        self.environment_actions.environments_loaded.connect(self._list_loaded_once)
        self.environment_actions.refresh()
        if self.settings.installer == "uv":
            self._probe_uv()
        self.projects.find_editors()

    def _list_loaded_once(self) -> None:
        # As soon as the list is shown (the module it needs is loaded by then): the first environment
        # made on a fresh computer should find the newest pip already here, unpacked.
        # On a turn of its own: the list's arrival already starts the selection's reads and the reviews
        # of unfinished changes.
        self.environment_actions.environments_loaded.disconnect(self._list_loaded_once)
        QTimer.singleShot(0, self.creation, self.creation.refresh_pip_wheel)  # not once it is gone

    def _start_discovery(self) -> None:
        """Once every part is built: look for Pythons."""
        if self._discovery_started:
            return
        self._discovery_started = True
        self.creation.refresh_interpreters()

    # -- window-wide actions -----------------------------------------------------------------

    def open_settings(self) -> QWidget:
        from gui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(
            self.settings.index_url, self, proxy=self.settings.proxy, installer=self.settings.installer,
            uv_status=self._uv_status(),
        )

        def save() -> None:
            self.settings.index_url = dialog.index_url()
            self.settings.proxy = dialog.proxy()
            self.settings.installer = dialog.installer()
            if self.settings.installer == "uv":
                self._probe_uv()
            try:
                self.settings.save()
            except OSError as exc:
                show_error(self.message_bar, self.log_view, UserFacingError("Your settings could not be saved.", str(exc)))
            self.update_index_label()
            entry = self.environment_actions.selected_entry()
            self.current.select(entry if entry is not None and entry.set_up else None)
            self.search_panel.index_changed()  # its status, its list and the page shown follow the new index

        dialog.accepted.connect(save)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _uv_status(self) -> str:
        """What the Installer setting says about uv: where it is (and its version), or how to get it."""
        from core import uv

        program = uv.find_uv()
        if not program:
            return (
                "uv is not installed: install Venvdesk's “uv” extra or put uv on the PATH."
                " With uv chosen and not found, pip is used."
            )
        version = f" {self.operations.uv_version}" if self.operations.uv_version else ""
        return (
            f"uv{version} found at {program}. It installs into the same standard environments (pip stays"
            " in them); environments with a Python uv does not support keep using pip."
        )

    def _probe_uv(self) -> None:
        """Ask uv its version once, off the UI thread (newer versions get options older ones lack)."""
        from core import uv

        program = uv.find_uv()
        if not program or self.operations.uv_version:
            return

        def probed(version: str) -> None:
            self.operations.uv_version = version

        def failed(exc: BaseException, _formatted: str) -> None:
            self.log_view.note(f"Could not ask uv for its version ({exc}); its newest options are not used.")

        run_in_background(lambda: uv.uv_version(program), probed, failed, context=self)

    def update_index_label(self) -> None:
        index = redact(self.current.index_url())
        source = "Venvdesk's setting" if self.settings.index_url else "pip's configuration"
        self.index_label.setText(f"Index: {index}")
        self.index_label.setToolTip(plain_tooltip(f"Packages come from {index} (from {source})."))

    def open_log_folder(self) -> None:
        folder = self.log_view.activity_log.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.message_bar.show_message(f"The log files are in {folder}.", Level.INFO)

    def _tab_changed(self, index: int) -> None:
        if self._search_panel is None:  # the Find tab chosen before it was built
            if self.package_tabs.widget(index) is self._search_placeholder:
                self.finish_building()
            return
        if self.package_tabs.widget(index) is self.search_panel:
            if self.search_panel.search_index is None:
                self.search_panel.load_index()  # the first time only: a download or a cache read
            self.search_panel.search_edit.setFocus()

    def _choose_version(self, name: str) -> None:
        self.show_package_page(name)

    def show_package_page(self, name: str) -> None:
        """A package's page, in Find packages with its name searched (from the Installed table, a fix button)."""
        self.show_search()
        self.search_panel.show_package(name)

    def show_search(self) -> None:
        self.package_tabs.setCurrentWidget(self.search_panel)

    def _show_project_page(self, visible: bool, bring_to_front: bool) -> None:
        index = self.package_tabs.indexOf(self.project_page)
        if not visible and self.package_tabs.currentIndex() == index:
            self.package_tabs.setCurrentWidget(self.packages_panel)
        self.package_tabs.setTabVisible(index, visible)
        if visible and bring_to_front:
            self.package_tabs.setCurrentIndex(index)

    # -- a folder dropped on the window ------------------------------------------------------

    @staticmethod
    def _dropped_folder(event: QDragEnterEvent | QDropEvent) -> Path | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if self._dropped_folder(event) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        folder = self._dropped_folder(event)
        if folder is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.projects.open_folder(folder)

    # -- appearance and closing --------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange:
            icons.palette_changed()  # icons are drawn in the palette's text colour
            theme.refresh()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        # What runs, and what waits behind work that cannot be stopped half-way (pip updating itself).
        busy = self.runner.running_operations() + self.runner.queued_operations()
        if busy and not self._quit_confirmed:
            event.ignore()

            def stop() -> None:
                self._quit_confirmed = True
                self.close()

            self.confirm_quit_box = confirmations.quit_while_busy(self, [op.title for op in busy], on_stop=stop)
            return
        # Out of sight first: stopping waits a moment for what runs (pip updating itself is left a
        # second or two to finish), and a window that stops answering looks broken.
        self.hide()
        self.runner.shutdown()
        super().closeEvent(event)
