"""What the install preview adds to the wait: pip's dry run, then the install, vs a plain install.

Run from the repository root:  python benchmarks/bench_install_preview.py [--mirror DIR] [--runs N]

Real wheels of popular projects from this machine's wheel mirror (``common.mirror_sources``:
the ``file://.../simple`` folders and find-links folders pip's configuration here names;
``--mirror`` for another folder with ``simple/``).  The closure of ``requests`` and ``flask`` (their ``Requires-Dist`` without
extras, for this Python) is taken from the mirror's simple pages and files and put in a small
index folder with ``venvdesk_testing.index.build_index(..., extra_wheels=...)``: the mirror's
folder has ``simple/`` and ``files/`` but HTML pages only, and ``LocalIndexServer`` answers
pip's PEP 691 JSON request by reading an ``index.json`` (so the folder is rebuilt, with JSON
and file sizes as PyPI serves them).  The index is served on 127.0.0.1 from a child process
(``common.start_index_server``).  No mirror, or a wheel missing from it: a clean skip.

Set-up (not timed): an environment made the Venvdesk way (``venv --without-pip``, then
``seed_pip`` with the newest pip wheel in the mirror, as the app seeds a cached current pip;
else this Python's ensurepip wheel), with ``requests`` installed from the local index, so an
install has something it could change and the app previews it.

Each run starts from a fresh copy of that environment (``shutil.copytree(symlinks=True)``,
not timed) and installs ``flask`` (7 distributions: flask, werkzeug, jinja2, markupsafe,
itsdangerous, click, blinker) with the commands the app runs (``PipBackend.for_environment``
with the environment's packages, so its pip version decides the options; ``index_url`` the
local index), as subprocesses with the environment the app gives its children, made hermetic
(``PIP_CONFIG_FILE=/dev/null``, ``PIP_NO_CACHE_DIR=1``; ``--disable-pip-version-check`` and
``--index-url`` are on the command lines):

(a) plain install:  ``PipBackend.install(["flask"])``, i.e. ``python -m pip install flask``;
(b) with preview:   ``PipBackend.dry_run(["flask"])`` (``install --dry-run --report -``), the
    app's reading of the plan (``parse_dry_run``, ``compared_with`` the installed set,
    ``with_free_space``, then ``gui.controllers.packages._with_sizes_and_wheels``: the
    download sizes from the index), then the same install.  Adding new packages changes
    nothing installed, so the app asks nothing and installs straight away (checked).

One untimed warm-up round, then ``RUNS`` rounds with (a) and (b) interleaved (the order
alternating); medians.  The installed sets after (a) and (b) must agree.  Without a cache
the dry run downloads the wheels and the install downloads them again (the mirror has no
PEP 658 metadata files, so pip cannot resolve from metadata alone): from a local index
that costs little, over a slow network it costs the download twice.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import (
    ensurepip_pip_wheel,
    isolate_xdg,
    make_environment,
    mirror_sources,
    mirror_wheel,
    no_proxy_for_localhost,
    pip_install,
    run_command,
    start_index_server,
    stop_index_server,
    wheel_closure,
)

ALREADY_INSTALLED = ["requests"]
TO_INSTALL = ["flask"]
RUNS = 5


def seconds_since(start: float) -> float:
    return time.perf_counter() - start


def installed_set(site_packages: Path) -> dict[str, str]:
    from core.packages import installed_packages

    return {package.key: package.version for package in installed_packages(site_packages)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mirror", type=Path, help="folder with simple/ (default: the local mirrors pip's configuration names)"
    )
    parser.add_argument("--runs", type=int, default=RUNS)
    options = parser.parse_args()

    sources = [options.mirror / "simple"] if options.mirror else mirror_sources()
    mirror = ", ".join(map(str, sources))
    if not sources or not all(source.is_dir() for source in sources):
        print(f"No wheel mirror ({mirror or 'none in pip configuration'}): pass --mirror")
        print("SUMMARY: skipped, no local wheel mirror")
        return 0
    wheels, missing = wheel_closure(sources, [*ALREADY_INSTALLED, *TO_INSTALL])
    if missing:
        print(f"The mirror {mirror} has no installable wheel for: {', '.join(sorted(missing))}")
        print("SUMMARY: skipped, wheels missing from the local mirror")
        return 0
    pip_wheel = mirror_wheel(sources, "pip") or ensurepip_pip_wheel()
    if pip_wheel is None:
        print("SUMMARY: skipped, no pip wheel (none in the mirror, no ensurepip/_bundled)")
        return 0

    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch:
        isolate_xdg(scratch)
        no_proxy_for_localhost()  # the size look-ups run in this process
        from core import commands
        from core.backends.pip import PipBackend
        from core.environments import Environment
        from core.journal import package_set
        from core.packages import installed_packages
        from gui.controllers.packages import _with_sizes_and_wheels
        from venvdesk_testing.index import build_index
        from venvdesk_testing.isolation import hermetic_pip_env

        # What the app gives its children (gui/runner.py), minus this machine's pip settings.
        env = hermetic_pip_env(commands.child_environment())
        root = build_index(
            Path(scratch, "index"), packages=(), extra_wheels=sorted(wheels.values())
        )
        server, index_url = start_index_server(root)
        try:
            base = Path(scratch, "base")
            start = time.perf_counter()
            make_environment(base, pip_wheel, env)
            pip_install(
                str(Environment(base).python),
                ["--index-url", index_url, "--no-cache-dir", "--disable-pip-version-check"],
                ALREADY_INSTALLED,
                env,
            )
            setup_seconds = seconds_since(start)
            base_packages = installed_set(Environment.load(base).site_packages())

            def fresh(label: str) -> tuple[Environment, PipBackend, list]:
                target = Path(scratch, label)
                shutil.copytree(base, target, symlinks=True)
                environment = Environment.load(target)
                installed = installed_packages(environment.site_packages())
                backend = PipBackend.for_environment(environment, installed, index_url=index_url)
                return environment, backend, installed

            def plain(label: str) -> tuple[dict[str, float], dict[str, str]]:
                environment, backend, _installed = fresh(label)
                start = time.perf_counter()
                run_command(backend.install(TO_INSTALL), env, merge_stderr=True)
                times = {"install": seconds_since(start)}
                after = installed_set(environment.site_packages())
                shutil.rmtree(environment.path)
                return times, after

            plans = []

            def previewed(label: str) -> tuple[dict[str, float], dict[str, str]]:
                environment, backend, installed = fresh(label)
                dry_run = backend.dry_run(TO_INSTALL)
                if dry_run is None:
                    raise SystemExit(f"FAILED: no dry run: {backend.dry_run_unavailable()}")
                python_version = (
                    environment.python_version
                )  # the app: version_tuple(environment.version)
                times = {}
                start = time.perf_counter()
                report = run_command(dry_run, env).stdout
                times["dry_run"] = seconds_since(start)
                start = time.perf_counter()
                plan = backend.parse_dry_run(report).compared_with(package_set(installed))
                plan = plan.with_free_space(environment.site_packages())
                plan, wheels_instead = _with_sizes_and_wheels(plan, index_url, python_version)
                asks = plan.needs_question()
                times["plan"] = seconds_since(start)
                plans.append((plan, asks, wheels_instead))
                start = time.perf_counter()
                run_command(backend.install(TO_INSTALL), env, merge_stderr=True)
                times["install"] = seconds_since(start)
                times["total"] = times["dry_run"] + times["plan"] + times["install"]
                after = installed_set(environment.site_packages())
                shutil.rmtree(environment.path)
                return times, after

            warm_a, after_a = plain("warm-a")
            warm_b, after_b = previewed("warm-b")
            plains, previews = [], []
            for run_number in range(options.runs):
                order = (plain, previewed) if run_number % 2 == 0 else (previewed, plain)
                for measure in order:
                    times, after = measure(f"{measure.__name__}-{run_number}")
                    (plains if measure is plain else previews).append(times)
                    if after != (after_a if measure is plain else after_b):
                        raise SystemExit(
                            f"FAILED: run {run_number} of {measure.__name__} installed {after}"
                        )
            base_after = installed_set(Environment.load(base).site_packages())
            shown = PipBackend.for_environment(
                Environment.load(base),
                installed_packages(Environment.load(base).site_packages()),
                index_url=index_url,
            )
            install_command = shown.install(TO_INSTALL).display()
            dry_run_command = shown.dry_run(TO_INSTALL).display()
            pip_version = shown.pip_version
        finally:
            stop_index_server(server)

    plan, asks, wheels_instead = plans[-1]
    added = {key: version for key, version in after_a.items() if base_packages.get(key) != version}
    same = after_a == after_b
    untouched = base_after == base_packages

    def median(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    plain_s = median(plains, "install")
    total_s = median(previews, "total")
    extra_s = total_s - plain_s
    ratio = total_s / plain_s
    size = plan.download_size()

    print(
        f"Mirror:            {mirror} ({len(wheels)} wheels used: {', '.join(sorted(p.name for p in wheels.values()))})"
    )
    print(
        f"pip in the env:    {pip_version} (seeded from {pip_wheel.name}); set-up {setup_seconds:.1f} s"
    )
    print(f"Installed first:   {', '.join(f'{k} {v}' for k, v in sorted(base_packages.items()))}")
    print(f"Install adds:      {', '.join(f'{k} {v}' for k, v in sorted(added.items()))}")
    print(f"(a) command:       {install_command}")
    print(f"(b) dry run:       {dry_run_command}")
    print(
        f"Plan:              {plan.describe()} | asks the person: {'YES' if asks else 'no'}; "
        f"download {size if size is None else f'{size / 1e6:.2f} MB'} ({'all' if plan.sizes_complete() else 'not all'} sized)"
        f"{'; wheels instead: ' + str(wheels_instead) if wheels_instead else ''}"
    )
    print(
        f"After (a) and (b): {'same packages' if same else 'DIFFERENT packages'}; "
        f"prepared environment {'untouched' if untouched else 'CHANGED'} by the copies"
    )
    print(
        f"Warm-up (untimed): (a) {warm_a['install']:.2f} s; (b) {warm_b['total']:.2f} s "
        f"(dry run {warm_b['dry_run']:.2f} + plan {warm_b['plan'] * 1000:.0f} ms + install {warm_b['install']:.2f})"
    )
    print(f"Runs: {options.runs} of each, interleaved; medians (min, max):")

    def row(label: str, values: list[float], unit: str = "s") -> None:
        scale, digits = (1000, 0) if unit == "ms" else (1, 2)
        print(
            f"  {label:38s} {statistics.median(values) * scale:8.{digits}f} {unit}  "
            f"({min(values) * scale:.{digits}f}, {max(values) * scale:.{digits}f})"
        )

    row("(a) pip install", [r["install"] for r in plains])
    row("(b) dry run (pip --dry-run --report)", [r["dry_run"] for r in previews])
    row("(b) reading the plan + sizes", [r["plan"] for r in previews], "ms")
    row("(b) pip install after the preview", [r["install"] for r in previews])
    row("(b) total", [r["total"] for r in previews])
    print(f"  extra wait (b) - (a)                   {extra_s:8.2f} s")
    print(f"  ratio (b) / (a)                        {ratio:8.2f}x")
    print(
        f"SUMMARY: installing flask ({len(added)} distributions) into an environment with requests: "
        f"plain pip install {plain_s:.2f} s vs dry run + install {total_s:.2f} s "
        f"(dry run {median(previews, 'dry_run'):.2f} s, plan {median(previews, 'plan') * 1000:.0f} ms): "
        f"+{extra_s:.2f} s, {ratio:.2f}x; results {'identical' if same and untouched else 'DIFFER'}"
    )
    return 0 if same and untouched else 1


if __name__ == "__main__":
    sys.exit(main())
