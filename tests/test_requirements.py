"""What a person asks pip to install: the Install box and requirements files."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import time

import pytest

from core import storage
from core.errors import InvalidInput, UserFacingError
from core.requirements import (
    MAX_DESCRIBED_LINES,
    MAX_INSTALL_SPEC_LENGTH,
    MAX_LINE_ERRORS,
    MAX_REQUIREMENTS_FILE_BYTES,
    LineError,
    OptionLine,
    RequirementsFile,
    normalise_spec_for_pip,
    parse_install_spec,
    parse_requirements_file,
    read_requirements_file,
    write_requirements_file,
)
from tests.support.local_index import hermetic_pip_env

# ------------------------------------------------------------------ the Install box: accepted


@pytest.mark.parametrize(
    ("typed", "name", "for_pip"),
    [
        ("requests", "requests", "requests"),
        ("  requests \n", "requests", "requests"),
        ("requests==2.31.0", "requests", "requests==2.31.0"),
        ("name==1.2", "name", "name==1.2"),
        ("name>=1,<2", "name", "name<2,>=1"),
        ("name >= 1, < 2", "name", "name<2,>=1"),
        ("name[extra]", "name", "name[extra]"),
        ("name[extra]>=1", "name", "name[extra]>=1"),
        ("name[a,b]", "name", "name[a,b]"),
        ("name ~= 1.4", "name", "name~=1.4"),
        ("Django==4.2.*", "Django", "Django==4.2.*"),
        ("zope.interface", "zope.interface", "zope.interface"),
        ("typing_extensions!=4.0", "typing_extensions", "typing_extensions!=4.0"),
        ("3to2", "3to2", "3to2"),
    ],
)
def test_install_box_accepts_one_requirement(typed, name, for_pip):
    requirement = parse_install_spec(typed)
    assert requirement.name == name
    assert requirement.url is None and requirement.marker is None
    assert normalise_spec_for_pip(requirement) == for_pip


def test_spec_for_pip_is_the_requirement_string():
    requirement = parse_install_spec("Name [Extra] ~= 1.4")
    assert normalise_spec_for_pip(requirement) == str(requirement) == "Name[Extra]~=1.4"


# ------------------------------------------------------------------ the Install box: refused


@pytest.mark.parametrize(
    ("typed", "reference", "named_problem"),
    [
        ("", "spec-empty", "Type the name of a package"),
        ("   \t\n", "spec-empty", "Type the name of a package"),
        (
            "--index-url https://example.com/simple",
            "spec-option",
            "“--index-url …” is a pip option",
        ),
        ("-r requirements.txt", "spec-option", "“-r …” is a pip option"),
        ("--pre", "spec-option", "“--pre” is a pip option"),
        ("-e .", "spec-option", "is a pip option"),
        ("--upgrade requests", "spec-option", "is a pip option"),
        ("https://example.com/pkg-1.0-py3-none-any.whl", "spec-url", "is a web address"),
        ("git+https://github.com/psf/requests", "spec-url", "is a web address"),
        ("file:///home/me/pkg-1.0.tar.gz", "spec-url", "is a web address"),
        ("pkg @ https://example.com/pkg.whl", "spec-url", "is a web address"),
        ("pkg@git+ssh://git@github.com/me/pkg", "spec-url", "is a web address"),
        ("./mypackage", "spec-path", "looks like a file or folder"),
        (".", "spec-path", "looks like a file or folder"),
        ("/home/me/pkg", "spec-path", "looks like a file or folder"),
        ("~/projects/pkg", "spec-path", "looks like a file or folder"),
        ("\\\\server\\share\\pkg.whl", "spec-path", "looks like a file or folder"),
        ("C:\\Users\\me\\pkg", "spec-path", "looks like a file or folder"),
        ("c:pkg", "spec-path", "looks like a file or folder"),
        ("pkg-1.0-py3-none-any.whl", "spec-path", "looks like a file or folder"),
        ("pkg-1.0.tar.gz", "spec-path", "looks like a file or folder"),
        ("pkg-1.0.ZIP", "spec-path", "looks like a file or folder"),
        ("downloads/pkg", "spec-path", "looks like a file or folder"),
        ("requests flask", "spec-several", "names several packages (“requests”, “flask”)"),
        ("requests, flask", "spec-several", "names several packages (“requests”, “flask”)"),
        ("requests,flask", "spec-several", "names several packages (“requests”, “flask”)"),
        ("numpy pandas matplotlib", "spec-several", "(“numpy”, “pandas”, “matplotlib”)"),
        ("requests>=2 flask<3", "spec-several", "(“requests>=2”, “flask<3”)"),
        ("flask >= 2.0 requests", "spec-several", "(“flask >= 2.0”, “requests”)"),
        ("requests\nflask", "spec-several", "names several packages"),
        ("requests; python_version < '3.10'", "spec-marker", "has a condition after “;”"),
        ('pkg;sys_platform=="win32"', "spec-marker", "has a condition after “;”"),
        ("requests==", "spec-invalid", "“requests==” is not a valid package requirement"),
        ("flask>=>2", "spec-invalid", "“flask>=>2” is not a valid package requirement"),
        ("???", "spec-invalid", "it must start with a package name"),
        ("==1.0", "spec-invalid", "it must start with a package name"),
        ("requests[", "spec-invalid", "is not a valid package requirement"),
        ("flask 2.0", "spec-invalid", "pip does not understand “2.0”"),
        ("requests@2.31", "spec-invalid", "is not how pip asks for a version"),
        ("pip install requests", "spec-command", "without “pip install”"),
        ("python -m pip install flask==2", "spec-command", "without “pip install”"),
        ("py -m pip install -r req.txt", "spec-command", "without “pip install”"),
    ],
)
def test_install_box_refuses_with_a_sentence_naming_the_problem(typed, reference, named_problem):
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec(typed)
    error = caught.value
    assert error.reference == reference
    assert named_problem in error.message
    assert error.hint, "every refusal says what to do instead"
    assert "\n" not in error.message


@pytest.mark.parametrize(
    ("typed", "reference"),
    [("./pkg", "spec-path"), ("https://x.org/p.whl", "spec-url")],
)
def test_local_files_and_urls_are_pointed_to_their_own_action(typed, reference):
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec(typed)
    assert caught.value.reference == reference
    assert "Local files and URLs get their own explicit action" in caught.value.message


@pytest.mark.parametrize(
    "typed",
    [
        "file:///home/me/pkg-1.0.tar.gz",
        "FILE:///home/me/pkg",
        "File://localhost/home/me/pkg-1.0-py3-none-any.whl",
    ],
)
def test_file_urls_typed_in_the_install_box_are_refused_as_urls(typed):
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec(typed)
    assert caught.value.reference == "spec-url"
    assert "is a web address" in caught.value.message


@pytest.mark.parametrize("typed", ["file:/home/me/pkg", "file:pkg", "file:pkg-1.0.tar.gz"])
def test_file_urls_without_slashes_are_refused_as_urls_too(typed):
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec(typed)
    assert caught.value.reference == "spec-url"


def test_option_typed_in_the_install_box_is_never_passed_through():
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec("--index-url https://evil.example/simple requests")
    assert "Venvdesk does not pass options typed here to pip" in caught.value.message
    assert "evil.example" not in caught.value.message


def test_secret_typed_in_the_install_box_is_not_repeated():
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec("https://user:s3cret@example.com/pkg.whl")
    assert "s3cret" not in str(caught.value)
    assert "user:****@" in caught.value.message


def test_several_packages_hint_says_one_at_a_time():
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec("requests flask")
    assert "one at a time" in caught.value.hint


def test_invalid_spec_keeps_packagings_message_in_detail():
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec("requests==")
    assert caught.value.reference == "spec-invalid"
    assert "Expected" in caught.value.detail
    assert "requests==" in caught.value.detail


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("flask 2.0", "write “flask==2.0”"),
        ("requests@2.31", "write “requests==2.31”"),
        ("pip install requests", "Type just “requests”"),
        ("pip3 install Flask ~= 2.0", "Type just “Flask~=2.0”"),
    ],
)
def test_common_beginner_slips_get_a_hint_with_the_fix(typed, hint):
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec(typed)
    assert hint in caught.value.hint


def test_marker_hint_offers_the_spec_without_the_condition():
    with pytest.raises(InvalidInput) as caught:
        parse_install_spec("requests>=2; python_version < '3.10'")
    assert "“requests>=2”" in caught.value.hint


# ------------------------------------------------------------------ requirements files

EXAMPLE_FILE = """\
# Pinned by hand
--index-url https://user:token@pypi.example.com/simple
requests==2.31.0 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
flask>=2  # the web part
requests==
importlib-metadata; python_version < "3.10"

-e git+https://github.com/me/tool.git#egg=tool
"""


def test_requirements_file_reports_malformed_line_7_by_number():
    parsed = parse_requirements_file(EXAMPLE_FILE)
    assert not parsed.ok
    assert parsed.errors == (
        LineError(
            7,
            "requests==",
            "“requests==” is not a valid requirement (“==” needs a version after it, as in “==2.31.0”)",
        ),
    )
    assert parsed.describe_errors() == (
        "line 7: “requests==” is not a valid requirement (“==” needs a version after it, as in “==2.31.0”)"
    )


def test_requirements_file_keeps_requirements_with_their_starting_line():
    parsed = parse_requirements_file(EXAMPLE_FILE)
    found = [
        (line.line, line.requirement and str(line.requirement)) for line in parsed.requirements
    ]
    assert found == [
        (3, "requests==2.31.0"),  # continuation lines 3-5, hashes ignored
        (6, "flask>=2"),
        (8, 'importlib-metadata; python_version < "3.10"'),
        (10, None),  # the editable checkout
    ]
    assert [(option.line, option.kind) for option in parsed.options] == [
        (2, "index-url"),
        (10, "editable"),
    ]


def test_continuation_reports_the_line_where_the_logical_line_starts():
    text = "alpha\nbeta \\\n  >=1 \\\n  ,<2\ngamma==\n"
    parsed = parse_requirements_file(text)
    assert [(line.line, str(line.requirement)) for line in parsed.requirements] == [
        (1, "alpha"),
        (2, "beta<2,>=1"),
    ]
    assert [error.line for error in parsed.errors] == [5]


def test_comment_ends_a_continuation_as_pip_does():
    parsed = parse_requirements_file("alpha \\\n# note\nbeta\n")
    assert [(line.line, line.requirement.name) for line in parsed.requirements] == [
        (1, "alpha"),
        (3, "beta"),
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("# only a comment\n\n   \n", []),
        ("requests # pinned later\n", ["requests"]),
        ("requests\t# tab before the hash\n", ["requests"]),
        ("  # indented comment\nflask\n", ["flask"]),
        ("requests==2.31.0 --hash=sha256:abcd --hash sha256:ef01\n", ["requests"]),
        ("pkg --config-settings=key=value\n", ["pkg"]),
        ('pkg; python_version < "3.10"\n', ["pkg"]),
        ('pkg[extra]>=1,<2 ; sys_platform == "win32"\n', ["pkg"]),
        ("requests\r\nflask\r\n", ["requests", "flask"]),
    ],
)
def test_requirement_lines_pip_accepts(text, names):
    parsed = parse_requirements_file(text)
    assert parsed.ok, parsed.describe_errors()
    assert [line.requirement.name for line in parsed.requirements] == names
    assert parsed.options == ()


def test_local_path_after_at_is_a_url_line():
    parsed = parse_requirements_file("pkg @ ./vendor/pkg-1.0.whl\n")
    assert parsed.ok
    assert [option.kind for option in parsed.options] == ["url"]


def test_hash_fragment_in_a_url_is_not_a_comment():
    parsed = parse_requirements_file("pkg @ https://example.com/pkg-1.0.whl#sha256=abcd\n")
    assert parsed.options == (
        OptionLine(1, "pkg @ https://example.com/pkg-1.0.whl#sha256=abcd", "url"),
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("-i https://example.com/simple", "index-url"),
        ("--index-url https://example.com/simple", "index-url"),
        ("--index-url=https://example.com/simple", "index-url"),
        ("-ihttps://example.com/simple", "index-url"),
        ("--extra-index-url https://example.com/simple", "extra-index-url"),
        ("--extra https://example.com/simple", "extra-index-url"),  # optparse abbreviation
        ("-f https://example.com/wheels/", "find-links"),
        ("--find-links ./wheels", "find-links"),
        ("-e .", "editable"),
        ("--editable git+https://github.com/me/tool.git#egg=tool", "editable"),
        ("https://example.com/pkg-1.0.tar.gz", "url"),
        ("git+https://github.com/me/tool.git", "url"),
        ("pkg @ https://example.com/pkg-1.0.whl", "url"),
        ("pkg @ file:///home/me/pkg-1.0.whl", "url"),
        ("./wheels/pkg-1.0-py3-none-any.whl", "url"),
        ("pkg-1.0.tar.gz", "url"),
        (".", "url"),
        ("-r other.txt", "include"),
        ("--requirement other.txt", "include"),
        ("-c constraints.txt", "constraint"),
        ("--constraint constraints.txt", "constraint"),
        ("--trusted-host example.com", "trusted-host"),
        ("--no-index", "no-index"),
        ("--pre", "other"),
        ("--prefer-binary", "other"),
        ("--require-hashes", "other"),
        ("--only-binary :all:", "other"),
        ("--no-binary=pkg", "other"),
        ("--use-feature truststore", "other"),
    ],
)
def test_option_lines_of_every_kind(text, kind):
    parsed = parse_requirements_file(f"requests\n{text}\n")
    assert parsed.ok, parsed.describe_errors()
    assert parsed.options == (OptionLine(2, text, kind),)
    installs = kind in ("url", "editable")
    assert [line.line for line in parsed.requirements] == ([1, 2] if installs else [1])
    if installs:
        assert parsed.requirements[1].requirement is None


def test_several_options_on_one_line_are_each_recorded_and_described_once():
    parsed = parse_requirements_file("--no-index --find-links ./wheels\n")
    assert [option.kind for option in parsed.options] == ["no-index", "find-links"]
    assert parsed.describe_options() == "line 1: --no-index --find-links ./wheels"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("requests==", "“requests==” is not a valid requirement (“==” needs a version after it"),
        (
            "flask>=>2",
            "“flask>=>2” is not a valid requirement (“>=>2” is not a valid version condition)",
        ),
        ("???", "“???” is not a valid requirement (it must start with a package name)"),
        (
            "requests flask",
            "“requests flask” is not a valid requirement (pip does not understand “flask”)",
        ),
        ("requests@2.31", "to choose a version write “requests==2.31”"),
        ("--frobnicate", "“--frobnicate” is not an option pip accepts in a requirements file"),
        ("requests --frobnicate", "“--frobnicate” is not an option pip accepts"),
        ("--install-option=--prefix", "is not an option pip accepts"),
        ("-i", "“-i” needs a value after it"),
        ("--index-url", "“--index-url” needs a value after it"),
        ("--pre=yes", "“--pre” does not take a value"),
        ("--find-links 'unclosed", "pip cannot split the options"),
    ],
)
def test_malformed_lines_are_errors_with_a_readable_message(line, message):
    parsed = parse_requirements_file(f"alpha\n{line}\nbeta\n")
    assert not parsed.ok
    assert [error.line for error in parsed.errors] == [2]
    assert message in parsed.errors[0].message
    assert parsed.describe_errors().startswith("line 2: ")
    # The lines around it are still read.
    assert [line.requirement.name for line in parsed.requirements] == ["alpha", "beta"]


# optparse (which pip reads requirements-file options with) accepts an abbreviation of a long
# option only when exactly one option starts with it.
AMBIGUOUS_ABBREVIATIONS = ["--no x", "--pr", "--e x", "--c x", "--re x"]


@pytest.mark.parametrize("line", AMBIGUOUS_ABBREVIATIONS)
def test_ambiguous_option_abbreviation_is_refused(line):
    parsed = parse_requirements_file(f"alpha\n{line}\nbeta\n")
    assert [error.line for error in parsed.errors] == [2]
    assert f"“{line.split()[0]}”" in parsed.errors[0].message
    assert parsed.options == ()  # not guessed to be any one of the options it could be
    assert [line.requirement.name for line in parsed.requirements] == ["alpha", "beta"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
@pytest.mark.parametrize("line", AMBIGUOUS_ABBREVIATIONS)
def test_pip_itself_refuses_the_same_ambiguous_abbreviations(template_venv, tmp_path, line):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{line}\n")
    result = subprocess.run(
        [str(template_venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", "--no-index",
         "--requirement", str(requirements)],
        env=hermetic_pip_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert f"ambiguous option: {line.split()[0]} (" in result.stderr


def test_unambiguous_abbreviation_is_read_as_its_option_and_shown_for_confirmation():
    # "--in" was ambiguous while pip had --install-option (removed in pip 23.1); today only
    # --index-url starts with it, so pip uses it as the index: the person is asked first.
    parsed = parse_requirements_file("--in https://user:tok@mirror.example/simple\n")
    assert parsed.ok, parsed.describe_errors()
    assert parsed.options == (OptionLine(1, "--in https://user:tok@mirror.example/simple", "index-url"),)
    assert parsed.changes_sources
    assert parsed.describe_options() == "line 1: --in https://user:****@mirror.example/simple"


def test_describe_options_lists_what_changes_where_code_comes_from_with_secrets_redacted():
    text = (
        "--index-url https://user:token@pypi.example.com/simple\n"
        "--extra-index-url https://__token__:pypi-AgEIcHlwaS5vcmc@upload.example.com/simple\n"
        "--pre\n"
        "requests\n"
        "pkg @ https://deploy:hunter2@git.example.com/pkg.whl\n"
        "-r other.txt\n"
    )
    parsed = parse_requirements_file(text)
    described = parsed.describe_options()
    assert described == (
        "line 1: --index-url https://user:****@pypi.example.com/simple\n"
        "line 2: --extra-index-url https://__token__:****@upload.example.com/simple\n"
        "line 5: pkg @ https://deploy:****@git.example.com/pkg.whl\n"
        "line 6: -r other.txt"
    )
    for secret in ("token@", "pypi-AgEIcHlwaS5vcmc", "hunter2"):
        assert secret not in described
    # The real value stays in the parsed line: only what is shown is redacted.
    assert "user:token@" in parsed.options[0].text
    assert parsed.changes_sources


def test_plain_file_needs_no_confirmation():
    parsed = parse_requirements_file("requests==2.31.0\n--pre\n")
    assert parsed.describe_options() == ""
    assert not parsed.changes_sources
    assert parsed.ok and parsed.describe_errors() == ""


def test_secret_in_a_malformed_line_is_redacted_in_the_message():
    parsed = parse_requirements_file("pkg @@ https://user:hunter2@example.com/x.whl ???\n")
    assert not parsed.ok
    assert "hunter2" not in parsed.describe_errors()


def test_requirements_file_remembers_its_source():
    assert parse_requirements_file("requests\n").source == "requirements.txt"
    assert parse_requirements_file("requests\n", source="dev.txt").source == "dev.txt"


def test_empty_file_is_ok_and_empty():
    assert parse_requirements_file("") == RequirementsFile((), (), ())


# ------------------------------------------------------------------ reading and writing files


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),  # Windows PowerShell's "pip freeze > requirements.txt"
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_read_requirements_file_with_a_byte_order_mark(tmp_path, bom, encoding):
    path = tmp_path / "requirements.txt"
    path.write_bytes(bom + "requests==2.31.0\r\nflask\r\n".encode(encoding))
    parsed = read_requirements_file(path)
    assert parsed.ok, parsed.describe_errors()
    assert [str(line.requirement) for line in parsed.requirements] == ["requests==2.31.0", "flask"]
    assert parsed.requirements[0].line == 1
    assert parsed.source == str(path)


def test_byte_order_mark_in_text_is_ignored():
    parsed = parse_requirements_file("\ufeffrequests\n")
    assert parsed.ok and parsed.requirements[0].requirement.name == "requests"


def test_read_requirements_file_accepts_utf8_comments(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# Café, naïve — ok\nrequests\n", encoding="utf-8")
    assert read_requirements_file(path).ok


def test_file_that_is_not_utf8_is_refused_with_the_line(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"requests\n# caf\xe9\n")
    with pytest.raises(InvalidInput) as caught:
        read_requirements_file(path)
    assert caught.value.reference == "requirements-unreadable"
    assert "requirements.txt" in caught.value.message
    assert "line 2" in caught.value.message
    assert caught.value.hint


def test_missing_file_is_unreadable_with_its_path(tmp_path):
    path = tmp_path / "nowhere" / "requirements.txt"
    with pytest.raises(InvalidInput) as caught:
        read_requirements_file(path)
    assert caught.value.reference == "requirements-unreadable"
    assert str(path) in caught.value.message
    assert "No such file" in caught.value.detail


def test_folder_is_unreadable(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        read_requirements_file(tmp_path)
    assert caught.value.reference == "requirements-unreadable"


def test_write_requirements_file_creates_a_new_file(tmp_path):
    path = tmp_path / "sub" / "requirements.txt"
    write_requirements_file(path, "requests==2.31.0\n", overwrite=False)
    assert path.read_text(encoding="utf-8") == "requests==2.31.0\n"


def test_write_requirements_file_refuses_to_replace_without_overwrite(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        write_requirements_file(path, "requests\n", overwrite=False)
    assert caught.value.reference == "file-exists"
    assert "“requirements.txt” already exists" in caught.value.message
    assert path.read_text(encoding="utf-8") == "keep me\n"


def test_write_requirements_file_replaces_when_asked(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("old\n", encoding="utf-8")
    write_requirements_file(path, "new==1.0\n", overwrite=True)
    assert path.read_text(encoding="utf-8") == "new==1.0\n"
    assert os.listdir(tmp_path) == ["requirements.txt"], "no temporary file left behind"


def test_write_requirements_file_goes_through_the_atomic_writer(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(storage, "write_text_atomic", lambda path, text: calls.append((path, text)))
    path = tmp_path / "requirements.txt"
    write_requirements_file(path, "requests\n", overwrite=False)
    assert calls == [(path, "requests\n")]


def test_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "requirements.txt"
    path.write_text("old\n", encoding="utf-8")

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(UserFacingError) as caught:
        write_requirements_file(path, "new\n", overwrite=True)
    assert caught.value.reference == "requirements-unwritable"
    assert "No space left" in caught.value.detail
    assert path.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["requirements.txt"]


def test_write_requirements_file_refuses_a_folder(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        write_requirements_file(tmp_path, "requests\n", overwrite=True)
    assert caught.value.reference == "file-exists"


# ------------------------------------------------------------------ ${VARIABLES}, as pip expands them


def test_variable_that_expands_to_an_index_option_is_confirmed_as_pip_reads_it():
    # pip expands ${NAME} before it reads options: this line switches the index.
    parsed = parse_requirements_file(
        "requests\n--pre ${EVIL}\n", environ={"EVIL": "--index-url=https://user:hunter2@evil.example/simple"}
    )
    assert parsed.ok, parsed.describe_errors()
    kinds = {option.kind: option for option in parsed.options}
    assert set(kinds) == {"other", "index-url"}
    assert kinds["index-url"].text == "--pre --index-url=https://user:hunter2@evil.example/simple"
    assert kinds["index-url"].written == "--pre ${EVIL}"
    assert parsed.changes_sources
    described = parsed.describe_options()
    assert described == (
        "line 2: --pre --index-url=https://user:****@evil.example/simple"
        " (written as “--pre ${EVIL}”, with your environment variables)"
    )
    assert "hunter2" not in described


def test_variable_that_expands_to_a_url_makes_the_requirement_a_url_line():
    parsed = parse_requirements_file("${PKG}\n", environ={"PKG": "pkg @ https://evil.example/pkg.whl"})
    assert parsed.requirements[0].requirement is None
    assert [option.kind for option in parsed.options] == ["url"]
    assert "https://evil.example/pkg.whl" in parsed.describe_options()


def test_variables_default_to_this_process_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VENVDESK_TEST_EXTRA", "--extra-index-url http://127.0.0.1:9/extra/")
    assert parse_requirements_file("--pre ${VENVDESK_TEST_EXTRA}\n").changes_sources
    path = tmp_path / "requirements.txt"
    path.write_text("--pre ${VENVDESK_TEST_EXTRA}\n")
    assert read_requirements_file(path).changes_sources
    # An explicit environment is the one used.
    assert not read_requirements_file(path, environ={}).changes_sources


@pytest.mark.parametrize(
    "line",
    [
        "--pre ${UNSET}",  # not set: left as written, as pip does
        "--pre ${EMPTY}",  # empty: left as written too
        "--pre ${evil}",  # pip expands only capitals, digits and "_"
        "--pre $EVIL",  # only the ${...} form
        "--pre %EVIL%",
        "--pre # ${EVIL}",  # comments go before expansion
    ],
)
def test_what_pip_does_not_expand_stays_as_written(line):
    environ = {"EVIL": "--index-url=http://evil.example/", "evil": "--index-url=http://evil.example/", "EMPTY": ""}
    parsed = parse_requirements_file(line + "\n", environ=environ)
    assert not parsed.changes_sources, parsed.options
    assert all(option.written == "" for option in parsed.options)


def test_replacements_follow_pips_order():
    # pip replaces each reference in turn on the whole line, so a value that names a variable
    # found later on the line is replaced too.
    parsed = parse_requirements_file("${A} ${B}\n", environ={"A": "${B}", "B": "--no-index"})
    assert [option.kind for option in parsed.options] == ["no-index", "no-index"]
    assert parsed.options[0].text == "--no-index --no-index"


def test_a_line_whose_variables_explode_is_refused_not_expanded():
    parsed = parse_requirements_file("${A}${A}${A}${A}\nrequests\n", environ={"A": "x" * 40_000})
    assert [error.line for error in parsed.errors] == [1]
    assert "100,000 characters" in parsed.errors[0].message
    many = parse_requirements_file("${A}" * 101 + "\n", environ={"A": "a"})
    assert "101 times" in many.errors[0].message


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
def test_pip_itself_switches_the_index_from_a_variable(template_venv, tmp_path, local_index):
    # The premise, with the real pip: the default index is dead (hermetic), the package is only
    # on the index the variable names; pip finds it, so the variable did switch the index.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("--pre ${VENVDESK_EVIL}\ntinyapp==2.0\n")
    evil = f"--index-url={local_index.simple_url}"
    env = hermetic_pip_env() | {"PIP_INDEX_URL": "http://127.0.0.1:9/dead/", "VENVDESK_EVIL": evil}
    result = subprocess.run(
        [str(template_venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", "--requirement", str(requirements)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Would install" in result.stdout and "tinyapp-2.0" in result.stdout
    parsed = read_requirements_file(requirements, environ=env)
    assert [option.kind for option in parsed.options] == ["other", "index-url"]
    assert local_index.simple_url in parsed.describe_options()


# ------------------------------------------------------------------ size limits and timing


def test_a_file_over_the_limit_is_refused_from_its_size_without_being_read(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:  # sparse: 2 GB that cost nothing, and would take long to read
        handle.truncate(2_000_000_000)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        read_requirements_file(path)
    assert time.perf_counter() - started < 0.5, "refused from its size, not read"
    assert caught.value.reference == "requirements-too-big"
    assert "“huge.txt” is 2.0 GB" in caught.value.message
    assert f"at most {MAX_REQUIREMENTS_FILE_BYTES / 1_000_000:.1f} MB" in caught.value.message
    assert caught.value.hint


def test_a_file_one_byte_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"# " + b"x" * (MAX_REQUIREMENTS_FILE_BYTES - 3) + b"\n" + b"a")
    assert path.stat().st_size == MAX_REQUIREMENTS_FILE_BYTES + 1
    with pytest.raises(InvalidInput) as caught:
        read_requirements_file(path)
    assert caught.value.reference == "requirements-too-big"


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "requirements.txt"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInput) as caught:
        read_requirements_file(fifo)
    assert caught.value.reference == "requirements-unreadable"
    assert "not a regular file" in caught.value.detail


def freeze_lines_of(size: int) -> bytes:
    """A ``pip freeze``-like file of exactly ``size`` bytes, every line a different package."""
    lines = []
    total = 0
    number = 0
    while True:
        line = f"package-number-{number:07d}==1.{number % 50}.{number % 7}\n".encode()
        if total + len(line) > size:
            break
        lines.append(line)
        total += len(line)
        number += 1
    padding = size - total
    return b"".join(lines) + (b"#" * (padding - 1) + b"\n" if padding else b"")


@pytest.mark.slow
def test_a_file_just_under_the_limit_is_read_and_its_time_reported(tmp_path, capsys):
    path = tmp_path / "requirements.txt"
    path.write_bytes(freeze_lines_of(MAX_REQUIREMENTS_FILE_BYTES))
    assert path.stat().st_size == MAX_REQUIREMENTS_FILE_BYTES
    started = time.perf_counter()
    parsed = read_requirements_file(path)
    elapsed = time.perf_counter() - started
    assert parsed.ok, parsed.describe_errors()[:500]
    assert len(parsed.requirements) > MAX_REQUIREMENTS_FILE_BYTES // 40
    assert parsed.requirements[-1].requirement.name.startswith("package-number-")
    with capsys.disabled():
        print(f"\n[timing] read_requirements_file of {len(parsed.requirements):,} lines, "
              f"{MAX_REQUIREMENTS_FILE_BYTES:,} bytes: {elapsed:.2f} s (blocking: run it off the UI thread)")
    assert elapsed < 60


def test_a_file_of_nothing_but_errors_stops_early_with_a_short_message():
    parsed = parse_requirements_file("not valid ===\n" * 100_000)
    assert len(parsed.errors) == MAX_LINE_ERRORS
    assert parsed.stopped_early
    described = parsed.describe_errors()
    assert described.count("\n") == MAX_LINE_ERRORS  # one line each, and the note
    assert described.endswith(f"stopped reading after line {MAX_LINE_ERRORS}: the file has too many lines it cannot read.")


def test_confirmation_lists_at_most_a_screenful_of_lines():
    parsed = parse_requirements_file("".join(f"-e ./project{n}\n" for n in range(500)))
    described = parsed.describe_options().splitlines()
    assert len(described) == MAX_DESCRIBED_LINES + 1
    assert described[-1] == f"… and {500 - MAX_DESCRIBED_LINES} more lines like these"


@pytest.mark.parametrize(
    "line",
    [
        "a" + " " * 200_000 + "b",  # pip's comment pattern takes quadratic time on this
        "a" + " \t" * 100_000 + "#",
        "x" + "#" * 200_000,
    ],
)
def test_long_lines_are_read_in_linear_time(line):
    started = time.perf_counter()
    parse_requirements_file(line + "\n")
    assert time.perf_counter() - started < 2  # the quadratic pattern takes minutes here


# ------------------------------------------------------------------ the Install box: long text


def test_install_box_refuses_very_long_text_at_once():
    parse_install_spec("requests")  # packaging imported: not part of the timing
    for text in ("a" * 100_000, "requests " * 12_000, "x[" + "a," * 50_000):
        started = time.perf_counter()
        with pytest.raises(InvalidInput) as refused:
            parse_install_spec(text)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms for {text[:12]!r}…"
        assert refused.value.reference == "spec-too-long"
        assert "too long to be a package name" in refused.value.message
        assert f"{len(text.strip()):,} characters" in refused.value.message


@pytest.mark.parametrize(
    "text",
    [
        "x[" + "a," * 495,  # an unclosed extra: each word was parsed again with all before it
        "a " * 500,
        "a>=1, " * 166,
        "pip install " + "a " * 490,
        "1 a " * 250,
    ],
)
def test_install_box_text_at_the_limit_is_checked_quickly(text):
    assert len(text.strip()) <= MAX_INSTALL_SPEC_LENGTH
    parse_install_spec("requests")
    started = time.perf_counter()
    with pytest.raises(InvalidInput):
        parse_install_spec(text)
    assert time.perf_counter() - started < 0.05
