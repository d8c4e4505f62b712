"""The pip wheels Pythons carry with them (ensurepip's, Debian's python-wheels): pip without a network.

Used by the tests (to seed environments and fill the local index) and by ``--self-test`` (to give
the environment it creates pip the quick way, as the app does with its cached wheel).
"""

from __future__ import annotations

import contextlib
import glob
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

DEBIAN_WHEELS = "/usr/share/python-wheels"


def pip_wheels_of(python: str, env: Mapping[str, str] | None = None) -> list[Path]:
    """pip wheels that ``python`` carries (its ensurepip's, or Debian's python-wheels)."""
    folders = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        completed = subprocess.run(
            [python, "-I", "-c", "import ensurepip, os; print(os.path.dirname(ensurepip.__file__))"],
            capture_output=True,
            timeout=20,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ if env is None else env),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        if completed.returncode == 0:
            folders.append(os.path.join(completed.stdout.decode("utf-8", "replace").strip(), "_bundled"))
    folders.append(DEBIAN_WHEELS)
    found: list[Path] = []
    for folder in folders:
        found += [Path(p) for p in sorted(glob.glob(os.path.join(glob.escape(folder), "pip-*-py3-none-any.whl")))]
    return found


def machine_pip_wheels() -> list[Path]:
    """pip wheels that ship with Pythons on this machine (ensurepip's, pyenv's, Debian's), oldest first.

    Only wheels that support the running Python are kept.  The newest one seeds test
    environments (pip >= 24.1 reports progress as numbers); a local index serves them all,
    so pip can be upgraded from it.
    """
    import ensurepip

    from packaging.version import Version

    patterns = [
        str(Path(ensurepip.__file__).parent / "_bundled" / "pip-*-py3-none-any.whl"),
        str(Path.home() / ".pyenv" / "versions" / "*" / "lib" / "python3*" / "ensurepip" / "_bundled" / "pip-*-py3-none-any.whl"),
        os.path.join(DEBIAN_WHEELS, "pip-*-py3-none-any.whl"),
    ]
    by_version: dict[Version, Path] = {}
    for pattern in patterns:
        for found in glob.glob(pattern):
            version = Version(Path(found).name.split("-")[1])
            if version >= Version("22") and (sys.version_info < (3, 14) or version >= Version("24")):
                by_version.setdefault(version, Path(found))
    return [by_version[v] for v in sorted(by_version)]
