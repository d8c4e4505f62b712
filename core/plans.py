"""From an intent to an operation: which commands carry out what the person asked for.

Each function here validates nothing the person typed (``core.requirements``
did that) and starts nothing (``gui.runner`` does): it only decides the steps,
through the installer backend, so the same intent becomes the same commands
whoever asks for it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from core import commands
from core.backends import InstallerBackend
from core.backends.uv import UvBackend
from core.environments import Environment, Layout
from core.operations import (
    ByteCompile,
    CheckPackages,
    CreateEnvironment,
    InstallPackages,
    InstallPip,
    InstallRequirements,
    Operation,
    RepairEnvironment,
    RestorePackageSet,
    SaveRequirements,
    UninstallPackages,
    UpdatePip,
)

# What an install of a chosen release is called, and what is shown while it runs.
GERUNDS = {"Install": "Installing", "Upgrade": "Upgrading", "Downgrade": "Downgrading", "Reinstall": "Reinstalling"}


def install_verb(installed: str, chosen: str) -> str:
    """"Install", "Upgrade", "Downgrade" or "Reinstall": what installing ``chosen`` over ``installed`` does."""
    from packaging.version import InvalidVersion, Version

    if not installed:
        return "Install"
    try:
        chosen_version, installed_version = Version(chosen), Version(installed)
    except InvalidVersion:
        return "Install"
    if chosen_version > installed_version:
        return "Upgrade"
    return "Downgrade" if chosen_version < installed_version else "Reinstall"


def install_release(
    environment: Environment, backend: InstallerBackend, name: str, version: str, *, installed: str
) -> Operation:
    """Install exactly ``name==version`` (Find packages), reinstalling when that version is already there."""
    verb = install_verb(installed, version)
    spec = f"{name}=={version}"
    return install(
        environment,
        backend,
        [spec],
        title=f"{GERUNDS[verb]} {spec}",
        reinstall=verb == "Reinstall",
        description=f"{verb} {spec}",
    )


def install(
    environment: Environment,
    backend: InstallerBackend,
    specs: Sequence[str],
    *,
    title: str = "",
    upgrade: bool = False,
    reinstall: bool = False,
    description: str = "",
) -> Operation:
    command = backend.install(specs, upgrade=upgrade, reinstall=reinstall, description=description)
    return Operation(
        str(environment.path),
        title or f"Installing {', '.join(specs)}",
        [command],
        InstallPackages(tuple(specs), upgrade=upgrade, reinstall=reinstall),
        progress=backend.parse_progress,
    )


def uninstall(environment: Environment, backend: InstallerBackend, names: Sequence[str]) -> Operation:
    return Operation(
        str(environment.path),
        f"Uninstalling {', '.join(names)}",
        [backend.uninstall(names)],
        UninstallPackages(tuple(names)),
        progress=backend.parse_progress,
    )


def install_requirements(
    environment: Environment, backend: InstallerBackend, path: Path, specs: Sequence[str]
) -> Operation:
    return Operation(
        str(environment.path),
        f"Installing from {path.name}",
        [backend.install_requirements(path)],
        InstallRequirements(path, tuple(specs)),
        progress=backend.parse_progress,
    )


def save_requirements(environment: Environment, backend: InstallerBackend, path: Path, *, overwrite: bool) -> Operation:
    return Operation(
        str(environment.path),
        f"Saving requirements to {path.name}",
        [backend.freeze()],
        SaveRequirements(path, overwrite),
        capture_output=True,
    )


def check(environment: Environment, backend: InstallerBackend) -> Operation:
    return Operation(
        str(environment.path),
        "Checking that packages fit together",
        [backend.check()],
        CheckPackages(),
        capture_output=True,
    )


_REMOVE_FOLDERS = "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, ignore_errors=True)"


def repair(
    environment: Environment,
    backend: InstallerBackend,
    *,
    damaged_specs: Sequence[str],
    interrupted_specs: Sequence[str],
    leftovers: Sequence[str],
) -> Operation | None:
    """Remove the installer's leftovers; reinstall damaged distributions and what an interrupted run was installing.

    Folder names are never passed to the installer: ``attr/`` belongs to ``attrs``, and PyPI's
    ``attr`` is another project.  None when there is nothing Repair can do.
    """
    specs = list(damaged_specs) + [s for s in interrupted_specs if s not in damaged_specs]
    unfinished = [s for s in interrupted_specs if s not in damaged_specs]
    site_packages = environment.site_packages()
    steps = []
    removable = list(leftovers) if site_packages is not None else []
    if removable and site_packages is not None:
        paths = [str(site_packages / name) for name in removable]
        steps.append(
            commands.Command(str(environment.python), ("-I", "-c", _REMOVE_FOLDERS, *paths), "Remove pip's temporary leftovers")
        )
    if damaged_specs:
        # Exactly these versions, files only: their dependencies are installed already.
        steps.append(
            backend.install(
                list(damaged_specs), reinstall=True, no_deps=True, description="Reinstall the half-installed packages"
            )
        )
    if unfinished:
        # What an interrupted install was installing, dependencies and all (without them it breaks).
        steps.append(backend.install(unfinished, description="Finish installing what was interrupted"))
    if not steps:
        return None
    return Operation(
        str(environment.path),
        "Repairing the environment",
        steps,
        RepairEnvironment(tuple(specs), tuple(removable)),
        progress=backend.parse_progress,
    )


def restore_package_set(
    environment: Environment,
    backend: InstallerBackend,
    *,
    install: Sequence[str],
    uninstall: Sequence[str],
    title: str = "Undoing the interrupted change",
) -> Operation | None:
    """Back to a recorded set: uninstall what appeared, then the recorded versions without dependencies.

    ``--no-deps``: the recorded set already holds the dependencies at their recorded versions;
    letting the installer resolve again could move other packages away from it.
    """
    steps = []
    if uninstall:
        steps.append(backend.uninstall(uninstall))
    if install:
        steps.append(
            backend.install(install, reinstall=True, no_deps=True, description="Reinstall the versions recorded before")
        )
    if not steps:
        return None
    return Operation(
        str(environment.path),
        title,
        steps,
        RestorePackageSet(tuple(install), tuple(uninstall)),
        progress=backend.parse_progress,
    )


def byte_compile_installed(environment: Environment) -> Operation | None:
    """Compile what installs left uncompiled in ``environment``'s ``site-packages``, in the background.

    ``compileall`` skips files whose ``.pyc`` is current, so after the first run this is a pass of
    ``stat`` calls.  A file that does not compile (test data, Python 2 code some packages ship) is
    not an error of the install: the step is optional.  None when there is no ``site-packages``.
    """
    site_packages = environment.site_packages()
    if site_packages is None:
        return None
    command = commands.byte_compile(environment.python, site_packages)
    return Operation(
        str(environment.path),
        "Preparing faster first imports",
        [command],
        ByteCompile(site_packages),
        optional=frozenset({0}),
        background=True,
    )


def update_pip(environment: Environment) -> Operation | None:
    """Bring ``environment``'s pip up to the newest wheel the app keeps that its Python supports
    (Requires-Python), in the background; None when that is not newer than the pip inside.

    A new environment gets the pip its Python carries when the app has none cached yet (the
    first environment on a fresh computer is ready at once, offline): often an old one.  The
    environment's own pip installs the cached wheel — whichever installer manages the
    environment, pip stays pip's business.  pip replacing itself must not be interrupted, so
    the operation does not yield (see :class:`~core.operations.UpdatePip`).
    """
    from core.backends.pip import PipBackend
    from core.pip_wheels import pip_update_for

    update = pip_update_for(environment.site_packages(), environment.python_version)
    if update is None:
        return None
    command = PipBackend.for_environment(environment).update_self_from(update.wheel)
    return Operation(
        str(environment.path),
        "Updating pip",
        [command],
        UpdatePip(update.wheel, update.installed, update.version, environment.name),
        background=True,
        yields=False,
    )


def install_pip(environment: Environment) -> Operation:
    """``python -m ensurepip --upgrade --default-pip``: pip from the Python the environment was made with."""
    command = commands.Command(
        str(environment.python), ("-m", "ensurepip", "--upgrade", "--default-pip"), "Install pip with ensurepip"
    )
    return Operation(str(environment.path), "Installing pip", [command], InstallPip())


def create_environment(
    intent: CreateEnvironment,
    *,
    python_version: tuple[int, ...],
    pip_wheel: Path | None,
    backend: InstallerBackend | None,
) -> Operation:
    """The steps that make a ready-to-use environment from ``intent.interpreter``.

    With a pip wheel (the newest cached, or the one the interpreter carries; "newest pip" chosen):
    ``venv --without-pip``, then unpack the wheel — a fraction of a second instead of ensurepip's
    seconds; pip is byte-compiled afterwards in the background, and where the wheel was older than
    the newest the app keeps by then (the interpreter's own, the cache still empty), brought up to
    it afterwards (:func:`update_pip`).  Without one: plain ``venv``
    (ensurepip), then, if chosen, an upgrade of pip through ``backend`` from the index, which may
    fail offline without losing the environment (an optional step).

    When ``backend`` is uv's (uv chosen, and able to serve this Python: see
    ``core.backends.choose_backend``), ``uv venv`` makes the environment instead (see
    :func:`_create_with_uv`); it gets pip all the same.
    """
    interpreter, newest_pip = intent.interpreter, intent.newest_pip
    system_site_packages, prompt = intent.system_site_packages, intent.prompt
    target = intent.target
    title = f"Creating “{intent.name}”"
    layout = Layout(target)
    if isinstance(backend, UvBackend):
        return _create_with_uv(intent, backend, python_version=python_version, pip_wheel=pip_wheel)
    if pip_wheel is None or not newest_pip or sys.platform == "win32":
        steps = [commands.create_venv(interpreter, target, system_site_packages=system_site_packages, prompt=prompt)]
        if newest_pip and backend is not None:
            steps.append(backend.upgrade_self())
        return Operation(str(target), title, steps, intent, optional=frozenset({1}))
    steps = [
        commands.create_venv(
            interpreter, target, system_site_packages=system_site_packages, prompt=prompt, with_pip=False
        ),
        commands.seed_pip(layout.python, pip_wheel),
    ]
    # pip is byte-compiled afterwards, in the background, once the environment is ready (the app's
    # ending of every change: :func:`byte_compile_installed`) — a second of "ready" sooner.
    return Operation(str(target), title, steps, intent)


def _create_with_uv(
    intent: CreateEnvironment, backend: UvBackend, *, python_version: tuple[int, ...], pip_wheel: Path | None
) -> Operation:
    """``uv venv``, then pip, so the environment is a standard one whichever installer manages it.

    With a pip wheel (and "newest pip" chosen): ``uv venv``, unpack the wheel (compiled afterwards in
    the background) — nothing is downloaded.  "Newest pip" without a cached wheel (or on Windows):
    ``uv venv --seed``, which puts pip in from the index (setuptools and wheel too before Python
    3.12, as virtualenv does).  The Python's own pip asked for: ``uv venv`` and ``ensurepip``.
    """
    target = intent.target
    title = f"Creating “{intent.name}”"
    layout = Layout(target)

    def make(seed: bool = False) -> commands.Command:
        return backend.create_venv(
            intent.interpreter,
            target,
            system_site_packages=intent.system_site_packages,
            prompt=intent.prompt,
            seed=seed,
            allow_existing=intent.existed_before,
        )

    if intent.newest_pip and pip_wheel is not None and sys.platform != "win32":
        steps = [
            make(),
            commands.seed_pip(layout.python, pip_wheel),
        ]
        return Operation(str(target), title, steps, intent)  # pip compiled afterwards, in the background
    if intent.newest_pip:
        steps = [make(seed=True)]
        return Operation(str(target), title, steps, intent)
    ensurepip = commands.Command(
        str(layout.python), ("-m", "ensurepip", "--upgrade", "--default-pip"), "Install pip with ensurepip"
    )
    steps = [make(), ensurepip]
    return Operation(str(target), title, steps, intent)
