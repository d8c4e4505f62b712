"""Installer backends: the only code that knows an installer's command line.

A backend turns an intent ("install these validated requirements into this
environment", "uninstall these", "list what is installed") into
:class:`~core.commands.Command` values, recognises its own progress lines, and
knows the version gates of the tool it drives.  The GUI never builds an
installer command itself: it asks :func:`backend_for` and passes the result to
the runner.  ``core/backends/pip.py`` is the one backend today; a uv backend
is a second module implementing :class:`InstallerBackend`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from core.commands import Command
from core.environments import Environment
from core.packages import InstalledPackage

if TYPE_CHECKING:
    from core.preview import Preview


class InstallerBackend(Protocol):
    """What every installer backend can do for one environment."""

    @property
    def name(self) -> str: ...

    @property
    def reports_progress(self) -> bool: ...

    def install(
        self,
        specs: Sequence[str],
        *,
        upgrade: bool = False,
        reinstall: bool = False,
        no_deps: bool = False,
        description: str = "",
        constraints: Path | None = None,
    ) -> Command: ...

    def dry_run(self, specs: Sequence[str], *, upgrade: bool = False, reinstall: bool = False) -> Command | None:
        """What :meth:`install` with the same arguments would do, as a report; None when this
        installer cannot tell (:meth:`dry_run_unavailable` says why)."""
        ...

    def dry_run_unavailable(self) -> str:
        """Why :meth:`dry_run` gives no command, in a sentence ("" when it gives one)."""
        ...

    def parse_dry_run(self, stdout: str) -> Preview:
        """The plan in the dry run's standard output (``core.preview.ReportError`` when there is none)."""
        ...

    def install_requirements(self, path: Path) -> Command: ...

    def uninstall(self, names: Sequence[str]) -> Command: ...

    def freeze(self) -> Command: ...

    def check(self) -> Command: ...

    def upgrade_self(self) -> Command: ...

    def parse_progress(self, line: str) -> tuple[int, int] | None:
        """``(done, total)`` for a progress line of this tool's output, else None."""
        ...

    def check_problems(self, stdout: str) -> list[str]:
        """The problems the consistency check (:meth:`check`) reported in its output."""
        ...


def backend_for(
    environment: Environment, installed: Sequence[InstalledPackage] = (), *, index_url: str = "", proxy: str = ""
) -> InstallerBackend:
    """The backend that manages ``environment`` (pip), told what is installed and which index to use.

    ``installed`` is the environment's current package list (its pip version decides which
    options pip understands); ``index_url`` is the app's own index setting ("" = pip's own
    configuration applies).
    """
    from core.backends.pip import PipBackend

    return PipBackend.for_environment(environment, installed, index_url=index_url, proxy=proxy)
