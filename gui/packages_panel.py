"""The Installed tab: what is in the current environment, and the buttons that ask for changes.

A view: it shows what :class:`~gui.current_environment.CurrentEnvironment`
knows (packages, newest versions, half-installed files, pip check's problems)
and turns clicks into requests (signals) that the package controller carries
out.  It builds no command and handles no outcome.

Names, versions, paths and pip's words come from outside: every label that shows
them is plain text, and the two that use markup escape each outside piece.
"""

from __future__ import annotations

import heapq
import html

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.environments import Environment, Health
from core.operations import Operation
from core.packages import InstalledPackage
from core.recreate import base_python_gone, broken_offer
from gui import icons, theme
from gui.current_environment import CurrentEnvironment
from gui.models.base import plain_tooltip
from gui.models.packages import PackageFilterModel, PackageTableModel
from gui.workers import run_in_background

NO_SELECTION = "Select an environment to see the packages installed in it."
FITTED_COLUMNS = (PackageTableModel.NAME, PackageTableModel.VERSION, PackageTableModel.LATEST)


class PackagesPanel(QWidget):
    install_requested = Signal(str)  # the Install box's text
    upgrade_requested = Signal(list)  # names of the selected packages
    upgrade_all_requested = Signal(list)  # names of every outdated package
    uninstall_requested = Signal(list)  # InstalledPackage
    repair_requested = Signal()
    unqueue_requested = Signal(int)  # operation id
    page_requested = Signal(str)  # a package's name: show its page (double-click or Enter on its row)

    def __init__(
        self,
        current: CurrentEnvironment,
        broken_actions: list[QAction],
        requirements_menu: QMenu,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("packagesPanel")
        self.current = current
        self._shown_key = "-"  # the environment whose packages are on screen
        self.model = PackageTableModel(parent=self)
        self.filter_model = PackageFilterModel(self)
        self.filter_model.setSourceModel(self.model)
        self._build(broken_actions, requirements_menu)
        current.changed.connect(self._environment_changed)
        current.packages_loaded.connect(self._packages_loaded)
        current.latest_versions_loaded.connect(self._latest_versions_loaded)
        current.integrity_changed.connect(self._show_repair_offer)
        current.problems_changed.connect(self._show_problems)
        self._environment_changed()

    def _build(self, broken_actions: list[QAction], requirements_menu: QMenu) -> None:
        self.title = QLabel("Packages")
        self.title.setObjectName("packagesTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # holds the environment's name
        theme.set_role(self.title, "title")

        self.install_edit = QLineEdit()
        self.install_edit.setObjectName("installSpecEdit")
        self.install_edit.setAccessibleName("Package to install")
        self.install_edit.setPlaceholderText("Package to install, e.g. requests or requests==2.32.3")
        self.install_edit.textChanged.connect(lambda _t: self.show_install_error(""))
        self.install_edit.returnPressed.connect(self._install_requested)
        self.install_button = QPushButton("Install")
        icons.set_action_icon(self.install_button, "install")
        self.install_button.setObjectName("installButton")
        self.install_button.setAccessibleName("Install the package named in the box")
        self.install_button.clicked.connect(self._install_requested)
        self.requirements_button = QToolButton()
        self.requirements_button.setObjectName("requirementsButton")
        self.requirements_button.setText("requirements.txt")
        self.requirements_button.setAccessibleName("Save or install a requirements file")
        self.requirements_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.requirements_button.setMenu(requirements_menu)
        install_row = QHBoxLayout()
        install_row.addWidget(self.install_edit, 1)
        install_row.addWidget(self.install_button)
        install_row.addWidget(self.requirements_button)
        self.install_error = QLabel()
        self.install_error.setObjectName("installSpecError")
        self.install_error.setTextFormat(Qt.TextFormat.PlainText)  # quotes what was typed
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
        self.upgrade_button.clicked.connect(lambda: self.upgrade_requested.emit([p.name for p in self.selected_packages()]))
        self.upgrade_all_button = QPushButton("Upgrade all outdated")
        icons.set_action_icon(self.upgrade_all_button, "upgrade")
        self.upgrade_all_button.setObjectName("upgradeAllButton")
        self.upgrade_all_button.setAccessibleName("Upgrade every outdated package")
        self.upgrade_all_button.clicked.connect(lambda: self.upgrade_all_requested.emit([p.name for p in self.model.outdated_packages()]))
        self.uninstall_button = QPushButton("Uninstall")
        icons.set_action_icon(self.uninstall_button, "uninstall")
        self.uninstall_button.setObjectName("uninstallButton")
        self.uninstall_button.setAccessibleName("Uninstall the selected packages")
        self.uninstall_button.clicked.connect(lambda: self.uninstall_requested.emit(self.selected_packages()))
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.filter_edit, 1)
        actions_row.addWidget(self.outdated_check)
        actions_row.addWidget(self.upgrade_button)
        actions_row.addWidget(self.upgrade_all_button)
        actions_row.addWidget(self.uninstall_button)

        self.index_note = QLabel()
        self.index_note.setObjectName("indexNote")
        self.index_note.setTextFormat(Qt.TextFormat.PlainText)
        self.index_note.setWordWrap(True)
        theme.set_role(self.index_note, "muted")
        self.index_note.hide()

        self.problems_label = QLabel()
        self.problems_label.setObjectName("pipCheckLabel")
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)  # pip check's lines, as pip wrote them
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
        self.repair_label.setTextFormat(Qt.TextFormat.RichText)  # bold, and escaped package names
        self.repair_label.setWordWrap(True)
        self.repair_button = QPushButton("Repair")
        icons.set_action_icon(self.repair_button, "repair")
        self.repair_button.setObjectName("repairButton")
        self.repair_button.setAccessibleName("Repair the half-installed packages")
        self.repair_button.clicked.connect(self.repair_requested)
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
        # Widths worked out from the text (see _fit_columns), not ResizeToContents: that asks
        # the model for every cell on screen, ~7 roles each, again at each layout pass and each
        # time the newest versions arrive -- most of the time it took to show the list.  The
        # person can still drag them wider.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._set_state())
        # A double-click gives both signals (activated too, in most styles); Enter gives activated.
        self._page_timer = QTimer(self)
        self._page_timer.setSingleShot(True)
        self._page_timer.setInterval(0)
        self._page_timer.timeout.connect(self._page_requested)
        self._page_for = ""
        self.table.doubleClicked.connect(self._row_opened)
        self.table.activated.connect(self._row_opened)
        self.table.setAccessibleDescription("Double-click a package, or press Enter, to see its page.")

        self.queue_box = QFrame()
        self.queue_box.setObjectName("queueBox")
        queue_layout = QHBoxLayout(self.queue_box)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_label = QLabel("Waiting to run:")
        self.queue_list = QListWidget()  # items show operation titles as plain text
        self.queue_list.setObjectName("queueList")
        self.queue_list.setAccessibleName("Operations waiting to run")
        self.queue_list.setMaximumHeight(70)
        self.remove_queued_button = QPushButton("Remove from queue")
        icons.set_action_icon(self.remove_queued_button, "remove")
        self.remove_queued_button.setObjectName("removeQueuedButton")
        self.remove_queued_button.clicked.connect(self._unqueue_requested)
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
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)  # rich only for a broken environment
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

    def selected_packages(self) -> list[InstalledPackage]:
        rows = self.table.selectionModel().selectedRows()
        return [self.filter_model.data(index, PackageTableModel.PackageRole) for index in rows]

    def _set_state(self) -> None:
        usable = self.current.usable
        selected = self.selected_packages() if usable else []
        for widget in (self.install_edit, self.install_button, self.requirements_button):
            widget.setEnabled(usable)
        self.upgrade_button.setEnabled(bool(selected))
        self.uninstall_button.setEnabled(bool(selected))
        self.upgrade_all_button.setEnabled(usable and bool(self.model.outdated_packages()))

    def _row_opened(self, index: QModelIndex) -> None:
        package = self.filter_model.data(index, PackageTableModel.PackageRole)
        if package is not None:
            self._page_for = package.name
            self._page_timer.start()

    def _page_requested(self) -> None:
        name, self._page_for = self._page_for, ""
        if name:
            self.page_requested.emit(name)

    def show_install_error(self, text: str) -> None:
        self.install_error.setText(text)
        self.install_error.setVisible(bool(text))

    def _install_requested(self) -> None:
        self.install_requested.emit(self.install_edit.text())

    def _environment_changed(self) -> None:
        """Another environment (or none) is current: show its name, or why there is nothing to show."""
        entry = self.current.entry
        if self.current.key != self._shown_key:  # another environment: nothing of the last one stays
            self._shown_key = self.current.key
            self.problems_label.hide()
            self.repair_bar.hide()
            self.show_install_error("")
            self.model.set_packages([])
        self._show_index_note()  # another environment's, or another index's: gone
        if entry is None:
            self.title.setText("Packages")
            self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
            self.placeholder.setText(NO_SELECTION)
            self.broken_actions.hide()
            self.pages.setCurrentWidget(self.message_page)
        else:
            self.title.setText(f"Packages in {entry.environment.name}")
            if not entry.health.ok:
                self.show_broken(entry.health)
            else:
                self.broken_actions.hide()
                if self.pages.currentWidget() is self.message_page and not self.current.loaded:
                    # Not "Select an environment" (one is selected) while its list is read.
                    self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
                    self.placeholder.setText(f"Reading the packages installed in {entry.environment.name}…")
        self._set_state()

    def show_broken(self, health: Health) -> None:
        self._show_broken_text(health, "")
        self.broken_actions.show()
        self.pages.setCurrentWidget(self.message_page)
        self.model.set_packages([])
        self._set_state()
        environment = self.current.environment
        if environment is not None and base_python_gone(environment):
            self._offer_recreation(environment, health)

    def _show_broken_text(self, health: Health, offer: str) -> None:
        # The reason, hint and offer quote paths and program output: escaped into the markup.
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setText(
            f"<p><b>This environment is broken.</b></p><p>{html.escape(health.reason)}</p>"
            f"<p>{html.escape(offer or health.hint)}</p>"
        )

    def _offer_recreation(self, environment: Environment, health: Health) -> None:
        """Its Python is gone: offer, in words, to re-create it with a Python that is here and the
        same packages (counted from metadata and the Pythons found, off the UI thread)."""
        key = str(environment.path)

        def work() -> str:
            from core.interpreters import find_interpreters

            return broken_offer(environment, find_interpreters())

        def done(offer: str) -> None:
            entry = self.current.entry
            if offer and self.current.key == key and entry is not None and not entry.health.ok:
                self._show_broken_text(health, offer)

        def failed(exc: BaseException, _formatted: str) -> None:
            if self.current.key == key:  # the hint stays; the re-create button is there all the same
                self._show_broken_text(health, f"{health.hint} (Venvdesk could not count its packages: {exc}.)")

        run_in_background(work, done, failed, context=self)

    def _packages_loaded(self, path: str) -> None:
        if path != self.current.key or not self.current.usable:
            return
        self.model.set_packages(self.current.packages, self.current.dependents)
        self.model.set_latest_versions(self.current.latest, self.current.latest_not_on_index, self.current.index_url_shown())
        self._show_index_note()  # as it was, or gone when the index was changed
        self._fit_columns()
        self.pages.setCurrentWidget(self.table_page)
        self._set_state()

    def _fit_columns(self, columns: tuple[int, ...] = FITTED_COLUMNS) -> None:
        """Make the name and version columns as wide as their widest text (and their title).

        Measured on the few longest texts of each column (by characters: the widest is among
        them), in the font each is drawn in, instead of asking the model for every cell.
        """
        packages = self.model.packages()
        texts = {
            PackageTableModel.NAME: [p.name for p in packages],
            PackageTableModel.VERSION: [p.version for p in packages],
            PackageTableModel.LATEST: [f"{latest} ↑" for p in packages if (latest := self.model.latest_version(p))],
        }
        metrics = self.table.fontMetrics()
        bold = QFont(self.table.font())
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)  # the Latest column shows an update in bold
        header = self.table.horizontalHeader()
        # The cell's margins and focus frame, and room for the header's sort arrow.
        character = metrics.averageCharWidth()
        padding = 3 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 2 * character
        widest = 40 * character  # a 200-character name does not push the other columns away
        for column in columns:
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            used = bold_metrics if column == PackageTableModel.LATEST else metrics
            width = max(
                [header.fontMetrics().horizontalAdvance(title) + 2 * character]  # and the sort arrow
                + [used.horizontalAdvance(text) for text in heapq.nlargest(5, texts[column], key=len)]
            )
            header.resizeSection(column, min(width + padding, widest))

    def _latest_versions_loaded(self, path: str) -> None:
        if path != self.current.key:
            return
        self.model.set_latest_versions(self.current.latest, self.current.latest_not_on_index, self.current.index_url_shown())
        self._fit_columns((PackageTableModel.LATEST,))
        self._show_index_note()
        self._set_state()

    def _show_index_note(self) -> None:
        """The quiet note under the table about what the newest-version look-up could not tell."""
        failures = self.current.latest_failures
        shown_names = {p.key: p.name for p in self.current.packages}
        not_on_index = sorted((shown_names.get(key, key) for key in self.current.latest_not_on_index), key=str.lower)
        sentences, details = [], []
        # Not worth interrupting the person (they may be offline): a quiet note with details.
        if failures and self.current.latest_problem:  # not the index's doing: Venvdesk's own look-up stopped
            sentences.append(
                f"Newest versions unknown for {len(failures)} package(s): Venvdesk's look-up stopped"
                " before it asked the index. It tries again the next time the list is read."
            )
            details.append(self.current.latest_problem)
        elif failures:
            sentences.append(
                f"Newest versions unknown for {len(failures)} package(s):"
                f" {self.current.index_url_shown()} did not answer."
            )
            details.extend(failures[:20])
        missing = set(self.current.latest_not_on_index)
        if missing and not self.current.latest and (len(missing) >= 2 or "pip" in missing):
            # Not one package found, not even pip: the index's address is the likelier cause (a typo
            # in it answers 404 for everything), not packages installed from files.
            sentences.append(
                f"{self.current.index_url_shown()} has none of this environment's packages"
                f"{', not even pip' if 'pip' in missing else ''}: is its address right?"
                " Check it in Venvdesk → Settings…."
            )
            details.append("Not on the index: " + ", ".join(not_on_index))
        elif not_on_index:
            names = not_on_index if len(not_on_index) <= 3 else [*not_on_index[:3], f"{len(not_on_index) - 3} more"]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            verb = "is" if len(not_on_index) == 1 else "are"
            sentences.append(
                f"{listed} {verb} not on {self.current.index_url_shown()}, so there is no newest version to show"
                " (installed from a folder or a file, or from another index)."
            )
            details.append("Not on the index: " + ", ".join(not_on_index))
        self.index_note.setText(" ".join(sentences))
        self.index_note.setToolTip(plain_tooltip("\n".join(details)) if details else "")
        self.index_note.setVisible(bool(sentences))

    def _show_repair_offer(self) -> None:
        integrity = self.current.integrity
        if integrity.clean:
            self.repair_bar.hide()
            return
        interrupted = self.current.interrupted_specs()
        advice = "Repair reinstalls them."
        if integrity.orphans and not interrupted and not integrity.damaged and not integrity.leftovers:
            advice = "Reinstall the package these files belong to (Repair cannot tell which one it is)."
        self.repair_label.setText(
            f"<b>This environment may have half-installed packages</b> ({html.escape(integrity.describe())}). {advice}"
        )
        self.repair_bar.show()
        self.repair_button.setEnabled(bool(integrity.damaged or integrity.leftovers or interrupted))

    def _show_problems(self) -> None:
        problems = self.current.problems
        if problems:
            self.problems_label.setText("⚠ Some installed packages do not fit together:\n" + "\n".join(problems))
        self.problems_label.setVisible(bool(problems))

    # -- queue -------------------------------------------------------------------------------

    def show_queue(self, pending: list[Operation]) -> None:
        self.queue_list.clear()
        for operation in pending:
            item = QListWidgetItem(operation.title)
            item.setData(Qt.ItemDataRole.UserRole, operation.id)
            self.queue_list.addItem(item)
        self.queue_box.setVisible(bool(pending))

    def _unqueue_requested(self) -> None:
        item = self.queue_list.currentItem() or (self.queue_list.item(0) if self.queue_list.count() else None)
        if item is not None:
            self.unqueue_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))
