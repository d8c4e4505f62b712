"""The one place the person is told things: a bar at the top of the window.

Every failure arrives here as a plain sentence, with the technical detail
(command, exit code, last output lines) behind a "Details…" button.  The bar
never blocks the window, so work in progress keeps running while it shows.

Messages carry text from outside (package names, paths, pip's output), so the bar
and its Details box show them as plain text: nothing in a message is read as HTML.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWidget,
)

from gui import theme
from gui.dialogs.confirmations import make_plain


class Level(enum.Enum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


class MessageBar(QFrame):
    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.text_label = QLabel()
        self.text_label.setObjectName("messageText")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details…")
        self.details_button.setObjectName("messageDetailsButton")
        self.details_button.setAccessibleName("Show technical details")
        self.details_button.clicked.connect(self.show_details)
        close = QToolButton()
        close.setText("✕")
        close.setObjectName("messageCloseButton")
        close.setAccessibleName("Dismiss message")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.details_button)
        layout.addWidget(close)
        self.level = Level.INFO
        self.detail = ""
        self.details_box: QMessageBox | None = None
        self.hide()

    def show_message(self, text: str, level: Level = Level.INFO, detail: str = "") -> None:
        self.level = level
        self.detail = detail
        theme.set_level(self, level.value)
        self.text_label.setText(text)
        self.details_button.setVisible(bool(detail))
        self.show()
        self.shown.emit(text)

    def text(self) -> str:
        return self.text_label.text() if self.isVisible() else ""

    def show_details(self) -> None:
        box = QMessageBox(self.window())
        box.setObjectName("detailsBox")
        box.setWindowTitle("Details")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(self.text_label.text())
        box.setInformativeText("The technical detail below is what to send to someone helping you.")
        box.setDetailedText(self.detail)
        make_plain(box)
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        self.details_box = box
        box.open()
