"""Using an environment: reading the missing module out of an error, finding which environments have
it (real venvs, real installs from the local index), the answer in words, and running a file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from core import usage
from core.environments import Environment
from core.operations import Operation, Outcome, Status
from venvdesk_testing.isolation import hermetic_pip_args, hermetic_pip_env
from venvdesk_testing.wheels import PackageSpec


def pip_install(venv: Path, *requirements: str, index_url: str) -> None:
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", *hermetic_pip_args(index_url), *requirements],
        env=hermetic_pip_env(),
        capture_output=True,
        check=True,
    )


def install_wheel(venv: Path, spec: PackageSpec, folder: Path) -> None:
    wheel = spec.build(folder)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)],
        env=hermetic_pip_env(),
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize(
    ("text", "module"),
    [
        ("ModuleNotFoundError: No module named 'requests'", "requests"),
        ("ImportError: No module named yaml", "yaml"),  # Python 2
        ('Traceback (most recent call last):\n  File "a.py", line 1, in <module>\n    import sklearn.ensemble\n'
         "ModuleNotFoundError: No module named 'sklearn.ensemble'", "sklearn.ensemble"),
        ("ImportError: No module named google.protobuf", "google.protobuf"),
        ("import cv2", "cv2"),
        ("from bs4 import BeautifulSoup", "bs4"),
        ("SyntaxError: invalid syntax", None),
    ],
)
def test_the_missing_module_is_read_from_the_error(text, module):
    assert usage.module_in_error(text) == module


def test_the_line_that_says_what_went_wrong_is_the_last_error_line():
    lines = ["Traceback (most recent call last):", '  File "hello.py", line 3', "ValueError: bad value", "", "  "]
    assert usage.last_error_line(lines) == "ValueError: bad value"
    assert usage.last_error_line(["just text", "more text"]) == "more text"
    assert usage.last_error_line([]) == ""


@pytest.fixture
def three_environments(make_venv, use_local_index, tmp_path):
    """“homework” and “data” have tinyutil (from the local index), “empty” has nothing; “config” has a PyYAML."""
    homework, data, empty, config = (make_venv(name) for name in ("homework", "data", "empty", "config"))
    for venv in (homework, data):
        pip_install(venv, "tinyutil", index_url=use_local_index.simple_url)
    install_wheel(config, PackageSpec("PyYAML", "6.0", modules={"yaml/__init__.py": "", "_yaml/__init__.py": ""}), tmp_path / "wheels")
    return [Environment.load(path) for path in (homework, data, empty, config)]


def test_which_environments_have_a_module_from_their_metadata(three_environments):
    homework, data, empty, config = three_environments
    holders = usage.environments_with("tinyutil", three_environments)
    assert [(holder.environment.path.name, holder.distribution) for holder in holders] == [("homework", "tinyutil"), ("data", "tinyutil")]
    # The import name differs from the project's name: found through the distribution's top-level names.
    [holder] = usage.environments_with("yaml", three_environments)
    assert holder.environment == config and holder.distribution == "PyYAML" and holder.version == "6.0"
    assert usage.environments_with("requests", three_environments) == []


def test_the_answer_names_the_environments_that_have_it_and_how_to_use_them(three_environments):
    homework, data, empty, _config = three_environments
    vs_code = usage.Editor("VS Code", "/usr/bin/code", "")
    answer = usage.answer_for_error("ModuleNotFoundError: No module named 'tinyutil'", three_environments, empty, [vs_code])
    assert answer.text.startswith("tinyutil is installed in “homework” and “data”. Your editor or terminal is using another Python.")
    assert f"paste {homework.python}" in answer.text  # VS Code's way, with that environment's Python
    assert f"In a terminal: source {homework.bin_dir / 'activate'}" in answer.text
    assert answer.install == ()
    # The selected environment comes first when it is one of them.
    assert "installed in “data” and “homework”" in usage.answer_for_error("import tinyutil", three_environments, data, []).text


def test_the_answer_offers_to_install_what_no_environment_has(three_environments):
    homework = three_environments[0]
    answer = usage.answer_for_error("ImportError: No module named yaml.constructor", three_environments[:3], homework, [])
    # (the import-name table spells projects as the index lists them: "pyyaml")
    assert answer.text.lower() == "no environment here has yaml.constructor. install pyyaml into “homework”?"
    assert [spec.lower() for spec in answer.install] == ["pyyaml"] and answer.target == homework



def test_a_name_not_on_the_index_is_not_offered_and_several_pasted_errors_are_all_answered(three_environments, use_local_index):
    """N9: "No module named 'my_own_module'" used to offer "Install my_own_module"; the name is now
    checked against the index (its page for that one name) and only offered when it is there."""
    homework, _data, empty, _config = three_environments
    known = usage.index_lookup(use_local_index.simple_url)
    assert known("tinyapp") == "tinyapp" and known("my_own_module") is None
    own = usage.answer_for_error("ModuleNotFoundError: No module named 'my_own_module'", three_environments, homework, [], known)
    assert own.install == () and own.target is None
    assert own.text.startswith(
        "No environment here has my_own_module. The package index has no package called “my_own_module”,"
        " so Venvdesk offers nothing to install for my_own_module. If it is your own code"
    )
    assert "Install" not in own.text
    # On the index: offered, under the index's name.
    there = usage.answer_for_error("No module named 'tinyapp'", three_environments, empty, [], known)
    assert there.text == "No environment here has tinyapp. Install tinyapp into “empty”?"
    assert there.install == ("tinyapp",) and there.target == empty
    # The index cannot be asked: nothing is offered, and the person is told why.
    unreachable = usage.index_lookup("http://127.0.0.1:9/simple/", timeout=2.0)
    unchecked = usage.answer_for_error("No module named 'nosuchthing'", three_environments, homework, [], unreachable)
    assert unchecked.install == ()
    assert "Venvdesk could not check the package index for nosuchthing" in unchecked.text
    # With no way to check at all, only the import-name table's answers are offered.
    assert usage.answer_for_error("No module named 'nosuchthing'", three_environments, homework, []).install == ()
    # A full list of names (the Find tab's) is used as it is.
    listed = usage.index_lookup("http://127.0.0.1:9/simple/", {"nosuchthing": "NoSuchThing"}.get)
    assert usage.answer_for_error("No module named 'nosuchthing'", three_environments, homework, [], listed).install == (
        "NoSuchThing",
    )

    # N9: several errors pasted at once used to answer only the first (one test: the environments take a while).
    text = (
        "ModuleNotFoundError: No module named 'tinyapp'\n"
        "...\n"
        "ModuleNotFoundError: No module named 'tinyutil'\n"
        "ModuleNotFoundError: No module named 'my_own_module'\n"
        "ModuleNotFoundError: No module named 'tinyapp'\n"
        "ModuleNotFoundError: No module named 'os'\n"
    )
    assert usage.modules_in_error(text) == ["tinyapp", "tinyutil", "my_own_module", "os"]
    answer = usage.answer_for_error(text, three_environments, empty, [], known)
    assert answer.text.startswith(
        "No environment here has tinyapp and my_own_module. “empty” lacks tinyutil too."
        " tinyutil is installed in “homework” and “data”."
    )
    assert "The package index has no package called “my_own_module”" in answer.text
    assert "Install tinyapp and tinyutil into “empty”?" in answer.text
    assert answer.text.endswith("os comes with Python itself, it is not a package to install."
                                " If it is missing, the Python that ran your code was installed without it,"
                                " or is too old or too new for it.")
    assert answer.install == ("tinyapp", "tinyutil") and answer.target == empty
    # Both in one environment: that one is named, nothing to install.
    both = usage.answer_for_error(
        "No module named 'tinyutil'\nNo module named 'yaml'", three_environments, empty, [], known
    )
    assert "tinyutil is installed in" in both.text and "yaml is installed in “config”" in both.text


def test_errors_that_are_not_about_a_missing_package_are_told_apart(three_environments):
    text = usage.answer_for_error("ImportError: cannot import name 'x' from 'tinyutil'", three_environments, None, []).text
    assert "not about a missing package" in text
    assert "comes with Python itself" in usage.answer_for_error("No module named 'tkinter'", three_environments, None, []).text
    assert "No module name was found" in usage.answer_for_error("hello", three_environments, None, []).text


def test_a_scripts_imports_leave_out_python_its_own_files_and_relative_imports(tmp_path):
    (tmp_path / "helpers.py").write_text("", encoding="utf-8")
    (tmp_path / "mypkg").mkdir()
    source = (
        "from __future__ import annotations\nimport os, sys\nimport json as j\nimport helpers\nfrom mypkg import thing\n"
        "from . import sibling\nimport numpy.linalg\nfrom requests import get\n"
        "def later():\n    import yaml\n"
    )
    assert usage.modules_in_script(source, tmp_path) == ["numpy", "requests", "yaml"]


def test_the_answer_for_a_script_checks_every_package_it_imports(three_environments, tmp_path):
    homework, data, empty, config = three_environments
    script = tmp_path / "app.py"
    script.write_text("import tinyutil\nimport yaml\n", encoding="utf-8")
    answer = usage.answer_for_script(script, three_environments, homework, [])
    assert answer.text.startswith("app.py imports tinyutil and yaml. “homework” lacks yaml. tinyutil is installed in")
    assert answer.text.lower().endswith("install pyyaml into “homework”?")
    assert [spec.lower() for spec in answer.install] == ["pyyaml"]
    only_tinyutil = tmp_path / "small.py"
    only_tinyutil.write_text("import tinyutil\n", encoding="utf-8")
    assert "tinyutil is installed in “homework” and “data”" in usage.answer_for_script(only_tinyutil, three_environments, empty, []).text
    broken = tmp_path / "old.py"
    broken.write_text("print 'hello'\n", encoding="utf-8")
    assert "could not be read as Python (line 1" in usage.answer_for_script(broken, three_environments, homework, []).text


def test_running_a_file_is_an_operation_in_the_files_folder(make_venv, tmp_path):
    environment = Environment.load(make_venv("homework"))
    script = tmp_path / "hello.py"
    operation = usage.run_file_operation(environment, script)
    [command] = operation.steps
    assert command.program == str(environment.python) and command.args == (str(script),)
    assert command.cwd == str(tmp_path) and command.env["PYTHONUNBUFFERED"] == "1"
    assert operation.key == str(environment.path) and operation.title == "Running hello.py"


def test_how_a_run_ended_in_a_sentence(make_venv, tmp_path):
    operation: Operation = usage.run_file_operation(Environment.load(make_venv("homework")), tmp_path / "hello.py")
    tail = ("Traceback (most recent call last):", "ZeroDivisionError: division by zero")
    assert usage.run_file_ending(Outcome(Status.OK, operation, exit_code=0)) == "hello.py finished."
    assert usage.run_file_ending(Outcome(Status.FAILED, operation, exit_code=1, tail=tail)) == (
        "hello.py stopped with exit code 1: ZeroDivisionError: division by zero"
    )
    assert usage.run_file_ending(Outcome(Status.CANCELLED, operation)) == "hello.py was stopped."
    assert "it was killed (SIGKILL)" in usage.run_file_ending(Outcome(Status.CRASHED, operation, exit_code=9))


def test_a_file_that_asks_for_typed_input_is_told_to_run_in_a_terminal(make_venv, tmp_path):
    """Bug 5: a run's standard input is empty, so input() ends with EOFError; that is said in words,
    with the line that runs the same file in a terminal."""
    environment = Environment.load(make_venv("homework"))
    folder = tmp_path / "my code"
    operation = usage.run_file_operation(environment, folder / "ask.py")
    tail = (
        "Your name? Traceback (most recent call last):",
        '  File "ask.py", line 1, in <module>',
        "EOFError: EOF when reading a line",
    )
    ended = Outcome(Status.FAILED, operation, operation.steps[0], exit_code=1, tail=tail)
    assert usage.asked_for_input(ended)
    command = f"cd '{folder}' && {environment.python} ask.py"
    assert usage.terminal_command(ended, windows=False) == command
    assert usage.run_file_ending(ended) == (
        f"ask.py stopped: it asks for typed input, which Venvdesk cannot give it. Run it in a terminal: {command}"
    )
    assert usage.terminal_command(ended, windows=True) == f'cd /d "{folder}" && {environment.python} ask.py'
    # The line works as given: in a shell, where the person can type, the program gets its answer.
    folder.mkdir()
    (folder / "ask.py").write_text("name = input('Your name? ')\nprint('hi', name)\n", encoding="utf-8")
    run = subprocess.run(["sh", "-c", command], input="Ada\n", capture_output=True, text=True, cwd=tmp_path)
    assert run.stdout == "Your name? hi Ada\n"
    not_input = Outcome(Status.FAILED, operation, exit_code=1, tail=("ValueError: bad",))
    assert not usage.asked_for_input(not_input)


def test_activation_lines_for_the_shells_of_each_system(make_venv):
    environment = Environment.load(make_venv("homework"))
    posix = dict(usage.activation_lines(environment, windows=False))
    assert posix["bash / zsh"] == f"source {environment.path / 'bin' / 'activate'}"
    assert posix["fish"].endswith("activate.fish")
    windows = dict(usage.activation_lines(environment, windows=True))
    assert windows["PowerShell"].startswith("& ") and windows["PowerShell"].endswith('Activate.ps1"')
    assert windows["Command Prompt (cmd)"].endswith('activate.bat"')


def test_each_editor_found_gets_its_own_way_to_pick_the_environment():
    found = usage.editors_found("/envs/homework/bin/python", which=lambda name: f"/usr/bin/{name}" if name in ("code", "thonny") else None)
    assert [editor.name for editor in found] == ["VS Code", "Thonny"]
    assert "Python: Select Interpreter" in found[0].how and "/envs/homework/bin/python" in found[0].how
    assert "Tools ▸ Options ▸ Interpreter" in found[1].how
    assert usage.editors_found("/x", which=lambda _name: None) == []
