"""Projects: a folder the person works in, what it needs, and the environment it uses.

:func:`scan_project` looks at a folder the way a person opening it in an editor would: its
requirements files (``requirements*.txt``, ``requirements/*.txt``), its ``pyproject.toml``
(``[project] dependencies``, ``requires-python``, the optional dependency groups), the
environments already in it (``.venv``, ``venv``, ``env`` or any child folder with
``pyvenv.cfg``) and how many Python files it holds.  It only reads files (blocking: call it
off the UI thread) and is bounded, so a huge folder does not keep the person waiting.
:func:`describe` says what was found in sentences; :func:`choose_interpreter` picks the Python
to set the project up with.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from core.environments import PROJECT_ENVIRONMENT as PROJECT_ENVIRONMENT  # re-exported: see below
from core.environments import PROJECT_ENVIRONMENT_NAMES, Environment
from core.environments import ProjectRecord as ProjectRecord  # re-exported: see below
from core.errors import UserFacingError

if TYPE_CHECKING:
    from core.interpreters import Interpreter

# pyproject.toml files bigger than this are not a project description (nothing is read).
MAX_PYPROJECT_BYTES = 1024 * 1024
# Counting Python files stops after this many folder entries or this many seconds.
MAX_SCANNED_ENTRIES = 50_000
MAX_SCAN_SECONDS = 2.0
# At most this many requirements files are offered (a folder of 300 lock files is not a choice).
MAX_REQUIREMENTS_FILES = 20
# Folders that never hold the project's own code.
SKIPPED_FOLDERS = frozenset(
    {"__pycache__", "site-packages", "dist-packages", "build", "dist", "node_modules", "htmlcov"}
)


@dataclass(frozen=True)
class RequirementsSource:
    """One requirements file of the project and what it holds.

    ``count`` is the packages it names (``tinyapp==2.0``); lines that install from a folder, a
    file or a link (``-e .``, ``./wheels/x.whl``) are ``linked``; ``-r``/``-c`` lines name the
    files it ``includes``.  ``source_options`` describes the lines that change where code comes
    from (``--index-url``, ``-e``…), one per line, as the person is asked about them; ``""`` when
    there are none.
    """

    path: Path
    relative: str  # "requirements.txt", "requirements/dev.txt"
    count: int = 0
    problem: str = ""  # why it could not be read, or which lines are malformed
    linked: int = 0
    includes: tuple[str, ...] = ()
    source_options: str = ""

    @property
    def empty(self) -> bool:
        """Nothing to install: no package, no local or linked code, no other file included."""
        return not self.problem and not self.count and not self.linked and not self.includes

    def contents(self) -> str:
        """``12 packages``, ``1 package, 1 from a folder or link``, ``includes base.txt``, ``empty``."""
        if self.empty:
            return "empty"
        parts = []
        if self.count or not (self.linked or self.includes):
            parts.append(_packages(self.count))
        if self.linked:
            parts.append(f"{self.linked} from {'a folder or link' if self.linked == 1 else 'folders or links'}")
        text = ", ".join(parts)
        if self.includes:
            text += ("; " if text else "") + "includes " + _list(list(self.includes))
        return text


@dataclass(frozen=True)
class PyprojectInfo:
    """What ``pyproject.toml`` says the project needs (``problem`` when it could not be read)."""

    path: Path
    dependencies: tuple[str, ...] = ()
    requires_python: str = ""
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    problem: str = ""
    # Not read from [project]: "Poetry", "dynamic" (the build backend computes them)…
    note: str = ""


@dataclass(frozen=True)
class FoundEnvironment:
    path: Path
    version: str  # "3.11.7", "" when its pyvenv.cfg does not say
    problem: str = ""  # why it cannot be used (its Python is gone…), "" when it works

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class ProjectScan:
    folder: Path
    requirements: tuple[RequirementsSource, ...] = ()
    pyproject: PyprojectInfo | None = None
    environments: tuple[FoundEnvironment, ...] = ()
    python_files: int = 0
    # Counting stopped early (the folder is huge): ``python_files`` is a lower bound.
    python_files_capped: bool = False

    @property
    def name(self) -> str:
        return self.folder.name or str(self.folder)

    @property
    def environment(self) -> FoundEnvironment | None:
        """The environment the project already has (``.venv`` first), if any."""
        return self.environments[0] if self.environments else None

    @property
    def requires_python(self) -> str:
        return self.pyproject.requires_python if self.pyproject is not None else ""


# -- scanning ----------------------------------------------------------------------------------


def scan_project(folder: str | os.PathLike[str]) -> ProjectScan:
    """What the project in ``folder`` holds (blocking, bounded: call it from a worker thread).

    Raises :class:`UserFacingError` when ``folder`` is not a folder that can be read.
    """
    path = Path(folder).expanduser()
    try:
        path = path.resolve()
        refusal = project_folder_refusal(path)
        if refusal is not None:
            raise refusal
        names = sorted(os.listdir(path))
    except NotADirectoryError:
        raise UserFacingError(
            f"{path} is a file, not a folder.",
            "Choose the folder your project's files are in.",
            reference="project-not-folder",
        ) from None
    except OSError as exc:
        raise UserFacingError(
            f"Venvdesk could not open the folder {path}.",
            "Check that it exists and that you may read it.",
            reference="project-unreadable",
            detail=str(exc),
        ) from None
    environments = _environments_in(path, names)
    count, capped = count_python_files(path)
    pyproject = read_pyproject(path / "pyproject.toml") if "pyproject.toml" in names else None
    return ProjectScan(
        folder=path,
        requirements=tuple(_requirements_files(path, names)),
        pyproject=pyproject,
        environments=tuple(environments),
        python_files=count,
        python_files_capped=capped,
    )


def project_folder_refusal(folder: Path) -> UserFacingError | None:
    """Why ``folder`` (resolved) cannot be a project folder: the top of a disk, or an environment."""
    if folder.parent == folder:
        return UserFacingError(
            f"{folder} is the top of the disk, not a project folder.",
            "Make a folder for your project (for example in your home folder), put your files there and open that.",
            reference="project-root-folder",
        )
    if (folder / "pyvenv.cfg").is_file():
        return UserFacingError(
            f"{folder} is an environment, not a project folder: it holds pyvenv.cfg.",
            f"Open the folder your code is in (perhaps {folder.parent}). To see this environment's packages,"
            " use “Add existing environment…”.",
            reference="project-is-environment",
        )
    return None


def home_folder_role(folder: str | os.PathLike[str]) -> str:
    """``"home"`` when ``folder`` is the person's home folder, ``"holds home"`` when it holds it, else ``""``."""
    from core.environments import _home_folders

    real = os.path.normcase(os.path.realpath(folder))
    if os.path.dirname(real) == real:
        return ""  # the top of a disk is refused, not asked about (see project_folder_refusal)
    for home in _home_folders():
        home = os.path.normcase(home)
        if real == home:
            return "home"
        try:
            if os.path.commonpath([home, real]) == real:
                return "holds home"
        except ValueError:  # different drives
            continue
    return ""


def _environments_in(folder: Path, names: list[str]) -> list[FoundEnvironment]:
    preferred = [name for name in PROJECT_ENVIRONMENT_NAMES if name in names]
    others = [name for name in names if name not in PROJECT_ENVIRONMENT_NAMES]
    found = []
    for name in preferred + others:
        child = folder / name
        if (child / "pyvenv.cfg").is_file():
            environment = Environment.load(child)
            health = environment.health()
            found.append(FoundEnvironment(child, environment.short_version, "" if health.ok else health.reason))
    return found


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts ``requirements-2`` before ``requirements-10`` (numbers compared as numbers)."""
    parts = re.split(r"(\d+)", text.lower())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


def _requirements_files(folder: Path, names: list[str]) -> list[RequirementsSource]:
    candidates = [
        folder / name
        for name in names
        if name.lower().startswith("requirements") and name.lower().endswith(".txt")
    ]
    # "requirements.txt" first, then the others by name (requirements-2 before requirements-10).
    candidates.sort(key=lambda p: (p.name.lower() != "requirements.txt", natural_key(p.name)))
    sub = folder / "requirements"
    sources = []
    if "requirements" in names and sub.is_dir():
        try:
            candidates += sorted((p for p in sub.iterdir() if p.suffix.lower() == ".txt"), key=lambda p: natural_key(p.name))
        except OSError as exc:
            sources.append(RequirementsSource(sub, "requirements/", 0, f"the folder could not be read ({exc.strerror})"))
    for path in candidates[:MAX_REQUIREMENTS_FILES]:
        if path.is_file():
            sources.append(_read_requirements_source(folder, path))
    return sorted(sources, key=lambda source: source.problem.startswith("the folder"))


def _read_requirements_source(folder: Path, path: Path) -> RequirementsSource:
    from core.requirements import read_requirements_file

    relative = path.relative_to(folder).as_posix()
    try:
        parsed = read_requirements_file(path)
    except UserFacingError as error:
        return RequirementsSource(path, relative, 0, error.message)
    problem = ""
    if parsed.errors:
        lines = ", ".join(str(error.line) for error in parsed.errors[:3])
        problem = f"line {lines} cannot be read" if len(parsed.errors) == 1 else f"lines {lines} cannot be read"
    named = sum(1 for line in parsed.requirements if line.requirement is not None)
    includes = tuple(_included_name(option.text) for option in parsed.options if option.kind in ("include", "constraint"))
    return RequirementsSource(
        path,
        relative,
        named,
        problem,
        linked=len(parsed.requirements) - named,
        includes=includes,
        source_options=parsed.describe_options() if parsed.changes_sources else "",
    )


def _included_name(option: str) -> str:
    """``other.txt`` for ``-r other.txt``, ``--requirement=sub/other.txt`` or ``-c constraints.txt``."""
    text = option.strip()
    for prefix in ("--requirement", "--constraint", "-r", "-c"):
        if text.startswith(prefix):
            text = text[len(prefix):].lstrip(" =\t")
            break
    return text.strip("'\"") or option


def _toml_reader() -> Any:
    """The standard library's ``tomllib`` (3.11+), else the ``tomli`` it came from (a dependency there)."""
    return importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


def read_pyproject(path: Path) -> PyprojectInfo:
    """What ``pyproject.toml`` at ``path`` says; a broken file gives a ``problem`` sentence, not an error."""
    try:
        if path.stat().st_size > MAX_PYPROJECT_BYTES:
            return PyprojectInfo(path, problem="it is too big to be a project description, so it was not read")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return PyprojectInfo(path, problem="it is not UTF-8 text")
    except OSError as exc:
        return PyprojectInfo(path, problem=f"it could not be read ({exc.strerror or exc})")
    try:
        reader = _toml_reader()
    except ImportError:
        return PyprojectInfo(path, problem="this Python has no TOML reader (install “tomli”)")
    try:
        document = reader.loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
        return PyprojectInfo(path, problem=f"it is not valid TOML ({exc})")
    project = document.get("project") if isinstance(document, dict) else None
    tool = document.get("tool") if isinstance(document, dict) else None
    if not isinstance(project, dict):
        note = "it uses Poetry, whose dependencies Venvdesk does not read" if isinstance(tool, dict) and "poetry" in tool else ""
        return PyprojectInfo(path, note=note or "it has no [project] table")
    requires_python = project.get("requires-python")
    requires_python = requires_python.strip() if isinstance(requires_python, str) else ""
    problem = ""
    if requires_python:
        try:
            SpecifierSet(requires_python)
        except InvalidSpecifier:
            problem = f"its requires-python “{requires_python}” is not a version range"
            requires_python = ""
    dependencies, bad = _valid_requirements(_strings(project.get("dependencies")))
    optional_table = project.get("optional-dependencies")
    optional: dict[str, tuple[str, ...]] = {}
    if isinstance(optional_table, dict):
        for group, value in optional_table.items():
            valid, bad_here = _valid_requirements(_strings(value))
            bad += bad_here
            if isinstance(group, str) and valid:
                optional[group] = valid
    if bad and not problem:
        problem = f"“{bad[0]}” is not a requirement pip understands, so it is left out"
    dynamic = project.get("dynamic")
    note = ""
    if isinstance(dynamic, list) and "dependencies" in dynamic:
        note = "its dependencies are computed when it is built, so Venvdesk cannot list them"
    return PyprojectInfo(path, dependencies, requires_python, optional, problem, note)


def _valid_requirements(texts: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    valid: list[str] = []
    bad: list[str] = []
    for text in texts:
        try:
            Requirement(text)
        except InvalidRequirement:
            bad.append(text)
        else:
            valid.append(text)
    return tuple(valid), bad


def count_python_files(
    folder: Path, *, max_entries: int = MAX_SCANNED_ENTRIES, max_seconds: float = MAX_SCAN_SECONDS
) -> tuple[int, bool]:
    """``(how many .py files, whether counting stopped early)`` below ``folder``.

    Hidden folders, environments (folders with ``pyvenv.cfg``), ``site-packages`` and build
    output are skipped; symbolic links to folders are not followed.
    """
    count = 0
    seen = 0
    deadline = time.monotonic() + max_seconds
    stack = [str(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    seen += 1
                    if seen > max_entries or (seen % 512 == 0 and time.monotonic() > deadline):
                        return count, True
                    name = entry.name
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if name.startswith(".") or name in SKIPPED_FOLDERS or name.endswith(".egg-info"):
                                continue
                            if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
                                continue
                            stack.append(entry.path)
                        elif name.endswith(".py") and entry.is_file():
                            count += 1
                    except OSError:
                        continue
        except OSError:
            continue
    return count, False


# -- saying what was found ---------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _packages(count: int) -> str:
    return _plural(count, "package")


def _list(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def describe_pyproject(info: PyprojectInfo) -> str:
    """``pyproject.toml (needs Python >=3.10; 3 dependencies; optional groups: dev, docs)``."""
    parts = []
    if info.requires_python:
        parts.append(f"needs Python {info.requires_python}")
    if info.dependencies:
        parts.append(_plural(len(info.dependencies), "dependency").replace("dependencys", "dependencies"))
    elif not info.problem and not info.note:
        parts.append("no dependencies")
    if info.optional:
        parts.append("optional groups: " + ", ".join(info.optional))
    if info.note:
        parts.append(info.note)
    if info.problem:
        parts.append(info.problem)
    return "pyproject.toml" + (f" ({'; '.join(parts)})" if parts else "")


def describe(scan: ProjectScan, *, uses_other: bool = False) -> str:
    """What was found, in sentences, e.g. "Found requirements.txt (12 packages), pyproject.toml
    (needs Python >=3.10; 3 dependencies; optional groups: dev, docs), 14 Python files. No
    environment yet.".

    ``uses_other``: the project uses an environment outside its folder (the page says which), so
    "No environment yet." is not said.
    """
    found = []
    for source in scan.requirements:
        detail = source.contents()
        if source.problem:
            detail += f"; {source.problem}"
        found.append(f"{source.relative} ({detail})")
    if scan.pyproject is not None:
        found.append(describe_pyproject(scan.pyproject))
    if scan.python_files:
        files = _plural(scan.python_files, "Python file")
        found.append(f"more than {files}" if scan.python_files_capped else files)
    if found:
        sentence = "Found " + ", ".join(found) + "."
    else:
        sentence = "Found no requirements file, no pyproject.toml and no Python files yet."
    environments = scan.environments
    if not environments:
        return sentence if uses_other else sentence + " No environment yet."
    first = environments[0]
    version = f" (Python {first.version})" if first.version else ""
    if first.problem:
        sentence += f" It has an environment, {first.name}{version}, but it is broken: {first.problem}"
    else:
        sentence += f" It already has an environment: {first.name}{version}; Venvdesk uses it."
    if len(environments) > 1:
        others = [environment.name for environment in environments[1:]]
        sentence += f" It also holds {_list(others)}."
    return sentence


# -- choosing the Python -----------------------------------------------------------------------


def interpreter_fits(interpreter: Interpreter, requires_python: str) -> bool:
    """Whether ``interpreter`` can create environments and satisfies ``requires_python``."""
    if not interpreter.can_create_venv or not interpreter.version:
        return False
    if not requires_python:
        return True
    try:
        wanted = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return True  # an unreadable range restricts nothing (read_pyproject says so)
    version = ".".join(str(part) for part in interpreter.version[:3])
    return wanted.contains(version, prereleases=True)


def choose_interpreter(interpreters: Sequence[Interpreter], requires_python: str = "") -> Interpreter | None:
    """The newest Python that can create environments and satisfies ``requires_python``.

    Final releases are preferred to alphas, betas and release candidates.  ``None`` when no
    discovered Python fits.
    """
    fitting = [interpreter for interpreter in interpreters if interpreter_fits(interpreter, requires_python)]
    if not fitting:
        return None
    return max(fitting, key=lambda i: (i.release_level == "final", tuple(i.version[:3])))


def why_no_interpreter(interpreters: Sequence[Interpreter], requires_python: str) -> str:
    """The sentence shown when :func:`choose_interpreter` found nothing."""
    from core.interpreters import how_to_get_python

    usable = [i for i in interpreters if i.can_create_venv]
    if not usable:
        return "Venvdesk found no Python on this computer that can create environments. " + how_to_get_python()
    from core.environments import version_tuple

    versions = ", ".join(sorted({i.version_text for i in usable}, key=lambda text: (version_tuple(text), text)))
    return (
        f"This project needs Python {requires_python}, and the Pythons found here are {versions}."
        " Install a Python that fits, then open the project again; or choose one of these anyway."
    )


# -- what a set-up installs --------------------------------------------------------------------


@dataclass(frozen=True)
class SetupChoice:
    """What the person chose on the project page: which requirement sources to install."""

    requirement_files: tuple[Path, ...] = ()
    packages: tuple[str, ...] = ()  # pyproject dependencies and chosen optional groups

    @property
    def empty(self) -> bool:
        return not self.requirement_files and not self.packages


def checked_by_default(scan: ProjectScan, source: RequirementsSource) -> bool:
    """Whether ``source`` is ticked when the project page opens: only the project's main file.

    That is ``requirements.txt``, else the only requirements file there is; others
    (``requirements-dev.txt``, ``requirements/docs.txt``) are for the person to choose.  A file
    that is empty or cannot be read is never ticked.
    """
    if source.problem or source.empty:
        return False
    if source.relative.lower() == "requirements.txt":
        return True
    readable = [other for other in scan.requirements if not other.problem]
    return len(readable) == 1 and not any(other.relative.lower() == "requirements.txt" for other in readable)


def describe_setup(choice: SetupChoice) -> str:
    """What a set-up installs after making the environment, short: "requirements.txt and 2 more
    files, and 3 packages from pyproject.toml"; "" when nothing is chosen."""
    parts = []
    files = choice.requirement_files
    if files:
        text = files[0].name
        if len(files) > 1:
            text += f" and {len(files) - 1} more file{'s' if len(files) > 2 else ''}"
        parts.append(text)
    if choice.packages:
        parts.append(f"{_packages(len(choice.packages))} from pyproject.toml")
    return ", and ".join(parts)


def setup_packages(info: PyprojectInfo | None, *, dependencies: bool, groups: Iterable[str] = ()) -> tuple[str, ...]:
    """The requirement strings to install from ``pyproject.toml``: its dependencies and the chosen groups."""
    if info is None:
        return ()
    chosen: list[str] = list(info.dependencies) if dependencies else []
    for group in groups:
        chosen += [spec for spec in info.optional.get(group, ()) if spec not in chosen]
    return tuple(chosen)


# -- the projects the app remembers ------------------------------------------------------------


# ProjectRecord (a remembered project) and PROJECT_ENVIRONMENT live in core.environments: the list is
# read before the window's first paint, without this module and ``packaging``.  Imported above, so
# ``from core.projects import ProjectRecord`` works as before.
