"""What an install would do, before it runs: the installer's dry run, in words (backend-neutral).

A backend's dry run (pip's ``install --dry-run --report -``) lists every distribution the
install would put in place.  Compared with the environment's package set, each one is new,
an upgrade, a downgrade or a reinstall of the same version.  The person is asked first only
when something already installed would change, when something would be built from source
(a compiler may be needed), or when the download does not fit on the disk; a plain install
of new packages goes ahead without a question.

The preview also gives the versions it found as constraints (``name==version``) for the
real install, so the install does what the person was shown, and its download size (from
the index's file list, PEP 700 ``size``) against the free disk space.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from core.history import join_words, version_change
from core.names import canonical_name

PackageSet = Mapping[str, tuple[str, str]]

# What installing one item does to the environment.
NEW, UPGRADE, DOWNGRADE, REINSTALL, REPLACE = "new", "upgrade", "downgrade", "reinstall", "replace"
# Changes to something already installed that the person is asked about.
QUESTIONED = (UPGRADE, DOWNGRADE, REPLACE)

# Report format versions read here: pip 22.2 wrote "0" (experimental), pip 23.0 on writes "1"
# with the same fields.
REPORT_VERSIONS = ("0", "1")


class ReportError(ValueError):
    """The installer's dry-run output is not a report this app reads."""


@dataclass(frozen=True)
class PreviewItem:
    """One distribution the install would put in place."""

    name: str
    version: str
    # The person asked for it (as opposed to a dependency).
    requested: bool = False
    # No ready-made wheel: it is built on this machine (an sdist, a VCS checkout).
    builds_from_source: bool = False
    url: str = ""
    # Bytes to download, when the index says (None: unknown).
    size: int | None = None
    # Given as a URL or path, not found on the index by name.
    direct: bool = False
    yanked: bool = False
    # Set by :func:`compare`: new / upgrade / downgrade / reinstall / replace, and the version it replaces.
    change: str = NEW
    installed_version: str = ""

    @property
    def key(self) -> str:
        return canonical_name(self.name)

    @property
    def filename(self) -> str:
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1]) if self.url else ""

    def words(self) -> str:
        """``numpy 2.1.0`` / ``python-dateutil from 2.8.2 to 2.9.0``."""
        if self.change in (UPGRADE, DOWNGRADE, REPLACE):
            return f"{self.name} from {self.installed_version} to {self.version}"
        return f"{self.name} {self.version}"


def _builds_from_source(download_info: Mapping[str, Any]) -> bool:
    """Not a wheel (by its URL) and not a local folder (the person's own project)."""
    if "dir_info" in download_info:
        return False
    url = str(download_info.get("url", ""))
    path = urlsplit(url).path
    return not path.lower().endswith(".whl")


def _local_size(url: str) -> int | None:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    try:
        return os.path.getsize(unquote(parts.path))
    except OSError:
        return None


def items_from_report(report: Mapping[str, Any]) -> list[PreviewItem]:
    """The ``install`` list of an installation report (pip's format, version 0 or 1)."""
    version = str(report.get("version", ""))
    if version not in REPORT_VERSIONS:
        raise ReportError(f"The installation report has format version {version!r}; this app reads {', '.join(REPORT_VERSIONS)}.")
    items = []
    for entry in report.get("install") or ():
        if not isinstance(entry, Mapping):
            raise ReportError("An entry of the installation report is not an object.")
        metadata = entry.get("metadata") or {}
        download_info = entry.get("download_info") or {}
        name, item_version = str(metadata.get("name", "")), str(metadata.get("version", ""))
        if not name:
            raise ReportError("An entry of the installation report has no name.")
        url = str(download_info.get("url", ""))
        items.append(
            PreviewItem(
                name=name,
                version=item_version,
                requested=bool(entry.get("requested", False)),
                builds_from_source=_builds_from_source(download_info),
                url=url,
                size=_local_size(url),
                direct=bool(entry.get("is_direct", False)),
                yanked=bool(entry.get("is_yanked", False)),
            )
        )
    return items


def parse_report(text: str) -> tuple[list[PreviewItem], str]:
    """Items and the installer's version from a JSON report (text around the JSON is ignored)."""
    text = text.strip()
    try:
        report = json.loads(text)
    except ValueError:
        # Something printed around the report (a warning on standard output): take the object.
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end < start:
            raise ReportError("The dry run printed no installation report.") from None
        try:
            report = json.loads(text[start : end + 1])
        except ValueError as exc:
            raise ReportError(f"The installation report is not valid JSON ({exc}).") from None
    if not isinstance(report, Mapping):
        raise ReportError("The installation report is not a JSON object.")
    return items_from_report(report), str(report.get("pip_version", ""))


def compare(report_items: Iterable[PreviewItem], installed_set: PackageSet) -> tuple[PreviewItem, ...]:
    """Each item marked new / upgrade / downgrade / reinstall / replace against what is installed."""
    compared = []
    for item in report_items:
        current = installed_set.get(item.key)
        if current is None:
            compared.append(dataclasses.replace(item, change=NEW, installed_version=""))
            continue
        how = version_change(current[1], item.version)
        change = {"same": REINSTALL, "upgrade": UPGRADE, "downgrade": DOWNGRADE}.get(how, REPLACE)
        compared.append(dataclasses.replace(item, change=change, installed_version=current[1]))
    return tuple(compared)


def format_size(size: int) -> str:
    """``820 kB``, ``45 MB``, ``1.2 GB`` (decimal units, as disks and downloads are sold)."""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            if unit == "bytes":
                return f"{int(value)} bytes" if int(value) != 1 else "1 byte"
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Preview:
    """What an install would do (the items of a dry run, compared with the installed set)."""

    items: tuple[PreviewItem, ...] = ()
    # The installer that made the report, and its version ("pip", "24.2").
    installer_version: str = ""
    # Free bytes on the disk the environment is on (None: not looked at).
    free: int | None = None
    # The installed set the items were compared with (None: not compared yet).
    installed: Mapping[str, tuple[str, str]] | None = None

    # -- building it -------------------------------------------------------------------------

    def compared_with(self, installed_set: PackageSet) -> Preview:
        """This preview with each item marked against ``installed_set`` (see :func:`compare`)."""
        return dataclasses.replace(self, items=compare(self.items, installed_set), installed=dict(installed_set))

    def with_free_space(self, path: str | os.PathLike[str]) -> Preview:
        return dataclasses.replace(self, free=free_space(path))

    def _against(self, installed_set: PackageSet | None) -> Preview:
        if installed_set is not None:
            return self.compared_with(installed_set)
        return self

    # -- reading it --------------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        """Nothing would be installed (everything asked for is there already)."""
        return not self.items

    def changes_installed(self, installed_set: PackageSet | None = None) -> list[PreviewItem]:
        """Items that would change a package already installed (upgrade, downgrade, replace)."""
        return [item for item in self._against(installed_set).items if item.change in QUESTIONED]

    def from_source(self) -> list[PreviewItem]:
        return [item for item in self.items if item.builds_from_source]

    def download_size(self) -> int | None:
        """Bytes to download, summed over the items whose size is known (None: none is)."""
        sizes = [item.size for item in self.items if item.size is not None]
        return sum(sizes) if sizes else None

    def sizes_complete(self) -> bool:
        return all(item.size is not None for item in self.items)

    def too_big(self) -> bool:
        """The download is known to be larger than the free space."""
        size = self.download_size()
        return size is not None and self.free is not None and size > self.free

    def needs_question(self, installed_set: PackageSet | None = None) -> bool:
        """Ask before installing? Only when something installed would change, something would be
        built from source, or the download does not fit; new packages alone go ahead."""
        preview = self._against(installed_set)
        return bool(preview.changes_installed() or preview.from_source() or preview.too_big())

    def constraints(self) -> list[str]:
        """``name==version`` of every item (not those given as a URL or path), for the real install."""
        return [f"{item.name}=={item.version}" for item in self.items if item.version and not item.direct]

    def write_constraints(self, path: Path) -> Path:
        """Write :meth:`constraints` to ``path`` (one a line) for ``install(..., constraints=path)``."""
        from core import storage

        storage.write_text_atomic(path, "".join(line + "\n" for line in self.constraints()))
        return path

    def describe(self) -> str:
        """The plan in words: what the request installs and changes, builds, downloads."""
        requested = [item for item in self.items if item.requested]
        others = [item for item in self.items if not item.requested]
        sentences = []
        if not self.items:
            sentences.append("Nothing needs to be installed: everything asked for is already there.")
        else:
            subject = _capitalised(join_words(_phrases(requested, gerund=True))) if requested else ""
            if others:
                rest = join_words(_phrases(others, gerund=False))
                sentences.append(
                    f"{subject} also {rest}." if subject else f"What you asked for is there already, but this {rest}."
                )
            else:
                sentences.append(f"{subject}; nothing else changes.")
        built = self.from_source()
        if built:
            names = join_words([f"{item.name} {item.version}" for item in built])
            verb = "has" if len(built) == 1 else "have"
            sentences.append(
                f"{names} {verb} no ready-made wheel and will be built from source, which can need a C compiler."
            )
        yanked = [item for item in self.items if item.yanked]
        if yanked:
            names = join_words([f"{item.name} {item.version}" for item in yanked])
            sentences.append(f"{names} {'was' if len(yanked) == 1 else 'were'} withdrawn by its authors (yanked).")
        size_words = self._size_words()
        if size_words:
            sentences.append(size_words)
        return " ".join(sentences)

    def _size_words(self) -> str:
        size = self.download_size()
        if size is None:
            return f"{format_size(self.free)} free on the disk." if self.free is not None and self.items else ""
        amount = f"{'about' if self.sizes_complete() else 'at least'} {format_size(size)} to download"
        if self.free is None:
            return f"{_capitalised(amount)}."
        if self.too_big():
            return (
                f"{_capitalised(amount)}, but only {format_size(self.free)} is free on the disk:"
                " make room before installing."
            )
        return f"{_capitalised(amount)}; {format_size(self.free)} free."


_GERUNDS = {NEW: "installing", UPGRADE: "upgrading", DOWNGRADE: "downgrading", REINSTALL: "reinstalling", REPLACE: "replacing"}
_VERBS = {NEW: "installs", UPGRADE: "upgrades", DOWNGRADE: "downgrades", REINSTALL: "reinstalls", REPLACE: "replaces"}
_ORDER = (NEW, UPGRADE, DOWNGRADE, REPLACE, REINSTALL)


def _phrases(items: Sequence[PreviewItem], *, gerund: bool) -> list[str]:
    """``installs numpy 2.1.0 and tzdata 2025.2``, ``upgrades python-dateutil from 2.8.2 to 2.9.0``, ..."""
    words = _GERUNDS if gerund else _VERBS
    phrases = []
    for change in _ORDER:
        chosen = sorted((item for item in items if item.change == change), key=lambda item: item.key)
        if chosen:
            phrases.append(f"{words[change]} {join_words([item.words() for item in chosen])}")
    return phrases


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- sizes and disk space --------------------------------------------------------------------------


def fill_sizes(preview: Preview, files_by_project: Mapping[str, Sequence[Mapping[str, Any]]]) -> Preview:
    """``preview`` with each item's download size from the index's file list.

    ``files_by_project`` maps a project name to its files as ``core.pypi.project_files``
    returns them (PEP 691 dicts; ``size`` is PEP 700's, absent on older indexes).  Files are
    matched by file name; an item already sized (a local file) keeps its size.
    """
    sizes: dict[str, int] = {}
    for files in files_by_project.values():
        for entry in files:
            size = entry.get("size")
            filename = str(entry.get("filename") or "")
            if not filename:
                filename = unquote(urlsplit(str(entry.get("url", ""))).path.rsplit("/", 1)[-1])
            if isinstance(size, int) and not isinstance(size, bool) and size >= 0 and filename:
                sizes[filename] = size
    items = tuple(
        item if item.size is not None else dataclasses.replace(item, size=sizes.get(item.filename))
        for item in preview.items
    )
    return dataclasses.replace(preview, items=items)


def free_space(path: str | os.PathLike[str]) -> int:
    """Free bytes (for this user) on the disk holding ``path`` (its nearest existing folder)."""
    folder = Path(os.path.abspath(os.fspath(path)))
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return shutil.disk_usage(folder).free


__all__ = [
    "DOWNGRADE",
    "NEW",
    "REINSTALL",
    "REPLACE",
    "UPGRADE",
    "Preview",
    "PreviewItem",
    "ReportError",
    "compare",
    "fill_sizes",
    "format_size",
    "free_space",
    "items_from_report",
    "parse_report",
]
