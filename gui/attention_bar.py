"""What needs the person's attention before anything else: a change the app was stopped in the middle of.

Shown under the message bar, whichever environment is selected: "Venvdesk stopped
while installing numpy into homework (15:02)", with the actions that settle it —
finish it, undo it (back to what the environment held before), make a half-made
environment again or remove it.  Also when the selected environment has no pip:
install it.  A view: the buttons ask the recovery controller.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from core.journal import CREATE, INSTALL, REQUIREMENTS, UNINSTALL, JournalEntry
from gui import theme
from gui.current_environment import CurrentEnvironment

_WHAT = {INSTALL: "installing", UNINSTALL: "uninstalling", REQUIREMENTS: "installing from a requirements file"}


def describe(entry: JournalEntry) -> str:
    """One plain sentence: what was running, where, and since when."""
    where = Path(entry.environment).name
    if entry.kind == CREATE:
        return (
            f"Venvdesk stopped while it was creating “{entry.options.get('name') or where}” ({entry.when()})."
            " The environment was not finished: make it again, or remove what was made."
        )
    doing = entry.title[:1].lower() + entry.title[1:] if entry.title else _WHAT.get(entry.kind, "changing it")
    return (
        f"Venvdesk stopped in the middle of {doing} in “{where}” ({entry.when()}). Some packages may be"
        f" half-changed: finish it, or undo it to return to the {len(entry.before)} packages it had before."
    )


class AttentionBar(QFrame):
    finish_requested = Signal(object)  # JournalEntry
    undo_requested = Signal(object)
    create_again_requested = Signal(object)
    remove_requested = Signal(object)
    dismiss_requested = Signal(object)
    install_pip_requested = Signal()

    def __init__(self, current: CurrentEnvironment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        theme.set_level(self, "warning")
        self.current = current
        self.entry: JournalEntry | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setObjectName("attentionText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.buttons: dict[str, QPushButton] = {}
        for name, text, signal in (
            ("finishChangeButton", "Finish it", self.finish_requested),
            ("undoChangeButton", "Undo it", self.undo_requested),
            ("createAgainButton", "Create it again", self.create_again_requested),
            ("removeHalfMadeButton", "Remove it", self.remove_requested),
            ("dismissAttentionButton", "I checked it myself", self.dismiss_requested),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(lambda _checked=False, s=signal: s.emit(self.entry) if self.entry else None)
            layout.addWidget(button)
            self.buttons[name] = button
        self.install_pip_button = QPushButton("Install pip")
        self.install_pip_button.setObjectName("installPipButton")
        self.install_pip_button.clicked.connect(self.install_pip_requested)
        layout.addWidget(self.install_pip_button)
        self.buttons["installPipButton"] = self.install_pip_button
        current.attention_changed.connect(self.refresh)
        current.changed.connect(self.refresh)
        self.refresh()

    def _show(self, text: str, visible: set[str]) -> None:
        self.label.setText(text)
        for name, button in self.buttons.items():
            button.setVisible(name in visible)
        self.show()

    def refresh(self) -> None:
        entries = self.current.attention_entries()
        # The selected environment's first, then any other.
        entries.sort(key=lambda e: e.environment != self.current.key)
        self.entry = entries[0] if entries else None
        if self.entry is not None:
            more = f" (and {len(entries) - 1} more to look at)" if len(entries) > 1 else ""
            if self.entry.kind == CREATE:
                self._show(describe(self.entry) + more, {"createAgainButton", "removeHalfMadeButton"})
            else:
                self._show(
                    describe(self.entry) + more, {"finishChangeButton", "undoChangeButton", "dismissAttentionButton"}
                )
            return
        environment = self.current.environment
        if environment is not None and self.current.usable and self.current.loaded and not self.current.installed_version("pip"):
            self._show(
                f"“{environment.name}” has no pip, so nothing can be installed into it. Install pip from the"
                " Python it was made with.",
                {"installPipButton"},
            )
            return
        self.hide()
