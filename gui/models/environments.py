"""Qt list model over the environments the app knows (wraps core objects, owns nothing else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt

from core.environments import Environment, Health
from gui import icons
from gui.models.base import AnyIndex, ListTableModel, plain_tooltip


@dataclass(frozen=True)
class EnvironmentEntry:
    environment: Environment
    health: Health


class EnvironmentListModel(ListTableModel):
    NAME, PYTHON = range(2)
    HEADERS = ("Name", "Python")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, entries: list[EnvironmentEntry] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[EnvironmentEntry] = list(entries or [])

    # -- core-facing API ---------------------------------------------------------------------

    def set_entries(self, entries: list[EnvironmentEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def entries(self) -> list[EnvironmentEntry]:
        return list(self._rows)

    def entry(self, row: int) -> EnvironmentEntry:
        return self._rows[row]

    def row_of(self, path: str) -> int:
        for row, entry in enumerate(self._rows):
            if str(entry.environment.path) == str(path):
                return row
        return -1

    # -- Qt model API ------------------------------------------------------------------------

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index)
        if entry is None:
            return None
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
            return plain_tooltip("\n".join(lines))
        elif role == Qt.ItemDataRole.AccessibleTextRole and column == self.NAME:
            state = "ready" if entry.health.ok else "broken"
            return f"{entry.environment.name}, Python {entry.environment.short_version}, {state}"
        elif role == self.EntryRole:
            return entry
        return None
