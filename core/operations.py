"""What the app asks for, and how it ended: operations and their outcomes (plain Python).

An :class:`Operation` is one intent (create an environment, install packages,
save requirements, …) for one environment, carried out as a list of
:class:`~core.commands.Command` steps that run one after another.  The intent
is a small typed value, so whoever handles the ending recognises it by type,
never by a string.  However an operation ends — done, a step exited non-zero,
the program crashed or could not start, the person cancelled — it ends with
exactly one :class:`Outcome`, whose ``str()`` is a sentence for the person.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

from core.commands import Command, redact
from core.names import canonical_name
from core.packages import InstalledPackage

if TYPE_CHECKING:
    from core.jupyter import RegisterKernel
    from core.recreate import RecreateEnvironment
    from core.usage import RunPythonFile


class Status(enum.Enum):
    OK = "ok"
    FAILED = "failed"
    CRASHED = "crashed"
    FAILED_TO_START = "failed-to-start"
    CANCELLED = "cancelled"


# -- intents: one small value per thing the person can ask for --------------------------------


@dataclass(frozen=True)
class CreateEnvironment:
    name: str
    target: Path
    # The folder existed (empty) before: after a failure it is emptied, not removed.
    existed_before: bool = False
    # Installed right after the environment is ready.
    requirements: Path | None = None
    # How it is made, so that a creation the app did not finish can be made again.
    interpreter: str = ""
    system_site_packages: bool = False
    prompt: str = ""
    newest_pip: bool = True
    # Requirement strings installed right after the environment is ready (a project's
    # ``pyproject.toml`` dependencies), after ``requirements`` if both are given.
    packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstallPackages:
    """Install, upgrade, downgrade or reinstall validated requirement strings."""

    specs: tuple[str, ...]
    upgrade: bool = False
    reinstall: bool = False


@dataclass(frozen=True)
class UninstallPackages:
    names: tuple[str, ...]


@dataclass(frozen=True)
class InstallRequirements:
    path: Path
    # The requirements the file names (what a repair would reinstall after an interruption).
    specs: tuple[str, ...] = ()


@dataclass(frozen=True)
class SaveRequirements:
    path: Path
    overwrite: bool = False


@dataclass(frozen=True)
class CheckPackages:
    """The backend's consistency check (``pip check``) after a change."""


@dataclass(frozen=True)
class RepairEnvironment:
    # Requirements reinstalled without dependencies.
    specs: tuple[str, ...] = ()
    # pip's "~"-prefixed leftovers, by name inside site-packages.
    leftovers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestorePackageSet:
    """Return to a recorded package set: uninstall what appeared, reinstall what changed or went."""

    install: tuple[str, ...] = ()
    uninstall: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstallPip:
    """Give an environment without a working pip one (``ensurepip``)."""


@dataclass(frozen=True)
class CheckImports:
    """After an install: import what the distributions asked for provide, in the environment's Python."""

    # (distribution name, its top-level modules)
    modules: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class ByteCompile:
    """Byte-compile what an install left uncompiled (installs run with ``--no-compile``): the
    environment is usable before this runs; it only makes first imports faster."""

    folder: Path


@dataclass(frozen=True)
class UpdatePip:
    """Bring the pip a new environment was given (often the older one its Python carries) up to the
    newest wheel the app keeps, in the background, once the environment is ready.

    pip replacing itself must not be interrupted (its roll-back of the uninstall catches
    ``Exception``, not ``KeyboardInterrupt``: an interrupt can leave the environment without pip),
    so its operation does not yield (:attr:`Operation.yields`): it is dropped if anything is asked
    for before it starts, and waited for once it runs.
    """

    wheel: Path
    # The pip version it replaces, and the wheel's: what the Log says, and the History records.
    installed: str
    version: str
    # The environment's name, for the Log.
    name: str = ""


@dataclass(frozen=True)
class PreviewInstall:
    """What an install would change, from the backend's dry run; nothing is installed."""

    specs: tuple[str, ...] = ()
    upgrade: bool = False
    reinstall: bool = False


Intent = Union[
    CreateEnvironment,
    RestorePackageSet,
    InstallPip,
    InstallPackages,
    UninstallPackages,
    InstallRequirements,
    SaveRequirements,
    CheckPackages,
    RepairEnvironment,
    CheckImports,
    PreviewInstall,
    ByteCompile,
    UpdatePip,
    # Defined beside the code that carries them out (named as strings: those modules build
    # Operations, so they import this one).
    "RecreateEnvironment",
    "RunPythonFile",
    "RegisterKernel",
]

# Intents whose operations change what is installed: every one of them gets the same ending
# (re-read the environment, scan for half-installed files, check that packages fit together).
PACKAGE_CHANGES = (
    CreateEnvironment,
    InstallPackages,
    UninstallPackages,
    InstallRequirements,
    RepairEnvironment,
    RestorePackageSet,
    InstallPip,
)

ProgressParser = Callable[[str], Union[tuple[int, int], None]]


def changes_packages(intent: Intent) -> bool:
    return isinstance(intent, PACKAGE_CHANGES)


def reinstallable_specs(intent: Intent) -> tuple[str, ...]:
    """What an interrupted run of ``intent`` was installing: the only names Repair may reinstall."""
    if isinstance(intent, (InstallPackages, InstallRequirements, RepairEnvironment)):
        return intent.specs
    if isinstance(intent, RestorePackageSet):
        return intent.install
    return ()


def requested_specs(intent: Intent) -> tuple[str, ...]:
    """What a change was asked to do, as requirements or names: what its journal entry and its
    History record keep, and what a failure explanation is told was asked for."""
    if isinstance(intent, UninstallPackages):
        return intent.names
    if isinstance(intent, RestorePackageSet):
        return intent.install + intent.uninstall
    return reinstallable_specs(intent)


def unfulfilled(intent: Intent, installed: Sequence[InstalledPackage]) -> list[str]:
    """What a change that ended "done" should have done but the environment does not show.

    An installer that says it succeeded while nothing changed (a broken ``python`` that prints
    anything and exits 0, a wrapper script) must not be reported as done.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    versions = {package.key: package.version for package in installed}
    problems = []
    if isinstance(intent, InstallPackages):
        for spec in intent.specs:
            try:
                requirement = Requirement(spec)
            except InvalidRequirement:
                continue
            version = versions.get(canonical_name(requirement.name))
            if not version:
                problems.append(f"{requirement.name} is not installed")
            elif requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"{requirement.name} is {version}, not {requirement.specifier}")
    elif isinstance(intent, UninstallPackages):
        problems += [f"{name} is still installed" for name in intent.names if canonical_name(name) in versions]
    return problems


_ids = itertools.count(1)


@dataclass(eq=False)
class Operation:
    """Work for one environment (its ``key``): ``steps`` run in order, each must succeed.

    A step whose index is in ``optional`` may fail without failing the operation
    (the failure is recorded in the outcome's ``warnings``).  ``progress`` is the
    backend's parser of its progress lines; lines it recognises become progress,
    not log text.
    """

    key: str
    title: str
    steps: list[Command]
    intent: Intent
    optional: frozenset[int] = frozenset()
    # Keep the whole standard output in the outcome (pip freeze, pip check).
    capture_output: bool = False
    progress: ProgressParser | None = None
    # Low-priority work nobody waits for (the byte-compile after an install): it does not make the
    # environment busy, and yields to anything queued after it (stopped, then run again later).
    background: bool = False
    # Background work only: False for work that must not be stopped half-way (pip replacing itself).
    # It does not yield by being stopped: queued, it is dropped when anything else is asked for
    # first; running, what is asked for waits for it (and quitting gives it time to finish).
    yields: bool = True
    id: int = field(default_factory=lambda: next(_ids))

    def again(self) -> Operation:
        """The same work as a new operation (run again after it yielded)."""
        return dataclasses.replace(self, id=next(_ids))


# How a signal that ended a program reads to a person.
_SIGNAL_WORDS = {
    "SIGKILL": "it was killed",
    "SIGTERM": "it was told to stop",
    "SIGINT": "it was interrupted",
    "SIGSEGV": "it crashed (segmentation fault)",
    "SIGABRT": "it aborted",
    "SIGBUS": "it crashed (bus error)",
    "SIGILL": "it crashed (illegal instruction)",
    "SIGFPE": "it crashed (arithmetic error)",
    "SIGHUP": "its terminal went away",
    "SIGPIPE": "its output was closed",
}


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@dataclass(frozen=True)
class Outcome:
    status: Status
    operation: Operation
    command: Command | None = None
    # The exit code; for a crash on POSIX, the number of the signal that ended the program.
    exit_code: int | None = None
    tail: tuple[str, ...] = ()
    reason: str = ""
    warnings: tuple[str, ...] = ()
    stdout: str = ""
    # The captured standard output was longer than the runner keeps: ``stdout`` is its start only.
    stdout_cut: bool = False
    # Every line (both streams, each cut to a sane length) of the step the operation ended in, for
    # explaining a failure: pip's error block, a compiler's message far above pip's last line.
    output: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @property
    def interrupted(self) -> bool:
        """Stopped part-way (cancelled or crashed): files may be half-written."""
        return self.status in (Status.CANCELLED, Status.CRASHED)

    @property
    def intent(self) -> Intent:
        return self.operation.intent

    def crash_description(self) -> str:
        if self.exit_code is None or self.exit_code <= 0:
            return "it crashed or was killed"
        name = signal_name(self.exit_code)
        return f"{_SIGNAL_WORDS.get(name, 'it was stopped')} ({name})"

    def __str__(self) -> str:
        title = self.operation.title
        if self.status is Status.OK:
            if self.warnings:
                return f"{title}: done, with a warning: {' '.join(self.warnings)}"
            return f"{title}: done."
        if self.status is Status.CANCELLED:
            return f"{title}: cancelled."
        if self.status is Status.FAILED_TO_START:
            return f"{title}: the program could not be started ({self.reason})."
        if self.status is Status.CRASHED:
            return f"{title}: the program stopped unexpectedly: {self.crash_description()}."
        return f"{title}: failed (exit code {self.exit_code})."

    def detail(self) -> str:
        """Command, exit code and last output lines: what the Details button shows."""
        lines = []
        if self.command is not None:
            lines.append(f"Command: {self.command.display()}")
        if self.status is Status.CRASHED and self.exit_code:
            lines.append(f"Ended by: {signal_name(self.exit_code)}")
        elif self.exit_code is not None:
            lines.append(f"Exit code: {self.exit_code}")
        if self.reason:
            lines.append(f"Reason: {self.reason}")
        if self.tail:
            lines.append("Last output:")
            lines.extend(redact(line) for line in self.tail)
        return "\n".join(lines)
