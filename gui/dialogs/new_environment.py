"""The New environment dialog: name, place, base Python and options, checked as the person types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.environments import validate_new_environment
from core.errors import InvalidInput
from core.interpreters import Interpreter
from gui import theme
from gui.dialogs.interpreter_picker import InterpreterPicker
from gui.models.base import plain_tooltip


def _with_choose_button(
    edit: QLineEdit, name: str, accessible_name: str, choose: Callable[[], None]
) -> QHBoxLayout:
    """A path field with a “Choose…” button after it (never the button Enter presses: Enter creates)."""
    button = QPushButton("Choose…")
    button.setObjectName(name)
    button.setAccessibleName(accessible_name)
    button.setAutoDefault(False)
    button.setDefault(False)
    button.clicked.connect(choose)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


@dataclass(frozen=True)
class NewEnvironmentRequest:
    name: str
    target: Path
    interpreter: Interpreter
    system_site_packages: bool
    upgrade_deps: bool
    prompt: str
    requirements: Path | None = None


class NewEnvironmentDialog(QDialog):
    interpreter_browsed = Signal(object)  # Interpreter, once probed

    def __init__(self, default_location: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newEnvironmentDialog")
        self.setWindowTitle("New environment")
        self.setMinimumWidth(560)
        self._requirements_checked: tuple[Path | None, str] = (None, "")
        # The person asked to create (Enter, or Create) before the form was complete: from now on
        # the status line says what is missing, also when it is the name.
        self._asked_to_create = False

        intro = QLabel(
            "A virtual environment is a private folder of Python packages for one project,"
            " so that projects do not disturb each other."
        )
        intro.setWordWrap(True)

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("environmentNameEdit")
        self.name_edit.setAccessibleName("Environment name")
        self.name_edit.setPlaceholderText("for example: my-project")

        self.location_edit = QLineEdit(str(default_location))
        self.location_edit.setObjectName("environmentLocationEdit")
        self.location_edit.setAccessibleName("Folder the environment is created in")
        location_row = _with_choose_button(self.location_edit, "chooseLocationButton", "Choose the folder", self._choose_location)

        self.picker = InterpreterPicker("Python to base the environment on", self)
        self.picker.changed.connect(self._set_state)
        self.picker.browsed.connect(self.interpreter_browsed)
        self.interpreter_combo = self.picker.combo
        self.interpreter_note = self.picker.note

        self.prompt_edit = QLineEdit()
        self.prompt_edit.setObjectName("promptEdit")
        self.prompt_edit.setAccessibleName("Prompt shown when the environment is active")
        self.prompt_edit.setPlaceholderText("same as the name")
        self.prompt_hint = QLabel("The name a terminal shows in brackets, (like this), while the environment is active.")
        self.prompt_hint.setObjectName("promptHint")
        self.prompt_hint.setWordWrap(True)
        theme.set_role(self.prompt_hint, "muted")

        self.system_site_packages_check = QCheckBox("Let it see the packages installed in the base Python")
        self.system_site_packages_check.setObjectName("systemSitePackagesCheck")
        self.system_site_packages_check.setAccessibleName("Include the base Python's packages")
        self.upgrade_deps_check = QCheckBox("Start with the newest pip")
        self.upgrade_deps_check.setObjectName("upgradeDepsCheck")
        self.upgrade_deps_check.setAccessibleName("Start with the newest pip")
        self.upgrade_deps_check.setChecked(True)

        self.requirements_edit = QLineEdit()
        self.requirements_edit.setObjectName("requirementsFileEdit")
        self.requirements_edit.setAccessibleName("requirements.txt to install after creating")
        self.requirements_edit.setPlaceholderText("optional: a requirements.txt to install right away")
        self.requirements_edit.textChanged.connect(lambda _t: self._set_state())
        requirements_row = _with_choose_button(
            self.requirements_edit, "chooseRequirementsButton", "Choose a requirements file", self._choose_requirements
        )

        self.target_label = QLabel()
        self.target_label.setObjectName("targetPathLabel")
        self.target_label.setTextFormat(Qt.TextFormat.PlainText)  # the typed name and folder
        # The path exactly as it will be (a copied path must work): Qt wraps it after "/" and "-"
        # by itself; the whole path is also the tooltip.
        self.target_label.setWordWrap(True)
        self.target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setObjectName("validationLabel")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)  # quotes the typed name, requirements lines
        self.error_label.setWordWrap(True)
        theme.set_role(self.error_label, "error")

        def label(text: str, buddy: QWidget) -> QLabel:
            widget = QLabel(text)
            widget.setBuddy(buddy)
            return widget

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(label("&Name:", self.name_edit), self.name_edit)
        form.addRow(label("&Location:", self.location_edit), location_row)
        form.addRow(label("&Python:", self.interpreter_combo), self.interpreter_combo)
        form.addRow("", self.interpreter_note)
        form.addRow(label("P&rompt:", self.prompt_edit), self.prompt_edit)
        form.addRow("", self.prompt_hint)
        form.addRow("", self.system_site_packages_check)
        form.addRow("", self.upgrade_deps_check)
        form.addRow(label("&Install from:", self.requirements_edit), requirements_row)
        self.form = form

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("createEnvironmentButton")
        self.create_button.setAccessibleName("Create the environment")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)

        # "Will be created as …" and the validation message share a place whose height is kept
        # from the start, so that nothing moves when the first character is typed.
        self.status_area = QWidget()
        self.status_area.setObjectName("newEnvironmentStatus")
        status_layout = QVBoxLayout(self.status_area)
        status_layout.setContentsMargins(0, 0, 0, 0)
        status_layout.addWidget(self.target_label)
        status_layout.addWidget(self.error_label)
        status_layout.addStretch(1)
        self.status_area.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 4)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status_area)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.name_edit.textChanged.connect(lambda _t: self._set_state())
        self.location_edit.textChanged.connect(lambda _t: self._set_state())
        self._set_state()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        # Enter anywhere in the form creates: Create is the default button.  Set once the dialog is
        # shown, as the button box picks a default of its own when it is first shown.
        super().showEvent(event)
        self.create_button.setDefault(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        # Enter while Create is disabled: Qt would do nothing at all; say what is missing instead.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.create_button.isEnabled():
            event.accept()
            self._accept_if_valid()
            return
        super().keyPressEvent(event)

    # -- interpreters ------------------------------------------------------------------------

    def set_interpreters(self, interpreters: list[Interpreter], loading: bool = False) -> None:
        self.picker.set_interpreters(interpreters, loading)

    def selected_interpreter(self) -> Interpreter | None:
        return self.picker.selected()

    def select_interpreter(self, path: str) -> bool:
        """Preselect the Python at ``path`` (the one chosen last time); False when it is not listed (yet)."""
        return self.picker.select(path)

    def add_browsed_interpreter(self, path: str) -> None:
        """Probe a file the person picked (off the UI thread), then offer it in the list."""
        self.picker.add_browsed(path)

    # -- state -------------------------------------------------------------------------------

    def _choose_location(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose where to create the environment", self.location_edit.text())
        if folder:
            self.location_edit.setText(folder)

    def _choose_requirements(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a requirements file", str(Path.home()), "Requirements (*.txt);;All files (*)")
        if path:
            self.requirements_edit.setText(path)

    def _requirements_error(self) -> str:
        """Check the chosen requirements file once per path typed (not on every keystroke elsewhere)."""
        requirements = self.requirements_path()
        if requirements is None:
            return ""
        if self._requirements_checked[0] != requirements:
            from core.requirements import read_requirements_file

            try:
                parsed = read_requirements_file(requirements)
                errors = parsed.errors
                error = (
                    f"{requirements.name} has {len(errors)} line(s) that cannot be read, first {errors[0].line}:"
                    f" {errors[0].message}"
                    if errors
                    else ""
                )
            except InvalidInput as exc:
                error = exc.message
            self._requirements_checked = (requirements, error)
        return self._requirements_checked[1]

    def requirements_path(self) -> Path | None:
        text = self.requirements_edit.text().strip()
        # Made absolute now: pip runs later, in another working folder.
        return Path(text).expanduser().absolute() if text else None

    def validation_error(self) -> str:
        try:
            validate_new_environment(self.name_edit.text(), self.location_edit.text())
        except InvalidInput as exc:
            return exc.message
        requirements_error = self._requirements_error()
        if requirements_error:
            return requirements_error
        interpreter = self.selected_interpreter()
        if interpreter is None:
            return "" if self.picker.loading or self.picker.browsing else "Choose the Python to base the environment on."
        if not interpreter.can_create_venv:
            return " ".join(filter(None, [interpreter.problem, interpreter.fix]))
        return ""

    def _set_state(self) -> None:
        """The one place that decides what is enabled and what the dialog says."""
        interpreter = self.selected_interpreter()
        name = self.name_edit.text().strip()
        error = self.validation_error() if (name or self.location_edit.text() != "") else ""
        if not name and not self._asked_to_create:
            error = ""  # do not scold before the person typed anything (or pressed Enter)
        elif not name:
            error = error or "Give the environment a name."
        self.error_label.setText(error)
        self.error_label.setVisible(bool(error))
        if name and not error:
            target = Path(self.location_edit.text().strip()).expanduser() / name
            self.target_label.setText(f"Will be created as {target}")
            self.target_label.setToolTip(plain_tooltip(str(target)))
        else:
            self.target_label.setText("")
            self.target_label.setToolTip("")
        self.target_label.setVisible(bool(self.target_label.text()))
        if not self.picker.browsing:
            if interpreter is not None and interpreter.can_create_venv:
                self.interpreter_note.setText("")
            elif self.picker.loading and interpreter is None:
                self.interpreter_note.setText("Still looking for Python installations on this computer…")
            elif not self.picker.loading and not any(i.can_create_venv for i in self.picker.interpreters):
                from core.interpreters import how_to_get_python

                self.interpreter_note.setText(
                    "No Python on this computer can create environments. " + how_to_get_python()
                )
        self.form.setRowVisible(self.interpreter_note, bool(self.interpreter_note.text()))
        supports_upgrade = interpreter is None or interpreter.supports_upgrade_deps
        self.upgrade_deps_check.setEnabled(supports_upgrade)
        if not supports_upgrade:
            self.upgrade_deps_check.setChecked(False)
            self.upgrade_deps_check.setToolTip("This Python's venv cannot upgrade pip while creating (needs 3.9+).")
        ready = bool(name) and not self.validation_error() and interpreter is not None and not self.picker.browsing
        self.create_button.setEnabled(ready)
        if self._asked_to_create and not ready and not error:
            # Complete but for the Python: still being looked for, or being checked.
            if self.picker.browsing:
                error = "Wait a moment: Venvdesk is still checking the Python you chose."
            elif self.picker.loading:
                error = "Wait a moment: Venvdesk is still looking for Python installations."
            else:
                error = "Choose the Python to base the environment on."
            self.error_label.setText(error)
            self.error_label.setVisible(True)

    def _accept_if_valid(self) -> None:
        self._set_state()
        if self.create_button.isEnabled():
            self.accept()
            return
        self._asked_to_create = True  # say what is missing, in the status line
        self._set_state()

    def request(self) -> NewEnvironmentRequest:
        interpreter = self.selected_interpreter()
        assert interpreter is not None
        name = self.name_edit.text().strip()
        return NewEnvironmentRequest(
            name=name,
            target=validate_new_environment(name, self.location_edit.text()),
            interpreter=interpreter,
            system_site_packages=self.system_site_packages_check.isChecked(),
            upgrade_deps=self.upgrade_deps_check.isChecked() and self.upgrade_deps_check.isEnabled(),
            prompt=self.prompt_edit.text().strip(),
            requirements=self.requirements_path(),
        )
