"""Qt list model over the environments the app knows (wraps core objects, owns nothing else)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt

from core.environments import Environment, Health
from gui import icons
from gui.models.base import AnyIndex, ListTableModel, plain_tooltip

if TYPE_CHECKING:
    from core.projects import ProjectRecord


@dataclass(frozen=True)
class EnvironmentEntry:
    """One row of the list: an environment, or a project with the environment it uses.

    A project not set up yet has no environment: ``environment`` is where its own ``.venv``
    would be, and ``set_up`` is false.
    """

    environment: Environment
    health: Health
    project: ProjectRecord | None = None
    set_up: bool = True

    @property
    def key(self) -> str:
        """What identifies the row: the project folder, or the environment's path."""
        return str(self.project.folder) if self.project is not None else str(self.environment.path)

    @property
    def name(self) -> str:
        """The name a person knows the row by (a project's name for its environment)."""
        if self.project is None:
            return self.environment.name
        return self.project.name if self.set_up else f"{self.project.name} — not set up yet"

    @property
    def usable(self) -> bool:
        return self.set_up and self.health.ok


def shown_path(path: Path) -> str:
    """``path`` with the home folder written as ``~`` (shorter, and the same on every screen)."""
    home = os.path.expanduser("~")
    text = str(path)
    if home not in ("", "~", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text


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
                if entry.project is not None:  # the project's name, its folder on a second line
                    return f"{entry.name}\n{shown_path(entry.project.folder)}"
                return entry.environment.name
            if column == self.PYTHON:
                if not entry.set_up:
                    return ""
                return entry.environment.short_version or "?"
        elif role == Qt.ItemDataRole.DecorationRole and column == self.NAME:
            if not entry.set_up:
                return icons.action_icon("open-folder")
            return icons.health_icon(entry.health.ok)
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
