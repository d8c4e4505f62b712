"""The main window: Environments on the left, Installed / Find packages on the right, the Log below.

Layout and wiring only: the views display, the controllers (``gui/controllers``)
own the verbs, and :class:`~gui.current_environment.CurrentEnvironment` is the
selection every view observes.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.environments import EnvironmentRegistry
from gui import icons, theme
from gui.environments_panel import EnvironmentsPanel
from gui.models.entries import load_entries

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import (
        QAction,
        QCloseEvent,
        QDragEnterEvent,
        QDropEvent,
        QKeySequence,
        QPaintEvent,
    )
    from PySide6.QtWidgets import QDockWidget, QLabel, QMenu, QMessageBox, QProgressBar, QPushButton

    from core.explain import Fix
    from core.settings import Settings
    from gui.activity import ActivityIndicator
    from gui.attention_bar import AttentionBar
    from gui.controllers.changes import ChangesController
    from gui.controllers.creation import CreationController
    from gui.controllers.environments import EnvironmentController
    from gui.controllers.missing import MissingPackagesController
    from gui.controllers.operations import OperationsController
    from gui.controllers.packages import PackageController
    from gui.controllers.projects import ProjectController
    from gui.controllers.recovery import RecoveryController
    from gui.controllers.recreate import RecreateController
    from gui.controllers.usage import UsageController
    from gui.current_environment import CurrentEnvironment
    from gui.log_panel import LogPanel
    from gui.log_view import LogView
    from gui.message_bar import MessageBar
    from gui.packages_panel import PackagesPanel
    from gui.project_page import ProjectPage
    from gui.runner import ProcessRunner
    from gui.search_panel import SearchPanel

# The window is built in two parts.  Its frame — the title, the menu bar's menus, the list of
# environments (read at once: a few small files), the right side and the Log laid out at their
# final size, empty — is all the first paint shows: a bare PySide6 window costs ~140 ms to paint,
# and importing and building the rest first (controllers, the selection, the packages table, the
# Log) made Venvdesk's ~2.3 times that (benchmarks/bench_startup.py).  The rest fills the frame
# right after the first paint, one part per turn of the event loop (:meth:`MainWindow.finish_filling`),
# with the plain-Python modules it needs imported on a worker first.  Then what the window does not
# show at once — the Find tab, the project page and the controllers behind them (projects, missing
# packages, Jupyter and "how to use") — is built the same way (:meth:`MainWindow.finish_building`).
# Modules needed only later still (discovery, the dialogs, HTTP, the pip cache) are imported where
# they are used.

#: Imported on a worker right after the first paint, before the rest of the window is built on the UI
#: thread (the plain-Python half of the controllers, the selection and the runner).
MODULES_THE_WINDOW_USES = (
    "core.settings",
    "core.commands",
    "core.operations",
    "core.packages",
    "core.plans",
    "core.pypi",
    "core.checks",
    "core.journal",
    "core.recovery",
    "core.recreate",
    "core.activity_log",
    "core.uv",
    "html.parser",
)
#: Imported on a worker once the window is filled, before the projects controller is built on the UI
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

#: The Log's height below the packages when the window opens (pixels).
LOG_HEIGHT = 190

#: The Log's dock's separator, as Qt's own styles draw it (pixels): the place kept for the dock in the
#: first paint is this much taller than the dock's height (asking the style would make its enums, ~10 ms).
DOCK_SEPARATOR_GUESS = 6


class _LogPlace(QWidget):
    """The Log's place until its dock comes (an empty widget of its height); it tells the window
    when it is first drawn.

    The window's own paint events stop at its children, and an event filter sees every event of
    the window (telling them apart by their type makes one of Qt's largest enums, ~4 ms, and a
    filter on the application wraps Qt's internal objects, which makes PySide create every class
    of its modules, ~30 ms): so the first paint is noticed here.
    """

    def __init__(self, on_first_paint: Callable[[], None]) -> None:
        super().__init__()
        self._on_first_paint: Callable[[], None] | None = on_first_paint

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        if self._on_first_paint is not None:
            on_first_paint, self._on_first_paint = self._on_first_paint, None
            on_first_paint()
        super().paintEvent(event)


class MainWindow(QMainWindow):
    #: The whole window is built (the frame filled): every controller and panel exists.
    filled = Signal()

    # Built when the window is filled (at once, unless ``staged``).
    settings: Settings
    runner: ProcessRunner
    message_bar: MessageBar
    log_panel: LogPanel
    log_view: LogView
    current: CurrentEnvironment
    operations: OperationsController
    environment_actions: EnvironmentController
    package_actions: PackageController
    creation: CreationController
    recovery: RecoveryController
    changes: ChangesController
    recreation: RecreateController
    activity: ActivityIndicator
    packages_panel: PackagesPanel
    attention_bar: AttentionBar
    index_label: QLabel
    progress_bar: QProgressBar
    cancel_button: QPushButton
    settings_action: QAction
    quit_action: QAction
    open_log_folder_action: QAction

    def __init__(self, parent: QWidget | None = None, *, staged: bool = False) -> None:
        """``staged``: show the frame first (see above) and fill it after the first paint; only the
        app's start asks for it.  Otherwise the window is whole when this returns."""
        super().__init__(parent)
        self._palette_key = QGuiApplication.palette().cacheKey()  # see _watch_itself
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

        self.registry = EnvironmentRegistry.load()
        self._build_frame()
        # Built after the first paint (or when first needed, whichever comes first).
        self._projects: ProjectController | None = None
        self._folder_to_open = ""  # open_project_when_ready, before the projects part is built
        self._missing_packages: MissingPackagesController | None = None
        self._usage: UsageController | None = None
        self._search_panel: SearchPanel | None = None
        self._painted = False
        self._started = False
        self._closed_unfilled = False
        self._after_fill_started = False
        self._filled_said = False
        self._paint_watched = False  # the window's own paint events are watched (when the Log's place is gone)
        self._itself_watched = False
        self._discovery_started = False
        # Each ~1-15 ms (the Qt enums and the Log ~20-30 ms): importing a part's module (its Qt
        # classes' enums are made then) is a step of its own, building it another.
        self._fill_steps = [
            self._fill_qt_enums,
            self._import_services,
            self._fill_services,
            self._fill_log,
            self._import_selection,
            self._fill_selection,
            self._import_packages_panel,
            self._import_controllers,
            self._fill_controllers,
            self._fill_environment_list,
            self._fill_packages_panel,
            self._fill_log_and_status,
            self._fill_menus_and_wiring,
        ]
        self._build_steps = [
            self._build_projects,
            self._build_missing_packages,
            self._build_usage,
            self._import_search_panel,
            self._build_search_panel,
        ]
        self._keys_watched: list[QWidget] = []
        self._staged = staged
        if staged:
            self._fill_on_press()
        else:
            self.finish_filling()
            self._watch_itself()
        # Everything that touches the disk or starts processes waits until the window is painted
        # (a window never shown starts it on the first turn of the event loop).
        QTimer.singleShot(0, self, self._first_turn)
        QTimer.singleShot(FIRST_PAINT_PATIENCE_MS, self, self._finish_start)  # a window shown but never painted

    # -- after the first paint ---------------------------------------------------------------

    def _fill_on_press(self) -> None:
        """Until it is filled, a press on what the first paint shows (a row, a button, a menu, a tab)
        has the rest built at once, before the press is handled: told by signals, which need no
        event class (see _LogPlace)."""
        panel = self.environments_panel
        panel.list_view.pressed.connect(self.finish_filling)  # its viewport is a class PySide does not know
        for button in (panel.new_environment_button, panel.welcome_button, panel.welcome_add_button, panel.open_project_button):
            if button is not None:
                button.pressed.connect(self.finish_filling)
        for menu in (self._app_menu, self.project_menu, panel.menu, self._packages_menu, self._help_menu):
            menu.aboutToShow.connect(self.finish_filling)  # its items are added before it shows
        self.package_tabs.tabBarClicked.connect(lambda _index: self.finish_filling())

    def _watch_itself(self) -> None:
        """Watch the window's own events: palette changes, and the first paint where the Log's place
        cannot tell it.  After the first paint when ``staged``: telling events apart makes one of
        Qt's largest enums (see _LogPlace), and so does a Python ``changeEvent``."""
        if self._itself_watched:
            return
        self._itself_watched = True
        self.installEventFilter(self)
        if QGuiApplication.palette().cacheKey() != self._palette_key:  # changed before it was watched
            self._palette_changed()

    def _fill_on_key(self) -> None:
        """After the first paint, until the window is filled: a key (a shortcut's: it is looked up once
        the event filter returns) on what can have the focus, or on the window, has the rest built
        at once first."""
        self._watch_itself()
        if not self._fill_steps or self._keys_watched:
            return
        panel = self.environments_panel
        self._keys_watched = [
            panel.list_view, panel.new_environment_button, panel.menu_button, panel.welcome_button,
            panel.welcome_add_button, self.package_tabs.tabBar(),
        ]
        if panel.open_project_button is not None:
            self._keys_watched.append(panel.open_project_button)
        for widget in self._keys_watched:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        if self._fill_steps and isinstance(event, QKeyEvent):
            self.finish_filling()
        elif watched is self:
            kind = event.type()
            if kind == QEvent.Type.PaletteChange:
                self._palette_changed()
            elif kind == QEvent.Type.UpdateRequest and self._paint_watched and not self._painted:
                self._first_paint()
        return False

    def _palette_changed(self) -> None:
        self._palette_key = QGuiApplication.palette().cacheKey()
        icons.palette_changed()  # icons are drawn in the palette's text colour
        theme.refresh()

    def _first_paint(self) -> None:
        """The window's first frame is being drawn: build the rest on the next turn (and from now
        on, a key has it built first)."""
        if self._painted:
            return
        self._painted = True
        self._fill_on_key()
        QTimer.singleShot(0, self, self._finish_start)

    def _first_turn(self) -> None:
        if self.isVisible() and not self._painted:
            return  # the first paint starts it
        self._finish_start()

    def _finish_start(self) -> None:
        """After the first paint: the rest of the window, what it did not show, and the work that
        fills it, spread out.

        Building a part is mostly importing it, and importing the plain-Python half of a part (the
        operations and their plans, the project reader and ``packaging``, the import scanner,
        Jupyter, the package page's history) took 20-60 ms each on the UI thread: heartbeat gaps of
        80-240 ms on a first start.  So those modules are imported on a worker first (the UI thread
        waits at most a GIL switch at a time), and each part is built on its own turn of the event
        loop once they are loaded: first the rest of the window (:meth:`finish_filling`), then the
        projects (the list's project rows need them), then the list is read again (and the pip wheel
        refreshed once it is shown) and the editors looked for, then the other parts.  The
        interpreters' discovery comes last: its workers (a probe per Python found) hold the
        interpreter lock often enough that building widgets beside them took several times as
        long (a 120 ms gap for a 9 ms part).
        """
        if self._started or self._closed_unfilled:
            return
        self._started = True
        self._fill_on_key()  # (already, when the first paint was noticed)
        # What start-up made lives as long as the window: leave it out of the cyclic garbage
        # collector's full passes, which otherwise walk all of it while holding the interpreter
        # (a worker allocating the 886k-name search index triggered ~60-80 ms UI gaps).
        gc.freeze()
        from gui.workers import import_in_background

        if self._fill_steps:
            import_in_background(MODULES_THE_WINDOW_USES, context=self, then=self._fill_in_turns)
        else:
            self._after_filling()

    def _fill_in_turns(self) -> None:
        """One part of the rest of the window per turn of the event loop (each ~5-15 ms)."""
        if self._closed_unfilled:
            return
        if not self._fill_steps:  # filled at once meanwhile (input needed it)
            self._after_filling()
            return
        self._fill_steps.pop(0)()
        if self._fill_steps:
            QTimer.singleShot(0, self, self._fill_in_turns)
        else:
            self._filled_now()
            self._after_filling()

    def finish_filling(self) -> None:
        """Build the rest of the window now, what is left of it (idempotent): the controllers, the
        selection, the packages panel, the Log, the status bar, the menus' items and the wiring."""
        if not self._fill_steps:
            return
        while self._fill_steps:
            self._fill_steps.pop(0)()
        self._filled_now()

    def _filled_now(self) -> None:
        if self._filled_said:
            return  # a step that needed the rest built it (finish_filling within a step)
        self._filled_said = True
        for widget in self._keys_watched:
            widget.removeEventFilter(self)
        self._keys_watched = []
        if self._staged:
            # The row selected on the first paint is shown now (not "Select an environment" while it
            # is highlighted), before the list's first read in the background.
            self.environment_actions.show_selected_now()
        self.filled.emit()

    @property
    def is_filled(self) -> bool:
        """Whether the whole window is built (always, unless it was made ``staged`` and is not yet)."""
        return not self._fill_steps

    def _after_filling(self) -> None:
        if self._after_fill_started or not self._started:
            return  # before the first paint, that waits for it
        self._after_fill_started = True
        from gui.workers import import_in_background

        import_in_background(MODULES_THE_PROJECTS_USE, context=self, then=self._projects_loaded)

    def _projects_loaded(self) -> None:
        if self._projects is None:
            self._build_next()  # the projects first: the list's project rows need them
        self._start_background_work()
        if self._folder_to_open:
            folder, self._folder_to_open = self._folder_to_open, ""
            QTimer.singleShot(0, self, lambda: self.projects.open_folder(folder))
        from gui.workers import import_in_background

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
        """Build what the window does not show at once: the Find tab, the project page, and the
        controllers of projects, missing packages and "use this environment" (menus and actions
        included); and first the rest of the window, if it is not filled yet.

        Right after the first paint these are built one per turn of the event loop; whatever needs
        one of them earlier builds the rest at once (idempotent).
        """
        self.finish_filling()
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

    def open_project_when_ready(self, folder: str) -> None:
        """Open ``folder`` as a project (``venvdesk PATH``) once the window is up and its projects part
        is built in its turn: not before the first paint, which building it at once would hold up."""
        if self._projects is not None:
            self.projects.open_folder(folder)
        else:
            self._folder_to_open = folder

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

    def _build_frame(self) -> None:
        """What the first paint shows: the menu bar's menus, the list of environments (read now), and
        the right side and the Log's place at their final size, empty until the window is filled.

        Nothing here uses an enum of the ``Qt`` namespace: the first use of one creates all of
        them (~30 ms).  So the Log's dock, which needs one to be placed, comes when the window is
        filled; until then an empty widget of its height holds its place.
        """
        list_coming = False
        entries = []
        try:
            entries = load_entries(self.registry)
        except OSError as exc:
            # Read again (off the UI thread) once the window is filled, where a failure is shown.
            list_coming = True
            print(f"Venvdesk reads the list of environments again in a moment: {exc}", file=sys.stderr)
        self._entries_at_once = entries
        self.environments_panel = EnvironmentsPanel(
            None, offer_open_project=True, list_coming=list_coming, rows_at_once=entries
        )
        if entries:
            self.environments_panel.select_row(0)  # as once the list is read again (the selection is kept)

        self.package_tabs = QTabWidget()
        self.package_tabs.setObjectName("packageTabs")
        # Both tabs' titles show at once; their panels come when the window is filled (Installed)
        # and after that (Find packages).
        self._installed_placeholder = QWidget()
        self.package_tabs.addTab(self._installed_placeholder, "Installed")
        self._search_placeholder = QWidget()
        self.package_tabs.addTab(self._search_placeholder, "Find packages")

        splitter = QSplitter()
        splitter.addWidget(self.environments_panel)
        splitter.addWidget(self.package_tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 680])
        central = QWidget()
        self._central_layout = QVBoxLayout(central)
        self._central_layout.setContentsMargins(8, 8, 8, 0)
        self._central_layout.addWidget(splitter, 1)  # the message and attention bars go above it
        self.setCentralWidget(central)
        # The Log's place: its dock's height, and the dock's separator in place of the layout's spacing.
        self._log_place: QWidget | None = _LogPlace(self._first_paint)
        self._log_place.setFixedHeight(LOG_HEIGHT + DOCK_SEPARATOR_GUESS - max(0, self._central_layout.spacing()))
        self._central_layout.addWidget(self._log_place)
        # The status bar is as tall as the Cancel button it holds, hidden while nothing runs: a
        # hidden button like it holds that height until the real one comes.
        from PySide6.QtWidgets import QPushButton

        self._status_place: QWidget | None = QPushButton("Cancel")
        icons.set_action_icon(self._status_place, "cancel")
        self._status_place.hide()
        self.statusBar().addPermanentWidget(self._status_place)

        # The menus show at once (the bar must not appear later and move everything down); their
        # items come when the window is filled.
        bar = self.menuBar()
        self._app_menu: QMenu = bar.addMenu("&Venvdesk")  # "Open project folder…" goes first once built
        self.project_menu: QMenu = bar.addMenu("P&roject")  # filled by finish_building()
        self.project_menu.setObjectName("projectMenu")
        bar.addMenu(self.environments_panel.menu).setText("&Environment")
        self._packages_menu: QMenu = bar.addMenu("&Packages")
        self._help_menu: QMenu = bar.addMenu("&Help")

    # -- filling the frame (right after the first paint, one step per turn) ------------------

    def _fill_qt_enums(self) -> None:
        """The ``Qt`` namespace's enums, on a turn of their own (~30 ms: every part below uses them)."""
        from PySide6.QtCore import Qt

        Qt.DockWidgetArea  # noqa: B018 - the first use creates them all

    def _import_services(self) -> None:
        import gui.log_panel
        import gui.message_bar
        import gui.runner  # noqa: F401

    def _fill_services(self) -> None:
        """The settings, the process runner and the message bar."""
        from core.settings import Settings
        from gui.message_bar import MessageBar
        from gui.runner import ProcessRunner

        self.settings = Settings.load()
        self.runner = ProcessRunner(self)
        self.message_bar = MessageBar()

    def _fill_log(self) -> None:
        """The Log (its fixed-width font is the first one looked up: ~20 ms)."""
        from gui.log_panel import LogPanel

        self.log_panel = LogPanel(self.message_bar)
        self.log_view = self.log_panel.log_view

    def _import_selection(self) -> None:
        import gui.controllers.environments
        import gui.controllers.operations
        import gui.current_environment  # noqa: F401

    def _fill_selection(self) -> None:
        """The selection every view observes, and the controller of operations."""
        from gui.controllers.operations import OperationsController
        from gui.current_environment import CurrentEnvironment

        self.current = CurrentEnvironment(self.settings, self.runner.is_busy, self)
        self.operations = OperationsController(self.runner, self.current, self.settings, self.message_bar, self.log_view, self)

    def _import_packages_panel(self) -> None:
        import gui.packages_panel  # noqa: F401

    def _import_controllers(self) -> None:
        import gui.activity
        import gui.attention_bar
        import gui.controllers.changes
        import gui.controllers.creation
        import gui.controllers.packages
        import gui.controllers.recovery
        import gui.controllers.recreate  # noqa: F401

    def _fill_controllers(self) -> None:
        """Controllers: each owns its verbs and their outcomes."""
        from gui.activity import ActivityIndicator
        from gui.controllers.changes import ChangesController
        from gui.controllers.creation import CreationController
        from gui.controllers.environments import EnvironmentController
        from gui.controllers.packages import PackageController
        from gui.controllers.recovery import RecoveryController
        from gui.controllers.recreate import RecreateController

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

    def _fill_environment_list(self) -> None:
        """The list's own model and actions."""
        environments = self.environment_actions
        # The rows shown at once, now through the list's own model (read again once the window is
        # filled, off the UI thread; the selection is kept).
        environments.model.set_entries(self._entries_at_once)
        self.environments_panel.use_model(environments.model)
        self.environments_panel.use_actions(
            self.creation.new_action,
            environments.add_existing_action,
            [*environments.menu_actions(), None, self.recreation.recreate_action],
            environments.delete_action,
        )
        self.environments_panel.open_project_requested.connect(lambda: self.projects.open_action.trigger())
        environments.attach(self.environments_panel)

    def _fill_packages_panel(self) -> None:
        """The Installed tab, in its placeholder's place."""
        from gui.packages_panel import PackagesPanel

        environments = self.environment_actions
        self.packages_panel = PackagesPanel(
            self.current,
            [self.recreation.recreate_action, environments.remove_action, environments.delete_action],
            self.package_actions.requirements_menu,
        )
        self.package_actions.attach(self.packages_panel)
        self.packages_panel.repair_requested.connect(self.recovery.repair)
        self.packages_panel.page_requested.connect(self.show_package_page)
        self.package_actions.choose_version_requested.connect(self._choose_version)
        tabs = self.package_tabs
        tabs.blockSignals(True)
        was_chosen = tabs.currentWidget() is self._installed_placeholder
        tabs.insertTab(0, self.packages_panel, "Installed")
        tabs.removeTab(tabs.indexOf(self._installed_placeholder))
        self._installed_placeholder.deleteLater()
        if was_chosen:
            tabs.setCurrentWidget(self.packages_panel)
        tabs.blockSignals(False)
        tabs.currentChanged.connect(self._tab_changed)
        if not was_chosen:  # Find packages was chosen before the window was filled
            self._tab_changed(tabs.currentIndex())

    def _fill_log_and_status(self) -> None:
        """The message and attention bars, the Log in its dock, the status bar's activity and index."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QLabel

        from gui.attention_bar import AttentionBar

        self._central_layout.insertWidget(0, self.message_bar)
        self.attention_bar = AttentionBar(self.current)
        recovery = self.recovery
        self.attention_bar.finish_requested.connect(recovery.finish_interrupted)
        self.attention_bar.undo_requested.connect(recovery.undo_interrupted)
        self.attention_bar.create_again_requested.connect(recovery.create_again)
        self.attention_bar.remove_requested.connect(recovery.remove_half_made)
        self.attention_bar.dismiss_requested.connect(recovery.dismiss_interrupted)
        self.attention_bar.install_pip_requested.connect(recovery.install_pip)
        self._central_layout.insertWidget(1, self.attention_bar)

        from PySide6.QtWidgets import QDockWidget

        dock = QDockWidget("Log", self)
        dock.setObjectName("logDock")
        dock.setWidget(self.log_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        packages_height = self.package_tabs.height()
        if self._log_place is not None:  # the dock takes the place kept for it
            self._central_layout.removeWidget(self._log_place)
            self._log_place.deleteLater()
            self._log_place = None
            if not self._painted:  # not shown yet: the window's first paint is noticed another way
                self._paint_watched = True
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [LOG_HEIGHT], Qt.Orientation.Vertical)
        if self.isVisible():
            # Where the style's separator is not as thick as guessed, the Log gives or takes the
            # difference: what was shown above it does not move.
            layout = self.layout()
            if layout is not None:
                layout.activate()
            difference = self.package_tabs.height() - packages_height
            if difference:
                self.resizeDocks([dock], [LOG_HEIGHT + difference], Qt.Orientation.Vertical)
        self._log_dock: QDockWidget = dock

        self.index_label = QLabel()
        self.index_label.setObjectName("indexLabel")
        self.index_label.setTextFormat(Qt.TextFormat.PlainText)  # the address comes from outside
        self.update_index_label()
        status = self.statusBar()
        if self._status_place is not None:
            status.removeWidget(self._status_place)
            self._status_place.deleteLater()
            self._status_place = None
        status.addWidget(self.activity.label, 1)
        status.addPermanentWidget(self.index_label)
        status.addPermanentWidget(self.activity.progress_bar)
        status.addPermanentWidget(self.activity.cancel_button)
        self.progress_bar = self.activity.progress_bar
        self.cancel_button = self.activity.cancel_button

    def _fill_menus_and_wiring(self) -> None:
        """The window's own actions, the menus' items, and what is said about the state files."""
        from PySide6.QtGui import QKeySequence

        from gui.controllers import show_error
        from gui.message_bar import Level

        keys = QKeySequence.StandardKey
        self.settings_action = self._action("Settings…", "settingsAction", self.open_settings, "settings", keys.Preferences)
        self.quit_action = self._action("Quit", "quitAction", self.close, None, keys.Quit)
        self.open_log_folder_action = self._action(
            "Open the log folder", "openLogFolderAction", self.open_log_folder, "open-folder"
        )
        app_menu = self._app_menu
        app_menu.addAction(self.creation.new_action)
        app_menu.addAction(self.environment_actions.add_existing_action)
        app_menu.addSeparator()
        app_menu.addAction(self.settings_action)
        app_menu.addSeparator()
        app_menu.addAction(self.quit_action)
        packages_menu = self._packages_menu
        packages_menu.addAction(self.changes.undo_action)
        packages_menu.addAction(self.changes.history_action)
        packages_menu.addSeparator()
        packages_menu.addAction(self.package_actions.save_requirements_action)
        packages_menu.addAction(self.package_actions.install_requirements_action)
        self._help_menu.addAction(self.open_log_folder_action)

        self.current.failed.connect(lambda error: show_error(self.message_bar, self.log_view, error))
        for problem in (self.registry.problem, self.settings.problem):
            if problem:
                self.message_bar.show_message(problem, Level.WARNING)
                self.log_view.note(problem)
        self.setAcceptDrops(True)  # a project folder dropped on the window is opened

    def _action(
        self, text: str, name: str, slot: object, icon: str | None, shortcut: QKeySequence.StandardKey | None = None
    ) -> QAction:
        from PySide6.QtGui import QAction

        action = QAction(text, self)
        action.setObjectName(name)
        if icon is not None:
            icons.set_action_icon(action, icon)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

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
        from core.errors import UserFacingError
        from gui.controllers import show_error
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
            self.current.index_changed()
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
                f"uv is not installed: {uv.how_to_get_uv()}."
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

        from gui.workers import run_in_background

        run_in_background(lambda: uv.uv_version(program), probed, failed, context=self)

    def update_index_label(self) -> None:
        from core.commands import redact
        from gui.models.base import plain_tooltip

        index = redact(self.current.index_url())
        source = "Venvdesk's setting" if self.settings.index_url else "pip's configuration"
        self.index_label.setText(f"Index: {index}")
        self.index_label.setToolTip(plain_tooltip(f"Packages come from {index} (from {source})."))

    def open_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from gui.message_bar import Level

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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.is_filled:
            # Closed before the window was filled (right after it showed): nothing runs yet, and
            # nothing more is built or started.
            self._closed_unfilled = True
            self.hide()
            super().closeEvent(event)
            return
        # What runs, and what waits behind work that cannot be stopped half-way (pip updating itself).
        busy = self.runner.running_operations() + self.runner.queued_operations()
        if busy and not self._quit_confirmed:
            from gui.dialogs import confirmations

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

    def shut_down(self) -> None:
        """Stop what runs, at quit (nothing runs before the window is filled: nothing to stop then)."""
        if self.is_filled:
            self.runner.shutdown()
