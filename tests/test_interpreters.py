"""Finding interpreters: real Pythons on this machine, real files in tmp_path, no mocks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import interpreters
from core.interpreters import (
    Interpreter,
    candidate_paths,
    find_interpreters,
    interpreter_cache_path,
    probe_interpreter,
)

PYENV_ROOT = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
SYSTEM_PYTHON = Path("/usr/bin/python3")

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file layout")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="module")
def found() -> list[Interpreter]:
    """One discovery for the read-only tests (the module-scoped run uses its own cache)."""
    return find_interpreters(use_cache=False)


def pyenv_pythons() -> list[Path]:
    return [
        path
        for path in sorted(PYENV_ROOT.glob("versions/*/bin/python"))
        if not (path.parent.parent / "pyvenv.cfg").exists()
    ]


def a_usable_interpreter(found: list[Interpreter]) -> Interpreter:
    usable = [i for i in found if i.can_create_venv]
    if not usable:
        pytest.skip("no Python on this machine can create a venv")
    return usable[0]


def prepend_to_path(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("PATH", str(folder) + os.pathsep + os.environ.get("PATH", ""))


# ------------------------------------------------------------------ discovery


@pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="no /usr/bin/python3")
def test_finds_system_python3(found):
    real = os.path.realpath(SYSTEM_PYTHON)
    matches = [i for i in found if i.real_path == real]
    assert len(matches) == 1
    system = matches[0]
    assert system.path == str(SYSTEM_PYTHON)  # the short spelling, not python3.11
    assert system.version[0] == 3
    assert system.implementation == "CPython"
    if not system.can_create_venv:
        assert re.fullmatch(r"sudo apt install python3\.\d+-venv", system.fix), system.fix


@pytest.mark.skipif(not pyenv_pythons(), reason="no pyenv versions installed")
def test_finds_every_pyenv_version(found):
    by_real = {i.real_path: i for i in found}
    for python in pyenv_pythons():
        interpreter = by_real.get(os.path.realpath(python))
        assert interpreter is not None, f"{python} was not found"
        assert interpreter.path == str(python)
        version_dir = python.parent.parent.name
        if re.fullmatch(r"\d+\.\d+\.\d+", version_dir):
            assert interpreter.version_text == version_dir


def test_python_2_is_listed_as_unusable_with_a_reason(found):
    python2 = [i for i in found if i.version[:1] == (2,)]
    if not python2:
        pytest.skip("no Python 2 on this machine")
    for interpreter in python2:
        assert not interpreter.can_create_venv
        assert not interpreter.supports_upgrade_deps
        assert "venv" in interpreter.problem
        assert interpreter.fix
        assert interpreter.as_error().reference == "interpreter-cannot-create-venv"


def test_usable_interpreters_come_first_newest_first(found):
    usable_flags = [i.can_create_venv for i in found]
    assert usable_flags == sorted(usable_flags, reverse=True)
    usable_versions = [i.version for i in found if i.can_create_venv]
    assert usable_versions == sorted(usable_versions, reverse=True)


def test_upgrade_deps_is_offered_from_python_3_9(found):
    for interpreter in found:
        if interpreter.can_create_venv:
            assert interpreter.supports_upgrade_deps == (interpreter.version >= (3, 9))


def test_pyenv_shims_are_not_listed(found):
    for interpreter in found:
        assert "shims" not in Path(interpreter.path).parts
        assert "shims" not in Path(interpreter.real_path).parts


@posix_only
def test_wrapper_scripts_named_python_are_not_listed(tmp_path, monkeypatch, found):
    target = a_usable_interpreter(found)
    folder = tmp_path / "wrappers"
    folder.mkdir()
    script = folder / "python3"
    script.write_text(f'#!/bin/sh\nexec "{target.real_path}" "$@"\n')
    script.chmod(0o755)
    prepend_to_path(monkeypatch, folder)
    assert str(script) not in candidate_paths()


@posix_only
def test_symlinked_duplicates_appear_once(tmp_path, monkeypatch, found):
    target = a_usable_interpreter(found)
    folder = tmp_path / "links"
    folder.mkdir()
    (folder / "python3").symlink_to(target.real_path)
    (folder / "python3.99").symlink_to(target.path)
    (folder / "python").symlink_to(folder / "python3")
    prepend_to_path(monkeypatch, folder)

    paths = candidate_paths()
    same_binary = [p for p in paths if os.path.realpath(p) == target.real_path]
    assert same_binary == [str(folder / "python")]  # PATH order first, then the shortest name


@posix_only
def test_hard_linked_copies_appear_once(tmp_path, monkeypatch, found):
    target = a_usable_interpreter(found)
    folder = tmp_path / "hardlinks"
    folder.mkdir()
    shutil.copy2(target.real_path, folder / "python3.98")
    os.link(folder / "python3.98", folder / "python3.97")
    prepend_to_path(monkeypatch, folder)
    listed = [p for p in candidate_paths() if Path(p).parent == folder]
    assert listed == [str(folder / "python3.97")]


@posix_only
def test_config_scripts_and_non_executables_are_not_listed(tmp_path, monkeypatch):
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "python3-config").write_bytes(b"\x7fELF not really")
    (folder / "python3-config").chmod(0o755)
    (folder / "python3.12").write_bytes(b"\x7fELF not executable")
    (folder / "python3").mkdir()  # a folder named like an interpreter
    prepend_to_path(monkeypatch, folder)
    assert not [p for p in candidate_paths() if Path(p).parent == folder]


@posix_only
def test_virtual_environment_python_is_not_a_base_interpreter(tmp_path, monkeypatch, found):
    base = a_usable_interpreter(found)
    env = tmp_path / "env"
    subprocess.run(
        [base.path, "-m", "venv", "--without-pip", str(env)],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    prepend_to_path(monkeypatch, env / "bin")

    paths = candidate_paths()
    assert not [p for p in paths if Path(p).is_relative_to(env)]
    # The venv's python links to the base binary: that must not hide the base.
    assert base.real_path in {os.path.realpath(p) for p in paths}

    browsed = probe_interpreter(str(env / "bin" / "python"))
    assert browsed.is_virtual_environment
    assert browsed.version == base.version
    assert not base.is_virtual_environment


# ------------------------------------------------------------------ probing a browsed file


@pytest.mark.skipif(not Path("/bin/true").exists(), reason="no /bin/true")
def test_a_program_that_is_not_python_cannot_create_venvs():
    interpreter = probe_interpreter("/bin/true")
    assert not interpreter.can_create_venv
    assert interpreter.problem.startswith("This Python did not start:")
    assert interpreter.version == ()
    assert interpreter.label == "Unknown Python \N{EM DASH} /bin/true"


@posix_only
def test_a_text_file_cannot_create_venvs(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\n")
    assert probe_interpreter(str(text)).problem.startswith("This Python did not start:")
    text.chmod(0o755)  # executable, but not a program
    interpreter = probe_interpreter(str(text))
    assert not interpreter.can_create_venv
    assert interpreter.problem.startswith("This Python did not start:")


def test_a_missing_file_cannot_create_venvs(tmp_path):
    interpreter = probe_interpreter(str(tmp_path / "no-such-python"))
    assert not interpreter.can_create_venv
    assert "does not exist" in interpreter.problem


@posix_only
def test_a_python_that_hangs_is_stopped_after_the_timeout(tmp_path):
    script = tmp_path / "slowpython"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)
    started = time.perf_counter()
    interpreter = probe_interpreter(str(script), timeout=0.5)
    assert time.perf_counter() - started < 10
    assert "did not answer within 0.5 seconds" in interpreter.problem


def test_label_names_version_and_path(found):
    usable = a_usable_interpreter(found)
    assert usable.label == f"Python {usable.version_text} \N{EM DASH} {usable.path}"
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d*)?", usable.version_text)


@pytest.mark.skipif(
    not (sys.platform == "linux" and Path("/etc/debian_version").exists()),
    reason="not Debian/Ubuntu",
)
def test_debian_python_without_ensurepip_is_told_to_install_the_venv_package():
    can_create, problem, fix = interpreters._assess(
        (3, 11, 2),
        {"has_venv": True, "has_ensurepip": False, "prefix": "/usr"},
        "/usr/bin/python3.11",
    )
    assert not can_create
    assert "Debian/Ubuntu" in problem
    assert fix == "sudo apt install python3.11-venv"


def test_windows_launcher_listing_is_parsed():
    listing = (
        " -V:3.12 *        C:\\Users\\Ann\\AppData\\Local\\Programs\\Python\\Python312\\python.exe\n"
        " -V:3.9           C:\\Program Files\\Python39\\python.exe\n"
        " -3.8-32          C:\\Python38-32\\python.exe\n"
        "\n"
    )
    assert interpreters._parse_py_launcher_list(listing) == [
        "C:\\Users\\Ann\\AppData\\Local\\Programs\\Python\\Python312\\python.exe",
        "C:\\Program Files\\Python39\\python.exe",
        "C:\\Python38-32\\python.exe",
    ]


# ------------------------------------------------------------------ cache


def test_second_discovery_uses_the_cache_and_is_fast():
    first = find_interpreters()
    assert interpreter_cache_path().exists()
    started = time.perf_counter()
    second = find_interpreters()
    elapsed = time.perf_counter() - started
    assert second == first
    assert elapsed < 0.5, f"cached discovery took {elapsed:.3f}s"


@posix_only
def test_changed_modification_time_invalidates_the_cached_answer(tmp_path, found):
    source = a_usable_interpreter(found)
    copy = tmp_path / "bin" / "python3"
    copy.parent.mkdir()
    shutil.copy2(source.real_path, copy)
    first = probe_interpreter(str(copy))
    if not first.can_create_venv:
        pytest.skip(f"a copy of {source.real_path} does not run from another folder")

    # Break the binary without changing its size or modification time: the
    # cached answer is still given, which proves the cache was used.
    before = os.stat(copy)
    with open(copy, "r+b") as handle:
        handle.write(b"\0\0\0\0")
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert probe_interpreter(str(copy)) == first
    assert probe_interpreter(str(copy), use_cache=False).problem.startswith(
        "This Python did not start"
    )

    # A new modification time means the cached answer is not trusted any more.
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    reprobed = probe_interpreter(str(copy))
    assert not reprobed.can_create_venv
    assert reprobed.problem.startswith("This Python did not start")


def test_a_corrupt_cache_is_replaced():
    cache = interpreter_cache_path()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("{ this is not json")
    assert find_interpreters() == find_interpreters(use_cache=False)
    loaded = interpreters.storage.load_versioned_json(cache, version=1)
    assert loaded.data is not None and loaded.data["entries"]


# ------------------------------------------------------------------ hostile "interpreters"


def fake_interpreter(folder: Path, name: str, body: str) -> Path:
    """A shell script posing as a Python: it counts its runs in ``<name>.runs`` next to it."""
    script = folder / name
    runs = folder / f"{name}.runs"
    script.write_text(f"#!/bin/sh\necho run >> '{runs}'\n{body}")
    script.chmod(0o755)
    return script


def runs_of(script: Path) -> int:
    runs = script.with_name(script.name + ".runs")
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def is_gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie waiting for its new parent counts as gone)."""
    stat_file = Path(f"/proc/{pid}/stat")
    if stat_file.parent.parent.is_dir() and Path("/proc/self").exists():
        try:
            return stat_file.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
        except (FileNotFoundError, ProcessLookupError):
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@posix_only
def test_an_interpreter_that_floods_its_output_is_stopped_with_bounded_memory(tmp_path):
    import tracemalloc

    flood = fake_interpreter(tmp_path, "python3", "exec yes 'a line of flood output'\n")
    tracemalloc.start()
    try:
        started = time.perf_counter()
        interpreter = probe_interpreter(str(flood))
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not interpreter.can_create_venv
    assert "wrote more than 64 KB" in interpreter.problem
    assert elapsed < 3, f"stopped when its output passed the limit, not at the timeout ({elapsed:.1f} s)"
    assert peak < 2_000_000, f"{peak:,} bytes held while reading it"


@posix_only
def test_a_hanging_interpreter_and_the_child_it_started_are_both_stopped(tmp_path):
    child_pid = tmp_path / "child.pid"
    forker = fake_interpreter(
        tmp_path, "python3", f"sleep 300 &\necho $! > '{child_pid}'\nsleep 300\n"
    )
    started = time.perf_counter()
    interpreter = probe_interpreter(str(forker), timeout=1)
    assert time.perf_counter() - started < 5
    assert "did not answer within 1 seconds" in interpreter.problem
    pid = int(child_pid.read_text())
    deadline = time.monotonic() + 5
    while not is_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert is_gone(pid), f"the probe's child {pid} is still running"


@posix_only
def test_a_child_left_running_by_an_interpreter_that_exits_is_stopped_too(tmp_path):
    child_pid = tmp_path / "child.pid"
    leaver = fake_interpreter(
        tmp_path, "python3", f"sleep 300 >/dev/null 2>&1 &\necho $! > '{child_pid}'\nexit 0\n"
    )
    interpreter = probe_interpreter(str(leaver), timeout=5)
    assert "gave no answer" in interpreter.problem
    pid = int(child_pid.read_text())
    deadline = time.monotonic() + 5
    while not is_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert is_gone(pid)


@posix_only
def test_a_failed_probe_is_remembered_until_the_file_changes(tmp_path):
    bad = fake_interpreter(tmp_path, "python3", "echo 'not python' >&2\nexit 3\n")
    first = probe_interpreter(str(bad))
    assert "exit code 3" in first.problem and runs_of(bad) == 1
    second = probe_interpreter(str(bad))
    assert runs_of(bad) == 1, "not run again"
    assert second.problem == first.problem
    assert "Remembered from a check" in second.detail

    # Changed (say, reinstalled): run again.
    stat_before = bad.stat()
    os.utime(bad, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns + 1_000_000_000))
    probe_interpreter(str(bad))
    assert runs_of(bad) == 2
    # Asked not to use the cache: run again.
    probe_interpreter(str(bad), use_cache=False)
    assert runs_of(bad) == 3


@posix_only
@pytest.mark.skipif(shutil.which("false") is None, reason="needs false(1)")
def test_discovery_remembers_a_failed_interpreter_too(tmp_path, monkeypatch):
    # Discovery skips scripts, so the bad interpreter here is a real program: a copy of false(1).
    folder = tmp_path / "bin"
    folder.mkdir()
    bad = folder / "python3.96"
    shutil.copy2(shutil.which("false"), bad)
    prepend_to_path(monkeypatch, folder)
    listed = [i for i in find_interpreters() if i.path == str(bad)]
    assert len(listed) == 1 and "exit code 1" in listed[0].problem
    recorded = json.loads(interpreter_cache_path().read_text())["failures"][str(bad)]
    again = [i for i in find_interpreters() if i.path == str(bad)]
    assert [i.problem for i in again] == [listed[0].problem]
    assert "Remembered from a check" in again[0].detail
    # A new probe would have recorded its own time: the remembered answer was used.
    assert json.loads(interpreter_cache_path().read_text())["failures"][str(bad)] == recorded


@posix_only
def test_a_hang_is_remembered_so_discovery_does_not_wait_for_it_every_time(tmp_path):
    hanging = fake_interpreter(tmp_path, "python3", "exec sleep 30\n")
    probe_interpreter(str(hanging), timeout=0.5)
    started = time.perf_counter()
    again = probe_interpreter(str(hanging), timeout=0.5)
    assert time.perf_counter() - started < 0.3
    assert "did not answer within 0.5 seconds" in again.problem
    assert runs_of(hanging) == 1


@posix_only
def test_a_remembered_failure_expires(tmp_path):
    bad = fake_interpreter(tmp_path, "python3", "exit 3\n")
    probe_interpreter(str(bad))
    cache = interpreter_cache_path()
    document = json.loads(cache.read_text())
    document["failures"][str(bad)]["time"] -= interpreters.FAILED_PROBE_TTL + 1
    cache.write_text(json.dumps(document))
    probe_interpreter(str(bad))
    assert runs_of(bad) == 2


@posix_only
def test_a_program_that_could_not_start_is_not_remembered(tmp_path):
    # Nothing ran, so nothing was slow: made runnable (chmod changes no modification time),
    # it is tried again at once.
    script = tmp_path / "python3"
    script.write_text("#!/bin/sh\necho 'not python'\n")
    script.chmod(0o644)
    assert "permission denied" in probe_interpreter(str(script)).problem
    script.chmod(0o755)
    assert "gave no answer" in probe_interpreter(str(script)).problem


def test_a_good_interpreter_is_still_answered_and_cached(found):
    usable = a_usable_interpreter(found)
    fresh = probe_interpreter(usable.path, use_cache=False)
    assert fresh == usable
    assert fresh.can_create_venv
