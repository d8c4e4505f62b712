"""Each environment's history of package changes (real pip, real venvs, local index), and its words."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import history as history_module
from core import plans, storage
from core.backends.pip import PipBackend
from core.environments import Environment
from core.history import (
    BASELINE_KIND,
    OUTSIDE_TITLE,
    Change,
    History,
    change_from_journal,
    describe,
    describe_interrupted,
    join_words,
    status_word,
    undo_plan,
)
from core.journal import INSTALL, Journal, JournalEntry, package_set
from core.operations import Status
from core.packages import installed_packages
from tests.conftest import pip_install

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")


def installed_set(venv: Path) -> dict[str, tuple[str, str]]:
    return package_set(installed_packages(Environment.load(venv).site_packages()))


def run_steps(operation) -> None:
    for command in operation.steps:
        completed = subprocess.run(
            [command.program, *command.args], env={**os.environ, **command.env}, capture_output=True, text=True, timeout=300
        )
        assert completed.returncode == 0, completed.stderr


# ------------------------------------------------------------------ recording real changes


def test_a_real_install_is_recorded_and_read_back(make_venv, use_local_index):
    venv = make_venv()
    history = History()
    before = installed_set(venv)
    pip_install(venv, "tinyapp==2.0", index_url=use_local_index.simple_url)
    after = installed_set(venv)
    change = history.record(
        venv,
        Change.new(title="Install tinyapp", kind=INSTALL, specs=["tinyapp==2.0"], before=before, after=after),
    )
    assert history.path(venv) == storage.data_dir() / "history" / (
        hashlib.sha256(os.path.abspath(venv).encode()).hexdigest()[:24] + ".jsonl"
    )
    [read] = history.changes(venv)
    assert read == change and read.id == change.id and read.specs == ("tinyapp==2.0",) and read.status == "done"
    assert read.describe() == "tinyapp 2.0 and tinyutil 1.1 were installed"
    assert history.last_change(venv) == change and history.change(venv, change.id) == change
    # The record on disk: one JSON object a line, naming the environment.
    [line] = history.path(venv).read_text().splitlines()
    assert json.loads(line)["environment"] == os.path.abspath(venv)
    # Another environment has its own history.
    assert history.changes(venv.parent / "other") == []


def test_changes_are_newest_first_and_undo_restores_the_recorded_set_with_real_pip(make_venv, use_local_index):
    venv = make_venv()
    history = History()
    pip_install(venv, "tinyutil==1.0", index_url=use_local_index.simple_url)
    first_before = installed_set(venv)
    pip_install(venv, "tinyapp==2.0", "tinyutil==1.1", index_url=use_local_index.simple_url)
    history.record(venv, Change.new(title="Install tinyapp", kind=INSTALL, before=first_before, after=installed_set(venv), when=1.0))
    second_before = installed_set(venv)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", "tinyapp"], check=True, capture_output=True)
    history.record(venv, Change.new(title="Uninstall tinyapp", kind="uninstall", before=second_before, after=installed_set(venv), when=2.0))
    changes = history.changes(venv)
    assert [change.title for change in changes] == ["Uninstall tinyapp", "Install tinyapp"]
    assert changes[0].describe() == "tinyapp 2.0 was removed"
    # Back to before the older change: tinyapp goes, tinyutil returns to 1.0.
    install, uninstall = undo_plan(changes[1].before, installed_set(venv))
    assert (install, uninstall) == (["tinyutil==1.0"], [])
    environment = Environment.load(venv)
    backend = PipBackend.for_environment(environment, installed_packages(environment.site_packages()))
    operation = plans.restore_package_set(environment, backend, install=install, uninstall=uninstall)
    assert operation is not None
    run_steps(operation)
    assert installed_set(venv) == first_before
    assert changes[1].undo_plan(installed_set(venv)) == ([], [])


def test_a_change_made_in_a_terminal_shows_up(make_venv, use_local_index):
    venv = make_venv()
    history = History()
    # The first look at an environment with no history is only a reference: nothing is listed.
    assert history.note_current(venv, installed_set(venv)) is None
    assert history.changes(venv) == [] and history.last_change(venv) is None
    pip_install(venv, "tinyextra==0.2", index_url=use_local_index.simple_url)  # pip in a terminal
    outside = history.note_current(venv, installed_set(venv))
    assert outside is not None
    assert (outside.kind, outside.status, outside.title) == ("outside", "outside", OUTSIDE_TITLE)
    assert outside.describe() == "tinyextra 0.2 was installed"
    assert history.changes(venv) == [outside] and history.last_change(venv) == outside
    assert history.note_current(venv, installed_set(venv)) is None  # seen once, recorded once
    # After a change of the app's own, only what happens after it counts as outside.
    before = installed_set(venv)
    pip_install(venv, "tinyapp==1.0", index_url=use_local_index.simple_url)
    history.record(venv, Change.new(title="Install tinyapp", kind=INSTALL, before=before, after=installed_set(venv)))
    assert history.note_current(venv, installed_set(venv)) is None
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", "tinyextra"], check=True, capture_output=True)
    removed = history.note_current(venv, installed_set(venv))
    assert removed is not None and removed.describe() == "tinyextra 0.2 was removed"
    assert [change.title for change in history.changes(venv)] == [OUTSIDE_TITLE, "Install tinyapp", OUTSIDE_TITLE]
    # Undoing the outside change puts tinyextra back.
    assert removed.undo_plan(installed_set(venv)) == (["tinyextra==0.2"], [])


def test_nothing_is_noted_while_a_change_of_the_app_runs(tmp_path):
    history = History()
    environment = tmp_path / "env"
    history.record(environment, Change.new(title="Install a", kind=INSTALL, before={}, after={"a": ("a", "1")}))
    journal = Journal()
    journal.begin(JournalEntry(str(environment), INSTALL, "Install b", before={"a": ("a", "1")}))
    assert history.note_current(environment, {"a": ("a", "1"), "b": ("b", "1")}) is None
    journal.end(environment)
    assert history.note_current(environment, {"a": ("a", "1"), "b": ("b", "1")}) is not None


def test_a_change_is_recorded_from_its_journal_entry(tmp_path):
    entry = Journal().begin(
        JournalEntry(str(tmp_path / "env"), INSTALL, "Install pandas", specs=("pandas",), before={"six": ("six", "1.16.0")})
    )
    change = change_from_journal(entry, status_word(Status.CRASHED), {"six": ("six", "1.16.0"), "numpy": ("numpy", "2.1.0")})
    assert (change.title, change.kind, change.specs, change.status, change.when) == (
        "Install pandas", "install", ("pandas",), "crashed", entry.started_at
    )
    assert change.before == {"six": ("six", "1.16.0")} and change.changed
    assert [status_word(status) for status in Status] == ["done", "failed", "crashed", "failed", "cancelled"]


# ------------------------------------------------------------------ the file survives crashes and stays small


def _change(n: int) -> Change:
    return Change.new(title=f"Install p{n}", kind=INSTALL, before={}, after={f"p{n}": (f"p{n}", "1")}, when=float(n))


def test_a_torn_last_line_is_skipped_and_the_next_record_stays_readable(tmp_path):
    history = History()
    environment = tmp_path / "env"
    history.record(environment, _change(1))
    history.record(environment, _change(2))
    with open(history.path(environment), "ab") as handle:  # a crash in the middle of a write
        handle.write(json.dumps(_change(3).to_json()).encode()[:40])
    assert [change.title for change in history.changes(environment)] == ["Install p2", "Install p1"]
    history.record(environment, _change(4))
    assert [change.title for change in history.changes(environment)] == ["Install p4", "Install p2", "Install p1"]
    # Foreign or garbled lines are skipped too.
    with open(history.path(environment), "a", encoding="utf-8") as handle:
        handle.write('{"version": 99, "title": "from the future"}\n\n[1, 2]\nnot json\n')
    assert len(history.changes(environment)) == 3


def test_the_file_is_trimmed_to_the_newest_records(tmp_path, monkeypatch):
    monkeypatch.setattr(history_module, "MAX_RECORDS", 5)
    monkeypatch.setattr(history_module, "TRIM_SLACK", 3)
    history = History()
    environment = tmp_path / "env"
    for n in range(1, 9):
        history.record(environment, _change(n))
    assert len(history.path(environment).read_text().splitlines()) == 8  # within the slack
    history.record(environment, _change(9))
    assert [change.title for change in history.changes(environment)] == [f"Install p{n}" for n in range(9, 4, -1)]
    assert len(history.path(environment).read_text().splitlines()) == 5


def test_baseline_records_are_never_listed(tmp_path):
    history = History()
    history.note_current(tmp_path / "env", {"a": ("a", "1")})
    [line] = history.path(tmp_path / "env").read_text().splitlines()
    assert json.loads(line)["kind"] == BASELINE_KIND
    assert history.changes(tmp_path / "env") == []
    history.forget(tmp_path / "env")
    assert not history.path(tmp_path / "env").exists()


# ------------------------------------------------------------------ words


def test_join_words():
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert join_words([f"p{n}" for n in range(45)], limit=8) == "p0, p1, p2, p3, p4, p5, p6, p7 … and 37 more"


def test_describe_says_what_changed():
    before = {"python-dateutil": ("python-dateutil", "2.8.2"), "six": ("six", "1.16.0"), "pandas": ("pandas", "2.2.3")}
    after = {
        "python-dateutil": ("python-dateutil", "2.9.0"),
        "numpy": ("numpy", "2.1.0"),
        "tzdata": ("tzdata", "2025.2"),
        "pandas": ("pandas", "2.2.3"),
    }
    assert describe(before, after) == (
        "numpy 2.1.0 and tzdata 2025.2 were installed; python-dateutil was upgraded from 2.8.2 to 2.9.0;"
        " six 1.16.0 was removed"
    )
    assert describe(before, before) == "nothing changed"
    assert describe({}, {}) == "nothing changed"
    assert describe({"a": ("a", "2"), "b": ("b", "3.0")}, {"a": ("a", "1"), "b": ("b", "2.5")}) == (
        "a from 2 to 1 and b from 3.0 to 2.5 were downgraded"
    )
    assert describe({"odd": ("odd", "x-1")}, {"odd": ("odd", "y-2")}) == "odd was changed from x-1 to y-2"
    assert describe({"a": ("a", "1.0")}, {"a": ("a", "1")}) == "nothing changed"  # the same version, spelt two ways
    many = {f"pkg{n:02}": (f"pkg{n:02}", "1.0") for n in range(45)}
    assert describe({}, many) == (
        "pkg00 1.0, pkg01 1.0, pkg02 1.0, pkg03 1.0, pkg04 1.0, pkg05 1.0, pkg06 1.0, pkg07 1.0 … and 37 more were installed"
    )


def test_the_banner_after_an_interruption_says_exactly_what_changed():
    before = {"six": ("six", "1.16.0")}
    after = {"six": ("six", "1.16.0"), "numpy": ("numpy", "2.5.5"), "tzdata": ("tzdata", "2025.2")}
    assert describe_interrupted(before, after, "cancelled") == (
        "numpy 2.5.5 and tzdata 2025.2 were installed before you cancelled."
    )
    assert describe_interrupted(before, before, "cancelled") == "Nothing was changed before you cancelled."
    assert describe_interrupted(before, before, "failed") == "Nothing was changed before it failed."
    assert describe_interrupted(before, {}, "stopped") == "six 1.16.0 was removed before it stopped."
    assert describe_interrupted(before, {}, "crashed") == "six 1.16.0 was removed before it stopped."


def test_undo_plan_reinstalls_what_went_or_changed_and_removes_what_came():
    before = {"six": ("six", "1.16.0"), "python-dateutil": ("python-dateutil", "2.8.2")}
    now = {"python-dateutil": ("python-dateutil", "2.9.0"), "numpy": ("numpy", "2.1.0")}
    assert undo_plan(before, now) == (["python-dateutil==2.8.2", "six==1.16.0"], ["numpy"])
    assert undo_plan(before, before) == ([], [])


def test_a_creation_is_not_undoable_but_a_change_is():
    from core.history import Change

    pip = {"pip": ("pip", "24.2")}
    assert not Change.new(title="Creating “demo”", kind="create", before={}, after=pip).undoable
    assert not Change.new(title="Installing x", kind="install", status="failed", before=pip, after=pip).undoable
    assert Change.new(title="Installing x", kind="install", before=pip, after={**pip, "x": ("x", "1.0")}).undoable


def test_nothing_is_noted_while_a_recreation_holds_the_environment_and_its_record_is_the_apps(tmp_path):
    """A re-creation (moved aside, built, put back) is the app's own change, never "outside"."""
    from core.history import RECREATE_KIND, recreation_change
    from core.recreate import Recreation, end_record, write_record

    history = History()
    environment = tmp_path / "env"
    old = {"pip": ("pip", "24.0"), "mine": ("mine", "1.0"), "a": ("a", "1")}
    new = {"pip": ("pip", "24.2"), "a": ("a", "1")}
    history.record(environment, Change.new(title="Installing a", kind=INSTALL, before={}, after=old))
    write_record(Recreation(str(environment), str(tmp_path / ".env.venvdesk-previous"), "env", "3.11.7", "3.12.1"))
    assert history.look(environment, new) is None
    change = history.record(environment, recreation_change("Re-creating “env” with Python 3.12", ("a==1",), old, new))
    end_record(environment)
    assert history.look(environment, new) is None  # the new set is what the re-creation recorded
    assert [c.kind for c in history.changes(environment)] == [RECREATE_KIND, INSTALL]
    assert change.describe() == "pip was upgraded from 24.0 to 24.2; mine 1.0 was removed"
    assert not change.undoable  # going back to the old set would not bring back the old Python


def test_undo_keeps_the_pip_the_app_updated_afterwards_unless_pip_changed_again():
    from core.history import PIP_UPDATE_KIND, keeping_pip_updates

    old, new = ("pip", "23.2.1"), ("pip", "26.2.1")
    install = Change.new(title="Installing a", kind="install", before={"pip": old}, after={"pip": old, "a": ("a", "1.0")})
    update = Change.new(
        title="Updating pip", kind=PIP_UPDATE_KIND, before={"pip": old, "a": ("a", "1.0")}, after={"pip": new, "a": ("a", "1.0")}
    )
    assert not update.undoable  # the person did not ask for it
    assert keeping_pip_updates(install, [update]) == ({"pip": new}, {"pip": new, "a": ("a", "1.0")})
    # pip changed again after the update (by hand): going back takes that back as any change.
    by_hand = Change.new(
        title="changed outside Venvdesk", kind="outside",
        before={"pip": new, "a": ("a", "1.0")}, after={"pip": ("pip", "24.0"), "a": ("a", "1.0")},
    )
    assert keeping_pip_updates(install, [update, by_hand]) == (install.before, install.after)
