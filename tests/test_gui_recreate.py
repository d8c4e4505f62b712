"""Re-create with another Python, driven in the real window: real venvs, real pip, a local index."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from core.environments import Environment
from core.recreate import aside_path
from tests.conftest import REPO, pip_install
from tests.test_gui_environments import add_and_select, click
from venvdesk_testing.index import DEFAULT_PACKAGES, build_index
from venvdesk_testing.server import LocalIndexServer
from venvdesk_testing.wheels import PackageSpec

PYENV = Path.home() / ".pyenv" / "versions"
PY312 = PYENV / "3.12.1" / "bin" / "python"
PY310 = PYENV / "3.10.13" / "bin" / "python3.10"
RECREATE_TIMEOUT = 120_000

# A backport needed only before 3.12 (as tomli is before 3.11), and a project whose newest release
# does not support 3.12 while an older one does.
PACKAGES = (
    *DEFAULT_PACKAGES,
    PackageSpec("tinyback", "1.0", summary="A backport older Pythons need."),
    PackageSpec("tinytoml", "1.0", requires=('tinyback>=1.0; python_version < "3.12"',), summary="Reads tiny files."),
    PackageSpec("oldonly", "1.0", summary="Works everywhere."),
    PackageSpec("oldonly", "2.0", requires_python="<3.12", summary="Not for 3.12."),
)


@pytest.fixture(scope="module")
def recreate_index(tmp_path_factory, pip_wheels):
    root = build_index(tmp_path_factory.mktemp("recreate-index"), PACKAGES, extra_wheels=pip_wheels)
    with LocalIndexServer(root) as server:
        yield server


@pytest.fixture
def use_recreate_index(recreate_index, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", recreate_index.simple_url)
    return recreate_index


@pytest.fixture
def open_window(qtbot, make_main_window):
    """The main window as the app starts it, once its start-up work (the list, the Pythons) is done."""

    def start():
        window = make_main_window()
        window.show()
        with qtbot.waitSignals(
            [window.environment_actions.environments_loaded, window.creation.interpreters_loaded], timeout=60_000
        ):
            pass
        return window

    return start


def needs(python: Path) -> None:
    if not python.exists():
        pytest.skip(f"needs {python}")


def freeze(venv: Path) -> list[str]:
    """The new environment's own ``pip freeze``."""
    result = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    return sorted(result.stdout.split())


def open_recreate_dialog(qtbot, window):
    action = window.recreation.recreate_action
    qtbot.waitUntil(action.isEnabled, timeout=20_000)
    action.trigger()
    qtbot.waitUntil(lambda: window.recreation.dialog is not None and window.recreation.dialog.isVisible(), timeout=20_000)
    return window.recreation.dialog


def choose(dialog, python: Path) -> None:
    combo = dialog.findChild(QComboBox, "interpreterCombo")
    row = next(r for r in range(combo.count()) if getattr(combo.itemData(r), "path", None) == str(python))
    combo.setCurrentIndex(row)


def recreate_with(qtbot, window, dialog, python: Path):
    choose(dialog, python)
    button = dialog.findChild(QPushButton, "recreateButton")
    assert button.text() == "Re-create" and button.isEnabled()
    with qtbot.waitSignal(window.recreation.recreation_finished, timeout=RECREATE_TIMEOUT) as finished:
        click(qtbot, button)
    return finished.args[0]


def trashed(name: str) -> list[Path]:
    return list((Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files").glob(f"{name}*"))


def test_recreate_with_another_python_keeps_the_package_set(qtbot, open_window, make_venv, use_recreate_index, seeded_pip_cache):
    needs(PY312)
    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", "tinytoml==1.0", index_url=use_recreate_index.simple_url)
    assert freeze(venv) == ["tinyapp==2.0", "tinyback==1.0", "tinytoml==1.0", "tinyutil==1.1"]
    window = open_window()
    window.log_panel.full_commands_check.setChecked(True)  # whole command lines in the view
    add_and_select(qtbot, window, venv)

    dialog = open_recreate_dialog(qtbot, window)
    assert dialog.findChild(QLabel, "currentPythonLabel").text() == "Now: Python 3.11"
    assert dialog.findChild(QLabel, "packageCountLabel").text().startswith("4 packages will be installed again")
    outcome = recreate_with(qtbot, window, dialog, PY312)
    assert outcome.ok, outcome.detail()

    assert Environment.load(venv).short_version == "3.12.1"
    # The same set, by the new environment's own pip; the backport 3.12 does not need is gone.
    assert freeze(venv) == ["tinyapp==2.0", "tinytoml==1.0", "tinyutil==1.1"]
    assert window.message_bar.text() == (
        "“homework” now uses Python 3.12 with the same 3 packages. tinyback is no longer needed on Python 3.12."
    )
    assert not aside_path(venv).exists()
    assert trashed(".homework.venvdesk-previous"), "the old environment went to the trash"
    log = window.log_view.toPlainText()
    assert f"$ {PY312} -m venv --without-pip" in log
    assert "--constraint" in log  # the dependencies kept to their recorded versions
    qtbot.waitUntil(lambda: window.packages_panel.title.text() == "Packages in homework", timeout=20_000)


def test_a_version_missing_for_the_new_python_is_explained_and_the_old_one_kept(
    qtbot, open_window, make_venv, use_recreate_index, seeded_pip_cache
):
    needs(PY312)
    venv = make_venv("homework")
    pip_install(venv, "oldonly==2.0", index_url=use_recreate_index.simple_url)
    window = open_window()
    add_and_select(qtbot, window, venv)

    outcome = recreate_with(qtbot, window, open_recreate_dialog(qtbot, window), PY312)
    assert not outcome.ok
    # The old environment is back, working as before, with its Python.
    assert Environment.load(venv).short_version.startswith("3.11")
    assert freeze(venv) == ["oldonly==2.0"]
    assert not aside_path(venv).exists()
    text = window.message_bar.text()
    assert text.startswith("Re-creating “homework” with Python 3.12 did not work: ")
    assert "oldonly" in text and text.endswith("“homework” is back as it was, with Python 3.11.")
    # The version that works is offered: nothing is installed until the person asks.
    assert window.message_bar.action_labels()[0] == "Re-create with oldonly==1.0 instead"

    with qtbot.waitSignal(window.recreation.recreation_finished, timeout=RECREATE_TIMEOUT) as finished:
        click(qtbot, window.message_bar.action_button)
    assert finished.args[0].ok, finished.args[0].detail()
    assert Environment.load(venv).short_version == "3.12.1"
    assert freeze(venv) == ["oldonly==1.0"]
    assert "On Python 3.12, oldonly is 1.0 (was 2.0)." in window.message_bar.text()


def test_cancel_puts_the_old_environment_back(qtbot, open_window, make_venv, use_recreate_index, seeded_pip_cache):
    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", index_url=use_recreate_index.simple_url)
    window = open_window()
    add_and_select(qtbot, window, venv)
    dialog = open_recreate_dialog(qtbot, window)
    button = dialog.findChild(QPushButton, "recreateButton")
    with qtbot.waitSignal(window.recreation.recreation_finished, timeout=RECREATE_TIMEOUT) as finished:
        click(qtbot, button)
        qtbot.waitUntil(lambda: window.cancel_button.isVisible() and window.cancel_button.isEnabled(), timeout=20_000)
        assert not venv.exists() or not (venv / "lib").exists() or aside_path(venv).exists()
        click(qtbot, window.cancel_button)
    assert finished.args[0].status.value == "cancelled"
    assert freeze(venv) == ["tinyapp==2.0", "tinyutil==1.1"]
    assert not aside_path(venv).exists()
    assert window.message_bar.text().startswith("Re-creating “homework” was cancelled. “homework” is back as it was")


def test_broken_environment_whose_python_was_removed_is_recreated(
    qtbot, open_window, make_venv, tmp_path, pip_wheel, use_recreate_index, seeded_pip_cache
):
    needs(PY310)
    needs(PY312)
    # A real Python 3.10 of our own (its program, using the installed standard library), that we then remove.
    own = tmp_path / "py310" / "bin"
    own.mkdir(parents=True)
    shutil.copy2(PY310, own / "python3.10")
    (own / "python").symlink_to("python3.10")
    venv = tmp_path / "envs" / "homework"
    for attempt in range(20):
        try:
            subprocess.run([str(own / "python"), "-m", "venv", "--without-pip", str(venv)], check=True)
            break
        except OSError as exc:
            # "Text file busy": a thread of this test process (a worker left by an earlier test) forked
            # while the copy was open for writing; the child holds it until it execs. Moments later it is free.
            if exc.errno != errno.ETXTBSY or attempt == 19:
                raise
            time.sleep(0.1)
    subprocess.run([str(venv / "bin" / "python"), "-I", str(REPO / "core" / "seed_pip.py"), str(pip_wheel)], check=True, capture_output=True)
    pip_install(venv, "tinyapp==2.0", index_url=use_recreate_index.simple_url)
    shutil.rmtree(tmp_path / "py310")

    window = open_window()
    window.environment_actions.add_environment_folder(str(venv))
    placeholder = window.findChild(QLabel, "packagesPlaceholder")
    qtbot.waitUntil(lambda: "Re-create this environment" in placeholder.text(), timeout=30_000)
    assert "Python 3.10 was removed. Re-create this environment with the Python 3.10 you have now and the same 2 packages?" in placeholder.text()
    buttons = window.packages_panel.broken_actions.findChildren(QPushButton)
    assert buttons[0].objectName() == "brokenRecreateEnvironmentButton"

    click(qtbot, buttons[0])
    qtbot.waitUntil(lambda: window.recreation.dialog is not None and window.recreation.dialog.isVisible(), timeout=20_000)
    dialog = window.recreation.dialog
    assert dialog.findChild(QLabel, "currentPythonLabel").text() == "Now: Python 3.10 (gone)"
    assert dialog.selected_interpreter().version[:2] == (3, 10)  # the offer's Python is preselected
    outcome = recreate_with(qtbot, window, dialog, PY312)
    assert outcome.ok, outcome.detail()
    assert Environment.load(venv).health().ok
    assert Environment.load(venv).short_version == "3.12.1"
    assert freeze(venv) == ["tinyapp==2.0", "tinyutil==1.1"]
    assert window.message_bar.text() == "“homework” now uses Python 3.12 with the same 2 packages."
    qtbot.waitUntil(lambda: window.packages_panel.pages.currentWidget() is window.packages_panel.table_page, timeout=20_000)


def test_a_recreation_stopped_by_a_crash_is_put_back_on_the_next_start(qtbot, open_window, make_venv, use_recreate_index):
    """Venvdesk was killed while building the new one: the next start puts the old one back and says so."""
    from core.recreate import Recreation, write_record

    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", index_url=use_recreate_index.simple_url)
    aside = aside_path(venv)
    os.rename(venv, aside)
    subprocess.run([str(PY312 if PY312.exists() else Path(os.path.realpath(aside / "bin" / "python"))), "-m", "venv", "--without-pip", str(venv)], check=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    write_record(Recreation(str(venv), str(aside), "homework", "3.11.7", "3.12.1", app_pid=dead.pid))

    window = open_window()
    qtbot.waitUntil(lambda: "Venvdesk stopped while re-creating" in window.message_bar.text(), timeout=20_000)
    assert window.message_bar.text() == (
        "Venvdesk stopped while re-creating “homework” with Python 3.12. “homework” was put back as it was, with Python 3.11."
    )
    assert not aside.exists()
    assert freeze(venv) == ["tinyapp==2.0", "tinyutil==1.1"]


def test_what_cannot_be_carried_over_is_named_first_and_the_recreation_is_the_apps_own_change(
    qtbot, open_window, make_venv, use_recreate_index, seeded_pip_cache, tmp_path
):
    """A package installed from a file is named in the dialog, before anything is done; afterwards the
    History holds the re-creation as Venvdesk's change, never as one made outside it."""
    from core.history import RECREATE_KIND, History
    from venvdesk_testing.wheels import build_wheel

    needs(PY312)
    venv = make_venv("homework")
    wheel = build_wheel(tmp_path / "wheels", "localonly", "1.0")
    pip_install(venv, "tinyapp==2.0", str(wheel), index_url=use_recreate_index.simple_url)
    window = open_window()
    add_and_select(qtbot, window, venv)

    dialog = open_recreate_dialog(qtbot, window)
    assert dialog.findChild(QLabel, "packageCountLabel").text().startswith("2 packages will be installed again")
    left_out = dialog.findChild(QLabel, "leftOutLabel")
    assert left_out.isVisible() and left_out.text() == (
        "localonly 1.0 was installed from a folder, a file or a link, not from the package index, so Venvdesk"
        " cannot install it again: the new environment will not have it. Choose Cancel to keep “homework” as it is."
    )
    outcome = recreate_with(qtbot, window, dialog, PY312)
    assert outcome.ok, outcome.detail()
    assert freeze(venv) == ["tinyapp==2.0", "tinyutil==1.1"]
    assert window.message_bar.text() == (
        "“homework” now uses Python 3.12 with the same 2 packages. Not carried over (installed from a folder, a file"
        " or a link, not from the index): localonly 1.0; install it again the way you did before. The old"
        " environment, with it, is in the trash."
    )
    qtbot.waitUntil(lambda: any(c.kind == RECREATE_KIND for c in History().changes(venv)), timeout=20_000)
    # The list is read again after the re-creation: what it finds is the app's own change.
    with qtbot.waitSignal(window.current.packages_loaded, timeout=20_000):
        window.current.reload()
    qtbot.wait(500)
    changes = History().changes(venv)
    assert [c.kind for c in changes][:1] == [RECREATE_KIND]
    assert "outside" not in [c.kind for c in changes]
    assert changes[0].title == "Re-creating “homework” with Python 3.12"
    assert "localonly 1.0 was removed" in changes[0].describe()
    assert "Changed outside Venvdesk" not in window.log_view.toPlainText()


def test_an_index_answering_503_is_named_not_taken_for_a_missing_package(
    qtbot, open_window, make_venv, use_recreate_index, seeded_pip_cache, monkeypatch
):
    needs(PY312)
    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", index_url=use_recreate_index.simple_url)
    monkeypatch.setenv("PIP_RETRIES", "0")  # pip's own words, without its back-off between retries
    window = open_window()
    add_and_select(qtbot, window, venv)
    dialog = open_recreate_dialog(qtbot, window)
    use_recreate_index.down = True
    try:
        outcome = recreate_with(qtbot, window, dialog, PY312)
    finally:
        use_recreate_index.down = False
    assert not outcome.ok
    where = use_recreate_index.simple_url.split("/")[2]
    text = window.message_bar.text()
    assert text.startswith(
        f"Re-creating “homework” with Python 3.12 did not work: The package index {where} is not answering properly:"
        " it answered with a server error (HTTP 503). It may be down for a while: try again later."
    )
    assert text.endswith("“homework” is back as it was, with Python 3.11.")
    assert "no package called" not in window.log_view.toPlainText()
    assert freeze(venv) == ["tinyapp==2.0", "tinyutil==1.1"]
