"""The left side: the list of environments, or a welcome page when there is none yet.

A view over :class:`~gui.models.environments.EnvironmentListModel`: it shows
the list and the actions it is given, and reports which entry is selected.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from gui import icons, theme
from gui.models.environments import EnvironmentEntry, EnvironmentListModel

WELCOME_PAGE, LIST_PAGE = range(2)


class EnvironmentsPanel(QWidget):
    selection_changed = Signal()
    #: The welcome page's "Open a project folder…" was clicked (shown with ``offer_open_project``).
    open_project_requested = Signal()

    def __init__(
        self,
        model: EnvironmentListModel,
        new_action: QAction,
        add_existing_action: QAction,
        menu_actions: list[QAction | None],
        delete_action: QAction,
        parent: QWidget | None = None,
        *,
        offer_open_project: bool = False,
        list_coming: bool = False,
    ) -> None:
        """``list_coming``: environments are known and being read (off the UI thread); until they
        come the panel shows the list, empty, not the welcome page meant for a first launch."""
        super().__init__(parent)
        self.setObjectName("environmentsPanel")
        self.model = model
        self._list_read = not list_coming
        model.modelReset.connect(self._list_arrived)

        title = QLabel("Environments")
        title.setObjectName("environmentsTitle")
        theme.set_role(title, "title")
        self.new_environment_button = QPushButton("New…")
        icons.set_action_icon(self.new_environment_button, "new-environment")
        self.new_environment_button.setObjectName("newEnvironmentButton")
        self.new_environment_button.setAccessibleName("Create a new environment")
        self.new_environment_button.setToolTip("Create a new virtual environment")
        self.new_environment_button.clicked.connect(new_action.trigger)
        self.menu_button = QToolButton()
        self.menu_button.setObjectName("environmentMenuButton")
        self.menu_button.setAccessibleName("More environment actions")
        self.menu_button.setText("More")
        self.menu_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self)
        self.menu.setObjectName("environmentMenu")
        self.add_menu_actions(menu_actions)
        self.menu_button.setMenu(self.menu)
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.new_environment_button)
        header.addWidget(self.menu_button)

        self.list_view = QTreeView()
        self.list_view.setObjectName("environmentList")
        self.list_view.setAccessibleName("Environments")
        self.list_view.setModel(model)
        # Delete moves an environment to the trash only when the list has the focus: pressed in
        # the package table it must not offer to trash the whole environment.
        delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.list_view.addAction(delete_action)
        self.list_view.setRootIsDecorated(False)
        self.list_view.setUniformRowHeights(False)  # a project's row has its folder on a second line
        self.list_view.setIconSize(QSize(18, 18))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(
            lambda pos: self.menu.popup(self.list_view.viewport().mapToGlobal(pos))
        )
        self.list_view.header().setStretchLastSection(False)
        self.list_view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list_view.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.list_view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())

        welcome = QWidget()
        welcome.setObjectName("welcomePage")
        welcome_text = QLabel(
            "<h3>Welcome to Venvdesk</h3>"
            "<p>An <b>environment</b> is a private set of Python packages for one project."
            " Open your project's folder and Venvdesk sets one up for it, with the packages it"
            " needs; or create an environment and install packages into it.</p>"
        )
        welcome_text.setObjectName("welcomeText")
        welcome_text.setTextFormat(Qt.TextFormat.RichText)  # fixed words only; names are in the list (plain)
        welcome_text.setWordWrap(True)
        welcome_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_button = QPushButton("Create your first environment")
        icons.set_action_icon(self.welcome_button, "new-environment")
        self.welcome_button.setObjectName("welcomeCreateButton")
        self.welcome_button.setAccessibleName("Create your first environment")
        self.welcome_button.clicked.connect(new_action.trigger)
        self.welcome_add_button = QPushButton("I already have one…")
        self.welcome_add_button.setObjectName("welcomeAddExistingButton")
        self.welcome_add_button.setFlat(True)
        self.welcome_add_button.clicked.connect(add_existing_action.trigger)
        welcome_layout = QVBoxLayout(welcome)
        welcome_layout.addStretch(1)
        welcome_layout.addWidget(welcome_text)
        self.open_project_button: QPushButton | None = None
        if offer_open_project:
            self.open_project_button = QPushButton("Open a project folder…")
            icons.set_action_icon(self.open_project_button, "open-folder")
            self.open_project_button.setObjectName("openProjectButton")
            self.open_project_button.setAccessibleName("Open a project folder")
            self.open_project_button.setToolTip("Choose the folder your code is in: Venvdesk sets up an environment for it")
            self.open_project_button.clicked.connect(self.open_project_requested)
            welcome_layout.addWidget(self.open_project_button, 0, Qt.AlignmentFlag.AlignCenter)
        welcome_layout.addWidget(self.welcome_button, 0, Qt.AlignmentFlag.AlignCenter)
        welcome_layout.addWidget(self.welcome_add_button, 0, Qt.AlignmentFlag.AlignCenter)
        welcome_layout.addStretch(2)

        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.list_view, 1)
        self.pages = QStackedWidget()
        self.pages.setObjectName("environmentPages")
        self.pages.addWidget(welcome)
        self.pages.addWidget(list_page)
        self.pages.setCurrentIndex(WELCOME_PAGE if self._list_read else LIST_PAGE)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)

    def add_menu_actions(self, actions: list[QAction | None]) -> None:
        """Append to the environment menu (``None``: a separator); those built after the first paint come later."""
        for action in actions:
            if action is None:
                self.menu.addSeparator()
            else:
                self.menu.addAction(action)

    def selected_entry(self) -> EnvironmentEntry | None:
        rows = self.list_view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.entry(rows[0].row())

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.list_view.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.list_view.setCurrentIndex(index)

    def clear_selection(self) -> None:
        self.list_view.clearSelection()

    def _list_arrived(self) -> None:
        self._list_read = True

    def show_welcome_if_empty(self) -> None:
        empty = self._list_read and self.model.rowCount() == 0
        self.pages.setCurrentIndex(WELCOME_PAGE if empty else LIST_PAGE)
