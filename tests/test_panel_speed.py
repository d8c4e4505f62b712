"""The Installed list is on screen as soon as the metadata is read, and showing it never freezes the window.

Issue 13: the list used to wait for the environment's Python to start (a process: 20-50 ms),
for ~1,500 requirements parsed with ``packaging`` and for every visible cell measured for the
column widths; and the half-installed scan, the newest versions and ``pip check`` were started
before the rows were painted, taking turns with the paint.  Guarded here without timing the
list itself (a shared 2-core machine makes that flaky): the Python check is held back by a gate
the test opens, so the list must be shown without it; and the 10 ms heartbeat, measured in a
pytest process of its own, as the other heartbeat tests are.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from gui.models.packages import PackageTableModel
from tests.support.alone import alone, run_alone

# A Python that waits at a gate the test opens (at most a minute), then runs or fails.
GATED_PYTHON = """#!/bin/sh
i=0
while [ ! -e '{gate}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
{then}
"""


def gate_python(venv: Path, gate: Path, *, starts: bool) -> None:
    """Make ``venv``'s ``python`` wait until ``gate`` exists; then start (through ``python3``,
    still the environment's own) or exit 3 as a Python that cannot start."""
    python = venv / "bin" / "python"
    then = 'exec "$(dirname "$0")/python3" "$@"' if starts else "echo 'cannot start: library missing' >&2; exit 3"
    python.unlink()
    python.write_text(GATED_PYTHON.format(gate=gate, then=then))
    python.chmod(0o755)


def shown_names(panel) -> list[str]:
    model = panel.filter_model
    return [model.data(model.index(row, PackageTableModel.NAME)) for row in range(model.rowCount())]


@pytest.fixture
def window_with(qtbot, make_main_window):
    def open_window():
        window = make_main_window()
        window.show()
        with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
            pass
        return window

    return open_window


def test_the_list_is_shown_before_its_python_has_answered(qtbot, make_venv, window_with, tmp_path):
    venv = make_venv("gated")
    gate = tmp_path / "gate"
    gate_python(venv, gate, starts=True)
    window = window_with()
    panel = window.packages_panel
    with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
        window.environment_actions.add_environment_folder(str(venv))
    qtbot.waitUntil(lambda: "pip" in shown_names(panel), timeout=30_000)
    assert panel.pages.currentWidget() is panel.table_page
    assert not gate.exists()  # its Python has not answered: the list did not wait for it
    assert panel.title.text() == "Packages in gated"
    # Its Python starts after all: the list stays, and pip check (which needs it) runs then.
    with qtbot.waitSignal(window.current.problems_changed, timeout=60_000):
        gate.touch()
    assert panel.pages.currentWidget() is panel.table_page
    assert "pip" in shown_names(panel)
    assert window.current.entry is not None and window.current.entry.health.ok


def test_a_python_that_does_not_start_turns_the_shown_list_into_the_broken_page(qtbot, make_venv, window_with, tmp_path):
    venv = make_venv("nostart")
    gate = tmp_path / "gate"
    gate_python(venv, gate, starts=False)
    window = window_with()
    panel = window.packages_panel
    window.environment_actions.add_environment_folder(str(venv))
    qtbot.waitUntil(lambda: "pip" in shown_names(panel), timeout=30_000)
    gate.touch()
    qtbot.waitUntil(lambda: panel.pages.currentWidget() is panel.message_page, timeout=30_000)
    assert "This environment is broken." in panel.placeholder.text()
    assert "exits with code 3" in panel.placeholder.text()
    assert "cannot start: library missing" in panel.placeholder.text()
    assert shown_names(panel) == []  # nothing of the list stays behind the broken page
    assert not window.current.packages
    assert not window.environment_actions.model.entry(0).health.ok


# -- the heartbeat, in a process of its own ---------------------------------------------------

ALONE = alone("test_panel_heartbeat_alone")
PACKAGES = 180


def test_panel_heartbeat_alone():
    run_alone(__file__, ["test_showing_a_big_environment_and_its_checks_never_freezes_the_window"])


def fill_with_packages(site_packages: Path, count: int) -> None:
    """``count`` installed distributions as real ones look: headers with classifiers and
    requirements (markers included), a long README after them, a RECORD listing real files."""
    readme = "A long description.\n\n" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" * 600
    for number in range(count):
        name = f"heavy_pkg{number}"
        folder = site_packages / name
        folder.mkdir()
        files = [f"{name}/__init__.py", *(f"{name}/part{part}.py" for part in range(40))]
        for relative in files:
            (site_packages / relative).write_text("VALUE = 1\n")
        dist_info = site_packages / f"{name}-1.{number % 9}.dist-info"
        dist_info.mkdir()
        requires = "".join(
            f"Requires-Dist: heavy-pkg{(number + step) % count}>=1.0{marker}\n"
            for step, marker in (
                (1, ""),
                (2, ' ; python_version < "3.99"'),
                (3, ' ; extra == "test"'),
                (4, " ; sys_platform == 'win32' and extra == 'windows'"),
            )
        )
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: heavy-pkg{number}\nVersion: 1.{number % 9}\n"
            f"Summary: Heavy package number {number}, for the heartbeat.\n"
            + "Classifier: Programming Language :: Python :: 3\n" * 30
            + requires
            + "\n"
            + readme
        )
        record = [*files, f"{dist_info.name}/METADATA", f"{dist_info.name}/RECORD"]
        (dist_info / "RECORD").write_text("".join(f"{path},sha256=x,10\n" for path in record))


@ALONE
def test_showing_a_big_environment_and_its_checks_never_freezes_the_window(qtbot, make_venv, window_with):
    """From the click until the half-installed scan, pip check and the newest versions are all
    in, a 10 ms timer on the UI thread never waits 50 ms (~180 packages with long READMEs and
    ~7,000 recorded files; the index is a dead port, as offline)."""
    from tests.test_gui_search import Heartbeat as SearchHeartbeat

    class Heartbeat(SearchHeartbeat):
        """With the UI thread's own CPU time in each gap: busy there, or waiting (GIL, CPU)."""

        def __init__(self) -> None:
            super().__init__()
            self.busy: list[float] = []
            self._cpu = time.thread_time()

        def _beat(self) -> None:
            super()._beat()
            now = time.thread_time()
            self.busy.append(now - self._cpu)
            self._cpu = now

        def worst(self) -> str:
            found = sorted(zip(self.gaps, self.moments, self.busy), reverse=True)[:4]
            return "longest gaps (ms, at ms, of it the UI thread busy ms) " + str(
                [(round(g * 1000), round((m - self.started) * 1000), round(b * 1000)) for g, m, b in found]
            )

    venv = make_venv("heavy")
    fill_with_packages(next(venv.glob("lib/python*/site-packages")), PACKAGES)
    window = window_with()
    current = window.current
    with qtbot.waitSignal(current.packages_loaded, timeout=60_000):
        window.environment_actions.add_environment_folder(str(venv))
    qtbot.waitUntil(lambda: window.packages_panel.filter_model.rowCount() == PACKAGES + 1, timeout=30_000)
    environments = window.environment_actions

    def measure() -> tuple[float, str]:
        """Select another environment (none), then this one again, in a fresh state of the scan."""
        from core import packages

        packages._verified_records.clear()  # as in a fresh process: every file looked for
        packages._record_tops.clear()
        current.select(None)
        qtbot.wait(200)
        arrived: list[str] = []
        for signal in (current.integrity_changed, current.problems_changed, current.latest_versions_loaded):
            signal.connect(lambda *_args, signal=signal: arrived.append(str(signal)))
        heartbeat = Heartbeat()
        heartbeat.start()
        current.select(environments.model.entry(0))
        qtbot.waitUntil(lambda: len(set(arrived)) == 3, timeout=60_000)
        qtbot.wait(200)
        heartbeat.stop()
        assert window.packages_panel.filter_model.rowCount() == PACKAGES + 1
        return max(heartbeat.gaps, default=0.0), heartbeat.worst()

    # A timing on a shared 2-core machine: up to three runs tell a real freeze (there every time)
    # from other processes taking both cores for a moment (seen here: 50-80 ms gaps in which the
    # UI thread itself ran ~10 ms).
    runs = []
    for _attempt in range(3):
        longest, detail = measure()
        runs.append(f"{longest * 1000:.0f} ms ({detail})")
        if longest < 0.050:
            break
    assert longest < 0.050, "; ".join(runs)
    assert window.findChild(QDialog) is None
    print("; ".join(runs))
