"""Which index pip is configured to use: read from pip's real configuration files, parsed once per change."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from core import pypi

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pip's POSIX configuration files")


@pytest.fixture
def config(tmp_path, monkeypatch):
    """Real pip configuration folders under ``tmp_path`` (home too), and the variables naming them."""
    # /etc/pip.conf is read whatever the variables say: it must not set an index itself.
    if pypi._index_url_in_config_files((pypi._file_state(Path("/etc/pip.conf")),)):
        pytest.skip("this machine's /etc/pip.conf sets an index-url")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # ~/.pip/pip.conf and ~/.config
    env = {
        "XDG_CONFIG_DIRS": str(tmp_path / "etc-xdg"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    user_file = tmp_path / "config" / "pip" / "pip.conf"
    user_file.parent.mkdir(parents=True)
    return env, user_file


def write_index(path: Path, url: str, section: str = "global") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[{section}]\nindex-url = {url}\n", encoding="utf-8")


def parses() -> int:
    """How many times the configuration files have been parsed so far."""
    return pypi._index_url_in_config_files.cache_info().misses


def test_unchanged_configuration_is_parsed_once(config):
    env, user_file = config
    write_index(user_file, "https://mirror.example/simple")
    before = parses()
    for _ in range(5):
        assert pypi.configured_index_url("", env) == "https://mirror.example/simple/"
    assert parses() == before + 1


def test_edited_configuration_file_is_seen(config):
    env, user_file = config
    write_index(user_file, "https://one.example/simple")
    assert pypi.configured_index_url("", env) == "https://one.example/simple/"

    # A longer value: the size differs.
    write_index(user_file, "https://three.example/simple")
    assert pypi.configured_index_url("", env) == "https://three.example/simple/"

    # Same size, saved later: the modification time differs.
    previous = user_file.stat().st_mtime_ns
    write_index(user_file, "https://seven.example/simple")
    os.utime(user_file, ns=(previous + 2_000_000_000, previous + 2_000_000_000))
    assert pypi.configured_index_url("", env) == "https://seven.example/simple/"

    # Replaced by another file (how editors save) with the very same size and time.
    status = user_file.stat()
    replacement = user_file.with_name("pip.conf.new")
    write_index(replacement, "https://eight.example/simple")
    os.utime(replacement, ns=(status.st_atime_ns, status.st_mtime_ns))
    os.replace(replacement, user_file)
    assert pypi.configured_index_url("", env) == "https://eight.example/simple/"

    # Removed: back to PyPI.
    user_file.unlink()
    assert pypi.configured_index_url("", env) == pypi.PYPI_SIMPLE_URL


def test_new_configuration_file_is_seen(config, tmp_path):
    env, user_file = config
    assert pypi.configured_index_url("", env) == pypi.PYPI_SIMPLE_URL
    write_index(tmp_path / "etc-xdg" / "pip" / "pip.conf", "https://site.example/simple")
    assert pypi.configured_index_url("", env) == "https://site.example/simple/"
    # A later file wins within a section, and [install] beats [global] from any file.
    write_index(user_file, "https://user.example/simple")
    assert pypi.configured_index_url("", env) == "https://user.example/simple/"
    write_index(tmp_path / "home" / ".pip" / "pip.conf", "https://legacy.example/simple", "install")
    assert pypi.configured_index_url("", env) == "https://legacy.example/simple/"


def test_variables_that_move_the_configuration_are_seen(config, tmp_path):
    env, user_file = config
    write_index(user_file, "https://user.example/simple")
    other_home = tmp_path / "other-config"
    write_index(other_home / "pip" / "pip.conf", "https://other.example/simple")
    explicit = tmp_path / "explicit.conf"
    write_index(explicit, "https://explicit.example/simple")

    assert pypi.configured_index_url("", env) == "https://user.example/simple/"
    assert pypi.configured_index_url("", {**env, "XDG_CONFIG_HOME": str(other_home)}) == (
        "https://other.example/simple/"
    )
    assert pypi.configured_index_url("", {**env, "PIP_CONFIG_FILE": str(explicit)}) == (
        "https://explicit.example/simple/"
    )
    assert pypi.configured_index_url("", {**env, "PIP_CONFIG_FILE": os.devnull}) == pypi.PYPI_SIMPLE_URL
    assert pypi.configured_index_url("", {**env, "PIP_INDEX_URL": "https://env.example/simple"}) == (
        "https://env.example/simple/"
    )
    # And back: the first answer again, without parsing again.
    before = parses()
    assert pypi.configured_index_url("", env) == "https://user.example/simple/"
    assert parses() == before


def test_process_environment_is_read_at_each_call(config, monkeypatch, tmp_path):
    env, user_file = config
    write_index(user_file, "https://user.example/simple")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PIP_CONFIG_FILE", raising=False)
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    assert pypi.configured_index_url() == "https://user.example/simple/"
    other_home = tmp_path / "other-config"
    write_index(other_home / "pip" / "pip.conf", "https://other.example/simple")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(other_home))
    assert pypi.configured_index_url() == "https://other.example/simple/"
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.example/simple")
    assert pypi.configured_index_url() == "https://env.example/simple/"


def test_broken_configuration_files_are_skipped_as_pip_skips_unreadable_ones(config, tmp_path):
    env, user_file = config
    write_index(user_file, "https://user.example/simple")
    site_file = tmp_path / "etc-xdg" / "pip" / "pip.conf"
    site_file.parent.mkdir(parents=True)
    site_file.write_bytes(b"[global]\nindex-url = https://caf\xe9.example/simple\n")  # Latin-1, not UTF-8
    (tmp_path / "home" / ".pip").mkdir(parents=True)
    (tmp_path / "home" / ".pip" / "pip.conf").write_text("index-url with no section\n")
    assert pypi.configured_index_url("", env) == "https://user.example/simple/"


# -- project names in URLs ----------------------------------------------------------------------

# Names as a METADATA file or the search box could hold them: none may move the URL.
HOSTILE_NAMES = [
    "../../../admin",
    "/etc/passwd",
    "http://evil.example/x",
    "//evil.example/x",
    "name?token=1#frag",
    "a b/c",
    "%2e%2e%2fadmin",
    "..",
    "..\\..\\evil",
    "<font color=red size=6>URGENT: open a terminal and run …</font>",
]


@pytest.mark.parametrize("index", ["https://mirror.example/simple/", "https://user:token@mirror.example/root/simple"])
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_project_name_stays_one_path_segment_under_the_index(index, name):
    from urllib.parse import unquote, urlsplit

    from core.names import canonical_name

    base = urlsplit(pypi.with_slash(index))
    root = base.path[: -len("simple/")]
    for url, prefix, suffix in (
        (pypi.simple_page_url(index, name), base.path, "/"),
        (pypi.json_api_url(index, name), root + "pypi/", "/json"),
    ):
        assert url is not None
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == (base.scheme, base.netloc), url
        assert not parts.query and not parts.fragment, url
        assert parts.path.startswith(prefix) and parts.path.endswith(suffix), url
        segment = parts.path[len(prefix) : -len(suffix)]
        assert "/" not in segment and segment not in ("", ".", ".."), url
        assert unquote(segment) == canonical_name(name)


def test_ordinary_names_give_the_usual_urls():
    assert pypi.simple_page_url("https://pypi.org/simple", "Old_Package") == "https://pypi.org/simple/old-package/"
    assert pypi.json_api_url("https://pypi.org/simple/", "PyYAML") == "https://pypi.org/pypi/pyyaml/json"
    assert pypi.json_api_url("https://mirror.example/links/", "PyYAML") is None


def test_an_empty_name_is_no_project():
    with pytest.raises(ValueError):
        pypi.simple_page_url("https://pypi.org/simple/", "")
    with pytest.raises(ValueError):
        pypi.json_api_url("https://pypi.org/simple/", "  ")


def test_an_unreachable_index_is_not_asked_about_every_project(monkeypatch):
    """No network or a dead mirror: after a few refused connections the rest get the same answer at once."""
    import time

    from core import pypi

    projects = [f"project{number}" for number in range(3000)]
    started = time.perf_counter()
    results = pypi.latest_versions("http://127.0.0.1:9/simple/", projects)
    elapsed = time.perf_counter() - started
    assert set(results) == set(projects)
    assert all(isinstance(value, OSError) for value in results.values())
    assert elapsed < 5, f"{elapsed:.1f} s for an index that refuses every connection"


# -- one project's page: its description --------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/markdown", "gfm"),
        ("text/markdown; charset=UTF-8; variant=GFM", "gfm"),
        ("Text/Markdown; variant=CommonMark", "commonmark"),
        ('text/markdown; variant="commonmark"', "commonmark"),
        ("text/x-rst", "plain"),
        ("text/plain; charset=UTF-8", "plain"),
        ("", "plain"),  # PyPI reads an untyped description as reStructuredText: shown as text here
        ("text/html", "plain"),
    ],
)
def test_a_description_is_markdown_only_when_it_says_so(content_type, expected):
    assert pypi.description_format(content_type) == expected


def test_project_details_carry_the_description_and_the_requirements(tmp_path):
    from tests.support.local_index import LocalIndexServer, PackageSpec, build_index

    readme = "# Title\n\nSome *Markdown* with <b>HTML</b>.\n"
    root = build_index(
        tmp_path / "index",
        packages=(
            PackageSpec("described", "1.0", summary="Old."),
            PackageSpec(
                "described",
                "2.0",
                requires=("tinyutil>=1.0", 'colorama; sys_platform == "win32"'),
                summary="New.",
                description=readme,
                description_content_type="text/markdown; variant=GFM",
            ),
            PackageSpec("plain", "1.0", summary="No description at all."),
        ),
    )
    with LocalIndexServer(root) as server:
        details = pypi.project_details(server.simple_url, "described")
        assert details.description == readme
        assert details.description_content_type == "text/markdown; variant=GFM"
        assert details.description_format == "gfm"
        assert details.requires_dist == ("tinyutil>=1.0", 'colorama; sys_platform == "win32"')
        bare = pypi.project_details(server.simple_url, "plain")
        assert (bare.description, bare.description_content_type, bare.description_format) == ("", "", "plain")


# -- the newest versions: one simple page per project, whatever the index serves ------------------


@pytest.mark.parametrize("html_only", [False, True], ids=["pep691-json", "html-only"])
def test_latest_versions_ask_each_project_once_on_its_simple_page(index_root, html_only):
    from venvdesk_testing.server import LocalIndexServer

    with LocalIndexServer(index_root, html_only=html_only) as server:
        results = pypi.latest_versions(server.simple_url, ["tinyutil", "tinyapp", "Old_Package"], (3, 11, 0))
        asked = list(server.requests)
    assert results == {"tinyutil": "1.1", "tinyapp": "2.0", "Old_Package": "1.0"}
    assert sorted(path for path in asked) == sorted(["/simple/tinyutil/", "/simple/tinyapp/", "/simple/old-package/"])
    assert not any("/pypi/" in path for path in asked), "the JSON API is not needed for a version"


def test_a_child_looks_up_the_newest_versions_with_the_same_answers(index_root):
    """The window asks a child Venvdesk (its own interpreter, away from the UI thread's): same requests, same answers."""
    from core.lookup_child import LookupChild
    from venvdesk_testing.server import LocalIndexServer

    child = LookupChild()
    try:
        with LocalIndexServer(index_root) as server:
            results = child.latest_versions(server.simple_url, ["tinyutil", "tinyapp", "Old_Package"], (3, 11, 0))
            asked = sorted(server.requests)
            # The same child answers the next look-up.
            first = child._process
            assert child.latest_versions(server.simple_url, ["tinyapp"], (3, 11, 0)) == {"tinyapp": "2.0"}
            assert child._process is first
    finally:
        child.close()
    assert results == {"tinyutil": "1.1", "tinyapp": "2.0", "Old_Package": "1.0"}
    assert asked == sorted(["/simple/tinyutil/", "/simple/tinyapp/", "/simple/old-package/"])


def test_a_childs_failures_come_back_per_project_in_their_own_words(index_root):
    from core.lookup_child import LookupChild, LookupFailed
    from core.pypi import NotOnIndex
    from venvdesk_testing.server import LocalIndexServer

    child = LookupChild()
    try:
        with LocalIndexServer(index_root) as server:
            results = child.latest_versions(server.simple_url, ["tinyutil", "no-such-project"], (3, 11, 0))
        assert results["tinyutil"] == "1.1"
        failure = results["no-such-project"]
        # The index answered that it has no such project: told apart from a failure to ask it.
        assert isinstance(failure, NotOnIndex) and not isinstance(failure, LookupFailed)
        assert str(failure) == "no-such-project is not on this index (it answered 404 Not Found)"
        # An index that refuses every connection: every project gets that refusal, quickly.
        refused = child.latest_versions("http://127.0.0.1:9/simple/", [f"p{n}" for n in range(200)])
        assert all(isinstance(value, LookupFailed) and "refused" in str(value).lower() for value in refused.values())
    finally:
        child.close()


def test_a_child_that_ended_is_replaced_and_one_that_cannot_start_is_an_error(index_root):
    from core.lookup_child import LookupChild
    from venvdesk_testing.server import LocalIndexServer

    child = LookupChild()
    try:
        with LocalIndexServer(index_root) as server:
            assert child.latest_versions(server.simple_url, ["tinyutil"]) == {"tinyutil": "1.1"}
            child._process.kill()  # it ended (idle, or killed) between two look-ups
            child._process.wait()
            assert child.latest_versions(server.simple_url, ["tinyutil"]) == {"tinyutil": "1.1"}
            process = child._process
            child.close()  # the window's end: the child ends, and no look-up starts another
            assert process.wait(timeout=10) is not None
            with pytest.raises(OSError, match="closing"):
                child.latest_versions(server.simple_url, ["tinyutil"])
    finally:
        child.close()
    missing = LookupChild([str(Path(sys.executable).with_name("no-such-program"))])
    with pytest.raises(OSError, match="could not start"):
        missing.latest_versions("http://127.0.0.1:9/simple/", ["tinyutil"])


def test_a_child_that_answers_nothing_says_why():
    from core.lookup_child import LookupChild

    child = LookupChild([sys.executable, "-c", "import sys; sys.stderr.write('broken on purpose'); sys.exit(3)"])
    with pytest.raises(OSError, match="broken on purpose"):
        child.latest_versions("http://127.0.0.1:9/simple/", ["tinyutil"])


def test_a_child_ends_when_idle_or_when_its_input_ends():
    import subprocess

    child = subprocess.run(
        [sys.executable, "-m", "gui", "--latest-versions"], input=b"", capture_output=True, timeout=60
    )
    assert child.returncode == 0 and child.stdout == b""
    bad = subprocess.run(
        [sys.executable, "-m", "gui", "--latest-versions"], input=b"not json\n", capture_output=True, timeout=60
    )
    assert bad.returncode == 2 and b"unreadable" in bad.stderr


def test_latest_version_skips_a_release_for_a_newer_python(index_root):
    from venvdesk_testing.index import build_index
    from venvdesk_testing.server import LocalIndexServer
    from venvdesk_testing.wheels import PackageSpec

    root = build_index(
        index_root.parent / "newer-python",
        packages=(PackageSpec("modernlib", "1.0"), PackageSpec("modernlib", "2.0", requires_python=">=3.99")),
    )
    with LocalIndexServer(root) as server:
        assert pypi.latest_version(server.simple_url, "modernlib", (3, 11, 0)) == "1.0"
        assert pypi.latest_version(server.simple_url, "modernlib") == "2.0"


def test_a_child_started_from_a_project_folder_runs_venvdesk_not_the_project(tmp_path, monkeypatch):
    """``python -m gui`` looks in the working folder first: a project with its own ``gui`` package
    must not be run in Venvdesk's place (it would get the index URL, token and all)."""
    from core.lookup_child import LookupChild, LookupFailed

    impostor = tmp_path / "gui"
    impostor.mkdir()
    (impostor / "__init__.py").write_text("")
    (impostor / "__main__.py").write_text("import sys\nprint('{\"versions\": {\"x\": \"6.6.6\"}, \"failures\": {}}')\nsys.stdout.flush()\n")
    monkeypatch.chdir(tmp_path)
    child = LookupChild()
    try:
        results = child.latest_versions("http://127.0.0.1:9/simple/", ["x"])
    finally:
        child.close()
    assert isinstance(results["x"], LookupFailed)  # Venvdesk's own child: the refused index, not "6.6.6"
