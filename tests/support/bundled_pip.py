"""The pip wheels that Pythons on this machine carry with them (no network needed)."""

from __future__ import annotations

import glob
import sys
from pathlib import Path


def bundled_pip_wheels() -> list[Path]:
    """pip wheels that ship with Pythons on this machine (ensurepip's, Debian's), oldest first.

    Only wheels that support the running Python are kept.  The newest one seeds
    test environments (pip >= 24.1 reports progress as numbers); the index
    serves them all, so pip can be upgraded from it.
    """
    import ensurepip

    from packaging.version import Version

    patterns = [
        str(Path(ensurepip.__file__).parent / "_bundled" / "pip-*-py3-none-any.whl"),
        str(Path.home() / ".pyenv" / "versions" / "*" / "lib" / "python3*" / "ensurepip" / "_bundled" / "pip-*-py3-none-any.whl"),
        "/usr/share/python-wheels/pip-*-py3-none-any.whl",
    ]
    by_version: dict[Version, Path] = {}
    for pattern in patterns:
        for found in glob.glob(pattern):
            version = Version(Path(found).name.split("-")[1])
            if version >= Version("22") and (sys.version_info < (3, 14) or version >= Version("24")):
                by_version.setdefault(version, Path(found))
    return [by_version[v] for v in sorted(by_version)]
