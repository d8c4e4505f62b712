"""What a project's code imports, and which of those modules its environment lacks.

"Find missing packages" answers a beginner's question -- *what does my code need?* -- in
four steps, each of which can be tested on its own:

1. :func:`scan_project` reads the project's ``.py`` files with :mod:`ast` (never runs them):
   every ``import`` and ``from … import`` (inside functions, ``try:`` and ``if`` blocks too;
   ``__import__("x")`` and ``importlib.import_module("x")`` with a literal name), with the file
   and line it was seen on.  Environments (any folder with ``pyvenv.cfg``), ``site-packages``,
   build output and hidden folders are skipped; the walk is bounded in files and bytes; a file
   that does not parse (Python 2 code) is skipped and counted.  Relative imports and the
   project's own modules and packages (next to the file, at the top of the project, under
   ``src/``) are left out.
2. :func:`ask_python` asks the *environment's* Python, in one short process, for its standard
   library (``sys.stdlib_module_names`` on 3.10+, its stdlib folder plus
   ``sys.builtin_module_names`` before: the script is valid Python 2 and 3) and which of the
   imported names it can already find (``find_spec``: nothing is imported).
3. :func:`installed_modules` reads the modules each installed distribution provides from its
   metadata (``top_level.txt``, ``RECORD``), without a process.
4. :func:`find_missing` puts them together and maps each module nobody provides to the
   projects that do (:mod:`core.import_names`: ``cv2`` → opencv-python, ``yaml`` → PyYAML); a
   module whose name is itself a project on the index is a candidate too.
   :func:`describe` says the result in a sentence.

:func:`add_to_requirements` appends the chosen projects to the project's ``requirements.txt``.
Nothing here imports Qt; the GUI runs the blocking parts in a worker.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from core import import_names, storage
from core.commands import Command, check_path_argument, child_environment
from core.errors import InvalidInput, UserFacingError
from core.names import canonical_name
from core.packages import installed_packages, record_paths
from core.processes import run_bounded

# -- limits --------------------------------------------------------------------------------------

# A project folder can be a home folder by mistake: the walk stops after this much.
MAX_FILES = 5_000
MAX_TOTAL_BYTES = 50_000_000
MAX_FILE_BYTES = 2_000_000  # a bigger .py file is generated data, not code to read
MAX_FOLDERS = 20_000
# Places kept per module (the dialog shows the first; the count says how many more).
MAX_SITES_PER_MODULE = 50
# Names sent to the environment's Python to look for (one argv entry each).
MAX_CANDIDATES = 1_000
PROBE_TIMEOUT_S = 20.0
PROBE_OUTPUT_LIMIT = 4_000_000

# Folders that hold no code of the project's own.
SKIPPED_FOLDERS = frozenset({"site-packages", "dist-packages", "build", "dist", "__pycache__", "node_modules"})

# Python 2's standard library modules that Python 3 renamed or dropped: code written for Python 2
# imports them, and no package provides them.
PYTHON2_STDLIB = frozenset(
    {
        "__builtin__", "_winreg", "anydbm", "BaseHTTPServer", "CGIHTTPServer", "commands", "ConfigParser",
        "Cookie", "cookielib", "copy_reg", "cPickle", "cStringIO", "dbhash", "dircache", "DocXMLRPCServer",
        "dumbdbm", "dummy_thread", "exceptions", "FileDialog", "fpformat", "future_builtins", "gdbm",
        "htmlentitydefs", "HTMLParser", "htmllib", "httplib", "ihooks", "imputil", "markupbase", "md5",
        "mimetools", "MimeWriter", "mimify", "multifile", "mutex", "new", "popen2", "posixfile", "Queue",
        "repr", "rfc822", "robotparser", "ScrolledText", "sets", "sgmllib", "sha", "SimpleHTTPServer",
        "SimpleXMLRPCServer", "SocketServer", "statvfs", "StringIO", "thread", "Tix", "Tkinter",
        "tkColorChooser", "tkCommonDialog", "tkFileDialog", "tkFont", "tkMessageBox", "tkSimpleDialog",
        "ttk", "urllib2", "urlparse", "user", "UserDict", "UserList", "UserString", "whichdb", "xmlrpclib",
    }
)

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_CODE_SUFFIXES = (".py", ".so", ".pyd")


# -- 1. reading the project's code ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSite:
    """Where a module is imported: a file (relative to the project, "/" separated) and a line."""

    path: str
    line: int
    # Inside ``try:`` with an ``except ImportError`` (or under ``if TYPE_CHECKING:``): the code
    # is written to work without it.
    optional: bool = False
    # Under a check that only Python 2 passes (``if sys.version_info < (3,):``, ``if PY2:``, the
    # ``else:`` of ``if PY3:``): Python 3 never runs it.
    python2: bool = False
    # In the ``except ImportError:`` of a ``try:``: a fallback, run only when another import failed.
    fallback: bool = False

    def describe(self) -> str:
        return f"{self.path} line {self.line}"


@dataclass(frozen=True)
class SkippedFile:
    path: str  # relative to the project
    reason: str  # "line 3: Missing parentheses in call to 'print'", "it is larger than 2 MB"


@dataclass(frozen=True)
class CodeScan:
    """What the project's code imports, its own modules left out."""

    folder: Path
    # Module name as imported (absolute, dotted: ``google.protobuf``, ``yaml``) → where.
    imports: dict[str, tuple[ImportSite, ...]] = field(default_factory=dict)
    # The project's own top-level modules and packages (at its top and under ``src/``).
    own_modules: frozenset[str] = frozenset()
    files: int = 0  # Python files read
    skipped: tuple[SkippedFile, ...] = ()
    limited: bool = False  # the walk stopped at MAX_FILES / MAX_TOTAL_BYTES / MAX_FOLDERS

    def top_level_names(self) -> list[str]:
        """The top-level modules imported (``google`` for ``google.protobuf``), sorted."""
        return sorted({name.split(".")[0] for name in self.imports})


# Names a module's own "which Python is this" flag usually has (six.PY2, compat.PY3, IS_PY2…).
_PY2_FLAGS = frozenset({"PY2", "IS_PY2", "PYTHON2", "PY27", "is_py2", "py2", "ON_PY2"})
_PY3_FLAGS = frozenset({"PY3", "IS_PY3", "PYTHON3", "PY3K", "is_py3", "py3", "ON_PY3"})
# Representative Python 3 versions: a version check that says the same for both holds for every 3.x.
_PYTHON3_VERSIONS = ((3, 0, 0, "final", 0), (3, 99, 99, "final", 0))
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
}


_NOT_A_VERSION = object()


def _version_part(node: ast.expr, version: tuple[Any, ...]) -> Any:
    """What ``node`` (``sys.version_info``, its item or slice, ``.major``) is for ``version``;
    ``_NOT_A_VERSION`` when ``node`` is not about the Python version."""
    if isinstance(node, ast.Attribute) and node.attr == "version_info" or isinstance(node, ast.Name) and node.id == "version_info":
        return version
    if isinstance(node, ast.Attribute) and node.attr in ("major", "minor"):
        inner = _version_part(node.value, version)
        return _NOT_A_VERSION if inner is _NOT_A_VERSION else inner[0 if node.attr == "major" else 1]
    if isinstance(node, ast.Subscript):
        inner = _version_part(node.value, version)
        index = node.slice
        if inner is _NOT_A_VERSION:
            return inner
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and -len(inner) <= index.value < len(inner):
            return inner[index.value]
        if isinstance(index, ast.Slice) and index.lower is None and index.step is None:
            if index.upper is None:
                return inner
            if isinstance(index.upper, ast.Constant) and isinstance(index.upper.value, int):
                return inner[: index.upper.value]
    return _NOT_A_VERSION


def _constant(node: ast.expr) -> object:
    """An int or a tuple of ints written in the code, else ``None``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Tuple) and all(
        isinstance(item, ast.Constant) and isinstance(item.value, int) for item in node.elts
    ):
        return tuple(item.value for item in node.elts if isinstance(item, ast.Constant))
    return None


def _on_python3(test: ast.expr) -> bool | None:
    """What ``test`` is on every Python 3: True, False, or ``None`` when it depends (or is unknown).

    ``sys.version_info < (3,)``, ``sys.version_info[0] == 2``, ``PY2``, ``six.PY2`` are False;
    ``sys.version_info >= (3,)``, ``PY3`` are True; ``sys.version_info < (3, 8)`` depends.
    """
    if isinstance(test, ast.Name) or isinstance(test, ast.Attribute) and test.attr in _PY2_FLAGS | _PY3_FLAGS:
        name = test.id if isinstance(test, ast.Name) else test.attr
        return False if name in _PY2_FLAGS else True if name in _PY3_FLAGS else None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _on_python3(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [_on_python3(value) for value in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else True if all(value is True for value in values) else None
        return True if True in values else False if all(value is False for value in values) else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPARE:
        compare = _COMPARE[type(test.ops[0])]
        left, right = test.left, test.comparators[0]
        flipped = _constant(right) is None  # written the other way round: (3,) > sys.version_info
        value, version_node = (_constant(left), right) if flipped else (_constant(right), left)
        if value is None:
            return None
        parts = [_version_part(version_node, version) for version in _PYTHON3_VERSIONS]
        if any(part is _NOT_A_VERSION for part in parts):
            return None
        try:
            answers = {compare(value, part) if flipped else compare(part, value) for part in parts}
        except TypeError:  # an int compared with a tuple: always unequal, never ordered
            return None
        return answers.pop() if len(answers) == 1 else None
    return None


class _ImportCollector(ast.NodeVisitor):
    """Every absolute import in a module, with its line and whether the code can do without it."""

    def __init__(self) -> None:
        # (module, line, optional, only on Python 2, a fallback in ``except ImportError:``)
        self.found: list[tuple[str, int, bool, bool, bool]] = []
        self._optional = 0
        self._python2 = 0
        self._fallback = 0

    def _add(self, name: str, line: int) -> None:
        name = name.strip()
        if name and all(part.isidentifier() for part in name.split(".")):
            self.found.append((name, line, self._optional > 0, self._python2 > 0, self._fallback > 0))

    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802 - ast's naming
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802 - ast's naming
        if node.level == 0 and node.module:  # a relative import is the project's own
            # ``from google.cloud import storage`` imports google.cloud.storage when it is a module:
            # for a namespace, the member says which package it is (the key keeps what matters).
            for alias in node.names:
                self._add(node.module if alias.name == "*" else f"{node.module}.{alias.name}", node.lineno)

    def visit_Try(self, node: ast.Try) -> None:  # noqa: N802 - ast's naming
        guarded = any(_catches_import_error(handler) for handler in node.handlers)
        self._optional += guarded
        for statement in node.body:
            self.visit(statement)
        self._optional -= guarded
        for handler in node.handlers:
            fallback = _catches_import_error(handler)
            self._fallback += fallback
            self.visit(handler)
            self._fallback -= fallback
        for child in [*node.orelse, *node.finalbody]:
            self.visit(child)

    visit_TryStar = visit_Try  # noqa: N815 - ast's naming (3.11+)

    def visit_If(self, node: ast.If) -> None:  # noqa: N802 - ast's naming
        type_checking = _is_type_checking(node.test)
        on_python3 = _on_python3(node.test)
        self.visit(node.test)
        self._optional += type_checking
        self._python2 += on_python3 is False
        for statement in node.body:
            self.visit(statement)
        self._optional -= type_checking
        self._python2 -= on_python3 is False
        self._python2 += on_python3 is True
        for statement in node.orelse:
            self.visit(statement)
        self._python2 -= on_python3 is True

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 - ast's naming
        function = node.func
        called = function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) else ""
        if called in ("__import__", "import_module") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and not first.value.startswith("."):
                self._add(first.value, node.lineno)
        self.generic_visit(node)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True  # a bare except
    kinds = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for item in kinds:
        name = item.id if isinstance(item, ast.Name) else item.attr if isinstance(item, ast.Attribute) else ""
        if name in _IMPORT_ERRORS:
            return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def imports_in_source(source: bytes | str, filename: str = "<code>") -> list[tuple[str, int, bool]]:
    """``(module, line, optional)`` for every absolute import in ``source``.

    Raises ``SyntaxError`` (also for Python 2 code), ``ValueError`` (null bytes) or
    ``RecursionError`` (absurdly nested code) when it cannot be read.
    """
    return [(name, line, optional) for name, line, optional, _python2, _fallback in _collect(source, filename)]


def _collect(source: bytes | str, filename: str) -> list[tuple[str, int, bool, bool, bool]]:
    collector = _ImportCollector()
    collector.visit(ast.parse(source, filename))
    return collector.found


def _is_environment(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _skip_folder(name: str, path: str) -> bool:
    return name.startswith(".") or name in SKIPPED_FOLDERS or name.endswith(".egg-info") or _is_environment(path)


def _module_names(files: Iterable[str], packages: Iterable[str]) -> set[str]:
    names = {name[: -len(".py")] for name in files if name.endswith(".py")}
    names.update(packages)
    return {name for name in names if name.isidentifier()}


def _why_unreadable(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        where = f"line {exc.lineno}: " if exc.lineno else ""
        return f"{where}{exc.msg or 'invalid syntax'}"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply to read"
    return str(exc) or type(exc).__name__


def scan_project(
    folder: str | os.PathLike[str],
    *,
    max_files: int = MAX_FILES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_folders: int = MAX_FOLDERS,
) -> CodeScan:
    """Read the imports of every ``.py`` file under ``folder`` (blocking disk work: a worker).

    Raises :class:`UserFacingError` when ``folder`` is not a readable folder, or is itself a
    virtual environment.
    """
    root = Path(folder)
    if not root.is_dir():
        raise UserFacingError(
            f"The folder {root} does not exist.", "Choose the folder your code is in.", reference="no-project-folder"
        )
    if _is_environment(str(root)):
        raise UserFacingError(
            f"{root} is a virtual environment, not a project: it holds no code of yours.",
            "Choose the folder your code is in.",
            reference="project-is-environment",
        )
    # Pass 1: which folders to read and the .py files in each (top-down, pruned, bounded).
    folders: list[tuple[str, list[str], list[str]]] = []  # (path, python files, subfolders walked)
    limited = False
    walk_errors: list[OSError] = []
    for current, subfolders, filenames in os.walk(root, onerror=walk_errors.append):
        subfolders[:] = sorted(
            name for name in subfolders if not _skip_folder(name, os.path.join(current, name))
        )
        folders.append((current, sorted(name for name in filenames if name.endswith(".py")), list(subfolders)))
        if len(folders) >= max_folders:
            limited = True
            break
    if walk_errors and not folders:
        error = walk_errors[0]
        raise UserFacingError(
            f"The folder {root} could not be read ({error.strerror or error}).",
            "Check that you may open it, or choose another folder.",
            reference="project-unreadable",
        )
    has_code = {path for path, files, _subfolders in folders if files}
    # A folder's modules: its .py files and the subfolders that hold code (packages, namespaces).
    local: dict[str, set[str]] = {}
    for path, files, subfolders in reversed(folders):  # children before parents
        packages = [name for name in subfolders if os.path.join(path, name) in has_code or local.get(os.path.join(path, name))]
        local[path] = _module_names(files, packages)
        if local[path]:
            has_code.add(path)
    root_text = str(root)
    own = set(local.get(root_text, set()))
    own.update(local.get(os.path.join(root_text, "src"), set()))
    if (root / "__init__.py").is_file() and root.name.isidentifier():
        own.add(root.name)  # the person opened a package folder itself

    # Pass 2: read each file's imports.
    imports: dict[str, list[ImportSite]] = {}
    skipped: list[SkippedFile] = []
    files_read = total = 0
    for path, files, _subfolders in folders:
        visible = own | local.get(path, set())  # a script imports the modules next to it
        for filename in files:
            if files_read >= max_files or total >= max_total_bytes:
                limited = True
                break
            full = os.path.join(path, filename)
            relative = os.path.relpath(full, root_text).replace(os.sep, "/")
            try:
                size = os.path.getsize(full)
                if size > max_file_bytes:
                    skipped.append(SkippedFile(relative, f"it is larger than {max_file_bytes // 1_000_000} MB"))
                    continue
                with open(full, "rb") as handle:
                    source = handle.read(max_file_bytes + 1)
            except OSError as exc:
                skipped.append(SkippedFile(relative, f"it could not be read ({exc.strerror or exc})"))
                continue
            files_read += 1
            total += len(source)
            try:
                found = _collect(source, relative)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                skipped.append(SkippedFile(relative, _why_unreadable(exc)))
                continue
            for name, line, optional, python2, fallback in found:
                if name.split(".")[0] in visible:
                    continue
                sites = imports.setdefault(name, [])
                if len(sites) < MAX_SITES_PER_MODULE:
                    sites.append(ImportSite(relative, line, optional, python2, fallback))
        else:
            continue
        break
    return CodeScan(
        root,
        {name: tuple(sites) for name, sites in sorted(imports.items())},
        frozenset(own),
        files_read,
        tuple(skipped),
        limited,
    )


# -- 2. asking the environment's Python ------------------------------------------------------------

_PROBE_MARKER = "@venvdesk-modules "

# Runs in the environment's Python, 2.7 and 3.x alike: no f-strings, no print function, nothing
# newer than 2.7's standard library.  argv: top-level names to look for (never imported).
_PROBE_SCRIPT = r"""
import sys, os, json
if sys.path and sys.path[0] in ('', '.'):
    del sys.path[0]
names = set(sys.builtin_module_names)
listed = getattr(sys, 'stdlib_module_names', None)
if listed:
    names.update(listed)
    source = 'list'
else:
    source = 'folder'
    here = os.path.dirname(os.path.realpath(os.__file__))
    base = getattr(sys, 'base_prefix', None) or getattr(sys, 'real_prefix', None) or sys.prefix
    for folder in (here, os.path.join(here, 'lib-dynload'), os.path.join(base, 'DLLs')):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry in ('site-packages', 'dist-packages'):
                continue
            path = os.path.join(folder, entry)
            if os.path.isdir(path):
                if os.path.exists(os.path.join(path, '__init__.py')) or os.path.exists(os.path.join(path, '__init__.pyc')):
                    names.add(entry)
            elif entry.endswith(('.py', '.pyc', '.so', '.pyd')):
                names.add(entry.split('.')[0])
try:
    from importlib.util import find_spec
except ImportError:
    find_spec = None
def findable(name):
    if find_spec is not None:
        try:
            return find_spec(name) is not None
        except Exception:
            return False
    import imp
    try:
        found = imp.find_module(name)
    except ImportError:
        return False
    if found[0] is not None:
        found[0].close()
    return True
found = [name for name in sys.argv[1:] if name not in names and findable(name)]
data = '\n' + '@venvdesk-modules ' + json.dumps({'version': list(sys.version_info[:3]), 'source': source,
                                                 'stdlib': sorted(names), 'found': found}) + '\n'
sys.stdout.write(data)
sys.stdout.flush()
"""


@dataclass(frozen=True)
class PythonModules:
    """What an environment's Python says about the modules it has."""

    version: tuple[int, ...]
    stdlib: frozenset[str]
    # Of the names asked about, those it can already import (installed by any means, or
    # from the base Python's site-packages when the environment includes them).
    findable: frozenset[str] = frozenset()
    complete_list: bool = True  # ``sys.stdlib_module_names`` (3.10+); else read from its stdlib folder

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version[:2])


def python_modules_command(python: str | os.PathLike[str], candidates: Sequence[str] = ()) -> Command:
    """``<python> -E -s -B -c <script> <name> ...``: its standard library, and which names it finds.

    Names must be plain top-level module names (never an option); ``InvalidInput`` otherwise.
    ``-E -s`` and dropping the current folder from ``sys.path`` keep the answer to the
    environment itself, on every Python from 2.7 on (``-I`` is 3.4+).
    """
    for name in candidates:
        if not name.isidentifier():
            raise InvalidInput(f"{name!r} is not a top-level module name.", reference="bad-module-name")
    names = tuple(candidates[:MAX_CANDIDATES])
    return Command(
        check_path_argument(python, "environment's Python"),
        ("-E", "-s", "-B", "-c", _PROBE_SCRIPT, *names),
        "Ask the environment's Python which modules it has",
        brief=("python", "-c", "<list the standard library, look for each module>", *names[:10]),
    )


def parse_python_modules(stdout: str) -> PythonModules:
    """The probe's answer; ``ValueError`` when its line is missing or unreadable."""
    for line in stdout.splitlines():
        at = line.find(_PROBE_MARKER)
        if at < 0:
            continue
        data = json.loads(line[at + len(_PROBE_MARKER) :])
        if not isinstance(data, dict):
            break
        version = data.get("version")
        stdlib = data.get("stdlib")
        found = data.get("found", [])
        if not (isinstance(version, list) and isinstance(stdlib, list) and isinstance(found, list)):
            break
        return PythonModules(
            tuple(int(part) for part in version if isinstance(part, int)),
            frozenset(name for name in stdlib if isinstance(name, str) and name.isidentifier()),
            frozenset(name for name in found if isinstance(name, str)),
            complete_list=data.get("source") == "list",
        )
    raise ValueError("the answer of the environment's Python was not in its output")


def ask_python(
    python: str | os.PathLike[str], candidates: Sequence[str] = (), *, timeout: float = PROBE_TIMEOUT_S
) -> PythonModules:
    """Run :func:`python_modules_command` to its end (blocking: call it from a worker).

    Raises :class:`UserFacingError` naming the cause when the Python cannot start, takes too
    long, fails, or answers something unreadable.
    """
    command = python_modules_command(python, [name for name in candidates if name.isidentifier()])
    hint = "Check that the environment still works (select it again), or re-create it."
    try:
        run = run_bounded(
            [command.program, *command.args], timeout, PROBE_OUTPUT_LIMIT, env=child_environment(), cwd=os.path.dirname(command.program)
        )
    except OSError as exc:
        raise UserFacingError(
            f"The environment's Python ({python}) could not be started ({exc.strerror or exc}).",
            hint,
            reference="probe-did-not-start",
        ) from exc
    stderr = run.stderr.decode("utf-8", errors="replace").strip()
    if run.timed_out:
        raise UserFacingError(
            f"The environment's Python ({python}) did not say which modules it has within {timeout:g} seconds.",
            hint,
            reference="probe-timed-out",
            detail=stderr[-2000:],
        )
    try:
        modules = parse_python_modules(run.stdout.decode("utf-8", errors="replace"))
    except ValueError as exc:
        ending = f"it ended with exit code {run.returncode}" if run.returncode else "its answer could not be read"
        raise UserFacingError(
            f"The environment's Python ({python}) could not say which modules it has: {ending}.",
            hint,
            reference="probe-failed",
            detail="\n".join(filter(None, [command.display_brief(), str(exc), stderr[-2000:]])),
        ) from exc
    return modules


# -- 3. what the installed distributions provide ------------------------------------------------


@dataclass(frozen=True)
class InstalledModules:
    """The modules installed distributions provide, read from their metadata."""

    # Module name (``yaml``; for a namespace, its portions: ``google.protobuf``) → distribution.
    regular: dict[str, str] = field(default_factory=dict)
    # Namespace folder (``google``) → the first distribution found with a portion in it.
    namespaces: dict[str, str] = field(default_factory=dict)
    # Canonical names of every installed distribution.
    distributions: frozenset[str] = frozenset()

    def provider_of(self, module: str) -> str:
        """The installed distribution that provides ``module`` (or a parent of it), or ""."""
        parts = module.split(".")
        for end in range(1, len(parts) + 1):
            found = self.regular.get(".".join(parts[:end]))
            if found:
                return found
        return self.namespaces.get(module, "")


def _is_code(filename: str) -> bool:
    return filename.endswith(_CODE_SUFFIXES)


def _record_modules(paths: Iterable[str], max_depth: int = 4) -> tuple[set[str], set[str]]:
    """(modules, namespace folders) from a RECORD's paths.

    A top-level ``x.py`` or package ``x/__init__.py`` is ``x``; inside a folder without
    ``__init__`` (a namespace: ``google/``) the portions are named (``google.protobuf``,
    ``google.cloud.storage``) and the folder (``google``, ``google.cloud``) is a namespace.
    """
    tree: list[tuple[str, ...]] = []
    for relative in paths:
        parts = tuple(part for part in relative.replace("\\", "/").split("/") if part not in ("", "."))
        if not parts or parts[0] == ".." or "__pycache__" in parts:
            continue
        if parts[0].endswith((".dist-info", ".egg-info", ".data", ".pth")):
            continue
        tree.append(parts)
    modules: set[str] = set()
    namespaces: set[str] = set()

    def walk(prefix: tuple[str, ...], inside: list[tuple[str, ...]]) -> None:
        size = len(prefix)
        children: dict[str, list[tuple[str, ...]]] = {}
        for path in inside:
            if len(path) == size + 1:
                if _is_code(path[size]):
                    modules.add(".".join([*prefix, path[size].split(".", 1)[0]]))
            else:
                children.setdefault(path[size], []).append(path)
        for name, below in children.items():
            if any(len(path) == size + 2 and path[size + 1].startswith("__init__.") and _is_code(path[size + 1]) for path in below):
                modules.add(".".join([*prefix, name]))
            elif size + 1 < max_depth:
                namespaces.add(".".join([*prefix, name]))
                walk((*prefix, name), below)

    walk((), tree)
    valid = {name for name in modules if all(part.isidentifier() for part in name.split("."))}
    return valid, {name for name in namespaces if all(part.isidentifier() for part in name.split("."))}


def installed_modules(site_packages: str | os.PathLike[str] | None) -> InstalledModules:
    """Which modules the distributions in ``site_packages`` provide (reads metadata only)."""
    regular: dict[str, str] = {}
    namespaces: dict[str, str] = {}
    distributions = set()
    for package in installed_packages(site_packages):
        distributions.add(package.key)
        folder = os.path.dirname(package.metadata_path)
        if not folder.endswith((".dist-info", ".egg-info")):
            continue
        found: set[str] = set()
        spaces: set[str] = set()
        if folder.endswith(".dist-info"):
            found, spaces = _record_modules(record_paths(folder))
        try:
            with open(os.path.join(folder, "top_level.txt"), encoding="utf-8", errors="replace") as handle:
                declared = {line.strip().replace("/", ".") for line in handle if line.strip()}
        except OSError:
            declared = set()
        found.update(name for name in declared if name.split(".")[0] not in spaces)
        for name in found:
            if all(part.isidentifier() for part in name.split(".")):
                regular.setdefault(name, package.name)
        for name in spaces:
            namespaces.setdefault(name, package.name)
    return InstalledModules(regular, namespaces, frozenset(distributions))


# -- 4. what is missing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NeededModule:
    """A module the code imports that is neither the standard library nor the project's own."""

    module: str  # ``cv2``; a namespace portion the table knows: ``google.protobuf``
    sites: tuple[ImportSite, ...]
    project: str = ""  # the package to install ("" when no package is known to provide it)
    alternatives: tuple[str, ...] = ()  # other packages that provide it, best first
    # False: no table entry and no index to check, so the module's own name is a guess.
    checked: bool = True
    installed_as: str = ""  # the installed distribution (or "found by Python") that provides it

    @property
    def installed(self) -> bool:
        return bool(self.installed_as)

    @property
    def optional(self) -> bool:
        """Every place imports it where the code is written to work without it."""
        return all(site.optional for site in self.sites)

    def where(self) -> str:
        """``app.py line 3``, ``app.py line 3 and 2 more places``."""
        if not self.sites:
            return "your code"
        more = len(self.sites) - 1
        return self.sites[0].describe() + (f" and {more} more place{'s' if more > 1 else ''}" if more else "")


@dataclass(frozen=True)
class MissingPackages:
    """The answer to "what does my code need?" for one project and one environment."""

    scan: CodeScan
    python: PythonModules
    needed: tuple[NeededModule, ...] = ()  # every third-party module imported, installed or not
    # Modules that belong to Python 2's standard library (imported outside a try: block).
    python2_only: tuple[NeededModule, ...] = ()
    # False when the index's full list of names was not at hand (module names taken as they are).
    index_complete: bool = True

    @property
    def missing(self) -> list[NeededModule]:
        """Not installed, and a package is known (or guessed) to provide it."""
        return [module for module in self.needed if not module.installed and module.project]

    @property
    def unknown(self) -> list[NeededModule]:
        """Not installed, and no package is known to provide it."""
        return [module for module in self.needed if not module.installed and not module.project]

    @property
    def present(self) -> list[NeededModule]:
        return [module for module in self.needed if module.installed]

    def projects(self) -> list[str]:
        """The packages to install, one each, in the order their modules are listed."""
        return [offer.project for offer in self._by_project.values()]

    def modules_for(self, project: str) -> list[NeededModule]:
        offer = self._by_project.get(canonical_name(project))
        return list(offer.modules) if offer is not None else []

    @cached_property
    def _by_project(self) -> dict[str, Offer]:
        """Canonical project name → the offer for it, in the order the modules are listed (one pass)."""
        grouped: dict[str, tuple[str, list[NeededModule]]] = {}
        for module in self.missing:
            grouped.setdefault(canonical_name(module.project), (module.project, []))[1].append(module)
        return {key: Offer(project, tuple(modules)) for key, (project, modules) in grouped.items()}

    def offers(self) -> list[Offer]:
        """One entry per package to install: those checked against the index (or the import-name
        table) first, then those whose name is only a guess; each in the order its modules are listed."""
        offers = list(self._by_project.values())
        return [offer for offer in offers if offer.checked] + [offer for offer in offers if not offer.checked]


@dataclass(frozen=True)
class Offer:
    """A package to install, and the imported modules that need it."""

    project: str
    modules: tuple[NeededModule, ...]

    @property
    def checked(self) -> bool:
        """The name was checked (the import-name table, the index's list): not a guess."""
        return all(module.checked for module in self.modules)

    @property
    def optional(self) -> bool:
        return all(module.optional for module in self.modules)

    @property
    def preselected(self) -> bool:
        """Ticked at first: only names that were checked (a guess may be no package at all)."""
        return self.checked

    def alternatives(self) -> list[str]:
        return list(dict.fromkeys(name for module in self.modules for name in module.alternatives))


# Namespace packages whose portions are separate projects (google-cloud-storage, azure-storage-blob,
# backports-zoneinfo, jaraco-text): the top-level name alone says nothing about the package.
KNOWN_NAMESPACES = frozenset(
    {"azure", "backports", "google", "jaraco", "mpl_toolkits", "opentelemetry", "ruamel", "sphinxcontrib", "zope"}
)


def _module_key(name: str, table: import_names.ImportNames, namespaces: Iterable[str] = ()) -> str:
    """The module an import is reported as: its top-level name, or for a namespace the portion
    imported (``google.protobuf``, ``google.cloud.storage``: at most three parts)."""
    parts = name.split(".")
    if len(parts) == 1:
        return name
    known = table.known_import(name)
    if known and "." in known and name.startswith(known):
        return known
    if parts[0] in KNOWN_NAMESPACES or parts[0] in namespaces:
        return ".".join(parts[:3])
    return parts[0]


def _choose(
    module: str,
    table: import_names.ImportNames,
    known_project: Callable[[str], str | None] | None,
    index_complete: bool,
) -> tuple[str, tuple[str, ...], bool]:
    """(package, alternatives, checked) for a module nothing installed provides."""
    known = table.known_import(module) or ""
    if "." in module and "." not in known:
        # A namespace portion the table does not know (``google.cloud.storage``): the table's
        # entry for the namespace alone (``google`` → protobuf) would be a wrong answer.  Such
        # packages are usually named after the portion: google-cloud-storage, backports-zoneinfo.
        parts = module.split(".")
        names = ["-".join(parts[:end]) for end in range(len(parts), 1, -1)]
        if known_project is not None:
            for name in names:
                spelling = known_project(name)
                if spelling:
                    return spelling, (), True
            if index_complete:
                return "", (), True
        return names[0], (), False
    providers = table.providers(module)
    if providers:
        if known_project is not None and index_complete:
            on_index = [spelling for spelling in (known_project(name) for name in providers) if spelling]
            providers = on_index or providers  # a mirror without them: the install will say so
        return providers[0], tuple(providers[1:]), True
    top = module.split(".")[0]
    spelling = known_project(top) if known_project is not None else None
    if spelling:
        stub = table.replacement(spelling)
        return (stub.successor, (spelling,), True) if stub else (spelling, (), True)
    if known_project is not None and index_complete:
        return "", (), True  # the index has no project of that name
    stub = table.replacement(top)
    return (stub.successor, (), True) if stub else (top, (), False)


def find_missing(
    scan: CodeScan,
    python: PythonModules,
    installed: InstalledModules,
    *,
    known_project: Callable[[str], str | None] | None = None,
    index_complete: bool = True,
    table: import_names.ImportNames | None = None,
) -> MissingPackages:
    """Which imported modules the environment lacks, and the package for each.

    ``known_project(name)`` gives the index's spelling of a project that exists (``None`` when
    it does not); ``index_complete`` says whether its ``None`` can be trusted (the full list of
    names) or only its answers (the popular projects shipped with the app).  Without it, a module
    the table does not know is taken as its own package name, unchecked.
    """
    table = table or import_names.table()
    python3 = python.version[:1] != (2,)
    grouped: dict[str, list[ImportSite]] = {}
    for name, sites in scan.imports.items():
        top = name.split(".")[0]
        if top in python.stdlib or top in scan.own_modules or top == "__main__":
            continue
        if python3:  # code under ``if sys.version_info < (3,):`` / ``if PY2:`` never runs here
            sites = tuple(site for site in sites if not site.python2)
            if not sites:
                continue
        grouped.setdefault(_module_key(name, table, installed.namespaces), []).extend(sites)
    needed: list[NeededModule] = []
    python2_only: list[NeededModule] = []
    for module, places in sorted(grouped.items(), key=lambda item: item[0].lower()):
        places.sort(key=lambda site: (site.optional, site.path, site.line))
        provider = installed.provider_of(module)
        if not provider and "." not in module and module in python.findable:
            provider = "found by the environment's Python"
        if not provider:
            provider = next(
                (name for name in table.providers(module) if canonical_name(name) in installed.distributions), ""
            )
        entry = NeededModule(module, tuple(places[:MAX_SITES_PER_MODULE]), installed_as=provider)
        if not provider and module in PYTHON2_STDLIB and python3:
            if not all(site.optional or site.fallback for site in entry.sites):
                python2_only.append(entry)
            continue  # a fallback for Python 2 (inside try:, or in its except ImportError:) is what it should be
        if not provider:
            project, alternatives, checked = _choose(module, table, known_project, index_complete)
            entry = NeededModule(module, entry.sites, project, alternatives, checked)
        needed.append(entry)
    return MissingPackages(
        scan, python, tuple(needed), tuple(python2_only), index_complete=known_project is not None and index_complete
    )


def check_project(
    folder: str | os.PathLike[str],
    python: str | os.PathLike[str],
    site_packages: str | os.PathLike[str] | None,
    *,
    known_project: Callable[[str], str | None] | None = None,
    index_complete: bool = True,
) -> MissingPackages:
    """All four steps for ``folder`` and an environment (blocking: call it from a worker)."""
    scan = scan_project(folder)
    modules = ask_python(python, scan.top_level_names())
    installed = installed_modules(site_packages)
    result = find_missing(scan, modules, installed, known_project=known_project, index_complete=index_complete)
    return result


# -- saying it ------------------------------------------------------------------------------------


def join_words(words: Sequence[str], limit: int = 8) -> str:
    """``a``, ``a and b``, ``a, b and c``; past ``limit``: ``a, b, … and 5 more``."""
    items = list(words)
    if len(items) > limit:
        shown = items[: limit - 1]
        return ", ".join(shown) + f" and {len(items) - len(shown):,} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Modules named one sentence each in :func:`describe`; the rest are counted in one more sentence.
MAX_MODULE_SENTENCES = 3


def describe(result: MissingPackages) -> str:
    """The answer in a sentence or two.

    ``Your code imports cv2 and requests; this environment lacks opencv-python and requests.``,
    ``Everything your code imports is installed in this environment.``, and for a module no
    package is known to provide: ``No package is known to provide `foo` (imported in app.py line 3).``
    """
    sentences = []
    missing = result.missing
    if missing:
        sentences.append(
            f"Your code imports {join_words([module.module for module in missing])};"
            f" this environment lacks {join_words(result.projects())}."
        )
    unknown = result.unknown
    for module in unknown[:MAX_MODULE_SENTENCES]:
        sentences.append(f"No package is known to provide `{module.module}` (imported in {module.where()}).")
    if len(unknown) > MAX_MODULE_SENTENCES:
        rest = [f"`{module.module}`" for module in unknown[MAX_MODULE_SENTENCES:]]
        sentences.append(f"Nor is one known for {len(rest):,} more modules your code imports: {join_words(rest)}.")
    python2 = result.python2_only
    for module in python2[:MAX_MODULE_SENTENCES]:
        sentences.append(
            f"`{module.module}` (imported in {module.where()}) is part of Python 2, not of Python"
            f" {result.python.version_text}: that code was written for Python 2."
        )
    if len(python2) > MAX_MODULE_SENTENCES:
        rest = [f"`{module.module}`" for module in python2[MAX_MODULE_SENTENCES:]]
        sentences.append(f"{len(rest):,} more modules of Python 2 are imported too: {join_words(rest)}.")
    if not sentences:
        if not result.scan.files and not result.scan.skipped:
            return f"There are no Python files in {result.scan.folder}."
        return "Everything your code imports is installed in this environment."
    return " ".join(sentences)


def notes(result: MissingPackages) -> list[str]:
    """What else the person should know about how the answer was reached (one sentence each)."""
    found = []
    scan = result.scan
    if scan.skipped:
        first = scan.skipped[0]
        others = len(scan.skipped) - 1
        found.append(
            f"{len(scan.skipped)} Python file{'s' if len(scan.skipped) > 1 else ''} could not be read and"
            f" {'were' if len(scan.skipped) > 1 else 'was'} skipped: {first.path} ({first.reason})"
            + (f" and {others} more." if others else ".")
            + (" Code written for Python 2 cannot be read this way." if any("print" in s.reason for s in scan.skipped) else "")
        )
    if scan.limited:
        found.append(
            f"Only the first {scan.files} Python files were read: the folder holds more than Venvdesk reads at once."
        )
    guessed = [module.module for module in result.missing if not module.checked]
    if guessed:
        one = len(guessed) == 1
        found.append(
            "The package index's list of names is not loaded, so the package for "
            + join_words(guessed)
            + f" is taken from the module's name, not checked; {'it is' if one else 'those are'} not ticked,"
            " because a module of that name may be your own or come from a package with another name."
            " Tick the ones you know, or open Find packages (it loads the list) and look again."
        )
    optional = [module.module for module in result.missing if module.optional]
    if optional:
        found.append(
            f"Your code is written to work without {join_words(optional)} (imported inside a try: block)."
        )
    return found


@dataclass(frozen=True)
class Summary:
    """Everything the missing-packages dialog shows, worked out before it is built (in a worker:
    a folder can import thousands of modules)."""

    sentence: str
    notes: tuple[str, ...]
    offers: tuple[Offer, ...]  # the packages listed, at most MAX_OFFERS_SHOWN
    not_shown: tuple[Offer, ...] = ()  # the rest, said in one sentence

    def more_sentence(self) -> str:
        """``2,000 more packages are not listed …``; "" when every one is listed."""
        if not self.not_shown:
            return ""
        count = len(self.not_shown)
        names = join_words([offer.project for offer in self.not_shown])
        text = (
            f"{count:,} more package{'s are' if count != 1 else ' is'} not listed here and not installed by this"
            f" button: {names}."
        )
        if count + len(self.offers) > 100:
            text += " That many usually means the folder holds more than one project's code."
        return text + " Install the ones your code needs by name in the Install box."


# Packages listed in the dialog, one row each; the rest are named in one sentence.
MAX_OFFERS_SHOWN = 20


def summarize(result: MissingPackages, limit: int = MAX_OFFERS_SHOWN) -> Summary:
    """The sentence, the notes and the packages to list (linear in the number of modules)."""
    offers = result.offers()
    return Summary(describe(result), tuple(notes(result)), tuple(offers[:limit]), tuple(offers[limit:]))


# -- requirements.txt -----------------------------------------------------------------------------

REQUIREMENTS_FILE = "requirements.txt"
MAX_REQUIREMENTS_BYTES = 1_000_000
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EGG_NAME = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_names(text: str) -> set[str]:
    """Canonical names of the projects a requirements file's lines name (options and comments left out)."""
    names = set()
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        egg = _EGG_NAME.search(stripped)
        if egg:
            names.add(canonical_name(egg.group(1)))
            continue
        if stripped.startswith("-") or "://" in stripped.split("#", 1)[0].split("@", 1)[0]:
            continue
        match = _REQUIREMENT_NAME.match(stripped)
        if match:
            names.add(canonical_name(match.group(1).rstrip("._-")))
    return names


def add_to_requirements(path: str | os.PathLike[str], projects: Sequence[str]) -> list[str]:
    """Append each of ``projects`` not already named in the file at ``path`` (created if missing).

    Written atomically; what the file held stays as it was (its line endings too).  Returns
    the lines added (``[]`` when every project was already there: the file is not touched).
    Raises :class:`UserFacingError` when the file cannot be read or written.
    """
    target = Path(path)
    hint = f"Add these lines to it yourself: {', '.join(projects)}."
    try:
        data = target.read_bytes() if target.exists() else b""
    except OSError as exc:
        raise UserFacingError(
            f"{target} could not be read ({exc.strerror or exc}), so nothing was added to it.", hint, reference="requirements-unreadable"
        ) from exc
    if len(data) > MAX_REQUIREMENTS_BYTES:
        raise UserFacingError(
            f"{target} is larger than {MAX_REQUIREMENTS_BYTES // 1_000_000} MB, which is not a requirements file"
            " Venvdesk changes.",
            hint,
            reference="requirements-too-big",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserFacingError(
            f"{target} is not UTF-8 text, so Venvdesk did not change it.", hint, reference="requirements-not-utf8"
        ) from exc
    present = requirement_names(text)
    added: list[str] = []
    for project in projects:
        key = canonical_name(project)
        if key and key not in present:
            present.add(key)
            added.append(project)
    if not added:
        return []
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith(("\n", "\r")):
        text += newline
    text += newline.join(added) + newline
    try:
        storage.write_text_atomic(target, text)
    except OSError as exc:
        raise UserFacingError(
            f"{target} could not be written ({exc.strerror or exc}).", hint, reference="requirements-unwritable"
        ) from exc
    return added
