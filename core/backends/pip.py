"""pip as an installer backend: the one place that knows pip's command line.

pip runs as ``<environment python> -m pip --disable-pip-version-check --no-input
--no-color …`` with ``PYTHONUNBUFFERED=1`` and ``PYTHONIOENCODING=utf-8`` (as
Thonny does), so its output streams as it happens and decodes the same on every
platform.  Since pip 24.1, ``--progress-bar raw`` prints ``Progress N of M``
lines, which become the progress bar instead of log text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.commands import Command, check_path_argument
from core.environments import Environment, version_tuple
from core.errors import InvalidInput
from core.packages import InstalledPackage, installed_version

PIP_BASE_OPTIONS = ("--disable-pip-version-check", "--no-input", "--no-color")
PIP_ENVIRONMENT = {"PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
RAW_PROGRESS_SINCE = (24, 1)  # pip's "--progress-bar raw" prints "Progress N of M" lines
_PROGRESS_LINE = re.compile(r"^Progress (\d+) of (\d+)\s*$")


def pip_command(environment_python: str | os.PathLike[str], *args: str, description: str) -> Command:
    """``<env python> -m pip --disable-pip-version-check --no-input --no-color <args>``."""
    return Command(
        check_path_argument(environment_python, "environment's Python"),
        ("-m", "pip", *PIP_BASE_OPTIONS, *args),
        description,
        env=dict(PIP_ENVIRONMENT),
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
    name: str = "pip"

    @classmethod
    def for_environment(
        cls, environment: Environment, installed: Sequence[InstalledPackage] = (), *, index_url: str = ""
    ) -> PipBackend:
        return cls(str(environment.python), installed_version(installed, "pip"), index_url)

    # -- version gates -----------------------------------------------------------------------

    @property
    def reports_progress(self) -> bool:
        return version_tuple(self.pip_version) >= RAW_PROGRESS_SINCE

    def _progress_options(self) -> list[str]:
        return ["--progress-bar", "raw"] if self.reports_progress else []

    def _index_options(self) -> list[str]:
        """``--index-url`` only when the app's own setting names one; otherwise pip's configuration applies."""
        return ["--index-url", self.index_url] if self.index_url else []

    # -- intents -----------------------------------------------------------------------------

    def install(
        self,
        specs: Sequence[str],
        *,
        upgrade: bool = False,
        reinstall: bool = False,
        no_deps: bool = False,
        description: str = "",
    ) -> Command:
        """``pip install [--upgrade] [--force-reinstall] [--no-deps] <specs>``.

        pip does not accept ``--`` before requirements of ``install``, so each spec is re-checked
        not to look like an option instead.
        """
        args = ["install", *self._progress_options(), *self._index_options()]
        if upgrade:
            args.append("--upgrade")
        if reinstall:
            args.append("--force-reinstall")
        if no_deps:
            args.append("--no-deps")
        args += checked_specs(specs)
        return pip_command(self.python, *args, description=description or f"Install {', '.join(specs)}")

    def install_requirements(self, path: Path) -> Command:
        text = check_path_argument(path, "requirements file")
        return pip_command(
            self.python,
            "install",
            *self._progress_options(),
            *self._index_options(),
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

    # -- reading its output ------------------------------------------------------------------

    def parse_progress(self, line: str) -> tuple[int, int] | None:
        match = _PROGRESS_LINE.match(line)
        if match is None:
            return None
        return int(match.group(1)), int(match.group(2))

    @staticmethod
    def check_problems(stdout: str) -> list[str]:
        """The lines of ``pip check`` output that name a problem."""
        return [
            line
            for line in stdout.splitlines()
            if line.strip() and not line.startswith(("No broken", "WARNING:", "DEPRECATION:"))
        ]
