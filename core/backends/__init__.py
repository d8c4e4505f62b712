"""Installer backends: the only code that knows an installer's command line.

A backend turns an intent ("install these validated requirements into this
environment", "uninstall these", "list what is installed") into
:class:`~core.commands.Command` values, recognises its own progress lines, and
knows the version gates of the tool it drives.  The GUI never builds an
installer command itself: it asks :func:`backend_for` and passes the result to
the runner.  ``core/backends/pip.py`` is the default backend; ``core/backends/uv.py``
drives uv (chosen per environment: pip serves the environments uv cannot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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

    @property
    def compiles_later(self) -> bool:
        """Installs leave the byte-compiling to a background step the app runs afterwards."""
        ...

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

    def parse_dry_run(self, stdout: str, requested: Sequence[str] = ()) -> Preview:
        """The plan in the dry run's report (``core.preview.ReportError`` when there is none);
        ``requested``: the specs asked for, for installers whose report does not say."""
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


@dataclass(frozen=True)
class BackendChoice:
    """The backend that manages an environment, and why it is not the installer asked for.

    ``note`` is "" when the environment gets the installer asked for, else one sentence for the
    Log ("uv does not support Python 2.7 (it needs 3.6 or newer); pip is used for this environment.").
    """

    backend: InstallerBackend
    note: str = ""


def choose_backend(
    environment: Environment,
    installed: Sequence[InstalledPackage] = (),
    *,
    index_url: str = "",
    proxy: str = "",
    installer: str = "pip",
    uv_program: str | None = None,
    uv_version: str = "",
) -> BackendChoice:
    """The backend for ``environment``: ``installer`` ("pip" or "uv") where it can serve it, else pip.

    uv is used when it is found (``uv_program``, else :func:`core.uv.find_uv`) and the
    environment's Python is one uv supports; otherwise pip, with the reason in ``note``.
    ``uv_version`` (from :func:`core.uv.uv_version`, probed off the UI thread; "" = unknown)
    lets the uv backend use options newer uv versions have.  Cheap: no process is started.
    """
    from core.backends.pip import PipBackend

    pip = PipBackend.for_environment(environment, installed, index_url=index_url, proxy=proxy)
    if installer != "uv":
        return BackendChoice(pip)
    from core import uv

    program = uv.find_uv() if uv_program is None else uv_program
    if not program:
        return BackendChoice(
            pip,
            f"uv is not installed ({uv.how_to_get_uv()}); pip is used instead.",
        )
    unsupported = uv.python_unsupported(environment.python_version)
    if unsupported:
        return BackendChoice(pip, unsupported)
    from core.backends.uv import UvBackend

    settings = uv.pip_settings(index_url, proxy)
    return BackendChoice(UvBackend.for_environment(environment, program, settings, uv_version=uv_version))


def backend_for(
    environment: Environment,
    installed: Sequence[InstalledPackage] = (),
    *,
    index_url: str = "",
    proxy: str = "",
    installer: str = "pip",
    uv_program: str | None = None,
    uv_version: str = "",
) -> InstallerBackend:
    """The backend that manages ``environment``, told what is installed and which index to use.

    ``installed`` is the environment's current package list (its pip version decides which
    options pip understands); ``index_url`` is the app's own index setting ("" = pip's own
    configuration applies).  ``installer="uv"`` chooses uv where it can serve the environment
    (:func:`choose_backend` says why when it cannot).
    """
    return choose_backend(
        environment,
        installed,
        index_url=index_url,
        proxy=proxy,
        installer=installer,
        uv_program=uv_program,
        uv_version=uv_version,
    ).backend
