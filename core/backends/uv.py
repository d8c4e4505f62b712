"""uv as an installer backend: the one place that knows uv's command line.

Every command is ``uv pip <command> --python <environment python> --color never --no-progress
…``: uv works on the environment from outside, so the environment stays a standard one (pip is
still inside and still works; uv neither needs nor removes it).

uv reads none of pip's configuration: the index, extra indexes, find-links, trusted hosts and
constraints pip would use (:func:`core.uv.pip_settings`) are passed as options, the
certificates and the proxy as the variables uv reads (``SSL_CERT_FILE``, ``HTTPS_PROXY`` …).
With extra indexes, ``--index-strategy unsafe-best-match`` keeps pip's meaning (the best version
on any index; uv's default is the first index that has the project at all).

Where uv differs from pip, the app keeps pip's meaning: ``--upgrade`` of pip upgrades what was
named (and dependencies only if needed), so it becomes ``--upgrade-package <name>`` (uv's
``--upgrade`` upgrades everything).  uv prints no progress lines when not on a terminal, so
:attr:`UvBackend.reports_progress` is False.  uv writes its reports — the dry run's plan, the
check's problems — to standard error: the runner has to capture both streams of those two
commands (:func:`reports_on_standard_error`).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.backends.pip import checked_specs
from core.commands import Command, check_path_argument
from core.environments import Environment
from core.errors import InvalidInput
from core.names import canonical_name
from core.uv import FREEZE_EXCLUDE_SINCE, SYSTEM_CERTS_SINCE, PipSettings, version_numbers

if TYPE_CHECKING:
    from core.preview import Preview

UV_BASE_OPTIONS = ("--color", "never", "--no-progress")
UV_ENVIRONMENT = {"NO_COLOR": "1", "UV_NO_PROGRESS": "1", "UV_PYTHON_DOWNLOADS": "never"}
# What pip freeze leaves out: pip always; setuptools, wheel and distribute on Pythons before 3.12.
_FREEZE_SKIPPED: tuple[str, ...] = ("pip",)
_FREEZE_SKIPPED_BEFORE_312 = ("setuptools", "wheel", "distribute")

_PLAN_LINE = re.compile(r"^ ([+-]) (\S+?)(?:==(\S+)| @ (\S+))\s*$")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_CHECK_CHATTER = ("Using Python", "Using CPython", "Checked ", "Found ", "All installed packages", "warning:", "Resolved ")


def uv_command(
    program: str, subcommand: str, python: str, *args: str, description: str, env: dict[str, str] | None = None
) -> Command:
    """``uv pip <subcommand> --python <env python> --color never --no-progress <args>``.

    The Log shows it briefly as ``uv pip <subcommand> <args>``; the saved log has it whole.
    """
    return Command(
        check_path_argument(program, "uv program"),
        ("pip", subcommand, "--python", check_path_argument(python, "environment's Python"), *UV_BASE_OPTIONS, *args),
        description,
        env={**UV_ENVIRONMENT, **(env or {})},
        brief=("uv", "pip", subcommand, *args),
    )


def reports_on_standard_error(command: Command) -> bool:
    """Whether ``command`` is a uv command whose report (a dry run's plan, the check's problems)
    is written to standard error: its captured output has to be that stream (``report_stream``)."""
    return command.report_stream == "err"


def requirement_name(spec: str) -> str:
    """The project a requirement names (``requests[socks]>=2`` → ``requests``)."""
    match = _NAME.match(spec)
    if match is None:
        raise InvalidInput(f"“{spec}” is not a package requirement.", reference="spec-option")
    return match.group(1)


@dataclass(frozen=True)
class UvBackend:
    """uv managing one environment from outside: ``python`` is the environment's interpreter."""

    program: str
    python: str
    python_version: tuple[int, ...] = ()
    settings: PipSettings = field(default_factory=PipSettings)
    # uv's version ("" when not known: only options every uv understands are used).
    uv_version: str = ""
    name: str = "uv"

    @classmethod
    def for_environment(
        cls, environment: Environment, program: str, settings: PipSettings, *, uv_version: str = ""
    ) -> UvBackend:
        return cls(program, str(environment.python), environment.python_version, settings, uv_version)

    # -- what uv is given instead of pip's configuration ---------------------------------------

    @property
    def reports_progress(self) -> bool:
        return False  # uv draws progress bars on a terminal only

    @property
    def compiles_later(self) -> bool:
        return True  # uv does not byte-compile unless told to (--compile-bytecode)

    def _environment(self) -> dict[str, str]:
        settings = self.settings
        env: dict[str, str] = {}
        if settings.cert:
            env["SSL_CERT_FILE"] = settings.cert
        else:
            # pip (24.2 and newer) trusts the system's certificates (a company's own among them).
            known = version_numbers(self.uv_version)
            env["UV_NATIVE_TLS" if known and known < SYSTEM_CERTS_SINCE else "UV_SYSTEM_CERTS"] = "1"
        if settings.client_cert:
            env["SSL_CLIENT_CERT"] = settings.client_cert
        if settings.proxy:
            if settings.proxy.startswith("-"):
                raise InvalidInput(f"“{settings.proxy}” is not a proxy address.", reference="proxy-option")
            for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
                env[name] = settings.proxy
        if settings.timeout:
            env["UV_HTTP_TIMEOUT"] = settings.timeout
        return env

    def _index_options(self) -> list[str]:
        settings = self.settings
        options: list[str] = []
        if settings.no_index:
            options.append("--no-index")
        else:
            options += ["--index-url", _option_value(settings.index_url, "index address")]
            for url in settings.extra_index_urls:
                options += ["--extra-index-url", _option_value(url, "index address")]
            if settings.extra_index_urls:
                options += ["--index-strategy", "unsafe-best-match"]
        for link in settings.find_links:
            options += ["--find-links", _option_value(link, "find-links location")]
        for host in settings.trusted_hosts:
            options += ["--allow-insecure-host", _option_value(host, "trusted host")]
        for constraints in settings.constraints:
            options += ["--constraints", _option_value(constraints, "constraints file")]
        return options

    def _install_args(
        self, specs: Sequence[str], *, upgrade: bool, reinstall: bool, no_deps: bool = False
    ) -> list[str]:
        checked = checked_specs(specs)
        args = self._index_options()
        if upgrade:
            for spec in checked:
                args += ["--upgrade-package", requirement_name(spec)]
        if reinstall:
            args.append("--reinstall")
        if no_deps:
            args.append("--no-deps")
        return args

    def _run(self, subcommand: str, *args: str, description: str) -> Command:
        return uv_command(self.program, subcommand, self.python, *args, description=description, env=self._environment())

    # -- intents -------------------------------------------------------------------------------

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
        """``uv pip install [--upgrade-package <name>]… [--reinstall] [--no-deps] [--constraints <file>] <specs>``."""
        args = self._install_args(specs, upgrade=upgrade, reinstall=reinstall, no_deps=no_deps)
        if constraints is not None:
            args += ["--constraints", check_path_argument(constraints, "constraints file")]
        args += checked_specs(specs)
        return self._run("install", *args, description=description or f"Install {', '.join(specs)}")

    def dry_run(self, specs: Sequence[str], *, upgrade: bool = False, reinstall: bool = False) -> Command | None:
        """``uv pip install --dry-run …``: the plan (``+ name==version`` lines, on standard error)."""
        args = ["--dry-run", *self._install_args(specs, upgrade=upgrade, reinstall=reinstall), *checked_specs(specs)]
        command = self._run("install", *args, description=f"Work out what installing {', '.join(specs)} changes")
        return dataclasses.replace(command, report_stream="err")

    def dry_run_unavailable(self) -> str:
        return ""

    def parse_dry_run(self, stdout: str, requested: Sequence[str] = ()) -> Preview:
        """The plan in a dry run's output (both streams: uv writes it to standard error).

        uv names each distribution it would install (``+ name==version``) and remove; it does
        not say which are dependencies, which are built from source, or download sizes.  With
        ``requested`` (the specs asked for) the others are marked as dependencies; without it,
        every item counts as asked for.  Raises ``core.preview.ReportError`` when the output
        holds no plan.
        """
        from core.preview import Preview, PreviewItem, ReportError

        wanted = {canonical_name(requirement_name(spec)) for spec in requested if spec.strip()}
        items = []
        planned = False
        for line in stdout.splitlines():
            if line.startswith(("Would install", "Would make no changes", "Would uninstall", "Would download")):
                planned = True
            match = _PLAN_LINE.match(line)
            if match is None or match.group(1) != "+":
                continue
            name, version, url = match.group(2), match.group(3) or "", match.group(4) or ""
            items.append(
                PreviewItem(
                    name=name,
                    version=version,
                    requested=canonical_name(name) in wanted if wanted else True,
                    url=url,
                    direct=bool(url),
                )
            )
        if not planned and not items:
            raise ReportError("uv's dry run printed no plan.")
        return Preview(tuple(items), installer_version=f"uv {self.uv_version}".strip())

    def install_requirements(self, path: Path) -> Command:
        text = check_path_argument(path, "requirements file")
        return self._run(
            "install",
            *self._index_options(),
            "--requirements",
            text,
            description=f"Install the packages listed in {Path(text).name}",
        )

    def uninstall(self, names: Sequence[str]) -> Command:
        return self._run("uninstall", *checked_specs(names), description=f"Uninstall {', '.join(names)}")

    def freeze(self) -> Command:
        """``uv pip freeze``, leaving out what ``pip freeze`` leaves out (uv 0.9.27 and newer can)."""
        args: list[str] = []
        if version_numbers(self.uv_version) >= FREEZE_EXCLUDE_SINCE:
            skipped = _FREEZE_SKIPPED
            if self.python_version and self.python_version[:2] < (3, 12):
                skipped += _FREEZE_SKIPPED_BEFORE_312
            for name in skipped:
                args += ["--exclude", name]
        return self._run("freeze", *args, description="List the installed versions (uv pip freeze)")

    def check(self) -> Command:
        return dataclasses.replace(
            self._run("check", description="Check that installed packages fit together"), report_stream="err"
        )

    def upgrade_self(self) -> Command:
        """pip in the environment brought up to date (by uv: the environment keeps a working pip)."""
        return self.install(["pip"], upgrade=True, description="Upgrade pip")

    def create_venv(
        self, interpreter: str, target: str | os.PathLike[str], *, system_site_packages: bool = False,
        prompt: str = "", seed: bool = False, allow_existing: bool = False,
    ) -> Command:
        """``uv venv --python <interpreter> [--seed] [--system-site-packages] [--prompt …] <target>``.

        ``seed`` puts pip in (and setuptools and wheel before Python 3.12) from the index;
        ``allow_existing``: the folder is there already (empty), made by the person.
        """
        target_text = check_path_argument(target, "environment folder")
        args = ["venv", "--python", check_path_argument(interpreter, "interpreter"), *UV_BASE_OPTIONS]
        args += ["--no-python-downloads", "--no-project"]
        if seed:
            args += ["--seed", *self._index_options()]
        if system_site_packages:
            args.append("--system-site-packages")
        if allow_existing:
            args.append("--allow-existing")
        if prompt:
            if "\n" in prompt or "\r" in prompt:
                raise InvalidInput("The prompt cannot contain line breaks.", reference="bad-prompt")
            args += ["--prompt", prompt]
        args.append(target_text)
        brief = ["uv", "venv", *(["--seed"] if seed else []), target_text]
        return Command(
            check_path_argument(self.program, "uv program"),
            tuple(args),
            f"Create the environment {Path(target_text).name}",
            env={**UV_ENVIRONMENT, **self._environment()},
            brief=tuple(brief),
        )

    # -- reading its output --------------------------------------------------------------------

    def parse_progress(self, line: str) -> tuple[int, int] | None:
        return None

    @staticmethod
    def check_problems(stdout: str) -> list[str]:
        """The problems ``uv pip check`` reported ("The package `a` requires `b>=1`, but it's not installed")."""
        return [
            line.strip().replace("`", "")
            for line in stdout.splitlines()
            if line.strip() and not line.lstrip().startswith(_CHECK_CHATTER)
        ]


def _option_value(value: str, what: str) -> str:
    """A value from pip's settings, refused when it would read as an option of its own."""
    if not value or value.startswith("-"):
        raise InvalidInput(f"“{value}” in pip's settings is not a valid {what}.", reference="setting-option")
    return value
