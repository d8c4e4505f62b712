"""Serve an index folder (see :func:`venvdesk_testing.index.build_index`) on 127.0.0.1.

:class:`LocalIndexServer` runs in a daemon thread, with PEP 691 content negotiation and
switches for slow downloads, an HTML-only index and an index that is down.  Simple pages
carry ``ETag`` and ``Last-Modified`` and answer conditional requests with 304, like PyPI,
and may be gzip-compressed.  Every request is recorded (:class:`RequestRecord`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socketserver
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timezone
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from venvdesk_testing.index import PEP691_HTML, PEP691_JSON
from venvdesk_testing.wheels import normalize

__all__ = ["LocalIndexServer", "RequestRecord"]

_Headers = Sequence[tuple[str, str]]


@dataclass
class RequestRecord:
    """One request the server received, and what it answered."""

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


def _not_modified(request_headers: Message, etag: str | None, modified: int | None) -> bool:
    """Whether a conditional GET may be answered 304 (``If-None-Match`` wins over the date)."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        return etag is not None and _etag_matches(str(if_none_match), etag)
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since and modified is not None:
        try:
            since = parsedate_to_datetime(str(if_modified_since))
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return modified <= since.timestamp()
    return False


_URL_KEYS = {"url", "package_url", "project_url", "release_url"}


def _absolutize(node: Any, base: str) -> Any:
    """The JSON document *node* with its root-relative URLs made absolute on *base*."""
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalIndex/1.0"
    timeout = 30  # idle keep-alive connections give up their thread eventually
    # Without it every response on a kept-alive connection (pip's) waits ~40 ms for delayed ACKs.
    disable_nagle_algorithm = True
    server: _HTTPServer
    _record: RequestRecord | None = None

    # -- plumbing

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no stderr spam

    def send_response(self, code: int, message: str | None = None) -> None:
        if self._record is not None:
            self._record.status = int(code)
        super().send_response(code, message)

    def _reply(self, status: int, body: bytes, content_type: str, headers: _Headers = ()) -> None:
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

    def _text(self, status: int, text: str, headers: _Headers = ()) -> None:
        self._reply(status, text.encode("utf-8"), "text/plain; charset=utf-8", headers)

    def _redirect(self, location: str, query: str) -> None:
        if query:
            location += "?" + query
        self._text(HTTPStatus.MOVED_PERMANENTLY, f"See {location}\n", [("Location", location)])

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
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

    def _not_modified_reply(self, headers: _Headers) -> None:
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
                if delay > 0 and owner.closing.wait(delay):
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


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The app asks for many projects at once; the default backlog of 5 drops connections,
    # and each dropped one is retried a second later.
    request_queue_size = 128

    def __init__(self, owner: LocalIndexServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), slow without DNS: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None:
            self.owner.errors.append(error)


class LocalIndexServer:
    """Serve an index folder (see :func:`~venvdesk_testing.index.build_index`) on ``127.0.0.1:<free port>``.

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
    ) -> None:
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
        # Set while stopping: slowed downloads wake up and give up.
        self.closing = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> LocalIndexServer:
        if self._httpd is not None:
            return self
        self.closing.clear()
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
        self.closing.set()  # wake slowed downloads so they give up
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> LocalIndexServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("LocalIndexServer is not running")
        return int(self._httpd.server_address[1])

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
