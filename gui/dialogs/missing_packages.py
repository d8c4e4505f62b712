"""Find missing packages: what the project's code imports that its environment lacks, to install.

The dialog only shows the answer (:class:`core.code_imports.MissingPackages`) and asks which
packages to install; the missing-packages controller reads the code, installs and writes
requirements.txt.  Module names, file paths and package names come from outside (the person's
code, the index), so every text here is plain text.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.code_imports import MissingPackages, NeededModule, Summary, join_words, summarize
from gui import theme
from gui.dialogs.confirmations import button_text
from gui.models.base import plain_tooltip

# Places listed in a package's tooltip (the rest are counted).
_MAX_PLACES_SHOWN = 12
# Package rows built per turn of the event loop.
_ROWS_PER_TURN = 5


def _label(text: str, name: str, role: str = "", *, selectable: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # module names, paths: from outside
    label.setWordWrap(True)
    if selectable:  # a text control per label: not for the rows, which repeat what their tooltip says
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        theme.set_role(label, role)
    return label


def _imports_line(modules: list[NeededModule]) -> str:
    """``import cv2 in app.py line 2``; ``import google.protobuf in a.py line 1 and 2 more places``."""
    return "; ".join(f"import {module.module} in {module.where()}" for module in modules)


def _places(modules: list[NeededModule]) -> str:
    lines = []
    for module in modules:
        shown = module.sites[:_MAX_PLACES_SHOWN]
        lines.append(f"import {module.module}:")
        lines.extend(
            f"  {site.describe()}" + (" (inside a try: block)" if site.optional else "") for site in shown
        )
        if len(module.sites) > len(shown):
            lines.append(f"  and {len(module.sites) - len(shown)} more")
    return "\n".join(lines)


class MissingPackagesDialog(QDialog):
    install_requested = Signal(list, bool)  # project names, also add them to requirements.txt
    rows_complete = Signal()  # every package row is there (they are added a few per turn of the event loop)

    def __init__(
        self,
        result: MissingPackages,
        environment_name: str,
        requirements_path: Path,
        requirements_exists: bool,
        parent: QWidget | None = None,
        summary: Summary | None = None,
    ) -> None:
        """``summary`` is :func:`core.code_imports.summarize` of ``result``, worked out in a worker
        (it is computed here when not given: fine for a small answer, as in tests)."""
        super().__init__(parent)
        self.setObjectName("missingPackagesDialog")
        self.setWindowTitle(f"Missing packages — {result.scan.folder.name or result.scan.folder}")
        self.setMinimumWidth(560)
        self.missing = result
        self.requirements_path = requirements_path
        summary = summary if summary is not None else summarize(result)
        self.summary = summary

        layout = QVBoxLayout(self)
        self.sentence_label = _label(summary.sentence, "missingSentenceLabel")
        layout.addWidget(self.sentence_label)
        read = result.scan.files
        self.summary_label = _label(
            f"Read {read} Python file{'' if read == 1 else 's'} in {result.scan.folder}, for the environment"
            f" {environment_name} (Python {result.python.version_text}).",
            "scanSummaryLabel",
            "muted",
        )
        layout.addWidget(self.summary_label)

        # One checkbox per package to install (at most MAX_OFFERS_SHOWN), with the imports that need it
        # under it.  A name that is only a guess is not ticked: it may be no package at all.  The first
        # rows are built now, the others a few at a time in the next turns of the event loop, so that
        # building them never holds the window still (``rows_complete`` once every row is there).
        self.package_checks: list[QCheckBox] = []
        self.complete = False
        holder = QWidget()
        rows = QVBoxLayout(holder)
        rows.setContentsMargins(0, 0, 0, 0)
        self._rows = rows
        self._pending = list(summary.offers)
        self._add_rows(_ROWS_PER_TURN)
        self.more_label = _label(summary.more_sentence(), "missingMoreLabel", "muted")
        self.more_label.setVisible(bool(summary.not_shown))
        rows.addWidget(self.more_label)
        rows.addStretch(1)
        self.packages_area = QScrollArea()
        self.packages_area.setObjectName("missingPackagesArea")
        self.packages_area.setWidgetResizable(True)
        self.packages_area.setFrameShape(QFrame.Shape.NoFrame)
        self.packages_area.setWidget(holder)
        self.packages_area.setVisible(bool(self.package_checks))
        layout.addWidget(self.packages_area, 1)

        found_notes = summary.notes
        self.notes_label = _label(" ".join(found_notes), "scanNotesLabel", "muted")
        self.notes_label.setVisible(bool(found_notes))
        layout.addWidget(self.notes_label)

        self.requirements_check = QCheckBox("Also add them to requirements.txt")
        self.requirements_check.setObjectName("addToRequirementsCheck")
        self.requirements_check.toggled.connect(self._set_state)
        what = "lines already there are kept" if requirements_exists else "the file will be created"
        self.requirements_label = _label(f"{requirements_path} ({what})", "requirementsPathLabel", "muted")
        self.requirements_label.setIndent(24)
        self.requirements_check.setToolTip(plain_tooltip(f"Adds one line per package to {requirements_path}."))
        layout.addWidget(self.requirements_check)
        layout.addWidget(self.requirements_label)
        self.requirements_check.setVisible(bool(self.package_checks))
        self.requirements_label.setVisible(bool(self.package_checks))

        buttons = QDialogButtonBox()
        self.install_button = QPushButton("Install")
        self.install_button.setObjectName("installMissingButton")
        self.install_button.setDefault(True)
        self.install_button.clicked.connect(self._install)
        buttons.addButton(self.install_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("closeMissingButton")
        self.close_button.clicked.connect(self.reject)
        self.install_button.setVisible(bool(self.package_checks))
        layout.addWidget(buttons)
        self._set_state()

    def _add_rows(self, count: int) -> None:
        """Add the next ``count`` rows (before the sentence for the rest and the stretch)."""
        batch, self._pending = self._pending[:count], self._pending[count:]
        at = 2 * len(self.package_checks)
        for offer in batch:
            modules = list(offer.modules)
            check = QCheckBox(button_text(offer.project))
            check.setObjectName("missingPackageCheck")
            check.setProperty("project", offer.project)
            check.setChecked(offer.preselected)
            check.setToolTip(plain_tooltip(_places(modules)))
            check.toggled.connect(self._set_state)
            self.package_checks.append(check)
            self._rows.insertWidget(at, check)
            detail = _imports_line(modules)
            alternatives = offer.alternatives()
            if alternatives:
                detail += f" (also provided by {join_words(alternatives, 4)})"
            if not offer.checked:
                detail += " (the name is a guess: not checked against the package index, so not ticked)"
            if offer.optional:
                detail += " (your code is written to work without it)"
            line = _label(detail, "missingPackageDetail", "muted", selectable=False)
            line.setIndent(24)
            line.setToolTip(check.toolTip())
            self._rows.insertWidget(at + 1, line)
            at += 2
        if self._pending:
            QTimer.singleShot(0, self, lambda: self._add_rows(_ROWS_PER_TURN))
            return
        if hasattr(self, "install_button"):
            self._set_state()
        if not self.complete:
            self.complete = True
            self.rows_complete.emit()

    def chosen(self) -> list[str]:
        """The packages checked, in the order shown."""
        return [str(check.property("project")) for check in self.package_checks if check.isChecked()]

    def _set_state(self) -> None:
        count = len(self.chosen())
        self.install_button.setEnabled(count > 0)
        self.install_button.setText(f"Install {count} package{'' if count == 1 else 's'}" if count else "Install")

    def _install(self) -> None:
        chosen = self.chosen()
        if not chosen:
            return
        self.install_requested.emit(chosen, self.requirements_check.isChecked())
        self.accept()
