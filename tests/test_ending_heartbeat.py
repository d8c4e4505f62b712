"""The end of an install: what the person looks at first, the checks after it.

At the end of an install the app re-reads the list, looks for half-installed files and asks the
index for the newest versions; ``pip check`` and the import check are Python programs that each
need a whole CPU for a few hundred ms.  Started all at once on a two-core machine they made the
window wait for a CPU (heartbeat gaps over 50 ms, ``benchmarks/bench_ui_responsiveness.py``).  These
tests pin down the order (no timing: a loaded CI machine makes any threshold flaky): the checks start
once the list, the scan and the newest versions are shown, their answers still appear, and work the
person asks for meanwhile still comes after them.  Real pip, a real environment, the local index.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt

from core.operations import ByteCompile, CheckImports, CheckPackages, InstallPackages
from gui.controllers import operations as operations_module
from gui.main_window import MainWindow
from tests.test_gui_packages import open_env  # noqa: F401 - the fixture, shared

PIP_TIMEOUT = 120_000


@pytest.fixture
def shown_env(open_env):  # noqa: F811 - the fixture imported above
    """A main window showing a fresh copy of the template environment (pip only), newest versions shown."""

    def start(name: str = "proj") -> tuple[MainWindow, str]:
        window, _panel, _target = open_env(name)
        return window, window.current.key

    return start


class _Timeline:
    """What happened to one environment, in the order it happened."""

    def __init__(self, window: MainWindow, key: str) -> None:
        self.events: list[tuple[str, Any]] = []
        self.key = key
        self.panel = window.packages_panel
        # What the Installed table showed when pip check started: name -> (installed, latest).
        self.shown_at_check: dict[str, tuple[str, str]] | None = None
        window.runner.started.connect(lambda op: self._add(op.key, "started", op))
        window.runner.finished.connect(lambda outcome: self._add(outcome.operation.key, "finished", outcome.operation))
        window.current.packages_loaded.connect(lambda key: self._add(key, "list shown", None))
        window.current.latest_versions_loaded.connect(lambda key: self._add(key, "newest versions shown", None))
        window.operations.change_reported.connect(lambda report: self._add(report.key, "scan shown", report))

    def _add(self, key: str, what: str, subject: object) -> None:
        if key != self.key:
            return
        self.events.append((what, subject))
        if what == "started" and isinstance(getattr(subject, "intent", None), CheckPackages) and self.shown_at_check is None:
            model = self.panel.model
            self.shown_at_check = {
                model.data(model.index(row, model.NAME)): (
                    model.data(model.index(row, model.VERSION)),
                    model.data(model.index(row, model.LATEST)) or "",
                )
                for row in range(model.rowCount())
            }

    def first(self, what: str, intent_type: type | None = None) -> int:
        for number, (name, subject) in enumerate(self.events):
            if name == what and (intent_type is None or isinstance(getattr(subject, "intent", None), intent_type)):
                return number
        raise AssertionError(f"no “{what}” {intent_type.__name__ if intent_type else ''} in {self.names()}")

    def names(self) -> list[str]:
        return [
            f"{name} {type(subject.intent).__name__}" if hasattr(subject, "intent") else name
            for name, subject in self.events
        ]


def _install(qtbot, window: MainWindow, text: str) -> None:
    panel = window.packages_panel
    qtbot.keyClicks(panel.install_edit, text)
    qtbot.keyClick(panel.install_edit, Qt.Key.Key_Return)


def _wait_until_quiet(qtbot, window: MainWindow, key: str) -> None:
    """Until the checks after the change have run (they are on the runner once checks_finished is said)."""
    qtbot.waitUntil(lambda: not window.runner.is_busy(key), timeout=PIP_TIMEOUT)


def test_checks_after_an_install_start_once_the_list_scan_and_newest_versions_are_shown(qtbot, shown_env):
    window, key = shown_env()
    timeline = _Timeline(window, key)
    with qtbot.waitSignal(window.operations.checks_finished, timeout=PIP_TIMEOUT):
        _install(qtbot, window, "tinyapp==2.0")
    # Said once the checks are on the runner: the one the tests and benchmarks wait for.
    assert window.runner.is_busy(key)
    _wait_until_quiet(qtbot, window, key)
    qtbot.waitUntil(lambda: "Checking that it can be imported" in window.log_view.toPlainText(), timeout=PIP_TIMEOUT)
    _wait_until_quiet(qtbot, window, key)

    install_ended = timeline.first("finished", InstallPackages)
    pip_check = timeline.first("started", CheckPackages)
    import_check = timeline.first("started", CheckImports)
    assert install_ended < timeline.first("list shown") < pip_check, timeline.names()
    assert install_ended < timeline.first("scan shown") < pip_check, timeline.names()
    # The newest versions of what was installed were on screen when pip check started.
    assert timeline.shown_at_check is not None
    installed, latest = timeline.shown_at_check["tinyapp"]
    assert installed == "2.0" and latest.startswith("2.0"), timeline.shown_at_check
    # One after another, in the order they always ran: pip check, the import check, then compiling.
    assert pip_check < import_check, timeline.names()
    compiles = [n for n, (name, s) in enumerate(timeline.events) if name == "started" and isinstance(s.intent, ByteCompile)]
    assert all(n > import_check for n in compiles), timeline.names()

    # Their answers appear as before.
    log = window.log_view.toPlainText()
    assert "✓ Checking that packages fit together: done." in log
    assert "✓ Checking that it can be imported: done." in log
    assert not window.packages_panel.problems_label.isVisible()
    assert {p.name: p.version for p in window.packages_panel.model.packages()}["tinyapp"] == "2.0"


def test_work_asked_for_while_the_checks_wait_runs_after_them(qtbot, shown_env):
    window, key = shown_env()
    timeline = _Timeline(window, key)
    asked: list[Any] = []

    def ask_again(report) -> None:
        # The moment the change is reported (its checks still held): the person installs more.
        if report.key == key and not asked:
            asked.append(window.package_actions.install(["tinyutil==1.0"], "Installing tinyutil 1.0"))

    window.operations.change_reported.connect(ask_again)
    with qtbot.waitSignal(window.operations.checks_finished, timeout=PIP_TIMEOUT):
        _install(qtbot, window, "tinyapp==2.0")
    def installs_ended() -> int:
        return sum(1 for name, s in timeline.events if name == "finished" and isinstance(s.intent, InstallPackages))

    qtbot.waitUntil(lambda: installs_ended() == 2, timeout=PIP_TIMEOUT)
    _wait_until_quiet(qtbot, window, key)

    assert asked and asked[0] is not None
    starts = [type(s.intent).__name__ for name, s in timeline.events if name == "started"]
    # The first install's pip check runs before the second install, as it always did.
    assert starts[:3] == ["InstallPackages", "CheckPackages", "InstallPackages"], starts
    qtbot.waitUntil(lambda: {p.name: p.version for p in window.packages_panel.model.packages()}.get("tinyutil") == "1.0", timeout=PIP_TIMEOUT)


def test_a_slow_index_does_not_keep_pip_check_waiting(qtbot, shown_env, monkeypatch):
    window, key = shown_env()
    monkeypatch.setattr(operations_module, "FOLLOW_UPS_WAIT_AT_MOST_MS", 300)
    # An index that takes connections and never answers: the newest versions do not come.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    timeline = _Timeline(window, key)

    def index_goes_silent(outcome) -> None:
        if isinstance(outcome.operation.intent, InstallPackages):
            monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/simple/")

    window.runner.finished.connect(index_goes_silent)
    try:
        started = time.monotonic()
        with qtbot.waitSignal(window.operations.checks_finished, timeout=PIP_TIMEOUT):
            _install(qtbot, window, "tinyutil")
        _wait_until_quiet(qtbot, window, key)
        timeline.first("started", CheckPackages)
        # pip check started while the newest version of what was installed was not known yet.
        assert timeline.shown_at_check is not None and timeline.shown_at_check["tinyutil"][1] == "", timeline.shown_at_check
        assert time.monotonic() - started < 60  # not the look-up's 20 s per request
        assert "✓ Checking that packages fit together: done." in window.log_view.toPlainText()
    finally:
        silent.close()  # the waiting look-ups fail now: nothing is left hanging
