"""The index's full project list (``core.name_index``): downloaded, cached, refreshed, kept on failure.

Real HTTP against the local index on 127.0.0.1 (``tests/support/local_index.py``); no internet.
Each test starts its own server, so switching it to HTML-only or down affects nobody else.
"""

from __future__ import annotations

import gzip
import html
import json
import time
from pathlib import Path

import pytest

from core import name_index
from core.errors import UserFacingError
from core.name_index import (
    REFRESH_AFTER,
    NameIndexUnavailable,
    NameList,
    cached_names,
    load_names,
    refresh_names,
)
from tests.support.local_index import PEP691_JSON, LocalIndexServer, normalize

CATALOGUE = {"tinyapp", "tinyutil", "tinyextra", "Old_Package", "needsnew", "pip"}
ODD_NAMES = [
    "Old_Package",
    "zope.interface",
    "PyQt5",
    "x--Y__z..9",
    "ALLCAPS",
    "a&b",  # not a valid project name, but a mirror may list it: escaped in HTML
    "Café",  # non-ASCII display name from a private mirror
    "0",
]


@pytest.fixture
def serve(index_root):
    """Start a LocalIndexServer (default: the session's catalogue); stopped after the test."""
    servers = []

    def start(root: Path = index_root, **options) -> LocalIndexServer:
        server = LocalIndexServer(root, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def write_root(root: Path, names: list[str], *, serial: int | None = None) -> Path:
    """A hand-made index with only a root page, as PyPI writes it (JSON and HTML)."""
    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    links = "".join(
        f'    <a href="/simple/{normalize(n)}/">{html.escape(n)}</a><br/>\n' for n in names
    )
    (simple / "index.html").write_text(
        f"<!DOCTYPE html>\n<html>\n  <body>\n{links}  </body>\n</html>\n", encoding="utf-8"
    )
    meta: dict = {"api-version": "1.1"}
    if serial is not None:
        meta["_last-serial"] = serial
    projects = [{"name": n, "_last-serial": i} for i, n in enumerate(names)]
    (simple / "index.json").write_text(
        json.dumps({"meta": meta, "projects": projects}), encoding="utf-8"
    )
    return root


def meta_of(url: str) -> dict:
    return json.loads(name_index.cache_paths(url)[1].read_text(encoding="utf-8"))


def age_cache(url: str, seconds: float) -> None:
    """Pretend the cached list was fetched ``seconds`` ago."""
    meta_path = name_index.cache_paths(url)[1]
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["fetched_at"] = time.time() - seconds
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


def statuses(server: LocalIndexServer) -> list[int | None]:
    return [record.status for record in server.log]


# -- downloading -----------------------------------------------------------------------------


def test_json_index_gives_every_project_with_display_names(serve):
    server = serve()
    result = load_names(server.simple_url, timeout=10)

    assert isinstance(result, NameList)
    assert result.source == "network" and result.problem == ""
    assert set(result.names) == CATALOGUE
    assert abs(result.fetched_at - time.time()) < 60
    assert server.requests == ["/simple/"]
    assert server.log[0].accept.startswith(PEP691_JSON)
    assert server.log[0].content_type == PEP691_JSON
    meta = meta_of(server.simple_url)
    assert meta["format"] == "json" and meta["count"] == len(CATALOGUE)
    assert meta["url"] == server.simple_url
    assert meta["etag"] and meta["last_modified"]


def test_html_only_index_gives_the_same_names(serve):
    server = serve(html_only=True)
    result = load_names(server.simple_url, timeout=10)

    assert result.source == "network"
    assert set(result.names) == CATALOGUE
    assert server.log[0].content_type.startswith("text/html")
    assert meta_of(server.simple_url)["format"] == "html"


def test_odd_names_keep_their_spelling_in_both_formats(serve, tmp_path):
    root = write_root(tmp_path / "odd", ODD_NAMES)
    from_json = load_names(serve(root).simple_url, timeout=10).names
    from_html = load_names(serve(root, html_only=True).simple_url, timeout=10).names

    assert from_json == ODD_NAMES
    assert from_html == ODD_NAMES
    # ...and they come back from the cache unchanged.
    server = serve(root)
    load_names(server.simple_url, timeout=10)
    assert cached_names(server.simple_url).names == ODD_NAMES


def test_gzip_encoded_page_is_decompressed(serve):
    server = serve(gzip_simple=True)
    assert set(load_names(server.simple_url, timeout=10).names) == CATALOGUE


def test_last_serial_is_recorded_from_header_or_json(serve, tmp_path):
    server = serve(last_serial=4242)
    load_names(server.simple_url, timeout=10)
    assert meta_of(server.simple_url)["last_serial"] == 4242

    root = write_root(tmp_path / "serial", ["a", "b"], serial=77)
    server = serve(root)
    load_names(server.simple_url, timeout=10)
    assert meta_of(server.simple_url)["last_serial"] == 77


def test_credentials_are_sent_but_never_stored(serve):
    server = serve()
    secret_url = server.simple_url.replace("http://", "http://alice:s3cret@")
    result = load_names(secret_url, timeout=10)

    assert set(result.names) == CATALOGUE
    names_path, meta_path = name_index.cache_paths(secret_url)
    assert (names_path, meta_path) == name_index.cache_paths(server.simple_url)
    assert "s3cret" not in meta_path.read_text(encoding="utf-8")
    assert meta_of(secret_url)["url"].startswith("http://alice:****@127.0.0.1:")


# -- the cache -------------------------------------------------------------------------------


def test_cache_is_written_compactly_and_reused_without_a_request(serve):
    server = serve()
    assert cached_names(server.simple_url) is None
    first = load_names(server.simple_url, timeout=10)

    names_path, _meta_path = name_index.cache_paths(server.simple_url)
    assert names_path.parent.name == "name-index"
    assert gzip.decompress(names_path.read_bytes()).decode("utf-8").split("\n") == first.names

    again = load_names(server.simple_url, timeout=10)
    assert again.source == "cache" and again.problem == ""
    assert again.names == first.names and again.fetched_at == first.fetched_at
    assert server.requests == ["/simple/"]  # still only the first download

    url = server.simple_url
    server.stop()  # the cache needs no network at all
    cached = cached_names(url)
    assert cached.source == "cache" and cached.names == first.names


def test_cache_key_ignores_a_missing_final_slash(serve):
    server = serve()
    load_names(server.simple_url, timeout=10)
    assert cached_names(server.simple_url.rstrip("/")) is not None


def test_each_index_has_its_own_cache(serve, tmp_path):
    first = serve()
    second = serve(write_root(tmp_path / "other", ["only-here"]))
    load_names(first.simple_url, timeout=10)
    assert load_names(second.simple_url, timeout=10).names == ["only-here"]
    assert set(cached_names(first.simple_url).names) == CATALOGUE


@pytest.mark.parametrize("damage", ["names", "meta", "swapped"])
def test_corrupt_cache_is_ignored_and_downloaded_again(serve, tmp_path, damage):
    server = serve()
    load_names(server.simple_url, timeout=10)
    names_path, meta_path = name_index.cache_paths(server.simple_url)
    if damage == "names":
        names_path.write_bytes(names_path.read_bytes()[:-20] + b"\0" * 20)
    elif damage == "meta":
        meta_path.write_text("{not json", encoding="utf-8")
    else:  # a names file from another write than its meta file
        names_path.write_bytes(gzip.compress(b"something\nelse"))
    assert cached_names(server.simple_url) is None

    server.clear_log()
    result = load_names(server.simple_url, timeout=10)
    assert result.source == "network"
    assert set(result.names) == CATALOGUE
    assert statuses(server) == [200]  # a full download, not a conditional one
    assert cached_names(server.simple_url).names == result.names


# -- refreshing ------------------------------------------------------------------------------


def test_list_older_than_a_day_is_revalidated_with_etag_and_304(serve):
    server = serve(send_last_modified=False)  # only the ETag can answer
    first = load_names(server.simple_url, timeout=10)
    age_cache(server.simple_url, REFRESH_AFTER - 60)
    assert load_names(server.simple_url, timeout=10).source == "cache"
    assert server.requests == ["/simple/"]

    age_cache(server.simple_url, REFRESH_AFTER + 60)
    result = load_names(server.simple_url, timeout=10)
    assert result.source == "cache (not modified)" and result.problem == ""
    assert result.names == first.names
    assert time.time() - result.fetched_at < 60  # bumped
    assert statuses(server) == [200, 304]
    assert load_names(server.simple_url, timeout=10).source == "cache"  # fresh again
    assert len(server.requests) == 2


def test_last_modified_alone_is_enough_for_a_304(serve):
    server = serve(send_etag=False)
    load_names(server.simple_url, timeout=10)
    assert meta_of(server.simple_url)["etag"] == ""
    result = refresh_names(server.simple_url, timeout=10)
    assert result.source == "cache (not modified)"
    assert statuses(server) == [200, 304]


def test_index_without_validators_is_downloaded_in_full(serve):
    server = serve(send_etag=False, send_last_modified=False)
    load_names(server.simple_url, timeout=10)
    result = load_names(server.simple_url, max_age=0, timeout=10)
    assert result.source == "network"
    assert statuses(server) == [200, 200]


def test_changed_list_replaces_the_cache(serve, tmp_path):
    root = write_root(tmp_path / "changing", ["alpha", "beta"])
    server = serve(root)
    load_names(server.simple_url, timeout=10)
    write_root(root, ["alpha", "beta", "Gamma"], serial=9)

    result = refresh_names(server.simple_url, timeout=10)
    assert result.source == "network"
    assert result.names == ["alpha", "beta", "Gamma"]
    assert cached_names(server.simple_url).names == ["alpha", "beta", "Gamma"]
    assert meta_of(server.simple_url)["last_serial"] == 9


# -- failures --------------------------------------------------------------------------------


def test_index_down_keeps_the_old_list_and_says_why(serve):
    server = serve()
    first = load_names(server.simple_url, timeout=10)
    age_cache(server.simple_url, 3 * 86400 + 60)
    server.down = True

    result = load_names(server.simple_url, timeout=5)
    assert result.source == "cache (index unreachable)"
    assert result.names == first.names
    assert result.problem == (
        f"The index {server.simple_url} answered HTTP 503 Service Unavailable;"
        " using the list from 3 days ago."
    )
    assert cached_names(server.simple_url).names == first.names  # not thrown away


def test_unreachable_index_keeps_the_old_list(serve):
    server = serve()
    url = server.simple_url
    load_names(url, timeout=10)
    age_cache(url, 5 * 3600)
    server.stop()  # nothing listens on that port now: connection refused

    result = refresh_names(url, timeout=5)
    assert result.source == "cache (index unreachable)"
    assert set(result.names) == CATALOGUE
    assert result.problem.startswith(f"Could not reach {url} (")
    assert result.problem.endswith("; using the list from 5 hours ago.")


def test_unreadable_answer_keeps_the_old_list(serve, tmp_path):
    root = write_root(tmp_path / "broken", ["alpha"])
    server = serve(root, send_etag=False, send_last_modified=False)
    load_names(server.simple_url, timeout=10)
    (root / "simple" / "index.json").write_text('{"projects": [{"nom": 1}]', encoding="utf-8")

    result = refresh_names(server.simple_url, timeout=10)
    assert result.source == "cache (index unreachable)"
    assert result.names == ["alpha"]
    assert "sent a package list that could not be read" in result.problem


def test_html_page_without_projects_is_not_taken_for_an_empty_index(serve, tmp_path):
    root = write_root(tmp_path / "portal", ["alpha"])
    server = serve(root, html_only=True, send_etag=False, send_last_modified=False)
    load_names(server.simple_url, timeout=10)
    (root / "simple" / "index.html").write_text(
        "<html><body><p>Please sign in.</p></body></html>", encoding="utf-8"
    )
    result = refresh_names(server.simple_url, timeout=10)
    assert result.names == ["alpha"]
    assert "lists no projects" in result.problem


def test_no_cache_and_no_network_is_a_plain_error(serve):
    server = serve(down=True)
    with pytest.raises(NameIndexUnavailable) as caught:
        load_names(server.simple_url, timeout=5)

    error = caught.value
    assert isinstance(error, UserFacingError)
    assert error.reference == "name-index-unavailable"
    assert "list of packages could not be downloaded" in error.message
    assert "exact name will still work once the network is back" in error.message
    assert "503" in error.detail
    assert cached_names(server.simple_url) is None


def test_unreachable_index_with_credentials_does_not_leak_them():
    url = "http://bob:hunter2@127.0.0.1:9/simple/"  # the discard port: nothing answers
    with pytest.raises(NameIndexUnavailable) as caught:
        load_names(url, timeout=5)
    shown = f"{caught.value} {caught.value.detail}"
    assert "hunter2" not in shown
    assert "bob:****@127.0.0.1:9" in shown


def test_fresh_cache_is_used_even_when_the_index_is_down(serve):
    server = serve()
    load_names(server.simple_url, timeout=10)
    server.down = True
    server.clear_log()
    assert load_names(server.simple_url, timeout=5).source == "cache"
    assert server.requests == []


# -- parsing ---------------------------------------------------------------------------------


def test_html_parser_reads_pypi_style_lines_and_attributes():
    body = (
        b"<!DOCTYPE html><html><head><title>Simple index</title></head><body>\n"
        b'<a href="/simple/0/">0</a>\n'
        b'<A HREF="/simple/django/" data-x="1">Django</A>\n'
        b'<a href="/simple/a-b/"> a&amp;b </a>\n'
        b"</body></html>"
    )
    assert name_index.parse_html_index(body) == ["0", "Django", "a&b"]


def test_json_parser_rejects_documents_that_are_not_a_root_page():
    assert name_index.parse_json_index(b'{"meta": {"_last-serial": 5}, "projects": []}') == ([], 5)
    for bad in (b"[]", b'{"files": []}', b'{"projects": [{"name": 3}]}', b"{"):
        with pytest.raises(ValueError):
            name_index.parse_json_index(bad)


# -- the search index kept next to the list --------------------------------------------------


def test_search_index_is_saved_beside_the_list_and_loaded_without_a_rebuild(serve, tmp_path, monkeypatch):
    from core.search import Popularity, SearchIndex

    popularity = {"beta": Popularity(3, "The second letter")}
    root = write_root(tmp_path / "search", ["alpha", "beta", "Gamma_Ray", "gamma-x"])
    server = serve(root)
    index, source, problem = SearchIndex.load_cached(server.simple_url, popularity)
    assert (source, problem) == ("network", "")
    assert name_index.search_cache_path(server.simple_url).is_file()
    assert [result.name for result in index.search("gamma")] == ["gamma-x", "Gamma_Ray"]

    built = []
    monkeypatch.setattr(SearchIndex, "__init__", lambda *args, **kw: built.append(args))
    again, source, _ = SearchIndex.load_cached(server.simple_url, popularity)
    assert source == "cache" and not built  # loaded, not built
    assert len(again) == 4 and again.lookup("GAMMA.RAY") == "Gamma_Ray"
    assert [result.name for result in again.search("gamma")] == ["gamma-x", "Gamma_Ray"]
    assert again.search("second")[0].name == "beta"
    assert server.requests == ["/simple/"]


def test_saved_search_index_is_not_used_for_another_list_or_snapshot(serve, tmp_path):
    from core.search import Popularity, SearchIndex

    root = write_root(tmp_path / "changes", ["alpha", "beta"])
    server = serve(root)
    SearchIndex.load_cached(server.simple_url, {})
    write_root(root, ["alpha", "beta", "delta"], serial=4)
    age_cache(server.simple_url, 2 * 24 * 3600)
    index, source, _ = SearchIndex.load_cached(server.simple_url, {})
    assert source == "network" and index.lookup("delta") == "delta"
    # Another popularity snapshot (a new app version): the saved index is not taken.
    sha = meta_of(server.simple_url)["names_sha256"]
    path = name_index.search_cache_path(server.simple_url)
    assert SearchIndex.load(path, {}, sha) is not None
    assert SearchIndex.load(path, {"alpha": Popularity(1, "")}, sha) is None
    path.write_bytes(b"damaged")
    assert SearchIndex.load(path, {}, sha) is None
    again, source, _ = SearchIndex.load_cached(server.simple_url, {})
    assert source == "cache" and again.lookup("delta") == "delta"  # built again from the list


def test_a_child_builds_the_search_index_for_the_window(serve, tmp_path):
    """Find's index is built by a child Venvdesk (its sorts would hold the window's interpreter); the URL
    reaches it through the environment, never its command line (readable by every user: a token)."""
    from core import search

    server = serve(write_root(tmp_path / "index", ["alpha", "beta-tools", "Gamma"]))
    url = server.simple_url.replace("http://", "http://someone:s3cret@")
    assert search.build_in_child(url, timeout=120)
    assert name_index.search_cache_path(url).exists()
    index, _source, problem = search.SearchIndex.load_cached(url)
    assert problem == ""
    assert index.search("gamma", limit=1)[0].name == "Gamma"
