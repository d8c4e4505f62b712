"""Before installing a pinned release: is it much older than the environment's Python?

``requests==2.6.0`` (the Python tutorial's own example) installs on Python 3.12 and then cannot
be imported: it is from 2015.  A release whose files and classifiers say nothing about this
Python, and that came out before this Python did, "may not work": the app says so before it
installs (Install anyway / Choose a newer version).  Pure functions over what the index says,
plus :func:`pinned_release_warning`, which reads the index (blocking: call it from a worker).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Union

# The day each CPython X.Y.0 final came out (PEP 361, 373, 375, 392, 398, 429, 478, 494, 537,
# 569, 596, 619, 664, 693, 719, 745, 790).
PYTHON_RELEASE_DATES: dict[tuple[int, int], date] = {
    (2, 7): date(2010, 7, 3),
    (3, 0): date(2008, 12, 3),
    (3, 1): date(2009, 6, 27),
    (3, 2): date(2011, 2, 20),
    (3, 3): date(2012, 9, 29),
    (3, 4): date(2014, 3, 16),
    (3, 5): date(2015, 9, 13),
    (3, 6): date(2016, 12, 23),
    (3, 7): date(2018, 6, 27),
    (3, 8): date(2019, 10, 14),
    (3, 9): date(2020, 10, 5),
    (3, 10): date(2021, 10, 4),
    (3, 11): date(2022, 10, 24),
    (3, 12): date(2023, 10, 2),
    (3, 13): date(2024, 10, 7),
    (3, 14): date(2025, 10, 7),
    (3, 15): date(2026, 10, 9),  # after a third release candidate (2026-10-02)
}

# A release date as the index gives it: a date, a datetime, ISO 8601 text, or unknown.
ReleaseDate = Union[date, datetime, str, None]

_CLASSIFIER = re.compile(r"^Programming Language :: Python :: (\d+)\.(\d+)\s*$")
_CPYTHON_TAG = re.compile(r"^cp(\d)(\d+)$")
_PY_TAG = re.compile(r"^py(\d)(\d+)$")


def python_release_date(version: Sequence[int]) -> date | None:
    """The day CPython ``version[:2]`` first came out (``(3, 12, 1)`` → 2023-10-02); None if unknown."""
    if len(version) < 2:
        return None
    return PYTHON_RELEASE_DATES.get((int(version[0]), int(version[1])))


def _newer_than_known(version: tuple[int, int]) -> date | None:
    """For a Python newer than the table knows, a day it certainly came out after."""
    known = [key for key in PYTHON_RELEASE_DATES if key[0] == version[0]]
    if known and version > max(known):
        return PYTHON_RELEASE_DATES[max(known)]
    return None


def as_date(value: ReleaseDate) -> date | None:
    """A release date from the index (``"2015-03-14T20:41:07.123Z"``, a datetime, ...) as a day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _file_upload_date(entry: Mapping[str, Any]) -> date | None:
    for key in ("upload-time", "upload_time_iso_8601", "upload_time"):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return as_date(value)
    return None


def release_date_of(files: Iterable[Mapping[str, Any]]) -> date | None:
    """When a release came out: its earliest file's upload time (None when the index gives none)."""
    days = [day for day in (_file_upload_date(entry) for entry in files) if day is not None]
    return min(days) if days else None


def _wheel_tags(filename: str) -> list[tuple[str, str]]:
    """(interpreter, abi) of every tag in a wheel's file name; [] for anything else."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    if not filename.endswith(".whl"):
        return []
    try:
        _name, _version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return []
    return [(tag.interpreter, tag.abi) for tag in tags]


def wheel_supports_python(filename: str, python_version: Sequence[int]) -> bool:
    """Whether a wheel's tags name this Python version: ``cp312``, ``py312``, or abi3 from an older 3.x.

    A pure ``py3`` / ``py2.py3`` wheel installs everywhere but says nothing about which
    versions it was made for: False.
    """
    if len(python_version) < 2:
        return False
    wanted = (int(python_version[0]), int(python_version[1]))
    for interpreter, abi in _wheel_tags(filename):
        match = _CPYTHON_TAG.match(interpreter) or _PY_TAG.match(interpreter)
        if not match:
            continue
        tagged = (int(match.group(1)), int(match.group(2)))
        if tagged == wanted:
            return True
        if abi == "abi3" and interpreter.startswith("cp") and tagged[0] == wanted[0] and tagged <= wanted:
            return True
    return False


def classifiers_support_python(classifiers: Iterable[str], python_version: Sequence[int]) -> bool:
    """Whether a ``Programming Language :: Python :: X.Y`` classifier names this Python or a newer one."""
    if len(python_version) < 2:
        return False
    wanted = (int(python_version[0]), int(python_version[1]))
    for classifier in classifiers:
        match = _CLASSIFIER.match(classifier.strip())
        if match:
            named = (int(match.group(1)), int(match.group(2)))
            if named[0] == wanted[0] and named >= wanted:
                return True
    return False


def release_files(files: Iterable[Mapping[str, Any]], version: str) -> list[Mapping[str, Any]]:
    """The files of one release, from a project's whole file list (:func:`core.pypi.project_files`)."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )
    from packaging.version import InvalidVersion, Version

    try:
        wanted = Version(version)
    except InvalidVersion:
        return []
    chosen = []
    for entry in files:
        filename = str(entry.get("filename", ""))
        try:
            if filename.endswith(".whl"):
                found = parse_wheel_filename(filename)[1]
            else:
                found = parse_sdist_filename(filename)[1]
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
        if found == wanted:
            chosen.append(entry)
    return chosen


def too_old_for_python(
    project: str,
    version: str,
    files: Iterable[Mapping[str, Any]],
    release_date: ReleaseDate,
    python_version: Sequence[int],
    classifiers: Iterable[str] | None = None,
) -> str:
    """A warning when release ``project version`` is much older than the environment's Python.

    Much older: no wheel made for this Python (a ``cpXY`` wheel, or an ``abi3`` one from an
    earlier 3.x; a pure ``py3`` wheel says nothing), no ``Programming Language :: Python :: X.Y``
    classifier for it (when the index's JSON API gave the classifiers), and released before this
    Python's first release.  ``files`` are the release's files on the index (``filename``, maybe
    ``upload-time``); ``release_date`` is when it came out (else its files' upload times say).
    Returns "" when there is nothing to say, or when it cannot be told (no date).
    """
    if len(python_version) < 2:
        return ""
    python = (int(python_version[0]), int(python_version[1]))
    files = list(files)
    if any(wheel_supports_python(str(entry.get("filename", "")), python) for entry in files):
        return ""
    if classifiers is not None and classifiers_support_python(classifiers, python):
        return ""
    released = as_date(release_date) or release_date_of(files)
    python_date = python_release_date(python) or _newer_than_known(python)
    if released is None or python_date is None or released >= python_date:
        return ""
    label = f"Python {python[0]}.{python[1]}"
    return f"{project} {version} is from {released.year}, before {label}; it may not work."


def pinned_release(spec: str) -> tuple[str, str] | None:
    """``(name, version)`` when ``spec`` pins one exact release (``requests==2.6.0``), else None.

    Only a plain ``==`` pin counts: ``==2.*``, ``>=``, two specifiers, a URL or an unparsable
    line are not one release.  Extras are allowed (``requests[socks]==2.6.0``).
    """
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(spec.strip())
    except InvalidRequirement:
        return None
    if requirement.url:
        return None
    specifiers = list(requirement.specifier)
    if len(specifiers) != 1:
        return None
    only = specifiers[0]
    if only.operator != "==" or only.version.endswith(".*"):
        return None
    return requirement.name, only.version


def _classifiers_from_json_api(
    index_url: str, project: str, version: str, timeout: float
) -> tuple[list[str] | None, date | None]:
    """The release's classifiers and upload date from ``<root>/pypi/<name>/<version>/json``, if served."""
    import json
    from urllib.parse import quote

    from core.pypi import fetch, json_api_url

    api = json_api_url(index_url, project)
    if api is None:
        return None, None
    url = api[: -len("json")] + f"{quote(version, safe='')}/json"
    try:
        body, _ = fetch(url, accept="application/json", timeout=timeout)
        document = json.loads(body.decode("utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    info = document.get("info") or {}
    classifiers = info.get("classifiers") if isinstance(info, dict) else None
    urls = document.get("urls") or []
    released = release_date_of(entry for entry in urls if isinstance(entry, dict))
    if not isinstance(classifiers, list):
        return None, released
    return [str(c) for c in classifiers], released


def pinned_release_warning(
    index_url: str, spec: str, python_version: Sequence[int], *, timeout: float = 20.0
) -> str:
    """The :func:`too_old_for_python` warning for a pinned requirement, asking the index.

    Blocking (network): call it from a worker.  "" when ``spec`` is not a pin, when the
    release looks fine, or when the index cannot tell (not reachable, no such release, no
    upload dates): the install itself then says what is wrong.
    """
    from core.pypi import project_files

    pin = pinned_release(spec)
    if pin is None:
        return ""
    name, version = pin
    try:
        files = release_files(project_files(index_url, name, timeout=timeout), version)
    except (OSError, ValueError):
        return ""
    if not files:
        return ""
    classifiers, json_date = _classifiers_from_json_api(index_url, name, version, timeout)
    released = release_date_of(files) or json_date
    return too_old_for_python(name, version, files, released, python_version, classifiers)
