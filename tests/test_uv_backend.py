"""The optional uv backend (core/backends/uv.py, core/uv.py): real uv against the local test index.

uv runs as the app runs it (``UvBackend`` commands, started here with ``subprocess``, in their
own process group, as the runner starts them), hermetically: ``UV_NO_CONFIG=1``, its cache under
``tmp_path``, only the index on 127.0.0.1.  Every test that runs uv skips when uv is not found
(``pip install uv`` into the app's environment, or uv on the PATH).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import plans, uv
from core.backends import backend_for, choose_backend
from core.backends.pip import PipBackend
from core.backends.uv import UvBackend, reports_on_standard_error
from core.commands import Command, child_environment
from core.environments import Environment
from core.explain import Cause, Context, explain
from core.operations import CreateEnvironment
from core.packages import InstalledPackage
from core.preview import ReportError
from venvdesk_testing.failing import build_failing_index
from venvdesk_testing.server import LocalIndexServer

UV = uv.find_uv()
needs_uv = pytest.mark.skipif(not UV, reason="uv is not installed (pip install uv, or uv on the PATH)")
PYENV = Path.home() / ".pyenv" / "versions"


def pyenv_python(version: str) -> Path:
    python = PYENV / version / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no Python {version} here ({python})")
    return python


@pytest.fixture
def uv_env(tmp_path, monkeypatch):
    """uv kept away from this machine's configuration and caches."""
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    for name in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_FIND_LINKS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def failing_index(tmp_path_factory, pip_wheels):
    root = build_failing_index(tmp_path_factory.mktemp("failing"), pip_wheels, with_sdists=False)
    with LocalIndexServer(root) as server:
        yield server


def run(command: Command, *, merged: bool = False, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``command`` as the runner starts it: its environment on top of the person's, its own group."""
    env = {**child_environment(), **command.env}
    return subprocess.run(
        [command.program, *command.args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=timeout,
        start_new_session=True,
    )


def uv_backend(venv: Path, index_url: str, **kwargs: str) -> UvBackend:
    backend = backend_for(
        Environment.load(venv), index_url=index_url, installer="uv", uv_version=uv.uv_version(UV), **kwargs
    )
    assert isinstance(backend, UvBackend), backend
    return backend


def installed(venv: Path) -> dict[str, str]:
    """What the environment's own pip lists (pip still inside and working)."""
    listing = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    )
    return dict(line.split("==", 1) for line in listing.stdout.split())


# ------------------------------------------------------------------ the command line (no uv needed)


def test_uv_commands_name_the_environment_and_pips_resolved_index(tmp_path):
    settings = uv.PipSettings(
        index_url="http://127.0.0.1:1/simple/",
        extra_index_urls=("http://127.0.0.1:2/simple/",),
        find_links=("/opt/wheels",),
        trusted_hosts=("127.0.0.1",),
        cert="/etc/company.pem",
        proxy="http://proxy:3128",
        constraints=("/etc/constraints.txt",),
    )
    backend = UvBackend("/usr/bin/uv", "/envs/demo/bin/python", (3, 11, 7), settings, "0.13.9")
    command = backend.install(["tinyapp==1.0"])
    assert command.program == "/usr/bin/uv"
    assert command.args[:4] == ("pip", "install", "--python", "/envs/demo/bin/python")
    args = command.args
    assert args[args.index("--index-url") + 1] == "http://127.0.0.1:1/simple/"
    assert args[args.index("--extra-index-url") + 1] == "http://127.0.0.1:2/simple/"
    assert args[args.index("--index-strategy") + 1] == "unsafe-best-match"  # pip's meaning of extra indexes
    assert args[args.index("--find-links") + 1] == "/opt/wheels"
    assert args[args.index("--allow-insecure-host") + 1] == "127.0.0.1"
    assert args[args.index("--constraints") + 1] == "/etc/constraints.txt"
    assert args[-1] == "tinyapp==1.0"
    assert command.env["SSL_CERT_FILE"] == "/etc/company.pem"
    assert command.env["HTTPS_PROXY"] == command.env["HTTP_PROXY"] == "http://proxy:3128"
    assert command.display_brief().startswith("uv pip install --index-url")


def test_upgrade_keeps_pips_meaning_and_upgrades_only_what_was_named():
    backend = UvBackend("/usr/bin/uv", "/envs/demo/bin/python", (3, 12), uv.PipSettings())
    args = backend.install(["requests[socks]>=2", "tinyapp"], upgrade=True).args
    assert "--upgrade" not in args
    assert [args[i + 1] for i, a in enumerate(args) if a == "--upgrade-package"] == ["requests", "tinyapp"]
    args = backend.install(["a==1"], reinstall=True, no_deps=True).args
    assert "--reinstall" in args and "--no-deps" in args


def test_freeze_leaves_out_what_pip_freeze_leaves_out_where_uv_can():
    new = UvBackend("/usr/bin/uv", "/e/bin/python", (3, 11), uv.PipSettings(), "0.13.9").freeze().args
    assert [new[i + 1] for i, a in enumerate(new) if a == "--exclude"] == ["pip", "setuptools", "wheel", "distribute"]
    on_312 = UvBackend("/usr/bin/uv", "/e/bin/python", (3, 12), uv.PipSettings(), "0.13.9").freeze().args
    assert [on_312[i + 1] for i, a in enumerate(on_312) if a == "--exclude"] == ["pip"]
    old = UvBackend("/usr/bin/uv", "/e/bin/python", (3, 11), uv.PipSettings(), "0.5.0").freeze().args
    assert "--exclude" not in old


def test_pips_settings_are_resolved_for_uv_from_files_and_variables(tmp_path):
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\nindex-url = http://mirror/simple/\nextra-index-url = http://a/simple/ http://b/simple/\n"
        "find-links = /opt/wheels\ncert = /etc/ca.pem\n[install]\ntrusted-host = mirror\n",
        encoding="utf-8",
    )
    env = {"PIP_CONFIG_FILE": str(config), "HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path / "none"),
           "XDG_CONFIG_HOME": str(tmp_path / "none"), "PIP_PROXY": "http://proxy:8080"}
    settings = uv.pip_settings(env=env)
    assert settings.index_url == "http://mirror/simple/"
    assert settings.extra_index_urls == ("http://a/simple/", "http://b/simple/")
    assert settings.find_links == ("/opt/wheels",)
    assert settings.trusted_hosts == ("mirror",)
    assert settings.cert == "/etc/ca.pem"
    assert settings.proxy == "http://proxy:8080"
    # The app's own settings come first, as for pip.
    assert uv.pip_settings("http://mine/simple/", "http://p:1", env=env).index_url == "http://mine/simple/"
    assert uv.pip_settings("", "http://p:1", env=env).proxy == "http://p:1"


def test_pip_is_chosen_and_the_reason_given_where_uv_cannot_serve(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 2.7.18\n", encoding="utf-8")
    choice = choose_backend(Environment.load(old), installer="uv", uv_program="/usr/bin/uv")
    assert isinstance(choice.backend, PipBackend)
    assert choice.note == "uv does not support Python 2.7 (it needs 3.6 or newer); pip is used for this environment."
    missing = choose_backend(Environment.load(old), installer="uv", uv_program="")
    assert isinstance(missing.backend, PipBackend) and "uv is not installed" in missing.note
    assert choose_backend(Environment.load(old)).note == ""  # pip asked for: nothing to say
    unknown = choose_backend(Environment(tmp_path / "nothing"), installer="uv", uv_program="/usr/bin/uv")
    assert isinstance(unknown.backend, PipBackend) and "not known" in unknown.note


@needs_uv
def test_uv_installed_by_its_own_installer_is_found_with_a_short_path(tmp_path):
    """Started from a desktop menu, Venvdesk's PATH often lacks ~/.local/bin, where uv's installer puts uv."""
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    installed = home / ".local" / "bin" / "uv"
    os.symlink(UV, installed)  # the real program, where uv's installer puts it
    (tmp_path / "empty").mkdir()
    short = {"PATH": str(tmp_path / "empty"), "HOME": str(home)}  # no uv on it
    assert uv.uv_outside(short) == str(installed)
    assert uv.uv_version(uv.uv_outside(short))  # and it runs
    (home / "xdg-bin").mkdir()
    os.symlink(UV, home / "xdg-bin" / "uv")
    assert uv.uv_outside({**short, "XDG_BIN_HOME": str(home / "xdg-bin")}) == str(home / "xdg-bin" / "uv")
    assert uv.uv_outside({**short, "HOME": str(tmp_path / "nobody")}) == ""


def test_how_to_get_uv_fits_how_venvdesk_was_installed(monkeypatch):
    """From source, uv is Venvdesk's extra; a bundle has no extras, so there it must be on the PATH."""
    assert "pip install uv" in uv.how_to_get_uv() and "PATH" in uv.how_to_get_uv()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert uv.how_to_get_uv() == "install uv as docs.astral.sh/uv describes (Venvdesk looks on the PATH and where uv's installer puts it)"
    assert "extra" not in uv.how_to_get_uv()


def test_the_dry_run_plan_is_read_from_uvs_words():
    backend = UvBackend("/usr/bin/uv", "/e/bin/python", (3, 11), uv.PipSettings(), "0.13.9")
    output = (
        "Using Python 3.11.7 environment at: e\nResolved 2 packages in 11ms\nWould download 2 packages\n"
        "Would uninstall 1 package\nWould install 2 packages\n - tinyapp==1.0\n + tinyapp==2.0\n + tinyutil==1.1\n"
    )
    plan = backend.parse_dry_run(output, ["tinyapp"])
    assert [(i.name, i.version, i.requested) for i in plan.items] == [("tinyapp", "2.0", True), ("tinyutil", "1.1", False)]
    assert plan.installer_version == "uv 0.13.9"
    compared = plan.compared_with({"tinyapp": ("tinyapp", "1.0")})
    assert compared.describe() == "Upgrading tinyapp from 1.0 to 2.0 also installs tinyutil 1.1."
    assert backend.parse_dry_run("Using Python 3.11.7 environment at: e\nChecked 1 package in 1ms\nWould make no changes\n").empty
    with pytest.raises(ReportError):
        backend.parse_dry_run("")
    assert reports_on_standard_error(backend.dry_run(["a"]))  # type: ignore[arg-type]
    assert reports_on_standard_error(backend.check()) and not reports_on_standard_error(backend.install(["a"]))


def test_check_problems_are_uvs_problem_lines():
    output = (
        "Using Python 3.11.7 environment at: e\nChecked 6 packages in 0.25ms\nFound 1 incompatibility\n"
        "The package `tinyapp` requires `tinyutil>=1.0`, but it's not installed\n"
    )
    assert UvBackend.check_problems(output) == ["The package tinyapp requires tinyutil>=1.0, but it's not installed"]
    assert UvBackend.check_problems("Using Python 3.11.7 environment at: e\nAll installed packages are compatible\n") == []


def test_creation_with_uv_uses_uv_venv_and_still_gives_pip(tmp_path):
    backend = UvBackend("/usr/bin/uv", str(tmp_path / "new" / "bin" / "python"), (3, 11), uv.PipSettings())
    intent = CreateEnvironment("new", tmp_path / "new", interpreter="/usr/bin/python3", prompt="mine")
    wheel = tmp_path / "pip-25.0-py3-none-any.whl"
    operation = plans.create_environment(intent, python_version=(3, 11, 7), pip_wheel=wheel, backend=backend)
    first, seed = operation.steps  # pip is compiled afterwards, in the background
    assert first.program == "/usr/bin/uv" and first.args[:3] == ("venv", "--python", "/usr/bin/python3")
    assert "--seed" not in first.args and first.args[-1] == str(tmp_path / "new")
    assert seed.args[-1] == str(wheel)
    no_wheel = plans.create_environment(intent, python_version=(3, 11, 7), pip_wheel=None, backend=backend)
    assert len(no_wheel.steps) == 1 and "--seed" in no_wheel.steps[0].args
    own_pip = plans.create_environment(
        CreateEnvironment("new", tmp_path / "new", interpreter="/usr/bin/python3", newest_pip=False),
        python_version=(3, 11, 7), pip_wheel=wheel, backend=backend,
    )
    assert own_pip.steps[1].args[:2] == ("-m", "ensurepip")


# ------------------------------------------------------------------ real uv


@needs_uv
def test_install_upgrade_uninstall_and_freeze_with_real_uv_keep_pip_working(make_venv, use_local_index, uv_env):
    venv = make_venv("env")
    backend = uv_backend(venv, use_local_index.simple_url)
    done = run(backend.install(["tinyapp==1.0"]))
    assert done.returncode == 0, done.stderr
    assert installed(venv)["tinyapp"] == "1.0"
    done = run(backend.install(["tinyapp"], upgrade=True))
    assert done.returncode == 0, done.stderr
    listed = installed(venv)
    assert listed["tinyapp"] == "2.0" and listed["tinyutil"] == "1.1"
    assert "pip" in listed  # uv neither needs nor removes pip
    frozen = run(backend.freeze())
    assert frozen.returncode == 0, frozen.stderr
    assert frozen.stdout.split() == ["tinyapp==2.0", "tinyutil==1.1"]
    done = run(backend.uninstall(["tinyapp"]))
    assert done.returncode == 0, done.stderr
    assert "tinyapp" not in installed(venv)
    check = run(backend.check(), merged=True)
    assert check.returncode == 0 and backend.check_problems(check.stdout) == []
    # The environment's own pip still installs.
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url",
         use_local_index.simple_url, "tinyextra"],
        check=True, capture_output=True,
    )
    assert "tinyextra" in installed(venv)
    assert all("pypi.org" not in path for path in use_local_index.requests)


@needs_uv
def test_requirements_file_and_dry_run_plan_with_real_uv(make_venv, use_local_index, uv_env, tmp_path):
    venv = make_venv("env")
    backend = uv_backend(venv, use_local_index.simple_url)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinyapp==1.0\ntinyutil==1.0\n", encoding="utf-8")
    done = run(backend.install_requirements(requirements))
    assert done.returncode == 0, done.stderr
    assert {k: v for k, v in installed(venv).items() if k.startswith("tiny")} == {"tinyapp": "1.0", "tinyutil": "1.0"}
    dry = backend.dry_run(["tinyapp"], upgrade=True)
    assert dry is not None
    output = run(dry, merged=True)
    assert output.returncode == 0, output.stdout
    plan = backend.parse_dry_run(output.stdout, ["tinyapp"]).compared_with(
        {"tinyapp": ("tinyapp", "1.0"), "tinyutil": ("tinyutil", "1.0")}
    )
    # pip's meaning of --upgrade: what was named; tinyutil 1.0 still fits tinyapp 2.0, so it stays.
    assert [(i.name, i.version, i.change) for i in plan.items] == [("tinyapp", "2.0", "upgrade")]
    assert installed(venv)["tinyapp"] == "1.0"  # a dry run changes nothing
    broken = run(backend.uninstall(["tinyutil"]))
    assert broken.returncode == 0
    pinned = run(backend.install(["tinyapp==2.0"], no_deps=True))
    assert pinned.returncode == 0, pinned.stderr
    check = run(backend.check(), merged=True)
    assert check.returncode != 0
    assert backend.check_problems(check.stdout) == ["The package tinyapp requires tinyutil>=1.0, but it's not installed"]


@needs_uv
def test_cancel_interrupts_a_real_uv_install(make_venv, index_root, uv_env):
    venv = make_venv("env")
    with LocalIndexServer(index_root, delay_per_chunk=0.2, chunk_size=64) as slow:
        backend = uv_backend(venv, slow.simple_url)
        command = backend.install(["tinyapp==2.0"])
        process = subprocess.Popen(
            [command.program, *command.args], env={**child_environment(), **command.env},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not any("/files/" in path for path in slow.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any("/files/" in path for path in slow.requests), "uv never started downloading"
        started = time.monotonic()
        os.kill(process.pid, signal.SIGINT)  # what the runner's Cancel sends first
        try:
            process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        stopped_in = time.monotonic() - started
    assert process.returncode != 0
    assert stopped_in < 5, stopped_in  # well within the runner's grace period before a kill
    assert "tinyapp" not in installed(venv)


def uv_context(index_url: str, specs: tuple[str, ...]) -> Context:
    return Context(requested=specs, python_version=sys.version_info[:3], index_url=index_url, platform="linux")


@needs_uv
@pytest.mark.parametrize(
    ("specs", "cause", "words"),
    [
        (("tinyap",), Cause.NO_SUCH_PROJECT, "There is no package called “tinyap”"),
        (("needsghost",), Cause.NO_SUCH_PROJECT, "needsghost needs ghostlib (1 or newer), and there is no package called “ghostlib”"),
        (("requests==9.9",), Cause.NO_SUCH_VERSION, "requests has no version 9.9"),
        (("fitsold==2.0",), Cause.PYTHON_TOO_NEW_OR_OLD, "fitsold 2.0 needs Python 3.99 or newer"),
        (("conflict-x", "other-y"), Cause.CONFLICT, "no version of lib suits both"),
        (("yankedonly",), Cause.YANKED, "withdrawn by its authors"),
        (("winonly",), Cause.NO_MATCHING_PLATFORM, "winonly has no ready-made file for Linux"),
    ],
)
def test_uvs_real_failures_are_explained(make_venv, failing_index, uv_env, specs, cause, words):
    venv = make_venv("env")
    backend = uv_backend(venv, failing_index.simple_url)
    failed = run(backend.install(list(specs)), merged=True)
    assert failed.returncode != 0
    explanation = explain(failed.stdout.splitlines(), failed.returncode, uv_context(failing_index.simple_url, specs))
    assert explanation.cause is cause, (explanation, failed.stdout)
    assert words in explanation.sentence, (explanation.sentence, failed.stdout)
    assert explanation.detail


@needs_uv
def test_an_unreachable_index_is_explained_from_uvs_words(make_venv, uv_env, monkeypatch):
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    venv = make_venv("env")
    backend = uv_backend(venv, "http://127.0.0.1:9/simple/")
    failed = run(backend.install(["tinyapp"]), merged=True)
    explanation = explain(failed.stdout.splitlines(), failed.returncode, uv_context("http://127.0.0.1:9/simple/", ("tinyapp",)))
    assert explanation.cause is Cause.INDEX_UNREACHABLE and explanation.kind == "refused", failed.stdout


@needs_uv
@pytest.mark.parametrize("version", ["3.6.15", "3.7.16"])
def test_uv_serves_the_old_pythons_it_supports(version, tmp_path, use_local_index, uv_env):
    python = pyenv_python(version)
    venv = tmp_path / "old"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    backend = uv_backend(venv, use_local_index.simple_url)
    done = run(backend.install(["tinyapp==1.0"]))
    assert done.returncode == 0, done.stderr
    assert run(backend.freeze()).stdout.split() == ["tinyapp==1.0"]


@needs_uv
def test_python_2_environments_fall_back_to_pip_and_uv_really_refuses_them(tmp_path, uv_env):
    python = pyenv_python("2.7.18")
    refused = subprocess.run([UV, "pip", "list", "--python", str(python)], capture_output=True, text=True)
    assert refused.returncode != 0 and "Python 3.6 or newer" in " ".join(refused.stderr.split())
    venv = tmp_path / "py2"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text(f"home = {python.parent}\nversion = 2.7.18\n", encoding="utf-8")
    choice = choose_backend(Environment.load(venv), [InstalledPackage("pip", "20.3.4")], installer="uv")
    assert isinstance(choice.backend, PipBackend) and "Python 2.7" in choice.note


@needs_uv
def test_creation_with_uv_venv_gives_a_standard_environment(tmp_path, seeded_pip_cache, uv_env):
    target = tmp_path / "made"
    python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    environment = Environment(target, {"version_info": ".".join(map(str, sys.version_info[:3]))})
    backend = backend_for(environment, installer="uv")
    assert isinstance(backend, UvBackend)
    intent = CreateEnvironment("made", target, interpreter=python)
    operation = plans.create_environment(
        intent, python_version=sys.version_info[:3], pip_wheel=seeded_pip_cache, backend=backend
    )
    for command in operation.steps:
        done = run(command)
        assert done.returncode == 0, (command.display(), done.stderr)
    assert Environment.load(target).python_version[:2] == sys.version_info[:2]
    assert "pip" in installed(target)
