"""Jupyter kernels on disk: where Jupyter keeps them, which point into an environment, the command
that registers one, and whether a Jupyter is around — real folders, real venvs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from core import jupyter
from core.environments import Environment
from venvdesk_testing.isolation import hermetic_pip_env
from venvdesk_testing.wheels import PackageSpec


def write_kernel(data_dir: Path, name: str, argv0: str, display: str = "") -> Path:
    folder = data_dir / "kernels" / name
    folder.mkdir(parents=True)
    document = {"argv": [argv0, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": display or name, "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def install_wheel(venv: Path, spec: PackageSpec, folder: Path) -> None:
    wheel = spec.build(folder)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)],
        env=hermetic_pip_env(),
        check=True,
        capture_output=True,
    )


def test_the_persons_data_folder_follows_jupyter_core_on_each_system(tmp_path):
    home = tmp_path / "home"
    assert jupyter.user_data_dir({"JUPYTER_DATA_DIR": str(tmp_path / "d")}, "linux", home) == tmp_path / "d"
    assert jupyter.user_data_dir({"XDG_DATA_HOME": str(tmp_path / "xdg")}, "linux", home) == tmp_path / "xdg" / "jupyter"
    assert jupyter.user_data_dir({}, "linux", home) == home / ".local" / "share" / "jupyter"
    assert jupyter.user_data_dir({"XDG_DATA_HOME": "/ignored"}, "darwin", home) == home / "Library" / "Jupyter"
    assert jupyter.user_data_dir({"APPDATA": str(tmp_path / "roaming")}, "win32", home) == tmp_path / "roaming" / "jupyter"


def test_jupyter_path_comes_first_then_the_persons_folder_then_the_systems(tmp_path):
    env = {"JUPYTER_PATH": f"{tmp_path / 'a'}:{tmp_path / 'b'}", "JUPYTER_DATA_DIR": str(tmp_path / "user")}
    folders = jupyter.data_dirs(env, "linux", tmp_path)
    assert folders[:3] == [tmp_path / "a", tmp_path / "b", tmp_path / "user"]
    assert Path("/usr/share/jupyter") in folders


def test_kernels_pointing_into_an_environment_are_found_and_unreadable_ones_reported(tmp_path, make_venv):
    venv = make_venv("homework")
    other = make_venv("data")
    data_dir = tmp_path / "jupyter"
    # ipykernel writes the environment's own bin/python, a link out of the environment: not followed.
    write_kernel(data_dir, "homework", str(venv / "bin" / "python"), "Python (homework)")
    write_kernel(data_dir, "data", str(other / "bin" / "python"), "Python (data)")
    write_kernel(data_dir, "python3", "python", "Python 3 (ipykernel)")  # a bare name points nowhere
    broken = data_dir / "kernels" / "broken"
    broken.mkdir()
    (broken / "kernel.json").write_text("{not json", encoding="utf-8")

    scan = jupyter.find_kernels([data_dir, tmp_path / "no-such-folder"])

    assert sorted(kernel.name for kernel in scan.kernels) == ["data", "homework", "python3"]
    assert [kernel.display_name for kernel in scan.pointing_into(venv)] == ["Python (homework)"]
    assert [kernel.name for kernel in scan.pointing_into(other)] == ["data"]
    assert len(scan.problems) == 1 and str(broken) in scan.problems[0]


def test_a_kernel_still_points_into_an_environment_after_it_was_removed(tmp_path, make_venv):
    venv = make_venv("gone")
    data_dir = tmp_path / "jupyter"
    write_kernel(data_dir, "gone", str(venv / "bin" / "python"))
    import shutil

    shutil.rmtree(venv)
    kernel = jupyter.find_kernels([data_dir]).kernels[0]
    assert kernel.points_into(venv)
    assert not kernel.program_exists
    assert not kernel.points_into(tmp_path / "go")  # a name that merely starts the same is not inside


def test_kernel_names_are_what_jupyter_accepts_and_unique_per_environment(tmp_path, make_venv):
    venv = Environment.load(make_venv("Home Work"))
    assert jupyter.kernel_name(venv) == "home-work"
    assert jupyter.display_name(venv) == "Python (Home Work)"
    project = tmp_path / "My Project"
    project.mkdir()
    dot_venv = Environment.load(make_venv(".venv", parent=project))
    assert jupyter.display_name(dot_venv) == "Python (My Project)"
    assert jupyter.kernel_name(dot_venv) == "my-project"

    data_dir = tmp_path / "jupyter"
    write_kernel(data_dir, "home-work", str(venv.python))
    write_kernel(data_dir, "my-project", "/somewhere/else/bin/python")
    kernels = jupyter.find_kernels([data_dir]).kernels
    assert jupyter.kernel_name(venv, kernels) == "home-work"  # its own kernel: registered again in place
    other_name = jupyter.kernel_name(dot_venv, kernels)
    assert other_name.startswith("my-project-") and other_name != "my-project"


def test_the_register_command_runs_ipykernel_in_the_environment(make_venv):
    venv = Environment.load(make_venv("homework"))
    command = jupyter.register_kernel_command(venv, "homework", "Python (homework)")
    assert command.program == str(venv.python)
    assert command.args == ("-m", "ipykernel", "install", "--user", "--name", "homework", "--display-name", "Python (homework)")


def test_only_a_kernelspec_folder_may_be_removed(tmp_path):
    data_dir = tmp_path / "jupyter"
    folder = write_kernel(data_dir, "homework", "/x/bin/python")
    kernel = jupyter.read_kernel(folder)
    assert jupyter.removal_refusal(kernel) == ""
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "kernel.json").write_text("{}", encoding="utf-8")
    assert "not inside a Jupyter" in jupyter.removal_refusal(jupyter.read_kernel(stray))
    (folder / "kernel.json").unlink()
    assert "no kernel.json" in jupyter.removal_refusal(kernel)


def test_jupyter_is_found_on_path_or_installed_in_a_known_environment(tmp_path, make_venv):
    plain = Environment.load(make_venv("plain"))
    lab = make_venv("lab")
    install_wheel(lab, PackageSpec("notebook", "7.0", summary="A stand-in for Jupyter Notebook."), tmp_path / "wheels")
    assert jupyter.find_jupyter([plain], which=lambda _name: None) == []
    places = jupyter.find_jupyter([plain, Environment.load(lab)], which=lambda _name: None)
    assert [place.description for place in places] == ["Jupyter Notebook in “lab”"]
    on_path = jupyter.find_jupyter([], which=lambda name: f"/opt/bin/{name}" if name == "jupyter-lab" else None)
    assert [place.program for place in on_path] == ["/opt/bin/jupyter-lab"]
    assert jupyter.has_package(Environment.load(lab), "Notebook")
    assert not jupyter.has_package(plain, "ipykernel")
