"""Using an environment outside Venvdesk: running a file with it, the terminal, editors, and the
beginner's classic "I installed it but my code still can't find it".

Plain Python; reading metadata and files happens here, so callers run these functions off the
UI thread.  Running a file is an :class:`~core.operations.Operation` (the runner streams its
output into the Log and Cancel stops it); this module builds it and puts its ending in words.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core import import_names
from core.commands import Command, check_path_argument
from core.environments import IS_WINDOWS, Environment, activation_command
from core.jupyter import environment_label
from core.names import canonical_name
from core.operations import Operation, Outcome, Status
from core.packages import InstalledPackage, installed_packages, record_paths

# A script bigger than this is not read for its imports.
MAX_SCRIPT_BYTES = 2_000_000
RUN_ENVIRONMENT = {"PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}


# -- running a file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPythonFile:
    """Run a file with an environment's Python (nothing in the environment changes)."""

    path: Path


def run_file_operation(environment: Environment, path: str | os.PathLike[str]) -> Operation:
    """``<env python> <file>``, started in the file's folder, its output unbuffered so it streams."""
    file_text = check_path_argument(path, "Python file")
    script = Path(file_text)
    command = Command(
        check_path_argument(environment.python, "environment's Python"),
        (file_text,),
        f"Run {script.name} with {environment_label(environment)}'s Python",
        env=dict(RUN_ENVIRONMENT),
        cwd=str(script.parent),
    )
    return Operation(str(environment.path), f"Running {script.name}", [command], RunPythonFile(script))


def last_error_line(lines: Sequence[str]) -> str:
    """The line that says what went wrong: the last ``SomethingError: …`` line, else the last line."""
    shown = [line.strip() for line in lines if line.strip()]
    for line in reversed(shown):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b", line):
            return line
    return shown[-1] if shown else ""


def run_file_ending(outcome: Outcome) -> str:
    """How running a file ended, in a sentence: "hello.py finished." / "hello.py stopped with exit code 1: …"."""
    intent = outcome.intent
    name = intent.path.name if isinstance(intent, RunPythonFile) else outcome.operation.title
    if outcome.status is Status.OK:
        return f"{name} finished."
    if outcome.status is Status.CANCELLED:
        return f"{name} was stopped."
    if outcome.status is Status.FAILED_TO_START:
        return f"{name} could not be started: {outcome.reason}."
    if outcome.status is Status.CRASHED:
        return f"{name} stopped unexpectedly: {outcome.crash_description()}."
    error = last_error_line(outcome.tail)
    if asked_for_input(outcome):
        command = terminal_command(outcome)
        return f"{name} stopped: it asks for typed input, which Venvdesk cannot give it." + (
            f" Run it in a terminal: {command}" if command else " Run it in a terminal."
        )
    return f"{name} stopped with exit code {outcome.exit_code}" + (f": {error}" if error else ".")


def asked_for_input(outcome: Outcome) -> bool:
    """The program stopped because it asked for typed input: a run's standard input is empty, so
    ``input()`` (and ``getpass`` without a terminal) end with ``EOFError``."""
    if outcome.status is not Status.FAILED:
        return False
    return last_error_line(outcome.tail).startswith("EOFError")


def _quoted(text: str, windows: bool) -> str:
    if windows:
        return f'"{text}"' if any(char in text for char in ' &()^%!"') else text
    return shlex.quote(text)


def terminal_command(outcome: Outcome, windows: bool = IS_WINDOWS) -> str:
    """The line that runs the same file in a terminal, where the person can type: go to the file's
    folder, run the environment's Python on it (``cd /home/me/code && /envs/homework/bin/python ask.py``)."""
    command = outcome.command or (outcome.operation.steps[0] if outcome.operation.steps else None)
    if command is None:
        return ""
    args = list(command.args)
    if command.cwd and args:
        script = Path(args[0])
        if script.parent == Path(command.cwd):
            args[0] = script.name  # run from its folder: the name is enough
    line = " ".join(_quoted(part, windows) for part in [command.program, *args])
    if command.cwd:
        go = f"cd /d {_quoted(command.cwd, True)}" if windows else f"cd {_quoted(command.cwd, False)}"
        line = f"{go} && {line}"
    return line


# -- the terminal and editors ---------------------------------------------------------------------


def activation_lines(environment: Environment, windows: bool = IS_WINDOWS) -> list[tuple[str, str]]:
    """(shell, the line that activates ``environment`` in it), for the shells of this OS."""
    if windows:
        return [
            ("PowerShell", activation_command(environment, "powershell", windows=True)),
            ("Command Prompt (cmd)", activation_command(environment, "cmd", windows=True)),
        ]
    return [
        ("bash / zsh", activation_command(environment, "bash", windows=False)),
        ("fish", activation_command(environment, "fish", windows=False)),
        ("csh / tcsh", activation_command(environment, "csh", windows=False)),
    ]


def shell_activation(environment: Environment, windows: bool = IS_WINDOWS) -> str:
    """The activation line for the person's own shell (``$SHELL``; PowerShell on Windows)."""
    return activation_command(environment, windows=windows)


@dataclass(frozen=True)
class Editor:
    name: str
    program: str
    how: str  # how that editor picks this environment, in a sentence


def editor_instructions(name: str, python: str | os.PathLike[str]) -> str:
    """How the editor ``name`` is told to use the Python ``python``."""
    python_text = os.fspath(python)
    if name == "VS Code":
        return (
            "In VS Code: press Ctrl+Shift+P, choose “Python: Select Interpreter”, then “Enter interpreter"
            f" path…” and paste {python_text}. (A project's own .venv folder is picked up by itself.)"
        )
    if name == "PyCharm":
        return (
            "In PyCharm: Settings ▸ Project ▸ Python Interpreter ▸ Add Interpreter ▸ Add Local Interpreter"
            f" ▸ Virtualenv Environment ▸ Existing, and choose {python_text}."
        )
    if name == "Thonny":
        return (
            "In Thonny: Tools ▸ Options ▸ Interpreter, choose “Alternative Python 3 interpreter or virtual"
            f" environment” and enter {python_text}."
        )
    return f"In your editor, choose {python_text} as the project's Python interpreter."


def editors_found(python: str | os.PathLike[str], which: Callable[[str], str | None] = shutil.which) -> list[Editor]:
    """The editors on PATH (VS Code, PyCharm, Thonny), each with how it picks ``python``."""
    # The one list of editors and the programs that start them.
    from core.editors import KNOWN_EDITORS

    found = []
    for name, programs, _picks in KNOWN_EDITORS:
        for program in programs:
            path = which(program)
            if path:
                found.append(Editor(name, path, editor_instructions(name, python)))
                break
    return found


# -- "I installed it but my code still can't find it" ---------------------------------------------


def module_in_error(text: str) -> str | None:
    """The module a pasted error or line of code says is missing.

    ``ModuleNotFoundError: No module named 'requests'`` → ``requests``; Python 2's
    ``ImportError: No module named yaml`` → ``yaml``; a dotted name is kept
    (``sklearn.ensemble``); ``import cv2`` → ``cv2``.
    """
    return import_names.module_in_text(text)


# Modules answered from one pasted text (a log can name hundreds).
MAX_MODULES_IN_TEXT = 12


def modules_in_error(text: str) -> list[str]:
    """Every module a pasted text says is missing, in order, each once.

    Each ``No module named …`` line counts (several errors pasted at once are all answered); when
    there is none, each ``import …`` / ``from … import`` line does.
    """
    missing: list[str] = []
    imported: list[str] = []
    for line in text.splitlines():
        module = import_names.module_in_text(line)
        if not module:
            continue
        target = missing if "no module named" in line.lower() else imported
        if module not in target:
            target.append(module)
    found = missing or imported
    if not found:
        single = import_names.module_in_text(text)
        found = [single] if single else []
    return found[:MAX_MODULES_IN_TEXT]


# ``known_project(name)``: the index's spelling of the project ``name`` when it is on the index,
# ``None`` when it is not; raises ``OSError`` when the index could not be asked.
ProjectLookup = Callable[[str], "str | None"]


def index_lookup(index_url: str, full_list: ProjectLookup | None = None, *, timeout: float = 10.0) -> ProjectLookup:
    """Whether a project is on the index: from its full list of names when that is loaded, else by
    asking the index for the project's page (one request; 404: not there).  Blocking: a worker."""
    if full_list is not None:
        return full_list

    def ask(name: str) -> str | None:
        import urllib.error

        from core import pypi

        try:
            pypi.fetch(pypi.simple_page_url(index_url, name), accept="text/html", timeout=timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        except ValueError as exc:  # an unusable index address
            raise OSError(str(exc)) from exc
        return name

    return ask


def top_name(module: str) -> str:
    return module.split(".", 1)[0]


def is_standard_library(module: str) -> bool:
    """Part of Python itself (as far as the running Python knows: 3.10+ lists it exactly)."""
    names = getattr(sys, "stdlib_module_names", None)
    if names is None:  # Python 3.9: what it was built with, and the common ones
        names = set(sys.builtin_module_names) | _COMMON_STANDARD_MODULES
    return top_name(module) in names


_COMMON_STANDARD_MODULES = frozenset(
    (
        "abc", "argparse", "ast", "asyncio", "base64", "collections", "concurrent", "contextlib",
        "copy", "csv", "ctypes", "dataclasses", "datetime", "decimal", "email", "enum", "functools",
        "glob", "gzip", "hashlib", "heapq", "html", "http", "importlib", "inspect", "io", "itertools",
        "json", "logging", "math", "multiprocessing", "os", "pathlib", "pickle", "platform", "pprint",
        "queue", "random", "re", "shutil", "signal", "socket", "sqlite3", "ssl", "statistics",
        "string", "struct", "subprocess", "sys", "tempfile", "textwrap", "threading", "time",
        "tkinter", "traceback", "typing", "unittest", "urllib", "uuid", "venv", "warnings", "xml",
        "zipfile", "zlib",
    )
)


def modules_in_script(source: str, folder: Path | None = None) -> list[str]:
    """The top-level modules a script imports that are neither Python's own nor files beside it.

    Relative imports are the script's own.  Raises ``SyntaxError`` when it does not parse.
    """
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        else:
            continue
        for name in names:
            top = top_name(name)
            if top and top not in found and not is_standard_library(top) and top != "__future__":
                found.append(top)
    if folder is not None:
        found = [name for name in found if not ((folder / f"{name}.py").is_file() or (folder / name).is_dir())]
    return found


def read_script(path: Path) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(MAX_SCRIPT_BYTES + 1)
    if len(raw) > MAX_SCRIPT_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_SCRIPT_BYTES // 1_000_000} MB; it was not read")
    return raw.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Holder:
    """An environment that has a module: which distribution provides it there, in which version."""

    environment: Environment
    distribution: str
    version: str


def distribution_top_names(package: InstalledPackage) -> set[str]:
    """The top-level import names an installed distribution provides (``top_level.txt``, else its RECORD)."""
    folder = os.path.dirname(package.metadata_path)
    names: set[str] = set()
    try:
        with open(os.path.join(folder, "top_level.txt"), encoding="utf-8", errors="replace") as handle:
            names = {line.strip().split("/")[0].split(".")[0] for line in handle if line.strip()}
    except OSError:
        pass
    if names or not folder.endswith(".dist-info"):
        return names
    for relative in record_paths(folder):
        parts = relative.replace("\\", "/").split("/")
        top = parts[0]
        if not top or top.startswith("..") or top.endswith((".dist-info", ".data")) or top == "__pycache__":
            continue
        if len(parts) == 1:
            if top.endswith((".py", ".so", ".pyd")):
                names.add(top.split(".", 1)[0])
        else:
            names.add(top)
    return names


def environments_with(module: str, environments: Sequence[Environment]) -> list[Holder]:
    """The environments in which an installed distribution provides ``module`` (metadata only)."""
    top = top_name(module)
    providers = {canonical_name(name) for name in import_names.providers(top)}
    providers.add(canonical_name(top))
    holders = []
    for environment in environments:
        packages = installed_packages(environment.site_packages())
        chosen = next((package for package in packages if package.key in providers and top in distribution_top_names(package)), None)
        if chosen is None:
            chosen = next((package for package in packages if top in distribution_top_names(package)), None)
        if chosen is None:
            chosen = next((package for package in packages if package.key in providers), None)
        if chosen is not None:
            holders.append(Holder(environment, chosen.name, chosen.version))
    return holders


def package_for(module: str) -> str:
    """The project to install for ``module``: the most downloaded provider, else the module's own name."""
    found = import_names.providers(top_name(module))
    return found[0] if found else top_name(module)


@dataclass(frozen=True)
class Installable:
    """What can be offered for install for some modules, and what cannot (and why)."""

    specs: tuple[str, ...] = ()  # projects known to provide the modules
    not_on_index: tuple[str, ...] = ()  # modules no table entry names and the index has no project for
    unchecked: tuple[str, ...] = ()  # modules whose name could not be checked against the index
    why_unchecked: str = ""


def installable(modules: Sequence[str], known_project: ProjectLookup | None) -> Installable:
    """Which projects to offer for ``modules``: the import-name table's provider, else a project of the
    module's own name when the index has one.  A name the index does not have is never offered as if
    it were a package (it is usually the person's own module)."""
    specs: list[str] = []
    missing: list[str] = []
    unchecked: list[str] = []
    why = ""
    for module in modules:
        top = top_name(module)
        providers = import_names.providers(top)
        if providers:
            specs.append(providers[0])
            continue
        if known_project is None:
            unchecked.append(module)
            continue
        try:
            spelling = known_project(top)
        except OSError as exc:
            unchecked.append(module)
            why = why or str(getattr(exc, "reason", None) or exc.strerror or exc)
            continue
        if spelling:
            specs.append(spelling)
        else:
            missing.append(module)
    return Installable(tuple(dict.fromkeys(specs)), tuple(missing), tuple(unchecked), why)


def _cannot_install(found: Installable) -> list[str]:
    """The sentences for modules that are not offered for install."""
    sentences = []
    if found.not_on_index:
        names = [top_name(module) for module in found.not_on_index]
        one = len(names) == 1
        sentences.append(
            f"The package index has no package called {_names(list(dict.fromkeys(names)))}, so Venvdesk offers"
            f" nothing to install for {_plain_list(list(found.not_on_index))}."
            f" If {'it is' if one else 'they are'} your own code (a .py file or a folder of yours), run your"
            f" program from the folder that holds {'it' if one else 'them'}; if {'it comes' if one else 'they come'}"
            " from a package with another name, look for that name with Find packages."
        )
    if found.unchecked:
        because = f" ({found.why_unchecked})" if found.why_unchecked else ""
        sentences.append(
            f"Venvdesk could not check the package index for {_plain_list(list(found.unchecked))}{because}, so it"
            " does not offer to install a name that may be no package at all. Look for the package's name with"
            " Find packages."
        )
    return sentences


@dataclass(frozen=True)
class Answer:
    """What to tell the person: the sentences, and an install the app can do for them."""

    text: str
    install: tuple[str, ...] = ()  # requirements to install into ``target``
    target: Environment | None = None


def _names(items: Sequence[str]) -> str:
    quoted = [f"“{item}”" for item in items]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}"


def _plain_list(items: Sequence[str]) -> str:
    return " and ".join(items) if len(items) <= 2 else ", ".join(items[:-1]) + f" and {items[-1]}"


def how_to_use(environment: Environment, editors: Sequence[Editor]) -> str:
    """How to make the editors found and a terminal use ``environment``."""
    python = environment.python
    parts = [editor_instructions(editor.name, python) for editor in editors] or [editor_instructions("", python)]
    parts.append(f"In a terminal: {shell_activation(environment)}")
    return " ".join(parts)


def _standard_answer(modules: Sequence[str]) -> str:
    one = len(modules) == 1
    text = (
        f"{_plain_list(list(modules))} {'comes' if one else 'come'} with Python itself,"
        f" {'it is not a package' if one else 'they are not packages'} to install."
    )
    if any(top_name(module) == "tkinter" for module in modules):
        text += " Some Linux systems leave tkinter out: on Debian or Ubuntu, “sudo apt install python3-tk” adds it."
    else:
        text += (
            f" If {'it is' if one else 'they are'} missing, the Python that ran your code was installed without"
            f" {'it' if one else 'them'}, or is too old or too new for {'it' if one else 'them'}."
        )
    return text


def answer_for_modules(
    modules: Sequence[str],
    holders: dict[str, list[Holder]],
    current: Environment | None,
    editors: Sequence[Editor],
    known_project: ProjectLookup | None = None,
) -> Answer:
    """The answer for the modules ``modules`` (from an error, or a script's imports).

    ``known_project`` checks a module's own name against the index before it is offered for install
    (:func:`index_lookup`); without it, only modules the import-name table knows are offered.
    """
    if not modules:
        return Answer("Every module this script imports comes with Python or sits beside the script.")
    standard = [module for module in modules if is_standard_library(module)]
    if standard:
        said = _standard_answer(standard)
        rest = [module for module in modules if module not in standard]
        if not rest:
            return Answer(said)
        answer = answer_for_modules(rest, holders, current, editors, known_project)
        return Answer(f"{answer.text} {said}", answer.install, answer.target)
    label = environment_label(current) if current is not None else ""
    everywhere = None
    for module in modules:
        paths = {holder.environment.path for holder in holders.get(module, [])}
        everywhere = paths if everywhere is None else everywhere & paths
    missing_everywhere = [module for module in modules if not holders.get(module)]
    shown = _plain_list(list(modules))
    if everywhere:
        having = [holder.environment for holder in holders[modules[0]] if holder.environment.path in everywhere]
        if current is not None and current.path in everywhere:
            having.sort(key=lambda environment: environment.path != current.path)
        names = _names([environment_label(environment) for environment in having])
        verb = "is" if len(modules) == 1 else "are"
        text = (
            f"{shown} {verb} installed in {names}. Your editor or terminal is using another Python."
            f" {how_to_use(having[0], editors)}"
        )
        return Answer(text)
    if current is None:
        return Answer(f"No environment here has {_plain_list(missing_everywhere or list(modules))}. Select an environment to install into.")
    # Everything the selected environment lacks: also what other environments have (one of them
    # having it does not help a program that needs it together with what none has).
    wanted = [module for module in modules if not any(h.environment.path == current.path for h in holders.get(module, []))]
    found = installable(wanted, known_project)
    specs = found.specs
    found_parts = []
    for module in modules:
        if module in missing_everywhere:
            continue
        names = _names([environment_label(holder.environment) for holder in holders.get(module, [])])
        found_parts.append(f"{module} is installed in {names}.")
    elsewhere = [module for module in wanted if module not in missing_everywhere]
    if missing_everywhere:
        lead = f"No environment here has {_plain_list(missing_everywhere)}."
        if elsewhere:
            lead += f" “{label}” lacks {_plain_list(elsewhere)} too."
    else:
        lead = f"“{label}” lacks {_plain_list(wanted)}."
    offer = [f"Install {_plain_list(list(specs))} into “{label}”?"] if specs else []
    text = " ".join([lead, *found_parts, *_cannot_install(found), *offer])
    return Answer(text, specs, current if specs else None)


def answer_for_error(
    text: str,
    environments: Sequence[Environment],
    current: Environment | None,
    editors: Sequence[Editor],
    known_project: ProjectLookup | None = None,
) -> Answer:
    """The answer for a pasted error (or a line of code): which environments have the modules it names
    (every one, when several errors are pasted at once)."""
    modules = modules_in_error(text)
    if not modules:
        if "cannot import name" in text:
            return Answer(
                "This error is not about a missing package: the package is there, but the name your code"
                " imports from it is not (a spelling, or a version that is too old or too new)."
            )
        return Answer(
            "No module name was found in this text. Paste the whole error, for example"
            " “ModuleNotFoundError: No module named 'requests'”, or choose your script."
        )
    holders = {module: environments_with(module, environments) for module in modules if not is_standard_library(module)}
    return answer_for_modules(modules, holders, current, editors, known_project)


def answer_for_script(
    path: Path,
    environments: Sequence[Environment],
    current: Environment | None,
    editors: Sequence[Editor],
    known_project: ProjectLookup | None = None,
) -> Answer:
    """The answer for a script: the packages it imports, and which environments have them all."""
    source = read_script(path)
    try:
        modules = modules_in_script(source, path.parent)
    except SyntaxError as exc:
        return Answer(
            f"{path.name} could not be read as Python (line {exc.lineno}: {exc.msg}), so its imports are unknown."
            " Paste the error your code shows instead."
        )
    holders = {module: environments_with(module, environments) for module in modules}
    answer = answer_for_modules(modules, holders, current, editors, known_project)
    if modules:
        return Answer(f"{path.name} imports {_plain_list(modules)}. {answer.text}", answer.install, answer.target)
    return answer
