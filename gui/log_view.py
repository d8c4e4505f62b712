"""The Log panel: every operation as a section — its command first, then live output, then the outcome.

What a program prints is redacted as it arrives and goes to the log file whole (written by the
file's own thread, see :mod:`core.activity_log`); on screen it is shown in batches, so a flood of
small chunks costs one document insert per batch, not one per chunk, and a turn of the event loop
never inserts more than ``FLUSH_LINES`` lines or ``FLUSH_CHARS`` characters:

* chunks are queued and inserted together ``FLUSH_MS`` after the first of them (what is still
  queued then follows in batches ``FLUSH_AGAIN_MS`` apart), one insert per run of one stream, in
  the order and the colours they came in;
* one line shows at most ``LINE_CHARS_SHOWN`` characters, then says how many more the log file has;
* the view keeps the last ``MAX_BLOCKS`` lines; output that comes faster than it can be shown (more
  than ``MAX_QUEUED_LINES`` lines waiting) is summed up in one line ("… N lines of output not shown
  here"), the file has every line.

Headings, commands, outcomes and notes keep their place after the output queued before them;
:meth:`LogView.toPlainText` (and :meth:`LogView.flush`) show everything queued first.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core.activity_log import ActivityLog
from core.commands import Command, redact
from gui import theme

if TYPE_CHECKING:
    from PySide6.QtGui import QTextCharFormat

MAX_BLOCKS = 20000  # lines the view keeps (the log file keeps them all)
LINE_CHARS_SHOWN = 2000  # characters of one line shown; the rest is in the log file
FLUSH_MS = 50  # output arriving within this long is inserted together
FLUSH_AGAIN_MS = 10  # while more is queued: the next batch after this pause (input, painting, reads go first)
FLUSH_LINES = 500  # at most this many lines inserted per turn of the event loop...
FLUSH_CHARS = 20_000  # ... and at most this many characters (~10 ms of layout for wrapped lines)
# Queued output beyond either bound is summed up in one line, not shown: it would have scrolled
# out of the view anyway by the time the newer output queued after it is shown.
MAX_QUEUED_LINES = MAX_BLOCKS // 2
MAX_QUEUED_CHARS = 1_000_000

_OUTPUT = ("out", "err")


class _Entry(NamedTuple):
    kind: str  # "out", "err", "heading", "command", "plain", "failure" or "skipped"
    text: str
    lines: int  # line breaks in text (for "skipped": 1)
    skipped: int = 0  # for "skipped": how many lines of output it stands for


class LogView(QPlainTextEdit):
    file_problem = Signal(str)  # the log file cannot be written (said once)
    _problem_found = Signal(str)  # from the log file's thread, delivered on the UI thread

    def __init__(self, parent: QWidget | None = None, activity_log: ActivityLog | None = None) -> None:
        super().__init__(parent)
        self.activity_log = activity_log or ActivityLog()
        self._file_problem_reported = False
        # Whole command lines in the view (off: the step's title and "pip install x"; the file has them whole).
        self.full_commands = False
        self._pending: deque[_Entry] = deque()
        self._pending_lines = 0
        self._pending_chars = 0
        self._at_line_start = True  # the end of what is shown and queued is the start of a line
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush_some)
        self._problem_found.connect(self._report_file_problem)
        self.activity_log.on_problem = self._problem_found.emit
        self.setObjectName("logView")
        self.setAccessibleName("Log of commands and their output")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_BLOCKS)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Commands Venvdesk runs, and what they print, appear here.")
        # Made when the first line is shown: Qt's text-format classes cost ~4 ms of start-up to load.
        self._formats: dict[str, QTextCharFormat] = {}

    def _make_formats(self) -> dict[str, QTextCharFormat]:
        from PySide6.QtGui import QFont, QTextCharFormat

        plain, error, heading, command = QTextCharFormat(), QTextCharFormat(), QTextCharFormat(), QTextCharFormat()
        error.setForeground(theme.color("error"))
        heading.setFontWeight(QFont.Weight.Bold)
        command.setForeground(theme.color("command"))
        return {"plain": plain, "error": error, "heading": heading, "command": command}

    def _format(self, kind: str) -> QTextCharFormat:
        if not self._formats:
            self._formats = self._make_formats()
        if kind in ("err", "failure"):
            return self._formats["error"]
        if kind in ("heading", "command"):
            return self._formats[kind]
        return self._formats["plain"]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange:
            self._formats = {}  # new lines in the new scheme's colours
        super().changeEvent(event)

    # -- what is shown -----------------------------------------------------------------------

    def begin_section(self, title: str) -> None:
        self._ensure_new_line()
        self._add("heading", f"── {title} · {time.strftime('%H:%M:%S')}\n")
        self._write_file(f"── {title}")

    def command(self, command: Command) -> None:
        """A step starts: its plain title and the short command (the whole one with ``full_commands``, and in the file)."""
        self._ensure_new_line()
        if self.full_commands:
            self._add("command", f"$ {command.display()}\n")
        else:
            self._add("command", f"▸ {command.description}: {command.display_brief()}\n")
        self._write_file(f"$ {command.display()}")

    def output(self, text: str, is_error: bool) -> None:
        """What a program printed (whole lines): redacted, to the file whole, to the view in the next batch."""
        if not text:
            return
        shown = redact(text)
        self._write_file(("[stderr] " if is_error else "") + shown)
        self._queue(_Entry("err" if is_error else "out", *self._shorten_long_lines(shown)))

    def outcome(self, text: str, ok: bool) -> None:
        self._ensure_new_line()
        self._add("heading" if ok else "failure", ("✓ " if ok else "✗ ") + text + "\n\n")
        self._write_file(("✓ " if ok else "✗ ") + text)

    def note(self, text: str) -> None:
        self._ensure_new_line()
        self._add("plain", text + "\n")
        self._write_file(text)

    def copy_all(self) -> str:
        from PySide6.QtGui import QGuiApplication

        text = self.toPlainText()
        QGuiApplication.clipboard().setText(text)
        return text

    def toPlainText(self) -> str:  # noqa: N802 - Qt override: everything received so far
        self.flush()
        return super().toPlainText()

    def clear(self) -> None:
        self._flush_timer.stop()
        self._pending.clear()
        self._pending_lines = self._pending_chars = 0
        self._at_line_start = True
        super().clear()

    @property
    def behind(self) -> bool:
        """Whether output received is still queued for the screen (it follows within a few turns)."""
        return bool(self._pending)

    def flush(self) -> None:
        """Show everything queued now (at most ``MAX_QUEUED_LINES`` lines are ever queued)."""
        self._flush_timer.stop()
        while self._pending:
            self._flush_some(limited=False)

    # -- batching ----------------------------------------------------------------------------

    def _shorten_long_lines(self, text: str) -> tuple[str, int]:
        """``text`` with each line cut to ``LINE_CHARS_SHOWN`` characters, and its number of line breaks."""
        if len(text) <= LINE_CHARS_SHOWN:
            return text, text.count("\n")
        lines = text.split("\n")
        if max(map(len, lines)) > LINE_CHARS_SHOWN:
            where = "kept in the log file" if not self.activity_log.problem else "not shown"
            lines = [
                line
                if len(line) <= LINE_CHARS_SHOWN
                else f"{line[:LINE_CHARS_SHOWN]}… ({len(line) - LINE_CHARS_SHOWN:,} more characters; the full line is {where})"
                for line in lines
            ]
            text = "\n".join(lines)
        return text, len(lines) - 1

    def _ensure_new_line(self) -> None:
        if not self._at_line_start:
            self._add("plain", "\n")

    def _add(self, kind: str, text: str) -> None:
        """A line of Venvdesk's own: shown at once, unless output is queued before it."""
        if self._pending:
            self._queue(_Entry(kind, text, text.count("\n")))
        else:
            self._insert(text, self._format(kind))
            self._at_line_start = text.endswith("\n")

    def _queue(self, entry: _Entry) -> None:
        self._pending.append(entry)
        self._pending_lines += entry.lines
        self._pending_chars += len(entry.text)
        self._at_line_start = entry.text.endswith("\n")
        if self._pending_lines > MAX_QUEUED_LINES or self._pending_chars > MAX_QUEUED_CHARS:
            self._sum_up_oldest_output()
        if not self._flush_timer.isActive():
            self._flush_timer.start(FLUSH_MS)

    def _sum_up_oldest_output(self) -> None:
        """Replace the oldest queued output by one "not shown here" line, until the queue is within bounds.

        Headings, commands and outcomes stay.
        """
        kept: list[_Entry] = []
        skipped = 0
        while (self._pending_lines > MAX_QUEUED_LINES or self._pending_chars > MAX_QUEUED_CHARS) and len(self._pending) > 1:
            entry = self._pending.popleft()
            self._pending_lines -= entry.lines
            self._pending_chars -= len(entry.text)
            if entry.kind == "skipped":
                skipped += entry.skipped
            elif entry.kind in _OUTPUT:
                skipped += entry.lines
            else:
                kept.append(entry)
        first = self._pending[0]
        excess = self._pending_lines - MAX_QUEUED_LINES
        if excess > 0 and first.kind in _OUTPUT and first.lines > excess:
            # One chunk bigger than the view: its first lines go.
            rest = first.text.split("\n", excess)[-1]
            self._pending[0] = _Entry(first.kind, rest, first.lines - excess)
            self._pending_lines -= excess
            self._pending_chars -= len(first.text) - len(rest)
            skipped += excess
        if skipped:
            summary = _Entry("skipped", "", 1, skipped)
            self._pending.appendleft(summary)
            self._pending_lines += 1
        for entry in reversed(kept):
            self._pending.appendleft(entry)
            self._pending_lines += entry.lines
            self._pending_chars += len(entry.text)

    def _flush_some(self, limited: bool = True) -> None:
        """Insert what is queued: one insert per run of one kind; within the per-turn budget if ``limited``."""
        lines_left, chars_left = FLUSH_LINES, FLUSH_CHARS
        runs: list[tuple[str, list[str]]] = []
        while self._pending and (not limited or (lines_left > 0 and chars_left > 0)):
            entry = self._pending[0]
            if entry.kind == "skipped":
                text = (
                    f"… {entry.skipped:,} lines of output not shown here: they came faster than the Log can show"
                    " them (the log file has every line).\n"
                )
            else:
                text = entry.text
            cut = _cut(text, lines_left, chars_left) if limited and entry.kind in _OUTPUT else len(text)
            if cut < len(text):
                rest = text[cut:]
                text = text[:cut]
                self._pending[0] = _Entry(entry.kind, rest, entry.lines - text.count("\n"))
            else:
                self._pending.popleft()
            taken = text.count("\n") if entry.kind != "skipped" else 1
            self._pending_lines -= taken
            self._pending_chars -= len(text) if entry.kind != "skipped" else 0
            lines_left -= max(1, taken)
            chars_left -= len(text)
            if runs and runs[-1][0] == entry.kind:
                runs[-1][1].append(text)
            else:
                runs.append((entry.kind, [text]))
        for kind, texts in runs:
            self._insert("".join(texts), self._format(kind))
        if self._pending and limited:
            self._flush_timer.start(FLUSH_AGAIN_MS)

    def _insert(self, text: str, fmt: QTextCharFormat) -> None:
        from PySide6.QtGui import QTextCursor

        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        at_bottom = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum() - 4
        cursor.insertText(text, fmt)
        if at_bottom:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def _write_file(self, text: str) -> None:
        self.activity_log.write(text)
        if self.activity_log.problem:
            self._report_file_problem(self.activity_log.problem)

    def _report_file_problem(self, problem: str) -> None:
        if not self._file_problem_reported:
            self._file_problem_reported = True
            self.file_problem.emit(problem)


def _cut(text: str, max_lines: int, max_chars: int) -> int:
    """Where to cut ``text`` so the first part has at most ``max_lines`` whole lines and ``max_chars``
    characters (at least one whole line; ``len(text)`` when all of it fits)."""
    if len(text) <= max_chars and text.count("\n", 0, len(text) - 1) < max_lines:
        return len(text)
    parts = text.split("\n", max(1, max_lines))
    by_lines = len(text) - len(parts[-1]) if len(parts) > max_lines else len(text)
    if len(text) <= max_chars:
        by_chars = len(text)
    else:
        by_chars = text.rfind("\n", 0, max(1, max_chars)) + 1 or text.find("\n") + 1 or len(text)
    return min(by_lines, by_chars)
