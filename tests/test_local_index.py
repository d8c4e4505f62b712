"""The local package index the rest of the suite (and ``--self-test``) installs from: ``venvdesk_testing``.

Real wheels, a real HTTP server on 127.0.0.1 and a real pip in a real venv:
nothing here reaches the internet.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import time
import zipfile
from email.parser import HeaderParser
from pathlib import Path
from urllib.parse import quote

import pytest

from venvdesk_testing.index import PEP691_HTML, PEP691_JSON, build_index
from venvdesk_testing.isolation import (
    hermetic_pip_args,
    hermetic_pip_env,
    isolate_state,
    isolated_environment,
)
from venvdesk_testing.server import LocalIndexServer
from venvdesk_testing.wheels import PackageSpec, build_wheel, record_hash, sha256_file

ENV_BIN = "Scripts" if sys.platform == "win32" else "bin"


def http_get(server: LocalIndexServer, path: str, *, accept: str | None = None):
    """(status, headers, body) of one GET, without following redirects or proxies."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept": accept} if accept else {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def run_pip(python: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(python), "-m", "pip", *args],
        env=hermetic_pip_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"pip {args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def index_root(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("index"))


@pytest.fixture
def server(index_root):
    with LocalIndexServer(index_root) as running:
        yield running


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run(
        [sys.executable, "-m", "venv", str(target)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    python = target / ENV_BIN / ("python.exe" if sys.platform == "win32" else "python")
    assert python.exists()
    return python


# --------------------------------------------------------------------------- wheels


def test_build_wheel_is_a_valid_wheel(tmp_path):
    wheel = build_wheel(
        tmp_path,
        "My-Pkg",
        "1.2",
        requires=["tinyutil>=1.0"],
        requires_python=">=3.8",
        summary="Demo.",
        extras={"fancy": ["tinyextra; python_version >= '3'"]},
    )
    assert wheel.name == "My_Pkg-1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert names == {
            "my_pkg/__init__.py",
            "My_Pkg-1.2.dist-info/METADATA",
            "My_Pkg-1.2.dist-info/WHEEL",
            "My_Pkg-1.2.dist-info/top_level.txt",
            "My_Pkg-1.2.dist-info/RECORD",
        }
        assert archive.read("my_pkg/__init__.py") == b'__version__ = "1.2"\n'
        metadata = HeaderParser().parsestr(archive.read("My_Pkg-1.2.dist-info/METADATA").decode())
        wheel_meta = HeaderParser().parsestr(archive.read("My_Pkg-1.2.dist-info/WHEEL").decode())
        record = archive.read("My_Pkg-1.2.dist-info/RECORD").decode().splitlines()
        contents = {name: archive.read(name) for name in names}

    assert metadata["Metadata-Version"] == "2.1"
    assert (metadata["Name"], metadata["Version"], metadata["Summary"]) == (
        "My-Pkg",
        "1.2",
        "Demo.",
    )
    assert metadata["Requires-Python"] == ">=3.8"
    assert metadata["Provides-Extra"] == "fancy"
    assert metadata.get_all("Requires-Dist") == [
        "tinyutil>=1.0",
        "tinyextra; (python_version >= '3') and extra == \"fancy\"",
    ]
    assert wheel_meta["Wheel-Version"] == "1.0"
    assert wheel_meta["Root-Is-Purelib"] == "true"
    assert wheel_meta["Tag"] == "py3-none-any"
    assert contents["My_Pkg-1.2.dist-info/top_level.txt"] == b"my_pkg\n"

    rows = dict((line.split(",", 1)[0], line.split(",", 1)[1]) for line in record)
    assert set(rows) == names
    assert rows.pop("My_Pkg-1.2.dist-info/RECORD") == ","
    for name, row in rows.items():
        digest, size = row.split(",")
        expected = base64.urlsafe_b64encode(hashlib.sha256(contents[name]).digest())
        assert digest == "sha256=" + expected.rstrip(b"=").decode()
        assert int(size) == len(contents[name])


def test_build_wheel_custom_modules(tmp_path):
    wheel = build_wheel(tmp_path, "single", "0.1", modules={"single.py": "X = 1\n"})
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("single-0.1.dist-info/top_level.txt") == b"single\n"
        assert "single.py" in archive.namelist()


# --------------------------------------------------------------------------- index on disk


def test_build_index_writes_pep503_pages(index_root):
    root_page = (index_root / "simple" / "index.html").read_text()
    for project in ("tinyapp", "tinyutil", "tinyextra", "old-package", "needsnew"):
        assert f'href="{project}/"' in root_page

    old = (index_root / "simple" / "old-package" / "index.html").read_text()
    assert "Old_Package-0.9-py3-none-any.whl" in old
    assert "Old_Package-1.0-py3-none-any.whl" in old

    page = (index_root / "simple" / "needsnew" / "index.html").read_text()
    digest = sha256_file(index_root / "files" / "needsnew-1.0-py3-none-any.whl")
    assert (
        f'<a href="../../files/needsnew-1.0-py3-none-any.whl#sha256={digest}" '
        'data-requires-python="&gt;=3.99">'
    ) in page
    assert "needsnew-0.5-py3-none-any.whl#sha256=" in page
    assert page.count("data-requires-python") == 1


def test_build_index_is_fast_and_reproducible(tmp_path):
    started = time.perf_counter()
    build_index(tmp_path / "a")
    elapsed = time.perf_counter() - started
    build_index(tmp_path / "b")
    assert elapsed < 1.0
    for wheel in (tmp_path / "a" / "files").iterdir():
        assert wheel.read_bytes() == (tmp_path / "b" / "files" / wheel.name).read_bytes()


def test_extra_wheels_are_indexed_from_their_filename_and_metadata(tmp_path):
    import ensurepip

    bundled = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    if not bundled:
        pytest.skip("this Python has no bundled pip wheel")
    pip_wheel = bundled[-1]
    version = pip_wheel.name.split("-")[1]
    root = build_index(tmp_path / "index", packages=(), extra_wheels=[pip_wheel])

    assert (root / "files" / pip_wheel.name).read_bytes() == pip_wheel.read_bytes()
    page = (root / "simple" / "pip" / "index.html").read_text()
    assert f"{pip_wheel.name}#sha256={sha256_file(pip_wheel)}" in page
    assert "data-requires-python=" in page
    document = json.loads((root / "pypi" / "pip" / "json").read_text())
    assert document["info"]["name"] == "pip"
    assert document["info"]["version"] == version
    assert document["info"]["requires_python"]
    assert list(document["releases"]) == [version]


def test_record_hash_is_the_wheel_record_form():
    # SHA-256 of nothing, urlsafe base64 without padding (PEP 376 / PEP 427).
    assert record_hash(b"") == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


def test_building_again_adds_wheels_to_an_index_being_served(tmp_path):
    # What --self-test does once it knows which pip wheel to offer.
    first = PackageSpec("alpha", "1.0")
    root = build_index(tmp_path / "index", [first])
    extra = build_wheel(tmp_path / "elsewhere", "beta", "2.0")
    with LocalIndexServer(root) as running:
        assert b"beta" not in http_get(running, "/simple/")[2]
        build_index(root, [first], [extra])
        status, _, body = http_get(running, "/simple/beta/")
        assert status == 200
        assert b"beta-2.0-py3-none-any.whl" in body
        assert b'href="alpha/"' in http_get(running, "/simple/")[2]
    assert not list(root.rglob("*.partial"))


# --------------------------------------------------------------------------- server


def test_json_api_document(server):
    status, headers, body = http_get(server, "/pypi/tinyapp/json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    document = json.loads(body)
    info = document["info"]
    assert info["name"] == "tinyapp"
    assert info["version"] == "2.0"
    assert info["summary"] == "A tiny application, now with helpers."
    assert info["license"] == "MIT"
    assert info["home_page"] == "https://tinyapp.example.invalid/"
    assert info["project_urls"] == {"Source": "https://example.invalid/src/tinyapp"}
    assert info["requires_python"] is None
    assert info["requires_dist"] == ["tinyutil>=1.0"]
    assert set(document["releases"]) == {"1.0", "2.0"}
    (release,) = document["releases"]["2.0"]
    assert release["filename"] == "tinyapp-2.0-py3-none-any.whl"
    assert release["url"] == f"{server.url}/files/tinyapp-2.0-py3-none-any.whl"
    assert release["yanked"] is False
    assert release["upload_time_iso_8601"].endswith("Z")
    assert [u["filename"] for u in document["urls"]] == ["tinyapp-2.0-py3-none-any.whl"]

    status, _, wheel = http_get(server, release["url"][len(server.url) :])
    assert status == 200
    assert hashlib.sha256(wheel).hexdigest() == release["digests"]["sha256"]

    needsnew = json.loads(http_get(server, "/pypi/needsnew/json")[2])
    assert needsnew["releases"]["1.0"][0]["requires_python"] == ">=3.99"
    assert needsnew["releases"]["0.5"][0]["requires_python"] is None

    status, headers, _ = http_get(server, "/pypi/Old_Package/json")
    assert (status, headers["Location"]) == (301, "/pypi/old-package/json")
    old = json.loads(http_get(server, "/pypi/old-package/1.0/json")[2])
    assert old["info"]["name"] == "Old_Package"
    assert old["info"]["version"] == "1.0"
    assert http_get(server, "/pypi/nosuchthing/json")[0] == 404


def test_simple_pages_negotiate_pep691(server):
    status, headers, body = http_get(server, "/simple/tinyapp/", accept=PEP691_JSON)
    assert status == 200
    assert headers["Content-Type"] == PEP691_JSON
    page = json.loads(body)
    assert page["meta"]["api-version"].startswith("1.")
    assert page["name"] == "tinyapp"
    assert page["versions"] == ["1.0", "2.0"]
    assert [f["filename"] for f in page["files"]] == [
        "tinyapp-1.0-py3-none-any.whl",
        "tinyapp-2.0-py3-none-any.whl",
    ]
    assert all(len(f["hashes"]["sha256"]) == 64 for f in page["files"])

    # What pip sends: JSON preferred, HTML acceptable.
    pip_accept = f"{PEP691_JSON}, {PEP691_HTML}; q=0.1, text/html; q=0.01"
    assert http_get(server, "/simple/", accept=pip_accept)[1]["Content-Type"] == PEP691_JSON
    projects = json.loads(http_get(server, "/simple/", accept=PEP691_JSON)[2])["projects"]
    assert {"name": "Old_Package"} in projects

    status, headers, body = http_get(server, "/simple/tinyapp/")
    assert headers["Content-Type"].startswith("text/html")
    assert b"tinyapp-2.0-py3-none-any.whl" in body
    assert (
        http_get(server, "/simple/tinyapp/", accept=PEP691_HTML)[1]["Content-Type"] == PEP691_HTML
    )
    assert (
        http_get(server, "/simple/tinyapp/?format=" + quote(PEP691_JSON))[1]["Content-Type"]
        == PEP691_JSON
    )

    server.html_only = True
    status, headers, body = http_get(server, "/simple/tinyapp/", accept=pip_accept)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert body.lstrip().startswith(b"<!DOCTYPE html>")


def test_simple_urls_redirect_to_normalised_trailing_slash(server):
    assert http_get(server, "/simple")[1]["Location"] == "/simple/"
    assert http_get(server, "/simple/tinyapp")[1]["Location"] == "/simple/tinyapp/"
    status, headers, _ = http_get(server, "/simple/Old_Package/")
    assert (status, headers["Location"]) == (301, "/simple/old-package/")
    assert http_get(server, "/simple/nosuchthing/")[0] == 404
    assert http_get(server, "/files/../simple/index.html")[0] == 404


def test_down_answers_503_to_everything(server):
    server.down = True
    for path in (
        "/simple/",
        "/simple/tinyapp/",
        "/files/tinyapp-2.0-py3-none-any.whl",
        "/pypi/tinyapp/json",
    ):
        assert http_get(server, path)[0] == 503
    server.down = False
    assert http_get(server, "/simple/")[0] == 200
    assert [r.status for r in server.log][-1] == 200
    assert server.requests[0] == "/simple/"


def test_delay_per_chunk_slows_downloads(server, index_root):
    wheel = index_root / "files" / "tinyapp-2.0-py3-none-any.whl"
    size = wheel.stat().st_size
    server.chunk_size = 256
    server.delay_per_chunk = 0.02
    chunks = -(-size // 256)
    started = time.perf_counter()
    status, _, body = http_get(server, f"/files/{wheel.name}")
    elapsed = time.perf_counter() - started
    assert status == 200
    assert body == wheel.read_bytes()
    assert elapsed >= chunks * 0.02 * 0.9


def test_hermetic_pip_env_drops_machine_settings():
    env = hermetic_pip_env({"PIP_FIND_LINKS": "/opt/wheels", "pip_cert": "x", "HOME": "/h"})
    assert not any(k.upper().startswith("PIP_") and k not in _HERMETIC_PIP_KEYS for k in env)
    assert env["HOME"] == "/h"
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["PYTHONUNBUFFERED"] == "1"
    assert "127.0.0.1" in env["NO_PROXY"].split(",")
    assert hermetic_pip_args("http://x/simple/") == [
        "--isolated",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--index-url",
        "http://x/simple/",
    ]


_HERMETIC_PIP_KEYS = {
    "PIP_CONFIG_FILE",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "PIP_NO_INPUT",
}


def test_isolated_environment_moves_state_and_keeps_the_rest(tmp_path):
    person = {"HOME": "/h", "PIP_INDEX_URL": "https://corp/simple/", "NO_PROXY": ".corp"}
    env = isolated_environment(tmp_path / "run", person)
    assert person == {"HOME": "/h", "PIP_INDEX_URL": "https://corp/simple/", "NO_PROXY": ".corp"}
    for name in ("config", "data", "cache", "state"):
        assert env[f"XDG_{name.upper()}_HOME"] == str(tmp_path / "run" / name)
        assert (tmp_path / "run" / name).is_dir()
    assert "PIP_INDEX_URL" not in env
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["NO_PROXY"].split(",") == [".corp", "127.0.0.1", "localhost"]
    assert env["HOME"] == "/h"

    in_place = {"PIP_FIND_LINKS": "/opt/wheels"}
    folders = isolate_state(tmp_path / "again", in_place)
    assert in_place["XDG_CACHE_HOME"] == str(folders["cache"])
    assert in_place["PIP_FIND_LINKS"] == "/opt/wheels"  # state only: pip is left alone


def test_the_old_import_path_still_works():
    from tests.support import local_index

    assert local_index.build_wheel is build_wheel
    assert local_index.LocalIndexServer is LocalIndexServer
    assert local_index.hermetic_pip_env is hermetic_pip_env


# --------------------------------------------------------------------------- real pip


@pytest.mark.slow
def test_pip_installs_with_dependencies_and_honours_requires_python(server, venv_python):
    run_pip(
        venv_python, "install", *hermetic_pip_args(server.simple_url), "tinyapp==2.0", "needsnew"
    )

    report = subprocess.run(
        [
            str(venv_python),
            "-c",
            "import json, importlib.metadata as m; "
            "print(json.dumps({n: m.version(n) for n in ('tinyapp', 'tinyutil', 'needsnew')}))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(report.stdout) == {"tinyapp": "2.0", "tinyutil": "1.1", "needsnew": "0.5"}
    # pip negotiated the PEP 691 JSON form and downloaded only from this server.
    simple = [r for r in server.log if r.path == "/simple/tinyapp/"]
    assert simple and simple[0].content_type == PEP691_JSON
    assert "/files/tinyutil-1.1-py3-none-any.whl" in server.requests
    assert "/files/needsnew-1.0-py3-none-any.whl" not in server.requests
    assert "/simple/pip/" not in server.requests


@pytest.mark.slow
def test_pip_against_html_only_index(server, venv_python, tmp_path):
    server.html_only = True
    target = tmp_path / "target"
    run_pip(
        venv_python,
        "install",
        *hermetic_pip_args(server.simple_url),
        "--target",
        str(target),
        "OLD.package",
        "tinyextra[fancy]",
        "needsnew",
    )
    installed = sorted(p.name for p in target.glob("*.dist-info"))
    assert installed == [
        "Old_Package-1.0.dist-info",
        "needsnew-0.5.dist-info",
        "tinyextra-0.2.dist-info",
        "tinyutil-1.1.dist-info",
    ]
    assert (target / "old_package" / "__init__.py").read_text() == '__version__ = "1.0"\n'
    simple = [r for r in server.log if r.path.startswith("/simple/")]
    assert len(simple) == 4  # one page per project: no /simple/pip/ version check
    assert all(r.content_type == "text/html; charset=utf-8" for r in simple)


def test_venvdesk_testing_is_plain_python():
    # It ships in the bundle for --self-test and serves tests/: no Qt, nothing from the app.
    script = (
        "import importlib, pkgutil, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import venvdesk_testing\n"
        "for module in pkgutil.iter_modules(venvdesk_testing.__path__, 'venvdesk_testing.'):\n"
        "    importlib.import_module(module.name)\n"
        "print(sorted({n.partition('.')[0] for n in sys.modules} & {'PySide6', 'shiboken6', 'core', 'gui', 'tests'}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-c", script, str(Path(__file__).resolve().parents[1])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
