"""The Re-create dialog: which Python the environment is to use from now on."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from core.interpreters import Interpreter, probe_interpreter
from core.recreate import left_out_sentence
from gui import theme
from gui.dialogs.new_environment import (
    BROWSE_TEXT,
    InterpreterCombo,
    fill_interpreter_combo,
    select_interpreter_in,
)
from gui.workers import run_in_background


class RecreateDialog(QDialog):
    interpreter_browsed = Signal(object)  # Interpreter, once probed

    def __init__(
        self,
        name: str,
        old_version: str,
        python_gone: bool,
        package_count: int,
        parent: QWidget | None = None,
        left_out: Sequence[str] = (),
    ) -> None:
        """``package_count``: the packages that will be installed again (from the index);
        ``left_out``: those that cannot be ("localonly 1.0": installed from a folder, a file or a link)."""
        super().__init__(parent)
        self.setObjectName("recreateDialog")
        self.setWindowTitle(f"Re-create “{name}”")
        self.setMinimumWidth(560)
        self._interpreters: list[Interpreter] = []
        self._loading = True
        self._browsing = False
        self._wanted = ""
        # The person picked a Python themselves: a list arriving later does not change it.
        self.chosen_by_person = False

        old = ".".join(old_version.split(".")[:2]) or "unknown"
        self.current_label = QLabel(f"Now: Python {old}" + (" (gone)" if python_gone else ""))
        self.current_label.setObjectName("currentPythonLabel")
        self.current_label.setTextFormat(Qt.TextFormat.PlainText)
        packages = f"{package_count} package{'s' if package_count != 1 else ''}"
        if package_count:
            count_text = f"{packages} will be installed again at the same versions where the new Python allows it."
        elif left_out:
            count_text = "No package will be installed again from the package index."
        else:
            count_text = "It has no packages besides pip: the new one starts empty too."
        self.count_label = QLabel(count_text)
        self.count_label.setObjectName("packageCountLabel")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setWordWrap(True)
        # What cannot come along is said before anything is done, with the way to keep it.
        self.left_out_label = QLabel(
            f"{left_out_sentence(tuple(left_out))} Choose Cancel to keep “{name}” as it is." if left_out else ""
        )
        self.left_out_label.setObjectName("leftOutLabel")
        self.left_out_label.setTextFormat(Qt.TextFormat.PlainText)  # package names come from the environment
        self.left_out_label.setWordWrap(True)
        self.left_out_label.setVisible(bool(left_out))
        theme.set_role(self.left_out_label, "warning")
        intro = QLabel(
            f"“{name}” is built again in the same folder with the Python you choose. The old one is kept"
            " aside until the new one works, then moved to the trash; if anything fails, it comes back as it was."
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)

        self.interpreter_combo = InterpreterCombo()
        self.interpreter_combo.setAccessibleName("Python to re-create the environment with")
        self.interpreter_combo.activated.connect(self._interpreter_activated)
        self.interpreter_combo.currentIndexChanged.connect(lambda _i: self._set_state())
        self.interpreter_note = QLabel()
        self.interpreter_note.setObjectName("interpreterNote")
        self.interpreter_note.setTextFormat(Qt.TextFormat.PlainText)  # paths, probe errors
        self.interpreter_note.setWordWrap(True)
        theme.set_role(self.interpreter_note, "error")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("", self.current_label)
        python_label = QLabel("&Python:")
        python_label.setBuddy(self.interpreter_combo)
        form.addRow(python_label, self.interpreter_combo)
        form.addRow("", self.interpreter_note)
        form.addRow("", self.count_label)
        form.addRow("", self.left_out_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.recreate_button = self.buttons.addButton("Re-create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.recreate_button.setObjectName("recreateButton")
        self.recreate_button.setAccessibleName("Re-create the environment with the chosen Python")
        self.buttons.accepted.connect(self._accept_if_ready)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._fill()
        self._set_state()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.recreate_button.setDefault(True)

    # -- the Pythons ---------------------------------------------------------------------------

    def set_interpreters(self, interpreters: list[Interpreter], loading: bool = False) -> None:
        current = self.selected_interpreter()
        self._interpreters = list(interpreters)
        self._loading = loading
        self._fill(current)
        if self._wanted:
            select_interpreter_in(self.interpreter_combo, self._wanted)
        self._set_state()

    def select_interpreter(self, path: str) -> bool:
        self._wanted = path
        return select_interpreter_in(self.interpreter_combo, path)

    def _fill(self, select: Interpreter | None = None) -> None:
        fill_interpreter_combo(self.interpreter_combo, self._interpreters, loading=self._loading, select=select)

    def selected_interpreter(self) -> Interpreter | None:
        data = self.interpreter_combo.currentData()
        return data if isinstance(data, Interpreter) else None

    def _interpreter_activated(self, row: int) -> None:
        self._wanted = ""
        self.chosen_by_person = True
        if self.interpreter_combo.itemText(row) != BROWSE_TEXT:
            return
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a Python interpreter")
        if path:
            self.add_browsed_interpreter(path)
        else:
            self._fill()
            self._set_state()

    def add_browsed_interpreter(self, path: str) -> None:
        """Probe a file the person picked (off the UI thread), then offer it in the list."""
        self._browsing = True
        self.interpreter_note.setText(f"Checking {path}…")
        self._set_state()
        run_in_background(lambda: probe_interpreter(path), self._browsed, self._browse_failed, context=self)

    def _browsed(self, interpreter: Interpreter) -> None:
        self._browsing = False
        self.interpreter_note.setText("")
        self._interpreters = [interpreter, *(i for i in self._interpreters if i.real_path != interpreter.real_path)]
        self._fill(interpreter)
        self.interpreter_combo.setCurrentIndex(0)
        self._set_state()
        self.interpreter_browsed.emit(interpreter)

    def _browse_failed(self, exc: BaseException, _tb: str) -> None:
        self._browsing = False
        self.interpreter_note.setText(f"That file could not be checked: {exc}")
        self._set_state()

    # -- state ---------------------------------------------------------------------------------

    def _set_state(self) -> None:
        """The one place that decides what is enabled and what the dialog says."""
        interpreter = self.selected_interpreter()
        if not self._browsing:
            if interpreter is not None and not interpreter.can_create_venv:
                self.interpreter_note.setText(" ".join(filter(None, [interpreter.problem, interpreter.fix])))
            elif interpreter is None and self._loading:
                self.interpreter_note.setText("Still looking for Python installations on this computer…")
            elif interpreter is None:
                self.interpreter_note.setText("Choose the Python to re-create the environment with.")
            elif not self.interpreter_note.text().startswith("That file"):
                self.interpreter_note.setText("")
        self.interpreter_note.setVisible(bool(self.interpreter_note.text()))
        self.recreate_button.setEnabled(interpreter is not None and interpreter.can_create_venv and not self._browsing)

    def _accept_if_ready(self) -> None:
        self._set_state()
        if self.recreate_button.isEnabled():
            self.accept()
