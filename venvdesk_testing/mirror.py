"""Real wheels from this machine's wheel mirror, for tests that need real packages (``ipykernel``).

pip's configuration on a machine may name local indexes and folders (``extra-index-url =
file:///opt/pypi/simple``, ``find-links = /opt/wheels``).  :func:`download_closure` asks pip to
download a requirement and everything it needs, as wheels for the running Python, from those
local places only (pip's own configuration switched off, so nothing reaches the internet).  The
wheels can then be served by :func:`~venvdesk_testing.index.build_index` and
:class:`~venvdesk_testing.server.LocalIndexServer`.  Without a local mirror, or when it lacks a
wheel, the result says why, so a test can skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from venvdesk_testing.failing import _local_path, _pip_config_values
from venvdesk_testing.isolation import hermetic_pip_env

__all__ = ["Download", "download_closure", "local_mirrors"]


@dataclass(frozen=True)
class Download:
    wheels: tuple[Path, ...] = ()
    # Why nothing could be downloaded ("" when ``wheels`` holds the closure).
    problem: str = ""
    indexes: tuple[str, ...] = field(default=())


def local_mirrors(env: Mapping[str, str] | None = None) -> tuple[list[str], list[Path]]:
    """(``file://`` simple indexes, find-links folders) that pip is set up with on this machine."""
    variables = os.environ if env is None else env
    indexes: list[str] = []
    folders: list[Path] = []
    for value in _pip_config_values(variables):
        path = _local_path(value)
        if path is None or not path.is_dir():
            continue
        if any(child.is_dir() and (child / "index.html").is_file() for child in _first_entries(path)):
            url = path.resolve().as_uri()
            if url not in indexes:
                indexes.append(url)
        elif path not in folders:
            folders.append(path)
    return indexes, folders


def _first_entries(path: Path, limit: int = 50) -> list[Path]:
    entries = []
    try:
        for entry in path.iterdir():
            entries.append(entry)
            if len(entries) >= limit:
                break
    except OSError:
        pass
    return entries


def download_closure(
    requirements: Sequence[str],
    destination: Path,
    *,
    python: str = sys.executable,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> Download:
    """Download ``requirements`` and their dependencies as wheels for ``python``, from local mirrors only."""
    indexes, folders = local_mirrors(env)
    if not indexes and not folders:
        return Download(problem="pip's configuration on this machine names no local wheel mirror")
    destination.mkdir(parents=True, exist_ok=True)
    args = [python, "-m", "pip", "download", *requirements, "--dest", str(destination), "--only-binary=:all:"]
    args += ["--no-cache-dir", "--disable-pip-version-check", "--no-input"]
    if indexes:
        args += ["--index-url", indexes[0]]
        for url in indexes[1:]:
            args += ["--extra-index-url", url]
    else:
        args.append("--no-index")
    for folder in folders:
        args += ["--find-links", str(folder)]
    pip_env = hermetic_pip_env(env)  # no configuration file: only the places named above
    pip_env.pop("PIP_INDEX_URL", None)
    try:
        completed = subprocess.run(args, env=pip_env, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Download(problem=f"pip download did not finish: {exc}", indexes=tuple(indexes))
    if completed.returncode != 0:
        tail = " ".join(completed.stderr.strip().splitlines()[-3:])
        return Download(problem=f"the local mirror cannot serve {' '.join(requirements)}: {tail}", indexes=tuple(indexes))
    wheels = tuple(sorted(destination.glob("*.whl")))
    if not wheels:
        return Download(problem="pip download gave no wheels", indexes=tuple(indexes))
    return Download(wheels, indexes=tuple(indexes))
