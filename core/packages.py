"""Installed distributions, read from an environment's metadata without starting pip.

``pip list`` starts a Python, imports pip and walks the same files: ~300 ms.
Reading the ``METADATA`` headers directly takes a few milliseconds for a
hundred packages (see ``benchmarks/bench_package_listing.py``).
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.names import canonical_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# A header the list needs (name, version, summary, requires-dist) at the start of a line (a folded
# continuation starts with a space: never matched).  Searched for after a line break, which the
# search skips to quickly ("^" with MULTILINE is tried at every character: three times slower).
_WANTED_HEADER_LINE = re.compile(r"\n(name|version|summary|requires-dist):([^\n]*)", re.IGNORECASE)


@dataclass(frozen=True)
class InstalledPackage:
    name: str
    version: str
    summary: str = ""
    requires: tuple[str, ...] = ()
    # Set when the person asked for it (pip writes REQUESTED), as opposed to a dependency.
    requested: bool = False
    metadata_path: str = field(default="", compare=False)

    @functools.cached_property
    def key(self) -> str:
        """PEP 503 normalised name: how pip matches names (worked out once: sorting asks often)."""
        return canonical_name(self.name)

    def dependency_names(self) -> set[str]:
        """Normalised names this package needs unconditionally (extras' requirements left out)."""
        names = set()
        for text in self.requires:
            name = _unconditional_name(text)
            if name:
                names.add(canonical_name(name))
        return names


# A header value longer than this is cut (a 20 MB "Summary:" froze the window; nobody reads it).
MAX_HEADER_LENGTH = 2_000
# Past this many header bytes the rest of METADATA is not read (real headers are a few KB).
MAX_HEADER_BYTES = 1_000_000
# METADATA is read in pieces of this size until the blank line that ends its headers: most files
# are a few KB of headers and then 10-100 KB of README, which is never read.
_READ_CHUNK = 16_384


def _header_block(path: str) -> str:
    """The headers of a METADATA file: its text up to the blank line before the long description,
    at most ``MAX_HEADER_BYTES`` of it."""
    chunks: list[bytes] = []
    read = 0
    tail = b""
    with open(path, "rb") as handle:
        while read < MAX_HEADER_BYTES:
            chunk = handle.read(_READ_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            read += len(chunk)
            # The blank line can straddle two pieces: look from the end of the one before.
            seen = tail + chunk
            if b"\n\n" in seen or b"\n\r\n" in seen or read == len(chunk) and chunk.startswith((b"\n", b"\r\n")):
                break
            tail = chunk[-2:]
    data = b"".join(chunks)[:MAX_HEADER_BYTES]
    if data.startswith((b"\n", b"\r\n")):
        return ""  # no headers at all
    ends = [end for end in (data.find(b"\n\n"), data.find(b"\n\r\n")) if end >= 0]
    if ends:
        data = data[: min(ends) + 1]
    return data.decode("utf-8", errors="replace")


def _read_headers(path: str) -> dict[str, list[str]]:
    """The wanted headers of a METADATA (or PKG-INFO) file, by lower-case name, in file order.

    One regular-expression pass over the header block instead of a Python loop per line: a
    package's classifiers and requirements are hundreds of lines, ~170 packages many thousands.
    """
    headers: dict[str, list[str]] = {}
    for match in _WANTED_HEADER_LINE.finditer("\n" + _header_block(path)):
        value = match.group(2).strip()
        if len(value) > MAX_HEADER_LENGTH:
            value = value[:MAX_HEADER_LENGTH] + "…"
        headers.setdefault(match.group(1).lower(), []).append(value)
    return headers


def package_from_metadata(metadata: str, requested: bool) -> InstalledPackage | None:
    try:
        headers = _read_headers(metadata)
    except OSError:
        return None
    name = (headers.get("name") or [""])[0]
    if not name:
        return None
    return InstalledPackage(
        name=name,
        version=(headers.get("version") or [""])[0],
        summary=(headers.get("summary") or [""])[0],
        requires=tuple(headers.get("requires-dist", ())),
        requested=requested,
        metadata_path=metadata,
    )


def installed_packages(site_packages: str | os.PathLike[str] | None) -> list[InstalledPackage]:
    """Every distribution installed in ``site_packages``, sorted by name (case-insensitive)."""
    if site_packages is None:
        return []
    found: dict[str, InstalledPackage] = {}
    try:
        entries = list(os.scandir(site_packages))
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith("~"):
            continue  # pip's backup of a package it was replacing or removing: not installed
        if entry.name.endswith(".dist-info") and entry.is_dir():
            metadata = os.path.join(entry.path, "METADATA")
            requested = os.path.exists(os.path.join(entry.path, "REQUESTED"))
        elif entry.name.endswith(".egg-info"):
            metadata = os.path.join(entry.path, "PKG-INFO") if entry.is_dir() else entry.path
            requested = False
        else:
            continue
        package = package_from_metadata(metadata, requested)
        if package is not None:
            found.setdefault(package.key, package)
    return sorted(found.values(), key=lambda p: p.key)


def installed_version(packages: Sequence[InstalledPackage], key: str) -> str:
    """The version of the package whose normalised name is ``key``, or "" when it is not installed."""
    for package in packages:
        if package.key == key:
            return package.version
    return ""


def required_by(packages: list[InstalledPackage]) -> dict[str, list[str]]:
    """For each normalised name, the names of the installed packages that need it."""
    dependents: dict[str, list[str]] = {}
    for package in packages:
        for dependency in package.dependency_names():
            dependents.setdefault(dependency, []).append(package.name)
    return dependents



# A requirement written the usual way: a name, maybe [extras], maybe version specifiers (in
# parentheses or not), maybe "; marker".  Read without ``packaging`` (parsing ~1,500 requirements
# with it took 70 ms, the longest part of showing a big environment); anything else (a URL, a
# typo) goes through ``packaging`` as before.
_SPECIFIER = r"(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
_PLAIN_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[\s*(?:[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:,\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*)*)?\])?\s*"
    rf"(?:{_SPECIFIER}\s*(?:,\s*{_SPECIFIER}\s*)*|\(\s*{_SPECIFIER}\s*(?:,\s*{_SPECIFIER}\s*)*\)\s*)?"
    r"(?:;(?P<marker>.*))?$"
)
# The commonest marker by far (~75 % of them): a requirement only for one extra.
_ONLY_FOR_AN_EXTRA = re.compile(r"""^\s*extra\s*==\s*(['"])[^'"]+\1\s*$""")


@functools.lru_cache(maxsize=1024)
def _marker_holds(marker: str) -> bool | None:
    """Whether ``marker`` is true for this Python with no extra asked for (None: unreadable).

    Markers repeat across packages (``python_version < "3.11"``): each is worked out once.  The
    plain ones are worked out here (importing ``packaging.markers`` costs ~15 ms, on the way to
    showing the list); any other goes to ``packaging``.
    """
    simple = _plain_marker_holds(marker)
    if simple is not None:
        return simple
    from packaging.markers import InvalidMarker, Marker  # not needed at start-up

    try:
        return bool(Marker(marker).evaluate({"extra": ""}))
    except InvalidMarker:
        return None
    except Exception:  # noqa: BLE001 - an odd marker (an undefined comparison) must not hide the rest
        return None


_MARKER_TOKEN = re.compile(r"""\s*(\(|\)|'[^']*'|"[^"]*"|===|==|!=|<=|>=|~=|<|>|[A-Za-z_][A-Za-z0-9_]*)""")
_MARKER_OPERATORS = {"<", "<=", ">", ">=", "==", "!=", "~=", "===", "in", "not in"}
_PLAIN_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*")
# The marker variables packaging compares as versions (when both sides are versions).
_VERSION_VARIABLES = {"python_version", "python_full_version", "implementation_version", "platform_release"}


@functools.lru_cache(maxsize=1)
def _marker_environment() -> dict[str, str]:
    """This Python's values of the marker variables, as ``packaging.markers.default_environment``."""
    import platform

    info = sys.implementation.version
    implementation_version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        implementation_version += info.releaselevel[0] + str(info.serial)
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": implementation_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
        "extra": "",
    }


def _compare_versions(left: str, operator: str, right: str) -> bool | None:
    if not (_PLAIN_VERSION.fullmatch(left) and _PLAIN_VERSION.fullmatch(right)):
        return None  # pre-releases, wildcards, local versions: packaging's rules
    a, b = [int(part) for part in left.split(".")], [int(part) for part in right.split(".")]
    width = max(len(a), len(b))
    a, b = a + [0] * (width - len(a)), b + [0] * (width - len(b))  # 3.11 == 3.11.0, as PEP 440
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}.get(operator)


def _plain_marker_holds(marker: str) -> bool | None:
    """Whether the requirement with ``marker`` is needed here, worked out without ``packaging``
    when the marker is only comparisons of the usual marker variables with quoted text, joined by
    ``and``/``or`` and parentheses; None for anything else (packaging then decides).

    A part that cannot be worked out here (a pre-release version, ``~=``) and-ed with a false
    part gives False: whatever packaging would say of it, the requirement is not needed here.
    """
    tokens: list[str] = []
    position = 0
    stripped = marker.rstrip()
    while position < len(stripped):
        token = _MARKER_TOKEN.match(stripped, position)
        if token is None:
            return None
        tokens.append(token.group(1))
        position = token.end()
    environment = _marker_environment()
    at = 0
    unknown = object()  # a comparison written correctly that packaging must work out
    false_but_unsure = object()  # false, and-ed with such a comparison (false here, or rejected)

    def operand(token: str) -> tuple[str, str] | None:
        """("variable", its name) or ("text", the quoted text)."""
        if token[:1] in ("'", '"'):
            return "text", token[1:-1]
        return ("variable", token) if token in environment else None

    def compare(lhs: str, operator: str, rhs: str, variable: str, variable_on_left: bool) -> object:
        if variable in _VERSION_VARIABLES and operator not in ("in", "not in"):
            result = _compare_versions(lhs, operator, rhs)
            return unknown if result is None else result
        if variable == "extra":
            if operator in ("==", "!=") and variable_on_left:
                return (lhs == rhs) == (operator == "==")  # no extra asked for: lhs is ""
            return unknown
        if operator in ("==", "!="):
            return (lhs == rhs) == (operator == "==")
        if operator in ("in", "not in"):
            return (lhs in rhs) == (operator == "in")
        return unknown

    def comparison() -> object:
        """One comparison or a parenthesised group: True, False, ``unknown``; None: not plain."""
        nonlocal at
        if at < len(tokens) and tokens[at] == "(":
            at += 1
            value = either()
            if value is None or at >= len(tokens) or tokens[at] != ")":
                return None
            at += 1
            return value
        if len(tokens) - at < 3:
            return None
        left = operand(tokens[at])
        operator = tokens[at + 1]
        at += 2
        if operator == "not" and tokens[at] == "in":
            operator, at = "not in", at + 1
        if left is None or operator not in _MARKER_OPERATORS or at >= len(tokens):
            return None
        right = operand(tokens[at])
        at += 1
        if right is None or {left[0], right[0]} != {"variable", "text"}:
            return None
        variable = left[1] if left[0] == "variable" else right[1]
        lhs = environment[left[1]] if left[0] == "variable" else left[1]
        rhs = environment[right[1]] if right[0] == "variable" else right[1]
        return compare(lhs, operator, rhs, variable, left[0] == "variable")

    def both() -> object:
        nonlocal at
        values = [comparison()]
        while values[-1] is not None and at < len(tokens) and tokens[at] == "and":
            at += 1
            values.append(comparison())
        if None in values:
            return None
        unsure = unknown in values or false_but_unsure in values
        if False in values or false_but_unsure in values:
            return false_but_unsure if unsure else False
        return unknown if unsure else True

    def either() -> object:
        nonlocal at
        values = [both()]
        while values[-1] is not None and at < len(tokens) and tokens[at] == "or":
            at += 1
            values.append(both())
        if None in values:
            return None
        if len(values) == 1:
            return values[0]
        if unknown in values or false_but_unsure in values:
            return unknown  # packaging reads every part: one it rejects rejects the whole marker
        return True in values

    result = either()
    if at != len(tokens) or result is None or result is unknown:
        return None
    return result is True

def _unconditional_name(text: str) -> str:
    """The name in requirement ``text`` when it is always needed; "" for an extra's requirement,
    one whose marker is false here, or one that cannot be read (as :func:`_unconditional`)."""
    plain = _PLAIN_REQUIREMENT.match(text)
    if plain is None:
        return next((requirement.name for requirement in _unconditional((text,))), "")
    marker = plain.group("marker")
    if marker is None:
        return plain.group("name")
    if _ONLY_FOR_AN_EXTRA.match(marker):
        return ""
    return plain.group("name") if _marker_holds(marker.strip()) else ""


def _unconditional(requires: Iterable[str]) -> Iterator[Requirement]:
    """The parsed requirements always needed (no marker, or one true without extras); unreadable
    ones and extras' ones left out."""
    from packaging.requirements import InvalidRequirement, Requirement  # not needed at start-up

    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if marker is not None:
            try:
                if not marker.evaluate({"extra": ""}):
                    continue
            except Exception:  # noqa: BLE001 - an odd marker must not hide the package or the rest
                continue
        yield requirement


def unconditional_requirements(requires: Sequence[str]) -> list[str]:
    """The requirements (``tinyutil>=1.0``) always needed, without their markers; extras' ones left out.

    The same choice as :meth:`InstalledPackage.dependency_names`, kept as written for reading.
    """
    found = []
    for requirement in _unconditional(requires):
        requirement.marker = None
        found.append(str(requirement))
    return found


@dataclass(frozen=True)
class InstalledFiles:
    """Where a distribution lives and what it takes on disk, from its ``RECORD``."""

    location: str  # the folder it is installed in (site-packages)
    import_names: tuple[str, ...] = ()  # top-level packages and modules it puts there
    size: int = 0  # bytes of the listed files that exist
    files: int = 0  # listed files that exist
    missing: int = 0  # listed files that do not
    recorded: bool = True  # False: no RECORD (an old egg-info install); size and files unknown


def _import_name(top: str, is_folder: bool) -> str:
    if is_folder:
        name = top
    elif top.endswith(_CODE_SUFFIXES):
        name = top.split(".", 1)[0]  # tinyutil.py, _speedups.cpython-311-x86_64-linux-gnu.so
    else:
        return ""
    return name if name.isidentifier() else ""


def installed_files(package: InstalledPackage) -> InstalledFiles:
    """The files ``package``'s metadata lists, added up (blocking: a stat per file; call from a worker)."""
    metadata = package.metadata_path
    info_folder = os.path.dirname(metadata) if os.path.basename(metadata) in ("METADATA", "PKG-INFO") else ""
    location = os.path.dirname(info_folder) if info_folder else os.path.dirname(metadata)
    if not info_folder:
        return InstalledFiles(location, recorded=False)  # a lone .egg-info file lists nothing
    if info_folder.endswith(".dist-info"):
        relative_paths, base = record_paths(info_folder), location
    else:
        # An egg-info install: pip wrote installed-files.txt (paths relative to the egg-info folder).
        try:
            with open(os.path.join(info_folder, "installed-files.txt"), encoding="utf-8", errors="replace") as handle:
                relative_paths = [line.strip() for line in handle if line.strip()]
        except OSError:
            return InstalledFiles(location, recorded=False)
        base = info_folder
    seen: set[str] = set()
    size = files = missing = 0
    tops: dict[str, bool] = {}
    for relative in relative_paths:
        path = os.path.normpath(os.path.join(base, relative))
        if path in seen:
            continue
        seen.add(path)
        try:
            stat = os.lstat(path)
        except OSError:
            missing += 1
        else:
            size += stat.st_size
            files += 1
        inside = os.path.relpath(path, location)
        if inside.startswith(".."):
            continue  # scripts in bin/, data files elsewhere
        top, separator, _rest = inside.replace(os.sep, "/").partition("/")
        tops[top] = tops.get(top, False) or bool(separator)
    names = set()
    for top, is_folder in tops.items():
        if top.endswith((".dist-info", ".egg-info", ".data", ".pth")) or top == "__pycache__":
            continue
        name = _import_name(top, is_folder)
        if name:
            names.add(name)
    return InstalledFiles(location, tuple(sorted(names, key=str.lower)), size, files, missing)


# -- half-installed files after a cancel or a crash -------------------------------------------

# Folders in site-packages that belong to no distribution on purpose.
_UNOWNED_OK = {"__pycache__", "_distutils_hack", "pip-selfcheck.json"}


@dataclass(frozen=True)
class Integrity:
    """What an interrupted pip run may have left behind in ``site-packages``."""

    # "~"-prefixed entries: pip's stashed copies from an interrupted install or uninstall.
    leftovers: tuple[str, ...] = ()
    # Distributions whose RECORD lists files that are missing.
    damaged: tuple[InstalledPackage, ...] = ()
    # Top-level folders or modules with Python code that no installed distribution claims
    # (installed without metadata, or half-written: a namespace package imports all the same).
    orphans: tuple[str, ...] = ()
    # Set when site-packages could not be read: the scan says nothing either way.
    problem: str = ""
    # Distributions that exist only as pip's "~" backup (name, version): the real copy is gone.
    stashed: tuple[tuple[str, str], ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.leftovers or self.damaged or self.orphans or self.problem)

    def describe(self) -> str:
        parts = [self.problem] if self.problem else []
        if self.damaged:
            parts.append("incomplete: " + ", ".join(f"{p.name} {p.version}" for p in self.damaged))
        if self.stashed:
            parts.append(
                "only pip's backup is left of: " + ", ".join(f"{name} {version}" for name, version in self.stashed)
            )
        if self.orphans:
            parts.append("files without their package record: " + ", ".join(self.orphans))
        if self.leftovers:
            parts.append("pip's temporary leftovers: " + ", ".join(self.leftovers))
        return "; ".join(parts)


def record_paths(dist_info: str) -> list[str]:
    try:
        with open(os.path.join(dist_info, "RECORD"), encoding="utf-8", errors="replace", newline="") as handle:
            text = handle.read()
    except OSError:
        return []
    if '"' not in text:  # no quoted path (one with a comma in it): the first field is up to the comma
        return [line.partition(",")[0] for line in text.splitlines() if line]
    import csv
    import io

    return [row[0] for row in csv.reader(io.StringIO(text)) if row]


_CODE_SUFFIXES = (".py", ".so", ".pyd")


def _holds_python_code(path: str) -> bool:
    """A folder with Python modules in it or one level down (bounded: no deep walk)."""
    try:
        with os.scandir(path) as entries:
            subfolders = []
            for entry in entries:
                if entry.name.endswith(_CODE_SUFFIXES) and not entry.is_dir():
                    return True
                if entry.is_dir() and entry.name != "__pycache__":
                    subfolders.append(entry.path)
        for folder in subfolders[:50]:
            with os.scandir(folder) as entries:
                if any(entry.name.endswith(_CODE_SUFFIXES) for entry in entries):
                    return True
    except OSError:
        return False
    return False


# RECORDs whose files were all found, by (path, mtime_ns, size): not checked file by file again.
_verified_records: dict[str, tuple[int, int]] = {}
# What each RECORD claims, by path: (mtime_ns, size), the top-level entries it lists, and those of
# the files that must be there (not byte-code, not outside site-packages).  Read again only when
# the RECORD changes: parsing the ~35,000 lines of 170 packages' RECORDs took 30-60 ms each time.
_record_tops: dict[str, tuple[tuple[int, int], frozenset[str], frozenset[str]]] = {}


def _record_key(record: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(record)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _absolute(path: str) -> bool:
    """``os.path.isabs`` for a RECORD's path (/usr/..., C:\\..., \\\\server\\...), in a few string tests."""
    return path[:1] in ("/", "\\") or path[1:2] == ":"


def _counted(relative: str) -> bool:
    """Whether a file RECORD lists must be there: byte-code may be gone (cleaned, another
    Python) and files outside site-packages (scripts) are not looked for here."""
    return not (relative.startswith("..") or "__pycache__" in relative or relative.endswith(".pyc"))


def check_integrity(
    site_packages: str | os.PathLike[str] | None,
    *,
    deep: bool = True,
    packages: Sequence[InstalledPackage] | None = None,
) -> Integrity:
    """Look for half-installed files (blocking disk scan: call from a worker).

    What counts is what the metadata says is installed: every top-level entry a RECORD (or an
    egg's top_level.txt) claims, and the files each RECORD lists.  With ``deep`` every listed
    file is looked for; without it (each time an environment is shown) only RECORDs that changed
    since they were last found whole are checked file by file, so showing an environment costs a
    few stats per package instead of one per file.  After an unclean end, scan deep.
    ``packages``: what :func:`installed_packages` just gave for ``site_packages`` (else read again).
    """
    if site_packages is None:
        return Integrity()
    root = os.fspath(site_packages)
    try:
        names = os.listdir(root)
    except OSError as exc:
        return Integrity(problem=f"its packages folder could not be read ({exc.strerror or exc})")
    present = set(names)
    leftovers = sorted(n for n in names if n.startswith("~"))
    claimed: set[str] = set()
    damaged = []
    by_metadata = {p.metadata_path: p for p in (installed_packages(root) if packages is None else packages)}
    installed_keys = {p.key for p in by_metadata.values()}
    prefix = os.path.join(root, "")
    stashed = []
    for name in names:
        folder = os.path.join(root, name)
        if name.endswith(".egg-info") and os.path.isdir(folder):
            # Older installs have no RECORD; their top_level.txt names what they own.
            try:
                with open(os.path.join(folder, "top_level.txt"), encoding="utf-8") as handle:
                    claimed.update(line.strip() for line in handle if line.strip())
            except OSError:
                pass
        if not name.endswith(".dist-info"):
            continue
        if name.startswith("~"):
            backup = package_from_metadata(os.path.join(folder, "METADATA"), False)
            if backup is not None and backup.key not in installed_keys:
                stashed.append((backup.name, backup.version))
            continue
        claimed.add(name)
        record = os.path.join(folder, "RECORD")
        key = _record_key(record)
        check_files = deep or key is None or _verified_records.get(record) != key
        known = _record_tops.get(record)
        if not check_files and known is not None and known[0] == key:
            tops, needed_tops = known[1], known[2]
            files: list[str] = []
        else:
            paths = record_paths(folder)
            files = [relative for relative in paths if _counted(relative)]
            tops = frozenset(relative.split("/", 1)[0] for relative in paths)
            needed_tops = frozenset(relative.split("/", 1)[0] for relative in files)
            if key is not None:
                _record_tops[record] = (key, tops, needed_tops)
        claimed.update(tops)
        # A whole top-level entry gone needs no stat to know; then each file, where asked.
        missing = not needed_tops <= present
        if not missing and check_files:
            missing = not all(
                os.access(os.path.join(root, relative) if _absolute(relative) else prefix + relative, os.F_OK)
                for relative in files
            )
        package = by_metadata.get(os.path.join(folder, "METADATA"))
        if missing and package is not None:
            damaged.append(package)
            _verified_records.pop(record, None)
        elif key is not None and check_files:
            _verified_records[record] = key
    orphans = []
    for name in names:
        if name in claimed or name in _UNOWNED_OK or name.startswith("~") or name.endswith((".dist-info", ".egg-info", ".pth")):
            continue
        path = os.path.join(root, name)
        if name.endswith(_CODE_SUFFIXES) and not os.path.isdir(path) or os.path.isdir(path) and _holds_python_code(path):
            orphans.append(name)
    return Integrity(tuple(leftovers), tuple(damaged), tuple(sorted(orphans)), stashed=tuple(sorted(stashed)))
