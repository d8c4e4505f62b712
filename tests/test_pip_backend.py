"""pip's command line (core/backends/pip.py), the plans that use it, and how operations end (core only)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from core import plans
from core.backends import backend_for
from core.backends.pip import PIP_BASE_OPTIONS, PipBackend, pip_command
from core.commands import Command
from core.environments import Environment, Layout
from core.errors import InvalidInput
from core.operations import (
    CheckPackages,
    CreateEnvironment,
    InstallPackages,
    InstallRequirements,
    Operation,
    Outcome,
    RepairEnvironment,
    SaveRequirements,
    Status,
    UninstallPackages,
    changes_packages,
    reinstallable_specs,
)
from core.packages import InstalledPackage

ENV_PYTHON = "/home/me/envs/demo/bin/python"
PIP_PREFIX = ("-m", "pip", *PIP_BASE_OPTIONS)


def pip_of(version: str = "24.2", index_url: str = "") -> PipBackend:
    return PipBackend(ENV_PYTHON, version, index_url)


# ------------------------------------------------------------------ the command line


@pytest.mark.parametrize("args", [(), ("install", "requests==2.32.0"), ("list", "--format=json"), ("uninstall", "-y", "tinyapp")])
def test_pip_commands_start_with_the_quiet_non_interactive_options(args):
    command = pip_command(ENV_PYTHON, *args, description="Run pip")
    assert command.program == ENV_PYTHON
    assert command.args == (*PIP_PREFIX, *args)
    assert command.description == "Run pip"


def test_pip_commands_ask_for_unbuffered_utf8_output():
    command = pip_command(ENV_PYTHON, "list", description="List packages")
    assert command.env["PYTHONUNBUFFERED"] == "1"
    assert command.env["PYTHONIOENCODING"] == "utf-8"


def test_pip_command_refuses_a_relative_python():
    with pytest.raises(InvalidInput) as refused:
        pip_command("bin/python", "list", description="List packages")
    assert refused.value.reference == "relative-path"


@pytest.mark.parametrize(
    ("version", "raw"),
    [("24.1", True), ("24.1.2", True), ("25.0", True), ("24.0", False), ("23.2.1", False), ("9.0.1", False), ("", False)],
)
def test_progress_lines_are_asked_for_from_pip_24_1_on(version, raw):
    args = pip_of(version).install(["tinyapp"]).args
    assert (args[len(PIP_PREFIX) + 1 : len(PIP_PREFIX) + 3] == ("--progress-bar", "raw")) is raw
    assert pip_of(version).reports_progress is raw
    assert ("--progress-bar" in pip_of(version).install_requirements(Path("/p/requirements.txt")).args) is raw


def test_install_options_for_each_intent():
    backend = pip_of("23.0")
    assert backend.install(["a==1"]).args == (*PIP_PREFIX, "install", "a==1")
    assert backend.install(["a"], upgrade=True).args == (*PIP_PREFIX, "install", "--upgrade", "a")
    assert backend.install(["a==1"], reinstall=True, no_deps=True).args == (
        *PIP_PREFIX, "install", "--force-reinstall", "--no-deps", "a==1"
    )
    assert backend.uninstall(["a", "b"]).args == (*PIP_PREFIX, "uninstall", "--yes", "a", "b")
    assert backend.freeze().args == (*PIP_PREFIX, "freeze")
    assert backend.check().args == (*PIP_PREFIX, "check")
    assert backend.install_requirements(Path("/p/requirements.txt")).args == (
        *PIP_PREFIX, "install", "--requirement", "/p/requirements.txt"
    )


def test_the_apps_own_index_setting_is_passed_and_pips_configuration_otherwise():
    assert "--index-url" not in pip_of().install(["a"]).args
    args = pip_of(index_url="http://127.0.0.1:1/simple/").install(["a"]).args
    assert args[args.index("--index-url") + 1] == "http://127.0.0.1:1/simple/"


@pytest.mark.parametrize("spec", ["-r", "--index-url=http://x", "  -e .", "\t--pre", "", "   --user"])
def test_nothing_option_like_reaches_pips_argv(spec):
    backend = pip_of()
    with pytest.raises(InvalidInput):
        backend.install([spec])
    with pytest.raises(InvalidInput):
        backend.uninstall([spec])


def test_an_empty_list_of_packages_is_refused():
    with pytest.raises(InvalidInput) as refused:
        pip_of().install([])
    assert refused.value.reference == "spec-empty"


def test_progress_lines_are_parsed_and_other_lines_are_not():
    backend = pip_of()
    assert backend.parse_progress("Progress 1024 of 4096") == (1024, 4096)
    assert backend.parse_progress("Progress 3 of 3  ") == (3, 3)
    assert backend.parse_progress("Collecting Progress 1 of 2") is None
    assert backend.parse_progress("Successfully installed x") is None


def test_check_problems_are_the_lines_that_name_one():
    assert pip_of().check_problems("No broken requirements found.\n") == []
    assert pip_of().check_problems("WARNING: Ignoring invalid distribution ~igpkg (/x)\nNo broken requirements found.\n") == []
    assert pip_of().check_problems("tinyapp 2.0 requires tinyutil, which is not installed.\n\n") == [
        "tinyapp 2.0 requires tinyutil, which is not installed."
    ]


def test_backend_for_an_environment_reads_pips_version_from_what_is_installed(tmp_path):
    environment = Environment(tmp_path / "env")
    installed = [
        InstalledPackage("pip", "24.2"),
        InstalledPackage("tinyapp", "1.0"),
    ]
    backend = backend_for(environment, installed, index_url="")
    assert backend.name == "pip" and backend.reports_progress
    assert backend.install(["a"]).program == str(Layout(tmp_path / "env").python)
    assert not backend_for(environment, ()).reports_progress


# ------------------------------------------------------------------ plans: intent → operation


def test_install_plan_carries_its_typed_intent_and_the_backends_progress_parser(tmp_path):
    environment = Environment(tmp_path / "env")
    backend = pip_of()
    operation = plans.install(environment, backend, ["tinyapp==1.0"])
    assert operation.key == str(tmp_path / "env")
    assert operation.title == "Installing tinyapp==1.0"
    assert operation.intent == InstallPackages(("tinyapp==1.0",))
    assert operation.progress is not None and operation.progress("Progress 1 of 2") == (1, 2)
    assert changes_packages(operation.intent)
    assert reinstallable_specs(operation.intent) == ("tinyapp==1.0",)


@pytest.mark.parametrize(
    ("installed", "chosen", "verb", "reinstall"),
    [("", "1.0", "Install", False), ("1.0", "1.1", "Upgrade", False), ("1.1", "1.0", "Downgrade", False),
     ("1.0", "1.0", "Reinstall", True), ("10.0", "9.1", "Downgrade", False)],
)
def test_installing_a_chosen_release_names_what_it_does(tmp_path, installed, chosen, verb, reinstall):
    assert plans.install_verb(installed, chosen) == verb
    operation = plans.install_release(Environment(tmp_path / "e"), pip_of(), "tinyutil", chosen, installed=installed)
    assert operation.title == f"{plans.GERUNDS[verb]} tinyutil=={chosen}"
    assert operation.intent == InstallPackages((f"tinyutil=={chosen}",), reinstall=reinstall)
    assert ("--force-reinstall" in operation.steps[0].args) is reinstall


def test_other_plans_have_their_own_intents(tmp_path):
    environment = Environment(tmp_path / "env")
    backend = pip_of()
    requirements = tmp_path / "requirements.txt"
    assert plans.uninstall(environment, backend, ["a"]).intent == UninstallPackages(("a",))
    operation = plans.install_requirements(environment, backend, requirements, ["a==1"])
    assert operation.intent == InstallRequirements(requirements, ("a==1",))
    saved = plans.save_requirements(environment, backend, requirements, overwrite=True)
    assert saved.intent == SaveRequirements(requirements, True) and saved.capture_output
    assert not changes_packages(saved.intent)
    check = plans.check(environment, backend)
    assert isinstance(check.intent, CheckPackages) and check.capture_output and not changes_packages(check.intent)


def test_repair_never_passes_a_folder_name_and_removes_leftovers_by_path(tmp_path):
    site_packages = tmp_path / "env" / "lib" / "python3.12" / "site-packages"
    site_packages.mkdir(parents=True)
    (tmp_path / "env" / "pyvenv.cfg").write_text("version_info = 3.12.1\n")
    environment = Environment.load(tmp_path / "env")
    operation = plans.repair(
        environment, pip_of(), damaged_specs=["tinyutil==1.1"], interrupted_specs=["tinyapp==2.0", "tinyutil==1.1"],
        leftovers=["~inyapp"],
    )
    assert operation is not None
    assert operation.intent == RepairEnvironment(("tinyutil==1.1", "tinyapp==2.0"), ("~inyapp",))
    remove, reinstall, finish = operation.steps
    assert remove.args[-1] == str(site_packages / "~inyapp")
    # The damaged version exactly, files only; what an install was installing, with its dependencies.
    assert reinstall.args[-3:] == ("--force-reinstall", "--no-deps", "tinyutil==1.1")
    assert finish.args[-1] == "tinyapp==2.0" and "--no-deps" not in finish.args and "--force-reinstall" not in finish.args
    assert plans.repair(environment, pip_of(), damaged_specs=[], interrupted_specs=[], leftovers=[]) is None


def test_creation_with_a_cached_wheel_seeds_pip_and_leaves_compiling_for_later(tmp_path):
    target = tmp_path / "demo"
    intent = CreateEnvironment("demo", target, interpreter="/usr/bin/python3.12")
    wheel = tmp_path / "pip-24.2-py3-none-any.whl"
    operation = plans.create_environment(intent, python_version=(3, 12, 1), pip_wheel=wheel, backend=pip_of(""))
    if sys.platform == "win32":
        pytest.skip("Windows environments get pip from ensurepip")
    create, seed = operation.steps  # pip is byte-compiled afterwards, in the background
    assert "--without-pip" in create.args
    assert seed.args[-1] == str(wheel)
    assert operation.optional == frozenset() and operation.intent is intent
    assert Layout(target, windows=False).expected_site_packages((3, 12)) == target / "lib" / "python3.12" / "site-packages"


def test_creation_without_a_wheel_uses_plain_venv_then_an_optional_pip_upgrade(tmp_path):
    intent = CreateEnvironment(
        "demo", tmp_path / "demo", interpreter="/usr/bin/python3.12", system_site_packages=True, prompt="p"
    )
    operation = plans.create_environment(intent, python_version=(3, 12), pip_wheel=None, backend=pip_of(""))
    create, upgrade = operation.steps
    assert "--without-pip" not in create.args and "--system-site-packages" in create.args
    assert upgrade.args[len(PIP_PREFIX):] == ("install", "--upgrade", "pip")
    assert operation.optional == frozenset({1})


# ------------------------------------------------------------------ outcomes as sentences


def outcome(status: Status, **fields) -> Outcome:
    operation = Operation("env", "Installing tinyapp", [Command(ENV_PYTHON, ("-V",), "v")], InstallPackages(("tinyapp",)))
    return Outcome(status, operation, operation.steps[0], **fields)


def test_every_ending_reads_as_a_sentence():
    assert str(outcome(Status.OK)) == "Installing tinyapp: done."
    assert str(outcome(Status.OK, warnings=("“x” failed (exit code 1).",))).startswith("Installing tinyapp: done, with a warning")
    assert str(outcome(Status.CANCELLED)) == "Installing tinyapp: cancelled."
    assert str(outcome(Status.FAILED, exit_code=1)) == "Installing tinyapp: failed (exit code 1)."
    assert "could not be started (No such file)" in str(outcome(Status.FAILED_TO_START, reason="No such file"))
    assert str(outcome(Status.CRASHED)).endswith("stopped unexpectedly: it crashed or was killed.")


@pytest.mark.parametrize(
    ("number", "words"),
    [(signal.SIGKILL, "it was killed (SIGKILL)"), (signal.SIGSEGV, "it crashed (segmentation fault) (SIGSEGV)"),
     (signal.SIGTERM, "it was told to stop (SIGTERM)")],
)
def test_a_crash_names_its_signal(number, words):
    crashed = outcome(Status.CRASHED, exit_code=int(number))
    assert str(crashed) == f"Installing tinyapp: the program stopped unexpectedly: {words}."
    assert f"Ended by: {signal.Signals(number).name}" in crashed.detail()
    assert crashed.interrupted and not crashed.ok


def test_detail_hides_secrets_in_the_last_lines():
    failed = outcome(Status.FAILED, exit_code=2, tail=("Looking in https://me:hunter2@example.org/simple",))
    assert "hunter2" not in failed.detail() and "me:****@example.org" in failed.detail()
    assert "Exit code: 2" in failed.detail()


def test_the_app_s_proxy_setting_reaches_every_pip_command_that_uses_the_network(tmp_path):
    from core.backends.pip import PipBackend
    from core.errors import InvalidInput

    backend = PipBackend(str(tmp_path / "python"), "24.2", proxy="http://proxy.example:3128")
    for command in (backend.install(["requests"]), backend.install_requirements(tmp_path / "r.txt"),
                    backend.dry_run(["requests"])):
        assert command is not None
        at = command.args.index("--proxy")
        assert command.args[at + 1] == "http://proxy.example:3128"
    assert "--proxy" not in PipBackend(str(tmp_path / "python"), "24.2").install(["requests"]).args
    with pytest.raises(InvalidInput):
        PipBackend(str(tmp_path / "python"), "24.2", proxy="--index-url=http://evil").install(["requests"])
