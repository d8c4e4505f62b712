"""The Jupyter kernels that point into environments, and removing one (its folder goes to the trash).

Kernel names, display names and folders come from files on disk: table items are plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
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

from gui.models.base import plain_tooltip

if TYPE_CHECKING:
    from core.jupyter import Kernel


class KernelsDialog(QDialog):
    remove_requested = Signal(object)  # Kernel
    register_requested = Signal()  # register the selected environment

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelsDialog")
        self.setWindowTitle("Jupyter kernels")
        self.resize(760, 360)
        self.kernels: list[Kernel] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel("Reading Jupyter's kernels…")
        self.intro.setObjectName("kernelsIntro")
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("kernelsTable")
        self.table.setHorizontalHeaderLabels(["Kernel", "Environment", "Folder"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._set_state)
        layout.addWidget(self.table, 1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.register_button = box.addButton("Use this environment in Jupyter", QDialogButtonBox.ButtonRole.ActionRole)
        self.register_button.setObjectName("registerKernelButton")
        self.register_button.clicked.connect(self.register_requested)
        self.remove_button: QPushButton = box.addButton("Move to trash", QDialogButtonBox.ButtonRole.ActionRole)
        self.remove_button.setObjectName("removeKernelButton")
        self.remove_button.setToolTip("Jupyter stops offering this kernel; you can restore its folder from the trash.")
        self.remove_button.clicked.connect(self._remove)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self._set_state()

    def set_kernels(self, rows: Sequence[tuple[Kernel, str]], intro: str) -> None:
        """``rows``: each kernel with the environment it points into, in words."""
        self.kernels = [kernel for kernel, _where in rows]
        self.intro.setText(intro)
        self.table.setRowCount(len(rows))
        for row, (kernel, where) in enumerate(rows):
            for column, text in enumerate((kernel.display_name, where, str(kernel.folder))):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(f"{kernel.name}: runs {kernel.argv0}" if kernel.argv0 else kernel.name))
                self.table.setItem(row, column, item)
        if rows:
            self.table.selectRow(0)
        self._set_state()

    def row_texts(self) -> list[str]:
        """What each row shows, as one line (for tests and for reading aloud)."""
        texts = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, column) for column in range(self.table.columnCount())]
            texts.append(" | ".join(cell.text() if cell is not None else "" for cell in cells))
        return texts

    def selected_kernel(self) -> Kernel | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.kernels):
            return None
        return self.kernels[rows[0].row()]

    def _set_state(self) -> None:
        self.remove_button.setEnabled(self.selected_kernel() is not None)

    def _remove(self) -> None:
        kernel = self.selected_kernel()
        if kernel is not None:
            self.remove_button.setEnabled(False)
            self.remove_requested.emit(kernel)
