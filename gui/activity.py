"""The status bar's view of running work: what runs, how far it is, and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton

from core.operations import Operation, Outcome
from gui import icons
from gui.log_view import LogView
from gui.runner import ProcessRunner
from gui.workers import import_in_background

# What the ending of an operation imports on the UI thread the first time it runs (the import check's
# parser and the explanations, in ``gui/controllers/changes.py``): imported on a worker thread while
# the first operation runs instead — ~20 ms together (~60 ms without cached bytecode) that the first
# ending no longer spends with the window frozen.
MODULES_AN_ENDING_USES = ("core.explain", "core.import_check")


class ActivityIndicator(QObject):
    """Owns the label, progress bar and Cancel button the main window puts in its status bar."""

    def __init__(self, runner: ProcessRunner, log_view: LogView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.log_view = log_view
        self._active: list[Operation] = []
        # Background work (the byte-compile after an install): named while nothing else runs, with
        # no progress bar or Cancel — nobody waits for it, and it steps aside for anything asked for.
        self._background: list[Operation] = []
        self._last_outcome = ""
        self.label = QLabel()
        self.label.setObjectName("activityLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # operation titles hold package names and paths
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setAccessibleName("Progress of the running operation")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setMaximumWidth(180)
        self.cancel_button = QPushButton("Cancel")
        icons.set_action_icon(self.cancel_button, "cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel the running operation")
        self.cancel_button.clicked.connect(self.cancel_current)
        runner.started.connect(self._started)
        runner.progress.connect(self._progress)
        runner.finished.connect(self._finished)
        self._update()

    def cancel_current(self) -> None:
        if self._active:
            self.log_view.note(f"Cancelling: {self._active[-1].title}…")
            self.runner.cancel(self._active[-1])

    def _started(self, operation: Operation) -> None:
        if operation.background:
            self._background.append(operation)
            self._update()
            return
        self._active.append(operation)
        self.progress_bar.setRange(0, 0)  # busy until the backend reports numbers
        self._update()
        import_in_background(MODULES_AN_ENDING_USES, context=self)  # at once, while the program runs

    def _progress(self, operation: Operation, done: int, total: int) -> None:
        if self._active and operation is self._active[-1] and total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))

    def _finished(self, outcome: Outcome) -> None:
        if outcome.operation.background:
            if outcome.operation in self._background:
                self._background.remove(outcome.operation)
            self._update()
            return
        if outcome.operation in self._active:
            self._active.remove(outcome.operation)
        self._last_outcome = str(outcome)
        self._update()

    def _update(self) -> None:
        running = bool(self._active)
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.label.setText(f"{self._active[-1].title}…")
        elif self._background:
            self.label.setText(f"{self._background[-1].title} in the background…")
        else:
            self.label.setText(self._last_outcome)
