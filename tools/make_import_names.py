"""Write ``resources/import_names.tsv.gz``: which package to install for a name people type.

Beginners type what their code and their errors say: ``cv2``, ``sklearn``,
``No module named 'yaml'``.  Those are *import names*; the package to install
is often called something else (``opencv-python``, ``scikit-learn``,
``PyYAML``).  Others type the name of a placeholder or a deprecated stub
(``sklearn``, ``pytorch``, ``tensorflow-gpu``) whose summary names the real
package.  Package search (``core/search.py`` via ``core/import_names.py``) shows
the right package first and says why.

Run from the repository root::

    python tools/make_import_names.py --wheels /opt/pypi/files --wheels /opt/wheels \\
        --pipreqs-mapping mapping

Sources, each checked against the real list of project names (``--projects``,
by default ``../shared/data/pypi-projects.tsv.gz``: every name on PyPI with the
download rank of the 15,000 most downloaded and every summary):

1. Wheels (``--wheels FOLDER``, repeatable): each ``*.whl``'s ``RECORD``
   (and ``top_level.txt`` when present) says which top-level modules it
   installs.  A top-level folder without ``__init__.py`` is a namespace
   (``google``): its sub-packages are recorded instead (``google.protobuf``).
   Folders of tests, docs and examples, and private ``_names``, are left out.
   Any folder of real wheels works: a pip download of the projects you care
   about, or a local mirror (``pip config list`` shows this machine's).
2. The pipreqs project's import-name mapping (``--pipreqs-mapping FILE``;
   https://github.com/bndr/pipreqs, ``pipreqs/mapping``, Apache-2.0), lines of
   ``import_name:project``.  Entries whose project is not on the list are
   dropped.
3. :data:`KNOWN_IMPORTS` below: well-known import names of popular projects
   that neither source has here (Windows-only wheels, projects whose old
   mapping names a dead fork), each checked against the list the same way.
   Only pipreqs entries for popular projects are kept (it maps many Python
   2-era projects under generic names: ``App`` → Zope2), and no entry may claim
   a module of Python's standard library (``http``, ``enum``).
4. Stubs: every project whose summary says it is deprecated, a placeholder,
   renamed, or a mirror, *and* names its successor ("use scikit-learn
   instead", "renamed to ldap3", "Dummy package for Beautiful Soup
   (beautifulsoup4)"), where the successor is a different project on the list
   and the stub or its successor is among the most downloaded; plus
   :data:`KNOWN_STUBS` (placeholders with no summary, such as ``pytorch``).

An import name provided by several projects keeps them all, most downloaded
first (``cv2``: opencv-python, opencv-python-headless, opencv-contrib-python…).

Output, gzipped UTF-8 with a zero timestamp (same input, same bytes), one row
per line, tab-separated:

* ``import<TAB>cv2<TAB>opencv-python opencv-python-headless …``: an import
  name and the projects providing it (as the index spells them), best first;
* ``instead<TAB>sklearn<TAB>scikit-learn<TAB>deprecated``: a stub (canonical
  name), the project to install instead, and what the stub is (``deprecated``,
  ``placeholder``, ``renamed``).

The tool prints how many of the most downloaded projects the table covers
(has an import name for).
"""

from __future__ import annotations

import argparse
import gzip
import io
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from core.names import canonical_name  # noqa: E402

DEFAULT_PROJECTS = REPO_ROOT.parent / "shared" / "data" / "pypi-projects.tsv.gz"
DEFAULT_OUTPUT = REPO_ROOT / "resources" / "import_names.tsv.gz"
TOP_COUNT = 15_000  # the popular projects (the ones with a download rank)

# Not import names anyone means: what many wheels ship by mistake.
SKIPPED_IMPORTS = {
    "test", "tests", "testing", "doc", "docs", "example", "examples", "benchmark", "benchmarks",
    "bench", "script", "scripts", "src", "build", "bin", "lib", "tools", "samples", "demo",
    "demos", "conftest", "setup", "utils", "util", "common", "data", "share", "include",
}

# Python 3's own modules (the tool runs on 3.10+): old backports claim them ("enum" → enum34).
STANDARD_LIBRARY = set(getattr(sys, "stdlib_module_names", ())) | {"__future__"}

# Import name -> projects that provide it (published in each project's own documentation).
KNOWN_IMPORTS: dict[str, tuple[str, ...]] = {
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python",
            "opencv-contrib-python-headless"),
    "MySQLdb": ("mysqlclient",),
    "gi": ("PyGObject",),
    "cairo": ("pycairo",),
    "fitz": ("PyMuPDF",),
    "win32api": ("pywin32",),
    "win32con": ("pywin32",),
    "win32com": ("pywin32",),
    "win32gui": ("pywin32",),
    "win32file": ("pywin32",),
    "pythoncom": ("pywin32",),
    "pywintypes": ("pywin32",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "skimage": ("scikit-image",),
    "sklearn": ("scikit-learn",),
    "Bio": ("biopython",),
    "nacl": ("PyNaCl",),
    "wx": ("wxPython",),
    "kafka": ("kafka-python",),
    "usb": ("pyusb",),
    "serial": ("pyserial",),
    "OpenSSL": ("pyOpenSSL",),
    "pptx": ("python-pptx",),
    "docx": ("python-docx",),
    "magic": ("python-magic",),
    "dateutil": ("python-dateutil",),
    "telegram": ("python-telegram-bot",),
    "telebot": ("pyTelegramBotAPI",),
    "discord": ("discord.py",),
    "websocket": ("websocket-client",),
    "google.protobuf": ("protobuf",),
    "googleapiclient": ("google-api-python-client",),
    "attr": ("attrs",),
    "jose": ("python-jose",),
    "jwt": ("PyJWT",),
    "socks": ("PySocks",),
    "ldap": ("python-ldap",),
    "Levenshtein": ("python-Levenshtein", "Levenshtein"),
    "speech_recognition": ("SpeechRecognition",),
    "yaml": ("PyYAML",),
    "PIL": ("pillow",),
    "bs4": ("beautifulsoup4",),
    "dotenv": ("python-dotenv",),
    "Crypto": ("pycryptodome",),
    "Cryptodome": ("pycryptodomex",),
    "git": ("GitPython",),
    "github": ("PyGithub",),
    "zmq": ("pyzmq",),
    "pkg_resources": ("setuptools",),
    "sentencepiece": ("sentencepiece",),
    "tflite_runtime": ("tflite-runtime",),
    "pyttsx3": ("pyttsx3",),
    "playwright": ("playwright",),
    "umap": ("umap-learn",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "Xlib": ("python-xlib",),
    "dns": ("dnspython",),
    "lz4": ("lz4",),
    "hid": ("hidapi",),
    "smbus": ("smbus2",),
    "RPi": ("RPi.GPIO",),
    "pymupdf": ("PyMuPDF",),
    "tensorflow": ("tensorflow", "tensorflow-cpu"),
    "torch": ("torch",),
}

# Placeholders with no summary to say so: stub -> (successor, kind).
KNOWN_STUBS: dict[str, tuple[str, str]] = {
    "pytorch": ("torch", "placeholder"),
    "sklearn": ("scikit-learn", "deprecated"),
    "bs4": ("beautifulsoup4", "placeholder"),
    "tensorflow-gpu": ("tensorflow", "deprecated"),
}

# Words the successor patterns catch that are not a project ("moved to PyPI", "renamed classes").
_NOT_SUCCESSORS = {"pypi", "classes", "github", "this", "that", "the", "it", "python", "version",
                   "package", "packages", "module", "new", "latest", "instead", "pip"}

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MODULE_FILE = re.compile(r"([A-Za-z][A-Za-z0-9_]*)(\.[^/]*)?\.(py|so|pyd)$")

# What a summary says about a stub.
_STUB_KINDS = (
    ("renamed", re.compile(r"\b(renamed|moved to|has moved|new name)\b", re.IGNORECASE)),
    ("placeholder", re.compile(
        r"\b(placeholder|reserved|dummy|mirror package|points to|should be deleted|"
        r"you are probably looking for|security holding)\b", re.IGNORECASE)),
    ("deprecated", re.compile(
        r"\b(deprecated|obsolete|no longer maintained|not maintained|removed|"
        r"legacy|do not use|don't use|abandoned|unmaintained)\b", re.IGNORECASE)),
)
_NAME = r"[`'\"“‘(]?(?:https?://pypi\.org/project/)?([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])/?[`'\"”’)]?"
_SUCCESSOR = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\buse\s+(?:the\s+)?{_NAME}\s+(?:package\s+|module\s+|library\s+)?instead",
        rf"\binstall\s+(?:the\s+)?{_NAME}\s+(?:package\s+)?instead",
        rf"\b(?:please\s+)?(?:use|install)\s+(?:the\s+)?{_NAME}(?:\s+package)?\s*$",
        rf"\b(?:please\s+)?(?:use|install)\s+(?:the\s+)?{_NAME}\s+package\b",
        rf"\brenamed\s+(?:to\s+)?{_NAME}",
        rf"\bmoved\s+to\s+{_NAME}",
        rf"\b(?:migrate|switch)\s+to\s+(?:the\s+)?{_NAME}",
        rf"\breplaced\s+by\s+{_NAME}",
        rf"\bmirror\s+package\s+for\s+{_NAME}",
        r"\bdummy\s+package\s+(?:for|that\s+points\s+to)\s+[^()]*\(([A-Za-z0-9][A-Za-z0-9._-]*)\)",
        rf"\bdummy\s+package\s+(?:for|that\s+points\s+to)\s+{_NAME}",
        rf"\bprobably\s+looking\s+for\s+{_NAME}",
        rf"\bplease\s+install\s+{_NAME}",
    )
]


def read_projects(path: Path) -> tuple[dict[str, str], dict[str, int], dict[str, str]]:
    """(canonical -> display name, canonical -> rank, canonical -> summary)."""
    display: dict[str, str] = {}
    ranks: dict[str, int] = {}
    summaries: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            name, _, rest = line.rstrip("\n").partition("\t")
            rank, _, summary = rest.partition("\t")
            key = canonical_name(name.strip())
            if not key or key in display:
                continue
            display[key] = name.strip()
            if rank.strip():
                ranks[key] = int(rank)
            if summary.strip():
                summaries[key] = summary.strip()
    return display, ranks, summaries


def wheel_imports(path: Path) -> tuple[str, set[str]]:
    """(project name from the file name, the import names the wheel installs)."""
    project = path.name.split("-")[0]
    with zipfile.ZipFile(path) as wheel:
        files = wheel.namelist()
        top_level: list[str] = []
        for member in files:
            if member.endswith(".dist-info/top_level.txt") and member.count("/") == 1:
                top_level = wheel.read(member).decode("utf-8", "replace").split()
    files = [
        name for name in files
        if not name.split("/")[0].endswith((".dist-info", ".data", ".egg-info"))
    ]
    packages = {name.rsplit("/", 1)[0] for name in files if re.search(r"/__init__\.(py|pyi)$", name)}
    imports: set[str] = set()
    for name in files:
        parts = name.split("/")
        if len(parts) == 1:
            match = _MODULE_FILE.fullmatch(parts[0])
            if match:
                imports.add(match.group(1))
            continue
        top = parts[0]
        if top in packages:
            imports.add(top)
        elif len(parts) >= 3 and f"{top}/{parts[1]}" in packages:  # namespace: google/protobuf/
            imports.add(f"{top}.{parts[1]}")
        elif len(parts) == 2 and _MODULE_FILE.fullmatch(parts[1]):  # namespace module
            imports.add(f"{top}.{_MODULE_FILE.fullmatch(parts[1]).group(1)}")  # type: ignore[union-attr]
    namespaces = {name.split(".")[0] for name in imports if "." in name}
    for name in top_level:  # what RECORD alone may miss: a module with an unusual file name
        if "/" not in name and name not in namespaces and any(
            member == name or member.startswith((name + ".", name + "/")) for member in files
        ):
            imports.add(name)
    return project, {name for name in imports if _valid_import(name)}


def _valid_import(name: str) -> bool:
    parts = name.split(".")
    return (
        all(_IDENTIFIER.fullmatch(part) for part in parts)
        and parts[0].lower() not in SKIPPED_IMPORTS
        and parts[0] not in STANDARD_LIBRARY  # "http", "enum": never a package to install
    )


def read_pipreqs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        module, _, project = line.strip().partition(":")
        if module and project:
            pairs.append((module.replace("/", "."), project))
    return pairs


def find_stubs(
    display: dict[str, str], ranks: dict[str, int], summaries: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Stub (canonical) -> (successor display name, kind), from what the summaries say."""
    stubs: dict[str, tuple[str, str]] = {}
    for key, summary in summaries.items():
        kind = next((kind for kind, pattern in _STUB_KINDS if pattern.search(summary)), None)
        if kind is None:
            continue
        for pattern in _SUCCESSOR:
            match = pattern.search(summary)
            if not match:
                continue
            successor = canonical_name(match.group(1).strip(".-"))
            if successor == key or successor not in display or successor in _NOT_SUCCESSORS:
                continue
            if key not in ranks and successor not in ranks:
                continue  # neither is popular: nobody types either
            if ranks.get(successor, TOP_COUNT * 10) > ranks.get(key, TOP_COUNT * 10) * 4:
                continue  # the "successor" is far less used than the stub: not its successor
            stubs[key] = (display[successor], kind)
            break
    return stubs


def build(
    wheel_folders: list[Path], pipreqs: Path | None, projects: Path
) -> tuple[dict[str, list[str]], dict[str, tuple[str, str]], dict[str, int], dict[str, str]]:
    display, ranks, summaries = read_projects(projects)
    providers: dict[str, set[str]] = defaultdict(set)
    wheel_count = 0
    for folder in wheel_folders:
        for path in sorted(folder.glob("*.whl")):
            try:
                project, imports = wheel_imports(path)
            except (zipfile.BadZipFile, OSError) as error:
                print(f"skipped {path.name}: {error}", file=sys.stderr)
                continue
            key = canonical_name(project)
            if key not in display:
                continue
            wheel_count += 1
            for name in imports:
                providers[name].add(key)
    print(f"wheels read: {wheel_count}", file=sys.stderr)
    # pipreqs also maps many obscure (often Python 2-era) projects; a beginner's search has no
    # use for "App" → Zope2, so only its popular projects are kept.
    pairs = [
        (module, project) for module, project in (read_pipreqs(pipreqs) if pipreqs else [])
        if canonical_name(project) in ranks
    ]
    pairs += [(module, project) for module, names in KNOWN_IMPORTS.items() for project in names]
    dropped = 0
    for module, project in pairs:
        key = canonical_name(project)
        if key in display and _valid_import(module):
            providers[module].add(key)
        else:
            dropped += 1
    print(f"mapping entries: {len(pairs)}, {dropped} not on the list (dropped)", file=sys.stderr)

    def order(key: str) -> tuple[int, str]:
        return (ranks.get(key, 1 << 30), key)

    table = {
        module: [display[key] for key in sorted(keys, key=order)]
        for module, keys in sorted(providers.items())
    }
    stubs = find_stubs(display, ranks, summaries)
    for stub, (successor, kind) in KNOWN_STUBS.items():
        if stub in display and canonical_name(successor) in display:
            stubs[stub] = (display[canonical_name(successor)], kind)
    return table, stubs, ranks, display


def table_bytes(table: dict[str, list[str]], stubs: dict[str, tuple[str, str]]) -> bytes:
    lines = [f"import\t{module}\t{' '.join(names)}\n" for module, names in table.items()]
    lines += [f"instead\t{stub}\t{successor}\t{kind}\n" for stub, (successor, kind) in sorted(stubs.items())]
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write("".join(lines).encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wheels", type=Path, action="append", default=[],
                        help="a folder of *.whl files (repeatable)")
    parser.add_argument("--pipreqs-mapping", type=Path, help="pipreqs' mapping file")
    parser.add_argument("--projects", type=Path, default=DEFAULT_PROJECTS,
                        help="TSV(.gz): name, download_rank, summary (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.projects.is_file():
        parser.error(f"{args.projects} does not exist")
    table, stubs, ranks, _display = build(args.wheels, args.pipreqs_mapping, args.projects)
    data = table_bytes(table, stubs)
    args.output.write_bytes(data)

    covered = {canonical_name(name) for names in table.values() for name in names}
    print(f"{args.output}: {len(table)} import names, {len(stubs)} stubs, {len(data) / 1024:.0f} KiB")
    for top in (100, 1000, TOP_COUNT):
        popular = {key for key, rank in ranks.items() if rank <= top}
        print(f"  covers {len(popular & covered):,} of the {top:,} most downloaded projects "
              f"({len(popular & covered) / max(1, len(popular)):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
