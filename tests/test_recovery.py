"""After pip is killed mid-change: backups put back, nothing lost; the journal of running changes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.journal import Journal, JournalEntry, package_set, process_alive, rollback_changes
from core.packages import check_integrity, installed_packages
from core.recovery import restore_stashed, stash_of
from venvdesk_testing.isolation import hermetic_pip_env
from venvdesk_testing.wheels import build_wheel

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and bin/python are POSIX")


def run_python(venv: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "python"), *args], capture_output=True, text=True, check=check, env=hermetic_pip_env(),
        timeout=120,
    )


def pip_args(*args: str) -> list[str]:
    return ["-m", "pip", "--isolated", "--disable-pip-version-check", "--no-cache-dir", *args]


@pytest.fixture(scope="module")
def upgrade_wheels(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("stash-wheels")
    old = build_wheel(
        folder, "stashpkg", "1.0",
        modules={"stashpkg/__init__.py": "VERSION = '1.0'\n", "stashpkg/core.py": "ANSWER = 42\n", "stashmod.py": "X = 1\n"},
    )
    # Many files: installing them takes long enough to stop pip in the middle, for real.
    modules = {f"stashpkg/part{i}.py": f"VALUE = {i}\n" * 20 for i in range(2500)}
    modules.update({"stashpkg/__init__.py": "VERSION = '2.0'\n", "stashpkg/core.py": "ANSWER = 43\n", "stashmod.py": "X = 2\n"})
    new = build_wheel(folder, "stashpkg", "2.0", modules=modules)
    return old, new


def kill_pip_mid_upgrade(venv: Path, new_wheel: Path, site_packages: Path, attempts: int = 5) -> bool:
    """Upgrade with real pip and kill -9 it as soon as it has set the old version aside."""
    for _ in range(attempts):
        process = subprocess.Popen(
            [str(venv / "bin" / "python"), *pip_args("install", "--no-index", str(new_wheel))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=hermetic_pip_env(),
        )
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if any(name.startswith("~") for name in os.listdir(site_packages)):
                time.sleep(0.05)  # a few of the new files are written too
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.001)
        process.wait()
        run_python(venv, *pip_args("install", "--no-index", "--force-reinstall", str(new_wheel).replace("2.0", "1.0")))
    return False


def test_stash_names_follow_pips_scheme():
    assert stash_of("~igpkg", "bigpkg")
    assert stash_of("~igpkg-1.0.dist-info", "bigpkg-1.0.dist-info")
    assert stash_of("~-gpkg", "bigpkg") and stash_of("~~bigpkg", "bigpkg")
    assert not stash_of("~igpkg", "other") and not stash_of("bigpkg", "bigpkg") and not stash_of("~", "")


def test_repair_after_pip_was_killed_mid_upgrade_loses_no_package(make_venv, upgrade_wheels):
    old, new = upgrade_wheels
    venv = make_venv("killed")
    run_python(venv, *pip_args("install", "--no-index", str(old)))
    site_packages = next(venv.glob("lib/python*/site-packages"))
    before = package_set(installed_packages(site_packages))
    if not kill_pip_mid_upgrade(venv, new, site_packages):
        pytest.skip("pip finished before it could be stopped in the middle (a very fast disk)")

    # What the person sees: the backup is not listed as installed; the scan names it.
    listed = {p.name: p.version for p in installed_packages(site_packages)}
    assert "stashpkg" not in listed or listed["stashpkg"] == "2.0"
    integrity = check_integrity(site_packages)
    assert not integrity.clean
    assert integrity.leftovers

    report = restore_stashed(site_packages)
    assert report.problems == ()
    if report.restored:  # the usual case: the old version is back
        assert report.restored == ("stashpkg 1.0",)
        # pip keeps its backup of a single-file module (stashmod.py) elsewhere, and had already
        # written the new one: the restore notices by the RECORD's hashes, and Repair reinstalls.
        assert report.reinstall == ("stashpkg==1.0",)
        run_python(venv, *pip_args("install", "--no-index", "--force-reinstall", "--no-deps", str(old)))
        shown = run_python(venv, "-c", "import stashpkg, stashpkg.core, stashmod; print(stashpkg.VERSION, stashpkg.core.ANSWER, stashmod.X)")
        assert shown.stdout.split() == ["1.0", "42", "1"]
    else:  # stopped after pip had installed 2.0 whole: the backup was only a leftover
        assert report.removed == ("stashpkg 1.0",)
    assert check_integrity(site_packages).clean
    assert not [n for n in os.listdir(site_packages) if n.startswith("~")]
    assert run_python(venv, *pip_args("check"), check=False).returncode == 0
    # And the journal's before-set says how to finish or undo.
    install, uninstall = rollback_changes(before, package_set(installed_packages(site_packages)))
    assert uninstall == [] and install in ([], ["stashpkg==1.0"])


def test_restore_puts_back_a_backup_over_half_written_files(tmp_path):
    from tests.test_packages import install_by_hand

    site = tmp_path / "site-packages"
    install_by_hand(site, "beta", "1.0", {"beta/__init__.py": "V = 1\n", "beta/util.py": ""})
    (site / "beta").rename(site / "~eta")
    (site / "beta-1.0.dist-info").rename(site / "~eta-1.0.dist-info")
    (site / "beta").mkdir()
    (site / "beta" / "half.py").write_text("")  # the new version, half written, no metadata
    report = restore_stashed(site)
    assert report.restored == ("beta 1.0",) and report.replaced == ("beta",)
    assert (site / "beta" / "util.py").exists() and not (site / "beta" / "half.py").exists()
    assert [p.name for p in installed_packages(site)] == ["beta"]
    assert check_integrity(site).clean
    assert "put back from pip's backup: beta 1.0" in report.describe()


def test_journal_records_and_forgets_a_change(tmp_path):
    journal = Journal(tmp_path / "journal")
    entry = journal.begin(JournalEntry(str(tmp_path / "env"), "install", "Installing a", specs=("a==1",), before={"b": ("B", "2")}))
    assert entry.app_pid == os.getpid() and entry.started_at > 0
    [found] = journal.entries()
    assert found == entry and journal.entry(tmp_path / "env") == entry
    assert not found.someone_is_working()  # this process does not count as "someone else"
    journal.end(tmp_path / "env")
    assert journal.entries() == [] and journal.entry(tmp_path / "env") is None


def test_a_journal_entry_of_a_live_process_is_a_lock_and_of_a_dead_one_is_not(tmp_path):
    journal = Journal(tmp_path / "journal")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        entry = journal.begin(JournalEntry(str(tmp_path / "env"), "install", "x", app_pid=sleeper.pid))
        assert entry.someone_is_working()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not process_alive(sleeper.pid) or not journal.entry(tmp_path / "env").someone_is_working()


def test_rollback_changes_return_to_the_recorded_set():
    before = {"a": ("A", "1.0"), "b": ("b", "2.0"), "c": ("c", "3.0")}
    now = {"a": ("A", "1.1"), "c": ("c", "3.0"), "d": ("d", "0.1")}
    assert rollback_changes(before, now) == (["A==1.0", "b==2.0"], ["d"])
