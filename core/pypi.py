"""The package index: which one pip would use, and plain HTTP reads from it.

The URL is resolved the way pip resolves it (the app's own setting first, then
``PIP_INDEX_URL``, then pip's configuration files), so a company mirror the
person configured for pip is used for every request the app makes too.  The
functions here block: the GUI calls them from worker threads.
"""

from __future__ import annotations

import configparser
import functools
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from core.names import canonical_name

if TYPE_CHECKING:
    import urllib.request

PYPI_SIMPLE_URL = "https://pypi.org/simple/"
PEP691_JSON = "application/vnd.pypi.simple.v1+json"
USER_AGENT = "venvdesk/0.1"


def pip_config_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """pip's configuration files in the order pip reads them (later ones win)."""
    variables: Mapping[str, str] = os.environ if env is None else env
    if variables.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    files: list[Path] = []
    if sys.platform == "win32":
        program_data = variables.get("PROGRAMDATA", r"C:\ProgramData")
        files.append(Path(program_data) / "pip" / "pip.ini")
        appdata = variables.get("APPDATA")
        if appdata:
            files.append(Path(appdata) / "pip" / "pip.ini")
        files.append(Path.home() / "pip" / "pip.ini")
    else:
        xdg_dirs = variables.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
        files += [Path(d) / "pip" / "pip.conf" for d in reversed(xdg_dirs) if d]
        files.append(Path("/etc/pip.conf"))
        files.append(Path.home() / ".pip" / "pip.conf")
        config_home = variables.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        files.append(Path(config_home) / "pip" / "pip.conf")
    config_file = variables.get("PIP_CONFIG_FILE")
    if config_file:
        files.append(Path(config_file))
    return files


# What identifies one state of one configuration file: its path and, when it exists, its
# (mtime_ns, size, inode, ctime_ns).  Optional, not "| None": Python 3.9 evaluates this line.
_FileState = tuple[str, Optional[tuple[int, int, int, int]]]


def _file_state(path: Path) -> _FileState:
    try:
        status = path.stat()
    except OSError:  # missing (the usual case) or not reachable: pip reads nothing from it either
        return (str(path), None)
    return (str(path), (status.st_mtime_ns, status.st_size, status.st_ino, status.st_ctime_ns))


@functools.lru_cache(maxsize=16)
def _index_url_in_config_files(files: tuple[_FileState, ...]) -> str:
    """The ``index-url`` pip's configuration files set ("" when none does).

    Cached on the files' paths and states: each state of the configuration is parsed once,
    and a file that is created, edited, replaced or removed (or an environment variable that
    points pip elsewhere, which changes the paths) is seen at the next call.
    """
    # pip's precedence: an [install] value beats any [global] one; within a section, later files win.
    found = {"global": "", "install": ""}
    for path, state in files:
        if state is None:
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error, UnicodeDecodeError):
            continue  # pip itself skips unreadable files the same way
        for section in found:
            if parser.has_option(section, "index-url"):
                found[section] = parser.get(section, "index-url").strip()
    return found["install"] or found["global"]


def configured_index_url(app_setting: str = "", env: Mapping[str, str] | None = None) -> str:
    """The simple-index URL every request uses: app setting, ``PIP_INDEX_URL``, pip config, PyPI.

    Cheap to call often: the configuration files are only looked at (``stat``), and parsed
    again only when one of them changed.
    """
    if app_setting:
        return with_slash(app_setting)
    variables: Mapping[str, str] = os.environ if env is None else env
    from_environment = variables.get("PIP_INDEX_URL")
    if from_environment:
        return with_slash(from_environment)
    files = tuple(_file_state(path) for path in pip_config_files(variables))
    return with_slash(_index_url_in_config_files(files) or PYPI_SIMPLE_URL)


def index_origin(app_setting: str = "", env: Mapping[str, str] | None = None) -> str:
    """Where the index :func:`configured_index_url` returns comes from, in words ("" = PyPI, the default).

    A failure explanation says it, so the person knows what to change: Venvdesk's own setting,
    the ``PIP_INDEX_URL`` variable, or which pip configuration file.
    """
    if app_setting:
        return "Venvdesk's settings"
    variables: Mapping[str, str] = os.environ if env is None else env
    if variables.get("PIP_INDEX_URL"):
        return "the PIP_INDEX_URL environment variable"
    chosen = ""
    for path in pip_config_files(variables):
        state = _file_state(path)
        if state[1] is not None and _index_url_in_config_files((state,)):
            chosen = str(path)  # later files win, as in pip
    return f"pip's configuration file {chosen}" if chosen else ""


def with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def project_segment(project: str) -> str:
    """``project`` as one path segment of an index URL: its canonical name, percent-quoted.

    A name comes from outside (a ``METADATA`` file, what was typed): quoted with no safe
    characters, a ``/``, ``?``, ``#``, ``:``, ``%`` or space in it cannot leave the project's
    folder, start a query, or make the URL point to another host.  (Canonical names have no
    ``.`` left, so no ``..`` segment either.)  Raises ``ValueError`` for an empty name, which
    would mean the index itself.
    """
    segment = quote(canonical_name(project).strip(), safe="")
    if not segment:
        raise ValueError("a project name is needed to look it up on the index")
    return segment


def simple_page_url(index_url: str, project: str) -> str:
    """``<index>/<name>/``: the simple-index page that lists ``project``'s files."""
    return urljoin(with_slash(index_url), project_segment(project) + "/")


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = {k: (v or "") for k, v in attrs}
            self._current["text"] = ""

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.links.append(self._current)
            self._current = None


def split_credentials(url: str) -> tuple[str, str | None]:
    """``url`` without its ``user:token@``, and those credentials (``None`` when it has none)."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), f"{unquote(user)}:{unquote(password)}"


def build_request(
    url: str, *, accept: str = "*/*", headers: dict[str, str] | None = None
) -> urllib.request.Request:
    """A ``urllib`` request for ``url`` with the app's headers.

    Credentials in the URL (``https://user:token@mirror/simple/``, as pip accepts them)
    are sent as HTTP Basic authentication: urllib itself would take them for part of
    the host name.  They are not repeated on redirects, which may lead to another host.
    """
    import base64
    import urllib.request  # ~15 ms of imports (http, email, ssl): not at start-up

    url, credentials = split_credentials(url)
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT, **(headers or {})})
    if credentials is not None:
        token = base64.b64encode(credentials.encode("utf-8")).decode("ascii")
        request.add_unredirected_header("Authorization", f"Basic {token}")
    return request


def fetch(url: str, *, accept: str = "*/*", timeout: float = 30.0) -> tuple[bytes, str]:
    """GET ``url``; returns the body and the content type.  Raises ``OSError`` on failure."""
    import urllib.request

    request = build_request(url, accept=accept)
    import urllib.error

    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) index URL
            return response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the connection open; callers only need its code
        raise


def project_files(index_url: str, project: str, *, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The files of one project on a simple index, as PEP 691 dicts (``filename``, ``url``, ...).

    Asks for PEP 691 JSON and falls back to reading PEP 503 HTML, which is all
    many mirrors serve.
    """
    page_url = simple_page_url(index_url, project)
    body, content_type = fetch(page_url, accept=f"{PEP691_JSON}, text/html;q=0.1", timeout=timeout)
    if content_type.split(";")[0].strip() == PEP691_JSON:
        files: list[dict[str, Any]] = json.loads(body.decode("utf-8")).get("files", [])
        for entry in files:
            entry["url"] = urljoin(page_url, entry.get("url", ""))
        return files
    parser = _LinkParser()
    parser.feed(body.decode("utf-8", "replace"))
    files = []
    for link in parser.links:
        href = link.get("href", "")
        url, _, fragment = href.partition("#")
        hashes = {}
        match = re.match(r"(sha256)=([0-9a-fA-F]+)", fragment)
        if match:
            hashes[match.group(1)] = match.group(2).lower()
        files.append(
            {
                "filename": link.get("text", "").strip() or url.rsplit("/", 1)[-1],
                "url": urljoin(page_url, url),
                "hashes": hashes,
                "requires-python": link.get("data-requires-python", ""),
                "yanked": "data-yanked" in link,
            }
        )
    return files


# -- latest versions ---------------------------------------------------------------------------


def json_api_url(index_url: str, project: str) -> str | None:
    """``<root>/pypi/<name>/json`` for an index whose simple URL ends in ``/simple/`` (PyPI, devpi, warehouse mirrors)."""
    base = with_slash(index_url)
    if not base.endswith("/simple/"):
        return None
    return f"{base[: -len('simple/')]}pypi/{project_segment(project)}/json"


def _version_from_filename(filename: str) -> str:
    name = filename
    for suffix in (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        return ""
    if filename.endswith(".whl"):
        parts = name.split("-")
        return parts[1] if len(parts) >= 5 else ""
    return name.rsplit("-", 1)[-1] if "-" in name else ""


def latest_version(index_url: str, project: str, python_version: tuple[int, ...] = (), *, timeout: float = 20.0) -> str:
    """The newest version of ``project`` installable on ``python_version`` ("" when none is).

    The same choice as the version the Find packages tab offers by default, made from one request:
    the project's simple page, as PEP 691 JSON where the index offers it and as PEP 503 HTML
    otherwise (content negotiation in :func:`project_files`).  Not the JSON API's
    ``/pypi/<name>/json``, which carries every release's metadata (megabytes for big projects)
    just to learn a version.
    """
    release = releases_from_files(project_files(index_url, project, timeout=timeout))
    for candidate in release:
        if not candidate.yanked and not candidate.prerelease and not candidate.python_problem(python_version):
            return candidate.version
    return ""


class NotOnIndex(OSError):
    """The index answered that it has no such project (404): not a failure to reach it.

    An editable install of the person's own code, a package installed from a file, or one from
    another index: there is no newest version to show, and nothing to fix.
    """


# Connections that fail one after another before an index counts as unreachable.
UNREACHABLE_AFTER = 8

# Requests in flight at once.  Each thread is Python (the request, the page's parsing) that takes
# turns with the UI thread for the interpreter: 16 of them starting together, just as the list of an
# environment is shown after an install, made the window's heartbeat gap ~50 ms; with 6 the gap there
# had a median of 40 ms instead of 54 (18 paired passes, issue 13), and 171 packages from a local
# index took as long.  From a distant index, with ~60 ms per request, 171 packages take ~1.7 s.
LOOKUP_THREADS = 6


def latest_versions(
    index_url: str,
    projects: list[str],
    python_version: tuple[int, ...] = (),
    *,
    max_workers: int = LOOKUP_THREADS,
    timeout: float = 20.0,
) -> dict[str, str | Exception]:
    """:func:`latest_version` for many projects at once (threads; blocking: call from a worker).

    Each value is the version (``""`` when the index has none installable), or the
    exception that project's request raised, so one failure does not hide the rest
    (:class:`NotOnIndex` when the index has no such project).
    When the index cannot be reached at all (no network, a dead mirror: the connection
    itself fails, again and again), the remaining projects are not tried: each gets that
    same error, instead of thousands of doomed connections hogging the interpreter.
    """
    import http.client
    import threading
    import urllib.error
    from concurrent.futures import ThreadPoolExecutor

    unreachable: list[Exception] = []
    failures = [0]
    lock = threading.Lock()

    def one(project: str) -> str | Exception:
        if len(unreachable) > 0:
            return unreachable[0]
        try:
            version = latest_version(index_url, project, python_version, timeout=timeout)
        except urllib.error.HTTPError as exc:  # the index answered: this project only
            if exc.code == 404:
                return NotOnIndex(f"{project} is not on this index (it answered {exc.code} {exc.reason})")
            return exc
        except (OSError, ValueError, http.client.HTTPException) as exc:  # the last: a page cut short (IncompleteRead)
            with lock:
                failures[0] += 1
                if failures[0] >= UNREACHABLE_AFTER and not unreachable and isinstance(exc, OSError):
                    unreachable.append(exc)
            return exc
        with lock:
            failures[0] = 0
        return version

    if not projects:
        return {}
    with ThreadPoolExecutor(max_workers=min(max_workers, len(projects))) as pool:
        return dict(zip(projects, pool.map(one, projects)))


# -- one project's details ---------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    version: str
    yanked: bool = False
    yanked_reason: str = ""
    requires_python: str = ""
    upload_time: str = ""  # ISO 8601, "" when unknown
    prerelease: bool = False

    def python_problem(self, python_version: tuple[int, ...]) -> str:
        """Why this release cannot be installed on ``python_version`` ("" when it can)."""
        if not self.requires_python or not python_version:
            return ""
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        python = ".".join(map(str, python_version[:3]))
        try:
            if SpecifierSet(self.requires_python).contains(python, prereleases=True):
                return ""
        except InvalidSpecifier:
            return ""
        return f"needs Python {self.requires_python}; this environment has {python}"


@dataclass(frozen=True)
class ProjectDetails:
    name: str
    summary: str = ""
    latest: str = ""
    license: str = ""
    home_page: str = ""
    documentation: str = ""
    project_urls: tuple[tuple[str, str], ...] = ()
    requires_python: str = ""
    releases: tuple[Release, ...] = ()  # newest first
    source: str = "json"  # "json" (the JSON API) or "simple" (file list only)
    # The long description (usually the README) as uploaded, and what it is written in
    # (``text/markdown``, ``text/x-rst``, ``text/plain``; "" when the project did not say).
    description: str = ""
    description_content_type: str = ""
    requires_dist: tuple[str, ...] = ()  # the latest release's requirements, as written

    @property
    def description_format(self) -> str:
        """How to show :attr:`description`: see :func:`description_format`."""
        return description_format(self.description_content_type)

    @property
    def release_date(self) -> str:
        for release in self.releases:
            if release.version == self.latest:
                return release.upload_time[:10]
        return ""

    def default_release(self, python_version: tuple[int, ...]) -> Release | None:
        """The newest final release that is not yanked and supports ``python_version``."""
        for release in self.releases:
            if not release.yanked and not release.prerelease and not release.python_problem(python_version):
                return release
        return None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def description_format(content_type: str) -> str:
    """How a long description of ``content_type`` is read: ``"gfm"``, ``"commonmark"`` or ``"plain"``.

    Markdown comes in two variants (``text/markdown; variant=CommonMark``; GitHub's is the
    default, as on PyPI).  Everything else — reStructuredText (also what PyPI assumes when the
    project names no type), plain text, anything unknown — is shown as the text it is.
    """
    media, *parameters = (part.strip() for part in content_type.split(";"))
    if media.lower() != "text/markdown":
        return "plain"
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "variant" and value.strip().strip('"').lower() == "commonmark":
            return "commonmark"
    return "gfm"


def _sorted_releases(by_version: dict[str, list[dict[str, Any]]]) -> tuple[Release, ...]:
    from packaging.version import InvalidVersion, Version

    releases = []
    for text, files in by_version.items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if not files:
            continue  # a release with no files cannot be installed
        yanked = all(bool(f.get("yanked")) for f in files)
        reason = next((str(f.get("yanked_reason") or f.get("yanked") or "").strip() for f in files if f.get("yanked")), "")
        if reason in ("True", "true"):
            reason = ""
        requires = next((f.get("requires_python") or f.get("requires-python") or "" for f in files if not f.get("yanked")), "")
        uploaded = min((f.get("upload_time_iso_8601") or f.get("upload-time") or "" for f in files), default="")
        releases.append(
            (version, Release(text, yanked, reason, requires, uploaded, version.is_prerelease or version.is_devrelease))
        )
    releases.sort(key=lambda pair: pair[0], reverse=True)
    return tuple(release for _version, release in releases)


def releases_from_files(files: list[dict[str, Any]]) -> tuple[Release, ...]:
    """A simple page's files grouped into releases, newest first."""
    by_version: dict[str, list[dict[str, Any]]] = {}
    for entry in files:
        version = _version_from_filename(entry.get("filename", ""))
        if version:
            by_version.setdefault(version, []).append(entry)
    return _sorted_releases(by_version)


def project_details(index_url: str, project: str, *, timeout: float = 20.0) -> ProjectDetails:
    """What the details pane shows, from ``<root>/pypi/<name>/json``, else from the simple page's files.

    Blocking (network): call from a worker.  Raises ``OSError`` when the index does
    not answer or has no such project, ``ValueError`` when ``project`` is empty.
    """
    api = json_api_url(index_url, project)
    if api is not None:
        try:
            body, _ = fetch(api, accept="application/json", timeout=timeout)
        except OSError as exc:
            if getattr(exc, "code", None) != 404:
                raise
        else:
            document = json.loads(body.decode("utf-8"))
            info = document.get("info") or {}
            urls = info.get("project_urls") or {}
            documentation = info.get("docs_url") or next(
                (u for k, u in urls.items() if k.lower() in ("documentation", "docs")), ""
            )
            home_page = info.get("home_page") or next(
                (u for k, u in urls.items() if k.lower() in ("homepage", "home", "source", "repository")), ""
            )
            license_text = info.get("license_expression") or info.get("license") or ""
            if len(license_text) > 80:  # some projects paste the whole licence text here
                license_text = license_text.splitlines()[0][:80] + "…"
            description = info.get("description") or ""
            if not isinstance(description, str) or description.strip() == "UNKNOWN":
                description = ""  # what old tools wrote when there was none
            return ProjectDetails(
                name=info.get("name") or project,
                summary=info.get("summary") or "",
                latest=info.get("version") or "",
                license=license_text,
                home_page=home_page,
                documentation=documentation,
                project_urls=tuple((str(k), str(v)) for k, v in urls.items()),
                requires_python=info.get("requires_python") or "",
                releases=_sorted_releases(document.get("releases") or {}),
                description=description,
                description_content_type=str(info.get("description_content_type") or ""),
                requires_dist=tuple(str(r) for r in _list(info.get("requires_dist")) if r),
            )
    # No JSON API (many mirrors): group the simple page's files by version.
    releases = releases_from_files(project_files(index_url, project, timeout=timeout))
    latest = next((r.version for r in releases if not r.prerelease and not r.yanked), "")
    return ProjectDetails(name=project, latest=latest, releases=releases, source="simple")
