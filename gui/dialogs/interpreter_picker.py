"""The Python picker the New environment and Re-create dialogs share.

One list of the Pythons found (those that cannot create environments greyed out, saying why),
"Looking for…" while they are still being looked for, and "Browse for another Python…", which probes
the chosen file off the UI thread before offering it.  A list that arrives later keeps what the
person picked, and preselects the Python asked for (the one chosen last time) until they pick one.
What the dialog says about the choice, and what it enables, stays the dialog's: it listens to
:attr:`InterpreterPicker.changed`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPaintEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

from core.interpreters import Interpreter, probe_interpreter
from gui.models.base import plain_tooltip
from gui.workers import run_in_background

BROWSE_TEXT = "Browse for another Python…"
LOADING_TEXT = "Looking for Python installations…"


class InterpreterCombo(QComboBox):
    """The Python picker: long paths are elided in the middle (the end of a path tells Pythons
    apart), in the closed box as in its list; the whole label is each item's tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("interpreterCombo")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(40)
        self.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)

    def displayed_text(self) -> str:
        """The current item's text as the closed box shows it (elided in the middle to fit)."""
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        rect = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideMiddle, max(rect.width() - 4, 20))

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.displayed_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def fill_interpreter_combo(
    combo: QComboBox, interpreters: list[Interpreter], *, loading: bool, select: Interpreter | None = None
) -> None:
    """List ``interpreters`` (those that cannot create environments greyed out, saying why), then
    "Looking for…" while ``loading``, then "Browse for another Python…"; select ``select`` or the first usable one."""
    combo.blockSignals(True)
    combo.clear()
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    default_row = -1
    for row, interpreter in enumerate(interpreters):
        combo.addItem(interpreter.label, interpreter)
        item = model.item(row)
        if interpreter.can_create_venv:
            item.setToolTip(
                plain_tooltip(
                    f"{interpreter.label}\n{interpreter.implementation} {interpreter.version_text}, {interpreter.architecture}"
                )
            )
            if default_row < 0 or (select is not None and interpreter.real_path == select.real_path):
                default_row = row
        else:
            item.setEnabled(False)
            item.setText(f"{interpreter.label}  (cannot create environments)")
            item.setToolTip(plain_tooltip(" ".join(filter(None, [interpreter.label, interpreter.problem, interpreter.fix]))))
    if loading:
        combo.addItem(LOADING_TEXT)
        model.item(combo.count() - 1).setEnabled(False)
        if default_row < 0:
            default_row = combo.count() - 1
    combo.addItem(BROWSE_TEXT)
    combo.setCurrentIndex(default_row)
    combo.blockSignals(False)


def select_interpreter_in(combo: QComboBox, path: str) -> bool:
    """Make the interpreter at ``path`` (as found, or its real path) the current item; False if it is not listed."""
    for row in range(combo.count()):
        data = combo.itemData(row)
        if isinstance(data, Interpreter) and path in (data.path, data.real_path) and data.can_create_venv:
            combo.setCurrentIndex(row)
            return True
    return False


class InterpreterPicker(QObject):
    """The combo box (:attr:`combo`) and the note under it (:attr:`note`), with the list behind them.

    The dialog lays both out and decides the note's text in its own state method, reading
    :attr:`loading`, :attr:`browsing` and :meth:`selected`; only a file that could not be checked
    is said here.
    """

    changed = Signal()  # the choice, the list or the checking of a browsed file changed
    browsed = Signal(object)  # Interpreter: a browsed file, once probed and offered first

    def __init__(self, accessible_name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._dialog = parent
        self.interpreters: list[Interpreter] = []
        self.loading = True
        self.browsing = False
        # The person picked a Python themselves: a list arriving later does not change it.
        self.chosen_by_person = False
        self._wanted = ""  # the Python to preselect once the list arrives, until the person picks one
        self._last: Interpreter | None = None  # the Python chosen before "Browse…" (kept when browsing is cancelled)
        self.combo = InterpreterCombo()
        self.combo.setAccessibleName(accessible_name)
        self.combo.activated.connect(self._activated)
        self.combo.currentIndexChanged.connect(self._current_changed)
        self.note = QLabel()
        self.note.setObjectName("interpreterNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # paths, probe errors
        self.note.setWordWrap(True)
        self._fill()

    def set_interpreters(self, interpreters: list[Interpreter], loading: bool = False) -> None:
        current = self.selected()
        self.interpreters = list(interpreters)
        self.loading = loading
        self._fill(current)
        if self._wanted:
            select_interpreter_in(self.combo, self._wanted)
        self.changed.emit()

    def select(self, path: str) -> bool:
        """Preselect the Python at ``path`` (the one chosen last time); False when it is not listed (yet)."""
        self._wanted = path
        return select_interpreter_in(self.combo, path)

    def selected(self) -> Interpreter | None:
        data = self.combo.currentData()
        return data if isinstance(data, Interpreter) else None

    def add_browsed(self, path: str) -> None:
        """Probe a file the person picked (off the UI thread), then offer it first in the list."""
        self.browsing = True
        self.note.setText(f"Checking {path}…")
        self.changed.emit()
        run_in_background(lambda: probe_interpreter(path), self._probed, self._probe_failed, context=self)

    def _fill(self, select: Interpreter | None = None) -> None:
        fill_interpreter_combo(self.combo, self.interpreters, loading=self.loading, select=select)

    def _current_changed(self, _row: int) -> None:
        if self.selected() is not None:
            self._last = self.selected()
        self.changed.emit()

    def _activated(self, row: int) -> None:
        if self.combo.itemText(row) != BROWSE_TEXT:
            self._wanted = ""  # the person chose: a list arriving later keeps their choice
            self.chosen_by_person = True
            return
        path, _filter = QFileDialog.getOpenFileName(self._dialog, "Choose a Python interpreter")
        if path:
            self.add_browsed(path)
        else:  # cancelled: back to the Python chosen before, whoever chose it
            self._fill(self._last)
            self.changed.emit()

    def _probed(self, interpreter: Interpreter) -> None:
        self._wanted = ""  # the person chose: a list arriving later keeps their choice
        self.chosen_by_person = True
        self.browsing = False
        self.note.setText("")
        self.interpreters = [interpreter, *(i for i in self.interpreters if i.real_path != interpreter.real_path)]
        self._fill(interpreter)
        self.combo.setCurrentIndex(0)
        self.changed.emit()
        self.browsed.emit(interpreter)

    def _probe_failed(self, exc: BaseException, _tb: str) -> None:
        self.browsing = False
        self.note.setText(f"That file could not be checked: {exc}")
        self.changed.emit()
