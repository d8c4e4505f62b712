"""How long creating a ready-to-use environment takes: Venvdesk (fresh state and warm) vs ``python -m venv`` and ``uv venv --seed``.

Run from the repository root:  python benchmarks/bench_create_environment.py [--python PATH] [--repetitions N]

"Ready" is when the creation operation the app queues has run every step (the app says
"... is ready" then); pip in it is checked once per way: importable, ``python -m pip --version``
works, ``pip list`` shows pip.  Venvdesk's steps are exactly the ones the New environment dialog
queues with "Start with the newest pip" (its default): ``core.plans.create_environment`` with
the pip wheel ``core.pip_wheels.pip_wheel_for`` picks and the backend the app would pass (pip
chosen), each step a subprocess with the environment the app gives its children:

* first environment, fresh state: an empty app cache (new XDG_* folders for every run, so no
  pip wheel is kept yet) and the network unreachable (the index a closed local port): the
  wheel the interpreter carries (``core.pip_wheels.bundled_pip_wheel``: its
  ``ensurepip/_bundled``, or Debian's ``/usr/share/python-wheels``) is unpacked by
  ``core/seed_pip.py``; with none, plain ``venv`` (its fallback) is what is timed;
* warm: the newest pip wheel kept in the app's cache (the mirror's newest pip, else the newest
  pip wheel of any Python here) and unpacked beside it (``core.pip_wheels.unpack_cached``, untimed),
  as after the background refresh: ``seed_pip`` links pip's files from there.

Today's steps: ``venv --without-pip`` and ``seed_pip``; pip is byte-compiled afterwards, in the
background, once the environment is shown as ready (not timed here, as uv does not compile pip).

The alternatives, on the same base interpreter: ``python -m venv <dir>`` (ensurepip: the same pip
as the fresh-state path, byte-compiled by ensurepip), and ``uv venv --seed --python <base> <dir>`` (uv hermetic:
``UV_NO_CONFIG=1``, its own cache folder, warmed by one untimed run whose time is reported as
uv's cold figure; the index a local server with the mirror's pip, setuptools and wheel -- what
``--seed`` installs before Python 3.12; uv does not byte-compile them).  Also shown: Venvdesk with uv chosen in Settings (``uv
venv``, then the kept pip wheel unpacked).  Interleaved repetitions, medians.

Goals (issue 13): fresh state >= 10x faster than ``python -m venv``; warm >= 20x; within 3x of
``uv venv --seed``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    goal_text,
    isolate_xdg,
    mirror_sources,
    mirror_wheel,
    ratio_text,
    run,
    serve_wheels,
    start_index_server,
    stop_index_server,
    uv_program,
    wheel_closure,
)

REPETITIONS = 5
CLOSED_INDEX = "http://127.0.0.1:9/simple/"  # the discard port: refused at once, never the internet
FRESH_GOAL, WARM_GOAL, UV_GOAL = 10.0, 20.0, 3.0


def interpreter_facts(python: str) -> tuple[tuple[int, ...], str]:
    """The interpreter's (major, minor, micro) and its standard library folder."""
    code = "import json, sys, sysconfig; print(json.dumps([list(sys.version_info[:3]), sysconfig.get_paths()['stdlib']]))"
    output = subprocess.run(
        [python, "-I", "-c", code], check=True, capture_output=True, text=True
    ).stdout
    version, stdlib = json.loads(output)
    return tuple(version), stdlib


def check_ready(environment_python: str, env: dict[str, str]) -> str:
    """pip importable, ``-m pip --version`` works, ``pip list`` shows pip; returns pip's version."""
    run([environment_python, "-c", "import pip"], env, merge_stderr=True)
    version = run([environment_python, "-m", "pip", "--version"], env).stdout.split()[1]
    listing = run(
        [environment_python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"], env
    ).stdout
    names = {entry["name"].lower(): entry["version"] for entry in json.loads(listing)}
    if "pip" not in names:
        raise SystemExit(f"FAILED: pip list in the new environment does not show pip: {listing}")
    return version


def _step_name(command) -> str:
    """A step as the Log would name it, shortly: its words and its program's first arguments."""
    program = Path(command.program).name
    args = [a if "/" not in a else Path(a).name for a in command.args[:4]]
    return f"{command.description} ({program} {' '.join(args)})"


def run_operation(operation, env: dict[str, str]) -> list[tuple[str, float, bool]]:
    """Run an operation's steps one after another as the runner does; (step, seconds, optional) each.

    A failing optional step does not end it (as in ``gui.runner``); any other failure does.
    """
    steps = []
    for number, command in enumerate(operation.steps):
        optional = number in operation.optional
        start = time.perf_counter()
        completed = subprocess.run(
            [command.program, *command.args],
            env={**env, **command.env},
            cwd=command.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        seconds = time.perf_counter() - start
        if completed.returncode != 0 and not optional:
            raise SystemExit(f"FAILED ({completed.returncode}): {command.display()}\n{completed.stdout}")
        steps.append((_step_name(command), seconds, optional))
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python", default=os.path.realpath(sys._base_executable), help="base interpreter"
    )
    parser.add_argument("--repetitions", type=int, default=REPETITIONS)
    options = parser.parse_args()
    sources = mirror_sources()  # before this machine's pip settings are shut out

    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch_name:
        scratch = Path(scratch_name)
        from core import commands, pip_wheels, plans
        from core.backends import choose_backend
        from core.backends.uv import UvBackend
        from core.environments import Environment
        from core.operations import CreateEnvironment
        from core.uv import PipSettings
        from tests.support.bundled_pip import bundled_pip_wheels
        from venvdesk_testing.isolation import use_hermetic_pip, use_hermetic_uv

        base = os.path.realpath(options.python)
        version, _stdlib = interpreter_facts(base)
        use_hermetic_pip(os.environ)
        os.environ["PIP_INDEX_URL"] = CLOSED_INDEX  # network unreachable for pip
        use_hermetic_uv(scratch, os.environ)
        newest = (mirror_wheel(sources, "pip") if sources else None) or (bundled_pip_wheels() or [None])[-1]
        bundled = pip_wheels.bundled_pip_wheel(base, version)

        # uv venv --seed gets its seed packages from a local index (the mirror's wheels).
        uv, uv_version = uv_program()
        needed = ["pip"] if version[:2] >= (3, 12) else ["pip", "setuptools", "wheel"]
        seeds, uv_missing = wheel_closure(sources, needed) if sources else ({}, ["(no mirror)"])
        uv_note = ""
        if not uv:
            uv_note = "uv is not installed"
        elif uv_missing:
            uv_note = f"the mirror has no wheel for {', '.join(uv_missing)} (uv venv --seed installs {', '.join(needed)})"
        server = None
        index_url = CLOSED_INDEX
        if not uv_note:
            root = serve_wheels(scratch / "index", list(seeds.values()))
            server, index_url = start_index_server(root)

        def app_environment(xdg: Path) -> dict[str, str]:
            """The environment the app gives its children, with its state in *xdg*."""
            isolate_xdg(xdg, os.environ)
            return commands.child_environment()

        def venvdesk(target: Path, xdg: Path, uv_chosen: bool = False) -> tuple[list, str]:
            env = app_environment(xdg)
            start = time.perf_counter()
            wheel = pip_wheels.pip_wheel_for(base, version)  # what CreationController.plan asks
            intent = CreateEnvironment(target.name, target, interpreter=base, newest_pip=True)
            probe = Environment(target, {"version_info": ".".join(map(str, version))})
            if uv_chosen:
                backend = UvBackend.for_environment(probe, uv, PipSettings(index_url=index_url), uv_version=uv_version)
            else:
                backend = choose_backend(probe, (), installer="pip").backend
            operation = plans.create_environment(intent, python_version=version, pip_wheel=wheel, backend=backend)
            planning = time.perf_counter() - start
            steps = run_operation(operation, env)
            return [("plan (pip_wheel_for + create_environment)", planning, False), *steps], (
                wheel.name if wheel else "none: plain venv"
            )

        def warm_cache(xdg: Path) -> None:
            isolate_xdg(xdg, os.environ)
            cache = pip_wheels.pip_wheel_dir()
            cache.mkdir(parents=True, exist_ok=True)
            shutil.copy2(newest, cache / newest.name)
            (cache / ".checked").touch()
            pip_wheels.unpack_cached(cache)  # what the app does in the background after its refresh

        def timed(argv: list[str], env: dict[str, str]) -> float:
            start = time.perf_counter()
            run(argv, env, merge_stderr=True)
            return time.perf_counter() - start

        uv_argv = lambda target: [uv, "venv", "--seed", "--python", base, "--index-url", index_url,  # noqa: E731
                                  "--no-python-downloads", "--no-project", str(target)]
        try:
            uv_cold = None
            if not uv_note:
                uv_cold = timed(uv_argv(scratch / "uv-cold"), app_environment(scratch / "xdg-uv"))
            rows: dict[str, list] = {"fresh": [], "warm": [], "venv": [], "uv": [], "ours-uv": []}
            wheels_used = {}
            ready = {}
            for repetition in range(options.repetitions):
                folder = scratch / f"run-{repetition}"
                # First environment from a fresh state: empty app folders, every run.
                steps, wheels_used["fresh"] = venvdesk(folder / "fresh", folder / "xdg-fresh")
                rows["fresh"].append(steps)
                # Warm: the newest pip kept in the app's cache.
                warm_cache(folder / "xdg-warm")
                steps, wheels_used["warm"] = venvdesk(folder / "warm", folder / "xdg-warm")
                rows["warm"].append(steps)
                env = app_environment(folder / "xdg-other")
                rows["venv"].append(timed([base, "-m", "venv", str(folder / "venv")], env))
                if not uv_note:
                    rows["uv"].append(timed(uv_argv(folder / "uv"), env))
                    steps, wheels_used["ours-uv"] = venvdesk(folder / "ours-uv", folder / "xdg-warm", uv_chosen=True)
                    rows["ours-uv"].append(steps)
                if repetition == 0:
                    for name in ("fresh", "warm", "venv", "uv", "ours-uv"):
                        if (folder / name).exists():
                            ready[name] = check_ready(str(Environment(folder / name).python), env)
                shutil.rmtree(folder)
        finally:
            if server is not None:
                stop_index_server(server)

    def total(steps: list, usable_only: bool = False) -> float:
        """Seconds until ready: every step (or, with *usable_only*, up to the last required one)."""
        if usable_only:
            last = max(i for i, (_n, _s, optional) in enumerate(steps) if not optional)
            steps = steps[: last + 1]
        return sum(seconds for _name, seconds, _optional in steps)

    def median_ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    fresh_ms = median_ms([total(s) for s in rows["fresh"]])
    warm_ms = median_ms([total(s) for s in rows["warm"]])
    fresh_usable_ms = median_ms([total(s, True) for s in rows["fresh"]])
    warm_usable_ms = median_ms([total(s, True) for s in rows["warm"]])
    venv_ms = median_ms(rows["venv"])
    uv_ms = median_ms(rows["uv"]) if rows["uv"] else 0.0
    ours_uv_ms = median_ms([total(s) for s in rows["ours-uv"]]) if rows["ours-uv"] else 0.0
    fresh_ratio, warm_ratio = venv_ms / fresh_ms, venv_ms / warm_ms
    uv_times = warm_ms / uv_ms if uv_ms else 0.0

    print(f"Base interpreter:     {base} (Python {'.'.join(map(str, version))})")
    print(f"Wheel it carries:     {bundled or 'none (the fresh state falls back to plain venv)'}")
    print(f"Fresh state seeds:    {wheels_used['fresh']}   (app cache empty; index {CLOSED_INDEX}, refused)")
    print(f"Warm seeds:           {wheels_used['warm']}   (kept in the app's cache)")
    print("pip after creation:   " + ", ".join(f"{name} {v}" for name, v in ready.items()))
    print(f"uv:                   {uv or '-'} {uv_version} {('(' + uv_note + ')') if uv_note else ''}")
    print(f"Repetitions:          {options.repetitions}, interleaved; medians (min, max)")
    for label, key in (("Venvdesk, first environment, fresh state", "fresh"), ("Venvdesk, warm (pip wheel kept)", "warm"),
                       ("Venvdesk with uv chosen, warm", "ours-uv")):
        if not rows[key]:
            continue
        print(f"  {label}:")
        for index, (name, _seconds, optional) in enumerate(rows[key][0]):
            values = [steps[index][1] for steps in rows[key]]
            print(f"    {name[:72]:72s} {median_ms(values):7.0f} ms{'  (optional)' if optional else ''}")
        totals = [total(s) for s in rows[key]]
        print(f"    {'until ready (every step)':72s} {median_ms(totals):7.0f} ms  ({min(totals) * 1000:.0f}, {max(totals) * 1000:.0f})")
    print(f"  python -m venv (ensurepip)                  {venv_ms:7.0f} ms  ({min(rows['venv']) * 1000:.0f}, {max(rows['venv']) * 1000:.0f})")
    if rows["uv"]:
        print(f"  uv venv --seed, warm uv cache               {uv_ms:7.0f} ms  ({min(rows['uv']) * 1000:.0f}, {max(rows['uv']) * 1000:.0f});"
              f" cold uv cache (first run) {uv_cold * 1000:.0f} ms")
    print("Ratios (until ready):")
    print(f"  fresh state vs python -m venv:  {ratio_text(venv_ms, fresh_ms)} ({goal_text(fresh_ratio, FRESH_GOAL)});"
          f" pip usable before its byte-compile: {ratio_text(venv_ms, fresh_usable_ms)}")
    print(f"  warm vs python -m venv:         {ratio_text(venv_ms, warm_ms)} ({goal_text(warm_ratio, WARM_GOAL)});"
          f" pip usable before its byte-compile: {ratio_text(venv_ms, warm_usable_ms)}")
    if uv_ms:
        print(f"  warm vs uv venv --seed:         {uv_times:.1f}x uv's time ({goal_text(uv_times, UV_GOAL, at_most=True)});"
              f" pip usable before its byte-compile (uv does not compile pip): {warm_usable_ms / uv_ms:.1f}x;"
              f" Venvdesk with uv chosen: {ours_uv_ms / uv_ms:.1f}x uv's time")
    uv_part = (
        f"; uv venv --seed {uv_ms:.0f} ms (warm uv cache): Venvdesk warm takes {uv_times:.1f}x uv's time"
        f" ({goal_text(uv_times, UV_GOAL, at_most=True)}; {warm_usable_ms / uv_ms:.1f}x before pip's byte-compile)"
        if uv_ms else f"; uv venv --seed not measured ({uv_note})"
    )
    print(
        f"SUMMARY: environment ready with pip -- first environment from a fresh state {fresh_ms:.0f} ms"
        f" ({wheels_used['fresh']}): {ratio_text(venv_ms, fresh_ms)} than python -m venv {venv_ms:.0f} ms"
        f" ({goal_text(fresh_ratio, FRESH_GOAL)}); warm {warm_ms:.0f} ms: {ratio_text(venv_ms, warm_ms)}"
        f" ({goal_text(warm_ratio, WARM_GOAL)}){uv_part}; byte-compiling pip is"
        f" {warm_ms - warm_usable_ms:.0f} ms of the warm figure"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
