"""Writing files the person owns: atomically, keeping their permissions and links."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import storage

REPO = Path(__file__).resolve().parents[1]


def test_atomic_write_keeps_permissions_and_links(tmp_path):
    real = tmp_path / "project" / "requirements.txt"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o644)
    link = tmp_path / "requirements.txt"
    link.symlink_to(real)
    storage.write_text_atomic(link, "new\n")
    assert link.is_symlink(), "the link still points where it did"
    assert real.read_text() == "new\n"
    assert real.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in real.parent.iterdir()] == ["requirements.txt"], "no temporary file left"


def test_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        storage.write_text_atomic(tmp_path / "fresh.txt", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "fresh.txt").stat().st_mode & 0o777 == 0o644


def test_a_second_corrupt_file_does_not_replace_the_first_backup(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{broken")
    first = storage.load_versioned_json(path, 1)
    path.write_text("[also broken]")
    second = storage.load_versioned_json(path, 1)
    assert first.recovered_to.read_text() == "{broken"
    assert second.recovered_to != first.recovered_to
    assert second.recovered_to.read_text() == "[also broken]"


# ------------------------------------------------------------------ one writer at a time, across processes

LOCKED_UPDATE = """\
import sys
from pathlib import Path
from core import storage
path = Path(sys.argv[1])
def change(current):
    document = dict(current or {"version": 1})
    document["writers"] = [*document.get("writers", []), "child"]
    return document
storage.update_json(path, 1, change)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_another_process_waits_for_the_lock_and_then_applies_its_change_to_the_newest_file(tmp_path):
    path = tmp_path / "state.json"
    storage.write_json_atomic(path, {"version": 1, "writers": []})
    with storage.locked(path):
        child = subprocess.Popen(
            [sys.executable, "-c", LOCKED_UPDATE, str(path)], cwd=REPO, stderr=subprocess.PIPE
        )
        time.sleep(1.0)
        assert child.poll() is None, "it waits while the lock is held"
        storage.write_json_atomic(path, {"version": 1, "writers": ["parent"]})
    _out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err.decode()
    assert json.loads(path.read_text())["writers"] == ["parent", "child"], "read again under the lock"


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_lock_held_too_long_gives_up_with_an_os_error(tmp_path):
    path = tmp_path / "state.json"
    with storage.locked(path):  # a second open file description conflicts, even in one process
        started = time.monotonic()
        with pytest.raises(OSError) as caught, storage.locked(path, timeout=0.3):
            pass
        assert 0.3 <= time.monotonic() - started < 2
    assert "another Venvdesk" in str(caught.value)
    with storage.locked(path, timeout=0.3):  # released: free again
        pass


def test_update_json_starts_from_nothing_and_from_a_corrupt_file(tmp_path):
    path = tmp_path / "state.json"
    seen = []

    def change(current):
        seen.append(current)
        return {"version": 1, "n": len(seen)}

    storage.update_json(path, 1, change)
    path.write_text("{broken")
    storage.update_json(path, 1, change)
    assert seen == [None, None]
    assert json.loads(path.read_text()) == {"version": 1, "n": 2}
    assert path.with_name("state.json.bak").read_text() == "{broken"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_private_files_are_owner_only_even_when_they_were_not(tmp_path):
    path = tmp_path / "secret.json"
    path.write_text("{}")
    path.chmod(0o644)
    storage.write_json_atomic(path, {"password": "x"}, mode=storage.PRIVATE_MODE)
    assert path.stat().st_mode & 0o777 == 0o600


def test_only_old_temporary_files_of_this_file_are_removed(tmp_path):
    path = tmp_path / "settings.json"
    old = tmp_path / ".settings.json.k2j4h5g6.tmp"
    young = tmp_path / ".settings.json.a1b2c3d4.tmp"
    others = [
        tmp_path / ".environments.json.k2j4h5g6.tmp",  # another file's: read with that file
        tmp_path / ".settings.json.k2j4h5g6.tmp.keep",
        tmp_path / ".settings.json.TOO-LONG-X.tmp",
        tmp_path / "settings.json.k2j4h5g6.tmp",
    ]
    for file in (old, young, *others):
        file.write_text("")
    long_ago = time.time() - 600
    for file in (old, *others):
        os.utime(file, (long_ago, long_ago))
    assert storage.remove_stale_temp_files(path) == [old]
    assert young.exists() and all(file.exists() for file in others)


def test_a_write_flushed_later_is_whole_at_once_and_a_file_gone_before_its_flush_is_no_error(tmp_path, capfd):
    path = tmp_path / "journal" / "entry.json"
    storage.write_text_atomic(path, '{"a": 1}', sync_later=True)
    assert path.read_text() == '{"a": 1}'  # readable at once: only the flush to the disk follows
    storage.write_text_atomic(path, '{"a": 2}', sync_later=True)
    path.unlink()  # a short change ended before its entry was flushed
    storage.write_text_atomic(tmp_path / "other.json", "{}", sync_later=True)
    time.sleep(0.5)
    assert "could not" not in capfd.readouterr().err
    assert not list(tmp_path.rglob("*.tmp"))
