"""After an install: can the packages the person asked for be imported in the environment?

pip can install a release that no longer works on the environment's Python (``requests 2.6.0``
installs "done" on Python 3.12, then ``import requests`` fails with ``AttributeError: module
'collections' has no attribute 'MutableMapping'``).  This module says which top-level modules a
distribution installed (from its metadata, no process), builds the one command that imports them
in the environment's own Python, and reads that command's output back.  The GUI runs the command
through its runner with a time limit; nothing here starts a process.

The script that runs in the environment must work on every Python an environment can have, from
2.7 on: no f-strings, no ``print`` function without its import, nothing newer than 2.7's stdlib.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.commands import Command, check_path_argument
from core.errors import InvalidInput
from core.names import canonical_name
from core.packages import installed_packages, record_paths

# How long the imports may take in all: the script reports the module it was importing and stops
# after this long; the runner's own limit should be a few seconds longer (a hang inside C code
# can keep the script's watchdog from running at all).
IMPORT_CHECK_TIMEOUT_S = 20

# At most this many modules are imported per distribution (a flat namespace can hold hundreds).
MAX_MODULES_PER_DISTRIBUTION = 20

# Each result line starts with this marker, so lines a module prints while it is imported are
# told apart from results.  A line that only says a module's import started carries the other.
RESULT_MARKER = "@venvdesk-import-check "
START_MARKER = "@venvdesk-import-start "

_CODE_SUFFIXES = (".py", ".so", ".pyd")
# Top-level names that are usually shipped by accident next to the real package; importing them
# checks nothing and can fail for reasons of their own (a ``tests`` package importing pytest).
_INCIDENTAL = frozenset(
    {"test", "tests", "testing", "doc", "docs", "example", "examples", "benchmark", "benchmarks", "setup", "conftest"}
)
_MODULE_NAME = re.compile(r"^[^\W\d]\w*(\.[^\W\d]\w*)*$")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")

# Runs in the environment's Python (2.7 and 3.x): argv is [timeout_s, module, ...].  Everything a
# module prints on import goes to stderr (file descriptor 1 is pointed at 2), so stdout holds only
# the script's own lines; each is written in one call, on a line of its own.
_SCRIPT = r"""
import sys
if sys.path and sys.path[0] in ('', '.'):
    del sys.path[0]
import json, os, threading, traceback
_out = os.dup(1)
os.dup2(2, 1)
try:
    _null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(_null, 0)
except OSError:
    pass
RESULT = '@venvdesk-import-check '
START = '@venvdesk-import-start '
def _text(value):
    try:
        text = str(value)
    except Exception:
        try:
            text = repr(value)
        except Exception:
            text = '?'
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    return text
def _write(line):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    data = '\n' + line + '\n'
    if not isinstance(data, bytes):
        data = data.encode('utf-8', 'replace')
    os.write(_out, data)
def _result(module, ok, error_type, error, tail):
    _write(RESULT + json.dumps({'module': module, 'ok': ok, 'error_type': error_type,
                                'error': error, 'traceback_tail': tail}))
_current = [None]
def _timeout():
    if _current[0] is not None:
        _result(_current[0], False, 'Timeout',
                'importing it took longer than %s seconds' % sys.argv[1], '')
    os._exit(3)
try:
    _limit = float(sys.argv[1])
except ValueError:
    _limit = 20.0
_timer = threading.Timer(_limit, _timeout)
_timer.daemon = True
_timer.start()
import importlib
for _name in sys.argv[2:]:
    _current[0] = _name
    _write(START + _name)
    try:
        importlib.import_module(_name)
    except BaseException:
        _type, _value, _tb = sys.exc_info()
        while _tb is not None and (_tb.tb_frame.f_code.co_filename == '<string>'
                                   or 'importlib' in _tb.tb_frame.f_code.co_filename):
            _tb = _tb.tb_next
        _lines = ''.join(traceback.format_exception(_type, _value, _tb)).rstrip().splitlines()
        _result(_name, False, _text(getattr(_type, '__name__', _type)), _text(_value),
                _text('\n'.join(_lines[-8:]))[-2000:])
        _type = _value = _tb = None
    else:
        _result(_name, True, '', '', '')
    _current[0] = None
_timer.cancel()
for _stream in (sys.stdout, sys.stderr):
    try:
        _stream.flush()
    except Exception:
        pass
os._exit(0)
"""


@dataclass(frozen=True)
class ImportResult:
    module: str
    ok: bool
    error_type: str = ""  # "AttributeError", ...; "Timeout" when the script gave up waiting
    error: str = ""  # the exception's message
    traceback_tail: str = ""  # the last lines of the traceback (innermost frames, the error)
    # False when the import started but no result came (the process crashed, or was killed
    # when its time was up): ``ok`` is False too.
    finished: bool = True

    def describe(self) -> str:
        """One line for a person: ``import requests: AttributeError: module 'collections' ...``."""
        if self.ok:
            return f"import {self.module}: fine"
        if not self.finished:
            return f"import {self.module} did not finish (the check stopped while importing it)"
        if self.error_type == "Timeout":
            return f"import {self.module} did not finish: {self.error}"
        cause = f"{self.error_type}: {self.error}" if self.error else self.error_type
        return f"import {self.module} failed: {cause}"


def is_module_name(name: str) -> bool:
    """A dotted name of identifiers (``yaml``, ``google.protobuf``): safe as an argument, importable."""
    return bool(_MODULE_NAME.match(name)) and all(part.isidentifier() for part in name.split("."))


# -- which modules a distribution installed ------------------------------------------------------


def _metadata_folders(site_packages: str | os.PathLike[str]) -> dict[str, tuple[str, str]]:
    """Normalised distribution name → (its name as installed, its ``.dist-info`` / ``.egg-info`` folder).

    The folder is "" for a single-file egg-info (no ``top_level.txt``, no ``RECORD``).
    """
    folders = {}
    for package in installed_packages(site_packages):
        folder = os.path.dirname(package.metadata_path)
        if not folder.endswith((".dist-info", ".egg-info")):
            folder = ""
        folders[package.key] = (package.name, folder)
    return folders


def _read_top_level(folder: str) -> list[str]:
    try:
        with open(os.path.join(folder, "top_level.txt"), encoding="utf-8", errors="replace") as handle:
            names = [line.strip().replace("/", ".").replace("\\", ".") for line in handle]
    except OSError:
        return []
    return [name for name in names if name]


def _module_of_file(filename: str) -> str:
    """``six.py`` → ``six``; ``_cffi_backend.cpython-312-x86_64-linux-gnu.so`` → ``_cffi_backend``."""
    if filename.endswith(".py"):
        return filename[: -len(".py")]
    if filename.endswith((".so", ".pyd")):
        return filename.split(".", 1)[0]
    return ""


def _is_package_init(filename: str) -> bool:
    return filename.startswith("__init__.") and filename.endswith(_CODE_SUFFIXES)


def _portions(prefix: tuple[str, ...], files: list[tuple[str, ...]], depth: int = 0) -> list[str]:
    """The importable names under a namespace folder ``prefix``: its regular packages and modules.

    Importing only the namespace (``google``) would check nothing; its portions
    (``google.protobuf``) are what the distribution really installed.
    """
    size = len(prefix)
    inside = [path for path in files if path[:size] == prefix and len(path) > size]
    if any(len(path) == size + 1 and _is_package_init(path[size]) for path in inside):
        return [".".join(prefix)]
    if depth >= 4:
        return []
    found = []
    subfolders = sorted({path[size] for path in inside if len(path) > size + 1})
    for path in inside:
        if len(path) == size + 1:
            module = _module_of_file(path[size])
            if module and module != "__init__":
                found.append(".".join((*prefix, module)))
    for folder in subfolders:
        found.extend(_portions((*prefix, folder), inside, depth + 1))
    return sorted(set(found))


def _record_modules(paths: Iterable[str]) -> dict[str, list[str]]:
    """From RECORD's paths: top-level name → the names to import for it.

    A module or regular package maps to itself; a namespace folder (code inside, no
    ``__init__``) to its portions.  Scripts (``../../bin``), metadata, ``.data`` folders,
    ``__pycache__`` and ``.pth`` files are not modules.
    """
    modules: dict[str, list[str]] = {}
    folders: dict[str, list[tuple[str, ...]]] = {}
    for raw in paths:
        parts = tuple(raw.replace("\\", "/").split("/"))
        if not parts or not parts[0] or ".." in parts or raw.startswith("/"):
            continue
        top = parts[0]
        if top.endswith((".dist-info", ".egg-info", ".data")) or top == "__pycache__" or "__pycache__" in parts:
            continue
        if len(parts) == 1:
            module = _module_of_file(top)
            if module:
                modules[module] = [module]
        elif parts[-1].endswith(_CODE_SUFFIXES):
            folders.setdefault(top, []).append(parts)
    for top, files in folders.items():
        if top in modules:
            continue
        if any(len(path) == 2 and _is_package_init(path[1]) for path in files):
            modules[top] = [top]
        else:
            modules[top] = _portions((top,), files)
    return modules


def _chosen(names: Iterable[str]) -> list[str]:
    """Valid, public where there is a choice, without accidental extras; sorted, bounded."""
    valid = sorted({name for name in names if is_module_name(name) and not name.split(".")[0].startswith("__")})
    public = [name for name in valid if not any(part.startswith("_") for part in name.split("."))]
    chosen = public or valid
    essential = [name for name in chosen if name.split(".")[0] not in _INCIDENTAL]
    return (essential or chosen)[:MAX_MODULES_PER_DISTRIBUTION]


def _modules_in_folder(folder: str) -> list[str]:
    if not folder:
        return []
    declared = _read_top_level(folder)
    recorded = _record_modules(record_paths(folder)) if folder.endswith(".dist-info") else {}
    if not declared:
        return _chosen(name for names in recorded.values() for name in names)
    if not recorded:
        return _chosen(declared)
    names: list[str] = []
    for name in declared:
        top = name.split(".")[0]
        if top not in recorded:
            continue  # named but not installed (a stale top_level.txt): nothing to import
        if name == top:
            names.extend(recorded[top])
        else:
            names.append(name)
    return _chosen(names)


def top_level_modules(site_packages: str | os.PathLike[str], distribution_name: str) -> list[str]:
    """The modules the installed distribution ``distribution_name`` provides, to import.

    From its ``top_level.txt`` when it has one (kept to what its RECORD installed), else from
    its RECORD: top-level ``x.py``, packages ``x/__init__.py``, extension modules
    (``x.cpython-312-x86_64-linux-gnu.so``, ``x.pyd``), and for a namespace folder the
    packages inside it (``google.protobuf``).  Private ``_x`` names only when there is nothing
    public; ``tests``-like extras only when there is nothing else.  ``[]`` when it is not
    installed or declares no module (then there is nothing to check).  Reads metadata only.
    """
    _name, folder = _metadata_folders(site_packages).get(canonical_name(distribution_name), ("", ""))
    return _modules_in_folder(folder)


def requirement_name(text: str) -> str:
    """The project name at the start of a name or requirement (``requests[socks]==2.6`` → ``requests``)."""
    match = _REQUIREMENT_NAME.match(text)
    return match.group(1).rstrip("._-") if match else ""


def modules_to_check(site_packages: str | os.PathLike[str], requested_names: Iterable[str]) -> dict[str, list[str]]:
    """For each distribution asked for (names or requirement strings), the modules to import.

    Keyed by the name as the installed metadata spells it, in the order asked.  Distributions
    that are not installed, or that declare no module, are left out: nothing to check there.
    """
    folders = _metadata_folders(site_packages)
    found: dict[str, list[str]] = {}
    for text in requested_names:
        name, folder = folders.get(canonical_name(requirement_name(text)), ("", ""))
        modules = _modules_in_folder(folder)
        if modules:
            found.setdefault(name, modules)
    return found


# -- the command and its output --------------------------------------------------------------


def import_check_command(
    python: str | os.PathLike[str], modules: Sequence[str], timeout_s: float = IMPORT_CHECK_TIMEOUT_S
) -> Command:
    """``<python> -E -s -B -c <script> <timeout_s> <module> ...``: import each module in turn.

    One result line per module (see :func:`parse_import_results`).  ``-E -s`` and dropping the
    current folder from ``sys.path`` keep the check to the environment itself on every Python
    (``-I`` is 3.4+); ``-B`` writes no ``__pycache__`` into it.  After ``timeout_s`` seconds the
    script reports the module it is stuck on and stops.  Module names must be dotted
    identifiers (never an option); ``InvalidInput`` otherwise.
    """
    if not modules:
        raise InvalidInput("There is no module to import.", reference="no-modules")
    for module in modules:
        if not is_module_name(module):
            raise InvalidInput(f"{module!r} is not a module name.", reference="bad-module-name")
    if not timeout_s > 0:
        raise InvalidInput("The time limit must be more than zero.", reference="bad-timeout")
    shown = ", ".join(modules[:5]) + (f" and {len(modules) - 5} more" if len(modules) > 5 else "")
    return Command(
        check_path_argument(python, "environment's Python"),
        ("-E", "-s", "-B", "-c", _SCRIPT, f"{float(timeout_s):g}", *modules),
        f"Check that {shown} can be imported",
        brief=("python", "-c", "<import each module, report each result>", *modules),
    )


def parse_import_results(stdout: str) -> list[ImportResult]:
    """The results in the check's output, in the order the modules were imported.

    Lines that are not the script's (anything a module printed, if it reached stdout) are
    skipped, wherever the marker sits in the line.  A module whose import started but whose
    result never came (a crash, a kill at the time limit) is reported as not ``finished``.
    """
    results: dict[str, ImportResult] = {}
    order: list[str] = []
    for line in stdout.splitlines():
        at = line.find(RESULT_MARKER)
        if at >= 0:
            result = _parse_result(line[at + len(RESULT_MARKER) :])
            if result is not None:
                if result.module not in results:
                    order.append(result.module)
                results[result.module] = result
            continue
        at = line.find(START_MARKER)
        if at >= 0:
            module = line[at + len(START_MARKER) :].strip()
            if is_module_name(module) and module not in results:
                order.append(module)
                results[module] = ImportResult(
                    module,
                    ok=False,
                    error="the check stopped while importing it",
                    finished=False,
                )
    return [results[module] for module in order]


def _parse_result(text: str) -> ImportResult | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, Mapping):
        return None
    module = data.get("module")
    ok = data.get("ok")
    if not isinstance(module, str) or not isinstance(ok, bool):
        return None

    def field(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    return ImportResult(module, ok, field("error_type"), field("error"), field("traceback_tail"))


def failures_by_distribution(
    modules: Mapping[str, Sequence[str]], results: Iterable[ImportResult]
) -> dict[str, list[ImportResult]]:
    """The failed imports grouped under the distribution that installed each module."""
    owner = {module: distribution for distribution, names in modules.items() for module in names}
    failed: dict[str, list[ImportResult]] = {}
    for result in results:
        if not result.ok and result.module in owner:
            failed.setdefault(owner[result.module], []).append(result)
    return failed
