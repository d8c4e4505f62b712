"""Write ``resources/popularity.tsv.gz``: the most downloaded projects on PyPI, with their summaries.

Package search (``core/search.py``) ranks popular projects first and searches
their one-line summaries, so that ``excel`` finds ``openpyxl``.  The app ships
this snapshot so search works on first start and offline; it is small (the
15,000 most downloaded projects, about 0.5 MB) and changes rarely.

Run from the repository root::

    python tools/make_popularity_snapshot.py                  # from ../shared/data
    python tools/make_popularity_snapshot.py --input top.tsv  # from your own export

Input: a TSV file (optionally gzipped) with a header line and the columns
``name``, ``download_rank``, ``summary``.  Rows with an empty
``download_rank`` are skipped (the development file
``../shared/data/pypi-projects.tsv.gz`` lists every project and fills the rank
only for the top 15,000).

Output: ``name<TAB>rank<TAB>summary`` lines sorted by rank, no header,
summaries on one line and cut to about 200 characters, gzipped with a zero
timestamp so the same input always gives the same bytes (no spurious diffs in
the repository).

Refreshing the snapshot from public download statistics
-------------------------------------------------------
Any source of "project, downloads, summary" gives the input file.  Two public
ones:

1. Google BigQuery, the PyPI public dataset (``bigquery-public-data.pypi``).
   A 30-day window reads a lot of data: check the estimate BigQuery shows
   before running it, or shorten the window::

       WITH downloads AS (
         SELECT file.project AS project, COUNT(*) AS downloads
         FROM `bigquery-public-data.pypi.file_downloads`
         WHERE DATE(timestamp) >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY)
         GROUP BY project
         ORDER BY downloads DESC
         LIMIT 15000
       ),
       summaries AS (
         SELECT LOWER(REGEXP_REPLACE(name, r'[-_.]+', '-')) AS project,
                ARRAY_AGG(summary ORDER BY upload_time DESC LIMIT 1)[OFFSET(0)] AS summary
         FROM `bigquery-public-data.pypi.distribution_metadata`
         GROUP BY project
       )
       SELECT d.project AS name,
              ROW_NUMBER() OVER (ORDER BY d.downloads DESC) AS download_rank,
              IFNULL(s.summary, '') AS summary
       FROM downloads d LEFT JOIN summaries s USING (project)
       ORDER BY download_rank

   Save the result as CSV (``bq query --format=csv ... > top.csv``) and turn
   it into TSV, e.g. with Python's ``csv`` module (summaries can hold commas
   and quotes, so do not use ``tr``).

2. Hugo van Kemenade's monthly list,
   https://hugovk.github.io/top-pypi-packages/top-pypi-packages.min.json
   (``{"rows": [{"project": ..., "download_count": ...}, ...]}``, already
   sorted): the rank is the position in ``rows`` (1-based).  It has no
   summaries; take them from ``distribution_metadata`` as above, or from
   ``https://pypi.org/pypi/<project>/json`` (``info.summary``), politely and
   once.

Then run this script with ``--input`` and commit the new
``resources/popularity.tsv.gz``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = REPO_ROOT.parent / "shared" / "data" / "pypi-projects.tsv.gz"
DEFAULT_OUTPUT = REPO_ROOT / "resources" / "popularity.tsv.gz"
DEFAULT_COUNT = 15_000
SUMMARY_LIMIT = 200

_WHITESPACE = re.compile(r"\s+")


def one_line_summary(summary: str, limit: int = SUMMARY_LIMIT) -> str:
    """Collapse tabs, newlines and runs of spaces; cut at a word boundary near ``limit``."""
    summary = _WHITESPACE.sub(" ", summary).strip()
    if len(summary) <= limit:
        return summary
    cut = summary[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def read_ranked_rows(path: Path) -> list[tuple[str, int, str]]:
    """``(name, rank, summary)`` for every row with a download rank, in rank order."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    lines = raw.decode("utf-8").splitlines()
    if not lines or lines[0].split("\t")[:2] != ["name", "download_rank"]:
        raise SystemExit(f"{path}: expected a header line 'name<TAB>download_rank<TAB>summary'")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        name, _, rest = line.partition("\t")
        rank_text, _, summary = rest.partition("\t")
        if not rank_text.strip():
            continue
        try:
            rank = int(rank_text)
        except ValueError:
            raise SystemExit(
                f"{path}:{number}: download_rank {rank_text!r} is not a number"
            ) from None
        rows.append((name.strip(), rank, one_line_summary(summary)))
    rows.sort(key=lambda row: (row[1], row[0]))
    return rows


def snapshot_bytes(rows: list[tuple[str, int, str]]) -> bytes:
    """The gzipped TSV, byte-for-byte reproducible (zero mtime, no file name in the header)."""
    text = "".join(f"{name}\t{rank}\t{summary}\n" for name, rank, summary in rows)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Refreshing the snapshot") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--input",
        type=Path,
        default=DEFAULT_INPUT,
        help="TSV(.gz) with columns name, download_rank, summary (default: %(default)s)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where to write (default: %(default)s)"
    )
    parser.add_argument(
        "--count",
        type=int,
        default=DEFAULT_COUNT,
        help="keep this many of the best-ranked projects (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not args.input.is_file():
        parser.error(f"{args.input} does not exist (see --help for how to make one)")
    rows = read_ranked_rows(args.input)[: args.count]
    data = snapshot_bytes(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(rows)} projects, {len(data) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
