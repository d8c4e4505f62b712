"""The questions the app asks before it does something that cannot be taken back lightly.

Each function builds a window-modal box, opens it (never ``exec()``: the
window keeps running) and calls ``on_…`` when the person picks that answer.
Texts from outside (package names, file contents) are shown as plain text:
:func:`make_plain` is applied to every box, the app's other boxes included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QMessageBox, QWidget


def make_plain(box: QMessageBox) -> None:
    """Show ``box``'s text and informative text as plain text, whatever they look like.

    Call it after setting the texts.  A QMessageBox guesses (``Qt::AutoText``) and would draw
    a package named ``<font size=6>…`` big; ``setTextFormat`` covers the text, and the
    informative label only in some Qt versions, so that label is set too.  The detailed text
    is always plain (Qt puts it in a QTextEdit with ``setPlainText``).
    """
    box.setTextFormat(Qt.TextFormat.PlainText)
    informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
    if informative is not None:
        informative.setTextFormat(Qt.TextFormat.PlainText)


def button_text(text: str) -> str:
    """``text`` (which may hold package names) as a button's label: an ``&`` is shown, not a shortcut."""
    return text.replace("&", "&&")


def _box(parent: QWidget, name: str, icon: QMessageBox.Icon, title: str, text: str, informative: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setInformativeText(informative)
    make_plain(box)
    return box


def _on(box: QMessageBox, answers: dict[QAbstractButton, Callable[[], object]]) -> QMessageBox:
    def clicked(button: QAbstractButton) -> None:
        action = answers.get(button)
        if action is not None:
            action()

    box.buttonClicked.connect(clicked)
    box.open()
    return box


def uninstall_needed_packages(
    parent: QWidget,
    needed: dict[str, list[str]],
    unneeded: Sequence[str],
    *,
    on_anyway: Callable[[], object],
    on_only_unneeded: Callable[[], object],
) -> QMessageBox:
    """Some chosen packages are needed by others: keep them, uninstall only the unneeded, or all."""
    box = _box(
        parent,
        "uninstallWarningBox",
        QMessageBox.Icon.Warning,
        "Other packages need these",
        "Some of the packages you chose are needed by other installed packages.",
        "\n".join(f"• {name} is needed by {', '.join(users)}" for name, users in needed.items())
        + "\n\nUninstalling them may break those packages.",
    )
    answers: dict[QAbstractButton, Callable[[], object]] = {}
    if unneeded:
        only = box.addButton(button_text(f"Uninstall only {', '.join(unneeded)}"), QMessageBox.ButtonRole.AcceptRole)
        only.setObjectName("uninstallUnneededButton")
        answers[only] = on_only_unneeded
    anyway = box.addButton("Uninstall anyway", QMessageBox.ButtonRole.DestructiveRole)
    anyway.setObjectName("uninstallAnywayButton")
    answers[anyway] = on_anyway
    keep = box.addButton("Keep them", QMessageBox.ButtonRole.RejectRole)
    keep.setObjectName("keepPackagesButton")
    box.setDefaultButton(keep)
    return _on(box, answers)


def requirements_change_sources(
    parent: QWidget, path: Path, described_options: str, *, on_install: Callable[[], object]
) -> QMessageBox:
    box = _box(
        parent,
        "requirementsOptionsBox",
        QMessageBox.Icon.Warning,
        "Check where the code comes from",
        f"{path.name} has lines that change where packages are downloaded from, or install local code:",
        described_options + "\n\nInstall only if you trust this file.",
    )
    go = box.addButton("Install anyway", QMessageBox.ButtonRole.AcceptRole)
    go.setObjectName("installRequirementsAnywayButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    return _on(box, {go: on_install})


def replace_file(parent: QWidget, path: Path, *, on_replace: Callable[[], object]) -> QMessageBox:
    box = _box(
        parent,
        "overwriteRequirementsBox",
        QMessageBox.Icon.Question,
        "Replace the file?",
        f"{path.name} already exists. Replace it?",
        str(path),
    )
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    replace.setObjectName("replaceButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    return _on(box, {replace: on_replace})


def _names(names: Sequence[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def move_to_trash(
    parent: QWidget,
    name: str,
    path: Path,
    size_text: str,
    foreign: list[str],
    *,
    on_trash: Callable[[], object],
    projects: Sequence[str] = (),
    then: str = "",
) -> QMessageBox:
    """``projects``: the names of the projects that use it; ``then``: what happens after the move."""
    text = f"{path}\n{size_text}\n\nYou can restore it from the trash."
    if then:
        text += f" {then}"
    elif len(projects) == 1:
        text += f" The project {_names(projects)} uses it and will need a new environment."
    elif projects:
        users = (
            ", ".join(f"“{name}”" for name in projects[:8]) + f" and {len(projects) - 8} more"
            if len(projects) > 8 else _names(projects)
        )
        text += f" The projects {users} use it and will need a new environment."
    icon = QMessageBox.Icon.Question
    if foreign:
        shown = ", ".join(foreign[:8]) + (f" and {len(foreign) - 8} more" if len(foreign) > 8 else "")
        text += (
            f"\n\n⚠ This folder also holds things that are not part of the environment ({shown})."
            " They would go to the trash with it. If this is your project folder, cancel and move"
            " your files out first."
        )
        icon = QMessageBox.Icon.Warning
    box = _box(parent, "confirmDeleteBox", icon, "Move environment to trash", f"Move “{name}” to the trash?", text)
    trash = box.addButton("Move to Trash", QMessageBox.ButtonRole.DestructiveRole)
    trash.setObjectName("confirmDeleteButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return _on(box, {trash: on_trash})


def home_folder_as_project(parent: QWidget, folder: Path, holds_home: bool, *, on_open: Callable[[], object]) -> QMessageBox:
    """The person chose their home folder (or a folder holding it) as a project: say what that means, and ask."""
    if holds_home:
        text = f"{folder} holds your home folder, and the home folders of others. Open it as a project anyway?"
    else:
        text = f"{folder} is your home folder. Open it as a project anyway?"
    informative = (
        "A project folder holds one piece of work: a homework, a repository you cloned. This folder holds"
        f" all your files, so as a project “Set up this project” would make {folder / '.venv'}, one environment"
        " for everything, and “Find missing packages” would read every Python file in all your folders."
        "\n\nMost people make a folder for each project (for example a folder “homework” in here), put its"
        " files there and open that folder."
    )
    box = _box(parent, "homeFolderProjectBox", QMessageBox.Icon.Warning, "Open your home folder as a project?", text, informative)
    go = box.addButton("Open it anyway", QMessageBox.ButtonRole.AcceptRole)
    go.setObjectName("openHomeFolderAnywayButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return _on(box, {go: on_open})


def setup_changes_sources(
    parent: QWidget, files: Sequence[tuple[str, str]], *, on_set_up: Callable[[], object]
) -> QMessageBox:
    """Before a project is set up: ``files`` (name, described lines) change where code comes from."""
    names = [name for name, _lines in files]
    holds = "has" if len(names) == 1 else "have"
    box = _box(
        parent,
        "setupSourcesBox",
        QMessageBox.Icon.Warning,
        "Check where the code comes from",
        f"{', '.join(names)} {holds} lines that change where packages are downloaded from, or install local code:",
        "\n\n".join(f"{name}:\n{lines}" for name, lines in files)
        + "\n\nSet the project up with them only if you trust these files. Cancel makes nothing; you can"
        " untick a file on the Project tab and set up without it.",
    )
    go = box.addButton("Set up anyway", QMessageBox.ButtonRole.AcceptRole)
    go.setObjectName("setUpAnywayButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return _on(box, {go: on_set_up})


def quit_while_busy(parent: QWidget, titles: Sequence[str], *, on_stop: Callable[[], object]) -> QMessageBox:
    box = _box(
        parent,
        "confirmQuitBox",
        QMessageBox.Icon.Warning,
        "Quit Venvdesk?",
        "Venvdesk is still working: " + "; ".join(titles) + ".",
        "If you quit now, it is stopped. An environment may then have half-installed packages;"
        " Venvdesk checks for them next time and offers to repair them.",
    )
    stop = box.addButton("Stop and quit", QMessageBox.ButtonRole.DestructiveRole)
    stop.setObjectName("stopAndQuitButton")
    box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
    return _on(box, {stop: on_stop})


def install_plan(
    parent: QWidget,
    title: str,
    plan: str,
    *,
    on_install: Callable[[], object],
    alternative: tuple[str, Callable[[], object]] | None = None,
    changes_installed: bool = True,
) -> QMessageBox:
    """Before an install that changes what is already installed, builds from source or does not
    fit on the disk: say what it will do, and ask."""
    if changes_installed:
        heading, text = "Change installed packages?", f"{title} will change packages that are already installed."
        plan += "\n\nUndo (in the Packages menu) can put them back afterwards."
    else:
        heading, text = "Go ahead?", f"Before {title[:1].lower() + title[1:]}, look at what it will do."
    box = _box(parent, "installPlanBox", QMessageBox.Icon.Question, heading, text, plan)
    install = box.addButton("Install", QMessageBox.ButtonRole.AcceptRole)
    answers: dict[QAbstractButton, Callable[[], object]] = {install: on_install}
    if alternative is not None:
        other = box.addButton(button_text(alternative[0]), QMessageBox.ButtonRole.ActionRole)
        answers[other] = alternative[1]
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(install)
    return _on(box, answers)


def old_release(
    parent: QWidget, warning: str, *, on_install: Callable[[], object], on_choose: Callable[[], object]
) -> QMessageBox:
    """A pinned release older than the environment's Python: install anyway, or choose a newer one."""
    box = _box(
        parent,
        "oldReleaseBox",
        QMessageBox.Icon.Warning,
        "An old release",
        warning,
        "Releases made before a Python version often cannot be imported on it. A newer release of the same"
        " package usually works the same way.",
    )
    install = box.addButton("Install anyway", QMessageBox.ButtonRole.AcceptRole)
    choose = box.addButton("Choose a newer version", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(choose)
    return _on(box, {install: on_install, choose: on_choose})


def restore_more(parent: QWidget, title: str, text: str, *, on_restore: Callable[[], object]) -> QMessageBox:
    """Going back to an earlier set takes back later changes too: name them, and ask."""
    box = _box(
        parent,
        "restoreMoreBox",
        QMessageBox.Icon.Warning,
        "Take back later changes too?",
        text,
        "Undo again afterwards puts them back.",
    )
    restore = box.addButton(button_text(title), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(restore)
    return _on(box, {restore: on_restore})
