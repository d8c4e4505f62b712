"""How long the Installed panel takes to show an environment's packages, against ``pip list`` and ``uv pip list``.

Run from the repository root:  python benchmarks/bench_package_listing.py [--cold-runs N]

The environment: ~170 distributions of real projects (jupyter, pandas, matplotlib, scikit-learn,
flask, sphinx, ... and everything they need) -- the wheels this machine's pip configuration names
as a local mirror (``common.mirror_sources``: its ``file://`` indexes and find-links folders), one
per project, installed (set-up, not timed) with uv (else pip) from a folder of those wheels, no
network.  Without a mirror that has them all, ~170 tiny generated wheels instead (said in the
SUMMARY: their file counts are not realistic).

Measured, "until the list is visible" -- what the panel really does, driven through the app's
own objects in a child process (QT_QPA_PLATFORM=offscreen; throw-away XDG_* folders; pip free
of this machine's settings; the index a closed local port):
``gui.current_environment.CurrentEnvironment.select(entry)`` with a ``PackagesPanel`` shown,
until the table's rows have been painted -- the first paint of its viewport with rows in it
after ``packages_loaded``, when the event loop gets to it (nothing forces it sooner; whatever
the app starts before that paint slows it down and is inside the figure).  Whatever
``CurrentEnvironment.reload`` runs before it emits ``packages_loaded`` (today:
``installed_packages`` and ``required_by`` in a worker) is inside the figure, so it follows the
app's code as it changes.  The Python start-up check runs beside that read, in a worker of its
own, and the list does not wait for it (a Python that does not start turns the page into the
broken page when the check ends); when it ended is printed.  The half-installed scan, the newest
versions and the quiet ``pip check`` start after the rows are painted.

* first view: the first time an environment is shown in a fresh process (as after start-up:
  no in-memory caches, such as the half-installed scan's record of RECORDs found whole);
  ``--cold-runs`` child processes, median;
* shown again: the same environment re-selected in the same process (3 times per child).

Reported separately: when the background results arrived after ``select`` (the Python start-up
check, the half-installed scan's ``integrity_changed``, the quiet ``pip check``'s
``problems_changed``, the newest versions),
the 10 ms heartbeat's longest gap from ``select`` until they are all in, and each part of the
read timed alone in this (fresh) process: the Python start-up check, ``installed_packages``,
``check_integrity`` shallow (first call, then again) and deep, ``required_by``.

The alternatives, each a subprocess on the same environment: ``python -m pip list
--format=json`` (the command ``core.backends.pip.pip_command`` builds, with the environment's own
pip) and ``uv pip list --python <env> --format json`` (uv hermetic: ``UV_NO_CONFIG=1``, its own
cache folder).  The three name/version sets must agree.  Goal (issue 13): the panel's full read
>= 10x faster than ``pip list``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import (
    ensurepip_pip_wheel,
    goal_text,
    isolate_xdg,
    link_wheels,
    make_environment,
    milliseconds,
    mirror_sources,
    mirror_wheel,
    pip_install,
    ratio_text,
    run,
    run_command,
    uv_program,
    wait_until,
    wheel_closure,
)

# Projects whose closure (for this Python) is ~170 distributions, as a data-science + web environment.
LISTING_ROOTS = [
    "jupyter", "pandas", "matplotlib", "scikit-learn", "flask", "requests", "sqlalchemy", "pytest",
    "sphinx", "seaborn", "openpyxl", "httpx", "pydantic", "rich", "black", "statsmodels", "sympy",
    "plotly", "fastapi", "uvicorn", "boto3", "django", "pyyaml", "tqdm", "beautifulsoup4", "lxml",
    "alembic", "gunicorn", "pytest-cov", "networkx", "pillow", "psutil", "toml", "tabulate",
    "python-dotenv", "attrs",
]
SYNTHETIC_COUNT = 170
COLD_RUNS = 5
WARM_PER_CHILD = 3
LIST_RUNS = 5
TARGET_RATIO = 10.0
HEARTBEAT_MS = 10
AIM_GAP_MS = 50.0
BACKGROUND_WAIT_S = 8.0


def package_name(index: int) -> str:
    # A mix of spellings, as on PyPI: plain, dashed, Mixed_Case with underscores, dotted.
    return ("benchpkg{:03d}", "bench-pkg-{:03d}", "Bench_Pkg_{:03d}", "bench.pkg.{:03d}")[
        index % 4
    ].format(index)


def build_wheels(folder: Path, count: int) -> list[str]:
    """*count* tiny wheels; every third package needs one or two earlier ones.  Returns the names."""
    from tests.support.local_index import build_wheel

    names = []
    for index in range(count):
        name = package_name(index)
        requires = []
        if index and index % 3 == 0:
            requires.append(f"{package_name(index // 2)}>=1.0")
            if index % 2 == 0:
                requires.append(f'{package_name(index // 3)}; python_version >= "3.8"')
        build_wheel(
            folder,
            name,
            f"1.{index % 7}.{index}",
            requires=requires,
            summary=f"Benchmark package number {index}.",
            extras={"extra": [package_name((index + 1) % count)]} if index % 10 == 0 else None,
        )
        names.append(name)
    return names


# -- the child: the app's own objects, timed ----------------------------------------------------


def panel_child(target: str) -> int:
    """Show the environment at *target* in a PackagesPanel; print one JSON line of timings."""
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMenu

    app = QApplication([sys.argv[0]])
    app.setApplicationName("Venvdesk")
    import gui.current_environment
    from core.backends import backend_for
    from core.environments import HEALTHY, Environment
    from core.settings import Settings
    from gui.current_environment import CurrentEnvironment
    from gui.models.environments import EnvironmentEntry
    from gui.packages_panel import PackagesPanel

    # Watched, not changed: when the Python start-up check (run beside the read) ends.
    interpreter_starts = gui.current_environment.interpreter_starts

    def timed_interpreter_starts(environment):
        health = interpreter_starts(environment)
        events.setdefault("python_checked", time.perf_counter())
        return health

    gui.current_environment.interpreter_starts = timed_interpreter_starts

    current = CurrentEnvironment(Settings(), lambda _key: False)

    def check_command(environment):  # as OperationsController._check_command (pip chosen)
        backend = backend_for(environment, current.packages)
        return backend.check(), backend.check_problems

    current.check_command = check_command
    panel = PackagesPanel(current, [], QMenu())
    panel.resize(1000, 700)
    panel.show()
    app.processEvents()
    entry = EnvironmentEntry(Environment.load(target), HEALTHY)

    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    busy: dict[float, float] = {}  # tick -> the UI thread's own CPU time then

    def beat() -> None:
        now = time.perf_counter()
        ticks.append(now)
        busy[now] = time.thread_time()

    heartbeat.timeout.connect(beat)
    events: dict[str, float] = {}

    def note(name: str):
        def record(*_args) -> None:
            events.setdefault(name, time.perf_counter())

        return record

    def loaded(path: str) -> None:
        # Connected after the panel's own slot: its model is filled when this runs.
        if path == current.key:
            events.setdefault("packages_loaded", time.perf_counter())

    class PaintWatch(QObject):
        """Notes when the table's viewport has painted rows, after ``packages_loaded``."""

        def eventFilter(self, watched, event):  # noqa: N802 - Qt
            if event.type() != QEvent.Type.Paint or "packages_loaded" not in events or not panel.model.rowCount():
                return False
            watched.removeEventFilter(self)
            QApplication.sendEvent(watched, event)  # the paint itself, now; then the time
            events["visible"] = time.perf_counter()
            events["rows"] = panel.model.rowCount()
            return True

    paint_watch = PaintWatch()
    viewport = panel.table.viewport()
    current.packages_loaded.connect(loaded)
    current.integrity_changed.connect(note("integrity_changed"))
    current.problems_changed.connect(note("problems_changed"))
    current.latest_versions_loaded.connect(note("latest_versions_loaded"))

    def show_once() -> tuple[dict[str, float], float]:
        events.clear()
        viewport.installEventFilter(paint_watch)
        start = time.perf_counter()
        current.select(entry)
        if not wait_until(lambda: "visible" in events, 60):
            raise SystemExit("the packages were not shown within 60 s")
        result = {"visible_ms": (events["visible"] - start) * 1000, "rows": events["rows"]}
        return result, start

    heartbeat.start()
    end = time.perf_counter() + 0.3
    wait_until(lambda: time.perf_counter() >= end, 1)
    start_cpu = time.thread_time()
    first, start = show_once()
    # The background work after the list: pip check (problems_changed), newest versions (the index
    # is a closed port: they fail at once); then a short tail.
    wait_until(
        lambda: "problems_changed" in events and "latest_versions_loaded" in events,
        BACKGROUND_WAIT_S,
    )
    end = time.perf_counter() + 0.3
    wait_until(lambda: time.perf_counter() >= end, 1)
    for name in ("python_checked", "integrity_changed", "problems_changed", "latest_versions_loaded"):
        if name in events:
            first[f"{name}_ms"] = (events[name] - start) * 1000
    during = [start, *(t for t in ticks if t >= start)]  # the first gap: from select to the first tick
    gaps = [(b - a) * 1000 for a, b in zip(during, during[1:])]
    first["max_gap_ms"] = max(gaps, default=0.0)
    if gaps:
        # Where the longest gap was, and how much of it the UI thread itself was running (the rest:
        # waiting for a core or for the GIL).
        worst = gaps.index(first["max_gap_ms"])
        first["max_gap_at_ms"] = (during[worst] - start) * 1000
        first["max_gap_busy_ms"] = (busy[during[worst + 1]] - busy.get(during[worst], start_cpu)) * 1000
    first["background_ms"] = (during[-1] - start) * 1000 if during else 0.0
    heartbeat.stop()

    again = []
    for _ in range(WARM_PER_CHILD):
        current.select(None)
        app.processEvents()
        shown, _start = show_once()
        again.append(shown["visible_ms"])
    print(json.dumps({"first": first, "again": again}), flush=True)
    panel.close()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(15000)
    return 0


# -- the parent ---------------------------------------------------------------------------------


def set_up_environment(scratch: Path, env: dict[str, str], uv: str) -> tuple[Path, str, str] | None:
    """The measured environment: its folder, what it holds (in words), how it was installed; None: no pip wheel."""
    sources = mirror_sources()
    wheels, missing = wheel_closure(sources, LISTING_ROOTS) if sources else ({}, ["(no mirror)"])
    pip_wheel = (mirror_wheel(sources, "pip") if sources else None) or ensurepip_pip_wheel()
    if pip_wheel is None:
        return None
    target = scratch / "env"
    python = make_environment(target, pip_wheel, env)
    folder = scratch / "wheels"
    if not missing:
        from packaging.utils import parse_wheel_filename

        link_wheels(folder, list(wheels.values()))
        pins = [f"{name}=={parse_wheel_filename(path.name)[1]}" for name, path in wheels.items()]
        what = f"{len(wheels)} real projects' wheels from {', '.join(map(str, sources))}"
    else:
        build_wheels(folder, SYNTHETIC_COUNT)
        pins = [package_name(index) for index in range(SYNTHETIC_COUNT)]
        what = (
            f"{SYNTHETIC_COUNT} SYNTHETIC tiny wheels (the mirror lacks {', '.join(missing[:5])}:"
            " file counts are not realistic)"
        )
    start = time.perf_counter()
    if uv:
        run([uv, "pip", "install", "--python", python, "--no-index", "--find-links", str(folder), *pins], env)
        how = "uv pip install"
    else:
        pip_install(python, ["--isolated", "--no-index", "--find-links", str(folder)], pins, env)
        how = "pip install --no-compile"
    how += f", {time.perf_counter() - start:.0f} s (set-up, not timed)"
    return target, what, how


def main() -> int:
    if "--panel-child" in sys.argv:
        return panel_child(sys.argv[sys.argv.index("--panel-child") + 1])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch_name:
        scratch = Path(scratch_name)
        from core import commands
        from venvdesk_testing.isolation import use_hermetic_pip, use_hermetic_uv

        began = time.perf_counter()
        uv, uv_version = uv_program()
        # Set-up (not timed); the mirror is found from this machine's pip settings, before they are shut out.
        set_up = set_up_environment_hermetic(scratch, uv)
        if set_up is None:
            print("SUMMARY: skipped, no pip wheel (none in the mirror, no ensurepip/_bundled)")
            return 0
        target, what, how = set_up
        from packaging.utils import canonicalize_name

        from core.backends.pip import pip_command
        from core.environments import Environment, interpreter_starts
        from core.packages import check_integrity, installed_packages, record_paths, required_by

        isolate_xdg(scratch)
        use_hermetic_pip(os.environ)
        use_hermetic_uv(scratch, os.environ)
        os.environ["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple/"  # discard port: refused at once
        env = commands.child_environment()
        environment = Environment.load(target)
        set_up_s = time.perf_counter() - began
        site_packages = environment.site_packages()

        # Each part of the read, alone, in this fresh process (the first check_integrity is cold).
        parts: dict[str, float] = {}
        start = time.perf_counter()
        health = interpreter_starts(environment)
        parts["Python start-up check (interpreter_starts)"] = milliseconds(start)
        start = time.perf_counter()
        ours = installed_packages(site_packages)
        parts["installed_packages"] = milliseconds(start)
        # As the panel runs it: told the packages just read.
        start = time.perf_counter()
        integrity = check_integrity(site_packages, deep=False, packages=ours)
        parts["check_integrity(deep=False), first in the process"] = milliseconds(start)
        start = time.perf_counter()
        check_integrity(site_packages, deep=False, packages=ours)
        parts["check_integrity(deep=False), again"] = milliseconds(start)
        start = time.perf_counter()
        check_integrity(site_packages, deep=True, packages=ours)
        parts["check_integrity(deep=True)"] = milliseconds(start)
        start = time.perf_counter()
        required_by(ours)
        parts["required_by"] = milliseconds(start)
        record_entries = sum(
            len(record_paths(str(site_packages / name)))
            for name in os.listdir(site_packages)
            if name.endswith(".dist-info")
        )

        # The panel, in child processes (each with its own empty XDG_* folders).
        firsts, agains = [], []
        for number in range(options.cold_runs):
            child_env = dict(os.environ)
            isolate_xdg(scratch / f"child-{number}", child_env, runtime_dir=True)
            child_env.setdefault("QT_QPA_PLATFORM", "offscreen")
            completed = run(
                [sys.executable, __file__, "--panel-child", str(target)], child_env, timeout=180
            )
            result = json.loads(completed.stdout.strip().splitlines()[-1])
            firsts.append(result["first"])
            agains.extend(result["again"])

        children_s = time.perf_counter() - began - set_up_s
        # The alternatives.
        listing = pip_command(environment.python, "list", "--format=json", description="List packages")
        pip_times = []
        for _ in range(LIST_RUNS):
            start = time.perf_counter()
            pip_output = run_command(listing, env).stdout
            pip_times.append(milliseconds(start))
        uv_times, uv_output = [], "[]"
        if uv:
            uv_argv = [uv, "pip", "list", "--python", str(environment.python), "--format", "json"]
            for _ in range(LIST_RUNS):
                start = time.perf_counter()
                uv_output = run(uv_argv, env).stdout
                uv_times.append(milliseconds(start))
        measured_s = time.perf_counter() - began - set_up_s

    ours_set = {(canonicalize_name(p.name), p.version) for p in ours}
    pip_set = {(canonicalize_name(e["name"]), e["version"]) for e in json.loads(pip_output)}
    uv_set = {(canonicalize_name(e["name"]), e["version"]) for e in json.loads(uv_output)}
    same = ours_set == pip_set and (not uv or uv_set == pip_set)
    rows = {first["rows"] for first in firsts}
    first_ms = statistics.median(f["visible_ms"] for f in firsts)
    again_ms = statistics.median(agains)
    pip_ms = statistics.median(pip_times)
    uv_ms = statistics.median(uv_times) if uv_times else 0.0
    ratio = pip_ms / first_ms
    worst_gap = max(f["max_gap_ms"] for f in firsts)

    def median_of(key: str) -> str:
        values = [f[key] for f in firsts if key in f]
        return f"{statistics.median(values):.0f} ms" if values else "never (within the wait)"

    print(f"Environment:  {what}; installed with {how}")
    print(
        f"Distributions: {len(ours)} (installed_packages), {len(pip_set)} (pip list)"
        + (f", {len(uv_set)} (uv pip list)" if uv else "")
        + f"; rows in the panel: {sorted(rows)}; RECORD entries: {record_entries}"
    )
    print(f"Name/version sets: {'identical' if same else 'DIFFERENT'}")
    if not same:
        print(f"  only ours: {sorted(ours_set - pip_set)}; only pip: {sorted(pip_set - ours_set)}")
        if uv:
            print(f"  uv vs pip: {sorted(uv_set ^ pip_set)}")
    print(f"Python starts: {health.ok}; half-installed scan: {integrity.describe() or 'clean'}")
    print(
        "Until the list is visible (CurrentEnvironment.select -> metadata read in a worker -> packages_loaded"
        " -> the table's rows painted by the event loop; the Python start-up check runs beside, not waited for):"
    )
    print(
        f"  first view in a fresh process ({len(firsts)} processes): median {first_ms:7.1f} ms"
        f"  (min {min(f['visible_ms'] for f in firsts):.1f}, max {max(f['visible_ms'] for f in firsts):.1f})"
    )
    print(
        f"  shown again, same process ({len(agains)} times):         median {again_ms:7.1f} ms"
        f"  (min {min(agains):.1f}, max {max(agains):.1f})"
    )
    print("After select, in the background (first view, medians; the scan, versions and pip check start after the paint):")
    print(f"  Python start-up check ended (beside the read)   {median_of('python_checked_ms')}")
    print(f"  half-installed scan result (integrity_changed)  {median_of('integrity_changed_ms')}")
    print(f"  quiet pip check (problems_changed)              {median_of('problems_changed_ms')}")
    print(f"  newest versions (index unreachable here)       {median_of('latest_versions_loaded_ms')}")
    print(
        f"  10 ms heartbeat, select until all of it is in: longest gap {worst_gap:.0f} ms"
        f" (aim < {AIM_GAP_MS:.0f} ms; median per process {statistics.median(f['max_gap_ms'] for f in firsts):.0f} ms)"
    )
    print(
        "    each process's longest gap (ms after select, of it the UI thread running):"
        + "".join(
            f" {f['max_gap_ms']:.0f} ms at {f.get('max_gap_at_ms', 0):.0f} ({f.get('max_gap_busy_ms', 0):.0f});"
            for f in firsts
        )
    )
    print("Each part of the read alone, in this process (one call each):")
    for name, value in parts.items():
        print(f"  {name:52s} {value:8.1f} ms")
    print(
        f"pip list --format=json ({LIST_RUNS} runs):  median {pip_ms:7.1f} ms"
        f"  (min {min(pip_times):.1f}, max {max(pip_times):.1f})"
    )
    if uv:
        print(
            f"uv pip list --format json ({LIST_RUNS} runs, uv {uv_version}): median {uv_ms:7.1f} ms"
            f"  (min {min(uv_times):.1f}, max {max(uv_times):.1f})"
        )
    print(
        f"Ratios: pip list / first view {ratio:.1f}x ({goal_text(ratio, TARGET_RATIO)});"
        f" pip list / shown again {pip_ms / again_ms:.1f}x"
        + (f"; first view vs uv pip list: {ratio_text(uv_ms, first_ms)}" if uv else "")
    )
    print(f"Run time: set-up {set_up_s:.0f} s, panel children {children_s:.0f} s, all measuring {measured_s:.0f} s")
    synthetic = "SYNTHETIC" in what
    print(
        f"SUMMARY: Installed panel, {len(ours)} packages{' (synthetic)' if synthetic else ''}: list visible in"
        f" {first_ms:.0f} ms on first view ({again_ms:.0f} ms shown again) vs pip list {pip_ms:.0f} ms:"
        f" {ratio_text(pip_ms, first_ms)} ({goal_text(ratio, TARGET_RATIO)})"
        + (f"; vs uv pip list {uv_ms:.0f} ms: {ratio_text(uv_ms, first_ms)}" if uv else "; uv not installed")
        + f"; half-installed scan alone {parts['check_integrity(deep=False), first in the process']:.0f} ms"
        f" first, {parts['check_integrity(deep=False), again']:.0f} ms again;"
        f" heartbeat max gap {worst_gap:.0f} ms; results {'identical' if same else 'DIFFER'}"
    )
    return 0 if same else 1


def set_up_environment_hermetic(scratch: Path, uv: str) -> tuple[Path, str, str] | None:
    """:func:`set_up_environment` with pip and uv free of this machine's settings (the mirror is
    found first, from those settings)."""
    from core import commands
    from venvdesk_testing.isolation import hermetic_pip_env, use_hermetic_uv

    env = hermetic_pip_env(commands.child_environment())
    use_hermetic_uv(scratch, env)
    return set_up_environment(scratch, env, uv)


if __name__ == "__main__":
    sys.exit(main())
