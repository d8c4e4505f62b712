"""Environments, the list the app keeps, its settings and how it stores them: real folders, real venvs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path, PureWindowsPath

import pytest

from core import storage
from core.environments import (
    Environment,
    EnvironmentRegistry,
    activation_command,
    activation_warning,
    deletion_refusal,
    folder_change,
    folder_size,
    folder_snapshot,
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
        "version": 2,
        "added": [str(added.resolve())],
        "hidden": [str(hidden.resolve())],
        "projects": {},
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
    Settings(index_url="https://mirror.example/simple/", last_location="/home/me/envs", proxy="proxy.example:3128").save()
    document = json.loads(settings_path().read_text(encoding="utf-8"))
    assert document == {
        "version": 1,
        "index_url": "https://mirror.example/simple/",
        "last_location": "/home/me/envs",
        "proxy": "proxy.example:3128",
        "last_interpreter": "",
        "installer": "pip",
    }
    loaded = Settings.load()
    assert loaded == Settings(
        index_url="https://mirror.example/simple/", last_location="/home/me/envs", proxy="proxy.example:3128"
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


# ------------------------------------------------------------------ names a shell would run


SHELL_NAMES = [
    ("`touch PWNED`", "“`”"),
    ("$(touch PWNED)", "“$”"),
    ("price$5", "“$”"),
    ("wow!", "“!”"),
    ("100%", "“%”"),
    ("smart\u201cquote", "U+201C"),
    ("low\u201equote", "U+201E"),
]


@pytest.mark.parametrize(("name", "shown"), SHELL_NAMES)
def test_new_environment_name_a_shell_would_interpret_is_refused(tmp_path, name, shown):
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment(name, tmp_path)
    assert refused.value.reference == "name-shell-character"
    assert refused.value.message.startswith("A name cannot contain ")
    assert shown in refused.value.message.split(":")[0]
    assert "terminal" in refused.value.message


@pytest.mark.parametrize(("name", "shown"), [*SHELL_NAMES, ("back\\slash", "“\\”"), ("quo\"te", "“\"”")])
def test_new_environment_location_a_shell_would_interpret_is_refused(tmp_path, name, shown):
    if sys.platform == "win32" and name in ('back\\slash', 'quo"te'):
        pytest.skip("not a possible folder name on Windows")
    location = tmp_path / name / "envs"
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", location)
    assert refused.value.reference == "location-shell-character"
    message = refused.value.message
    assert message.startswith("The location cannot contain ")
    assert shown in message.split(", and")[0]
    assert f"in the folder name “{name}”" in message, "names where the character is"


@posix_only
def test_new_environment_location_with_a_line_break_is_refused_and_shown_escaped(tmp_path):
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", tmp_path / "two\nlines")
    assert refused.value.reference == "location-shell-character"
    assert "a line break" in refused.value.message
    assert "“two\\nlines”" in refused.value.message
    assert "\n" not in refused.value.message


@pytest.mark.parametrize("name", ["my env", "Bob's env", "a&b", "x(1)", "semi;colon", "ünïcödé", "a+b=c"])
def test_new_environment_names_that_are_safe_in_quotes_are_accepted(tmp_path, name):
    assert validate_new_environment(name, tmp_path / "fine place") == tmp_path / "fine place" / name
    assert activation_warning(tmp_path / "fine place" / name) == ""


def test_activation_warning_names_the_character_and_the_folder():
    warning = activation_warning(Path("/home/me/price$5/env"), windows=False)
    assert warning.startswith("“$” appears in the folder name “price$5” of /home/me/price$5/env")
    assert "another folder" in warning
    # "%" only matters to the Windows Command Prompt.
    assert activation_warning(Path("/home/me/100%/env"), windows=False) == ""
    assert "“%”" in activation_warning(PureWindowsPath(r"C:\Users\me\100%\env"), windows=True)  # type: ignore[arg-type]


def test_activation_warning_looks_at_the_prompt_in_pyvenv_cfg_too(tmp_path):
    venv = fake_environment(tmp_path / "plain", prompt="'$(touch PWNED)'")
    warning = activation_warning(venv, windows=False)
    assert "in the prompt “$(touch PWNED)” set in its pyvenv.cfg" in warning


ACTIVATE_CHECK = textwrap.dedent(
    """\
    cd "$1" || exit 9
    source "$2/bin/activate" >/dev/null 2>&1
    printf '%s' "$VIRTUAL_ENV"
    """
)


def activate_in_bash(venv: Path, workdir: Path) -> str:
    """``$VIRTUAL_ENV`` after sourcing the real activate script in bash, from ``workdir``."""
    result = subprocess.run(
        ["bash", "-c", ACTIVATE_CHECK, "bash", str(workdir), str(venv)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout


@posix_only
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_activation_warning_covers_what_real_activate_scripts_get_wrong(tmp_path):
    """Make real environments with this Python's venv and source their activate script.

    A name whose activation ran a command or set another folder must have a warning; a name
    with characters that are safe in quotes must activate correctly and have none.
    """
    from tests.conftest import base_python

    names = ["`touch PWNED`", "$(touch PWNED)", "price$5", "safe (it's) & fine; ok"]
    misbehaving = []
    for number, name in enumerate(names):
        venv = tmp_path / name / "env"
        subprocess.run([base_python(), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
        workdir = tmp_path / f"work-{number}"
        workdir.mkdir()
        activated = activate_in_bash(venv, workdir)
        ran_code = (workdir / "PWNED").exists()
        if ran_code or activated != str(venv):
            misbehaving.append(name)
            assert activation_warning(venv, windows=False), f"no warning for {name!r}"
        else:
            assert activation_warning(venv, windows=False) == "", f"a false warning for {name!r}"
    assert "safe (it's) & fine; ok" not in misbehaving
    # The releases that quote the path safely (CVE-2024-9287); before them, the premise must hold.
    fixed_in = {(3, 9): (3, 9, 21), (3, 10): (3, 10, 16), (3, 11): (3, 11, 11), (3, 12): (3, 12, 8), (3, 13): (3, 13, 1)}
    if sys.version_info[:3] < fixed_in.get(sys.version_info[:2], (0,)):
        assert misbehaving == names[:3], "this Python's activate script runs code from the path"


# ------------------------------------------------------------------ deleting: the home folder


@posix_only
def test_deletion_refused_for_the_home_folder_and_every_folder_holding_it(tmp_path, monkeypatch):
    home = tmp_path / "people" / "me"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for folder in (home, home.parent, tmp_path):
        fake_environment(folder)  # a stray pyvenv.cfg does not make it an environment
        refusal = deletion_refusal(folder)
        assert refusal, folder
        assert "home folder" in refusal
        assert "even if it has a pyvenv.cfg" in refusal
    assert "is your home folder" in deletion_refusal(home)
    assert "holds your home folder" in deletion_refusal(home.parent)
    # Inside the home folder is fine.
    assert deletion_refusal(fake_environment(home / "envs" / "demo")) == ""


# ------------------------------------------------------------------ what the trash confirmation showed


def test_folder_snapshot_notices_a_file_added_after_the_question(tmp_path):
    venv = fake_environment(tmp_path / "env")
    (venv / "bin").mkdir()
    before = folder_snapshot(venv)
    assert before is not None and before.foreign == ()
    assert folder_change(before, folder_snapshot(venv)) == ""
    (venv / "thesis.docx").write_text("four years of work")
    change = folder_change(before, folder_snapshot(venv))
    assert change == "The folder changed: it now also holds thesis.docx."


def test_folder_snapshot_notices_a_folder_swapped_in_under_the_same_name(tmp_path):
    venv = fake_environment(tmp_path / "env")
    before = folder_snapshot(venv)
    venv.rename(tmp_path / "elsewhere")
    fake_environment(tmp_path / "env")  # same name, same contents, another folder
    assert "not the same folder" in folder_change(before, folder_snapshot(tmp_path / "env"))
    shutil.rmtree(tmp_path / "env")
    assert folder_change(before, folder_snapshot(tmp_path / "env")) == "The folder is gone."


# ------------------------------------------------------------------ two instances of the app


def test_two_instances_adding_environments_keep_both(tmp_path):
    first, second = EnvironmentRegistry.load(), EnvironmentRegistry.load()
    one = fake_environment(tmp_path / "one")
    two = fake_environment(tmp_path / "two")
    first.add(one)
    second.add(two)  # does not know about "one": must not drop it
    assert EnvironmentRegistry.load().added == [str(one.resolve()), str(two.resolve())]
    assert second.added == [str(one.resolve()), str(two.resolve())], "it took the other's change too"


def test_a_removal_in_one_instance_and_an_addition_in_another_both_last(tmp_path):
    one = fake_environment(tmp_path / "one")
    two = fake_environment(tmp_path / "two")
    EnvironmentRegistry.load().add(one)
    first, second = EnvironmentRegistry.load(), EnvironmentRegistry.load()
    first.remove(one)
    second.added.append(str(two.resolve()))  # changed, not saved yet: a stale list of its own
    second.save()
    assert EnvironmentRegistry.load().added == [str(two.resolve())], "the removal was not undone"
    hidden = fake_environment(default_folder() / "hidden")
    first.remove(hidden)
    second.forget_deleted(two)
    loaded = EnvironmentRegistry.load()
    assert (loaded.added, loaded.hidden) == ([], [str(hidden.resolve())])


REGISTRY_WORKER = textwrap.dedent(
    """\
    import sys, time
    from pathlib import Path
    from core.environments import EnvironmentRegistry
    root, label, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    registry = EnvironmentRegistry.load()  # one long-lived instance, as the app keeps
    folders = []
    for number in range(20):
        folder = root / f"{label}-{number}"
        folder.mkdir(parents=True)
        (folder / "pyvenv.cfg").write_text("home = /usr/bin\\n")
        folders.append(folder)
    while not go.exists():
        time.sleep(0.001)
    for folder in folders:
        registry.add(folder)
    """
)


@pytest.mark.slow
def test_two_processes_adding_at_the_same_time_lose_nothing(tmp_path):
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", REGISTRY_WORKER, str(tmp_path / "envs"), label, str(go)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for label in ("left", "right")
    ]
    time.sleep(0.5)  # both started and waiting
    go.touch()
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    added = EnvironmentRegistry.load().added
    expected = {str((tmp_path / "envs" / f"{label}-{n}").resolve()) for label in ("left", "right") for n in range(20)}
    assert len(added) == 40
    assert set(added) == expected


def test_stale_temporary_files_are_removed_when_the_list_is_read():
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.with_name(".environments.json.ab12_x9z.tmp")
    fresh = path.with_name(".environments.json.cd34_y8w.tmp")
    not_ours = [path.with_name(".environments.json.notmine.tmp"), path.with_name("notes.tmp"), path.with_name(".settings.json.zz")]
    for file in (old, fresh, *not_ours):
        file.write_text("{half a docu")
    an_hour_ago = time.time() - 3600
    for file in (old, *not_ours):
        os.utime(file, (an_hour_ago, an_hour_ago))
    EnvironmentRegistry.load()
    assert not old.exists(), "left by an instance killed mid-write: removed"
    assert fresh.exists(), "may be another instance writing right now: kept"
    assert all(file.exists() for file in not_ours), "only the app's own temporary files are removed"


def test_adding_back_what_another_instance_hid_works(tmp_path):
    venv = fake_environment(default_folder() / "demo")
    first, second = EnvironmentRegistry.load(), EnvironmentRegistry.load()
    first.remove(venv)  # hidden by one window
    second.add(venv)  # added back in the other, which had not seen it hidden
    assert EnvironmentRegistry.load().environment_paths() == [venv]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX system folders")
@pytest.mark.parametrize("location", ["/proc", "/sys/kernel", "/dev/shm"])
def test_a_system_folder_is_refused_as_a_location_even_for_root(location):
    if not os.path.isdir(location):
        pytest.skip(f"no {location} here")
    with pytest.raises(InvalidInput) as refused:
        validate_new_environment("demo", location)
    assert refused.value.reference == "location-system"
    assert "special system folder" in refused.value.message


def test_a_hidden_name_is_refused_in_the_apps_own_folder_only(tmp_path):
    from core import storage

    with pytest.raises(InvalidInput) as refused:
        validate_new_environment(".venv", storage.default_environments_dir())
    assert refused.value.reference == "name-hidden" and "venv" in refused.value.message
    assert validate_new_environment(".venv", tmp_path) == tmp_path / ".venv"  # a project's own .venv
