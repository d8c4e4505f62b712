"""A hermetic package index for tests: hand-built wheels served on 127.0.0.1.

Tests never touch the internet.  Everything pip needs comes from here:

* :func:`build_wheel` writes a valid pure-Python ``py3-none-any`` wheel with
  :mod:`zipfile` (no setuptools, no build step, a few milliseconds each).
* :func:`build_index` writes a catalogue of such wheels (:data:`DEFAULT_PACKAGES`)
  plus any wheels passed in as-is, and the documents an index serves:

  - ``simple/index.html`` and ``simple/<project>/index.html`` (PEP 503),
  - ``simple/index.json`` and ``simple/<project>/index.json`` (PEP 691 / PEP 700),
  - ``pypi/<project>/json`` and ``pypi/<project>/<version>/json`` (PyPI's JSON API),
  - ``files/<wheel>``.

* :class:`LocalIndexServer` serves such a folder from a daemon thread, with
  PEP 691 content negotiation and switches for slow downloads, an HTML-only
  index and an index that is down.  Simple pages carry ``ETag`` and
  ``Last-Modified`` and answer conditional requests with 304, like PyPI.
* :func:`hermetic_pip_env` / :func:`hermetic_pip_args` make a pip process
  ignore this machine's pip configuration (``/etc/pip.conf``,
  ``/etc/xdg/pip/pip.conf``, ``PIP_FIND_LINKS``, ...) and use only the local index.

URLs in the JSON API documents on disk are root-relative (``/files/...``); the
server rewrites them to absolute ``http://127.0.0.1:PORT/...`` URLs when serving.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import os
import re
import shutil
import socketserver
import sys
import threading
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.parser import HeaderParser
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = [
    "DEFAULT_PACKAGES",
    "PEP691_HTML",
    "PEP691_JSON",
    "LocalIndexServer",
    "PackageSpec",
    "RequestRecord",
    "build_index",
    "build_wheel",
    "hermetic_pip_args",
    "hermetic_pip_env",
    "import_name",
    "normalize",
    "sha256_file",
    "wheel_filename",
]

PEP691_JSON = "application/vnd.pypi.simple.v1+json"
PEP691_HTML = "application/vnd.pypi.simple.v1+html"
SIMPLE_API_VERSION = "1.1"  # PEP 700: files carry size/upload-time, pages list versions

# Fixed zip timestamps make every build byte-identical, so hashes are stable.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)
_UPLOAD_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
_GENERATOR = "venvdesk-tests (local_index.py)"


# --------------------------------------------------------------------------- names


def normalize(name: str) -> str:
    """PEP 503 normalised project name (``Old_Package`` → ``old-package``)."""
    return canonicalize_name(name)


def _escape_dist_name(name: str) -> str:
    """PEP 427 escaping of a name for file names: runs of ``-_.`` become ``_`` (case kept)."""
    return re.sub(r"[-_.]+", "_", name)


def import_name(name: str) -> str:
    """The default top-level package a catalogue wheel ships (``Old_Package`` → ``old_package``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_filename(name: str, version: str) -> str:
    """``<name>-<version>-py3-none-any.whl`` with the name escaped per PEP 427."""
    return f"{_escape_dist_name(name)}-{version}-py3-none-any.whl"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


# --------------------------------------------------------------------------- wheels


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
) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into *dest_dir* and return its path.

    *modules* maps archive paths to source text (default: a package
    ``<import_name>/__init__.py`` with ``__version__``).  *extras* maps an extra's
    name to its requirements (``Provides-Extra`` + ``Requires-Dist; extra == ...``).
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
    metadata = "".join(f"{key}: {value}\n" for key, value in headers)

    wheel_meta = (
        f"Wheel-Version: 1.0\nGenerator: {_GENERATOR}\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
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
    record_lines = [f"{path},{_record_hash(data)},{len(data)}" for path, data in entries]
    record_lines.append(f"{record_path},,")
    entries.append((record_path, ("\n".join(record_lines) + "\n").encode("utf-8")))

    target = dest_dir / wheel_filename(name, version)
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
        )


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


# --------------------------------------------------------------------------- index


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
    metadata: dict = field(default_factory=dict)
    upload_time: datetime = _UPLOAD_EPOCH


def _parse_wheel_filename(filename: str) -> tuple[str, str]:
    if not filename.endswith(".whl"):
        raise ValueError(f"not a wheel: {filename}")
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        raise ValueError(f"not a PEP 427 wheel file name: {filename}")
    return parts[0], parts[1]


def _read_wheel_metadata(path: Path) -> dict:
    """The wheel's METADATA as a dict of PyPI-style ``info`` fields (best effort)."""
    with zipfile.ZipFile(path) as archive:
        candidates = [
            n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        ]
        if not candidates:
            return {}
        text = archive.read(candidates[0]).decode("utf-8", "replace")
    message = HeaderParser().parsestr(text)
    project_urls = {}
    for entry in message.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
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
    }


def _version_key(version: str):
    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, Version("0"), version)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _write_json(path: Path, document: dict) -> None:
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


def _pypi_file_entry(item: _IndexedFile) -> dict:
    return {
        "filename": item.filename,
        "url": _file_url(item.filename),
        "packagetype": "bdist_wheel",
        "python_version": "py3",
        "requires_python": item.requires_python,
        "size": item.size,
        "digests": {"sha256": item.sha256},
        "yanked": bool(item.yanked),
        "yanked_reason": item.yanked if isinstance(item.yanked, str) and item.yanked else None,
        "upload_time": item.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": _iso(item.upload_time),
        "has_sig": False,
        "comment_text": "",
    }


def _pypi_info(project: str, item: _IndexedFile) -> dict:
    meta = item.metadata
    return {
        "name": meta.get("name") or item.name,
        "version": item.version,
        "summary": meta.get("summary", ""),
        "description": meta.get("description", ""),
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
        "yanked_reason": item.yanked if isinstance(item.yanked, str) and item.yanked else None,
    }


def _latest(files: list[_IndexedFile]) -> _IndexedFile:
    """What PyPI shows as the project's version: newest non-yanked final release."""

    def rank(item: _IndexedFile):
        key = _version_key(item.version)
        stable = key[0] == 1 and not key[1].is_prerelease
        return (not item.yanked, stable, key)

    return max(files, key=rank)


def build_index(
    root: Path,
    packages: Iterable[PackageSpec | Mapping] = DEFAULT_PACKAGES,
    extra_wheels: Iterable[Path] = (),
) -> Path:
    """Build wheels and index documents under *root* (created if needed); returns *root*.

    *packages* are :class:`PackageSpec` (or dicts of its fields).  *extra_wheels*
    are copied into ``files/`` unchanged; their name and version come from the
    file name, the rest of their metadata from their ``METADATA``.
    """
    root = Path(root)
    files_dir = root / "files"
    files_dir.mkdir(parents=True, exist_ok=True)

    yanked: dict[str, bool | str] = {}
    wheels: list[Path] = []
    for spec in packages:
        if isinstance(spec, Mapping):
            spec = PackageSpec(**spec)
        path = spec.build(files_dir)
        yanked[path.name] = spec.yanked
        wheels.append(path)
    for wheel in extra_wheels:
        wheel = Path(wheel)
        _parse_wheel_filename(wheel.name)  # reject non-wheels early
        target = files_dir / wheel.name
        if wheel.resolve() != target.resolve():
            shutil.copyfile(wheel, target)
        wheels.append(target)

    projects: dict[str, list[_IndexedFile]] = {}
    for path in wheels:
        file_name, version = _parse_wheel_filename(path.name)
        metadata = _read_wheel_metadata(path)
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

            entry: dict = {
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

        releases: dict[str, list[dict]] = {version: [] for version in versions}
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
    return root


# --------------------------------------------------------------------------- server


@dataclass
class RequestRecord:
    method: str
    path: str  # as requested, with query string
    accept: str | None
    status: int | None = None  # filled in once the response line is sent
    content_type: str | None = None


_JSON_TYPES = {PEP691_JSON, "application/vnd.pypi.simple.latest+json"}
_HTML_TYPES = {PEP691_HTML, "application/vnd.pypi.simple.latest+html"}


def _negotiate(accept: str | None) -> str:
    """The content type to answer a simple-page request with (PEP 691)."""
    if not accept:
        return "text/html"
    offers = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            offers.append((-quality, position, media.lower()))
    for _q, _pos, media in sorted(offers):
        if media in _JSON_TYPES:
            return PEP691_JSON
        if media in _HTML_TYPES:
            return PEP691_HTML
        if media in ("text/html", "text/*", "*/*"):
            return "text/html"
    return "text/html"  # PEP 691 allows a default instead of 406


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalIndex/1.0"
    timeout = 30  # idle keep-alive connections give up their thread eventually
    # Without it every response on a kept-alive connection (pip's) waits ~40 ms for delayed ACKs.
    disable_nagle_algorithm = True
    server: _HTTPServer

    # -- plumbing

    def log_message(self, format, *args):
        pass  # quiet: no stderr spam

    def send_response(self, code, message=None):
        if self._record is not None:
            self._record.status = int(code)
        super().send_response(code, message)

    _record: RequestRecord | None = None

    def _reply(self, status: int, body: bytes, content_type: str, headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if self._record is not None:
            self._record.content_type = content_type

    def _text(self, status: int, text: str, headers=()) -> None:
        self._reply(status, text.encode("utf-8"), "text/plain; charset=utf-8", headers)

    def _redirect(self, location: str, query: str) -> None:
        if query:
            location += "?" + query
        self._text(HTTPStatus.MOVED_PERMANENTLY, f"See {location}\n", [("Location", location)])

    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    # -- routing

    def _dispatch(self) -> None:
        owner = self.server.owner
        self._record = RequestRecord(self.command, self.path, self.headers.get("Accept"))
        owner.requests.append(self.path)
        owner.log.append(self._record)
        try:
            if owner.down:
                self._text(
                    HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable\n", [("Retry-After", "1")]
                )
                return
            split = urlsplit(self.path)
            path, query = unquote(split.path), split.query
            parts = path.split("/")[1:]  # "/simple/x/" -> ["simple", "x", ""]
            trailing = path.endswith("/")
            segments = [p for p in parts if p]
            if any(p in (".", "..") or "\\" in p for p in segments):
                self._text(HTTPStatus.NOT_FOUND, "Not Found\n")
                return
            if segments[:1] == ["simple"] and len(segments) <= 2:
                self._simple(segments[1:], trailing, query)
            elif segments[:1] == ["files"] and len(segments) == 2 and not trailing:
                self._file(owner.root / "files" / segments[1])
            elif segments[:1] == ["pypi"] and len(segments) in (3, 4) and segments[-1] == "json":
                self._pypi_json(segments, query)
            else:
                self._text(HTTPStatus.NOT_FOUND, "Not Found\n")
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away (e.g. a cancelled pip)
        finally:
            self._record = None

    def _simple(self, rest: list[str], trailing: bool, query: str) -> None:
        owner = self.server.owner
        if rest:
            project = normalize(rest[0])
            if rest[0] != project or not trailing:
                self._redirect(f"/simple/{project}/", query)
                return
            folder = owner.root / "simple" / project
        else:
            if not trailing:
                self._redirect("/simple/", query)
                return
            folder = owner.root / "simple"
        if not (folder / "index.html").is_file():
            self._text(HTTPStatus.NOT_FOUND, "Not Found\n")
            return
        accept = self.headers.get("Accept")
        requested = parse_qs(query).get("format")
        if requested:
            accept = requested[-1]
        # An HTML-only index behaves like a pre-PEP 691 static server: it ignores Accept.
        content_type = "text/html" if owner.html_only else _negotiate(accept)
        page = folder / ("index.json" if content_type == PEP691_JSON else "index.html")
        body = page.read_bytes()
        if content_type == "text/html":
            content_type = "text/html; charset=utf-8"
        headers = [("Vary", "Accept")]
        if owner.last_serial is not None:
            headers.append(("X-PyPI-Last-Serial", str(owner.last_serial)))
        compress = owner.gzip_simple and _accepts_gzip(self.headers.get("Accept-Encoding"))
        etag = None
        if owner.send_etag:
            digest = hashlib.sha256(body).hexdigest()[:32]
            # A gzip'd body is another representation, so it gets its own tag (as Apache does).
            etag = f'"{digest}-gzip"' if compress else f'"{digest}"'
            headers.append(("ETag", etag))
        modified = None
        if owner.send_last_modified:
            modified = int(page.stat().st_mtime)
            headers.append(("Last-Modified", formatdate(modified, usegmt=True)))
        if _not_modified(self.headers, etag, modified):
            self._not_modified_reply(headers)
            return
        if compress:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self._reply(HTTPStatus.OK, body, content_type, headers)

    def _not_modified_reply(self, headers) -> None:
        self.send_response(HTTPStatus.NOT_MODIFIED)
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()  # a 304 has no body (and so no Content-Length)

    def _file(self, path: Path) -> None:
        owner = self.server.owner
        if not path.is_file():
            self._text(HTTPStatus.NOT_FOUND, "Not Found\n")
            return
        size = path.stat().st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if self._record is not None:
            self._record.content_type = "application/octet-stream"
        if self.command == "HEAD":
            return
        delay = owner.delay_per_chunk
        chunk_size = max(1, owner.chunk_size) if delay > 0 else 1 << 16
        with open(path, "rb") as handle:
            while True:
                chunk = handle.read(chunk_size)
                if not chunk:
                    break
                if delay > 0 and owner._closing.wait(delay):
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
                self.wfile.flush()

    def _pypi_json(self, segments: list[str], query: str) -> None:
        owner = self.server.owner
        project = normalize(segments[1])
        if segments[1] != project:
            self._redirect("/" + "/".join(["pypi", project, *segments[2:]]), query)
            return
        path = owner.root.joinpath(*segments)
        if not path.is_file():
            self._text(HTTPStatus.NOT_FOUND, "Not Found\n")
            return
        document = _absolutize(json.loads(path.read_text(encoding="utf-8")), owner.url)
        body = json.dumps(document, indent=2).encode("utf-8")
        self._reply(HTTPStatus.OK, body, "application/json")


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        if coding.lower() in ("gzip", "x-gzip") and not any(
            p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params
        ):
            return True
    return False


def _etag_matches(header: str, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against the page's tag."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    base = bare.removesuffix('-gzip"') + '"' if bare.endswith('-gzip"') else bare
    return any(
        tag.strip().removeprefix("W/") in (bare, base) for tag in header.split(",") if tag.strip()
    )


def _not_modified(request_headers, etag: str | None, modified: int | None) -> bool:
    """Whether a conditional GET may be answered 304 (``If-None-Match`` wins over the date)."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        return etag is not None and _etag_matches(if_none_match, etag)
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since and modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return modified <= since.timestamp()
    return False


_URL_KEYS = {"url", "package_url", "project_url", "release_url"}


def _absolutize(node, base: str):
    if isinstance(node, dict):
        return {
            key: (
                base + value
                if key in _URL_KEYS and isinstance(value, str) and value.startswith("/")
                else _absolutize(value, base)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolutize(value, base) for value in node]
    return node


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The app asks for many projects at once; the default backlog of 5 drops connections,
    # and each dropped one is retried a second later.
    request_queue_size = 128

    def __init__(self, owner: LocalIndexServer):
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn): skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if error is not None:
            self.owner.errors.append(error)


class LocalIndexServer:
    """Serve an index folder (see :func:`build_index`) on ``127.0.0.1:<free port>``.

    Use as a context manager (or :meth:`start` / :meth:`stop`).  These
    attributes may be changed while it runs; each request reads them afresh:

    ``delay_per_chunk``
        Seconds to sleep before each ``chunk_size`` bytes of a ``/files/``
        download (0: no delay, whole file at once).  A download then takes
        about ``ceil(size / chunk_size) * delay_per_chunk`` seconds.
    ``chunk_size``
        Bytes per chunk for slowed downloads (catalogue wheels are ~1 KB).
    ``html_only``
        Ignore PEP 691 and ``Accept``: simple pages are always ``text/html``, as
        on a legacy (pre-PEP 691) or static index.
    ``down``
        Answer 503 to every request (pip retries 503 by default: pass
        ``--retries 0`` to make it fail fast).
    ``send_etag`` / ``send_last_modified``
        Give simple pages an ``ETag`` (from the body) / ``Last-Modified`` (the
        file's mtime) and answer ``If-None-Match`` / ``If-Modified-Since`` with
        304 Not Modified (both on by default).
    ``last_serial``
        When not ``None``, simple pages carry ``X-PyPI-Last-Serial: <value>``.
    ``gzip_simple``
        Compress simple pages (``Content-Encoding: gzip``) for clients that
        send ``Accept-Encoding: gzip``, as PyPI's CDN does (off by default).

    ``requests`` lists every requested path (with query); ``log`` has a
    :class:`RequestRecord` for each; ``errors`` collects exceptions raised in
    handler threads (not printed).
    """

    def __init__(
        self,
        root: Path,
        *,
        delay_per_chunk: float = 0.0,
        chunk_size: int = 256,
        html_only: bool = False,
        down: bool = False,
        send_etag: bool = True,
        send_last_modified: bool = True,
        last_serial: int | None = None,
        gzip_simple: bool = False,
    ):
        self.root = Path(root)
        self.delay_per_chunk = delay_per_chunk
        self.chunk_size = chunk_size
        self.html_only = html_only
        self.down = down
        self.send_etag = send_etag
        self.send_last_modified = send_last_modified
        self.last_serial = last_serial
        self.gzip_simple = gzip_simple
        self.requests: list[str] = []
        self.log: list[RequestRecord] = []
        self.errors: list[BaseException] = []
        self._closing = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> LocalIndexServer:
        if self._httpd is not None:
            return self
        self._closing.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LocalIndexServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._closing.set()  # wake slowed downloads so they give up
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> LocalIndexServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- addresses

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("LocalIndexServer is not running")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def json_url(self, project: str, version: str | None = None) -> str:
        """PyPI JSON API address of a project (or of one of its releases)."""
        if version is None:
            return f"{self.url}/pypi/{normalize(project)}/json"
        return f"{self.url}/pypi/{normalize(project)}/{version}/json"

    def clear_log(self) -> None:
        self.requests.clear()
        self.log.clear()
        self.errors.clear()


# --------------------------------------------------------------------------- pip


def hermetic_pip_env(base_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for running pip in tests, free of this machine's pip settings.

    Drops every ``PIP_*`` variable, then sets ``PIP_CONFIG_FILE=os.devnull`` (the
    only switch that makes pip skip the *global* and *site* config files such
    as ``/etc/xdg/pip/pip.conf``: ``--isolated`` alone does not), no cache, no
    version check, no prompts, unbuffered output, and no proxy for 127.0.0.1.
    """
    env = dict(os.environ if base_env is None else base_env)
    for key in list(env):
        if key.upper().startswith("PIP_"):
            del env[key]
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for key in ("NO_PROXY", "no_proxy"):
        hosts = [h for h in env.get(key, "").split(",") if h.strip()]
        for host in ("127.0.0.1", "localhost"):
            if host not in hosts:
                hosts.append(host)
        env[key] = ",".join(hosts)
    return env


def hermetic_pip_args(index_url: str) -> list[str]:
    """pip options that use only *index_url*.

    ``--isolated`` ignores ``PIP_*`` variables and the user's config file (the
    global/site files need :func:`hermetic_pip_env`).  Because it also ignores
    ``PIP_DISABLE_PIP_VERSION_CHECK``, the check is disabled here too: otherwise
    pip asks the index for ``/simple/pip/`` after every command.
    """
    return [
        "--isolated",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--index-url",
        index_url,
    ]
