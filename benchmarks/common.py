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
  ``venvdesk_testing.server.LocalIndexServer`` in a child process.

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
import subprocess
import sys
import sysconfig
import time
from collections.abc import MutableMapping
from pathlib import Path

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
