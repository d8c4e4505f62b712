"""Environment verbs: the list, which one is current, and what can be done to one.

Adding an existing environment, removing one from the list, moving one to the
trash, opening its folder or a terminal, copying its activation command: each
is a QAction this controller owns and carries out.  The list itself is read
off the UI thread; the selection becomes the current environment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFile, QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.environments import (
    EnvironmentRegistry,
    FolderSnapshot,
    Health,
    activation_command,
    activation_warning,
    deletion_refusal,
    folder_change,
    folder_size,
    folder_snapshot,
    human_size,
)
from core.errors import UserFacingError
from core.operations import CreateEnvironment
from gui import icons
from gui.controllers import show_error
from gui.current_environment import CurrentEnvironment
from gui.dialogs import confirmations
from gui.environments_panel import EnvironmentsPanel
from gui.log_view import LogView
from gui.message_bar import Level, MessageBar
from gui.models.environments import EnvironmentEntry, EnvironmentListModel, load_entries
from gui.runner import ProcessRunner
from gui.workers import run_in_background


class EnvironmentController(QObject):
    environments_loaded = Signal()
    entry_selected = Signal(object)  # EnvironmentEntry or None: the row the person selected
    environment_deleted = Signal(str, str)  # path, where it went in the trash

    def __init__(
        self,
        registry: EnvironmentRegistry,
        runner: ProcessRunner,
        current: CurrentEnvironment,
        message_bar: MessageBar,
        log_view: LogView,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.registry = registry
        self.runner = runner
        self.current = current
        self.message_bar = message_bar
        self.log_view = log_view
        self.window = window
        self.model = EnvironmentListModel(parent=self)
        self.panel: EnvironmentsPanel | None = None
        self.confirm_delete_box: QMessageBox | None = None
        self._select_after_load = ""
        self._selected_at_refresh = ""  # the key selected when the last read of the list started
        self._shown_before_read = False  # show_selected_now: the next read need not read that row again

        keys = QKeySequence.StandardKey
        self.add_existing_action = self._action(
            "Add existing environment…", "addExistingAction", self.add_existing_environment, "add-existing"
        )
        self.add_existing_action.setShortcut(QKeySequence("Ctrl+Shift+O"))  # Ctrl+O opens a project
        self.open_folder_action = self._action("Show in file manager", "openFolderAction", self.open_folder, "open-folder")
        self.copy_activation_action = self._action(
            "Copy activation command", "copyActivationAction", self.copy_activation_command, "copy"
        )
        self.open_terminal_action = self._action("Open terminal here", "openTerminalAction", self.open_terminal, "terminal")
        self.refresh_action = self._action("Refresh", "refreshAction", self.refresh, "refresh", keys.Refresh)
        self.remove_action = self._action("Remove from list", "removeFromListAction", self.remove_from_list, "remove")
        # Its shortcut belongs to the environment list (see EnvironmentsPanel), not the window.
        self.delete_action = self._action(
            "Move to trash…", "deleteEnvironmentAction", self.move_selected_to_trash, "trash", keys.Delete, window_wide=False
        )
        current.broken.connect(self._mark_broken)
        runner.started.connect(lambda _op: self._set_state())
        runner.finished.connect(lambda _outcome: self._set_state())

    def _action(
        self,
        text: str,
        name: str,
        slot: Callable[[], object],
        icon: str,
        shortcut: QKeySequence.StandardKey | None = None,
        *,
        window_wide: bool = True,
    ) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        icons.set_action_icon(action, icon)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        if window_wide:
            self.window.addAction(action)
        return action

    def menu_actions(self) -> list[QAction | None]:
        """The "More" menu and the list's context menu, in order (None is a separator)."""
        return [
            self.open_folder_action,
            self.copy_activation_action,
            self.open_terminal_action,
            None,
            self.add_existing_action,
            self.refresh_action,
            None,
            self.remove_action,
            self.delete_action,
        ]

    def attach(self, panel: EnvironmentsPanel) -> None:
        self.panel = panel
        panel.selection_changed.connect(self._selection_changed)
        self._set_state()

    # -- the list and the selection ----------------------------------------------------------

    def selected_entry(self) -> EnvironmentEntry | None:
        return self.panel.selected_entry() if self.panel is not None else None

    def _set_state(self) -> None:
        """The one place that decides which environment actions are enabled."""
        entry = self.selected_entry()
        has_entry = entry is not None
        busy = entry is not None and self.runner.is_busy(str(entry.environment.path))
        for action in (self.open_folder_action, self.copy_activation_action, self.open_terminal_action):
            action.setEnabled(entry is not None and entry.set_up and entry.environment.path.is_dir())
        self.remove_action.setEnabled(has_entry and not busy)
        self.delete_action.setEnabled(has_entry and not busy and entry is not None and entry.set_up)
        if self.panel is not None:
            self.panel.show_welcome_if_empty()

    def refresh(self, select: str = "") -> None:
        """Re-read every known environment (off the UI thread); then select ``select`` if given."""
        selected = self.selected_entry()
        self._selected_at_refresh = selected.key if selected is not None else ""
        if select:
            self._select_after_load = select
        elif selected is not None:
            self._select_after_load = selected.key
        registry = self.registry
        being_made = frozenset(
            str(operation.intent.target)
            for operation in self.runner.running_operations()
            if isinstance(operation.intent, CreateEnvironment)
        )
        run_in_background(
            lambda: load_entries(registry, being_made),
            self._entries_read,
            self._background_failed("read the environments"),
            context=self,
        )

    def show_selected_now(self) -> None:
        """At start-up: show the row already selected among the rows painted at once (read at once
        when the window was built), without waiting for the list's first read in the background."""
        if self.selected_entry() is not None:
            self._selection_changed()
            self._shown_before_read = True

    def _entries_read(self, entries: list[EnvironmentEntry]) -> None:
        selected = self.selected_entry()
        if selected is not None and selected.key != self._selected_at_refresh:
            # The person chose another row while the list was read (the rows are on screen from the
            # first paint): theirs is the newer choice.
            self._select_after_load = selected.key
        shown_before, self._shown_before_read = self._shown_before_read, False
        # The model's reset drops the selection and select_row sets it again: the panel says so
        # (twice) only through _selection_changed below, once, or each would read the row again.
        if self.panel is not None:
            self.panel.blockSignals(True)
        try:
            self.model.set_entries(entries)
            row = self.model.row_of(self._select_after_load) if self._select_after_load else -1
            if row < 0 and entries:
                row = 0
            if row >= 0 and self.panel is not None:
                self.panel.select_row(row)
        finally:
            if self.panel is not None:
                self.panel.blockSignals(False)
        entry = self.selected_entry()
        if shown_before and entry is not None and entry == self.current.entry:
            self._set_state()  # shown already, as read now: not read again
            self.entry_selected.emit(entry)
        else:
            self._selection_changed()
        self.environments_loaded.emit()

    def _selection_changed(self) -> None:
        self._set_state()
        entry = self.selected_entry()
        # A project not set up yet has no environment to show: its project page says what to do.
        self.current.select(entry if entry is not None and entry.set_up else None)
        self.entry_selected.emit(entry)

    def select(self, key: str) -> bool:
        """Select the row of a project folder or an environment now, if it is listed."""
        row = self.model.row_of(key)
        if row < 0 or self.panel is None:
            return False
        self.panel.select_row(row)
        return True

    def _mark_broken(self, path: str, health: Health) -> None:
        row = self.model.row_of(path)
        if row < 0:
            return
        entries = self.model.entries()
        entries[row] = dataclasses.replace(entries[row], health=health)
        self._select_after_load = entries[row].key
        self._entries_read(entries)

    def _forget_selection(self) -> None:
        self._select_after_load = ""
        if self.panel is not None:
            self.panel.clear_selection()

    # -- per-environment actions -------------------------------------------------------------

    def _require_selection(self) -> EnvironmentEntry | None:
        entry = self.selected_entry()
        if entry is None:
            self.message_bar.show_message("Select an environment in the list first.", Level.INFO)
        return entry

    def open_folder(self) -> None:
        entry = self._require_selection()
        if entry and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(entry.environment.path))):
            self.message_bar.show_message(f"No file manager could be opened for {entry.environment.path}.", Level.WARNING)

    def _unsafe_to_activate(self, entry: EnvironmentEntry, what: str) -> bool:
        """Warn instead of leading the person to activate a path a shell would read as code."""
        warning = activation_warning(entry.environment.path)
        if warning:
            self.message_bar.show_message(
                f"{what} The activation command for “{entry.environment.name}” is unsafe to paste"
                f" into a terminal. {warning}",
                Level.WARNING,
                detail=f"Folder: {entry.environment.path}",
            )
        return bool(warning)

    def copy_activation_command(self) -> str:
        entry = self._require_selection()
        if entry is None:
            return ""
        if self._unsafe_to_activate(entry, "Nothing was copied."):
            return ""
        line = activation_command(entry.environment)
        QGuiApplication.clipboard().setText(line)
        self.message_bar.show_message(
            f"Copied “{line}”. Paste it into a terminal to use this environment there.", Level.INFO
        )
        return line

    def open_terminal(self) -> None:
        entry = self._require_selection()
        if entry is None:
            return
        from core.terminal import terminal_command

        if self._unsafe_to_activate(entry, "No terminal was opened."):
            return
        command = terminal_command(entry.environment)
        if command is None or not self.runner.start_detached(command):
            self.message_bar.show_message(
                "No terminal program was found on this computer. Copy the activation command instead"
                " and paste it into the terminal you use.",
                Level.WARNING,
                detail=command.display() if command else "",
            )
            return
        line = activation_command(entry.environment)
        QGuiApplication.clipboard().setText(line)
        self.message_bar.show_message(f"Terminal opened. Paste “{line}” into it to activate the environment.", Level.INFO)

    def add_existing_environment(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Choose an environment or project folder")
        if folder:
            self.add_environment_folder(folder)

    def add_environment_folder(self, folder: str) -> None:
        try:
            path = self.registry.add(folder)
        except UserFacingError as error:
            self.show_error(error)
            return
        except OSError as exc:
            self.show_error(UserFacingError("The list of environments could not be saved.", str(exc)))
            return
        self.refresh(select=str(path))

    def remember(self, path: Path) -> None:
        """Keep a new environment outside the default folder in the list (the default folder is scanned)."""
        self.save_quietly(lambda: self.registry.add(path), "The list of environments")

    def remove_from_list(self) -> None:
        entry = self._require_selection()
        if entry is None:
            return
        try:
            if entry.project is not None:
                self.registry.forget_project(entry.project.folder)
            else:
                self.registry.remove(entry.environment.path)
        except OSError as exc:
            self.show_error(UserFacingError("The list of environments could not be saved.", str(exc)))
            return
        where = entry.project.folder if entry.project is not None else entry.environment.path
        self.message_bar.show_message(
            f"“{entry.project.name if entry.project is not None else entry.environment.name}” was removed"
            f" from the list. Its files are untouched in {where}.",
            Level.INFO,
        )
        self._forget_selection()
        self.refresh()

    def move_selected_to_trash(self) -> None:
        """Measure the folder (off the UI thread), then ask, naming what would go to the trash."""
        entry = self._require_selection()
        if entry is None:
            return
        path = entry.environment.path
        refusal = deletion_refusal(path)
        if refusal:
            self.show_error(UserFacingError(refusal, "Nothing was deleted.", reference="delete-refused"))
            return
        if self.runner.is_busy(str(path)):
            self.message_bar.show_message("Wait until the running operation on it has finished.", Level.INFO)
            return
        self._measure_and_confirm(entry)

    def trash_then(self, entry: EnvironmentEntry, then: str, after: Callable[[], object]) -> None:
        """Ask to move ``entry``'s environment to the trash (saying ``then``: what follows), move it,
        then call ``after`` (a broken environment replaced by a new one)."""
        path = entry.environment.path
        refusal = deletion_refusal(path)
        if refusal:
            self.show_error(UserFacingError(refusal, "Nothing was deleted.", reference="delete-refused"))
            return
        if self.runner.is_busy(str(path)):
            self.message_bar.show_message("Wait until the running operation on it has finished.", Level.INFO)
            return
        self._measure_and_confirm(entry, then, after)

    def _measure_and_confirm(
        self, entry: EnvironmentEntry, then: str = "", after: Callable[[], object] | None = None
    ) -> None:
        path = entry.environment.path
        run_in_background(
            lambda: (folder_size(path), folder_snapshot(path)),
            lambda result: self._confirm_trash(entry, *result, then=then, after=after),
            self._background_failed("measure the folder"),
            context=self,
        )

    def _confirm_trash(
        self,
        entry: EnvironmentEntry,
        size: int,
        snapshot: FolderSnapshot | None,
        *,
        then: str = "",
        after: Callable[[], object] | None = None,
    ) -> None:
        """Ask, showing what the folder holds now; the move checks that it still holds just that."""
        environment = entry.environment
        if snapshot is None:
            self.show_error(
                UserFacingError(f"{environment.path} is not a folder any more.", "Nothing was deleted.", reference="delete-refused")
            )
            return
        self.confirm_delete_box = confirmations.move_to_trash(
            self.window,
            environment.name,
            environment.path,
            human_size(size),
            list(snapshot.foreign),
            projects=[folder.name or str(folder) for folder in self.registry.projects_using(environment.path)],
            then=then,
            on_trash=lambda: self._move_to_trash(entry, snapshot, then, after),
        )

    def _move_to_trash(
        self, entry: EnvironmentEntry, snapshot: FolderSnapshot, then: str = "", after: Callable[[], object] | None = None
    ) -> None:
        """Move the folder, if it is still what the confirmation showed (``snapshot``); else ask again."""
        path = entry.environment.path
        refusal = deletion_refusal(path)  # the folder may have changed while the box was open
        if refusal:
            self.show_error(UserFacingError(refusal, "Nothing was deleted.", reference="delete-refused"))
            return
        change = folder_change(snapshot, folder_snapshot(path))
        if change:
            self.log_view.note(f"Did not move {path} to the trash: {change}")
            self.message_bar.show_message(
                f"“{entry.environment.name}” was not moved to the trash: the folder changed while you"
                f" were asked. {change} Check what it holds now and confirm again.",
                Level.WARNING,
                detail=f"Folder: {path}",
            )
            self._measure_and_confirm(entry, then, after)
            return
        folder = QFile(str(path))
        if not folder.moveToTrash():
            self.show_error(
                UserFacingError(
                    f"“{entry.environment.name}” could not be moved to the trash. Nothing was deleted.",
                    "Your system may have no trash for this folder's drive; delete it with your file manager.",
                    reference="trash-failed",
                    detail=f"Folder: {path}",
                )
            )
            return
        trashed = folder.fileName()  # after the move: where it is in the trash
        self.save_quietly(lambda: self.registry.forget_deleted(path), "The list of environments")
        self.log_view.note(f"Moved {path} to the trash ({trashed}).")
        self.message_bar.show_message(f"“{entry.environment.name}” was moved to the trash.", Level.SUCCESS)
        if after is None:
            self._forget_selection()
            self.refresh()
        else:
            self.refresh(select=entry.key)  # its project stays selected for what follows
        self.environment_deleted.emit(str(path), trashed or "")
        if after is not None:
            after()

    # -- telling the person ------------------------------------------------------------------

    def _background_failed(self, what: str) -> Callable[[BaseException, str], None]:
        def show(exc: BaseException, formatted: str) -> None:
            self.show_error(UserFacingError(f"Venvdesk could not {what}.", str(exc), detail=formatted))

        return show

    def save_quietly(self, save: Callable[[], object], what: str) -> None:
        """Save a small state file; if that fails the work goes on and the person is told why."""
        try:
            save()
        except OSError as exc:
            self.show_error(
                UserFacingError(
                    f"{what} could not be saved, so this change will be forgotten when Venvdesk restarts.",
                    "Check that your disk is not full and that your user folder can be written to.",
                    detail=str(exc),
                )
            )

    def show_error(self, error: UserFacingError) -> None:
        show_error(self.message_bar, self.log_view, error)
