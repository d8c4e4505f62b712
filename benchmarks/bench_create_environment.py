"""How long creating a ready-to-use environment takes: Venvdesk's path vs ``python -m venv``.

Run from the repository root:  python benchmarks/bench_create_environment.py [--python PATH] [--wheel PATH]

"Ready to use" means pip is inside, importable, and ``python -m pip --version``
works.  Venvdesk's path is exactly the commands the main window queues
(``MainWindow.creation_operation`` with a cached pip wheel):

1. ``core.commands.create_venv(..., with_pip=False)``  ->  ``python -m venv --without-pip``
2. ``core.commands.seed_pip(env_python, wheel)``       ->  unpack the wheel (``core/seed_pip.py``)
3. ``core.commands.byte_compile(env_python, .../pip)`` ->  optional, runs once the env is usable

The alternative is plain ``python -m venv <dir>`` (ensurepip) on the same base
interpreter.  Nothing touches the network: the pip wheel is the one bundled with
the interpreter's ensurepip (so both sides install the same pip), or ``--wheel``.
Every command runs as a subprocess, with the environment the app gives its
children, in a throw-away folder (and throw-away XDG_* folders).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ensurepip_pip_wheel, isolate_xdg, run, run_command

REPETITIONS = 5


def seconds_since(start: float) -> float:
    return time.perf_counter() - start


def time_command(command, env: dict[str, str]) -> float:
    """Run one core.commands.Command (program + args) as a subprocess; return its wall-clock seconds."""
    start = time.perf_counter()
    run_command(command, env, merge_stderr=True, what=command.display())
    return seconds_since(start)


def time_argv(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    run(argv, env, merge_stderr=True)
    return seconds_since(start)


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
    version = subprocess.run(
        [environment_python, "-m", "pip", "--version"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    listing = subprocess.run(
        [environment_python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    names = {entry["name"].lower(): entry["version"] for entry in json.loads(listing)}
    if "pip" not in names:
        raise SystemExit(f"FAILED: pip list in the seeded environment does not show pip: {listing}")
    return version


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python", default=os.path.realpath(sys._base_executable), help="base interpreter"
    )
    parser.add_argument(
        "--wheel", help="pip wheel to seed (default: the interpreter's ensurepip wheel)"
    )
    parser.add_argument("--repetitions", type=int, default=REPETITIONS)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch:
        isolate_xdg(scratch)
        from core import commands
        from core.environments import Environment
        from tests.support.local_index import hermetic_pip_env

        base = os.path.realpath(options.python)
        version, stdlib = interpreter_facts(base)
        # The measured interpreter's own ensurepip wheel: both sides install the same pip.
        wheel = Path(options.wheel).resolve() if options.wheel else ensurepip_pip_wheel(stdlib)
        if wheel is None:
            print(
                "No pip wheel found (no ensurepip/_bundled, no /usr/share/python-wheels): pass --wheel"
            )
            print("SUMMARY: skipped, no local pip wheel")
            return 0
        # What the app gives its children (gui/runner.py), minus this machine's pip settings.
        env = hermetic_pip_env(commands.child_environment())
        major_minor = "{}.{}".format(*version[:2])
        ensurepip_wheels = sorted(
            Path(p).name for p in glob.glob(os.path.join(stdlib, "ensurepip", "_bundled", "*.whl"))
        )

        creates, seeds, ours, compiles, venvs = [], [], [], [], []
        for repetition in range(options.repetitions):
            target = Path(scratch, f"ours-{repetition}")
            environment_python = str(Environment(target).python)
            steps = [
                commands.create_venv(base, target, with_pip=False),
                commands.seed_pip(environment_python, wheel),
            ]
            creates.append(time_command(steps[0], env))
            seeds.append(time_command(steps[1], env))
            ours.append(creates[-1] + seeds[-1])
            site_packages = target / "lib" / f"python{major_minor}" / "site-packages"
            compiles.append(
                time_command(commands.byte_compile(environment_python, site_packages / "pip"), env)
            )
            if repetition == 0:
                ours_pip = check_ready(environment_python, env)

            plain = Path(scratch, f"venv-{repetition}")
            venvs.append(time_argv([base, "-m", "venv", str(plain)], env))
            if repetition == 0:
                venv_pip = check_ready(str(Environment(plain).python), env)
            shutil.rmtree(target)
            shutil.rmtree(plain)

    ours_ms = statistics.median(ours) * 1000
    compile_ms = statistics.median(compiles) * 1000
    with_compile_ms = statistics.median([a + b for a, b in zip(ours, compiles)]) * 1000
    venv_ms = statistics.median(venvs) * 1000
    ratio = venv_ms / ours_ms
    ratio_with_compile = venv_ms / with_compile_ms

    print(f"Base interpreter:   {base} (Python {'.'.join(map(str, version))})")
    print(f"Seeded pip wheel:   {wheel}")
    print(
        f"ensurepip installs: {', '.join(ensurepip_wheels) or '(none found)'} (and byte-compiles them)"
    )
    print(f"Ready check, ours:  {ours_pip}")
    print(f"Ready check, venv:  {venv_pip}")
    print(f"Repetitions:        {options.repetitions} (interleaved), medians below")
    print(f"  ours: venv --without-pip              {statistics.median(creates) * 1000:8.0f} ms")
    print(f"  ours: seed_pip (unpack the wheel)     {statistics.median(seeds) * 1000:8.0f} ms")
    print(
        f"  ours: venv --without-pip + seed_pip   {ours_ms:8.0f} ms  (min {min(ours) * 1000:.0f}, max {max(ours) * 1000:.0f})"
    )
    print(f"  ours: byte_compile (optional, after)  {compile_ms:8.0f} ms")
    print(f"  ours: all three steps                 {with_compile_ms:8.0f} ms")
    print(
        f"  python -m venv (ensurepip)            {venv_ms:8.0f} ms  (min {min(venvs) * 1000:.0f}, max {max(venvs) * 1000:.0f})"
    )
    print(f"  ratio venv / ours (usable)            {ratio:8.1f}x")
    print(f"  ratio venv / ours (incl. compile)     {ratio_with_compile:8.1f}x")
    print(
        f"SUMMARY: ready-to-use environment in {ours_ms:.0f} ms (+{compile_ms:.0f} ms optional byte-compile) "
        f"vs python -m venv {venv_ms:.0f} ms: {ratio:.1f}x faster ({ratio_with_compile:.1f}x including byte-compile)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
