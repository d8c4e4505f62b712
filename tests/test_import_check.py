"""Installed but won't import: the modules a distribution installed, and the real import check.

Real wheels installed by real pip from an index on 127.0.0.1 into a real environment, then the
check's command run for real in that environment's Python (the GUI runs the same command
through its QProcess runner; here subprocess runs it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.commands import child_environment
from core.errors import InvalidInput
from core.import_check import (
    IMPORT_CHECK_TIMEOUT_S,
    RESULT_MARKER,
    START_MARKER,
    ImportResult,
    failures_by_distribution,
    import_check_command,
    is_module_name,
    modules_to_check,
    parse_import_results,
    top_level_modules,
)
from tests.conftest import pip_install
from venvdesk_testing.index import build_index
from venvdesk_testing.server import LocalIndexServer
from venvdesk_testing.wheels import PackageSpec

PACKAGES = [
    PackageSpec("goodpkg", "1.0", modules={"goodpkg/__init__.py": "VALUE = 1\n", "goodpkg/util.py": "X = 2\n"}),
    # Fine on Python 2.7-3.9; the ABCs left ``collections`` in 3.10.
    PackageSpec("oldpkg", "1.0", modules={"oldpkg/__init__.py": "from collections import MutableMapping\n"}),
    # A namespace package: nsroot/ has no __init__.py, nsroot/part/ is the real package.
    PackageSpec("nsroot-part", "1.0", modules={"nsroot/part/__init__.py": "X = 1\n"}),
    # Only a top-level module, which talks while it is imported.
    PackageSpec("singlemod", "1.0", modules={"singlemod.py": "print('hello from singlemod')\nX = 1\n"}),
    # Declares no module at all (a metapackage).
    PackageSpec("nomods", "1.0", modules={}),
    PackageSpec("Mixed_Case.Pkg", "1.0"),
    # A public package next to a private helper, a stray tests package and an extension module.
    PackageSpec(
        "fastthing",
        "1.0",
        modules={
            "fastthing/__init__.py": "",
            "_fastthing_impl.py": "",
            "tests/__init__.py": "import pytest\n",
            "extmod.cpython-311-x86_64-linux-gnu.so": "not really a shared library",
            "fastthing-nspkg.pth": "",
        },
    ),
    PackageSpec("hangs", "1.0", modules={"hangs/__init__.py": "import time\ntime.sleep(120)\n"}),
    PackageSpec("dies", "1.0", modules={"dies/__init__.py": "import os\nos._exit(7)\n"}),
    PackageSpec("asks", "1.0", modules={"asks/__init__.py": "ANSWER = input('name? ')\n"}),
    PackageSpec("quits", "1.0", modules={"quits/__init__.py": "import sys\nsys.exit('bye')\n"}),
]


@pytest.fixture(scope="module")
def check_index(tmp_path_factory):
    root = build_index(tmp_path_factory.mktemp("import-check-index"), packages=PACKAGES)
    with LocalIndexServer(root) as server:
        yield server


@pytest.fixture(scope="module")
def installed_env(check_index, template_venv, tmp_path_factory):
    """One environment with every test distribution installed by pip (made once: pip is slow)."""
    venv = tmp_path_factory.mktemp("import-check") / "env"
    shutil.copytree(template_venv, venv, symlinks=True)
    names = [spec.name for spec in PACKAGES]
    pip_install(venv, "--no-deps", *names, index_url=check_index.simple_url)
    (site_packages,) = glob.glob(str(venv / "lib" / "python*" / "site-packages"))
    return venv, Path(site_packages)


def run_check(python: Path, modules: list[str], timeout_s: float = IMPORT_CHECK_TIMEOUT_S, **kwargs):
    command = import_check_command(python, modules, timeout_s)
    completed = subprocess.run(
        [command.program, *command.args],
        env={**child_environment(), **command.env, **kwargs.pop("env", {})},
        capture_output=True,
        text=True,
        timeout=timeout_s + 30,
        **kwargs,
    )
    return completed, parse_import_results(completed.stdout)


# -- which modules ------------------------------------------------------------------------------


def test_top_level_modules_from_top_level_txt(installed_env):
    _venv, site = installed_env
    assert top_level_modules(site, "goodpkg") == ["goodpkg"]
    assert top_level_modules(site, "singlemod") == ["singlemod"]
    # The namespace alone would check nothing: its real package is imported.
    assert top_level_modules(site, "nsroot-part") == ["nsroot.part"]
    assert top_level_modules(site, "nomods") == []
    assert top_level_modules(site, "not-installed") == []


def test_names_are_matched_as_pep_503_normalises_them(installed_env):
    _venv, site = installed_env
    for spelling in ("Mixed_Case.Pkg", "mixed-case-pkg", "MIXED.CASE_PKG", "nsroot_part", "NSROOT.Part"):
        assert top_level_modules(site, spelling), spelling
    assert top_level_modules(site, "mixed-case-pkg") == ["mixed_case_pkg"]


def test_record_is_read_when_there_is_no_top_level_txt(installed_env, tmp_path):
    """Without top_level.txt, RECORD says: public modules first, extension modules by their name."""
    _venv, site = installed_env
    (dist_info,) = site.glob("fastthing-1.0.dist-info")
    with_top_level = top_level_modules(site, "fastthing")
    assert "fastthing" in with_top_level and "_fastthing_impl" not in with_top_level
    assert "tests" not in with_top_level
    # A copy of site-packages' metadata for this one distribution, without top_level.txt.
    copy = tmp_path / "site-packages"
    copy.mkdir()
    shutil.copytree(dist_info, copy / dist_info.name)
    (copy / dist_info.name / "top_level.txt").unlink()
    assert top_level_modules(copy, "fastthing") == ["extmod", "fastthing"]
    ns_info = next(site.glob("nsroot_part-1.0.dist-info"))
    shutil.copytree(ns_info, copy / ns_info.name)
    (copy / ns_info.name / "top_level.txt").unlink()
    assert top_level_modules(copy, "nsroot-part") == ["nsroot.part"]


def test_modules_to_check_for_what_was_asked(installed_env):
    _venv, site = installed_env
    found = modules_to_check(site, ["goodpkg==1.0", "mixed-case-pkg", "nomods", "not-installed", "singlemod[extra]>=1"])
    assert found == {"goodpkg": ["goodpkg"], "Mixed_Case.Pkg": ["mixed_case_pkg"], "singlemod": ["singlemod"]}


def test_module_names_are_validated():
    assert is_module_name("google.protobuf") and is_module_name("_x") and is_module_name("yaml")
    for bad in ("-c", "--help", "a b", "a..b", "1abc", "", "os;rm", "a/b", ".x", "x."):
        assert not is_module_name(bad), bad
        with pytest.raises(InvalidInput):
            import_check_command(sys.executable, ["json", bad], 5)
    with pytest.raises(InvalidInput):
        import_check_command(sys.executable, [], 5)
    with pytest.raises(InvalidInput):
        import_check_command("relative/python", ["json"], 5)
    command = import_check_command(sys.executable, ["json"], 5)
    assert command.args[-2:] == ("5", "json")
    assert "-c" in command.args and "-I" not in command.args  # -I does not exist on Python 2.7


# -- the real check -----------------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info < (3, 10), reason="collections.MutableMapping exists before 3.10")
def test_real_check_finds_the_package_that_does_not_import(installed_env, tmp_path):
    venv, site = installed_env
    wanted = modules_to_check(site, ["goodpkg", "oldpkg", "nsroot-part", "singlemod", "nomods"])
    assert "nomods" not in wanted
    modules = [module for names in wanted.values() for module in names]
    # A shadowing goodpkg in the current folder and on PYTHONPATH must not be what is imported.
    (tmp_path / "goodpkg.py").write_text("raise RuntimeError('imported from the current folder')\n")
    shutil.rmtree(site / "goodpkg" / "__pycache__", ignore_errors=True)
    completed, results = run_check(venv / "bin" / "python", modules, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    assert completed.returncode == 0, completed.stderr
    by_module = {result.module: result for result in results}
    assert [result.module for result in results] == modules
    assert by_module["goodpkg"].ok
    assert by_module["nsroot.part"].ok
    assert by_module["singlemod"].ok
    old = by_module["oldpkg"]
    assert not old.ok and old.finished
    assert old.error_type == "ImportError"
    assert "MutableMapping" in old.error
    assert old.traceback_tail.splitlines()[-1].startswith("ImportError")
    assert "oldpkg" in old.traceback_tail  # the failing line of the package, not the script's frames
    assert "<string>" not in old.traceback_tail
    # What the module printed went to stderr, not among the results.
    assert "hello from singlemod" in completed.stderr
    assert "hello from singlemod" not in completed.stdout
    assert failures_by_distribution(wanted, results) == {"oldpkg": [old]}
    assert "MutableMapping" in old.describe()
    assert not (site / "goodpkg" / "__pycache__").exists()  # -B: nothing written into the environment


def test_real_check_survives_modules_that_quit_ask_or_die(installed_env):
    venv, _site = installed_env
    completed, results = run_check(venv / "bin" / "python", ["asks", "quits", "goodpkg", "dies", "singlemod"])
    assert completed.returncode == 7  # "dies" ended the process from inside its import
    by_module = {result.module: result for result in results}
    assert by_module["asks"].error_type == "EOFError"  # stdin is empty, never the terminal's
    assert by_module["quits"].error_type == "SystemExit" and by_module["quits"].error == "bye"
    assert by_module["goodpkg"].ok
    assert not by_module["dies"].ok and not by_module["dies"].finished
    assert "did not finish" in by_module["dies"].describe()
    assert "singlemod" not in by_module  # never reached


def test_real_check_stops_at_its_time_limit(installed_env):
    venv, _site = installed_env
    completed, results = run_check(venv / "bin" / "python", ["goodpkg", "hangs", "singlemod"], timeout_s=1.5)
    assert completed.returncode == 3
    assert [r.module for r in results] == ["goodpkg", "hangs"]
    assert results[0].ok
    assert results[1].error_type == "Timeout" and results[1].finished
    assert "1.5 seconds" in results[1].error


@pytest.mark.parametrize("version", ["2.7", "3.6"])
def test_script_runs_on_old_interpreters(version):
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python")))
    if not found:
        pytest.skip(f"no Python {version} here")
    completed, results = run_check(Path(found[-1]), ["json", "no_such_module_xyz", "json.tool", "this"])
    assert completed.returncode == 0, completed.stderr
    assert [r.module for r in results] == ["json", "no_such_module_xyz", "json.tool", "this"]
    assert results[0].ok and results[2].ok and results[3].ok
    assert results[1].error_type in ("ImportError", "ModuleNotFoundError")
    assert "no_such_module_xyz" in results[1].error
    assert "Beautiful is better than ugly" in completed.stderr  # ``this`` printed, to stderr


# -- reading the output -------------------------------------------------------------------------


def test_parse_tolerates_noise_and_half_lines():
    ok = RESULT_MARKER + '{"module": "a", "ok": true, "error_type": "", "error": "", "traceback_tail": ""}'
    failed = (
        RESULT_MARKER
        + '{"module": "b.c", "ok": false, "error_type": "AttributeError", '
        + '"error": "module \'collections\' has no attribute \'MutableMapping\'", "traceback_tail": "x\\ny"}'
    )
    stdout = "\n".join(
        [
            "some banner a module printed",
            START_MARKER + "a",
            ok,
            "{not json}",
            START_MARKER + "b.c",
            "partial line without newline" + failed,  # a module's unfinished print before our line
            RESULT_MARKER + "{broken",
            RESULT_MARKER + '["a list"]',
            RESULT_MARKER + '{"module": 3, "ok": true}',
            START_MARKER + "-rf",
            START_MARKER + "d",
        ]
    )
    results = parse_import_results(stdout)
    assert results == [
        ImportResult("a", True),
        ImportResult("b.c", False, "AttributeError", "module 'collections' has no attribute 'MutableMapping'", "x\ny"),
        ImportResult("d", False, "", "the check stopped while importing it", "", finished=False),
    ]
    assert parse_import_results("") == []
    assert parse_import_results("\r\n".join([START_MARKER + "a", ok])) == [ImportResult("a", True)]
