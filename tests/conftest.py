"""Test session set-up: offscreen Qt, isolated app state, a local package index, a template venv.

Nothing here touches the internet: pip runs against wheels written by hand
and served on 127.0.0.1, with pip's own configuration switched off
(``venvdesk_testing``, which the app's ``--self-test`` uses too).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_QUICK_BACKEND", "software")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.bundled_pip import bundled_pip_wheels  # noqa: E402
from venvdesk_testing.index import build_index  # noqa: E402
from venvdesk_testing.isolation import (  # noqa: E402
    hermetic_pip_args,
    hermetic_pip_env,
    isolated_environment,
)
from venvdesk_testing.server import LocalIndexServer  # noqa: E402

SHARED_DATA = REPO.parent / "shared" / "data"


def base_python() -> str:
    """A base (non-venv) interpreter to create test environments from: the one running the tests."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


@pytest.fixture(scope="session")
def pip_wheels() -> list[Path]:
    wheels = bundled_pip_wheels()
    if not wheels:
        pytest.skip("no pip wheel bundled with any Python here")
    return wheels


@pytest.fixture(scope="session")
def pip_wheel(pip_wheels) -> Path:
    return pip_wheels[-1]


@pytest.fixture(scope="session")
def index_root(tmp_path_factory, pip_wheels) -> Path:
    return build_index(tmp_path_factory.mktemp("index"), extra_wheels=pip_wheels)


@pytest.fixture(scope="session")
def local_index(index_root):
    with LocalIndexServer(index_root) as server:
        yield server


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory, monkeypatch, request):
    """Every test gets its own config, data, cache and state folders, and a hermetic pip."""
    state = tmp_path_factory.mktemp("state")
    wanted = isolated_environment(state, os.environ)
    for name in os.environ.keys() - wanted.keys():  # every PIP_* variable
        monkeypatch.delenv(name)
    for name, value in wanted.items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)
    # Any pip the app starts, and any index request it makes, goes to a dead local port unless a
    # test hands it the local index: the internet is never reached.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    return state


@pytest.fixture
def use_local_index(local_index, monkeypatch):
    """Point the app (and any pip it runs) at the session's local index."""
    monkeypatch.setenv("PIP_INDEX_URL", local_index.simple_url)
    return local_index


@pytest.fixture
def seeded_pip_cache(pip_wheel):
    """Put pip's wheel in the app's cache, as the background refresh would have done."""
    from core import pip_wheels

    folder = pip_wheels.pip_wheel_dir()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(pip_wheel, folder / pip_wheel.name)
    (folder / ".checked").touch()
    return folder / pip_wheel.name


@pytest.fixture(scope="session")
def template_venv(tmp_path_factory, pip_wheel) -> Path:
    """One real environment with pip, made once per session; tests copy it."""
    target = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([base_python(), "-m", "venv", "--without-pip", str(target)], check=True)
    subprocess.run(
        [str(target / "bin" / "python"), "-I", str(REPO / "core" / "seed_pip.py"), str(pip_wheel)],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def make_venv(template_venv, tmp_path):
    """Copy the template environment to ``tmp_path/<name>`` (links kept, so it stays valid)."""

    def make(name: str = "env", parent: Path | None = None) -> Path:
        destination = (parent or tmp_path) / name
        shutil.copytree(template_venv, destination, symlinks=True)
        return destination

    return make


def pip_install(venv: Path, *requirements: str, index_url: str) -> subprocess.CompletedProcess:
    """Install into ``venv`` with its own pip, hermetically, from the local index (test set-up)."""
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", *hermetic_pip_args(index_url), *requirements],
        env=hermetic_pip_env(),
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(scope="session")
def shared_data():
    """``shared_data("name")``: the path of a file in ``../shared/data``, or a skip naming that file.

    The folder comes with the workplace, not with a clone, and may be there without the file
    a test reads.  ``VENVDESK_SHARED_DATA`` names another folder (an empty one checks the skips).
    """
    folder = Path(os.environ.get("VENVDESK_SHARED_DATA") or SHARED_DATA)

    def shared_file(name: str) -> Path:
        path = folder / name
        if not path.is_file():
            pytest.skip(f"{path} is not here (../shared/data comes with the workplace, not with a clone)")
        return path

    return shared_file


@pytest.fixture
def make_main_window(qtbot):
    """Build main windows that pytest-qt closes at the end as "Stop and quit" would.

    Before closing, the runner stops whatever still runs (so no process outlives its window,
    and the window does not stop to ask whether to quit).
    """
    from gui.main_window import MainWindow

    windows = []  # pytest-qt holds widgets weakly; keep them until it has closed them

    def make() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window, before_close_func=lambda w: w.runner.shutdown())
        windows.append(window)
        return window

    yield make
    windows.clear()
