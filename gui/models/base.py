"""The part every table model here shares: rows from a plain list, fixed column headers."""

from __future__ import annotations

from typing import Any, Union

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

# What Qt hands a model's methods: a plain or a persistent index (Union: Python 3.9 runs this).
AnyIndex = Union[QModelIndex, QPersistentModelIndex]


class ListTableModel(QAbstractTableModel):
    """A read-only table over ``self._rows`` with one column per entry of ``HEADERS``."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def row_at(self, index: AnyIndex) -> Any:
        """The row object behind ``index``, or None for an invalid or stale index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None
