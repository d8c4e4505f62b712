"""Find missing packages: what a project's code imports that its environment lacks (issue 12 — being built)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from gui.controllers.packages import PackageController
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import MessageBar


class MissingPackagesController(QObject):
    def __init__(
        self,
        current: CurrentEnvironment,
        packages: PackageController,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
        project_folder: Callable[[], Path | None],
    ) -> None:
        super().__init__(window)
        self.current = current
        self.packages = packages
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.project_folder = project_folder
        self.scan_action = QAction("Find missing packages…", window)
        self.scan_action.setObjectName("scanImportsAction")
        window.addAction(self.scan_action)
