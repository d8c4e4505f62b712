"""Re-creating an environment with another Python (core): what is recorded, the plan, moving aside and back."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from core import recreate
from core.backends.pip import PipBackend
from core.commands import child_environment
from core.environments import Environment
from core.interpreters import probe_interpreter
from core.operations import CreateEnvironment
from core.packages import InstalledPackage
from core.plans import create_environment
from core.recreate import (
    BUILT,
    PackageRecord,
    RecordedPackage,
    RecreateEnvironment,
    Recreation,
    aside_path,
    compare,
    describe_result,
    move_aside,
    plan_install,
    put_back,
    record_packages,
    settle_unfinished,
    write_record,
)
from tests.conftest import base_python, pip_install


def _site_packages(venv: Path) -> Path:
    found = Environment.load(venv).site_packages()
    assert found is not None
    return found


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _imports(venv: Path, module: str) -> bool:
    return subprocess.run([str(venv / "bin" / "python"), "-c", f"import {module}"], check=False).returncode == 0


def test_records_requested_packages_from_metadata(make_venv, local_index):
    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", index_url=local_index.simple_url)
    record = record_packages(Environment.load(venv))
    by_key = {p.key: p for p in record.packages}
    assert by_key["tinyapp"].requested and by_key["tinyapp"].version == "2.0"
    assert not by_key["tinyutil"].requested  # a dependency of tinyapp
    assert record.count == 2  # pip is not carried over
    assert record.python_version == Environment.load(venv).version


def test_without_requested_markers_what_nothing_needs_is_requested(make_venv, local_index):
    venv = make_venv("other-tool")
    pip_install(venv, "tinyapp==2.0", "Old_Package==1.0", index_url=local_index.simple_url)
    for marker in _site_packages(venv).glob("*.dist-info/REQUESTED"):
        marker.unlink()
    record = record_packages(Environment.load(venv))
    requested = sorted(p.name for p in record.carried if p.requested)
    assert requested == ["Old_Package", "tinyapp"]


def test_a_package_nothing_needs_any_more_is_kept(make_venv, local_index):
    venv = make_venv("orphan")
    pip_install(venv, "tinyapp==2.0", index_url=local_index.simple_url)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", "-q", "tinyapp"], check=True)
    record = record_packages(Environment.load(venv))
    assert [(p.name, p.requested) for p in record.carried] == [("tinyutil", True)]


def test_plan_pins_requested_and_constrains_the_rest():
    record = PackageRecord(
        (
            RecordedPackage("pip", "25.0", True),
            RecordedPackage("tinyapp", "2.0", True),
            RecordedPackage("tinyutil", "1.1", False),
            RecordedPackage("tomli", "2.0.1", False),
            RecordedPackage("mine", "0.1", True, direct=True),
        ),
        "3.10.13",
    )
    plan = plan_install(record)
    assert plan.specs == ("tinyapp==2.0",)
    assert plan.constraints == ("tinyutil==1.1", "tomli==2.0.1")
    assert plan.left_out == ("mine 0.1",)
    # A version chosen for the new Python replaces the pin, and is no constraint any more.
    replaced = plan_install(record, {"TinyUtil": "tinyutil==1.0"})
    assert replaced.specs == ("tinyapp==2.0", "tinyutil==1.0")
    assert replaced.constraints == ("tomli==2.0.1",)


def test_move_aside_then_put_back_leaves_the_old_environment_working(make_venv, local_index, tmp_path):
    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", index_url=local_index.simple_url)
    environment = Environment.load(venv)
    interpreter = probe_interpreter(base_python())
    recreation = move_aside(environment, record_packages(environment), interpreter)
    aside = aside_path(venv)
    assert aside.name == ".homework.venvdesk-previous" and aside.parent == venv.parent
    assert not venv.exists() and (aside / "pyvenv.cfg").is_file()
    assert recreate.read_record(venv) == recreation

    # A half-made new environment at the same path is removed, the old one renamed back.
    subprocess.run([base_python(), "-m", "venv", "--without-pip", str(venv)], check=True)
    put_back(venv, aside)
    assert not aside.exists()
    assert _imports(venv, "tinyapp")
    assert recreate.read_record(venv) is None


def test_moving_aside_refuses_when_an_aside_folder_is_left(make_venv):
    venv = make_venv("homework")
    aside_path(venv).mkdir()
    with pytest.raises(recreate.UserFacingError, match="already exists"):
        move_aside(Environment.load(venv), PackageRecord(), probe_interpreter(base_python()))
    assert (venv / "pyvenv.cfg").is_file()


def test_a_stopped_recreation_is_put_back_on_the_next_start(make_venv, local_index):
    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", index_url=local_index.simple_url)
    aside = aside_path(venv)
    os.rename(venv, aside)
    subprocess.run([base_python(), "-m", "venv", "--without-pip", str(venv)], check=True)  # half-made
    write_record(Recreation(str(venv), str(aside), "homework", "3.11.7", "3.12.1", app_pid=_dead_pid()))

    settled = settle_unfinished()
    assert [item.to_trash for item in settled] == [None]
    assert settled[0].sentence == (
        "Venvdesk stopped while re-creating “homework” with Python 3.12. “homework” was put back as it was,"
        " with Python 3.11."
    )
    assert not aside.exists() and _imports(venv, "tinyapp")
    assert recreate.records() == []


def test_a_stopped_recreation_that_was_complete_hands_the_old_one_to_the_trash(make_venv):
    venv = make_venv("homework")
    aside = aside_path(venv)
    os.rename(make_venv("old"), aside)
    write_record(Recreation(str(venv), str(aside), "homework", "3.10.13", "3.12.1", phase=BUILT, app_pid=_dead_pid()))
    settled = settle_unfinished()
    assert [item.to_trash for item in settled] == [aside]
    assert venv.exists() and aside.exists()  # the GUI moves it to the trash


def test_a_recreation_another_live_venvdesk_runs_is_left_alone(make_venv):
    venv = make_venv("homework")
    aside = aside_path(venv)
    os.rename(make_venv("old"), aside)
    parent_pid = os.getppid()  # alive, and not this process
    write_record(Recreation(str(venv), str(aside), "homework", "3.10.13", "3.12.1", app_pid=parent_pid))
    assert settle_unfinished() == []
    assert aside.exists()


def test_comparison_reports_backports_no_longer_needed():
    record = PackageRecord(
        (
            RecordedPackage("pip", "23.0", True),
            RecordedPackage("tinyapp", "2.0", True),
            RecordedPackage("tinyutil", "1.1", False),
            RecordedPackage("tomli", "2.0.1", False),
        ),
        "3.10.13",
    )
    after = [InstalledPackage("pip", "25.0"), InstalledPackage("tinyapp", "2.0"), InstalledPackage("tinyutil", "1.1")]
    comparison = compare(record, after, plan_install(record))
    assert comparison.gone == ("tomli",) and comparison.same == ("tinyapp", "tinyutil")
    assert describe_result("homework", "3.12", comparison, record) == (
        "“homework” now uses Python 3.12 with the same 2 packages. tomli is no longer needed on Python 3.12."
    )


def test_the_operation_builds_at_the_same_path_and_installs_the_same_set(make_venv, local_index, pip_wheel, tmp_path):
    """The steps the app runs, run here one after another: the new environment has the same pins."""
    venv = make_venv("homework")
    pip_install(venv, "tinyapp==2.0", index_url=local_index.simple_url)
    environment = Environment.load(venv)
    record = record_packages(environment)
    interpreter = probe_interpreter(base_python())
    plan = plan_install(record)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{line}\n" for line in plan.constraints))
    recreation = move_aside(environment, record, interpreter)
    intent = RecreateEnvironment(
        "homework", venv, Path(recreation.aside), interpreter.path, interpreter.version, environment.version,
        record, plan, constraints,
    )
    creation = create_environment(
        CreateEnvironment("homework", venv, interpreter=interpreter.path),
        python_version=interpreter.version, pip_wheel=pip_wheel, backend=None,
    )
    operation = recreate.recreation_operation(intent, creation, PipBackend(str(venv / "bin" / "python"), index_url=local_index.simple_url))
    assert operation.key == str(venv) and operation.title == f"Re-creating “homework” with Python {intent.new_version_text}"
    assert recreate.is_recreation(operation.intent)
    install = operation.steps[-1]
    assert "--constraint" in install.args and install.args[-1] == "tinyapp==2.0"
    for index, step in enumerate(operation.steps):
        result = subprocess.run(
            [step.program, *step.args], env={**child_environment(), **step.env}, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 or index in operation.optional, result.stderr
    freeze = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    assert sorted(freeze.stdout.split()) == ["tinyapp==2.0", "tinyutil==1.1"]
    assert (Path(recreation.aside) / "pyvenv.cfg").is_file()


def test_the_offer_for_an_environment_whose_python_was_removed(make_venv, local_index):
    """The broken page's sentence: which Python was removed, which one to use now, how many packages."""
    path = make_venv("gone")
    pip_install(path, "tinyapp==2.0", index_url=local_index.simple_url)
    config = path / "pyvenv.cfg"
    lines = config.read_text().splitlines()
    config.write_text("\n".join("home = /opt/removed-python/bin" if line.startswith("home") else line for line in lines) + "\n")
    environment = Environment.load(path)
    version = environment.version
    old = ".".join(version.split(".")[:2])
    here = probe_interpreter(base_python())
    newer = recreate.suggested_interpreter("2.6", [here])  # no 2.6 here: the newest one is offered
    assert newer is here
    same = recreate.broken_offer(environment, [here])
    assert same == (
        f"Python {old} was removed. Re-create this environment with the Python {old} you have now"
        " and the same 2 packages?"
    )
    assert recreate.broken_offer(environment, []) == (
        f"Python {old} was removed. Install a Python to re-create this environment with the same 2 packages."
    )
    assert recreate.broken_offer(Environment.load(make_venv("fine")), [here]) == ""  # its Python is there


def test_what_cannot_be_carried_over_is_named_before_and_after():
    """A package from a file, a folder or a link: counted out of what will be installed, and named."""
    record = PackageRecord(
        (
            RecordedPackage("pip", "24.0", True),
            RecordedPackage("tinyapp", "2.0", True),
            RecordedPackage("tinyutil", "1.1", False),
            RecordedPackage("localonly", "1.0", True, direct=True),
        ),
        "3.11.7",
    )
    assert record.count == 3 and record.installable_count == 2
    assert record.left_out_words() == ("localonly 1.0",)
    assert recreate.left_out_sentence(record.left_out_words()) == (
        "localonly 1.0 was installed from a folder, a file or a link, not from the package index, so Venvdesk"
        " cannot install it again: the new environment will not have it."
    )
    plan = plan_install(record)
    after = [InstalledPackage("pip", "25.0"), InstalledPackage("tinyapp", "2.0"), InstalledPackage("tinyutil", "1.1")]
    assert describe_result("homework", "3.12", compare(record, after, plan), record) == (
        "“homework” now uses Python 3.12 with the same 2 packages. Not carried over (installed from a folder,"
        " a file or a link, not from the index): localonly 1.0; install it again the way you did before."
    )
    assert record.package_set()["localonly"] == ("localonly", "1.0") and "pip" in record.package_set()


def test_the_broken_offer_counts_only_what_can_be_installed_again(make_venv, local_index, tmp_path):
    from venvdesk_testing.wheels import build_wheel

    path = make_venv("gone")
    pip_install(path, "tinyapp==2.0", str(build_wheel(tmp_path / "wheels", "localonly", "1.0")), index_url=local_index.simple_url)
    config = path / "pyvenv.cfg"
    lines = config.read_text().splitlines()
    config.write_text("\n".join("home = /opt/removed-python/bin" if line.startswith("home") else line for line in lines) + "\n")
    environment = Environment.load(path)
    old = ".".join(environment.version.split(".")[:2])
    assert recreate.broken_offer(environment, [probe_interpreter(base_python())]) == (
        f"Python {old} was removed. Re-create this environment with the Python {old} you have now and the same 2"
        " packages? localonly 1.0 was installed from a folder, a file or a link, not from the package index, so"
        " Venvdesk cannot install it again: the new environment will not have it."
    )
