"""How long the full project list takes: download + parse (JSON and HTML), cache write, cache load.

Run from the repository root:  python benchmarks/bench_name_index.py

Takes every project name from ``../shared/data/pypi-projects.tsv.gz`` (first
column, ~886,000 names) or, when that file is absent, 1,000,000 synthetic names;
writes a PyPI-style simple index root page twice, as PEP 691 JSON (with
``_last-serial`` per project, as PyPI does) and as PEP 503 HTML, into a temporary
folder served by ``tests.support.local_index.LocalIndexServer`` on 127.0.0.1,
then times ``core.name_index``:

* download + parse, JSON and HTML (plain and gzip-encoded transfer), and the
  parse alone;
* writing the cache (gzip'd names + meta);
* loading from the cache (``cached_names``), median of several runs: the target
  is well under one second;
* a conditional refresh answered 304.
"""

from __future__ import annotations

import html
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import PYPI_PROJECTS_TSV, milliseconds, pypi_project_names

SYNTHETIC_COUNT = 1_000_000
NETWORK_RUNS = 3
LOAD_RUNS = 9
TARGET_LOAD_MS = 1000.0


def median_ms(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(milliseconds(start))
    return statistics.median(times), result


def project_names() -> tuple[list[str], str]:
    if PYPI_PROJECTS_TSV.is_file():
        return [n for n in pypi_project_names() if n], f"{PYPI_PROJECTS_TSV.name}"
    spellings = ("proj{:07d}", "Proj-{:07d}", "proj_name.{:07d}", "PROJ{:07d}x")
    names = [spellings[i % 4].format(i) for i in range(SYNTHETIC_COUNT)]
    return names, "synthetic"


def write_index(root: Path, names: list[str]) -> tuple[int, int]:
    """PyPI's root page in both formats; returns their sizes in bytes."""
    from core.names import canonical_name

    simple = root / "simple"
    simple.mkdir(parents=True)
    lines = [
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
    ]
    lines += [
        f'    <a href="/simple/{canonical_name(n)}/">{html.escape(n)}</a><br/>\n' for n in names
    ]
    lines.append("  </body>\n</html>\n")
    html_bytes = "".join(lines).encode("utf-8")
    (simple / "index.html").write_bytes(html_bytes)
    document = {
        "meta": {"_last-serial": 30_000_000, "api-version": "1.1"},
        "projects": [{"_last-serial": 1000 + i, "name": n} for i, n in enumerate(names)],
    }
    json_bytes = json.dumps(document, separators=(",", ":")).encode("utf-8")
    (simple / "index.json").write_bytes(json_bytes)
    return len(json_bytes), len(html_bytes)


def raw_get(url: str, accept: str) -> bytes:
    import urllib.request

    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - 127.0.0.1
        return response.read()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-name-index-") as temp:
        temp_path = Path(temp)
        os.environ["XDG_CACHE_HOME"] = str(temp_path / "cache")
        from core import name_index
        from tests.support.local_index import LocalIndexServer

        names, origin = project_names()
        print(f"names: {len(names):,} ({origin})")
        start = time.perf_counter()
        json_size, html_size = write_index(temp_path / "index", names)
        print(
            f"index pages written in {milliseconds(start):.0f} ms: "
            f"JSON {json_size / 1e6:.1f} MB, HTML {html_size / 1e6:.1f} MB"
        )

        figures: dict[str, float] = {}
        with LocalIndexServer(temp_path / "index") as server:
            url = server.simple_url
            json_only = name_index.PEP691_JSON

            # Transfer alone (no parsing), for reference.
            figures["get JSON (transfer only)"], json_body = median_ms(
                lambda: raw_get(url, json_only), NETWORK_RUNS
            )
            figures["get HTML (transfer only)"], html_body = median_ms(
                lambda: raw_get(url, "text/html"), NETWORK_RUNS
            )
            # Parsing alone.
            figures["parse JSON"], (parsed, _serial) = median_ms(
                lambda: name_index.parse_json_index(json_body), NETWORK_RUNS
            )
            assert parsed == names, "JSON names differ from the source"
            figures["parse HTML (regex)"], parsed = median_ms(
                lambda: name_index.parse_html_index(html_body), NETWORK_RUNS
            )
            assert parsed == names, "HTML names differ from the source"
            json_body = html_body = parsed = None  # free ~100 MB before the next runs

            # Download + parse, as the app does it.
            figures["download+parse JSON"], download = median_ms(
                lambda: name_index._download(url, {}, 120), NETWORK_RUNS
            )
            assert download.format == "json" and len(download.names) == len(names)
            server.html_only = True
            figures["download+parse HTML"], download = median_ms(
                lambda: name_index._download(url, {}, 120), NETWORK_RUNS
            )
            assert download.format == "html" and len(download.names) == len(names)
            server.gzip_simple = True
            figures["download+parse HTML, gzip transfer, incl. server-side gzip"], download = (
                median_ms(lambda: name_index._download(url, {}, 120), NETWORK_RUNS)
            )
            server.html_only = False
            figures["download+parse JSON, gzip transfer, incl. server-side gzip"], download = (
                median_ms(lambda: name_index._download(url, {}, 120), NETWORK_RUNS)
            )
            server.gzip_simple = False
            assert len(download.names) == len(names)

            # Cache write (gzip + sha256 + two atomic writes with fsync).
            meta = {"version": name_index.CACHE_VERSION, "url": url, "fetched_at": time.time()}
            meta.update(etag="", last_modified="", last_serial=None, format="json")
            figures["write cache"], _ = median_ms(
                lambda: name_index._write_cache(url, download.names, meta), NETWORK_RUNS
            )
            names_path, _meta_path = name_index.cache_paths(url)
            cache_size = names_path.stat().st_size

            # Load from cache: what every start of the search box costs.
            figures["load from cache"], loaded = median_ms(
                lambda: name_index.cached_names(url), LOAD_RUNS
            )
            assert loaded is not None and loaded.names == names

            # First run end to end (download, parse, write), then a 304 revalidation.
            for path in name_index.cache_paths(url):
                path.unlink()
            start = time.perf_counter()
            first = name_index.load_names(url, timeout=120)
            figures["first load_names (network, JSON)"] = milliseconds(start)
            assert first.source == "network"
            figures["refresh answered 304"], refreshed = median_ms(
                lambda: name_index.refresh_names(url, timeout=120), NETWORK_RUNS
            )
            assert refreshed.source == "cache (not modified)"

        width = max(map(len, figures))
        for label, value in figures.items():
            print(f"  {label:<{width}}  {value:8.0f} ms")
        print(f"  cache file: {cache_size / 1e6:.1f} MB gzip ({len(names):,} names)")
        load = figures["load from cache"]
        verdict = "OK" if load < TARGET_LOAD_MS else "TOO SLOW"
        print(
            f"SUMMARY: load {len(names):,} names from cache {load:.0f} ms median of {LOAD_RUNS}"
            f" (target < {TARGET_LOAD_MS:.0f} ms: {verdict}); download+parse JSON"
            f" {figures['download+parse JSON']:.0f} ms, HTML {figures['download+parse HTML']:.0f} ms;"
            f" write cache {figures['write cache']:.0f} ms; cache {cache_size / 1e6:.1f} MB"
        )
        return 0  # a figure, not a test: the summary says whether the target is met


if __name__ == "__main__":
    sys.exit(main())
