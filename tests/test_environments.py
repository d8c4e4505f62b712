"""Environments, the list the app keeps, its settings and how it stores them: real folders, real venvs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path, PureWindowsPath

import pytest

from core import storage
from core.environments import (
    Environment,
    EnvironmentRegistry,
    activation_command,
    deletion_refusal,
    folder_size,
    human_size,
    interpreter_starts,
    read_pyvenv_cfg,
    registry_path,
    validate_new_environment,
)
from core.errors import InvalidInput
from core.settings import Settings, settings_path

REPO = Path(__file__).resolve().parents[1]

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX layout and permissions")


@pytest.fixture(scope="module")
def shared_venv(template_venv, tmp_path_factory) -> Path:
    """One copied venv for the tests that only read it."""
    destination = tmp_path_factory.mktemp("shared") / "demo"
    shutil.copytree(template_venv, destination, symlinks=True)
    return destination


def fake_environment(folder: Path, **config: str) -> Path:
    """A folder with just a ``pyvenv.cfg``: all the registry and deletion checks look at."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = {"home": sys.base_prefix, "version": "3.11.7", **config}
    (folder / "pyvenv.cfg").write_text("".join(f"{k} = {v}\n" for k, v in lines.items()))
    return folder


def default_folder() -> Path:
    folder = storage.default_environments_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ------------------------------------------------------------------ pyvenv.cfg


def test_pyvenv_cfg_version_info_line_gives_the_version(tmp_path):
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\nversion_info = 3.12.1.final.0\n")
    environment = Environment.load(folder)
    assert environment.version == "3.12.1.final.0"
    assert environment.short_version == "3.12.1"


def test_pyvenv_cfg_version_line_of_older_pythons_gives_the_version(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "pyvenv.cfg").write_text(
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.18\n"
    )
    environment = Environment.load(folder)
    assert environment.version == "3.9.18"
    assert environment.short_version == "3.9.18"


def test_pyvenv_cfg_keys_are_case_insensitive_and_values_keep_their_equals_signs(tmp_path):
    cfg = tmp_path / "pyvenv.cfg"
    cfg.write_text(
        "Home = /opt/python/bin\n"
        "Include-System-Site-Packages = True\n"
        "prompt = 'my project'\n"
        "command = /opt/python/bin/python3 -m venv --prompt=my /work/env\n"
        "a line without an equals sign\n"
    )
    config = read_pyvenv_cfg(cfg)
    assert config["home"] == "/opt/python/bin"
    assert config["command"] == "/opt/python/bin/python3 -m venv --prompt=my /work/env"
    environment = Environment(tmp_path, config)
    assert environment.include_system_site_packages
    assert environment.prompt == "my project"
    assert len(config) == 4


def test_environment_without_pyvenv_cfg_loads_with_an_empty_config(tmp_path):
    environment = Environment.load(tmp_path)
    assert environment.config == {}
    assert environment.version == ""


# ------------------------------------------------------------------ what an environment shows


def test_project_environment_is_named_after_its_project(tmp_path):
    environment = Environment.load(fake_environment(tmp_path / "proj" / ".venv"))
    assert environment.is_project_environment
    assert environment.name == "proj/.venv"
    assert environment.project_folder == tmp_path / "proj"


def test_standalone_environment_is_named_after_its_folder(tmp_path):
    environment = Environment.load(fake_environment(tmp_path / "data-science"))
    assert not environment.is_project_environment
    assert environment.name == "data-science"
    assert environment.project_folder == tmp_path / "data-science"


@posix_only
def test_environment_finds_its_python_and_site_packages(shared_venv):
    environment = Environment.load(shared_venv)
    major_minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert environment.python == shared_venv / "bin" / "python"
    assert environment.python.exists()
    assert environment.short_version.startswith(major_minor)
    assert (
        environment.site_packages()
        == shared_venv / "lib" / f"python{major_minor}" / "site-packages"
    )


@posix_only
def test_site_packages_found_even_when_pyvenv_cfg_has_no_version(tmp_path):
    folder = tmp_path / "env"
    (folder / "lib" / "python3.13" / "site-packages").mkdir(parents=True)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert (
        Environment.load(folder).site_packages() == folder / "lib" / "python3.13" / "site-packages"
    )


def test_site_packages_is_none_for_an_empty_folder(tmp_path):
    assert Environment.load(tmp_path).site_packages() is None


# ------------------------------------------------------------------ health


def test_copied_venv_is_healthy(shared_venv):
    assert Environment.load(shared_venv).health().ok


def test_copied_venv_python_starts(shared_venv):
    assert interpreter_starts(Environment.load(shared_venv)).ok


def test_environment_is_broken_when_its_base_python_is_gone(make_venv, tmp_path):
    venv = make_venv()
    cfg = venv / "pyvenv.cfg"
    missing = tmp_path / "pyenv" / "versions" / "3.8.0" / "bin"
    lines = [
        f"home = {missing}" if line.startswith("home") else line
        for line in cfg.read_text().splitlines()
    ]
    cfg.write_text("\n".join(lines) + "\n")
    health = Environment.load(venv).health()
    assert not health.ok
    assert str(missing) in health.reason
    assert "is gone" in health.reason
    assert "Create a new environment" in health.hint


def test_environment_is_broken_without_pyvenv_cfg(make_venv):
    venv = make_venv()
    (venv / "pyvenv.cfg").unlink()
    health = Environment.load(venv).health()
    assert not health.ok
    assert "no pyvenv.cfg" in health.reason


def test_environment_is_broken_when_its_folder_is_gone(tmp_path):
    health = Environment(tmp_path / "vanished").health()
    assert not health.ok
    assert "is gone" in health.reason
    assert "Remove it from the list" in health.hint


@posix_only
def test_environment_is_broken_when_its_python_link_dangles(make_venv, tmp_path):
    venv = make_venv()
    python = venv / "bin" / "python"
    python.unlink()
    removed = tmp_path / "removed-by-upgrade" / "python3.8"
    python.symlink_to(removed)
    health = Environment.load(venv).health()
    assert not health.ok
    assert str(removed) in health.reason
    assert "no longer exists" in health.reason


@posix_only
def test_environment_is_broken_when_its_python_is_missing(make_venv):
    venv = make_venv()
    (venv / "bin" / "python").unlink()
    health = Environment.load(venv).health()
    assert not health.ok
    assert "is missing" in health.reason


@posix_only
def test_interpreter_that_exits_with_an_error_is_reported(make_venv):
    venv = make_venv()
    python = venv / "bin" / "python"
    python.unlink()
    python.write_text("#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 3\n")
    python.chmod(0o755)
    environment = Environment.load(venv)
    assert environment.health().ok  # the files look right ...
    started = interpreter_starts(environment)  # ... but it does not run
    assert not started.ok
    assert "exits with code 3" in started.reason
    assert "init_fs_encoding" in started.reason


def test_interpreter_that_cannot_be_started_is_reported(tmp_path):
    started = interpreter_starts(Environment.load(tmp_path))
    assert not started.ok
    assert "does not start" in started.reason


# ------------------------------------------------------------------ a new environment's name and place


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("", "name-empty"),
        ("   ", "name-empty"),
        ("a/b", "name-illegal-character"),
        ("a:b", "name-illegal-character"),
        ("tab\there", "name-illegal-character"),
        ("-rf", "name-leading-dash"),
        ("..", "name-reserved"),
        (".", "name-reserved"),
        (" . ", "name-reserved"),  # surrounding spaces are trimmed first: still "."
        ("ends-with-dot.", "name-trailing"),
        ("ends-with-dot-then-space. ", "name-trailing"),
        ("x" * 101, "name-too-long"),
    ],
)
def test_new_environment_name_is_refused(tmp_path, name, reference):
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment(name, tmp_path)
    assert refused.value.reference == reference
    assert refused.value.message


def test_new_environment_refused_when_the_name_already_exists(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "notes.txt").write_text("keep me")
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", tmp_path)
    assert refused.value.reference == "already-exists"
    assert "demo" in refused.value.message


def test_new_environment_refused_when_a_file_has_the_name(tmp_path):
    (tmp_path / "demo").write_text("")
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", tmp_path)
    assert refused.value.reference == "already-exists"


def test_new_environment_may_go_into_an_empty_existing_folder(tmp_path):
    (tmp_path / "demo").mkdir()
    assert validate_new_environment("demo", tmp_path) == tmp_path / "demo"


def test_new_environment_location_and_name_give_its_folder(tmp_path):
    location = tmp_path / "not" / "made" / "yet"
    assert validate_new_environment("  demo  ", location) == location / "demo"


@pytest.mark.parametrize(
    ("location", "reference"), [("", "location-empty"), ("envs", "location-relative")]
)
def test_new_environment_location_must_be_a_full_path(location, reference):
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", location)
    assert refused.value.reference == reference


@pytest.mark.parametrize("name", ["demo ", "demo   ", "demo\u00a0", " demo\u3000"])
def test_new_environment_name_never_ends_in_a_space(tmp_path, name):
    # A folder name ending in a space cannot be used on Windows, and is invisible in a file
    # manager: trailing spaces (any Unicode space) are trimmed, never kept in the folder's name.
    assert validate_new_environment(name, tmp_path) == tmp_path / "demo"


@pytest.fixture
def unwritable_folder(tmp_path):
    """A real folder this process cannot create anything in, whoever runs the tests.

    For a normal user, permission bits (0o500).  Root ignores those, so as root the folder is
    made immutable (``chattr +i``): the kernel refuses to create entries in it for root too, and
    ``access(2)`` reports it as not writable.  Either way the premise is checked for real.
    """
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)

        def undo() -> None:
            folder.chmod(0o700)

    else:
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("root ignores folder permissions, and chattr (e2fsprogs) is not installed")
        made = subprocess.run([chattr, "+i", str(folder)], capture_output=True, text=True, check=False)
        if made.returncode != 0:
            pytest.skip(f"root ignores folder permissions, and chattr +i failed: {made.stderr.strip()}")

        def undo() -> None:
            subprocess.run([chattr, "-i", str(folder)], capture_output=True, check=True)

    try:
        with pytest.raises(OSError):
            (folder / "probe").mkdir()  # nothing can be created here: the test is honest
        yield folder
    finally:
        undo()


@posix_only
@pytest.mark.parametrize("below", ["", "sub"])
def test_new_environment_refused_in_a_folder_without_write_permission(unwritable_folder, below):
    location = unwritable_folder / below if below else unwritable_folder
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", location)
    assert refused.value.reference == "location-not-writable"
    assert str(unwritable_folder) in refused.value.message


@pytest.mark.parametrize("below", ["", "sub"])
def test_new_environment_refused_when_the_location_is_a_file(tmp_path, below):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", a_file / below if below else a_file)
    assert refused.value.reference == "location-not-folder"
    assert str(a_file) in refused.value.message


@posix_only
def test_new_environment_refused_when_the_path_holds_the_path_separator(tmp_path):
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", tmp_path / "a:b")
    assert refused.value.reference == "path-separator"
    assert "PATH" in refused.value.message


# ------------------------------------------------------------------ the list of environments


def test_registry_lists_environments_in_the_default_folder():
    folder = default_folder()
    fake_environment(folder / "beta")
    fake_environment(folder / "Alpha")
    (folder / "not-an-env").mkdir()
    (folder / "stray-file.txt").write_text("")
    assert EnvironmentRegistry.load().environment_paths() == [folder / "Alpha", folder / "beta"]


def test_registry_without_a_file_and_without_a_default_folder_is_empty():
    registry = EnvironmentRegistry.load()
    assert registry.environment_paths() == []
    assert registry.problem == ""


def test_add_project_folder_resolves_to_its_venv(tmp_path):
    venv = fake_environment(tmp_path / "proj" / ".venv")
    registry = EnvironmentRegistry.load()
    assert registry.add(tmp_path / "proj") == venv.resolve()
    assert registry.environment_paths() == [venv.resolve()]
    assert EnvironmentRegistry.load().added == [str(venv.resolve())]


def test_add_environment_folder_directly(tmp_path):
    venv = fake_environment(tmp_path / "tools")
    registry = EnvironmentRegistry.load()
    registry.add(venv)
    registry.add(venv)  # twice: listed once
    assert registry.environment_paths() == [venv.resolve()]


def test_add_folder_that_is_not_an_environment_is_refused(tmp_path):
    (tmp_path / "photos").mkdir()
    registry = EnvironmentRegistry.load()
    with pytest.raises(InvalidInput) as refused:
        registry.add(tmp_path / "photos")
    assert refused.value.reference == "not-an-environment"
    assert registry.added == []
    assert not registry_path().exists()


def test_remove_hides_default_folder_environment_without_touching_files():
    venv = fake_environment(default_folder() / "demo")
    (venv / "bin").mkdir()
    (venv / "bin" / "tool").write_text("#!/bin/sh\n")
    before = sorted(p.relative_to(venv) for p in venv.rglob("*"))
    registry = EnvironmentRegistry.load()
    registry.remove(venv)
    assert registry.environment_paths() == []
    assert EnvironmentRegistry.load().environment_paths() == []  # remembered
    assert sorted(p.relative_to(venv) for p in venv.rglob("*")) == before
    registry.add(venv)  # adding it back un-hides it
    assert EnvironmentRegistry.load().environment_paths() == [venv]


def test_remove_forgets_an_added_environment_without_touching_files(tmp_path):
    venv = fake_environment(tmp_path / "elsewhere")
    registry = EnvironmentRegistry.load()
    registry.add(venv)
    registry.remove(venv)
    assert EnvironmentRegistry.load().environment_paths() == []
    assert (venv / "pyvenv.cfg").is_file()


def test_registry_save_and_load_round_trip(tmp_path):
    kept = fake_environment(default_folder() / "kept")
    hidden = fake_environment(default_folder() / "hidden")
    added = fake_environment(tmp_path / "proj" / ".venv")
    registry = EnvironmentRegistry.load()
    registry.add(added)
    registry.remove(hidden)
    document = json.loads(registry_path().read_text(encoding="utf-8"))
    assert document == {
        "version": 1,
        "added": [str(added.resolve())],
        "hidden": [str(hidden.resolve())],
    }
    loaded = EnvironmentRegistry.load()
    assert (loaded.added, loaded.hidden, loaded.problem) == (registry.added, registry.hidden, "")
    assert loaded.environment_paths() == [kept, added.resolve()]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xff\xfe\x00garbage{", id="garbage-bytes"),
        pytest.param(b'{"version": 99, "added": []}', id="wrong-version"),
        pytest.param(b'["/home/me/envs/demo"]', id="json-list"),
        pytest.param(b'{"version": 1, "added": ["/trunc', id="truncated"),
    ],
)
def test_corrupt_registry_is_set_aside_and_default_environments_still_listed(content):
    venv = fake_environment(default_folder() / "demo")
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    registry = EnvironmentRegistry.load()
    backup = path.with_name("environments.json.bak")
    assert backup.read_bytes() == content
    assert not path.exists()
    assert registry.problem.startswith("The list of environments could not be read (")
    assert registry.problem.endswith(".")
    assert str(backup) in registry.problem
    assert "Traceback" not in registry.problem
    assert registry.environment_paths() == [venv]
    registry.save()  # the app can go on and write a good file
    assert EnvironmentRegistry.load().problem == ""


def test_registry_with_lists_of_the_wrong_shape_still_loads():
    venv = fake_environment(default_folder() / "demo")
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "added": None, "hidden": 5}))
    registry = EnvironmentRegistry.load()
    assert (registry.added, registry.hidden) == ([], [])
    assert registry.environment_paths() == [venv]


# ------------------------------------------------------------------ deleting


def test_deletion_refused_for_a_folder_without_pyvenv_cfg(tmp_path):
    (tmp_path / "project").mkdir()
    refusal = deletion_refusal(tmp_path / "project")
    assert "no pyvenv.cfg" in refusal


@posix_only
def test_deletion_refused_for_a_missing_folder_and_a_link(tmp_path, shared_venv):
    assert "not a folder" in deletion_refusal(tmp_path / "missing")
    link = tmp_path / "link"
    link.symlink_to(shared_venv, target_is_directory=True)
    assert "not a folder" in deletion_refusal(link)


def test_deletion_refused_for_the_environment_the_app_runs_from():
    refusal = deletion_refusal(sys.prefix)
    assert refusal
    if (Path(sys.prefix) / "pyvenv.cfg").is_file():
        assert "itself runs from" in refusal


@posix_only
def test_deletion_refused_for_a_folder_containing_the_environment_the_app_runs_from(
    tmp_path, make_venv
):
    outer = fake_environment(tmp_path / "outer")
    inner = make_venv("inner", parent=outer)
    # The check runs inside the inner venv, so that the inner venv is *its* sys.prefix.
    script = (
        "import sys; sys.path[:0] = sys.argv[1:3];"
        "from core.environments import deletion_refusal;"
        "print(deletion_refusal(sys.argv[3]))"
    )
    result = subprocess.run(
        [
            str(inner / "bin" / "python"),
            "-I",
            "-c",
            script,
            str(REPO),
            sysconfig.get_paths()["purelib"],
            str(outer),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "contains the Python installation Venvdesk itself runs from" in result.stdout


def test_deletion_refused_for_a_protected_prefix(tmp_path):
    venv = fake_environment(tmp_path / "base")
    assert "itself runs from" in deletion_refusal(venv, protected_prefixes=(str(venv),))


def test_deletion_accepted_for_a_copied_venv(shared_venv):
    assert deletion_refusal(shared_venv) == ""


# ------------------------------------------------------------------ sizes


@posix_only
def test_folder_size_counts_files_below_and_does_not_follow_links(tmp_path):
    folder = tmp_path / "env"
    (folder / "lib" / "deep").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"x" * 1000)
    (folder / "lib" / "deep" / "b.bin").write_bytes(b"y" * 234)
    big = tmp_path / "big.bin"
    big.write_bytes(b"z" * 100_000)
    (folder / "link").symlink_to(big)
    (folder / "lib" / "dir-link").symlink_to(tmp_path, target_is_directory=True)
    links = (folder / "link").lstat().st_size + (folder / "lib" / "dir-link").lstat().st_size
    assert folder_size(folder) == 1234 + links


def test_folder_size_of_a_missing_folder_is_zero(tmp_path):
    assert folder_size(tmp_path / "missing") == 0


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1.0 KB"),
        (1_500_000, "1.5 MB"),
        (2_500_000_000, "2.5 GB"),
        (5_000_000_000_000, "5000.0 GB"),
    ],
)
def test_human_size(size, shown):
    assert human_size(size) == shown


# ------------------------------------------------------------------ activation


@pytest.mark.parametrize(
    ("shell", "script"),
    [
        ("/bin/bash", "activate"),
        ("/usr/bin/zsh", "activate"),
        ("/usr/bin/fish", "activate.fish"),
        ("/bin/csh", "activate.csh"),
        ("tcsh", "activate.csh"),
    ],
)
def test_activation_command_for_posix_shells(shell, script):
    environment = Environment(Path("/home/me/envs/demo"))
    assert (
        activation_command(environment, shell, windows=False)
        == f"source /home/me/envs/demo/bin/{script}"
    )


def test_activation_command_quotes_a_path_with_spaces():
    environment = Environment(Path("/home/me/my envs/demo"))
    assert (
        activation_command(environment, "bash", windows=False)
        == "source '/home/me/my envs/demo/bin/activate'"
    )


def test_activation_command_follows_the_login_shell(monkeypatch):
    monkeypatch.setenv("SHELL", "/usr/local/bin/fish")
    environment = Environment(Path("/home/me/envs/demo"))
    assert (
        activation_command(environment, windows=False)
        == "source /home/me/envs/demo/bin/activate.fish"
    )


def test_activation_command_for_windows_cmd_and_powershell():
    environment = Environment(PureWindowsPath(r"C:\Users\me\envs\demo"))  # type: ignore[arg-type]
    assert (
        activation_command(environment, "cmd.exe", windows=True)
        == r'"C:\Users\me\envs\demo\Scripts\activate.bat"'
    )
    expected_ps = r'& "C:\Users\me\envs\demo\Scripts\Activate.ps1"'
    assert activation_command(environment, "powershell", windows=True) == expected_ps
    assert activation_command(environment, None, windows=True) == expected_ps


# ------------------------------------------------------------------ writing files safely


def test_write_text_atomic_replaces_content_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "state" / "settings.json"
    storage.write_text_atomic(path, "first ✓\n")
    storage.write_text_atomic(path, "second\n")
    assert path.read_text(encoding="utf-8") == "second\n"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_failed_atomic_write_leaves_no_temp_file(tmp_path):
    in_the_way = tmp_path / "settings.json"
    (in_the_way / "child").mkdir(parents=True)  # a folder cannot be replaced by a file
    with pytest.raises(OSError):
        storage.write_text_atomic(in_the_way, "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]
    assert in_the_way.is_dir()


# ------------------------------------------------------------------ settings


def test_settings_default_when_no_file():
    settings = Settings.load()
    assert (settings.index_url, settings.last_location, settings.problem) == ("", "", "")


def test_settings_save_and_load_round_trip():
    Settings(index_url="https://mirror.example/simple/", last_location="/home/me/envs").save()
    document = json.loads(settings_path().read_text(encoding="utf-8"))
    assert document == {
        "version": 1,
        "index_url": "https://mirror.example/simple/",
        "last_location": "/home/me/envs",
    }
    loaded = Settings.load()
    assert loaded == Settings(
        index_url="https://mirror.example/simple/", last_location="/home/me/envs"
    )


def test_settings_ignore_values_of_the_wrong_type():
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(
        json.dumps({"version": 1, "index_url": 42, "last_location": "/envs"})
    )
    assert Settings.load() == Settings(last_location="/envs")


@pytest.mark.parametrize("content", [b"\x00\x01 not json", b'{"version": 2}', b"[1, 2]"])
def test_corrupt_settings_are_set_aside_and_defaults_used(content):
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    settings = Settings.load()
    backup = path.with_name("settings.json.bak")
    assert backup.read_bytes() == content
    assert not path.exists()
    assert (settings.index_url, settings.last_location) == ("", "")
    assert settings.problem.startswith("Your settings could not be read (")
    assert str(backup) in settings.problem
    assert settings.problem.endswith("defaults are used.")
