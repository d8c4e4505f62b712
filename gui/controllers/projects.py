"""Projects: a folder the person works in, and the environment it uses (issue 12 — being built)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


class ProjectController(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.open_action = QAction("Open project folder…", window)
        self.open_action.setObjectName("openProjectAction")
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        window.addAction(self.open_action)

    def current_project_folder(self) -> Path | None:
        """The project folder of the selected environment, if it belongs to one."""
        return None

    def menu_actions(self) -> list[QAction | None]:
        """The Project menu, in order (None is a separator)."""
        return [self.open_action]
