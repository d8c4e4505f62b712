"""The Log dock's content: every command and its output, where the log file is, Copy and Save."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import storage
from core.errors import UserFacingError
from gui.controllers import show_error
from gui.log_view import LINE_CHARS_SHOWN, MAX_BLOCKS, LogView
from gui.message_bar import Level, MessageBar


class LogPanel(QWidget):
    def __init__(self, message_bar: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_bar = message_bar
        self.log_view = LogView()
        copy_log = QPushButton("Copy")
        copy_log.setObjectName("copyLogButton")
        copy_log.setAccessibleName("Copy the whole log")
        copy_log.setToolTip("Copy the whole log, to paste it to someone helping you")
        copy_log.clicked.connect(self.copy_log)
        save_log = QPushButton("Save…")
        save_log.setObjectName("saveLogButton")
        save_log.setAccessibleName("Save the log to a file")
        save_log.clicked.connect(self.save_log)
        self.file_label = QLabel()
        self.file_label.setObjectName("logFileLabel")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)  # a path: any folder name is shown as it is
        self.file_label.setText(f"Also kept, every line whole, in {self.log_view.activity_log.path}")
        self.file_label.setToolTip(
            f"This view keeps the last {MAX_BLOCKS:,} lines and shows {LINE_CHARS_SHOWN:,} characters of a line;"
            " the log file has everything (its three previous files too, when it grows past 1 MB)."
        )
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_view.file_problem.connect(self._file_problem)
        full = QCheckBox("Full commands")
        full.setObjectName("logFullCommandsCheck")
        full.setToolTip(
            "Show every command whole, with the options Venvdesk always passes (the log file always has them)"
        )
        full.toggled.connect(lambda on: setattr(self.log_view, "full_commands", on))
        self.full_commands_check = full
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.file_label, 1)
        buttons.addWidget(full)
        buttons.addWidget(copy_log)
        buttons.addWidget(save_log)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.log_view, 1)

    def _file_problem(self, problem: str) -> None:
        self.file_label.setText("Kept on screen only (the log file cannot be written).")
        self.file_label.setToolTip(f"This view keeps the last {MAX_BLOCKS:,} lines.")
        self.message_bar.show_message(problem, Level.WARNING)

    def copy_log(self) -> None:
        self.log_view.copy_all()
        self.message_bar.show_message("The log was copied. Paste it into a message to someone helping you.", Level.INFO)

    def save_log(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save the log", str(Path.home() / "venvdesk-log.txt"), "Text (*.txt)")
        if path:
            self.save_log_to(Path(path))

    def save_log_to(self, path: Path) -> None:
        try:
            storage.write_text_atomic(path, self.log_view.toPlainText())
        except OSError as exc:
            show_error(self.message_bar, self.log_view, UserFacingError(f"The log could not be saved to {path}.", str(exc)))
            return
        self.message_bar.show_message(f"Log saved to {path}.", Level.SUCCESS)
