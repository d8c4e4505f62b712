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
"""

from __future__ import annotations

import bisect
import gzip
import math
import operator
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Collection, Container, Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate, count

from core.names import canonical_name

SNAPSHOT_RESOURCE = "popularity.tsv.gz"
MAX_QUERY_LENGTH = 100

TIERS = ("exact", "prefix", "word-prefix", "substring", "close-spelling", "summary")
_EXACT, _PREFIX, _WORD_PREFIX, _SUBSTRING, _CLOSE_SPELLING, _SUMMARY = range(len(TIERS))
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


@dataclass(frozen=True)
class SearchResult:
    name: str  # display name as the index spells it
    summary: str  # from the popularity snapshot, "" if unknown
    rank: int | None  # download rank, None if not in the top list
    tier: str  # one of TIERS


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
        self.starts = array("i", [1])
        self.starts.extend(map(operator.add, accumulate(map(len, names[:-1])), count(2)))

    def locate(self, position: int) -> tuple[int, int, int]:
        """The name around ``position``: ``(id, start, end)`` with ``text[start:end]`` the name."""
        index = bisect.bisect_right(self.starts, position) - 1
        start = self.starts[index]
        return self.first_id + index, start, self.text.index("\n", start)


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

    def __init__(self, names: Iterable[str], popularity: dict[str, Popularity] | None = None):
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
        tail = [key for key in display_by_key if key not in popularity]
        tail.sort()
        tail.sort(key=len)

        self._keys: list[str] = popular + tail
        self._display: list[str] = [display_by_key[key] for key in self._keys]
        self._popular_count = len(popular)
        self._popular_ids = {key: item for item, key in enumerate(popular)}
        self._ranks = [popularity[key].rank for key in popular]
        self._summaries = [popularity[key].summary for key in popular]
        self._popularity_cost = [math.log10(max(rank, 1)) for rank in self._ranks]

        self._popular_text = _JoinedNames(popular, 0)
        self._tail_text = _JoinedNames(tail, len(popular))
        # The long tail is sorted by (length, name): one alphabetical run per length.
        self._tail_runs: list[tuple[int, int, int]] = []  # (length, first id, end id)
        first = len(popular)
        for length, names_of_length in sorted(Counter(map(len, tail)).items()):
            self._tail_runs.append((length, first, first + names_of_length))
            first += names_of_length
        self._tail_run_lengths = [length for length, _, _ in self._tail_runs]

        self._summary_postings: dict[str, list[int]] = {}
        for item, summary in enumerate(self._summaries):
            for word in set(_WORDS.findall(summary.lower())):
                self._summary_postings.setdefault(word, []).append(item)
        self._summary_words = sorted(self._summary_postings)

        self._bigram_postings: dict[str, list[int]] = {}
        for item, key in enumerate(popular):
            for gram in _bigrams(key):
                self._bigram_postings.setdefault(gram, []).append(item)
        self._bigram_counts = [len(_bigrams(key)) for key in popular]
        self._letter_sets = [_letter_set(key) for key in popular]

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
        """The best ``limit`` matches for what the person typed; ``[]`` for a blank query."""
        parsed = _Query(query)
        if not parsed.words or limit <= 0:
            return []
        found = _Candidates()
        boosted = {item for item in map(self._find, map(canonical_name, boost)) if item is not None}

        exact = self._find(parsed.forms[0])
        if exact is not None:
            found.add(exact, _EXACT, _TIER_COST[_EXACT] + self._cost_of(exact, boosted))
        popular_starts = self._match_popular_names(parsed, limit, found)
        for item in boosted:
            self._match_boosted(item, parsed, found)
        self._match_summaries(parsed, limit, boosted, found)
        if not popular_starts and not any(
            self._keys[item].startswith(tuple(parsed.forms)) for item in boosted
        ):
            self._match_close_spellings(parsed, limit, boosted, found)
        self._match_tail(parsed, limit, found)
        return self._results(found, limit, boosted)

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
        keys = self._keys
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
                distance = _edit_distance(form, keys[item], slips)
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

    def _results(
        self, found: _Candidates, limit: int, boosted: Collection[int]
    ) -> list[SearchResult]:
        def order(entry: tuple[int, tuple[float, int]]) -> tuple[float, int, bool, int, int, str]:
            item, (cost, tier) = entry
            rank = self._ranks[item] if item < self._popular_count else _NO_RANK
            key = self._keys[item]
            return (round(cost, 9), tier, item not in boosted, rank, len(key), key)

        results = []
        for item, (_, tier) in sorted(found.found.items(), key=order)[:limit]:
            popular = item < self._popular_count
            results.append(
                SearchResult(
                    name=self._display[item],
                    summary=self._summaries[item] if popular else "",
                    rank=self._ranks[item] if popular else None,
                    tier=TIERS[tier],
                )
            )
        return results


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
