"""Projects in core: reading a project folder, saying what it holds, choosing its Python, and the
registry that remembers projects (version 2, migrated from version 1, merged between instances)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from core import storage
from core.editors import find_editors
from core.environments import REGISTRY_VERSION, EnvironmentRegistry, registry_path
from core.errors import UserFacingError
from core.interpreters import Interpreter, find_interpreters
from core.projects import (
    SetupChoice,
    checked_by_default,
    choose_interpreter,
    count_python_files,
    describe,
    describe_setup,
    home_folder_role,
    read_pyproject,
    scan_project,
    setup_packages,
    why_no_interpreter,
)

PYPROJECT = """\
[project]
name = "homework"
requires-python = ">=3.10"
dependencies = ["tinyapp>=2", "tinyutil", "tinyextra[fancy]"]

[project.optional-dependencies]
dev = ["tinyutil==1.1"]
docs = ["Old_Package"]
"""


def fake_environment(folder: Path, version: str = "3.11.7") -> Path:
    """A folder that looks like a working environment (its Python links to this test's Python)."""
    folder.mkdir(parents=True)
    home = os.path.dirname(os.path.realpath(sys.executable))
    (folder / "pyvenv.cfg").write_text(f"home = {home}\nversion_info = {version}\n")
    (folder / "bin").mkdir()
    (folder / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    return folder


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_project(root: Path) -> Path:
    project = root / "homework"
    write(project / "requirements.txt", "# what the course needs\ntinyapp==2.0\ntinyutil>=1.0\n\n" + "".join(
        f"package{n}\n" for n in range(10)
    ))
    write(project / "requirements" / "dev.txt", "tinyextra\n")
    write(project / "pyproject.toml", PYPROJECT)
    for name in ("main.py", "helpers.py", "pkg/__init__.py", "pkg/core.py"):
        write(project / name, "print('hi')\n")
    # Not the project's code: none of these are counted.
    for name in (".git/hooks/x.py", "build/lib/a.py", "dist/b.py", "__pycache__/c.py", "node_modules/d.py",
                 "other_env/lib/python3.11/site-packages/e.py", "site-packages/f.py", "thing.egg-info/g.py"):
        write(project / name, "")
    write(project / "other_env" / "pyvenv.cfg", "home = /usr/bin\nversion = 3.9.18\n")
    (project / "other_env" / "bin").mkdir()
    (project / "other_env" / "bin" / "python").symlink_to(os.path.realpath(sys.executable))  # a working one
    return project


# ------------------------------------------------------------------ reading a project folder


def test_scan_finds_requirements_pyproject_and_python_files(tmp_path):
    project = make_project(tmp_path)
    scan = scan_project(project)
    assert scan.folder == project.resolve()
    assert scan.name == "homework"
    assert [(source.relative, source.count) for source in scan.requirements] == [
        ("requirements.txt", 12),
        ("requirements/dev.txt", 1),
    ]
    assert scan.pyproject is not None
    assert scan.pyproject.requires_python == ">=3.10"
    assert scan.pyproject.dependencies == ("tinyapp>=2", "tinyutil", "tinyextra[fancy]")
    assert dict(scan.pyproject.optional) == {"dev": ("tinyutil==1.1",), "docs": ("Old_Package",)}
    assert scan.python_files == 4
    assert not scan.python_files_capped
    assert [environment.name for environment in scan.environments] == ["other_env"]
    assert describe(scan) == (
        "Found requirements.txt (12 packages), requirements/dev.txt (1 package), pyproject.toml (needs"
        " Python >=3.10; 3 dependencies; optional groups: dev, docs), 4 Python files. It already has an"
        " environment: other_env (Python 3.9.18); Venvdesk uses it."
    )


def test_the_project_environment_is_found_first(tmp_path):
    project = tmp_path / "repo"
    fake_environment(project / "aaa_env", "3.10.13")
    fake_environment(project / "venv", "3.12.1")
    fake_environment(project / ".venv", "3.11.7")
    (project / "env").mkdir()  # no pyvenv.cfg: not an environment
    scan = scan_project(project)
    assert [environment.name for environment in scan.environments] == [".venv", "venv", "aaa_env"]
    assert scan.environment is not None and scan.environment.version == "3.11.7"
    assert describe(scan).endswith(
        "It already has an environment: .venv (Python 3.11.7); Venvdesk uses it. It also holds venv and aaa_env."
    )


def test_an_empty_folder_is_described_in_words(tmp_path):
    scan = scan_project(tmp_path)
    assert describe(scan) == "Found no requirements file, no pyproject.toml and no Python files yet. No environment yet."


def test_a_broken_pyproject_is_reported_in_words_not_a_crash(tmp_path):
    write(tmp_path / "pyproject.toml", "[project\nname = 'x'\n")
    write(tmp_path / "app.py")
    scan = scan_project(tmp_path)
    assert scan.pyproject is not None and scan.pyproject.problem.startswith("it is not valid TOML (")
    text = describe(scan)
    assert text.startswith("Found pyproject.toml (it is not valid TOML (")
    assert text.endswith("), 1 Python file. No environment yet.")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[tool.poetry]\nname = "x"\n', "pyproject.toml (it uses Poetry, whose dependencies Venvdesk does not read)"),
        ('[project]\nname = "x"\ndynamic = ["dependencies"]\n',
         "pyproject.toml (its dependencies are computed when it is built, so Venvdesk cannot list them)"),
        ('[project]\nname = "x"\nrequires-python = "three"\n',
         "pyproject.toml (its requires-python “three” is not a version range)"),
        ('[project]\nname = "x"\ndependencies = ["ok", "not ok!!"]\n',
         "pyproject.toml (1 dependency; “not ok!!” is not a requirement pip understands, so it is left out)"),
        ('[project]\nname = "x"\n', "pyproject.toml (no dependencies)"),
        ('[build-system]\nrequires = ["setuptools"]\n', "pyproject.toml (it has no [project] table)"),
    ],
)
def test_pyproject_variants_are_described(tmp_path, content, expected):
    from core.projects import describe_pyproject

    write(tmp_path / "pyproject.toml", content)
    assert describe_pyproject(read_pyproject(tmp_path / "pyproject.toml")) == expected


def test_a_pyproject_that_is_not_text_is_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"\xff\xfe[project]")
    assert read_pyproject(tmp_path / "pyproject.toml").problem == "it is not UTF-8 text"


def test_a_malformed_requirements_line_is_named(tmp_path):
    write(tmp_path / "requirements-dev.txt", "tinyutil\n--no-such-option\n")
    (source,) = scan_project(tmp_path).requirements
    assert (source.relative, source.count, source.problem) == ("requirements-dev.txt", 1, "line 2 cannot be read")


def test_scan_of_a_file_or_a_missing_folder_says_why(tmp_path):
    from core.errors import UserFacingError

    with pytest.raises(UserFacingError, match="is a file, not a folder"):
        scan_project(write(tmp_path / "notes.txt"))
    with pytest.raises(UserFacingError, match="could not open the folder"):
        scan_project(tmp_path / "gone")


def test_an_environment_or_the_top_of_the_disk_is_not_a_project(tmp_path):
    environment = fake_environment(tmp_path / "myenv")
    with pytest.raises(UserFacingError) as raised:
        scan_project(environment)
    assert str(raised.value).startswith(f"{environment} is an environment, not a project folder: it holds pyvenv.cfg.")
    assert f"Open the folder your code is in (perhaps {tmp_path})" in str(raised.value)
    with pytest.raises(UserFacingError, match="is the top of the disk, not a project folder"):
        scan_project("/")


def test_the_home_folder_and_the_folders_holding_it_are_recognised(tmp_path, monkeypatch):
    home = tmp_path / "people" / "me"
    (home / "homework").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert home_folder_role(home) == "home"
    assert home_folder_role(tmp_path / "people") == "holds home"
    assert home_folder_role(home / "homework") == ""
    assert home_folder_role("/") == ""  # refused, not asked about


def test_requirements_files_say_what_they_hold_and_only_the_main_one_is_ticked(tmp_path):
    write(tmp_path / "requirements.txt", "-r base.txt\n-c constraints.txt\n")
    write(tmp_path / "requirements-10.txt", "tinyapp\n")
    write(tmp_path / "requirements-2.txt", "-e .\n<i>tinyapp</i>\ntinyutil\n")
    write(tmp_path / "requirements-dev.txt", "")
    write(tmp_path / "requirements-index.txt", "--index-url https://example.invalid/simple\ntinyapp\n")
    scan = scan_project(tmp_path)
    shown = [(source.relative, source.contents(), checked_by_default(scan, source)) for source in scan.requirements]
    assert shown == [
        ("requirements.txt", "includes base.txt and constraints.txt", True),
        ("requirements-2.txt", "1 package, 2 from folders or links", False),  # -e and paths are not packages
        ("requirements-10.txt", "1 package", False),  # 2 before 10: numbers sorted as numbers
        ("requirements-dev.txt", "empty", False),
        ("requirements-index.txt", "1 package", False),
    ]
    index = scan.requirements[-1]
    assert index.source_options == "line 1: --index-url https://example.invalid/simple"
    assert scan.requirements[1].source_options == "line 1: -e .\nline 2: <i>tinyapp</i>"
    assert scan.requirements[2].source_options == ""
    assert describe(scan).startswith("Found requirements.txt (includes base.txt and constraints.txt), requirements-2.txt")


def test_a_lone_requirements_file_is_ticked_and_an_empty_one_is_not(tmp_path):
    write(tmp_path / "a" / "requirements-dev.txt", "tinyapp\n")
    scan = scan_project(tmp_path / "a")
    assert checked_by_default(scan, scan.requirements[0])
    write(tmp_path / "b" / "requirements.txt", "# nothing yet\n")
    scan = scan_project(tmp_path / "b")
    assert not checked_by_default(scan, scan.requirements[0])
    assert describe(scan).startswith("Found requirements.txt (empty).")


def test_what_a_set_up_installs_is_said_in_a_few_words(tmp_path):
    files = tuple(tmp_path / f"requirements-{n}.txt" for n in (1, 2, 3))
    assert describe_setup(SetupChoice()) == ""
    assert describe_setup(SetupChoice(files[:1])) == "requirements-1.txt"
    assert describe_setup(SetupChoice(files[:2])) == "requirements-1.txt and 1 more file"
    assert describe_setup(SetupChoice(files, ("a", "b"))) == "requirements-1.txt and 2 more files, and 2 packages from pyproject.toml"


def test_a_broken_environment_in_the_folder_is_described_as_broken(tmp_path):
    project = tmp_path / "homework"
    broken = project / "venv"
    broken.mkdir(parents=True)
    (broken / "pyvenv.cfg").write_text("home = /nonexistent/python/bin\nversion = 3.9.1\n")
    scan = scan_project(project)
    assert scan.environment is not None and scan.environment.problem.startswith("The Python it was made from")
    assert describe(scan) == (
        "Found no requirements file, no pyproject.toml and no Python files yet. It has an environment, venv (Python"
        " 3.9.1), but it is broken: The Python it was made from (/nonexistent/python/bin) is gone, probably removed"
        " by an upgrade."
    )


def test_a_project_using_another_environment_is_not_said_to_have_none(tmp_path):
    write(tmp_path / "main.py")
    scan = scan_project(tmp_path)
    assert describe(scan) == "Found 1 Python file. No environment yet."
    assert describe(scan, uses_other=True) == "Found 1 Python file."


def test_counting_python_files_is_bounded(tmp_path):
    for number in range(300):
        write(tmp_path / f"m{number}.py")
    assert count_python_files(tmp_path) == (300, False)
    count, capped = count_python_files(tmp_path, max_entries=100)
    assert capped and count <= 100
    assert describe(scan_project(tmp_path)).startswith("Found 300 Python files.")


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="permissions are not enforced")
def test_an_unreadable_subfolder_is_skipped(tmp_path):
    write(tmp_path / "a.py")
    locked = tmp_path / "locked"
    write(locked / "b.py")
    locked.chmod(0)
    try:
        assert count_python_files(tmp_path) == (1, False)
    finally:
        locked.chmod(stat.S_IRWXU)


def test_setup_packages_takes_dependencies_and_chosen_groups(tmp_path):
    info = read_pyproject(write(tmp_path / "pyproject.toml", PYPROJECT))
    assert setup_packages(info, dependencies=True) == ("tinyapp>=2", "tinyutil", "tinyextra[fancy]")
    assert setup_packages(info, dependencies=False, groups=["docs"]) == ("Old_Package",)
    assert setup_packages(None, dependencies=True) == ()


# ------------------------------------------------------------------ choosing the Python


def interpreter(version: tuple[int, ...], *, usable: bool = True, level: str = "final") -> Interpreter:
    text = ".".join(map(str, version))
    return Interpreter(f"/opt/python{text}/bin/python", f"/opt/python{text}/bin/python", version, "CPython",
                       "x86_64", usable, True, release_level=level)


def test_choose_interpreter_takes_the_newest_that_fits():
    found = [interpreter((3, 9, 18)), interpreter((3, 12, 1)), interpreter((3, 13, 0)),
             interpreter((3, 14, 0), level="beta"), interpreter((3, 15, 0), usable=False)]
    assert choose_interpreter(found).version == (3, 13, 0)  # a beta only when nothing final fits
    assert choose_interpreter(found, ">=3.9,<3.13").version == (3, 12, 1)
    assert choose_interpreter(found, "~=3.9.0").version == (3, 9, 18)
    assert choose_interpreter(found, ">=3.14").version == (3, 14, 0)
    assert choose_interpreter(found, ">=3.15") is None
    assert choose_interpreter(found, "nonsense").version == (3, 13, 0)  # an unreadable range restricts nothing
    # Versions in their order as numbers: 3.9 before 3.12 (not as text).
    assert "needs Python >=3.15, and the Pythons found here are 3.9.18, 3.12.1, 3.13.0, 3.14.0b." in why_no_interpreter(
        found, ">=3.15"
    )
    found.append(interpreter((3, 10, 13)))
    assert "are 3.9.18, 3.10.13, 3.12.1" in why_no_interpreter(found, ">=3.15")


def test_choose_interpreter_with_the_pythons_of_this_computer():
    found = find_interpreters()
    usable = [i for i in found if i.can_create_venv]
    if not usable:
        pytest.skip("no Python here can create environments")
    newest = choose_interpreter(found)
    assert newest is not None and newest.version[:2] == max(i.version[:2] for i in usable if i.release_level == "final")
    older = sorted({i.version[:2] for i in usable})
    if len(older) < 2:
        pytest.skip("needs two Python versions")
    ceiling = older[-1]
    chosen = choose_interpreter(found, f"<{ceiling[0]}.{ceiling[1]}")
    assert chosen is not None and chosen.version[:2] == older[-2]


# ------------------------------------------------------------------ editors


def test_editors_are_found_on_path_by_name(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("codium", "pycharm-community"):
        program = bin_dir / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    editors = find_editors(str(bin_dir))
    assert [(editor.name, Path(editor.program).name) for editor in editors] == [
        ("VS Code", "codium"),
        ("PyCharm", "pycharm-community"),
    ]
    command = editors[0].open_command(tmp_path / "homework")
    assert (command.program, command.args) == (str(bin_dir / "codium"), (str(tmp_path / "homework"),))
    assert find_editors(str(tmp_path / "nothing-here")) == []


# ------------------------------------------------------------------ the registry remembers projects


def test_registry_remembers_projects_and_their_environment(tmp_path):
    project = tmp_path / "homework"
    project.mkdir()
    registry = EnvironmentRegistry.load()
    registry.remember_project(project)
    assert [(r.folder, r.environment) for r in EnvironmentRegistry.load().project_records()] == [(project.resolve(), None)]
    venv = fake_environment(project / ".venv")
    registry.remember_project(project, venv)
    loaded = EnvironmentRegistry.load()
    (record,) = loaded.project_records()
    assert (record.folder, record.environment, record.uses_own_environment()) == (project.resolve(), venv.resolve(), True)
    assert loaded.added == [str(venv.resolve())]  # listed, so it is known like any environment
    assert loaded.project_of(venv) == project.resolve()
    document = json.loads(registry_path().read_text(encoding="utf-8"))
    assert document["version"] == REGISTRY_VERSION == 2
    assert document["projects"] == {str(project.resolve()): {"environment": str(venv.resolve())}}
    registry.remember_project(project)  # opening it again keeps the environment it uses
    assert EnvironmentRegistry.load().project(project).environment == venv.resolve()


def test_forgetting_a_project_leaves_its_files_and_other_environments(tmp_path):
    shared = fake_environment(storage.default_environments_dir() / "data")
    first, second = tmp_path / "first", tmp_path / "second"
    own = fake_environment(first / ".venv")
    registry = EnvironmentRegistry.load()
    registry.remember_project(first, own)
    registry.remember_project(second, shared)
    registry.forget_project(first)
    registry.forget_project(second)
    loaded = EnvironmentRegistry.load()
    assert loaded.project_records() == []
    assert loaded.added == []
    assert loaded.environment_paths() == [shared]
    assert (own / "pyvenv.cfg").is_file()


def test_a_trashed_environment_leaves_its_project_not_set_up(tmp_path):
    project = tmp_path / "homework"
    venv = fake_environment(project / ".venv")
    registry = EnvironmentRegistry.load()
    registry.remember_project(project, venv)
    registry.forget_deleted(venv)
    assert EnvironmentRegistry.load().project(project).environment is None


def test_a_project_forgets_an_environment_that_is_gone_and_says_who_uses_one(tmp_path):
    project, other = tmp_path / "homework", tmp_path / "thesis"
    other.mkdir()
    venv = fake_environment(project / ".venv")
    shared = fake_environment(storage.default_environments_dir() / "data")
    registry = EnvironmentRegistry.load()
    registry.remember_project(project, venv)
    registry.remember_project(other, shared)
    assert registry.projects_using(shared) == [other.resolve()]
    assert registry.projects_using(venv) == [project.resolve()]
    assert not registry.forget_project_environment(project, shared)  # it uses another one: unchanged
    assert registry.forget_project_environment(project, venv)
    loaded = EnvironmentRegistry.load()
    assert loaded.project(project).environment is None
    assert loaded.added == []  # its own .venv is not listed on its own
    assert loaded.project(other).environment == shared.resolve()


def test_a_version_1_registry_is_migrated_not_set_aside(tmp_path):
    added = fake_environment(tmp_path / "proj" / ".venv")
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "added": [str(added)], "hidden": ["/gone"]}))
    registry = EnvironmentRegistry.load()
    assert registry.problem == ""
    assert (registry.added, registry.hidden, registry.projects) == ([str(added)], ["/gone"], {})
    assert not path.with_name("environments.json.bak").exists()
    assert json.loads(path.read_text()) == {"version": 2, "added": [str(added)], "hidden": ["/gone"], "projects": {}}
    registry.remember_project(tmp_path / "proj")
    assert EnvironmentRegistry.load().added == [str(added)]


def test_a_newer_registry_is_set_aside_and_the_person_told():
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 3, "added": []}))
    registry = EnvironmentRegistry.load()
    assert "it has version 3, this app reads version 2" in registry.problem


def test_two_instances_opening_projects_keep_both(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    first, second = EnvironmentRegistry.load(), EnvironmentRegistry.load()
    first.remember_project(one)
    second.remember_project(two)  # did not know about "one": must not drop it
    assert sorted(EnvironmentRegistry.load().projects) == [str(one.resolve()), str(two.resolve())]
    # One forgets "one" while the other gives "two" an environment: both changes last.
    venv = fake_environment(two / ".venv")
    first.forget_project(one)
    second.projects[str(two.resolve())] = str(venv.resolve())  # changed, not saved yet
    second.save()
    assert EnvironmentRegistry.load().projects == {str(two.resolve()): str(venv.resolve())}


def test_a_version_1_file_written_by_an_older_instance_is_merged_on_save(tmp_path):
    project = tmp_path / "homework"
    project.mkdir()
    registry = EnvironmentRegistry.load()
    registry.remember_project(project)
    older = fake_environment(tmp_path / "older")
    registry_path().write_text(json.dumps({"version": 1, "added": [str(older)], "hidden": []}))  # an old Venvdesk wrote it
    second = tmp_path / "second"
    second.mkdir()
    registry.remember_project(second)
    loaded = EnvironmentRegistry.load()
    assert loaded.added == [str(older)]
    assert str(second.resolve()) in loaded.projects
