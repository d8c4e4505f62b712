"""Installed distributions, read from an environment's metadata without starting pip.

``pip list`` starts a Python, imports pip and walks the same files: ~300 ms.
Reading the ``METADATA`` headers directly takes a few milliseconds for a
hundred packages (see ``benchmarks/bench_package_listing.py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.names import canonical_name

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

    @property
    def key(self) -> str:
        """PEP 503 normalised name: how pip matches names."""
        return canonical_name(self.name)

    def dependency_names(self) -> set[str]:
        """Normalised names this package needs unconditionally (extras' requirements left out)."""
        from packaging.requirements import InvalidRequirement, Requirement  # not needed at start-up

        names = set()
        for text in self.requires:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            marker = requirement.marker
            if marker is not None:
                try:
                    if not marker.evaluate({"extra": ""}):
                        continue
                except Exception:  # noqa: BLE001 - an odd marker must not hide the package
                    continue
            names.add(canonical_name(requirement.name))
        return names


def _read_headers(path: str) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line in ("\n", "\r\n"):
                break  # the body (long description) starts here
            if line[:1] in (" ", "\t"):
                continue  # continuation of a folded header we do not need
            key, sep, value = line.partition(":")
            key = key.lower()
            if sep and key in _WANTED_HEADERS:
                headers.setdefault(key, []).append(value.strip())
    return headers


def _package_from_metadata(metadata: str, requested: bool) -> InstalledPackage | None:
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
        if entry.name.endswith(".dist-info") and entry.is_dir():
            metadata = os.path.join(entry.path, "METADATA")
            requested = os.path.exists(os.path.join(entry.path, "REQUESTED"))
        elif entry.name.endswith(".egg-info"):
            metadata = os.path.join(entry.path, "PKG-INFO") if entry.is_dir() else entry.path
            requested = False
        else:
            continue
        package = _package_from_metadata(metadata, requested)
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
    # Top-level package folders no installed distribution claims (installed without metadata).
    orphans: tuple[str, ...] = ()
    # Set when site-packages could not be read: the scan says nothing either way.
    problem: str = ""

    @property
    def clean(self) -> bool:
        return not (self.leftovers or self.damaged or self.orphans or self.problem)

    def describe(self) -> str:
        parts = [self.problem] if self.problem else []
        if self.damaged:
            parts.append("incomplete: " + ", ".join(f"{p.name} {p.version}" for p in self.damaged))
        if self.orphans:
            parts.append("files without their package record: " + ", ".join(self.orphans))
        if self.leftovers:
            parts.append("pip's temporary leftovers: " + ", ".join(self.leftovers))
        return "; ".join(parts)


def _record_paths(dist_info: str) -> list[str]:
    import csv

    try:
        with open(os.path.join(dist_info, "RECORD"), encoding="utf-8", errors="replace", newline="") as handle:
            return [row[0] for row in csv.reader(handle) if row]
    except OSError:
        return []


def check_integrity(site_packages: str | os.PathLike[str] | None) -> Integrity:
    """Look for half-installed files (blocking disk scan: call from a worker)."""
    if site_packages is None:
        return Integrity()
    root = os.fspath(site_packages)
    try:
        names = os.listdir(root)
    except OSError as exc:
        return Integrity(problem=f"its packages folder could not be read ({exc.strerror or exc})")
    leftovers = sorted(n for n in names if n.startswith("~"))
    claimed: set[str] = set()
    damaged = []
    packages = {p.metadata_path: p for p in installed_packages(root)}
    for name in names:
        if name.endswith(".egg-info") and os.path.isdir(os.path.join(root, name)):
            # Older installs have no RECORD; their top_level.txt names what they own.
            try:
                with open(os.path.join(root, name, "top_level.txt"), encoding="utf-8") as handle:
                    claimed.update(line.strip() for line in handle if line.strip())
            except OSError:
                pass
        if not name.endswith(".dist-info") or name.startswith("~"):
            continue
        folder = os.path.join(root, name)
        claimed.add(name)
        missing = False
        for relative in _record_paths(folder):
            top = relative.split("/", 1)[0]
            claimed.add(top)
            if top.startswith("..") or "__pycache__" in relative or relative.endswith(".pyc"):
                continue
            if not missing and not os.path.exists(os.path.join(root, relative)):
                missing = True
        package = packages.get(os.path.join(folder, "METADATA"))
        if missing and package is not None:
            damaged.append(package)
    orphans = []
    for name in names:
        if name in claimed or name in _UNOWNED_OK or name.startswith("~") or name.endswith((".dist-info", ".egg-info", ".pth")):
            continue
        path = os.path.join(root, name)
        if os.path.isdir(path) and os.path.exists(os.path.join(path, "__init__.py")):
            orphans.append(name)
    return Integrity(tuple(leftovers), tuple(damaged), tuple(sorted(orphans)))
