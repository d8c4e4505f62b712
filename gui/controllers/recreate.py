"""Re-create an environment with another Python, keeping its packages (issue 12 — being built)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from gui.controllers.creation import CreationController
from gui.controllers.environments import EnvironmentController
from gui.controllers.operations import OperationsController
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import MessageBar


class RecreateController(QObject):
    def __init__(
        self,
        operations: OperationsController,
        current: CurrentEnvironment,
        creation: CreationController,
        environments: EnvironmentController,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.operations = operations
        self.current = current
        self.creation = creation
        self.environments = environments
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.recreate_action = QAction("Re-create with another Python…", window)
        self.recreate_action.setObjectName("recreateEnvironmentAction")
        window.addAction(self.recreate_action)
