"""New environments get pip from a cached wheel: seeding, the wheel cache, and which index to ask.

Real venvs, the real pip wheel, a real HTTP index on 127.0.0.1; nothing reaches the internet.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core import pip_wheels, pypi
from core.commands import child_environment, seed_pip
from tests.conftest import base_python
from tests.support.local_index import (
    LocalIndexServer,
    PackageSpec,
    build_index,
    build_wheel,
    hermetic_pip_args,
    hermetic_pip_env,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="seeding writes POSIX scripts")

THIS_PYTHON = tuple(sys.version_info[:3])


@pytest.fixture(autouse=True)
def no_proxy_for_the_local_index(monkeypatch):
    # The app's HTTP requests honour the person's proxy settings; the local index must bypass them.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


def wheel_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def tree(folder: Path) -> set[str]:
    """Every file, link and folder below ``folder``, relative to it."""
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def run(*argv: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in argv],
        env=env or hermetic_pip_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


def venv_without_pip(folder: Path) -> Path:
    run(base_python(), "-m", "venv", "--without-pip", folder)
    return folder


def seed(venv: Path, wheel: Path) -> subprocess.CompletedProcess:
    """Run the app's seeding command the way the app runs commands."""
    command = seed_pip(venv / "bin" / "python", wheel)
    return run(command.program, *command.args, env={**child_environment(), **command.env})


def site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def pip_scripts() -> tuple[str, ...]:
    return ("pip", "pip3", f"pip{sys.version_info[0]}.{sys.version_info[1]}")


# ------------------------------------------------------------------ seeding pip into a new environment


def test_seeded_pip_runs_and_lists_itself(tmp_path, pip_wheel):
    venv = venv_without_pip(tmp_path / "fresh")
    version = wheel_version(pip_wheel)

    seeded = seed(venv, pip_wheel)
    assert seeded.stdout.strip() == f"Installed pip {version} from {pip_wheel.name}"

    for script in pip_scripts():
        assert os.access(venv / "bin" / script, os.X_OK), script
    shown = run(venv / "bin" / "pip", "--version").stdout
    assert shown.startswith(f"pip {version} from {site_packages(venv) / 'pip'}")

    listed = json.loads(run(venv / "bin" / "python", "-m", "pip", "list", "--format=json").stdout)
    assert listed == [{"name": "pip", "version": version}]

    dist_info = site_packages(venv) / f"pip-{version}.dist-info"
    assert (dist_info / "INSTALLER").read_text() == "pip\n"
    assert (dist_info / "REQUESTED").is_file()


def test_uninstalling_seeded_pip_removes_every_file(tmp_path, pip_wheel):
    venv = venv_without_pip(tmp_path / "fresh")
    before = tree(venv)
    seed(venv, pip_wheel)
    run(venv / "bin" / "python", "-m", "pip", "uninstall", "-y", "pip")

    assert not (site_packages(venv) / "pip").exists()
    assert not list(site_packages(venv).glob("pip-*.dist-info"))
    for script in pip_scripts():
        assert not (venv / "bin" / script).exists(), script
    assert tree(venv) == before


def test_seeded_pip_can_force_reinstall_itself_from_the_index(make_venv, local_index, pip_wheel):
    venv = make_venv()
    python = venv / "bin" / "python"
    version = wheel_version(pip_wheel)
    local_index.clear_log()

    run(
        python,
        "-m",
        "pip",
        "install",
        *hermetic_pip_args(local_index.simple_url),
        "--force-reinstall",
        "pip",
    )

    assert f"/files/{pip_wheel.name}" in local_index.requests
    assert [p.name for p in site_packages(venv).glob("pip-*.dist-info")] == [
        f"pip-{version}.dist-info"
    ]
    # pip rewrote its scripts for this environment's Python.
    first_line = (venv / "bin" / "pip").read_text().splitlines()[0]
    assert first_line == f"#!{python}"
    assert run(venv / "bin" / "pip", "--version").stdout.startswith(
        f"pip {version} from {site_packages(venv)}"
    )


# ------------------------------------------------------------------ seeding from the unpacked wheel (linked files)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its content (folders by name, content ``b""``)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"") for p in folder.rglob("*")}


@pytest.fixture
def unpacked_wheel(tmp_path, pip_wheel) -> Path:
    """pip's wheel in a cache folder of its own, unpacked the way the app's background refresh does."""
    cache = tmp_path / "cache"
    cache.mkdir()
    wheel = cache / pip_wheel.name
    wheel.write_bytes(pip_wheel.read_bytes())
    assert pip_wheels.unpack_cached(cache) == [pip_wheels.unpacked_folder(wheel)]
    return wheel


def test_seeding_from_the_unpacked_wheel_links_the_files_and_equals_unzipping(tmp_path, unpacked_wheel, pip_wheel):
    linked = venv_without_pip(tmp_path / "linked")
    unzipped = venv_without_pip(tmp_path / "unzipped")
    seed(linked, unpacked_wheel)
    seed(unzipped, pip_wheel)  # no unpacked copy beside this one

    assert snapshot(site_packages(linked)).keys() == snapshot(site_packages(unzipped)).keys()
    unpacked = pip_wheels.unpacked_folder(unpacked_wheel)
    module = site_packages(linked) / "pip" / "__init__.py"
    assert module.stat().st_ino == (unpacked / "pip" / "__init__.py").stat().st_ino  # a link, not a copy
    assert module.read_bytes() == (site_packages(unzipped) / "pip" / "__init__.py").read_bytes()
    dist_info = site_packages(linked) / f"pip-{wheel_version(pip_wheel)}.dist-info"
    assert (dist_info / "RECORD").stat().st_nlink == 1  # rewritten for this environment: its own file
    listed = json.loads(run(linked / "bin" / "python", "-m", "pip", "list", "--format=json").stdout)
    assert listed == [{"name": "pip", "version": wheel_version(pip_wheel)}]


def test_uninstalling_reinstalling_and_compiling_pip_leave_the_unpacked_copy_as_it_was(
    tmp_path, unpacked_wheel, local_index, pip_wheel
):
    unpacked = pip_wheels.unpacked_folder(unpacked_wheel)
    before = snapshot(unpacked)
    venv = venv_without_pip(tmp_path / "env")
    seed(venv, unpacked_wheel)
    python = venv / "bin" / "python"

    run(python, "-I", "-m", "compileall", "-q", site_packages(venv) / "pip")
    run(python, "-m", "pip", "install", *hermetic_pip_args(local_index.simple_url), "--force-reinstall", "pip")
    run(python, "-m", "pip", "uninstall", "-y", "pip")

    assert not (site_packages(venv) / "pip").exists()
    assert snapshot(unpacked) == before
    # And the next environment still gets a working pip from it.
    again = venv_without_pip(tmp_path / "again")
    seed(again, unpacked_wheel)
    assert run(again / "bin" / "pip", "--version").stdout.startswith(f"pip {wheel_version(pip_wheel)} ")


def test_a_damaged_or_incomplete_unpacked_copy_gives_the_wheels_files(tmp_path, unpacked_wheel, pip_wheel):
    unpacked = pip_wheels.unpacked_folder(unpacked_wheel)
    (unpacked / "pip" / "__init__.py").write_text("raise SystemExit('damaged')\n")
    (unpacked / "pip" / "__main__.py").unlink()
    unzipped = venv_without_pip(tmp_path / "unzipped")
    seed(unzipped, pip_wheel)

    venv = venv_without_pip(tmp_path / "env")
    seed(venv, unpacked_wheel)

    for name in ("__init__.py", "__main__.py"):
        assert (site_packages(venv) / "pip" / name).read_bytes() == (site_packages(unzipped) / "pip" / name).read_bytes()
    assert run(venv / "bin" / "python", "-m", "pip", "--version").stdout.startswith("pip ")


def test_an_edit_made_through_a_link_is_not_passed_on_to_new_environments(tmp_path, unpacked_wheel, pip_wheel):
    """Someone edits pip's __init__.py in place in one environment (an editor keeps a file with
    several links), keeping its size: the next environment gets the wheel's file, not the edit."""
    first = venv_without_pip(tmp_path / "first")
    seed(first, unpacked_wheel)
    edited = site_packages(first) / "pip" / "__init__.py"
    text = edited.read_bytes()
    version = wheel_version(pip_wheel).encode()
    changed = b"9" * len(version)
    with open(edited, "r+b") as handle:  # in place, the same size
        handle.write(text.replace(version, changed, 1))
    assert (pip_wheels.unpacked_folder(unpacked_wheel) / "pip" / "__init__.py").read_bytes() != text

    later = venv_without_pip(tmp_path / "later")
    seed(later, unpacked_wheel)

    assert (site_packages(later) / "pip" / "__init__.py").read_bytes() == text
    assert run(later / "bin" / "pip", "--version").stdout.startswith(f"pip {wheel_version(pip_wheel)} ")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give files to another user")
def test_files_of_another_user_are_copied_not_linked(tmp_path, unpacked_wheel, pip_wheel):
    """Root seeding from a cache that another user owns: a link would let that user change root's pip."""
    unpacked = pip_wheels.unpacked_folder(unpacked_wheel)
    for path in unpacked.rglob("*"):
        os.lchown(path, 65534, 65534)
    venv = venv_without_pip(tmp_path / "env")
    seed(venv, unpacked_wheel)
    module = site_packages(venv) / "pip" / "__init__.py"
    assert module.stat().st_nlink == 1 and module.stat().st_uid == 0
    assert run(venv / "bin" / "pip", "--version").stdout.startswith(f"pip {wheel_version(pip_wheel)} ")


def test_an_environment_on_another_disk_gets_copies(pip_wheel):
    """Links cannot cross file systems: the unpacked files are copied instead (here the cache is in memory)."""
    import tempfile

    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no /dev/shm to stand for a second disk")
    with tempfile.TemporaryDirectory(dir=shm) as memory, tempfile.TemporaryDirectory(dir=Path(__file__).parent) as disk:
        if os.stat(memory).st_dev == os.stat(disk).st_dev:
            pytest.skip("/dev/shm is on the same file system here")
        wheel = Path(memory) / pip_wheel.name
        wheel.write_bytes(pip_wheel.read_bytes())
        pip_wheels.unpack_cached(Path(memory))
        venv = venv_without_pip(Path(disk) / "env")
        seed(venv, wheel)
        module = site_packages(venv) / "pip" / "__init__.py"
        assert module.stat().st_nlink == 1
        assert module.read_bytes() == (pip_wheels.unpacked_folder(wheel) / "pip" / "__init__.py").read_bytes()
        assert run(venv / "bin" / "pip", "--version").stdout.startswith(f"pip {wheel_version(pip_wheel)} ")


def test_unpacking_is_all_or_nothing_and_forgets_wheels_that_left_the_cache(tmp_path, pip_wheel):
    cache = tmp_path / "cache"
    cache.mkdir()
    assert pip_wheels.unpack_cached(cache) == []
    wheel = cache / pip_wheel.name
    wheel.write_bytes(pip_wheel.read_bytes())
    (folder,) = pip_wheels.unpack_cached(cache)
    assert sorted(p.name for p in cache.iterdir()) == [wheel.name, folder.name]  # no half-made folder left
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON, cache) == wheel  # the folder is not taken for a wheel
    assert pip_wheels.unpack_cached(cache) == [folder]  # once only

    wheel.unlink()
    assert pip_wheels.unpack_cached(cache) == []
    assert list(cache.iterdir()) == []


def test_an_unreadable_wheel_in_the_cache_is_left_alone_and_the_others_are_unpacked(tmp_path, pip_wheel):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "pip-99.0-py3-none-any.whl").write_bytes(b"not a zip file")
    wheel = cache / pip_wheel.name
    wheel.write_bytes(pip_wheel.read_bytes())
    assert pip_wheels.unpack_cached(cache) == [pip_wheels.unpacked_folder(wheel)]


def test_only_the_wheels_new_environments_can_get_are_unpacked(tmp_path):
    """The newest wheel for each Requires-Python: an older one asking the same is never chosen."""
    cache = tmp_path / "cache"
    old = fake_pip_wheel(cache, "97.0", requires_python=">=3.9")
    assert pip_wheels.unpack_cached(cache) == [pip_wheels.unpacked_folder(old)]
    newer = fake_pip_wheel(cache, "98.0", requires_python=">=3.9")
    for_old_pythons = fake_pip_wheel(cache, "96.0", requires_python=">=3.7")

    assert pip_wheels.unpack_cached(cache) == [
        pip_wheels.unpacked_folder(for_old_pythons),
        pip_wheels.unpacked_folder(newer),
    ]
    assert not pip_wheels.unpacked_folder(old).exists()  # superseded: never chosen again
    assert old.exists()  # the wheel itself is left as it was


# ------------------------------------------------------------------ the cached pip wheel


def fake_pip_wheel(folder: Path, version: str, requires_python: str | None = None) -> Path:
    return build_wheel(
        folder, "pip", version, requires_python=requires_python, summary="Not the real pip."
    )


def test_cached_pip_wheel_picks_the_newest_compatible_wheel(tmp_path, pip_wheel):
    folder = tmp_path / "pip-wheels"
    folder.mkdir()
    real = folder / pip_wheel.name
    real.write_bytes(pip_wheel.read_bytes())
    newer = fake_pip_wheel(folder, "98.0", requires_python=">=3.8")
    future = fake_pip_wheel(folder, "99.0", requires_python=">=3.99")
    (folder / "pip-99.5-py3-none-any.whl").write_bytes(b"not a zip")  # unreadable: never chosen
    (folder / "pip-latest-py3-none-any.whl").write_bytes(b"")  # not a version
    build_wheel(folder, "setuptools", "999.0")  # not pip

    assert pip_wheels.cached_pip_wheel(THIS_PYTHON, folder) == newer
    assert pip_wheels.cached_pip_wheel((3, 99, 0), folder) == future
    newer.unlink()
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON, folder) == real


def test_cached_pip_wheel_ignores_a_wheel_for_a_newer_python(tmp_path):
    fake_pip_wheel(tmp_path, "99.0", requires_python=">=3.99")
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON, tmp_path) is None


def test_cached_pip_wheel_when_the_cache_is_empty_or_missing(tmp_path):
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON, tmp_path) is None
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON) is None  # the (isolated) app cache


def test_cached_pip_wheel_finds_the_seeded_cache(seeded_pip_cache):
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON) == seeded_pip_cache


def test_refresh_downloads_and_verifies_the_pip_wheel(local_index, pip_wheel):
    local_index.clear_log()
    cached = pip_wheels.refresh_pip_wheel(local_index.simple_url, timeout=10)
    assert cached == pip_wheels.pip_wheel_dir() / pip_wheel.name
    assert cached.read_bytes() == pip_wheel.read_bytes()
    assert not pip_wheels.needs_refresh()
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON) == cached
    assert sorted(p.name for p in cached.parent.iterdir()) == sorted([".checked", pip_wheel.name])
    assert local_index.requests.count(f"/files/{pip_wheel.name}") == 1

    # A second refresh only asks the index: the wheel is already here.
    pip_wheels.refresh_pip_wheel(local_index.simple_url, timeout=10)
    assert local_index.requests.count(f"/files/{pip_wheel.name}") == 1


def test_refresh_works_against_an_html_only_index(index_root, pip_wheel):
    with LocalIndexServer(index_root, html_only=True) as server:
        cached = pip_wheels.refresh_pip_wheel(server.simple_url, timeout=10)
        pages = [record for record in server.log if record.path.startswith("/simple/")]
        assert pages
        assert all(record.content_type.startswith("text/html") for record in pages)
    assert cached.read_bytes() == pip_wheel.read_bytes()


def test_refresh_refuses_a_wheel_that_does_not_match_its_hash(tmp_path, pip_wheel):
    root = build_index(tmp_path / "index", packages=(), extra_wheels=[pip_wheel])
    (root / "files" / pip_wheel.name).write_bytes(b"tampered")
    with LocalIndexServer(root) as server, pytest.raises(ValueError, match="sha256"):
        pip_wheels.refresh_pip_wheel(server.simple_url, timeout=10)
    assert not pip_wheels.pip_wheel_dir().exists()


def test_refresh_fails_when_the_index_is_down_and_keeps_the_cache(index_root, seeded_pip_cache):
    folder = seeded_pip_cache.parent
    yesterday = time.time() - 2 * pip_wheels.REFRESH_AFTER_SECONDS
    os.utime(folder / ".checked", (yesterday, yesterday))
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}

    with LocalIndexServer(index_root, down=True) as server, pytest.raises(OSError):
        pip_wheels.refresh_pip_wheel(server.simple_url, timeout=10)

    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()} == before
    assert pip_wheels.needs_refresh()
    assert pip_wheels.cached_pip_wheel(THIS_PYTHON) == seeded_pip_cache


def with_credentials(url: str, userinfo: str) -> str:
    return url.replace("http://", f"http://{userinfo}@", 1)


def test_refresh_works_with_credentials_in_the_index_url(local_index, pip_wheel):
    local_index.clear_log()
    url = with_credentials(local_index.simple_url, "deploy:s3cret")
    cached = pip_wheels.refresh_pip_wheel(url, timeout=10)
    assert cached.read_bytes() == pip_wheel.read_bytes()
    assert "/simple/pip/" in local_index.requests


def test_refresh_says_which_index_has_no_pip_without_showing_its_secret(tmp_path):
    root = build_index(tmp_path / "index", packages=[PackageSpec("pip", "99.0b1")])
    with LocalIndexServer(root) as server, pytest.raises(ValueError) as failed:
        pip_wheels.refresh_pip_wheel(
            with_credentials(server.simple_url, "deploy:s3cret"), timeout=10
        )
    assert "has no pip wheel" in str(failed.value)
    assert "deploy:****@127.0.0.1" in str(failed.value)
    assert "s3cret" not in str(failed.value)
    assert not pip_wheels.pip_wheel_dir().exists()


class _HeaderRecorder(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def header_recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HeaderRecorder)
    server.seen = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    ("userinfo", "sent"),
    [("deploy:s%40cret", "deploy:s@cret"), ("token", "token:"), (None, None)],
)
def test_fetch_sends_url_credentials_as_basic_authentication(header_recorder, userinfo, sent):
    url = f"http://127.0.0.1:{header_recorder.server_address[1]}/simple/pip/"
    body, _ = pypi.fetch(with_credentials(url, userinfo) if userinfo else url, timeout=10)
    assert body == b"ok"
    expected = "Basic " + base64.b64encode(sent.encode()).decode() if sent else None
    assert header_recorder.seen == [("/simple/pip/", expected)]


def test_refresh_is_needed_without_a_check_and_after_a_day(tmp_path):
    assert pip_wheels.needs_refresh(tmp_path)
    stamp = tmp_path / ".checked"
    stamp.touch()
    assert not pip_wheels.needs_refresh(tmp_path)
    checked = stamp.stat().st_mtime
    assert not pip_wheels.needs_refresh(
        tmp_path, now=checked + pip_wheels.REFRESH_AFTER_SECONDS - 60
    )
    assert pip_wheels.needs_refresh(tmp_path, now=checked + pip_wheels.REFRESH_AFTER_SECONDS + 60)


# ------------------------------------------------------------------ which index the app asks


def write_pip_conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_index_url_app_setting_wins(tmp_path):
    conf = write_pip_conf(
        tmp_path / "pip.conf", "[global]\nindex-url = https://conf.example/simple\n"
    )
    env = {"PIP_INDEX_URL": "https://env.example/simple/", "PIP_CONFIG_FILE": str(conf)}
    assert (
        pypi.configured_index_url("https://app.example/simple", env)
        == "https://app.example/simple/"
    )


def test_index_url_from_pip_index_url_variable(tmp_path):
    conf = write_pip_conf(
        tmp_path / "pip.conf", "[global]\nindex-url = https://conf.example/simple\n"
    )
    env = {"PIP_INDEX_URL": "https://env.example/pypi/simple", "PIP_CONFIG_FILE": str(conf)}
    assert pypi.configured_index_url("", env) == "https://env.example/pypi/simple/"


def test_index_url_from_the_pip_config_file(tmp_path):
    conf = write_pip_conf(
        tmp_path / "pip.conf", "[global]\nindex-url = https://conf.example/simple\n"
    )
    env = {"PIP_CONFIG_FILE": str(conf), "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    assert pypi.configured_index_url("", env) == "https://conf.example/simple/"


def test_index_url_install_section_beats_global_section(tmp_path):
    conf = write_pip_conf(
        tmp_path / "pip.conf",
        "[install]\nindex-url = https://install.example/simple/\n[global]\nindex-url = https://global.example/simple/\n",
    )
    assert (
        pypi.configured_index_url("", {"PIP_CONFIG_FILE": str(conf)})
        == "https://install.example/simple/"
    )


def test_index_url_from_the_users_pip_conf(tmp_path):
    xdg = tmp_path / "xdg"
    write_pip_conf(xdg / "pip" / "pip.conf", "[global]\nindex-url = https://user.example/simple/\n")
    env = {"XDG_CONFIG_HOME": str(xdg), "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    assert pypi.configured_index_url("", env) == "https://user.example/simple/"
    # PIP_CONFIG_FILE is read last and wins over the user's file.
    conf = write_pip_conf(
        tmp_path / "pip.conf", "[global]\nindex-url = https://conf.example/simple/\n"
    )
    assert (
        pypi.configured_index_url("", {**env, "PIP_CONFIG_FILE": str(conf)})
        == "https://conf.example/simple/"
    )


def test_index_url_defaults_to_pypi(monkeypatch):
    assert pypi.configured_index_url("", {"PIP_CONFIG_FILE": os.devnull}) == pypi.PYPI_SIMPLE_URL
    monkeypatch.delenv("PIP_INDEX_URL")  # set by conftest; PIP_CONFIG_FILE is os.devnull there
    assert pypi.configured_index_url() == "https://pypi.org/simple/"


# -- the pip wheel an interpreter carries: the first environment without the network ------------


def _pythons_with_bundled_pip() -> list[tuple[str, tuple[int, ...]]]:
    """Real interpreters here whose ensurepip (or the distribution's wheel folder) has a py3 pip wheel."""
    import glob

    found = []
    for python in [sys.executable, *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python")))]:
        real = os.path.realpath(getattr(sys, "_base_executable", python) if python == sys.executable else python)
        probe = subprocess.run(
            [real, "-I", "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
            capture_output=True, text=True, timeout=30,
        )
        if probe.returncode == 0:
            found.append((real, tuple(int(part) for part in probe.stdout.strip().split("."))))
    return found


@pytest.mark.parametrize("python, version", _pythons_with_bundled_pip(), ids=lambda value: str(value))
def test_bundled_pip_wheel_is_the_one_ensurepip_would_install(python, version):
    asked = subprocess.run(
        [python, "-I", "-c", "import ensurepip, os; print(os.path.dirname(ensurepip.__file__))"],
        capture_output=True, text=True, timeout=30,
    )
    folders = [Path(asked.stdout.strip()) / "_bundled"]
    if python.startswith("/usr/"):
        folders += map(Path, pip_wheels.DISTRIBUTION_WHEEL_FOLDERS)
    expected = [
        wheel for folder in folders for wheel in sorted(folder.glob("pip-*-py3-none-any.whl"))
        if pip_wheels.cached_pip_wheel(version, wheel.parent) is not None
    ]
    found = pip_wheels.bundled_pip_wheel(python, version)
    if not expected:
        assert found is None  # e.g. Python 2.7's py2.py3 wheel: plain venv is used instead
    else:
        assert found is not None and found in expected


def test_an_environment_seeded_from_the_bundled_wheel_lists_upgrades_and_uninstalls_pip(tmp_path, local_index):
    python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    wheel = pip_wheels.bundled_pip_wheel(python, sys.version_info[:3])
    if wheel is None:
        pytest.skip("this Python carries no pip wheel")
    target = tmp_path / "first"
    subprocess.run([python, "-m", "venv", "--without-pip", str(target)], check=True)
    # The network is unreachable for this step: the seeding reads only the wheel on disk.
    command = seed_pip(str(target / "bin" / "python"), wheel)
    seeded = subprocess.run([command.program, *command.args], capture_output=True, text=True,
                            env={**child_environment(), "PIP_INDEX_URL": "http://127.0.0.1:9/simple/"})
    assert seeded.returncode == 0, seeded.stderr
    pip = [str(target / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    env = hermetic_pip_env()
    listed = subprocess.run([*pip, "list", "--format=json"], capture_output=True, text=True, env=env, check=True)
    assert [p["name"] for p in json.loads(listed.stdout)] == ["pip"]
    upgraded = subprocess.run([*pip, "install", "--upgrade", "pip", *hermetic_pip_args(local_index.simple_url)],
                              capture_output=True, text=True, env=env)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    removed = subprocess.run([*pip, "uninstall", "--yes", "pip"], capture_output=True, text=True, env=env)
    assert removed.returncode == 0, removed.stderr
    assert not list((target / "lib").glob("python*/site-packages/pip"))


# -- bringing pip up to the cached wheel afterwards ---------------------------------------------------


def test_the_pip_inside_is_read_from_its_dist_info_folder(tmp_path):
    site = tmp_path / "site-packages"
    assert pip_wheels.installed_pip_version(site) == ""  # no folder
    site.mkdir()
    assert pip_wheels.installed_pip_version(site) == ""  # no pip
    (site / "pip-23.2.1.dist-info").mkdir()
    (site / "pipx-1.0.dist-info").mkdir()
    assert pip_wheels.installed_pip_version(site) == "23.2.1"
    (site / "pip-24.0.dist-info").mkdir()  # a change of pip stopped half-way: nothing to decide on
    assert pip_wheels.installed_pip_version(site) == ""
    assert pip_wheels.installed_pip_version(None) == ""


def test_a_pip_update_is_the_newest_cached_wheel_this_python_supports_when_newer(tmp_path):
    site = tmp_path / "site-packages"
    (site / "pip-23.2.1.dist-info").mkdir(parents=True)
    cache = tmp_path / "cache"
    cache.mkdir()
    assert pip_wheels.pip_update_for(site, THIS_PYTHON, cache) is None  # nothing cached
    older = fake_pip_wheel(cache, "22.0", requires_python=">=3.7")
    assert pip_wheels.pip_update_for(site, THIS_PYTHON, cache) is None  # not newer
    fake_pip_wheel(cache, "99.0", requires_python=">=3.99")  # Requires-Python: not for this Python
    newer = fake_pip_wheel(cache, "98.0", requires_python=">=3.8")
    assert pip_wheels.pip_update_for(site, THIS_PYTHON, cache) == pip_wheels.PipUpdate("23.2.1", newer, "98.0")
    assert pip_wheels.pip_update_for(site, (3, 7, 9), cache) is None  # 98.0 needs 3.8: 22.0 is not newer
    assert older.exists()
    (site / "pip-23.2.1.dist-info").rmdir()
    assert pip_wheels.pip_update_for(site, THIS_PYTHON, cache) is None  # no pip inside: nothing to update


def test_the_update_is_pips_own_install_of_the_cached_wheel_without_an_index(make_venv, seeded_pip_cache, tmp_path):
    from core import plans
    from core.environments import Environment
    from core.operations import UpdatePip

    venv = make_venv()
    environment = Environment.load(venv)
    assert plans.update_pip(environment) is None  # it already has the cached pip
    newer = fake_pip_wheel(seeded_pip_cache.parent, "98.0", requires_python=">=3.8")
    operation = plans.update_pip(environment)
    assert operation is not None and operation.background and not operation.yields
    assert operation.intent == UpdatePip(newer, wheel_version(seeded_pip_cache), "98.0", environment.name)
    (step,) = operation.steps
    assert step.program == str(environment.python)
    assert step.args[:2] == ("-m", "pip") and step.args[-1] == str(newer)
    assert {"install", "--no-index", "--no-deps", "--disable-pip-version-check"} <= set(step.args)
