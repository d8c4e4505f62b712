"""Qt list model over the environments the app knows (wraps core objects, owns nothing else)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt

from gui.models.base import AnyIndex, ListTableModel, plain_tooltip

# The rows live in gui.models.entries (read and shown before the window's first paint, without
# this module); imported here under their old home's names too.
from gui.models.entries import NOT_SET_UP as NOT_SET_UP
from gui.models.entries import EnvironmentEntry as EnvironmentEntry
from gui.models.entries import load_entries as load_entries
from gui.models.entries import name_text, python_text, row_icon
from gui.models.entries import shown_path as shown_path


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
        """The row of a project folder or of an environment (its project's row first)."""
        for row, entry in enumerate(self._rows):
            if entry.key == str(path):
                return row
        for row, entry in enumerate(self._rows):
            if entry.set_up and str(entry.environment.path) == str(path):
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
                return name_text(entry)
            if column == self.PYTHON:
                return python_text(entry)
        elif role == Qt.ItemDataRole.DecorationRole and column == self.NAME:
            return row_icon(entry)
        elif role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(entry.environment.path)]
            if entry.project is not None:
                lines = [f"Project folder: {entry.project.folder}"]
                if entry.set_up:
                    lines.append(f"Environment: {entry.environment.path}")
            if not entry.set_up:
                lines.append("Not set up yet: select it and click “Set up this project”.")
            elif entry.health.ok:
                lines.append("Ready to use.")
            else:
                lines.append(f"Broken: {entry.health.reason}")
                if entry.health.hint:
                    lines.append(entry.health.hint)
            return plain_tooltip("\n".join(lines))
        elif role == Qt.ItemDataRole.AccessibleTextRole and column == self.NAME:
            if not entry.set_up:
                return f"Project {entry.name}"
            state = "ready" if entry.health.ok else "broken"
            kind = "Project " if entry.project is not None else ""
            return f"{kind}{entry.name}, Python {entry.environment.short_version}, {state}"
        elif role == self.EntryRole:
            return entry
        return None
