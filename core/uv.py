"""uv, the optional second installer: where its program is, its version, what it can serve.

uv is found in the app's own environment first (the ``uv`` package from PyPI, installed as
Venvdesk's optional extra, knows where its program is: ``uv.find_uv_bin()``), then on ``PATH``.
Nothing here starts uv except :func:`uv_version`, which blocks (call it from a worker).

uv reads none of pip's configuration, so :func:`pip_settings` resolves what pip would use
(the index, extra indexes, find-links, trusted hosts, certificates, the proxy, a constraints
file, the timeout) the way pip does — the app's own setting first, then ``PIP_*`` variables,
then pip's configuration files — and the uv backend passes it to uv explicitly.
"""

from __future__ import annotations

import configparser
import functools
import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from core import pypi

# uv inspects an interpreter with ``python -I``, which Python 2 does not have: "uv does not work
# with Python versions prior to 3.6" (uv's Python support policy).  Tried here with uv 0.13.9:
# 2.7 is refused ("Python executable does not support `-I` flag"), 3.6 and 3.7 install,
# uninstall, freeze and check.
OLDEST_PYTHON = (3, 6)
# ``uv pip freeze --exclude`` (leaving pip out, as ``pip freeze`` does) exists since uv 0.9.27.
FREEZE_EXCLUDE_SINCE = (0, 9, 27)
# ``--native-tls`` / ``UV_NATIVE_TLS`` became ``--system-certs`` / ``UV_SYSTEM_CERTS`` (the old
# names still work, with a warning) in uv 0.13.
SYSTEM_CERTS_SINCE = (0, 13)

_VERSION = re.compile(r"^uv (\d+(?:\.\d+)*)")


def find_uv(env: Mapping[str, str] | None = None) -> str:
    """The uv program to run: the ``uv`` package's own (Venvdesk's extra), else :func:`uv_outside` ("": none).

    A few ``stat`` calls: cheap enough for the UI thread.
    """
    import importlib

    try:
        package = importlib.import_module("uv")
    except ImportError:
        pass
    else:
        try:
            found = str(package.find_uv_bin())
        except (OSError, ValueError):  # the package is there, its program is not (a broken install)
            found = ""
        if found and os.access(found, os.X_OK):
            return found
    return uv_outside(os.environ if env is None else env)


def uv_outside(env: Mapping[str, str]) -> str:
    """``uv`` on ``PATH``, else where uv's own installer puts it ("": none).

    A Venvdesk started from the desktop menu often has a shorter ``PATH`` than a terminal (no
    ``~/.local/bin``), so a uv the person installed as uv's documentation says would not be seen:
    its installer's folders are looked in too (``$XDG_BIN_HOME``, ``$XDG_DATA_HOME/../bin``,
    ``~/.local/bin``; ``~/.cargo/bin`` of older installers).
    """
    on_path = shutil.which("uv", path=env.get("PATH"))
    if on_path:
        return on_path
    home = env.get("USERPROFILE" if os.name == "nt" else "HOME", "")
    folders = [env.get("XDG_BIN_HOME", "")]
    if env.get("XDG_DATA_HOME"):
        folders.append(os.path.join(env["XDG_DATA_HOME"], os.pardir, "bin"))
    if home:
        folders += [os.path.join(home, ".local", "bin"), os.path.join(home, ".cargo", "bin")]
    name = "uv.exe" if os.name == "nt" else "uv"
    for folder in folders:
        candidate = os.path.join(folder, name) if folder else ""
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.normpath(candidate)
    return ""


def how_to_get_uv() -> str:
    """How the person gets uv, for a sentence after "uv is not installed: ".

    A bundled Venvdesk (``sys.frozen``) has no extras to install: uv has to be installed on its own.
    """
    if getattr(sys, "frozen", False):
        return "install uv as docs.astral.sh/uv describes (Venvdesk looks on the PATH and where uv's installer puts it)"
    return "install it into the environment Venvdesk runs from (pip install uv: Venvdesk's “uv” extra), or put uv on the PATH"


def uv_version(program: str, timeout: float = 10.0) -> str:
    """``0.13.9`` from ``uv --version`` ("" when it does not run or says something else). Blocks."""
    from core.commands import child_environment
    from core.processes import run_bounded

    try:
        run = run_bounded([program, "--version"], timeout, 4096, env=child_environment())
    except OSError:
        return ""
    if run.returncode != 0:
        return ""
    match = _VERSION.match(run.stdout.decode("utf-8", "replace").strip())
    return match.group(1) if match else ""


def version_numbers(version: str) -> tuple[int, ...]:
    """``"0.9.27"`` → ``(0, 9, 27)`` (``()`` when unknown)."""
    numbers = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group(0)))
    return tuple(numbers)


def python_unsupported(python_version: tuple[int, ...]) -> str:
    """Why uv cannot serve an environment of this Python, in a sentence ("" when it can)."""
    if not python_version:
        return "The Python version of this environment is not known, so uv cannot be used for it; pip is used."
    if python_version[:2] < OLDEST_PYTHON:
        version = ".".join(map(str, python_version[:2]))
        oldest = ".".join(map(str, OLDEST_PYTHON))
        return f"uv does not support Python {version} (it needs {oldest} or newer); pip is used for this environment."
    return ""


# -------------------------------------------------------------------------- pip's settings


@dataclass(frozen=True)
class PipSettings:
    """What pip would use to find and fetch packages, for an installer that does not read pip's settings."""

    index_url: str = pypi.PYPI_SIMPLE_URL
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    cert: str = ""  # a CA bundle file ("" = the system's certificates)
    client_cert: str = ""
    proxy: str = ""
    constraints: tuple[str, ...] = ()
    timeout: str = ""  # seconds, as written
    no_index: bool = False


# pip's option → its configuration keys (long option names) and environment variables.
_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "extra_index_urls": (("extra-index-url",), ("PIP_EXTRA_INDEX_URL",)),
    "find_links": (("find-links",), ("PIP_FIND_LINKS",)),
    "trusted_hosts": (("trusted-host",), ("PIP_TRUSTED_HOST",)),
    "cert": (("cert",), ("PIP_CERT",)),
    "client_cert": (("client-cert",), ("PIP_CLIENT_CERT",)),
    "proxy": (("proxy",), ("PIP_PROXY",)),
    "constraints": (("constraint", "constraints"), ("PIP_CONSTRAINT",)),
    "timeout": (("timeout", "default-timeout"), ("PIP_TIMEOUT", "PIP_DEFAULT_TIMEOUT")),
    "no_index": (("no-index",), ("PIP_NO_INDEX",)),
}
_MANY = frozenset({"extra_index_urls", "find_links", "trusted_hosts", "constraints"})
_FileState = tuple[str, Optional[tuple[int, int, int]]]


def _file_state(path: Path) -> _FileState:
    try:
        status = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), (status.st_mtime_ns, status.st_size, status.st_ino))


@functools.lru_cache(maxsize=16)
def _values_in_config_files(files: tuple[_FileState, ...]) -> dict[str, str]:
    """Each option's value in pip's configuration files (an ``[install]`` value beats any
    ``[global]`` one; within a section, later files win), parsed once per state of the files."""
    found: dict[str, dict[str, str]] = {"global": {}, "install": {}}
    for path, state in files:
        if state is None:
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error, UnicodeDecodeError):
            continue  # pip skips an unreadable file the same way
        for section, values in found.items():
            if not parser.has_section(section):
                continue
            for option, (keys, _variables) in _OPTIONS.items():
                for key in keys:
                    for spelling in (key, key.replace("-", "_")):
                        if parser.has_option(section, spelling):
                            values[option] = parser.get(section, spelling).strip()
    return {**found["global"], **found["install"]}


def pip_settings(app_index: str = "", app_proxy: str = "", env: Mapping[str, str] | None = None) -> PipSettings:
    """What pip would use here: the app's settings, then ``PIP_*`` variables, then pip's files.

    Cheap to call often: the files are looked at (``stat``) and parsed again only when changed.
    """
    variables: Mapping[str, str] = os.environ if env is None else env
    files = tuple(_file_state(path) for path in pypi.pip_config_files(variables))
    from_files = _values_in_config_files(files)
    raw: dict[str, str] = {}
    for option, (_keys, names) in _OPTIONS.items():
        from_environment = next((variables[name] for name in names if variables.get(name)), None)
        value = from_environment if from_environment is not None else from_files.get(option, "")
        if value:
            raw[option] = value
    proxy = app_proxy or raw.get("proxy", "")
    return PipSettings(
        index_url=pypi.configured_index_url(app_index, variables),
        extra_index_urls=tuple(raw.get("extra_index_urls", "").split()),
        find_links=tuple(raw.get("find_links", "").split()),
        trusted_hosts=tuple(raw.get("trusted_hosts", "").split()),
        cert=raw.get("cert", ""),
        client_cert=raw.get("client_cert", ""),
        proxy=proxy,
        constraints=tuple(raw.get("constraints", "").split()),
        timeout=raw.get("timeout", ""),
        no_index=raw.get("no_index", "").lower() in ("1", "true", "yes", "on"),
    )
