"""Installed packages, read from an environment's metadata files and checked against pip itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.environments import Environment
from core.packages import (
    InstalledPackage,
    Integrity,
    check_integrity,
    installed_packages,
    required_by,
)
from tests.conftest import pip_install
from tests.support.local_index import hermetic_pip_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")


@pytest.fixture(scope="module")
def installed_venv(template_venv, tmp_path_factory, local_index) -> Path:
    """A copied venv with tinyapp 2.0 (which pulls in tinyutil), tinyextra 0.2 and Old_Package."""
    venv = tmp_path_factory.mktemp("packages") / "env"
    shutil.copytree(template_venv, venv, symlinks=True)
    pip_install(
        venv, "tinyapp==2.0", "tinyextra==0.2", "Old_Package==1.0", index_url=local_index.simple_url
    )
    return venv


@pytest.fixture(scope="module")
def listed(installed_venv) -> dict[str, InstalledPackage]:
    site_packages = Environment.load(installed_venv).site_packages()
    return {package.key: package for package in installed_packages(site_packages)}


def test_installed_packages_lists_names_versions_and_summaries(listed, pip_wheel):
    assert sorted(listed) == ["old-package", "pip", "tinyapp", "tinyextra", "tinyutil"]
    assert (listed["pip"].name, listed["pip"].version) == ("pip", pip_wheel.name.split("-")[1])
    assert (listed["tinyapp"].name, listed["tinyapp"].version) == ("tinyapp", "2.0")
    assert listed["tinyapp"].summary == "A tiny application, now with helpers."
    assert (listed["tinyutil"].version, listed["tinyutil"].summary) == (
        "1.1",
        "Tiny helper functions, polished.",
    )
    assert (listed["old-package"].name, listed["old-package"].version) == ("Old_Package", "1.0")


def test_installed_packages_are_sorted_by_normalised_name(installed_venv):
    packages = installed_packages(Environment.load(installed_venv).site_packages())
    assert [p.key for p in packages] == sorted(p.key for p in packages)


def test_packages_asked_for_are_marked_requested_and_dependencies_are_not(listed):
    assert listed["tinyapp"].requested
    assert listed["tinyextra"].requested
    assert listed["old-package"].requested
    assert listed["pip"].requested  # seeded pip counts as asked for, as after "pip install pip"
    assert not listed["tinyutil"].requested


def test_required_by_maps_each_dependency_to_the_packages_that_need_it(listed):
    assert required_by(list(listed.values())) == {"tinyutil": ["tinyapp"]}


def test_requirements_of_extras_are_not_dependencies(listed):
    tinyextra = listed["tinyextra"]
    assert tinyextra.requires == ('tinyutil; extra == "fancy"',)
    assert tinyextra.dependency_names() == set()
    assert listed["tinyapp"].dependency_names() == {"tinyutil"}


def test_listing_matches_pip_list_exactly(installed_venv, listed):
    result = subprocess.run(
        [str(installed_venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        env=hermetic_pip_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    from_pip = {(entry["name"], entry["version"]) for entry in json.loads(result.stdout)}
    assert {(p.name, p.version) for p in listed.values()} == from_pip


def test_dependency_markers_are_evaluated_for_this_python():
    package = InstalledPackage(
        "demo",
        "1.0",
        requires=(
            "Needed_Always>=1",
            'only-on-python2; python_version < "3"',
            'on-python3; python_version >= "3"',
            'fancy-thing; extra == "fancy"',
            'py3-fancy; python_version >= "3" and extra == "fancy"',
            "this is not a requirement ???",
        ),
    )
    assert package.dependency_names() == {"needed-always", "on-python3"}


# ------------------------------------------------------------------ odd metadata on disk


def write_dist_info(
    site_packages: Path, folder: str, metadata: bytes | None, requested: bool = False
) -> Path:
    dist_info = site_packages / folder
    dist_info.mkdir(parents=True)
    if metadata is not None:
        (dist_info / "METADATA").write_bytes(metadata)
    if requested:
        (dist_info / "REQUESTED").write_bytes(b"")
    return dist_info


def test_broken_metadata_does_not_break_the_listing(tmp_path):
    site = tmp_path / "site-packages"
    write_dist_info(
        site,
        "good-1.0.dist-info",
        b"Metadata-Version: 2.1\nName: good\nVersion: 1.0\nSummary: Fine.\nRequires-Dist: ???\n"
        b"\nName: not-a-header\nVersion: 9.9\n",
        requested=True,
    )
    write_dist_info(site, "garbage-1.0.dist-info", b"\x00\xff\xfe\x89PNG\r\n\x1a\n\x00\x00binary")
    write_dist_info(site, "empty-1.0.dist-info", b"")
    write_dist_info(site, "no_metadata-1.0.dist-info", None)
    (write_dist_info(site, "folder_metadata-1.0.dist-info", None) / "METADATA").mkdir()
    write_dist_info(site, "latin1-2.0.dist-info", b"Name: latin1\nVersion: 2.0\nSummary: caf\xe9\n")
    (site / "legacy-0.1-py3.11.egg-info").write_text(
        "Metadata-Version: 1.0\nName: legacy\nVersion: 0.1\n"
    )
    (site / "eggdir-0.2-py3.11.egg-info").mkdir()
    (site / "eggdir-0.2-py3.11.egg-info" / "PKG-INFO").write_text("Name: eggdir\nVersion: 0.2\n")
    (site / "good").mkdir()  # an import package, not metadata

    packages = {p.key: p for p in installed_packages(site)}

    assert sorted(packages) == ["eggdir", "good", "latin1", "legacy"]
    assert (packages["good"].version, packages["good"].summary) == ("1.0", "Fine.")
    assert packages["good"].requested
    assert packages["good"].dependency_names() == set()
    assert packages["latin1"].summary == "caf\ufffd"
    assert (packages["legacy"].version, packages["legacy"].requested) == ("0.1", False)
    assert packages["eggdir"].version == "0.2"


def test_listing_of_a_missing_site_packages_is_empty(tmp_path):
    assert installed_packages(None) == []
    assert installed_packages(tmp_path / "missing") == []


# ------------------------------------------------------------------ half-installed files (by hand)


def install_by_hand(
    site: Path, name: str, version: str, files: dict[str, str], *, also_listed: tuple[str, ...] = ()
) -> Path:
    """Write ``files`` into ``site`` plus a dist-info whose RECORD lists them, itself and ``also_listed``."""
    site.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text)
    dist_info = f"{name}-{version}.dist-info"
    write_dist_info(site, dist_info, f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode())
    listed = [*files, *also_listed, f"{dist_info}/METADATA", f"{dist_info}/RECORD"]
    (site / dist_info / "RECORD").write_text("".join(f"{path},,\n" for path in listed))
    return site / dist_info


def test_integrity_of_complete_installs_is_clean(tmp_path):
    site = tmp_path / "site-packages"
    install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": "", "alpha/core.py": ""})
    integrity = check_integrity(site)
    assert integrity == Integrity()
    assert integrity.clean and integrity.describe() == ""


def test_integrity_missing_byte_code_listed_in_record_is_not_damage(tmp_path):
    # pip lists the .pyc files it compiled; they may be gone (cleaned, never written, other
    # Python): the package still works, so that is no damage.  Nor are files RECORD places
    # outside site-packages (scripts in bin/).
    site = tmp_path / "site-packages"
    install_by_hand(
        site,
        "alpha",
        "1.0",
        {"alpha/__init__.py": "", "single_module.py": ""},
        also_listed=(
            "alpha/__pycache__/__init__.cpython-311.pyc",
            "__pycache__/single_module.cpython-311.pyc",
            "legacy_compiled.pyc",
            "../../../bin/alpha",
        ),
    )
    assert check_integrity(site) == Integrity()


def test_integrity_record_listing_a_missing_python_file_is_damage(tmp_path):
    site = tmp_path / "site-packages"
    install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": ""})
    install_by_hand(site, "beta", "2.0", {"beta/__init__.py": "", "beta/util.py": ""})
    (site / "beta" / "util.py").unlink()  # what an interrupted install or uninstall leaves
    integrity = check_integrity(site)
    assert [(p.name, p.version) for p in integrity.damaged] == [("beta", "2.0")]
    assert (integrity.leftovers, integrity.orphans) == ((), ())
    assert not integrity.clean
    assert integrity.describe() == "incomplete: beta 2.0"


def test_integrity_unclaimed_folder_without_python_files_is_not_an_orphan(tmp_path):
    site = tmp_path / "site-packages"
    install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": ""})
    (site / "shared_assets" / "images").mkdir(parents=True)
    (site / "shared_assets" / "images" / "logo.png").write_bytes(b"\x89PNG")
    (site / "shared_assets" / "README.txt").write_text("data only")
    (site / "__pycache__").mkdir()
    (site / "__pycache__" / "stray.cpython-311.pyc").write_bytes(b"")
    (site / "distutils-precedence.pth").write_text("import os\n")
    assert check_integrity(site) == Integrity()


def test_integrity_package_folder_without_metadata_is_an_orphan(tmp_path):
    site = tmp_path / "site-packages"
    install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": ""})
    for orphan in ("zeta", "Lonely_Pkg"):  # its dist-info is gone: nothing claims the folder
        (site / orphan).mkdir()
        (site / orphan / "__init__.py").write_text("")
        (site / orphan / "helpers.py").write_text("")
    # setuptools' hook folder belongs to no distribution on purpose.
    (site / "_distutils_hack").mkdir()
    (site / "_distutils_hack" / "__init__.py").write_text("")
    integrity = check_integrity(site)
    assert integrity.orphans == ("Lonely_Pkg", "zeta")
    assert (integrity.leftovers, integrity.damaged) == ((), ())
    assert integrity.describe() == "files without their package record: Lonely_Pkg, zeta"


def test_integrity_folder_claimed_by_an_egg_info_is_not_an_orphan(tmp_path):
    site = tmp_path / "site-packages"
    (site / "oldstyle").mkdir(parents=True)
    (site / "oldstyle" / "__init__.py").write_text("")
    (site / "oldstyle-0.1-py3.11.egg-info").mkdir()
    (site / "oldstyle-0.1-py3.11.egg-info" / "PKG-INFO").write_text("Name: oldstyle\nVersion: 0.1\n")
    (site / "oldstyle-0.1-py3.11.egg-info" / "top_level.txt").write_text("oldstyle\n")
    assert check_integrity(site) == Integrity()


def test_integrity_pips_tilde_leftovers_are_reported_as_leftovers(tmp_path):
    site = tmp_path / "site-packages"
    install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": ""})
    # pip renames what it replaces to "~" + the name minus its first letter, and deletes it at
    # the end; an interrupted run leaves them.  The stashed dist-info's RECORD lists files that
    # are no longer there: it is a leftover, not a damaged package.
    install_by_hand(site, "beta", "1.0", {"beta/__init__.py": "", "beta/util.py": ""})
    (site / "beta").rename(site / "~eta")
    (site / "beta-1.0.dist-info").rename(site / "~eta-1.0.dist-info")
    (site / "~-nused.pth").write_text("")
    integrity = check_integrity(site)
    assert integrity.leftovers == ("~-nused.pth", "~eta", "~eta-1.0.dist-info")
    assert (integrity.damaged, integrity.orphans) == ((), ())
    # beta is not installed any more: its only copy is the backup, and the scan says so.
    assert integrity.stashed == (("beta", "1.0"),)
    assert integrity.describe() == (
        "only pip's backup is left of: beta 1.0; pip's temporary leftovers: ~-nused.pth, ~eta, ~eta-1.0.dist-info"
    )


def test_integrity_of_an_unreadable_or_absent_site_packages(tmp_path):
    assert check_integrity(None) == Integrity()
    missing = check_integrity(tmp_path / "missing")
    assert not missing.clean
    assert "could not be read" in missing.problem


def test_integrity_a_half_written_namespace_package_is_an_orphan(tmp_path):
    # A full disk stopped pip after 501 of 1,501 files: no metadata, no __init__.py (stored last),
    # and "import bigpkg" works all the same (a namespace package). The scan must flag it.
    site = tmp_path / "site-packages"
    install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": ""})
    (site / "bigpkg" / "sub").mkdir(parents=True)
    for number in range(5):
        (site / "bigpkg" / "sub" / f"part{number}.py").write_text("")
    (site / "lonely.py").write_text("")  # a module without its metadata
    (site / "data-only").mkdir()
    (site / "data-only" / "table.csv").write_text("")
    integrity = check_integrity(site)
    assert integrity.orphans == ("bigpkg", "lonely.py")
    assert "files without their package record: bigpkg, lonely.py" in integrity.describe()


def test_integrity_shown_again_checks_only_changed_records_file_by_file(tmp_path):
    site = tmp_path / "site-packages"
    install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": "", "alpha/util.py": ""})
    assert check_integrity(site, deep=False).clean  # first time: every file looked at
    (site / "alpha" / "util.py").unlink()  # inside a package, RECORD untouched
    assert check_integrity(site, deep=False).clean  # trusted: only RECORD's own stat changed nothing
    assert [p.name for p in check_integrity(site, deep=True).damaged] == ["alpha"]  # after an unclean end
    (site / "alpha").rename(site / "gone")  # a whole top-level entry missing is seen without stats
    assert [p.name for p in check_integrity(site, deep=False).damaged] == ["alpha"]


# ------------------------------------------------------------------ what the package page reads


def test_installed_files_adds_up_what_record_lists(tmp_path):
    from core.packages import installed_files

    site = tmp_path / "lib" / "site-packages"
    install_by_hand(
        site,
        "fancy",
        "1.0",
        {"fancy/__init__.py": "x" * 100, "fancy/sub/mod.py": "y" * 50, "_fancy_speedups.cpython-311-x86_64-linux-gnu.so": "z" * 10,
         "helper.py": "h" * 5, "fancy-1.0.data/notes.txt": "n"},
        also_listed=("fancy/gone.py", "../../bin/fancy-cli"),
    )
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "fancy-cli").write_text("#!python\n")
    package = next(p for p in installed_packages(site) if p.key == "fancy")
    files = installed_files(package)
    assert files.location == str(site)
    assert files.import_names == ("_fancy_speedups", "fancy", "helper")
    on_disk = [site / "fancy/__init__.py", site / "fancy/sub/mod.py", site / "_fancy_speedups.cpython-311-x86_64-linux-gnu.so",
               site / "helper.py", site / "fancy-1.0.data/notes.txt", tmp_path / "bin" / "fancy-cli",
               site / "fancy-1.0.dist-info/METADATA", site / "fancy-1.0.dist-info/RECORD"]
    assert (files.files, files.missing) == (len(on_disk), 1)  # a script outside site-packages counts too
    assert files.size == sum(path.stat().st_size for path in on_disk)
    assert files.recorded


def test_installed_files_of_an_install_without_a_file_list(tmp_path):
    from core.packages import installed_files

    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "legacy-0.1-py3.11.egg-info").write_text("Metadata-Version: 1.0\nName: legacy\nVersion: 0.1\n")
    (site / "eggdir-0.2-py3.11.egg-info").mkdir()
    (site / "eggdir-0.2-py3.11.egg-info" / "PKG-INFO").write_text("Name: eggdir\nVersion: 0.2\n")
    (site / "eggdir").mkdir()
    (site / "eggdir" / "__init__.py").write_text("pass\n")
    packages = {p.key: p for p in installed_packages(site)}
    assert installed_files(packages["legacy"]) == installed_files(packages["legacy"]).__class__(str(site), recorded=False)
    assert not installed_files(packages["eggdir"]).recorded
    (site / "eggdir-0.2-py3.11.egg-info" / "installed-files.txt").write_text("../eggdir/__init__.py\nPKG-INFO\n")
    files = installed_files(packages["eggdir"])
    assert (files.recorded, files.files, files.import_names) == (True, 2, ("eggdir",))


def test_unconditional_requirements_are_kept_as_written():
    from core.packages import unconditional_requirements

    assert unconditional_requirements(
        ["tinyutil>=1.0", 'extra-only; extra == "fancy"', 'never; python_version < "3"', "Two[x] >=2,<3", "not valid ???"]
    ) == ["tinyutil>=1.0", "Two[x]<3,>=2"]


# ------------------------------------------------------------------ read fast, read the same


def test_metadata_headers_are_read_up_to_the_description_only(tmp_path):
    from core.packages import MAX_HEADER_LENGTH

    site = tmp_path / "site-packages"
    classifiers = "".join(f"Classifier: Topic :: Number {n}\r\n" for n in range(700))  # ~22 KB of headers
    write_dist_info(
        site,
        "crlf-1.0.dist-info",
        (
            "Metadata-Version: 2.1\r\nName: crlf\r\nVersion: 1.0\r\n"
            + classifiers
            + "Summary: After the classifiers.\r\nRequires-Dist: needed>=1\r\nRequires-Dist: other ; extra == 'x'\r\n"
            + "\r\nName: in-the-readme\r\nRequires-Dist: not-a-requirement\r\n"
        ).encode(),
    )
    write_dist_info(
        site,
        "huge-1.0.dist-info",
        b"Name: huge\nVersion: 2.0\nSummary: " + b"x" * 3_000_000 + b"\nRequires-Dist: lost-past-the-limit\n",
    )
    packages = {p.key: p for p in installed_packages(site)}
    crlf = packages["crlf"]
    assert (crlf.name, crlf.version, crlf.summary) == ("crlf", "1.0", "After the classifiers.")
    assert crlf.requires == ("needed>=1", "other ; extra == 'x'")
    assert crlf.dependency_names() == {"needed"}
    huge = packages["huge"]
    assert huge.version == "2.0"
    assert huge.summary == "x" * MAX_HEADER_LENGTH + "…"
    assert huge.requires == ()  # past the first megabyte of headers nothing is read


# Markers as projects write them; each is worked out without packaging where it is plain, and
# must come out as packaging says (or as "not needed" where packaging refuses the marker).
MARKERS = [
    'python_version < "3.11"',
    "python_version<'3.9'",
    '"3.6" <= python_version',
    'python_version == "3.11.0"',
    'python_version != "3"',
    'python_full_version >= "3.8.1"',
    'python_full_version <= "3.11.0a6" and extra == "toml"',
    'python_version >= "3.11.0rc1"',
    'python_version == "3.*"',
    'python_version ~= "3.1"',
    'sys_platform == "win32"',
    "os_name == 'nt'",
    '(os_name == "nt" and implementation_name != "pypy") and extra == \'dev\'',
    'platform_machine == "x86_64" or platform_machine == "aarch64"',
    '"linux" in sys_platform',
    "'win' not in sys_platform",
    'python_version < "3.8" or (extra == "a" and os_name == "posix")',
    'os_name == "posix" and (extra == "x" or python_version >= "3")',
    'platform_system == "Linux" and platform_python_implementation == "CPython"',
    'sys_platform != "darwin" and (python_version < "3.12" or python_version >= "3.13")',
    'python_version ~= "3" and os_name == "nt"',
    'python_version ~= "3" or os_name == "posix"',
    '(python_version ~= "3" and extra == "x") or os_name == "posix"',
    'extra != "x"',
    'extra == ""',
    '"x" == extra',
    'platform_release >= "5"',
    'implementation_version >= "3.7"',
    "sys_platform < 'z'",
    'os_name=="posix"and python_version>="3"',
    'bogus == "1"',
    'python_version <',
    'python_version > "3" and',
    "()",
    '"a" == "a"',
]


@pytest.mark.parametrize("marker", MARKERS)
def test_dependency_markers_come_out_as_packaging_says(marker):
    from packaging.markers import Marker

    from core.packages import _marker_holds, _plain_marker_holds

    try:
        expected = bool(Marker(marker).evaluate({"extra": ""}))
    except Exception:  # noqa: BLE001 - packaging refuses it: the requirement is not counted
        expected = False
    plain = _plain_marker_holds(marker)
    assert plain is None or plain == expected
    assert bool(_marker_holds(marker)) == expected


REQUIREMENTS = [
    "requests",
    "Requests_Toolbelt>=0.9",
    "zope.interface (>=5.0)",
    "botocore[crt] (<2.0a0,>=1.21.0) ; extra == 'crt'",
    'gmpy2 (>=2.1.0a4) ; (platform_python_implementation != "PyPy") and extra == \'gmpy\'',
    "pytest (>=4.6) ; extra == 'tests'",
    "numpy>=1.23.2; python_version == '3.11'",
    'typing-extensions>=4; python_version < "3.8"',
    "colorama; sys_platform == 'win32'",
    "pkg[a,b]>=1,!=1.5.*",
    "name @ https://example.org/name-1.0.tar.gz",
    "name @ https://example.org/name-1.0.tar.gz ; python_version >= '3'",
    "this is not a requirement ???",
    "???",
    "bad>=",
    "-leading-dash",
]


@pytest.mark.parametrize("text", REQUIREMENTS)
def test_requirement_names_come_out_as_packaging_says(text):
    from core.packages import _unconditional, _unconditional_name

    assert _unconditional_name(text) == next((requirement.name for requirement in _unconditional((text,))), "")


def test_integrity_reads_a_record_again_when_it_changes(tmp_path):
    site = tmp_path / "site-packages"
    dist_info = install_by_hand(site, "alpha", "1.0", {"alpha/__init__.py": ""})
    assert check_integrity(site, deep=False).clean
    # An upgrade rewrote RECORD: it now lists a module that is not there.
    record = dist_info / "RECORD"
    record.write_text(record.read_text() + "alpha/new_module.py,,\nbeta/__init__.py,,\n")
    integrity = check_integrity(site, deep=False)
    assert [p.name for p in integrity.damaged] == ["alpha"]
    assert integrity.orphans == ()
    # Told the packages just read (as the Installed tab does), the answer is the same.
    assert check_integrity(site, deep=False, packages=installed_packages(site)) == integrity


def test_record_paths_with_commas_are_read_as_csv(tmp_path):
    from core.packages import record_paths

    dist_info = tmp_path / "odd-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "RECORD").write_text('odd/plain.py,sha256=abc,3\r\n"odd/with, comma.py",sha256=def,4\n\nodd/no_hash.py,,\n')
    assert record_paths(str(dist_info)) == ["odd/plain.py", "odd/with, comma.py", "odd/no_hash.py"]
    (dist_info / "RECORD").write_text("odd/plain.py,sha256=abc,3\r\n\r\nodd/no_hash.py,,\n")
    assert record_paths(str(dist_info)) == ["odd/plain.py", "odd/no_hash.py"]
