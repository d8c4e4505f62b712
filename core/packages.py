"""Installed distributions, read from an environment's metadata without starting pip.

``pip list`` starts a Python, imports pip and walks the same files: ~300 ms.
Reading the ``METADATA`` headers directly takes a few milliseconds for a
hundred packages (see ``benchmarks/bench_package_listing.py``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.names import canonical_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement

_WANTED_HEADERS = {"name", "version", "summary", "requires-dist"}


@dataclass(frozen=True)
class InstalledPackage:
    name: str
    version: str
    summary: str = ""
    requires: tuple[str, ...] = ()
    # Set when the person asked for it (pip writes REQUESTED), as opposed to a dependency.
    requested: bool = False
    metadata_path: str = field(default="", compare=False)

    @functools.cached_property
    def key(self) -> str:
        """PEP 503 normalised name: how pip matches names (worked out once: sorting asks often)."""
        return canonical_name(self.name)

    def dependency_names(self) -> set[str]:
        """Normalised names this package needs unconditionally (extras' requirements left out)."""
        return {canonical_name(requirement.name) for requirement in _unconditional(self.requires)}


# A header value longer than this is cut (a 20 MB "Summary:" froze the window; nobody reads it).
MAX_HEADER_LENGTH = 2_000
# Past this many header bytes the rest of METADATA is not read (real headers are a few KB).
MAX_HEADER_BYTES = 1_000_000


def _read_headers(path: str) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    read = 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        while read < MAX_HEADER_BYTES:
            line = handle.readline(MAX_HEADER_LENGTH + 1)
            if not line:
                break
            read += len(line)
            if not line.endswith("\n") and len(line) > MAX_HEADER_LENGTH:
                # A huge line: keep its start, skip the rest of it without holding it in memory.
                rest = handle.readline(MAX_HEADER_BYTES)
                read += len(rest)
                while rest and not rest.endswith("\n") and read < MAX_HEADER_BYTES:
                    rest = handle.readline(MAX_HEADER_BYTES)
                    read += len(rest)
                line = line[:MAX_HEADER_LENGTH] + "…\n"
            if line in ("\n", "\r\n"):
                break  # the body (long description) starts here
            if line[:1] in (" ", "\t"):
                continue  # continuation of a folded header we do not need
            key, sep, value = line.partition(":")
            key = key.lower()
            if sep and key in _WANTED_HEADERS:
                headers.setdefault(key, []).append(value.strip())
    return headers


def package_from_metadata(metadata: str, requested: bool) -> InstalledPackage | None:
    try:
        headers = _read_headers(metadata)
    except OSError:
        return None
    name = (headers.get("name") or [""])[0]
    if not name:
        return None
    return InstalledPackage(
        name=name,
        version=(headers.get("version") or [""])[0],
        summary=(headers.get("summary") or [""])[0],
        requires=tuple(headers.get("requires-dist", ())),
        requested=requested,
        metadata_path=metadata,
    )


def installed_packages(site_packages: str | os.PathLike[str] | None) -> list[InstalledPackage]:
    """Every distribution installed in ``site_packages``, sorted by name (case-insensitive)."""
    if site_packages is None:
        return []
    found: dict[str, InstalledPackage] = {}
    try:
        entries = list(os.scandir(site_packages))
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith("~"):
            continue  # pip's backup of a package it was replacing or removing: not installed
        if entry.name.endswith(".dist-info") and entry.is_dir():
            metadata = os.path.join(entry.path, "METADATA")
            requested = os.path.exists(os.path.join(entry.path, "REQUESTED"))
        elif entry.name.endswith(".egg-info"):
            metadata = os.path.join(entry.path, "PKG-INFO") if entry.is_dir() else entry.path
            requested = False
        else:
            continue
        package = package_from_metadata(metadata, requested)
        if package is not None:
            found.setdefault(package.key, package)
    return sorted(found.values(), key=lambda p: p.key)


def installed_version(packages: Sequence[InstalledPackage], key: str) -> str:
    """The version of the package whose normalised name is ``key``, or "" when it is not installed."""
    for package in packages:
        if package.key == key:
            return package.version
    return ""


def required_by(packages: list[InstalledPackage]) -> dict[str, list[str]]:
    """For each normalised name, the names of the installed packages that need it."""
    dependents: dict[str, list[str]] = {}
    for package in packages:
        for dependency in package.dependency_names():
            dependents.setdefault(dependency, []).append(package.name)
    return dependents



def _unconditional(requires: Iterable[str]) -> Iterator[Requirement]:
    """The parsed requirements always needed (no marker, or one true without extras); unreadable
    ones and extras' ones left out."""
    from packaging.requirements import InvalidRequirement, Requirement  # not needed at start-up

    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if marker is not None:
            try:
                if not marker.evaluate({"extra": ""}):
                    continue
            except Exception:  # noqa: BLE001 - an odd marker must not hide the package or the rest
                continue
        yield requirement


def unconditional_requirements(requires: Sequence[str]) -> list[str]:
    """The requirements (``tinyutil>=1.0``) always needed, without their markers; extras' ones left out.

    The same choice as :meth:`InstalledPackage.dependency_names`, kept as written for reading.
    """
    found = []
    for requirement in _unconditional(requires):
        requirement.marker = None
        found.append(str(requirement))
    return found


@dataclass(frozen=True)
class InstalledFiles:
    """Where a distribution lives and what it takes on disk, from its ``RECORD``."""

    location: str  # the folder it is installed in (site-packages)
    import_names: tuple[str, ...] = ()  # top-level packages and modules it puts there
    size: int = 0  # bytes of the listed files that exist
    files: int = 0  # listed files that exist
    missing: int = 0  # listed files that do not
    recorded: bool = True  # False: no RECORD (an old egg-info install); size and files unknown


def _import_name(top: str, is_folder: bool) -> str:
    if is_folder:
        name = top
    elif top.endswith(_CODE_SUFFIXES):
        name = top.split(".", 1)[0]  # tinyutil.py, _speedups.cpython-311-x86_64-linux-gnu.so
    else:
        return ""
    return name if name.isidentifier() else ""


def installed_files(package: InstalledPackage) -> InstalledFiles:
    """The files ``package``'s metadata lists, added up (blocking: a stat per file; call from a worker)."""
    metadata = package.metadata_path
    info_folder = os.path.dirname(metadata) if os.path.basename(metadata) in ("METADATA", "PKG-INFO") else ""
    location = os.path.dirname(info_folder) if info_folder else os.path.dirname(metadata)
    if not info_folder:
        return InstalledFiles(location, recorded=False)  # a lone .egg-info file lists nothing
    if info_folder.endswith(".dist-info"):
        relative_paths, base = record_paths(info_folder), location
    else:
        # An egg-info install: pip wrote installed-files.txt (paths relative to the egg-info folder).
        try:
            with open(os.path.join(info_folder, "installed-files.txt"), encoding="utf-8", errors="replace") as handle:
                relative_paths = [line.strip() for line in handle if line.strip()]
        except OSError:
            return InstalledFiles(location, recorded=False)
        base = info_folder
    seen: set[str] = set()
    size = files = missing = 0
    tops: dict[str, bool] = {}
    for relative in relative_paths:
        path = os.path.normpath(os.path.join(base, relative))
        if path in seen:
            continue
        seen.add(path)
        try:
            stat = os.lstat(path)
        except OSError:
            missing += 1
        else:
            size += stat.st_size
            files += 1
        inside = os.path.relpath(path, location)
        if inside.startswith(".."):
            continue  # scripts in bin/, data files elsewhere
        top, separator, _rest = inside.replace(os.sep, "/").partition("/")
        tops[top] = tops.get(top, False) or bool(separator)
    names = set()
    for top, is_folder in tops.items():
        if top.endswith((".dist-info", ".egg-info", ".data", ".pth")) or top == "__pycache__":
            continue
        name = _import_name(top, is_folder)
        if name:
            names.add(name)
    return InstalledFiles(location, tuple(sorted(names, key=str.lower)), size, files, missing)


# -- half-installed files after a cancel or a crash -------------------------------------------

# Folders in site-packages that belong to no distribution on purpose.
_UNOWNED_OK = {"__pycache__", "_distutils_hack", "pip-selfcheck.json"}


@dataclass(frozen=True)
class Integrity:
    """What an interrupted pip run may have left behind in ``site-packages``."""

    # "~"-prefixed entries: pip's stashed copies from an interrupted install or uninstall.
    leftovers: tuple[str, ...] = ()
    # Distributions whose RECORD lists files that are missing.
    damaged: tuple[InstalledPackage, ...] = ()
    # Top-level folders or modules with Python code that no installed distribution claims
    # (installed without metadata, or half-written: a namespace package imports all the same).
    orphans: tuple[str, ...] = ()
    # Set when site-packages could not be read: the scan says nothing either way.
    problem: str = ""
    # Distributions that exist only as pip's "~" backup (name, version): the real copy is gone.
    stashed: tuple[tuple[str, str], ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.leftovers or self.damaged or self.orphans or self.problem)

    def describe(self) -> str:
        parts = [self.problem] if self.problem else []
        if self.damaged:
            parts.append("incomplete: " + ", ".join(f"{p.name} {p.version}" for p in self.damaged))
        if self.stashed:
            parts.append(
                "only pip's backup is left of: " + ", ".join(f"{name} {version}" for name, version in self.stashed)
            )
        if self.orphans:
            parts.append("files without their package record: " + ", ".join(self.orphans))
        if self.leftovers:
            parts.append("pip's temporary leftovers: " + ", ".join(self.leftovers))
        return "; ".join(parts)


def record_paths(dist_info: str) -> list[str]:
    import csv

    try:
        with open(os.path.join(dist_info, "RECORD"), encoding="utf-8", errors="replace", newline="") as handle:
            return [row[0] for row in csv.reader(handle) if row]
    except OSError:
        return []


_CODE_SUFFIXES = (".py", ".so", ".pyd")


def _holds_python_code(path: str) -> bool:
    """A folder with Python modules in it or one level down (bounded: no deep walk)."""
    try:
        with os.scandir(path) as entries:
            subfolders = []
            for entry in entries:
                if entry.name.endswith(_CODE_SUFFIXES) and not entry.is_dir():
                    return True
                if entry.is_dir() and entry.name != "__pycache__":
                    subfolders.append(entry.path)
        for folder in subfolders[:50]:
            with os.scandir(folder) as entries:
                if any(entry.name.endswith(_CODE_SUFFIXES) for entry in entries):
                    return True
    except OSError:
        return False
    return False


# RECORDs whose files were all found, by (path, mtime_ns, size): not checked file by file again.
_verified_records: dict[str, tuple[int, int]] = {}


def _record_key(record: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(record)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def check_integrity(site_packages: str | os.PathLike[str] | None, *, deep: bool = True) -> Integrity:
    """Look for half-installed files (blocking disk scan: call from a worker).

    What counts is what the metadata says is installed: every top-level entry a RECORD (or an
    egg's top_level.txt) claims, and the files each RECORD lists.  With ``deep`` every listed
    file is looked for; without it (each time an environment is shown) only RECORDs that changed
    since they were last found whole are checked file by file, so showing an environment costs a
    few stats per package instead of one per file.  After an unclean end, scan deep.
    """
    if site_packages is None:
        return Integrity()
    root = os.fspath(site_packages)
    try:
        names = os.listdir(root)
    except OSError as exc:
        return Integrity(problem=f"its packages folder could not be read ({exc.strerror or exc})")
    present = set(names)
    leftovers = sorted(n for n in names if n.startswith("~"))
    claimed: set[str] = set()
    damaged = []
    packages = {p.metadata_path: p for p in installed_packages(root)}
    installed_keys = {p.key for p in packages.values()}
    stashed = []
    for name in names:
        folder = os.path.join(root, name)
        if name.endswith(".egg-info") and os.path.isdir(folder):
            # Older installs have no RECORD; their top_level.txt names what they own.
            try:
                with open(os.path.join(folder, "top_level.txt"), encoding="utf-8") as handle:
                    claimed.update(line.strip() for line in handle if line.strip())
            except OSError:
                pass
        if not name.endswith(".dist-info"):
            continue
        if name.startswith("~"):
            backup = package_from_metadata(os.path.join(folder, "METADATA"), False)
            if backup is not None and backup.key not in installed_keys:
                stashed.append((backup.name, backup.version))
            continue
        claimed.add(name)
        record = os.path.join(folder, "RECORD")
        key = _record_key(record)
        paths = record_paths(folder)
        missing = False
        check_files = deep or key is None or _verified_records.get(record) != key
        for relative in paths:
            top = relative.split("/", 1)[0]
            claimed.add(top)
            if top.startswith("..") or "__pycache__" in relative or relative.endswith(".pyc"):
                continue
            if missing:
                continue
            if top not in present:
                missing = True  # a whole top-level entry is gone: no stat needed to know
            elif check_files and not os.path.exists(os.path.join(root, relative)):
                missing = True
        package = packages.get(os.path.join(folder, "METADATA"))
        if missing and package is not None:
            damaged.append(package)
            _verified_records.pop(record, None)
        elif key is not None and check_files:
            _verified_records[record] = key
    orphans = []
    for name in names:
        if name in claimed or name in _UNOWNED_OK or name.startswith("~") or name.endswith((".dist-info", ".egg-info", ".pth")):
            continue
        path = os.path.join(root, name)
        if name.endswith(_CODE_SUFFIXES) and not os.path.isdir(path) or os.path.isdir(path) and _holds_python_code(path):
            orphans.append(name)
    return Integrity(tuple(leftovers), tuple(damaged), tuple(sorted(orphans)), stashed=tuple(sorted(stashed)))
