"""A local index of deliberately failing packages: each way an install goes wrong, for real.

Every project here makes a real pip fail (or succeed with a problem) in one known way, so
the failure classifier (``core.explain``) is tested on pip's own words, and GUI tests can
show each explanation and press its fix:

=====================  ====================================================================
``requests``           2.32.3 is fine (so "reqeusts" has a well-known close name); 2.6.0
                       installs but cannot be imported (``from collections import
                       MutableMapping``, gone since Python 3.10)
``oldonly``            every release needs ``Requires-Python <3.8``
``fitsold``            1.0 needs ``>=3.8``, 2.0 needs ``>=3.99``: an older release fits
``conflict-x``,        ``conflict-x`` needs ``lib<2``, ``other-y`` needs ``lib>=2``
``other-y``, ``lib``   (``lib`` 1.0 and 2.0)
``winonly``            one wheel, ``cp39-cp39-win_amd64``, no source
``yankedonly``         its one release is yanked
``needsghost``         needs ``ghostlib``, which the index does not have
``needspq``            1.0 is a ready-made wheel; 2.0 is only a source archive whose C
                       extension includes ``<libpq-fe.h>`` first (gcc: "fatal error:
                       libpq-fe.h: No such file or directory")
``fastint``            1.0 is only a source archive whose C extension includes
                       ``longintrepr.h`` (gone from Python 3.11's headers); 2.0 is a wheel
=====================  ====================================================================

Building the source archives needs setuptools from the index (pip's build isolation fetches
it): :func:`setuptools_wheel` finds one in this machine's wheel mirror (pip's
``find-links`` / ``file://`` index settings), or returns ``None`` so tests can skip.
"""

from __future__ import annotations

import configparser
import os
import random
import re
import sys
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from venvdesk_testing.index import build_index
from venvdesk_testing.wheels import PackageSpec, build_sdist, build_wheel

__all__ = [
    "BUILD_FAILURES",
    "FAILING_PACKAGES",
    "IMPORT_FAILURE",
    "build_failing_index",
    "build_failing_sdists",
    "build_large_wheel",
    "setuptools_wheel",
    "setuptools_wheels",
]

# requests 2.6.0 as it behaves on Python >= 3.10: installed "done", then the import fails.
IMPORT_FAILURE = ("requests", "2.6.0")

FAILING_PACKAGES: tuple[PackageSpec, ...] = (
    PackageSpec("requests", "2.32.3", summary="Python HTTP for Humans."),
    PackageSpec(
        "requests",
        "2.6.0",
        summary="Python HTTP for Humans (2015).",
        modules={
            "requests/__init__.py": (
                "from collections import MutableMapping  # removed in Python 3.10\n"
                '__version__ = "2.6.0"\n'
            )
        },
    ),
    PackageSpec("oldonly", "1.0", requires_python="<3.8", summary="Only for old Pythons."),
    PackageSpec("oldonly", "1.1", requires_python="<3.8", summary="Only for old Pythons."),
    PackageSpec("fitsold", "1.0", requires_python=">=3.8", summary="Fits today's Pythons."),
    PackageSpec("fitsold", "2.0", requires_python=">=3.99", summary="Needs a Python from the future."),
    PackageSpec("lib", "1.0", summary="A library in its first edition."),
    PackageSpec("lib", "2.0", summary="A library in its second edition."),
    PackageSpec("conflict-x", "1.0", requires=("lib<2",), summary="Needs lib 1."),
    PackageSpec("other-y", "1.0", requires=("lib>=2",), summary="Needs lib 2."),
    PackageSpec("winonly", "1.0", tag="cp39-cp39-win_amd64", summary="Only for Windows."),
    PackageSpec("yankedonly", "1.0", yanked="Broken build", summary="Withdrawn."),
    PackageSpec("needsghost", "1.0", requires=("ghostlib>=1",), summary="Needs a missing project."),
    PackageSpec("needspq", "1.0", summary="PostgreSQL helpers (ready-made wheel)."),
    PackageSpec("fastint", "2.0", summary="Fast integers (ready-made wheel)."),
)

_SETUP_PY = """\
from setuptools import Extension, setup

setup(
    name={name!r},
    version={version!r},
    packages=[{package!r}],
    ext_modules=[Extension({package!r} + "._speedups", ["src/speedups.c"])],
)
"""

_MODULE_C = """\
#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, NULL};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
"""

# (name, version, what the C file includes before the module): source archives that fail to build.
BUILD_FAILURES: tuple[tuple[str, str, str], ...] = (
    # A system library's header, included first: the compiler stops at it.
    ("needspq", "2.0", "#include <libpq-fe.h>\n"),
    # A CPython header that Python 3.11 moved to cpython/: an old release no longer builds.
    ("fastint", "1.0", '#include <Python.h>\n#include "longintrepr.h"\n'),
)


def build_failing_sdists(folder: Path) -> list[Path]:
    """Write the source archives of :data:`BUILD_FAILURES` into *folder*; returns their paths."""
    archives = []
    for name, version, includes in BUILD_FAILURES:
        archives.append(
            build_sdist(
                folder,
                name,
                version,
                {
                    "setup.py": _SETUP_PY.format(name=name, version=version, package=name),
                    f"{name}/__init__.py": f'__version__ = "{version}"\n',
                    "src/speedups.c": includes + _MODULE_C,
                },
                summary=f"{name} with a C extension.",
            )
        )
    return archives


def build_large_wheel(folder: Path, size: int = 2 << 20, name: str = "bigdata") -> Path:
    """A wheel with one incompressible file of *size* bytes (to fill a small disk)."""
    noise = random.Random(0).randbytes(size)
    # The file is binary; build_wheel writes text, so it gets a placeholder replaced below.
    path = build_wheel(
        folder,
        name,
        "1.0",
        modules={f"{name}/__init__.py": "", f"{name}/blob.bin": "-"},
        summary="Large.",
    )
    _replace_member(path, f"{name}/blob.bin", noise)
    return path


def _replace_member(wheel: Path, member: str, data: bytes) -> None:
    """Rewrite one file of a wheel (and its RECORD line)."""
    from venvdesk_testing.wheels import record_hash

    with zipfile.ZipFile(wheel) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    rewritten = []
    for info, content in entries:
        if info.filename == member:
            content = data
        elif info.filename.endswith(".dist-info/RECORD"):
            lines = []
            for line in content.decode("utf-8").splitlines():
                if line.startswith(member + ","):
                    line = f"{member},{record_hash(data)},{len(data)}"
                lines.append(line)
            content = ("\n".join(lines) + "\n").encode("utf-8")
        rewritten.append((info, content))
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, content in rewritten:
            archive.writestr(info, content)


def build_failing_index(
    folder: Path,
    extra_wheels: Iterable[Path] = (),
    *,
    with_sdists: bool = True,
    packages: Sequence[PackageSpec] = FAILING_PACKAGES,
) -> Path:
    """An index folder with every failing package (see the module's table) plus *extra_wheels*.

    *extra_wheels* are typically pip's own wheels and :func:`setuptools_wheel` (which the
    source archives need to build).  Returns *folder*.
    """
    folder = Path(folder)
    sdists = build_failing_sdists(folder / "sdists") if with_sdists else []
    return build_index(folder, packages, extra_wheels=extra_wheels, sdists=sdists)


# --------------------------------------------------------------------------- setuptools


def _pip_config_values(env: Mapping[str, str]) -> list[str]:
    """``find-links`` / ``index-url`` / ``extra-index-url`` values from pip's settings on this machine.

    Read directly from the files and variables (the hermetic pip the tests run ignores them).
    """
    files = [Path("/etc/pip.conf")]
    xdg_dirs = env.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files += [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d]
    files += [Path.home() / ".pip" / "pip.conf", Path.home() / ".config" / "pip" / "pip.conf"]
    config_file = env.get("PIP_CONFIG_FILE")
    if config_file and config_file != os.devnull:
        files.append(Path(config_file))
    values: list[str] = []
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error, UnicodeDecodeError):
            continue
        for section in parser.sections():
            for key in ("find-links", "find_links", "index-url", "extra-index-url"):
                if parser.has_option(section, key):
                    values += parser.get(section, key).split()
    for variable in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        values += env.get(variable, "").split()
    return values


def _local_path(value: str) -> Path | None:
    if value.startswith("file:"):
        return Path(unquote(urlsplit(value).path))
    if "://" in value:
        return None  # a remote index: never asked
    return Path(value).expanduser()


_HREF = re.compile(r'href="([^"#]+)')


def setuptools_wheels(env: Mapping[str, str] | None = None) -> list[Path]:
    """Every ``setuptools-*.whl`` in local folders and ``file://`` indexes pip is set up with."""
    variables = os.environ if env is None else env
    found: dict[str, Path] = {}
    for value in _pip_config_values(variables):
        path = _local_path(value)
        if path is None:
            continue
        candidates: list[Path] = []
        if (path / "setuptools" / "index.html").is_file():  # a simple index folder
            page = path / "setuptools" / "index.html"
            try:
                text = page.read_text("utf-8", "replace")
            except OSError:
                continue
            candidates = [(page.parent / unquote(href)).resolve() for href in _HREF.findall(text)]
        elif path.is_dir():  # a find-links folder
            candidates = sorted(path.glob("setuptools-*.whl"))
        for candidate in candidates:
            if candidate.name.startswith("setuptools-") and candidate.name.endswith(
                "-none-any.whl"
            ) and candidate.is_file():
                found.setdefault(candidate.name, candidate)
    return sorted(found.values(), key=_wheel_version)


def _wheel_version(path: Path) -> Version:
    try:
        return Version(path.name.split("-")[1])
    except (IndexError, InvalidVersion):
        return Version("0")


def _requires_python(wheel: Path) -> str:
    try:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.count("/") == 1 and member.endswith(".dist-info/METADATA"):
                    text = archive.read(member).decode("utf-8", "replace")
                    match = re.search(r"^Requires-Python:\s*(.+)$", text, re.MULTILINE)
                    return match.group(1).strip() if match else ""
    except (OSError, zipfile.BadZipFile):
        pass
    return ""


def setuptools_wheel(
    python_version: Sequence[int] | None = None, env: Mapping[str, str] | None = None
) -> Path | None:
    """The newest setuptools wheel in this machine's mirror that supports *python_version*.

    *python_version* defaults to the running Python's.  ``None`` when there is none (the
    source-archive cases then cannot build, and their tests skip).  Only setuptools 70.1
    or newer is chosen: older ones also need the ``wheel`` package to build wheels.
    """
    version = ".".join(map(str, (python_version or sys.version_info)[:3]))
    for wheel in reversed(setuptools_wheels(env)):
        if _wheel_version(wheel) < Version("70.1"):
            continue
        requires = _requires_python(wheel)
        try:
            if requires and not SpecifierSet(requires).contains(version, prereleases=True):
                continue
        except InvalidSpecifier:
            continue
        return wheel
    return None
