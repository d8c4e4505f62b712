"""The left side: the list of environments, or a welcome page when there is none yet.

A view over :class:`~gui.models.environments.EnvironmentListModel`: it shows
the list and the actions it is given, and reports which entry is selected.

The main window shows this panel in its first paint, before the model and the actions exist
(see ``gui/main_window.py``): the rows read by then are shown through a plain Qt model until
:meth:`EnvironmentsPanel.use_model`, and the actions come with :meth:`EnvironmentsPanel.use_actions`.
What is built before that uses no enum of the ``Qt`` namespace: the first use of one creates
all of them (~30 ms), which the first paint does without.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QSize, Signal
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

if TYPE_CHECKING:
    from PySide6.QtCore import QAbstractItemModel
    from PySide6.QtGui import QAction

    from gui.models.entries import EnvironmentEntry
    from gui.models.environments import EnvironmentListModel

WELCOME_PAGE, LIST_PAGE = range(2)

#: The list's column titles (the model's own, shown before it exists).
COLUMN_TITLES = ("Name", "Python")


def rows_shown_at_once(entries: list[EnvironmentEntry], parent: QWidget) -> QAbstractItemModel:
    """``entries`` as a plain Qt model: the same names, versions and icons as the list's own model.

    A model written in Python makes Qt create the ``Qt`` namespace's enums as soon as its header
    is drawn (they are its arguments), so the window's first paint shows the rows this way.
    """
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from gui.models.entries import name_text, python_text, row_icon

    model = QStandardItemModel(0, len(COLUMN_TITLES), parent)
    model.setHorizontalHeaderLabels(list(COLUMN_TITLES))
    for entry in entries:
        name = QStandardItem(row_icon(entry), name_text(entry))
        python = QStandardItem(python_text(entry))
        for item in (name, python):
            item.setEditable(False)
        model.appendRow([name, python])
    return model


class EnvironmentsPanel(QWidget):
    selection_changed = Signal()
    #: The welcome page's "Open a project folder…" was clicked (shown with ``offer_open_project``).
    open_project_requested = Signal()

    def __init__(
        self,
        model: EnvironmentListModel | None,
        new_action: QAction | None = None,
        add_existing_action: QAction | None = None,
        menu_actions: list[QAction | None] | None = None,
        delete_action: QAction | None = None,
        parent: QWidget | None = None,
        *,
        offer_open_project: bool = False,
        list_coming: bool = False,
        rows_at_once: list[EnvironmentEntry] | None = None,
    ) -> None:
        """``list_coming``: environments are known and being read (off the UI thread); until they
        come the panel shows the list, empty, not the welcome page meant for a first launch.

        Without a ``model`` the panel shows ``rows_at_once`` until :meth:`use_model`; the actions
        may also come later (:meth:`use_actions`).
        """
        super().__init__(parent)
        self.setObjectName("environmentsPanel")
        self.model: EnvironmentListModel | None = None
        self._list_read = not list_coming
        self._new_action: QAction | None = None
        self._add_existing_action: QAction | None = None

        title = QLabel("Environments")
        title.setObjectName("environmentsTitle")
        theme.set_role(title, "title")
        self.new_environment_button = QPushButton("New…")
        icons.set_action_icon(self.new_environment_button, "new-environment")
        self.new_environment_button.setObjectName("newEnvironmentButton")
        self.new_environment_button.setAccessibleName("Create a new environment")
        self.new_environment_button.setToolTip("Create a new virtual environment")
        self.new_environment_button.clicked.connect(self._new_clicked)
        self.menu_button = QToolButton()  # text only: it has no icon
        self.menu_button.setObjectName("environmentMenuButton")
        self.menu_button.setAccessibleName("More environment actions")
        self.menu_button.setText("More")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self)
        self.menu.setObjectName("environmentMenu")
        self.menu_button.setMenu(self.menu)
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.new_environment_button)
        header.addWidget(self.menu_button)

        self.list_view = QTreeView()
        self.list_view.setObjectName("environmentList")
        self.list_view.setAccessibleName("Environments")
        self.list_view.setRootIsDecorated(False)
        self.list_view.setUniformRowHeights(False)  # a project's row has its folder on a second line
        self.list_view.setIconSize(QSize(18, 18))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.header().setStretchLastSection(False)
        if model is not None:
            self.use_model(model)
        else:
            self._show_model(rows_shown_at_once(rows_at_once or [], self))

        welcome = QWidget()
        welcome.setObjectName("welcomePage")
        # Fixed words only (names are in the list, as plain text): shown as rich text, centred.
        welcome_text = QLabel(
            '<h3 align="center">Welcome to Venvdesk</h3>'
            '<p align="center">An <b>environment</b> is a private set of Python packages for one project.'
            " Open your project's folder and Venvdesk sets one up for it, with the packages it"
            " needs; or create an environment and install packages into it.</p>"
        )
        welcome_text.setObjectName("welcomeText")
        welcome_text.setWordWrap(True)
        self.welcome_button = QPushButton("Create your first environment")
        icons.set_action_icon(self.welcome_button, "new-environment")
        self.welcome_button.setObjectName("welcomeCreateButton")
        self.welcome_button.setAccessibleName("Create your first environment")
        self.welcome_button.clicked.connect(self._new_clicked)
        self.welcome_add_button = QPushButton("I already have one…")
        self.welcome_add_button.setObjectName("welcomeAddExistingButton")
        self.welcome_add_button.setFlat(True)
        self.welcome_add_button.clicked.connect(self._add_existing_clicked)
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
            _add_centred(welcome_layout, self.open_project_button)
        _add_centred(welcome_layout, self.welcome_button)
        _add_centred(welcome_layout, self.welcome_add_button)
        welcome_layout.addStretch(2)

        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.list_view, 1)
        self.pages = QStackedWidget()
        self.pages.setObjectName("environmentPages")
        self.pages.addWidget(welcome)
        self.pages.addWidget(list_page)
        empty = self.list_view.model().rowCount() == 0
        self.pages.setCurrentIndex(WELCOME_PAGE if self._list_read and empty else LIST_PAGE)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)
        if new_action is not None and add_existing_action is not None and delete_action is not None:
            self.use_actions(new_action, add_existing_action, menu_actions or [], delete_action)

    def use_model(self, model: EnvironmentListModel) -> None:
        """Show the list's own model (in place of the rows shown at once: the selected row stays)."""
        shown_at_once = self.list_view.model()
        rows = self.list_view.selectionModel().selectedRows() if shown_at_once is not None else []
        self.model = model
        model.modelReset.connect(self._list_arrived)
        self._show_model(model)
        if shown_at_once is not None:
            shown_at_once.deleteLater()
        if rows and rows[0].row() < model.rowCount():
            self.select_row(rows[0].row())

    def _show_model(self, model: QAbstractItemModel) -> None:
        self.list_view.setModel(model)
        header = self.list_view.header()  # its sections are new with each model
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.list_view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())

    def use_actions(
        self, new_action: QAction, add_existing_action: QAction, menu_actions: list[QAction | None], delete_action: QAction
    ) -> None:
        """What the buttons, the "More" menu, the list's context menu and the Delete key do (the
        controllers own the actions)."""
        from PySide6.QtCore import Qt

        self._new_action = new_action
        self._add_existing_action = add_existing_action
        self.menu_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_menu_actions(menu_actions)
        # Delete moves an environment to the trash only when the list has the focus: pressed in
        # the package table it must not offer to trash the whole environment.
        delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.list_view.addAction(delete_action)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(
            lambda pos: self.menu.popup(self.list_view.viewport().mapToGlobal(pos))
        )

    def _new_clicked(self) -> None:
        if self._new_action is not None:  # the window builds its actions before a click is handled
            self._new_action.trigger()

    def _add_existing_clicked(self) -> None:
        if self._add_existing_action is not None:
            self._add_existing_action.trigger()

    def add_menu_actions(self, actions: list[QAction | None]) -> None:
        """Append to the environment menu (``None``: a separator); those built after the first paint come later."""
        for action in actions:
            if action is None:
                self.menu.addSeparator()
            else:
                self.menu.addAction(action)

    def selected_entry(self) -> EnvironmentEntry | None:
        rows = self.list_view.selectionModel().selectedRows()
        if not rows or self.model is None:
            return None
        return self.model.entry(rows[0].row())

    def select_row(self, row: int) -> None:
        index = self.list_view.model().index(row, 0)
        self.list_view.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.list_view.setCurrentIndex(index)

    def clear_selection(self) -> None:
        self.list_view.clearSelection()

    def _list_arrived(self) -> None:
        self._list_read = True

    def show_welcome_if_empty(self) -> None:
        empty = self._list_read and self.list_view.model().rowCount() == 0
        self.pages.setCurrentIndex(WELCOME_PAGE if empty else LIST_PAGE)


def _add_centred(layout: QVBoxLayout, button: QPushButton) -> None:
    """``button`` in a row of its own, centred (without alignment flags: see the module's note)."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    row.addStretch(1)
    layout.addLayout(row)
