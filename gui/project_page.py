"""The project page: what a project folder holds, the Python to use, and "Set up this project".

A view: it shows a :class:`~core.projects.ProjectScan` in words, offers the Pythons (the one
:func:`~core.projects.choose_interpreter` picks preselected) and the requirement sources as
checkboxes, and says what the person asked for through signals.  The project controller does
the work.  Everything read from the folder (names, paths, pyproject text) is shown as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.projects import (
    PROJECT_ENVIRONMENT,
    ProjectScan,
    SetupChoice,
    checked_by_default,
    choose_interpreter,
    describe,
    describe_setup,
    interpreter_fits,
    setup_packages,
    why_no_interpreter,
)
from gui import theme
from gui.models.base import plain_tooltip

if TYPE_CHECKING:
    from core.interpreters import Interpreter
    from gui.models.environments import EnvironmentEntry


@dataclass(frozen=True)
class _Source:
    """One checkbox: a requirements file, the pyproject dependencies, or an optional group."""

    kind: str  # "file", "dependencies", "group"
    value: str  # the file's path, or the group's name
    check: QCheckBox


def _plain_label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and paths come from the folder
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class ProjectPage(QWidget):
    set_up_requested = Signal()
    install_requested = Signal()  # into the environment the project already has
    rescan_requested = Signal()

    def __init__(self, project_actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectPage")
        self.scan: ProjectScan | None = None
        self.entry: EnvironmentEntry | None = None
        self.interpreters: list[Interpreter] = []
        self.interpreters_loading = True
        self.busy = False
        self._sources: list[_Source] = []

        self.title = _plain_label(name="projectTitle")
        theme.set_role(self.title, "title")
        self.folder_label = _plain_label(name="projectFolderLabel")
        self.summary_label = _plain_label(name="projectSummaryLabel")
        self.environment_label = _plain_label(name="projectEnvironmentLabel")

        self.interpreter_combo = QComboBox()
        self.interpreter_combo.setObjectName("projectInterpreterCombo")
        self.interpreter_combo.setAccessibleName("Python to set the project up with")
        self.interpreter_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.interpreter_combo.setMinimumContentsLength(24)
        self.interpreter_note = _plain_label(name="projectInterpreterNote")
        self.interpreter_combo.currentIndexChanged.connect(lambda _row: self._set_state())

        self.sources_box = QGroupBox("Install")
        self.sources_box.setObjectName("projectSourcesBox")
        self.sources_layout = QVBoxLayout(self.sources_box)

        self.set_up_button = QPushButton("Set up this project")
        self.set_up_button.setObjectName("setUpProjectButton")
        self.set_up_button.setDefault(True)
        self.set_up_button.clicked.connect(self.set_up_requested)
        self.install_button = QPushButton("Install the checked requirements")
        self.install_button.setObjectName("installProjectRequirementsButton")
        self.install_button.clicked.connect(self.install_requested)
        self.will_label = _plain_label(name="projectWillLabel")
        theme.set_role(self.will_label, "muted")

        self.python_form = QFormLayout()
        self.python_form.addRow("Python:", self.interpreter_combo)
        self.python_form.addRow("", self.interpreter_note)

        buttons = QHBoxLayout()
        buttons.addWidget(self.set_up_button)
        buttons.addWidget(self.install_button)
        buttons.addStretch(1)

        self.tools = QHBoxLayout()
        self.tool_buttons: list[QToolButton] = []
        self._broken_only: list[QToolButton] = []
        for action in project_actions:
            self.add_tool(action)
        self.tools.addStretch(1)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.title)
        layout.addWidget(self.folder_label)
        layout.addSpacing(6)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.environment_label)
        layout.addLayout(self.python_form)
        layout.addWidget(self.sources_box)
        layout.addLayout(buttons)
        layout.addWidget(self.will_label)
        layout.addSpacing(12)
        layout.addLayout(self.tools)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._set_state()

    def add_tool(self, action: QAction, *, only_for_broken: bool = False, first: bool = False) -> QToolButton:
        """A button for ``action`` in the row under the set-up (it follows the action's state);
        ``only_for_broken``: shown only while the project's environment is broken (Re-create);
        ``first``: before the buttons added so far."""
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setObjectName(f"{action.objectName()}Button")
        if only_for_broken:
            self._broken_only.append(button)
        # A button does not follow its action's visibility by itself.
        action.changed.connect(lambda button=button, action=action: self._show_tool(button, action))
        self._show_tool(button, action)
        if first:
            self.tool_buttons.insert(0, button)
            self.tools.insertWidget(0, button)
        else:
            self.tool_buttons.append(button)
            self.tools.insertWidget(len(self.tool_buttons) - 1, button)
        return button

    def _environment_broken(self) -> bool:
        entry = getattr(self, "entry", None)
        return entry is not None and entry.set_up and not entry.health.ok

    def _show_tool(self, button: QToolButton, action: QAction) -> None:
        button.setVisible(action.isVisible() and (button not in self._broken_only or self._environment_broken()))

    # -- what is shown -----------------------------------------------------------------------

    def show_looking(self, folder: Path) -> None:
        """While the folder is read (off the UI thread)."""
        self.scan = None
        self.title.setText(folder.name or str(folder))
        self.folder_label.setText(str(folder))
        self.summary_label.setText("Looking at the folder…")
        self.environment_label.clear()
        self._set_sources(None)
        self._set_state()

    def show_project(self, scan: ProjectScan, entry: EnvironmentEntry | None) -> None:
        """Show what ``scan`` found; ``entry`` is the project's row (with the environment it uses)."""
        same = self.scan is not None and self.scan.folder == scan.folder
        checked = self.chosen_sources() if same else None
        self.scan = scan
        self.entry = entry
        self.title.setText(scan.name)
        self.folder_label.setText(str(scan.folder))
        self._show_summary()
        self._set_sources(scan, checked)
        self._fill_interpreters(keep=same)
        self._set_state()

    def set_entry(self, entry: EnvironmentEntry | None) -> None:
        self.entry = entry
        self._show_summary()
        self._set_state()

    def _show_summary(self) -> None:
        scan, entry = self.scan, self.entry
        if scan is None:
            return
        uses_other = entry is not None and entry.set_up and entry.environment.path.parent != scan.folder
        self.summary_label.setText(describe(scan, uses_other=uses_other))

    def set_interpreters(self, interpreters: list[Interpreter], *, loading: bool) -> None:
        self.interpreters = list(interpreters)
        self.interpreters_loading = loading
        self._fill_interpreters(keep=False)
        self._set_state()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._set_state()

    # -- what the person chose ---------------------------------------------------------------

    def chosen_interpreter(self) -> Interpreter | None:
        data = self.interpreter_combo.currentData()
        return data if data is not None and getattr(data, "can_create_venv", False) else None

    def chosen_sources(self) -> set[tuple[str, str]]:
        return {(source.kind, source.value) for source in self._sources if source.check.isChecked()}

    def choice(self) -> SetupChoice:
        scan = self.scan
        if scan is None:
            return SetupChoice()
        chosen = self.chosen_sources()
        files = tuple(Path(value) for kind, value in sorted(chosen) if kind == "file")
        files = tuple(source.path for source in scan.requirements if source.path in files)  # the page's order
        groups = [source.value for source in self._sources if source.kind == "group" and source.check.isChecked()]
        packages = setup_packages(scan.pyproject, dependencies=("dependencies", "") in chosen, groups=groups)
        return SetupChoice(files, packages)

    def source_check(self, label_start: str) -> QCheckBox | None:
        """The checkbox whose text starts with ``label_start`` (for tests and accessibility tools)."""
        return next((s.check for s in self._sources if s.check.text().startswith(label_start)), None)

    # -- building ----------------------------------------------------------------------------

    def _set_sources(self, scan: ProjectScan | None, checked: set[tuple[str, str]] | None = None) -> None:
        for source in self._sources:
            self.sources_layout.removeWidget(source.check)
            source.check.deleteLater()
        self._sources = []
        if scan is None:
            return

        def add(kind: str, value: str, text: str, default: bool, tip: str) -> None:
            check = QCheckBox(text)  # QCheckBox shows its text as plain text
            check.setObjectName(f"projectSource_{len(self._sources)}")
            check.setChecked(default if checked is None else (kind, value) in checked)
            check.setToolTip(plain_tooltip(tip))
            check.toggled.connect(lambda _on: self._set_state())
            self.sources_layout.addWidget(check)
            self._sources.append(_Source(kind, value, check))

        for requirements in scan.requirements:
            if not requirements.path.is_file():
                continue
            add("file", str(requirements.path), f"{requirements.relative} ({requirements.contents()})",
                checked_by_default(scan, requirements), requirements.problem or str(requirements.path))
        info = scan.pyproject
        if info is not None and info.dependencies:
            number = len(info.dependencies)
            add("dependencies", "", f"pyproject.toml dependencies ({number} package{'s' if number != 1 else ''})", True,
                "\n".join(info.dependencies))
        if info is not None:
            for group, specs in info.optional.items():
                add("group", group, f"Optional group “{group}” ({len(specs)} package{'s' if len(specs) != 1 else ''})",
                    False, "\n".join(specs))
        self.sources_box.setVisible(bool(self._sources))

    def _fill_interpreters(self, *, keep: bool) -> None:
        combo = self.interpreter_combo
        previous = self.chosen_interpreter() if keep else None
        requires = self.scan.requires_python if self.scan is not None else ""
        combo.blockSignals(True)
        combo.clear()
        if self.interpreters_loading and not self.interpreters:
            combo.addItem("Looking for Python installations…", None)
        for interpreter in self.interpreters:
            if not interpreter.can_create_venv:
                continue
            text = interpreter.label
            if requires and not interpreter_fits(interpreter, requires):
                text += f" (the project needs {requires})"
            combo.addItem(text, interpreter)
            combo.setItemData(combo.count() - 1, plain_tooltip(interpreter.path), Qt.ItemDataRole.ToolTipRole)
        chosen = previous or choose_interpreter(self.interpreters, requires)
        row = -1
        if chosen is not None:
            row = next((r for r in range(combo.count()) if combo.itemData(r) is chosen
                        or getattr(combo.itemData(r), "path", None) == chosen.path), -1)
        if row >= 0:
            combo.setCurrentIndex(row)
        combo.blockSignals(False)
        if not self.interpreters_loading and choose_interpreter(self.interpreters, requires) is None:
            self.interpreter_note.setText(why_no_interpreter(self.interpreters, requires))
        else:
            self.interpreter_note.clear()
        self.interpreter_note.setVisible(bool(self.interpreter_note.text()))

    def _set_state(self) -> None:
        """The one place that decides what is shown and enabled."""
        scan = self.scan
        entry = self.entry
        has_environment = entry is not None and entry.set_up
        broken = has_environment and entry is not None and not entry.health.ok
        for button in self._broken_only:
            action = button.defaultAction()
            if action is not None:
                self._show_tool(button, action)
        # A broken environment is replaced: the Python and what to install are chosen as for a new one.
        choosing = scan is not None and (not has_environment or broken)
        if scan is None:
            self.environment_label.clear()
        elif has_environment and entry is not None:
            environment = entry.environment
            own = environment.path.parent == scan.folder
            where = environment.path.name if own else f"“{environment.name}” ({environment.path})"
            version = f", Python {environment.short_version}" if environment.short_version else ""
            text = f"This project uses {where}{version}."
            if broken:
                old = f"the broken {environment.path.name}" if own else f"“{environment.name}”"
                then = (
                    f" ({old} goes to the trash first; you are asked)" if own
                    else f" ({old} is left as it is)"
                )
                text += (
                    f" It is broken: {entry.health.reason}"
                    "\n\nTo go on, either:"
                    "\n• click “Re-create with another Python…” below, where it is offered: Venvdesk makes it"
                    " again with a Python you have and installs the same packages; or"
                    f"\n• choose a Python below and click “Set up this project”: it makes a new"
                    f" {PROJECT_ENVIRONMENT} in this folder and installs what is checked{then}."
                )
            self.environment_label.setText(text)
        else:
            self.environment_label.setText(
                f"Not set up yet: “Set up this project” makes {scan.folder / PROJECT_ENVIRONMENT} with the"
                " Python below and installs what is checked."
            )
        for row in range(self.python_form.rowCount()):
            for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole):
                item = self.python_form.itemAt(row, role)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.setVisible(choosing and (widget is not self.interpreter_note or bool(self.interpreter_note.text())))
        self.sources_box.setVisible(scan is not None and bool(self._sources))
        self.set_up_button.setVisible(not has_environment or broken)
        self.set_up_button.setEnabled(scan is not None and not self.busy and self.chosen_interpreter() is not None)
        self.set_up_button.setText("Setting up…" if self.busy else "Set up this project")
        choice = self.choice()
        self.install_button.setVisible(has_environment and not broken and bool(self._sources))
        self.install_button.setEnabled(
            has_environment and not self.busy and not choice.empty and entry is not None and entry.usable
        )
        if not choosing:
            self.will_label.clear()
        elif choice.empty:
            self.will_label.setText("Nothing is checked: the environment starts with pip only.")
        else:
            self.will_label.setText(f"Then installs {describe_setup(choice)}, with the live log below.")
        self.will_label.setVisible(bool(self.will_label.text()))


class ChooseEnvironmentDialog(QDialog):
    """"Use another environment for this project": a list of the known environments to pick from."""

    def __init__(self, project_name: str, choices: list[tuple[str, Path]], current: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("useEnvironmentDialog")
        self.setWindowTitle("Use another environment")
        self.choices = choices
        text = _plain_label(
            f"Choose the environment “{project_name}” uses. Venvdesk shows its packages when you select"
            " the project, and remembers the choice."
        )
        self.list = QListWidget()
        self.list.setObjectName("useEnvironmentList")
        for name, path in choices:
            item = QListWidgetItem(f"{name}\n{path}")  # plain text: a list item does not read markup
            item.setToolTip(plain_tooltip(str(path)))
            self.list.addItem(item)
            if current is not None and path == current:
                self.list.setCurrentItem(item)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.use_button = self.buttons.addButton("Use this environment", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.setObjectName("useEnvironmentButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.currentRowChanged.connect(lambda _row: self.use_button.setEnabled(self.chosen() is not None))
        self.use_button.setEnabled(self.chosen() is not None)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.resize(520, 360)

    def chosen(self) -> Path | None:
        row = self.list.currentRow()
        return self.choices[row][1] if 0 <= row < len(self.choices) else None
