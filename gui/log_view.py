"""The Log panel: every operation as a section — its command first, then live output, then the outcome."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QFont, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core.activity_log import ActivityLog
from core.commands import Command, redact
from gui import theme

MAX_BLOCKS = 20000


class LogView(QPlainTextEdit):
    file_problem = Signal(str)  # the log file cannot be written (said once)

    def __init__(self, parent: QWidget | None = None, activity_log: ActivityLog | None = None) -> None:
        super().__init__(parent)
        self.activity_log = activity_log or ActivityLog()
        self._file_problem_reported = False
        self.setObjectName("logView")
        self.setAccessibleName("Log of commands and their output")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_BLOCKS)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Commands Venvdesk runs, and what they print, appear here.")
        self._make_formats()

    def _make_formats(self) -> None:
        self._plain = QTextCharFormat()
        self._error = QTextCharFormat()
        self._error.setForeground(theme.color("error"))
        self._heading = QTextCharFormat()
        self._heading.setFontWeight(QFont.Weight.Bold)
        self._command = QTextCharFormat()
        self._command.setForeground(theme.color("command"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange:
            self._make_formats()  # new lines in the new scheme's colours
        super().changeEvent(event)

    def _append(self, text: str, fmt: QTextCharFormat) -> None:
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        at_bottom = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum() - 4
        cursor.insertText(text, fmt)
        if at_bottom:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def _ensure_new_line(self) -> None:
        if not self.toPlainText().endswith("\n") and self.document().characterCount() > 1:
            self._append("\n", self._plain)

    def begin_section(self, title: str) -> None:
        self._ensure_new_line()
        self._append(f"── {title} · {time.strftime('%H:%M:%S')}\n", self._heading)
        self._write_file(f"── {title}")

    def command(self, command: Command) -> None:
        self._ensure_new_line()
        self._append(f"$ {command.display()}\n", self._command)
        self._write_file(f"$ {command.display()}")

    def output(self, text: str, is_error: bool) -> None:
        self._append(redact(text), self._error if is_error else self._plain)
        self._write_file(("[stderr] " if is_error else "") + text)

    def outcome(self, text: str, ok: bool) -> None:
        self._ensure_new_line()
        self._append(("✓ " if ok else "✗ ") + text + "\n\n", self._heading if ok else self._error)
        self._write_file(("✓ " if ok else "✗ ") + text)

    def note(self, text: str) -> None:
        self._ensure_new_line()
        self._append(text + "\n", self._plain)
        self._write_file(text)

    def _write_file(self, text: str) -> None:
        self.activity_log.write(text)
        if self.activity_log.problem and not self._file_problem_reported:
            self._file_problem_reported = True
            self.file_problem.emit(self.activity_log.problem)

    def copy_all(self) -> str:
        from PySide6.QtGui import QGuiApplication

        text = self.toPlainText()
        QGuiApplication.clipboard().setText(text)
        return text
