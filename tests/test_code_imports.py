"""What does my code need: reading a project's imports, asking real Pythons for their standard
library, reading installed metadata, mapping modules to packages, and requirements.txt."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from core.code_imports import (
    CodeScan,
    ImportSite,
    InstalledModules,
    PythonModules,
    add_to_requirements,
    ask_python,
    check_project,
    describe,
    find_missing,
    imports_in_source,
    installed_modules,
    notes,
    python_modules_command,
    requirement_names,
    scan_project,
)
from core.errors import InvalidInput, UserFacingError
from tests.conftest import base_python, pip_install

PYENV = Path.home() / ".pyenv" / "versions"


def pyenv_python(version: str) -> str:
    python = PYENV / version / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no Python {version} at {python}")
    return str(python)


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- reading the code -----------------------------------------------------------------------------


def test_imports_in_functions_try_blocks_and_literal_import_module_calls():
    source = (
        "import os, numpy as np\n"
        "from requests.adapters import HTTPAdapter\n"
        "from . import sibling\n"
        "from .. import parent\n"
        "def f():\n"
        "    import yaml\n"
        "try:\n"
        "    import ujson as json\n"
        "except ImportError:\n"
        "    import json\n"
        "if TYPE_CHECKING:\n"
        "    import pandas\n"
        "import importlib\n"
        "importlib.import_module('sklearn')\n"
        "__import__('cv2')\n"
        "from google.cloud import storage\n"
    )
    found = {(name, line, optional) for name, line, optional in imports_in_source(source)}
    assert ("numpy", 1, False) in found
    assert ("requests.adapters.HTTPAdapter", 2, False) in found
    assert ("yaml", 6, False) in found
    assert ("ujson", 8, True) in found  # the code is written to work without it
    assert ("json", 10, False) in found
    assert ("pandas", 12, True) in found
    assert ("sklearn", 14, False) in found
    assert ("cv2", 15, False) in found
    assert ("google.cloud.storage", 16, False) in found
    assert not [name for name, _line, _optional in found if "sibling" in name or "parent" in name]


def test_scan_leaves_out_own_modules_environments_and_hidden_folders(tmp_path):
    project = write(
        tmp_path / "homework",
        {
            "app.py": "import helpers\nimport mypkg.core\nimport mylib\nimport cv2\nfrom PIL import Image\nimport os\n",
            "helpers.py": "import yaml\n",
            "mypkg/__init__.py": "from .core import run\n",
            "mypkg/core.py": "from mypkg import helpers2\nimport requests\n",
            "mypkg/sub/deep.py": "import tools_next_to_me\nimport sklearn.ensemble\n",
            "mypkg/sub/tools_next_to_me.py": "",
            "src/mylib/__init__.py": "import tinyutil\n",
            "scripts/run.py": "import local_helper\nimport mylib\n",
            "scripts/local_helper.py": "",
            "old_python2.py": "import urllib2\nprint 'hello'\n",
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            ".venv/lib/python3.11/site-packages/inside_venv.py": "import not_from_the_venv\n",
            "other_env/pyvenv.cfg": "home = /usr/bin\n",
            "other_env/thing.py": "import not_from_other_env\n",
            ".hidden/x.py": "import not_hidden\n",
            "build/lib/x.py": "import not_build\n",
            "dist/x.py": "import not_dist\n",
            "node_modules/x.py": "import not_node\n",
            "lib/site-packages/x.py": "import not_site_packages\n",
            "mypkg/__pycache__/x.py": "import not_cache\n",
        },
    )
    scan = scan_project(project)
    assert set(scan.imports) == {"cv2", "PIL.Image", "os", "yaml", "requests", "sklearn.ensemble", "tinyutil"}
    assert scan.imports["cv2"] == (ImportSite("app.py", 4),)
    assert scan.imports["sklearn.ensemble"] == (ImportSite("mypkg/sub/deep.py", 2),)
    assert {"app", "helpers", "mypkg", "mylib", "scripts", "old_python2"} <= scan.own_modules
    assert scan.files == 10  # the one that does not parse was read too
    assert [(skipped.path, skipped.reason.split(":")[0]) for skipped in scan.skipped] == [("old_python2.py", "line 2")]
    assert scan.top_level_names() == ["PIL", "cv2", "os", "requests", "sklearn", "tinyutil", "yaml"]


def test_scan_is_bounded_and_says_so(tmp_path):
    project = write(tmp_path / "big", {f"m{i}.py": f"import package_{i}\n" for i in range(10)})
    scan = scan_project(project, max_files=4)
    assert scan.files == 4 and scan.limited
    assert len(scan.imports) == 4
    huge = write(tmp_path / "huge", {"data.py": "x = 1\n" * 100, "app.py": "import requests\n"})
    scan = scan_project(huge, max_file_bytes=50)
    assert list(scan.imports) == ["requests"]
    assert [skipped.path for skipped in scan.skipped] == ["data.py"]


def test_a_folder_that_is_an_environment_or_missing_is_refused(tmp_path):
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    with pytest.raises(UserFacingError, match="is a virtual environment, not a project"):
        scan_project(tmp_path / "env")
    with pytest.raises(UserFacingError, match="does not exist"):
        scan_project(tmp_path / "nowhere")


# -- asking the environment's Python --------------------------------------------------------------


def test_stdlib_from_the_apps_own_python():
    modules = ask_python(base_python(), ["os", "surely_not_a_module_zz"])
    assert modules.version[:2] == sys.version_info[:2]
    assert modules.complete_list == (sys.version_info >= (3, 10))
    assert {"os", "json", "sqlite3", "asyncio", "sys", "_ssl", "__future__"} <= modules.stdlib
    assert "requests" not in modules.stdlib
    assert "surely_not_a_module_zz" not in modules.findable


def test_stdlib_from_python_3_9_is_read_from_its_folder():
    modules = ask_python(pyenv_python("3.9.18"))
    assert modules.version[:2] == (3, 9)
    assert not modules.complete_list
    assert {"os", "json", "sqlite3", "asyncio", "zoneinfo", "_ssl", "math", "sys"} <= modules.stdlib
    assert "tomllib" not in modules.stdlib  # 3.11's
    assert not {"site-packages", "pip", "setuptools"} & modules.stdlib


def test_stdlib_from_python_2_7_is_read_by_a_script_valid_in_python_2():
    modules = ask_python(pyenv_python("2.7.18"), ["json", "urllib2", "asyncio"])
    assert modules.version[:2] == (2, 7)
    assert not modules.complete_list
    assert {"os", "json", "urllib2", "ConfigParser", "cPickle", "sys", "_ssl"} <= modules.stdlib
    assert "asyncio" not in modules.stdlib and "asyncio" not in modules.findable


def test_stdlib_from_python_3_13_uses_its_list():
    modules = ask_python(pyenv_python("3.13.0"))
    assert modules.complete_list
    assert "tomllib" in modules.stdlib and "imp" not in modules.stdlib and "distutils" not in modules.stdlib


def test_the_probe_takes_module_names_only():
    with pytest.raises(InvalidInput):
        python_modules_command(base_python(), ["--version"])
    with pytest.raises(InvalidInput):
        python_modules_command("python", [])


def test_a_python_that_cannot_start_is_explained(tmp_path):
    with pytest.raises(UserFacingError, match="could not be started"):
        ask_python(tmp_path / "no-python")


def test_the_environments_python_finds_installed_modules_without_importing_them(make_venv, local_index):
    venv = make_venv("env")
    pip_install(venv, "tinyapp==2.0", index_url=local_index.simple_url)
    modules = ask_python(venv / "bin" / "python", ["tinyapp", "tinyutil", "tinyextra", "json"])
    assert modules.findable == {"tinyapp", "tinyutil"}  # json is the standard library: not looked for


# -- what is installed ----------------------------------------------------------------------------


def _dist_info(site: Path, name: str, version: str, files: list[str], top_level: str | None = None) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    record = [*files, f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(f"{path},," if "," not in path else path for path in record) + "\n")
    if top_level is not None:
        (info / "top_level.txt").write_text(top_level)


def test_installed_modules_from_metadata_with_namespaces(tmp_path):
    site = tmp_path / "site-packages"
    _dist_info(site, "PyYAML", "6.0", ["yaml/__init__.py", "yaml/loader.py", "_yaml/__init__.py"], "_yaml\nyaml\n")
    _dist_info(site, "protobuf", "5.0", ["google/protobuf/__init__.py", "google/protobuf/message.py"])
    _dist_info(site, "google_cloud_storage", "2.0", ["google/cloud/storage/__init__.py"])
    _dist_info(site, "six", "1.16", ["six.py", "__pycache__/six.cpython-311.pyc"])
    _dist_info(site, "fast", "1.0", ["fast.cpython-311-x86_64-linux-gnu.so", "../../bin/fast-tool"])
    found = installed_modules(site)
    assert found.provider_of("yaml") == "PyYAML"
    assert found.provider_of("six") == "six"
    assert found.provider_of("fast") == "fast"
    assert found.provider_of("google.protobuf.message") == "protobuf"
    assert found.provider_of("google.cloud.storage") == "google_cloud_storage"
    assert found.provider_of("google.cloud.bigquery") == ""
    assert found.provider_of("google") in ("protobuf", "google_cloud_storage")  # a namespace: some portion is there
    assert found.distributions == {"pyyaml", "protobuf", "google-cloud-storage", "six", "fast"}


def test_installed_modules_of_a_real_environment(make_venv, local_index):
    venv = make_venv("env")
    pip_install(venv, "tinyapp==2.0", index_url=local_index.simple_url)
    site = next((venv / "lib").glob("python*/site-packages"))
    found = installed_modules(site)
    assert found.provider_of("tinyapp") == "tinyapp"
    assert found.provider_of("tinyutil") == "tinyutil"
    assert found.provider_of("pip") == "pip"


# -- mapping and the sentence -------------------------------------------------------------------------

PY311 = PythonModules((3, 11, 7), frozenset({"os", "sys", "json", "importlib"}))


def scan_of(imports: dict[str, list[tuple[str, int]]], own: set[str] = frozenset()) -> CodeScan:
    return CodeScan(
        Path("/project"),
        {name: tuple(ImportSite(path, line) for path, line in sites) for name, sites in imports.items()},
        frozenset(own),
        files=3,
    )


def test_import_names_map_to_the_packages_that_provide_them():
    scan = scan_of({"cv2": [("app.py", 2)], "yaml": [("app.py", 3)], "PIL.Image": [("app.py", 4)], "os": [("app.py", 1)]})
    result = find_missing(scan, PY311, InstalledModules())
    chosen = {module.module: module.project for module in result.missing}
    assert chosen == {"cv2": "opencv-python", "yaml": "pyyaml", "PIL": "pillow"}
    cv2 = next(module for module in result.missing if module.module == "cv2")
    assert "opencv-python-headless" in cv2.alternatives
    assert cv2.where() == "app.py line 2"


def test_the_sentence_names_modules_and_packages():
    scan = scan_of({"cv2": [("app.py", 1)], "requests": [("app.py", 2), ("b.py", 9)]})
    result = find_missing(scan, PY311, InstalledModules())
    assert describe(result) == "Your code imports cv2 and requests; this environment lacks opencv-python and requests."
    assert result.projects() == ["opencv-python", "requests"]


def test_everything_installed():
    scan = scan_of({"yaml": [("app.py", 1)], "requests.adapters": [("app.py", 2)], "json": [("app.py", 3)]})
    installed = InstalledModules({"yaml": "PyYAML"}, distributions=frozenset({"requests"}))
    result = find_missing(scan, PY311, installed)
    assert describe(result) == "Everything your code imports is installed in this environment."
    assert [module.installed_as for module in result.present] == ["requests", "PyYAML"]
    # What the environment's own Python finds counts too (an editable install, a .pth file).
    found = find_missing(scan_of({"localtool": [("a.py", 1)]}), PythonModules((3, 11), frozenset(), frozenset({"localtool"})), InstalledModules())
    assert describe(found) == "Everything your code imports is installed in this environment."


def test_a_module_named_like_a_project_on_the_index_is_a_candidate():
    scan = scan_of({"tinyutil": [("app.py", 3)], "foo": [("app.py", 4)]})
    index = {"tinyutil": "TinyUtil"}
    result = find_missing(scan, PY311, InstalledModules(), known_project=index.get, index_complete=True)
    assert [(module.module, module.project, module.checked) for module in result.missing] == [("tinyutil", "TinyUtil", True)]
    assert describe(result) == (
        "Your code imports tinyutil; this environment lacks TinyUtil."
        " No package is known to provide `foo` (imported in app.py line 4)."
    )
    # Without the index's full list, the name itself is the candidate, and the person is told.
    guessed = find_missing(scan, PY311, InstalledModules(), known_project=index.get, index_complete=False)
    assert [(module.module, module.project, module.checked) for module in guessed.missing] == [
        ("foo", "foo", False),
        ("tinyutil", "TinyUtil", True),
    ]
    said = " ".join(notes(guessed))
    assert "the package for foo is taken from the module's name, not checked; it is not ticked" in said
    # Only names that were checked are ticked at first; the guess comes after them.
    assert [(offer.project, offer.preselected) for offer in guessed.offers()] == [("TinyUtil", True), ("foo", False)]


def test_code_only_python_2_runs_is_not_reported(tmp_path):
    """N9: ``if sys.version_info < (3,):``, ``if PY2:``, ``sys.version_info[0] == 2``, the ``else:`` of
    ``if PY3:`` and a fallback in ``except ImportError:`` are not "written for Python 2"."""
    project = write(
        tmp_path / "compat",
        {
            "compat.py": (
                "import sys\n"
                "import six\n"
                "if sys.version_info < (3,):\n    import ConfigParser\n    import mock\nelse:\n    import configparser\n"
                "if six.PY2:\n    import urllib2\n"
                "if sys.version_info[0] == 2:\n    import cPickle\n"
                "if sys.version_info.major >= 3:\n    import queue\nelse:\n    import Queue\n"
                "PY3 = sys.version_info[0] == 3\n"
                "if PY3:\n    pass\nelif True:\n    import StringIO\n"
                "try:\n    import tkinter\nexcept ImportError:\n    import Tkinter\n"
                "if sys.version_info < (3, 8):\n    import importlib_metadata\n"
            ),
            "old.py": "import httplib\n",  # not under any check: reported
        },
    )
    scan = scan_project(project)
    assert scan.imports["ConfigParser"][0].python2 and scan.imports["mock"][0].python2
    assert not scan.imports["importlib_metadata"][0].python2  # Python 3.7 runs it too
    python = PythonModules((3, 11, 7), frozenset({"sys", "configparser", "queue", "tkinter"}))
    result = find_missing(scan, python, InstalledModules())
    assert [module.module for module in result.python2_only] == ["httplib"]
    # mock is needed only on Python 2, so it is not offered; importlib_metadata (Python < 3.8) is.
    assert [module.module for module in result.needed] == ["importlib_metadata", "six"]
    assert "`httplib` (imported in old.py line 1) is part of Python 2" in describe(result)
    assert "ConfigParser" not in describe(result) and "urllib2" not in describe(result)


def test_thousands_of_unknown_modules_are_worked_out_in_linear_time_and_said_briefly():
    """Bug 4: 5,000 modules no package is known for: grouped in one pass, a capped list, short sentences."""
    import time

    from core.code_imports import MAX_OFFERS_SHOWN, summarize

    count = 5_000
    scan = scan_of({f"lib{i}": [("main.py", i + 1)] for i in range(count)})
    started = time.perf_counter()
    guessed = find_missing(scan, PY311, InstalledModules(), known_project={}.get, index_complete=False)
    summary = summarize(guessed)
    assert time.perf_counter() - started < 2.0  # was minutes: every package scanned the whole list again
    assert len(summary.offers) == MAX_OFFERS_SHOWN and len(summary.not_shown) == count - MAX_OFFERS_SHOWN
    assert not any(offer.preselected for offer in summary.offers)  # guesses: none ticked
    assert summary.more_sentence().startswith(f"{count - MAX_OFFERS_SHOWN:,} more packages are not listed here")
    assert len(summary.sentence) < 400
    # With the full list of names, none of them exists: named in a few sentences, not 5,000.
    unknown = find_missing(scan, PY311, InstalledModules(), known_project={}.get, index_complete=True)
    sentence = describe(unknown)
    assert sentence.count("No package is known to provide") == 3
    assert f"Nor is one known for {count - 3:,} more modules your code imports" in sentence
    assert len(sentence) < 600


def test_namespace_portions_are_not_mistaken_for_the_namespace():
    scan = scan_of({"google.cloud.storage": [("a.py", 1)], "google.protobuf.message": [("a.py", 2)]})
    index = {"google-cloud-storage": "google-cloud-storage", "protobuf": "protobuf"}
    result = find_missing(scan, PY311, InstalledModules(), known_project=index.get)
    assert {module.module: module.project for module in result.missing} == {
        "google.cloud.storage": "google-cloud-storage",
        "google.protobuf": "protobuf",
    }


def test_python_2_modules_and_optional_imports():
    scan = CodeScan(
        Path("/p"),
        {
            "urllib2": (ImportSite("old.py", 1),),
            "cPickle": (ImportSite("old.py", 2, optional=True),),
            "ujson": (ImportSite("fast.py", 3, optional=True),),
        },
        files=2,
    )
    result = find_missing(scan, PY311, InstalledModules())
    assert [module.module for module in result.missing] == ["ujson"]
    assert "`urllib2` (imported in old.py line 1) is part of Python 2, not of Python 3.11" in describe(result)
    assert any("work without ujson" in note for note in notes(result))


def test_no_python_files():
    result = find_missing(CodeScan(Path("/empty")), PY311, InstalledModules())
    assert describe(result) == "There are no Python files in /empty."


def test_check_project_end_to_end_with_a_real_environment(tmp_path, make_venv, local_index):
    project = write(
        tmp_path / "proj",
        {"main.py": "import os, json\nimport tinyapp\nimport tinyutil\nimport yaml\nimport helpers\n", "helpers.py": "import sqlite3\n"},
    )
    venv = make_venv(".venv", parent=project)
    pip_install(venv, "tinyutil", index_url=local_index.simple_url)
    site = next((venv / "lib").glob("python*/site-packages"))
    result = check_project(project, venv / "bin" / "python", site)
    assert [module.module for module in result.present] == ["tinyutil"]
    assert {module.module: module.project for module in result.missing} == {"tinyapp": "tinyapp", "yaml": "pyyaml"}
    assert describe(result) == "Your code imports tinyapp and yaml; this environment lacks tinyapp and pyyaml."


# -- requirements.txt -----------------------------------------------------------------------------


def test_requirements_file_is_created(tmp_path):
    path = tmp_path / "requirements.txt"
    assert add_to_requirements(path, ["opencv-python", "requests"]) == ["opencv-python", "requests"]
    assert path.read_text() == "opencv-python\nrequests\n"


def test_requirements_lines_already_there_are_not_repeated(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"# pinned\r\nPyYAML>=6 ; python_version >= '3.8'\r\n-r base.txt\r\nrequests[socks]==2.32.3")
    assert add_to_requirements(path, ["pyyaml", "Requests", "tinyutil", "tinyutil"]) == ["tinyutil"]
    assert path.read_bytes() == b"# pinned\r\nPyYAML>=6 ; python_version >= '3.8'\r\n-r base.txt\r\nrequests[socks]==2.32.3\r\ntinyutil\r\n"
    before = path.read_bytes()
    assert add_to_requirements(path, ["tinyutil"]) == []
    assert path.read_bytes() == before
    assert requirement_names("git+https://example.invalid/x.git#egg=Some_Thing\n--index-url https://x/\n") == {"some-thing"}


def test_a_requirements_file_that_is_not_text_is_left_alone(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(UserFacingError, match="not UTF-8"):
        add_to_requirements(path, ["requests"])
    assert path.read_bytes() == b"caf\xe9\n"


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can write anywhere")
def test_a_requirements_file_that_cannot_be_written_is_explained(tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(UserFacingError, match="could not be written"):
            add_to_requirements(folder / "requirements.txt", ["requests"])
    finally:
        folder.chmod(0o700)
