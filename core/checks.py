"""Quiet checks of an environment, run when it is shown (off the UI thread, bounded in time).

When the person selects an environment, the app runs the installer's consistency
check (``pip check``) in the background, so damage done outside the app — a
terminal ``pip uninstall``, a crash — shows up too.  The answer is kept per
state of ``site-packages`` (which distributions are there, and when each was
last written), so showing the same environment again costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from core.commands import Command, child_environment
from core.processes import run_bounded

CHECK_TIMEOUT = 60.0
_MAX_OUTPUT = 1_000_000

# (site-packages, its state) -> the problems the check reported
_answers: dict[tuple[str, tuple[tuple[str, int], ...]], list[str]] = {}


def site_packages_state(site_packages: str | os.PathLike[str]) -> tuple[tuple[str, int], ...]:
    """Which distributions are installed and when each was last written (a few stats)."""
    try:
        with os.scandir(site_packages) as entries:
            return tuple(
                sorted(
                    (entry.name, entry.stat(follow_symlinks=False).st_mtime_ns)
                    for entry in entries
                    if entry.name.endswith((".dist-info", ".egg-info"))
                )
            )
    except OSError:
        return ()


def run_quietly(command: Command, timeout: float = CHECK_TIMEOUT) -> tuple[int, str]:
    """Run ``command`` to its end (no shell), returning its exit code and output (bounded).

    Through :func:`core.processes.run_bounded`: a check that hangs (a ``python`` that never
    answers) costs at most ``timeout`` and leaves nothing behind; the exit code is -1 then.
    """
    run = run_bounded(
        [command.program, *command.args],
        timeout,
        _MAX_OUTPUT,
        env={**child_environment(), **command.env},
        cwd=command.cwd,
    )
    if run.returncode is None:
        return -1, f"no answer after {timeout:.0f} s" if run.timed_out else "too much output"
    return run.returncode, (run.stdout + run.stderr).decode("utf-8", "replace")


def consistency_problems(
    site_packages: str | os.PathLike[str],
    command: Command,
    parse: Callable[[str], list[str]],
    timeout: float = CHECK_TIMEOUT,
) -> list[str] | None:
    """The problems the installer's check reports for this state of ``site_packages`` (cached).

    ``parse`` turns the check's output into problem lines (the backend's ``check_problems``).
    None when the check could not run or gave no answer in time.
    """
    key = (os.fspath(site_packages), site_packages_state(site_packages))
    if key in _answers:
        return list(_answers[key])
    try:
        code, output = run_quietly(command, timeout)
    except OSError:
        return None
    if code < 0:
        return None
    problems = [] if code == 0 else parse(output)
    _answers[key] = problems
    return list(problems)
