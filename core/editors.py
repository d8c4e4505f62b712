"""Code editors on this computer that can open a project folder (VS Code, PyCharm, Thonny).

Only the programs' names on PATH are looked at; nothing is run here and no editor's settings
file is read or written: VS Code and PyCharm find ``<project>/.venv`` by themselves.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.commands import Command


@dataclass(frozen=True)
class Editor:
    name: str  # "VS Code"
    program: str  # the program found on PATH
    # How it picks the project's environment, in a sentence.
    picks_environment: str

    def open_command(self, folder: str | os.PathLike[str]) -> Command:
        """The command that opens ``folder`` in this editor (program + argv, no shell)."""
        return Command(self.program, (os.fspath(folder),), f"Opening the project in {self.name}", cwd=os.fspath(folder))

    @property
    def action_text(self) -> str:
        return f"Open in {self.name}"


# (name, programs to look for in order, how it finds the environment)
KNOWN_EDITORS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "VS Code",
        ("code", "codium"),
        "VS Code picks the project's .venv by itself (with the Python extension installed).",
    ),
    (
        "PyCharm",
        ("pycharm", "pycharm.sh", "pycharm-community", "pycharm-professional", "charm", "pycharm64.exe"),
        "PyCharm offers the project's .venv as its interpreter when it opens the folder.",
    ),
    (
        "Thonny",
        ("thonny",),
        "In Thonny choose Run ▸ Configure interpreter and pick the Python inside the project's .venv.",
    ),
)


def find_editors(path: str | None = None) -> list[Editor]:
    """The editors found on ``path`` (default: PATH), in the order of :data:`KNOWN_EDITORS`."""
    found = []
    for name, programs, picks in KNOWN_EDITORS:
        for program in programs:
            located = shutil.which(program, path=path)
            if located:
                found.append(Editor(name, str(Path(located)), picks))
                break
    return found
