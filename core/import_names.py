"""Which package to install for a name that is not one: import names, pasted errors, stubs.

Beginners type what their code and their errors say (``cv2``,
``ModuleNotFoundError: No module named 'sklearn.ensemble'``) or the name of a
placeholder or deprecated stub (``sklearn``, ``pytorch``).  The shipped table
``resources/import_names.tsv.gz`` (built by ``tools/make_import_names.py`` from
real wheels, the pipreqs mapping and the summaries of every project on PyPI)
answers both:

* :func:`providers` -- ``"cv2"`` → ``["opencv-python", "opencv-python-headless", …]``,
  most downloaded first; a dotted name falls back to its parents
  (``sklearn.ensemble`` → ``sklearn``).  The failure explainer can use it for
  a ``ModuleNotFoundError`` too.
* :func:`replacement` -- ``"sklearn"`` → ``Replacement("scikit-learn", "deprecated")``.
* :func:`module_in_text` -- the module a pasted error or import line names
  (``No module named 'yaml'``, ``import cv2``, ``from bs4 import …``).

The table is read once, on first use (~10 ms), and shared.
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from importlib import resources

from core.names import canonical_name

TABLE_RESOURCE = "import_names.tsv.gz"

_IMPORT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
# "ModuleNotFoundError: No module named 'cv2'", "ImportError: No module named yaml".
_NO_MODULE = re.compile(r"No module named\s+[\"'`‘“]?([A-Za-z_][\w.]*)", re.IGNORECASE)
# A line of code: "import cv2", "import numpy as np", "from bs4 import BeautifulSoup".
_IMPORT_LINE = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import\b|import\s+([A-Za-z_][\w.]*))")


@dataclass(frozen=True)
class Replacement:
    """The project to install instead of a stub, and what the stub is."""

    successor: str  # as the index spells it
    kind: str  # "deprecated" | "placeholder" | "renamed"

    def reason(self, stub: str) -> str:
        """``sklearn is deprecated; scikit-learn is the package to install``."""
        what = {"placeholder": "is a placeholder", "renamed": "was renamed"}.get(
            self.kind, "is deprecated"
        )
        return f"{stub} {what}; {self.successor} is the package to install"


class ImportNames:
    """The parsed table: import name → providers, stub → replacement."""

    def __init__(self, text: str = ""):
        self._providers: dict[str, list[str]] = {}
        self._folded: dict[str, list[str]] = {}  # lower-cased import name → import names
        self._replacements: dict[str, Replacement] = {}
        for line in text.splitlines():
            fields = line.split("\t")
            if len(fields) == 3 and fields[0] == "import" and fields[1] and fields[2].strip():
                self._providers[fields[1]] = fields[2].split()
                self._folded.setdefault(fields[1].lower(), []).append(fields[1])
            elif len(fields) == 4 and fields[0] == "instead" and fields[1] and fields[2]:
                self._replacements[canonical_name(fields[1])] = Replacement(fields[2], fields[3])

    def __len__(self) -> int:
        return len(self._providers)

    def providers(self, import_name: str) -> list[str]:
        """The projects that provide ``import_name`` (best first); ``[]`` when not known.

        Exact spelling first (``PIL``), then any case (``pil``); a dotted name
        that is not known falls back to its parent (``sklearn.ensemble``).
        """
        name = import_name.strip()
        while name:
            found = self._providers.get(name)
            if found is None:
                spellings = self._folded.get(name.lower(), [])
                found = [project for spelling in spellings for project in self._providers[spelling]]
                found = list(dict.fromkeys(found))
            if found:
                return list(found)
            name = name.rpartition(".")[0]
        return []

    def known_import(self, import_name: str) -> str | None:
        """The table's spelling of ``import_name`` (or of the parent that is known)."""
        name = import_name.strip()
        while name:
            if name in self._providers:
                return name
            spellings = self._folded.get(name.lower())
            if spellings:
                return spellings[0]
            name = name.rpartition(".")[0]
        return None

    def replacement(self, project: str) -> Replacement | None:
        """What to install instead of the stub ``project`` (any spelling), if it is one."""
        return self._replacements.get(canonical_name(project.strip()))

    def provided_projects(self) -> set[str]:
        """Every project the table names as a provider (canonical names)."""
        return {canonical_name(name) for names in self._providers.values() for name in names}


def looks_like_import_name(text: str) -> bool:
    """``cv2``, ``google.protobuf``, ``MySQLdb``: one identifier or a dotted path of them."""
    return _IMPORT_NAME.fullmatch(text.strip()) is not None


def module_in_text(text: str) -> str | None:
    """The module a pasted error or a line of code names, or ``None``.

    ``ModuleNotFoundError: No module named 'sklearn.ensemble'`` → ``sklearn.ensemble``;
    ``import numpy as np`` → ``numpy``; ``from bs4 import BeautifulSoup`` → ``bs4``.
    """
    match = _NO_MODULE.search(text)
    if match:
        return match.group(1).rstrip(".") or None
    for line in text.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            return (match.group(1) or match.group(2)).rstrip(".") or None
    return None


_lock = threading.Lock()
_table: ImportNames | None = None


def table() -> ImportNames:
    """The shipped table, read on first use."""
    global _table
    with _lock:
        if _table is None:
            try:
                raw = resources.files("resources").joinpath(TABLE_RESOURCE).read_bytes()
                text = gzip.decompress(raw).decode("utf-8", errors="replace")
            except (OSError, EOFError, ValueError):  # missing or damaged: search without it
                text = ""
            _table = ImportNames(text)
        return _table


def providers(import_name: str) -> list[str]:
    """The projects that provide ``import_name``, most downloaded first (``cv2`` → opencv-python, …)."""
    return table().providers(import_name)


def replacement(project: str) -> Replacement | None:
    """What to install instead of the placeholder or deprecated stub ``project``."""
    return table().replacement(project)
