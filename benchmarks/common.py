"""What the benchmarks in this folder share: plain helpers, no measuring of their own.

Importing this module puts the repository root first on ``sys.path``, so a
benchmark run as ``python benchmarks/bench_<name>.py`` (this folder is then
``sys.path[0]``) can import ``core``, ``gui``, ``venvdesk_testing`` and
``tests.support`` once it has imported ``common``.

* :func:`milliseconds` -- time since a ``time.perf_counter()`` value;
* :func:`pypi_project_names` -- every project name in ``../shared/data``;
* :func:`isolate_xdg` / :func:`no_proxy_for_localhost` -- throw-away XDG_*
  folders, no proxy for 127.0.0.1;
* :func:`run` / :func:`run_command` -- a subprocess that must succeed;
* :func:`ensurepip_pip_wheel` / :func:`make_environment` / :func:`pip_install`
  -- a pip wheel from an interpreter's ensurepip, an environment made the way
  Venvdesk makes one, packages installed into it;
* :func:`start_index_server` / :func:`stop_index_server` --
  ``venvdesk_testing.server.LocalIndexServer`` in a child process;
* :func:`mirror_sources` / :func:`mirror_wheel` / :func:`wheel_closure` /
  :func:`serve_wheels` -- real wheels from the local wheel mirror this machine's pip
  configuration names (``file://`` indexes, find-links folders), put in an index folder;
* :func:`uv_program` -- the uv the app would use, and its version;
* :func:`ratio_text` / :func:`goal_text` -- "3.2x faster" / "1.4x slower", whether a goal is met;
* :func:`wait_until` -- the Qt event loop run until something happened.

For the pip wheels of every Python here use
``tests.support.bundled_pip.bundled_pip_wheels()``; for wheels, an index
folder and a hermetic pip environment, ``venvdesk_testing`` (``wheels``, ``index``,
``isolation``; ``tests.support.local_index`` re-exports the same names).
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

# Beside the repository, not in it (first column: ~886,000 names); benchmarks make names up without it.
PYPI_PROJECTS_TSV = REPO_ROOT.parent / "shared" / "data" / "pypi-projects.tsv.gz"

XDG_HOMES = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


def milliseconds(start: float) -> float:
    """Milliseconds since *start*, a ``time.perf_counter()`` value."""
    return (time.perf_counter() - start) * 1000


def pypi_project_names() -> list[str]:
    """The first column of :data:`PYPI_PROJECTS_TSV` (its header skipped), in file order."""
    with gzip.open(PYPI_PROJECTS_TSV, "rt", encoding="utf-8") as handle:
        next(handle)  # header: name, download_rank, summary
        return [line.partition("\t")[0] for line in handle]


def isolate_xdg(
    scratch: str | os.PathLike,
    env: MutableMapping[str, str] | None = None,
    *,
    runtime_dir: bool = False,
) -> None:
    """Point ``XDG_{CACHE,CONFIG,DATA,STATE}_HOME`` at ``<scratch>/xdg_..._home``.

    The person's real caches and settings are then neither read nor changed.
    *env* is the mapping to change (default ``os.environ``).  With
    *runtime_dir*, ``XDG_RUNTIME_DIR`` too, and every folder is created (mode
    0700), as Qt wants its runtime folder to exist and be private; otherwise the
    folders are left for the code under test to create.
    """
    env = os.environ if env is None else env
    for name in (*XDG_HOMES, "XDG_RUNTIME_DIR") if runtime_dir else XDG_HOMES:
        env[name] = os.path.join(scratch, name.lower())
        if runtime_dir:
            os.makedirs(env[name], mode=0o700)


def no_proxy_for_localhost(env: MutableMapping[str, str] | None = None) -> None:
    """Add 127.0.0.1 and localhost to ``NO_PROXY`` and ``no_proxy`` in *env* (default ``os.environ``).

    Requests to the local index then go straight to it, whatever proxy this
    shell names.
    """
    env = os.environ if env is None else env
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, [env.get(name, ""), "127.0.0.1", "localhost"]))


def run(
    argv: list[str],
    env: dict[str, str],
    *,
    cwd: str | os.PathLike | None = None,
    timeout: float | None = None,
    merge_stderr: bool = False,
    what: str | None = None,
) -> subprocess.CompletedProcess:
    """Run *argv* to its end with its output captured (text); return the completed process.

    A non-zero exit ends the benchmark: ``SystemExit`` with ``FAILED (<code>):
    <what>`` (default: the argv list) and the output.  *merge_stderr* captures
    stderr into stdout, one stream in order (``.stderr`` is then ``None``);
    otherwise the failure shows stdout, then stderr.
    """
    completed = subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        timeout=timeout,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
    )
    if completed.returncode != 0:
        output = completed.stdout if merge_stderr else f"{completed.stdout}\n{completed.stderr}"
        raise SystemExit(
            f"FAILED ({completed.returncode}): {argv if what is None else what}\n{output}"
        )
    return completed


def run_command(command, env: dict[str, str], **options) -> subprocess.CompletedProcess:
    """:func:`run` for a ``core.commands.Command``: *env* plus the command's own variables, in its folder."""
    return run([command.program, *command.args], {**env, **command.env}, cwd=command.cwd, **options)


def ensurepip_pip_wheel(stdlib: str | None = None) -> Path | None:
    """The pip wheel ensurepip would install, else the distribution's copy, else ``None``.

    *stdlib* is the standard library folder of the interpreter in question
    (default: the running one's); the newest by file name is taken from its
    ``ensurepip/_bundled``, else from ``/usr/share/python-wheels``.  Unlike
    ``bundled_pip_wheels()`` (the newest pip of any Python here), this is one
    interpreter's own pip: for benchmarks where the pip version is part of
    what is measured.
    """
    if stdlib is None:
        stdlib = sysconfig.get_paths()["stdlib"]
    for pattern in (
        os.path.join(stdlib, "ensurepip", "_bundled", "pip-*.whl"),
        "/usr/share/python-wheels/pip-*.whl",
    ):
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[-1])
    return None


def make_environment(target: Path, pip_wheel: Path, env: dict[str, str]) -> str:
    """Make an environment at *target* as Venvdesk does; return its Python.

    ``venv --without-pip`` with the base interpreter of the running Python, then
    ``core.commands.seed_pip`` with *pip_wheel*; both run with *env*.
    """
    from core import commands
    from core.environments import Environment

    base = os.path.realpath(sys._base_executable)
    python = str(Environment(target).python)
    for step in (
        commands.create_venv(base, target, with_pip=False),
        commands.seed_pip(python, pip_wheel),
    ):
        run_command(step, env)
    return python


def pip_install(
    environment_python: str, source: list[str], requirements: list[str], env: dict[str, str]
) -> None:
    """``<environment_python> -m pip install <source> --no-compile --quiet <requirements>``.

    Set-up, not a measurement: *source* says where pip may look (an index URL,
    ``--no-index --find-links <folder>``, ...) and how isolated it runs.
    """
    run(
        [
            environment_python,
            "-m",
            "pip",
            "install",
            *source,
            "--no-compile",
            "--quiet",
            *requirements,
        ],
        env,
    )


# The index runs in a child process so its threads do not compete with the measured code for the
# GIL.  LocalIndexServer behaves as a real index server there: a listen backlog that parallel
# requests do not overflow (dropped SYNs cost 1 s each), and no Nagle delay on kept-alive
# connections (~40 ms a response otherwise).
INDEX_SERVER_SCRIPT = """\
import json
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from venvdesk_testing.server import LocalIndexServer
with LocalIndexServer(Path(sys.argv[2]), **json.loads(sys.argv[3])) as server:
    print(server.simple_url, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
"""


def start_index_server(root: Path, **options) -> tuple[subprocess.Popen, str]:
    """Serve the index folder *root* (see ``build_index``) from a child process.

    *options* are keyword arguments of ``LocalIndexServer`` (``delay_per_chunk``,
    ``chunk_size``, ...).  Returns the process and the index's simple URL; end
    it with :func:`stop_index_server`.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", INDEX_SERVER_SCRIPT, str(REPO_ROOT), str(root), json.dumps(options)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"the local index did not start (it printed {url!r})")
    return process, url


def stop_index_server(process: subprocess.Popen) -> None:
    """End a server from :func:`start_index_server`: close its stdin, wait; kill it after 10 s."""
    process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- this machine's wheel mirror -------------------------------------------------------------

_HREF = re.compile(r'href="([^"]+)"')


def mirror_sources(env: Mapping[str, str] | None = None) -> list[Path]:
    """The local wheel folders this machine's pip configuration names, in pip's order.

    Each ``file://`` index (``index-url``, ``extra-index-url``: a PEP 503 folder with
    ``simple/<project>/index.html``) and each ``find-links`` folder (wheels side by side),
    read with ``core.uv.pip_settings`` -- call this before making the environment hermetic.
    Folders that are not there are left out.
    """
    from core import uv

    settings = uv.pip_settings(env=os.environ if env is None else env)
    found: list[Path] = []
    for url in (settings.index_url, *settings.extra_index_urls, *settings.find_links):
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path))
        elif "://" not in url:
            path = Path(url)
        else:
            continue  # a remote index: not a local mirror
        if path.name == "simple" and path.is_dir():
            found.append(path)
        elif (path / "simple").is_dir():
            found.append(path / "simple")
        elif path.is_dir():
            found.append(path)
    return list(dict.fromkeys(found))


def _mirror_files(source: Path, project: str) -> list[Path]:
    """The files *source* lists for *project* (a simple page's links, or a flat folder's files)."""
    from packaging.utils import canonicalize_name

    page = source / canonicalize_name(project) / "index.html"
    if page.is_file():
        links = _HREF.findall(page.read_text("utf-8", "replace"))
        return [(page.parent / unquote(href.partition("#")[0])).resolve() for href in links]
    if (source / "index.html").is_file() or any(source.glob("*/index.html")):
        return []  # a simple index without this project
    wanted = canonicalize_name(project)
    return [
        path
        for path in source.glob("*.whl")
        if canonicalize_name(path.name.split("-", 1)[0]) == wanted
    ]


def mirror_wheels(sources: list[Path], project: str) -> list[tuple[object, Path]]:
    """Every wheel of *project* in *sources* that this Python can install: (version, path), newest first."""
    from packaging.tags import sys_tags
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    supported = set(sys_tags())
    found = {}
    for source in sources:
        for path in _mirror_files(source, project):
            if not path.name.endswith(".whl") or path.name in found or not path.is_file():
                continue
            try:
                _name, version, _build, tags = parse_wheel_filename(path.name)
            except InvalidWheelFilename:
                continue
            if tags & supported:
                found[path.name] = (version, path)
    return sorted(found.values(), key=lambda item: item[0], reverse=True)


def mirror_wheel(sources: list[Path], project: str, specifier: str = "") -> Path | None:
    """The newest wheel of *project* in *sources* that this Python can install (within *specifier*)."""
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(specifier)
    for version, path in mirror_wheels(sources, project):
        if allowed.contains(version, prereleases=True):
            return path
    return None


def wheel_requirements(wheel: Path, extras: frozenset[str] | set[str] = frozenset()) -> list:
    """The ``Requires-Dist`` of *wheel* that apply on this Python (``packaging`` Requirements), with *extras*.

    The headers are parsed as e-mail headers: a multi-line ``License:`` has continuation lines
    that look blank, and reading line by line up to the first blank one would stop inside it.
    """
    from email.parser import HeaderParser

    from packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as archive:
        name = next(
            n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1
        )
        headers = HeaderParser().parsestr(archive.read(name).decode("utf-8", "replace"))
    needed = []
    for line in headers.get_all("Requires-Dist") or []:
        requirement = Requirement(" ".join(line.split()))
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in ("", *sorted(extras))):
            needed.append(requirement)
    return needed


def wheel_closure(sources: list[Path], roots: list[str]) -> tuple[dict[str, Path], list[str]]:
    """One wheel per project for *roots* and everything they need (with the extras asked for), from *sources*.

    Each project gets the newest wheel that every requirement on it seen so far allows (the
    resolution starts again when a later requirement rules the chosen one out), as pip would
    choose with only these wheels to pick from.  Returns the wheels by project and the
    requirements no wheel in *sources* satisfies.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    specifiers: dict[str, str] = {}
    for _attempt in range(20):
        found: dict[str, Path] = {}
        extras: dict[str, set[str]] = {}
        missing: list[str] = []
        pending = [Requirement(root) for root in roots]
        restart = False
        while pending:
            requirement = pending.pop(0)
            key = canonicalize_name(requirement.name)
            wanted = ",".join(filter(None, [specifiers.get(key, ""), str(requirement.specifier)]))
            if key in found:
                if requirement.specifier and not requirement.specifier.contains(
                    _wheel_version(found[key]), prereleases=True
                ):
                    specifiers[key] = wanted
                    restart = True
                    break
                new = set(requirement.extras) - extras[key]
                if new:
                    extras[key] |= new
                    pending.extend(wheel_requirements(found[key], extras[key]))
                continue
            wheel = mirror_wheel(sources, key, wanted)
            if wheel is None:
                missing.append(str(requirement))
                continue
            specifiers[key] = wanted
            found[key] = wheel
            extras[key] = set(requirement.extras)
            pending.extend(wheel_requirements(wheel, extras[key]))
        if not restart:
            return found, sorted(set(missing))
    return found, sorted(set(missing)) or ["(no consistent set of wheels)"]


def _wheel_version(path: Path):
    from packaging.utils import parse_wheel_filename

    return parse_wheel_filename(path.name)[1]


def serve_wheels(root: Path, wheels: list[Path], packages: tuple = ()) -> Path:
    """An index folder at *root* with *wheels* (hard-linked where possible, else copied) and *packages*.

    ``venvdesk_testing.index.build_index`` writes the simple pages (HTML and PEP 691 JSON, with
    hashes and sizes) that ``LocalIndexServer`` serves; the wheels put in ``files/`` first are
    not copied again.
    """
    from venvdesk_testing.index import build_index

    return build_index(root, packages, extra_wheels=link_wheels(root / "files", wheels))


def link_wheels(folder: Path, wheels: list[Path]) -> list[Path]:
    """*wheels* side by side in *folder* (hard links where possible, else copies); their new paths."""
    folder.mkdir(parents=True, exist_ok=True)
    placed = []
    for wheel in wheels:
        target = folder / wheel.name
        if not target.exists():
            try:
                os.link(wheel, target)
            except OSError:
                shutil.copyfile(wheel, target)
        placed.append(target)
    return placed


def uv_program() -> tuple[str, str]:
    """The uv program the app would use (``core.uv.find_uv``) and its version; ``("", "")`` when none."""
    from core import uv

    program = uv.find_uv()
    return (program, uv.uv_version(program)) if program else ("", "")


def ratio_text(slow: float, fast: float) -> str:
    """How many times faster *fast* is than *slow* ("12.3x faster", or "1.4x slower" when it is not)."""
    if fast <= 0 or slow <= 0:
        return "n/a"
    ratio = slow / fast
    return f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"


def goal_text(value: float, goal: float, *, at_most: bool = False) -> str:
    """``meets the >= 10x goal`` / ``MISSES the >= 10x goal`` (``<=`` with *at_most*)."""
    met = value <= goal if at_most else value >= goal
    return f"{'meets' if met else 'MISSES'} the {'<=' if at_most else '>='} {goal:g}x goal"


def wait_until(predicate, timeout_s: float, poll_ms: int = 2) -> bool:
    """Run the Qt event loop until *predicate()* is true or *timeout_s* passed; returns *predicate()*.

    Needs a ``QApplication`` (or ``QCoreApplication``); background jobs' results are delivered meanwhile.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(poll_ms)
    poll.timeout.connect(lambda: predicate() and loop.quit())
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    poll.stop()
    deadline.stop()
    return predicate()
