"""A new environment seeded from the (older) pip its Python carries gets the newest cached pip later,
in the background: after it is shown as ready, never in the way of what the person asks for, never
interrupted half-way (pip replacing itself), and said in the Log in one line.

Real pip wheels from this machine (the ones its Pythons carry, and the local wheel mirror that pip's
configuration names), real venvs, real pip against a local index on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from packaging.version import Version

from core import pip_wheels as wheel_cache
from core.environments import Environment
from core.history import OUTSIDE_KIND, History
from core.operations import CreateEnvironment, Outcome, Status, UpdatePip
from tests.conftest import base_python
from tests.support.local_index import LocalIndexServer, PackageSpec, build_index

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="seeding from a wheel writes POSIX scripts")

PYTHON = base_python()
VERSION = tuple(sys.version_info[:3])
TIMEOUT = 120_000
PACKAGES = (PackageSpec("tinyutil", "1.0", summary="Tiny helper functions."),)


def _mirror_pip_wheels() -> list[Path]:
    """pip wheels in the local folders and ``file://`` indexes that this machine's pip configuration names."""
    env = {name: value for name, value in os.environ.items() if not name.upper().startswith("PIP_")}
    try:
        listed = subprocess.run(
            [PYTHON, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60, env=env
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found: list[Path] = []
    for value in re.findall(r"^\S*(?:find-links|index-url)='([^']*)'", listed, re.MULTILINE):
        for location in value.split():
            if location.startswith("file://"):
                location = unquote(urlsplit(location).path)
            if not os.path.isabs(location):
                continue
            found += Path(location).glob("pip-*-py3-none-any.whl")
            page = Path(location) / "pip" / "index.html"
            if page.is_file():  # a PEP 503 simple page: its links, relative to it
                for href in re.findall(r'href="([^"#]+\.whl)', page.read_text(errors="replace")):
                    found.append(Path(unquote(urlsplit(urljoin(page.as_uri(), href)).path)))
    return [wheel for wheel in found if wheel.is_file()]


def _version(wheel: Path) -> Version:
    return Version(wheel_cache.wheel_version(wheel))


@pytest.fixture(scope="module")
def wheels(pip_wheels, tmp_path_factory) -> tuple[Path, Path]:
    """The pip wheel this Python carries, and the newest real pip wheel here that is newer and supports it."""
    bundled = wheel_cache.bundled_pip_wheel(PYTHON, VERSION)
    if bundled is None:
        pytest.skip(f"{PYTHON} carries no pip wheel")
    folder = tmp_path_factory.mktemp("candidates")
    for wheel in [*pip_wheels, *_mirror_pip_wheels()]:
        shutil.copy2(wheel, folder / wheel.name)
    newest = wheel_cache.cached_pip_wheel(VERSION, folder)  # Requires-Python decides, as for the app
    if newest is None or _version(newest) <= _version(bundled):
        pytest.skip(f"no pip wheel on this machine is newer than {bundled.name}, which {PYTHON} carries")
    return bundled, newest


@pytest.fixture(scope="module")
def index_without_pip(tmp_path_factory):
    """Packages to install, but no pip: the app's refresh of its pip wheel finds none (a first start)."""
    with LocalIndexServer(build_index(tmp_path_factory.mktemp("no-pip-index"), packages=PACKAGES)) as server:
        yield server


@pytest.fixture(scope="module")
def index_with_pip(tmp_path_factory, wheels):
    root = build_index(tmp_path_factory.mktemp("pip-index"), packages=PACKAGES, extra_wheels=[wheels[1]])
    with LocalIndexServer(root) as server:
        yield server


@pytest.fixture(autouse=True)
def no_proxy_for_the_local_index(monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def window(qtbot, make_main_window, monkeypatch, index_without_pip, wheels):
    monkeypatch.setenv("PIP_INDEX_URL", index_without_pip.simple_url)
    window = make_main_window()
    window.show()
    # The refresh at start finds no pip wheel: nothing is cached, as on a first start offline.
    qtbot.waitUntil(lambda: "Could not fetch the newest pip" in window.log_view.toPlainText(), timeout=30_000)
    assert wheel_cache.cached_pip_wheel(VERSION) is None
    return window


def cache(wheel: Path) -> None:
    """Put ``wheel`` in the app's pip-wheel cache, as a refresh that ended just now would have."""
    folder = wheel_cache.pip_wheel_dir()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(wheel, folder / wheel.name)


def create(qtbot, window, target: Path, bundled: Path, *, newer: Path | None = None) -> Outcome:
    """Make ``target`` the way the New environment dialog does; with ``newer``, that wheel reaches the
    cache while the environment is being made (after its pip was chosen: the Python's own)."""
    operation = window.creation.plan(CreateEnvironment(target.name, target, interpreter=PYTHON), VERSION)
    assert f"Install pip from {bundled.name}" in [step.description for step in operation.steps]
    if newer is not None:
        cache(newer)
    with qtbot.waitSignal(window.creation.creation_finished, timeout=TIMEOUT) as blocker:
        window.operations.submit(operation)
    outcome = blocker.args[0]
    assert outcome.ok, outcome.detail()
    return outcome


def pip(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True, text=True, timeout=120,
    )


def pip_inside(target: Path) -> str:
    """The pip version the environment's own pip reports."""
    shown = pip(target, "--version")
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.split()[1]


def pip_list(target: Path) -> dict[str, str]:
    """What the environment's own pip lists (it works, whole): {name: version}."""
    listed = pip(target, "list", "--format=json")
    assert listed.returncode == 0, listed.stderr
    return {entry["name"]: entry["version"] for entry in json.loads(listed.stdout)}


def seeded_version(target: Path) -> str:
    """The pip version in the environment, from its files (no process)."""
    return wheel_cache.installed_pip_version(next(target.glob("lib/python*/site-packages")))


def updated_line(name: str, bundled: Path, newer: Path) -> str:
    return (
        f"Updated pip in “{name}” from {wheel_cache.wheel_version(bundled)} to {wheel_cache.wheel_version(newer)}"
        " in the background."
    )


def listed_version(window, name: str) -> str:
    model = window.packages_panel.filter_model
    for row in range(model.rowCount()):
        if model.data(model.index(row, 0)) == name:
            return str(model.data(model.index(row, 1)))
    return ""


def installed(report) -> bool:
    return report.outcome.operation.title == "Installing tinyutil"


def starts(window, wanted_type) -> list:
    """Operations of ``wanted_type`` the runner starts from now on."""
    found: list = []
    window.runner.started.connect(lambda op: found.append(op) if isinstance(op.intent, wanted_type) else None)
    return found


def test_pip_is_updated_in_the_background_after_the_environment_is_shown_ready(qtbot, window, wheels, tmp_path):
    bundled, newer = wheels
    events: list[str] = []
    window.runner.started.connect(lambda op: events.append(op.title))
    window.creation.creation_finished.connect(lambda _outcome: events.append("ready"))
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=newer)
    # Ready first, with the pip it was seeded with; nothing busy for the person.
    assert "“homework” is ready" in window.message_bar.text()
    assert seeded_version(target) == wheel_cache.wheel_version(bundled)
    line = updated_line("homework", bundled, newer)
    qtbot.waitUntil(lambda: line in window.log_view.toPlainText(), timeout=TIMEOUT)
    assert events.index("ready") < events.index("Updating pip")
    assert pip_inside(target) == wheel_cache.wheel_version(newer)
    # The Installed list shows it; the History has it as this app's change (not one made outside).
    qtbot.waitUntil(lambda: listed_version(window, "pip") == wheel_cache.wheel_version(newer), timeout=TIMEOUT)
    # Compiled afterwards like any install, in the background.
    log = window.log_view.toPlainText()
    qtbot.waitUntil(
        lambda: "Preparing faster first imports: done." in window.log_view.toPlainText()[log.index(line):],
        timeout=TIMEOUT,
    )
    changes = History().changes(str(target))
    assert changes[0].title == "Updating pip" and changes[0].describe().startswith("pip was upgraded")
    assert not [change for change in changes if change.kind == OUTSIDE_KIND]
    assert "“homework” is ready" in window.message_bar.text()  # no message, no error for it


def test_an_install_asked_for_before_the_update_starts_goes_first_and_the_update_follows(
    qtbot, window, wheels, tmp_path
):
    bundled, newer = wheels
    updates = starts(window, UpdatePip)
    order: list[tuple[str, Status]] = []
    window.runner.finished.connect(lambda outcome: order.append((outcome.operation.title, outcome.status)))
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=newer)
    assert not updates  # queued behind the check that follows every change
    with qtbot.waitSignal(window.changes.reported, timeout=TIMEOUT, check_params_cb=installed) as blocker:
        assert window.package_actions.install(["tinyutil"], "Installing tinyutil", environment=Environment.load(target))
    assert blocker.args[0].outcome.ok  # the install ran whole, first
    assert ("Updating pip", Status.CANCELLED) in order and ("Installing tinyutil", Status.OK) in order
    assert order.index(("Updating pip", Status.CANCELLED)) < order.index(("Installing tinyutil", Status.OK))
    new = wheel_cache.wheel_version(newer)
    assert f"Updating pip in “homework” to {new} waits: Installing tinyutil was asked for first." in window.log_view.toPlainText()
    # Then, the install ended, it is updated all the same; pip works, and so does what was installed.
    qtbot.waitUntil(lambda: updated_line("homework", bundled, newer) in window.log_view.toPlainText(), timeout=TIMEOUT)
    assert pip_list(target) == {"pip": new, "tinyutil": "1.0"}
    assert window.log_view.toPlainText().count("Updating pip in “homework”") == 1  # said once, however often it waited


def test_an_install_asked_for_while_pip_updates_itself_waits_for_it(qtbot, window, wheels, tmp_path):
    bundled, newer = wheels
    updates = starts(window, UpdatePip)
    order: list[tuple[str, Status]] = []
    window.runner.finished.connect(lambda outcome: order.append((outcome.operation.title, outcome.status)))
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=newer)
    qtbot.waitUntil(lambda: bool(updates), timeout=TIMEOUT)
    # Shown as background work: no progress bar, no Cancel.
    assert window.activity.label.text() == "Updating pip in the background…"
    assert not window.cancel_button.isVisible()
    with qtbot.waitSignal(window.changes.reported, timeout=TIMEOUT, check_params_cb=installed) as blocker:
        assert window.package_actions.install(["tinyutil"], "Installing tinyutil", environment=Environment.load(target))
    assert blocker.args[0].outcome.ok
    # pip was not interrupted half-way: it finished, then the install ran.
    assert order.index(("Updating pip", Status.OK)) < order.index(("Installing tinyutil", Status.OK))
    assert updated_line("homework", bundled, newer) in window.log_view.toPlainText()
    assert pip_list(target) == {"pip": wheel_cache.wheel_version(newer), "tinyutil": "1.0"}


def test_quitting_while_pip_updates_itself_asks_nothing_and_lets_it_finish(qtbot, window, wheels, tmp_path):
    bundled, newer = wheels
    updates = starts(window, UpdatePip)
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=newer)
    qtbot.waitUntil(lambda: bool(updates), timeout=TIMEOUT)
    window.close()
    assert window.confirm_quit_box is None and not window.isVisible()
    assert pip_list(target) == {"pip": wheel_cache.wheel_version(newer)}  # whole: not stopped half-way


def test_environments_made_before_the_newest_pip_arrived_get_it_when_the_refresh_ends(
    qtbot, window, wheels, tmp_path, index_with_pip, monkeypatch
):
    bundled, newer = wheels
    updates = starts(window, UpdatePip)
    target = tmp_path / "offline"
    create(qtbot, window, target, bundled)  # nothing cached: it keeps the Python's own pip for now
    qtbot.wait(200)
    assert not updates and seeded_version(target) == wheel_cache.wheel_version(bundled)
    # The index is reachable again (here: one that has pip); the refresh brings the newest pip.
    monkeypatch.setenv("PIP_INDEX_URL", index_with_pip.simple_url)
    window.creation.refresh_pip_wheel()
    qtbot.waitUntil(lambda: updated_line("offline", bundled, newer) in window.log_view.toPlainText(), timeout=TIMEOUT)
    assert pip_inside(target) == wheel_cache.wheel_version(newer)


def test_a_failed_update_is_one_sentence_in_the_log_and_the_old_pip_keeps_working(qtbot, window, wheels, tmp_path):
    bundled, _newer = wheels
    # A "pip 99.0" wheel that pip refuses (no WHEEL file): the update fails before anything is removed.
    broken = tmp_path / "pip-99.0-py3-none-any.whl"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("pip-99.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pip\nVersion: 99.0\n\n")
    updates = starts(window, UpdatePip)
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=broken)
    qtbot.waitUntil(lambda: "Could not update pip in “homework” to 99.0" in window.log_view.toPlainText(), timeout=TIMEOUT)
    line = next(line for line in window.log_view.toPlainText().splitlines() if line.startswith("Could not update pip"))
    old = wheel_cache.wheel_version(bundled)
    assert "WHEEL" in line and line.endswith(f"It keeps pip {old}, which works; nothing else was changed.")
    assert len(updates) == 1  # not tried again
    assert "“homework” is ready" in window.message_bar.text()  # no error shown for it: it works as it is
    assert pip_list(target) == {"pip": old}


def test_undoing_an_install_keeps_the_pip_the_app_updated_and_undo_stays_on_the_persons_change(
    qtbot, window, wheels, tmp_path
):
    bundled, newer = wheels
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=newer)
    with qtbot.waitSignal(window.changes.reported, timeout=TIMEOUT, check_params_cb=installed):
        assert window.package_actions.install(["tinyutil"], "Installing tinyutil", environment=Environment.load(target))
    qtbot.waitUntil(lambda: updated_line("homework", bundled, newer) in window.log_view.toPlainText(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.runner.is_busy(str(target)), timeout=TIMEOUT)
    # The Undo the person sees is for what they did, not for the app's update of pip.
    qtbot.waitUntil(lambda: "Installing tinyutil" in window.changes.undo_action.text(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.changes.reported, timeout=TIMEOUT):
        window.changes.undo_action.trigger()
    assert window.changes.restore_box is None  # nothing else to take back: no question
    assert pip_list(target) == {"pip": wheel_cache.wheel_version(newer)}  # tinyutil gone, pip kept up to date


def test_an_environment_removed_while_its_pip_update_waits_gets_no_advice(qtbot, window, wheels, tmp_path):
    bundled, newer = wheels
    finished: list[Status] = []
    window.runner.finished.connect(lambda outcome: isinstance(outcome.operation.intent, UpdatePip) and finished.append(outcome.status))
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=newer)
    shutil.rmtree(target)  # as moving it to the trash would, while the update waits its turn
    qtbot.waitUntil(lambda: bool(finished), timeout=TIMEOUT)
    qtbot.wait(200)
    log = window.log_view.toPlainText()
    assert "use “Install pip”" not in log and "Could not update pip" not in log


def test_quitting_with_an_install_waiting_behind_the_pip_update_asks_first(qtbot, window, wheels, tmp_path):
    bundled, newer = wheels
    updates = starts(window, UpdatePip)
    target = tmp_path / "homework"
    create(qtbot, window, target, bundled, newer=newer)
    qtbot.waitUntil(lambda: bool(updates), timeout=TIMEOUT)
    assert window.package_actions.install(["tinyutil"], "Installing tinyutil", environment=Environment.load(target))
    window.close()
    box = window.confirm_quit_box
    assert box is not None and "Installing tinyutil" in box.text()  # not dropped without a word
    box.reject()
    with qtbot.waitSignal(window.changes.reported, timeout=TIMEOUT, check_params_cb=installed):
        pass
