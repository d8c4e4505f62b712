"""Using an environment: Jupyter kernels, running a file, how to use it from editors and terminals
(issue 12 — being built)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from core.environments import Environment
from gui.controllers.environments import EnvironmentController
from gui.controllers.operations import OperationsController
from gui.controllers.packages import PackageController
from gui.current_environment import CurrentEnvironment
from gui.log_view import LogView
from gui.message_bar import MessageBar


class UsageController(QObject):
    def __init__(
        self,
        operations: OperationsController,
        current: CurrentEnvironment,
        environments: EnvironmentController,
        packages: PackageController,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
        known_environments: Callable[[], list[Environment]],
    ) -> None:
        super().__init__(window)
        self.operations = operations
        self.current = current
        self.environments = environments
        self.packages = packages
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.known_environments = known_environments
        self.jupyter_action = QAction("Use in Jupyter…", window)
        self.jupyter_action.setObjectName("jupyterKernelAction")
        window.addAction(self.jupyter_action)
        self.how_to_use_action = QAction("How to use this environment…", window)
        self.how_to_use_action.setObjectName("howToUseAction")
        window.addAction(self.how_to_use_action)
