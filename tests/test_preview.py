"""The plan before an install: pip's dry run (real pip, local index), compared with what is installed, in words."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from core import pypi
from core.backends import backend_for
from core.backends.pip import DRY_RUN_SINCE, PIP_BASE_OPTIONS, PipBackend
from core.commands import Command
from core.environments import Environment
from core.errors import InvalidInput
from core.journal import package_set
from core.packages import installed_packages
from core.preview import (
    DOWNGRADE,
    NEW,
    REINSTALL,
    REPLACE,
    UPGRADE,
    Preview,
    PreviewItem,
    ReportError,
    compare,
    fill_sizes,
    format_size,
    free_space,
    parse_report,
)
from tests.conftest import pip_install
from venvdesk_testing.server import LocalIndexServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")

ENV_PYTHON = "/home/me/envs/demo/bin/python"
PIP_PREFIX = ("-m", "pip", *PIP_BASE_OPTIONS)


def installed_set(venv: Path) -> dict[str, tuple[str, str]]:
    return package_set(installed_packages(Environment.load(venv).site_packages()))


def backend(venv: Path) -> PipBackend:
    environment = Environment.load(venv)
    return PipBackend.for_environment(environment, installed_packages(environment.site_packages()))


def run(command: Command) -> subprocess.CompletedProcess[str]:
    """Run a backend's command as the app's runner would (with the test's hermetic pip settings)."""
    return subprocess.run(
        [command.program, *command.args],
        env={**os.environ, **command.env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def dry_run(venv: Path, specs: list[str], **options: bool) -> Preview:
    command = backend(venv).dry_run(specs, **options)
    assert command is not None
    completed = run(command)
    assert completed.returncode == 0, completed.stderr
    return backend(venv).parse_dry_run(completed.stdout).compared_with(installed_set(venv))


# ------------------------------------------------------------------ the command line


def test_the_dry_run_asks_for_a_quiet_json_report_with_the_installs_own_options():
    pip = PipBackend(ENV_PYTHON, "24.2", "http://127.0.0.1:1/simple/")
    command = pip.dry_run(["tinyapp"], upgrade=True)
    assert command is not None
    assert command.args == (
        *PIP_PREFIX, "install", "--dry-run", "--report", "-", "--quiet", "--progress-bar", "off",
        "--index-url", "http://127.0.0.1:1/simple/", "--upgrade", "tinyapp",
    )
    reinstall = pip.dry_run(["tinyutil==1.1"], reinstall=True)
    assert reinstall is not None and "--force-reinstall" in reinstall.args
    with pytest.raises(InvalidInput, match="not a package requirement"):
        pip.dry_run(["--pre"])


@pytest.mark.parametrize(
    ("version", "available"),
    [("22.2", True), ("22.2.2", True), ("23.0.1", True), ("24.2", True), ("22.1.2", False), ("22.0.4", False),
     ("9.0.1", False), ("", False)],
)
def test_the_dry_run_needs_pip_22_2(version, available):
    pip = PipBackend(ENV_PYTHON, version)
    assert (pip.dry_run(["tinyapp"]) is not None) is available
    assert pip.can_dry_run is available
    reason = pip.dry_run_unavailable()
    assert (reason == "") is available
    if not available and version:
        assert f"pip {version}" in reason and "22.2" in reason
    assert DRY_RUN_SINCE == (22, 2)


def test_constraints_reach_the_install_only_when_given(tmp_path):
    pip = PipBackend(ENV_PYTHON, "23.0")
    assert pip.install(["a"]).args == (*PIP_PREFIX, "install", "a")
    constraints = tmp_path / "plan.txt"
    assert pip.install(["a"], upgrade=True, constraints=constraints).args == (
        *PIP_PREFIX, "install", "--upgrade", "--constraint", str(constraints), "a"
    )
    with pytest.raises(InvalidInput) as refused:
        pip.install(["a"], constraints=Path("plan.txt"))
    assert refused.value.reference == "relative-path"


# ------------------------------------------------------------------ real dry runs against the local index


def test_a_new_package_with_its_dependency_is_a_plain_install_and_changes_nothing(make_venv, use_local_index):
    venv = make_venv()
    before = installed_set(venv)
    preview = dry_run(venv, ["tinyapp"])
    assert installed_set(venv) == before  # a dry run installs nothing
    assert [(item.name, item.version, item.requested, item.change) for item in preview.items] == [
        ("tinyapp", "2.0", True, NEW),
        ("tinyutil", "1.1", False, NEW),
    ]
    assert preview.installer_version == f"pip {backend(venv).pip_version}"
    item = preview.items[0]
    assert item.url == f"{use_local_index.url}/files/tinyapp-2.0-py3-none-any.whl"
    assert item.filename == "tinyapp-2.0-py3-none-any.whl" and not item.builds_from_source and not item.direct
    assert not preview.needs_question()
    assert preview.describe() == "Installing tinyapp 2.0 also installs tinyutil 1.1."
    assert preview.constraints() == ["tinyapp==2.0", "tinyutil==1.1"]


def test_an_upgrade_is_asked_about_in_words(make_venv, use_local_index):
    venv = make_venv()
    pip_install(venv, "tinyapp==1.0", index_url=use_local_index.simple_url)
    preview = dry_run(venv, ["tinyapp"], upgrade=True)
    assert [(item.name, item.change, item.installed_version, item.version) for item in preview.items] == [
        ("tinyapp", UPGRADE, "1.0", "2.0"),
        ("tinyutil", NEW, "", "1.1"),
    ]
    assert preview.needs_question()
    assert [item.name for item in preview.changes_installed()] == ["tinyapp"]
    assert preview.describe() == "Upgrading tinyapp from 1.0 to 2.0 also installs tinyutil 1.1."


def test_a_dependency_that_moves_is_asked_about(make_venv, use_local_index):
    venv = make_venv()
    pip_install(venv, "tinyutil==1.1", index_url=use_local_index.simple_url)
    preview = dry_run(venv, ["tinyapp==2.0", "tinyutil==1.0"])
    assert preview.needs_question()
    assert preview.describe() == "Installing tinyapp 2.0 and downgrading tinyutil from 1.1 to 1.0; nothing else changes."
    # Asked for without a pin, the dependency stays: nothing installed changes, no question.
    plain = dry_run(venv, ["tinyapp"])
    assert [item.name for item in plain.items] == ["tinyapp"] and not plain.needs_question()
    assert plain.describe() == "Installing tinyapp 2.0; nothing else changes."


def test_a_reinstall_of_the_same_versions_does_not_ask(make_venv, use_local_index):
    venv = make_venv()
    pip_install(venv, "tinyapp==2.0", index_url=use_local_index.simple_url)
    preview = dry_run(venv, ["tinyapp"], reinstall=True)
    assert {item.name: item.change for item in preview.items} == {"tinyapp": REINSTALL, "tinyutil": REINSTALL}
    assert not preview.needs_question()
    assert preview.describe() == "Reinstalling tinyapp 2.0 also reinstalls tinyutil 1.1."


def test_everything_already_there_is_an_empty_plan(make_venv, use_local_index):
    venv = make_venv()
    pip_install(venv, "tinyapp==2.0", index_url=use_local_index.simple_url)
    preview = dry_run(venv, ["tinyapp"])
    assert preview.empty and not preview.needs_question() and preview.constraints() == []
    assert preview.describe() == "Nothing needs to be installed: everything asked for is already there."


def test_the_plan_feeds_the_real_install_as_constraints(make_venv, use_local_index, tmp_path):
    venv = make_venv()
    pip_install(venv, "tinyapp==1.0", index_url=use_local_index.simple_url)
    preview = dry_run(venv, ["tinyapp"], upgrade=True)
    constraints = preview.write_constraints(tmp_path / "plan" / "constraints.txt")
    assert constraints.read_text() == "tinyapp==2.0\ntinyutil==1.1\n"
    completed = run(backend(venv).install(["tinyapp"], upgrade=True, constraints=constraints))
    assert completed.returncode == 0, completed.stderr
    now = installed_set(venv)
    assert {key: now[key] for key in ("tinyapp", "tinyutil")} == {"tinyapp": ("tinyapp", "2.0"), "tinyutil": ("tinyutil", "1.1")}
    # A plan that no longer fits what is asked stops the install instead of doing something else.
    old_plan = tmp_path / "old.txt"
    old_plan.write_text("tinyutil==1.0\n")
    refused = run(backend(venv).install(["tinyutil==1.1"], constraints=old_plan))
    assert refused.returncode != 0
    assert installed_set(venv)["tinyutil"] == ("tinyutil", "1.1")


def test_sizes_come_from_the_index_file_list(make_venv, use_local_index, index_root, tmp_path):
    venv = make_venv()
    preview = dry_run(venv, ["tinyapp"]).with_free_space(venv)
    assert preview.download_size() is None and preview.free is not None
    files = {item.name: pypi.project_files(use_local_index.simple_url, item.name) for item in preview.items}
    sized = fill_sizes(preview, files)
    on_disk = {item.name: (index_root / "files" / item.filename).stat().st_size for item in sized.items}
    assert {item.name: item.size for item in sized.items} == on_disk
    assert sized.download_size() == sum(on_disk.values())
    assert sized.describe().endswith(f"About {format_size(sum(on_disk.values()))} to download; {format_size(sized.free)} free.")
    assert not sized.needs_question()
    # A disk with less room than the download: said, and asked about even for new packages.
    tiny = Preview(sized.items, free=10)
    assert tiny.too_big() and tiny.needs_question()
    assert "but only 10 bytes is free on the disk: make room before installing." in tiny.describe()
    # Only part of the sizes known: "at least".
    partial = fill_sizes(preview, {"tinyapp": files["tinyapp"]})
    assert "At least" in partial.describe() and partial.download_size() == on_disk["tinyapp"]


def test_free_space_is_the_disks_of_the_nearest_existing_folder(tmp_path):
    assert free_space(tmp_path) == shutil.disk_usage(tmp_path).free
    assert free_space(tmp_path / "not" / "yet" / "made") == shutil.disk_usage(tmp_path).free


# ------------------------------------------------------------------ a package built from source

_BACKEND = '''
import base64, hashlib, os, zipfile
NAME, VERSION = "srcpkg", "1.0"
def get_requires_for_build_wheel(config_settings=None):
    return []
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = f"{NAME}-{VERSION}.dist-info"
    files = {
        f"{NAME}.py": "VALUE = 1\\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = []
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for path, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            archive.writestr(path, data)
            record.append(f"{path},sha256={digest},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        archive.writestr(f"{dist}/RECORD", "\\n".join(record) + "\\n")
    return filename
'''


@pytest.fixture
def source_index(tmp_path, monkeypatch):
    """An index whose only project, srcpkg, has an sdist and no wheel (its in-tree build backend needs nothing)."""
    root = tmp_path / "source-index"
    (root / "files").mkdir(parents=True)
    (root / "simple" / "srcpkg").mkdir(parents=True)
    members = {
        "srcpkg-1.0/pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "inline_backend"\nbackend-path = ["."]\n',
        "srcpkg-1.0/inline_backend.py": _BACKEND,
        "srcpkg-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: srcpkg\nVersion: 1.0\n",
    }
    with tarfile.open(root / "files" / "srcpkg-1.0.tar.gz", "w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    link = '<a href="/files/srcpkg-1.0.tar.gz">srcpkg-1.0.tar.gz</a>'
    (root / "simple" / "srcpkg" / "index.html").write_text(f"<html><body>{link}</body></html>\n")
    (root / "simple" / "index.html").write_text('<html><body><a href="/simple/srcpkg/">srcpkg</a></body></html>\n')
    with LocalIndexServer(root, html_only=True) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        yield server


def test_a_package_without_a_wheel_is_said_to_be_built_from_source(make_venv, source_index):
    venv = make_venv()
    preview = dry_run(venv, ["srcpkg"])
    [item] = preview.items
    assert item.builds_from_source and item.filename == "srcpkg-1.0.tar.gz" and item.change == NEW
    assert preview.needs_question()  # nothing installed changes, but a compiler may be needed
    assert preview.describe() == (
        "Installing srcpkg 1.0; nothing else changes."
        " srcpkg 1.0 has no ready-made wheel and will be built from source, which can need a C compiler."
    )


# ------------------------------------------------------------------ other pips


def _bundled_pip(pip_wheels, wanted) -> Path:
    from packaging.version import Version

    chosen = [wheel for wheel in pip_wheels if wanted(Version(wheel.name.split("-")[1]))]
    if not chosen:
        pytest.skip("no pip wheel of that age is bundled with a Python on this machine")
    return chosen[0]


def test_an_old_pip_gets_no_dry_run_and_really_cannot_do_one(make_venv, use_local_index, pip_wheels):
    from packaging.version import Version

    wheel = _bundled_pip(pip_wheels, lambda version: version < Version("22.2"))
    version = wheel.name.split("-")[1]
    venv = make_venv()
    pip_install(venv, f"pip=={version}", index_url=use_local_index.simple_url)
    environment = Environment.load(venv)
    old = backend_for(environment, installed_packages(environment.site_packages()))
    assert old.dry_run(["tinyapp"]) is None
    assert f"pip {version}" in old.dry_run_unavailable()
    # The gate is real: this pip refuses the options (built here only to show it).
    forced = PipBackend(str(environment.python), "22.2").dry_run(["tinyapp"])
    assert forced is not None
    completed = run(forced)
    assert completed.returncode != 0 and "--dry-run" in completed.stderr


def test_the_oldest_bundled_pip_with_a_dry_run_writes_a_report_this_app_reads(make_venv, use_local_index, pip_wheels):
    from packaging.version import Version

    wheel = _bundled_pip(pip_wheels, lambda version: Version("22.2") <= version < Version("24.2"))
    version = wheel.name.split("-")[1]
    venv = make_venv()
    pip_install(venv, f"pip=={version}", "tinyapp==1.0", index_url=use_local_index.simple_url)
    preview = dry_run(venv, ["tinyapp"], upgrade=True)
    assert preview.installer_version == f"pip {version}"
    assert [(item.name, item.change) for item in preview.items] == [("tinyapp", UPGRADE), ("tinyutil", NEW)]


# ------------------------------------------------------------------ reading reports (units)


def _report(*install: dict, version: str = "1") -> str:
    return json.dumps({"version": version, "pip_version": "24.2", "install": list(install), "environment": {}})


def _entry(name: str, version: str, url: str, *, requested: bool = False, **more) -> dict:
    return {"download_info": {"url": url, **more.pop("info", {"archive_info": {}})}, "is_direct": more.pop("direct", False),
            "is_yanked": more.pop("yanked", False), "requested": requested, "metadata": {"name": name, "version": version}}


def test_what_counts_as_built_from_source():
    items, pip_version = parse_report(_report(
        _entry("wheel", "1", "https://x.invalid/files/wheel-1-py3-none-any.whl", requested=True),
        _entry("sdist", "1", "https://x.invalid/files/sdist-1.tar.gz"),
        _entry("zipped", "1", "https://x.invalid/files/zipped-1.zip"),
        _entry("mine", "0.1", "file:///home/me/project", info={"dir_info": {"editable": True}}, direct=True),
        _entry("vcs", "2", "https://github.invalid/a/vcs.git", info={"vcs_info": {"vcs": "git"}}, direct=True),
    ))
    assert pip_version == "24.2"
    assert {item.name: item.builds_from_source for item in items} == {
        "wheel": False, "sdist": True, "zipped": True, "mine": False, "vcs": True
    }
    # Given by path or URL: no name==version constraint (it could not be found by name).
    assert Preview(tuple(items)).constraints() == ["wheel==1", "sdist==1", "zipped==1"]


def test_a_local_file_has_its_size(tmp_path):
    wheel = tmp_path / "local-1-py3-none-any.whl"
    wheel.write_bytes(b"x" * 1234)
    [item] = parse_report(_report(_entry("local", "1", wheel.as_uri(), direct=True)))[0]
    assert item.size == 1234


def test_text_around_the_report_is_ignored_and_no_report_is_an_error():
    text = "WARNING: something\n" + _report(_entry("a", "1", "https://x.invalid/a-1-py3-none-any.whl")) + "\ntrailing\n"
    assert [item.name for item in parse_report(text)[0]] == ["a"]
    assert parse_report(_report(version="0"))[0] == []  # pip 22.2's experimental format reads the same
    for bad in ("", "ERROR: No matching distribution found for nothere", "[]", "{not json}"):
        with pytest.raises(ReportError):
            parse_report(bad)
    with pytest.raises(ReportError, match="format version '2'"):
        parse_report(_report(version="2"))
    with pytest.raises(ReportError):
        parse_report(json.dumps({"version": "1", "install": [{"metadata": {}}]}))


def _item(name: str, version: str, **fields) -> PreviewItem:
    return PreviewItem(name, version, url=f"https://x.invalid/{name}-{version}-py3-none-any.whl", **fields)


def test_compare_marks_each_item_against_the_installed_set():
    installed = {"numpy": ("numpy", "1.26.4"), "python-dateutil": ("python-dateutil", "2.9.0"),
                 "six": ("six", "1.16.0"), "odd": ("odd", "weird-1")}
    items = compare(
        [_item("pandas", "2.2.3", requested=True), _item("numpy", "2.1.0"), _item("Python_Dateutil", "2.8.2"),
         _item("six", "1.16.0"), _item("odd", "2")],
        installed,
    )
    assert [(item.name, item.change, item.installed_version) for item in items] == [
        ("pandas", NEW, ""), ("numpy", UPGRADE, "1.26.4"), ("Python_Dateutil", DOWNGRADE, "2.9.0"),
        ("six", REINSTALL, "1.16.0"), ("odd", REPLACE, "weird-1"),
    ]


def test_the_plan_in_words():
    installed = {"python-dateutil": ("python-dateutil", "2.8.2")}
    preview = Preview((
        _item("pandas", "2.2.3", requested=True), _item("numpy", "2.1.0"), _item("tzdata", "2025.2"),
        _item("python-dateutil", "2.9.0"),
    )).compared_with(installed)
    assert preview.describe() == (
        "Installing pandas 2.2.3 also installs numpy 2.1.0 and tzdata 2025.2"
        " and upgrades python-dateutil from 2.8.2 to 2.9.0."
    )
    assert preview.needs_question() and not preview.needs_question({})
    # Only dependencies change (what was asked for is there already).
    deps = Preview((_item("tinyutil", "1.1"),)).compared_with({"tinyutil": ("tinyutil", "1.0")})
    assert deps.describe() == "What you asked for is there already, but this upgrades tinyutil from 1.0 to 1.1."
    # Many: the list is cut.
    many = Preview(tuple([_item("big", "1", requested=True)] + [_item(f"dep{n:02}", "1") for n in range(45)]))
    assert many.describe() == (
        "Installing big 1 also installs dep00 1, dep01 1, dep02 1, dep03 1, dep04 1, dep05 1, dep06 1, dep07 1"
        " … and 37 more."
    )
    yanked = Preview((_item("gone", "1.0", requested=True, yanked=True),))
    assert "gone 1.0 was withdrawn by its authors (yanked)." in yanked.describe()


def test_sizes_in_words():
    assert [format_size(n) for n in (0, 1, 999, 1000, 45_300_000, 12_400_000_000, 820_000)] == [
        "0 bytes", "1 byte", "999 bytes", "1.0 kB", "45 MB", "12 GB", "820 kB"
    ]
    preview = Preview((_item("a", "1", requested=True, size=45_000_000),), free=12_000_000_000)
    assert preview.describe() == "Installing a 1; nothing else changes. About 45 MB to download; 12 GB free."
    assert Preview((_item("a", "1", requested=True),), free=12_000_000_000).describe().endswith("12 GB free on the disk.")
