"""The Re-create dialog: which Python the environment is to use from now on."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from core.interpreters import Interpreter
from core.recreate import left_out_sentence
from gui import theme
from gui.dialogs.interpreter_picker import InterpreterPicker


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

        self.picker = InterpreterPicker("Python to re-create the environment with", self)
        self.picker.changed.connect(self._set_state)
        self.picker.browsed.connect(self.interpreter_browsed)
        self.interpreter_combo = self.picker.combo
        self.interpreter_note = self.picker.note
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
        self._set_state()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.recreate_button.setDefault(True)

    # -- the Pythons ---------------------------------------------------------------------------

    @property
    def chosen_by_person(self) -> bool:
        """The person picked a Python themselves: a list arriving later does not change it."""
        return self.picker.chosen_by_person

    def set_interpreters(self, interpreters: list[Interpreter], loading: bool = False) -> None:
        self.picker.set_interpreters(interpreters, loading)

    def select_interpreter(self, path: str) -> bool:
        return self.picker.select(path)

    def selected_interpreter(self) -> Interpreter | None:
        return self.picker.selected()

    def add_browsed_interpreter(self, path: str) -> None:
        """Probe a file the person picked (off the UI thread), then offer it in the list."""
        self.picker.add_browsed(path)

    # -- state ---------------------------------------------------------------------------------

    def _set_state(self) -> None:
        """The one place that decides what is enabled and what the dialog says."""
        interpreter = self.selected_interpreter()
        if not self.picker.browsing:
            if interpreter is not None and not interpreter.can_create_venv:
                self.interpreter_note.setText(" ".join(filter(None, [interpreter.problem, interpreter.fix])))
            elif interpreter is None and self.picker.loading:
                self.interpreter_note.setText("Still looking for Python installations on this computer…")
            elif interpreter is None:
                self.interpreter_note.setText("Choose the Python to re-create the environment with.")
            elif not self.interpreter_note.text().startswith("That file"):
                self.interpreter_note.setText("")
        self.interpreter_note.setVisible(bool(self.interpreter_note.text()))
        self.recreate_button.setEnabled(interpreter is not None and interpreter.can_create_venv and not self.picker.browsing)

    def _accept_if_ready(self) -> None:
        self._set_state()
        if self.recreate_button.isEnabled():
            self.accept()
