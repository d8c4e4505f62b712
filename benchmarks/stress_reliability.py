"""Reliability under interruption: the app killed, or cancelled, at random moments of a real change.

Run from the repository root (``make stress``; not part of ``make test``)::

    QT_QPA_PLATFORM=offscreen python benchmarks/stress_reliability.py [--tries N] [--seed S]
        [--kinds kill,cancel] [--changes upgrade,install,uninstall,create]
        [--prefer "finish it,repair"] [--keep]

``--seed`` repeats a run's choices (not its timing); ``--prefer`` presses those actions whenever
the app offers them instead of one at random; ``--keep`` keeps the scratch folder (each
driver's output, the app's log under ``state/state/venvdesk/log``).

Four realistic changes, each on its own copy of a prepared environment, with wheels written
here and served from 127.0.0.1 (nothing reaches the internet; pip's own configuration and the
person's state are switched off, ``venvdesk_testing.isolation``):

* **upgrade**: ``bigpkg`` 1.0 → 2.0 (the Installed tab's Upgrade), 700 → 900 files plus a
  single-file module ``bigmod.py``; ``usesbig`` needs it, ``keeper`` is a bystander;
* **install**: ``stackapp`` (the Install box), which brings ``stacklib-a`` and ``stacklib-b``
  and upgrades the installed ``stackcore`` 1.0 → 2.0 (``coreuser`` needs it), 150 files each;
* **uninstall**: ``bigpkg`` and ``usesbig`` together;
* **create**: a new environment, as the New environment dialog asks by default (the cached pip).

Every package of ours imports only when all of its files are in place and of its own version,
so "its top-level modules import" also means "it is whole".

1. **kill** -- the real app runs in a child process (``reliability_driver.py``, its own
   session) and is killed with SIGKILL at a random moment, uniform over the change's typical
   duration (measured first in this process's window, without interrupting; measured again
   before the cancel tries, as the machine's load changes): half of the time only the app (its pip keeps
   running, without anyone reading its output), otherwise the app and its pip (``killpg``).
   "The next start" is a fresh ``MainWindow`` in this process on the same state, opened right
   away: while a pip that outlived the app still runs, the app must wait for it (the journal
   names it) and offer nothing to do under it; when it does offer an action, the benchmark
   notes it and presses it, as a person would, and judges the result once that pip ended.
2. **cancel** -- one ``MainWindow`` in this process makes the same changes and presses its own
   Cancel (``window.activity.cancel_current()``) at a random moment; the same window is
   looked at once the ending (re-read, scan, messages) is done.

Then: the signs the app shows about that environment (attention bar, repair bar, pip check's
problems, the environment marked broken, a warning or error in the message bar), and the
judgement of the environment itself -- HEALTHY only when ``python -m pip --version`` runs,
``python -m pip check`` passes and every installed distribution's top-level modules import,
each in a fresh ``python -I -c`` (read from ``top_level.txt``, else ``RECORD``).  A **silent
breakage** is an environment that is not healthy while the app shows no sign: at the next look,
or once the app's own recovery has run (it says nothing more, and the environment is still
not healthy).  Then the action
the app offers is pressed (Finish it / Undo it, chosen at random when both are offered;
Create it again / Remove it; Repair; Install pip), up to three times while it offers one, and
the environment judged again after each.  **Packages lost**: installed before the try, not
meant to be removed by the change, and not installed at the end.  **Corrupt files**: the app's
JSON state (``environments.json``, ``settings.json``, journal entries) that does not parse.

Exit status 1 when there is any silent breakage or any package lost.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from common import REPO_ROOT, make_environment, pip_install, start_index_server, stop_index_server

CHANGES = ("upgrade", "install", "uninstall", "create")
KILL_HOW = ("app", "app+pip")
DRIVER = Path(__file__).with_name("reliability_driver.py")
TRY_TIMEOUT = 150.0  # seconds: a driver that never starts its change, an action that never ends
DRIVER_READY_TIMEOUT = 90.0  # seconds the driver may take to show the environment and start the change
ORPHAN_WAIT = 60.0  # seconds a pip that outlived its app may take to end
JUDGE_PROCESSES = 3  # checks of one environment run side by side
SETTLE_QUIET = 0.3  # seconds with nothing running (and no change of site-packages waiting to be read)

# What each change must leave when it is done, and what it is meant to remove.
MEANT_TO_REMOVE = {"upgrade": set(), "install": set(), "uninstall": {"bigpkg", "usesbig"}, "create": set()}


# --------------------------------------------------------------------------- the wheels


def _checker(name: str, module: str, version: str, parts: int, single: str) -> str:
    """``__init__.py`` that imports only when every part of this version is there (and nothing of another)."""
    lines = [
        f'"""{name} {version}: imports only when every file of this version is in place."""',
        "import os as _os",
        "",
        f"VERSION = {version!r}",
        f"_PARTS = {parts}",
        "",
        "",
        "def _check():",
        "    here = _os.path.dirname(__file__)",
        '    marker = "VERSION = " + repr(VERSION)',
        "    for number in range(_PARTS):",
        '        path = _os.path.join(here, "part%d.py" % number)',
        "        try:",
        '            with open(path, encoding="utf-8") as handle:',
        "                text = handle.read()",
        "        except OSError:",
        f'            raise ImportError("{name} %s: part%d.py is missing" % (VERSION, number)) from None',
        "        if marker not in text:",
        f'            raise ImportError("{name} %s: part%d.py belongs to another version" % (VERSION, number))',
        '    if _os.path.exists(_os.path.join(here, "part%d.py" % _PARTS)):',
        f'        raise ImportError("{name} %s: files of another version are mixed in" % VERSION)',
    ]
    if single:
        lines += [
            f"    import {single}",
            f"    if {single}.VERSION != VERSION:",
            f'        raise ImportError("{name} %s: {single}.py is version %s" % (VERSION, {single}.VERSION))',
        ]
    lines += ["", "", "_check()", ""]
    return "\n".join(lines)


def package(name: str, version: str, parts: int, requires: tuple[str, ...] = (), single: str = ""):  # type: ignore[no-untyped-def]
    from venvdesk_testing.wheels import PackageSpec, import_name

    module = import_name(name)
    padding = "# " + "-" * 70 + "\n"
    modules = {
        f"{module}/part{i}.py": f"VALUE = {i}\nVERSION = {version!r}\n" + padding * 6 for i in range(parts)
    }
    modules[f"{module}/__init__.py"] = _checker(name, module, version, parts, single)
    if single:
        modules[f"{single}.py"] = f"VERSION = {version!r}\n"
    return PackageSpec(name, version, requires=requires, modules=modules, summary=f"{name}, {parts} files.")


def catalogue() -> list:  # type: ignore[type-arg]
    return [
        package("keeper", "1.0", 3),
        package("bigpkg", "1.0", 700, single="bigmod"),
        package("bigpkg", "2.0", 900, single="bigmod"),
        package("usesbig", "1.0", 3, requires=("bigpkg>=1.0",)),
        package("stackcore", "1.0", 150),
        package("stackcore", "2.0", 150),
        package("coreuser", "1.0", 3, requires=("stackcore>=1.0",)),
        package("stacklib-a", "1.0", 150, requires=("stackcore>=2.0",)),
        package("stacklib-b", "1.0", 150, requires=("stackcore>=1.0",)),
        package("stackapp", "1.0", 150, requires=("stacklib-a>=1.0", "stacklib-b>=1.0")),
    ]


# What each prepared environment holds (besides pip); "uninstall" starts from the upgrade's.
TEMPLATES = {
    "upgrade": ["keeper==1.0", "bigpkg==1.0", "usesbig==1.0"],
    "install": ["keeper==1.0", "stackcore==1.0", "coreuser==1.0"],
}
TEMPLATE_OF = {"upgrade": "upgrade", "uninstall": "upgrade", "install": "install"}


def goal_reached(change: str, installed: dict[str, tuple[str, str]], exists: bool) -> bool:
    version = {key: value[1] for key, value in installed.items()}
    if change == "upgrade":
        return version.get("bigpkg") == "2.0" and "usesbig" in version
    if change == "install":
        return all(k in version for k in ("stackapp", "stacklib-a", "stacklib-b")) and version.get("stackcore") == "2.0"
    if change == "uninstall":
        return "bigpkg" not in version and "usesbig" not in version
    return exists and "pip" in version


# --------------------------------------------------------------------------- judging an environment


def canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def site_packages_of(target: Path) -> Path | None:
    found = sorted(glob.glob(str(target / "lib" / "python*" / "site-packages")))
    return Path(found[0]) if found else None


def read_metadata(dist_info: Path) -> tuple[str, str] | None:
    try:
        text = (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    name = version = ""
    for line in text.splitlines():
        if not line.strip():
            break
        if line.startswith("Name:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("Version:"):
            version = line.split(":", 1)[1].strip()
    return (name, version) if name else None


def top_level_modules(dist_info: Path) -> list[str]:
    """What the distribution puts at the top of site-packages, from top_level.txt, else RECORD."""
    try:
        return sorted({line.strip() for line in (dist_info / "top_level.txt").read_text().splitlines() if line.strip()})
    except OSError:
        pass
    import csv

    tops: set[str] = set()
    try:
        with open(dist_info / "RECORD", encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if not row:
                    continue
                top = row[0].split("/", 1)[0]
                if top.startswith("..") or top.endswith((".dist-info", ".pth")) or top == "__pycache__":
                    continue
                if "/" in row[0] or top.endswith(".py"):
                    tops.add(top.removesuffix(".py"))
    except OSError:
        pass
    return sorted(tops)


def installed_set(target: Path) -> dict[str, tuple[str, str]]:
    site = site_packages_of(target)
    found: dict[str, tuple[str, str]] = {}
    if site is None:
        return found
    for name in sorted(os.listdir(site)):
        if name.endswith(".dist-info") and not name.startswith("~"):
            meta = read_metadata(site / name)
            if meta is not None:
                found[canonical(meta[0])] = meta
    return found


@dataclass
class Judgement:
    exists: bool
    healthy: bool
    problems: list[str] = field(default_factory=list)
    installed: dict[str, tuple[str, str]] = field(default_factory=dict)
    stashes: list[str] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)  # code in site-packages no distribution's RECORD names


def unclaimed_code(site: Path) -> list[str]:
    """Top-level modules and packages no installed distribution claims (half-unpacked, or left behind)."""
    import csv

    claimed: set[str] = set()
    names = os.listdir(site)
    for name in names:
        if name.endswith(".dist-info") and not name.startswith("~"):
            try:
                with open(site / name / "RECORD", encoding="utf-8", newline="") as handle:
                    claimed.update(row[0].split("/", 1)[0] for row in csv.reader(handle) if row)
            except OSError:
                pass
    found = []
    for name in sorted(names):
        if name in claimed or name.startswith(("~", "_")) or name.endswith((".dist-info", ".pth")):
            continue
        path = site / name
        if name.endswith(".py") or (path.is_dir() and any(p.suffix == ".py" for p in path.iterdir())):
            found.append(name)
    return found


def _tail(text: str, lines: int = 2) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[:300]


def judge(target: Path) -> Judgement:
    """HEALTHY: pip --version runs, pip check passes, every distribution's top-level modules import."""
    if not target.exists():
        return Judgement(False, True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # looking must not change site-packages
    python = target / "bin" / "python"
    problems: list[str] = []
    if not os.path.exists(python):
        return Judgement(True, False, ["the environment has no working bin/python"])

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([str(python), *argv], capture_output=True, text=True, timeout=60, env=env, cwd=target)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, -1, "", "no answer in 60 s")

    # Each check is its own process; they run side by side (a few at a time).
    checks: list[tuple[tuple[str, ...], object]] = [
        (("-m", "pip", "--version"), lambda done: f"pip --version exits {done.returncode}: {_tail(done.stderr or done.stdout)}"),
        (("-m", "pip", "check"), lambda done: f"pip check: {_tail(done.stdout + done.stderr, 3)}"),
    ]
    site = site_packages_of(target)
    installed: dict[str, tuple[str, str]] = {}
    stashes: list[str] = []
    if site is None:
        problems.append("no site-packages")
    else:
        for name in sorted(os.listdir(site)):
            if name.startswith("~"):
                stashes.append(name)
                continue
            if not name.endswith(".dist-info"):
                continue
            meta = read_metadata(site / name)
            if meta is None:
                problems.append(f"{name} has no readable METADATA")
                continue
            installed[canonical(meta[0])] = meta
            for module in top_level_modules(site / name):
                checks.append(
                    (("-I", "-c", f"import {module}"),
                     lambda done, m=module, d=meta: f"import {m} ({d[0]} {d[1]}) fails: {_tail(done.stderr, 1)}")
                )
    with ThreadPoolExecutor(max_workers=JUDGE_PROCESSES) as pool:
        results = list(pool.map(lambda check: run(*check[0]), checks))
    for (_argv, explain), done in zip(checks, results):
        if done.returncode != 0:
            problems.append(explain(done))  # type: ignore[operator]
    unclaimed = unclaimed_code(site) if site is not None else []
    return Judgement(True, not problems, problems, installed, stashes, unclaimed)


# --------------------------------------------------------------------------- the app's state files


def corrupt_state_files() -> list[str]:
    from core import journal, storage

    paths = [storage.config_dir() / "environments.json", storage.config_dir() / "settings.json"]
    paths += sorted(journal.journal_dir().glob("*.json"))
    bad = []
    for path in paths:
        if not path.exists():
            continue
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            bad.append(f"{path.name}: {exc}")
    for path in sorted(storage.config_dir().glob("*.bak*")):
        bad.append(f"{path.name} (a state file the app set aside as unreadable)")
    return bad


# --------------------------------------------------------------------------- processes


def process_group_members(group: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live process in process group ``group`` (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[-1].split()
            if int(fields[2]) != group or fields[0] == "Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except (OSError, IndexError, ValueError):
            continue
        members.append((int(entry), command))
    return members


def step_name(command: str) -> str:
    """A short name for what a child of the app was doing."""
    words = command.split(" ")
    if " -m pip " in command:
        verb = next((w for w in words[words.index("pip") + 1 :] if not w.startswith("-")), "")
        return f"pip {verb}".strip()
    for marker, name in (("seed_pip", "unpacking pip"), ("compileall", "byte-compiling pip"), (" -m venv", "venv")):
        if marker in command:
            return name
    return words[0].rsplit("/", 1)[-1]


class Driver:
    """``reliability_driver.py`` in its own session; its output lines with the moment each arrived."""

    def __init__(self, options: dict, log: Path) -> None:  # type: ignore[type-arg]
        self.lines: list[tuple[float, str]] = []
        self.log_path = log
        self._log = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed in finish()
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), json.dumps(options)],
            cwd=REPO_ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.pid = self.process.pid
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.strip()))

    def seen(self, word: str) -> float | None:
        return next((at for at, line in list(self.lines) if line.split(" ", 1)[0] == word), None)

    def wait_for(self, words: tuple[str, ...], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for word in words:
                if self.seen(word) is not None:
                    return word
            if self.process.poll() is not None:
                time.sleep(0.05)
                return next((w for w in words if self.seen(w) is not None), "")
            time.sleep(0.002)
        return ""

    def output(self) -> str:
        return " / ".join(line for _at, line in self.lines)

    def close_log(self) -> None:
        self._log.close()

    def finish(self) -> None:
        """Whatever is left of the group goes (used on the way out of a try, never mid-judgement)."""
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._log.close()


# --------------------------------------------------------------------------- the app in this process


class App:
    """QApplication helpers: turn the event loop until something is true, or until nothing runs."""

    def __init__(self) -> None:
        from PySide6.QtWidgets import QApplication

        self.qt = QApplication.instance() or QApplication([])

    @staticmethod
    def spin_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout
        while not condition():
            QCoreApplication.processEvents()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def settle(self, window, timeout: float = TRY_TIMEOUT) -> bool:  # type: ignore[no-untyped-def]
        from gui.workers import background_jobs_pending

        since = [time.monotonic()]
        watch_timer = window.current._watch_timer  # noqa: SLF001 - a change of site-packages not read yet

        def still() -> bool:
            waiting = window.operations._waiting  # noqa: SLF001 - another process is changing an environment
            if window.runner.running_operations() or background_jobs_pending() or watch_timer.isActive() or waiting:
                since[0] = time.monotonic()
            return time.monotonic() - since[0] >= SETTLE_QUIET

        return self.spin_until(still, timeout)

    def open_window(self, *, settle: bool = True):  # type: ignore[no-untyped-def]
        from gui.main_window import MainWindow

        window = MainWindow()
        loaded: list[bool] = []
        window.environment_actions.environments_loaded.connect(lambda: loaded.append(True))
        window.show()
        self.spin_until(lambda: bool(loaded), 60)
        self.spin_until(lambda: not window.creation.interpreters_loading, 60)
        current = window.current
        self.spin_until(lambda: current.entry is None or not current.usable or current.loaded, 30)
        if settle:
            self.settle(window)
        return window

    @staticmethod
    def close_window(window) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QCoreApplication, QEvent

        window._quit_confirmed = True  # noqa: SLF001 - nothing may ask "quit while busy?" here
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


def signs_of(window, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    """What the window shows that says something is wrong with the environment at ``key``."""
    import html
    import re

    from gui.message_bar import Level

    signs = []
    bar = window.attention_bar
    if bar.isVisible():
        about = bar.entry is None or bar.entry.environment == key
        signs.append(("attention bar: " if about else "attention bar (about another environment): ") + bar.label.text()[:140])
    panel = window.packages_panel
    if window.current.key == key:
        if panel.repair_bar.isVisible():
            text = html.unescape(re.sub("<[^>]+>", "", panel.repair_label.text()))
            signs.append("repair bar: " + text[:160])
        if panel.problems_label.isVisible():
            signs.append("pip check problems: " + panel.problems_label.text().replace("\n", " ")[:160])
    for entry in window.environment_actions.model.entries():
        if str(entry.environment.path) == key and not entry.health.ok:
            signs.append("marked broken: " + entry.health.reason[:140])
    message = window.message_bar
    if message.isVisible() and message.level in (Level.WARNING, Level.ERROR):
        signs.append(f"message ({message.level.value}): " + message.text_label.text()[:160])
    return signs


def offered_actions(window, key: str) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """The buttons the app offers to set the environment right (never "I checked it myself")."""
    offered = []
    bar = window.attention_bar
    if bar.isVisible() and (bar.entry is None or bar.entry.environment == key):
        for name, label in (
            ("finishChangeButton", "Finish it"),
            ("undoChangeButton", "Undo it"),
            ("createAgainButton", "Create it again"),
            ("removeHalfMadeButton", "Remove it"),
            ("installPipButton", "Install pip"),
        ):
            button = bar.buttons[name]
            if button.isVisible() and button.isEnabled():
                offered.append((label, button))
    panel = window.packages_panel
    if not offered and window.current.key == key and panel.repair_bar.isVisible() and panel.repair_button.isEnabled():
        offered.append(("Repair", panel.repair_button))
    return offered


# --------------------------------------------------------------------------- one try


@dataclass
class WindowRun:
    """A change made in this process's window."""

    error: str = ""
    status: str = ""
    hit: bool | None = None
    duration: float = 0.0  # from the start to the outcome
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class Action:
    label: str
    healthy: bool
    problems: list[str]
    result: str  # "done" (the change's goal), "as before" (the set before the try), "removed", "other"
    signs: list[str] = field(default_factory=list)  # what the app shows once it ended


@dataclass
class Try:
    kind: str  # kill / cancel
    change: str
    how: str  # app / app+pip / cancel
    delay: float
    number: int = 0
    hit: bool | None = None  # the moment fell before the change ended
    step: str = ""  # what the app's child was doing at that moment
    signs: list[str] = field(default_factory=list)
    exists: bool = True
    healthy: bool = True
    problems: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock_missed: bool = False  # pip outlived the app, and the next start offered an action while it ran
    orphan: bool = False  # pip outlived the app
    orphan_result: str = ""  # what the environment held once that pip ended
    final_healthy: bool = True
    final_result: str = ""
    error: str = ""
    seconds: float = 0.0
    final_signs: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def silent(self) -> bool:
        return not self.error and not self.healthy and not self.signs

    @property
    def silent_after_recovery(self) -> bool:
        """Still not healthy after the app's recovery, and the app no longer says anything."""
        return not self.error and bool(self.actions) and not self.final_healthy and not self.final_signs


def result_of(change: str, before: dict[str, tuple[str, str]], after: Judgement) -> str:
    if change == "create" and not after.exists:
        return "removed"
    if goal_reached(change, after.installed, after.exists):
        return "done"
    if change != "create" and after.installed == before:
        return "as before"
    return "other"


class Bench:
    def __init__(self, options: argparse.Namespace, scratch: Path) -> None:
        self.options = options
        self.scratch = scratch
        self.rng = random.Random(options.seed)
        self.python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
        self.templates: dict[str, Path] = {}
        # The full durations the last calibration measured, per change.
        self.observed: dict[str, list[float]] = {}
        self.app: App | None = None
        self.counter = 0
        self.prefer = [p.strip().lower() for p in options.prefer.split(",") if p.strip()]
        self.copier = ThreadPoolExecutor(max_workers=1)
        self.next_copy: tuple[str, object] | None = None
        self.logs = scratch / "logs"
        self.logs.mkdir()

    # -- set-up ------------------------------------------------------------------------------

    def prepare_templates(self, pip_wheel: Path, index_url: str) -> None:
        from venvdesk_testing.isolation import hermetic_pip_args

        base = self.scratch / "templates" / "base"
        base.parent.mkdir(parents=True)
        make_environment(base, pip_wheel, dict(os.environ))
        for name, requirements in TEMPLATES.items():
            target = self.scratch / "templates" / name
            shutil.copytree(base, target, symlinks=True)
            pip_install(str(target / "bin" / "python"), hermetic_pip_args(index_url), requirements, dict(os.environ))
            # As after installs by the app: byte-compiled (pip's default), so uninstalls have __pycache__ to remove.
            subprocess.run([str(target / "bin" / "python"), "-m", "compileall", "-q", str(site_packages_of(target))], check=False)
            self.templates[name] = target
        for change in ("upgrade", "install", "uninstall"):
            judged = judge(self.templates[TEMPLATE_OF[change]])
            if not judged.healthy:
                raise SystemExit(f"the prepared environment for {change} is not healthy: {judged.problems}")

    def _copy(self, change: str) -> Path:
        """A fresh copy of the prepared environment for ``change``, made outside the app's folder (``cp -a``)."""
        self.counter += 1
        staged = self.scratch / "staging" / f"{self.counter:03d}-{change}"
        staged.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", str(self.templates[TEMPLATE_OF[change]]), str(staged)], check=True)
        return staged

    def prefetch(self, change: str | None) -> None:
        """Copy the next try's environment in the background (while this try is judged, not while it is timed)."""
        if change is not None and change != "create" and self.next_copy is None:
            self.next_copy = (change, self.copier.submit(self._copy, change))

    def new_target(self, change: str, kind: str) -> Path:
        """The try's environment, in the app's own folder (so the app lists it), named after the try."""
        from core import storage

        folder = storage.default_environments_dir()
        folder.mkdir(parents=True, exist_ok=True)
        if change == "create":
            self.counter += 1
            return folder / f"{kind}{self.counter:03d}-{change}"
        if self.next_copy is not None and self.next_copy[0] == change:
            staged = self.next_copy[1].result()
            self.next_copy = None
        else:
            staged = self._copy(change)
        target = folder / f"{kind}{staged.name}"
        os.rename(staged, target)  # whole at once: the app never sees half a copy
        return target

    def clean_up(self, target: Path, record: Try | None) -> None:
        """Remove the try's environment and any journal entry it left (noted: nothing should be left)."""
        from core.journal import Journal

        journal = Journal()
        for entry in journal.entries():
            if record is not None and entry.environment == str(target) and not record.error:
                record.notes.append(f"journal entry left at the end: {entry.kind} “{entry.title}”")
            journal.end(entry.environment)
        shutil.rmtree(target, ignore_errors=True)

    def driver_options(self, change: str, target: Path, mode: str) -> dict:  # type: ignore[type-arg]
        return {"change": change, "target": str(target), "python": self.python, "mode": mode, "timeout": DRIVER_READY_TIMEOUT}

    # -- calibration -------------------------------------------------------------------------

    def calibrate(self, window, changes: list[str]) -> None:  # type: ignore[no-untyped-def]
        """How long each change takes when nobody interrupts it (in ``window``, as the Cancel tries run).

        Measured again before each kind of try; a try's moment is drawn when it starts.
        """
        for change in changes:
            durations = []
            for _ in range(self.options.calibrations):
                target = self.new_target(change, "cal")
                before = installed_set(target)
                try:
                    run = self.change_in_window(window, change, target, None)
                    judged = judge(target)
                    if run.error or run.status != "OK" or not judged.healthy or result_of(change, before, judged) != "done":
                        raise SystemExit(
                            f"calibration of {change}: {run.error or run.status}, {judged.problems or 'goal not reached'}"
                        )
                    durations.append(run.duration)
                finally:
                    self.clean_up(target, None)
                    window.environment_actions.refresh()
                    self.app.settle(window)  # type: ignore[union-attr]
            self.observed[change] = list(durations)
            print(f"  {change:<10} typical duration {self.typical(change):.2f} s ({', '.join(f'{d:.2f}' for d in durations)})", flush=True)

    def typical(self, change: str) -> float:
        return statistics.median(self.observed[change])

    def moment(self, record: Try) -> None:
        """Draw the try's moment now, uniform over the change's typical duration."""
        record.delay = round(self.rng.uniform(0.0, self.typical(record.change)), 3)

    def change_in_window(self, window, change: str, target: Path, cancel_at: float | None) -> WindowRun:  # type: ignore[no-untyped-def]
        """Show ``target``, start ``change`` there, press Cancel after ``cancel_at`` seconds; until everything settled."""
        app = self.app
        assert app is not None
        import reliability_driver
        from PySide6.QtCore import QTimer

        key = str(target)
        run = WindowRun()
        clock = time.perf_counter()
        if change != "create":
            window.environment_actions.refresh(select=key)
            if not app.spin_until(lambda: window.current.key == key and window.current.loaded, 60):
                run.error = "the environment was not shown"
                return run
            app.settle(window)
        run.phases["prepare"] = time.perf_counter() - clock
        ended: list[object] = []
        box: list[object] = []
        fired: list[bool] = []

        def on_ended(outcome) -> None:  # type: ignore[no-untyped-def]
            if box and outcome.operation is box[0]:
                ended.append(outcome)
                run.duration = time.perf_counter() - started

        window.operations.ended.connect(on_ended)
        try:
            started = time.perf_counter()
            operation = reliability_driver.start_change(window, change, target, self.python)
            if operation is None:
                run.error = "the app did not start the change: " + window.message_bar.text()
                return run
            box.append(operation)

            def cancel() -> None:
                active = window.activity._active  # noqa: SLF001 - which operation Cancel would stop
                run.hit = not ended and bool(active) and active[-1] is operation
                if run.hit:
                    window.activity.cancel_current()
                fired.append(True)

            if cancel_at is None:
                fired.append(True)
            else:
                QTimer.singleShot(int(cancel_at * 1000), cancel)
            if not app.spin_until(lambda: bool(ended) and bool(fired), TRY_TIMEOUT):
                run.error = "the change did not end"
                return run
            app.settle(window)
            run.status = ended[0].status.name  # type: ignore[attr-defined]
            run.phases["change"] = time.perf_counter() - started
        finally:
            window.operations.ended.disconnect(on_ended)
        return run

    # -- looking at it, and setting it right ---------------------------------------------------

    def look_and_recover(self, window, record: Try, target: Path, before: dict[str, tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
        """Signs, the judgement, then every action the app offers (up to three), judged after each."""
        app = self.app
        assert app is not None
        key = str(target)
        clock = time.perf_counter()
        record.signs = signs_of(window, key)
        judged = judge(target)
        record.phases["judge"] = time.perf_counter() - clock
        clock = time.perf_counter()
        record.exists, record.healthy, record.problems = judged.exists, judged.healthy, judged.problems
        if judged.stashes:
            record.notes.append("pip's backups left in site-packages: " + ", ".join(judged.stashes[:6]))
        if judged.unclaimed:
            record.notes.append("code no installed distribution claims: " + ", ".join(judged.unclaimed[:6]))
        final = judged
        for _round in range(3):
            offered = offered_actions(window, key)
            if not offered:
                break
            # Both ways out of an interrupted change are offered: either must work.
            preferred = [item for item in offered if item[0].lower() in self.prefer]
            label, button = preferred[0] if preferred else self.rng.choice(offered)
            button.click()  # type: ignore[attr-defined]
            if not app.settle(window):
                record.notes.append(f"“{label}” had not ended after {TRY_TIMEOUT:.0f} s")
            after = judge(target)
            final = after
            action = Action(label, after.healthy, after.problems, result_of(record.change, before, after))
            record.actions.append(action)
            if label == "Finish it" and action.result != "done":
                record.notes.append(f"“Finish it” did not finish the {record.change}: {self.describe_set(after.installed, before)}")
            if label == "Undo it" and action.result != "as before":
                record.notes.append(f"“Undo it” did not return to the set before: {self.describe_set(after.installed, before)}")
            action.signs = signs_of(window, key)
        record.phases["recovery"] = time.perf_counter() - clock
        record.final_signs = signs_of(window, key)
        record.final_healthy = final.healthy
        record.final_result = result_of(record.change, before, final)
        if record.actions and not final.healthy:
            record.notes.append("after the app's recovery: " + "; ".join(final.problems))
        from core.recovery import stash_of

        meant = MEANT_TO_REMOVE[record.change]
        for key_name, (name, version) in sorted(before.items()):
            if key_name in meant or key_name in final.installed:
                continue
            dist_info = re.sub(r"[-_.]+", "_", name) + f"-{version}.dist-info"
            backup = any(stash_of(stash, dist_info) for stash in final.stashes)
            record.lost.append(f"{name} {version}" + (" (only pip's ~ backup of it is left)" if backup else ""))
        record.corrupt = corrupt_state_files()

    @staticmethod
    def describe_set(now: dict[str, tuple[str, str]], before: dict[str, tuple[str, str]]) -> str:
        changed = []
        for key in sorted(set(now) | set(before)):
            was, is_ = before.get(key, ("", "-"))[1], now.get(key, ("", "-"))[1]
            if was != is_:
                changed.append(f"{key} {was}→{is_}")
        return ", ".join(changed) or "no change from before"

    # -- 1. kill ---------------------------------------------------------------------------------

    def kill_try(self, record: Try, next_change: str | None = None) -> None:
        app = self.app
        assert app is not None
        clock = time.perf_counter()
        target = self.new_target(record.change, "kill")
        before = installed_set(target)
        record.phases["copy"] = time.perf_counter() - clock
        try:
            group = self.kill_in_the_middle(record, target)
            if group is None:
                return
            self.prefetch(next_change)
            # The next start, right away: a pip that outlived the app may still be changing the environment.
            clock = time.perf_counter()
            window = app.open_window(settle=False)
            try:
                if record.orphan:
                    self.while_pip_outlives_the_app(window, record, target, before, group)
                app.settle(window)
                record.phases["next start"] = time.perf_counter() - clock
                self.look_and_recover(window, record, target, before)
            finally:
                app.close_window(window)
        finally:
            self.clean_up(target, record)

    def while_pip_outlives_the_app(self, window, record: Try, target: Path, before: dict[str, tuple[str, str]], group: int) -> None:  # type: ignore[no-untyped-def]
        """Until the orphaned pip ends, the app must wait for it and offer nothing to do under it.

        When it does offer something, it is pressed (a person would): what that does to an
        environment a pip is still changing is judged once that pip has ended.
        """
        app = self.app
        assert app is not None
        key = str(target)
        pressed: list[str] = []

        def orphan_gone() -> bool:
            offered = offered_actions(window, key)
            running = process_group_members(group) if offered else []
            if running and not pressed:
                record.lock_missed = True
                record.notes.append(
                    f"while the killed app's pip still ran (pid {', '.join(str(pid) for pid, _cmd in running)}),"
                    f" the app showed: {'; '.join(signs_of(window, key))}"
                )
                preferred = [item for item in offered if item[0].lower() in self.prefer]
                label, button = preferred[0] if preferred else self.rng.choice(offered)
                pressed.append(label)
                button.click()  # type: ignore[attr-defined]
            return not process_group_members(group)

        if not app.spin_until(orphan_gone, ORPHAN_WAIT):
            record.notes.append(f"the pip that outlived the app had not ended after {ORPHAN_WAIT:.0f} s; killed")
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
        left = installed_set(target)
        if record.change == "create":
            record.orphan_result = "with pip in place" if "pip" in left else "without pip yet"
        elif goal_reached(record.change, left, True):
            record.orphan_result = "changed as asked"
        else:
            record.orphan_result = "as before" if left == before else "half-way"
        if pressed:
            app.settle(window)
            after = judge(target)
            action = Action(
                f"{pressed[0]} (offered while that pip still ran)", after.healthy, after.problems,
                result_of(record.change, before, after), signs_of(window, key),
            )
            record.actions.append(action)

    def kill_in_the_middle(self, record: Try, target: Path) -> int | None:
        """The driver starts the change; SIGKILL after ``record.delay``.  Its process group, or None if it never started."""
        clock = time.perf_counter()
        driver = Driver(self.driver_options(record.change, target, "kill"), self.logs / f"{target.name}.log")
        try:
            word = driver.wait_for(("STARTED", "NOT-READY", "NOT-STARTED"), DRIVER_READY_TIMEOUT + 30)
            record.phases["app start"] = time.perf_counter() - clock
            clock = time.perf_counter()
            if word != "STARTED":
                record.error = (
                    f"the app did not start the change: {driver.output() or 'no output'} (exit {driver.process.poll()};"
                    f" its log: {driver.log_path})"
                )
                return None
            started = driver.seen("STARTED")
            assert started is not None
            self.moment(record)
            time.sleep(max(0.0, started + record.delay - time.monotonic()))
            record.hit = driver.seen("ENDED") is None
            children = [(pid, cmd) for pid, cmd in process_group_members(driver.pid) if pid != driver.pid and str(target) in cmd]
            record.step = ", ".join(sorted({step_name(cmd) for _pid, cmd in children})) or "nothing running"
            if record.how == "app":
                os.kill(driver.pid, signal.SIGKILL)
            else:
                os.killpg(driver.pid, signal.SIGKILL)
            driver.process.wait(timeout=10)
            record.orphan = record.how == "app" and bool(process_group_members(driver.pid))
            return driver.pid
        finally:
            if not record.orphan:
                driver.finish()
            else:
                driver.close_log()
            record.phases["kill"] = time.perf_counter() - clock

    # -- 2. cancel -------------------------------------------------------------------------------

    def cancel_try(self, window, record: Try, next_change: str | None = None) -> None:  # type: ignore[no-untyped-def]
        target = self.new_target(record.change, "cancel")
        before = installed_set(target)
        window.message_bar.hide()  # the person closed the last message
        try:
            self.moment(record)
            run = self.change_in_window(window, record.change, target, record.delay)
            record.phases.update(run.phases)
            if run.error:
                record.error = run.error
                return
            record.hit = run.hit
            record.step = f"{'Cancel pressed' if run.hit else 'too late for Cancel'}, it ended {run.status}"
            self.prefetch(next_change)
            self.look_and_recover(window, record, target, before)
        finally:
            self.clean_up(target, record)
            window.environment_actions.refresh()
            self.app.settle(window)  # type: ignore[union-attr]

    # -- the plan ------------------------------------------------------------------------------

    def plan(self, kind: str, changes: list[str], tries: int) -> list[Try]:
        combos = [(c, h) for c in changes for h in (KILL_HOW if kind == "kill" else ("cancel",))]
        order: list[tuple[str, str]] = []
        while len(order) < tries:
            cycle = list(combos)
            self.rng.shuffle(cycle)
            order += cycle
        return [
            Try(kind, change, how, 0.0, number=i + 1)
            for i, (change, how) in enumerate(order[:tries])
        ]


# --------------------------------------------------------------------------- reporting


def progress_line(record: Try, tries: int) -> str:
    head = f"{record.kind:<6} {record.number:>2}/{tries} {record.change:<9} {record.how:<7} at {record.delay:5.2f} s"
    if record.error:
        return f"{head}  NOT RUN: {record.error}"
    moment = "mid-change" if record.hit else "after the end"
    parts = [f"{head}  {moment} ({record.step})"]
    if record.orphan:
        parts.append(
            f"pip outlived the app and ended with the environment {record.orphan_result}"
            + ("; WHILE IT RAN, THE NEXT START OFFERED A WAY TO SET IT RIGHT" if record.lock_missed else "; the next start waited for it")
        )
    if not record.exists:
        parts.append("no environment folder")
    else:
        parts.append("healthy" if record.healthy else "NOT HEALTHY: " + "; ".join(record.problems)[:300])
    parts.append("signs: " + ("; ".join(record.signs) if record.signs else "none"))
    if record.silent:
        parts.append("SILENT BREAKAGE")
    for action in record.actions:
        parts.append(
            f"pressed “{action.label}” → {'healthy' if action.healthy else 'NOT healthy'}, {action.result};"
            f" then the app shows: {'; '.join(action.signs) if action.signs else 'nothing'}"
        )
    if record.silent_after_recovery:
        parts.append("SILENT BREAKAGE AFTER RECOVERY")
    if record.lost:
        parts.append("LOST: " + ", ".join(record.lost))
    if record.corrupt:
        parts.append("CORRUPT: " + ", ".join(record.corrupt))
    for note in record.notes:
        parts.append("note: " + note)
    parts.append(f"{record.seconds:.1f} s (" + ", ".join(f"{k} {v:.1f}" for k, v in record.phases.items()) + ")")
    return "\n      ".join(parts)


def summarize(label: str, records: list[Try]) -> str:
    run = [r for r in records if not r.error]
    hit = sum(1 for r in run if r.hit)
    signs_hit = sum(1 for r in run if r.hit and r.signs)
    signs_after = sum(1 for r in run if not r.hit and r.signs)
    unhealthy = sum(1 for r in run if not r.healthy)
    silent = sum(1 for r in run if r.silent)
    silent_after = sum(1 for r in run if r.silent_after_recovery)
    lost = sum(len(r.lost) for r in run)
    corrupt = sum(len(r.corrupt) for r in run)
    actions: dict[str, list[int]] = {}
    for r in run:
        for a in r.actions:
            actions.setdefault(a.label, [0, 0])
            actions[a.label][0] += 1
            actions[a.label][1] += a.healthy
    action_text = ", ".join(f"{name} {ok}/{n} healthy" for name, (n, ok) in sorted(actions.items())) or "none"
    final_bad = sum(1 for r in run if r.actions and not r.final_healthy)
    locks = sum(1 for r in run if r.lock_missed)
    orphans = sum(1 for r in run if r.orphan)
    text = (
        f"{label:<18} tries {len(records):>2} (not run {len(records) - len(run)}) | mid-change {hit}, finished before {len(run) - hit}"
        f" | signs shown {signs_hit}/{hit} mid-change, {signs_after}/{len(run) - hit} after the end"
        f" | not healthy {unhealthy} | silent breakages {silent} (+{silent_after} after recovery)"
        f" | packages lost {lost} | corrupt files {corrupt}"
        f" | actions: {action_text} | unhealthy after recovery {final_bad}"
    )
    if orphans:
        text += f" | pip outlived the app {orphans}, an action offered while it ran {locks}"
    return text


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=20, help="tries of each kind (kill, cancel); default 20")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a new one, printed)")
    parser.add_argument("--kinds", default="kill,cancel", help="kill,cancel (default both)")
    parser.add_argument("--changes", default=",".join(CHANGES), help="upgrade,install,uninstall,create (default all)")
    parser.add_argument("--calibrations", type=int, default=2, help="untouched runs per change to measure its duration")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (logs of every driver)")
    parser.add_argument(
        "--prefer", default="", help='actions to press when offered, e.g. "finish it,repair" (default: one at random)'
    )
    options = parser.parse_args()
    if options.seed is None:
        options.seed = random.SystemRandom().randrange(1_000_000)
    kinds = [k for k in options.kinds.split(",") if k]
    changes = [c for c in options.changes.split(",") if c]
    if sys.platform != "linux":
        print("This benchmark kills process groups and reads /proc: Linux only.")
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from tests.support.bundled_pip import bundled_pip_wheels
    from venvdesk_testing.index import build_index
    from venvdesk_testing.isolation import isolate_state, use_hermetic_pip

    scratch = Path(tempfile.mkdtemp(prefix="venvdesk-reliability-"))
    isolate_state(scratch / "state")  # this process and every driver: the same throw-away state
    use_hermetic_pip()
    os.environ["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple/"  # until the local index is up
    clock = time.perf_counter()
    print(f"reliability: {options.tries} tries of each of {', '.join(kinds)}; changes {', '.join(changes)};"
          f" seed {options.seed}; scratch {scratch}", flush=True)
    server = None
    bench: Bench | None = None
    records: list[Try] = []
    try:
        wheels = bundled_pip_wheels()
        if not wheels:
            print("no pip wheel bundled with any Python here: nothing to do")
            return 0
        pip_wheel = wheels[-1]
        root = build_index(scratch / "index", packages=catalogue(), extra_wheels=wheels)
        server, url = start_index_server(root)
        os.environ["PIP_INDEX_URL"] = url
        from core import pip_wheels

        cached = pip_wheels.pip_wheel_dir()  # as the app's background refresh leaves it
        cached.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pip_wheel, cached / pip_wheel.name)
        (cached / ".checked").touch()

        bench = Bench(options, scratch)
        print("preparing environments…", flush=True)
        bench.prepare_templates(pip_wheel, url)
        bench.app = App()
        window = bench.app.open_window()  # calibration, then the Cancel tries: one app
        try:
            print("measuring each change once it is left alone…", flush=True)
            bench.calibrate(window, changes)
            if "kill" in kinds:
                print("\n== kill: the app (and sometimes its pip) killed with SIGKILL at a random moment", flush=True)
                plan = bench.plan("kill", changes, options.tries)
                for number, record in enumerate(plan):
                    start = time.perf_counter()
                    try:
                        bench.kill_try(record, plan[number + 1].change if number + 1 < len(plan) else None)
                    except Exception as exc:  # noqa: BLE001 - a try that cannot run is reported, the rest go on
                        record.error = f"{type(exc).__name__}: {exc}"
                    record.seconds = time.perf_counter() - start
                    records.append(record)
                    print(progress_line(record, options.tries), flush=True)
            if "cancel" in kinds:
                print("\n== cancel: the app's own Cancel at a random moment (one window)", flush=True)
                if "kill" in kinds:
                    print("measuring each change again (the machine's load may have changed)…", flush=True)
                    bench.calibrate(window, changes)
                plan = bench.plan("cancel", changes, options.tries)
                for number, record in enumerate(plan):
                    start = time.perf_counter()
                    try:
                        bench.cancel_try(window, record, plan[number + 1].change if number + 1 < len(plan) else None)
                    except Exception as exc:  # noqa: BLE001
                        record.error = f"{type(exc).__name__}: {exc}"
                    record.seconds = time.perf_counter() - start
                    records.append(record)
                    print(progress_line(record, options.tries), flush=True)
        finally:
            bench.app.close_window(window)
    finally:
        if bench is not None:
            bench.copier.shutdown(wait=True)
        if server is not None:
            stop_index_server(server)
        if options.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    print("\n== results (per kind of interruption, then per change)")
    for kind in kinds:
        mine = [r for r in records if r.kind == kind]
        print(summarize(kind, mine))
        for change in changes:
            for how in KILL_HOW if kind == "kill" else ("cancel",):
                subset = [r for r in mine if r.change == change and r.how == how]
                if subset:
                    print("  " + summarize(f"{change} ({how})", subset))
    run = [r for r in records if not r.error]
    silent = sum(1 for r in run if r.silent)
    silent_after = sum(1 for r in run if r.silent_after_recovery)
    lost = sum(len(r.lost) for r in run)
    corrupt = sum(len(r.corrupt) for r in run)
    hit = sum(1 for r in run if r.hit)
    unhealthy_after = sum(1 for r in run if r.actions and not r.final_healthy)
    not_run = len(records) - len(run)
    print(
        f"\nSUMMARY: {len(records)} tries ({not_run} not run), {hit} mid-change;"
        f" silent breakages {silent} at the next look + {silent_after} after the app's recovery;"
        f" packages lost {lost}; corrupt files {corrupt};"
        f" unhealthy after the app's recovery {unhealthy_after}; seed {options.seed};"
        f" {time.perf_counter() - clock:.0f} s"
    )
    return 1 if silent or silent_after or lost else 0


if __name__ == "__main__":
    sys.exit(main())
