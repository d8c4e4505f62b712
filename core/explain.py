"""Why a pip run failed, in plain words, and the fix the app can perform (plain Python, no Qt).

:func:`explain` reads what pip printed (every line, as printed), its exit code and a
:class:`Context` (what the person asked for, the environment's Python and platform, the index
and where that setting comes from, this computer's system, the close names the search index
knows, the Pythons installed here) and returns an :class:`Explanation`: a :class:`Cause`, one
sentence that names it, the fixes the app can carry out (the first is the main button), and
pip's own error block for "Details…".

Recognition works on pip's own words, as pip 22 to 26 print them (see
``tests/data/pip_failures``: real runs of each pip version against a local index), and on the
words of the tools pip runs (setuptools, gcc, clang, MSVC).  It never relies on one pip
version's phrasing only: each cause has a marker that every version prints.

Some fixes need the index's file list (an older release that fits this Python, the newest
release with a ready-made wheel for this environment, whether a project missing for pip exists
at all): the explanation then has ``needs_releases``; the GUI fetches
:func:`core.pypi.project_files` for ``explanation.project`` in a worker and calls :func:`refine`
with them (or :func:`refine_error` with the exception the fetch raised).

Everything here is a pure function of its arguments and fast: a 20,000-line failed build is
classified in about 20 ms (``tests/test_explain.py`` measures it), because the long texts are
only ever scanned with ``str.find`` for literal anchors, and regular expressions run on the
few lines that hold one.
"""

from __future__ import annotations

import bisect
import enum
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from core.names import canonical_name

__all__ = [
    "BUILD_CAUSES",
    "IMPORT_NAMES",
    "WELL_KNOWN_RANK",
    "Cause",
    "Context",
    "Explanation",
    "Fix",
    "error_block",
    "explain",
    "explain_import_failure",
    "index_words",
    "python_range_words",
    "refine",
    "refine_error",
    "requirement_words",
    "specifier_words",
    "system_install_line",
]


class Cause(enum.Enum):
    NO_SUCH_PROJECT = "no-such-project"
    NO_SUCH_VERSION = "no-such-version"
    PYTHON_TOO_NEW_OR_OLD = "requires-python"
    NO_MATCHING_PLATFORM = "no-matching-platform"
    BUILD_COMPILER_MISSING = "build-compiler-missing"
    BUILD_HEADER_MISSING = "build-header-missing"
    BUILD_TOO_OLD = "build-too-old"
    BUILD_FAILED = "build-failed"
    CONFLICT = "conflict"
    INDEX_UNREACHABLE = "index-unreachable"
    DISK_FULL = "disk-full"
    PERMISSION_DENIED = "permission-denied"
    READ_ONLY = "read-only"
    HASH_MISMATCH = "hash-mismatch"
    YANKED = "yanked"
    PYTHON_WONT_START = "python-wont-start"
    PIP_MISSING = "pip-missing"
    IMPORT_FAILED = "import-failed"
    UNKNOWN = "unknown"


BUILD_CAUSES = frozenset(
    {Cause.BUILD_COMPILER_MISSING, Cause.BUILD_HEADER_MISSING, Cause.BUILD_TOO_OLD, Cause.BUILD_FAILED}
)

# A close name is offered as a fix only when it is among this many most downloaded projects.
WELL_KNOWN_RANK = 5000


@dataclass(frozen=True)
class Fix:
    """Something the app can do about it.

    ``kind``: ``install`` (run an install of ``specs``), ``new_environment`` (open New
    environment, offering ``python_versions`` first; none: no Python here fits), ``settings``
    (open Settings; ``text`` names the field: ``index`` or ``proxy``), ``retry`` (run the same
    operation again), ``copy`` (put ``text`` on the clipboard: a system install line, an
    address), ``repair`` (give the environment pip again).
    """

    kind: str
    label: str
    specs: tuple[str, ...] = ()
    python_versions: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Explanation:
    cause: Cause
    sentence: str
    fixes: tuple[Fix, ...] = ()
    detail: str = ""
    project: str = ""
    needs_releases: bool = False
    # A finer kind within the cause: INDEX_UNREACHABLE: refused, dns, timeout, tls, proxy,
    # proxy-auth, http-error, offline; BUILD_*: header, config-tool, compiler, msvc, xcode,
    # rust; HASH_MISMATCH: mismatch, missing; NO_SUCH_PROJECT: import-name, dependency,
    # typosquat; PERMISSION_DENIED: in-use; YANKED: warning (installed anyway).
    kind: str = ""
    # The system library a build needs (a key of the install-line table), when known.
    library: str = ""
    # The requirement pip could not satisfy, as pip wrote it ("fitsold==2.0").
    requirement: str = ""

    @property
    def fix(self) -> Fix | None:
        """The main fix (the message bar's action button), if any."""
        return self.fixes[0] if self.fixes else None

    @property
    def secondary_fix(self) -> Fix | None:
        return self.fixes[1] if len(self.fixes) > 1 else None


CloseNames = Callable[[str], Sequence[tuple[str, Optional[int]]]]


def _no_close_names(name: str) -> Sequence[tuple[str, int | None]]:
    return ()


@dataclass(frozen=True)
class Context:
    """What the classifier knows besides pip's output.

    ``index_origin`` says, in words, where the index setting comes from ("Venvdesk's
    settings", "pip's configuration file /etc/pip.conf", "the PIP_INDEX_URL environment
    variable"; "" for PyPI by default).  ``system`` holds os-release fields (``ID``,
    ``ID_LIKE``, ``VERSION_ID``; empty on Windows and macOS).  ``close_names(name)`` gives
    existing project names close to ``name`` with their download rank (None: not among the
    most downloaded); a result equal to ``name`` itself means the project exists.
    ``interpreters`` are the base Pythons installed here, as (version, path).
    """

    requested: tuple[str, ...] = ()
    python_version: tuple[int, ...] = ()
    index_url: str = ""
    index_origin: str = ""
    system: Mapping[str, str] = field(default_factory=dict)
    platform: str = ""
    close_names: CloseNames = _no_close_names
    interpreters: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- words


def _python_words(version: Sequence[int]) -> str:
    return ".".join(map(str, version[:2])) if version else "this Python"


def index_words(url: str) -> str:
    """The index as a person reads it: ``PyPI``, ``127.0.0.1:8000``, a folder (never credentials)."""
    if not url:
        return "PyPI"
    parts = urlsplit(url)
    if parts.scheme == "file":
        return unquote(parts.path)
    host = parts.hostname or url
    if host in ("pypi.org", "pypi.python.org"):
        return "PyPI"
    return f"{host}:{parts.port}" if parts.port else host


def _system_words(platform: str) -> str:
    if platform.startswith("win"):
        return "Windows"
    if platform == "darwin":
        return "macOS"
    if platform.startswith("linux"):
        return "Linux"
    return platform or "this computer"


def _quote(name: str) -> str:
    return f"“{name}”"


def _join_words(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


_OPERATOR_WORDS = {
    "<": "below {v}",
    "<=": "{v} or older",
    ">": "newer than {v}",
    ">=": "{v} or newer",
    "!=": "other than {v}",
    "~=": "{v} or a newer {series}",
    "===": "exactly {v}",
}


def specifier_words(specifier: str) -> str:
    """``<2`` → "below 2", ``>=2`` → "2 or newer", ``==1.0`` → "1.0", ``>=1,<2`` → "1 or newer, below 2"."""
    parts = []
    for clause in (c.strip() for c in specifier.split(",")):
        match = re.match(r"^(===|==|!=|~=|<=|>=|<|>)\s*(\S+)$", clause)
        if match is None:
            if clause:
                parts.append(clause)
            continue
        operator, version = match.groups()
        if operator == "==":
            parts.append(version[:-2] + ".x" if version.endswith(".*") else version)
        elif operator == "!=" and version.endswith(".*"):
            parts.append(f"not {version[:-2]}.x")
        else:
            series = ".".join(version.split(".")[:-1]) + ".x" if "." in version else "one"
            parts.append(_OPERATOR_WORDS[operator].format(v=version, series=series))
    return ", ".join(parts)


def requirement_words(requirement: str) -> str:
    """``lib<2`` → "lib below 2"; a marker (``; python_version < "3.8"``) is left out."""
    text = requirement.split(";", 1)[0].strip()
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)\s*(.*)$", text)
    if match is None:
        return text
    name, specifier = match.groups()
    return f"{name} {specifier_words(specifier)}".strip()


def python_range_words(requires_python: str) -> str:
    """``<3.8`` → "Python 3.7 or older", ``>=3.99`` → "Python 3.99 or newer"."""
    parts = []
    for clause in (c.strip() for c in requires_python.split(",")):
        match = re.match(r"^(===|==|!=|~=|<=|>=|<|>)\s*(\S+)$", clause)
        if match is None:
            if clause:
                parts.append(clause)
            continue
        operator, version = match.groups()
        numbers = version.split(".")
        if operator == "<" and len(numbers) == 2 and numbers[1].isdigit() and int(numbers[1]) > 0:
            parts.append(f"{numbers[0]}.{int(numbers[1]) - 1} or older")
        elif operator == "!=" and version.endswith(".*"):
            parts.append(f"not {version[:-2]}")
        elif operator == "==" and version.endswith(".*"):
            parts.append(version[:-2])
        else:
            parts.append(specifier_words(clause))
    excluded = [p for p in parts if p.startswith("not ")]
    kept = [p for p in parts if not p.startswith("not ")]
    words = "Python " + ", ".join(kept) if kept else "Python"
    if excluded:
        words += " (" + ", ".join(excluded) + ")"
    return words


# --------------------------------------------------------------------------- system libraries

# Families of systems by their package manager (``_family`` picks one from os-release).
_INSTALL_COMMANDS = {
    "debian": "sudo apt install {packages}",
    "fedora": "sudo dnf install {packages}",
    "arch": "sudo pacman -S {packages}",
    "suse": "sudo zypper install {packages}",
    "alpine": "sudo apk add {packages}",
    "brew": "brew install {packages}",
}


@dataclass(frozen=True)
class _Library:
    words: str  # what the person reads: "the PostgreSQL client library (libpq)"
    packages: Mapping[str, str]  # family → package names ("" or absent: none needed/known)


_LIBRARIES: dict[str, _Library] = {
    "compiler": _Library(
        "a C compiler",
        {"debian": "build-essential", "fedora": "gcc", "arch": "base-devel", "suse": "gcc",
         "alpine": "build-base"},
    ),
    "pkg-config": _Library(
        "the pkg-config tool",
        {"debian": "pkg-config", "fedora": "pkgconf-pkg-config", "arch": "pkgconf", "suse": "pkg-config",
         "alpine": "pkgconf", "brew": "pkg-config"},
    ),
    "libpq": _Library(
        "the PostgreSQL client library (libpq)",
        {"debian": "libpq-dev", "fedora": "libpq-devel", "arch": "postgresql-libs", "suse": "postgresql-devel",
         "alpine": "libpq-dev", "brew": "libpq"},
    ),
    "mysqlclient": _Library(
        "the MySQL client library",
        {"debian": "default-libmysqlclient-dev pkg-config", "fedora": "mysql-devel pkgconf-pkg-config",
         "arch": "mariadb-libs pkgconf", "suse": "libmariadb-devel pkg-config", "alpine": "mariadb-dev pkgconf",
         "brew": "mysql-client pkg-config"},
    ),
    "libffi": _Library(
        "the libffi library",
        {"debian": "libffi-dev", "fedora": "libffi-devel", "arch": "libffi", "suse": "libffi-devel",
         "alpine": "libffi-dev", "brew": "libffi"},
    ),
    "openssl": _Library(
        "the OpenSSL library",
        {"debian": "libssl-dev", "fedora": "openssl-devel", "arch": "openssl", "suse": "libopenssl-devel",
         "alpine": "openssl-dev", "brew": "openssl"},
    ),
    "zlib": _Library(
        "the zlib compression library",
        {"debian": "zlib1g-dev", "fedora": "zlib-devel", "arch": "zlib", "suse": "zlib-devel",
         "alpine": "zlib-dev", "brew": "zlib"},
    ),
    "libjpeg": _Library(
        "the JPEG library (libjpeg)",
        {"debian": "libjpeg-dev", "fedora": "libjpeg-turbo-devel", "arch": "libjpeg-turbo",
         "suse": "libjpeg8-devel", "alpine": "libjpeg-turbo-dev", "brew": "jpeg"},
    ),
    "libpng": _Library(
        "the PNG library (libpng)",
        {"debian": "libpng-dev", "fedora": "libpng-devel", "arch": "libpng", "suse": "libpng16-devel",
         "alpine": "libpng-dev", "brew": "libpng"},
    ),
    "freetype": _Library(
        "the FreeType font library",
        {"debian": "libfreetype-dev", "fedora": "freetype-devel", "arch": "freetype2", "suse": "freetype2-devel",
         "alpine": "freetype-dev", "brew": "freetype"},
    ),
    "libxml2": _Library(
        "the libxml2 and libxslt libraries",
        {"debian": "libxml2-dev libxslt1-dev", "fedora": "libxml2-devel libxslt-devel",
         "arch": "libxml2 libxslt", "suse": "libxml2-devel libxslt-devel",
         "alpine": "libxml2-dev libxslt-dev", "brew": "libxml2 libxslt"},
    ),
    "bzip2": _Library(
        "the bzip2 library",
        {"debian": "libbz2-dev", "fedora": "bzip2-devel", "arch": "bzip2", "suse": "libbz2-devel",
         "alpine": "bzip2-dev", "brew": "bzip2"},
    ),
    "lzma": _Library(
        "the xz (lzma) library",
        {"debian": "liblzma-dev", "fedora": "xz-devel", "arch": "xz", "suse": "xz-devel", "alpine": "xz-dev",
         "brew": "xz"},
    ),
    "sqlite": _Library(
        "the SQLite library",
        {"debian": "libsqlite3-dev", "fedora": "sqlite-devel", "arch": "sqlite", "suse": "sqlite3-devel",
         "alpine": "sqlite-dev", "brew": "sqlite"},
    ),
    "cairo": _Library(
        "the Cairo graphics library",
        {"debian": "libcairo2-dev pkg-config", "fedora": "cairo-devel pkgconf-pkg-config",
         "arch": "cairo pkgconf", "suse": "cairo-devel pkg-config", "alpine": "cairo-dev pkgconf",
         "brew": "cairo pkg-config"},
    ),
    "portaudio": _Library(
        "the PortAudio sound library",
        {"debian": "portaudio19-dev", "fedora": "portaudio-devel", "arch": "portaudio",
         "suse": "portaudio-devel", "alpine": "portaudio-dev", "brew": "portaudio"},
    ),
    "krb5": _Library(
        "the Kerberos library",
        {"debian": "libkrb5-dev", "fedora": "krb5-devel", "arch": "krb5", "suse": "krb5-devel",
         "alpine": "krb5-dev", "brew": "krb5"},
    ),
    "ldap": _Library(
        "the OpenLDAP and SASL libraries",
        {"debian": "libldap2-dev libsasl2-dev", "fedora": "openldap-devel cyrus-sasl-devel",
         "arch": "libldap libsasl", "suse": "openldap2-devel cyrus-sasl-devel",
         "alpine": "openldap-dev cyrus-sasl-dev", "brew": "openldap"},
    ),
    "gmp": _Library(
        "the GMP arithmetic library",
        {"debian": "libgmp-dev", "fedora": "gmp-devel", "arch": "gmp", "suse": "gmp-devel", "alpine": "gmp-dev",
         "brew": "gmp"},
    ),
    "hdf5": _Library(
        "the HDF5 library",
        {"debian": "libhdf5-dev", "fedora": "hdf5-devel", "arch": "hdf5", "suse": "hdf5-devel",
         "alpine": "hdf5-dev", "brew": "hdf5"},
    ),
    "dbus": _Library(
        "the D-Bus library",
        {"debian": "libdbus-1-dev pkg-config", "fedora": "dbus-devel pkgconf-pkg-config", "arch": "dbus",
         "suse": "dbus-1-devel", "alpine": "dbus-dev", "brew": "dbus"},
    ),
    "systemd": _Library(
        "the systemd library",
        {"debian": "libsystemd-dev pkg-config", "fedora": "systemd-devel", "arch": "systemd-libs",
         "suse": "systemd-devel", "alpine": ""},
    ),
    "libusb": _Library(
        "the libusb library",
        {"debian": "libusb-1.0-0-dev", "fedora": "libusb1-devel", "arch": "libusb", "suse": "libusb-1_0-devel",
         "alpine": "libusb-dev", "brew": "libusb"},
    ),
    "snappy": _Library(
        "the Snappy compression library",
        {"debian": "libsnappy-dev", "fedora": "snappy-devel", "arch": "snappy", "suse": "snappy-devel",
         "alpine": "snappy-dev", "brew": "snappy"},
    ),
    "gl": _Library(
        "the OpenGL library",
        {"debian": "libgl1", "fedora": "mesa-libGL", "arch": "mesa", "suse": "Mesa-libGL1", "alpine": "mesa-gl"},
    ),
    "glib": _Library(
        "the GLib library",
        {"debian": "libglib2.0-0", "fedora": "glib2", "arch": "glib2", "suse": "glib2", "alpine": "glib",
         "brew": "glib"},
    ),
}

# Header files (as the compiler names them) → the library that provides them.
_HEADERS: dict[str, str] = {
    "libpq-fe.h": "libpq",
    "pg_config.h": "libpq",
    "mysql.h": "mysqlclient",
    "mysql/mysql.h": "mysqlclient",
    "my_config.h": "mysqlclient",
    "ffi.h": "libffi",
    "zlib.h": "zlib",
    "jpeglib.h": "libjpeg",
    "png.h": "libpng",
    "ft2build.h": "freetype",
    "bzlib.h": "bzip2",
    "lzma.h": "lzma",
    "sqlite3.h": "sqlite",
    "cairo.h": "cairo",
    "portaudio.h": "portaudio",
    "gssapi/gssapi.h": "krb5",
    "krb5.h": "krb5",
    "lber.h": "ldap",
    "ldap.h": "ldap",
    "sasl/sasl.h": "ldap",
    "gmp.h": "gmp",
    "hdf5.h": "hdf5",
    "dbus/dbus.h": "dbus",
    "systemd/sd-journal.h": "systemd",
    "systemd/sd-daemon.h": "systemd",
    "libusb.h": "libusb",
    "libusb-1.0/libusb.h": "libusb",
    "snappy-c.h": "snappy",
    "libxml/xmlversion.h": "libxml2",
    "libxml/parser.h": "libxml2",
    "libxslt/xsltconfig.h": "libxml2",
}

# Programs a build runs to find a library (``pg_config``) → that library.
_CONFIG_TOOLS: dict[str, str] = {
    "pg_config": "libpq",
    "mysql_config": "mysqlclient",
    "mariadb_config": "mysqlclient",
    "xml2-config": "libxml2",
    "xslt-config": "libxml2",
    "krb5-config": "krb5",
    "pkg-config": "pkg-config",
    "freetype-config": "freetype",
}

# pkg-config module names (``Package 'libffi', required by ..., not found``) → library.
_PKG_CONFIG_MODULES: dict[str, str] = {
    "libffi": "libffi",
    "openssl": "openssl",
    "libssl": "openssl",
    "libpq": "libpq",
    "mysqlclient": "mysqlclient",
    "mariadb": "mysqlclient",
    "libmariadb": "mysqlclient",
    "libxml-2.0": "libxml2",
    "libxslt": "libxml2",
    "cairo": "cairo",
    "dbus-1": "dbus",
    "libsystemd": "systemd",
    "zlib": "zlib",
    "libjpeg": "libjpeg",
    "libpng": "libpng",
    "freetype2": "freetype",
    "hdf5": "hdf5",
    "libusb-1.0": "libusb",
    "portaudio-2.0": "portaudio",
    "krb5": "krb5",
    "krb5-gssapi": "krb5",
}

# Shared libraries an import cannot load (``libGL.so.1: cannot open shared object file``).
_SHARED_LIBRARIES: dict[str, str] = {
    "libGL.so.1": "gl",
    "libgthread-2.0.so.0": "glib",
    "libglib-2.0.so.0": "glib",
    "libpq.so.5": "libpq",
    "libffi.so": "libffi",
    "libportaudio.so.2": "portaudio",
    "libsqlite3.so.0": "sqlite",
    "libz.so.1": "zlib",
    "libjpeg.so.8": "libjpeg",
    "libpng16.so.16": "libpng",
    "libfreetype.so.6": "freetype",
    "libcairo.so.2": "cairo",
}


def _family(system: Mapping[str, str], platform: str = "") -> str:
    if platform == "darwin":
        return "brew"
    ids = [system.get("ID", "").lower(), *system.get("ID_LIKE", "").lower().split()]
    for identifier in ids:
        if identifier in ("debian", "ubuntu", "raspbian", "linuxmint", "pop", "elementary", "kali"):
            return "debian"
        if identifier in ("fedora", "rhel", "centos", "rocky", "almalinux", "amzn", "ol"):
            return "fedora"
        if identifier in ("arch", "manjaro", "endeavouros"):
            return "arch"
        if identifier in ("suse", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles"):
            return "suse"
        if identifier == "alpine":
            return "alpine"
    return ""


def _python_dev_packages(family: str, python_version: Sequence[int]) -> str:
    version = _python_words(python_version) if python_version else "3"
    return {
        "debian": f"python{version}-dev",
        "fedora": f"python{version}-devel" if python_version else "python3-devel",
        "suse": f"python{version.replace('.', '')}-devel" if python_version else "python3-devel",
        "alpine": "python3-dev",
    }.get(family, "")


def system_install_line(
    library: str,
    system: Mapping[str, str],
    platform: str = "",
    python_version: Sequence[int] = (),
) -> str:
    """The command that installs *library* on this system ("" when unknown or not needed).

    *library* is a key of the library table (``libpq``, ``openssl``, ``compiler``, …) or
    ``python-dev`` (Python's own headers, for *python_version*).  ``sudo apt install
    libpq-dev`` on Debian and Ubuntu, ``dnf`` on Fedora and RHEL, ``pacman`` on Arch,
    ``zypper`` on openSUSE, ``apk`` on Alpine, ``brew`` on macOS.
    """
    family = _family(system, platform)
    if not family:
        return ""
    if platform == "darwin" and library == "compiler":
        return "xcode-select --install"
    if library == "python-dev":
        packages = _python_dev_packages(family, python_version)
    else:
        entry = _LIBRARIES.get(library)
        packages = entry.packages.get(family, "") if entry else ""
    return _INSTALL_COMMANDS[family].format(packages=packages) if packages else ""


# --------------------------------------------------------------------------- import names

# What people import → the project that provides it (the search issue replaces this table).
IMPORT_NAMES: Mapping[str, str] = {
    "cv2": "opencv-python",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "PIL": "pillow",
    "bs4": "beautifulsoup4",
    "yaml": "pyyaml",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "pyjwt",
    "serial": "pyserial",
    "usb": "pyusb",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyopenssl",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "pymupdf",
    "gi": "pygobject",
    "wx": "wxpython",
    "attr": "attrs",
    "google.protobuf": "protobuf",
    "win32api": "pywin32",
    "win32com": "pywin32",
    "telegram": "python-telegram-bot",
    "discord": "discord.py",
    "pkg_resources": "setuptools",
    "OpenGL": "pyopengl",
    "zmq": "pyzmq",
    "git": "gitpython",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "slugify": "python-slugify",
    "socks": "pysocks",
    "ldap": "python-ldap",
    "nmap": "python-nmap",
    "umap": "umap-learn",
    "faiss": "faiss-cpu",
    "Bio": "biopython",
    "dns": "dnspython",
    "nacl": "pynacl",
    "websocket": "websocket-client",
    "speech_recognition": "speechrecognition",
    "osgeo": "gdal",
    "mpl_toolkits": "matplotlib",
    "Xlib": "python-xlib",
}

_IMPORT_NAMES_BY_KEY = {canonical_name(name): project for name, project in IMPORT_NAMES.items()}


# --------------------------------------------------------------------------- pip's error block

_PROGRESS = re.compile(r"^Progress \d+ of \d+\s*$")
_BLOCK_STARTS = (
    "ERROR:",
    "error:",
    "× ",
    "WARNING: Retrying",
    "Traceback (most recent call last)",
    "Fatal Python error",
)
_CONTEXT_BEFORE = 3
# A failed build is read in its last 400,000 characters (some 5,000 lines): a build stops at its
# first fatal error, so what decides is at the end, and a 20,000-line log stays fast to read.
_TAIL = 400_000
_MAX_BLOCK = 400  # lines; a longer block keeps its start, the lines around each error, its end
_KEEP_START = 40
_KEEP_END = 80
_KEEP_AROUND = 3
# Words that make a line of a long block worth keeping (found with str.rfind: fast on 20,000 lines).
_TELLING = ("rror", "fatal", "not found", "No such file", "note:", "hint:")


def _strip(lines: Iterable[str]) -> list[str]:
    """The lines without pip's ``Progress N of M`` lines (and without line ends, if given any)."""
    kept = [line for line in lines if not (line.startswith("Progress ") and _PROGRESS.match(line))]
    if kept and kept[-1].endswith(("\n", "\r")):
        kept = [line.rstrip("\r\n") for line in kept]
    return kept


def _lines_containing(text: str, needle: str, limit: int = 200) -> list[str]:
    """The last *limit* lines of *text* that contain *needle*, last first (``str.rfind``: fast).

    What decides a failure is near the end of the output; a long build log may hold hundreds
    of harmless matches before it ("checking for X... not found").
    """
    found: list[str] = []
    position = text.rfind(needle)
    while position >= 0 and len(found) < limit:
        line_start = text.rfind("\n", 0, position) + 1
        line_end = text.find("\n", position)
        found.append(text[line_start : line_end if line_end >= 0 else len(text)])
        if line_start == 0:
            break
        position = text.rfind(needle, 0, line_start - 1)
    return found


class _Anchored:
    """Searches of one output, each regex only in the lines that hold its anchor (a literal).

    Each anchor is looked for once (``str.rfind`` over the whole output), however many
    patterns share it: that keeps a 20,000-line build log to a few milliseconds.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: dict[str, list[str]] = {}

    def lines(self, anchor: str) -> list[str]:
        found = self._lines.get(anchor)
        if found is None:
            found = self._lines[anchor] = _lines_containing(self.text, anchor)
        return found

    def search(self, anchor: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
        for line in self.lines(anchor):
            match = pattern.search(line)
            if match is not None:
                return match
        return None


def error_block(lines: Sequence[str]) -> str:
    """pip's error report: from a few lines before its first error marker to the end.

    Keeps pip's ``error:`` … ``note:`` block with the build output inside it and the final
    ``ERROR:`` lines; ``Progress`` lines are left out.  A block of more than 400 lines keeps
    its first 40 lines, the lines around every line that names an error, and its last 80.
    """
    return _error_block(_strip(lines))


def _error_block(kept: Sequence[str]) -> str:
    start = None
    for number, line in enumerate(kept):
        if line.lstrip().startswith(_BLOCK_STARTS):
            start = number
            break
    block = list(kept[-60:] if start is None else kept[max(0, start - _CONTEXT_BEFORE) :])
    while block and not block[-1].strip():
        block.pop()
    if len(block) <= _MAX_BLOCK:
        return "\n".join(block)
    keep = set(range(_KEEP_START)) | set(range(len(block) - _KEEP_END, len(block)))
    text = "\n".join(block)
    line_starts = list(accumulate(map((1).__add__, map(len, block)), initial=0))
    for needle in _TELLING:
        # From the end: the lines that decide are the last ones (at most 100 per word).
        position = text.rfind(needle)
        found = 0
        while position >= 0 and found < 100:
            number = bisect.bisect_right(line_starts, position) - 1
            keep.update(range(number - _KEEP_AROUND, number + _KEEP_AROUND + 1))
            found += 1
            if number == 0:
                break
            position = text.rfind(needle, 0, line_starts[number] - 1)
    out: list[str] = []
    previous = -1
    for number in sorted(n for n in keep if 0 <= n < len(block)):
        if number > previous + 1:
            out.append(f"… ({number - previous - 1} lines not shown: the Log has every line) …")
        out.append(block[number])
        previous = number
    return "\n".join(out)


def _final_error(lines: Sequence[str]) -> str:
    """pip's last ``ERROR:`` line, without the prefix (pip 24.2 sometimes doubles it)."""
    for line in reversed(lines):
        stripped = line.strip()
        if stripped.startswith("ERROR:"):
            text = stripped
            while text.startswith("ERROR:"):
                text = text[len("ERROR:") :].strip()
            if text:
                return text
    for line in reversed(lines):
        stripped = line.strip()
        if stripped.startswith(("error:", "×")) or re.match(r"^\w*(Error|Exception)\b", stripped):
            return stripped.lstrip("× ").strip()
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return ""


# --------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class _Requirement:
    text: str  # as pip wrote it
    name: str  # as written
    key: str  # canonical
    specifier: str  # "==2.0", ">=1,<2", ""
    extras: str  # "[socks]" or ""
    parent: str  # "(from tinyapp)" → "tinyapp"


_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*?)\s*(?:;.*)?$")


def _parse_requirement(text: str) -> _Requirement | None:
    parent = ""
    match = re.search(r"\s+\(from ([^()]+(?:\([^()]*\))?[^()]*)\)\s*$", text)
    if match:
        parent = match.group(1).split()[0] if not match.group(1).startswith("-r ") else ""
        text = text[: match.start()]
    found = _REQ.match(text)
    if found is None:
        return None
    name, extras, specifier = found.groups()
    return _Requirement(
        text.strip(), name, canonical_name(name), specifier.replace(" ", ""), extras or "", parent
    )


def _requested_for(key: str, context: Context) -> str:
    """The spec the person typed for project *key* ("" when they did not ask for it)."""
    for spec in context.requested:
        parsed = _parse_requirement(spec)
        if parsed is not None and parsed.key == key:
            return spec
    return ""


def _with_replacement(context: Context, key: str, replacement: str) -> tuple[str, ...]:
    """The requested specs with project *key*'s replaced by *replacement* (or added)."""
    specs = []
    replaced = False
    for spec in context.requested:
        parsed = _parse_requirement(spec)
        if parsed is not None and parsed.key == key:
            if not replaced:
                specs.append(replacement)
                replaced = True
        else:
            specs.append(spec)
    if not replaced:
        specs.append(replacement)
    return tuple(specs)


def _version_key(text: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def _is_final(text: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        version = Version(text)
    except InvalidVersion:
        return False
    return not (version.is_prerelease or version.is_devrelease)


def _matches(specifier: str, version: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


# --------------------------------------------------------------------------- the classifier

_COULD_NOT_FIND = re.compile(
    r"Could not find a (?:final )?version that satisfies the requirement (.+?) \(from versions: ([^)]*)\)"
)
_NO_MATCHING = re.compile(r"No matching distribution found for (.+)")
_IGNORED_PYTHON = re.compile(
    r"Ignored the following versions that require a different python version: (.+)"
)
_IGNORED_YANKED = re.compile(r"Ignored the following yanked versions: (.+)")
_REQUIRES_PYTHON_ITEM = re.compile(r"(\S+) Requires-Python (.+)")
_PACKAGE_NEEDS_PYTHON = re.compile(
    r"Package '([^']+)' requires a different Python: (\S+) not in '([^']*)'"
)
_PACKAGES_NEED_PYTHON = re.compile(r"Packages require a different Python\. (\S+) not in:")
_NEEDS_PYTHON_ITEM = re.compile(r"'([^']*)' \(required by ([^)]*)\)")
_NOT_SUPPORTED_WHEEL = re.compile(r"(\S+\.whl) is not a supported wheel on this platform")
_YANKED_WARNING = re.compile(
    r"The candidate selected for download or install is a yanked version: '([^']+)' candidate \(version (\S+)"
)
_YANKED_REASON = re.compile(r"Reason for being yanked: (.+)")
_OSERROR_PATH = re.compile(r"\[(?:Errno \d+|WinError \d+)\][^:]*: '([^']+)'")

_NETWORK_MARKERS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "Read timed out",
    "SSLError",
    "CERTIFICATE_VERIFY_FAILED",
    "ProxyError",
    "Tunnel connection failed",
    "Name or service not known",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "nodename nor servname provided",
    "getaddrinfo failed",
    "No connection could be made because the target machine actively refused it",
    "Network is unreachable",
    "RemoteDisconnected",
    "Connection reset by peer",
    "ConnectionResetError",
    "Max retries exceeded",
    "Could not fetch URL",
    "ssl certificate",
    "HTTP error 5",
    "too many 5",
)


_RETRY_HOST = re.compile(r"host='([^']+)'.*': /simple/\S*$", re.MULTILINE)


def _network_kind(text: str, index_host: str = "") -> str:
    if "407 Proxy Authentication Required" in text or "Proxy Authentication Required" in text:
        return "proxy-auth"
    if "ProxyError" in text or "Cannot connect to proxy" in text or "Unable to connect to proxy" in text:
        return "proxy"
    if index_host:
        # urllib3 2 (pip >= 25) names the host it failed to connect to: for an index page,
        # a host that is not the index's is the proxy's.
        hosts = set(_RETRY_HOST.findall(text))
        if hosts and index_host not in hosts:
            return "proxy"
    if (
        "CERTIFICATE_VERIFY_FAILED" in text
        or "SSLError" in text
        or "SSLCertVerificationError" in text
        or "ssl certificate" in text
    ):
        return "tls"
    if (
        "Name or service not known" in text
        or "NameResolutionError" in text
        or "Failed to resolve" in text
        or "Temporary failure in name resolution" in text
        or "nodename nor servname provided" in text
        or "getaddrinfo failed" in text
        or "No address associated with hostname" in text
    ):
        return "dns"
    if "Network is unreachable" in text:
        return "offline"
    if "Connection refused" in text or "actively refused" in text:
        return "refused"
    if "Read timed out" in text or "ReadTimeoutError" in text or "ConnectTimeoutError" in text or "timed out" in text:
        return "timeout"
    if re.search(r"HTTP error 5\d\d|too many 5\d\d error responses|\b5\d\d Server Error", text):
        return "http-error"
    return "other"


_NETWORK_REASONS = {
    "refused": "nothing answers at that address (the connection was refused). Check the address, and that the server is running",
    "dns": "its name cannot be looked up. Check that this computer is online and that the address is spelt right",
    "offline": "this computer has no network connection right now",
    "timeout": "it did not answer in time. Check the internet connection, or try again later",
    "tls": "its security certificate is not trusted. On a company network, the company's certificate may need to be installed",
    "proxy": "the proxy server between this computer and the internet cannot be reached. Check the proxy setting",
    "proxy-auth": "the proxy server asks for a user name and password. Add them to the proxy setting",
    "http-error": "it answered with a server error. It may be down for a while: try again later",
    "other": "the connection failed. Check the internet connection and the address",
}


_SERVER_ERROR_CODE = re.compile(r"(?:HTTP error |too many |server error \(|status code |\b)(5\d\d)\b")


def _unreachable(
    kind: str, lines: Sequence[str], context: Context, detail: str, project: str = "", *, status: int | None = None
) -> Explanation:
    url = context.index_url or _looking_in(lines)
    where = index_words(url)
    if kind == "http-error":
        # It was reached, and answered, but with an error of its own (503, 500…): not "no such package",
        # not "cannot be reached".
        if status is None:
            found = _SERVER_ERROR_CODE.search("\n".join(lines))
            status = int(found.group(1)) if found else None
        code = f" (HTTP {status})" if status else ""
        sentence = (
            f"The package index {where} is not answering properly: it answered with a server error{code}."
            " It may be down for a while: try again later."
        )
    else:
        sentence = f"Venvdesk could not reach the package index {where}: {_NETWORK_REASONS[kind]}."
    if context.index_origin:
        sentence += f" The index address comes from {context.index_origin}."
    fixes = [Fix("retry", "Try again")]
    if kind in ("proxy", "proxy-auth"):
        fixes.append(Fix("settings", "Set the proxy…", text="proxy"))
    elif context.index_origin.startswith("Venvdesk"):
        fixes.append(Fix("settings", "Check the index setting…", text="index"))
    return Explanation(Cause.INDEX_UNREACHABLE, sentence, tuple(fixes), detail, project=project, kind=kind)


def _looking_in(lines: Sequence[str]) -> str:
    for line in lines[:50]:
        if line.startswith("Looking in indexes:"):
            return line.split(":", 1)[1].strip().split(",")[0].strip()
    return ""


def _pip_started(text: str) -> bool:
    return any(
        marker in text
        for marker in ("Looking in indexes", "Collecting ", "Requirement already satisfied", "ERROR:", "Processing ")
    )


# -- causes both installers report (pip's and uv's wording differ, the person's sentence does not)


def _disk_full(detail: str) -> Explanation:
    return Explanation(
        Cause.DISK_FULL,
        "The disk is full: there was no room left to install the packages. Free some space, then try again.",
        (Fix("retry", "Try again"),),
        detail,
    )


def _read_only(path: str, detail: str) -> Explanation:
    where = f" ({path})" if path else ""
    return Explanation(
        Cause.READ_ONLY,
        f"This environment is on a disk that cannot be written to{where}, so nothing can be "
        "installed into it. Create an environment in one of your own folders instead.",
        (Fix("new_environment", "Create a new environment…"),),
        detail,
    )


def _permission_denied(path: str, detail: str) -> Explanation:
    return Explanation(
        Cause.PERMISSION_DENIED,
        "Venvdesk is not allowed to change this environment"
        + (f": writing to {path} was refused" if path else "")
        + ". It belongs to another user or is protected; create an environment in one of your own folders instead.",
        (Fix("new_environment", "Create a new environment…"),),
        detail,
    )


def _hash_mismatch(what: str, project: str, detail: str) -> Explanation:
    return Explanation(
        Cause.HASH_MISMATCH,
        f"The file downloaded for {what} is not the one the requirements file expects (its hash "
        "differs). Either the requirements file is out of date, or the file on the index was "
        "changed: do not install it until you know which.",
        (),
        detail,
        project=project,
        kind="mismatch",
    )


def _installed_but_withdrawn(name: str, version: str, reason: str, detail: str) -> Explanation:
    """Installed, with a warning: the release was withdrawn by its authors (pip's and uv's wording alike)."""
    because = f" (the reason given: {reason.strip()})" if reason.strip() else ""
    return Explanation(
        Cause.YANKED,
        f"{name} {version} was installed, but its authors have withdrawn it{because}. "
        "Use another version unless you need exactly this one.",
        (Fix("install", f"Install the newest {name}", specs=(name,)),),
        detail,
        project=name,
        kind="warning",
        needs_releases=True,
    )


def explain(
    lines: Sequence[str],
    exit_code: int | None,
    context: Context,
    *,
    failed_to_start: bool = False,
    reason: str = "",
) -> Explanation:
    """Why pip ended this way, in one sentence, with the fixes the app can carry out.

    *lines* are everything pip printed (stdout and stderr); *exit_code* its exit code (None
    when unknown).  *failed_to_start* / *reason*: the program could not even be started
    (the runner's "failed to start" ending, and its reason).  An output that names no
    failure (exit code 0, no yanked-release warning) gives ``Cause.UNKNOWN`` with an empty
    sentence.
    """
    kept = _strip(lines)
    text = "\n".join(kept)
    # pip's own lines: what the programs it runs print (a build's output) is indented.
    own = "\n".join([line for line in kept if line[:4] != "    "])
    detail = _error_block(kept)
    python = _python_words(context.python_version)

    # -- the environment's Python, or pip, cannot even run
    if failed_to_start or (not _pip_started(own) and exit_code not in (0, None)):
        if failed_to_start or any(
            marker in text
            for marker in (
                "error while loading shared libraries",
                "Fatal Python error",
                "No module named 'encodings'",
                "bad interpreter",
                "cannot execute binary file",
                "Exec format error",
                "Could not find platform independent libraries",
                "is not a valid Win32 application",
                "The system cannot find the file specified",
            )
        ) or exit_code in (126, 127, 9009):
            return _python_wont_start(text, reason, detail)
        if "No module named pip" in text:
            return Explanation(
                Cause.PIP_MISSING,
                "pip is not installed in this environment, so nothing can be installed into it yet.",
                (Fix("repair", "Install pip"),),
                detail,
                kind="",
            )

    # -- uv's own words (the uv backend), for the same causes
    if _is_uv_output(own):
        from_uv = _explain_uv(kept, text, own, exit_code, context, detail)
        if from_uv is not None:
            return from_uv

    # -- the disk, the folder (pip's own words; a build that ran out of space says so in its log)
    oserror = "Errno" in own or "WinError" in own or "Access is denied" in own
    building = _is_build_failure(own)
    tail = text[-_TAIL:]
    if (oserror and ("[Errno 28]" in own or "[WinError 112]" in own)) or (
        building and "No space left on device" in tail
    ):
        return _disk_full(detail)
    if oserror and ("[Errno 30]" in own or "Read-only file system" in own):
        return _read_only(_oserror_path(own, "[Errno 30]"), detail)
    if oserror and "[WinError 32]" in own:
        path = _oserror_path(own, "[WinError 32]")
        return Explanation(
            Cause.PERMISSION_DENIED,
            "A file pip has to replace is in use by another program"
            + (f" ({path})" if path else "")
            + ". Close programs that use this environment (a running script, a Jupyter kernel, an editor), then try again.",
            (Fix("retry", "Try again"),),
            detail,
            kind="in-use",
        )
    if oserror and ("[Errno 13] Permission denied" in own or "[WinError 5]" in own or "Access is denied" in own):
        return _permission_denied(_oserror_path(own, "[Errno 13]") or _oserror_path(own, "[WinError 5]"), detail)

    # -- hashes
    if "DO NOT MATCH THE HASHES" in own:
        after = text[text.find("DO NOT MATCH THE HASHES") :][:20000]
        names = re.findall(r"^\s{4}(\S+?)(?:==(\S+))? from ", after, re.MULTILINE)
        what = _join_words([f"{n} {v}".strip() for n, v in names]) or "a package"
        return _hash_mismatch(what, names[0][0] if names else "", detail)
    if "Hashes are required in --require-hashes mode" in own or "all requirements must have their versions pinned" in own:
        return Explanation(
            Cause.HASH_MISMATCH,
            "The requirements file gives hashes for some packages, so pip wants a hash and an exact "
            "version (==) for every package it installs, and some have none. Add them, or remove all hashes.",
            (),
            detail,
            kind="missing",
        )

    # -- resolver conflicts
    if "ResolutionImpossible" in own or "conflicting dependencies" in own or "The conflict is caused by:" in own:
        return _conflict(kept, context, detail)
    if "ResolutionTooDeep" in own or "resolution-too-deep" in own:
        return Explanation(
            Cause.CONFLICT,
            "pip tried too many combinations of versions and gave up. Ask for fewer packages at "
            "once, or pin the versions of the main ones (name==version).",
            (),
            detail,
            kind="too-deep",
        )

    network = (
        "Retrying (" in own or "Could not fetch URL" in own or "ERROR: Exception:" in own or "OSError" in own
    ) and any(marker in own for marker in _NETWORK_MARKERS)
    # The last requirement pip reports is the one it stopped at.
    could_not_find = max(_COULD_NOT_FIND.finditer(own), key=lambda m: m.start(), default=None)

    # -- the index cannot be reached (pip then also says it found no versions)
    index_host = urlsplit(context.index_url or _looking_in(kept)).hostname or ""
    if network and (
        could_not_find
        or "ERROR: Exception:" in own
        or "Could not install packages due to an OSError" in own
        or "No matching distribution" in own
    ):
        return _unreachable(_network_kind(own, index_host), kept, context, detail)

    # -- builds
    if building:
        return _build_failure(kept, tail, own, context, detail)

    if network and exit_code not in (0, None):
        return _unreachable(_network_kind(own, index_host), kept, context, detail)

    # -- Requires-Python for a file named directly, or for the whole set
    match = _PACKAGE_NEEDS_PYTHON.search(own)
    if match:
        name, _version, requires = match.groups()
        return _needs_other_python(name, requires, (), context, detail, requirement=name)
    match = _PACKAGES_NEED_PYTHON.search(own)
    if match:
        needs = _NEEDS_PYTHON_ITEM.findall(text[text.find("Packages require a different Python") :][:5000])
        if needs:
            requires, by = needs[0]
            name = by.split()[0]
            return _needs_other_python(name, requires, (), context, detail, requirement=name)

    match = _NOT_SUPPORTED_WHEEL.search(own)
    if match:
        filename = match.group(1).rsplit("/", 1)[-1]
        return Explanation(
            Cause.NO_MATCHING_PLATFORM,
            f"{filename} is made for {_wheel_target_words([filename]) or 'another system'}; it cannot "
            f"be installed on {_system_words(context.platform)} with Python {python}.",
            (),
            detail,
            project=filename.split("-")[0],
        )

    # -- nothing pip could install for a requirement
    if could_not_find:
        return _not_found(own, could_not_find, context, detail)
    match = _NO_MATCHING.search(own)
    if match:
        return _not_found(own, None, context, detail, requirement_text=match.group(1).strip())

    # -- installed, with a warning
    match = _YANKED_WARNING.search(own)
    if match:
        name, version = match.groups()
        reason_match = _YANKED_REASON.search(own)
        return _installed_but_withdrawn(name, version, reason_match.group(1) if reason_match else "", detail)

    if exit_code == 0:
        return Explanation(Cause.UNKNOWN, "", (), detail)
    final = _final_error(kept)
    if final:
        sentence = f"pip stopped with this error: “{final}”"
        if not sentence.endswith((".", "!", "?")):
            sentence += "."
    elif exit_code is None:
        sentence = "pip stopped without saying why."
    else:
        sentence = f"pip stopped with exit code {exit_code} without saying why."
    return Explanation(Cause.UNKNOWN, sentence, (Fix("retry", "Try again"),), detail)


def _oserror_path(text: str, marker: str) -> str:
    position = text.find(marker)
    if position < 0:
        return ""
    line_end = text.find("\n", position)
    match = _OSERROR_PATH.search(text[position : line_end if line_end >= 0 else len(text)])
    return match.group(1) if match else ""


def _python_wont_start(text: str, reason: str, detail: str) -> Explanation:
    library = re.search(r"error while loading shared libraries: (\S+?):", text)
    if library:
        why = f"a library it needs ({library.group(1)}) is missing"
    elif "No module named 'encodings'" in text or "Could not find platform independent libraries" in text:
        why = "its standard library is missing"
    elif reason:
        why = reason.rstrip(".")
    else:
        why = "its program file is missing or broken"
    return Explanation(
        Cause.PYTHON_WONT_START,
        f"This environment's Python cannot start: {why}. The Python it was made from was probably "
        "removed or upgraded. Create the environment again with a Python that is installed now.",
        (Fix("new_environment", "Create it again…"),),
        detail,
    )


# -- uv's words -------------------------------------------------------------------------------
#
# uv (the optional installer backend) says the same causes in its own words, as uv 0.13 prints
# them (``tests/test_uv_backend.py`` runs the real uv against the failing index): one "error:"
# line, "cause:" lines under it, and for a resolver failure the chain of reasons ("Because …
# we can conclude that …"), continued on indented lines.

_UV_MARKERS = (
    "environment at: ",
    "No solution found when resolving",
    "\n  cause: ",
    "Request failed after",
    "Failed to fetch: ",
    "Failed to build `",
    "Failed to download and build `",
    "Failed to inspect Python interpreter",
)
_UV_NOT_FOUND = re.compile(r"(?:Because |and )([A-Za-z0-9][A-Za-z0-9._-]*) was not found in the (?:package registry|provided package locations)")
_UV_NOT_FOUND_PARENT = re.compile(
    r"was not found in the (?:package registry|provided package locations) and "
    r"(?:all versions of ([A-Za-z0-9][\w.-]*) depend|([A-Za-z0-9][\w.-]*?)==(\S+) depends|([A-Za-z0-9][\w.-]*?) depends) on ([^,]+),"
)
_UV_NO_VERSION = re.compile(r"there is no version of ([A-Za-z0-9][\w.-]*?(?:\[[^\]]*\])?)((?:===|==|!=|~=|<=|>=|<|>)[^\s,]+)")
_UV_ONLY_AVAILABLE = re.compile(
    r"only ([A-Za-z0-9][\w.-]*?)(<=|==)([^\s,]+) (?:is|are) available and you require ([A-Za-z0-9][\w.-]*?(?:\[[^\]]*\])?)((?:===|==|!=|~=|<=|>=|<|>)[^\s,]+),"
)
_UV_PYTHON = re.compile(
    r"does not satisfy Python(\S+?) and (?:all versions of ([A-Za-z0-9][\w.-]*) depend|([A-Za-z0-9][\w.-]*?)==(\S+) depends) on Python"
)
_UV_YANKED = re.compile(r"([A-Za-z0-9][\w.-]*?)==(\S+) was yanked(?: \(reason: ([^)]*)\))?")
_UV_YANKED_WARNING = re.compile(r"warning: `([A-Za-z0-9][\w.-]*?)==([^`]+)` is yanked(?: \(reason: \"([^\"]*)\"\))?")
_UV_NO_WHEELS = re.compile(
    r"(?:([A-Za-z0-9][\w.-]*?)==\S+ has|all versions of ([A-Za-z0-9][\w.-]*) have) no wheels with a matching"
)
_UV_DEPENDS = re.compile(
    r"(?:all versions of ([A-Za-z0-9][\w.-]*) depend|([A-Za-z0-9][\w.-]*?)==(\S+) depends|([A-Za-z0-9][\w.-]*?)([<>=!~]=?[^\s,]+) depends) on ([^,]+?)(?:,| and (?=all |[A-Za-z0-9][\w.-]*[=<>!~]))"
)
_UV_REQUIRE = re.compile(r"you require ([^,]+?)(?:,|$)", re.MULTILINE)
_UV_OS_ERROR = re.compile(r"\(os error (\d+)\)")
_UV_PATH = re.compile(r"(?:failed to (?:write|create|remove|open|copy|rename|hardlink) (?:file |directory )?)?`([^`]+)`")


def _is_uv_output(own: str) -> bool:
    return any(marker in own for marker in _UV_MARKERS)


def _uv_network_kind(text: str, index_host: str) -> str:
    if "tunnel error" in text:
        return "proxy-auth" if "407" in text else "proxy"
    if "invalid peer certificate" in text or "UnknownIssuer" in text or "certificate verify failed" in text:
        return "tls"
    if "dns error" in text or "failed to lookup address" in text:
        return "dns"
    if re.search(r"HTTP status server error \(5\d\d|status code 5\d\d|\b5\d\d Service Unavailable", text):
        return "http-error"
    return _network_kind(text, index_host)


def _uv_requirement(words: str) -> str:
    """``yankedonly``, ``fitsold==2.0``, ``conflict-x and other-y`` → the requirements, as uv wrote them."""
    return words.strip().strip("`")


def _explain_uv(
    lines: Sequence[str], text: str, own: str, exit_code: int | None, context: Context, detail: str
) -> Explanation | None:
    """Why uv ended this way (None: nothing of uv's own wording decides it; pip's rules go on)."""
    where = index_words(context.index_url)
    python = _python_words(context.python_version)
    index_host = urlsplit(context.index_url).hostname or ""
    # What uv reported: its error and cause lines, with the reasons continued on indented lines.
    start = text.find("error: ")
    report = text[start:][:20000] if start >= 0 else text[-20000:]
    reasons = " ".join(line.strip() for line in report.splitlines())

    # -- the environment's Python cannot be used
    if "Failed to inspect Python interpreter" in own or "No virtual environment or system Python installation found" in own:
        reason = ""
        match = re.search(r"cause: (.+)$", report, re.MULTILINE)
        if match:
            reason = match.group(1).strip()
        return _python_wont_start(text, reason, detail)

    # -- the disk, the folder
    codes = set(_UV_OS_ERROR.findall(report))
    if "28" in codes:
        return _disk_full(detail)
    if "30" in codes:
        return _read_only("", detail)
    if "13" in codes and "Permission denied" in report:
        match = _UV_PATH.search(report)
        return _permission_denied(match.group(1) if match else "", detail)

    # -- hashes
    if "Hash mismatch for" in report:
        match = re.search(r"Hash mismatch for `([^`]+)`", report)
        what = match.group(1).replace("==", " ") if match else "a package"
        return _hash_mismatch(what, what.split()[0] if match else "", detail)
    if "--require-hashes" in report and "hash" in report:
        return Explanation(
            Cause.HASH_MISMATCH,
            "The requirements file gives hashes for some packages, so every package it installs needs "
            "a hash and an exact version (==), and some have none. Add them, or remove all hashes.",
            (),
            detail,
            kind="missing",
        )

    # -- the index cannot be reached
    fetching = "Request failed after" in report or "Failed to fetch: " in report or "error sending request" in report
    if fetching and "Failed to build `" not in report:
        return _unreachable(_uv_network_kind(report, index_host), lines, context, detail)

    # -- builds
    if _is_build_failure(own):
        return None  # pip's build rules read the compiler's words (uv's project name pattern included)

    resolving = "No solution found when resolving" in report

    # -- a release for another Python
    match = _UV_PYTHON.search(reasons)
    if resolving and match:
        requires, every, name, version = match.groups()
        project = every or name
        requested = _requested_for(canonical_name(project), context) or project
        return _needs_other_python(
            project, requires, (), context, detail, requirement=requested, version=version or ""
        )

    # -- no such project (asked for, or needed by another)
    match = _UV_NOT_FOUND.search(reasons)
    if resolving and match:
        missing = match.group(1)
        parent = _UV_NOT_FOUND_PARENT.search(reasons)
        requirement = _parse_requirement(_requested_for(canonical_name(missing), context) or missing)
        if requirement is None:
            return None
        if parent is not None:
            who = parent.group(1) or parent.group(2) or parent.group(4) or ""
            needed = parent.group(5).strip()
            wanted = specifier_words(needed[len(missing):]) if needed.startswith(missing) else ""
            return Explanation(
                Cause.NO_SUCH_PROJECT,
                f"{who} needs {missing}" + (f" ({wanted})" if wanted else "")
                + f", and there is no package called {_quote(missing)} on {where}.",
                (),
                detail,
                project=missing,
                needs_releases=True,
                kind="dependency",
                requirement=needed,
            )
        return _no_such_project(requirement, context, detail, where)

    # -- no such version
    match = _UV_ONLY_AVAILABLE.search(reasons)
    if resolving and match:
        name, operator, available, asked, specifier = match.groups()
        requirement = _parse_requirement(asked + specifier)
        if requirement is not None:
            sentence = f"{name} has no version {specifier_words(specifier)} on {where}."
            fixes: tuple[Fix, ...] = ()
            if operator in ("<=", "=="):
                sentence += f" Its newest version for Python {python} is {available}."
                fixes = (
                    Fix(
                        "install",
                        f"Install {available} instead",
                        specs=_with_replacement(context, requirement.key, f"{requirement.name}{requirement.extras}=={available}"),
                    ),
                )
            return Explanation(
                Cause.NO_SUCH_VERSION, sentence, fixes, detail, project=name, requirement=requirement.text,
                needs_releases=not fixes,
            )
    match = _UV_NO_VERSION.search(reasons)
    if resolving and match:
        asked, specifier = match.groups()
        requirement = _parse_requirement(asked + specifier)
        if requirement is not None:
            return Explanation(
                Cause.NO_SUCH_VERSION,
                f"{requirement.name} has no version {specifier_words(specifier)} on {where}.",
                (),
                detail,
                project=requirement.name,
                requirement=requirement.text,
            )

    # -- withdrawn releases
    match = _UV_YANKED.search(reasons)
    if resolving and match:
        name, version, _reason = match.groups()
        requirement = _parse_requirement(_requested_for(canonical_name(name), context) or name)
        if requirement is not None:
            return _yanked(requirement, [version], context, detail)

    # -- files for other systems only
    match = _UV_NO_WHEELS.search(reasons)
    if resolving and match:
        name = match.group(1) or match.group(2)
        hint = re.search(r"^hint: (.+)$", text, re.MULTILINE)
        sentence = (
            f"{name} has no ready-made file for {_system_words(context.platform)} with Python {python} "
            f"on {where}, and no source to build from."
        )
        return Explanation(
            Cause.NO_MATCHING_PLATFORM, sentence, (), detail + (f"\n{hint.group(0)}" if hint and hint.group(0) not in detail else ""),
            project=name, needs_releases=True,
        )

    # -- requirements that exclude each other
    if resolving and (" depend on " in reasons or " depends on " in reasons):
        return _uv_conflict(reasons, context, detail)

    # -- installed, with a warning
    match = _UV_YANKED_WARNING.search(text)
    if match:
        name, version, reason = match.groups()
        return _installed_but_withdrawn(name, version, reason or "", detail)

    if exit_code == 0:
        return Explanation(Cause.UNKNOWN, "", (), detail)
    first = next((line.strip() for line in report.splitlines() if line.startswith("error: ")), "")
    if first:
        sentence = f"uv stopped with this error: “{first[len('error: '):]}”"
        if not sentence[:-1].endswith((".", "!", "?")):
            sentence += "."
        return Explanation(Cause.UNKNOWN, sentence, (Fix("retry", "Try again"),), detail)
    return None


def _uv_conflict(reasons: str, context: Context, detail: str) -> Explanation:
    """uv's resolver could not satisfy every requirement at once ("No solution found …")."""
    needs: list[tuple[str, str]] = []
    for match in _UV_DEPENDS.finditer(reasons):
        every, name, version, ranged, specifier, requirement = match.groups()
        who = every or (f"{name} {version}" if name else f"{ranged} {specifier_words(specifier or '')}".strip())
        needs.append((who, requirement.strip()))
    parts = list(dict.fromkeys(f"{who} needs {requirement_words(requirement)}" for who, requirement in needs))
    fixes: list[Fix] = []
    pinned_words = ""
    for required in _UV_REQUIRE.findall(reasons):
        for piece in re.split(r",? and ", required):
            parsed = _parse_requirement(piece.strip())
            if parsed is None or not parsed.specifier or not _requested_for(parsed.key, context):
                continue
            pinned_words = f"you asked for {requirement_words(piece.strip())}"
            fixes.append(
                Fix(
                    "install",
                    f"Let the installer choose the version of {parsed.name}",
                    specs=_with_replacement(context, parsed.key, parsed.name + parsed.extras),
                )
            )
    subjects = sorted({requirement_words(r).split()[0] for _, r in needs})
    subject = _join_words(subjects) if subjects else "them"
    if pinned_words and parts:
        sentence = f"These packages cannot be installed together: {pinned_words}, but {', '.join(parts)}."
    elif parts:
        both = "both" if len(parts) == 2 else "all of them"
        sentence = f"These packages cannot be installed together: {', '.join(parts)}; no version of {subject} suits {both}."
    else:
        sentence = "These packages cannot be installed together: they need versions of other packages that exclude each other."
    return Explanation(Cause.CONFLICT, sentence, tuple(fixes), detail)


# -- conflicts -------------------------------------------------------------------------------

_CAUSED_BY = re.compile(r"^\s+(?:(\S+) (\S+) depends on (.+)|The user requested (?:\(constraint\) )?(.+))$")


def _conflict(lines: Sequence[str], context: Context, detail: str) -> Explanation:
    needs: list[tuple[str, str]] = []  # (who, requirement)
    pins: list[str] = []  # what the person asked for
    inside = False
    for line in lines:
        if line.strip() == "The conflict is caused by:":
            inside = True
            continue
        if inside:
            if not line.strip():
                if needs or pins:
                    break
                continue
            match = _CAUSED_BY.match(line)
            if match is None:
                break
            who, version, requirement, requested = match.groups()
            if requested:
                pins.append(requested.strip())
            else:
                needs.append((f"{who} {version}", requirement.strip()))
    parts = [f"{who} needs {requirement_words(requirement)}" for who, requirement in needs]
    parts = list(dict.fromkeys(parts))
    fixes: list[Fix] = []
    pinned_words = ""
    for pin in pins:
        parsed = _parse_requirement(pin)
        if parsed is None:
            continue
        pinned_words = f"you asked for {requirement_words(pin)}"
        if parsed.specifier and _requested_for(parsed.key, context):
            fixes.append(
                Fix(
                    "install",
                    f"Let pip choose the version of {parsed.name}",
                    specs=_with_replacement(context, parsed.key, parsed.name + parsed.extras),
                )
            )
    subjects = sorted(
        {requirement_words(r).split()[0] for _, r in needs}
        | {p.split("=")[0].split("<")[0].split(">")[0].split("!")[0].split("~")[0] for p in pins}
    )
    subject = _join_words(subjects) if subjects else "them"
    if pinned_words and parts:
        sentence = f"These packages cannot be installed together: {pinned_words}, but {', '.join(parts)}."
    elif parts:
        both = "both" if len(parts) == 2 else "all of them"
        sentence = f"These packages cannot be installed together: {', '.join(parts)}; no version of {subject} suits {both}."
    else:
        sentence = "These packages cannot be installed together: they need versions of other packages that exclude each other."
    return Explanation(Cause.CONFLICT, sentence[0].upper() + sentence[1:], tuple(fixes), detail)


# -- not found -------------------------------------------------------------------------------


def _not_found(
    text: str,
    could_not_find: re.Match[str] | None,
    context: Context,
    detail: str,
    requirement_text: str = "",
) -> Explanation:
    python = _python_words(context.python_version)
    where = index_words(context.index_url or _looking_in(text.splitlines()[:50]))
    if could_not_find is not None:
        requirement_text, versions_text = could_not_find.groups()
    else:
        versions_text = "none"
    requirement = _parse_requirement(requirement_text)
    if requirement is None:
        return Explanation(
            Cause.NO_SUCH_PROJECT,
            f"pip found nothing to install for {_quote(requirement_text)} on {where}.",
            (),
            detail,
            requirement=requirement_text,
        )
    versions = [v.strip() for v in versions_text.split(",") if v.strip() and v.strip() != "none"]
    ignored_python: list[tuple[str, str]] = []
    match = _IGNORED_PYTHON.search(text)
    if match:
        for item in match.group(1).split("; "):
            found = _REQUIRES_PYTHON_ITEM.match(item.strip())
            if found:
                ignored_python.append((found.group(1), found.group(2).strip()))
    yanked: list[str] = []
    match = _IGNORED_YANKED.search(text)
    if match:
        yanked = [v.strip() for v in match.group(1).split(",") if v.strip() and v.strip() != "none"]

    name = requirement.name
    # Versions that need another Python, among those the requirement asks for.
    wanted_python = [
        (v, spec) for v, spec in ignored_python if not requirement.specifier or _matches(requirement.specifier, v)
    ]
    fitting = [v for v in versions if not requirement.specifier or _matches(requirement.specifier, v)]
    if wanted_python and not fitting:
        version, requires = max(wanted_python, key=lambda item: _version_key(item[0]))
        alternatives = tuple(sorted(versions, key=_version_key))
        return _needs_other_python(
            name, requires, alternatives, context, detail, requirement=requirement.text, version=version,
            parent=requirement.parent,
        )
    if yanked and not fitting and not versions:
        return _yanked(requirement, yanked, context, detail)
    if requirement.specifier and not fitting and (ignored_python or yanked) and not versions:
        # The project exists (pip saw releases for other Pythons, or withdrawn ones), but
        # not in the version asked for.
        existing = _join_words(sorted({v for v, _ in ignored_python} | set(yanked), key=_version_key))
        return Explanation(
            Cause.NO_SUCH_VERSION,
            f"{name} has no version {specifier_words(requirement.specifier)} on {where}; "
            f"it has {existing}, which cannot be used here.",
            (),
            detail,
            project=name,
            needs_releases=True,
            requirement=requirement.text,
        )

    if versions and requirement.specifier and not fitting:
        newest = _newest(versions)
        wanted = specifier_words(requirement.specifier)
        fixes: tuple[Fix, ...] = ()
        if requirement.parent:
            sentence = (
                f"{requirement.parent} needs {requirement_words(requirement.text)}, but the newest {name} "
                f"on {where} for Python {python} is {newest}."
            )
        else:
            sentence = f"{name} has no version {wanted} on {where}. Its newest version for Python {python} is {newest}."
            fixes = (
                Fix(
                    "install",
                    f"Install {newest} instead",
                    specs=_with_replacement(context, requirement.key, f"{name}{requirement.extras}=={newest}"),
                ),
            )
        return Explanation(
            Cause.NO_SUCH_VERSION, sentence, fixes, detail, project=name, requirement=requirement.text
        )
    if versions and not fitting:
        fitting = versions
    if fitting:
        # pip listed versions the requirement allows, yet took none: withdrawn (yanked) releases,
        # or pre-releases only.
        if all(not _is_final(v) for v in fitting):
            newest = _newest(fitting)
            return Explanation(
                Cause.NO_SUCH_VERSION,
                f"{name} has only test versions (pre-releases) on {where}: the newest is {newest}.",
                (
                    Fix(
                        "install",
                        f"Install the pre-release {newest}",
                        specs=_with_replacement(context, requirement.key, f"{name}{requirement.extras}=={newest}"),
                    ),
                ),
                detail,
                project=name,
                requirement=requirement.text,
            )
        return _yanked(requirement, fitting, context, detail)

    if requirement.parent:
        wanted = specifier_words(requirement.specifier)
        return Explanation(
            Cause.NO_SUCH_PROJECT,
            f"{requirement.parent} needs {requirement.name}" + (f" ({wanted})" if wanted else "")
            + f", and there is no package called {_quote(requirement.name)} on {where}.",
            (),
            detail,
            project=name,
            needs_releases=True,
            kind="dependency",
            requirement=requirement.text,
        )
    return _no_such_project(requirement, context, detail, where)


def _newest(versions: Sequence[str]) -> str:
    finals = [v for v in versions if _is_final(v)]
    return max(finals or list(versions), key=_version_key)


def _yanked(requirement: _Requirement, versions: Sequence[str], context: Context, detail: str) -> Explanation:
    name = requirement.name
    listed = _join_words(sorted(versions, key=_version_key))
    newest = _newest(versions)
    return Explanation(
        Cause.YANKED,
        f"Every release of {name} that fits ({listed}) has been withdrawn by its authors, so pip "
        "will not choose one by itself.",
        (
            Fix(
                "install",
                f"Install the withdrawn {newest} anyway",
                specs=_with_replacement(context, requirement.key, f"{name}{requirement.extras}=={newest}"),
            ),
        ),
        detail,
        project=name,
        needs_releases=True,
        requirement=requirement.text,
    )


def _shipped_provider(import_name: str) -> str | None:
    """The most downloaded project providing ``import_name``, from the shipped import-name table
    (:mod:`core.import_names`, built from real wheels); None when it names none."""
    from core import import_names

    try:
        found = import_names.providers(import_name)
    except (OSError, ValueError):
        return None
    return found[0] if found else None


def _no_such_project(requirement: _Requirement, context: Context, detail: str, where: str) -> Explanation:
    name = requirement.name
    python = _python_words(context.python_version)
    provider = _IMPORT_NAMES_BY_KEY.get(requirement.key)
    if provider is None and requirement.name in IMPORT_NAMES:
        provider = IMPORT_NAMES[requirement.name]
    if provider is None:
        provider = _shipped_provider(requirement.name)
    if provider is not None and canonical_name(provider) != requirement.key:
        return Explanation(
            Cause.NO_SUCH_PROJECT,
            f"{_quote(name)} is the name you import in Python; the package that provides it is called {provider}.",
            (
                Fix(
                    "install",
                    f"Install {provider}",
                    specs=_with_replacement(context, requirement.key, provider + requirement.extras),
                ),
            ),
            detail,
            project=name,
            kind="import-name",
            requirement=requirement.text,
        )
    close = list(context.close_names(name))
    if any(canonical_name(found) == requirement.key for found, _ in close):
        # The project exists, yet pip found nothing it may install: files only for other
        # systems, withdrawn, needing another Python, or an index that failed for this page.
        return Explanation(
            Cause.NO_MATCHING_PLATFORM,
            f"pip found no file of {name} on {where} that it can install here "
            f"({_system_words(context.platform)}, Python {python}).",
            (),
            detail,
            project=name,
            needs_releases=True,
            requirement=requirement.text,
        )
    sentence = f"There is no package called {_quote(name)} on {where}."
    well_known = [
        found
        for found, rank in close
        if rank is not None and rank <= WELL_KNOWN_RANK and canonical_name(found) != requirement.key
    ]
    fixes: tuple[Fix, ...] = ()
    kind = ""
    if well_known:
        best = well_known[0]
        sentence += f" Did you mean {best}?"
        fixes = tuple(
            Fix(
                "install",
                f"Install {found}",
                specs=_with_replacement(context, requirement.key, found + requirement.extras + requirement.specifier),
            )
            for found in well_known[:2]
        )
    else:
        obscure = [found for found, _ in close if canonical_name(found) != requirement.key]
        if obscure:
            kind = "typosquat"
            sentence += (
                f" A little-known package with a similar name exists ({_quote(obscure[0])}): check the "
                "spelling where you found the name before installing anything — look-alike names "
                "are a common trick to get people to install harmful packages."
            )
    return Explanation(
        Cause.NO_SUCH_PROJECT,
        sentence,
        fixes,
        detail,
        project=name,
        needs_releases=True,
        kind=kind,
        requirement=requirement.text,
    )


# -- another Python --------------------------------------------------------------------------

# The newest Python minor version Venvdesk knows of: "how to get one" never names a later one.
NEWEST_KNOWN_PYTHON = (3, 14)


def _fitting_interpreters(requires: str, context: Context) -> tuple[str, ...]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifier = SpecifierSet(requires)
    except InvalidSpecifier:
        return ()
    found = []
    for version, _path in context.interpreters:
        if specifier.contains(version, prereleases=True):
            found.append(version)
    found.sort(key=_version_key, reverse=True)
    return tuple(dict.fromkeys(".".join(v.split(".")[:2]) for v in found))


def _newest_fitting_python(requires: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifier = SpecifierSet(requires)
    except InvalidSpecifier:
        return ""
    for minor in range(NEWEST_KNOWN_PYTHON[1], -1, -1):
        if specifier.contains(f"3.{minor}.0", prereleases=True) or specifier.contains(f"3.{minor}", prereleases=True):
            return f"3.{minor}"
    if specifier.contains("2.7", prereleases=True):
        return "2.7"
    return ""


def _needs_other_python(
    name: str,
    requires: str,
    alternatives: Sequence[str],
    context: Context,
    detail: str,
    *,
    requirement: str = "",
    version: str = "",
    parent: str = "",
) -> Explanation:
    python = _python_words(context.python_version)
    what = f"{name} {version}".strip() if version and requirement and "==" in requirement else name
    sentence = f"{what} needs {python_range_words(requires)}; this environment has Python {python}."
    if parent:
        sentence = f"{parent} needs {name}, and " + sentence[0].lower() + sentence[1:]
    fixes: list[Fix] = []
    if alternatives and not parent:
        newest = _newest(alternatives)
        fixes.append(
            Fix(
                "install",
                f"Install {newest} instead",
                specs=_with_replacement(context, canonical_name(name), f"{name}=={newest}"),
            )
        )
        sentence += f" {name} {newest} works with Python {python}."
    fitting = _fitting_interpreters(requires, context)
    if fitting:
        fixes.append(
            Fix(
                "new_environment",
                f"Create a Python {fitting[0]} environment…",
                python_versions=fitting,
            )
        )
    else:
        get = _newest_fitting_python(requires)
        sentence += " No Python on this computer fits"
        sentence += f"; Python {get} can be installed from python.org." if get else "."
        fixes.append(Fix("new_environment", "Create an environment with another Python…"))
    return Explanation(
        Cause.PYTHON_TOO_NEW_OR_OLD,
        sentence,
        tuple(fixes),
        detail,
        project=name,
        needs_releases=not alternatives,
        requirement=requirement,
    )


# -- builds ----------------------------------------------------------------------------------

_BUILD_MARKERS = (
    "subprocess-exited-with-error",
    "Failed building wheel for",
    "Could not build wheels for",
    "Failed to build ",
    "failed-wheel-build-for-install",
    "metadata-generation-failed",
    "did not run successfully",
    "Running setup.py install for",
    "Command errored out with exit status",
    "Encountered error while generating package metadata",
    # uv
    "Failed to build `",
    "Failed to download and build `",
    "The build backend returned an error",
)


def _is_build_failure(text: str) -> bool:
    return any(marker in text for marker in _BUILD_MARKERS)


_BUILD_PROJECT = (
    re.compile(r"Failed building wheel for (\S+)"),
    re.compile(r"Building wheel for (\S+) \([^)]*\) did not run successfully"),
    re.compile(r"Failed to build '([^']+)'"),
    re.compile(r"Could not build wheels for (\S+?),? "),
    re.compile(r"Failed to build installable wheels for some pyproject\.toml based projects \((\S+?)[,)]"),
    re.compile(r"Running setup\.py install for (\S+) \.\.\. error"),
    re.compile(r"Failed to (?:download and )?build `([A-Za-z0-9][A-Za-z0-9._-]*)"),  # uv
)
_COLLECTING = re.compile(r"^Collecting (\S+)", re.MULTILINE)

# (anchor, pattern, what it means): an old release that no longer builds on this Python.  The
# anchor is a literal part of every match: only lines holding it are searched.
_TOO_OLD = (
    ("fatal error", re.compile(r"longintrepr\.h"), "it uses a C header (longintrepr.h) that Python 3.11 removed"),
    ("No module named", re.compile(r"No module named '?distutils"), "its build uses distutils, which Python 3.12 removed"),
    ("No module named", re.compile(r"No module named '?imp'?\s*$"), "its build uses the imp module, which Python 3.12 removed"),
    ("has no attribute", re.compile(r"pkgutil'? has no attribute 'ImpImporter'"), "its build uses pkgutil.ImpImporter, which Python 3.12 removed"),
    ("has no attribute", re.compile(r"has no attribute 'SafeConfigParser'"), "its build uses configparser.SafeConfigParser, which Python 3.12 removed"),
    ("cannot import name", re.compile(r"cannot import name 'SafeConfigParser'"), "its build uses configparser.SafeConfigParser, which Python 3.12 removed"),
    ("has no attribute", re.compile(r"module 'collections' has no attribute '(?:Mapping|MutableMapping|Sequence|Iterable|Callable)'"), "its build uses collections names that Python 3.10 moved"),
    ("cannot import name", re.compile(r"cannot import name '(?:Mapping|MutableMapping|Sequence|Iterable|Callable)' from 'collections'"), "its build uses collections names that Python 3.10 moved"),
    ("has no member named", re.compile(r"has no member named '(?:exc_type|exc_value|exc_traceback|recursion_depth|use_tracing|f_lasti|ob_digit|curexc_type)'"), "its C code uses Python internals that have changed since"),
    ("arguments to function", re.compile(r"too (?:few|many) arguments to function '_Py"), "its C code uses Python internals that have changed since"),
    ("implicit declaration", re.compile(r"implicit declaration of function '_?Py(?:Unicode_AS_UNICODE|Unicode_GET_SIZE|_SetRecursionLimit|Eval_CallObject)"), "its C code uses Python functions that were removed since"),
)

_HEADER_MISSING = (
    ("fatal error", re.compile(r"fatal error: ([\w./+-]+\.h[\w]*): ")),  # gcc, in any language
    ("fatal error", re.compile(r"fatal error: '([\w./+-]+\.h[\w]*)' file not found")),  # clang
    ("fatal error", re.compile(r"fatal error C1083: [^:]+: '([\w./\\+-]+\.h[\w]*)'")),  # MSVC
)

_COMPILER_MISSING = (
    ("No such file or directory", re.compile(r"error: command '([^']*?(?:gcc|cc|clang|g\+\+|c\+\+|cl\.exe))' failed: No such file or directory"), "compiler"),
    ("No such file or directory", re.compile(r"unable to execute '([^']*?(?:gcc|cc|clang|g\+\+|c\+\+))': No such file or directory"), "compiler"),
    ("No such file or directory", re.compile(r"\[Errno 2\] No such file or directory: '([^']*?(?:gcc|cc|clang|g\+\+|c\+\+))'"), "compiler"),
    ("not found", re.compile(r"(?:^|\s)((?:[\w.-]*-)?(?:gcc|cc|clang|g\+\+|c\+\+)): (?:command )?not found"), "compiler"),
    ("Microsoft Visual C++", re.compile(r"(Microsoft Visual C\+\+ 14\.0(?: or greater)? is required)"), "msvc"),
    ("vcvarsall", re.compile(r"(Unable to find vcvarsall\.bat)"), "msvc"),
    ("xcrun: error", re.compile(r"xcrun: error: (invalid active developer path)"), "xcode"),
    ("Rust", re.compile(r"(can't find Rust compiler|Cargo, the Rust package manager, is not installed)"), "rust"),
    ("not found", re.compile(r"(linker `cc` not found)"), "rust"),
)

_CONFIG_TOOL_MISSING = (
    ("not found", re.compile(r"(pg_config) executable not found")),
    ("not found", re.compile(r"\b([\w.-]+-config|pg_config|mysql_config|mariadb_config|pkg-config): (?:command )?not found")),
    ("not found", re.compile(r"\b(mysql_config|pg_config) not found")),
    ("pkg-config", re.compile(r"Did not find (pkg-config)")),
    ("pkg-config", re.compile(r"Can not find valid (pkg-config) name")),
)
_PKG_CONFIG_PACKAGE = (
    "not found",
    re.compile(r"Package '?([\w.+-]+)'?,? (?:required by '[^']*', )?(?:was )?not found"),
)


def _build_project(lines: Sequence[str], own: str) -> str:
    for pattern in _BUILD_PROJECT:
        match = pattern.search(own)
        if match:
            return match.group(1).strip("'\",")
    collecting = _COLLECTING.findall(own)
    if collecting:
        parsed = _parse_requirement(collecting[-1])
        return parsed.name if parsed else collecting[-1]
    return ""


def _build_failure(lines: Sequence[str], text: str, own: str, context: Context, detail: str) -> Explanation:
    project = _build_project(lines, own)
    python = _python_words(context.python_version)
    system = _system_words(context.platform)
    who = project or "A package"
    anchored = _Anchored(text)

    if (
        "Installing build dependencies: finished with status 'error'" in own
        or "install build dependencies did not run successfully" in own
        or "installing build dependencies for" in own
        or "Cannot install build dependencies" in own
        or "requirements from `build-system.requires`" in own  # uv
    ):
        missing = anchored.search("No matching distribution found for", _NO_MATCHING)
        where = index_words(context.index_url or _looking_in(lines))
        if missing is not None:
            sentence = (
                f"{who} had to be built from source, and the tools its build needs "
                f"({missing.group(1).strip()}) are not on {where}."
            )
        else:
            sentence = f"{who} had to be built from source, and the tools its build needs could not be installed."
        return Explanation(
            Cause.BUILD_FAILED, sentence, (), detail, project=project, needs_releases=True, kind="build-dependencies"
        )

    for anchor, pattern, words in _TOO_OLD:
        if anchored.search(anchor, pattern):
            requested = _parse_requirement(_requested_for(canonical_name(project), context) or "-")
            fixes: tuple[Fix, ...] = ()
            if requested is not None and requested.specifier:
                # The person pinned this old release: the newest one is the first thing to try.
                fixes = (
                    Fix(
                        "install",
                        f"Install the newest {project}",
                        specs=_with_replacement(context, requested.key, requested.name + requested.extras),
                    ),
                )
            return Explanation(
                Cause.BUILD_TOO_OLD,
                f"{who} had to be built from source, and this release is too old for Python {python}: {words}.",
                fixes,
                detail,
                project=project,
                needs_releases=True,
                kind="too-old",
            )

    for anchor, pattern, kind in _COMPILER_MISSING:
        match = anchored.search(anchor, pattern)
        if match:
            return _compiler_missing(who, kind, match.group(1), context, detail, project)

    for anchor, pattern in _CONFIG_TOOL_MISSING:
        match = anchored.search(anchor, pattern)
        if match:
            tool = match.group(1)
            library = _CONFIG_TOOLS.get(tool, "")
            if tool == "pkg-config" and anchored.lines("MYSQLCLIENT"):
                library = "mysqlclient"
            return _library_missing(who, library, f"the program {tool}", context, detail, project, kind="config-tool")
    match = anchored.search(*_PKG_CONFIG_PACKAGE)
    if match and match.group(1) in _PKG_CONFIG_MODULES:
        library = _PKG_CONFIG_MODULES[match.group(1)]
        return _library_missing(who, library, f"the pkg-config package {match.group(1)}", context, detail, project, kind="config-tool")

    for anchor, pattern in _HEADER_MISSING:
        match = anchored.search(anchor, pattern)
        if match:
            header = match.group(1).replace("\\", "/")
            if header in ("Python.h", "pyconfig.h"):
                return _library_missing(who, "python-dev", f"Python's own header file {header}", context, detail, project, kind="header")
            library = _HEADERS.get(header, "")
            if not library and header.startswith("openssl/"):
                library = "openssl"
            if not library and header.startswith(("libxml/", "libxslt/")):
                library = "libxml2"
            return _library_missing(who, library, f"the header file {header}", context, detail, project, kind="header")

    telling = _telling_build_line(lines, text)
    sentence = f"{who} had to be built from source for {system} with Python {python}, and the build failed"
    sentence += f": “{telling}”." if telling else "."
    return Explanation(Cause.BUILD_FAILED, sentence, (), detail, project=project, needs_releases=True)


def _compiler_missing(who: str, kind: str, found: str, context: Context, detail: str, project: str) -> Explanation:
    python = _python_words(context.python_version)
    fixes: list[Fix] = []
    if kind == "msvc":
        sentence = (
            f"{who} had to be built from source, and that needs Microsoft's C++ Build Tools, which "
            "are not installed. Installing a release with a ready-made wheel avoids it."
        )
        fixes.append(Fix("copy", "Copy the Build Tools address", text="https://visualstudio.microsoft.com/visual-cpp-build-tools/"))
    elif kind == "xcode":
        sentence = (
            f"{who} had to be built from source, and that needs Apple's command line developer tools, "
            "which are not installed (or were removed by a macOS update)."
        )
        fixes.append(Fix("copy", "Copy the install command", text="xcode-select --install"))
    elif kind == "rust":
        sentence = (
            f"{who} had to be built from source, and that needs the Rust compiler, which is not "
            f"installed. Python {python} may be newer than this release's ready-made wheels."
        )
    else:
        program = found.rsplit("/", 1)[-1]
        sentence = f"{who} had to be built from source, and that needs a C compiler ({program}), which is not installed."
        line = system_install_line("compiler", context.system, context.platform)
        if line:
            fixes.append(Fix("copy", "Copy the install command", text=line))
            sentence += f" To install one: {line}"
            if not sentence.endswith("."):
                sentence += "."
    return Explanation(
        Cause.BUILD_COMPILER_MISSING, sentence, tuple(fixes), detail, project=project, needs_releases=True, kind=kind,
        library="compiler",
    )


def _library_missing(
    who: str, library: str, what: str, context: Context, detail: str, project: str, *, kind: str
) -> Explanation:
    python = _python_words(context.python_version)
    if library == "python-dev":
        words = f"the development files of Python {python}"
    elif library in _LIBRARIES:
        words = _LIBRARIES[library].words
    else:
        words = "a library that is not installed"
    sentence = f"{who} had to be built from source, and that needs {words}: {what} is missing."
    fixes: list[Fix] = []
    line = system_install_line(library, context.system, context.platform, context.python_version) if library else ""
    if line:
        sentence += f" To install it: {line}"
        if not sentence.endswith("."):
            sentence += "."
        fixes.append(Fix("copy", "Copy the install command", text=line))
    return Explanation(
        Cause.BUILD_HEADER_MISSING, sentence, tuple(fixes), detail, project=project, needs_releases=True,
        kind=kind, library=library,
    )


_GENERIC_BUILD_LINES = (
    "error: subprocess-exited-with-error",
    "error: metadata-generation-failed",
    "error: failed-wheel-build-for-install",
    "[end of output]",
)


_EXCEPTION_LINE = re.compile(r"^[\w.]*(?:Error|Exception): ")
_COMPILER_ERROR_LINE = re.compile(r"^\S+:\d+(?::\d+)?: (?:fatal )?error: ")
_GENERIC_ERROR_LINE = re.compile(r"^error: command '[^']+' failed with exit (?:code|status) \d+$")


def _first_lines(text: str, needle: str, limit: int = 50) -> list[tuple[int, str]]:
    """The first *limit* lines of *text* holding *needle*, with their positions (``str.find``)."""
    found: list[tuple[int, str]] = []
    position = text.find(needle)
    while position >= 0 and len(found) < limit:
        line_start = text.rfind("\n", 0, position) + 1
        line_end = text.find("\n", position)
        if line_end < 0:
            line_end = len(text)
        found.append((line_start, text[line_start:line_end]))
        position = text.find(needle, line_end)
    return found


def _telling_build_line(lines: Sequence[str], text: str) -> str:
    """The most telling line of a failed build: its first real error, else pip's last one."""
    candidates = sorted(
        {item for needle in ("error: ", "Error: ", "Exception: ", "ERROR: ") for item in _first_lines(text, needle)}
    )
    for _position, line in candidates:
        stripped = line.strip()
        if stripped.startswith(_GENERIC_BUILD_LINES) or "did not run successfully" in stripped:
            continue
        if stripped.startswith(("error", "Error")):
            if not _GENERIC_ERROR_LINE.match(stripped):
                return stripped
        elif stripped.startswith("ERROR"):
            if not stripped.startswith(("ERROR: Failed", "ERROR: Could not build", "ERROR: ERROR:")):
                return stripped
        elif _COMPILER_ERROR_LINE.match(stripped) or _EXCEPTION_LINE.match(stripped):
            return stripped
    return _final_error(lines)


# --------------------------------------------------------------------------- refine


@dataclass
class _Release:
    version: str
    wheels: list[str] = field(default_factory=list)
    sdist: bool = False
    requires_python: str = ""
    yanked: bool = True  # until a file that is not yanked is seen
    yanked_reason: str = ""


def _releases(files: Sequence[Mapping[str, Any]]) -> dict[str, _Release]:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    releases: dict[str, _Release] = {}
    for entry in files:
        filename = str(entry.get("filename") or "")
        try:
            if filename.endswith(".whl"):
                version = str(parse_wheel_filename(filename)[1])
                is_wheel = True
            else:
                version = str(parse_sdist_filename(filename)[1])
                is_wheel = False
        except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
            continue
        release = releases.setdefault(version, _Release(version))
        if is_wheel:
            release.wheels.append(filename)
        else:
            release.sdist = True
        yanked = entry.get("yanked")
        if yanked:
            if isinstance(yanked, str) and not release.yanked_reason:
                release.yanked_reason = yanked
        else:
            release.yanked = False
        requires = str(entry.get("requires-python") or entry.get("requires_python") or "")
        if requires and not release.requires_python:
            release.requires_python = requires
    return releases


@functools.lru_cache(maxsize=8)
def _environment_tags(python_version: tuple[int, int]) -> frozenset[Any]:
    """The wheel tags an environment of *python_version* on this machine accepts."""
    from packaging import tags

    platforms = list(tags.platform_tags())
    interpreter = f"cp{python_version[0]}{python_version[1]}"
    found = set(tags.cpython_tags(python_version, platforms=platforms))
    found.update(tags.compatible_tags(python_version, interpreter, platforms))
    return frozenset(found)


def _wheel_fits(filename: str, python_version: tuple[int, int]) -> bool:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        wheel_tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return False
    return not wheel_tags.isdisjoint(_environment_tags(python_version))


def _fits_python(release: _Release, python: str) -> bool:
    return not release.requires_python or _matches(release.requires_python, python)


def _python_pair(context: Context) -> tuple[int, int]:
    import sys

    version = context.python_version or tuple(sys.version_info[:2])
    return (int(version[0]), int(version[1]) if len(version) > 1 else 0)


def _python_text(context: Context) -> str:
    import sys

    version = context.python_version or tuple(sys.version_info[:3])
    return ".".join(map(str, version[:3]))


def _wheel_target_words(filenames: Iterable[str]) -> str:
    """What a set of wheels is made for: "Windows (Python 3.9)", "macOS and Linux"."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    systems: list[str] = []
    pythons: list[str] = []
    for filename in filenames:
        try:
            wheel_tags = parse_wheel_filename(filename)[3]
        except InvalidWheelFilename:
            continue
        for tag in wheel_tags:
            platform = tag.platform
            if platform.startswith("win"):
                system = "Windows"
            elif platform.startswith("macosx"):
                system = "macOS"
            elif platform.startswith("musllinux"):
                system = "Alpine Linux"
            elif "linux" in platform:
                system = "Linux"
            elif platform == "any":
                system = ""
            else:
                system = platform
            if system and system not in systems:
                systems.append(system)
            match = re.match(r"^(?:cp|py)(\d)(\d+)$", tag.interpreter)
            if match:
                python = f"{match.group(1)}.{match.group(2)}"
                if python not in pythons:
                    pythons.append(python)
    words = _join_words(systems)
    if pythons:
        pythons.sort(key=_version_key)
        words += f" (Python {_join_words(pythons)})" if words else f"Python {_join_words(pythons)}"
    return words


def refine(explanation: Explanation, files: Sequence[Mapping[str, Any]], context: Context) -> Explanation:
    """The explanation completed with the index's files for ``explanation.project``.

    *files* are :func:`core.pypi.project_files` dicts (``filename``, ``requires-python``,
    ``yanked``); an empty list means the index has no such project.  Offers an older release
    that fits this Python, or the newest release with a ready-made wheel for this environment
    (its tags from :mod:`packaging.tags`), and tells apart a project that is missing from one
    whose files are all for other systems, withdrawn, or for other Pythons.
    """
    if not explanation.needs_releases:
        return explanation
    done = replace(explanation, needs_releases=False)
    releases = _releases(files)
    python_pair = _python_pair(context)
    python = _python_text(context)
    name = explanation.project
    key = canonical_name(name)

    def installable(release: _Release, wheel_only: bool = False) -> bool:
        if release.yanked or not _fits_python(release, python):
            return False
        has_wheel = any(_wheel_fits(w, python_pair) for w in release.wheels)
        return has_wheel or (release.sdist and not wheel_only)

    ordered = sorted(releases.values(), key=lambda r: _version_key(r.version), reverse=True)
    finals = [r for r in ordered if _is_final(r.version)] or ordered

    if explanation.cause in (Cause.NO_SUCH_PROJECT, Cause.NO_MATCHING_PLATFORM) and explanation.kind not in ("import-name",):
        if not releases:
            if explanation.cause is Cause.NO_MATCHING_PLATFORM:
                where = index_words(context.index_url)
                return replace(done, cause=Cause.NO_SUCH_PROJECT, sentence=f"There is no package called {_quote(name)} on {where}.")
            return done
        if all(r.yanked for r in ordered):
            return _yanked_refined(done, ordered, context)
        fitting_python = [r for r in finals if _fits_python(r, python)]
        if not fitting_python:
            newest = finals[0]
            return replace(
                _needs_other_python(name, newest.requires_python, (), context, done.detail, requirement=done.requirement),
                needs_releases=False,
            )
        if any(installable(r) for r in fitting_python):
            # The index lists files pip could have installed: it failed to answer pip (a 503, a
            # page it could not read), which pip reports as "no versions" too.
            where = index_words(context.index_url)
            return replace(
                done,
                cause=Cause.INDEX_UNREACHABLE,
                kind="http-error",
                sentence=(
                    f"pip found nothing to install for {name}, yet {where} has files of it that fit: "
                    "the index probably failed to answer pip for a moment. Try again."
                ),
                fixes=(Fix("retry", "Try again"),),
            )
        if not any(installable(r) for r in fitting_python):
            wheels = [w for r in ordered for w in r.wheels]
            target = _wheel_target_words(wheels) or "other systems"
            sentence = (
                f"{name} has ready-made files only for {target}, and no source to build from: "
                f"nothing of it can be installed on {_system_words(context.platform)} with Python "
                f"{_python_words(python_pair)}."
            )
            fixes: list[Fix] = []
            same_system = [
                w for w in wheels if _wheel_target_words([w]).split(" (")[0] == _system_words(context.platform)
            ]
            if same_system:
                pythons = tuple(
                    v for v, _ in context.interpreters
                    if any(_wheel_fits(w, _pair(v)) for w in same_system)
                )
                if pythons:
                    fixes.append(Fix("new_environment", f"Create a Python {_python_words(_pair(pythons[0]))} environment…", python_versions=pythons))
            return replace(done, cause=Cause.NO_MATCHING_PLATFORM, sentence=sentence, fixes=tuple(fixes))
        return done

    if explanation.cause is Cause.PYTHON_TOO_NEW_OR_OLD:
        best = next((r for r in finals if installable(r)), None)
        if best is None:
            return done
        fix = Fix("install", f"Install {best.version} instead", specs=_with_replacement(context, key, f"{name}=={best.version}"))
        sentence = done.sentence
        if best.version not in sentence:
            sentence += f" {name} {best.version} works with Python {_python_words(python_pair)}."
        return replace(done, fixes=(fix, *(f for f in done.fixes if f.kind != "install")), sentence=sentence)

    if explanation.cause in BUILD_CAUSES:
        best = next((r for r in finals if installable(r, wheel_only=True)), None)
        if best is None:
            return replace(
                done,
                sentence=done.sentence + f" No release of {name} has a ready-made wheel for this environment.",
            )
        fix = Fix("install", f"Install {best.version} instead", specs=_with_replacement(context, key, f"{name}=={best.version}"))
        sentence = done.sentence + f" {name} {best.version} has a ready-made wheel for this environment: nothing needs building."
        return replace(done, fixes=(fix, *(f for f in done.fixes if f.kind != "install")), sentence=sentence)

    if explanation.cause is Cause.YANKED:
        if explanation.kind == "warning":
            best = next((r for r in finals if installable(r)), None)
            if best is not None:
                fix = Fix("install", f"Install {best.version} instead", specs=_with_replacement(context, key, f"{name}=={best.version}"))
                return replace(done, fixes=(fix,))
            return replace(done, fixes=())
        return _yanked_refined(done, ordered, context)

    if explanation.cause is Cause.IMPORT_FAILED:
        return _import_refined(done, finals, context, installable)

    return done


def _pair(version: str) -> tuple[int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", version)[:2]]
    return (numbers[0], numbers[1] if len(numbers) > 1 else 0) if numbers else (3, 0)


def _yanked_refined(done: Explanation, releases: Sequence[_Release], context: Context) -> Explanation:
    reasons = [r.yanked_reason for r in releases if r.yanked and r.yanked_reason]
    sentence = done.sentence
    if reasons and "reason" not in sentence:
        sentence += f" The reason given: {reasons[0].rstrip('.')}."
    return replace(done, cause=Cause.YANKED, sentence=sentence)


def _import_refined(
    done: Explanation,
    finals: Sequence[_Release],
    context: Context,
    installable: Callable[[_Release], bool],
) -> Explanation:
    name = done.project
    key = canonical_name(name)
    installed = done.requirement.partition("==")[2]
    newer = [r for r in finals if installable(r) and (not installed or _version_key(r.version) > _version_key(installed))]
    if not newer:
        return done
    pair = _python_pair(context)
    specific = f"cp{pair[0]}{pair[1]}"
    # A release with a wheel made for exactly this Python certainly supports it: the oldest such.
    evidence = [r for r in newer if any(f"-{specific}-" in w for w in r.wheels)]
    chosen = evidence[-1] if evidence else newer[0]
    fix = Fix("install", f"Install {chosen.version} instead", specs=_with_replacement(context, key, f"{name}=={chosen.version}"))
    return replace(done, fixes=(fix,))


def refine_error(explanation: Explanation, error: BaseException, context: Context) -> Explanation:
    """The explanation when fetching ``explanation.project``'s files failed with *error*.

    A 404 confirms the project does not exist; any other failure means the index itself
    failed (pip says "no versions" for a page it could not read, too).
    """
    if not explanation.needs_releases:
        return explanation
    code = getattr(error, "code", None)
    done = replace(explanation, needs_releases=False)
    if code == 404:
        if explanation.cause is Cause.NO_MATCHING_PLATFORM:
            where = index_words(context.index_url)
            return replace(done, cause=Cause.NO_SUCH_PROJECT, sentence=f"There is no package called {_quote(explanation.project)} on {where}.")
        return done
    if explanation.cause not in (Cause.NO_SUCH_PROJECT, Cause.NO_MATCHING_PLATFORM):
        return done
    if isinstance(code, int):
        kind = "http-error" if code >= 500 else "other"
        text = f"HTTP error {code}"
    else:
        text = f"{type(error).__name__}: {error}"
        reason = getattr(error, "reason", None)
        if reason is not None:
            text += f" {type(reason).__name__}: {reason}"
        kind = _network_kind(text)
        if "ECONNREFUSED" in text or "Errno 111" in text:
            kind = "refused"
    return _unreachable(
        kind, (), context, explanation.detail, project=explanation.project, status=code if isinstance(code, int) else None
    )


# --------------------------------------------------------------------------- imports

# (pattern, the name that is gone, the Python that removed it)
_REMOVED = (
    (re.compile(r"(?:cannot import name '|module 'collections' has no attribute ')(Mapping|MutableMapping|Sequence|MutableSequence|Set|MutableSet|Iterable|Iterator|Callable|Hashable|Sized|Container|Generator)'"), "collections.{0}", "3.10"),
    (re.compile(r"No module named '(distutils)'"), "{0}", "3.12"),
    (re.compile(r"No module named '(imp)'"), "the {0} module", "3.12"),
    (re.compile(r"No module named '(asynchat|asyncore|smtpd)'"), "the {0} module", "3.12"),
    (re.compile(r"module 'pkgutil' has no attribute '(ImpImporter)'"), "pkgutil.{0}", "3.12"),
    (re.compile(r"cannot import name '(SafeConfigParser)'|module 'configparser' has no attribute '(SafeConfigParser)'"), "configparser.{0}", "3.12"),
    (re.compile(r"module 'ssl' has no attribute '(wrap_socket|match_hostname)'"), "ssl.{0}", "3.12"),
    (re.compile(r"module 'asyncio' has no attribute '(coroutine|async)'"), "asyncio.{0}", "3.11"),
    (re.compile(r"cannot import name '(coroutine)' from 'asyncio'"), "asyncio.{0}", "3.11"),
    (re.compile(r"module 'inspect' has no attribute '(getargspec|formatargspec)'|cannot import name '(getargspec|formatargspec)'"), "inspect.{0}", "3.11"),
    (re.compile(r"No module named '(cgi|cgitb|crypt|imghdr|pipes|telnetlib|nntplib|audioop|sndhdr|sunau|uu|xdrlib|msilib|nis|spwd|mailcap|chunk|aifc|ossaudiodev|lib2to3)'"), "the {0} module", "3.13"),
    (re.compile(r"module 'time' has no attribute '(clock)'"), "time.{0}", "3.8"),
    (re.compile(r"cannot import name '(escape)' from 'cgi'"), "cgi.{0}", "3.8"),
    (re.compile(r"module 'base64' has no attribute '(encodestring|decodestring)'"), "base64.{0}", "3.9"),
    (re.compile(r"'(?:Thread|_MainThread)' object has no attribute '(isAlive)'"), "Thread.{0}", "3.9"),
    (re.compile(r"module 'fractions' has no attribute '(gcd)'|cannot import name '(gcd)' from 'fractions'"), "fractions.{0}", "3.9"),
    (re.compile(r"object has no attribute '(getchildren|getiterator)'"), "ElementTree's {0}", "3.9"),
    (re.compile(r"'array\.array' object has no attribute '(tostring|fromstring)'"), "array.{0}", "3.9"),
    (re.compile(r"module 'unittest' has no attribute '(makeSuite|findTestCases|getTestCaseNames)'"), "unittest.{0}", "3.13"),
    (re.compile(r"module 'locale' has no attribute '(resetlocale)'"), "locale.{0}", "3.13"),
    (re.compile(r"module 'typing' has no attribute '(io|re)'"), "typing.{0}", "3.13"),
    (re.compile(r"No module named '(_?ctypes|_ssl|_sqlite3|_bz2|_lzma|_tkinter)'"), "", ""),
)


def explain_import_failure(project: str, version: str, error: str, context: Context) -> Explanation:
    """Why ``project`` *version*, installed "done", cannot be imported (*error*: the traceback).

    An error that is the symptom of a standard-library name this Python removed
    (``collections.MutableMapping``, ``distutils``, ``imp``, ``asyncio.coroutine``,
    ``pkgutil.ImpImporter`` …) means the release is older than this Python: the fix is a
    newer release (``needs_releases``: :func:`refine` picks the oldest release with a wheel
    made for this Python, else the newest).
    """
    python = _python_words(context.python_version)
    lines = [line for line in error.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    detail = "\n".join(lines[-40:])
    head = f"{project} {version} installed, but it cannot be imported on Python {python}"
    requirement = f"{project}=={version}" if version else project

    for pattern, gone, removed_in in _REMOVED:
        match = pattern.search(error)
        if match is None:
            continue
        if not gone:  # a module of Python itself that this Python was built without
            module = match.group(1).lstrip("_")
            return Explanation(
                Cause.IMPORT_FAILED,
                f"{head}: this Python was built without its {module} module. "
                "Create the environment again with a complete Python (from python.org, or your system's packages).",
                (Fix("new_environment", "Create a new environment…"),),
                detail, project=project, kind="python-incomplete", requirement=requirement,
            )
        name = next(g for g in match.groups() if g)
        what = gone.format(name)
        sentence = f"{head}: it is older than this Python (it uses {what}, which Python {removed_in} removed)."
        return Explanation(
            Cause.IMPORT_FAILED,
            sentence,
            (Fix("install", f"Install a newer {project}", specs=_with_replacement(context, canonical_name(project), f"{project}>{version}" if version else project)),),
            detail,
            project=project,
            needs_releases=True,
            kind="too-old",
            requirement=requirement,
        )

    match = re.search(r"([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file", error)
    if match:
        shared = match.group(1)
        library = _SHARED_LIBRARIES.get(shared, "")
        line = system_install_line(library, context.system, context.platform) if library else ""
        sentence = f"{head}: it needs the system library {shared}, which is not installed."
        fixes: tuple[Fix, ...] = ()
        if line:
            sentence += f" To install it: {line}."
            fixes = (Fix("copy", "Copy the install command", text=line),)
        return Explanation(Cause.IMPORT_FAILED, sentence, fixes, detail, project=project, kind="system-library", library=library, requirement=requirement)

    if "DLL load failed" in error:
        return Explanation(
            Cause.IMPORT_FAILED,
            f"{head}: a Windows library it needs is missing — usually the Microsoft Visual C++ "
            "Redistributable. Install it, then try again.",
            (Fix("copy", "Copy the download address", text="https://aka.ms/vs/17/release/vc_redist.x64.exe"),),
            detail, project=project, kind="system-library", requirement=requirement,
        )

    match = re.search(r"No module named '([\w.]+)'", error)
    if match:
        module = match.group(1)
        top = module.split(".")[0]
        if canonical_name(top) != canonical_name(project):
            provider = IMPORT_NAMES.get(module) or IMPORT_NAMES.get(top) or _shipped_provider(module) or top
            return Explanation(
                Cause.IMPORT_FAILED,
                f"{head}: it needs the module {module}, which is not installed (it comes with the package {provider}).",
                (Fix("install", f"Install {provider}", specs=(provider,)),),
                detail, project=project, kind="missing-module", requirement=requirement,
            )

    return Explanation(
        Cause.IMPORT_FAILED,
        f"{head}: “{last}”." if last else f"{head}.",
        (),
        detail,
        project=project,
        requirement=requirement,
    )


def newest_wheel_release(files: Sequence[Mapping[str, Any]], python_version: Sequence[int]) -> str:
    """The newest final, not yanked release with a ready-made wheel for an environment of
    *python_version* on this machine, among the index's *files* ("" when there is none).

    What the install plan offers instead of building a source archive.
    """
    if len(python_version) < 2:
        return ""
    pair = (int(python_version[0]), int(python_version[1]))
    python = ".".join(map(str, python_version[:3]))
    ordered = sorted(_releases(files).values(), key=lambda r: _version_key(r.version), reverse=True)
    for release in ordered:
        if not _is_final(release.version) or release.yanked or not _fits_python(release, python):
            continue
        if any(_wheel_fits(wheel, pair) for wheel in release.wheels):
            return release.version
    return ""
