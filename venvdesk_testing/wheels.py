"""Valid pure-Python ``py3-none-any`` wheels, written with :mod:`zipfile`.

No setuptools and no build step: a wheel takes a few milliseconds.  Fixed zip timestamps
make every build byte-identical, so hashes are stable from one run to the next.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

__all__ = [
    "PackageSpec",
    "build_sdist",
    "build_wheel",
    "import_name",
    "normalize",
    "parse_sdist_filename",
    "parse_wheel_filename",
    "read_sdist_metadata",
    "read_wheel_metadata",
    "sdist_filename",
    "record_hash",
    "sha256_file",
    "wheel_filename",
]

_ZIP_DATE = (2024, 1, 1, 0, 0, 0)
_GENERATOR = "venvdesk_testing"


# --------------------------------------------------------------------------- names and hashes


def normalize(name: str) -> str:
    """PEP 503 normalised project name (``Old_Package`` → ``old-package``)."""
    return str(canonicalize_name(name))


def _escape_dist_name(name: str) -> str:
    """PEP 427 escaping of a name for file names: runs of ``-_.`` become ``_`` (case kept)."""
    return re.sub(r"[-_.]+", "_", name)


def import_name(name: str) -> str:
    """The default top-level package a wheel ships (``Old_Package`` → ``old_package``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_filename(name: str, version: str, tag: str = "py3-none-any") -> str:
    """``<name>-<version>-<tag>.whl`` (default ``py3-none-any``) with the name escaped per PEP 427."""
    return f"{_escape_dist_name(name)}-{version}-{tag}.whl"


def parse_wheel_filename(filename: str) -> tuple[str, str]:
    """The (escaped) name and the version in a PEP 427 wheel file name; ``ValueError`` if it is not one."""
    if not filename.endswith(".whl"):
        raise ValueError(f"not a wheel: {filename}")
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        raise ValueError(f"not a PEP 427 wheel file name: {filename}")
    return parts[0], parts[1]


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def record_hash(data: bytes) -> str:
    """The hash column of a wheel's ``RECORD``: ``sha256=`` + urlsafe base64, no padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


# --------------------------------------------------------------------------- writing


def _with_extra(requirement: str, extra: str) -> str:
    base, sep, marker = requirement.partition(";")
    base = base.strip()
    if sep and marker.strip():
        return f'{base}; ({marker.strip()}) and extra == "{extra}"'
    return f'{base}; extra == "{extra}"'


def build_wheel(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    summary: str = "",
    modules: Mapping[str, str] | None = None,
    extras: Mapping[str, Sequence[str]] | None = None,
    license: str | None = "MIT",
    home_page: str | None = None,
    project_urls: Mapping[str, str] | None = None,
    tag: str = "py3-none-any",
    description: str = "",
    description_content_type: str | None = None,
) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into *dest_dir* and return its path.

    *tag* gives the wheel another compatibility tag (``cp39-cp39-win_amd64``: a wheel only
    another platform can install); the files inside stay pure Python.

    *modules* maps archive paths to source text (default: a package
    ``<import_name>/__init__.py`` with ``__version__``).  *extras* maps an extra's
    name to its requirements (``Provides-Extra`` + ``Requires-Dist; extra == ...``).
    The ``RECORD`` lists every file with its hash and size, as pip writes and checks it.
    *description* is the long description (a README), written as the body of ``METADATA``,
    with *description_content_type* (``text/markdown``, ``text/x-rst``...) as its header.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    if modules is None:
        modules = {f"{import_name(name)}/__init__.py": f'__version__ = "{version}"\n'}
    dist_info = f"{_escape_dist_name(name)}-{version}.dist-info"

    headers = [
        ("Metadata-Version", "2.1"),
        ("Name", name),
        ("Version", version),
        ("Summary", summary),
    ]
    if home_page:
        headers.append(("Home-page", home_page))
    if license:
        headers.append(("License", license))
    for label, url in (project_urls or {}).items():
        headers.append(("Project-URL", f"{label}, {url}"))
    if requires_python:
        headers.append(("Requires-Python", requires_python))
    for requirement in requires:
        headers.append(("Requires-Dist", requirement))
    for extra, extra_requires in (extras or {}).items():
        headers.append(("Provides-Extra", extra))
        for requirement in extra_requires:
            headers.append(("Requires-Dist", _with_extra(requirement, extra)))
    if description_content_type:
        headers.append(("Description-Content-Type", description_content_type))
    metadata = "".join(f"{key}: {value}\n" for key, value in headers)
    if description:
        metadata += "\n" + description

    wheel_meta = (
        f"Wheel-Version: 1.0\nGenerator: {_GENERATOR}\nRoot-Is-Purelib: true\nTag: {tag}\n"
    )
    top_level = sorted({path.split("/", 1)[0].removesuffix(".py") for path in modules})

    entries: list[tuple[str, bytes]] = [
        (path, text.encode("utf-8")) for path, text in sorted(modules.items())
    ]
    entries += [
        (f"{dist_info}/METADATA", metadata.encode("utf-8")),
        (f"{dist_info}/WHEEL", wheel_meta.encode("utf-8")),
        (f"{dist_info}/top_level.txt", "".join(f"{t}\n" for t in top_level).encode("utf-8")),
    ]
    record_path = f"{dist_info}/RECORD"
    record_lines = [f"{path},{record_hash(data)},{len(data)}" for path, data in entries]
    record_lines.append(f"{record_path},,")
    entries.append((record_path, ("\n".join(record_lines) + "\n").encode("utf-8")))

    target = dest_dir / wheel_filename(name, version, tag)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries:
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return target


@dataclass(frozen=True)
class PackageSpec:
    """One release in a catalogue: the arguments of :func:`build_wheel`, plus yanking."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    summary: str = ""
    modules: Mapping[str, str] | None = None
    extras: Mapping[str, Sequence[str]] | None = None
    license: str | None = "MIT"
    home_page: str | None = None
    project_urls: Mapping[str, str] | None = None
    yanked: bool | str = False  # True, or the reason as text
    tag: str = "py3-none-any"  # the wheel's compatibility tag
    description: str = ""  # the long description (README), the body of METADATA
    description_content_type: str | None = None  # text/markdown, text/x-rst, text/plain

    def build(self, dest_dir: Path) -> Path:
        return build_wheel(
            dest_dir,
            self.name,
            self.version,
            requires=self.requires,
            requires_python=self.requires_python,
            summary=self.summary,
            modules=self.modules,
            extras=self.extras,
            license=self.license,
            home_page=self.home_page,
            project_urls=self.project_urls,
            tag=self.tag,
            description=self.description,
            description_content_type=self.description_content_type,
        )


# --------------------------------------------------------------------------- source archives

_SDIST_MTIME = 1704067200  # 2024-01-01, as the wheels' zip timestamps


def sdist_filename(name: str, version: str) -> str:
    """``<name>-<version>.tar.gz``, the name normalised with underscores (PEP 625)."""
    return f"{normalize(name).replace('-', '_')}-{version}.tar.gz"


def parse_sdist_filename(filename: str) -> tuple[str, str]:
    """The name and the version in ``<name>-<version>.tar.gz``; ``ValueError`` if it is not one."""
    if not filename.endswith(".tar.gz"):
        raise ValueError(f"not a source archive: {filename}")
    name, sep, version = filename[: -len(".tar.gz")].rpartition("-")
    if not sep or not name or not version:
        raise ValueError(f"not a <name>-<version>.tar.gz file name: {filename}")
    return name, version


def build_sdist(
    dest_dir: Path,
    name: str,
    version: str,
    files: Mapping[str, str],
    *,
    requires_python: str | None = None,
    summary: str = "",
    build_requires: Sequence[str] = ("setuptools>=40.8.0",),
    build_backend: str = "setuptools.build_meta",
) -> Path:
    """Write a source archive ``<name>-<version>.tar.gz`` into *dest_dir* and return its path.

    *files* maps paths inside the project (``setup.py``, ``src/ext.c``, ...) to their text;
    ``PKG-INFO`` and, unless *files* has one, a ``pyproject.toml`` naming *build_requires*
    and *build_backend* are added.  pip builds it for real (its build isolation installs
    *build_requires* from the index), so a C extension in it really meets the compiler.
    Fixed timestamps make every build byte-identical.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    headers = [("Metadata-Version", "2.1"), ("Name", name), ("Version", version), ("Summary", summary)]
    if requires_python:
        headers.append(("Requires-Python", requires_python))
    contents = dict(files)
    contents["PKG-INFO"] = "".join(f"{key}: {value}\n" for key, value in headers)
    if "pyproject.toml" not in contents:
        requires = ", ".join(f'"{requirement}"' for requirement in build_requires)
        contents["pyproject.toml"] = (
            f'[build-system]\nrequires = [{requires}]\nbuild-backend = "{build_backend}"\n'
        )
    target = dest_dir / sdist_filename(name, version)
    top = target.name[: -len(".tar.gz")]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, text in sorted(contents.items()):
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            info.mtime = _SDIST_MTIME
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    with open(target, "wb") as handle, gzip.GzipFile(
        filename="", mode="wb", fileobj=handle, mtime=0
    ) as compressed:
        compressed.write(buffer.getvalue())
    return target


# --------------------------------------------------------------------------- reading


def read_wheel_metadata(path: Path) -> dict[str, Any]:
    """The wheel's ``METADATA`` as a dict of PyPI-style ``info`` fields (best effort; ``{}`` if none)."""
    with zipfile.ZipFile(path) as archive:
        candidates = [
            n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        ]
        if not candidates:
            return {}
        text = archive.read(candidates[0]).decode("utf-8", "replace")
    return _metadata_fields(text)


def read_sdist_metadata(path: Path) -> dict[str, Any]:
    """A source archive's top-level ``PKG-INFO`` as :func:`read_wheel_metadata` reads ``METADATA``."""
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                handle = archive.extractfile(member)
                if handle is not None:
                    return _metadata_fields(handle.read().decode("utf-8", "replace"))
    return {}


def _metadata_fields(text: str) -> dict[str, Any]:
    message = HeaderParser().parsestr(text)
    project_urls: dict[str, str] = {}
    for entry in message.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        project_urls[label.strip()] = url.strip()
    description = message.get("Description") or message.get_payload() or ""
    return {
        "name": message.get("Name"),
        "version": message.get("Version"),
        "summary": message.get("Summary") or "",
        "license": message.get("License") or "",
        "home_page": message.get("Home-page") or "",
        "author": message.get("Author") or "",
        "author_email": message.get("Author-email") or "",
        "requires_python": message.get("Requires-Python") or None,
        "requires_dist": message.get_all("Requires-Dist") or None,
        "provides_extra": message.get_all("Provides-Extra") or None,
        "classifiers": message.get_all("Classifier") or [],
        "project_urls": project_urls or None,
        "description": description if isinstance(description, str) else "",
        "description_content_type": message.get("Description-Content-Type") or None,
    }
