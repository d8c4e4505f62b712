"""Opening a terminal in an environment's folder, per OS (no shell strings: program + argv)."""

from __future__ import annotations

import os
import shutil
import sys

from core.commands import Command
from core.environments import Environment, Layout

# Tried in order on Linux and the BSDs; each with the flag that sets its working folder.
_LINUX_TERMINALS = (
    ("x-terminal-emulator", ()),
    ("gnome-terminal", ("--working-directory={folder}",)),
    ("konsole", ("--workdir", "{folder}")),
    ("xfce4-terminal", ("--working-directory={folder}",)),
    ("kitty", ("--directory", "{folder}")),
    ("alacritty", ("--working-directory", "{folder}")),
    ("xterm", ()),
)


def terminal_command(environment: Environment, platform: str = sys.platform) -> Command | None:
    """A command that opens a terminal in the environment's project folder, or None if none is found."""
    folder = environment.project_folder
    description = f"Open a terminal in {folder}"
    if platform == "win32":
        activate = Layout(environment.path, windows=True).bin_dir / "activate.bat"
        return Command("cmd.exe", ("/K", str(activate)), description, cwd=str(folder))
    if platform == "darwin":
        return Command("open", ("-a", "Terminal", str(folder)), description, cwd=str(folder))
    preferred = os.environ.get("TERMINAL")
    candidates = ([(preferred, ())] if preferred else []) + list(_LINUX_TERMINALS)
    for program, args in candidates:
        found = shutil.which(program)
        if found:
            return Command(found, tuple(a.format(folder=folder) for a in args), description, cwd=str(folder))
    return None

