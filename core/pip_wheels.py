"""The pip wheel the app keeps so that new environments get a current pip without the network.

``python -m venv`` bootstraps the (old) pip bundled with the interpreter via
ensurepip, which takes seconds.  Venvdesk instead creates the environment
``--without-pip`` and unpacks the newest pip wheel from this cache
(``core/seed_pip.py``).  The cache is refreshed in the background from the
configured index; creation never waits for the network once a wheel is here.
An environment that got an older pip (the one its Python carries, when the cache was still
empty) is brought up to the cached wheel later, in the background (:func:`pip_update_for`).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import pypi, storage
from core.commands import redact

if TYPE_CHECKING:
    from packaging.version import Version

_PIP_WHEEL = re.compile(r"^pip-(?P<version>[^-]+)-py3-none-any\.whl$")
_PIP_DIST_INFO = re.compile(r"^pip-(?P<version>[^-]+)\.dist-info$", re.IGNORECASE)
REFRESH_AFTER_SECONDS = 24 * 3600
UNREADABLE = "<0"  # the Requires-Python of a wheel that cannot be read: admits no Python


def pip_wheel_dir() -> Path:
    return storage.cache_dir() / "pip-wheels"


def _requires_python(wheel: Path) -> str:
    try:
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            for line in archive.read(name).decode("utf-8", "replace").splitlines():
                if not line:
                    break
                if line.lower().startswith("requires-python:"):
                    return line.split(":", 1)[1].strip()
    except (OSError, zipfile.BadZipFile, StopIteration):
        return UNREADABLE  # never choose it
    return ""


def _admits(requires_python: str, python_version: tuple[int, ...]) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(".".join(map(str, python_version)), prereleases=True)
    except InvalidSpecifier:
        return False


def _cached_wheels(folder: Path) -> list[tuple[Version, Path]]:
    """The pip wheels in ``folder`` with their versions (those with an unreadable version left out)."""
    from packaging.version import InvalidVersion, Version

    wheels = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        match = _PIP_WHEEL.match(name)
        if not match:
            continue
        try:
            wheels.append((Version(match.group("version")), folder / name))
        except InvalidVersion:
            continue
    return wheels


def cached_pip_wheel(python_version: tuple[int, ...], folder: Path | None = None) -> Path | None:
    """The newest cached pip wheel that supports ``python_version``, if any."""
    candidates = _cached_wheels(folder or pip_wheel_dir())
    for _version, path in sorted(candidates, reverse=True):
        if _admits(_requires_python(path), python_version):
            return path
    return None


# Where distributions keep the wheels ensurepip would install, when they moved them out of Python's
# own ``ensurepip/_bundled`` folder (Debian and Ubuntu: the python3-pip-whl package).
DISTRIBUTION_WHEEL_FOLDERS = ("/usr/share/python-wheels",)


def bundled_wheel_folders(interpreter: str, python_version: tuple[int, ...]) -> list[Path]:
    """The folders where ``interpreter`` keeps the pip wheel ensurepip installs, found from its path alone.

    No process is started (so it costs microseconds): ``<prefix>/lib/pythonX.Y/ensurepip/_bundled``
    (``<prefix>/Lib/...`` on Windows, where the program sits in the prefix itself), then, for the
    distribution's own Python, the distribution's wheel folder.
    """
    real = Path(os.path.realpath(interpreter))
    version = "{}.{}".format(*python_version[:2]) if len(python_version) >= 2 else ""
    folders: list[Path] = []
    for prefix in (real.parent.parent, real.parent):
        if version:
            folders.append(prefix / "lib" / f"python{version}" / "ensurepip" / "_bundled")
        folders.append(prefix / "Lib" / "ensurepip" / "_bundled")
    if real.parts[:2] == ("/", "usr"):  # the distribution's own Python
        folders += [Path(folder) for folder in DISTRIBUTION_WHEEL_FOLDERS]
    return folders


def bundled_pip_wheel(interpreter: str, python_version: tuple[int, ...]) -> Path | None:
    """The newest pip wheel that ``interpreter`` carries with it and that supports its Python, if any.

    The first environment on a fresh computer gets pip from here — unpacked in a fraction of a
    second, with no network — when the app has no newer pip cached yet.
    """
    for folder in bundled_wheel_folders(interpreter, python_version):
        wheel = cached_pip_wheel(python_version, folder)
        if wheel is not None:
            return wheel
    return None


def pip_wheel_for(interpreter: str, python_version: tuple[int, ...]) -> Path | None:
    """The pip wheel a new environment of ``interpreter`` is seeded from: the newest one the app keeps,
    else the one the interpreter carries; ``None``: plain ``venv`` (ensurepip) is used."""
    return cached_pip_wheel(python_version) or bundled_pip_wheel(interpreter, python_version)


def wheel_version(wheel: Path) -> str:
    """The pip version in a pip wheel's file name ("" for another name)."""
    match = _PIP_WHEEL.match(wheel.name)
    return match.group("version") if match else ""


def installed_pip_version(site_packages: Path | None) -> str:
    """The version of pip in ``site_packages``, from its ``.dist-info`` folder's name: one listing, no file read.

    "" when there is no pip, or more than one ``pip-*.dist-info`` (a change stopped half-way:
    nothing to decide on).
    """
    if site_packages is None:
        return ""
    try:
        names = os.listdir(site_packages)
    except OSError:
        return ""
    found = [match.group("version") for match in map(_PIP_DIST_INFO.match, names) if match]
    return found[0] if len(found) == 1 else ""


@dataclass(frozen=True)
class PipUpdate:
    """A newer pip for an environment: the wheel the app keeps, and the versions before and after."""

    installed: str
    wheel: Path
    version: str


def pip_update_for(
    site_packages: Path | None, python_version: tuple[int, ...], folder: Path | None = None
) -> PipUpdate | None:
    """The newest cached pip wheel that supports ``python_version``, when it is newer than the pip in
    ``site_packages``; None when there is none, or no pip there to update (the environment's pip
    was removed, or a change of it stopped half-way: that is Repair's or Install pip's business)."""
    from packaging.version import InvalidVersion, Version

    installed = installed_pip_version(site_packages)
    if not installed:
        return None
    wheel = cached_pip_wheel(python_version, folder)
    if wheel is None:
        return None
    version = wheel_version(wheel)
    try:
        newer = Version(version) > Version(installed)
    except InvalidVersion:
        return None
    return PipUpdate(installed, wheel, version) if newer else None


def needs_refresh(folder: Path | None = None, now: float | None = None) -> bool:
    stamp = (folder or pip_wheel_dir()) / ".checked"
    try:
        age = (now or time.time()) - stamp.stat().st_mtime
    except OSError:
        return True
    return age > REFRESH_AFTER_SECONDS


def refresh_pip_wheel(index_url: str, folder: Path | None = None, *, timeout: float = 30.0) -> Path:
    """Make sure the newest pip wheel on ``index_url`` is cached; returns its path.

    Blocking (network): call from a worker.  Raises ``OSError`` (network) or
    ``ValueError`` (no usable wheel, bad hash); the old cache stays as it was.
    """
    from packaging.version import InvalidVersion, Version

    folder = folder or pip_wheel_dir()
    files = pypi.project_files(index_url, "pip", timeout=timeout)
    best: tuple[Version, dict[str, Any]] | None = None  # noqa: F821 - imported above, annotations are lazy
    for entry in files:
        match = _PIP_WHEEL.match(entry.get("filename", ""))
        if not match or entry.get("yanked"):
            continue
        try:
            version = Version(match.group("version"))
        except InvalidVersion:
            continue
        if version.is_prerelease:
            continue
        if best is None or version > best[0]:
            best = (version, entry)
    if best is None:
        raise ValueError(f"The index {redact(index_url)} has no pip wheel.")
    entry = best[1]
    target: Path = folder / entry["filename"]
    if not target.exists():
        body, _ = pypi.fetch(entry["url"], timeout=timeout)
        expected = (entry.get("hashes") or {}).get("sha256")
        if expected and hashlib.sha256(body).hexdigest() != expected.lower():
            raise ValueError(f"The downloaded {entry['filename']} does not match the index's sha256.")
        storage.write_bytes_atomic(target, body)
    storage.write_bytes_atomic(folder / ".checked", b"")
    return target


def unpacked_folder(wheel: Path) -> Path:
    """Where :func:`unpack` puts ``wheel``'s files (``core/seed_pip.py`` links new environments' pip from there)."""
    from core.seed_pip import UNPACKED_SUFFIX

    return wheel.with_name(wheel.name + UNPACKED_SUFFIX)


def unpack(wheel: Path) -> Path:
    """Unpack the cached ``wheel`` once, next to it, so new environments link pip's files instead of unzipping them.

    Blocking (disk): call from a worker.  The folder appears complete or not at all (unpacked under a
    temporary name, then renamed).
    Raises ``OSError`` (disk), ``zipfile.BadZipFile`` or ``ValueError`` (a path leaving the folder);
    creation then simply unzips the wheel.
    """
    import shutil
    import tempfile

    from core.seed_pip import extract

    folder = wheel.parent
    target = unpacked_folder(wheel)
    if target.is_dir():
        return target
    scratch = tempfile.mkdtemp(prefix=".unpacking-", dir=folder)
    try:
        with zipfile.ZipFile(wheel) as archive:
            extract(archive, scratch, stamped=True)
        os.rename(scratch, target)
    except OSError:
        if not target.is_dir():  # another Venvdesk unpacked it first: theirs serves as well
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def unpack_cached(folder: Path | None = None) -> list[Path]:
    """Unpack the cached pip wheels new environments can get (see :func:`unpack`); the unpacked folders.

    Those are the newest wheel for each ``Requires-Python`` among the cached ones: an older wheel
    that asks the same of Python is never chosen (:func:`cached_pip_wheel`), so it is not unpacked,
    and its folder goes once a newer one is cached.  So do unpacked folders whose wheel has left the
    cache, and what an unpacking interrupted over an hour ago left.
    """
    import shutil

    from core.seed_pip import UNPACKED_SUFFIX

    folder = folder or pip_wheel_dir()
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    newest: dict[str, tuple[Version, str]] = {}  # Requires-Python -> the newest wheel asking it
    for version, path in _cached_wheels(folder):
        requires = _requires_python(path)
        if requires == UNREADABLE:
            continue  # never chosen (see cached_pip_wheel): nothing to unpack
        if requires not in newest or version > newest[requires][0]:
            newest[requires] = (version, path.name)
    wanted = sorted(name for _version, name in newest.values())
    for name in names:
        stale = name.endswith(UNPACKED_SUFFIX) and name[: -len(UNPACKED_SUFFIX)] not in wanted
        if name.startswith(".unpacking-"):  # left by an unpacking that was interrupted (not one under way)
            try:
                stale = time.time() - (folder / name).stat().st_mtime > 3600
            except OSError:
                continue
        if stale:
            shutil.rmtree(folder / name, ignore_errors=True)
    unpacked, failures = [], []
    for name in wanted:  # one that fails does not keep the others from being unpacked
        try:
            unpacked.append(unpack(folder / name))
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            failures.append(f"{name}: {exc}")
    if failures:
        raise OSError("; ".join(failures))
    return unpacked
