"""Where the app keeps its state, and how it writes it without losing it.

All paths come from platformdirs, so setting ``XDG_CONFIG_HOME``,
``XDG_DATA_HOME``, ``XDG_CACHE_HOME`` and ``XDG_STATE_HOME`` isolates a run
completely (the tests rely on this).  Files are written atomically: a temporary
file in the same folder, fsync, then ``os.replace``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "venvdesk"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_environments_dir() -> Path:
    """The folder new environments go to unless the person picks another."""
    return data_dir() / "envs"


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never half.

    A symbolic link keeps pointing where it did (its target is replaced), and the file keeps its
    permissions (a new one gets the usual ones, not ``mkstemp``'s owner-only 0600).
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, document: Any) -> None:
    write_text_atomic(path, json.dumps(document, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class LoadedDocument:
    """A versioned JSON document read from disk.

    ``data`` is ``None`` when the file did not exist.  ``recovered_to`` is set
    when the file was unreadable: it was moved aside to that path, and the app
    goes on with defaults while telling the person.
    """

    data: dict[str, Any] | None
    recovered_to: Path | None = None
    problem: str = ""


def load_versioned_json(path: Path, version: int) -> LoadedDocument:
    """Read ``{"version": N, ...}`` from ``path``; set a corrupt or foreign file aside as ``.bak``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedDocument(None)
    problem = ""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"it is not valid JSON ({exc})"
    else:
        if not isinstance(data, dict):
            problem = "it does not hold a JSON object"
        elif data.get("version") != version:
            problem = f"it has version {data.get('version')!r}, this app reads version {version}"
        else:
            return LoadedDocument(data)
    backup = path.with_name(path.name + ".bak")
    if backup.exists():  # keep an earlier copy set aside too
        backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
    os.replace(path, backup)
    return LoadedDocument(None, recovered_to=backup, problem=problem)
