"""Find projects on the package index as the person types, among ~900,000 names.

People rarely know a project's exact name, so a query is matched several ways,
and every match is labelled with how it was found (its *tier*):

``exact``           the name, PEP 503-normalised (``Old_Package`` = ``old-package``)
``prefix``          the name starts with the query (``reque`` → ``requests``)
``word-prefix``     a later word of the name starts with it (``yaml`` → ``ruamel-yaml``)
``substring``       the name contains it (``yaml`` → ``pyyaml``)
``close-spelling``  one or two typing slips away from a popular name (``reqest`` → ``requests``);
                    only when no popular name starts with the query
``summary``         a popular project's one-line summary holds every query word, whole
                    or begun (``excel`` → ``openpyxl``); words in a tenth of all
                    summaries ("python", "for") are ignored

Query words are the runs of letters and digits in what was typed (at most 100
characters, NFKC-normalised, lower-cased).  Several words (``django rest``)
are tried joined by ``-`` (the canonical form, the only one that can match
``exact``) and joined with nothing (``djangorest``, at best a prefix), so they
find both ``django-rest-knox`` and ``djangorestframework``; a popular name
holding every word in any order is a ``substring`` match too.

Order.  Each tier has a cost: exact always first, then prefix 0, word-prefix 1,
summary 1 (1.5 when a word is only begun: ``nump`` in "Numpydoc"), substring 2,
close spelling 2 (2.5 for two slips).  Each project has a popularity cost,
``log10(download rank)``: 0 for the most downloaded, 4.2 for the 15,000th, 5
for the long tail with no rank, and 0 for projects in ``boost`` (installed in
another environment of this person).  Results come by the sum, then by tier,
boosted first, rank, shorter name, alphabetically.  So within a tier popular
projects come first, and one tier is worth a factor of ten in downloads: a
project 10x more popular may pass a better-matching one.  Without that,
``excel`` lists dozens of obscure ``excel-*`` and ``*excel*`` names before
``openpyxl``.  A project appears once, labelled with its best tier in the
order above and placed by its lowest cost (PyPI's ``pyyaml`` is a
``substring`` match of ``yaml`` placed by its summary).

Speed.  Names are kept in a fixed order: the popular ones (those in the
popularity snapshot) by rank, then the long tail by length and then
alphabetically.  That is the order within every tier, so each tier can stop at
``limit`` matches: the long tail's prefixes come from bisecting its
per-length runs, and word-prefix and substring matches from ``str.find`` over
the names joined into one string, stopping as soon as enough are found; a
long-tail tier is not searched at all once ``limit`` cheaper matches are in.
A query that matches almost nothing scans that ~13 MB string once per form
(~5 ms each); everything else works on the 15,000 popular names.  Building the
index for 900,000 names takes about a second and should happen off the UI
thread; searching only reads it, so worker threads may share one index.

Beginners.  :meth:`SearchIndex.search` also understands what beginners type
(:meth:`SearchIndex.search_names` is the name matching above alone): an import
name or a pasted error (``cv2``, ``No module named 'sklearn.ensemble'``) puts
the providing packages first (``core.import_names``), labelled with a
``reason`` ("provides import cv2"); descriptions ("plot graphs") match word
stems and a small synonym table against popular summaries (tier
``description``: all ideas cost like a summary match, one missing of several
costs three decades more, the name saying it or the words in the typed order
take half a decade off); a stub's successor comes first ("sklearn is
deprecated; scikit-learn is the package to install") and stubs and reserved or
deprecated placeholders go below the next few real projects.  An obscure exact
name (no rank) is worth a hundred times the downloads rather than always
first, and never when several words were typed (``progress bar``).

Loading.  Names are kept as two joined strings and ``array('i')`` offsets (no
string object per name: ~45 MiB for PyPI's list).  :meth:`SearchIndex.save`
writes them next to the cached list; :meth:`SearchIndex.load` reads them back
with a few C-level calls (~0.4 s to ready, the interpreter never held for long),
and :meth:`SearchIndex.load_cached` does the whole start: saved index when the
list is fresh, else the list (refreshed) and a build, saved for next time.
Building sorts in small pieces so that no single C call holds the interpreter.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import hashlib
import json
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Container, Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from pathlib import Path

from core import import_names, storage
from core.import_names import ImportNames, looks_like_import_name, module_in_text
from core.names import canonical_name

SNAPSHOT_RESOURCE = "popularity.tsv.gz"
MAX_QUERY_LENGTH = 100

TIERS = (
    "exact", "prefix", "word-prefix", "substring", "close-spelling", "summary",
    "import", "replacement", "description",
)
_EXACT, _PREFIX, _WORD_PREFIX, _SUBSTRING, _CLOSE_SPELLING, _SUMMARY = range(6)
_IMPORT, _REPLACEMENT, _DESCRIPTION = range(6, 9)
_TIER_COST = {
    _EXACT: -100.0,
    _PREFIX: 0.0,
    _WORD_PREFIX: 1.0,
    _SUMMARY: 1.0,
    _SUBSTRING: 2.0,
    _CLOSE_SPELLING: 2.0,  # + 0.5 for a second slip
}
_PARTIAL_SUMMARY_COST = 1.5  # a summary word only started ("nump" in "Numpydoc"): weaker
_UNRANKED_COST = 5.0  # as popular as the 100,000th project: the long tail
_BOOSTED_COST = 0.0  # as popular as the most downloaded project
# Query words for name matching and summary words are runs of letters and digits.
_WORDS = re.compile(r"[^\W_]+")
# A summary word this short must be typed whole ("qt", "r"); longer ones match as a prefix.
_SUMMARY_PREFIX_MIN = 3
# A word in more than a tenth of the summaries (but at least this many) is too common to search.
_COMMON_SUMMARY_WORD_MINIMUM = 50
_NO_RANK = 1 << 30
_CHUNK = 50_000  # names per C-level step while building
_CACHE_MAGIC = b"venvdesk-search-index\n"
_CACHE_VERSION = 1
# An exact name nobody downloads much is worth as much as being 100 times more downloaded:
# "matplot" (a real, obscure project) still lists matplotlib first.
_OBSCURE_EXACT_COST = _UNRANKED_COST - 2.0
# A pasted error may be long (a whole traceback); only its start is read.
MAX_PASTED_LENGTH = 4000
# Stubs and placeholders go below this many of the real projects after them.
_DEMOTE_BY = 3
_MISSING_IDEA_COST = 3.0  # as if 1,000 times less downloaded
_IDEA_IN_NAME_BONUS = 0.5  # the name says it: matplotlib for "plot"
_DESCRIBED_LIMIT = 80  # description matches kept per query (the cheapest)
_PHRASE_BONUS = 0.5  # the summary has the words in the order typed: "text to speech"
_PLACEHOLDER = re.compile(
    r"\b(placeholder|reserved|dummy package|deprecated|obsolete|do not (use|install)|"
    r"no longer maintained|should be deleted|mirror package|use \S+ instead|"
    r"install \S+ instead|renamed to|removed)\b",
    re.IGNORECASE,
)

# Words that say nothing about what a project does.
STOP_WORDS = frozenset(
    ["a", "an", "the", "in", "on", "of", "for", "to", "and", "or", "with", "by", "from", "at", "into", "my", "i", "me", "we", "you", "it", "is", "are", "be", "can", "how", "what", "which", "that", "this", "some", "any", "python", "py", "library", "libraries", "package", "packages", "module", "modules", "tool", "tools", "thing", "things", "want", "need"]
)
# Verbs beginners put first ("make games", "read pdf"): they count, but are not required.
WEAK_WORDS = frozenset(
    ["make", "makes", "making", "create", "build", "do", "use", "using", "read", "write", "get", "open", "handle", "work", "working", "show", "simple", "easy", "fast", "good", "best"]
)
_SYNONYM_GROUPS = (
    "graph chart plot plotting visualization visualisation diagram",
    "scrape scraping crawl crawler crawling scraper",
    "website websites web webpage webpages",
    "excel xlsx xls spreadsheet spreadsheets",
    "color colour colored coloured colors colours",
    "terminal console cli shell",
    "gui guis desktop",
    "image picture photo photos pictures images imaging",
    "pdf pdfs",
    "game games gaming",
    "test testing tests",
    "request requests http",
    "video videos youtube",
    "download downloader downloading",
    "speech voice",
    "mouse keyboard",
    "postgres postgresql",
    "word docx",
    "document documents doc docx",
    "powerpoint pptx",
    "array arrays matrix numerical",
    "dataframe dataframes",
    "browser browsers",
    "automation automate",
    "machine ml",
    "command cli",
    "bot bots",
)


def _synonym_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in _SYNONYM_GROUPS:
        words = group.split()
        for word in words:
            table.setdefault(_stem(word), set()).update(words)
    return {stem: frozenset(words) for stem, words in table.items()}


_SUFFIXES = (
    ("ations", "ate"), ("ation", "ate"), ("ings", ""), ("ing", ""), ("ies", "y"), ("ers", ""),
    ("er", ""), ("ed", ""), ("es", "e"), ("ss", "ss"), ("s", ""),
)


@dataclass(frozen=True)
class SearchResult:
    name: str  # display name as the index spells it
    summary: str  # from the popularity snapshot, "" if unknown
    rank: int | None  # download rank, None if not in the top list
    tier: str  # one of TIERS
    reason: str = ""  # why it is placed first, for the person: "provides import cv2"


@dataclass(frozen=True)
class Popularity:
    rank: int
    summary: str


def parse_popularity_snapshot(text: str) -> dict[str, Popularity]:
    """``name<TAB>rank<TAB>summary`` lines → {canonical name: Popularity}; bad lines are skipped."""
    popularity: dict[str, Popularity] = {}
    for line in text.splitlines():
        name, _, rest = line.partition("\t")
        rank_text, _, summary = rest.partition("\t")
        try:
            rank = int(rank_text)
        except ValueError:
            continue
        key = canonical_name(name.strip())
        if key and key not in popularity:
            popularity[key] = Popularity(rank, summary.strip())
    return popularity


def load_popularity_snapshot() -> dict[str, Popularity]:
    """The download ranks and summaries shipped with the app (``tools/make_popularity_snapshot.py``)."""
    raw = resources.files("resources").joinpath(SNAPSHOT_RESOURCE).read_bytes()
    return parse_popularity_snapshot(gzip.decompress(raw).decode("utf-8", errors="replace"))


class _JoinedNames:
    """Names joined into one ``"\\n"``-separated string, for ``str.find``, and back to ids."""

    def __init__(self, names: list[str], first_id: int):
        self.text = "\n" + "\n".join(names) + "\n"
        self.first_id = first_id
        # Name i starts after the i+1 newlines and the names before it: 1 + i + sum(len before).
        # In slices, so that no single C-level call holds the interpreter for long.
        self.starts = array("i")
        start = 1
        for chunk in range(0, len(names), _CHUNK):
            lengths = [len(name) + 1 for name in names[chunk : chunk + _CHUNK]]
            self.starts.extend(accumulate(lengths, initial=start))
            start = self.starts.pop()
        if not names:
            self.starts.append(1)

    @classmethod
    def from_parts(cls, text: str, starts: array[int], first_id: int) -> _JoinedNames:
        joined = cls.__new__(cls)
        joined.text, joined.starts, joined.first_id = text, starts, first_id
        return joined

    def __len__(self) -> int:
        return len(self.starts) if len(self.text) > 2 else 0

    def name(self, index: int) -> str:
        start = self.starts[index]
        return self.text[start : self.text.index("\n", start)]

    def locate(self, position: int) -> tuple[int, int, int]:
        """The name around ``position``: ``(id, start, end)`` with ``text[start:end]`` the name."""
        index = bisect.bisect_right(self.starts, position) - 1
        start = self.starts[index]
        return self.first_id + index, start, self.text.index("\n", start)


class _NameView:
    """Item → name over one or two :class:`_JoinedNames`, without a string per name in memory."""

    def __init__(
        self, joined: _JoinedNames, tail: _JoinedNames | None = None, head: list[str] | None = None
    ):
        self.joined = joined
        self.tail = tail
        self.split = joined.first_id + len(joined) if tail is not None else 1 << 62
        self.head = head or []  # the first names as strings: the popular ones, read most

    def __getitem__(self, item: int) -> str:
        if item < len(self.head):
            return self.head[item]
        if item < self.split:
            return self.joined.name(item - self.joined.first_id)
        assert self.tail is not None
        return self.tail.name(item - self.tail.first_id)

    def __len__(self) -> int:
        return len(self.joined) + (len(self.tail) if self.tail is not None else 0)


def _by_length_then_name(keys: list[str]) -> list[str]:
    """``sorted(keys, key=lambda k: (len(k), k))``, in pieces: no single long C-level sort
    holds the interpreter while the window wants to repaint."""
    buckets: dict[tuple[int, str], list[str]] = {}
    for key in keys:
        bucket = buckets.get((len(key), key[0]))
        if bucket is None:
            buckets[(len(key), key[0])] = [key]
        else:
            bucket.append(key)
    ordered: list[str] = []
    for bucket_key in sorted(buckets):
        bucket = buckets[bucket_key]
        bucket.sort()
        ordered += bucket
    return ordered


def _int_array(data: memoryview) -> array[int]:
    numbers = array("i")
    numbers.frombytes(data)
    return numbers


def _popularity_digest(popularity: dict[str, Popularity]) -> str:
    digest = hashlib.sha256()
    for key, entry in popularity.items():
        digest.update(f"{key}\t{entry.rank}\t{entry.summary}\n".encode())
    return digest.hexdigest()[:32]


class _Query:
    """What a person typed, in the forms the tiers compare."""

    def __init__(self, text: str):
        text = unicodedata.normalize("NFKC", text[:MAX_QUERY_LENGTH])  # "ＮＵＭＰＹ" → "NUMPY"
        self.words = _WORDS.findall(text.lower())
        # "Django REST" → "django-rest" and "djangorest"; one word → one form.
        self.forms = list(dict.fromkeys(["-".join(self.words), "".join(self.words)]))


class _Candidates:
    """Matches found so far: id → (best cost, best tier)."""

    def __init__(self) -> None:
        self.found: dict[int, tuple[float, int]] = {}

    def add(self, item: int, tier: int, cost: float) -> None:
        known = self.found.get(item)
        if known is None:
            self.found[item] = (cost, tier)
        else:
            self.found[item] = (min(cost, known[0]), min(tier, known[1]))

    def count_below(self, cost: float) -> int:
        return sum(1 for found_cost, _ in self.found.values() if found_cost < cost)


class SearchIndex:
    """Every project name of the index, ready to be searched keystroke by keystroke."""

    def __init__(
        self,
        names: Iterable[str],
        popularity: dict[str, Popularity] | None = None,
        *,
        import_table: ImportNames | None = None,
    ):
        """``import_table``: import names and stubs (default: the shipped table, read lazily)."""
        popularity = popularity or {}
        display_by_key: dict[str, str] = {}
        for name in names:
            key = name.lower()
            if "_" in key or "." in key or "--" in key:
                key = canonical_name(key)
            elif key == name:
                key = name  # share the string: most names are already canonical
            display_by_key.setdefault(key, name)
        # "\n" separates names in the joined strings: a name holding one would corrupt them.
        for key in ["", *(key for key in display_by_key if "\n" in key)]:
            display_by_key.pop(key, None)

        popular = sorted(
            (key for key in display_by_key if key in popularity),
            key=lambda key: (popularity[key].rank, len(key), key),
        )
        tail = _by_length_then_name([key for key in display_by_key if key not in popularity])
        # The long tail is sorted by (length, name): one alphabetical run per length.
        tail_runs: list[tuple[int, int, int]] = []  # (length, first id, end id)
        first = len(popular)
        for item, key in enumerate(tail, start=len(popular)):
            if not tail_runs or tail_runs[-1][0] != len(key):
                if tail_runs:
                    tail_runs[-1] = (tail_runs[-1][0], first, item)
                first = item
                tail_runs.append((len(key), item, item))
        if tail_runs:
            tail_runs[-1] = (tail_runs[-1][0], first, len(popular) + len(tail))
        display = [display_by_key[key] for key in popular]
        display += [display_by_key[key] for key in tail]
        del display_by_key
        self._setup(
            popular,
            _JoinedNames(tail, len(popular)),
            tail_runs,
            _JoinedNames(display, 0),
            popularity,
            import_table,
        )

    def _setup(
        self,
        popular: list[str],
        tail_text: _JoinedNames,
        tail_runs: list[tuple[int, int, int]],
        display_text: _JoinedNames,
        popularity: dict[str, Popularity],
        import_table: ImportNames | None,
    ) -> None:
        """Everything but the long tail's order: built from the ~15,000 popular names alone."""
        self._import_table = import_table
        self._popularity_digest = _popularity_digest(popularity)
        self._popular_count = len(popular)
        self._popular_text = _JoinedNames(popular, 0)
        self._tail_text = tail_text
        self._keys = _NameView(self._popular_text, tail_text, popular)
        self._display = _NameView(display_text)
        self._tail_runs = tail_runs
        self._tail_run_lengths = [length for length, _, _ in tail_runs]
        self._popular_ids = {key: item for item, key in enumerate(popular)}
        self._ranks = [popularity[key].rank for key in popular]
        self._summaries = [popularity[key].summary for key in popular]
        self._popularity_cost = [math.log10(max(rank, 1)) for rank in self._ranks]

        self._summary_postings: dict[str, list[int]] = {}
        for item, summary in enumerate(self._summaries):
            for word in set(_WORDS.findall(summary.lower())):
                self._summary_postings.setdefault(word, []).append(item)
        self._summary_words = sorted(self._summary_postings)
        # Stems of summary words and of name parts, for descriptions ("plot graphs").
        self._stem_postings: dict[str, list[int]] = {}
        for word, items in self._summary_postings.items():
            self._stem_postings.setdefault(_stem(word), []).extend(items)
        self._name_stem_postings: dict[str, list[int]] = {}
        for item, key in enumerate(popular):
            for part in set(_WORDS.findall(key)):
                stem = _stem(part)
                self._name_stem_postings.setdefault(stem, []).append(item)
                self._stem_postings.setdefault(stem, []).append(item)

        self._bigram_postings: dict[str, list[int]] = {}
        for item, key in enumerate(popular):
            for gram in _bigrams(key):
                self._bigram_postings.setdefault(gram, []).append(item)
        self._bigram_counts = [len(_bigrams(key)) for key in popular]
        self._letter_sets = [_letter_set(key) for key in popular]

    # -- a compact copy on disk, next to the cached name list -------------------------------

    def save(self, path: Path, names_sha256: str = "") -> None:
        """Write the index so :meth:`load` can bring it back with a few C-level calls.

        ``names_sha256`` ties it to the name list it was built from (the name
        cache's ``names_sha256``); the popularity snapshot is tied by a digest.
        """
        popular_count = self._popular_count
        popular = self._popular_text.text[1:-1]
        parts = [
            popular.encode("utf-8"),
            self._tail_text.text.encode("utf-8"),
            self._tail_text.starts.tobytes(),
            self._display.joined.text.encode("utf-8"),
            self._display.joined.starts.tobytes(),
        ]
        header = {
            "version": _CACHE_VERSION,
            "names_sha256": names_sha256,
            "popularity": self._popularity_digest,
            "popular_count": popular_count,
            "tail_runs": self._tail_runs,
            "sizes": [len(part) for part in parts],
        }
        payload = b"".join(parts)  # not compressed: reading 30 MB costs less than inflating
        storage.write_bytes_atomic(
            path, _CACHE_MAGIC + json.dumps(header).encode("utf-8") + b"\n" + payload
        )

    @classmethod
    def load(
        cls,
        path: Path,
        popularity: dict[str, Popularity],
        names_sha256: str = "",
        *,
        import_table: ImportNames | None = None,
    ) -> SearchIndex | None:
        """The index :meth:`save` wrote, or ``None`` when missing, damaged or out of date
        (another name list, another popularity snapshot)."""
        try:
            raw = path.read_bytes()
            if not raw.startswith(_CACHE_MAGIC):
                return None
            header_end = raw.index(b"\n", len(_CACHE_MAGIC))
            header = json.loads(raw[len(_CACHE_MAGIC) : header_end])
            if (
                header.get("version") != _CACHE_VERSION
                or header.get("names_sha256") != names_sha256
                or header.get("popularity") != _popularity_digest(popularity)
            ):
                return None
            payload = memoryview(raw)[header_end + 1 :]
            blobs = []
            offset = 0
            for size in header["sizes"]:
                blobs.append(payload[offset : offset + size])
                offset += size
            popular_text, tail_text, tail_starts, display_text, display_starts = blobs
            popular = str(popular_text, "utf-8").split("\n") if popular_text else []
            if len(popular) != header["popular_count"] or any(key not in popularity for key in popular):
                return None
            tail = _JoinedNames.from_parts(
                str(tail_text, "utf-8"), _int_array(tail_starts), len(popular)
            )
            shown = _JoinedNames.from_parts(str(display_text, "utf-8"), _int_array(display_starts), 0)
            runs = [(int(length), int(first), int(end)) for length, first, end in header["tail_runs"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        index = cls.__new__(cls)
        index._setup(popular, tail, runs, shown, popularity, import_table)
        return index

    @classmethod
    def load_cached(
        cls,
        index_url: str,
        popularity: dict[str, Popularity] | None = None,
        *,
        build_elsewhere: Callable[[], bool] | None = None,
    ) -> tuple[SearchIndex, str, str]:
        """The search index for ``index_url``'s project list: ``(index, source, problem)``.

        When the cached list is fresh and an index built from it is saved next
        to it, that index is loaded (a few C-level calls: ~0.2 s, the interpreter
        never held long).  Otherwise the list is loaded (refreshed when stale,
        as :func:`core.name_index.load_names` does), the index built and saved for
        next time.  ``source`` and ``problem`` are :class:`~core.name_index.NameList`'s.
        Raises :class:`~core.name_index.NameIndexUnavailable` like ``load_names``.

        ``build_elsewhere``, when given, is asked first to build and save the index from the
        cached list in another process (:func:`build_saved_index`): building holds the
        interpreter in long C-level sorts, which a window's UI thread would feel (70-110 ms
        pauses).  It returns whether it did; if not, the index is built here.
        """
        from core import name_index

        popularity = load_popularity_snapshot() if popularity is None else popularity
        path = name_index.search_cache_path(index_url)
        meta = name_index.cached_meta(index_url)
        if meta is not None and name_index.is_fresh(meta):
            index = cls.load(path, popularity, str(meta.get("names_sha256", "")))
            if index is not None:
                return index, "cache", ""
        fresh_or_none = meta is None or name_index.is_fresh(meta)
        if build_elsewhere is not None and fresh_or_none and build_elsewhere():
            # The other process fetched the list if there was none, built the index and saved it:
            # here it is only loaded (splitting 886k names would hold the interpreter too).  A
            # stale list takes the path below, which says when the index could not be reached.
            meta_now = name_index.cached_meta(index_url)
            if meta_now is not None and name_index.is_fresh(meta_now):
                index = cls.load(path, popularity, str(meta_now.get("names_sha256", "")))
                if index is not None:
                    return index, "cache" if meta is not None else "index", ""
        names = name_index.load_names(index_url)
        meta = name_index.cached_meta(index_url)
        sha = str(meta.get("names_sha256", "")) if meta is not None else ""
        if sha:
            index = cls.load(path, popularity, sha)  # a 304: the same list, already built
            if index is not None:
                return index, names.source, names.problem
        index = cls(names.names, popularity)
        if sha and meta is not None and meta.get("count") == len(names.names):
            with contextlib.suppress(OSError):  # not saved: built again next time
                index.save(path, sha)
        return index, names.source, names.problem

    @classmethod
    def from_snapshot(cls, popularity: dict[str, Popularity]) -> SearchIndex:
        """An index of the popular projects alone: before the full name list is known, or offline."""
        return cls(popularity, popularity)

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, name: str) -> str | None:
        """The index's spelling of ``name`` if the project exists (PEP 503 comparison)."""
        item = self._find(canonical_name(name.strip()))
        return None if item is None else self._display[item]

    def search(
        self, query: str, limit: int = 50, boost: Collection[str] = ()
    ) -> list[SearchResult]:
        """The best ``limit`` matches for what the person typed; ``[]`` for a blank query.

        Beyond :meth:`search_names`: an import name (``cv2``) or a pasted error
        (``No module named 'cv2'``) puts the providing packages first; words
        that describe (``plot graphs``) find popular projects by their summary,
        stems and synonyms included; a stub's successor comes before the stub,
        and placeholders and deprecated stubs go down.  Results placed first
        for such a reason carry it in :attr:`SearchResult.reason`.
        """
        if limit <= 0:
            return []
        module = module_in_text(query[:MAX_PASTED_LENGTH])
        text = module if module is not None else query
        boosted = {item for item in map(self._find, map(canonical_name, boost)) if item is not None}
        names_query = module.split(".")[0] if module is not None else text
        ranked = self._rank(_Query(names_query), limit + _DEMOTE_BY + 5, boosted)
        if module is None:
            ranked = self._with_descriptions(_Query(text), ranked, limit + _DEMOTE_BY + 5, boosted)
        table = self._imports()

        entries: list[tuple[int, int, str]] = []  # (item, tier, reason), best first
        if looks_like_import_name(text):
            known = table.known_import(text)
            for project in table.providers(text):
                item = self._find(canonical_name(project))
                if item is not None:
                    entries.append((item, _IMPORT, f"provides import {known}"))
        entries += [(item, tier, "") for item, tier in ranked]

        placed: dict[int, float] = {}  # item → place (lower first)
        labels: dict[int, tuple[int, str]] = {}
        position = 0.0
        for item, tier, reason in entries:
            if item in placed:
                continue
            replacement = table.replacement(self._keys[item])
            if replacement is not None:
                successor = self._find(canonical_name(replacement.successor))
                why = replacement.reason(self._display[item])
                if successor is not None and successor not in placed:
                    placed[successor] = position
                    labels[successor] = (_REPLACEMENT, why)
                    position += 1
                elif successor is not None and not labels[successor][1]:
                    labels[successor] = (_REPLACEMENT, why)  # already above: say why anyway
            if replacement is not None or self._is_placeholder(item):
                placed[item] = position + _DEMOTE_BY - 0.5  # below the next few real projects
            else:
                placed[item] = position
            labels[item] = (tier, reason)
            position += 1
        results = []
        for item in sorted(placed, key=placed.__getitem__)[:limit]:
            tier, reason = labels[item]
            results.append(self._result(item, tier, reason))
        return results

    def search_names(
        self, query: str, limit: int = 50, boost: Collection[str] = ()
    ) -> list[SearchResult]:
        """Matches by name and by summary words only, without :meth:`search`'s understanding
        of import names, errors, descriptions and stubs."""
        if limit <= 0:
            return []
        boosted = {item for item in map(self._find, map(canonical_name, boost)) if item is not None}
        return [
            self._result(item, tier)
            for item, tier in self._rank(_Query(query), limit, boosted)
        ]

    def _rank(self, parsed: _Query, limit: int, boosted: set[int]) -> list[tuple[int, int]]:
        """``(item, tier)`` of the best ``limit`` name and summary matches, best first."""
        if not parsed.words:
            return []
        found = _Candidates()
        exact = self._find(parsed.forms[0])
        if exact is not None:
            if exact in boosted or exact < self._popular_count:
                cost = _TIER_COST[_EXACT] + self._cost_of(exact, boosted)
            elif len(parsed.words) == 1:
                cost = _OBSCURE_EXACT_COST  # worth being a thousand times more downloaded
            else:
                cost = _TIER_COST[_PREFIX] + _UNRANKED_COST  # "progress bar" is a description
            found.add(exact, _EXACT, cost)
        popular_starts = self._match_popular_names(parsed, limit, found)
        for item in boosted:
            self._match_boosted(item, parsed, found)
        self._match_summaries(parsed, limit, boosted, found)
        if not popular_starts and not any(
            self._keys[item].startswith(tuple(parsed.forms)) for item in boosted
        ):
            self._match_close_spellings(parsed, limit, boosted, found)
        self._match_tail(parsed, limit, found)
        return self._ordered(found, limit, boosted)

    # -- matching -------------------------------------------------------------------------

    def _find(self, key: str) -> int | None:
        item = self._popular_ids.get(key)
        if item is not None:
            return item
        run = bisect.bisect_left(self._tail_run_lengths, len(key))
        if run == len(self._tail_runs) or self._tail_runs[run][0] != len(key):
            return None
        _, first, end = self._tail_runs[run]
        item = bisect.bisect_left(self._keys, key, first, end)
        return item if item < end and self._keys[item] == key else None

    def _cost_of(self, item: int, boosted: Collection[int]) -> float:
        if item in boosted:
            return _BOOSTED_COST
        if item < self._popular_count:
            return self._popularity_cost[item]
        return _UNRANKED_COST

    def _match_popular_names(self, query: _Query, limit: int, found: _Candidates) -> bool:
        """Prefix, word-prefix and substring matches among popular names; True if any prefix."""
        joined = self._popular_text
        text, find = joined.text, joined.text.find
        any_prefix = False
        for form in query.forms:
            exact_length = len(form) if form == query.forms[0] else -1
            # Names are in rank order, so the first `limit` hits of a tier are its best.
            for needle, tier in (("\n" + form, _PREFIX), ("-" + form, _WORD_PREFIX)):
                taken = 0
                position = find(needle)
                while position != -1 and taken < limit:
                    item, start, end = joined.locate(position + 1)
                    if tier == _PREFIX:
                        any_prefix = True
                    if not (tier == _PREFIX and end - start == exact_length):  # done already
                        found.add(item, tier, _TIER_COST[tier] + self._popularity_cost[item])
                        taken += 1
                    position = find(needle, end)
            taken = 0
            position = find(form)
            while position != -1 and taken < limit:
                item, start, end = joined.locate(position)
                name = text[start:end]
                if not name.startswith(form) and "-" + form not in name:
                    found.add(
                        item, _SUBSTRING, _TIER_COST[_SUBSTRING] + self._popularity_cost[item]
                    )
                    taken += 1
                position = find(form, end)
        if len(query.words) > 1:
            # Every word, in any order: "rest django" → djangorestframework.
            longest = max(query.words, key=len)
            others = [word for word in query.words if word != longest]
            taken = 0
            position = find(longest)
            while position != -1 and taken < limit:
                item, start, end = joined.locate(position)
                name = text[start:end]
                if all(word in name for word in others):
                    found.add(
                        item, _SUBSTRING, _TIER_COST[_SUBSTRING] + self._popularity_cost[item]
                    )
                    taken += 1
                position = find(longest, end)
        return any_prefix

    def _match_boosted(self, item: int, query: _Query, found: _Candidates) -> None:
        key = self._keys[item]
        tier = None
        for form in query.forms:
            if key == form and form == query.forms[0]:
                tier = _EXACT
            elif key.startswith(form):
                tier = _PREFIX
            elif "-" + form in key:
                tier = _WORD_PREFIX
            elif form in key:
                tier = _SUBSTRING
            else:
                continue
            found.add(item, tier, _TIER_COST[tier] + _BOOSTED_COST)
        if tier is None and len(query.words) > 1 and all(word in key for word in query.words):
            found.add(item, _SUBSTRING, _TIER_COST[_SUBSTRING] + _BOOSTED_COST)

    def _match_summaries(
        self, query: _Query, limit: int, boosted: Collection[int], found: _Candidates
    ) -> None:
        """Popular projects whose summary has every query word (as a word, or a word's start).

        Words found in very many summaries ("python", "library", "for") say
        nothing about what the person is after: they are left out.
        """
        common = max(_COMMON_SUMMARY_WORD_MINIMUM, len(self._summaries) // 10)
        whole: set[int] | None = None  # every word there in full ("excel" in "... Excel files")
        partly: set[int] | None = None  # or some only as the start of a word ("nump" in "Numpydoc")
        for word in sorted(set(query.words), key=len, reverse=True):
            with_word = set(self._summary_postings.get(word, ()))
            starting_with_word = set(with_word)
            if len(word) >= _SUMMARY_PREFIX_MIN:
                first = bisect.bisect_left(self._summary_words, word)
                for summary_word in self._summary_words[first:]:
                    if not summary_word.startswith(word):
                        break
                    starting_with_word.update(self._summary_postings[summary_word])
            if len(starting_with_word) > common:
                continue
            whole = with_word if whole is None else whole & with_word
            partly = starting_with_word if partly is None else partly & starting_with_word
            if not partly:
                return
        if whole is None or partly is None:
            return
        partly -= whole
        for matching, cost in ((whole, _TIER_COST[_SUMMARY]), (partly, _PARTIAL_SUMMARY_COST)):
            # Ids are in rank order: the first `limit` are the best (boosted ones aside).
            for item in sorted(matching)[:limit] + [item for item in boosted if item in matching]:
                found.add(item, _SUMMARY, cost + self._cost_of(item, boosted))

    def _match_close_spellings(
        self, query: _Query, limit: int, boosted: Collection[int], found: _Candidates
    ) -> None:
        """Popular (and boosted) names one or two slips away: "reqeusts", "reqest" → requests.

        Candidates share enough bigrams with the query (each slip changes at most
        three: a swap "ab" → "ba" does), and lack at most one letter of it per
        slip (and vice versa); only those get the exact distance.
        """
        keys = self._keys.head  # bigram postings hold popular names only
        every_key = self._keys
        letter_sets = self._letter_sets
        bigram_counts = self._bigram_counts
        for form in query.forms:
            slips = _allowed_slips(form)
            if not slips:
                continue
            shared: Counter[int] = Counter()
            for gram in _bigrams(form):
                shared.update(self._bigram_postings.get(gram, ()))
            form_bigrams = len(_bigrams(form))
            letters = _letter_set(form)
            close = []
            for item, shared_count in shared.items():
                if (
                    abs(len(keys[item]) - len(form)) > slips
                    or shared_count < max(form_bigrams, bigram_counts[item]) - 3 * slips
                    or _bit_count(letters & ~letter_sets[item]) > slips
                    or _bit_count(letter_sets[item] & ~letters) > slips
                ):
                    continue
                distance = _edit_distance(form, keys[item], slips)
                if distance is not None:
                    close.append((distance, item))
            for item in boosted:
                distance = _edit_distance(form, every_key[item], slips)
                if distance is not None:
                    close.append((distance, item))
            for distance, item in close:
                cost = _TIER_COST[_CLOSE_SPELLING] + 0.5 * (distance - 1)
                found.add(item, _CLOSE_SPELLING, cost + self._cost_of(item, boosted))

    def _match_tail(self, query: _Query, limit: int, found: _Candidates) -> None:
        """Prefix, word-prefix and substring matches among the long tail (no rank).

        Every long-tail match in a tier costs the same, so a tier is searched only
        while fewer than ``limit`` matches found so far cost less than it does.
        """
        prefix_cost = _TIER_COST[_PREFIX] + _UNRANKED_COST
        word_cost = _TIER_COST[_WORD_PREFIX] + _UNRANKED_COST
        substring_cost = _TIER_COST[_SUBSTRING] + _UNRANKED_COST
        for form in query.forms:
            wanted = limit - found.count_below(prefix_cost)
            if wanted > 0:
                # The name itself is an exact match of the canonical form, a prefix one of "djangorest".
                with_itself = form != query.forms[0]
                for item in self._tail_prefixed(form, wanted, found.found, with_itself):
                    found.add(item, _PREFIX, prefix_cost)
        for form in query.forms:
            wanted_words = limit - found.count_below(word_cost)
            wanted_substrings = limit - found.count_below(substring_cost)
            if wanted_words <= 0 and wanted_substrings <= 0:
                continue
            words, substrings = self._tail_inside(
                form, wanted_words, wanted_substrings, found.found
            )
            for item in words:
                found.add(item, _WORD_PREFIX, word_cost)
            for item in substrings:
                found.add(item, _SUBSTRING, substring_cost)

    def _tail_prefixed(
        self, form: str, wanted: int, known: Container[int], with_itself: bool
    ) -> list[int]:
        """The first ``wanted`` long-tail names starting with ``form`` (and longer, unless
        ``with_itself``) that are not ``known`` yet, shortest first."""
        keys = self._keys
        matches: list[int] = []
        runs_from = bisect.bisect_left if with_itself else bisect.bisect_right
        first_run = runs_from(self._tail_run_lengths, len(form))
        for _, first, end in self._tail_runs[first_run:]:
            item = bisect.bisect_left(keys, form, first, end)
            while item < end and keys[item].startswith(form):
                if item not in known:
                    matches.append(item)
                    if len(matches) == wanted:
                        return matches
                item += 1
        return matches

    def _tail_inside(
        self, form: str, wanted_words: int, wanted_substrings: int, known: Container[int]
    ) -> tuple[list[int], list[int]]:
        """Long-tail names with ``form`` after a ``-``, and with it elsewhere inside (not first).

        One pass over the joined names: looking for ``form`` until enough
        substring matches are in, then for ``-form`` only.
        """
        joined = self._tail_text
        text, find = joined.text, joined.text.find
        word_needle = "-" + form
        words: list[int] = []
        substrings: list[int] = []
        # Names are sorted by length: those no longer than `form` cannot hold it after a start.
        run = bisect.bisect_right(self._tail_run_lengths, len(form))
        if run == len(self._tail_runs):
            return words, substrings
        position = find(form, joined.starts[self._tail_runs[run][1] - joined.first_id])
        while position != -1 and len(words) < wanted_words and len(substrings) < wanted_substrings:
            item, start, end = joined.locate(position)
            name = text[start:end]
            if not name.startswith(form) and item not in known:
                (words if word_needle in name else substrings).append(item)
            position = find(form, end)
        if position != -1 and len(words) < wanted_words:
            position = find(word_needle, position - 1)
            while position != -1 and len(words) < wanted_words:
                item, start, end = joined.locate(position + 1)
                if not text.startswith(form, start) and item not in known:
                    words.append(item)
                position = find(word_needle, end)
        return words, substrings

    def _ordered(
        self, found: _Candidates, limit: int, boosted: Collection[int]
    ) -> list[tuple[int, int]]:
        def order(entry: tuple[int, tuple[float, int]]) -> tuple[float, int, bool, int, int, str]:
            item, (cost, tier) = entry
            rank = self._ranks[item] if item < self._popular_count else _NO_RANK
            key = self._keys[item]
            return (round(cost, 9), tier, item not in boosted, rank, len(key), key)

        return [(item, tier) for item, (_, tier) in sorted(found.found.items(), key=order)[:limit]]

    def _result(self, item: int, tier: int, reason: str = "") -> SearchResult:
        popular = item < self._popular_count
        return SearchResult(
            name=self._display[item],
            summary=self._summaries[item] if popular else "",
            rank=self._ranks[item] if popular else None,
            tier=TIERS[tier],
            reason=reason,
        )

    # -- beginners' words ---------------------------------------------------------------------

    def _imports(self) -> ImportNames:
        if self._import_table is None:
            self._import_table = import_names.table()
        return self._import_table

    def _is_placeholder(self, item: int) -> bool:
        """A popular project whose summary says it is reserved, a placeholder or deprecated."""
        return item < self._popular_count and _PLACEHOLDER.search(self._summaries[item]) is not None

    def _with_descriptions(
        self, query: _Query, ranked: list[tuple[int, int]], limit: int, boosted: set[int]
    ) -> list[tuple[int, int]]:
        """``ranked`` merged with the popular projects the query describes (by cost)."""
        described = self._describe(query, boosted)
        if not described:
            return ranked
        found = _Candidates()
        for item, tier in ranked:
            found.add(item, tier, self._cost_again(item, tier, query, boosted))
        for item, cost in described.items():
            found.add(item, _DESCRIPTION, cost)
        return self._ordered(found, limit, boosted)

    def _cost_again(self, item: int, tier: int, query: _Query, boosted: set[int]) -> float:
        """The cost :meth:`_rank` gave (close enough to merge): tier cost + popularity."""
        if tier == _EXACT:
            if item in boosted or item < self._popular_count:
                return _TIER_COST[_EXACT]
            return _OBSCURE_EXACT_COST if len(query.words) == 1 else _UNRANKED_COST
        if tier == _SUMMARY and self._keys[item]:
            return _TIER_COST[_SUMMARY] + self._cost_of(item, boosted)
        return _TIER_COST.get(tier, 2.0) + self._cost_of(item, boosted)

    def _describe(self, query: _Query, boosted: set[int]) -> dict[int, float]:
        """Popular projects whose summary (or name) holds the query's ideas: item → cost.

        Each query word that is not a filler ("in", "python") is an idea: its
        stem and its synonyms' stems (:data:`SYNONYMS`).  Every idea there costs
        like a summary match; one missing of several costs 1.5 more; verbs such
        as "make" or "read" (:data:`WEAK_WORDS`) are never required.  A word
        that is an import name (``discord`` in "discord bot") counts its
        providers as matches.
        """
        words = [word for word in query.words if word not in STOP_WORDS]
        if not words or len(query.words) > 8:
            return {}
        strong = [word for word in words if word not in WEAK_WORDS] or words
        ideas: list[set[str]] = []
        for word in dict.fromkeys(strong):
            stems = {_stem(word)} | {_stem(other) for other in SYNONYMS.get(_stem(word), ())}
            same = next((idea for idea in ideas if idea & stems), None)
            if same is not None:  # "plot graphs": one idea said twice
                same.update(stems)
            else:
                ideas.append(stems)
        common = max(_COMMON_SUMMARY_WORD_MINIMUM, len(self._summaries) // 10)
        table = self._imports()
        # A word naming a module ("discord" in "discord bot") names its providers.
        named = {
            item
            for word in strong
            if len(strong) > 1 and looks_like_import_name(word)
            for item in (self._popular_ids.get(canonical_name(project)) for project in table.providers(word))
            if item is not None
        }
        matched: Counter[int] = Counter()
        in_name: set[int] = set(named)
        for stems in ideas:
            having: set[int] = set()
            for stem in stems:
                having.update(self._stem_postings.get(stem, ()))
            if len(having) > common and len(ideas) == 1:
                return {}  # "data" alone says nothing
            matched.update(having)
        phrase = [_stem(word) for word in words] if len(words) > 1 else []
        for item in named:
            matched[item] = len(ideas)
        costs: dict[int, float] = {}
        for item, count in matched.items():
            missing = len(ideas) - count
            if missing <= (0 if len(ideas) == 1 else 1):
                costs[item] = (
                    _TIER_COST[_SUMMARY] + _MISSING_IDEA_COST * missing + self._cost_of(item, boosted)
                )
        # Bonuses are at most _IDEA_IN_NAME_BONUS + _PHRASE_BONUS: only the best can use them.
        best = sorted(costs.values())[: _DESCRIBED_LIMIT]
        if not best:
            return {}
        cutoff = best[-1]
        keys = self._keys
        for item, cost in list(costs.items()):
            if cost > cutoff:
                del costs[item]
                continue
            key = keys[item]
            if item in in_name or any(len(stem) >= 3 and stem in key for idea in ideas for stem in idea):
                cost -= _IDEA_IN_NAME_BONUS
            if phrase and _has_phrase(self._summaries[item], phrase):
                cost -= _PHRASE_BONUS
            costs[item] = cost
        return costs


def _has_phrase(summary: str, stems: list[str]) -> bool:
    """``summary``'s words hold ``stems`` one after the other ("Text to Speech (TTS)")."""
    theirs = [_stem(word) for word in _WORDS.findall(summary.lower()) if word not in STOP_WORDS]
    size = len(stems)
    return any(theirs[start : start + size] == stems for start in range(len(theirs) - size + 1))


def _stem(word: str) -> str:
    """A crude English stem, the same for a word's common forms: plotting/plots/plot → plot."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + replacement
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":  # plott → plot
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):  # scrape/scrap, image/imag, game/gam
        word = word[:-1]
    return word


def _bigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[index : index + 2] for index in range(len(padded) - 1)}


def _allowed_slips(form: str) -> int:
    """How many typing slips a query may hold: none below 4 letters, one up to 5, then two."""
    if len(form) < 4:
        return 0
    return 1 if len(form) <= 5 else 2


def _letter_set(word: str) -> int:
    """The letters of ``word`` as bits (letters that share a bit only make the test looser)."""
    bits = 0
    for char in word:
        bits |= 1 << (ord(char) & 63)
    return bits


def _bit_count(bits: int) -> int:
    return bin(bits).count("1")  # int.bit_count() needs Python 3.10


def _edit_distance(first: str, second: str, limit: int) -> int | None:
    """Optimal-string-alignment distance (a swap of neighbours counts as one), if ≤ ``limit``."""
    if abs(len(first) - len(second)) > limit:
        return None
    # A common start and end never change the distance: compare only what differs.
    start = 0
    shortest = min(len(first), len(second))
    while start < shortest and first[start] == second[start]:
        start += 1
    end = 0
    while end < shortest - start and first[-1 - end] == second[-1 - end]:
        end += 1
    first = first[start : len(first) - end]
    second = second[start : len(second) - end]
    if not first or not second:
        distance = len(first) + len(second)
        return distance if distance <= limit else None
    before_previous: list[int] = []
    previous = list(range(len(second) + 1))
    for row, char in enumerate(first, start=1):
        current = [row] + [0] * len(second)
        for column in range(1, len(second) + 1):
            other = second[column - 1]
            best = min(
                previous[column] + 1,
                current[column - 1] + 1,
                previous[column - 1] + (char != other),
            )
            if (
                row > 1
                and column > 1
                and char == second[column - 2]
                and first[row - 2] == other
                and before_previous[column - 2] + 1 < best
            ):
                best = before_previous[column - 2] + 1
            current[column] = best
        if min(current) > limit:
            return None
        before_previous, previous = previous, current
    return previous[-1] if previous[-1] <= limit else None


SYNONYMS = _synonym_table()


def build_saved_index(index_url: str) -> bool:
    """Load ``index_url``'s list (refreshing it when stale), build the search index and save it
    beside the list.  Run in a child process of the window (``venvdesk --build-search-index
    URL``).  Returns whether a saved index is now there."""
    from core import name_index

    try:
        SearchIndex.load_cached(index_url)
    except name_index.NameIndexUnavailable:
        return False
    return name_index.search_cache_path(index_url).exists()


def build_in_child(index_url: str, *, timeout: float = 300.0) -> bool:
    """(Blocking: a worker.) Have a child Venvdesk run :func:`build_saved_index` for ``index_url``.

    The window's process then only loads the saved index: building holds the interpreter in
    long C-level sorts, which its UI thread would feel.  The bundle runs itself; from source,
    the ``gui`` package is run with this Python.
    """
    import os

    from core.processes import run_bounded, venvdesk_child

    # The URL goes in the environment, not the command line, which other users of the machine can
    # read (it may hold a token).
    env = {**os.environ, SEARCH_INDEX_URL_VARIABLE: index_url}
    command, cwd = venvdesk_child("--build-search-index", "-")
    try:
        run = run_bounded(command, timeout=timeout, limit=1 << 20, env=env, cwd=cwd)
    except OSError:
        return False
    return run.returncode == 0


#: Where :func:`build_in_child` puts the index URL for the child (``--build-search-index -``).
SEARCH_INDEX_URL_VARIABLE = "VENVDESK_SEARCH_INDEX_URL"
