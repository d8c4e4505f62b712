"""The argv of every command the app runs, built and validated here.

A :class:`Command` is a program plus an argument list (never a shell string),
the environment variables it needs on top of the person's own, and a plain
description the log shows above the command line.  Building a command is the
last place user text is checked before a process sees it.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InvalidInput

# Variables that describe *our* process (a frozen bundle, our own Python) and
# would break a child Python that is not us.
_PRIVATE_VARIABLES = ("PYTHONHOME", "PYTHONPATH", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__")
_FROZEN_PRIVATE_PREFIXES = ("QT_", "PYINSTALLER_", "_MEI")

# Credentials sit between "://" and the next "@", with no "/", "@" or white space in between.  The
# search starts from the literal "://" (found by a fast substring search, not tried at every
# position), and each candidate's scan stops at the next "/", so the cost is linear in the text.
_URL_CREDENTIALS = re.compile(r"://(?P<userinfo>[^/@\s]+)@")
_SCHEME_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.-"
_NOT_LETTERS = "0123456789+.-"
_SCHEME_LOOK_BACK = 256  # a longer run of scheme characters counts as a scheme (hidden, to be safe)


def _is_url_scheme(text: str, end: int) -> bool:
    """Whether the run of scheme characters just before ``text[end]`` holds a letter (a URL scheme)."""
    if end and text[end - 1].isascii() and text[end - 1].isalpha():
        return True  # "https", "git+ssh": the common case, decided by one character
    before = text[max(0, end - _SCHEME_LOOK_BACK) : end]
    run = before[len(before.rstrip(_SCHEME_CHARACTERS)) :]
    return bool(run.strip(_NOT_LETTERS)) or len(run) == _SCHEME_LOOK_BACK


def redact(text: str) -> str:
    """Hide passwords and tokens in URLs (``https://user:token@host`` → ``https://user:****@host``).

    Linear in the length of ``text``; text without both "://" and "@" is returned after two
    substring searches.
    """
    if "@" not in text or "://" not in text:
        return text

    def _hide(match: re.Match[str]) -> str:
        if not _is_url_scheme(text, match.start()):
            return match.group(0)
        user, sep, _secret = match.group("userinfo").partition(":")
        return f"://{user}:****@" if sep else "://****@"

    return _URL_CREDENTIALS.sub(_hide, text)


@dataclass(frozen=True)
class Command:
    program: str
    args: tuple[str, ...]
    description: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    # The command as the Log shows it by default, without options that are always the same
    # ("pip install requests"); "" shows it whole.  The saved log always has it whole.
    brief: tuple[str, ...] = ()
    # Where the program writes the report the app reads back (a dry run's plan, a check's problems):
    # "out" (pip) or "err" (uv writes its reports to standard error).
    report_stream: str = "out"

    def display(self) -> str:
        """The command as a person could type it, secrets redacted (for the log only)."""
        return redact(shlex.join([self.program, *self.args]))

    def display_brief(self) -> str:
        """The short form of :meth:`display` (the same when the command has none)."""
        return redact(shlex.join(self.brief)) if self.brief else self.display()


def child_environment(base: dict[str, str] | None = None, *, frozen: bool | None = None) -> dict[str, str]:
    """The person's environment (proxies, certificates, ...) minus what belongs only to this app."""
    env = dict(os.environ if base is None else base)
    if frozen is None:
        frozen = bool(getattr(sys, "frozen", False))
    for name in _PRIVATE_VARIABLES:
        env.pop(name, None)
    if frozen:
        for name in list(env):
            if name.startswith(_FROZEN_PRIVATE_PREFIXES):
                del env[name]
        # PyInstaller saves the person's own value as LD_LIBRARY_PATH_ORIG.
        for name in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"):
            original = env.pop(f"{name}_ORIG", None)
            env.pop(name, None)
            if original:
                env[name] = original
    return env


def check_path_argument(path: str | os.PathLike[str], what: str) -> str:
    text = os.fspath(path)
    if not text:
        raise InvalidInput(f"The {what} is empty.", reference="empty-path")
    if not os.path.isabs(text):
        raise InvalidInput(f"The {what} must be a full path, not {text!r}.", reference="relative-path")
    return text


def create_venv(
    interpreter: str,
    target: str | os.PathLike[str],
    *,
    system_site_packages: bool = False,
    upgrade_deps: bool = False,
    prompt: str = "",
    with_pip: bool = True,
) -> Command:
    """``<interpreter> -m venv [options] <target>``."""
    target_text = check_path_argument(target, "environment folder")
    args = ["-m", "venv"]
    if system_site_packages:
        args.append("--system-site-packages")
    if not with_pip:
        args.append("--without-pip")
    elif upgrade_deps:
        args.append("--upgrade-deps")
    if prompt:
        if "\n" in prompt or "\r" in prompt:
            raise InvalidInput("The prompt cannot contain line breaks.", reference="bad-prompt")
        args.append(f"--prompt={prompt}")
    args.append(target_text)
    return Command(
        check_path_argument(interpreter, "interpreter"),
        tuple(args),
        f"Create the environment {Path(target_text).name}",
    )


def seed_pip(environment_python: str | os.PathLike[str], wheel: str | os.PathLike[str]) -> Command:
    """Unpack a cached pip wheel into a fresh environment (see ``core/seed_pip.py``)."""
    wheel_text = check_path_argument(wheel, "pip wheel")
    script = Path(__file__).with_name("seed_pip.py")
    return Command(
        check_path_argument(environment_python, "environment's Python"),
        ("-I", str(script), wheel_text),
        f"Install pip from {Path(wheel_text).name}",
    )


def byte_compile(environment_python: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Command:
    """``<python> -I -m compileall -q <folder>``: what pip does after installing."""
    return Command(
        check_path_argument(environment_python, "environment's Python"),
        ("-I", "-m", "compileall", "-q", check_path_argument(folder, "folder")),
        f"Byte-compile {Path(folder).name}",
    )
