"""The rows of the list of environments: what each one is, and what it shows (no Qt model here).

Apart from :mod:`gui.models.environments` (the Qt model) so that the window can read the list
and show it in its first paint without importing the model's module: a Python model's header
makes Qt create every enum of its ``Qt`` namespace (~30 ms), which the first paint does without.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.environments import Environment, EnvironmentRegistry, Health, ProjectRecord
from gui import icons

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon


@dataclass(frozen=True)
class EnvironmentEntry:
    """One row of the list: an environment, or a project with the environment it uses.

    A project not set up yet has no environment: ``environment`` is where its own ``.venv``
    would be, and ``set_up`` is false.
    """

    environment: Environment
    health: Health
    project: ProjectRecord | None = None
    set_up: bool = True

    @property
    def key(self) -> str:
        """What identifies the row: the project folder, or the environment's path."""
        return str(self.project.folder) if self.project is not None else str(self.environment.path)

    @property
    def name(self) -> str:
        """The name a person knows the row by (a project's name for its environment)."""
        if self.project is None:
            return self.environment.name
        return self.project.name if self.set_up else f"{self.project.name} — not set up yet"

    @property
    def usable(self) -> bool:
        return self.set_up and self.health.ok


NOT_SET_UP = Health(False, "This project is not set up yet.", "Click “Set up this project” to give it an environment.")


def load_entries(registry: EnvironmentRegistry, being_made: frozenset[str] = frozenset()) -> list[EnvironmentEntry]:
    """Read every known project and environment and their health from disk.

    On a worker thread, except once before the window's first paint (a few small files and
    ``stat`` calls per row: the list is shown at once, not a moment after the window).

    Projects come first, each with the environment it uses; a project's own ``.venv`` is its
    project's row, not a row of its own.  A project whose ``.venv`` was made outside Venvdesk
    since is shown with it; one whose ``.venv`` is still ``being_made`` (a set-up running) is not
    set up yet.
    """
    entries = []
    claimed: set[str] = set()
    for record in registry.project_records():
        environment_path = record.environment
        if (
            environment_path is None
            and str(record.own_environment) not in being_made
            and (record.own_environment / "pyvenv.cfg").is_file()
        ):
            environment_path = record.own_environment
            record = dataclasses.replace(record, environment=environment_path)
        own = environment_path is not None and environment_path.parent == record.folder
        # A project's own environment is its project's row, also when it is gone (deleted outside
        # Venvdesk, or a set-up that did not finish): never a row of its own.
        claimed.add(os.path.realpath(record.own_environment))
        if own and environment_path is not None:
            claimed.add(os.path.realpath(environment_path))
        if environment_path is None or (own and not (environment_path / "pyvenv.cfg").is_file()):
            entries.append(EnvironmentEntry(Environment(record.own_environment), NOT_SET_UP, record, set_up=False))
            continue
        environment = Environment.load(environment_path)
        entries.append(EnvironmentEntry(environment, environment.health(), record))
    for path in registry.environment_paths():
        if os.path.realpath(path) in claimed:
            continue
        environment = Environment.load(path)
        entries.append(EnvironmentEntry(environment, environment.health()))
    return entries


def shown_path(path: Path) -> str:
    """``path`` with the home folder written as ``~`` (shorter, and the same on every screen)."""
    home = os.path.expanduser("~")
    text = str(path)
    if home not in ("", "~", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text


def name_text(entry: EnvironmentEntry) -> str:
    """The Name column: an environment's name, or a project's name with its folder on a second line."""
    if entry.project is not None:
        return f"{entry.name}\n{shown_path(entry.project.folder)}"
    return entry.environment.name


def python_text(entry: EnvironmentEntry) -> str:
    """The Python column: the environment's Python version ("" for a project not set up yet)."""
    if not entry.set_up:
        return ""
    return entry.environment.short_version or "?"


def row_icon(entry: EnvironmentEntry) -> QIcon:
    """A folder for a project not set up yet; else whether the environment is ready or broken."""
    if not entry.set_up:
        return icons.action_icon("open-folder")
    return icons.health_icon(entry.health.ok)
