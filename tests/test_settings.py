"""Settings: kept from one start to the next, private to their owner, shared by two windows."""

from __future__ import annotations

import json
import os
import sys

import pytest

from core.settings import Settings, settings_path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_settings_file_is_owner_only_because_it_can_hold_a_password():
    umask = os.umask(0o022)
    try:
        Settings(index_url="https://me:hunter2@mirror.example/simple/").save()
    finally:
        os.umask(umask)
    assert settings_path().stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_existing_readable_settings_file_is_made_owner_only_on_save():
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "index_url": ""}))
    path.chmod(0o644)
    settings = Settings.load()
    settings.index_url = "https://me:hunter2@mirror.example/simple/"
    settings.save()
    assert path.stat().st_mode & 0o777 == 0o600


def test_two_instances_changing_different_settings_keep_both():
    first, second = Settings.load(), Settings.load()
    first.index_url = "https://mirror.example/simple/"
    first.save()
    second.last_location = "/home/me/envs"
    second.save()  # it read the file before the first saved: must not undo that
    assert Settings.load() == Settings(index_url="https://mirror.example/simple/", last_location="/home/me/envs")
    assert second.index_url == "https://mirror.example/simple/", "it took the other's change too"


def test_the_later_change_of_the_same_setting_wins():
    first, second = Settings.load(), Settings.load()
    first.index_url = "https://first.example/simple/"
    first.save()
    second.index_url = "https://second.example/simple/"
    second.save()
    assert Settings.load().index_url == "https://second.example/simple/"


def test_clearing_a_setting_is_a_change_too():
    Settings(index_url="https://mirror.example/simple/").save()
    settings = Settings.load()
    settings.index_url = ""
    settings.save()
    assert Settings.load().index_url == ""


def test_bookkeeping_is_not_written_or_read_as_a_setting():
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "_saved": "x", "problem": "y", "last_location": "/e"}))
    settings = Settings.load()
    assert (settings.problem, settings.last_location) == ("", "/e")
    settings.save()
    assert json.loads(path.read_text()) == {
        "version": 1, "index_url": "", "last_location": "/e", "proxy": "", "last_interpreter": "",
        "installer": "pip"
    }
