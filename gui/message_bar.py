"""The one place the person is told things: a bar at the top of the window.

Every failure arrives here as a plain sentence that names its cause, with the
fix as a button beside it ("Install requests", "Install 1.4.2 instead"), a
second choice where there is one, "Undo" where a change can be taken back, and
the technical detail (pip's whole error block, the command, the exit code)
behind "Details…".  The bar never blocks the window, so work in progress keeps
running while it shows.

Messages carry text from outside (package names, paths, pip's output), so the bar
and its Details box show them as plain text: nothing in a message is read as HTML.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
from gui.dialogs.confirmations import button_text, make_plain


class Level(enum.Enum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


# The style's standard pixmaps, by name: QStyle's enums (~80 pixmaps, ~100 metrics, ~130 hints)
# cost ~7 ms to create, so they are first touched when a message is shown, not at start-up.
_ICONS = {
    Level.INFO: "SP_MessageBoxInformation",
    Level.SUCCESS: "SP_DialogApplyButton",
    Level.WARNING: "SP_MessageBoxWarning",
    Level.ERROR: "SP_MessageBoxCritical",
}
_BOX_ICONS = {
    Level.INFO: QMessageBox.Icon.Information,
    Level.SUCCESS: QMessageBox.Icon.Information,
    Level.WARNING: QMessageBox.Icon.Warning,
    Level.ERROR: QMessageBox.Icon.Critical,
}


@dataclass(frozen=True)
class MessageAction:
    """A button in the bar: its text, and what pressing it does (the bar closes first)."""

    label: str
    run: Callable[[], object]
    tooltip: str = ""


class MessageBar(QFrame):
    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.icon_label = QLabel()
        self.icon_label.setObjectName("messageIcon")
        self.text_label = QLabel()
        self.text_label.setObjectName("messageText")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.setObjectName("messageActionButton")
        self.secondary_button = QPushButton()
        self.secondary_button.setObjectName("messageSecondaryButton")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setObjectName("messageUndoButton")
        self.undo_button.setAccessibleName("Undo this change")
        self._actions: dict[QPushButton, MessageAction | None] = {}
        for button in (self.action_button, self.secondary_button, self.undo_button):
            self._actions[button] = None
            button.clicked.connect(lambda _checked=False, b=button: self._run(b))
            button.hide()
        self.details_button = QPushButton("Details…")
        self.details_button.setObjectName("messageDetailsButton")
        self.details_button.setAccessibleName("Show technical details")
        self.details_button.clicked.connect(self.show_details)
        close = QToolButton()
        close.setText("✕")
        close.setObjectName("messageCloseButton")
        close.setAccessibleName("Dismiss message")
        close.setAutoRaise(True)
        close.clicked.connect(self.clear)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.secondary_button)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.details_button)
        layout.addWidget(close)
        self.level = Level.INFO
        self.detail = ""
        self.details_box: QMessageBox | None = None
        self.hide()

    def show_message(
        self,
        text: str,
        level: Level = Level.INFO,
        detail: str = "",
        *,
        actions: Sequence[MessageAction] = (),
        undo: MessageAction | None = None,
    ) -> None:
        """Show ``text``; ``actions`` (at most two: the fix, a second choice) and ``undo`` become buttons."""
        self.level = level
        self.detail = detail
        theme.set_level(self, level.value)
        from PySide6.QtWidgets import QStyle

        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon = self.style().standardIcon(getattr(QStyle.StandardPixmap, _ICONS[level]))
        self.icon_label.setPixmap(icon.pixmap(size, size))
        self.text_label.setText(text)
        chosen = list(actions[:2])
        for button, action in zip((self.action_button, self.secondary_button), chosen + [None, None]):
            self._set_action(button, action)
        self._set_action(self.undo_button, undo)
        self.details_button.setVisible(bool(detail))
        self.show()
        self.shown.emit(text)

    def _set_action(self, button: QPushButton, action: MessageAction | None) -> None:
        self._actions[button] = action
        if action is None:
            button.hide()
            return
        button.setText(button_text(action.label))
        button.setToolTip(action.tooltip)
        button.show()

    def _run(self, button: QPushButton) -> None:
        action = self._actions.get(button)
        if action is None:
            return
        self.clear()
        action.run()

    def clear(self) -> None:
        """Take the message down (a stale one must not outlive the work it was about)."""
        for button in self._actions:
            self._set_action(button, None)
        self.hide()

    def action_labels(self) -> list[str]:
        """The texts of the buttons shown now (what the person can press)."""
        return [action.label for action in self._actions.values() if action is not None and self.isVisible()]

    def text(self) -> str:
        return self.text_label.text() if self.isVisible() else ""

    def show_details(self) -> None:
        box = QMessageBox(self.window())
        box.setObjectName("detailsBox")
        box.setWindowTitle("Details")
        box.setIcon(_BOX_ICONS[self.level])
        box.setText(self.text_label.text())
        box.setInformativeText("The technical detail below is what to send to someone helping you.")
        box.setDetailedText(self.detail)
        make_plain(box)
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        self.details_box = box
        box.open()
