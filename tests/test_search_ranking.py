"""Ranking quality over every real project name: does what a beginner types find what they mean?

The queries are of the kinds beginners type (issue 11): the import name their
code uses, the error Python gave them, a plain description of what they want,
the name of a placeholder or deprecated stub, a misspelling, the start of a
name.  Each query lists the packages a beginner means by it: one when there is
one obvious answer, a few when several are honestly right ("scrape websites"
is Scrapy or Beautiful Soup).  hit@1 = one of them first, hit@5 = one of them in
the first five.

Index: every name in ``../shared/data/pypi-projects.tsv.gz`` (the list the app
downloads from PyPI) with the shipped popularity snapshot, built the way the app
builds it; skipped when that file is absent.
"""

from __future__ import annotations

import gzip

import pytest

from core.names import canonical_name
from core.search import SearchIndex, load_popularity_snapshot

PYPI_PROJECTS = "pypi-projects.tsv.gz"
HIT_AT_1_TARGET = 0.85
HIT_AT_5_TARGET = 0.97

OPENCV = ("opencv-python", "opencv-contrib-python", "opencv-python-headless",
          "opencv-contrib-python-headless")
GUI_TOOLKITS = ("PyQt5", "PyQt6", "PySide6", "wxPython", "kivy", "customtkinter", "PySimpleGUI",
                "dearpygui")

# (kind, what the person types, the packages they mean)
QUERIES: list[tuple[str, str, tuple[str, ...]]] = [
    # -- import names: what their code and their error say --------------------------------
    ("import name", "cv2", OPENCV),
    ("import name", "sklearn", ("scikit-learn",)),
    ("import name", "bs4", ("beautifulsoup4",)),
    ("import name", "serial", ("pyserial",)),
    ("import name", "docx", ("python-docx",)),
    ("import name", "dotenv", ("python-dotenv",)),
    ("import name", "jwt", ("PyJWT",)),
    ("import name", "Crypto", ("pycryptodome",)),
    ("import name", "gi", ("PyGObject",)),
    ("import name", "fitz", ("PyMuPDF",)),
    ("import name", "win32api", ("pywin32",)),
    ("import name", "google.protobuf", ("protobuf",)),
    ("import name", "MySQLdb", ("mysqlclient",)),
    ("import name", "PIL", ("pillow",)),
    ("import name", "yaml", ("PyYAML",)),
    ("import name", "skimage", ("scikit-image",)),
    ("import name", "dateutil", ("python-dateutil",)),
    ("import name", "magic", ("python-magic",)),
    ("import name", "usb", ("pyusb",)),
    ("import name", "telegram", ("python-telegram-bot",)),
    ("import name", "OpenSSL", ("pyOpenSSL",)),
    ("import name", "pptx", ("python-pptx",)),
    ("import name", "git", ("GitPython",)),
    ("import name", "zmq", ("pyzmq",)),
    ("import name", "wx", ("wxPython",)),
    ("import name", "websocket", ("websocket-client",)),
    ("import name", "Bio", ("biopython",)),
    ("import name", "nacl", ("PyNaCl",)),
    ("import name", "googleapiclient", ("google-api-python-client",)),
    ("import name", "discord", ("discord.py",)),
    ("import name", "kafka", ("kafka-python",)),
    ("import name", "psycopg2", ("psycopg2", "psycopg2-binary")),
    # -- pasted errors ---------------------------------------------------------------------
    ("pasted error", "ModuleNotFoundError: No module named 'cv2'", OPENCV),
    ("pasted error", "ImportError: No module named yaml", ("PyYAML",)),
    ("pasted error", "No module named 'sklearn.ensemble'", ("scikit-learn",)),
    ("pasted error", "ModuleNotFoundError: No module named 'PIL'", ("pillow",)),
    (
        "pasted error",
        'Traceback (most recent call last):\n  File "main.py", line 1, in <module>\n'
        "    import bs4\nModuleNotFoundError: No module named 'bs4'",
        ("beautifulsoup4",),
    ),
    ("pasted error", "ModuleNotFoundError: No module named 'dotenv'", ("python-dotenv",)),
    ("pasted error", "No module named 'google.protobuf'", ("protobuf",)),
    ("pasted error", 'ModuleNotFoundError: No module named "docx"', ("python-docx",)),
    ("pasted error", "ModuleNotFoundError: No module named 'requests'", ("requests",)),
    ("pasted error", "ModuleNotFoundError: No module named 'matplotlib.pyplot'", ("matplotlib",)),
    ("pasted error", "error: No module named 'serial.tools'", ("pyserial",)),
    # -- plain descriptions ----------------------------------------------------------------
    ("description", "plot graphs", ("matplotlib", "plotly")),
    ("description", "scrape websites", ("scrapy", "beautifulsoup4")),
    ("description", "colors in terminal", ("colorama", "rich", "termcolor")),
    ("description", "progress bar", ("tqdm", "progressbar2", "alive-progress")),
    ("description", "http requests", ("requests", "httpx")),
    ("description", "images", ("pillow",)),
    ("description", "gui", GUI_TOOLKITS),
    ("description", "discord bot", ("discord.py",)),
    ("description", "read pdf", ("pypdf", "PyPDF2", "PyMuPDF", "pdfplumber")),
    ("description", "telegram bot", ("python-telegram-bot", "pyTelegramBotAPI", "aiogram")),
    ("description", "web framework", ("django", "flask", "fastapi")),
    ("description", "machine learning", ("scikit-learn", "tensorflow", "torch")),
    ("description", "dataframe", ("pandas", "polars")),
    ("description", "make games", ("pygame", "arcade")),
    ("description", "unit testing", ("pytest",)),
    ("description", "qr code", ("qrcode",)),
    ("description", "download youtube videos", ("yt-dlp", "pytube")),
    ("description", "text to speech", ("pyttsx3", "gTTS")),
    ("description", "speech recognition", ("SpeechRecognition",)),
    ("description", "control mouse and keyboard", ("PyAutoGUI", "pynput")),
    ("description", "postgresql", ("psycopg2", "psycopg2-binary", "psycopg", "asyncpg")),
    ("description", "mysql", ("mysqlclient", "PyMySQL", "mysql-connector-python")),
    ("description", "word documents", ("python-docx",)),
    ("description", "powerpoint", ("python-pptx",)),
    ("description", "spreadsheet", ("openpyxl", "XlsxWriter", "gspread")),
    ("description", "colour text", ("colorama", "termcolor", "rich")),
    ("description", "pictures", ("pillow",)),
    ("description", "scientific computing", ("scipy", "numpy")),
    ("description", "browser automation", ("selenium", "playwright")),
    ("description", "command line interface", ("click", "typer")),
    # -- placeholders and deprecated stubs: the real package first -------------------------
    ("placeholder", "excel", ("openpyxl", "XlsxWriter", "xlrd")),
    ("placeholder", "pytorch", ("torch",)),
    ("placeholder", "tensorflow-gpu", ("tensorflow",)),
    ("placeholder", "pandas-profiling", ("ydata-profiling",)),
    ("placeholder", "slackclient", ("slack-sdk",)),
    ("placeholder", "ldap", ("python-ldap", "ldap3")),
    ("placeholder", "socks", ("PySocks",)),
    ("placeholder", "python3-ldap", ("ldap3",)),
    # -- misspellings ----------------------------------------------------------------------
    ("misspelling", "reqeusts", ("requests",)),
    ("misspelling", "pandsa", ("pandas",)),
    ("misspelling", "djnago", ("django",)),
    ("misspelling", "beautifulsoap", ("beautifulsoup4",)),
    ("misspelling", "numpi", ("numpy",)),
    ("misspelling", "matplotlb", ("matplotlib",)),
    ("misspelling", "tensorflwo", ("tensorflow",)),
    ("misspelling", "selenuim", ("selenium",)),
    ("misspelling", "pygmae", ("pygame",)),
    ("misspelling", "scikitlearn", ("scikit-learn",)),
    # -- the start of a name ---------------------------------------------------------------
    ("partial name", "matplot", ("matplotlib",)),
    ("partial name", "beautifulso", ("beautifulsoup4",)),
    ("partial name", "scikit-le", ("scikit-learn",)),
    ("partial name", "opencv", OPENCV),
    ("partial name", "tensorfl", ("tensorflow",)),
    ("partial name", "pyqt", ("PyQt5", "PyQt6")),
    ("partial name", "fasta", ("fastapi",)),
    ("partial name", "sqlalch", ("SQLAlchemy",)),
    ("partial name", "pyside", ("PySide6",)),
    ("partial name", "python-tele", ("python-telegram-bot",)),
]


@pytest.fixture(scope="module")
def real_index(shared_data) -> SearchIndex:
    with gzip.open(shared_data(PYPI_PROJECTS), "rt", encoding="utf-8") as handle:
        next(handle)  # header
        names = [line.partition("\t")[0] for line in handle]
    return SearchIndex(names, load_popularity_snapshot())


def measure(index: SearchIndex) -> tuple[dict[str, tuple[int, int, int]], list[str]]:
    """Per kind (and ``all``): (queries, hit@1, hit@5); and one line per query not first."""
    scores: dict[str, list[int]] = {}
    misses = []
    for kind, query, wanted in QUERIES:
        meant = {canonical_name(name) for name in wanted}
        top = [canonical_name(result.name) for result in index.search(query, limit=5)]
        first = bool(top) and top[0] in meant
        in_five = bool(meant.intersection(top))
        for key in (kind, "all"):
            row = scores.setdefault(key, [0, 0, 0])
            row[0] += 1
            row[1] += first
            row[2] += in_five
        if not first:
            where = "top 5" if in_five else "MISSED"
            misses.append(f"{where:6} {kind:12} {query!r:45} -> {top}")
    return {kind: (row[0], row[1], row[2]) for kind, row in scores.items()}, misses


def report(scores: dict[str, tuple[int, int, int]]) -> str:
    lines = [f"{'kind':14} {'queries':>7} {'hit@1':>6} {'hit@5':>6}"]
    for kind, (total, at_one, at_five) in scores.items():
        lines.append(f"{kind:14} {total:>7} {at_one / total:>6.0%} {at_five / total:>6.0%}")
    return "\n".join(lines)


def test_the_query_set_is_large_and_varied():
    kinds = {kind for kind, _, _ in QUERIES}
    assert len(QUERIES) >= 60
    assert {"import name", "pasted error", "description", "placeholder", "misspelling",
            "partial name"} <= kinds
    assert len({query for _, query, _ in QUERIES}) == len(QUERIES)  # no query twice


def test_real_index_ranks_what_beginners_mean_first(real_index):
    scores, misses = measure(real_index)
    total, at_one, at_five = scores["all"]
    summary = report(scores) + "\n" + "\n".join(misses)
    print("\n" + summary)
    assert at_one / total >= HIT_AT_1_TARGET, summary
    assert at_five / total >= HIT_AT_5_TARGET, summary


def test_every_package_meant_is_on_the_real_list(real_index):
    unknown = {name for _, _, wanted in QUERIES for name in wanted if real_index.lookup(name) is None}
    assert not unknown
