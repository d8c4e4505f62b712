"""How soon a realistic install is usable: plain ``pip install`` vs Venvdesk's pip way vs Venvdesk with uv.

Run from the repository root:  python benchmarks/bench_install_packages.py [--rounds N]

What is installed: numpy, pandas, matplotlib, flask and requests with their whole dependency
closure for this Python (~24 distributions, ~40 MB of wheels): the real wheels of the local mirror
this machine's pip configuration names (``common.mirror_sources``: its ``file://`` indexes and
find-links folders; one wheel per project, the newest every requirement allows), put in an index
folder (``venvdesk_testing.index.build_index``: HTML and PEP 691 JSON pages, hashes, sizes) and
served by ``LocalIndexServer`` on 127.0.0.1 from a child process.  No mirror, or a wheel missing
from it: a clean skip (``SUMMARY: skipped``).

Each install goes into a fresh environment (a copy of one made the Venvdesk way -- ``venv
--without-pip``, the mirror's newest pip unpacked -- not timed), pip free of this machine's
settings (``PIP_CONFIG_FILE=/dev/null``, ``PIP_NO_CACHE_DIR=1``: every wheel is fetched from the
local index each time), uv free of its own (``UV_NO_CONFIG=1``, its cache in a folder of ours):

(a) plain pip, as typed in a terminal:  ``python -m pip install --index-url <local> numpy pandas
    matplotlib flask requests`` (pip byte-compiles everything it installs);
(b) Venvdesk, pip chosen:  the command ``core.plans.install`` builds with the backend
    ``core.backends.choose_backend`` gives (``--no-compile``: the app compiles afterwards, in the
    background);
(c) Venvdesk, uv chosen, uv's cache cold (an empty cache folder every time): ``uv pip install
    --python <env> ...`` as ``core.backends.uv.UvBackend`` builds it;
(d) the same with uv's cache warm (filled by one untimed run first; wheels are then linked from it).

"Usable" (issue 13): installed, listed and importable.  Timed for each: the install command, then
what the app does before the new list is shown -- ``CurrentEnvironment.reload(check_python=False,
quiet_check=False)`` (as ``OperationsController._change_finished`` calls it) until the Installed
panel has handled ``packages_loaded`` and repainted (the app's own objects, in this process,
offscreen).  The integrity scan that ``reload`` runs before ``packages_loaded`` is inside;
``pip check``, the import check and the compile afterwards are not (they do not count).
Importable is checked (not timed) in the first round: every root imports in the environment.
Also shown, not counted: the first import of all five right after "usable" (before any
background compile: no-compile installs pay the compiling there, lazily) and, for (b), the
background compile the app then runs (``core.plans.byte_compile_installed``).
Last, for reference (not a goal): plain pip and uv with a cold cache once more with the environment and
uv's cache on a memory disk (``/dev/shm``, where there is one), which shows how much of uv's cold time is
this machine's disk.

One untimed uv run (it fills the warm cache), then ``--rounds`` rounds of (a)-(d), the order
rotating; medians.  The installed sets must agree.  Goals (issue 13): usable >= 2.5x sooner than
plain pip with the pip backend, >= 10x with uv.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    ensurepip_pip_wheel,
    goal_text,
    isolate_xdg,
    make_environment,
    mirror_sources,
    mirror_wheel,
    no_proxy_for_localhost,
    ratio_text,
    run,
    serve_wheels,
    start_index_server,
    stop_index_server,
    uv_program,
    wait_until,
    wheel_closure,
)

ROOTS = ["numpy", "pandas", "matplotlib", "flask", "requests"]
IMPORTS = "import numpy, pandas, matplotlib.pyplot, flask, requests"
ROUNDS = 3
PIP_GOAL, UV_GOAL = 2.5, 10.0
WAYS = ("plain pip", "Venvdesk, pip", "Venvdesk, uv (cold cache)", "Venvdesk, uv (warm cache)")


def seconds_since(start: float) -> float:
    return time.perf_counter() - start


MEMORY_DISK = Path("/dev/shm")


def on_memory_disk(base: Path, env: dict, index_url: str, command_for) -> dict:
    """Plain pip and uv with a cold cache once more, the environment and uv's cache on a memory disk.

    Not a goal figure: it shows how much of uv's cold time is this machine's disk (uv unpacks every
    wheel into its cache before linking), as the main rounds cannot.  Only the install command is
    timed.  {} where there is no writable tmpfs at /dev/shm.
    """
    from core.environments import Environment
    from core.packages import installed_packages

    if not (MEMORY_DISK.is_dir() and os.access(MEMORY_DISK, os.W_OK)):
        return {}
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-", dir=MEMORY_DISK) as name:
        folder = Path(name)
        for way in ("plain pip", "Venvdesk, uv (cold cache)"):
            target = folder / ("pip-env" if way == "plain pip" else "uv-env")
            shutil.copytree(base, target, symlinks=True)
            environment = Environment.load(target)
            python = str(environment.python)
            child_env = dict(env)
            if way == "plain pip":
                argv = [python, "-m", "pip", "install", "--index-url", index_url, *ROOTS]
            else:
                command = command_for(way, environment, installed_packages(environment.site_packages()))
                argv = [command.program, *command.args]
                child_env.update(command.env)
                child_env["UV_CACHE_DIR"] = str(folder / "uv-cache")
            start = time.perf_counter()
            run(argv, child_env, merge_stderr=True, what=f"{way} on {MEMORY_DISK}: {' '.join(argv)}")
            figures[way] = seconds_since(start)
        figures["cache MB"] = sum(p.stat().st_size for p in (folder / "uv-cache").rglob("*") if p.is_file()) / 1e6
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    options = parser.parse_args()

    sources = mirror_sources()  # from this machine's pip settings, before they are shut out
    if not sources:
        print("No local wheel mirror in this machine's pip configuration (file:// index, find-links folder)")
        print("SUMMARY: skipped, no local wheel mirror")
        return 0
    wheels, missing = wheel_closure(sources, ROOTS)
    if missing:
        print(f"The mirror ({', '.join(map(str, sources))}) has no installable wheel for: {', '.join(missing)}")
        print("SUMMARY: skipped, wheels missing from the local mirror")
        return 0
    pip_wheel = mirror_wheel(sources, "pip") or ensurepip_pip_wheel()
    if pip_wheel is None:
        print("SUMMARY: skipped, no pip wheel (none in the mirror, no ensurepip/_bundled)")
        return 0
    uv, uv_version = uv_program()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch_name:
        scratch = Path(scratch_name)
        isolate_xdg(scratch)
        from venvdesk_testing.isolation import use_hermetic_pip, use_hermetic_uv

        use_hermetic_pip(os.environ)  # also what core.uv.pip_settings reads for the uv backend
        use_hermetic_uv(scratch, os.environ)
        no_proxy_for_localhost()
        from PySide6.QtWidgets import QApplication, QMenu

        app = QApplication([sys.argv[0]])
        app.setApplicationName("Venvdesk")
        from core import commands, plans
        from core.backends import choose_backend
        from core.environments import HEALTHY, Environment
        from core.packages import installed_packages
        from core.settings import Settings
        from gui.current_environment import CurrentEnvironment
        from gui.models.environments import EnvironmentEntry
        from gui.packages_panel import PackagesPanel

        env = commands.child_environment()  # what the app gives its children, hermetic
        root = serve_wheels(scratch / "index", [*wheels.values(), pip_wheel])
        server, index_url = start_index_server(root)
        # The app's objects for "listed": busy all along, so the folder watcher never re-reads by itself.
        current = CurrentEnvironment(Settings(index_url=index_url), lambda _key: True)
        panel = PackagesPanel(current, [], QMenu())
        panel.resize(1000, 700)
        panel.show()
        shown: dict[str, float] = {}

        def painted(path: str) -> None:  # after the panel's own slot: its model is filled
            if path == current.key:
                panel.table.viewport().repaint()
                shown["at"] = time.perf_counter()
                shown["rows"] = panel.model.rowCount()

        current.packages_loaded.connect(painted)
        try:
            base = scratch / "base"
            make_environment(base, pip_wheel, env)
            warm_cache = scratch / "uv-warm"

            def fresh(label: str) -> tuple[Environment, list]:
                target = scratch / label
                shutil.copytree(base, target, symlinks=True)
                environment = Environment.load(target)
                shown.clear()
                current.select(EnvironmentEntry(environment, HEALTHY))  # shown before the install (untimed)
                if not wait_until(lambda: "at" in shown, 60):
                    raise SystemExit("the fresh environment's packages were not shown")
                return environment, installed_packages(environment.site_packages())

            def command_for(way: str, environment: Environment, installed: list):
                if way == "plain pip":
                    return None
                installer = "pip" if way == "Venvdesk, pip" else "uv"
                choice = choose_backend(environment, installed, index_url=index_url, installer=installer,
                                        uv_version=uv_version)
                if choice.backend.name != installer:
                    raise SystemExit(f"FAILED: {installer} not chosen: {choice.note}")
                return plans.install(environment, choice.backend, ROOTS).steps[0]

            def install(way: str, label: str, *, first_round: bool) -> dict:
                environment, installed = fresh(label)
                python = str(environment.python)
                command = command_for(way, environment, installed)
                child_env = dict(env)
                if way == "Venvdesk, uv (cold cache)":
                    child_env["UV_CACHE_DIR"] = str(scratch / f"uv-cold-{label}")
                elif way == "Venvdesk, uv (warm cache)":
                    child_env["UV_CACHE_DIR"] = str(warm_cache)
                if command is None:
                    argv = [python, "-m", "pip", "install", "--index-url", index_url, *ROOTS]
                else:
                    argv = [command.program, *command.args]
                    child_env.update(command.env)
                times: dict = {"argv": argv}
                start = time.perf_counter()
                run(argv, child_env, merge_stderr=True, what=f"{way}: {' '.join(argv)}")
                times["install"] = seconds_since(start)
                shown.clear()
                start = time.perf_counter()
                current.reload(check_python=False, quiet_check=False)
                if not wait_until(lambda: "at" in shown, 60):
                    raise SystemExit("the installed packages were not shown")
                times["listed"] = shown["at"] - start
                times["rows"] = shown["rows"]
                times["usable"] = times["install"] + times["listed"]
                times["after"] = {p.key: p.version for p in installed_packages(environment.site_packages())}
                if first_round:
                    start = time.perf_counter()
                    run([python, "-c", IMPORTS], env, merge_stderr=True, what=f"{way}: {IMPORTS}")
                    times["first_import"] = seconds_since(start)
                    if way == "Venvdesk, pip":
                        compile_operation = plans.byte_compile_installed(environment)
                        if compile_operation is not None:
                            step = compile_operation.steps[0]
                            start = time.perf_counter()
                            subprocess.run([step.program, *step.args], env={**env, **step.env},
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                            times["compile_after"] = seconds_since(start)
                current.select(None)
                shutil.rmtree(environment.path)
                return times

            ways = [way for way in WAYS if uv or "uv" not in way]
            warm_up = None
            if uv:
                warm_start = time.perf_counter()
                environment, installed = fresh("uv-warm-up")
                command = command_for("Venvdesk, uv (warm cache)", environment, installed)
                run([command.program, *command.args], {**env, **command.env, "UV_CACHE_DIR": str(warm_cache)})
                warm_up = seconds_since(warm_start)
                current.select(None)
                shutil.rmtree(environment.path)
            results: dict[str, list[dict]] = {way: [] for way in ways}
            for number in range(options.rounds):
                order = ways[number % len(ways):] + ways[: number % len(ways)]
                for way in order:
                    label = f"way{WAYS.index(way)}-round{number}"
                    results[way].append(install(way, label, first_round=number == 0))
            memory_disk = on_memory_disk(base, env, index_url, command_for) if uv else {}
        finally:
            stop_index_server(server)
            panel.close()
            from PySide6.QtCore import QThreadPool

            QThreadPool.globalInstance().waitForDone(15000)

    def median(way: str, key: str) -> float:
        return statistics.median(r[key] for r in results[way])

    afters = {way: results[way][0]["after"] for way in ways}
    reference = afters["plain pip"]
    same = all(after == reference for after in afters.values()) and all(
        r["after"] == afters[way] for way in ways for r in results[way]
    )
    plain = median("plain pip", "usable")
    print(f"Mirror:  {', '.join(map(str, sources))}")
    print(f"Wheels:  {len(wheels)}, {sum(p.stat().st_size for p in wheels.values()) / 1e6:.0f} MB:"
          f" {', '.join(sorted(p.name.split('-')[0] + ' ' + p.name.split('-')[1] for p in wheels.values()))}")
    print(f"pip in each environment: {pip_wheel.name}; uv: {uv or 'not installed'} {uv_version}")
    print(f"Installed sets: {'the same for every way and round' if same else 'DIFFERENT'}"
          f" ({len(reference)} distributions, pip included; rows in the panel: {results['plain pip'][0]['rows']})")
    if not same:
        for way in ways:
            print(f"  {way}: {sorted(afters[way].items())}")
    for way in ways:
        argv = results[way][0]["argv"]
        print(f"  {way:27s} {Path(argv[0]).name} {' '.join(argv[1:])}")
    if warm_up is not None:
        print(f"uv warm-up (untimed, fills the warm cache): {warm_up:.1f} s")
    print(f"Rounds: {options.rounds}, the order rotating; medians (min, max) in seconds:")
    print(f"  {'':27s} {'install':>16s} {'listed after':>14s} {'USABLE':>16s}  ratio vs plain pip")
    for way in ways:
        usable = [r["usable"] for r in results[way]]
        print(
            f"  {way:27s} {median(way, 'install'):8.2f} ({min(r['install'] for r in results[way]):.1f}-"
            f"{max(r['install'] for r in results[way]):.1f})"
            f" {median(way, 'listed') * 1000:10.0f} ms"
            f" {statistics.median(usable):8.2f} ({min(usable):.1f}-{max(usable):.1f})"
            f"  {plain / statistics.median(usable):5.1f}x"
        )
    print("Not counted in 'usable' (first round):")
    for way in ways:
        row = results[way][0]
        extra = f"; then the background compile {row['compile_after']:.2f} s" if "compile_after" in row else ""
        print(f"  {way:27s} first import of all five right after: {row['first_import']:.2f} s{extra}")
    pip_ratio = plain / median("Venvdesk, pip", "usable")
    summary = (
        f"SUMMARY: install numpy, pandas, matplotlib, flask, requests ({len(reference) - 1} distributions, real wheels,"
        f" local index) until usable -- plain pip {plain:.1f} s; Venvdesk with pip (--no-compile)"
        f" {median('Venvdesk, pip', 'usable'):.1f} s: {ratio_text(plain, median('Venvdesk, pip', 'usable'))}"
        f" ({goal_text(pip_ratio, PIP_GOAL)})"
    )
    if uv:
        cold = median("Venvdesk, uv (cold cache)", "usable")
        warm = median("Venvdesk, uv (warm cache)", "usable")
        summary += (
            f"; Venvdesk with uv {cold:.2f} s with uv's cache cold: {ratio_text(plain, cold)}"
            f" ({goal_text(plain / cold, UV_GOAL)}), {warm:.2f} s with it warm: {ratio_text(plain, warm)}"
            f" ({goal_text(plain / warm, UV_GOAL)})"
        )
    else:
        summary += "; uv not installed: not measured"
    if memory_disk:
        pip_m, uv_m = memory_disk["plain pip"], memory_disk["Venvdesk, uv (cold cache)"]
        print(f"For reference, not the goal: the same two on a memory disk ({MEMORY_DISK}, tmpfs), one run each:"
              f" plain pip {pip_m:.2f} s, uv with its cache cold {uv_m:.2f} s: {ratio_text(pip_m, uv_m)}."
              f" On this machine's disk uv's cold install is mostly the writing of its cache"
              f" ({memory_disk['cache MB']:.0f} MB unpacked).")
        summary += f"; on a memory disk uv cold {ratio_text(pip_m, uv_m)}"
    print(summary + f"; installed sets {'identical' if same else 'DIFFER'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
