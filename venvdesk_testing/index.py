"""An index folder on disk, as a package index serves it.

:func:`build_index` writes wheels (a catalogue of :class:`~venvdesk_testing.wheels.PackageSpec`,
by default :data:`DEFAULT_PACKAGES`, plus any wheels passed in as they are) and the documents
an index serves:

- ``simple/index.html`` and ``simple/<project>/index.html`` (PEP 503),
- ``simple/index.json`` and ``simple/<project>/index.json`` (PEP 691 / PEP 700),
- ``pypi/<project>/json`` and ``pypi/<project>/<version>/json`` (PyPI's JSON API),
- ``files/<wheel>``.

URLs in the JSON API documents are root-relative (``/files/...``);
:class:`~venvdesk_testing.server.LocalIndexServer` makes them absolute when serving.
Building again into the same folder (with more wheels, say) rewrites every document, each
one atomically, so a server already serving the folder never sends half a page.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from venvdesk_testing.wheels import (
    PackageSpec,
    normalize,
    parse_sdist_filename,
    parse_wheel_filename,
    read_sdist_metadata,
    read_wheel_metadata,
    sha256_file,
)

__all__ = [
    "DEFAULT_PACKAGES",
    "PEP691_HTML",
    "PEP691_JSON",
    "SIMPLE_API_VERSION",
    "build_index",
]

PEP691_JSON = "application/vnd.pypi.simple.v1+json"
PEP691_HTML = "application/vnd.pypi.simple.v1+html"
SIMPLE_API_VERSION = "1.1"  # PEP 700: files carry size/upload-time, pages list versions

_UPLOAD_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _home(name: str) -> str:
    # .invalid can never resolve (RFC 2606): nothing in a test can reach it.
    return f"https://{normalize(name)}.example.invalid/"


DEFAULT_PACKAGES: tuple[PackageSpec, ...] = (
    PackageSpec("tinyapp", "1.0", summary="A tiny application.", home_page=_home("tinyapp")),
    PackageSpec(
        "tinyapp",
        "2.0",
        requires=("tinyutil>=1.0",),
        summary="A tiny application, now with helpers.",
        home_page=_home("tinyapp"),
        project_urls={"Source": "https://example.invalid/src/tinyapp"},
    ),
    PackageSpec("tinyutil", "1.0", summary="Tiny helper functions."),
    PackageSpec("tinyutil", "1.1", summary="Tiny helper functions, polished."),
    PackageSpec("tinyextra", "0.1", summary="A tiny package with optional extras.", license="BSD"),
    PackageSpec(
        "tinyextra",
        "0.2",
        extras={"fancy": ["tinyutil"]},
        summary="A tiny package with an optional 'fancy' extra.",
        license="BSD",
    ),
    PackageSpec("Old_Package", "0.9", summary="Mixed-case name with an underscore."),
    PackageSpec("Old_Package", "1.0", summary="Mixed-case name with an underscore (1.0)."),
    PackageSpec("needsnew", "0.5", summary="Installs anywhere."),
    PackageSpec(
        "needsnew",
        "1.0",
        requires_python=">=3.99",
        summary="Needs a Python from the future.",
    ),
)


# --------------------------------------------------------------------------- one indexed file


@dataclass
class _IndexedFile:
    filename: str
    name: str  # display name (from METADATA when present)
    project: str  # normalised
    version: str
    sha256: str
    size: int
    requires_python: str | None
    yanked: bool | str
    metadata: dict[str, Any] = field(default_factory=dict)
    upload_time: datetime = _UPLOAD_EPOCH


def _version_key(version: str) -> tuple[int, Version, str]:
    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, Version("0"), version)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _write(path: Path, text: str) -> None:
    """Write *text* to *path* atomically (a server may be reading the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    _write(path, json.dumps(document, indent=2, sort_keys=False) + "\n")


def _html_page(title: str, body_lines: Iterable[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{SIMPLE_API_VERSION}">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n"
        + "".join(f"    {line}<br/>\n" for line in body_lines)
        + "  </body>\n</html>\n"
    )


def _file_url(filename: str) -> str:
    return f"/files/{filename}"


def _yanked_reason(item: _IndexedFile) -> str | None:
    return item.yanked if isinstance(item.yanked, str) and item.yanked else None


def _pypi_file_entry(item: _IndexedFile) -> dict[str, Any]:
    sdist = item.filename.endswith(".tar.gz")
    return {
        "filename": item.filename,
        "url": _file_url(item.filename),
        "packagetype": "sdist" if sdist else "bdist_wheel",
        "python_version": "source" if sdist else "py3",
        "requires_python": item.requires_python,
        "size": item.size,
        "digests": {"sha256": item.sha256},
        "yanked": bool(item.yanked),
        "yanked_reason": _yanked_reason(item),
        "upload_time": item.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": _iso(item.upload_time),
        "has_sig": False,
        "comment_text": "",
    }


def _pypi_info(project: str, item: _IndexedFile) -> dict[str, Any]:
    meta = item.metadata
    return {
        "name": meta.get("name") or item.name,
        "version": item.version,
        "summary": meta.get("summary", ""),
        "description": meta.get("description", ""),
        "description_content_type": meta.get("description_content_type"),
        "license": meta.get("license", ""),
        "home_page": meta.get("home_page", ""),
        "author": meta.get("author", ""),
        "author_email": meta.get("author_email", ""),
        "project_urls": meta.get("project_urls"),
        "requires_python": item.requires_python,
        "requires_dist": meta.get("requires_dist"),
        "provides_extra": meta.get("provides_extra"),
        "classifiers": meta.get("classifiers", []),
        "package_url": f"/project/{project}/",
        "project_url": f"/project/{project}/",
        "release_url": f"/project/{project}/{item.version}/",
        "yanked": bool(item.yanked),
        "yanked_reason": _yanked_reason(item),
    }


def _latest(files: list[_IndexedFile]) -> _IndexedFile:
    """What PyPI shows as the project's version: newest non-yanked final release."""

    def rank(item: _IndexedFile) -> tuple[bool, bool, tuple[int, Version, str]]:
        key = _version_key(item.version)
        stable = key[0] == 1 and not key[1].is_prerelease
        return (not item.yanked, stable, key)

    return max(files, key=rank)


# --------------------------------------------------------------------------- the folder


def build_index(
    root: Path,
    packages: Iterable[PackageSpec | Mapping[str, Any]] = DEFAULT_PACKAGES,
    extra_wheels: Iterable[Path] = (),
    sdists: Iterable[Path] = (),
) -> Path:
    """Build wheels and index documents under *root* (created if needed); returns *root*.

    *packages* are :class:`~venvdesk_testing.wheels.PackageSpec` (or dicts of its fields).
    *extra_wheels* are copied into ``files/`` unchanged; their name and version come from
    the file name, the rest of their metadata from their ``METADATA``.  *sdists* are source
    archives (``<name>-<version>.tar.gz``, see :func:`~venvdesk_testing.wheels.build_sdist`),
    copied and listed the same way, their metadata from their ``PKG-INFO``.
    """
    root = Path(root)
    files_dir = root / "files"
    files_dir.mkdir(parents=True, exist_ok=True)

    yanked: dict[str, bool | str] = {}
    wheels: list[Path] = []
    for entry in packages:
        spec = PackageSpec(**entry) if isinstance(entry, Mapping) else entry
        path = spec.build(files_dir)
        yanked[path.name] = spec.yanked
        wheels.append(path)
    for extra in extra_wheels:
        wheel = Path(extra)
        parse_wheel_filename(wheel.name)  # reject non-wheels early
        target = files_dir / wheel.name
        if wheel.resolve() != target.resolve():
            shutil.copyfile(wheel, target)
        wheels.append(target)
    for extra in sdists:
        archive = Path(extra)
        parse_sdist_filename(archive.name)  # reject anything else early
        target = files_dir / archive.name
        if archive.resolve() != target.resolve():
            shutil.copyfile(archive, target)
        wheels.append(target)

    projects: dict[str, list[_IndexedFile]] = {}
    for path in wheels:
        if path.name.endswith(".tar.gz"):
            file_name, version = parse_sdist_filename(path.name)
            metadata = read_sdist_metadata(path)
        else:
            file_name, version = parse_wheel_filename(path.name)
            metadata = read_wheel_metadata(path)
        project = normalize(file_name)
        projects.setdefault(project, []).append(
            _IndexedFile(
                filename=path.name,
                name=metadata.get("name") or file_name,
                project=project,
                version=version,
                sha256=sha256_file(path),
                size=path.stat().st_size,
                requires_python=metadata.get("requires_python"),
                yanked=yanked.get(path.name, False),
                metadata=metadata,
            )
        )

    # Deterministic fake upload times: one day apart, oldest version first.
    for files in projects.values():
        files.sort(key=lambda item: (_version_key(item.version), item.filename))
        for day, item in enumerate(files):
            item.upload_time = _UPLOAD_EPOCH + timedelta(days=day)

    simple = root / "simple"
    names = sorted(projects)
    _write(
        simple / "index.html",
        _html_page(
            "Simple index",
            (f'<a href="{html.escape(p)}/">{html.escape(projects[p][-1].name)}</a>' for p in names),
        ),
    )
    _write_json(
        simple / "index.json",
        {
            "meta": {"api-version": SIMPLE_API_VERSION},
            "projects": [{"name": projects[p][-1].name} for p in names],
        },
    )
    for project, files in projects.items():
        _write_project(root, project, files)
    return root


def _write_project(root: Path, project: str, files: list[_IndexedFile]) -> None:
    """The simple pages (HTML and JSON) and the JSON API documents of one project."""
    simple = root / "simple"
    links = []
    json_files = []
    for item in files:
        href = f"../../files/{item.filename}#sha256={item.sha256}"
        attributes = f'href="{html.escape(href)}"'
        if item.requires_python:
            attributes += f' data-requires-python="{html.escape(item.requires_python)}"'
        if item.yanked:
            reason = item.yanked if isinstance(item.yanked, str) else ""
            attributes += f' data-yanked="{html.escape(reason)}"'
        links.append(f"<a {attributes}>{html.escape(item.filename)}</a>")

        entry: dict[str, Any] = {
            "filename": item.filename,
            "url": f"../../files/{item.filename}",
            "hashes": {"sha256": item.sha256},
        }
        if item.requires_python:
            entry["requires-python"] = item.requires_python
        entry["yanked"] = item.yanked if item.yanked else False
        entry["size"] = item.size
        entry["upload-time"] = _iso(item.upload_time)
        json_files.append(entry)

    _write(simple / project / "index.html", _html_page(f"Links for {project}", links))
    versions = sorted({item.version for item in files}, key=_version_key)
    _write_json(
        simple / project / "index.json",
        {
            "meta": {"api-version": SIMPLE_API_VERSION},
            "name": project,
            "versions": versions,
            "files": json_files,
        },
    )

    releases: dict[str, list[dict[str, Any]]] = {version: [] for version in versions}
    for item in files:
        releases[item.version].append(_pypi_file_entry(item))
    latest = _latest(files)
    _write_json(
        root / "pypi" / project / "json",
        {
            "info": _pypi_info(project, latest),
            "last_serial": len(files),
            "releases": releases,
            "urls": [_pypi_file_entry(i) for i in files if i.version == latest.version],
            "vulnerabilities": [],
        },
    )
    for version in versions:
        in_version = [i for i in files if i.version == version]
        _write_json(
            root / "pypi" / project / version / "json",
            {
                "info": _pypi_info(project, in_version[-1]),
                "last_serial": len(files),
                "urls": [_pypi_file_entry(i) for i in in_version],
                "vulnerabilities": [],
            },
        )
