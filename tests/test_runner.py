"""The process runner: every way a real process can end becomes one outcome."""

from __future__ import annotations

import sys

import pytest

from core.commands import Command
from gui.runner import Operation, ProcessRunner, Status


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
    operation = Operation("env", "Two steps", [python("print('one')"), python("import sys; print('two', file=sys.stderr)")])
    outcome = run(qtbot, runner, operation)
    assert outcome.ok and outcome.status is Status.OK
    assert "".join(text for text, is_error in chunks if not is_error) == "one\n"
    assert "".join(text for text, is_error in chunks if is_error) == "two\n"
    assert str(outcome) == "Two steps: done."


def test_non_zero_exit_stops_and_reports_code_and_last_lines(qtbot, runner):
    steps = [python("import sys; print('bad thing happened'); sys.exit(3)"), python("open('/never-run','w')")]
    outcome = run(qtbot, runner, Operation("env", "Failing", steps))
    assert outcome.status is Status.FAILED and outcome.exit_code == 3
    assert outcome.tail[-1] == "bad thing happened"
    assert "exit code 3" in str(outcome)
    assert "Command: " in outcome.detail() and "Exit code: 3" in outcome.detail()


def test_optional_step_failure_is_a_warning(qtbot, runner):
    steps = [python("import sys; sys.exit(1)", "Optional tidy-up"), python("print('after')")]
    outcome = run(qtbot, runner, Operation("env", "Tolerant", steps, optional=frozenset({0})))
    assert outcome.ok
    assert outcome.warnings == ("“Optional tidy-up” failed (exit code 1).",)


def test_missing_program_fails_to_start_readably(qtbot, runner):
    operation = Operation("env", "Ghost", [Command("/nonexistent/python3", ("-V",), "run a ghost")])
    outcome = run(qtbot, runner, operation)
    assert outcome.status is Status.FAILED_TO_START
    assert "could not be started" in str(outcome) and "/nonexistent/python3" in str(outcome)


def test_crash_is_reported_as_a_crash(qtbot, runner):
    outcome = run(qtbot, runner, Operation("env", "Crash", [python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")]))
    assert outcome.status is Status.CRASHED
    assert "stopped unexpectedly" in str(outcome)


def test_cancel_interrupts_first(qtbot, runner):
    code = (
        "import sys, time\n"
        "try:\n    sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(30)\n"
        "except KeyboardInterrupt:\n    print('interrupted cleanly', flush=True); raise SystemExit(130)"
    )
    operation = Operation("env", "Sleeper", [python(code)])
    with qtbot.waitSignal(runner.output, timeout=10_000):
        runner.submit(operation)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        runner.cancel(operation)
    outcome = finished.args[0]
    assert outcome.status is Status.CANCELLED
    assert "interrupted cleanly" in outcome.tail


def test_cancel_kills_after_the_grace_period_when_interrupt_is_ignored(qtbot, runner):
    code = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('stubborn', flush=True)\ntime.sleep(60)"
    operation = Operation("env", "Stubborn", [python(code)])
    with qtbot.waitSignal(runner.output, timeout=10_000):
        runner.submit(operation)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        runner.cancel(operation)
    assert finished.args[0].status is Status.CANCELLED


def test_operations_on_one_environment_queue_and_run_in_order(qtbot, runner):
    order = []
    runner.started.connect(lambda op: order.append(op.title))
    first = Operation("env", "first", [python("import time; time.sleep(0.3)")])
    second = Operation("env", "second", [python("pass")])
    third = Operation("env", "third", [python("pass")])
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
    first = Operation("env", "first", [python("import time; time.sleep(0.3)")])
    dropped = Operation("env", "dropped", [python("open('/should-not-run', 'w')")])
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
    a = Operation("a", "a", [python("import time; time.sleep(1)")])
    b = Operation("b", "b", [python("import time; time.sleep(1)")])
    runner.submit(a)
    runner.submit(b)
    assert {op.title for op in runner.running_operations()} == {"a", "b"}
    qtbot.waitUntil(lambda: not runner.running_operations(), timeout=10_000)


def test_secrets_are_redacted_in_details(qtbot, runner):
    code = "print('Looking in indexes: https://alice:s3cret@example.invalid/simple'); raise SystemExit(1)"
    outcome = run(qtbot, runner, Operation("env", "Secret", [python(code)]))
    assert "s3cret" not in outcome.detail()
    assert "alice:****@example.invalid" in outcome.detail()


def test_undecodable_output_is_replaced_not_fatal(qtbot, runner):
    outcome = run(qtbot, runner, Operation("env", "Bytes", [python("import sys; sys.stdout.buffer.write(b'caf\\xe9\\n')")]))
    assert outcome.ok
    assert outcome.tail == ("caf\ufffd",)


def test_pip_progress_lines_drive_progress_not_the_log(qtbot, runner):
    code = "for i in range(1, 4):\n    print(f'Progress {i * 100} of 300', flush=True)\nprint('Successfully installed x')"
    progress, chunks = [], []
    runner.progress.connect(lambda _op, done, total: progress.append((done, total)))
    runner.output.connect(lambda _op, text, _err: chunks.append(text))
    outcome = run(qtbot, runner, Operation("env", "Download", [python(code)]))
    assert outcome.ok
    assert progress == [(100, 300), (200, 300), (300, 300)]
    assert "".join(chunks) == "Successfully installed x\n"


def test_captured_output_is_kept_whole(qtbot, runner):
    code = "print('a==1'); print('b==2')"
    outcome = run(qtbot, runner, Operation("env", "Freeze", [python(code)], capture_output=True))
    assert outcome.stdout == "a==1\nb==2\n"
