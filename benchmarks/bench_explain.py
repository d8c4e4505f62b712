"""How long explaining a long failed pip run takes: ``core.explain`` vs a naive scan for "error".

Run from the repository root:  python benchmarks/bench_explain.py [--lines N] [--runs N]

The outputs are built from real captures (``tests/data/pip_failures/pip-26.3``, pip 26.3 run
against a local index by ``tools/capture_pip_failures.py``), made as long as a real long
build's, with what decides the failure at the end, where pip prints it:

* build failure: ``sdist-missing-header`` (gcc stops at ``#include <libpq-fe.h>``).  The
  build box's middle is padded with the capture's own build lines (``building '...'
  extension`` and the whole ``gcc ... -c src/speedups.c -o ...`` line), repeated with the
  module and file names numbered, as a package with many C files prints them; the capture's failing gcc line, gcc's error and pip's tail come last.
  pip's ``[N lines of output]`` header gives the real count.
* conflict: ``conflict``.  The middle is padded with the capture's ``Collecting other-y`` /
  ``Downloading other_y-<version>...`` lines, one per older version the resolver tries
  (newest first) while it backtracks (with pip 24.2's capture's ``INFO: pip is looking at multiple
  versions ...`` line now and then), then the capture's conflict report.

Timed in-process, ``RUNS`` runs each after one untimed call (reported as "first"):
``core.explain.explain(lines, exit_code, context)`` (what the app calls once pip has
ended) and ``core.explain.error_block(lines)`` alone (the text behind "Details…").  The
baselines: reading the output into lines (``str.splitlines``) and a naive regex scan of
every line for "error" (``re.compile("error", re.I).search``), the least a classifier
that looks at every line does.  Best and median of each; the explanation's cause must be
the one the short capture gives.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time

from common import REPO_ROOT, milliseconds

# Importable once common has put the repository on sys.path.
from core.explain import Cause, Context, error_block, explain

CAPTURES = REPO_ROOT / "tests" / "data" / "pip_failures" / "pip-26.3"
CONFLICT_INFO_CAPTURE = REPO_ROOT / "tests" / "data" / "pip_failures" / "pip-24.2" / "conflict.txt"
LINE_COUNT = 20_000
RUNS = 20
SYSTEM = {
    "ID": "debian",
    "VERSION_ID": "12",
}  # the install-line table's family; fixed, not this machine's
BOX_INDENT = "      "  # pip indents a build's own output by six spaces inside its box


def captured(case: str) -> tuple[list[str], dict]:
    meta = json.loads((CAPTURES / f"{case}.json").read_text("utf-8"))
    return (CAPTURES / f"{case}.txt").read_text("utf-8").splitlines(), meta


def context_for(meta: dict) -> Context:
    """What the app would know: the requirements, the environment's Python, the index."""
    command = meta["command"]
    arguments = iter(command[command.index("install") + 1 :])
    specs = []
    for argument in arguments:
        if argument in ("--index-url", "--progress-bar"):
            next(arguments, None)
        elif not argument.startswith("-"):
            specs.append(argument)
    return Context(
        requested=tuple(specs),
        python_version=tuple(int(part) for part in meta["python"].split(".")),
        index_url=meta["index_url"],
        system=SYSTEM,
        platform=meta["platform"],
    )


def long_build_failure(target: int) -> tuple[list[str], dict]:
    """``sdist-missing-header`` with its build box padded to *target* lines in all."""
    lines, meta = captured("sdist-missing-header")
    box_header = next(n for n, line in enumerate(lines) if line.lstrip().startswith("╰─> ["))
    box_end = next(n for n, line in enumerate(lines) if line.strip() == "[end of output]")
    box = lines[box_header + 1 : box_end]
    compile_at = next(n for n, line in enumerate(box) if line.lstrip().startswith("gcc "))
    building = next(line for line in box if line.lstrip().startswith("building '"))
    compiling = box[compile_at]
    # Before: setuptools' start (up to "running build_ext"); after: the failing compile to the end.
    start, failing = box[: compile_at - 1], box[compile_at - 1 :]
    head, tail = lines[: box_header + 1], lines[box_end:]
    room = target - len(head) - len(start) - len(failing) - len(tail)
    middle: list[str] = []
    number = 0
    while len(middle) + 2 <= room:
        middle += [
            building.replace("_speedups", f"_speedups{number:05d}"),
            compiling.replace("speedups.", f"speedups{number:05d}."),
        ]
        number += 1
    middle += [compiling.replace("speedups.", f"extra{n}.") for n in range(room - len(middle))]
    box_lines = [*start, *middle, *failing]
    head[-1] = re.sub(r"\[\d+ lines of output\]", f"[{len(box_lines)} lines of output]", head[-1])
    assert all(line.startswith(BOX_INDENT) or not line.strip() for line in box_lines)
    return [*head, *box_lines, *tail], meta


def long_conflict(target: int) -> tuple[list[str], dict]:
    """``conflict`` with the resolver's backtracking (one older version tried a step) before the report."""
    lines, meta = captured("conflict")
    info = next(
        (
            line
            for line in CONFLICT_INFO_CAPTURE.read_text("utf-8").splitlines()
            if line.startswith("INFO: pip is looking at multiple versions")
        ),
        None,
    )
    report_at = next(n for n, line in enumerate(lines) if line.startswith("ERROR: Cannot install"))
    head, report = lines[:report_at], lines[report_at:]
    collecting = next(line for line in head if line == "Collecting other-y")
    downloading = next(line for line in head if "other_y-1.0" in line)
    room = target - len(head) - len(report)
    middle: list[str] = []
    step = 0
    versions = room // 2 + 1
    while len(middle) < room:
        step += 1
        left = max(versions - step, 0)
        version = f"0.{left // 100}.{left % 100}"
        middle.append(collecting)
        if len(middle) < room:
            middle.append(downloading.replace("other_y-1.0", f"other_y-{version}"))
        if info is not None and step % 500 == 0 and len(middle) < room:
            middle.append(info)
    return [*head, *middle, *report], meta


def timed(function, runs: int) -> tuple[float, list[float], object]:
    """The first call's milliseconds, then *runs* more (each in ms), and the last result."""
    start = time.perf_counter()
    result = function()
    first = milliseconds(start)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(milliseconds(start))
    return first, times, result


def measure(label: str, lines: list[str], meta: dict, expected: Cause, runs: int) -> dict:
    context = context_for(meta)
    exit_code = meta["exit_code"]
    text = "\n".join(lines)
    naive = re.compile("error", re.IGNORECASE)

    results = {
        "explain": timed(lambda: explain(lines, exit_code, context), runs),
        "error_block": timed(lambda: error_block(lines), runs),
        "splitlines": timed(lambda: text.splitlines(), runs),
        "naive": timed(lambda: [line for line in lines if naive.search(line)], runs),
    }
    explanation = results["explain"][2]
    block = results["error_block"][2]
    hits = results["naive"][2]
    short_lines, _ = captured(meta["case"])  # the capture as pip printed it
    short_cause = explain(short_lines, exit_code, context).cause
    ok = explanation.cause is expected and short_cause is expected

    print(
        f"== {label}: {len(lines):,} lines, {len(text) / 1e6:.2f} MB ({meta['case']}, pip {meta['pip']})"
    )
    print(
        f"  cause: {explanation.cause.value}"
        f"{' (' + explanation.kind + ')' if explanation.kind else ''}"
        f"{', library ' + explanation.library if explanation.library else ''}"
        f"; short capture: {short_cause.value}; expected {expected.value}: {'OK' if ok else 'WRONG'}"
    )
    print(f"  sentence: {explanation.sentence}")
    print(
        f"  error block: {len(block.splitlines())} lines; naive scan: {len(hits):,} lines match 'error'"
    )
    for key, name in (
        ("explain", "explain()"),
        ("error_block", "error_block() alone"),
        ("splitlines", "baseline: str.splitlines()"),
        ("naive", "baseline: naive regex scan"),
    ):
        first, times, _ = results[key]
        print(
            f"  {name:29s} best {min(times):7.2f} ms, median {statistics.median(times):7.2f} ms, "
            f"max {max(times):7.2f} ms, first {first:7.2f} ms"
        )
    return {
        key: (min(times), statistics.median(times))
        for key, (_first, times, _result) in results.items()
    } | {"ok": ok, "lines": len(lines)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=LINE_COUNT, help="lines of each output")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each")
    options = parser.parse_args()
    if (
        not (CAPTURES / "sdist-missing-header.txt").is_file()
        or not (CAPTURES / "conflict.txt").is_file()
    ):
        print(f"SUMMARY: skipped, the captures are not in {CAPTURES}")
        return 0

    build = measure(
        "build failure",
        *long_build_failure(options.lines),
        Cause.BUILD_HEADER_MISSING,
        options.runs,
    )
    print()
    conflict = measure("conflict", *long_conflict(options.lines), Cause.CONFLICT, options.runs)
    print()

    def ratio(result: dict) -> float:
        return result["explain"][1] / result["naive"][1]

    print(f"Runs: {options.runs} timed of each after one untimed; ratios are of medians")
    for label, result in (("build failure", build), ("conflict", conflict)):
        print(
            f"  {label:14s} explain / naive scan {ratio(result):5.2f}x, "
            f"explain / splitlines {result['explain'][1] / result['splitlines'][1]:5.1f}x"
        )
    print(
        f"SUMMARY: explaining a {build['lines']:,}-line failed build in {build['explain'][1]:.1f} ms median "
        f"(best {build['explain'][0]:.1f}; error_block alone {build['error_block'][1]:.1f} ms) "
        f"vs naive regex scan {build['naive'][1]:.1f} ms: {ratio(build):.2f}x its time; "
        f"{conflict['lines']:,}-line conflict {conflict['explain'][1]:.1f} ms "
        f"({ratio(conflict):.2f}x); causes {'right' if build['ok'] and conflict['ok'] else 'WRONG'}"
    )
    return 0 if build["ok"] and conflict["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
