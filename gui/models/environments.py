"""Qt list model over the environments the app knows (wraps core objects, owns nothing else)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from core.environments import Environment, Health
from gui import icons


@dataclass(frozen=True)
class EnvironmentEntry:
    environment: Environment
    health: Health


class EnvironmentListModel(QAbstractTableModel):
    NAME, PYTHON = range(2)
    HEADERS = ("Name", "Python")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, entries: list[EnvironmentEntry] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._entries: list[EnvironmentEntry] = list(entries or [])

    # -- core-facing API ---------------------------------------------------------------------

    def set_entries(self, entries: list[EnvironmentEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entries(self) -> list[EnvironmentEntry]:
        return list(self._entries)

    def entry(self, row: int) -> EnvironmentEntry:
        return self._entries[row]

    def row_of(self, path: str) -> int:
        for row, entry in enumerate(self._entries):
            if str(entry.environment.path) == str(path):
                return row
        return -1

    # -- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return entry.environment.name
            if column == self.PYTHON:
                return entry.environment.short_version or "?"
        elif role == Qt.ItemDataRole.DecorationRole and column == self.NAME:
            return icons.health_icon(entry.health.ok)
        elif role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(entry.environment.path)]
            if entry.health.ok:
                lines.append("Ready to use.")
            else:
                lines.append(f"Broken: {entry.health.reason}")
                if entry.health.hint:
                    lines.append(entry.health.hint)
            return "\n".join(lines)
        elif role == Qt.ItemDataRole.AccessibleTextRole and column == self.NAME:
            state = "ready" if entry.health.ok else "broken"
            return f"{entry.environment.name}, Python {entry.environment.short_version}, {state}"
        elif role == self.EntryRole:
            return entry
        return None
