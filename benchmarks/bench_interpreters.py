"""How long finding interpreters takes, cold and from the cache.

Run from the repository root:  python benchmarks/bench_interpreters.py

Uses a throw-away XDG_CACHE_HOME so the person's real cache is neither read nor
changed.  The target: a cached call of find_interpreters() under 50 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from common import milliseconds

CACHED_TARGET_MS = 50.0
CACHED_RUNS = 20


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home
        from core.interpreters import candidate_paths, find_interpreters

        start = time.perf_counter()
        paths = candidate_paths()
        discovery_ms = milliseconds(start)

        start = time.perf_counter()
        cold = find_interpreters()
        cold_ms = milliseconds(start)

        cached_times = []
        for _ in range(CACHED_RUNS):
            start = time.perf_counter()
            cached = find_interpreters()
            cached_times.append(milliseconds(start))
        if cached != cold:
            print("WARNING: the cached answer differs from the cold one")

    first_cached_ms = cached_times[0]
    median_ms = statistics.median(cached_times)
    usable = [i for i in cold if i.can_create_venv]
    print(f"Interpreters found:          {len(cold)} ({len(usable)} can create a venv)")
    for interpreter in cold:
        verdict = "ok" if interpreter.can_create_venv else f"unusable: {interpreter.problem}"
        print(f"  {interpreter.label}  [{verdict}]")
    print(f"Discovery only (no probing): {discovery_ms:8.1f} ms for {len(paths)} candidates")
    print(f"Cold discovery + probe:      {cold_ms:8.1f} ms")
    print(f"Cached second call:          {first_cached_ms:8.1f} ms")
    print(
        f"Cached calls ({CACHED_RUNS} runs):      median {median_ms:.1f} ms, "
        f"min {min(cached_times):.1f} ms, max {max(cached_times):.1f} ms"
    )
    under = first_cached_ms < CACHED_TARGET_MS
    print(
        f"SUMMARY: {len(cold)} interpreters; cold {cold_ms:.0f} ms; cached {first_cached_ms:.1f} ms "
        f"({'under' if under else 'OVER'} the {CACHED_TARGET_MS:.0f} ms target)"
    )
    return 0  # a figure, not a test: the summary says whether the target is met


if __name__ == "__main__":
    sys.exit(main())
