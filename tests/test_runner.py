"""The process runner: every way a real process can end becomes one outcome."""

from __future__ import annotations

import sys
import time

import pytest

from core.backends.pip import PipBackend
from core.commands import Command
from core.operations import CheckPackages, Operation, Status
from gui.runner import ProcessRunner


def make_operation(key: str, title: str, steps: list[Command], **options) -> Operation:
    """An operation whose intent does not matter to the runner."""
    return Operation(key, title, steps, CheckPackages(), **options)


def python(code: str, description: str = "run a snippet") -> Command:
    return Command(sys.executable, ("-c", code), description)


@pytest.fixture
def runner(qtbot):
    runner = ProcessRunner(cancel_grace_ms=1500)
    yield runner
    runner.shutdown()


def run(qtbot, runner: ProcessRunner, operation: Operation, timeout: int = 20_000):
    with qtbot.waitSignal(runner.finished, timeout=timeout, check_params_cb=lambda o: o.operation is operation) as blocker:
        runner.submit(operation)
    return blocker.args[0]


def test_successful_steps_run_in_order_and_stream_output(qtbot, runner):
    chunks = []
    runner.output.connect(lambda _op, text, is_error: chunks.append((text, is_error)))
    operation = make_operation("env", "Two steps", [python("print('one')"), python("import sys; print('two', file=sys.stderr)")])
    outcome = run(qtbot, runner, operation)
    assert outcome.ok and outcome.status is Status.OK
    assert "".join(text for text, is_error in chunks if not is_error) == "one\n"
    assert "".join(text for text, is_error in chunks if is_error) == "two\n"
    assert str(outcome) == "Two steps: done."


def test_non_zero_exit_stops_and_reports_code_and_last_lines(qtbot, runner):
    steps = [python("import sys; print('bad thing happened'); sys.exit(3)"), python("open('/never-run','w')")]
    outcome = run(qtbot, runner, make_operation("env", "Failing", steps))
    assert outcome.status is Status.FAILED and outcome.exit_code == 3
    assert outcome.tail[-1] == "bad thing happened"
    assert "exit code 3" in str(outcome)
    assert "Command: " in outcome.detail() and "Exit code: 3" in outcome.detail()


def test_optional_step_failure_is_a_warning(qtbot, runner):
    steps = [python("import sys; sys.exit(1)", "Optional tidy-up"), python("print('after')")]
    outcome = run(qtbot, runner, make_operation("env", "Tolerant", steps, optional=frozenset({0})))
    assert outcome.ok
    assert outcome.warnings == ("“Optional tidy-up” failed (exit code 1).",)


def test_missing_program_fails_to_start_readably(qtbot, runner):
    operation = make_operation("env", "Ghost", [Command("/nonexistent/python3", ("-V",), "run a ghost")])
    outcome = run(qtbot, runner, operation)
    assert outcome.status is Status.FAILED_TO_START
    assert "could not be started" in str(outcome) and "/nonexistent/python3" in str(outcome)


def test_crash_is_reported_as_a_crash(qtbot, runner):
    outcome = run(qtbot, runner, make_operation("env", "Crash", [python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")]))
    assert outcome.status is Status.CRASHED
    assert "stopped unexpectedly" in str(outcome)
    if sys.platform != "win32":  # the signal is named, as a person can look it up
        assert "it was killed (SIGKILL)" in str(outcome)
        assert "Ended by: SIGKILL" in outcome.detail()


def test_cancel_interrupts_first(qtbot, runner):
    code = (
        "import sys, time\n"
        "try:\n    sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(30)\n"
        "except KeyboardInterrupt:\n    print('interrupted cleanly', flush=True); raise SystemExit(130)"
    )
    operation = make_operation("env", "Sleeper", [python(code)])
    with qtbot.waitSignal(runner.output, timeout=10_000):
        runner.submit(operation)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        runner.cancel(operation)
    outcome = finished.args[0]
    assert outcome.status is Status.CANCELLED
    assert "interrupted cleanly" in outcome.tail


def test_cancel_kills_after_the_grace_period_when_interrupt_is_ignored(qtbot, runner):
    code = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('stubborn', flush=True)\ntime.sleep(60)"
    operation = make_operation("env", "Stubborn", [python(code)])
    with qtbot.waitSignal(runner.output, timeout=10_000):
        runner.submit(operation)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        runner.cancel(operation)
    assert finished.args[0].status is Status.CANCELLED


def test_operations_on_one_environment_queue_and_run_in_order(qtbot, runner):
    order = []
    runner.started.connect(lambda op: order.append(op.title))
    first = make_operation("env", "first", [python("import time; time.sleep(0.3)")])
    second = make_operation("env", "second", [python("pass")])
    third = make_operation("env", "third", [python("pass")])
    queued = []
    runner.queued.connect(queued.append)
    with qtbot.waitSignal(runner.finished, timeout=20_000, check_params_cb=lambda o: o.operation is third):
        for op in (first, second, third):
            runner.submit(op)
        assert runner.pending_operations("env") == [second, third]
    assert queued == [second, third]
    assert order == ["first", "second", "third"]
    assert not runner.is_busy("env")


def test_queued_operation_can_be_removed_before_it_starts(qtbot, runner):
    first = make_operation("env", "first", [python("import time; time.sleep(0.3)")])
    dropped = make_operation("env", "dropped", [python("open('/should-not-run', 'w')")])
    started = []
    runner.started.connect(started.append)
    runner.submit(first)
    runner.submit(dropped)
    with qtbot.waitSignal(runner.finished, check_params_cb=lambda o: o.operation is dropped) as blocker:
        runner.cancel(dropped)
    assert blocker.args[0].status is Status.CANCELLED
    qtbot.waitUntil(lambda: not runner.is_busy("env"), timeout=10_000)
    assert started == [first]


def test_different_environments_run_side_by_side(qtbot, runner):
    a = make_operation("a", "a", [python("import time; time.sleep(1)")])
    b = make_operation("b", "b", [python("import time; time.sleep(1)")])
    runner.submit(a)
    runner.submit(b)
    assert {op.title for op in runner.running_operations()} == {"a", "b"}
    qtbot.waitUntil(lambda: not runner.running_operations(), timeout=10_000)


def test_secrets_are_redacted_in_details(qtbot, runner):
    code = "print('Looking in indexes: https://alice:s3cret@example.invalid/simple'); raise SystemExit(1)"
    outcome = run(qtbot, runner, make_operation("env", "Secret", [python(code)]))
    assert "s3cret" not in outcome.detail()
    assert "alice:****@example.invalid" in outcome.detail()


def test_undecodable_output_is_replaced_not_fatal(qtbot, runner):
    outcome = run(qtbot, runner, make_operation("env", "Bytes", [python("import sys; sys.stdout.buffer.write(b'caf\\xe9\\n')")]))
    assert outcome.ok
    assert outcome.tail == ("caf\ufffd",)


def test_pip_progress_lines_drive_progress_not_the_log(qtbot, runner):
    code = "for i in range(1, 4):\n    print(f'Progress {i * 100} of 300', flush=True)\nprint('Successfully installed x')"
    progress, chunks = [], []
    runner.progress.connect(lambda _op, done, total: progress.append((done, total)))
    runner.output.connect(lambda _op, text, _err: chunks.append(text))
    outcome = run(qtbot, runner, make_operation("env", "Download", [python(code)], progress=PipBackend("/unused/python", "24.1").parse_progress))
    assert outcome.ok
    assert progress == [(100, 300), (200, 300), (300, 300)]
    assert "".join(chunks) == "Successfully installed x\n"


def test_captured_output_is_kept_whole(qtbot, runner):
    code = "print('a==1'); print('b==2')"
    outcome = run(qtbot, runner, make_operation("env", "Freeze", [python(code)], capture_output=True))
    assert outcome.stdout == "a==1\nb==2\n"


def test_a_program_that_is_not_executable_cannot_start_and_the_queue_moves_on(qtbot, runner, tmp_path):
    not_executable = tmp_path / "python3"
    not_executable.write_text("#!/bin/sh\necho never\n")
    not_executable.chmod(0o644)  # exists, but cannot be run (root included: no x bit at all)
    blocked = make_operation("env", "Blocked", [Command(str(not_executable), ("-V",), "run it")])
    after = make_operation("env", "After", [python("print('next one ran')")])
    outcomes = []
    runner.finished.connect(outcomes.append)
    with qtbot.waitSignal(runner.finished, timeout=20_000, check_params_cb=lambda o: o.operation is after):
        runner.submit(blocked)
        runner.submit(after)
    assert outcomes[0].operation is blocked and outcomes[0].status is Status.FAILED_TO_START
    assert "could not be started" in str(outcomes[0])
    assert outcomes[1].ok
    assert not runner.is_busy("env")


def test_after_shutdown_nothing_new_starts(qtbot, runner, tmp_path):
    marker = tmp_path / "started"
    runner.shutdown()
    started = []
    runner.started.connect(started.append)
    follow_up = make_operation("env", "Follow-up", [python(f"open({str(marker)!r}, 'w')")])
    with qtbot.waitSignal(runner.finished, timeout=5_000) as finished:
        runner.submit(follow_up)
    assert finished.args[0].status is Status.CANCELLED and "closing" in finished.args[0].reason
    assert runner.closing and started == [] and not runner.is_busy("env")
    qtbot.wait(300)
    assert not marker.exists()


def test_standard_error_printed_just_before_exit_reaches_the_log_and_the_outcome(qtbot, runner):
    chunks = []
    runner.output.connect(lambda _op, text, is_error: chunks.append((text, is_error)))
    code = "import os, sys\nsys.stderr.write('ERROR: the last words')\nsys.stderr.flush()\nos._exit(4)"
    outcome = run(qtbot, runner, make_operation("env", "Last words", [python(code)]))
    assert outcome.status is Status.FAILED and outcome.exit_code == 4
    assert "".join(text for text, is_error in chunks if is_error) == "ERROR: the last words"
    assert outcome.tail[-1] == "ERROR: the last words"


# -- what a runaway program can make the runner keep ----------------------------------------


def test_a_very_long_last_line_is_cut_in_the_details_with_its_secret_hidden_before_the_cut(qtbot, runner):
    from gui.runner import TAIL_LINE_CHARS

    # The secret straddles the cut: cutting first and redacting after would show its first letters.
    code = (
        f"import sys; sys.stdout.write('x' * {TAIL_LINE_CHARS - 15} + ' https://u:s3cret@host.example/'"
        " + 'y' * 300_000 + '\\n'); sys.exit(2)"
    )
    outcome = run(qtbot, runner, make_operation("env", "Runaway", [python(code)]))
    assert outcome.status is Status.FAILED
    last = outcome.tail[-1]
    assert last.startswith("x" * (TAIL_LINE_CHARS - 15) + " https://u:****…")
    assert len(last) < TAIL_LINE_CHARS + 60 and last.endswith(" more characters)")
    assert "s3c" not in outcome.detail()


def test_captured_output_is_cut_at_its_limit_on_a_line_boundary_and_the_outcome_says_so(qtbot):
    runner = ProcessRunner(max_captured_chars=1_000)
    try:
        code = "for n in range(500): print(f'pkg{n:03d}==1.0')"  # 12 characters a line, 6,000 in all
        outcome = run(qtbot, runner, make_operation("env", "Freeze", [python(code)], capture_output=True))
    finally:
        runner.shutdown()
    assert outcome.ok
    assert outcome.stdout == "".join(f"pkg{n:03d}==1.0\n" for n in range(83))  # 996 characters: whole lines
    assert outcome.warnings == ("The output was longer than 1,000 characters; only the first 996 were kept.",)
    assert "with a warning" in str(outcome)


def test_a_line_that_never_ends_is_passed_on_in_parts_without_splitting_a_url(qtbot):
    runner = ProcessRunner(max_line_chars=100_000)
    chunks = []
    runner.output.connect(lambda _op, text, _err: chunks.append(text))
    code = (
        "import sys\n"
        "sys.stdout.write('x' * 99_990 + ' https://user:s3cret@host.example/ ')\n"
        "for _ in range(30): sys.stdout.write('y' * 10_000); sys.stdout.flush()\n"
    )
    try:
        outcome = run(qtbot, runner, make_operation("env", "Endless", [python(code)]))
    finally:
        runner.shutdown()
    assert outcome.ok
    assert len(chunks) >= 2  # passed on before the program ended
    assert all(len(chunk) <= 200_000 for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == "x" * 99_990 + " https://user:s3cret@host.example/ " + "y" * 300_000
    assert sum("https://user:s3cret@host.example/" in chunk for chunk in chunks) == 1  # whole, so redaction sees it


def test_a_flood_of_output_costs_the_ui_thread_little_per_read(qtbot, runner):
    from tests.test_log import Heartbeat

    received = []
    runner.output.connect(lambda _op, text, _err: received.append(len(text)))
    code = "import sys\nfor n in range(200_000): sys.stdout.write(f'line {n}\\n')"
    with Heartbeat() as heartbeat:
        outcome = run(qtbot, runner, make_operation("env", "Flood", [python(code)]))
    assert outcome.ok
    assert sum(received) == sum(len(f"line {n}\n") for n in range(200_000))
    assert heartbeat.max_gap_ms <= 100, heartbeat.describe()
    assert outcome.tail[-1] == "line 199999" and len(outcome.tail) == 25


def test_a_runner_freed_right_after_its_outcome_takes_its_finished_process_with_it(qtbot):
    import gc

    def run_once() -> Status:
        own = ProcessRunner()  # no parent: freed when this returns, its finished process not yet deleted
        return run(qtbot, own, make_operation("env", "Once", [python("print('once')")])).status

    assert run_once() is Status.OK
    gc.collect()
    qtbot.wait(50)  # the process's deferred deletion runs here: it used to delete it twice and crash


# -- background work: nobody waits for it, and it yields ------------------------------------------


def test_background_work_yields_to_what_is_asked_for_and_runs_again_after(qtbot, runner, tmp_path):
    marker = tmp_path / "runs"
    # A background step that records each start, then works for a long while.
    slow = python(f"open({str(marker)!r}, 'a').write('run\\n'); import time; time.sleep(30)", "Background work")
    background = make_operation("env", "Background", [slow], background=True)
    started = []
    finished = []
    runner.started.connect(lambda op: started.append(op.title))
    runner.finished.connect(lambda outcome: finished.append((outcome.operation.title, outcome.status)))
    runner.submit(background)
    # Its line written, not only its file made: stopped between the two, it would not count as a run.
    qtbot.waitUntil(lambda: marker.exists() and marker.read_text() == "run\n", timeout=20_000)
    assert not runner.is_busy("env") and runner.running_operations() == []  # nobody waits for it
    wanted = make_operation("env", "Wanted", [python("print('asked for')")])
    with qtbot.waitSignal(runner.finished, timeout=20_000, check_params_cb=lambda o: o.operation is wanted) as blocker:
        runner.submit(wanted)
    assert blocker.args[0].ok
    # It was stopped for the wanted work, which ran next; then it started again.
    assert finished[:2] == [("Background", Status.CANCELLED), ("Wanted", Status.OK)]
    qtbot.waitUntil(lambda: marker.read_text().count("run") == 2, timeout=20_000)
    assert started == ["Background", "Wanted", "Background"]
    assert runner.pending_operations("env") == []


def test_background_work_waits_behind_what_is_queued_and_is_queued_once(qtbot, runner):
    first = make_operation("env", "First", [python("import time; time.sleep(0.5)")])
    runner.submit(first)
    for _ in range(3):
        runner.submit(make_operation("env", "Background", [python("pass")], background=True))
    second = make_operation("env", "Second", [python("pass")])
    runner.submit(second)
    order = []
    runner.started.connect(lambda op: order.append(op.title))
    with qtbot.waitSignal(runner.finished, timeout=20_000, check_params_cb=lambda o: o.operation.title == "Background"):
        pass
    assert order == ["Second", "Background"]


def test_a_child_that_asks_for_typed_input_gets_end_of_file_at_once(qtbot, runner):
    """Bug 5: nobody can type into a child; its standard input is empty, so input() fails at once
    (EOFError) instead of waiting for ever, and reading stdin directly sees nothing."""
    asks = python("print('before', flush=True)\nname = input('Your name? ')\nprint('hi', name)")
    outcome = run(qtbot, runner, make_operation("env", "Asking", [asks]), timeout=10_000)
    assert outcome.status is Status.FAILED and outcome.exit_code == 1
    assert "EOFError: EOF when reading a line" in outcome.tail
    reads = python("import sys; data = sys.stdin.buffer.read(); print('read', len(data), 'bytes')")
    outcome = run(qtbot, runner, make_operation("env", "Reading", [reads]), timeout=10_000)
    assert outcome.ok and outcome.tail[-1] == "read 0 bytes"


# -- background work that must not be stopped half-way (pip replacing itself) -----------------------


def test_unstoppable_background_work_not_yet_started_is_dropped_for_what_is_asked_for(qtbot, runner, tmp_path):
    marker = tmp_path / "ran"
    first = make_operation("env", "First", [python("import time; time.sleep(0.5)")])
    update = make_operation(
        "env", "Update", [python(f"open({str(marker)!r}, 'w').write('ran')")], background=True, yields=False
    )
    runner.submit(first)
    runner.submit(update)
    finished = []
    runner.finished.connect(lambda outcome: finished.append(outcome))
    wanted = make_operation("env", "Wanted", [python("pass")])
    with qtbot.waitSignal(runner.finished, timeout=20_000, check_params_cb=lambda o: o.operation is wanted):
        runner.submit(wanted)
    dropped = finished[0]
    # Dropped at once, before anything ran: not stopped half-way, never started.
    assert dropped.operation is update and dropped.status is Status.CANCELLED and dropped.command is None
    assert dropped.reason == "Wanted was asked for first"
    assert [o.operation.title for o in finished] == ["Update", "First", "Wanted"]
    qtbot.wait(200)
    assert not marker.exists() and runner.pending_operations("env") == []


def test_unstoppable_background_work_that_runs_is_waited_for_not_interrupted(qtbot, runner, tmp_path):
    marker = tmp_path / "steps"
    slow = python(
        f"import time; open({str(marker)!r}, 'a').write('started\\n'); time.sleep(1.0);"
        f" open({str(marker)!r}, 'a').write('done\\n')"
    )
    update = make_operation("env", "Update", [slow], background=True, yields=False)
    order = []
    runner.finished.connect(lambda outcome: order.append((outcome.operation.title, outcome.status)))
    runner.submit(update)
    qtbot.waitUntil(lambda: marker.exists(), timeout=20_000)
    # Anything asked for now waits for it; quitting does not ask about it (nobody waits for it).
    assert runner.is_busy("env") and runner.running_operations() == []
    wanted = make_operation("env", "Wanted", [python(f"print(open({str(marker)!r}).read().count('done'))")])
    with qtbot.waitSignal(runner.finished, timeout=20_000, check_params_cb=lambda o: o.operation is wanted) as blocker:
        runner.submit(wanted)
    assert order == [("Update", Status.OK), ("Wanted", Status.OK)]
    assert blocker.args[0].tail == ("1",)  # it ran after the update had finished its work
    assert not runner.is_busy("env")


def test_quitting_gives_unstoppable_background_work_time_to_finish(qtbot, tmp_path):
    runner = ProcessRunner(cancel_grace_ms=1500)
    marker = tmp_path / "steps"
    slow = python(
        f"import time; open({str(marker)!r}, 'a').write('started\\n'); time.sleep(1.0);"
        f" open({str(marker)!r}, 'a').write('done\\n')"
    )
    update = make_operation("env", "Update", [slow], background=True, yields=False)
    compile_later = make_operation("other", "Compile", [python("import time; time.sleep(30)")], background=True)
    outcomes = {}
    runner.finished.connect(lambda outcome: outcomes.setdefault(outcome.operation.title, outcome.status))
    runner.submit(update)
    runner.submit(compile_later)
    qtbot.waitUntil(lambda: marker.exists(), timeout=20_000)
    runner.shutdown()
    assert marker.read_text() == "started\ndone\n"
    assert outcomes == {"Update": Status.OK, "Compile": Status.CANCELLED}  # only work that may stop was stopped


def test_quitting_stops_unstoppable_background_work_that_takes_too_long(qtbot, tmp_path):
    runner = ProcessRunner(cancel_grace_ms=1000, finish_grace_ms=300)
    marker = tmp_path / "started"
    hangs = python(f"import time; open({str(marker)!r}, 'w').write('x'); time.sleep(60)")
    update = make_operation("env", "Update", [hangs], background=True, yields=False)
    outcomes = []
    runner.finished.connect(outcomes.append)
    runner.submit(update)
    qtbot.waitUntil(lambda: marker.exists(), timeout=20_000)
    started = time.monotonic()
    runner.shutdown()
    assert time.monotonic() - started < 5
    assert [outcome.status for outcome in outcomes] == [Status.CANCELLED]
