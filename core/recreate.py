"""Re-create an environment with another Python, keeping its packages (plain Python).

An environment is not relocatable (its scripts and ``pyvenv.cfg`` hold its path) and
cannot change its Python in place, so a re-creation:

1. records what is installed, from the metadata only (the old Python may be gone):
   :func:`record_packages`;
2. moves the old folder aside on the same filesystem, to a clearly named sibling
   (``.homework.venvdesk-previous``), and writes a record of that (:class:`Recreation`), so
   that an app stopped in the middle finds it on the next start and puts it back;
3. builds the new environment at the same path and installs the recorded requested packages
   at their versions, with every other recorded version as a constraint, so dependencies come
   out the same where they still apply (:func:`plan_install`, :func:`recreation_operation`);
4. on success moves the old folder to the trash (the GUI does, as every deletion) and says
   what legitimately differs (:func:`compare`); on failure or cancel removes the new folder
   and renames the old one back (:func:`put_back`), working as before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import storage
from core.environments import ASIDE_SUFFIX, Environment, version_tuple
from core.errors import UserFacingError
from core.journal import process_alive
from core.names import canonical_name
from core.packages import InstalledPackage, installed_packages

if TYPE_CHECKING:
    from core.backends import InstallerBackend
    from core.interpreters import Interpreter
    from core.operations import Operation

RECORD_VERSION = 1
# Never carried over: the new environment gets its own (the newest the app keeps).
NOT_CARRIED = frozenset({"pip"})
# Phases of a re-creation, as its record says (what an app stopped in the middle must do).
BUILDING, BUILT = "building", "built"


# -- what the environment holds ------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedPackage:
    name: str
    version: str
    # Installed because the person asked for it (pip's REQUESTED file, or nothing needs it).
    requested: bool
    # Installed from a folder, a link or in editable mode (``direct_url.json``): no index has it.
    direct: bool = False

    @property
    def key(self) -> str:
        return canonical_name(self.name)

    @property
    def pin(self) -> str:
        from packaging.version import InvalidVersion, Version

        try:
            Version(self.version)
        except InvalidVersion:
            return f"{self.name}==={self.version}"  # a legacy version string: matched as written
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class PackageRecord:
    """What an environment holds, read from its metadata (no process: its Python may be gone)."""

    packages: tuple[RecordedPackage, ...] = ()
    python_version: str = ""

    @property
    def carried(self) -> tuple[RecordedPackage, ...]:
        """Every package except the installer itself (the new environment has its own)."""
        return tuple(p for p in self.packages if p.key not in NOT_CARRIED)

    @property
    def count(self) -> int:
        return len(self.carried)

    @property
    def left_out(self) -> tuple[RecordedPackage, ...]:
        """Packages no index has (installed from a folder, a file or a link): not installed again."""
        return tuple(p for p in self.carried if p.direct)

    @property
    def installable_count(self) -> int:
        """How many packages the new environment is asked to have again (from the index)."""
        return self.count - len(self.left_out)

    def left_out_words(self) -> tuple[str, ...]:
        """``("localonly 1.0", …)``: what cannot be carried over, as the person is told."""
        return tuple(f"{p.name} {p.version}" for p in self.left_out)

    def package_set(self) -> dict[str, tuple[str, str]]:
        """``{key: (name, version)}`` of every recorded package (pip too), as ``core.journal`` keeps sets."""
        return {p.key: (p.name, p.version) for p in self.packages}

    def versions(self) -> dict[str, tuple[str, str]]:
        return {p.key: (p.name, p.version) for p in self.carried}

    def to_json(self) -> dict[str, Any]:
        return {"python_version": self.python_version, "packages": [dataclasses.asdict(p) for p in self.packages]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PackageRecord:
        packages = tuple(
            RecordedPackage(str(p["name"]), str(p["version"]), bool(p.get("requested")), bool(p.get("direct")))
            for p in data.get("packages") or ()
        )
        return cls(packages, str(data.get("python_version", "")))


def _needed_names(packages: Sequence[InstalledPackage]) -> set[str]:
    """Names some installed package needs, whatever Python it is for (extras' requirements left out).

    A requirement gated on the Python version (``tomli; python_version < "3.11"``) counts: on the
    old Python it is what pulled the package in.  One gated on an extra does not: the person
    asked for that extra, so the package it brought is kept as asked for.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    needed: set[str] = set()
    for package in packages:
        for text in package.requires:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and "extra" in str(requirement.marker):
                continue
            needed.add(canonical_name(requirement.name))
    return needed


def record_packages(environment: Environment) -> PackageRecord:
    """The packages in ``environment`` and which of them were asked for (metadata only; blocking).

    Asked for: those with pip's ``REQUESTED`` marker, and those nothing else needs (all of them
    when no package has the marker, as in an environment made by another tool): a package no
    longer needed by anything is kept rather than lost.
    """
    installed = installed_packages(environment.site_packages())
    needed = _needed_names(installed)
    packages = []
    for package in installed:
        folder = os.path.dirname(package.metadata_path)
        direct = os.path.isfile(os.path.join(folder, "direct_url.json"))
        requested = package.requested or package.key not in needed
        packages.append(RecordedPackage(package.name, package.version, requested, direct))
    return PackageRecord(tuple(packages), environment.version)


@dataclass(frozen=True)
class InstallPlan:
    """What the new environment is asked to install: pins for the asked-for packages, the rest as constraints."""

    specs: tuple[str, ...]
    constraints: tuple[str, ...]
    # Packages that cannot be carried over (installed from a folder or a link).
    left_out: tuple[str, ...] = ()


def plan_install(record: PackageRecord, replacements: Mapping[str, str] | None = None) -> InstallPlan:
    """The install for the new environment.

    ``replacements`` maps a package's normalised name to the requirement used instead of its
    recorded pin (a version that exists for the new Python, chosen by the person); a replaced
    package is no longer a constraint either.
    """
    replacements = {canonical_name(k): v for k, v in (replacements or {}).items()}
    specs: list[str] = []
    constraints: list[str] = []
    left_out: list[str] = []
    for package in record.carried:
        if package.direct:
            left_out.append(f"{package.name} {package.version}")
            continue
        replacement = replacements.pop(package.key, None)
        if replacement is not None:
            specs.append(replacement)
        elif package.requested:
            specs.append(package.pin)
        else:
            constraints.append(package.pin)
    specs.extend(replacements.values())  # a replacement for a package not recorded (kept, not dropped)
    return InstallPlan(tuple(specs), tuple(constraints), tuple(left_out))


# -- the intent and its operation ----------------------------------------------------------------


@dataclass(frozen=True)
class RecreateEnvironment:
    """Re-create ``target`` with ``interpreter``; the old folder waits at ``aside`` until it worked."""

    name: str
    target: Path
    aside: Path
    interpreter: str
    python_version: tuple[int, ...]
    old_version: str
    record: PackageRecord = field(compare=False, default_factory=PackageRecord)
    plan: InstallPlan = field(compare=False, default_factory=lambda: InstallPlan((), ()))
    constraints_file: Path | None = None

    @property
    def new_version_text(self) -> str:
        return ".".join(str(part) for part in self.python_version[:2])

    @property
    def old_version_text(self) -> str:
        return ".".join(self.old_version.split(".")[:2])


def recreation_operation(recreation: RecreateEnvironment, creation: Operation, backend: InstallerBackend) -> Operation:
    """The creation's steps at the same path, then one install of the recorded packages.

    ``creation`` is the plan of an ordinary creation (venv, pip); its optional steps stay
    optional.  The install keeps to the recorded versions of everything not asked for
    (``--constraint``), so dependencies come out the same where the new Python allows it.
    """
    from core.operations import Operation

    steps = list(creation.steps)
    plan = recreation.plan
    if plan.specs:
        count = len(plan.specs) + len(plan.constraints)
        steps.append(
            backend.install(
                list(plan.specs),
                constraints=recreation.constraints_file if plan.constraints else None,
                description=f"Install the packages “{recreation.name}” had ({count})",
            )
        )
    return Operation(
        str(recreation.target),
        f"Re-creating “{recreation.name}” with Python {recreation.new_version_text}",
        steps,
        # Its own intent (not a creation, whose ending lists and announces a new environment).
        recreation,
        optional=creation.optional,
        progress=backend.parse_progress,
    )


def is_recreation(intent: object) -> bool:
    return isinstance(intent, RecreateEnvironment)


# -- choosing the Python -------------------------------------------------------------------------


def suggested_interpreter(old_version: str, interpreters: Iterable[Interpreter]) -> Interpreter | None:
    """The Python to offer: the same minor version if one is here, else the newest final release."""
    usable = [i for i in interpreters if i.can_create_venv and not i.is_virtual_environment]
    if not usable:
        return None
    old = version_tuple(old_version)[:2]
    same = [i for i in usable if i.version[:2] == old]
    finals = [i for i in usable if i.release_level == "final"] or usable
    return max(same or finals, key=lambda i: i.version)


def base_python_gone(environment: Environment) -> bool:
    """The Python the environment was made from is not there any more (the usual reason to re-create)."""
    home = environment.home
    if home and not os.path.isdir(home):
        return True
    python = environment.python
    return python.is_symlink() and not os.path.exists(python)


def broken_offer(environment: Environment, interpreters: Iterable[Interpreter]) -> str:
    """The sentence offering a re-creation for an environment whose Python is gone ("" if none fits).

    Blocking (reads metadata): call from a worker.
    """
    if not base_python_gone(environment):
        return ""
    old = ".".join(environment.version.split(".")[:2]) or "it was made with"
    chosen = suggested_interpreter(environment.version, interpreters)
    record = record_packages(environment)
    count = record.installable_count
    what = f"the same {count} package{'s' if count != 1 else ''}"
    left_out = record.left_out_words()
    # Said before anything is done: what cannot come along (no index has it).
    note = f" {left_out_sentence(left_out)}" if left_out else ""
    if chosen is None:
        return f"Python {old} was removed. Install a Python to re-create this environment" + (
            f" with {what}." if count else "."
        ) + note
    new = ".".join(str(part) for part in chosen.version[:2])
    # The same version installed again elsewhere (a reinstall, another path): say it is the one here now.
    python = f"the Python {new} you have now" if new == old else f"Python {new}"
    if not record.count:
        return f"Python {old} was removed. Re-create this environment with {python}? It had no packages installed."
    if not count:
        return f"Python {old} was removed. Re-create this environment with {python}?{note}"
    return f"Python {old} was removed. Re-create this environment with {python} and {what}?{note}"


def left_out_sentence(left_out: Sequence[str]) -> str:
    """The sentence naming what a re-creation cannot install again (before it starts)."""
    if not left_out:
        return ""
    verb = "was" if len(left_out) == 1 else "were"
    pronoun = "it" if len(left_out) == 1 else "them"
    return (
        f"{_names(list(left_out))} {verb} installed from a folder, a file or a link, not from the package"
        f" index, so Venvdesk cannot install {pronoun} again: the new environment will not have {pronoun}."
    )


# -- moving aside and back -----------------------------------------------------------------------


def aside_path(target: Path) -> Path:
    """Where the old environment waits while the new one is built (a hidden sibling: same filesystem)."""
    return target.with_name(f".{target.name}{ASIDE_SUFFIX}")


def _records_dir() -> Path:
    return storage.data_dir() / "recreations"


def _record_path(target: str | os.PathLike[str], folder: Path | None = None) -> Path:
    digest = hashlib.sha256(os.path.abspath(os.fspath(target)).encode("utf-8", "surrogatepass")).hexdigest()
    return (folder or _records_dir()) / f"{digest[:24]}.json"


@dataclass(frozen=True)
class Recreation:
    """The on-disk record of a running re-creation: what an app stopped in the middle needs."""

    target: str
    aside: str
    name: str
    old_version: str
    new_version: str
    phase: str = BUILDING
    app_pid: int = 0
    host: str = ""
    started_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"version": RECORD_VERSION, **dataclasses.asdict(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recreation:
        return cls(
            str(data["target"]), str(data["aside"]), str(data.get("name", "")), str(data.get("old_version", "")),
            str(data.get("new_version", "")), str(data.get("phase", BUILDING)), int(data.get("app_pid", 0)),
            str(data.get("host", "")), float(data.get("started_at", 0.0)),
        )

    def running_elsewhere(self) -> bool:
        """Another live Venvdesk on this machine is doing it now (not ours, not a dead one)."""
        if self.host and self.host != socket.gethostname():
            return False
        return self.app_pid != os.getpid() and process_alive(self.app_pid)


def write_record(recreation: Recreation, folder: Path | None = None) -> Recreation:
    recreation = dataclasses.replace(
        recreation,
        app_pid=recreation.app_pid or os.getpid(),
        host=recreation.host or socket.gethostname(),
        started_at=recreation.started_at or time.time(),
    )
    storage.write_text_atomic(_record_path(recreation.target, folder), json.dumps(recreation.to_json(), indent=1))
    return recreation


def end_record(target: str | os.PathLike[str], folder: Path | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        _record_path(target, folder).unlink()


def read_record(target: str | os.PathLike[str], folder: Path | None = None) -> Recreation | None:
    return _read(_record_path(target, folder))


def records(folder: Path | None = None) -> list[Recreation]:
    try:
        paths = sorted((folder or _records_dir()).glob("*.json"))
    except OSError:
        return []
    return [record for record in map(_read, paths) if record is not None]


def _read(path: Path) -> Recreation | None:
    try:
        return Recreation.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def constraints_path(target: Path, folder: Path | None = None) -> Path:
    return _record_path(target, folder).with_suffix(".constraints.txt")


def move_aside(
    environment: Environment, record: PackageRecord, interpreter: Interpreter, *, folder: Path | None = None
) -> Recreation:
    """Write the record, then rename the environment to its aside name (blocking; a rename, no copy)."""
    target = environment.path
    aside = aside_path(target)
    earlier = read_record(target, folder)
    if earlier is not None and earlier.running_elsewhere():
        raise UserFacingError(
            f"Another Venvdesk is re-creating “{target.name}” right now.", "Wait until it has finished.",
            reference="recreate-busy",
        )
    if os.path.lexists(aside):
        raise UserFacingError(
            f"“{target.name}” cannot be re-created now: {aside} already exists (left by an earlier re-creation).",
            "Check what it holds; move it to the trash or rename it, then try again.",
            reference="recreate-aside-exists",
        )
    if not (target / "pyvenv.cfg").is_file():
        raise UserFacingError(
            f"{target} is not a virtual environment any more (it has no pyvenv.cfg).", "Nothing was changed.",
            reference="recreate-not-environment",
        )
    recreation = write_record(
        Recreation(
            str(target), str(aside), target.name, record.python_version,
            ".".join(str(part) for part in interpreter.version[:3]),
        ),
        folder,
    )
    try:
        os.rename(target, aside)
    except OSError as exc:
        end_record(target, folder)
        raise UserFacingError(
            f"“{target.name}” could not be moved aside to be re-created ({exc.strerror or exc}).",
            "Close programs that use it (a terminal inside it, an editor), then try again. Nothing was changed.",
            reference="recreate-move-failed",
        ) from exc
    return recreation


def put_back(target: Path, aside: Path, *, folder: Path | None = None) -> None:
    """Remove the new (half-made) environment and rename the old one back (blocking).

    The new folder is one the app itself was making (the old one was moved away first), so it is
    removed outright; the old one is only ever renamed.
    """
    if not os.path.lexists(aside):
        raise UserFacingError(
            f"The old “{target.name}” is not at {aside} any more, so it could not be put back.",
            f"Look for it in your trash; {target} was left as it is.",
            reference="recreate-aside-gone",
        )
    if os.path.lexists(target):
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    os.rename(aside, target)
    end_record(target, folder)


def mark_built(recreation: Recreation, folder: Path | None = None) -> Recreation:
    """The new environment is complete: from now on the old one is to be trashed, not put back."""
    return write_record(dataclasses.replace(recreation, phase=BUILT), folder)


@dataclass(frozen=True)
class Unfinished:
    """A re-creation an app stopped in the middle of, and what was done about it on the next start."""

    recreation: Recreation
    # The old folder to move to the trash now (the new one was complete), or None.
    to_trash: Path | None
    sentence: str


def settle_unfinished(folder: Path | None = None) -> list[Unfinished]:
    """Re-creations whose app stopped: a half-built one is undone (the old one put back); for a
    complete one the old folder is handed back to be moved to the trash.  Blocking."""
    settled = []
    for recreation in records(folder):
        if recreation.running_elsewhere():
            continue
        target, aside = Path(recreation.target), Path(recreation.aside)
        name = recreation.name or target.name
        old = ".".join(recreation.old_version.split(".")[:2])
        new = ".".join(recreation.new_version.split(".")[:2])
        if not os.path.lexists(aside):
            end_record(target, folder)
            continue
        if recreation.phase == BUILT and (target / "pyvenv.cfg").is_file():
            settled.append(
                Unfinished(
                    recreation,
                    aside,
                    f"Venvdesk stopped just after re-creating “{name}” with Python {new}; the old environment"
                    f" (Python {old}) is being moved to the trash.",
                )
            )
            continue
        try:
            put_back(target, aside, folder=folder)
        except (OSError, UserFacingError) as exc:
            settled.append(
                Unfinished(
                    recreation,
                    None,
                    f"Venvdesk stopped while re-creating “{name}” with Python {new}, and the old environment"
                    f" could not be put back ({exc}). It is kept, unchanged, at {aside}: rename it back to"
                    f" {target.name} once {target} is gone.",
                )
            )
            continue
        settled.append(
            Unfinished(
                recreation,
                None,
                f"Venvdesk stopped while re-creating “{name}” with Python {new}. “{name}” was put back as it"
                f" was, with Python {old}.",
            )
        )
    return settled


# -- after: what differs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    same: tuple[str, ...]  # names installed at the same version in both
    gone: tuple[str, ...]  # "tomli": in the old one, not needed in the new one
    changed: tuple[tuple[str, str, str], ...]  # (name, old version, new version)
    added: tuple[tuple[str, str], ...]  # (name, version): the new Python needs it, the old one did not
    left_out: tuple[str, ...] = ()


def compare(record: PackageRecord, after: Sequence[InstalledPackage], plan: InstallPlan | None = None) -> Comparison:
    old = record.versions()
    new = {p.key: (p.name, p.version) for p in after if p.key not in NOT_CARRIED}
    left_out = plan.left_out if plan is not None else ()
    left_out_keys = {canonical_name(item.split(" ")[0]) for item in left_out}
    same = tuple(old[k][0] for k in sorted(old) if k in new and new[k][1] == old[k][1])
    gone = tuple(old[k][0] for k in sorted(old) if k not in new and k not in left_out_keys)
    changed = tuple((old[k][0], old[k][1], new[k][1]) for k in sorted(old) if k in new and new[k][1] != old[k][1])
    added = tuple(new[k] for k in sorted(new) if k not in old)
    return Comparison(same, gone, changed, added, left_out)


def _names(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe_result(name: str, new_version: str, comparison: Comparison, record: PackageRecord) -> str:
    """What the person is told after a re-creation worked, differences reported (not forced)."""
    count = len(comparison.same)
    python = f"Python {new_version}"
    if not record.count:
        text = f"“{name}” now uses {python}. It had no packages to carry over."
    elif count:
        text = f"“{name}” now uses {python} with the same {count} package{'s' if count != 1 else ''}."
    else:
        text = f"“{name}” now uses {python}."
    requested = {p.key for p in record.carried if p.requested}
    gone_needed = [n for n in comparison.gone if canonical_name(n) not in requested]
    gone_requested = [n for n in comparison.gone if canonical_name(n) in requested]
    if gone_needed:
        verb = "is" if len(gone_needed) == 1 else "are"
        text += f" {_names(gone_needed)} {verb} no longer needed on {python}."
    if gone_requested:
        text += f" {_names(gone_requested)} could not be installed again."
    if comparison.changed:
        parts = [f"{n} is {new} (was {old})" for n, old, new in comparison.changed]
        text += f" On {python}, " + _names(parts) + "."
    if comparison.added:
        parts = [f"{n} {v}" for n, v in comparison.added]
        text += f" {python} also needs {_names(parts)}."
    if comparison.left_out:
        pronoun = "it" if len(comparison.left_out) == 1 else "them"
        text += (
            f" Not carried over (installed from a folder, a file or a link, not from the index):"
            f" {_names(list(comparison.left_out))}; install {pronoun} again the way you did before."
        )
    return text
