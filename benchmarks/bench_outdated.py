"""How long finding an environment's outdated packages takes: our check vs ``pip list --outdated``.

Run from the repository root:  python benchmarks/bench_outdated.py [--rounds N]

Builds 170 tiny wheels, each in 2 or 3 versions, with ``tests.support.local_index.build_wheel``
(via ``build_index``, which also serves the pip wheels bundled with the Pythons here), and serves
them on 127.0.0.1 with ``LocalIndexServer`` -- twice, from child processes (so neither side of
the comparison shares its interpreter, or its GIL, with a server):

* an index that serves only HTML simple pages (``html_only=True``: a static mirror, a
  pre-PEP 691 server, this machine's ``file://`` mirror served over HTTP), and
* one that offers PEP 691 JSON simple pages (as PyPI and devpi do).

A throw-away environment (``venv --without-pip`` + ``core.commands.seed_pip``) gets every package
(set-up, with uv where installed, else pip): about a quarter of them at an older version, the
rest at their newest -- with pip, 171 distributions.  Three packages test the rules rather than
the speed: one whose newest release needs a Python from the future (outdated, to the version
before), one whose newest release is yanked and one whose newest is a pre-release (both up to
date).

Ours (as the Packages panel does it, but cold: no cache of latest versions):
``core.packages.installed_packages(site_packages)``, then ``core.lookup_child.latest_versions(index,
names, python_version)`` (the child Venvdesk that the window keeps for look-ups runs
``core.pypi.latest_versions``: one simple-page request per project, PEP 691 JSON where the index
offers it, HTML otherwise), then comparing versions with ``gui.models.packages.is_newer``.  The
warm-up starts that child (~140 ms, reported); the window starts it on its first look-up.
The alternative: ``<env python> -m pip list --outdated --format=json`` with ``hermetic_pip_args``
+ ``hermetic_pip_env`` against the same index.

Per index: one untimed warm-up of each, then interleaved rounds (pip once, ours three times per
round); medians.  Then three passes of ours as the panel runs it -- in a worker thread
(``gui.workers.run_in_background``) while a 10 ms ``QTimer`` ticks on the UI thread -- for the
heartbeat's longest gap (aim: under 50 ms).  The outdated sets (names and newest versions) must agree with each other and
with the catalogue.  Goal (issue 13): at least 3x faster than pip on both kinds of index.
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
    goal_text,
    isolate_xdg,
    make_environment,
    milliseconds,
    no_proxy_for_localhost,
    pip_install,
    ratio_text,
    run,
    start_index_server,
    stop_index_server,
    uv_program,
    wait_until,
)

PACKAGE_COUNT = 170
OLD_EVERY = 4  # packages 0, 4, 8, ... are installed at their oldest version
ROUNDS = 3
OURS_PER_ROUND = 3
TARGET_RATIO = 3.0
HEARTBEAT_PASSES = 3
HEARTBEAT_MS = 10
AIM_GAP_MS = 50.0

# Packages that check the rules (index % 3 == 0: three versions, else two).
FUTURE_PYTHON = 165  # 1.0, 1.1, 2.0 needing Python >= 3.99: installed 1.0, outdated to 1.1
YANKED = 166  # 1.0, 1.1 yanked: installed 1.0, up to date
PRERELEASE = 167  # 1.0, 1.1, 2.0rc1: installed 1.1, up to date


def package_name(index: int) -> str:
    # A mix of spellings, as on PyPI: plain, dashed, Mixed_Case with underscores, dotted.
    return ("outpkg{:03d}", "out-pkg-{:03d}", "Out_Pkg_{:03d}", "out.pkg.{:03d}")[index % 4].format(
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


def measure_index(root: Path, html_only: bool, site_packages: Path, python_version, environment_python: str,
                  env: dict[str, str], rounds: int) -> dict:
    """Ours and pip against one server of the index folder *root*; timings and results."""
    from packaging.utils import canonicalize_name

    from core import lookup_child, pypi
    from core.packages import installed_packages
    from gui.models.packages import is_newer
    from tests.support.local_index import hermetic_pip_args

    server, index_url = start_index_server(root, html_only=html_only)
    try:
        def ours() -> tuple[dict[str, tuple[str, str]], int, int]:
            packages = installed_packages(site_packages)
            latest = lookup_child.latest_versions(index_url, [p.key for p in packages], python_version)
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
            environment_python, "-m", "pip", "list", "--outdated", "--format=json",
            *hermetic_pip_args(index_url),
        ]

        def pip_outdated() -> dict[str, tuple[str, str]]:
            entries = json.loads(run(pip_argv, env).stdout or "[]")
            return {
                canonicalize_name(e["name"]): (e["version"], e["latest_version"]) for e in entries
            }

        # What the index answers to our request: the kind of simple page it serves.
        _body, content_type = pypi.fetch(
            pypi.simple_page_url(index_url, "pip"),
            accept=f"{pypi.PEP691_JSON}, text/html;q=0.1",
        )
        start = time.perf_counter()
        ours_result, installed_count, failures = ours()
        first_ours = milliseconds(start)
        start = time.perf_counter()
        pip_result = pip_outdated()
        first_pip = milliseconds(start)
        ours_times, pip_times = [], []
        for _ in range(rounds):
            for _ in range(OURS_PER_ROUND):
                start = time.perf_counter()
                ours_result, installed_count, failures = ours()
                ours_times.append(milliseconds(start))
            start = time.perf_counter()
            pip_result = pip_outdated()
            pip_times.append(milliseconds(start))
        gaps = [heartbeat_pass(index_url, site_packages, python_version) for _ in range(HEARTBEAT_PASSES)]
    finally:
        stop_index_server(server)
    return {
        "kind": "HTML simple pages only" if html_only else "PEP 691 JSON simple pages",
        "content_type": content_type.split(";")[0],
        "ours": ours_result,
        "pip": pip_result,
        "installed": installed_count,
        "failures": failures,
        "first_ours": first_ours,
        "first_pip": first_pip,
        "ours_times": ours_times,
        "pip_times": pip_times,
        "gaps": gaps,
    }


def heartbeat_pass(index_url: str, site_packages: Path, python_version) -> tuple[float, float]:
    """The look-up as the panel runs it (``gui.workers.run_in_background``, off the UI thread) while
    a 10 ms ``QTimer`` ticks on the UI thread: (the longest gap between ticks, ms until delivered)."""
    from PySide6.QtCore import Qt, QTimer

    from core import lookup_child
    from core.packages import installed_packages
    from gui.workers import run_in_background

    names = [p.key for p in installed_packages(site_packages)]
    ticks: list[float] = []
    delivered: dict[str, float] = {}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(HEARTBEAT_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    wait_until(lambda: len(ticks) >= 5, 5)
    start = time.perf_counter()
    run_in_background(
        lambda: lookup_child.latest_versions(index_url, names, python_version),
        lambda _result: delivered.setdefault("at", time.perf_counter()),
        lambda exc, _tb: delivered.setdefault("failed", str(exc)),
        context=timer,
    )
    wait_until(lambda: bool(delivered), 60)
    end = time.perf_counter() + 0.1
    wait_until(lambda: time.perf_counter() >= end, 1)
    timer.stop()
    if "failed" in delivered:
        raise SystemExit(f"FAILED: the look-up in the background failed: {delivered['failed']}")
    during = [t for t in ticks if t >= start]
    gaps = [(b - a) * 1000 for a, b in zip([start, *during], during)]
    return max(gaps, default=0.0), (delivered["at"] - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    options = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch:
        isolate_xdg(scratch)
        # Our in-process requests go straight to 127.0.0.1, whatever proxy this shell names.
        no_proxy_for_localhost()
        from packaging.utils import canonicalize_name
        from PySide6.QtCore import QCoreApplication

        from core import commands
        from core.environments import Environment
        from tests.support.bundled_pip import bundled_pip_wheels
        from tests.support.local_index import build_index, hermetic_pip_args, hermetic_pip_env
        from venvdesk_testing.isolation import use_hermetic_uv

        app = QCoreApplication([sys.argv[0]])  # noqa: F841 - the heartbeat passes need an event loop
        env = hermetic_pip_env(commands.child_environment())
        use_hermetic_uv(Path(scratch), env)
        wheels = bundled_pip_wheels()
        if not wheels:
            print("SUMMARY: skipped, no pip wheel bundled with any Python here")
            return 0

        # Set-up (not timed): the index, an environment made the Venvdesk way, the packages.
        start = time.perf_counter()
        specs, install, expected = catalogue()
        root = build_index(Path(scratch, "index"), specs, extra_wheels=wheels)
        build_ms = milliseconds(start)
        target = Path(scratch, "env")
        environment_python = make_environment(target, wheels[-1], env)
        uv, _uv_version = uv_program()
        server, index_url = start_index_server(root)
        try:
            start = time.perf_counter()
            if uv:
                run([uv, "pip", "install", "--python", environment_python, "--index-url", index_url,
                     *install], env)
            else:
                pip_install(environment_python, hermetic_pip_args(index_url), install, env)
            install_ms = milliseconds(start)
        finally:
            stop_index_server(server)
        environment = Environment.load(target)
        site_packages = environment.site_packages()
        python_version = environment.python_version

        results = [
            measure_index(root, html_only, site_packages, python_version, environment_python, env,
                          options.rounds)
            for html_only in (True, False)
        ]

    expected_set = {canonicalize_name(n): v for n, v in expected.items()}
    print(
        f"Set-up: index of {len(specs)} wheels (+{len(wheels)} pip wheels) built in {build_ms:.0f} ms,"
        f" {len(install)} packages installed with {'uv' if uv else 'pip'} in {install_ms:.0f} ms"
    )
    all_same = True
    summaries = []
    for result in results:
        ours_latest = {name: latest for name, (_v, latest) in result["ours"].items()}
        pip_latest = {name: latest for name, (_v, latest) in result["pip"].items()}
        same = ours_latest == pip_latest == expected_set and not result["failures"]
        all_same = all_same and same
        ours_ms = statistics.median(result["ours_times"])
        pip_ms = statistics.median(result["pip_times"])
        ratio = pip_ms / ours_ms
        print(f"== Index serving {result['kind']} (our request got {result['content_type']})")
        print(
            f"  installed {result['installed']} (pip included); outdated: ours {len(result['ours'])},"
            f" pip list --outdated {len(result['pip'])} (expected {len(expected_set)})"
        )
        if result["failures"]:
            print(f"  WARNING: {result['failures']} latest-version look-up(s) failed in our check")
        if ours_latest != pip_latest:
            print("  WARNING: the outdated sets DIFFER")
            print(f"    ours:                {sorted(ours_latest.items())}")
            print(f"    pip list --outdated: {sorted(pip_latest.items())}")
        elif ours_latest != expected_set:
            print(f"  WARNING: both agree, but not with the catalogue: {sorted(expected_set.items())}")
        else:
            print("  outdated sets (names and newest versions): identical, and as built")
        print(f"  warm-up (first call): ours {result['first_ours']:.0f} ms, pip {result['first_pip']:.0f} ms")
        print(
            f"  ours: installed_packages + latest_versions (in a child) + compare ({len(result['ours_times'])} runs):"
            f" median {ours_ms:7.1f} ms, min {min(result['ours_times']):.1f}, max {max(result['ours_times']):.1f}"
        )
        print(
            f"  pip list --outdated --format=json ({len(result['pip_times'])} runs):"
            f"         median {pip_ms:7.1f} ms, min {min(result['pip_times']):.1f}, max {max(result['pip_times']):.1f}"
        )
        print(f"  ratio pip / ours: {ratio:.1f}x ({goal_text(ratio, TARGET_RATIO)})")
        worst_gap = max(gap for gap, _ms in result["gaps"])
        print(
            f"  run as the panel runs it (a worker thread), {len(result['gaps'])} passes: delivered after"
            f" {statistics.median(ms for _gap, ms in result['gaps']):.0f} ms (median); UI heartbeat's longest gap"
            f" {worst_gap:.0f} ms (aim < {AIM_GAP_MS:.0f} ms)"
        )
        short = "HTML-only index" if "HTML" in result["kind"] else "JSON index"
        summaries.append(
            f"{short}: {ours_ms:.0f} ms vs pip {pip_ms:.0f} ms, {ratio_text(pip_ms, ours_ms)}"
            f" ({goal_text(ratio, TARGET_RATIO)}), heartbeat max gap {worst_gap:.0f} ms"
        )
    installed_count = results[0]["installed"]
    print(
        f"SUMMARY: outdated check of {installed_count} packages vs pip list --outdated -- "
        + "; ".join(summaries)
        + f"; outdated sets {'identical, as built' if all_same else 'DIFFER'}"
    )
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
