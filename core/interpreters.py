"""Find the Python interpreters on this computer and tell whether each can make a venv.

Two steps, kept apart so each stays cheap and testable:

* :func:`candidate_paths` looks at file names only (PATH, the usual install
  folders, pyenv, uv, asdf, Homebrew, python.org, the Windows launcher and
  registry).  It never runs anything it finds.  Shell-script shims, ``-config``
  helpers, virtual environments' interpreters and second spellings of the same
  binary are dropped here.
* :func:`probe_interpreter` runs one interpreter with a tiny script that works
  on Python 2.7 and 3.x and reads the JSON it prints.  The answer is turned
  into a plain-language verdict (``can_create_venv``, ``problem``, ``fix``).

Probe answers are cached in ``interpreters.json`` under the app's cache
folder, keyed by the interpreter's real path.  An entry is trusted only while
the binary's size and modification time *and* its standard library folder's
modification time are unchanged, so installing ``python3.X-venv`` (which adds
``ensurepip`` without touching the binary) is noticed on the next refresh.
Answers for a virtual environment's python or a wrapper script browsed to by
hand are not cached: they share the binary of their base interpreter but
answer differently.

A probe runs in its own session (process group), reads at most
``MAX_PROBE_OUTPUT`` bytes of each output stream, and is killed with
everything it started when it overruns that or ``PROBE_TIMEOUT``.  A probe
that failed after running (no answer, an error exit, a hang, a flood of
output) is remembered by path, size and modification time for
``FAILED_PROBE_TTL``, so a bad interpreter on PATH does not cost every
discovery its timeout; changing the file, or ``use_cache=False``, tries again.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import storage
from core.errors import UserFacingError
from core.processes import run_bounded

CACHE_VERSION = 1
PROBE_TIMEOUT = 10.0
# The probe prints well under 1 KB; more than this on one stream is not a Python answering.
MAX_PROBE_OUTPUT = 64 * 1024
# How long a failed probe is remembered (while the file is unchanged).
FAILED_PROBE_TTL = 24 * 3600.0
_PROBE_MARKER = "VENVDESK-PROBE:"

# Runs on Python 2.7 and every Python 3.  It removes the current folder from
# sys.path before importing anything (the ``-E -s`` fallback used for Python 2
# has no ``-I``), only *locates* venv/ensurepip instead of importing them, and
# prints one marked line so that noise from a sitecustomize cannot confuse us.
PROBE_SCRIPT = r"""
import sys
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
import json, os, platform, struct

def found(name):
    try:
        import importlib.util
        return importlib.util.find_spec(name) is not None
    except ImportError:
        pass
    except Exception:
        return False
    try:
        import imp
        handle = imp.find_module(name)
        if handle[0] is not None:
            handle[0].close()
        return True
    except Exception:
        return False

info = {
    "version_info": list(sys.version_info[:5]),
    "implementation": platform.python_implementation(),
    "machine": platform.machine(),
    "bits": struct.calcsize("P") * 8,
    "has_venv": found("venv"),
    "has_ensurepip": found("ensurepip"),
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),
    "stdlib": os.path.dirname(os.__file__),
}
sys.stdout.write("VENVDESK-PROBE:" + json.dumps(info) + "\n")
sys.stdout.flush()
"""

# python, python3, python3.12, python3.13t (free-threaded); not python3-config,
# python3.12-gdb.py, python3.6m (a second name for the 3.6 binary).
_POSIX_NAME = re.compile(r"python(?:3(?:\.\d+t?)?)?")
_WINDOWS_NAME = re.compile(r"python(?:3(?:\.\d+t?)?)?\.exe", re.IGNORECASE)

_cache_lock = threading.Lock()

# What the probe script prints (JSON), and one interpreters.json entry: that plus a fingerprint.
_ProbeInfo = dict[str, Any]
_CacheEntry = dict[str, Any]

if TYPE_CHECKING:
    if sys.platform == "win32":
        import winreg

        _RegistryKey = winreg.HKEYType | int
    else:
        _RegistryKey = object  # there is no registry to read elsewhere


@dataclass(frozen=True)
class Interpreter:
    """One Python found on this computer, and whether it can create a virtual environment."""

    path: str
    real_path: str
    version: tuple[int, ...]
    implementation: str
    architecture: str
    can_create_venv: bool
    supports_upgrade_deps: bool
    problem: str = ""
    fix: str = ""
    bits: str = ""  # "64-bit"; architecture alone can mislead (32-bit Python on 64-bit Windows)
    release_level: str = "final"  # "alpha", "beta", "candidate" or "final"
    is_virtual_environment: bool = False  # only when a venv's python was browsed to directly
    detail: str = ""  # technical detail for a "Details" expander (command, exit code, stderr)

    @property
    def version_text(self) -> str:
        text = ".".join(str(part) for part in self.version)
        suffix = {"alpha": "a", "beta": "b", "candidate": "rc"}.get(self.release_level)
        return text + suffix if (text and suffix) else text

    @property
    def label(self) -> str:
        if not self.version:
            return f"Unknown Python \N{EM DASH} {self.path}"
        name = f"Python {self.version_text}"
        if self.implementation and self.implementation != "CPython":
            name += f" ({self.implementation})"
        return f"{name} \N{EM DASH} {self.path}"

    def as_error(self) -> UserFacingError | None:
        """The reason this interpreter cannot create a venv, as an error value (``None`` if it can)."""
        if self.can_create_venv:
            return None
        return UserFacingError(
            message=self.problem,
            hint=self.fix,
            reference="interpreter-cannot-create-venv",
            detail=self.detail or f"Interpreter: {self.path} (real path {self.real_path})",
        )


# --------------------------------------------------------------------------- discovery


def interpreter_cache_path() -> Path:
    return storage.cache_dir() / "interpreters.json"


def candidate_paths() -> list[str]:
    """Paths of base Python interpreters, PATH first, one spelling per binary; nothing is run."""
    seen_real: set[str] = set()
    seen_inode: set[tuple[int, int]] = set()
    found: list[str] = []

    def consider(path: str) -> None:
        accepted = _accept_candidate(path, seen_real, seen_inode)
        if accepted is not None:
            found.append(accepted)

    for folder in _unique_dirs(_search_dirs()):
        for path in _python_files_in(folder):
            consider(path)
    if sys.platform == "win32":
        for path in _windows_launcher_paths() + _windows_registry_paths():
            consider(path)
    return found


def _search_dirs() -> list[str]:
    """Folders to scan, in order of preference: PATH first, then well-known install places."""
    home = os.path.expanduser("~")
    dirs = [entry.strip('"') for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    if sys.platform == "win32":
        # The WindowsApps "python.exe" aliases are Store stubs or redirects; a real
        # Store install is listed by the launcher and the registry instead.
        dirs = [d for d in dirs if "windowsapps" not in d.lower()]
        pyenv_root = os.environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv", "pyenv-win")
        dirs += sorted(glob.glob(os.path.join(pyenv_root, "versions", "*")))
        appdata = os.environ.get("APPDATA") or os.path.join(home, "AppData", "Roaming")
        uv_dir = os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(
            appdata, "uv", "data", "python"
        )
        dirs += sorted(glob.glob(os.path.join(uv_dir, "*")))
        return dirs

    dirs += ["/usr/local/bin", "/usr/bin"]
    if sys.platform == "darwin":
        dirs += ["/opt/homebrew/bin"]
        dirs += sorted(glob.glob("/opt/homebrew/opt/python@*/bin"))
        dirs += sorted(glob.glob("/usr/local/opt/python@*/bin"))
        dirs += sorted(glob.glob("/Library/Frameworks/Python.framework/Versions/*/bin"))
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv")
    dirs += sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin")))
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    uv_dir = os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(data_home, "uv", "python")
    dirs += sorted(glob.glob(os.path.join(uv_dir, "*", "bin")))
    asdf_root = os.environ.get("ASDF_DATA_DIR") or os.path.join(home, ".asdf")
    dirs += sorted(glob.glob(os.path.join(asdf_root, "installs", "python", "*", "bin")))
    return dirs


def _unique_dirs(dirs: list[str]) -> list[str]:
    """Drop repeated folders (also /bin when it is a link to /usr/bin), keeping the first."""
    seen: set[str] = set()
    unique = []
    for folder in dirs:
        folder = os.path.expanduser(folder)
        if not os.path.isabs(folder):
            continue  # a relative PATH entry depends on the current folder: ignore it
        key = os.path.normcase(os.path.realpath(folder))
        if key not in seen:
            seen.add(key)
            unique.append(folder)
    return unique


def _python_files_in(folder: str) -> list[str]:
    """Names that look like interpreters, shortest first (python3 before python3.12).

    Only names are read (no stat per entry), so a big folder such as /usr/bin is cheap.
    """
    pattern = _WINDOWS_NAME if sys.platform == "win32" else _POSIX_NAME
    try:
        names = [entry.name for entry in os.scandir(folder) if pattern.fullmatch(entry.name)]
    except OSError:
        return []
    names.sort(key=lambda name: (len(name), name))
    return [os.path.join(folder, name) for name in names]


def _accept_candidate(
    path: str, seen_real: set[str], seen_inode: set[tuple[int, int]]
) -> str | None:
    """Return ``path`` if it is a new base interpreter, else ``None``; records it as seen."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if sys.platform != "win32" and not os.access(path, os.X_OK):
        return None
    real = os.path.realpath(path)
    real_key = os.path.normcase(real)
    inode = (st.st_dev, st.st_ino)
    if real_key in seen_real or (st.st_ino and inode in seen_inode):
        return None  # another spelling (symlink or hard link) of a binary already listed
    if _is_in_shims_dir(path) or _is_in_shims_dir(real):
        return None
    if (
        _is_script(real)
        or _is_virtual_environment_python(path)
        or _is_virtual_environment_python(real)
    ):
        return None
    if (
        sys.platform == "darwin"
        and real == "/usr/bin/python3"
        and not _macos_developer_tools_python()
    ):
        return None  # running the stub would pop up the "install developer tools" dialog
    # Recorded only once accepted: a venv's python that links to /usr/bin/python3.11
    # must not hide /usr/bin/python3 found later.
    seen_real.add(real_key)
    seen_inode.add(inode)
    return path


def _is_in_shims_dir(path: str) -> bool:
    return "shims" in Path(path).parent.parts


def _is_script(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"#!"
    except OSError:
        return False


def _is_virtual_environment_python(path: str) -> bool:
    """True for ``<env>/bin/python`` or ``<env>\\Scripts\\python.exe`` next to a ``pyvenv.cfg``."""
    return os.path.isfile(os.path.join(os.path.dirname(os.path.dirname(path)), "pyvenv.cfg"))


def _macos_developer_tools_python() -> bool:
    if os.path.exists("/Library/Developer/CommandLineTools/usr/bin/python3"):
        return True
    return bool(glob.glob("/Applications/Xcode*.app/Contents/Developer/usr/bin/python3"))


def _windows_launcher_paths() -> list[str]:
    """Interpreters listed by ``py -0p`` (the Windows launcher), in its order."""
    launcher = shutil.which("py")
    if launcher is None:
        return []
    try:
        completed = subprocess.run(
            [launcher, "-0p"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=5,
            env=_probe_environment(),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.SubprocessError):
        return []
    text = completed.stdout.decode("utf-8", errors="replace")
    return _parse_py_launcher_list(text)


def _parse_py_launcher_list(text: str) -> list[str]:
    """Paths from ``py -0p`` output, old (`` -3.9-64  C:\\...``) and new (`` -V:3.12 *  C:\\...``)."""
    paths = []
    for line in text.splitlines():
        match = re.search(r"([A-Za-z]:\\.*|\\\\.*)$", line.strip())
        if match:
            paths.append(match.group(1).strip())
    return paths


def _windows_registry_paths() -> list[str]:
    """PEP 514: ``Software\\Python\\<Company>\\<Tag>\\InstallPath`` in HKCU and HKLM (64 and 32-bit views)."""
    if sys.platform != "win32":
        return []
    import winreg

    views = [
        (winreg.HKEY_CURRENT_USER, 0),
        (winreg.HKEY_LOCAL_MACHINE, winreg.KEY_WOW64_64KEY),
        (winreg.HKEY_LOCAL_MACHINE, winreg.KEY_WOW64_32KEY),
    ]
    paths: list[str] = []
    for hive, view in views:
        try:
            root = winreg.OpenKey(hive, r"Software\Python", 0, winreg.KEY_READ | view)
        except OSError:
            continue
        with root:
            for company in _registry_subkeys(root):
                if company == "PyLauncher":  # reserved by PEP 514, not an interpreter
                    continue
                try:
                    company_key = winreg.OpenKey(root, company, 0, winreg.KEY_READ | view)
                except OSError:
                    continue
                with company_key:
                    for tag in _registry_subkeys(company_key):
                        path = _registry_executable(company_key, tag + r"\InstallPath", view)
                        if path:
                            paths.append(path)
    return paths


def _registry_subkeys(key: _RegistryKey) -> list[str]:
    if sys.platform != "win32":
        return []
    import winreg

    names = []
    index = 0
    while True:
        try:
            names.append(winreg.EnumKey(key, index))
        except OSError:
            return names
        index += 1


def _registry_executable(parent: _RegistryKey, subkey: str, view: int) -> str:
    if sys.platform != "win32":
        return ""
    import winreg

    try:
        install = winreg.OpenKey(parent, subkey, 0, winreg.KEY_READ | view)
    except OSError:
        return ""
    with install:
        try:
            executable, _ = winreg.QueryValueEx(install, "ExecutablePath")
            if executable:
                return str(executable)
        except OSError:
            pass
        try:
            folder, _ = winreg.QueryValueEx(install, "")
        except OSError:
            return ""
    return os.path.join(str(folder), "python.exe") if folder else ""


# --------------------------------------------------------------------------- probing


def probe_interpreter(
    path: str, *, use_cache: bool = True, timeout: float = PROBE_TIMEOUT
) -> Interpreter:
    """Run ``path`` once (or reuse the cached answer) and say whether it can create a venv.

    Never raises for a bad path: a file that is missing, not a program, or not
    Python comes back with ``can_create_venv=False`` and a ``problem``.
    """
    path = os.path.abspath(os.path.expanduser(path))
    cache = _load_cache() if use_cache else _Cache()
    outcome = _probe_with_cache(path, cache, timeout)
    if use_cache:
        _save_cache([outcome])
    return outcome.interpreter


def find_interpreters(*, use_cache: bool = True) -> list[Interpreter]:
    """Discover and probe every interpreter; usable first, newest first, then by path."""
    paths = candidate_paths()
    cache = _load_cache() if use_cache else _Cache()
    results: dict[str, _Outcome] = {}
    misses = []
    for path in paths:
        cached = _from_cache(path, cache.entries) or _from_failure_cache(path, cache.failures)
        if cached is not None:
            results[path] = _Outcome(path, cached)
        else:
            misses.append(path)
    if misses:
        with ThreadPoolExecutor(max_workers=min(8, len(misses))) as pool:
            for path, outcome in zip(
                misses, pool.map(lambda p: _probe_with_cache(p, _Cache(), PROBE_TIMEOUT), misses)
            ):
                results[path] = outcome
    if use_cache:
        _save_cache(list(results.values()))
    return sort_interpreters([results[path].interpreter for path in paths])


def sort_interpreters(interpreters: list[Interpreter]) -> list[Interpreter]:
    """Usable first, then newest version, unknown versions last, then by path."""
    return sorted(
        interpreters,
        key=lambda i: (not i.can_create_venv, not i.version, [-part for part in i.version], i.path),
    )


@dataclass
class _Cache:
    """``interpreters.json``: answers by real path, and failed probes by path."""

    entries: dict[str, _CacheEntry] = field(default_factory=dict)
    failures: dict[str, _CacheEntry] = field(default_factory=dict)


@dataclass(frozen=True)
class _Outcome:
    """One probe's interpreter, and what to record: a new answer (by real path) or a failure (by path)."""

    path: str
    interpreter: Interpreter
    entry: _CacheEntry | None = None
    failure: _CacheEntry | None = None
    probed: bool = False


def _probe_with_cache(path: str, cache: _Cache, timeout: float) -> _Outcome:
    """The interpreter from the cache, or from running it (then with what to record about it)."""
    real = os.path.realpath(path)
    # The cache is keyed by the binary, but a venv's python (a link to its base
    # binary) and a wrapper script answer differently from the binary itself.
    cacheable = not (_is_virtual_environment_python(path) or _is_script(real))
    cached = _from_cache(path, cache.entries) if cacheable else None
    if cached is None:
        cached = _from_failure_cache(path, cache.failures)
    if cached is not None:
        return _Outcome(path, cached)
    info, failure, detail, ran = _run_probe(path, timeout)
    if info is None:
        record = _failure_record(path, real, failure, detail) if ran else None
        return _Outcome(path, _failed(path, real, failure, detail), failure=record, probed=True)
    interpreter = _from_probe_info(path, real, info)
    if not cacheable:
        return _Outcome(path, interpreter, probed=True)
    fingerprint = _fingerprint(real, info.get("stdlib", ""))
    entry = dict(fingerprint, info=info) if fingerprint is not None else None
    return _Outcome(path, interpreter, entry=entry, probed=True)


def _run_probe(path: str, timeout: float) -> tuple[_ProbeInfo | None, str, str, bool]:
    """``(info, "", detail, True)`` on success, ``(None, short_reason, detail, ran)`` on failure.

    ``ran`` tells that the program started (so the failure is its answer, worth remembering).
    """
    attempts = (["-I"], ["-E", "-s"])  # Python 2.7 has no -I and exits with code 2
    failure, detail = "", ""
    for flags in attempts:
        command = [path, *flags, "-c", PROBE_SCRIPT]
        shown = f"{path} {' '.join(flags)} -c <probe script>"
        try:
            run = run_bounded(command, timeout, MAX_PROBE_OUTPUT, env=_probe_environment())
        except FileNotFoundError:
            return None, "the file does not exist.", f"Command: {shown}", False
        except PermissionError:
            return None, "it is not allowed to run (permission denied).", f"Command: {shown}", False
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return (
                None,
                f"it is not a program this computer can run ({reason}).",
                f"Command: {shown}",
                False,
            )
        stderr = run.stderr.decode("utf-8", errors="replace")
        if run.overflowed:
            detail = f"Command: {shown}\nStopped after {MAX_PROBE_OUTPUT:,} bytes of output\n{_tail(stderr)}"
            return (
                None,
                f"it wrote more than {MAX_PROBE_OUTPUT // 1024} KB instead of a short answer"
                " (is it really a Python interpreter?).",
                detail.rstrip(),
                True,
            )
        if run.timed_out:
            detail = f"Command: {shown}\n{_tail(stderr)}"
            return None, f"it did not answer within {timeout:g} seconds.", detail.rstrip(), True
        stdout = run.stdout.decode("utf-8", errors="replace")
        detail = f"Command: {shown}\nExit code: {run.returncode}\n{_tail(stderr)}".rstrip()
        info = _parse_probe_output(stdout)
        if info is not None:
            return info, "", detail, True
        if run.returncode == 0:
            failure = "it gave no answer (is it really a Python interpreter?)."
        else:
            failure = f"it stopped with exit code {run.returncode}."
        if run.returncode != 2:
            break
    return None, failure, detail, True


def _parse_probe_output(stdout: str) -> _ProbeInfo | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(_PROBE_MARKER):
            try:
                info = json.loads(line[len(_PROBE_MARKER) :])
            except json.JSONDecodeError:
                return None
            return info if _valid_info(info) else None
    return None


def _valid_info(info: object) -> bool:
    if not isinstance(info, dict):
        return False
    version = info.get("version_info")
    return (
        isinstance(version, list)
        and len(version) >= 3
        and all(isinstance(part, int) for part in version[:3])
    )


def _tail(text: str, lines: int = 5) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _probe_environment() -> dict[str, str]:
    """The person's environment, minus what would make a Python start as some other Python."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__"):
        env.pop(name, None)
    if getattr(sys, "frozen", False):
        # A bundled app (PyInstaller) points LD_LIBRARY_PATH at its own libraries.
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        env.pop("LD_LIBRARY_PATH", None)
        if original:
            env["LD_LIBRARY_PATH"] = original
    return env


def _failed(path: str, real: str, reason: str, detail: str) -> Interpreter:
    return Interpreter(
        path=path,
        real_path=real,
        version=(),
        implementation="",
        architecture="",
        can_create_venv=False,
        supports_upgrade_deps=False,
        problem=f"This Python did not start: {reason}",
        fix="Choose another Python, or reinstall this one.",
        detail=detail,
    )


def _from_probe_info(path: str, real: str, info: _ProbeInfo) -> Interpreter:
    version_info = info["version_info"]
    version = tuple(int(part) for part in version_info[:3])
    release_level = str(version_info[3]) if len(version_info) > 3 else "final"
    can_create, problem, fix = _assess(version, info, real)
    bits = info.get("bits")
    prefix, base_prefix = info.get("prefix"), info.get("base_prefix")
    return Interpreter(
        path=path,
        real_path=real,
        version=version,
        implementation=str(info.get("implementation") or ""),
        architecture=str(info.get("machine") or ""),
        can_create_venv=can_create,
        supports_upgrade_deps=can_create and version >= (3, 9),
        problem=problem,
        fix=fix,
        bits=f"{bits}-bit" if isinstance(bits, int) else "",
        release_level=release_level,
        is_virtual_environment=bool(prefix and base_prefix and prefix != base_prefix),
    )


def _assess(version: tuple[int, ...], info: _ProbeInfo, real_path: str) -> tuple[bool, str, str]:
    """``(can_create_venv, problem, fix)`` from what the probe reported."""
    shown = ".".join(str(part) for part in version[:2])
    if version < (3,):
        return (
            False,
            f"Python {shown} cannot create virtual environments: it has no venv module.",
            "Choose Python 3.9 or newer.",
        )
    if version < (3, 4):
        return (
            False,
            f"Python {shown} is too old to create virtual environments with pip in them.",
            "Choose Python 3.9 or newer.",
        )
    has_venv, has_ensurepip = bool(info.get("has_venv")), bool(info.get("has_ensurepip"))
    if has_venv and has_ensurepip:
        return True, "", ""
    if _is_debian_system_python(real_path, str(info.get("prefix") or "")):
        return (
            False,
            "This Python is missing the venv support package that Debian/Ubuntu ship separately.",
            f"sudo apt install python3.{version[1]}-venv",
        )
    if not has_venv:
        return (
            False,
            "This Python has no venv module, so it cannot create virtual environments.",
            "Install the venv support for this Python, or choose a complete Python 3.9 or newer "
            "(for example from python.org).",
        )
    return (
        False,
        "This Python has no ensurepip module, so new environments would have no pip.",
        "Install the venv/ensurepip support for this Python, or choose a complete Python 3.9 "
        "or newer (for example from python.org).",
    )


def _is_debian_system_python(real_path: str, prefix: str) -> bool:
    if sys.platform != "linux" or not _is_debian_family():
        return False
    return prefix == "/usr" or real_path.startswith("/usr/bin/")


@lru_cache(maxsize=1)
def _is_debian_family() -> bool:
    return os.path.exists("/etc/debian_version") or os.path.isdir("/usr/lib/python3/dist-packages")


# --------------------------------------------------------------------------- cache


def _fingerprint(real: str, stdlib: str) -> dict[str, object] | None:
    """What must stay the same for a cached answer to hold: the binary and its stdlib folder."""
    try:
        st = os.stat(real)
        stdlib_mtime = os.stat(stdlib).st_mtime_ns if stdlib else 0
    except OSError:
        return None
    return {
        "mtime_ns": st.st_mtime_ns,
        "size": st.st_size,
        "stdlib": stdlib,
        "stdlib_mtime_ns": stdlib_mtime,
    }


def _from_cache(path: str, entries: dict[str, _CacheEntry]) -> Interpreter | None:
    if not entries:
        return None
    real = os.path.realpath(path)
    entry = entries.get(real)
    if not isinstance(entry, dict) or not _valid_info(entry.get("info")):
        return None
    current = _fingerprint(real, entry.get("stdlib", ""))
    if current is None or any(entry.get(key) != value for key, value in current.items()):
        return None
    try:
        return _from_probe_info(path, real, entry["info"])
    except (TypeError, ValueError, KeyError):
        return None


def _file_fingerprint(path: str) -> dict[str, object] | None:
    """The file ``path`` runs (links followed): where it is, its size and modification time."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return {"real": os.path.realpath(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _failure_record(path: str, real: str, reason: str, detail: str) -> _CacheEntry | None:
    fingerprint = _file_fingerprint(path)
    if fingerprint is None:
        return None
    return dict(fingerprint, time=time.time(), reason=reason, detail=detail)


def _failure_is_current(path: str, record: object, now: float) -> bool:
    if not isinstance(record, dict):
        return False
    recorded = record.get("time")
    if not isinstance(recorded, (int, float)) or not (now - FAILED_PROBE_TTL < recorded <= now + 60):
        return False
    current = _file_fingerprint(path)
    return current is not None and all(record.get(key) == value for key, value in current.items())


def _from_failure_cache(path: str, failures: dict[str, _CacheEntry]) -> Interpreter | None:
    """The remembered failure of ``path``, while the file is unchanged and the memory is fresh."""
    record = failures.get(path) if failures else None
    if record is None or not _failure_is_current(path, record, time.time()):
        return None
    reason, detail = record.get("reason"), record.get("detail")
    if not isinstance(reason, str) or not isinstance(detail, str):
        return None
    remembered = (
        f"{detail}\n(Remembered from a check at {time.strftime('%Y-%m-%d %H:%M', time.localtime(record['time']))};"
        " it is checked again when the file changes.)"
    )
    return _failed(path, os.path.realpath(path), reason, remembered)


def _load_cache() -> _Cache:
    try:
        loaded = storage.load_versioned_json(interpreter_cache_path(), version=CACHE_VERSION)
    except OSError:
        return _Cache()
    data = loaded.data or {}
    entries, failures = data.get("entries"), data.get("failures")
    return _Cache(
        entries if isinstance(entries, dict) else {},
        failures if isinstance(failures, dict) else {},
    )


def _load_cache_entries() -> dict[str, _CacheEntry]:
    return _load_cache().entries


def _save_cache(outcomes: list[_Outcome]) -> None:
    """Merge what ``outcomes`` learnt into the cache file; entries for deleted files are dropped."""
    new_entries = {
        os.path.realpath(outcome.path): outcome.entry for outcome in outcomes if outcome.entry is not None
    }
    new_failures = {outcome.path: outcome.failure for outcome in outcomes if outcome.failure is not None}
    # A probe that ran and did not fail clears what was remembered about that path.
    cleared = {outcome.path for outcome in outcomes if outcome.probed and outcome.failure is None}
    if not (new_entries or new_failures or cleared):
        return
    with _cache_lock:
        cache = _load_cache()
        now = time.time()
        entries = {
            real: entry
            for real, entry in cache.entries.items()
            if real not in new_entries and os.path.exists(real)
        }
        entries.update(new_entries)
        failures = {
            path: record
            for path, record in cache.failures.items()
            if path not in new_failures and path not in cleared and _failure_is_current(path, record, now)
        }
        failures.update(new_failures)
        # The cache only saves time: a read-only cache folder is not an error.
        with contextlib.suppress(OSError):
            storage.write_json_atomic(
                interpreter_cache_path(),
                {"version": CACHE_VERSION, "entries": entries, "failures": failures},
            )


def how_to_get_python(platform: str = sys.platform) -> str:
    """What to do when no usable Python was found, for the person's OS (one or two sentences)."""
    if platform == "win32":
        return (
            "Install Python from https://www.python.org/downloads/ (tick “Add python.exe to PATH” in the"
            " installer), then restart Venvdesk."
        )
    if platform == "darwin":
        return (
            "Install Python from https://www.python.org/downloads/macos/, or with Homebrew:"
            " brew install python. Then restart Venvdesk."
        )
    if os.path.exists("/etc/debian_version"):
        return "Install it with: sudo apt install python3 python3-venv — then restart Venvdesk."
    if os.path.exists("/etc/fedora-release") or os.path.exists("/etc/redhat-release"):
        return "Install it with: sudo dnf install python3 — then restart Venvdesk."
    if os.path.exists("/etc/arch-release"):
        return "Install it with: sudo pacman -S python — then restart Venvdesk."
    return "Install Python 3 with your system's package manager or from https://www.python.org/downloads/, then restart Venvdesk."
