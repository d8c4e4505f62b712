"""What a person asks pip to install: one typed requirement, or a requirements file.

Two entry points, two levels of trust:

* The Install box takes exactly one package requirement (``requests``,
  ``requests==2.31.0``, ``requests[socks]>=2,<3``).  Anything else — pip
  options, URLs, local paths, several packages, conditions — is refused with a
  sentence that says why, before any process starts.  Options typed there are
  never passed on to pip.
* A requirements file is read with pip's own rules (comments, continuation
  lines, per-requirement ``--hash``, markers, option lines).  Lines that change
  *where* code comes from (another index, a URL, a local path, an editable
  checkout, an included file) are listed by :meth:`RequirementsFile.describe_options`,
  secrets redacted, so the person confirms them explicitly.

``packaging`` is imported on first use, not at start-up.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import os
import re
import shlex
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core import storage
from core.commands import redact
from core.errors import InvalidInput, UserFacingError

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# -- shared helpers ------------------------------------------------------------------------------

_ARCHIVE_SUFFIXES = (
    ".whl",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.lz",
    ".tlz",
    ".tar.lzma",
    ".tar",
    ".zip",
)
_URL_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_VERSION_OPERATOR = re.compile(r"^(===|==|!=|~=|>=|<=|>|<)\s*$")
_PIP_COMMAND = re.compile(
    r"^(?:(?:python[\d.]*|py)(?:\.exe)?\s+(?:-\d[\d.]*\s+)?-m\s+)?pip[\d.]*(?:\.exe)?\s+install\b\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_EXAMPLE = "“requests”, or “requests==2.31.0” for a particular version"

# Longer text typed (or pasted) into the Install box is refused before any parsing: the longest
# real requirement of one package with a few version conditions is well under this.
MAX_INSTALL_SPEC_LENGTH = 1_000
# A requirements file larger than this is refused before it is read (pip freeze of a thousand
# packages is about 30 KB; checking 1 MB takes 1-2 s, off the UI thread).
MAX_REQUIREMENTS_FILE_BYTES = 1_000_000


def _quote(text: str, limit: int = 60) -> str:
    """``“text”`` for a message: secrets redacted, long text shortened."""
    shown = redact(" ".join(text.split()))
    if len(shown) > limit:
        shown = shown[: limit - 1].rstrip() + "…"
    return f"“{shown}”"


def _parse(text: str) -> Requirement:
    from packaging.requirements import Requirement  # ~20 ms: not at start-up

    return Requirement(text)


def _invalid_requirement_error() -> type[Exception]:
    from packaging.requirements import InvalidRequirement

    return InvalidRequirement


def _try_parse(text: str) -> Requirement | None:
    try:
        return _parse(text)
    except _invalid_requirement_error():
        return None


def _looks_like_version(text: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _looks_like_url(text: str) -> bool:
    return bool(_URL_START.match(text)) or text.lower().startswith("file:")


def _looks_like_path(text: str) -> bool:
    return (
        text.startswith((".", "/", "~", "\\"))
        or bool(_DRIVE_LETTER.match(text))
        or "/" in text
        or "\\" in text
        or text.lower().endswith(_ARCHIVE_SUFFIXES)
    )


def _readable_reason(text: str, error: Exception) -> str:
    """packaging's "Expected … ^" message as a short phrase a beginner can act on."""
    lines = str(error).splitlines()
    first = lines[0].strip() if lines else "not understood"
    if first.startswith("Expected package name"):
        return "it must start with a package name"
    position = None
    if len(lines) >= 3 and lines[-1].strip() == "^":
        # packaging prints the text indented by 4 and a caret under the problem.
        position = len(lines[-1]) - 1 - (len(lines[-2]) - len(lines[-2].lstrip()))
    rest = text[position:].strip() if position is not None and 0 <= position < len(text) else ""
    if _VERSION_OPERATOR.match(rest):
        return f"“{rest}” needs a version after it, as in “==2.31.0”"
    if rest[:1] in ("=", "!", "~", ">", "<"):
        return f"{_quote(rest, 30)} is not a valid version condition"
    if rest:
        return f"pip does not understand {_quote(rest, 30)}"
    return first[:1].lower() + first[1:]


# -- the Install box -----------------------------------------------------------------------------


def _version_hint(name: str, version: str) -> str:
    return f"To choose a version, write “{name}=={version}”."


# Words looked at by the "several packages" analysis of text that is not one requirement: each
# step parses the piece so far again, so the work grows with the square of the words.
_MAX_SEVERAL_PIECES = 40


def _split_several(text: str) -> list[str]:
    """The requirements in ``text`` when it holds more than one ("requests flask"), else ``[]``.

    Tokens are separated by spaces or commas; a token joins the previous one while
    that one is incomplete (``flask >= 2``), or when together they still form one
    requirement (``flask>=1,<2``).  Each piece must then be a requirement whose
    name is not a bare version (``flask 2.0`` is one package with a typo, not two).
    """
    chunks: list[tuple[int, int]] = []
    for count, match in enumerate(re.finditer(r"[^\s,]+", text)):
        start, end = match.span()
        if count >= _MAX_SEVERAL_PIECES:
            return []
        if chunks:
            first, last = chunks[-1]
            current_ok = _try_parse(text[first:last]) is not None
            begins_new = match.group()[0].isalnum()
            if not current_ok or not begins_new or _try_parse(text[first:end]) is not None:
                chunks[-1] = (first, end)
                continue
        chunks.append((start, end))
    pieces = [text[start:end] for start, end in chunks]
    if len(pieces) < 2:
        return []
    for piece in pieces:
        requirement = _try_parse(piece)
        if requirement is None or _looks_like_version(requirement.name):
            return []
    return pieces


def parse_install_spec(text: str) -> Requirement:
    """One requirement typed into the Install box, or :class:`InvalidInput` saying what is wrong.

    Accepted: ``name``, ``name==1.2``, ``name>=1,<2``, ``name[extra]``,
    ``name[extra]>=1``, ``name ~= 1.4`` (surrounding whitespace ignored).
    """
    spec = text.strip()
    if not spec:
        raise InvalidInput(
            "Type the name of a package to install.",
            hint=f"For example {_EXAMPLE}.",
            reference="spec-empty",
        )
    if len(spec) > MAX_INSTALL_SPEC_LENGTH:
        raise InvalidInput(
            f"That is too long to be a package name ({len(spec):,} characters; at most"
            f" {MAX_INSTALL_SPEC_LENGTH:,}).",
            hint=f"Type one package, for example {_EXAMPLE}. To install many, use a requirements file.",
            reference="spec-too-long",
        )

    command = _PIP_COMMAND.match(spec)
    if command:
        rest = command.group("rest").strip()
        hint = f"For example {_EXAMPLE}."
        if rest and not rest.startswith("-"):
            with contextlib.suppress(InvalidInput):
                hint = f"Type just “{normalise_spec_for_pip(parse_install_spec(rest))}”."
        raise InvalidInput(
            "Type only the package, without “pip install” in front: Venvdesk runs pip for you.",
            hint=hint,
            reference="spec-command",
        )

    if spec.startswith("-"):
        option = spec.split()[0]
        shown = _quote(option + (" …" if option != spec else ""))
        raise InvalidInput(
            f"{shown} is a pip option, not a package name. "
            "Venvdesk does not pass options typed here to pip.",
            hint=f"Type only a package, for example {_EXAMPLE}.",
            reference="spec-option",
        )

    if "://" in spec or "@" in spec or _looks_like_url(spec):
        name, at, after = spec.partition("@")
        after = after.strip()
        if at and "://" not in spec and _looks_like_version(after) and _try_parse(name.strip()):
            # "requests@2.31": the npm way of asking for a version.
            raise InvalidInput(
                f"{_quote(spec)} is not how pip asks for a version.",
                hint=_version_hint(name.strip(), after),
                reference="spec-invalid",
            )
        raise InvalidInput(
            f"{_quote(spec)} is a web address, not a package name. "
            "Local files and URLs get their own explicit action.",
            hint=f"Here, type only a package name from the index, for example {_EXAMPLE}.",
            reference="spec-url",
        )

    if _looks_like_path(spec):
        raise InvalidInput(
            f"{_quote(spec)} looks like a file or folder on this computer, not a package name. "
            "Local files and URLs get their own explicit action.",
            hint=f"Here, type only a package name from the index, for example {_EXAMPLE}.",
            reference="spec-path",
        )

    if ";" in spec:
        raise InvalidInput(
            f"{_quote(spec)} has a condition after “;”. "
            "Conditions such as python_version only make sense in a requirements file.",
            hint=f"Type only the package and, if you like, a version: “{spec.split(';')[0].strip()}”.",
            reference="spec-marker",
        )

    try:
        return _parse(spec)
    except _invalid_requirement_error() as error:
        problem = error

    pieces = _split_several(spec)
    if pieces:
        names = ", ".join(f"“{piece}”" for piece in pieces)
        raise InvalidInput(
            f"{_quote(spec)} names several packages ({names}). This box installs one package at a time.",
            hint="Install them one at a time, or list them in a requirements file and install that.",
            reference="spec-several",
        )

    hint = (
        "Write a package name such as “requests”, optionally followed by a version "
        "condition: “requests==2.31.0” or “requests>=2,<3”."
    )
    words = spec.split()
    if len(words) == 2 and _try_parse(words[0]) and _looks_like_version(words[1]):
        hint = _version_hint(words[0], words[1])
    raise InvalidInput(
        f"{_quote(spec)} is not a valid package requirement: {_readable_reason(spec, problem)}.",
        hint=hint,
        reference="spec-invalid",
        detail=str(problem),
    )


def normalise_spec_for_pip(requirement: Requirement) -> str:
    """The canonical text pip gets for a parsed requirement (``name ~= 1.4`` → ``name~=1.4``)."""
    return str(requirement)


# -- requirements files --------------------------------------------------------------------------

# pip's own rule (pip/_internal/req/req_file.py), COMMENT_RE = r"(^|\s+)#.*$": a comment starts
# at "#" at the start of a line or after whitespace.  Done with str.find below: the regular
# expression takes quadratic time on a long run of spaces without "#".


def _comment_start(line: str) -> int:
    """Where a comment starts in ``line`` (-1 when it has none)."""
    index = line.find("#")
    while index > 0 and not line[index - 1].isspace():
        index = line.find("#", index + 1)
    return index


def _is_comment_line(line: str) -> bool:
    """pip's ``COMMENT_RE.match(line)``: only whitespace before the first "#"."""
    return line.lstrip().startswith("#")


# pip's ENV_VAR_RE: only ${NAME} with NAME of capitals, digits and "_" is expanded; $NAME and
# %NAME% stay as written, and so does a variable that is unset or empty.
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")
# Bounds on what expansion may do to one line (pip has none; a line beyond them is refused).
_MAX_VARIABLES_PER_LINE = 100
_MAX_EXPANDED_LINE = 100_000

_PER_REQUIREMENT = "per-requirement"

# Every option pip accepts in a requirements file: kind, and whether it takes a value.
_FILE_OPTIONS: dict[str, tuple[str, bool]] = {
    "-i": ("index-url", True),
    "--index-url": ("index-url", True),
    "--pypi-url": ("index-url", True),
    "--extra-index-url": ("extra-index-url", True),
    "--no-index": ("no-index", False),
    "-c": ("constraint", True),
    "--constraint": ("constraint", True),
    "-r": ("include", True),
    "--requirement": ("include", True),
    "-e": ("editable", True),
    "--editable": ("editable", True),
    "-f": ("find-links", True),
    "--find-links": ("find-links", True),
    "--trusted-host": ("trusted-host", True),
    "--no-binary": ("other", True),
    "--only-binary": ("other", True),
    "--prefer-binary": ("other", False),
    "--require-hashes": ("other", False),
    "--no-require-hashes": ("other", False),
    "--pre": ("other", False),
    "--all-releases": ("other", True),
    "--only-final": ("other", True),
    "--use-feature": ("other", True),
    # Options that belong to the requirement on the same line.
    "--hash": (_PER_REQUIREMENT, True),
    "-C": (_PER_REQUIREMENT, True),
    "--config-settings": (_PER_REQUIREMENT, True),
}
_LONG_OPTIONS = sorted(name for name in _FILE_OPTIONS if name.startswith("--"))

# At most this many malformed lines are reported: reading stops there (a file of nothing but
# errors would otherwise take long to read and give a message of megabytes).
MAX_LINE_ERRORS = 100
# At most this many lines are listed for confirmation, each shortened to MAX_DESCRIBED_LENGTH.
MAX_DESCRIBED_LINES = 50
MAX_DESCRIBED_LENGTH = 300


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_DESCRIBED_LENGTH else text[: MAX_DESCRIBED_LENGTH - 1] + "…"


# Kinds that change where code comes from: shown for confirmation before installing.
SOURCE_KINDS = frozenset(
    {
        "index-url",
        "extra-index-url",
        "find-links",
        "editable",
        "url",
        "include",
        "constraint",
        "trusted-host",
        "no-index",
    }
)


@dataclass(frozen=True)
class RequirementLine:
    """Something the file installs.  ``requirement`` is ``None`` for URL, path and editable lines."""

    line: int
    text: str
    requirement: Requirement | None


@dataclass(frozen=True)
class OptionLine:
    """A line that sets a pip option, or installs from a URL, a path or an editable checkout.

    ``kind``: "index-url", "extra-index-url", "find-links", "editable", "url",
    "include" (-r), "constraint" (-c), "trusted-host", "no-index" or "other".
    ``text`` is the line as pip reads it, ``${VARIABLES}`` expanded (secrets included; show it
    through ``redact``); ``written`` is the line as written in the file when expansion changed it.
    """

    line: int
    text: str
    kind: str
    written: str = ""


@dataclass(frozen=True)
class LineError:
    line: int
    text: str
    message: str


@dataclass(frozen=True)
class RequirementsFile:
    requirements: tuple[RequirementLine, ...]
    options: tuple[OptionLine, ...]
    errors: tuple[LineError, ...]
    source: str = "requirements.txt"
    # Reading stopped at the last error: there were too many to go on (see MAX_LINE_ERRORS).
    stopped_early: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes_sources(self) -> bool:
        """True when some line changes where code comes from (see :meth:`describe_options`)."""
        return any(option.kind in SOURCE_KINDS for option in self.options)

    def describe_errors(self) -> str:
        """``line 7: …`` for each malformed line, one per line."""
        described = "\n".join(f"line {error.line}: {error.message}" for error in self.errors)
        if self.stopped_early and self.errors:
            described += (
                f"\nVenvdesk stopped reading after line {self.errors[-1].line}: the file has too many"
                " lines it cannot read."
            )
        return described

    def describe_options(self) -> str:
        """``line 2: --index-url https://user:****@host/simple`` for each line that changes sources.

        A line with ``${VARIABLES}`` is shown as pip reads it, then as written:
        ``line 2: --pre --index-url=http://x (written as “--pre ${EXTRA}”, with your environment variables)``.
        """
        shown: list[str] = []
        seen: set[int] = set()
        for option in self.options:
            if option.kind in SOURCE_KINDS and option.line not in seen:
                seen.add(option.line)
                if len(shown) == MAX_DESCRIBED_LINES:
                    continue  # counted below
                text = f"line {option.line}: {redact(_shortened(option.text))}"
                if option.written:
                    written = redact(_shortened(option.written))
                    text += f" (written as “{written}”, with your environment variables)"
                shown.append(text)
        if len(seen) > len(shown):
            shown.append(f"… and {len(seen) - len(shown)} more lines like these")
        return "\n".join(shown)


class _LineProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """pip's ``join_lines`` + ``ignore_comments``: (number of the first physical line, text)."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    first_number = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.endswith("\\") or _is_comment_line(line):
            if _is_comment_line(line):
                line = " " + line  # so the comment is still seen as one once joined
            if pending:
                pending.append(line)
                joined.append((first_number, "".join(pending)))
                pending = []
            else:
                joined.append((number, line))
        else:
            if not pending:
                first_number = number
            pending.append(line.strip("\\"))
    if pending:
        joined.append((first_number, "".join(pending)))
    result = []
    for number, line in joined:
        comment = _comment_start(line)
        line = (line if comment < 0 else line[:comment]).strip()
        if line:
            result.append((number, line))
    return result


def _expand_variables(line: str, environ: Mapping[str, str]) -> str:
    """pip's ``expand_env_variables`` for one logical line (the same replacements, in the same order)."""
    references = _VARIABLE.findall(line)
    if not references:
        return line
    if len(references) > _MAX_VARIABLES_PER_LINE:
        raise _LineProblem(
            f"the line uses ${{…}} variables {len(references)} times (Venvdesk reads at most"
            f" {_MAX_VARIABLES_PER_LINE} per line)"
        )
    for name in references:
        value = environ.get(name)
        if not value:
            continue  # pip leaves an unset or empty variable as written
        line = line.replace(f"${{{name}}}", value)
        if len(line) > _MAX_EXPANDED_LINE:
            raise _LineProblem(
                f"with the value of ${{{name}}} the line grows beyond {_MAX_EXPANDED_LINE:,} characters"
            )
    return line


def _split_arguments_and_options(line: str) -> tuple[str, str]:
    """pip's ``break_args_options``: options start at the first word beginning with "-"."""
    words = line.split(" ")
    for index, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:index]).strip(), " ".join(words[index:])
    return line.strip(), ""


def _resolve_option(word: str) -> str:
    if word in _FILE_OPTIONS:
        return word
    if word.startswith("--"):
        # optparse accepts any unambiguous abbreviation of a long option.
        matches = [name for name in _LONG_OPTIONS if name.startswith(word)]
        if len(matches) == 1:
            return matches[0]
    raise _LineProblem(f"{_quote(word, 40)} is not an option pip accepts in a requirements file")


def _parse_options(text: str) -> list[tuple[str, str]]:
    """(kind, value) for each option in ``text``, the way pip's option parser reads them."""
    if not text:
        return []
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise _LineProblem(f"pip cannot split the options {_quote(text, 40)} ({error})") from None
    found: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            break
        if not word.startswith("-") or word == "-":
            continue  # pip ignores stray words among options
        value: str | None = None
        if word.startswith("--"):
            name, equals, attached = word.partition("=")
            name = _resolve_option(name)
            if equals:
                value = attached
        else:
            name = _resolve_option(word[:2])
            if len(word) > 2:
                value = word[2:]
        kind, takes_value = _FILE_OPTIONS[name]
        if takes_value and value is None:
            if index >= len(words):
                raise _LineProblem(f"“{name}” needs a value after it")
            value = words[index]
            index += 1
        elif not takes_value and value is not None:
            raise _LineProblem(f"“{name}” does not take a value")
        found.append((kind, value or ""))
    return found


def _classify_requirement(arguments: str) -> Requirement | None:
    """The requirement in ``arguments``; ``None`` when it installs from a URL or a path."""
    head = arguments.split("; " if "://" in arguments else ";", 1)[0].strip()
    if _looks_like_url(head) or ("@" not in head and _looks_like_path(head)):
        return None
    try:
        requirement = _parse(arguments)
    except _invalid_requirement_error() as error:
        raise _LineProblem(
            f"{_quote(arguments)} is not a valid requirement ({_readable_reason(arguments, error)})"
        ) from None
    if requirement.url is not None:
        url = requirement.url
        if not (_looks_like_url(url) or _looks_like_path(url)):
            reason = "after “@” pip expects a web address or a file"
            if _looks_like_version(url):
                reason += f"; to choose a version write “{requirement.name}=={url}”"
            raise _LineProblem(f"{_quote(arguments)} is not a valid requirement ({reason})")
        return None
    return requirement


def parse_requirements_file(
    text: str, source: str = "requirements.txt", *, environ: Mapping[str, str] | None = None
) -> RequirementsFile:
    """Read requirements-file ``text`` with pip's rules; nothing is fetched and no included file is read.

    ``requirements`` holds what the file installs, in order: named requirements,
    and (with ``requirement=None``) URL, path and editable lines.  ``options``
    holds option lines and, again, URL, path and editable lines (kind "url" or
    "editable").  ``${VARIABLES}`` are expanded from ``environ`` (default: this
    process's environment, which pip inherits) before anything else, as pip
    does: a line ``--pre ${EXTRA}`` can set another index, and is then listed
    for confirmation as pip will read it.
    """
    environ = os.environ if environ is None else environ
    requirements: list[RequirementLine] = []
    options: list[OptionLine] = []
    errors: list[LineError] = []
    for number, written in _logical_lines(text.lstrip("\ufeff")):
        try:
            line = _expand_variables(written, environ)
        except _LineProblem as problem:
            errors.append(LineError(number, written, problem.message))
            if len(errors) >= MAX_LINE_ERRORS:
                break
            continue
        original = written if line != written else ""
        try:
            arguments, option_text = _split_arguments_and_options(line)
            parsed_options = _parse_options(option_text)
            if arguments:
                # pip uses only --hash / --config-settings from a requirement's own line.
                requirement = _classify_requirement(arguments)
                if requirement is None:
                    options.append(OptionLine(number, line, "url", original))
                requirements.append(RequirementLine(number, line, requirement))
                continue
        except _LineProblem as problem:
            errors.append(LineError(number, line, problem.message))
            if len(errors) >= MAX_LINE_ERRORS:
                break
            continue
        kinds = [kind for kind, _value in parsed_options if kind != _PER_REQUIREMENT]
        if "editable" in kinds:
            # pip treats the line as the editable requirement and ignores its other options.
            options.append(OptionLine(number, line, "editable", original))
            requirements.append(RequirementLine(number, line, None))
            continue
        for kind in kinds:
            options.append(OptionLine(number, line, kind, original))
    stopped_early = len(errors) >= MAX_LINE_ERRORS
    return RequirementsFile(tuple(requirements), tuple(options), tuple(errors), source, stopped_early)


# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _unreadable(message: str, detail: str) -> InvalidInput:
    return InvalidInput(
        message,
        hint="Check that this is the requirements file you meant, and save it as UTF-8 text.",
        reference="requirements-unreadable",
        detail=detail,
    )


def _too_big(path: Path, size: str) -> InvalidInput:
    from core.environments import human_size

    return InvalidInput(
        f"“{path.name}” is {size}; Venvdesk reads requirements files of at most"
        f" {human_size(MAX_REQUIREMENTS_FILE_BYTES)}, so nothing was read or installed.",
        hint="Check that this is the requirements file you meant: a list of packages is a few kilobytes.",
        reference="requirements-too-big",
        detail=f"{path}: more than {MAX_REQUIREMENTS_FILE_BYTES:,} bytes",
    )


def read_requirements_file(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> RequirementsFile:
    """Read and parse a requirements file: UTF-8, or any Unicode text that starts with a byte-order mark.

    (Windows PowerShell's ``pip freeze > requirements.txt`` writes UTF-16 with a mark.)  A file
    over ``MAX_REQUIREMENTS_FILE_BYTES`` is refused from its size, before it is read; one that is
    not a regular file (a folder, a pipe, a device) is refused too.  ``environ``: see
    :func:`parse_requirements_file`.  Blocking (up to a few seconds near the limit): call it
    off the UI thread.
    """
    from core.environments import human_size

    path = Path(path)

    def check(info: os.stat_result) -> None:
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable(f"“{path}” is not a file Venvdesk can read.", f"{path}: not a regular file")
        if info.st_size > MAX_REQUIREMENTS_FILE_BYTES:
            raise _too_big(path, human_size(info.st_size))

    try:
        check(os.stat(path))  # before opening: opening a named pipe would wait for a writer
        with open(path, "rb") as handle:
            check(os.fstat(handle.fileno()))  # the file opened, not one swapped in since
            data = handle.read(MAX_REQUIREMENTS_FILE_BYTES + 1)  # it may have grown since
    except OSError as error:
        raise _unreadable(f"Venvdesk could not read “{path}”.", str(error)) from None
    if len(data) > MAX_REQUIREMENTS_FILE_BYTES:
        raise _too_big(path, f"more than {human_size(MAX_REQUIREMENTS_FILE_BYTES)}")
    encoding = "utf-8"
    for mark, name in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            data, encoding = data[len(mark) :], name
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _unreadable(
            f"“{path.name}” is not a text file Venvdesk can read (line {line} is not valid {encoding.upper()}).",
            f"{path}: {error}",
        ) from None
    with _without_collection_pauses():
        return parse_requirements_file(text, source=str(path), environ=environ)


@contextlib.contextmanager
def _without_collection_pauses() -> Iterator[None]:
    """Parsing a large file makes hundreds of thousands of objects and no reference cycles.

    Each full collection the allocations trigger stops every thread, the UI's included, for
    ~100 ms (measured near the size limit); with collection paused for the parse the window
    keeps its 10 ms rhythm.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class CheckedRequirements:
    """What the GUI needs of a checked file, in a few strings (the parsed lines stay in the worker)."""

    ok: bool
    errors: str
    changes_sources: bool
    options: str
    specs: tuple[str, ...]


def check_requirements_file(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> CheckedRequirements:
    """:func:`read_requirements_file`, reduced to its verdict (blocking: call it off the UI thread)."""
    parsed = read_requirements_file(path, environ=environ)
    with _without_collection_pauses():
        return CheckedRequirements(
            ok=parsed.ok,
            errors=parsed.describe_errors() if not parsed.ok else "",
            changes_sources=parsed.changes_sources,
            options=parsed.describe_options() if parsed.changes_sources else "",
            specs=tuple(str(line.requirement) for line in parsed.requirements if line.requirement is not None),
        )


def write_requirements_file(path: str | os.PathLike[str], text: str, *, overwrite: bool) -> None:
    """Save ``text`` to ``path`` atomically; refuse to replace an existing file unless ``overwrite``."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(
            f"“{path.name}” is a folder.",
            hint="Choose a file name for the requirements file.",
            reference="file-exists",
            detail=str(path),
        )
    if not overwrite and (path.exists() or path.is_symlink()):
        raise InvalidInput(
            f"“{path.name}” already exists.",
            hint="Choose another name, or confirm that you want to replace it.",
            reference="file-exists",
            detail=str(path),
        )
    try:
        storage.write_text_atomic(path, text)
    except OSError as error:
        raise UserFacingError(
            f"Venvdesk could not save “{path}”.",
            hint="Check that the folder exists and that you may write to it.",
            reference="requirements-unwritable",
            detail=str(error),
        ) from None
