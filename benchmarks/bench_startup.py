"""How long Venvdesk takes from launch to its main window painted, against a bare PySide6 window.

Run from the repository root:  python benchmarks/bench_startup.py

Ours:  ``python -m gui --quit-after-paint`` (builds the main window's frame, shows it,
repaints it, then builds what the first paint does not show: the rest of the window and
its later parts — also timed and printed — and quits).
Bare:  a script that creates a QApplication and an empty QMainWindow, shows it,
repaints it and quits via ``QTimer.singleShot(0, app.quit)``.

Both run as subprocesses with the same Python, QT_QPA_PLATFORM=offscreen,
throw-away XDG_* folders and PIP_INDEX_URL pointing at a closed local port (no
network), interleaved; wall-clock from launch to the "painted" line each
prints right after repainting its window, medians.  One untimed
warm-up of each comes first (it also fills the app's caches, as on a second
launch).  The target: ours at most 1.5x the bare window.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REPO_ROOT, isolate_xdg, run

REPETITIONS = 11  # the machine's own noise moves a 7-run median by ~0.2x
TARGET_RATIO = 1.5

BARE_SCRIPT = """\
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1100, 720)
window.show()
window.repaint()
import time
print(f"painted {time.time():.6f}", flush=True)
print(f"cpu {time.process_time():.6f}", flush=True)
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
"""


def launch(
    argv: list[str], env: dict[str, str], built_times: list[float] | None = None, cpu_times: list[float] | None = None
) -> float:
    """Seconds from starting ``argv`` to the moment it reports its window painted.

    Both programs print ``painted <time.time()>`` right after ``repaint()``; the
    time after that (quitting, waiting for background probes) is not start-up.
    Venvdesk then builds what the first paint does not show (the rest of the window: controllers,
    the Installed tab, the Log, the menus' items; then the Find tab, the project page, the menus'
    project and Jupyter actions) and prints ``built <time.time()>``:
    that moment goes to ``built_times``.  Both also print ``cpu <seconds>``, the processor time the
    process had used when it painted: it goes to ``cpu_times`` (other programs busy on the machine
    stretch the wall-clock figure much more than this one).
    """
    start = time.time()
    completed = run(argv, env, cwd=REPO_ROOT, timeout=120)
    lines = completed.stdout.splitlines()
    painted = [line for line in lines if line.startswith("painted ")]
    if not painted:
        raise SystemExit(f"no 'painted' line from {argv}:\n{completed.stdout}\n{completed.stderr}")
    built = [line for line in lines if line.startswith("built ")]
    if built_times is not None:
        if not built:
            raise SystemExit(f"no 'built' line from {argv}:\n{completed.stdout}\n{completed.stderr}")
        built_times.append(float(built[-1].split()[1]) - start)
    cpu = [line for line in lines if line.startswith("cpu ")]
    if cpu_times is not None and cpu:
        cpu_times.append(float(cpu[-1].split()[1]))
    return float(painted[-1].split()[1]) - start


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="venvdesk-bench-") as scratch:
        env = dict(os.environ)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["PIP_INDEX_URL"] = (
            "http://127.0.0.1:9/simple/"  # discard port: refused at once, never the internet
        )
        # An installed app has its bytecode compiled.  With PYTHONDONTWRITEBYTECODE set (as in some shells
        # and CI), every launch would recompile gui/ and core/: cache the bytecode in a throw-away folder
        # instead (filled by the warm-up run; the repository gets no __pycache__).
        bytecode_note = (
            "PYTHONDONTWRITEBYTECODE dropped; " if env.pop("PYTHONDONTWRITEBYTECODE", None) else ""
        )
        env["PYTHONPYCACHEPREFIX"] = os.path.join(scratch, "pycache")
        isolate_xdg(scratch, env, runtime_dir=True)
        bare_script = Path(scratch, "bare_window.py")
        bare_script.write_text(BARE_SCRIPT, encoding="utf-8")

        ours_argv = [sys.executable, "-m", "gui", "--quit-after-paint"]
        bare_argv = [sys.executable, str(bare_script)]
        first_ours = launch(ours_argv, env)  # warm-up: empty caches, cold files
        first_bare = launch(bare_argv, env)
        ours, bare, built, ours_cpu, bare_cpu = [], [], [], [], []
        for _ in range(REPETITIONS):
            ours.append(launch(ours_argv, env, built, ours_cpu))
            bare.append(launch(bare_argv, env, cpu_times=bare_cpu))

    ours_ms = statistics.median(ours) * 1000
    bare_ms = statistics.median(bare) * 1000
    ratio = ours_ms / bare_ms
    print(
        f"Python: {sys.executable} ({bytecode_note}bytecode cached under a temporary PYTHONPYCACHEPREFIX)"
    )
    print(
        f"Warm-up (first launch, empty caches): ours {first_ours * 1000:.0f} ms, bare {first_bare * 1000:.0f} ms"
    )
    print(
        f"Venvdesk main window ({REPETITIONS} runs): median {ours_ms:6.0f} ms, "
        f"min {min(ours) * 1000:.0f}, max {max(ours) * 1000:.0f}"
    )
    print(
        f"Bare QMainWindow     ({REPETITIONS} runs): median {bare_ms:6.0f} ms, "
        f"min {min(bare) * 1000:.0f}, max {max(bare) * 1000:.0f}"
    )
    print(
        f"  then the rest built (the window filled; the Find tab, project page, their menus) at"
        f" {statistics.median(built) * 1000:.0f} ms"
        " after launch (median)"
    )
    if ours_cpu and bare_cpu:
        ours_cpu_ms, bare_cpu_ms = statistics.median(ours_cpu) * 1000, statistics.median(bare_cpu) * 1000
        print(
            f"  processor time used until painted (medians): ours {ours_cpu_ms:.0f} ms, bare {bare_cpu_ms:.0f} ms:"
            f" {ours_cpu_ms / bare_cpu_ms:.2f}x (less sensitive to other load on the machine)"
        )
    print(f"Ratio ours / bare: {ratio:.2f}x (target <= {TARGET_RATIO}x)")
    if ratio > TARGET_RATIO:
        print(
            f"  see where the time goes:  {sys.executable} -X importtime -m gui --quit-after-paint"
        )
    print(
        f"SUMMARY: launch to painted main window {ours_ms:.0f} ms vs bare PySide6 window {bare_ms:.0f} ms: "
        f"{ratio:.2f}x ({'within' if ratio <= TARGET_RATIO else 'OVER'} the {TARGET_RATIO}x target)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
