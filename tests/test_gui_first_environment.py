"""The first environment on a fresh computer: fast and offline, and the newest pip fetched at once.

No pip wheel in the app's cache yet (a first start).  Creating an environment unpacks the pip wheel
the chosen Python carries (its ensurepip's, or Debian's python-wheels), so it is ready in well under
a second with the network unreachable; the app fetches the newest pip for the next environments as
soon as its window is up.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import pip_wheels
from tests.conftest import base_python


def _wait_for_list(qtbot, window) -> None:
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass


def test_the_first_environment_is_seeded_from_the_pythons_own_pip_without_the_network(qtbot, make_main_window, tmp_path):
    python = base_python()
    version = tuple(sys.version_info[:3])
    bundled = pip_wheels.bundled_pip_wheel(python, version)
    if bundled is None:
        pytest.skip("this Python carries no pip wheel")
    assert pip_wheels.cached_pip_wheel(version) is None  # a fresh start: nothing cached
    # PIP_INDEX_URL points at a closed port (tests/conftest.py): the network is unreachable.
    window = make_main_window()
    window.show()
    _wait_for_list(qtbot, window)
    with qtbot.waitSignal(window.creation.interpreters_loaded, timeout=60_000):
        window.creation.refresh_interpreters()
    dialog = window.creation.new_environment()
    assert dialog.select_interpreter(python)
    qtbot.keyClicks(dialog.name_edit, "first")
    started = time.monotonic()
    with qtbot.waitSignal(window.creation.creation_finished, timeout=60_000) as blocker:
        dialog.accept()
    elapsed = time.monotonic() - started
    outcome = blocker.args[0]
    assert outcome.ok, outcome.detail()
    target = Path(outcome.operation.key)
    assert f"Install pip from {bundled.name}" in window.log_view.toPlainText()
    assert elapsed < 10, f"{elapsed:.1f} s"  # seconds of ensurepip and a network timeout avoided
    listed = subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0 and bundled.name.split("-")[1] in listed.stdout


def test_the_newest_pip_is_fetched_as_soon_as_the_window_is_up(qtbot, make_main_window, use_local_index):
    version = tuple(sys.version_info[:3])
    assert pip_wheels.cached_pip_wheel(version) is None
    started = time.monotonic()
    window = make_main_window()
    window.show()
    # Not after a fixed wait: right after the list is shown.
    qtbot.waitUntil(lambda: pip_wheels.cached_pip_wheel(version) is not None, timeout=20_000)
    assert time.monotonic() - started < 2.5
