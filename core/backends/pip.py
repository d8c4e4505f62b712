"""pip as an installer backend: the one place that knows pip's command line.

pip runs as ``<environment python> -m pip --disable-pip-version-check --no-input
--no-color …`` with ``PYTHONUNBUFFERED=1`` and ``PYTHONIOENCODING=utf-8`` (as
Thonny does), so its output streams as it happens and decodes the same on every
platform.  Since pip 24.1, ``--progress-bar raw`` prints ``Progress N of M``
lines, which become the progress bar instead of log text.  Since pip 22.2,
``install --dry-run --report -`` prints what an install would do as JSON (the
installation report), which becomes the plan shown before an install.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.commands import Command, check_path_argument
from core.environments import Environment, version_tuple
from core.errors import InvalidInput
from core.packages import InstalledPackage, installed_version

if TYPE_CHECKING:
    from core.preview import Preview

PIP_BASE_OPTIONS = ("--disable-pip-version-check", "--no-input", "--no-color")
PIP_ENVIRONMENT = {"PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
RAW_PROGRESS_SINCE = (24, 1)  # pip's "--progress-bar raw" prints "Progress N of M" lines
DRY_RUN_SINCE = (22, 2)  # pip's "install --dry-run --report -": the installation report (JSON)
_PROGRESS_LINE = re.compile(r"^Progress (\d+) of (\d+)\s*$")


def pip_command(environment_python: str | os.PathLike[str], *args: str, description: str) -> Command:
    """``<env python> -m pip --disable-pip-version-check --no-input --no-color <args>``.

    The Log shows it briefly as ``pip <args>`` without ``--progress-bar raw`` (the options every
    run passes); the saved log has it whole.
    """
    brief = list(args)
    if "--progress-bar" in brief:
        at = brief.index("--progress-bar")
        del brief[at : at + 2]
    if "--no-compile" in brief:
        brief.remove("--no-compile")
    return Command(
        check_path_argument(environment_python, "environment's Python"),
        ("-m", "pip", *PIP_BASE_OPTIONS, *args),
        description,
        env=dict(PIP_ENVIRONMENT),
        brief=("pip", *brief),
    )


def checked_specs(specs: Sequence[str]) -> list[str]:
    """Requirement strings validated by ``core.requirements``; re-checked so nothing option-like slips in."""
    if not specs:
        raise InvalidInput("Name at least one package.", reference="spec-empty")
    for spec in specs:
        if not spec or spec.lstrip().startswith("-"):
            raise InvalidInput(f"“{spec}” is not a package requirement.", reference="spec-option")
    return list(specs)


@dataclass(frozen=True)
class PipBackend:
    """pip inside one environment: ``python`` is the environment's interpreter."""

    python: str
    # The pip version in the environment ("" when unknown: no version-gated options are used).
    pip_version: str = ""
    # The app's own index setting; "" leaves pip's configuration in charge.
    index_url: str = ""
    # The app's proxy setting ("" = pip's configuration and the *_proxy variables apply).
    proxy: str = ""
    name: str = "pip"
    # Install without byte-compiling (``--no-compile``): the app compiles afterwards, in the
    # background, once the environment is usable (pip's own compiling is most of an install's time).
    no_compile: bool = False

    @classmethod
    def for_environment(
        cls,
        environment: Environment,
        installed: Sequence[InstalledPackage] = (),
        *,
        index_url: str = "",
        proxy: str = "",
    ) -> PipBackend:
        # The compile afterwards runs ``python -I``: Python 3.4 and newer (3.6 here, as uv's floor).
        no_compile = environment.python_version >= (3, 6)
        return cls(str(environment.python), installed_version(installed, "pip"), index_url, proxy, no_compile=no_compile)

    @property
    def compiles_later(self) -> bool:
        """Installs leave byte-compiling to the app (see :func:`core.plans.byte_compile_installed`)."""
        return self.no_compile

    # -- version gates -----------------------------------------------------------------------

    @property
    def reports_progress(self) -> bool:
        return version_tuple(self.pip_version) >= RAW_PROGRESS_SINCE

    @property
    def can_dry_run(self) -> bool:
        """pip can report what an install would do (22.2 and newer; not when its version is unknown)."""
        return version_tuple(self.pip_version) >= DRY_RUN_SINCE

    def dry_run_unavailable(self) -> str:
        """Why there is no plan before an install ("" when :meth:`dry_run` gives one)."""
        if self.can_dry_run:
            return ""
        if not self.pip_version:
            return "The version of pip in this environment is not known, so the plan cannot be shown first."
        since = ".".join(str(part) for part in DRY_RUN_SINCE)
        return (
            f"pip {self.pip_version} in this environment cannot show what an install will change"
            f" (pip {since} or newer can): upgrade pip to see the plan first."
        )

    def _progress_options(self) -> list[str]:
        return ["--progress-bar", "raw"] if self.reports_progress else []

    def _compile_options(self) -> list[str]:
        return ["--no-compile"] if self.no_compile else []

    def _index_options(self) -> list[str]:
        """``--index-url`` only when the app's own setting names one; otherwise pip's configuration applies."""
        options = ["--index-url", self.index_url] if self.index_url else []
        if self.proxy:
            if self.proxy.startswith("-"):
                raise InvalidInput(f"“{self.proxy}” is not a proxy address.", reference="proxy-option")
            options += ["--proxy", self.proxy]
        return options

    # -- intents -----------------------------------------------------------------------------

    def install(
        self,
        specs: Sequence[str],
        *,
        upgrade: bool = False,
        reinstall: bool = False,
        no_deps: bool = False,
        description: str = "",
        constraints: Path | None = None,
    ) -> Command:
        """``pip install [--upgrade] [--force-reinstall] [--no-deps] [--constraint <file>] <specs>``.

        pip does not accept ``--`` before requirements of ``install``, so each spec is re-checked
        not to look like an option instead.  ``constraints`` is a file of ``name==version`` pins
        (a dry run's plan, :meth:`core.preview.Preview.write_constraints`) the install keeps to.
        """
        args = ["install", *self._progress_options(), *self._index_options(), *self._compile_options()]
        if upgrade:
            args.append("--upgrade")
        if reinstall:
            args.append("--force-reinstall")
        if no_deps:
            args.append("--no-deps")
        if constraints is not None:
            args += ["--constraint", check_path_argument(constraints, "constraints file")]
        args += checked_specs(specs)
        return pip_command(self.python, *args, description=description or f"Install {', '.join(specs)}")

    def dry_run(self, specs: Sequence[str], *, upgrade: bool = False, reinstall: bool = False) -> Command | None:
        """``pip install --dry-run --report - --quiet …``: what :meth:`install` would do, as JSON.

        Same index and options as the install; ``--quiet`` keeps standard output to the report
        alone (pip's warnings go to standard error).  None when this pip is older than 22.2 or
        its version is unknown (:meth:`dry_run_unavailable` says why).
        """
        if not self.can_dry_run:
            return None
        args = ["install", "--dry-run", "--report", "-", "--quiet", "--progress-bar", "off", *self._index_options()]
        if upgrade:
            args.append("--upgrade")
        if reinstall:
            args.append("--force-reinstall")
        args += checked_specs(specs)
        return pip_command(self.python, *args, description=f"Work out what installing {', '.join(specs)} changes")

    def install_requirements(self, path: Path) -> Command:
        text = check_path_argument(path, "requirements file")
        return pip_command(
            self.python,
            "install",
            *self._progress_options(),
            *self._index_options(),
            *self._compile_options(),
            "--requirement",
            text,
            description=f"Install the packages listed in {Path(text).name}",
        )

    def uninstall(self, names: Sequence[str]) -> Command:
        return pip_command(
            self.python, "uninstall", "--yes", *checked_specs(names), description=f"Uninstall {', '.join(names)}"
        )

    def freeze(self) -> Command:
        return pip_command(self.python, "freeze", description="List the installed versions (pip freeze)")

    def check(self) -> Command:
        return pip_command(self.python, "check", description="Check that installed packages fit together")

    def upgrade_self(self) -> Command:
        return self.install(["pip"], upgrade=True, description="Upgrade pip")

    def update_self_from(self, wheel: Path) -> Command:
        """``pip install --no-index --no-deps [--no-compile] <pip wheel>``: pip replaces itself with a
        wheel file the app keeps (see ``core.pip_wheels``).

        Nothing is asked of an index (pip has no dependencies), so it works offline and takes a
        second or two; the compiling follows in the background, as after every install.
        """
        text = check_path_argument(wheel, "pip wheel")
        return pip_command(
            self.python,
            "install",
            "--no-index",
            "--no-deps",
            *self._compile_options(),
            text,
            description=f"Update pip from {Path(text).name}",
        )

    # -- reading its output ------------------------------------------------------------------

    def parse_progress(self, line: str) -> tuple[int, int] | None:
        match = _PROGRESS_LINE.match(line)
        if match is None:
            return None
        return int(match.group(1)), int(match.group(2))

    @staticmethod
    def parse_dry_run(stdout: str, requested: Sequence[str] = ()) -> Preview:
        """The plan in a dry run's standard output (raises ``core.preview.ReportError`` if there is none).

        pip's report says itself which items were asked for (``requested`` is not needed).

        Compare it with the installed set (:meth:`Preview.compared_with`) before asking it anything.
        """
        from core.preview import Preview, parse_report  # only after a dry run: not at start-up

        items, version = parse_report(stdout)
        return Preview(tuple(items), installer_version=f"pip {version}".strip())

    @staticmethod
    def check_problems(stdout: str) -> list[str]:
        """The lines of ``pip check`` output that name a problem."""
        return [
            line
            for line in stdout.splitlines()
            if line.strip() and not line.startswith(("No broken", "WARNING:", "DEPRECATION:"))
        ]
