"""Every project name on the configured index, downloaded once a day and kept on disk.

The search box has to find any of the ~900,000 projects on PyPI (or all the
projects on a company mirror), so the whole list comes from the simple index
root, ``<index>/simple/``:

* PEP 691 JSON (``{"meta": {"_last-serial": N}, "projects": [{"name": ...}]}``)
  is asked for first; PEP 503 HTML (one ``<a href="...">Name</a>`` per project)
  is read when that is all the index serves, as on many devpi, Artifactory and
  Nexus mirrors.  PyPI's HTML page is ~30 MB, so it is read with one compiled
  regular expression, not an HTML parser.
* Names are kept as the index spells them (display names, not normalised).
* The cache lives in ``cache_dir()/name-index/``, one pair of files per index
  URL (``<key>`` = the first 16 hex digits of the SHA-256 of the URL without
  its credentials):

  - ``<key>.names.gz``: the names, newline-separated UTF-8, gzip'd.  PyPI's
    list is ~5 MB this way and loads in ~0.1 s, because decompression and
    ``str.split`` run in C; a database or a pickle would be no faster to load
    and harder to inspect (``zcat`` reads this one).
  - ``<key>.search``: the search index built from those names (``core.search``), so a
    start with a cached list needs no rebuild; tied to the names by their SHA-256.
  - ``<key>.json``: url (secrets redacted), fetched_at, etag, last_modified,
    last_serial, count, format (``json``/``html``) and the SHA-256 of the names
    file, so a names file that does not belong to its meta file (or is damaged)
    is noticed and downloaded again.  The meta file is written last.

* After :data:`REFRESH_AFTER` the list is refreshed with a conditional request
  (``If-None-Match`` / ``If-Modified-Since``): a 304 keeps the names and only
  moves ``fetched_at``.  When the refresh fails the old list is kept and the
  failure is described in :attr:`NameList.problem`.

Everything here blocks (network, disk): the GUI calls it from a worker thread.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import storage
from core.commands import redact
from core.errors import UserFacingError
from core.pypi import PEP691_JSON, build_request, split_credentials, with_slash

REFRESH_AFTER = 24 * 3600  # seconds a downloaded list is used without asking the index again
CACHE_VERSION = 1

# JSON first; HTML (PEP 691's name for it, then the legacy type) for indexes without JSON.
ACCEPT = f"{PEP691_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
_JSON_TYPES = (PEP691_JSON, "application/vnd.pypi.simple.latest+json", "application/json")

# One project per anchor; the anchor's text is the name.  ``[^<]*`` keeps the scan linear.
_ANCHOR = re.compile(r"<a\s[^>]*>([^<]*)</a\s*>", re.IGNORECASE)

# One refresh per index at a time: a second caller waits, then finds the list cached.
_locks_guard = threading.Lock()
_refresh_locks: dict[str, threading.Lock] = {}


@dataclass(frozen=True)
class NameList:
    names: list[str]  # display names, in the index's order
    fetched_at: float  # when the index last confirmed this list (time.time())
    source: str  # "network" | "cache" | "cache (index unreachable)" | "cache (not modified)"
    problem: str = ""  # a plain sentence when the refresh failed but a cache was used


class NameIndexUnavailable(UserFacingError):
    """No project list: the index could not be reached and nothing is cached."""


@dataclass(frozen=True)
class _Cached:
    names: list[str]
    meta: dict[str, Any]  # the meta file's JSON


@dataclass(frozen=True)
class _Download:
    """What one request to ``/simple/`` returned: new names, or ``names is None`` for a 304."""

    names: list[str] | None
    headers: dict[str, str]
    format: str = ""


class _RefreshFailed(Exception):
    """The refresh did not produce a list; ``str()`` is a sentence (without its full stop)."""


# -- public API ----------------------------------------------------------------------------------


def cached_names(index_url: str) -> NameList | None:
    """The cached list for ``index_url`` (no network), or ``None`` when there is none usable."""
    cached = _read_cache(index_url)
    if cached is None:
        return None
    return NameList(cached.names, float(cached.meta["fetched_at"]), "cache")


def load_names(
    index_url: str, *, max_age: float = REFRESH_AFTER, timeout: float = 60.0
) -> NameList:
    """The project list: from the cache while it is younger than ``max_age`` seconds, else refreshed.

    A failed refresh falls back to the cache (with :attr:`NameList.problem` set);
    with no cache either, raises :class:`NameIndexUnavailable`.
    """
    with _refresh_lock(index_url):
        cached = _read_cache(index_url)
        if cached is not None and _is_fresh(float(cached.meta["fetched_at"]), max_age):
            return NameList(cached.names, float(cached.meta["fetched_at"]), "cache")
        return _refresh(index_url, cached, timeout)


def refresh_names(index_url: str, *, timeout: float = 60.0) -> NameList:
    """Ask the index now (conditionally, when a cached list exists), whatever the cache's age."""
    with _refresh_lock(index_url):
        return _refresh(index_url, _read_cache(index_url), timeout)


# -- cache ---------------------------------------------------------------------------------------


def cache_key(index_url: str) -> str:
    """The file-name stem for ``index_url``: credentials and a missing final slash make no difference."""
    bare, _credentials = split_credentials(with_slash(index_url.strip()))
    return hashlib.sha256(bare.encode("utf-8")).hexdigest()[:16]


def cache_paths(index_url: str) -> tuple[Path, Path]:
    """``(names file, meta file)`` for ``index_url``."""
    folder = storage.cache_dir() / "name-index"
    key = cache_key(index_url)
    return folder / f"{key}.names.gz", folder / f"{key}.json"


def search_cache_path(index_url: str) -> Path:
    """Where the search index built from ``index_url``'s cached list is kept (``core.search``)."""
    return storage.cache_dir() / "name-index" / f"{cache_key(index_url)}.search"


def cached_meta(index_url: str) -> dict[str, Any] | None:
    """The cached list's meta file alone (no names read), or ``None`` when there is none usable."""
    _names_path, meta_path = cache_paths(index_url)
    try:
        meta = json.loads(meta_path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != CACHE_VERSION:
        return None
    if not isinstance(meta.get("fetched_at"), (int, float)):
        return None
    return meta


def is_fresh(meta: dict[str, Any], max_age: float = REFRESH_AFTER) -> bool:
    """Whether a list with this meta is young enough to be used without asking the index."""
    return _is_fresh(float(meta["fetched_at"]), max_age)


def _read_cache(index_url: str) -> _Cached | None:
    """The cached names and meta, or ``None`` when missing, damaged or not matching each other."""
    import gzip
    import zlib

    names_path, meta_path = cache_paths(index_url)
    try:
        meta = json.loads(meta_path.read_bytes().decode("utf-8"))
        packed = names_path.read_bytes()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != CACHE_VERSION:
        return None
    if not isinstance(meta.get("fetched_at"), (int, float)) or not isinstance(
        meta.get("count"), int
    ):
        return None
    if meta.get("names_sha256") != hashlib.sha256(packed).hexdigest():
        return None  # damaged, or left from another write than the meta file
    try:
        text = gzip.decompress(packed).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError):
        return None
    names = text.split("\n") if text else []
    if len(names) != meta["count"]:
        return None
    return _Cached(names, meta)


def _write_cache(index_url: str, names: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    """Write names then meta (the meta file commits the pair); returns the meta written."""
    import gzip

    names_path, meta_path = cache_paths(index_url)
    # Level 1: PyPI's list packs to 4.8 MB in ~0.1 s; level 6 saves 0.7 MB for four times the time.
    packed = gzip.compress("\n".join(names).encode("utf-8"), compresslevel=1, mtime=0)
    meta = {**meta, "count": len(names), "names_sha256": hashlib.sha256(packed).hexdigest()}
    storage.write_bytes_atomic(names_path, packed)
    _write_meta(meta_path, meta)
    return meta


def _write_meta(meta_path: Path, meta: dict[str, Any]) -> None:
    storage.write_bytes_atomic(
        meta_path, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode()
    )


def _refresh_lock(index_url: str) -> threading.Lock:
    key = cache_key(index_url)
    with _locks_guard:
        return _refresh_locks.setdefault(key, threading.Lock())


def _is_fresh(fetched_at: float, max_age: float) -> bool:
    age = time.time() - fetched_at
    return -300 <= age < max_age  # a date far in the future (clock changed) counts as stale


# -- refresh -------------------------------------------------------------------------------------


def _refresh(index_url: str, cached: _Cached | None, timeout: float) -> NameList:
    url = with_slash(index_url.strip())
    shown = redact(url)
    conditions = {}
    if cached is not None:
        if cached.meta.get("etag"):
            conditions["If-None-Match"] = cached.meta["etag"]
        if cached.meta.get("last_modified"):
            conditions["If-Modified-Since"] = cached.meta["last_modified"]
    try:
        download = _download(url, conditions, timeout)
    except _RefreshFailed as exc:
        if cached is None:
            raise NameIndexUnavailable(
                message=(
                    f"The list of packages could not be downloaded from {shown}, so search cannot "
                    "suggest names. Typing a package's exact name will still work once the "
                    "network is back."
                ),
                hint="Check the network connection (or the index address in Settings) and try again.",
                reference="name-index-unavailable",
                detail=f"GET {shown}: {exc}",
            ) from exc
        fetched_at = float(cached.meta["fetched_at"])
        problem = f"{exc}; using the list from {_age_phrase(time.time() - fetched_at)}."
        return NameList(cached.names, fetched_at, "cache (index unreachable)", problem)

    now = time.time()
    headers = download.headers
    validators = {
        "etag": headers.get("etag", ""),
        "last_modified": headers.get("last-modified", ""),
    }
    serial = _serial(headers.get("x-pypi-last-serial"))
    _names_path, meta_path = cache_paths(url)
    if download.names is None:  # 304 Not Modified: same names, newly confirmed
        assert cached is not None  # a 304 answers the conditions, which come from the cache
        meta = {**cached.meta, "fetched_at": now}
        meta.update({key: value for key, value in validators.items() if value})
        if serial is not None:
            meta["last_serial"] = serial
        problem = ""
        try:
            _write_meta(meta_path, meta)
        except OSError as exc:
            problem = _cache_write_problem(exc)
        return NameList(cached.names, now, "cache (not modified)", problem)

    meta = {
        "version": CACHE_VERSION,
        "url": shown,
        "fetched_at": now,
        **validators,
        "last_serial": serial,
        "format": download.format,
    }
    problem = ""
    try:
        _write_cache(url, download.names, meta)
    except OSError as exc:
        problem = _cache_write_problem(exc)
    return NameList(download.names, now, "network", problem)


def _download(url: str, conditions: dict[str, str], timeout: float) -> _Download:
    """GET the simple index root; raises :class:`_RefreshFailed` with a readable reason."""
    import gzip
    import http.client
    import urllib.error
    import urllib.request  # ~15 ms of imports: not at start-up
    import zlib

    shown = redact(url)
    request = build_request(url, accept=ACCEPT, headers={"Accept-Encoding": "gzip", **conditions})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - index URL
            body = response.read()
            headers = {key.lower(): value for key, value in response.headers.items()}
    except urllib.error.HTTPError as exc:
        with exc:
            if exc.code == 304 and conditions:
                return _Download(None, {key.lower(): value for key, value in exc.headers.items()})
            reason = f"{exc.code} {exc.reason}".strip()
            raise _RefreshFailed(f"The index {shown} answered HTTP {reason}") from exc
    except urllib.error.URLError as exc:
        raise _RefreshFailed(f"Could not reach {shown} ({_reason(exc.reason)})") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _RefreshFailed(f"Could not reach {shown} ({_reason(exc)})") from exc

    try:
        if headers.get("content-encoding", "").strip().lower() in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in _JSON_TYPES or (not content_type and body.lstrip()[:1] == b"{"):
            names, serial = parse_json_index(body)
            if serial is not None and "x-pypi-last-serial" not in headers:
                headers["x-pypi-last-serial"] = str(serial)
            return _Download(names, headers, "json")
        return _Download(
            parse_html_index(body, _charset(headers.get("content-type", ""))), headers, "html"
        )
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise _RefreshFailed(
            f"The index {shown} sent a package list that could not be read ({_reason(exc)})"
        ) from exc


# -- parsing -------------------------------------------------------------------------------------


def parse_json_index(body: bytes) -> tuple[list[str], int | None]:
    """Names and ``_last-serial`` from a PEP 691 root page; ``ValueError`` when it is not one."""
    document = json.loads(body)
    projects = document.get("projects") if isinstance(document, dict) else None
    if not isinstance(projects, list):
        raise ValueError('the JSON has no "projects" list')
    try:
        names = [project["name"].strip() for project in projects]
    except (TypeError, KeyError, AttributeError):
        raise ValueError('a "projects" entry has no "name" text') from None
    meta = document.get("meta")
    serial = _serial(meta.get("_last-serial")) if isinstance(meta, dict) else None
    return [name for name in names if name and "\n" not in name], serial


def parse_html_index(body: bytes, charset: str = "utf-8") -> list[str]:
    """Names (anchor texts) from a PEP 503 root page; ``ValueError`` when it lists none."""
    try:
        text = body.decode(charset, "replace")
    except LookupError:  # an unknown charset in Content-Type
        text = body.decode("utf-8", "replace")
    names = _ANCHOR.findall(text)
    if not names:
        if "<a" not in text.lower() and "<html" not in text.lower():
            raise ValueError("it is not an HTML page")
        raise ValueError("the page lists no projects")
    if any("&" in name or name != name.strip() for name in names):
        import html

        names = [html.unescape(name).strip() for name in names]
    return [name for name in names if name and "\n" not in name]


# -- wording -------------------------------------------------------------------------------------


def _age_phrase(seconds: float) -> str:
    """``3 days ago``, ``5 hours ago``, ``1 minute ago``, ``just now``."""
    seconds = max(0.0, seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def _reason(error: object) -> str:
    text = str(error).strip() or type(error).__name__
    if isinstance(error, TimeoutError) or "timed out" in text:
        return "timed out"
    return redact(text)


def _cache_write_problem(error: OSError) -> str:
    return (
        f"The package list could not be saved ({error.strerror or error}); "
        "it will be downloaded again next time."
    )


def _serial(value: object) -> int | None:
    if not isinstance(value, (str, int, float)):  # JSON null, a list or an object
        return None
    try:
        return int(value) if value is not None and str(value).strip() else None
    except (TypeError, ValueError):
        return None


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"
