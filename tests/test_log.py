"""The Log under hostile output: it stays responsive, hides secrets, shows long lines cut, keeps every line in the file.

The "UI heartbeat" is a 10 ms timer on the UI thread: the longest gap between its ticks is the
longest time the window could not answer (repaint, a click) while the hostile work ran.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from core.activity_log import ActivityLog
from core.commands import Command
from core.operations import CheckPackages, Operation
from gui import log_view as log_view_module
from gui import theme
from gui.log_view import LINE_CHARS_SHOWN, MAX_BLOCKS, LogView

FREEZE_LIMIT_MS = 100
NOT_AN_ENVIRONMENT = "/nonexistent/env"  # the one ending re-reads nothing for it


class Heartbeat:
    """A 10 ms timer on the UI thread, used as ``with Heartbeat() as beat: ...``; then ``beat.max_gap_ms``."""

    def __init__(self, interval_ms: int = 10) -> None:
        self.ticks: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self) -> Heartbeat:
        self.ticks = [time.perf_counter()]
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.stop()
        self.ticks.append(time.perf_counter())

    @property
    def gaps_ms(self) -> list[float]:
        return [(later - earlier) * 1000 for earlier, later in zip(self.ticks, self.ticks[1:])]

    @property
    def max_gap_ms(self) -> float:
        return max(self.gaps_ms, default=0.0)

    def describe(self) -> str:
        start = self.ticks[0]
        longest = sorted(zip(self.gaps_ms, self.ticks), reverse=True)[:3]
        return ", ".join(f"{gap:.0f} ms at t={(at - start) * 1000:.0f} ms" for gap, at in longest)


def python(code: str) -> Command:
    return Command(sys.executable, ("-c", code), "print something hostile")


def log_file_text(log: ActivityLog) -> str:
    """The whole log file, its rotated predecessors first."""
    assert log.flush(10), "the log file's thread did not catch up"
    files = sorted(log.path.parent.glob(log.path.name + ".*"), key=lambda p: -int(p.suffix[1:]))
    return "".join(path.read_text(encoding="utf-8") for path in [*files, log.path] if path.exists())


@pytest.fixture
def ready_window(qtbot, make_main_window):
    """A shown main window whose start-up work (environments, interpreters) is over."""
    window = make_main_window()
    with qtbot.waitSignals(
        [window.environment_actions.environments_loaded, window.creation.interpreters_loaded], timeout=60_000
    ):
        window.show()
    qtbot.wait(300)
    return window


def run_hostile(qtbot, window, code: str, title: str) -> Heartbeat:
    """Run ``code`` in a real child through the window's runner; the heartbeat covers it and the Log catching up."""
    operation = Operation(NOT_AN_ENVIRONMENT, title, [python(code)], CheckPackages())
    with Heartbeat() as heartbeat:
        with qtbot.waitSignal(
            window.runner.finished, timeout=60_000, check_params_cb=lambda outcome: outcome.operation is operation
        ) as finished:
            window.runner.submit(operation)
        qtbot.waitUntil(lambda: not window.log_view.behind, timeout=30_000)
        qtbot.wait(100)  # painting what was inserted last
    assert finished.args[0].ok
    print(f"{title}: max gap {heartbeat.max_gap_ms:.0f} ms over {len(heartbeat.ticks)} ticks; longest {heartbeat.describe()}")
    return heartbeat


# -- through the real runner and window ---------------------------------------------------


def test_a_200000_character_line_with_a_secret_at_its_end_freezes_nothing_and_reaches_no_one(qtbot, ready_window):
    window = ready_window
    code = "import sys; sys.stdout.write('x' * 200_000 + ' https://user:s3cret@host.example/simple\\n')"
    heartbeat = run_hostile(qtbot, window, code, "A very long line")
    assert heartbeat.max_gap_ms <= FREEZE_LIMIT_MS, heartbeat.describe()

    shown = window.log_view.toPlainText()
    assert "s3cret" not in shown
    line = next(line for line in shown.splitlines() if line.startswith("xxxx"))
    more = 200_000 + len(" https://user:****@host.example/simple") - LINE_CHARS_SHOWN
    assert line == "x" * LINE_CHARS_SHOWN + f"… ({more:,} more characters; the full line is kept in the log file)"

    written = log_file_text(window.log_view.activity_log)
    assert "s3cret" not in written
    assert "x" * 200_000 + " https://user:****@host.example/simple\n" in written  # the whole line


def test_a_flood_of_50000_lines_freezes_nothing_and_every_line_reaches_the_file(qtbot, ready_window):
    window = ready_window
    code = "import sys\nfor i in range(50_000):\n    sys.stdout.write(f'flood line {i:05d}\\n')"
    heartbeat = run_hostile(qtbot, window, code, "A flood")
    assert heartbeat.max_gap_ms <= FREEZE_LIMIT_MS, heartbeat.describe()

    numbers = [int(n) for n in re.findall(r"^(?:\S+ \S+ )?flood line (\d{5})$", log_file_text(window.log_view.activity_log), re.M)]
    assert numbers == list(range(50_000))
    shown = window.log_view.toPlainText()
    assert shown.rstrip().endswith("✓ A flood: done.")
    assert "flood line 49999\n" in shown
    assert window.log_view.document().blockCount() <= MAX_BLOCKS


# -- the view on its own ------------------------------------------------------------------


@pytest.fixture
def log_view(qtbot, tmp_path):
    view = LogView(activity_log=ActivityLog(tmp_path / "logs" / "venvdesk.log"))
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    return view


def test_a_long_line_is_cut_on_screen_and_kept_whole_in_the_file(log_view):
    long_line = "".join(str(n % 10) for n in range(LINE_CHARS_SHOWN + 1234))
    log_view.output(f"short\n{long_line}\nafter\n", False)
    assert log_view.toPlainText().splitlines() == [
        "short",
        long_line[:LINE_CHARS_SHOWN] + "… (1,234 more characters; the full line is kept in the log file)",
        "after",
    ]
    assert f"short\n{long_line}\nafter\n" in log_file_text(log_view.activity_log)


def test_a_line_of_exactly_the_limit_is_shown_whole(log_view):
    log_view.output("y" * LINE_CHARS_SHOWN + "\n", False)
    assert log_view.toPlainText() == "y" * LINE_CHARS_SHOWN + "\n"


def test_secrets_in_output_are_hidden_on_screen_and_in_the_file(log_view):
    log_view.output("Looking in indexes: https://alice:s3cret@example.invalid/simple\n", True)
    shown = log_view.toPlainText()
    assert "s3cret" not in shown and "https://alice:****@example.invalid/simple" in shown
    written = log_file_text(log_view.activity_log)
    assert "s3cret" not in written
    assert "[stderr] Looking in indexes: https://alice:****@example.invalid/simple\n" in written


def test_a_burst_of_chunks_is_one_insert_in_order_and_in_its_colours(qtbot, log_view):
    inserts = []
    log_view.document().contentsChange.connect(lambda *_: inserts.append(1))
    for n in range(300):
        log_view.output(f"out {n}\n", False)
    log_view.output("err 1\n", True)
    log_view.output("err 2\n", True)
    log_view.output("out again\n", False)
    assert inserts == [] and log_view.document().toPlainText() == ""  # queued, not yet inserted
    qtbot.waitUntil(lambda: not log_view.behind, timeout=5_000)
    assert len(inserts) == 3  # one per run of one stream, not one per chunk
    expected = [f"out {n}" for n in range(300)] + ["err 1", "err 2", "out again"]
    assert log_view.toPlainText().splitlines() == expected
    error_colour = theme.color("error")
    block = log_view.document().firstBlock()
    colours = {}
    while block.isValid():
        if block.text():
            colours[block.text()] = block.begin().fragment().charFormat().foreground().color() == error_colour
        block = block.next()
    assert colours["out 0"] is False and colours["out 299"] is False and colours["out again"] is False
    assert colours["err 1"] is True and colours["err 2"] is True


def test_headings_and_outcomes_come_after_the_output_queued_before_them(log_view):
    log_view.begin_section("Installing tinyapp")
    log_view.command(Command("/env/bin/python", ("-m", "pip", "install", "tinyapp"), "Install"))
    log_view.output("Collecting tinyapp\n", False)
    log_view.output("no line break at the end", True)
    log_view.outcome("Installing tinyapp: failed (exit code 1).", False)
    log_view.note("After the outcome")
    lines = log_view.toPlainText().splitlines()
    assert lines[0].startswith("── Installing tinyapp · ")
    assert lines[1:] == [
        "▸ Install: /env/bin/python -m pip install tinyapp",
        "Collecting tinyapp",
        "no line break at the end",
        "✗ Installing tinyapp: failed (exit code 1).",
        "",
        "After the outcome",
    ]
    written = log_file_text(log_view.activity_log)
    assert written.index("Collecting tinyapp") < written.index("✗ Installing tinyapp") < written.index("After the outcome")
    assert "$ /env/bin/python -m pip install tinyapp" in written  # the file keeps every command whole


def test_the_log_shows_pip_commands_without_the_options_always_passed(log_view):
    from core.backends.pip import pip_command

    command = pip_command("/env/bin/python", "install", "--progress-bar", "raw", "requests", description="Install requests")
    log_view.command(command)
    shown = log_view.toPlainText()
    assert shown.strip() == "▸ Install requests: pip install requests"
    log_view.full_commands = True  # the "Full commands" box
    log_view.command(command)
    assert "$ /env/bin/python -m pip --disable-pip-version-check --no-input --no-color install --progress-bar raw requests" in log_view.toPlainText()
    assert "--disable-pip-version-check" in log_file_text(log_view.activity_log)


def test_a_flood_faster_than_the_view_is_summed_up_on_screen_and_whole_in_the_file(qtbot, log_view):
    total = MAX_BLOCKS + 10_000
    with Heartbeat() as heartbeat:
        for start in range(0, total, 100):  # chunks as a runner emits them, with no event loop turn between
            log_view.output("".join(f"line {n}\n" for n in range(start, start + 100)), False)
        qtbot.waitUntil(lambda: not log_view.behind, timeout=30_000)
    assert heartbeat.max_gap_ms < 1000  # feeding 30,000 lines without a turn of the loop is the test's own doing
    shown = log_view.toPlainText().splitlines()
    assert log_view.document().blockCount() <= MAX_BLOCKS
    skipped = [line for line in shown if "lines of output not shown here" in line]
    assert len(skipped) == 1 and "the log file has every line" in skipped[0]
    assert shown[-1] == f"line {total - 1}"
    after = shown[shown.index(skipped[0]) + 1 :]
    assert after == [f"line {n}" for n in range(total - len(after), total)]  # the newest lines, in order
    numbers = [int(n) for n in re.findall(r"^(?:\S+ \S+ )?line (\d+)$", log_file_text(log_view.activity_log), re.M)]
    assert numbers == list(range(total))


def test_the_view_keeps_its_batches_small_whatever_is_queued(qtbot, log_view, monkeypatch):
    inserted = []
    original = LogView._insert
    monkeypatch.setattr(LogView, "_insert", lambda self, text, fmt: (inserted.append(text), original(self, text, fmt)))
    log_view.output("".join(f"{n}\n" for n in range(3 * log_view_module.FLUSH_LINES)), False)
    log_view.output("z" * 100 + "\n", False)
    qtbot.waitUntil(lambda: not log_view.behind, timeout=5_000)
    assert len(inserted) >= 3
    assert all(text.count("\n") <= log_view_module.FLUSH_LINES for text in inserted)
    assert "".join(inserted).splitlines() == [str(n) for n in range(3 * log_view_module.FLUSH_LINES)] + ["z" * 100]


def test_copy_all_includes_what_is_still_queued(qtbot, log_view):
    log_view.output("just arrived\n", False)
    assert log_view.behind
    assert log_view.copy_all() == "just arrived\n"


def test_a_log_file_that_cannot_be_written_is_said_once_and_the_view_goes_on(qtbot, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    view = LogView(activity_log=ActivityLog(blocker / "venvdesk.log"))
    qtbot.addWidget(view)
    problems = []
    view.file_problem.connect(problems.append)
    with qtbot.waitSignal(view.file_problem, timeout=10_000):
        view.note("first entry")  # the problem is found on the file's thread, then said on the UI thread
    view.note("second entry")
    view.output("third\n", False)
    qtbot.wait(100)
    assert len(problems) == 1 and "cannot be written" in problems[0]
    assert view.toPlainText() == "first entry\nsecond entry\nthird\n"


# -- the log file ---------------------------------------------------------------------------


def test_the_log_file_rotates_and_keeps_three_old_files(tmp_path):
    log = ActivityLog(tmp_path / "venvdesk.log", max_bytes=2_000)
    for n in range(200):
        log.write(f"entry {n:03d} " + "." * 40)
    assert log.flush(10)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["venvdesk.log", "venvdesk.log.1", "venvdesk.log.2", "venvdesk.log.3"]
    assert all(p.stat().st_size <= 2_000 for p in tmp_path.iterdir())
    newest = (tmp_path / "venvdesk.log").read_text().splitlines()
    assert newest[-1].endswith("entry 199 " + "." * 40)
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} entry \d{3} ", newest[0])


@pytest.mark.skipif(sys.platform == "win32", reason="a FIFO stands in for a disk that does not answer")
def test_writing_to_the_log_never_waits_for_the_disk(tmp_path):
    fifo = tmp_path / "venvdesk.log"
    os.mkfifo(fifo)  # opening it for writing blocks until someone reads: a disk that hangs
    log = ActivityLog(fifo)
    started = time.perf_counter()
    for n in range(1000):
        log.write(f"entry {n} https://me:s3cret@index.example/simple")
    assert time.perf_counter() - started < 0.5  # queued; the file's thread is the one that waits
    assert not log.flush(0.2)
    received = []
    reader = threading.Thread(target=lambda: received.append(Path(fifo).read_bytes()))
    reader.start()
    assert log.flush(10)
    log.close()
    for _ in range(50):  # the file's thread closes the file when it is idle: the reader then sees its end
        reader.join(0.1)
        if not reader.is_alive():
            break
    else:
        with open(fifo, "wb"):  # noqa: SIM117 - unblock the reader if the thread still holds the file
            pass
        reader.join(5)
    text = received[0].decode()
    assert text.count("\n") == 1000 and "s3cret" not in text and "entry 999 https://me:****@index.example/simple" in text


def test_after_close_nothing_more_is_written(tmp_path):
    log = ActivityLog(tmp_path / "venvdesk.log")
    log.write("kept")
    log.close()
    log.write("ignored")
    assert log.flush(5)
    text = (tmp_path / "venvdesk.log").read_text()
    assert "kept" in text and "ignored" not in text
