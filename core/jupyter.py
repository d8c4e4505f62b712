"""Jupyter kernels: which kernels point into an environment, registering one, finding a Jupyter.

A Jupyter *kernel* is a folder ``<data dir>/kernels/<name>/`` holding a ``kernel.json`` whose
``argv[0]`` is the Python that runs the notebook's code.  Registering an environment runs
``<env python> -m ipykernel install --user --name <name> --display-name "Python (<name>)"`` in
that environment (the command is built here); ipykernel writes the folder into the person's
Jupyter data folder, found by the same rules as ``jupyter_core.paths``:

* ``JUPYTER_DATA_DIR`` when set, else
* Linux (and other POSIX): ``$XDG_DATA_HOME/jupyter`` or ``~/.local/share/jupyter``;
  macOS: ``~/Library/Jupyter``; Windows: ``%APPDATA%\\jupyter``,

and Jupyter also reads the folders in ``JUPYTER_PATH`` and the system-wide ones.  Everything
here reads files only (call it off the UI thread); nothing starts a process.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.commands import Command, check_path_argument
from core.environments import Environment
from core.names import canonical_name
from core.packages import installed_packages

# A kernel.json is a few hundred bytes; a bigger one is not read.
MAX_KERNEL_JSON_BYTES = 1_000_000
# jupyter_client's rule for kernel names.
_KERNEL_NAME = re.compile(r"^[a-z0-9._-]+$", re.IGNORECASE)
_NOT_IN_NAME = re.compile(r"[^a-z0-9._-]+")
# Programs that start a Jupyter front end.
JUPYTER_PROGRAMS = ("jupyter", "jupyter-lab", "jupyter-notebook")
# Distributions that bring a Jupyter front end, and how they are called.
JUPYTER_DISTRIBUTIONS = {"jupyterlab": "JupyterLab", "notebook": "Jupyter Notebook", "jupyter": "Jupyter"}
KERNEL_PACKAGE = "ipykernel"
FRONT_END_PACKAGE = "jupyterlab"


@dataclass(frozen=True)
class RegisterKernel:
    """Make an environment a Jupyter kernel (``ipykernel install --user``)."""

    name: str
    display_name: str


@dataclass(frozen=True)
class Kernel:
    """One kernelspec folder found in a Jupyter data folder."""

    name: str
    folder: Path
    display_name: str
    argv0: str  # the program the kernel starts ("" when kernel.json has none)
    language: str = ""

    def points_into(self, environment_path: str | os.PathLike[str]) -> bool:
        """Whether the kernel's program lies inside ``environment_path`` (the folder may be gone)."""
        return bool(self.argv0) and os.path.isabs(self.argv0) and _within(self.argv0, environment_path)

    @property
    def program_exists(self) -> bool:
        return bool(self.argv0) and os.path.exists(self.argv0)


@dataclass(frozen=True)
class KernelScan:
    kernels: tuple[Kernel, ...] = ()
    # kernel.json files that could not be read, as sentences (for the Log).
    problems: tuple[str, ...] = ()

    def pointing_into(self, environment_path: str | os.PathLike[str]) -> list[Kernel]:
        return [kernel for kernel in self.kernels if kernel.points_into(environment_path)]


def _normalized(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.abspath(os.fspath(path)))


def _within(inner: str | os.PathLike[str], outer: str | os.PathLike[str]) -> bool:
    """``inner`` is ``outer`` or lies inside it, comparing the paths as written and with their
    folders' links followed (an environment's ``bin/python`` is itself a link out of it: the
    program's own link is not followed)."""
    inner_text, outer_text = _normalized(inner), _normalized(outer)
    candidates = {(inner_text, outer_text)}
    parent, name = os.path.split(inner_text)
    candidates.add((os.path.join(os.path.normcase(os.path.realpath(parent)), name), os.path.normcase(os.path.realpath(outer_text))))
    for inside, folder in candidates:
        try:
            if os.path.commonpath([inside, folder]) == folder:
                return True
        except ValueError:  # different drives
            continue
    return False


# -- where Jupyter keeps kernels ------------------------------------------------------------------


def user_data_dir(env: Mapping[str, str] | None = None, platform: str = sys.platform, home: Path | None = None) -> Path:
    """The folder ``jupyter ... --user`` writes to (``jupyter --data-dir``)."""
    variables = os.environ if env is None else env
    if variables.get("JUPYTER_DATA_DIR"):
        return Path(variables["JUPYTER_DATA_DIR"]).expanduser()
    home = home or Path.home()
    if platform == "darwin":
        return home / "Library" / "Jupyter"
    if platform == "win32":
        appdata = variables.get("APPDATA")
        return Path(appdata) / "jupyter" if appdata else home / ".jupyter" / "data"
    xdg = variables.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else home / ".local" / "share") / "jupyter"


def data_dirs(env: Mapping[str, str] | None = None, platform: str = sys.platform, home: Path | None = None) -> list[Path]:
    """Every folder Jupyter reads kernels from, in its order: ``JUPYTER_PATH``, the person's, the system's."""
    variables = os.environ if env is None else env
    folders = [Path(entry).expanduser() for entry in variables.get("JUPYTER_PATH", "").split(os.pathsep) if entry]
    folders.append(user_data_dir(variables, platform, home))
    if platform == "win32":
        programdata = variables.get("PROGRAMDATA")
        if programdata:
            folders.append(Path(programdata) / "jupyter")
    else:
        folders += [Path("/usr/local/share/jupyter"), Path("/usr/share/jupyter")]
    unique: list[Path] = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


def read_kernel(folder: Path) -> Kernel:
    """The kernelspec in ``folder`` (raises OSError or ValueError when its kernel.json is unreadable)."""
    path = folder / "kernel.json"
    with open(path, "rb") as handle:
        raw = handle.read(MAX_KERNEL_JSON_BYTES + 1)
    if len(raw) > MAX_KERNEL_JSON_BYTES:
        raise ValueError("kernel.json is larger than a kernelspec can be")
    document = json.loads(raw.decode("utf-8", errors="replace"))
    if not isinstance(document, dict):
        raise ValueError("kernel.json does not hold a JSON object")
    argv = document.get("argv")
    argv0 = argv[0] if isinstance(argv, list) and argv and isinstance(argv[0], str) else ""
    display = document.get("display_name")
    language = document.get("language")
    return Kernel(
        folder.name,
        folder,
        display if isinstance(display, str) and display else folder.name,
        argv0,
        language if isinstance(language, str) else "",
    )


def find_kernels(folders: Iterable[Path] | None = None) -> KernelScan:
    """Every kernelspec in ``folders`` (default: :func:`data_dirs`), in Jupyter's order."""
    kernels: list[Kernel] = []
    problems: list[str] = []
    for data_dir in data_dirs() if folders is None else folders:
        kernels_dir = data_dir / "kernels"
        try:
            entries = sorted(kernels_dir.iterdir(), key=lambda entry: entry.name.lower())
        except OSError:
            continue  # no such folder: no kernels there
        for entry in entries:
            if not (entry / "kernel.json").is_file():
                continue
            try:
                kernels.append(read_kernel(entry))
            except (OSError, ValueError) as exc:
                problems.append(f"The Jupyter kernel in {entry} could not be read ({exc}); it was left out.")
    return KernelScan(tuple(kernels), tuple(problems))


def removal_refusal(kernel: Kernel) -> str:
    """Why ``kernel``'s folder must not be removed ("" when it may): only a kernelspec folder goes."""
    folder = kernel.folder
    if folder.parent.name != "kernels":
        return f"{folder} is not inside a Jupyter “kernels” folder, so Venvdesk does not remove it."
    if folder.is_symlink() or not folder.is_dir():
        return f"{folder} is not a kernel folder any more."
    if not (folder / "kernel.json").is_file():
        return f"{folder} holds no kernel.json any more, so it is not a Jupyter kernel."
    return ""


# -- registering an environment ------------------------------------------------------------------


def environment_label(environment: Environment) -> str:
    """What the person calls the environment: its project's folder name for a project's ``.venv``."""
    if environment.is_project_environment and environment.path.parent.name:
        return environment.path.parent.name
    return environment.path.name


def display_name(environment: Environment) -> str:
    """The name Jupyter's kernel menu shows: ``Python (homework)``."""
    return f"Python ({environment_label(environment)})"


def kernel_name(environment: Environment, existing: Sequence[Kernel] = ()) -> str:
    """A kernel name (``homework``) for ``environment``, unique among ``existing`` kernels that point
    elsewhere (then a short mark of the folder is added: ``homework-3f2a91``)."""
    base = _NOT_IN_NAME.sub("-", environment_label(environment).lower()).strip("-.") or "python-environment"
    base = base[:60]
    taken = [kernel for kernel in existing if kernel.name.lower() == base]
    if all(kernel.points_into(environment.path) for kernel in taken):
        return base
    mark = hashlib.sha1(str(environment.path).encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{base}-{mark}"


def register_kernel_command(environment: Environment, name: str, display: str) -> Command:
    """``<env python> -m ipykernel install --user --name <name> --display-name <display>``."""
    if not _KERNEL_NAME.match(name):
        raise ValueError(f"{name!r} is not a kernel name Jupyter accepts")
    return Command(
        check_path_argument(environment.python, "environment's Python"),
        ("-m", "ipykernel", "install", "--user", "--name", name, "--display-name", display),
        f"Register {environment_label(environment)} as the Jupyter kernel “{display}”",
        env={"PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"},
    )


def has_package(environment: Environment, name: str) -> bool:
    """Whether the distribution ``name`` is installed in ``environment`` (its metadata, no process)."""
    key = canonical_name(name)
    return any(package.key == key for package in installed_packages(environment.site_packages()))


# -- is there a Jupyter to open notebooks with? --------------------------------------------------


@dataclass(frozen=True)
class JupyterPlace:
    """A Jupyter front end found on this computer, in words: "jupyter (/usr/bin/jupyter)"."""

    description: str
    program: str = ""  # on PATH
    environment: Path | None = None  # or installed in this known environment


def find_jupyter(
    environments: Sequence[Environment], which: Callable[[str], str | None] = shutil.which
) -> list[JupyterPlace]:
    """Jupyter programs on PATH, then known environments that have a Jupyter front end installed."""
    places: list[JupyterPlace] = []
    for program in JUPYTER_PROGRAMS:
        found = which(program)
        if found:
            places.append(JupyterPlace(f"{program} ({found})", program=found))
    for environment in environments:
        installed = {package.key for package in installed_packages(environment.site_packages())}
        for distribution, title in JUPYTER_DISTRIBUTIONS.items():
            if distribution in installed:
                label = environment_label(environment)
                places.append(JupyterPlace(f"{title} in “{label}”", environment=environment.path))
                break
    return places


@dataclass(frozen=True)
class JupyterSurvey:
    """What registering ``environment`` needs to know, read in one go off the UI thread."""

    environment: Environment
    has_kernel_package: bool
    jupyter: tuple[JupyterPlace, ...]
    scan: KernelScan = field(default_factory=KernelScan)
    name: str = ""
    display_name: str = ""


def survey(environment: Environment, environments: Sequence[Environment]) -> JupyterSurvey:
    scan = find_kernels()
    return JupyterSurvey(
        environment,
        has_package(environment, KERNEL_PACKAGE),
        tuple(find_jupyter(environments)),
        scan,
        kernel_name(environment, scan.kernels),
        display_name(environment),
    )


def no_jupyter_advice(environment: Environment) -> str:
    """What to say when no Jupyter is found: how to get one."""
    return (
        "No Jupyter was found on this computer to open notebooks with. Install JupyterLab into"
        f" “{environment_label(environment)}” (then start it with “jupyter lab” after activating the"
        " environment), or open the kernel from an editor with notebooks, such as VS Code."
    )
