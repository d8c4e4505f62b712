"""An environment's History: every change, when, what was asked, what changed, how it ended.

Each entry can be restored: the environment goes back to the package set recorded
before that change (through the installer, with the same live log and Cancel).
Changes made outside Venvdesk (pip in a terminal) appear as "changed outside Venvdesk".
Every text in the table comes from package metadata or what was typed, so items are
plain text (a table item never reads HTML).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from core.history import Change

_ENDED = {
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
    "crashed": "stopped unexpectedly",
    "outside": "changed outside Venvdesk",
}


class HistoryDialog(QDialog):
    restore_requested = Signal(object)  # Change: go back to the set before it

    def __init__(
        self,
        environment_name: str,
        changes: Sequence[Change],
        describe: Callable[[Mapping[str, tuple[str, str]], Mapping[str, tuple[str, str]]], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle(f"History of {environment_name}")
        self.resize(860, 420)
        self.changes = list(changes)
        intro = QLabel(
            "Every change to this environment, newest first. Choose one and press “Restore” to put the"
            " packages back the way they were before it."
            if self.changes
            else "Nothing has been changed in this environment since Venvdesk started keeping its history."
        )
        intro.setObjectName("historyIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(len(self.changes), 4)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels(["When", "What was asked", "What changed", "How it ended"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(1, 200)
        for row, change in enumerate(self.changes):
            what = describe(change.before, change.after)
            cells = [
                time.strftime("%Y-%m-%d %H:%M", time.localtime(change.when)),
                "changed outside Venvdesk" if change.status == "outside" else change.title,
                what,  # package names keep their own spelling, even at the start
                _ENDED.get(change.status, change.status),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.table.itemSelectionChanged.connect(self._set_state)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = QPushButton("Restore to before this change")
        self.restore_button.setObjectName("historyRestoreButton")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self._restore)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        if self.changes:
            self.table.selectRow(0)
        self._set_state()

    def _chosen(self) -> Change | None:
        rows = self.table.selectionModel().selectedRows()
        return self.changes[rows[0].row()] if rows else None

    def _set_state(self) -> None:
        chosen = self._chosen()
        self.restore_button.setEnabled(chosen is not None and chosen.undoable)

    def rows(self) -> list[list[str]]:
        """What the table shows, row by row (as the person reads it)."""
        return [
            [(item.text() if (item := self.table.item(row, column)) is not None else "") for column in range(self.table.columnCount())]
            for row in range(self.table.rowCount())
        ]

    def _restore(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.restore_requested.emit(chosen)
            self.accept()
