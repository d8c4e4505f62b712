"""The argv of every command the app runs, the environment it runs in, and how it is shown."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from core import commands
from core.commands import Command, child_environment, create_venv, redact
from core.errors import InvalidInput

PYTHON = "/usr/bin/python3.12"
TARGET = "/home/me/envs/demo"
ENV_PYTHON = "/home/me/envs/demo/bin/python"


# ------------------------------------------------------------------ creating an environment


@pytest.mark.parametrize(
    ("options", "expected_flags"),
    [
        ({}, []),
        ({"system_site_packages": True}, ["--system-site-packages"]),
        ({"with_pip": False}, ["--without-pip"]),
        ({"upgrade_deps": True}, ["--upgrade-deps"]),
        ({"prompt": "my project"}, ["--prompt=my project"]),
        (
            {"system_site_packages": True, "upgrade_deps": True, "prompt": "demo"},
            ["--system-site-packages", "--upgrade-deps", "--prompt=demo"],
        ),
        (
            {"system_site_packages": True, "with_pip": False, "prompt": "-x"},
            ["--system-site-packages", "--without-pip", "--prompt=-x"],
        ),
        # Upgrading pip makes no sense without pip: the option is dropped.
        ({"with_pip": False, "upgrade_deps": True}, ["--without-pip"]),
    ],
)
def test_create_environment_command_for_each_option(options, expected_flags):
    command = create_venv(PYTHON, TARGET, **options)
    assert command.program == PYTHON
    assert command.args == ("-m", "venv", *expected_flags, TARGET)
    assert command.description == "Create the environment demo"


def test_create_environment_accepts_a_path_object():
    assert create_venv(PYTHON, Path(TARGET)).args[-1] == TARGET


@pytest.mark.parametrize(
    ("interpreter", "target", "reference"),
    [
        (PYTHON, "envs/demo", "relative-path"),
        (PYTHON, "", "empty-path"),
        ("python3", TARGET, "relative-path"),
        ("", TARGET, "empty-path"),
    ],
)
def test_create_environment_refuses_paths_that_are_not_full(interpreter, target, reference):
    with pytest.raises(InvalidInput) as refused:
        create_venv(interpreter, target)
    assert refused.value.reference == reference


@pytest.mark.parametrize("prompt", ["two\nlines", "carriage\rreturn", "end\n"])
def test_create_environment_refuses_a_prompt_with_line_breaks(prompt):
    with pytest.raises(InvalidInput) as refused:
        create_venv(PYTHON, TARGET, prompt=prompt)
    assert refused.value.reference == "bad-prompt"


# ------------------------------------------------------------------ seeding pip (pip's own command line: tests/test_pip_backend.py)


def test_seed_pip_command_runs_the_seeding_script_isolated():
    wheel = "/cache/pip-wheels/pip-24.0-py3-none-any.whl"
    command = commands.seed_pip(ENV_PYTHON, wheel)
    script = Path(commands.__file__).with_name("seed_pip.py")
    assert command.program == ENV_PYTHON
    assert command.args == ("-I", str(script), wheel)
    assert script.is_file()
    assert "pip-24.0-py3-none-any.whl" in command.description


def test_byte_compile_command():
    command = commands.byte_compile(ENV_PYTHON, "/home/me/envs/demo/lib")
    assert command.args == ("-I", "-m", "compileall", "-q", "/home/me/envs/demo/lib")


# ------------------------------------------------------------------ secrets in what is shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "https://user:token@pypi.example.com/simple/",
            "https://user:****@pypi.example.com/simple/",
        ),
        ("https://token@pypi.example.com/simple/", "https://****@pypi.example.com/simple/"),
        (
            "--index-url https://me:s3cr3t@a.example/simple/ --extra-index-url https://tok@b.example/",
            "--index-url https://me:****@a.example/simple/ --extra-index-url https://****@b.example/",
        ),
        ("https://pypi.org/simple/", "https://pypi.org/simple/"),
        ("http://127.0.0.1:8080/simple/tinyapp/", "http://127.0.0.1:8080/simple/tinyapp/"),
        ("https://example.org/files/pkg@1.0.tar.gz", "https://example.org/files/pkg@1.0.tar.gz"),
        ("write to me@example.org", "write to me@example.org"),
    ],
)
def test_redact_hides_url_credentials_only(text, shown):
    assert redact(text) == shown


def test_command_display_is_shell_quoted_and_redacted():
    command = Command(
        ENV_PYTHON,
        ("-m", "pip", "install", "--index-url", "https://deploy:hunter2@mirror.example/simple/", "my package; rm -rf ~"),
        "Install",
    )
    shown = command.display()
    assert "hunter2" not in shown
    assert "https://deploy:****@mirror.example/simple/" in shown
    assert "'my package; rm -rf ~'" in shown
    # Apart from the secret, it is exactly what a person could paste into a shell.
    expected = [ENV_PYTHON, *command.args]
    expected[expected.index("https://deploy:hunter2@mirror.example/simple/")] = (
        "https://deploy:****@mirror.example/simple/"
    )
    assert shlex.split(shown) == expected


def test_command_display_keeps_the_real_secret_for_the_launch():
    command = Command("/usr/bin/git", ("clone", "https://tok@git.example/repo"), "Clone")
    assert "tok@" not in command.display()
    assert command.args[1] == "https://tok@git.example/repo"


# ------------------------------------------------------------------ the environment a command runs in

PERSON = {
    "PATH": "/usr/local/bin:/usr/bin",
    "HOME": "/home/me",
    "HTTPS_PROXY": "http://proxy.corp:3128",
    "http_proxy": "http://proxy.corp:3128",
    "NO_PROXY": "localhost,.corp",
    "SSL_CERT_FILE": "/etc/ssl/corp.pem",
    "REQUESTS_CA_BUNDLE": "/etc/ssl/corp.pem",
    "PIP_CERT": "/etc/ssl/corp.pem",
    "PYTHONHOME": "/opt/venvdesk",
    "PYTHONPATH": "/opt/venvdesk/lib",
    "PYTHONEXECUTABLE": "/opt/venvdesk/venvdesk",
    "QT_PLUGIN_PATH": "/opt/venvdesk/plugins",
    "QT_QPA_PLATFORM": "xcb",
    "LD_LIBRARY_PATH": "/opt/venvdesk/_internal",
}

KEPT = (
    "PATH",
    "HOME",
    "HTTPS_PROXY",
    "http_proxy",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "PIP_CERT",
)


def test_child_environment_drops_our_python_variables_and_keeps_proxies_and_certificates():
    env = child_environment(PERSON, frozen=False)
    for name in ("PYTHONHOME", "PYTHONPATH", "PYTHONEXECUTABLE"):
        assert name not in env
    for name in KEPT:
        assert env[name] == PERSON[name]
    # Not frozen: Qt and library variables are the person's own.
    assert env["QT_PLUGIN_PATH"] == PERSON["QT_PLUGIN_PATH"]
    assert env["LD_LIBRARY_PATH"] == PERSON["LD_LIBRARY_PATH"]


def test_child_environment_of_a_frozen_app_drops_the_bundle_library_path_and_qt_variables():
    env = child_environment(PERSON, frozen=True)
    assert not [name for name in env if name.startswith("QT_")]
    assert "LD_LIBRARY_PATH" not in env
    for name in KEPT:
        assert env[name] == PERSON[name]


def test_child_environment_of_a_frozen_app_restores_the_persons_library_path():
    base = {**PERSON, "LD_LIBRARY_PATH_ORIG": "/home/me/cuda/lib64"}
    env = child_environment(base, frozen=True)
    assert env["LD_LIBRARY_PATH"] == "/home/me/cuda/lib64"
    assert "LD_LIBRARY_PATH_ORIG" not in env


def test_child_environment_does_not_change_what_it_was_given():
    base = dict(PERSON)
    child_environment(base, frozen=True)
    assert base == PERSON


def test_child_environment_starts_from_this_process(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:8080")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = child_environment(frozen=False)
    assert env["HTTPS_PROXY"] == "http://proxy.test:8080"
    assert "PYTHONPATH" not in env


# ====================================================================================================
# Redaction for every URL scheme, and on very long lines.


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "git+https://user:ghp_token123@github.com/me/tool.git#egg=tool",
            "git+https://user:****@github.com/me/tool.git#egg=tool",
        ),
        (
            "svn+https://me:pa55word@svn.example.org/repo/trunk",
            "svn+https://me:****@svn.example.org/repo/trunk",
        ),
        ("http://user:pw@mirror.local:8080/simple/", "http://user:****@mirror.local:8080/simple/"),
        ("https://ghp_onlyatoken@pypi.example.com/simple/", "https://****@pypi.example.com/simple/"),
        (
            "-e git+https://deploy:t0k3n@git.example/app.git@v1.2#egg=app",
            "-e git+https://deploy:****@git.example/app.git@v1.2#egg=app",
        ),
        (
            "tool @ git+https://oauth2:abc@gitlab.example/tool.git@main",
            "tool @ git+https://oauth2:****@gitlab.example/tool.git@main",
        ),
    ],
)
def test_redact_hides_the_secret_whatever_the_url_scheme(text, shown):
    assert redact(text) == shown


def _seconds_to_redact(line_expression: str, *, give_up_after: float = 2.0) -> float:
    """Seconds ``redact`` takes on the line built by ``line_expression``, in a child Python.

    A child, so that a regular expression that backtracks for minutes is stopped after
    ``give_up_after`` seconds (reported as infinity) instead of holding up the test run.
    """
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    code = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(repo)!r})\n"
        "from core import commands\n"
        # This checkout's code, not the copy an editable install may point at.
        f"assert commands.__file__.startswith({str(repo)!r}), commands.__file__\n"
        f"line = {line_expression}\n"
        "started = time.perf_counter()\n"
        "shown = commands.redact(line)\n"
        "print(time.perf_counter() - started)\n"
        "assert shown == line, 'nothing to hide, so nothing may change'\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code],
            capture_output=True,
            text=True,
            timeout=give_up_after,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return float("inf")
    return float(done.stdout)


def test_redact_is_fast_on_a_very_long_line_of_words():
    # 200,000 characters, no "@": pip output or a log line can be this long.
    assert _seconds_to_redact("'a word ' * 25_000") < 0.25


@pytest.mark.parametrize("line_expression", ["'x' * 200_000", "'https://' + 'x' * 200_000"])
def test_redact_is_fast_on_a_very_long_word(line_expression):
    # One long "word" without "@": a base64 blob, a minified line, a progress bar in a log.
    assert _seconds_to_redact(line_expression) < 0.25
