"""Virtual environments: what one is, whether it is healthy, and which ones the app knows.

An environment is a folder holding ``pyvenv.cfg``.  Everything about it that
the app shows (its Python version, its base interpreter, its health) is read
from that file and the folder's layout; nothing here starts a process except
:func:`interpreter_starts`, which the GUI calls off the UI thread.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from core import storage
from core.errors import InvalidInput

REGISTRY_VERSION = 2
# The old folder of an environment being re-created waits beside it under this suffix
# (``core/recreate.py``): never listed as an environment of its own.
ASIDE_SUFFIX = ".venvdesk-previous"
IS_WINDOWS = sys.platform == "win32"
# Characters Windows forbids in file names; refused everywhere so that an
# environment made on one OS can be named the same on another.
_ILLEGAL_NAME_CHARACTERS = set('<>:"/\\|?*')
_MAX_NAME_LENGTH = 100
# Characters a shell interprets inside the double quotes an environment's path is put in: by the
# activate scripts of a Python without the CVE-2024-9287 fix (bash, zsh, fish, csh), by
# activate.bat (cmd) and by the PowerShell activation command.  In a folder's path they make
# activation run code ("`touch x`", "$(touch x)") or use another folder ("price$5" → "price").
_SHELL_CHARACTERS = {
    "$": "a shell reads it as the start of a variable or a command",
    "`": "a shell runs what follows it as a command",
    '"': "it ends the quotes the path is put in",
    "\\": "a shell reads it as an escape",
    "!": "bash and csh read it as a history command",
    "%": "the Windows Command Prompt reads it as the start of a variable",
    "\u201c": "PowerShell reads it as a quote",
    "\u201d": "PowerShell reads it as a quote",
    "\u201e": "PowerShell reads it as a quote",
}
# Folder names that mark a project's own environment ("myproject/.venv").
PROJECT_ENVIRONMENT_NAMES = (".venv", "venv", "env")
# The folder a project's own environment is made in.
PROJECT_ENVIRONMENT = ".venv"


def version_tuple(version: str) -> tuple[int, ...]:
    """``"3.12.1"`` → ``(3, 12, 1)``; ``"24.1b1"`` → ``(24, 1)``; stops at the first part without digits."""
    parts = []
    for piece in version.split(".")[:3]:
        digits = ""
        for character in piece:
            if not character.isdigit():
                break
            digits += character
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def bin_dir_name(windows: bool = IS_WINDOWS) -> str:
    return "Scripts" if windows else "bin"


@dataclass(frozen=True)
class Layout:
    """Where things are inside an environment folder on one OS (the one place that knows it).

    Like virtualenv's ``Describe``: ``bin``/``Scripts``, ``python``/``python.exe``,
    ``lib/pythonX.Y/site-packages`` or ``Lib/site-packages``.
    """

    root: Path
    windows: bool = IS_WINDOWS

    @property
    def bin_dir(self) -> Path:
        return self.root / bin_dir_name(self.windows)

    @property
    def python(self) -> Path:
        return self.bin_dir / ("python.exe" if self.windows else "python")

    def expected_site_packages(self, python_version: str | tuple[int, ...]) -> Path:
        """Where ``site-packages`` is for a Python of this version (the folder may not exist yet)."""
        if self.windows:
            return self.root / "Lib" / "site-packages"
        version = version_tuple(python_version) if isinstance(python_version, str) else python_version
        return self.root / "lib" / "python{}.{}".format(*version[:2]) / "site-packages"

    def find_site_packages(self, python_version: str = "") -> Path | None:
        """The existing ``site-packages`` folder (``lib`` or ``lib64``; any Python if the version is unknown)."""
        if self.windows:
            candidate = self.root / "Lib" / "site-packages"
            return candidate if candidate.is_dir() else None
        version = version_tuple(python_version)
        for lib in ("lib", "lib64"):
            if len(version) >= 2:
                candidate = self.root / lib / "python{}.{}".format(*version[:2]) / "site-packages"
                if candidate.is_dir():
                    return candidate
            for candidate in sorted((self.root / lib).glob("python*/site-packages")):
                return candidate
        return None


def read_pyvenv_cfg(path: Path) -> dict[str, str]:
    """``key = value`` lines of a ``pyvenv.cfg`` (keys lower-cased, as venv itself reads them)."""
    config: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            key, sep, value = line.partition("=")
            if sep:
                config[key.strip().lower()] = value.strip()
    return config


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str = ""
    hint: str = ""


HEALTHY = Health(True)


@dataclass(frozen=True)
class Environment:
    path: Path
    config: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Environment:
        """Read an environment folder; a missing or unreadable ``pyvenv.cfg`` gives an empty config."""
        folder = Path(path)
        try:
            config = read_pyvenv_cfg(folder / "pyvenv.cfg")
        except OSError:
            config = {}
        return cls(folder, config)

    @property
    def is_project_environment(self) -> bool:
        return self.path.name in PROJECT_ENVIRONMENT_NAMES

    @property
    def name(self) -> str:
        # A project's ".venv" is better known by its project's name.
        if self.is_project_environment and self.path.parent.name:
            return f"{self.path.parent.name}/{self.path.name}"
        return self.path.name

    @property
    def project_folder(self) -> Path:
        """Where the person works: the project around a ``.venv``, else the environment itself."""
        return self.path.parent if self.is_project_environment else self.path

    @property
    def version(self) -> str:
        """Python version from ``pyvenv.cfg`` (``version_info`` on 3.11+, ``version`` before)."""
        return self.config.get("version_info") or self.config.get("version", "")

    @property
    def short_version(self) -> str:
        return ".".join(self.version.split(".")[:3])

    @property
    def home(self) -> str:
        return self.config.get("home", "")

    @property
    def prompt(self) -> str:
        return self.config.get("prompt", "").strip("'\"")

    @property
    def include_system_site_packages(self) -> bool:
        return self.config.get("include-system-site-packages", "false").lower() == "true"

    @property
    def layout(self) -> Layout:
        return Layout(self.path)

    @property
    def python_version(self) -> tuple[int, ...]:
        return version_tuple(self.version)

    @property
    def bin_dir(self) -> Path:
        return self.layout.bin_dir

    @property
    def python(self) -> Path:
        return self.layout.python

    def site_packages(self) -> Path | None:
        """The environment's ``site-packages`` folder, found from the layout (no process)."""
        return self.layout.find_site_packages(self.version)

    def health(self) -> Health:
        """Whether the environment can be used, and if not, why (files only, no process)."""
        if not self.path.is_dir():
            return Health(False, f"The folder {self.path} is gone.", "Remove it from the list.")
        if not (self.path / "pyvenv.cfg").is_file():
            return Health(
                False,
                "The folder has no pyvenv.cfg, so it is not a working virtual environment.",
                "Create a new environment, then install your packages into it.",
            )
        home = self.home
        if home and not Path(home).is_dir():
            return Health(
                False,
                f"The Python it was made from ({home}) is gone, probably removed by an upgrade.",
                "Create a new environment with a Python you have now, and install your packages again"
                " (save its requirements first if you can).",
            )
        if not (self.python.exists() or self.python.is_symlink()):
            return Health(False, f"Its Python ({self.python}) is missing.", "Recreate the environment.")
        if not os.path.exists(self.python):
            return Health(
                False,
                f"Its Python points to {os.readlink(self.python)}, which no longer exists"
                " (probably removed by an upgrade).",
                "Create a new environment with a Python you have now.",
            )
        return HEALTHY


def interpreter_starts(environment: Environment, timeout: float = 10.0) -> Health:
    """Start the environment's Python once (blocking: call it from a worker thread)."""
    import subprocess  # here: this module is imported before the window's first paint, subprocess is not needed then

    from core.commands import child_environment

    try:
        completed = subprocess.run(
            [str(environment.python), "-I", "-c", "import sys; print(sys.prefix)"],
            env=child_environment(),  # not a bundle's own LD_LIBRARY_PATH and the like
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Health(False, f"Its Python does not start: {exc}", "Recreate the environment.")
    if completed.returncode != 0:
        tail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return Health(
            False,
            f"Its Python exits with code {completed.returncode}: {' '.join(tail)}",
            "Recreate the environment.",
        )
    return HEALTHY


# -- validating a new environment's name and place ---------------------------------------


def _show_character(character: str) -> str:
    names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab"}
    if character in names:
        return names[character]
    if unicodedata.category(character) == "Cc":
        return f"the control character U+{ord(character):04X}"
    if character in "\u201c\u201d\u201e":
        return f"the curly quotation mark {character} (U+{ord(character):04X})"
    return f"“{character}”"


def _visible(text: str) -> str:
    """``text`` with control characters written as escapes (a line break would split the message)."""
    return "".join(
        repr(character)[1:-1] if unicodedata.category(character) == "Cc" else character for character in text
    )


def _why_dangerous(character: str) -> str:
    if character in _SHELL_CHARACTERS:
        return _SHELL_CHARACTERS[character]
    return "it ends or garbles the command line"


def _shell_character_in(text: str, windows: bool = True) -> str:
    """The first character of ``text`` a shell would interpret in a quoted path ("" when none).

    ``%`` only matters to the Windows Command Prompt; new names refuse it everywhere (``windows``
    true), like the characters Windows forbids, so that a name works on every system.
    """
    for character in text:
        if character == "%" and not windows:
            continue
        if character in _SHELL_CHARACTERS or unicodedata.category(character) == "Cc":
            return character
    return ""


def shell_character_in_path(path: str | os.PathLike[str], windows: bool = True) -> tuple[str, str]:
    """``(character, folder name)`` for the first character in ``path`` a shell would interpret.

    ``("", "")`` when the path is safe to activate.  Only the folder names are looked at, not the
    separators between them (``\\`` separates folders on Windows).
    """
    pure = path if isinstance(path, PurePath) else Path(path)
    anchor = pure.anchor
    for part in pure.parts:
        if part == anchor:
            continue
        character = _shell_character_in(part, windows)
        if character:
            return character, part
    return "", ""


def activation_warning(path: str | os.PathLike[str], windows: bool = IS_WINDOWS) -> str:
    """Why activating the environment at ``path`` in a terminal is unsafe ("" when it is safe).

    Its folder's path (or the prompt in its ``pyvenv.cfg``, which activate scripts put in quotes
    too) holds a character that a shell treats as code.
    """
    character, part = shell_character_in_path(path, windows)
    if character:
        where = f"in the folder name “{_visible(part)}” of {_visible(os.fspath(path))}"
    else:
        environment = Environment.load(path)
        character = _shell_character_in(environment.prompt, windows)
        where = f"in the prompt “{_visible(environment.prompt)}” set in its pyvenv.cfg" if character else ""
    if not character:
        return ""
    shown = _show_character(character)
    return (
        f"{shown[0].upper()}{shown[1:]} appears {where}, and {_why_dangerous(character)}:"
        " activating this environment in a terminal could run a command hidden in that name, or"
        " activate another folder. Move or rename the folder so that its path has no such"
        " character, or create a new environment and install its packages there."
    )


# Folders the kernel makes up (processes, devices, drivers): writable for root, never a place for files.
_SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")


def validate_new_environment(name: str, location: str | os.PathLike[str]) -> Path:
    """The folder a new environment would be created in, or :class:`InvalidInput` saying why not."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the environment a name.", reference="name-empty")
    if name in (".", ".."):
        raise InvalidInput(f"“{name}” cannot be used as a name.", reference="name-reserved")
    bad = sorted({c for c in name if c in _ILLEGAL_NAME_CHARACTERS or ord(c) < 32})
    if bad:
        shown = " ".join(repr(c)[1:-1] if ord(c) >= 32 else f"\\x{ord(c):02x}" for c in bad)
        raise InvalidInput(
            f"A name cannot contain {shown}. Use letters, digits, “-”, “_” or “.”.",
            reference="name-illegal-character",
        )
    character = _shell_character_in(name)
    if character:
        raise InvalidInput(
            f"A name cannot contain {_show_character(character)}: {_why_dangerous(character)}, so"
            " activating the environment in a terminal could run code or use another folder."
            " Use letters, digits, “-”, “_” or “.”.",
            reference="name-shell-character",
        )
    if name.startswith("-"):
        raise InvalidInput("A name cannot start with “-”.", reference="name-leading-dash")
    if name.endswith("."):  # spaces around the name were trimmed above
        raise InvalidInput("A name cannot end with a dot.", reference="name-trailing")
    if len(name) > _MAX_NAME_LENGTH:
        raise InvalidInput(
            f"The name is too long ({len(name)} characters; at most {_MAX_NAME_LENGTH}).",
            reference="name-too-long",
        )
    location_text = os.fspath(location).strip()
    if not location_text:
        raise InvalidInput("Choose a folder to create the environment in.", reference="location-empty")
    folder = Path(os.path.expanduser(location_text))
    if not folder.is_absolute():
        raise InvalidInput("The location must be a full path.", reference="location-relative")
    character, part = shell_character_in_path(folder)
    if character:
        raise InvalidInput(
            f"The location cannot contain {_show_character(character)}, and it does in the folder"
            f" name “{_visible(part)}” of {_visible(str(folder))}: {_why_dangerous(character)}, so"
            " activating the environment in a terminal could run code or use another folder."
            " Choose a folder whose path has no such character.",
            reference="location-shell-character",
        )
    target = folder / name
    text = str(target)
    if os.pathsep in text:
        raise InvalidInput(
            f"The path cannot contain “{os.pathsep}”: the environment would break PATH when activated.",
            reference="path-separator",
        )
    try:
        text.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:
        raise InvalidInput(
            "The path has characters this system cannot store in file names.",
            reference="path-encoding",
        ) from None
    if target.exists() or target.is_symlink():
        if target.is_dir() and not any(target.iterdir()):
            pass  # an empty folder is fine to create into
        else:
            raise InvalidInput(
                f"“{name}” already exists in {folder}. Choose another name.",
                reference="already-exists",
            )
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise InvalidInput(f"{existing} is a file, not a folder.", reference="location-not-folder")
    real = os.path.realpath(existing)
    if not IS_WINDOWS and any(_is_within(real, special) for special in _SYSTEM_FOLDERS):
        raise InvalidInput(
            f"{existing} is a special system folder, not a place for files."
            " Choose a folder in your home folder.",
            reference="location-system",
        )
    if name.startswith(".") and os.path.realpath(folder) == os.path.realpath(storage.default_environments_dir()):
        raise InvalidInput(
            f"Names starting with “.” are hidden, and Venvdesk's own folder does not list them."
            f" Give the environment a visible name (for example {name.lstrip('.') or 'homework'}).",
            reference="name-hidden",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInput(
            f"You do not have permission to create folders in {existing}.",
            reference="location-not-writable",
        )
    return target


# -- deleting ------------------------------------------------------------------------------


def _is_within(inner: str, outer: str) -> bool:
    """True when the real path ``inner`` is ``outer`` or below it (``/`` holds everything)."""
    inner, outer = os.path.normcase(inner), os.path.normcase(outer)
    try:
        return os.path.commonpath([inner, outer]) == outer
    except ValueError:  # different drives
        return False


def _home_folders() -> set[str]:
    homes = {os.path.expanduser("~")}
    with contextlib.suppress(RuntimeError, KeyError):
        homes.add(str(Path.home()))
    return {os.path.realpath(home) for home in homes if home and home != "~"}


def remove_half_made(target: Path, *, existed_before: bool) -> None:
    """Take away what an unfinished creation made in ``target``: the folder, or (when it was an empty
    folder before) only what is in it now.  Only for folders the app itself was creating."""
    if not target.exists():
        return
    if existed_before:
        for child in target.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    else:
        shutil.rmtree(target)


def deletion_refusal(path: str | os.PathLike[str], *, protected_prefixes: tuple[str, ...] = ()) -> str:
    """Why ``path`` must not be deleted ("" when it may go to the trash).

    Only folders holding ``pyvenv.cfg`` are ever deleted; never the
    environment the app itself runs from, nor a base interpreter's prefix, nor
    the home folder or a folder holding it (a stray ``pyvenv.cfg`` there does
    not make it an environment).
    """
    folder = Path(path)
    if not folder.is_dir() or folder.is_symlink():
        return f"{folder} is not a folder."
    real = os.path.realpath(folder)
    for home in _home_folders():
        if _is_within(home, real):
            what = "your home folder" if os.path.normcase(home) == os.path.normcase(real) else "a folder that holds your home folder"
            return f"{folder} is {what}. Venvdesk never moves it to the trash, even if it has a pyvenv.cfg."
    if not (folder / "pyvenv.cfg").is_file():
        return (
            f"{folder} has no pyvenv.cfg, so it is not a virtual environment."
            " Venvdesk only deletes virtual environments."
        )
    protected = {sys.prefix, sys.base_prefix, getattr(sys, "real_prefix", sys.base_prefix), *protected_prefixes}
    for prefix in protected:
        prefix_real = os.path.realpath(prefix)
        if os.path.normcase(real) == os.path.normcase(prefix_real):
            return f"{folder} is the Python installation Venvdesk itself runs from."
        if _is_within(prefix_real, real):
            return f"{folder} contains the Python installation Venvdesk itself runs from."
    return ""


# What venv, virtualenv, uv and pip put at the top of an environment.
_ENVIRONMENT_LAYOUT = {
    "bin", "Scripts", "lib", "lib64", "Lib", "include", "Include", "share", "etc", "man",
    "pyvenv.cfg", ".gitignore", "CACHEDIR.TAG", ".lock", "pip-selfcheck.json", "__pycache__",
}


def foreign_entries(path: str | os.PathLike[str]) -> list[str]:
    """Top-level names in an environment folder that venv did not make (a project made with ``venv .``)."""
    try:
        names = os.listdir(path)
    except OSError:
        return []
    return sorted(name for name in names if name not in _ENVIRONMENT_LAYOUT)


@dataclass(frozen=True)
class FolderSnapshot:
    """What a folder was when the person was asked about it: compared again right before acting.

    ``identity`` (device, inode) tells a folder swapped in under the same name from the one
    measured; ``real_path`` tells a path that now leads elsewhere.
    """

    real_path: str
    identity: tuple[int, int]
    foreign: tuple[str, ...]


def folder_snapshot(path: str | os.PathLike[str]) -> FolderSnapshot | None:
    """The folder as it is now (``None`` when it is gone or not a folder)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not os.path.isdir(path):
        return None
    return FolderSnapshot(os.path.realpath(path), (info.st_dev, info.st_ino), tuple(foreign_entries(path)))


def folder_change(before: FolderSnapshot | None, after: FolderSnapshot | None) -> str:
    """How the folder changed between two snapshots, as a sentence ("" when it did not)."""
    if before == after:
        return ""
    if after is None:
        return "The folder is gone."
    if before is None:
        return "The folder appeared."
    if before.real_path != after.real_path or before.identity != after.identity:
        return "It is not the same folder any more: another folder was put in its place."
    added = [name for name in after.foreign if name not in before.foreign]
    removed = [name for name in before.foreign if name not in after.foreign]
    parts = []
    if added:
        parts.append(f"it now also holds {_list_names(added)}")
    if removed:
        parts.append(f"{_list_names(removed)} {'is' if len(removed) == 1 else 'are'} no longer in it")
    return ("The folder changed: " + " and ".join(parts) + ".") if parts else "The folder changed."


def _list_names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(_visible(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def folder_size(path: str | os.PathLike[str]) -> int:
    """Bytes used by the files below ``path`` (links not followed).  Blocking: use a worker."""
    total = 0
    stack = [os.fspath(path)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover


# -- activation ----------------------------------------------------------------------------


def activation_command(environment: Environment, shell: str | None = None, windows: bool = IS_WINDOWS) -> str:
    """The line that activates ``environment`` in the person's shell."""
    bin_dir = Layout(environment.path, windows).bin_dir
    if windows:
        shell = (shell or "powershell").lower()
        if "cmd" in shell:
            return f'"{bin_dir / "activate.bat"}"'
        return f'& "{bin_dir / "Activate.ps1"}"'
    shell_name = Path(shell or os.environ.get("SHELL", "bash")).name
    script = {"fish": "activate.fish", "csh": "activate.csh", "tcsh": "activate.csh"}.get(shell_name, "activate")
    import shlex  # here, like subprocess: not needed before the window's first paint

    return f"source {shlex.quote(str(bin_dir / script))}"


# -- the list of environments the app knows ------------------------------------------------


def registry_path() -> Path:
    return storage.config_dir() / "environments.json"


def _strings(value: object) -> list[str]:
    """The text items of a list read from JSON; anything else (null, a number, a string) is empty."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _projects(value: object) -> dict[str, str]:
    """``{project folder: environment path or ""}`` from the JSON ``projects`` table (bad items dropped)."""
    if not isinstance(value, dict):
        return {}
    projects: dict[str, str] = {}
    for folder, record in value.items():
        if not isinstance(folder, str) or not folder:
            continue
        environment = record.get("environment") if isinstance(record, dict) else None
        projects[folder] = environment if isinstance(environment, str) else ""
    return projects


def _projects_json(projects: dict[str, str]) -> dict[str, dict[str, str]]:
    return {folder: {"environment": environment} for folder, environment in projects.items()}


def _merged(on_disk: list[str], before: list[str], now: list[str]) -> list[str]:
    """``on_disk`` with this instance's changes (``before`` → ``now``) applied: others' changes are kept."""
    removed = set(before) - set(now)
    merged = [item for item in on_disk if item not in removed]
    merged += [item for item in now if item not in before and item not in merged]
    return merged


def _merged_mapping(on_disk: dict[str, str], before: dict[str, str], now: dict[str, str]) -> dict[str, str]:
    """Like :func:`_merged` for a table: keys this instance removed go, keys it added or changed are set."""
    merged = {key: value for key, value in on_disk.items() if not (key in before and key not in now)}
    for key, value in now.items():
        if before.get(key) != value or key not in before:
            merged[key] = value
    return merged


def migrate_registry(document: dict[str, object]) -> dict[str, object]:
    """A registry document of an older version as the current version reads it.

    Version 1 (``added``, ``hidden``) had no projects: version 2 adds an empty ``projects`` table.
    """
    if document.get("version") == 1:
        return {**document, "version": 2, "projects": {}}
    return document


def _migrate_file(path: Path) -> None:
    """Rewrite a registry file of an older version in the current version, under the file's lock.

    A file that is not an older version (the current one, a newer one, a corrupt one) is left
    alone: reading it decides what happens to it.
    """
    import json

    try:
        raw = path.read_bytes()
    except OSError:
        return
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return
    if not isinstance(document, dict) or document.get("version") not in _OLDER_REGISTRY_VERSIONS:
        return
    with storage.locked(path):
        try:
            document = json.loads(path.read_bytes().decode("utf-8"))  # again, under the lock
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return
        if isinstance(document, dict) and document.get("version") in _OLDER_REGISTRY_VERSIONS:
            storage.write_json_atomic(path, migrate_registry(document))


_OLDER_REGISTRY_VERSIONS = (1,)


@dataclass(frozen=True)
class ProjectRecord:
    """A project folder the person opened, and the environment it uses (``None``: not set up yet).

    Here rather than in :mod:`core.projects` (which imports it from here): the list of environments
    and projects is read before the window's first paint, without that module and ``packaging``.
    """

    folder: Path
    environment: Path | None = None

    @property
    def name(self) -> str:
        return self.folder.name or str(self.folder)

    @property
    def own_environment(self) -> Path:
        """Where its own environment is made: ``<project>/.venv``."""
        return self.folder / PROJECT_ENVIRONMENT

    def uses_own_environment(self) -> bool:
        return self.environment is not None and self.environment.parent == self.folder


@dataclass
class EnvironmentRegistry:
    """The environments the app shows: those in its default folder plus the ones the person added,
    and the projects the person opened with the environment each uses.

    Kept as ``{"version": 2, "added": [...], "hidden": [...], "projects": {folder: {"environment":
    path}}}`` in the config folder.  ``hidden`` lists default-folder environments the person
    removed from the list without deleting them; a project's ``environment`` is ``""`` until it
    is set up.  A version-1 file (no projects) is rewritten as version 2 when it is read.

    Another Venvdesk may change the same file: :meth:`save` reads it again under
    a lock and applies only what this instance changed since it last read or
    wrote it (added, removed, forgotten), so both instances' changes are kept.
    """

    added: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    # Project folder -> the environment it uses ("" when not set up yet).
    projects: dict[str, str] = field(default_factory=dict)
    path: Path = field(default_factory=registry_path)
    # Set when the file on disk could not be read and was set aside.
    problem: str = ""
    # The lists as last read or written (what this instance's changes are measured against).
    _saved_added: list[str] = field(default_factory=list, repr=False, compare=False)
    _saved_hidden: list[str] = field(default_factory=list, repr=False, compare=False)
    _saved_projects: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> EnvironmentRegistry:
        path = path or registry_path()
        # When the older file cannot be rewritten now (its lock held too long), it is read as it is:
        # it is then set aside and the person told, as for any file this version cannot read.
        with contextlib.suppress(OSError):
            _migrate_file(path)
        loaded = storage.load_versioned_json(path, REGISTRY_VERSION)
        registry = cls(path=path)
        if loaded.recovered_to is not None:
            registry.problem = (
                f"The list of environments could not be read ({loaded.problem}). It was set aside as"
                f" {loaded.recovered_to} and Venvdesk started with the environments in its own folder."
            )
        elif loaded.data is not None:
            registry._take(loaded.data)
        registry._remember_saved()
        return registry

    def _take(self, data: dict[str, object]) -> None:
        self.added = _strings(data.get("added"))
        self.hidden = _strings(data.get("hidden"))
        self.projects = _projects(data.get("projects"))

    def _remember_saved(self) -> None:
        self._saved_added = list(self.added)
        self._saved_hidden = list(self.hidden)
        self._saved_projects = dict(self.projects)

    def _unsaved(self) -> bool:
        return (
            self.added != self._saved_added
            or self.hidden != self._saved_hidden
            or self.projects != self._saved_projects
        )

    def _sync(self) -> None:
        """Take what another instance saved since, unless this one has changes of its own not yet saved."""
        if self._unsaved():
            return  # save() merges them
        try:
            _migrate_file(self.path)
            loaded = storage.load_versioned_json(self.path, REGISTRY_VERSION)
        except OSError:
            return
        if loaded.data is not None:
            self._take(loaded.data)
            self._remember_saved()

    def reload(self) -> None:
        """Take what another Venvdesk saved since (this instance's unsaved changes are kept)."""
        self._sync()

    def save(self) -> None:
        """Apply this instance's changes to the file as it is now (under its lock), then take the result."""

        def merge(current: dict[str, object] | None) -> dict[str, object]:
            data = current or {}
            return {
                "version": REGISTRY_VERSION,
                "added": _merged(_strings(data.get("added")), self._saved_added, self.added),
                "hidden": _merged(_strings(data.get("hidden")), self._saved_hidden, self.hidden),
                "projects": _projects_json(
                    _merged_mapping(_projects(data.get("projects")), self._saved_projects, self.projects)
                ),
            }

        _migrate_file(self.path)
        document = storage.update_json(self.path, REGISTRY_VERSION, merge)
        self._take(document)
        self._remember_saved()

    def environment_paths(self) -> list[Path]:
        """Every known environment folder: the default folder's, then the added ones (may not exist)."""
        seen: set[str] = set()
        found: list[Path] = []
        default = storage.default_environments_dir()
        hidden = {os.path.realpath(p) for p in self.hidden}
        if default.is_dir():
            for child in sorted(default.iterdir(), key=lambda p: p.name.lower()):
                real = os.path.realpath(child)
                if (child / "pyvenv.cfg").is_file() and real not in hidden and not child.name.endswith(ASIDE_SUFFIX):
                    found.append(child)
                    seen.add(real)
        for text in self.added:
            real = os.path.realpath(text)
            if real not in seen:
                seen.add(real)
                found.append(Path(text))
        return found

    def add(self, folder: str | os.PathLike[str]) -> Path:
        """Remember an existing environment, or a project folder whose ``.venv`` is one."""
        path = Path(folder).expanduser()
        if not (path / "pyvenv.cfg").is_file():
            for name in PROJECT_ENVIRONMENT_NAMES:
                if (path / name / "pyvenv.cfg").is_file():
                    path = path / name
                    break
            else:
                raise InvalidInput(
                    f"{path} is not a virtual environment (it has no pyvenv.cfg), and it has no"
                    " .venv folder inside.",
                    reference="not-an-environment",
                )
        text = str(path.resolve())
        self._sync()
        if text in self.hidden:
            self.hidden.remove(text)
        elif text not in self.added and not self._in_default_folder(path):
            self.added.append(text)
        self.save()
        return Path(text)

    def remove(self, folder: str | os.PathLike[str]) -> None:
        """Forget an environment without touching its files."""
        text = str(Path(folder))
        resolved = str(Path(folder).resolve())
        self._sync()
        self.added = [p for p in self.added if p not in (text, resolved)]
        if self._in_default_folder(Path(folder)) and resolved not in self.hidden:
            self.hidden.append(resolved)
        self.save()

    def forget_deleted(self, folder: str | os.PathLike[str]) -> None:
        """Drop a folder that was moved to the trash from every list."""
        texts = {str(Path(folder)), os.path.realpath(folder)}
        self._sync()
        self.added = [p for p in self.added if p not in texts]
        self.hidden = [p for p in self.hidden if p not in texts]
        for project, environment in list(self.projects.items()):
            if environment in texts:
                self.projects[project] = ""  # the project stays, not set up any more
        self.save()

    @staticmethod
    def _in_default_folder(path: Path) -> bool:
        default = os.path.realpath(storage.default_environments_dir())
        return os.path.dirname(os.path.realpath(path)) == default

    # -- projects ------------------------------------------------------------------------------

    def project_records(self) -> list[ProjectRecord]:
        """Every remembered project, by name."""
        records = [
            ProjectRecord(Path(folder), Path(environment) if environment else None)
            for folder, environment in self.projects.items()
        ]
        return sorted(records, key=lambda record: (record.name.lower(), str(record.folder)))

    def project(self, folder: str | os.PathLike[str]) -> ProjectRecord | None:
        key = os.path.realpath(folder)
        if key not in self.projects:
            return None
        environment = self.projects[key]
        return ProjectRecord(Path(key), Path(environment) if environment else None)

    def remember_project(self, folder: str | os.PathLike[str], environment: str | os.PathLike[str] | None = None) -> Path:
        """Remember a project folder and the environment it uses (``None`` keeps what was known).

        An environment outside the default folder is remembered in the list too.
        """
        key = os.path.realpath(folder)
        self._sync()
        if environment is not None:
            text = os.path.realpath(environment)
            self.projects[key] = text
            if text in self.hidden:
                self.hidden.remove(text)
            elif text not in self.added and not self._in_default_folder(Path(text)):
                self.added.append(text)
        else:
            self.projects.setdefault(key, "")
        self.save()
        return Path(key)

    def forget_project_environment(self, folder: str | os.PathLike[str], environment: str | os.PathLike[str]) -> bool:
        """The project at ``folder`` no longer uses ``environment`` (it is gone, or was never made):
        it is not set up any more.  Its own environment leaves the list too.  False when the
        project used another environment (nothing is changed then)."""
        key = os.path.realpath(folder)
        text = os.path.realpath(environment)
        self._sync()
        if self.projects.get(key) != text:
            return False
        self.projects[key] = ""
        if os.path.dirname(text) == key and not any(used == text for used in self.projects.values()):
            self.added = [p for p in self.added if p != text]
        self.save()
        return True

    def projects_using(self, environment: str | os.PathLike[str]) -> list[Path]:
        """The remembered projects that use ``environment``, by name."""
        text = os.path.realpath(environment)
        users = [Path(folder) for folder, used in self.projects.items() if used == text]
        return sorted(users, key=lambda folder: (folder.name.lower(), str(folder)))

    def forget_project(self, folder: str | os.PathLike[str]) -> None:
        """Forget a project (its files and its environment are untouched; its own .venv leaves the list too)."""
        key = os.path.realpath(folder)
        self._sync()
        environment = self.projects.pop(key, "")
        if environment and os.path.dirname(environment) == key:
            self.added = [p for p in self.added if p != environment]
        self.save()

    def project_of(self, environment: str | os.PathLike[str]) -> Path | None:
        """The project that uses ``environment`` (its own one first), if any."""
        text = os.path.realpath(environment)
        users = [folder for folder, used in self.projects.items() if used == text]
        users.sort(key=lambda folder: os.path.dirname(text) != folder)
        return Path(users[0]) if users else None
