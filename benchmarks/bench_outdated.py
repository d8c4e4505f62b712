"""How long finding an environment's outdated packages takes: our check vs ``pip list --outdated``.

Run from the repository root:  python benchmarks/bench_outdated.py

Builds 36 tiny wheels, each in 2 or 3 versions, with
``tests.support.local_index.build_wheel`` (via ``build_index``, which also
serves the pip wheels bundled with the Pythons here), and serves them on
127.0.0.1 with ``LocalIndexServer``.  The server runs in a child process, so
neither side of the comparison shares its interpreter (or its GIL) with it.

A throw-away environment (``venv --without-pip`` + ``core.commands.seed_pip``)
gets every package from that index: 9 of them at an older version, the rest at
their newest.  Three packages test the rules rather than the speed: one whose
newest release needs a Python from the future (outdated, to the version before),
one whose newest release is yanked and one whose newest is a pre-release (both
up to date).

Ours (in-process, as the Packages panel does it, but cold: no cache of
latest versions):  ``core.packages.installed_packages(site_packages)``, then
``core.pypi.latest_versions(index, names, python_version)``, then comparing
versions with ``gui.models.packages.is_newer``.
The alternative:  ``<env python> -m pip list --outdated --format=json`` with
``hermetic_pip_args`` + ``hermetic_pip_env`` against the same index.

One untimed warm-up of each, then interleaved rounds; medians.  The outdated
sets (names and newest versions) must agree.  The target: at least 5x faster.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import (
    isolate_xdg,
    make_environment,
    milliseconds,
    no_proxy_for_localhost,
    pip_install,
    run,
    start_index_server,
    stop_index_server,
)

PACKAGE_COUNT = 36
OLD_EVERY = 4  # packages 0, 4, 8, ... 32 are installed at their oldest version: 9 of them
ROUNDS = 5
OURS_PER_ROUND = 4
TARGET_RATIO = 5.0

# Packages that check the rules; (index, what is special).
FUTURE_PYTHON = 33  # newest release needs Python >= 3.99: installed oldest, outdated to the middle one
YANKED = 34  # newest release yanked: installed oldest, up to date
PRERELEASE = 35  # newest is 2.0rc1: installed 1.1, up to date


def package_name(index: int) -> str:
    # A mix of spellings, as on PyPI: plain, dashed, Mixed_Case with underscores, dotted.
    return ("outpkg{:02d}", "out-pkg-{:02d}", "Out_Pkg_{:02d}", "out.pkg.{:02d}")[index % 4].format(
        index
    )


def catalogue():
    """(the PackageSpecs to index, the requirements to install, the expected outdated names)."""
    from tests.support.local_index import PackageSpec

    specs, install, expected = [], [], {}
    for index in range(PACKAGE_COUNT):
        name = package_name(index)
        summary = f"Outdated-check benchmark package {index}."
        requires = (f"{package_name(index - 1)}>=1.0",) if index % 5 == 4 else ()
        versions = ["1.0", "1.1", "2.0"] if index % 3 == 0 else ["1.0", "1.1"]
        for version in versions:
            specs.append(PackageSpec(name, version, requires=requires, summary=summary))
        if index == FUTURE_PYTHON:
            specs[-1] = PackageSpec(
                name, versions[-1], requires=requires, summary=summary, requires_python=">=3.99"
            )
            install.append(f"{name}=={versions[0]}")
            expected[name] = versions[-2]
        elif index == YANKED:
            specs[-1] = PackageSpec(
                name, versions[-1], requires=requires, summary=summary, yanked="broken upload"
            )
            install.append(f"{name}=={versions[0]}")
        elif index == PRERELEASE:
            specs.append(PackageSpec(name, "2.0rc1", requires=requires, summary=summary))
            install.append(f"{name}=={versions[-1]}")
        elif index % OLD_EVERY == 0:
            install.append(f"{name}=={versions[0]}")
            expected[name] = versions[-1]
        else:
            install.append(name)
    return specs, install, expected


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch:
        isolate_xdg(scratch)
        # Our in-process requests go straight to 127.0.0.1, whatever proxy this shell names.
        no_proxy_for_localhost()
        from packaging.utils import canonicalize_name

        from core import commands, pypi
        from core.environments import Environment
        from core.packages import installed_packages
        from gui.models.packages import is_newer
        from tests.support.bundled_pip import bundled_pip_wheels
        from tests.support.local_index import build_index, hermetic_pip_args, hermetic_pip_env

        env = hermetic_pip_env(commands.child_environment())
        wheels = bundled_pip_wheels()
        if not wheels:
            print("SUMMARY: skipped, no pip wheel bundled with any Python here")
            return 0

        # Set-up (not timed): the index, its server, an environment made the Venvdesk way.
        start = time.perf_counter()
        specs, install, expected = catalogue()
        root = build_index(Path(scratch, "index"), specs, extra_wheels=wheels)
        build_ms = milliseconds(start)
        server, index_url = start_index_server(root)
        try:
            target = Path(scratch, "env")
            environment_python = make_environment(target, wheels[-1], env)
            start = time.perf_counter()
            pip_install(environment_python, hermetic_pip_args(index_url), install, env)
            install_ms = milliseconds(start)
            environment = Environment.load(target)
            site_packages = environment.site_packages()
            python_version = tuple(int(p) for p in environment.version.split(".")[:3] if p.isdigit())

            def ours() -> tuple[dict[str, tuple[str, str]], int, int]:
                packages = installed_packages(site_packages)
                latest = pypi.latest_versions(index_url, [p.key for p in packages], python_version)
                failures = sum(isinstance(v, Exception) for v in latest.values())
                outdated = {
                    p.key: (p.version, latest[p.key])
                    for p in packages
                    if isinstance(latest.get(p.key), str)
                    and latest[p.key]
                    and is_newer(latest[p.key], p.version)
                }
                return outdated, len(packages), failures

            pip_argv = [
                environment_python,
                "-m",
                "pip",
                "list",
                "--outdated",
                "--format=json",
                *hermetic_pip_args(index_url),
            ]

            def pip_outdated() -> dict[str, tuple[str, str]]:
                entries = json.loads(run(pip_argv, env).stdout or "[]")
                return {
                    canonicalize_name(e["name"]): (e["version"], e["latest_version"])
                    for e in entries
                }

            start = time.perf_counter()
            ours_result, installed_count, failures = ours()
            first_ours = milliseconds(start)
            start = time.perf_counter()
            pip_result = pip_outdated()
            first_pip = milliseconds(start)
            ours_times, pip_times = [], []
            for _ in range(ROUNDS):
                for _ in range(OURS_PER_ROUND):
                    start = time.perf_counter()
                    ours_result, installed_count, failures = ours()
                    ours_times.append(milliseconds(start))
                start = time.perf_counter()
                pip_result = pip_outdated()
                pip_times.append(milliseconds(start))
        finally:
            stop_index_server(server)

    expected_set = {canonicalize_name(n): v for n, v in expected.items()}
    ours_latest = {name: latest for name, (_v, latest) in ours_result.items()}
    pip_latest = {name: latest for name, (_v, latest) in pip_result.items()}
    same = ours_latest == pip_latest
    ours_ms = statistics.median(ours_times)
    pip_ms = statistics.median(pip_times)
    ratio = pip_ms / ours_ms

    print(
        f"Set-up: index of {len(specs)} wheels (+{len(wheels)} pip wheels) built in {build_ms:.0f} ms,"
        f" {len(install)} packages installed with pip in {install_ms:.0f} ms"
    )
    print(f"Installed distributions: {installed_count} (pip included)")
    print(
        f"Outdated: ours {len(ours_result)}, pip list --outdated {len(pip_result)}"
        f" (expected {len(expected_set)})"
    )
    for name in sorted(ours_result):
        installed, latest = ours_result[name]
        print(f"  {name:12s} {installed} -> {latest}")
    if failures:
        print(f"WARNING: {failures} latest-version look-up(s) failed in our check")
    if not same:
        print("WARNING: the outdated sets DIFFER")
        print(f"  ours:                {sorted(ours_latest.items())}")
        print(f"  pip list --outdated: {sorted(pip_latest.items())}")
    elif ours_latest != expected_set:
        print(f"WARNING: both agree, but not with the catalogue: {sorted(expected_set.items())}")
    else:
        print("Outdated sets (names and newest versions): identical, and as built")
    print(f"Warm-up (first call): ours {first_ours:.1f} ms, pip {first_pip:.0f} ms")
    print(
        f"Ours: installed_packages + latest_versions + compare ({len(ours_times)} runs):"
        f" median {ours_ms:7.1f} ms, min {min(ours_times):.1f}, max {max(ours_times):.1f}"
    )
    print(
        f"pip list --outdated --format=json ({len(pip_times)} runs):"
        f"         median {pip_ms:7.1f} ms, min {min(pip_times):.1f}, max {max(pip_times):.1f}"
    )
    print(f"Ratio pip / ours: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x)")
    print(
        f"SUMMARY: outdated check of {installed_count} packages in {ours_ms:.0f} ms vs"
        f" pip list --outdated {pip_ms:.0f} ms: {ratio:.1f}x faster"
        f" ({'meets' if ratio >= TARGET_RATIO else 'BELOW'} the {TARGET_RATIO:.0f}x target);"
        f" outdated sets {'identical' if same else 'DIFFER'} ({len(ours_result)} outdated)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
