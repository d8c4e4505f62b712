"""How long listing an environment's installed packages takes: metadata reading vs ``pip list``.

Run from the repository root:  python benchmarks/bench_package_listing.py

Builds ~110 tiny wheels (some depending on others) with
``tests.support.local_index.build_wheel``, installs them into a throw-away
environment with that environment's own pip (``--no-index --find-links``, with
this machine's pip configuration ignored: no network), then times
``core.packages.installed_packages(site_packages)`` in-process against
``python -m pip list --format=json`` (the command ``core.backends.pip.pip_command`` builds)
run as a subprocess on the same environment.  The target: at least 10x faster.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import (
    ensurepip_pip_wheel,
    isolate_xdg,
    make_environment,
    milliseconds,
    pip_install,
    run_command,
)

PACKAGE_COUNT = 110
IN_PROCESS_RUNS = 50
PIP_LIST_RUNS = 5
TARGET_RATIO = 10.0


def package_name(index: int) -> str:
    # A mix of spellings, as on PyPI: plain, dashed, Mixed_Case with underscores, dotted.
    return ("benchpkg{:03d}", "bench-pkg-{:03d}", "Bench_Pkg_{:03d}", "bench.pkg.{:03d}")[
        index % 4
    ].format(index)


def build_wheels(folder: Path) -> list[str]:
    """~110 wheels; every third package needs one or two earlier ones.  Returns the names."""
    from tests.support.local_index import build_wheel

    names = []
    for index in range(PACKAGE_COUNT):
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
            extras={"extra": [package_name((index + 1) % PACKAGE_COUNT)]}
            if index % 10 == 0
            else None,
        )
        names.append(name)
    return names


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch:
        isolate_xdg(scratch)
        from packaging.utils import canonicalize_name

        from core import commands
        from core.backends.pip import pip_command
        from core.environments import Environment
        from core.packages import installed_packages
        from tests.support.local_index import hermetic_pip_env

        env = hermetic_pip_env(commands.child_environment())
        # This interpreter's own pip (ensurepip's), not the newest pip here: pip list is measured.
        wheel = ensurepip_pip_wheel()
        if wheel is None:
            print(
                "SUMMARY: skipped, no local pip wheel (no ensurepip/_bundled, no /usr/share/python-wheels)"
            )
            return 0

        # Set up (not timed): an environment made the Venvdesk way, then the wheels.
        target = Path(scratch, "env")
        environment_python = make_environment(target, wheel, env)
        wheels = Path(scratch, "wheels")
        start = time.perf_counter()
        names = build_wheels(wheels)
        build_ms = milliseconds(start)
        start = time.perf_counter()
        pip_install(
            environment_python,
            [
                "--isolated",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--no-index",
                "--find-links",
                str(wheels),
            ],
            names,
            env,
        )
        install_ms = milliseconds(start)
        site_packages = Environment.load(target).site_packages()

        # Ours: in-process, many runs.  The first call is reported on its own.
        ours_times = []
        for _ in range(IN_PROCESS_RUNS):
            start = time.perf_counter()
            ours = installed_packages(site_packages)
            ours_times.append(milliseconds(start))

        # The alternative: what asking pip costs, a subprocess each time.
        listing = pip_command(environment_python, "list", "--format=json", description="List packages")
        pip_times = []
        for _ in range(PIP_LIST_RUNS):
            start = time.perf_counter()
            output = run_command(listing, env).stdout
            pip_times.append(milliseconds(start))

    ours_set = {(canonicalize_name(p.name), p.version) for p in ours}
    pip_set = {(canonicalize_name(e["name"]), e["version"]) for e in json.loads(output)}
    same = ours_set == pip_set
    ours_ms = statistics.median(ours_times)
    pip_ms = statistics.median(pip_times)
    ratio = pip_ms / ours_ms

    print(
        f"Set-up: {len(names)} wheels built in {build_ms:.0f} ms, installed with pip in {install_ms:.0f} ms"
    )
    print(f"Distributions installed: {len(ours)} (installed_packages), {len(pip_set)} (pip list)")
    if same:
        print("Name/version sets:       identical")
    else:
        print("Name/version sets:       DIFFERENT")
        print(f"  only in installed_packages: {sorted(ours_set - pip_set)}")
        print(f"  only in pip list:           {sorted(pip_set - ours_set)}")
    print(
        f"installed_packages() ({IN_PROCESS_RUNS} runs):  median {ours_ms:7.2f} ms, "
        f"first {ours_times[0]:.2f} ms, min {min(ours_times):.2f} ms, max {max(ours_times):.2f} ms"
    )
    print(
        f"pip list --format=json ({PIP_LIST_RUNS} runs): median {pip_ms:7.1f} ms, "
        f"min {min(pip_times):.1f} ms, max {max(pip_times):.1f} ms"
    )
    print(f"Ratio pip list / installed_packages:  {ratio:.0f}x (target >= {TARGET_RATIO:.0f}x)")
    print(
        f"SUMMARY: {len(ours)} distributions listed in {ours_ms:.1f} ms vs pip list {pip_ms:.0f} ms: "
        f"{ratio:.0f}x faster ({'meets' if ratio >= TARGET_RATIO else 'BELOW'} the {TARGET_RATIO:.0f}x target); "
        f"results {'identical' if same else 'DIFFER'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
