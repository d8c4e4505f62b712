"""Putting back what an interrupted pip run had set aside, so Repair never loses a package.

When pip replaces or removes a distribution it first moves the distribution's
folders aside, next to where they were, under a name that starts with ``~``
(``bigpkg`` → ``~igpkg``, ``bigpkg-1.0.dist-info`` → ``~igpkg-1.0.dist-info``),
and deletes them only once the whole change succeeded.  A pip that is killed in
between leaves the backup as the only copy.  :func:`restore_stashed` renames such
backups back (their RECORD names the original folders), removes backups whose
distribution is installed again, and says exactly what it did.  Plain file
operations, no process: call it from a worker.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import shutil
from dataclasses import dataclass

from core.packages import installed_packages, package_from_metadata, record_paths

# The characters pip puts in front of a name it stashes (pip's AdjacentTempDirectory).
_STASH_CHARACTERS = "~-.=%0123456789"


def stash_of(stashed: str, original: str) -> bool:
    """Whether ``stashed`` is a name pip could have given ``original`` when setting it aside."""
    if not stashed.startswith("~") or not original or original.startswith("~"):
        return False
    rest = stashed.lstrip(_STASH_CHARACTERS)
    if len(stashed) == len(original) and original.endswith(rest) and len(rest) < len(original):
        return True  # "~" and filler replaced the first characters
    prefix = stashed[: len(stashed) - len(original)]
    return stashed.endswith(original) and prefix != "" and prefix.lstrip(_STASH_CHARACTERS) == ""


@dataclass(frozen=True)
class RestoreReport:
    # "bigpkg 1.0": distributions put back from pip's backup.
    restored: tuple[str, ...] = ()
    # Backups removed because their distribution is installed (pip finished, then was stopped).
    removed: tuple[str, ...] = ()
    # Half-written folders that stood where a backup went back (removed first).
    replaced: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    # Put back, but some of their files are not the ones their RECORD lists (pip keeps backups
    # of single-file modules elsewhere): reinstall these exact versions to make them whole.
    reinstall: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.restored or self.removed or self.replaced)

    def describe(self) -> str:
        parts = []
        if self.restored:
            parts.append("put back from pip's backup: " + ", ".join(self.restored))
        if self.replaced:
            parts.append("removed the half-written " + ", ".join(self.replaced))
        if self.removed:
            parts.append("removed pip's leftover backups: " + ", ".join(self.removed))
        if self.reinstall:
            parts.append("to reinstall, some files were already replaced: " + ", ".join(self.reinstall))
        parts.extend(self.problems)
        return "; ".join(parts) or "nothing to put back"


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def files_differ(site_packages: str, dist_info: str) -> bool:
    """Whether any file the RECORD of ``dist_info`` lists with a hash is missing or different."""
    try:
        with open(os.path.join(site_packages, dist_info, "RECORD"), encoding="utf-8", errors="replace", newline="") as handle:
            rows = [row for row in csv.reader(handle) if len(row) >= 2 and row[1]]
    except OSError:
        return True
    for row in rows:
        relative, recorded = row[0], row[1]
        algorithm, _sep, expected = recorded.partition("=")
        if relative.startswith("..") or algorithm not in hashlib.algorithms_guaranteed:
            continue
        digest = hashlib.new(algorithm)
        try:
            with open(os.path.join(site_packages, relative), "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return True
        if base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii") != expected:
            return True
    return False


def restore_stashed(site_packages: str | os.PathLike[str]) -> RestoreReport:
    """Rename pip's ``~`` backups of distributions that are no longer installed back into place."""
    root = os.fspath(site_packages)
    try:
        names = os.listdir(root)
    except OSError as exc:
        return RestoreReport(problems=(f"its packages folder could not be read ({exc.strerror or exc})",))
    installed = {p.key for p in installed_packages(root)}
    stashes = sorted(n for n in names if n.startswith("~"))
    used: set[str] = set()
    restored: list[str] = []
    removed: list[str] = []
    replaced: list[str] = []
    problems: list[str] = []
    reinstall: list[str] = []
    for dist_info in (n for n in stashes if n.endswith(".dist-info")):
        folder = os.path.join(root, dist_info)
        backup = package_from_metadata(os.path.join(folder, "METADATA"), False)
        if backup is None:
            continue
        label = f"{backup.name} {backup.version}"
        # The top-level entries its RECORD lists, by their original names.
        originals = sorted({relative.split("/", 1)[0] for relative in record_paths(folder)} - {""})
        original_info = next((o for o in originals if o.endswith(".dist-info") and stash_of(dist_info, o)), "")
        owned = [o for o in originals if not o.endswith(".dist-info") and not o.startswith("..")]
        stashed_parts = {o: next((n for n in stashes if n not in used and stash_of(n, o)), "") for o in owned}
        try:
            if backup.key in installed:
                # Installed again (the new version is in place): the backup is only a leftover.
                for part in [dist_info, *(s for s in stashed_parts.values() if s)]:
                    _remove(os.path.join(root, part))
                    used.add(part)
                removed.append(label)
                continue
            if not original_info:
                problems.append(f"the backup of {label} does not say where it came from; it was left as it is")
                continue
            for original, stash in stashed_parts.items():
                if not stash:
                    continue
                target = os.path.join(root, original)
                if os.path.lexists(target):
                    _remove(target)  # half-written by the run that was stopped; nothing claims it
                    replaced.append(original)
                os.rename(os.path.join(root, stash), target)
                used.add(stash)
            os.rename(folder, os.path.join(root, original_info))
            used.add(dist_info)
            restored.append(label)
            if files_differ(root, original_info):
                reinstall.append(f"{backup.name}=={backup.version}")
        except OSError as exc:
            problems.append(f"{label} could not be put back ({exc.strerror or exc})")
    return RestoreReport(tuple(restored), tuple(removed), tuple(replaced), tuple(problems), tuple(reinstall))
