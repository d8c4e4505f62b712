"""The "How to use this environment" page: its Python, the terminal, editors, running a file, and
"I installed it but my code still can't find it".

The dialog only displays and asks: the controller (``gui/controllers/usage.py``) runs the file,
finds which environments have a module, and installs.  Paths, commands and answers come from
outside (folder names, pasted errors), so every label shows plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.dialogs.confirmations import button_text


def _plain_label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class HowToUseDialog(QDialog):
    run_file_requested = Signal(str)  # path of the file to run
    stop_requested = Signal()
    find_requested = Signal(str)  # pasted error text
    script_chosen = Signal(str)  # path of a script whose imports to look up
    install_requested = Signal()  # install what the answer offers
    kernels_requested = Signal()  # show the Jupyter kernels

    def __init__(
        self,
        label: str,
        python: str,
        activation: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        activation_warning: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("howToUseDialog")
        self.setWindowTitle(f"How to use “{label}”")
        self.resize(720, 640)
        self.copied = ""
        layout = QVBoxLayout(self)

        # Its Python and the terminal.
        basics = QGroupBox("Its Python and your terminal")
        form = QFormLayout(basics)
        self.python_edit = self._copyable_row(form, "Python", python, "pythonPath")
        self.activation_edits: dict[str, QLineEdit] = {}
        for index, (shell, line) in enumerate(activation):
            self.activation_edits[shell] = self._copyable_row(form, shell, line, f"activation{index}")
        form.addRow(_plain_label("Paste the activation line into a terminal; then “python” and “pip” there are this environment's."))
        if activation_warning:
            form.addRow(_plain_label(f"⚠ Do not paste these lines into a terminal: {activation_warning}", "activationWarningLabel"))
        layout.addWidget(basics)

        editors = QGroupBox("Editors")
        editors_layout = QVBoxLayout(editors)
        self.editors_label = _plain_label("Looking for editors…", "editorsLabel")
        editors_layout.addWidget(self.editors_label)
        layout.addWidget(editors)

        # Running a file.
        run = QGroupBox("Run a Python file with it")
        run_layout = QHBoxLayout(run)
        self.run_status_label = _plain_label("Its output appears in the Log below the window.", "runStatusLabel")
        self.run_button = QPushButton("Run a Python file…")
        self.run_button.setObjectName("runFileButton")
        self.run_button.clicked.connect(self._choose_file_to_run)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopRunButton")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_requested)
        run_layout.addWidget(self.run_status_label, 1)
        run_layout.addWidget(self.run_button)
        run_layout.addWidget(self.stop_button)
        layout.addWidget(run)

        # "I installed it but my code still can't find it".
        find = QGroupBox("“I installed it but my code still can't find it”")
        find_layout = QVBoxLayout(find)
        find_layout.addWidget(_plain_label("Paste the error your code shows, or choose the script:"))
        self.error_edit = QPlainTextEdit()
        self.error_edit.setObjectName("errorTextEdit")
        self.error_edit.setPlaceholderText("ModuleNotFoundError: No module named 'requests'")
        self.error_edit.setMaximumHeight(80)
        self.error_edit.textChanged.connect(self._set_state)
        find_layout.addWidget(self.error_edit)
        buttons = QHBoxLayout()
        self.find_button = QPushButton("Which environment has it?")
        self.find_button.setObjectName("findModuleButton")
        self.find_button.clicked.connect(lambda: self.find_requested.emit(self.error_edit.toPlainText()))
        self.script_button = QPushButton("Check a script…")
        self.script_button.setObjectName("checkScriptButton")
        self.script_button.clicked.connect(self._choose_script)
        buttons.addWidget(self.find_button)
        buttons.addWidget(self.script_button)
        buttons.addStretch(1)
        find_layout.addLayout(buttons)
        self.answer_label = _plain_label("", "moduleAnswerLabel")
        self.answer_label.hide()
        find_layout.addWidget(self.answer_label)
        self.install_button = QPushButton()
        self.install_button.setObjectName("installModuleButton")
        self.install_button.hide()
        self.install_button.clicked.connect(self.install_requested)
        find_layout.addWidget(self.install_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(find)

        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.kernels_button = box.addButton("Jupyter kernels…", QDialogButtonBox.ButtonRole.ActionRole)
        self.kernels_button.setObjectName("showKernelsButton")
        self.kernels_button.clicked.connect(self.kernels_requested)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self._set_state()

    def _copyable_row(self, form: QFormLayout, title: str, text: str, name: str) -> QLineEdit:
        edit = QLineEdit(text)
        edit.setObjectName(f"{name}Edit")
        edit.setReadOnly(True)
        edit.setCursorPosition(0)
        copy = QPushButton("Copy")
        copy.setObjectName(f"{name}CopyButton")
        copy.setAccessibleName(f"Copy {title}")
        copy.clicked.connect(lambda: self._copy(edit.text()))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(copy)
        title_label = _plain_label(title)
        title_label.setWordWrap(False)
        form.addRow(title_label, row)
        return edit

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied = text

    def _set_state(self) -> None:
        self.find_button.setEnabled(bool(self.error_edit.toPlainText().strip()))

    def _choose_file_to_run(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a Python file to run", "", "Python files (*.py *.pyw);;All files (*)")
        if path:
            self.run_file_requested.emit(path)

    def _choose_script(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose your script", "", "Python files (*.py *.pyw);;All files (*)")
        if path:
            self.script_chosen.emit(path)

    # -- what the controller shows ---------------------------------------------------------------

    def set_editors(self, sentences: Sequence[str]) -> None:
        self.editors_label.setText(
            "\n\n".join(sentences)
            if sentences
            else "No VS Code, PyCharm or Thonny was found on this computer. Any editor can use this"
            " environment: choose the Python above as the project's interpreter."
        )

    def set_running(self, text: str, running: bool) -> None:
        self.run_status_label.setText(text)
        self.stop_button.setEnabled(running)

    def show_searching(self) -> None:
        self.answer_label.setText("Looking through your environments…")
        self.answer_label.show()
        self.install_button.hide()

    def show_answer(self, text: str, install_label: str = "") -> None:
        self.answer_label.setText(text)
        self.answer_label.show()
        self.install_button.setText(button_text(install_label))
        self.install_button.setVisible(bool(install_label))
