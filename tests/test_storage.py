"""Writing files the person owns: atomically, keeping their permissions and links."""

from __future__ import annotations

import os

from core import storage


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
