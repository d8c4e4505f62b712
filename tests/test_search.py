"""Package search: what a beginner types finds the project they mean, in an order that makes sense."""

from __future__ import annotations

import gzip
import math
import os
import random
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from core.import_names import ImportNames
from core.names import canonical_name
from core.search import (
    MAX_QUERY_LENGTH,
    TIERS,
    Popularity,
    SearchIndex,
    SearchResult,
    load_popularity_snapshot,
    parse_popularity_snapshot,
)

POPULARITY = {
    "requests": Popularity(6, "Python HTTP for Humans."),
    "pyyaml": Popularity(15, "YAML parser and emitter for Python"),
    "requests-oauthlib": Popularity(88, "OAuthlib authentication support for Requests."),
    "openpyxl": Popularity(129, "A Python library to read/write Excel 2010 xlsx/xlsm files"),
    "xlsxwriter": Popularity(357, "A Python module for creating Excel XLSX files."),
    "ruamel-yaml": Popularity(201, "ruamel.yaml is a YAML parser/emitter"),
    "djangorestframework": Popularity(850, "Web APIs for Django, made easy."),
    "grequests": Popularity(6371, "Requests + Gevent"),
    "pyside6": Popularity(2810, "Python bindings for the Qt cross-platform application"),
    "qtpy": Popularity(2330, "Provides an abstraction layer on top of the various Qt bindings"),
    "excel-tools": Popularity(9000, "Small helpers"),
}
NAMES = [
    "requests",
    "requests-oauthlib",
    "grequests",
    "requests-zeta",  # the long tail from here on: no download rank
    "requests-alpha",
    "requests-ab",
    "my-requests-helper",
    "PyYAML",
    "ruamel.yaml",
    "yaml-tools",
    "openpyxl",
    "XlsxWriter",
    "excel",
    "excel-tools",
    "djangorestframework",
    "django-rest-knox",
    "django-rest",
    "PySide6",
    "QtPy",
    "Old_Package",
    "rest",
    "restless",
    "frest",
    "aaa-rest",
]


NO_IMPORTS = ImportNames()  # name matching alone: the shipped import table is tested below


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(NAMES, POPULARITY, import_table=NO_IMPORTS)


def names_of(results: list[SearchResult]) -> list[str]:
    return [result.name for result in results]


def tier_of(results: list[SearchResult], name: str) -> str:
    return next(result.tier for result in results if result.name == name)


# -- tiers and their order -------------------------------------------------------------


def test_tiers_come_in_order_for_equally_popular_names():
    index = SearchIndex(["abc-x", "xabc", "abc", "x-abc", "zz"])
    results = index.search("abc")
    assert [(result.name, result.tier) for result in results] == [
        ("abc", "exact"),
        ("abc-x", "prefix"),
        ("x-abc", "word-prefix"),
        ("xabc", "substring"),
    ]


def test_exact_match_comes_first_even_when_obscure(index):
    results = index.search("rest")
    assert results[0] == SearchResult("rest", "", None, "exact")
    assert tier_of(results, "restless") == "prefix"
    assert tier_of(results, "django-rest") == "word-prefix"
    assert tier_of(results, "frest") == "substring"


def test_popular_projects_first_within_a_tier(index):
    prefixed = [result for result in index.search("requests") if result.tier == "prefix"]
    assert names_of(prefixed) == [
        "requests-oauthlib",
        "requests-ab",
        "requests-zeta",
        "requests-alpha",
    ]
    assert prefixed[0].rank == 88 and prefixed[1].rank is None


def test_unranked_names_shorter_first_then_alphabetical():
    index = SearchIndex(["req-b", "req-aa", "req-a", "req-c"])
    assert names_of(index.search("req")) == ["req-a", "req-b", "req-c", "req-aa"]


def test_a_much_more_popular_project_may_pass_a_better_tier(index):
    # One tier is worth a factor of ten in downloads; unranked names count as very obscure.
    names = names_of(index.search("requests"))
    assert names.index("requests-oauthlib") < names.index("grequests") < names.index("requests-ab")


def test_installed_elsewhere_ranks_as_if_very_popular(index):
    plain = names_of(index.search("requests"))
    boosted = names_of(index.search("requests", boost={"requests-zeta"}))
    assert plain.index("requests-zeta") > plain.index("requests-oauthlib")
    assert boosted[:3] == ["requests", "requests-zeta", "requests-oauthlib"]


def test_boost_accepts_any_spelling_of_the_name(index):
    boosted = names_of(index.search("requests", boost=["Requests_Zeta"]))
    assert boosted[1] == "requests-zeta"


def test_each_project_appears_once_in_its_best_tier(index):
    results = index.search("yaml", limit=100)
    assert len(names_of(results)) == len(set(names_of(results)))
    # PyYAML's name contains "yaml" and its summary too: the name match labels it.
    assert tier_of(results, "PyYAML") == "substring"
    assert all(result.tier in TIERS for result in results)


def test_limit_caps_the_results(index):
    assert len(index.search("requests", limit=2)) == 2
    assert index.search("requests", limit=0) == []


# -- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["old-package", "Old_Package", "OLD.PACKAGE", "old package"])
def test_names_compare_as_pep_503_normalised(index, query):
    assert index.search(query)[0] == SearchResult("Old_Package", "", None, "exact")


def test_lookup_gives_the_index_spelling(index):
    assert index.lookup("pyyaml") == "PyYAML"
    assert index.lookup("Ruamel_YAML") == "ruamel.yaml"
    assert index.lookup("old-package") == "Old_Package"
    assert index.lookup("no-such-project") is None
    assert index.lookup("") is None


def test_duplicate_spellings_count_once():
    index = SearchIndex(["Foo_Bar", "foo-bar", "foo.bar", "", "bad\nname"])
    assert len(index) == 1
    assert index.lookup("FOO-BAR") == "Foo_Bar"


def test_results_carry_rank_and_summary_of_popular_projects(index):
    first = index.search("pyyaml")[0]
    assert first == SearchResult("PyYAML", "YAML parser and emitter for Python", 15, "exact")


# -- beginners' queries -------------------------------------------------------------------


def test_words_joined_find_the_concatenated_name(index):
    results = index.search("django rest")
    # Words with a space describe: the popular project first, the obscure exact name next.
    assert names_of(results)[:2] == ["djangorestframework", "django-rest"]
    assert tier_of(results, "djangorestframework") == "prefix"
    assert tier_of(results, "django-rest") == "exact"


def test_words_joined_without_separator_are_never_exact():
    index = SearchIndex(["flasks", "flask-s", "flask-sqlalchemy"])
    results = index.search("flask s")
    assert results[0] == SearchResult("flask-s", "", None, "exact")
    assert tier_of(results, "flasks") == "prefix"


def test_words_in_any_order_find_a_popular_name(index):
    assert tier_of(index.search("rest django"), "djangorestframework") == "substring"


@pytest.mark.parametrize("typo", ["reqeusts", "reqest", "requsets", "rqeuests"])
def test_close_spellings_find_popular_projects(index, typo):
    results = index.search(typo)
    assert results[0].name == "requests"
    assert results[0].tier == "close-spelling"


def test_close_spellings_only_when_no_popular_name_starts_with_the_query(index):
    # "requests" is there by name: no "did you mean" noise after it.
    assert "close-spelling" not in {result.tier for result in index.search("requests")}


def test_summary_words_find_projects(index):
    results = index.search("excel")
    assert results[0].name == "excel"
    assert set(names_of(results)[1:3]) == {"openpyxl", "XlsxWriter"}
    assert tier_of(results, "openpyxl") == "summary"


def test_summary_needs_every_word(index):
    assert "openpyxl" in names_of(index.search_names("excel xlsx"))
    assert "openpyxl" not in names_of(index.search_names("excel yaml"))
    # A description may miss one idea of several, but then comes after the full matches.
    results = names_of(index.search("excel xlsm"))  # only openpyxl's summary has both
    assert results.index("openpyxl") < results.index("XlsxWriter")


def test_summary_word_may_be_typed_partly(index):
    assert "openpyxl" in names_of(index.search("excel xls"))


def test_a_summary_word_typed_in_full_counts_more_than_one_begun():
    popularity = {
        "numpy": Popularity(20, "Fundamental package for array computing"),
        "docstring-parser": Popularity(150, "Parse docstrings in Numpydoc format"),
        "numpy-financial": Popularity(3000, "Simple financial functions"),
    }
    index = SearchIndex(popularity, popularity)
    assert names_of(index.search("nump")) == ["numpy", "numpy-financial", "docstring-parser"]
    assert index.search("numpydoc")[0].name == "docstring-parser"


def test_yaml_finds_pyyaml_first(index):
    assert index.search("yaml")[0].name == "PyYAML"


# -- odd input -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "-", "._-", "!!!", "*", "\\"])
def test_blank_query_finds_nothing(index, query):
    assert index.search(query) == []


@pytest.mark.parametrize(
    "query",
    [
        "(?P<x>",
        "[a-z]+",
        "requests$",
        "^requests",
        "c++",
        "naïve",
        "日本語",
        "🐍 python",
        "\x00",
        "\ud800",
        "req\nuests",
        "ＲＥＱＵＥＳＴＳ",
        "x" * 10_000,
        "requests " * 1_000,
    ],
)
def test_odd_queries_never_crash(index, query):
    results = index.search(query)
    assert isinstance(results, list)
    assert all(isinstance(result, SearchResult) for result in results)


def test_regex_characters_are_plain_text(index):
    assert index.search("^requests$")[0].name == "requests"


def test_fullwidth_letters_are_read_as_plain_ones(index):
    assert index.search("ＲＥＱＵＥＳＴＳ")[0].name == "requests"


def test_very_long_query_is_cut(index):
    started = time.perf_counter()
    index.search("requests" + "z" * 10_000)
    assert time.perf_counter() - started < 0.5
    # Only the first MAX_QUERY_LENGTH characters count.
    assert index.search(" " * MAX_QUERY_LENGTH + "requests") == []
    assert index.search(" " * (MAX_QUERY_LENGTH - 8) + "requests")[0].name == "requests"


# -- popularity snapshot ---------------------------------------------------------------------


def test_shipped_snapshot_holds_the_most_downloaded_projects():
    popularity = load_popularity_snapshot()
    assert 10_000 <= len(popularity) <= 20_000
    assert popularity["requests"].rank <= 20
    assert "HTTP" in popularity["requests"].summary
    assert all(key == canonical_name(key) for key in popularity)


def test_snapshot_lines_are_parsed_leniently():
    popularity = parse_popularity_snapshot(
        "Foo_Bar\t3\tThe foo\nbroken line\nbaz\tnot-a-number\tx\nqux\t7\t\n"
    )
    assert popularity == {"foo-bar": Popularity(3, "The foo"), "qux": Popularity(7, "")}


def test_snapshot_alone_answers_before_the_name_list_is_there():
    index = SearchIndex.from_snapshot(POPULARITY)
    assert len(index) == len(POPULARITY)
    results = index.search("excel")
    assert set(names_of(results)[:2]) == {"openpyxl", "xlsxwriter"}
    assert index.lookup("PyYAML") == "pyyaml"


def test_empty_index_finds_nothing():
    index = SearchIndex([])
    assert len(index) == 0
    assert index.search("requests") == []
    assert index.lookup("requests") is None


# -- the fast paths give what a plain scan of every name gives ------------------------------


def reference_search(names, popularity, query, limit=50, boost=()):
    """The ranking rules applied to every name one by one: slow, obviously complete."""
    text = unicodedata.normalize("NFKC", query[:MAX_QUERY_LENGTH]).lower()
    words = re.findall(r"[^\W_]+", text)
    if not words:
        return []
    forms = list(dict.fromkeys(["-".join(words), "".join(words)]))
    display = {}
    for name in names:
        display.setdefault(canonical_name(name), name)
    boosted = {canonical_name(name) for name in boost} & display.keys()
    popular = {key for key in display if key in popularity}

    def popularity_cost(key):
        if key in boosted:
            return 0.0
        return math.log10(popularity[key].rank) if key in popular else 5.0

    best = {}

    def add(key, tier, cost):
        old_cost, old_tier = best.get(key, (math.inf, 99))
        best[key] = (min(cost, old_cost), min(tier, old_tier))

    popular_start = False
    for key in display:
        for form in forms:
            if key == form == forms[0]:
                if key in popular or key in boosted:
                    add(key, 0, -100 + popularity_cost(key))
                else:  # an obscure exact name: a hundred times the downloads; never for words
                    add(key, 0, 3.0 if len(words) == 1 else 5.0)
            elif key.startswith(form):
                add(key, 1, 0 + popularity_cost(key))
            elif "-" + form in key:
                add(key, 2, 1 + popularity_cost(key))
            elif form in key:
                add(key, 3, 2 + popularity_cost(key))
            if key.startswith(form) and (key in popular or key in boosted):
                popular_start = True
        if (key in popular or key in boosted) and len(words) > 1 and all(w in key for w in words):
            add(key, 3, 2 + popularity_cost(key))

    summary_words = {
        key: set(re.findall(r"[^\W_]+", popularity[key].summary.lower())) for key in popular
    }
    common = max(50, len(popular) // 10)
    whole = partly = None
    for word in set(words):
        having = {key for key, theirs in summary_words.items() if word in theirs}
        begun = {
            key
            for key, theirs in summary_words.items()
            if any(w == word or (len(word) >= 3 and w.startswith(word)) for w in theirs)
        }
        if len(begun) > common:
            continue
        whole = having if whole is None else whole & having
        partly = begun if partly is None else partly & begun
    for key in partly or ():
        add(key, 5, (1 if key in whole else 1.5) + popularity_cost(key))

    if not popular_start:
        for form in forms:
            slips = 0 if len(form) < 4 else 1 if len(form) <= 5 else 2
            for key in popular | boosted:
                distance = osa_distance(form, key)
                if slips and distance <= slips:
                    add(key, 4, 2 + 0.5 * (distance - 1) + popularity_cost(key))

    def order(key):
        cost, tier = best[key]
        rank = popularity[key].rank if key in popular else 1 << 30
        return (round(cost, 9), tier, key not in boosted, rank, len(key), key)

    return [(display[key], TIERS[best[key][1]]) for key in sorted(best, key=order)[:limit]]


def osa_distance(first, second):
    rows = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i in range(len(first) + 1):
        rows[i][0] = i
    for j in range(len(second) + 1):
        rows[0][j] = j
    for i in range(1, len(first) + 1):
        for j in range(1, len(second) + 1):
            rows[i][j] = min(
                rows[i - 1][j] + 1,
                rows[i][j - 1] + 1,
                rows[i - 1][j - 1] + (first[i - 1] != second[j - 1]),
            )
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def test_fast_search_agrees_with_a_full_scan():
    """Early stops and shortcuts lose nothing: random names built to collide a lot."""
    generator = random.Random(20261125)
    syllables = ["re", "qu", "est", "py", "yaml", "dj", "ango", "rest", "x", "lib", "ab", "s"]
    names = set()
    while len(names) < 3_000:
        parts = generator.choices(syllables, k=generator.randint(1, 4))
        separators = generator.choices(["", "", "-", "_", "."], k=len(parts) - 1)
        names.add("".join(part + sep for part, sep in zip(parts, separators + [""])))
    names = sorted(names)
    ranked = generator.sample(names, 400)
    ranks = generator.sample(range(1, 15_001), len(ranked))
    popularity = {
        canonical_name(name): Popularity(
            rank, " ".join(generator.choices(syllables + ["the", "library"], k=5))
        )
        for name, rank in zip(ranked, ranks)
    }
    index = SearchIndex(names, popularity)
    queries = ["re", "rest", "qu", "yaml py", "ab x", "djang", "reqest", "pyaml", "lib", "s", "xx"]
    queries += ["ang", "aml", "ib", "ue", "ngo-r", "bx", "ml py", "estre", "y"]
    queries += [
        "-".join(generator.choices(syllables, k=generator.randint(1, 2))) for _ in range(40)
    ]
    for query in queries:
        for limit in (1, 3, 10, 50):
            boost = generator.sample(names, 3) if limit == 10 else ()
            expected = reference_search(names, popularity, query, limit, boost)
            got = [(result.name, result.tier) for result in index.search_names(query, limit, boost)]
            assert got == expected, (query, limit, boost)


# -- ranking quality on the real list of PyPI projects -----------------------------------


PYPI_PROJECTS = "pypi-projects.tsv.gz"


@pytest.fixture(scope="module")
def pypi_index(shared_data) -> SearchIndex:
    with gzip.open(shared_data(PYPI_PROJECTS), "rt", encoding="utf-8") as handle:
        next(handle)
        names = [line.partition("\t")[0] for line in handle]
    return SearchIndex(names, load_popularity_snapshot())


def test_pypi_list_tests_skip_naming_a_missing_file(tmp_path):
    # ../shared/data may be there without the file (an empty folder used to make these error).
    empty = tmp_path / "shared-data"
    empty.mkdir()
    repo = Path(__file__).resolve().parents[1]
    inner = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", "-k", "test_real_index",
         str(Path(__file__).resolve())],
        cwd=repo,
        env={**os.environ, "VENVDESK_SHARED_DATA": str(empty)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert inner.returncode == 0, inner.stdout + inner.stderr
    summary = inner.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ skipped, \d+ deselected in .*", summary), inner.stdout
    assert f"{empty / PYPI_PROJECTS} is not here" in inner.stdout


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("reqest", "requests"),
        ("reqeusts", "requests"),
        ("django rest", "djangorestframework"),
        ("pyside", "PySide6"),
        ("excel", "openpyxl"),
        ("yaml", "PyYAML"),
        ("beautifulsoup", "beautifulsoup4"),
        ("numpi", "numpy"),
        ("sql alchemy", "SQLAlchemy"),
    ],
)
def test_real_index_puts_the_project_beginners_mean_in_the_top_five(pypi_index, query, wanted):
    top_five = [canonical_name(result.name) for result in pypi_index.search(query, limit=5)]
    assert canonical_name(wanted) in top_five, top_five


def test_real_index_answers_while_typing(pypi_index):
    slowest = 0.0
    for query in ["r", "re", "req", "requ", "reque", "reques", "request", "requests", "zzqxj"]:
        started = time.perf_counter()
        pypi_index.search(query)
        slowest = max(slowest, time.perf_counter() - started)
    # Generous: benchmarks/bench_search.py measures the real figure (~10 ms worst here).
    assert slowest < 0.25


# -- import names, pasted errors, descriptions, stubs --------------------------------------------


IMPORTS = ImportNames(
    "import\tcv2\topencv-python opencv-python-headless\n"
    "import\tsklearn\tscikit-learn\n"
    "import\tyaml\tPyYAML\n"
    "import\tdiscord\tdiscord.py\n"
    "instead\tsklearn\tscikit-learn\tdeprecated\n"
    "instead\tpytorch\ttorch\tplaceholder\n"
)
BEGINNER_POPULARITY = {
    "opencv-python": Popularity(533, "Wrapper package for OpenCV python bindings."),
    "opencv-python-headless": Popularity(650, "Wrapper package for OpenCV python bindings."),
    "scikit-learn": Popularity(179, "A set of python modules for machine learning and data mining"),
    "sklearn": Popularity(3339, "deprecated sklearn package, use scikit-learn instead"),
    "pyyaml": Popularity(15, "YAML parser and emitter for Python"),
    "matplotlib": Popularity(169, "Python plotting package"),
    "networkx": Popularity(141, "Python package for creating and manipulating graphs and networks"),
    "colorama": Popularity(81, "Cross-platform colored terminal text."),
    "excel": Popularity(7382, "This package name is reserved by Microsoft Corporation"),
    "openpyxl": Popularity(129, "A Python library to read/write Excel 2010 xlsx/xlsm files"),
    "pytorch": Popularity(8079, ""),
    "torch": Popularity(330, "Tensors and Dynamic neural networks in Python"),
    "discord-py": Popularity(1617, "A Python wrapper for the Discord API"),
    "red-discordbot": Popularity(4228, "A highly customisable Discord bot"),
}
BEGINNER_NAMES = [*BEGINNER_POPULARITY, "cv2box", "cv2-tools", "sklearn-extra", "plot-graphs"]


@pytest.fixture(scope="module")
def beginner_index() -> SearchIndex:
    return SearchIndex(BEGINNER_NAMES, BEGINNER_POPULARITY, import_table=IMPORTS)


def test_import_name_puts_its_providers_first_with_the_reason(beginner_index):
    results = beginner_index.search("cv2")
    assert names_of(results)[:2] == ["opencv-python", "opencv-python-headless"]
    assert results[0].tier == "import" and results[0].reason == "provides import cv2"
    assert "cv2box" in names_of(results)  # names that start with it still follow


@pytest.mark.parametrize(
    "pasted",
    [
        "ModuleNotFoundError: No module named 'cv2'",
        "ImportError: No module named cv2",
        'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n    import cv2\n'
        "ModuleNotFoundError: No module named 'cv2'",
        "import cv2",
        "from cv2 import imread",
    ],
)
def test_pasted_errors_and_import_lines_find_the_provider(beginner_index, pasted):
    first = beginner_index.search(pasted)[0]
    assert (first.name, first.reason) == ("opencv-python", "provides import cv2")


def test_a_submodule_in_an_error_finds_its_package(beginner_index):
    first = beginner_index.search("No module named 'sklearn.ensemble'")[0]
    assert (first.name, first.reason) == ("scikit-learn", "provides import sklearn")


def test_deprecated_stub_goes_below_its_successor(beginner_index):
    results = beginner_index.search("sklearn")
    assert results[0].name == "scikit-learn"
    names = names_of(results)
    assert names.index("sklearn") > names.index("sklearn-extra")  # below real projects
    placeholder = beginner_index.search("pytorch")
    assert placeholder[0].name == "torch"
    assert placeholder[0].reason == "pytorch is a placeholder; torch is the package to install"
    assert IMPORTS.replacement("sklearn").reason("sklearn") == (
        "sklearn is deprecated; scikit-learn is the package to install"
    )


def test_reserved_placeholder_goes_below_real_projects(beginner_index):
    names = names_of(beginner_index.search("excel"))
    assert names[0] == "openpyxl" and "excel" in names


def test_descriptions_match_stems_and_synonyms(beginner_index):
    assert beginner_index.search("plot graphs")[0].name == "matplotlib"  # the name says "plot"
    assert beginner_index.search("colors in terminal")[0].name == "colorama"  # colored
    assert beginner_index.search("colour terminal")[0].name == "colorama"
    assert beginner_index.search("discord bot")[0].name in {"discord.py", "red-discordbot"}


def test_the_shipped_import_table_knows_common_import_names():
    from core.import_names import module_in_text, providers, table

    assert len(table()) > 500
    assert providers("cv2")[0] == "opencv-python"
    assert providers("sklearn.ensemble") == ["scikit-learn"]
    assert providers("PIL") == ["pillow"]
    assert providers("pil") == ["pillow"]
    assert providers("http") == []  # the standard library's
    assert providers("no_such_module_anywhere") == []
    assert module_in_text("ImportError: No module named yaml") == "yaml"
    assert module_in_text("requests") is None


@pytest.mark.parametrize(
    ("query", "first", "reason"),
    [
        ("cv2", "opencv-python", "provides import cv2"),
        ("sklearn", "scikit-learn", "provides import sklearn"),
        ("bs4", "beautifulsoup4", "provides import bs4"),
        ("ModuleNotFoundError: No module named 'cv2'", "opencv-python", "provides import cv2"),
        ("ImportError: No module named yaml", "PyYAML", "provides import yaml"),
        ("No module named 'sklearn.ensemble'", "scikit-learn", "provides import sklearn"),
        ("pytorch", "torch", "pytorch is a placeholder; torch is the package to install"),
        ("tensorflow-gpu", "tensorflow", "tensorflow-gpu is deprecated; tensorflow is the package to install"),
        ("excel", "openpyxl|XlsxWriter", ""),  # both read and write Excel files
        ("plot graphs", "matplotlib", ""),
        ("colors in terminal", "colorama", ""),
    ],
)
def test_real_index_understands_beginners(pypi_index, query, first, reason):
    result = pypi_index.search(query, limit=5)[0]
    assert canonical_name(result.name) in {canonical_name(name) for name in first.split("|")}
    assert result.reason == reason
