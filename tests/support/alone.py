"""Timing tests run alone, each file's in a fresh pytest process: a heartbeat measured after
hundreds of other tests (their threads, their garbage) measures them, not the code under test.

A file marks its timing tests ``alone("test_that_runs_them")`` (skipped in the whole suite) and
its runner test calls ``run_alone(__file__, names)``, which runs them with ``VENVDESK_HEARTBEAT_ALONE``
set and asserts that every one passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

VARIABLE = "VENVDESK_HEARTBEAT_ALONE"


def alone(runner: str) -> pytest.MarkDecorator:
    """Skip the test unless it runs in the fresh process ``runner`` starts."""
    return pytest.mark.skipif(not os.environ.get(VARIABLE), reason=f"run alone, in a fresh process, by {runner}")


def run_alone(test_file: str, names: Sequence[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(f"{test_file}::{name}" for name in names)],
        env={**os.environ, VARIABLE: "1"},
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    passed = f"{len(names)} passed"
    assert result.returncode == 0 and passed in result.stdout, result.stdout[-4000:] + result.stderr[-2000:]
