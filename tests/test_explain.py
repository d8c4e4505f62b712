"""Failures explained (core/explain.py): on pip's real output, from several pip versions.

``tests/data/pip_failures/pip-<version>/<case>.txt`` are real runs of the pip bundled with
Python 3.10, 3.12 and 3.13 (23.0.1, 23.2.1, 24.2) and the newest pip (26.x) against the index of
deliberately failing packages (``venvdesk_testing/failing.py``), made by
``tools/capture_pip_failures.py``; each ``.json`` beside it holds the exit code, the pip and
Python versions and the command.  The wording differs between these versions (yanked releases,
proxies, the end of a failed build, DNS errors): every case is checked for every version.

Outputs that cannot be produced on this Linux machine (the Windows compiler message, macOS's
missing developer tools, clang's wording, another distribution's packages) are tested with pip's
real frame around the tool's real words, quoted from the tool's source or from public issue
threads (named where they are used).  The live tests at the end run the real current pip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from core import explain as explain_module
from core.backends.pip import PipBackend
from core.explain import (
    IMPORT_NAMES,
    Cause,
    Context,
    Explanation,
    Fix,
    error_block,
    explain,
    explain_import_failure,
    python_range_words,
    refine,
    refine_error,
    requirement_words,
    system_install_line,
)
from core.pypi import project_files
from core.search import Popularity, SearchIndex
from venvdesk_testing.failing import FAILING_PACKAGES, build_failing_index, setuptools_wheel
from venvdesk_testing.isolation import hermetic_pip_env
from venvdesk_testing.server import LocalIndexServer

DATA = Path(__file__).parent / "data" / "pip_failures"
DEBIAN = {"ID": "debian", "VERSION_ID": "12"}
INTERPRETERS = (("3.13.0", "/usr/bin/python3.13"), ("3.12.1", "/usr/bin/python3.12"), ("3.7.16", "/opt/python3.7"))

# The names on the failing index, with PyPI-like download ranks: requests is famous.
_NAMES = sorted({spec.name for spec in FAILING_PACKAGES} | {"setuptools", "pip", "tinyap"})
_SEARCH = SearchIndex(_NAMES, {"requests": Popularity(1, "HTTP for Humans."), "setuptools": Popularity(3, "")})


def close_names(name: str) -> list[tuple[str, int | None]]:
    return [(result.name, result.rank) for result in _SEARCH.search(name, limit=5)]


def requested_specs(command: list[str]) -> tuple[str, ...]:
    """The requirements of a captured ``pip install`` command line."""
    specs = []
    arguments = iter(command[command.index("install") + 1 :])
    for argument in arguments:
        if argument in ("--index-url", "--progress-bar", "--timeout", "--proxy", "-r"):
            next(arguments, None)
        elif not argument.startswith("-"):
            specs.append(argument)
    return tuple(specs)


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def captured(folder: Path, case: str) -> tuple[list[str], dict, Context]:
    meta = json.loads((folder / f"{case}.json").read_text("utf-8"))
    lines = (folder / f"{case}.txt").read_text("utf-8").splitlines()
    context = Context(
        requested=requested_specs(meta["command"]),
        python_version=version_tuple(meta["python"]),
        index_url=meta["index_url"],
        index_origin="",
        system=DEBIAN,
        platform="linux",
        close_names=close_names,
        interpreters=INTERPRETERS,
    )
    return lines, meta, context


PIP_FOLDERS = sorted(DATA.glob("pip-*"), key=lambda p: tuple(int(n) for n in p.name[4:].split(".")))


def cases(name: str) -> list:
    """One parameter per pip version whose capture of *name* is here."""
    found = [pytest.param(folder, id=folder.name) for folder in PIP_FOLDERS if (folder / f"{name}.txt").is_file()]
    return found or [pytest.param(None, marks=pytest.mark.skip(reason=f"no capture of {name}"))]


def test_captures_from_several_pip_versions_are_here():
    versions = [folder.name for folder in PIP_FOLDERS]
    assert len(versions) >= 4, versions
    # Python 3.13's pip prints "Ignored the following yanked versions"; 3.10's does not.
    wordings = {(folder / "yanked.txt").read_text("utf-8").count("yanked versions") for folder in PIP_FOLDERS}
    assert wordings == {0, 1}


def _assert_words(explanation: Explanation, *words: str) -> None:
    for word in words:
        assert word in explanation.sentence, (word, explanation.sentence)


def _fix(explanation: Explanation, kind: str) -> Fix:
    found = [fix for fix in explanation.fixes if fix.kind == kind]
    assert found, (kind, explanation.fixes)
    return found[0]


# ------------------------------------------------------------------ captured: names and versions


@pytest.mark.parametrize("folder", cases("no-such-project"))
def test_a_misspelt_name_offers_the_well_known_project(folder):
    lines, meta, context = captured(folder, "no-such-project")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.NO_SUCH_PROJECT
    _assert_words(explanation, "There is no package called “reqeusts” on 127.0.0.1:8000.", "Did you mean requests?")
    assert explanation.fix == Fix("install", "Install requests", specs=("requests",))
    assert "No matching distribution found for reqeusts" in explanation.detail


@pytest.mark.parametrize("folder", cases("no-such-project"))
def test_a_close_name_that_is_little_known_is_a_warning_not_a_button(folder):
    lines, meta, context = captured(folder, "no-such-project")
    obscure = Context(**{**context.__dict__, "close_names": lambda name: [("reqeust-s", None), ("requestz", 90210)]})
    explanation = explain(lines, meta["exit_code"], obscure)
    assert explanation.cause is Cause.NO_SUCH_PROJECT and explanation.kind == "typosquat"
    assert not explanation.fixes
    _assert_words(explanation, "little-known", "“reqeust-s”", "harmful")


@pytest.mark.parametrize("folder", cases("import-name"))
def test_an_import_name_names_the_package_that_provides_it(folder):
    lines, meta, context = captured(folder, "import-name")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.NO_SUCH_PROJECT and explanation.kind == "import-name"
    _assert_words(explanation, "“cv2” is the name you import", "opencv-python")
    assert explanation.fix == Fix("install", "Install opencv-python", specs=("opencv-python",))


@pytest.mark.parametrize("folder", cases("no-such-version"))
def test_a_version_that_does_not_exist_offers_the_newest(folder):
    lines, meta, context = captured(folder, "no-such-version")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.NO_SUCH_VERSION
    _assert_words(explanation, "requests has no version 99 on 127.0.0.1:8000", "newest version", "2.32.3")
    assert explanation.fix == Fix("install", "Install 2.32.3 instead", specs=("requests==2.32.3",))


@pytest.mark.parametrize("folder", cases("dependency-missing"))
def test_a_missing_dependency_names_who_needs_it(folder):
    lines, meta, context = captured(folder, "dependency-missing")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.NO_SUCH_PROJECT and explanation.kind == "dependency"
    _assert_words(explanation, "needsghost needs ghostlib (1 or newer)", "no package called “ghostlib”")


# ------------------------------------------------------------------ captured: Python, platform, yanked


@pytest.mark.parametrize("folder", cases("requires-python"))
def test_no_release_for_this_python_says_which_python_and_offers_one_that_fits(folder):
    lines, meta, context = captured(folder, "requires-python")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.PYTHON_TOO_NEW_OR_OLD
    python = ".".join(meta["python"].split(".")[:2])
    _assert_words(explanation, "oldonly needs Python 3.7 or older", f"this environment has Python {python}")
    fix = explanation.fix
    assert fix is not None and fix.kind == "new_environment"
    assert fix.python_versions == ("3.7",) and fix.label == "Create a Python 3.7 environment…"


@pytest.mark.parametrize("folder", cases("requires-python"))
def test_with_no_python_that_fits_here_it_says_how_to_get_one(folder):
    lines, meta, context = captured(folder, "requires-python")
    explanation = explain(lines, meta["exit_code"], Context(**{**context.__dict__, "interpreters": ()}))
    _assert_words(explanation, "No Python on this computer fits; Python 3.7 can be installed from python.org.")
    assert explanation.fix == Fix("new_environment", "Create an environment with another Python…")


@pytest.mark.parametrize("folder", cases("requires-python-pinned"))
def test_a_pinned_release_for_another_python_offers_the_older_release_that_fits(folder):
    lines, meta, context = captured(folder, "requires-python-pinned")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.PYTHON_TOO_NEW_OR_OLD
    _assert_words(explanation, "fitsold 2.0 needs Python 3.99 or newer", "fitsold 1.0 works with Python")
    assert explanation.fix == Fix("install", "Install 1.0 instead", specs=("fitsold==1.0",))
    assert not explanation.needs_releases  # pip named the fitting release itself


@pytest.mark.parametrize("folder", cases("platform-only"))
def test_files_only_for_another_system_are_told_once_the_file_list_is_read(folder):
    lines, meta, context = captured(folder, "platform-only")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.NO_MATCHING_PLATFORM and explanation.needs_releases
    assert explanation.project == "winonly"
    files = [{"filename": "winonly-1.0-cp39-cp39-win_amd64.whl", "requires-python": "", "yanked": False}]
    refined = refine(explanation, files, context)
    assert refined.cause is Cause.NO_MATCHING_PLATFORM and not refined.needs_releases
    _assert_words(refined, "winonly has ready-made files only for Windows (Python 3.9)", "no source", "Linux")


@pytest.mark.parametrize("folder", cases("yanked"))
def test_only_withdrawn_releases(folder):
    lines, meta, context = captured(folder, "yanked")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.YANKED
    _assert_words(explanation, "yankedonly", "withdrawn by its authors")
    assert explanation.fix == Fix("install", "Install the withdrawn 1.0 anyway", specs=("yankedonly==1.0",))
    files = [{"filename": "yankedonly-1.0-py3-none-any.whl", "yanked": "Broken build"}]
    _assert_words(refine(explanation, files, context), "The reason given: Broken build.")


@pytest.mark.parametrize("folder", cases("yanked-pinned"))
def test_a_withdrawn_release_that_installed_is_a_warning(folder):
    lines, meta, context = captured(folder, "yanked-pinned")
    assert meta["exit_code"] == 0
    explanation = explain(lines, 0, context)
    assert explanation.cause is Cause.YANKED and explanation.kind == "warning"
    _assert_words(explanation, "yankedonly 1.0 was installed", "withdrawn", "Broken build")


# ------------------------------------------------------------------ captured: conflicts, hashes


@pytest.mark.parametrize("folder", cases("conflict"))
def test_a_conflict_says_who_needs_what_in_words(folder):
    lines, meta, context = captured(folder, "conflict")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.CONFLICT
    _assert_words(explanation, "conflict-x 1.0 needs lib below 2, other-y 1.0 needs lib 2 or newer")
    assert "The conflict is caused by:" in explanation.detail and "ResolutionImpossible" in explanation.detail


@pytest.mark.parametrize("folder", cases("conflict-pinned"))
def test_a_conflict_with_a_pin_offers_to_let_pip_choose(folder):
    lines, meta, context = captured(folder, "conflict-pinned")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.CONFLICT
    _assert_words(explanation, "you asked for lib 1.0, but other-y 1.0 needs lib 2 or newer")
    assert explanation.fix == Fix("install", "Let pip choose the version of lib", specs=("other-y", "lib"))


@pytest.mark.parametrize("folder", cases("hash-mismatch"))
def test_a_hash_that_does_not_match(folder):
    lines, meta, context = captured(folder, "hash-mismatch")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.HASH_MISMATCH and explanation.kind == "mismatch"
    _assert_words(explanation, "requests 2.32.3", "hash")
    assert not explanation.fixes  # nothing to press: someone has to find out which side changed
    assert "Expected sha256 0000" in explanation.detail


# ------------------------------------------------------------------ captured: builds


@pytest.mark.parametrize("folder", cases("sdist-missing-header"))
def test_a_missing_header_names_the_library_and_the_install_line(folder):
    lines, meta, context = captured(folder, "sdist-missing-header")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.BUILD_HEADER_MISSING and explanation.library == "libpq"
    _assert_words(explanation, "needspq had to be built from source", "libpq-fe.h", "sudo apt install libpq-dev")
    assert explanation.fix == Fix("copy", "Copy the install command", text="sudo apt install libpq-dev")
    assert explanation.needs_releases and explanation.project == "needspq"
    # The detail is pip's whole error block: the compiler's words and pip's last lines.
    assert "fatal error: libpq-fe.h: No such file or directory" in explanation.detail
    assert "note: This error originates from a subprocess" in explanation.detail
    assert explanation.detail.rstrip().endswith(lines[-1].rstrip())


@pytest.mark.parametrize("folder", cases("sdist-missing-header"))
def test_a_failed_build_is_refined_into_the_newest_ready_made_wheel(folder):
    lines, meta, context = captured(folder, "sdist-missing-header")
    explanation = explain(lines, meta["exit_code"], context)
    files = [
        {"filename": "needspq-1.0-py3-none-any.whl", "requires-python": "", "yanked": False},
        {"filename": "needspq-2.0.tar.gz", "requires-python": "", "yanked": False},
    ]
    refined = refine(explanation, files, context)
    assert refined.fix == Fix("install", "Install 1.0 instead", specs=("needspq==1.0",))
    assert refined.secondary_fix == Fix("copy", "Copy the install command", text="sudo apt install libpq-dev")
    _assert_words(refined, "needspq 1.0 has a ready-made wheel for this environment")


@pytest.mark.parametrize("folder", cases("sdist-no-compiler"))
def test_no_compiler(folder):
    lines, meta, context = captured(folder, "sdist-no-compiler")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.BUILD_COMPILER_MISSING and explanation.kind == "compiler"
    _assert_words(explanation, "needs a C compiler (gcc)", "sudo apt install build-essential")
    assert explanation.fix == Fix("copy", "Copy the install command", text="sudo apt install build-essential")


@pytest.mark.parametrize("folder", cases("sdist-too-old"))
def test_an_old_release_that_no_longer_builds(folder):
    lines, meta, context = captured(folder, "sdist-too-old")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.BUILD_TOO_OLD
    _assert_words(explanation, "fastint had to be built from source", "too old", "longintrepr.h", "Python 3.11 removed")
    assert explanation.fix == Fix("install", "Install the newest fastint", specs=("fastint",))
    files = [{"filename": "fastint-1.0.tar.gz"}, {"filename": "fastint-2.0-py3-none-any.whl"}]
    assert refine(explanation, files, context).fix == Fix("install", "Install 2.0 instead", specs=("fastint==2.0",))


@pytest.mark.parametrize("folder", cases("build-tools-missing"))
def test_an_index_without_the_build_tools(folder):
    lines, meta, context = captured(folder, "build-tools-missing")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.BUILD_FAILED and explanation.kind == "build-dependencies"
    _assert_words(explanation, "needspq had to be built from source", "setuptools>=40.8.0", "127.0.0.1:8001")


# ------------------------------------------------------------------ captured: the index


@pytest.mark.parametrize(
    ("case", "kind", "words"),
    [
        ("index-stopped", "refused", "the connection was refused"),
        ("index-offline", "dns", "its name cannot be looked up"),
        ("index-timeout", "timeout", "did not answer in time"),
        ("index-tls", "tls", "security certificate is not trusted"),
        ("proxy-auth", "proxy-auth", "asks for a user name and password"),
        ("proxy-refused", "proxy", "proxy server"),
    ],
)
@pytest.mark.parametrize("folder", PIP_FOLDERS, ids=[f.name for f in PIP_FOLDERS])
def test_an_index_that_cannot_be_reached_says_why(folder, case, kind, words):
    if not (folder / f"{case}.txt").is_file():
        pytest.skip(f"no capture of {case} for {folder.name}")
    lines, meta, context = captured(folder, case)
    explanation = explain(lines, meta["exit_code"], context)
    assert (explanation.cause, explanation.kind) == (Cause.INDEX_UNREACHABLE, kind)
    _assert_words(explanation, "could not reach the package index", words)
    assert explanation.fix == Fix("retry", "Try again")
    if kind.startswith("proxy"):
        assert explanation.secondary_fix == Fix("settings", "Set the proxy…", text="proxy")


@pytest.mark.parametrize("folder", cases("index-stopped"))
def test_where_the_index_setting_comes_from_is_said(folder):
    lines, meta, context = captured(folder, "index-stopped")
    mine = Context(**{**context.__dict__, "index_origin": "Venvdesk's settings"})
    explanation = explain(lines, meta["exit_code"], mine)
    _assert_words(explanation, "The index address comes from Venvdesk's settings.")
    assert explanation.secondary_fix == Fix("settings", "Check the index setting…", text="index")
    pips = Context(**{**context.__dict__, "index_origin": "pip's configuration file /etc/pip.conf"})
    _assert_words(explain(lines, meta["exit_code"], pips), "comes from pip's configuration file /etc/pip.conf")


@pytest.mark.parametrize("folder", cases("index-down"))
def test_an_index_that_answers_503_looks_like_no_files_until_its_page_is_read(folder):
    # pip says only "from versions: none" when the index answers 503 for a page.
    lines, meta, context = captured(folder, "index-down")
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is Cause.NO_MATCHING_PLATFORM and explanation.needs_releases
    error = urllib.error.HTTPError(meta["index_url"] + "requests/", 503, "Service Unavailable", None, None)
    refined = refine_error(explanation, error, context)
    assert (refined.cause, refined.kind) == (Cause.INDEX_UNREACHABLE, "http-error")
    assert refined.fix == Fix("retry", "Try again")
    # Reached, and answering, but not properly: not "no such package", not "cannot be reached".
    assert refined.sentence.startswith("The package index 127.0.0.1:8000 is not answering properly:")
    assert "(HTTP 503)" in refined.sentence and "no package called" not in refined.sentence
    # ...and when the page reads fine afterwards, it was the index's hiccup, not the project.
    files = [{"filename": "requests-2.32.3-py3-none-any.whl"}]
    assert refine(explanation, files, context).cause is Cause.INDEX_UNREACHABLE


@pytest.mark.parametrize("folder", cases("no-such-project"))
def test_a_404_confirms_there_is_no_such_project(folder):
    lines, meta, context = captured(folder, "no-such-project")
    explanation = explain(lines, meta["exit_code"], context)
    error = urllib.error.HTTPError(meta["index_url"] + "reqeusts/", 404, "Not Found", None, None)
    assert refine_error(explanation, error, context) == Explanation(
        **{**explanation.__dict__, "needs_releases": False}
    )
    assert refine(explanation, [], context).cause is Cause.NO_SUCH_PROJECT


# ------------------------------------------------------------------ captured: the disk, the environment


@pytest.mark.parametrize(
    ("case", "cause", "words"),
    [
        ("permission-denied", Cause.PERMISSION_DENIED, ("not allowed to change this environment", "site-packages/requests")),
        ("read-only", Cause.READ_ONLY, ("cannot be written to",)),
        ("disk-full", Cause.DISK_FULL, ("The disk is full",)),
        ("python-no-stdlib", Cause.PYTHON_WONT_START, ("Python cannot start", "standard library is missing")),
        ("python-no-libpython", Cause.PYTHON_WONT_START, ("Python cannot start", "libpython3.")),
    ],
)
@pytest.mark.parametrize("folder", PIP_FOLDERS, ids=[f.name for f in PIP_FOLDERS])
def test_the_disk_and_the_environment_itself(folder, case, cause, words):
    # Produced for real: pip without CAP_DAC_OVERRIDE, site-packages bind-mounted read-only, on a
    # tmpfs that is full, the base Python's lib folder hidden (private mount namespaces).
    if not (folder / f"{case}.txt").is_file():
        pytest.skip(f"{case} was not produced for {folder.name} (see tools/capture_pip_failures.py)")
    lines, meta, context = captured(folder, case)
    explanation = explain(lines, meta["exit_code"], context)
    assert explanation.cause is cause
    _assert_words(explanation, *words)
    assert explanation.fixes


# ------------------------------------------------------------------ other systems' and tools' words


def build_failure(build_lines: list[str], project: str = "needspq", pip: str = "pip-26.3") -> list[str]:
    """pip's real frame of a failed build (captured), with another build's output inside."""
    lines = (DATA / pip / "sdist-missing-header.txt").read_text("utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if "lines of output]" in line) + 1
    end = next(n for n, line in enumerate(lines) if "[end of output]" in line)
    frame = lines[:start] + [f"      {line}" for line in build_lines] + lines[end:]
    return [line.replace("needspq", project) for line in frame]


def context_for(platform: str = "linux", system=DEBIAN, requested=("needspq",), python=(3, 12, 1)) -> Context:
    return Context(
        requested=requested, python_version=python, index_url="https://pypi.org/simple/", system=system, platform=platform
    )


def test_windows_without_the_compiler():
    # Windows only: setuptools' own message (setuptools/_distutils/compilers/C/msvc.py), seen
    # inside pip's build box in public threads (GVCLab/PersonaLive#30, CosciaLab/openDVP#58).
    lines = build_failure(
        [
            "running build_ext",
            "building '_driver' extension",
            'error: Microsoft Visual C++ 14.0 or greater is required. Get it with "Microsoft C++ Build Tools": '
            "https://visualstudio.microsoft.com/visual-cpp-build-tools/",
        ],
        project="pycuda",
    )
    explanation = explain(lines, 1, context_for("win32", {}, ("pycuda",)))
    assert (explanation.cause, explanation.kind) == (Cause.BUILD_COMPILER_MISSING, "msvc")
    _assert_words(explanation, "pycuda had to be built from source", "Microsoft's C++ Build Tools")
    assert explanation.fix == Fix(
        "copy", "Copy the Build Tools address", text="https://visualstudio.microsoft.com/visual-cpp-build-tools/"
    )
    # The older setuptools wording ("14.0 is required", "Microsoft Visual C++ Build Tools") too.
    older = build_failure(['error: Microsoft Visual C++ 14.0 is required. Get it with "Microsoft Visual C++ Build Tools"'])
    assert explain(older, 1, context_for("win32", {})).kind == "msvc"


def test_macos_without_the_developer_tools_and_clangs_wording():
    # Apple's xcrun wording (public threads such as NCAR/ncar-python-tutorial#85 show it under pip).
    lines = build_failure(
        [
            "xcrun: error: invalid active developer path (/Library/Developer/CommandLineTools), "
            "missing xcrun at: /Library/Developer/CommandLineTools/usr/bin/xcrun",
            "error: command '/usr/bin/clang' failed with exit code 1",
        ]
    )
    explanation = explain(lines, 1, context_for("darwin", {}))
    assert (explanation.cause, explanation.kind) == (Cause.BUILD_COMPILER_MISSING, "xcode")
    assert explanation.fix == Fix("copy", "Copy the install command", text="xcode-select --install")
    # clang says a header is missing in its own words; on macOS the line is Homebrew's.
    clang = build_failure(["src/pq.c:1:10: fatal error: 'libpq-fe.h' file not found", "#include <libpq-fe.h>"])
    explanation = explain(clang, 1, context_for("darwin", {}))
    assert explanation.cause is Cause.BUILD_HEADER_MISSING
    assert explanation.fix == Fix("copy", "Copy the install command", text="brew install libpq")


@pytest.mark.parametrize(
    ("system", "line"),
    [
        ({"ID": "ubuntu", "ID_LIKE": "debian"}, "sudo apt install python3.12-dev"),
        ({"ID": "fedora"}, "sudo dnf install python3.12-devel"),
        ({"ID": "rocky", "ID_LIKE": "rhel centos fedora"}, "sudo dnf install python3.12-devel"),
        ({"ID": "opensuse-tumbleweed", "ID_LIKE": "opensuse suse"}, "sudo zypper install python312-devel"),
        ({"ID": "alpine"}, "sudo apk add python3-dev"),
    ],
)
def test_python_h_missing_names_this_pythons_dev_package_for_the_distribution(system, line):
    # gcc's words, with the older distutils ending ("failed with exit status 1"), as in many
    # public reports (e.g. gyoisamurai/GyoiThon#39).
    lines = build_failure(
        [
            "src/twisted/test/raiser.c:4:10: fatal error: Python.h: No such file or directory",
            ' #include "Python.h"',
            "compilation terminated.",
            "error: command 'x86_64-linux-gnu-gcc' failed with exit status 1",
        ],
        project="twisted",
    )
    explanation = explain(lines, 1, context_for(system=system, requested=("twisted",)))
    assert (explanation.cause, explanation.library) == (Cause.BUILD_HEADER_MISSING, "python-dev")
    _assert_words(explanation, "the development files of Python 3.12", "Python.h", line)


def test_gcc_in_another_language_still_names_the_header():
    # gcc translates "No such file or directory" (a French report: v3n0m-Scanner/V3n0M-Scanner#83).
    lines = build_failure(["url/url.cpp:4:20: fatal error: zlib.h: Aucun fichier ou dossier de ce type"])
    explanation = explain(lines, 1, context_for())
    assert (explanation.cause, explanation.library) == (Cause.BUILD_HEADER_MISSING, "zlib")
    _assert_words(explanation, "sudo apt install zlib1g-dev")


@pytest.mark.parametrize(
    ("build_lines", "library", "line"),
    [
        # psycopg2's setup.py
        (["Error: pg_config executable not found.", "", "pg_config is required to build psycopg2 from source."], "libpq", "sudo apt install libpq-dev"),
        # mysqlclient 2.2's setup.py
        (["Exception: Can not find valid pkg-config name.", "Specify MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS env vars manually"], "mysqlclient", "sudo apt install default-libmysqlclient-dev pkg-config"),
        # mysqlclient before 2.2, through the shell
        (["/bin/sh: 1: mysql_config: not found", "OSError: mysql_config not found"], "mysqlclient", "sudo apt install default-libmysqlclient-dev pkg-config"),
        (["build/temp/_cffi.c:2:10: fatal error: ffi.h: No such file or directory"], "libffi", "sudo apt install libffi-dev"),
        (["src/x509.c:1:10: fatal error: openssl/ssl.h: No such file or directory"], "openssl", "sudo apt install libssl-dev"),
        (["decode.c:3:10: fatal error: jpeglib.h: No such file or directory"], "libjpeg", "sudo apt install libjpeg-dev"),
    ],
)
def test_config_tools_and_headers_name_the_library(build_lines, library, line):
    explanation = explain(build_failure(build_lines), 1, context_for())
    assert (explanation.cause, explanation.library) == (Cause.BUILD_HEADER_MISSING, library)
    assert explanation.fix == Fix("copy", "Copy the install command", text=line)


@pytest.mark.parametrize(
    ("build_lines", "words"),
    [
        (["ModuleNotFoundError: No module named 'distutils'"], "distutils, which Python 3.12 removed"),
        (["AttributeError: module 'pkgutil' has no attribute 'ImpImporter'. Did you mean: 'zipimporter'?"], "pkgutil.ImpImporter"),
        (["ModuleNotFoundError: No module named 'imp'"], "the imp module"),
        (["src/_x.c:120:12: error: 'PyThreadState' {aka 'struct _ts'} has no member named 'recursion_depth'"], "Python internals"),
    ],
)
def test_builds_that_this_python_outgrew(build_lines, words):
    explanation = explain(build_failure(build_lines), 1, context_for())
    assert explanation.cause is Cause.BUILD_TOO_OLD
    _assert_words(explanation, words)


def test_rust_and_an_unrecognised_build_error():
    rust = build_failure(["error: can't find Rust compiler", "", "If you are using an outdated pip version, ..."])
    assert explain(rust, 1, context_for()).kind == "rust"
    odd = build_failure(["running build_ext", "Error: the frobnicator is not configured", "[more output]"])
    explanation = explain(odd, 1, context_for())
    assert explanation.cause is Cause.BUILD_FAILED and explanation.needs_releases
    _assert_words(explanation, "needspq had to be built from source", "“Error: the frobnicator is not configured”")


def test_a_legacy_setup_py_install_failure_of_an_old_pip():
    # pip < 23.1 ran "setup.py install" when the wheel package was missing.
    lines = [
        "Collecting pycrypto",
        "  Using cached pycrypto-2.6.1.tar.gz (446 kB)",
        "  Preparing metadata (setup.py) ... done",
        "Installing collected packages: pycrypto",
        "  Running setup.py install for pycrypto ... error",
        "  error: subprocess-exited-with-error",
        "  ",
        "  × Running setup.py install for pycrypto did not run successfully.",
        "  │ exit code: 1",
        "  ╰─> [4 lines of output]",
        "      running build_ext",
        "      src/_fastmath.c:36:11: fatal error: gmp.h: No such file or directory",
        "      compilation terminated.",
        "      error: command '/usr/bin/gcc' failed with exit code 1",
        "      [end of output]",
        "  ",
        "  note: This error originates from a subprocess, and is likely not a problem with pip.",
        "error: legacy-install-failure",
    ]
    explanation = explain(lines, 1, context_for(requested=("pycrypto",)))
    assert (explanation.cause, explanation.library, explanation.project) == (Cause.BUILD_HEADER_MISSING, "gmp", "pycrypto")


def test_other_pip_messages():
    context = context_for(requested=("tinyapp",))
    in_use = ["ERROR: Could not install packages due to an OSError: [WinError 32] The process cannot access the file because it is being used by another process: 'C:\\\\env\\\\Lib\\\\site-packages\\\\~umpy\\\\core\\\\_multiarray_umath.cp312-win_amd64.pyd'", "Check the permissions."]
    explanation = explain(in_use, 1, context_for("win32", {}))
    assert (explanation.cause, explanation.kind) == (Cause.PERMISSION_DENIED, "in-use")
    no_pip = ["/home/me/envs/demo/bin/python: No module named pip"]
    assert explain(no_pip, 1, context).fix == Fix("repair", "Install pip")
    assert explain([], None, context, failed_to_start=True, reason="No such file or directory").cause is Cause.PYTHON_WONT_START
    wheel = ["ERROR: winonly-1.0-cp39-cp39-win_amd64.whl is not a supported wheel on this platform."]
    explanation = explain(wheel, 1, context)
    assert explanation.cause is Cause.NO_MATCHING_PLATFORM
    _assert_words(explanation, "made for Windows (Python 3.9)")
    direct = ["Processing ./oldonly-1.0-py3-none-any.whl", "ERROR: Package 'oldonly' requires a different Python: 3.12.1 not in '<3.8'"]
    _assert_words(explain(direct, 1, context), "oldonly needs Python 3.7 or older")
    deep = ["ERROR: Exception:", "Traceback (most recent call last):", "pip._vendor.resolvelib.resolvers.ResolutionTooDeep: 200000"]
    assert explain(deep, 1, context).kind == "too-deep"


def test_an_unknown_failure_quotes_pips_final_error_line():
    lines = ["Looking in indexes: https://pypi.org/simple/", "ERROR: ERROR: Something new went wrong: 42", ""]
    explanation = explain(lines, 2, context_for())
    assert explanation.cause is Cause.UNKNOWN
    assert explanation.sentence == "pip stopped with this error: “Something new went wrong: 42”."
    assert "log" not in explanation.sentence.lower()
    assert explain([], 3, context_for()).sentence == "pip stopped with exit code 3 without saying why."
    assert explain(["Successfully installed tinyapp-1.0"], 0, context_for()).sentence == ""


# ------------------------------------------------------------------ refine with realistic file lists


def _here_platform() -> str:
    from packaging import tags

    platforms = list(tags.platform_tags())
    return next((p for p in platforms if p.startswith("manylinux")), platforms[0])


def test_refine_picks_the_newest_release_with_a_wheel_for_this_python_and_system():
    here = _here_platform()
    files = [
        {"filename": "fastlib-1.0.tar.gz", "requires-python": ">=3.8"},
        {"filename": f"fastlib-1.0-cp312-cp312-{here}.whl", "requires-python": ">=3.8"},
        {"filename": f"fastlib-1.0-cp311-cp311-{here}.whl", "requires-python": ">=3.8"},
        {"filename": "fastlib-1.1-cp312-cp312-win_amd64.whl", "requires-python": ">=3.8"},
        {"filename": "fastlib-1.1-cp312-cp312-macosx_11_0_arm64.whl", "requires-python": ">=3.8"},
        {"filename": "fastlib-1.1.tar.gz", "requires-python": ">=3.8"},
        {"filename": f"fastlib-1.2-cp312-abi3-{here}.whl", "requires-python": ">=3.8", "yanked": "bad upload"},
        {"filename": "fastlib-2.0rc1.tar.gz", "requires-python": ">=3.9"},
        {"filename": f"fastlib-2.0rc1-cp312-cp312-{here}.whl", "requires-python": ">=3.9"},
        {"filename": f"fastlib-3.0-cp313-cp313-{here}.whl", "requires-python": ">=3.13"},
        {"filename": "fastlib-3.0.tar.gz", "requires-python": ">=3.13"},
    ]
    context = context_for(requested=("fastlib",), python=(3, 12, 1))
    failed = Explanation(Cause.BUILD_HEADER_MISSING, "fastlib had to be built …", project="fastlib", needs_releases=True)
    refined = refine(failed, files, context)
    # 1.1 has no wheel for Linux, 1.2 was withdrawn, 2.0rc1 is a test release, 3.0 needs 3.13.
    assert refined.fix == Fix("install", "Install 1.0 instead", specs=("fastlib==1.0",))
    # When the package that failed to build is a dependency, the pin joins what was asked for.
    dependency = refine(failed, files, context_for(requested=("fastapp",), python=(3, 12, 1)))
    assert dependency.fix.specs == ("fastapp", "fastlib==1.0")
    # A Python 3.11 environment takes 1.0's cp311 wheel too; a 3.10 one nothing at all.
    assert refine(failed, files, context_for(requested=("fastlib",), python=(3, 11, 4))).fix.specs == ("fastlib==1.0",)
    nothing = refine(failed, files, context_for(requested=("fastlib",), python=(3, 10, 0)))
    assert nothing.fix is None and "No release of fastlib has a ready-made wheel" in nothing.sentence


def test_refine_turns_an_unknown_name_into_the_real_reason():
    context = context_for(requested=("oldonly",), python=(3, 12, 1))
    unknown = Explanation(Cause.NO_SUCH_PROJECT, "There is no package called “oldonly” on PyPI.", project="oldonly", needs_releases=True)
    old = [{"filename": "oldonly-1.0-py3-none-any.whl", "requires-python": "<3.8"}]
    refined = refine(unknown, old, Context(**{**context.__dict__, "interpreters": INTERPRETERS}))
    assert refined.cause is Cause.PYTHON_TOO_NEW_OR_OLD
    _assert_words(refined, "oldonly needs Python 3.7 or older")
    assert refined.fix == Fix("new_environment", "Create a Python 3.7 environment…", python_versions=("3.7",))
    withdrawn = [{"filename": "oldonly-1.0-py3-none-any.whl", "yanked": True}]
    assert refine(unknown, withdrawn, context).cause is Cause.YANKED
    assert refine(unknown, [], context).cause is Cause.NO_SUCH_PROJECT


def test_refine_offers_the_release_before_the_one_that_needs_a_newer_python():
    context = context_for(requested=("fitsold",), python=(3, 12, 1))
    needs = explain(
        ["ERROR: Ignored the following versions that require a different python version: 2.0 Requires-Python >=3.99",
         "ERROR: Could not find a version that satisfies the requirement fitsold==3.0 (from versions: none)"],
        1,
        context,
    )
    assert needs.cause is Cause.NO_SUCH_VERSION and needs.needs_releases
    _assert_words(needs, "fitsold has no version 3.0", "it has 2.0")
    files = [
        {"filename": "fitsold-0.9-py3-none-any.whl", "requires-python": ">=3.6"},
        {"filename": "fitsold-1.0-py3-none-any.whl", "requires-python": ">=3.8"},
        {"filename": "fitsold-2.0-py3-none-any.whl", "requires-python": ">=3.99"},
    ]
    pinned = Explanation(Cause.PYTHON_TOO_NEW_OR_OLD, "fitsold 2.0 needs Python 3.99 or newer.", project="fitsold", needs_releases=True)
    assert refine(pinned, files, context).fix == Fix("install", "Install 1.0 instead", specs=("fitsold==1.0",))


# ------------------------------------------------------------------ imports


def test_an_import_that_fails_because_the_release_is_older_than_python():
    context = context_for(requested=("requests==2.6.0",), python=(3, 12, 1))
    error = (
        "Traceback (most recent call last):\n"
        '  File "<string>", line 1, in <module>\n'
        '  File "/env/lib/python3.12/site-packages/requests/__init__.py", line 58, in <module>\n'
        "    from . import utils\n"
        "AttributeError: module 'collections' has no attribute 'MutableMapping'\n"
    )
    explanation = explain_import_failure("requests", "2.6.0", error, context)
    assert explanation.cause is Cause.IMPORT_FAILED and explanation.needs_releases
    assert explanation.sentence.startswith(
        "requests 2.6.0 installed, but it cannot be imported on Python 3.12: it is older than this Python"
    )
    _assert_words(explanation, "collections.MutableMapping", "Python 3.10 removed")
    files = [
        {"filename": "requests-2.6.0-py2.py3-none-any.whl"},
        {"filename": "requests-2.31.0-py3-none-any.whl", "requires-python": ">=3.7"},
        {"filename": "requests-2.32.3-py3-none-any.whl", "requires-python": ">=3.8"},
    ]
    assert refine(explanation, files, context).fix == Fix("install", "Install 2.32.3 instead", specs=("requests==2.32.3",))


def test_an_import_fix_prefers_the_oldest_release_made_for_this_python():
    here = _here_platform()
    context = context_for(requested=("numpy==1.21.0",), python=(3, 12, 1))
    error = "ModuleNotFoundError: No module named 'distutils'"
    explanation = explain_import_failure("numpy", "1.21.0", error, context)
    _assert_words(explanation, "distutils, which Python 3.12 removed")
    files = [
        {"filename": f"numpy-1.21.0-cp39-cp39-{here}.whl"},
        {"filename": f"numpy-1.26.0-cp312-cp312-{here}.whl"},
        {"filename": f"numpy-1.26.4-cp312-cp312-{here}.whl"},
        {"filename": f"numpy-2.1.0-cp312-cp312-{here}.whl"},
    ]
    assert refine(explanation, files, context).fix.specs == ("numpy==1.26.0",)


def test_other_import_failures():
    context = context_for()
    gl = explain_import_failure("opencv-python", "4.10.0", "ImportError: libGL.so.1: cannot open shared object file: No such file or directory", context)
    assert gl.fix == Fix("copy", "Copy the install command", text="sudo apt install libgl1")
    missing = explain_import_failure("mytool", "1.0", "ModuleNotFoundError: No module named 'yaml'", context)
    assert missing.fix == Fix("install", "Install pyyaml", specs=("pyyaml",))
    other = explain_import_failure("mytool", "1.0", "ValueError: bad config", context)
    assert other.sentence == "mytool 1.0 installed, but it cannot be imported on Python 3.12: “ValueError: bad config”."


# ------------------------------------------------------------------ words and tables


def test_words():
    assert requirement_words("lib<2") == "lib below 2"
    assert requirement_words("lib>=2") == "lib 2 or newer"
    assert requirement_words("lib>=1,<2; python_version < '3.8'") == "lib 1 or newer, below 2"
    assert requirement_words("lib==1.*") == "lib 1.x"
    assert python_range_words("<3.8") == "Python 3.7 or older"
    assert python_range_words(">=3.99") == "Python 3.99 or newer"
    assert python_range_words(">=2.7, !=3.0.*, !=3.1.*") == "Python 2.7 or newer (not 3.0, not 3.1)"
    assert explain_module.index_words("https://user:secret@pypi.org/simple/") == "PyPI"
    assert explain_module.index_words("https://me:pw@mirror.example.com:8443/simple/") == "mirror.example.com:8443"


@pytest.mark.parametrize(
    ("system", "platform", "line"),
    [
        ({"ID": "debian"}, "linux", "sudo apt install libpq-dev"),
        ({"ID": "linuxmint", "ID_LIKE": "ubuntu debian"}, "linux", "sudo apt install libpq-dev"),
        ({"ID": "fedora"}, "linux", "sudo dnf install libpq-devel"),
        ({"ID": "arch"}, "linux", "sudo pacman -S postgresql-libs"),
        ({}, "darwin", "brew install libpq"),
        ({}, "win32", ""),
        ({"ID": "gentoo"}, "linux", ""),
    ],
)
def test_system_install_lines(system, platform, line):
    assert system_install_line("libpq", system, platform) == line


def test_import_names():
    assert len(IMPORT_NAMES) >= 35
    for name, project in {"cv2": "opencv-python", "sklearn": "scikit-learn", "PIL": "pillow", "bs4": "beautifulsoup4", "yaml": "pyyaml"}.items():
        assert IMPORT_NAMES[name] == project


def test_a_long_error_block_keeps_its_start_its_errors_and_its_end():
    frame = build_failure([f"compiling file{i}.c" for i in range(3000)] + ["src/x.c:1:10: fatal error: ffi.h: No such file or directory"])
    block = error_block(frame + ["Progress 1 of 2"])
    assert "fatal error: ffi.h" in block and "compiling file0.c" in block
    assert "compiling file1500.c" not in block and "lines not shown" in block
    assert block.splitlines()[-1] == frame[-1] and "Progress" not in block


def test_classifying_20000_lines_is_fast():
    frame = build_failure(
        [f"gcc -pthread -Wdate-time -Werror=format-security -c src/f{i}.c -o build/f{i}.o" for i in range(20000)]
        + ["src/last.c:1:10: fatal error: libpq-fe.h: No such file or directory"]
    )
    context = context_for()
    explain(frame, 1, context)  # packaging and the patterns are loaded once
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        explanation = explain(frame, 1, context)
        runs.append(time.perf_counter() - started)
    assert explanation.cause is Cause.BUILD_HEADER_MISSING
    print(f"\nclassifying {len(frame)} lines: best {min(runs) * 1000:.1f} ms, worst {max(runs) * 1000:.1f} ms")
    assert min(runs) < 0.5


# ------------------------------------------------------------------ live: the real current pip


# Found in this machine's wheel mirror (pip's find-links / file:// index settings), if any.
SETUPTOOLS = setuptools_wheel()


@pytest.fixture(scope="module")
def failing_index(tmp_path_factory, pip_wheels):
    helpers = [SETUPTOOLS] if SETUPTOOLS is not None else []
    root = build_failing_index(tmp_path_factory.mktemp("failing-index"), [*pip_wheels, *helpers])
    with LocalIndexServer(root) as server:
        yield server


def run_pip(venv: Path, index: LocalIndexServer, *specs: str, extra: tuple[str, ...] = ()) -> tuple[list[str], int]:
    """The app's own install command (``core.backends.pip``), run for real against the local index."""
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pip; print(pip.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    command = PipBackend(str(venv / "bin" / "python"), version, index.simple_url).install(list(specs))
    env = hermetic_pip_env()
    env.update(command.env)
    completed = subprocess.run(
        [command.program, *command.args, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=120,
    )
    return completed.stdout.splitlines(), completed.returncode


def live_context(index: LocalIndexServer, *specs: str) -> Context:
    return Context(
        requested=specs,
        python_version=tuple(sys.version_info[:3]),
        index_url=index.simple_url,
        index_origin="Venvdesk's settings",
        system=DEBIAN,
        platform=sys.platform,
        close_names=close_names,
        interpreters=INTERPRETERS,
    )


@pytest.mark.slow
def test_live_typo_and_its_fix(make_venv, failing_index):
    venv = make_venv()
    lines, code = run_pip(venv, failing_index, "reqeusts")
    explanation = explain(lines, code, live_context(failing_index, "reqeusts"))
    assert explanation.cause is Cause.NO_SUCH_PROJECT and explanation.fix.specs == ("requests",)
    lines, code = run_pip(venv, failing_index, *explanation.fix.specs)
    assert code == 0, lines


@pytest.mark.slow
def test_live_requires_python_and_conflict(make_venv, failing_index):
    venv = make_venv()
    context = live_context(failing_index, "fitsold==2.0")
    lines, code = run_pip(venv, failing_index, "fitsold==2.0")
    explanation = explain(lines, code, context)
    assert explanation.cause is Cause.PYTHON_TOO_NEW_OR_OLD
    assert explanation.fix == Fix("install", "Install 1.0 instead", specs=("fitsold==1.0",))
    assert run_pip(venv, failing_index, *explanation.fix.specs)[1] == 0
    lines, code = run_pip(venv, failing_index, "conflict-x", "other-y")
    explanation = explain(lines, code, live_context(failing_index, "conflict-x", "other-y"))
    assert explanation.cause is Cause.CONFLICT
    _assert_words(explanation, "conflict-x 1.0 needs lib below 2, other-y 1.0 needs lib 2 or newer")


@pytest.mark.slow
def test_live_missing_header_then_the_ready_made_wheel(make_venv, failing_index):
    if SETUPTOOLS is None:
        pytest.skip("no setuptools wheel in this machine's mirror: the source archive cannot be built")
    if shutil.which("gcc") is None and shutil.which("cc") is None:
        pytest.skip("no C compiler here: the build would fail before it reaches the header")
    venv = make_venv()
    context = live_context(failing_index, "needspq")
    lines, code = run_pip(venv, failing_index, "needspq")
    explanation = explain(lines, code, context)
    assert (explanation.cause, explanation.library) == (Cause.BUILD_HEADER_MISSING, "libpq"), explanation
    assert "fatal error: libpq-fe.h" in explanation.detail
    refined = refine(explanation, project_files(failing_index.simple_url, explanation.project), context)
    assert refined.fix == Fix("install", "Install 1.0 instead", specs=("needspq==1.0",))
    assert run_pip(venv, failing_index, *refined.fix.specs)[1] == 0


@pytest.mark.slow
def test_live_index_down_and_an_import_that_fails(make_venv, failing_index):
    venv = make_venv()
    context = live_context(failing_index, "requests==2.6.0")
    lines, code = run_pip(venv, failing_index, "requests==2.6.0")
    assert code == 0, lines
    imported = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import requests"], capture_output=True, text=True, timeout=30
    )
    if sys.version_info < (3, 10):
        pytest.skip("collections.MutableMapping still exists on this Python")
    explanation = explain_import_failure("requests", "2.6.0", imported.stderr, context)
    assert explanation.cause is Cause.IMPORT_FAILED and explanation.kind == "too-old"
    refined = refine(explanation, project_files(failing_index.simple_url, "requests"), context)
    assert refined.fix == Fix("install", "Install 2.32.3 instead", specs=("requests==2.32.3",))

    failing_index.down = True  # the index answers 503 to everything
    try:
        # --retries 0: the same words, without pip's back-off between five retries.
        lines, code = run_pip(venv, failing_index, "lib", extra=("--retries", "0"))
        explanation = explain(lines, code, live_context(failing_index, "lib"))
        assert explanation.needs_releases, explanation
        with pytest.raises(OSError) as fetched:
            project_files(failing_index.simple_url, "lib")
    finally:
        failing_index.down = False
    refined = refine_error(explanation, fetched.value, live_context(failing_index, "lib"))
    assert (refined.cause, refined.kind) == (Cause.INDEX_UNREACHABLE, "http-error")


def test_newest_wheel_release_skips_source_only_yanked_and_other_python_releases():
    from core.explain import newest_wheel_release

    files = [
        {"filename": "pkg-3.0.tar.gz"},
        {"filename": "pkg-2.5-py3-none-any.whl", "yanked": True},
        {"filename": "pkg-2.4-py3-none-any.whl", "requires-python": ">=3.99"},
        {"filename": "pkg-2.3-cp39-cp39-win_amd64.whl"},
        {"filename": "pkg-2.2-py3-none-any.whl"},
        {"filename": "pkg-2.2.tar.gz"},
        {"filename": "pkg-2.1rc1-py3-none-any.whl"},
    ]
    assert newest_wheel_release(files, (3, 11, 7)) == "2.2"
    assert newest_wheel_release(files[:1], (3, 11, 7)) == ""


def test_uv_saying_the_index_answered_503_is_the_index_not_answering():
    # uv 0.13's own words against an index that answers 503 (venvdesk_testing's server, ``down``).
    lines = [
        "Using Python 3.11.7 environment at: /tmp/v",
        "error: Request failed after 3 retries in 9.6s",
        "  cause: Failed to fetch: http://127.0.0.1:41655/simple/tinyapp/",
        "  cause: HTTP status server error (503 Service Unavailable) for url (http://127.0.0.1:41655/simple/tinyapp/)",
    ]
    explanation = explain(lines, 2, Context(requested=("tinyapp==2.0",), index_url="http://127.0.0.1:41655/simple/"))
    assert (explanation.cause, explanation.kind) == (Cause.INDEX_UNREACHABLE, "http-error")
    assert explanation.sentence == (
        "The package index 127.0.0.1:41655 is not answering properly: it answered with a server error (HTTP 503)."
        " It may be down for a while: try again later."
    )
