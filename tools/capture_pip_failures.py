"""Capture real pip failures, for several pip versions, into ``tests/data/pip_failures/``.

The failure classifier (``core/explain.py``) is tested on pip's own words, as each pip version
prints them.  This tool serves the index of deliberately failing packages
(``venvdesk_testing/failing.py``) on 127.0.0.1, makes one environment per pip version, runs the
real pip for each failure case, and saves what it printed:

    tests/data/pip_failures/pip-<version>/<case>.txt    stdout and stderr, interleaved as printed
    tests/data/pip_failures/pip-<version>/<case>.json   exit code, pip and Python versions, command

pip versions: the pip bundled with each ``~/.pyenv/versions/3.9*`` … ``3.13*`` (ensurepip's
wheel; when two Pythons bundle the same pip, the newer Python runs it), and the newest pip here
(the one in the running Python's environment, copied into a fresh environment).  pip runs as the
app runs it: ``<env python> -m pip --disable-pip-version-check --no-input --no-color install
[--progress-bar raw (pip >= 24.1)] --index-url <url> --no-cache-dir …`` with
``PIP_CONFIG_FILE=/dev/null``.  Nothing reaches the internet: the "offline" case runs in a
network namespace with no network at all, the proxy and TLS cases talk to fakes on 127.0.0.1.

Some cases need privileges to be produced for real: a read-only site-packages and a full disk
need a private mount namespace (``unshare -m``, root); a permission error as root needs
``setpriv`` to drop CAP_DAC_OVERRIDE.  A case that cannot be produced here is skipped, and the
tool says so (and why).

Run from the repository root (takes a few minutes: the network cases wait for pip's retries)::

    .venv/bin/python tools/capture_pip_failures.py                 # every case, every pip
    .venv/bin/python tools/capture_pip_failures.py --case conflict --pip 24.2
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from venvdesk_testing.failing import (  # noqa: E402
    build_failing_index,
    build_large_wheel,
    setuptools_wheels,
)
from venvdesk_testing.isolation import hermetic_pip_env  # noqa: E402
from venvdesk_testing.server import LocalIndexServer  # noqa: E402

OUT = REPO / "tests" / "data" / "pip_failures"
# Paths and ports that change from run to run are written as these, so captures stay stable.
STABLE_WORK = "/tmp/venvdesk-capture"
STABLE_PORT = 8000
PIP_BASE = ("--disable-pip-version-check", "--no-input", "--no-color")


# --------------------------------------------------------------------------- the pips


@dataclass
class Pip:
    version: str
    python: Path  # the base Python that runs it
    python_version: str
    wheel: Path | None  # ensurepip's wheel; None: copied from the running environment
    env: Path = Path()

    @property
    def env_python(self) -> Path:
        return self.env / "bin" / "python"

    @property
    def progress(self) -> list[str]:
        major, minor = (int(part) for part in self.version.split(".")[:2])
        return ["--progress-bar", "raw"] if (major, minor) >= (24, 1) else []


def _python_version(python: Path) -> str:
    completed = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    )
    return completed.stdout.strip()


def find_pips() -> list[Pip]:
    """ensurepip's pip of each pyenv Python 3.9 … 3.13, and the newest pip here."""
    by_version: dict[str, Pip] = {}
    for folder in sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.*"))):
        match = re.search(r"/3\.(\d+)\.\d+$", folder)
        if not match or not 9 <= int(match.group(1)) <= 13:
            continue
        python = Path(folder) / "bin" / "python3"
        wheels = sorted(glob.glob(f"{folder}/lib/python3*/ensurepip/_bundled/pip-*.whl"))
        if not python.exists() or not wheels:
            continue
        version = Path(wheels[-1]).name.split("-")[1]
        # The same pip bundled with two Pythons: the newer Python runs it (pyenv sorts 3.10 < 3.9).
        candidate = Pip(version, python, _python_version(python), Path(wheels[-1]))
        known = by_version.get(version)
        if known is None or _key(candidate.python_version) > _key(known.python_version):
            by_version[version] = candidate
    import pip  # the running environment's pip: the newest one here

    base = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    by_version.setdefault(pip.__version__, Pip(pip.__version__, base, _python_version(base), None))
    return sorted(by_version.values(), key=lambda p: _key(p.version))


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def make_env(pip: Pip, folder: Path) -> None:
    """A fresh environment of ``pip.python`` holding exactly ``pip.version``."""
    pip.env = folder / f"pip-{pip.version}" / "env"
    subprocess.run([str(pip.python), "-m", "venv", "--without-pip", str(pip.env)], check=True)
    site = Path(glob.glob(str(pip.env / "lib" / "python3*" / "site-packages"))[0])
    if pip.wheel is not None:
        import zipfile

        with zipfile.ZipFile(pip.wheel) as archive:
            archive.extractall(site)
    else:
        import pip as running_pip

        source = Path(running_pip.__file__).parent
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(source, site / "pip", ignore=ignore)
        for info in source.parent.glob(f"pip-{pip.version}.dist-info"):
            shutil.copytree(info, site / info.name, ignore=ignore)
    completed = subprocess.run(
        [str(pip.env_python), "-m", "pip", "--version"], capture_output=True, text=True, check=True
    )
    assert completed.stdout.startswith(f"pip {pip.version} "), completed.stdout


def site_packages(env: Path) -> Path:
    return Path(glob.glob(str(env / "lib" / "python3*" / "site-packages"))[0])


# --------------------------------------------------------------------------- fakes on 127.0.0.1


class _Listener:
    """A socket on 127.0.0.1 whose connections are handled by ``handle`` in threads."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.handle = handle
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)
            threading.Thread(target=self._run, args=(connection,), daemon=True).start()

    def _run(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            self.handle(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.close()


def _silent(connection: socket.socket) -> None:
    """Accept, then never answer: pip's read times out."""
    time.sleep(600)


def _proxy_wants_password(connection: socket.socket) -> None:
    """A proxy that asks for credentials (407) whatever it is asked."""
    connection.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return
        data += chunk
    connection.sendall(
        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
        b'Proxy-Authenticate: Basic realm="Company proxy"\r\n'
        b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    connection.close()


def _tls_handler(context: ssl.SSLContext) -> Callable[[socket.socket], None]:
    def handle(connection: socket.socket) -> None:
        connection.settimeout(10)
        try:
            with context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(4096)
        except (ssl.SSLError, OSError):
            pass

    return handle


def self_signed_context(folder: Path) -> ssl.SSLContext | None:
    """A TLS server context with a self-signed certificate (``openssl`` CLI), or None."""
    if shutil.which("openssl") is None:
        return None
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=pypi.example.invalid"],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    args: Sequence[str]  # after "install [--progress-bar raw] --index-url <url>"
    what: str
    # local | no-setuptools | stopped | down | offline | silent | tls | proxy-auth | proxy-refused
    index: str = "local"
    wrap: str = ""  # "" | no-compiler | read-only | permission | disk-full | no-stdlib | no-libpython
    env: dict[str, str] = field(default_factory=dict)
    extra: Sequence[str] = ()  # pip options before the requirements
    python: str = ""  # "" = the environment's; "3.11+" = only Pythons from 3.11 on
    succeeds: bool = False  # pip installs, and warns: every other case must fail


CASES: tuple[Case, ...] = (
    Case("no-such-project", ["reqeusts"], "a misspelt name"),
    Case("import-name", ["cv2"], "an import name instead of the project's"),
    Case("no-such-version", ["requests==99"], "a pinned version that does not exist"),
    Case("requires-python", ["oldonly"], "every release needs Python < 3.8"),
    Case("requires-python-pinned", ["fitsold==2.0"], "the pinned release needs Python 3.99"),
    Case("dependency-missing", ["needsghost"], "a dependency the index does not have"),
    Case("conflict", ["conflict-x", "other-y"], "conflict-x needs lib<2, other-y needs lib>=2"),
    Case("conflict-pinned", ["other-y", "lib==1.0"], "a pin the other package cannot use"),
    Case("platform-only", ["winonly"], "only a Windows wheel"),
    Case("yanked", ["yankedonly"], "the only release is yanked"),
    Case("yanked-pinned", ["yankedonly==1.0"], "a yanked release pinned (installs, warns)", succeeds=True),
    Case("hash-mismatch", ["-r", "{requirements}"], "a requirements file with a wrong --hash"),
    Case("sdist-missing-header", ["needspq"], "a C extension that includes <libpq-fe.h>"),
    Case("sdist-no-compiler", ["needspq"], "no C compiler on PATH", wrap="no-compiler"),
    Case("sdist-too-old", ["fastint==1.0"], "includes longintrepr.h (gone in 3.11)", python="3.11+"),
    Case("build-tools-missing", ["needspq"], "the index has no setuptools to build with", index="no-setuptools"),
    Case("index-stopped", ["requests"], "the index is not running (connection refused)", index="stopped"),
    Case("index-down", ["requests"], "the index answers 503", index="down"),
    Case("index-offline", ["requests"], "no network at all (DNS fails)", index="offline"),
    Case("index-timeout", ["requests"], "the index never answers", index="silent", extra=["--timeout", "2"]),
    Case("index-tls", ["requests"], "a self-signed certificate", index="tls"),
    Case("proxy-auth", ["requests"], "the proxy wants a password (407)", index="proxy-auth"),
    Case("proxy-refused", ["requests"], "the proxy is not running", index="proxy-refused"),
    Case("permission-denied", ["requests"], "site-packages not writable", wrap="permission"),
    Case("read-only", ["requests"], "site-packages on a read-only file system", wrap="read-only"),
    Case("disk-full", ["bigdata"], "no space left for a 2 MB file", wrap="disk-full"),
    Case("python-no-stdlib", ["requests"], "the base Python's standard library is gone", wrap="no-stdlib"),
    Case("python-no-libpython", ["requests"], "the base Python's libpython is gone", wrap="no-libpython"),
)


class Skip(Exception):
    """A case that cannot be produced here (the message says why)."""


def _can_unshare(*flags: str) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", *flags, "true"], capture_output=True)
    return probe.returncode == 0


def _wrapped(case: Case, pip: Pip, argv: list[str], work: Path) -> tuple[list[str], Callable[[], None]]:
    """The argv that runs pip the way the case needs, and what to undo afterwards."""
    site = site_packages(pip.env)
    undo: Callable[[], None] = lambda: None  # noqa: E731
    if case.wrap == "no-compiler":
        return argv, undo  # PATH is set by the caller
    if case.wrap == "permission":
        site.chmod(0o555)
        undo = lambda: site.chmod(0o755)  # noqa: E731
        if os.geteuid() != 0:
            return argv, undo
        if shutil.which("setpriv") is None:
            undo()
            raise Skip("running as root, and no setpriv to drop CAP_DAC_OVERRIDE")
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *argv], undo
    if case.wrap in ("read-only", "disk-full", "no-stdlib", "no-libpython"):
        if not _can_unshare("-m"):
            raise Skip("needs a private mount namespace (unshare -m: root, or user namespaces)")
        if case.wrap == "read-only":
            script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
            return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", str(site), *argv], undo
        if case.wrap == "disk-full":
            # site-packages moves to a small disk holding what is there and half a megabyte more.
            stage = work / "stage"
            stage.mkdir(exist_ok=True)
            script = (
                'cp -a "$1/." "$2/" && mount -t tmpfs tmpfs "$1" && cp -a "$2/." "$1/" '
                '&& used=$(df -k --output=used "$1" | tail -n 1) '
                '&& mount -o remount,size=$((used + 512))k "$1" && shift 2 && exec "$@"'
            )
            return [
                "unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                str(site), str(stage), *argv,
            ], undo
        base = Path(os.path.realpath(pip.python)).parent.parent
        hidden = base / "lib" / f"python{'.'.join(pip.python_version.split('.')[:2])}"
        if case.wrap == "no-libpython":
            hidden = base / "lib"
            if not list(hidden.glob("libpython3*.so*")):
                raise Skip(f"{pip.python} is not linked against a libpython in {hidden}")
        script = 'mount -t tmpfs -o size=64k tmpfs "$1" && shift && exec "$@"'
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", str(hidden), *argv], undo
    return argv, undo


def run_case(
    case: Case, pip: Pip, server: LocalIndexServer, bare: LocalIndexServer, work: Path
) -> dict[str, object]:
    if case.python == "3.11+" and _key(pip.python_version) < (3, 11):
        raise Skip(f"Python {pip.python_version} still has longintrepr.h: the build works")
    env = hermetic_pip_env()
    env.update({"PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"})
    env.update(case.env)
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(key, None)
    cleanups: list[Callable[[], None]] = []
    index_url = server.simple_url
    extra = list(case.extra)
    prefix: list[str] = []
    if case.index == "no-setuptools":
        index_url = bare.simple_url
    elif case.index == "stopped":
        index_url = f"http://127.0.0.1:{_free_port()}/simple/"
    elif case.index == "down":
        server.down = True
        cleanups.append(lambda: setattr(server, "down", False))
        index_url = server.simple_url
    elif case.index == "offline":
        if not _can_unshare("-n"):
            raise Skip("needs a network namespace (unshare -n) to be offline without touching the network")
        prefix = ["unshare", "-n"]
        index_url = "https://pypi.example.invalid/simple/"
    elif case.index == "silent":
        listener = _Listener(_silent)
        cleanups.append(listener.close)
        index_url = f"http://127.0.0.1:{listener.port}/simple/"
    elif case.index == "tls":
        context = self_signed_context(work)
        if context is None:
            raise Skip("no openssl to make a certificate")
        listener = _Listener(_tls_handler(context))
        cleanups.append(listener.close)
        # A host name, as a real index has (pip 24.2 cannot even try TLS with a bare IP address).
        index_url = f"https://localhost:{listener.port}/simple/"
    elif case.index == "proxy-auth":
        listener = _Listener(_proxy_wants_password)
        cleanups.append(listener.close)
        index_url = "https://pypi.example.invalid/simple/"
        extra += ["--proxy", f"http://127.0.0.1:{listener.port}"]
    elif case.index == "proxy-refused":
        index_url = "https://pypi.example.invalid/simple/"
        extra += ["--proxy", f"http://127.0.0.1:{_free_port()}"]

    args = []
    for arg in case.args:
        if arg == "{requirements}":
            requirements = work / "requirements.txt"
            requirements.write_text("requests==2.32.3 --hash=sha256:" + "0" * 64 + "\n", encoding="utf-8")
            arg = str(requirements)
        args.append(arg)
    argv = [
        str(pip.env_python), "-m", "pip", *PIP_BASE, "install", *pip.progress,
        "--index-url", index_url, "--no-cache-dir", *extra, *args,
    ]
    if case.wrap == "no-compiler":
        env["PATH"] = str(pip.env / "bin")  # no gcc, no cc: only the environment's own programs
    try:
        full, undo = _wrapped(case, pip, argv, work)
        cleanups.append(undo)
        started = time.monotonic()
        completed = subprocess.run(
            [*prefix, *full], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, timeout=600, cwd=work,
        )
        seconds = time.monotonic() - started
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    output = completed.stdout.decode("utf-8", "replace")
    return {
        "case": case.name,
        "what": case.what,
        "exit_code": completed.returncode,
        "pip": pip.version,
        "python": pip.python_version,
        "platform": sys.platform,
        "index_url": index_url,
        "command": argv,
        "seconds": round(seconds, 1),
        "output": output,
    }


def stabilise(text: str, work: Path, pip: Pip, servers: Sequence[LocalIndexServer]) -> str:
    """Run-to-run noise out (the work folder, the servers' ports); pip's wording untouched."""
    text = text.replace(str(work), STABLE_WORK)
    for number, server in enumerate(servers):
        text = text.replace(f"127.0.0.1:{server.port}", f"127.0.0.1:{STABLE_PORT + number}")
    text = re.sub(r"/tmp/pip-([a-z-]+)-[a-z0-9_]{8}", r"/tmp/pip-\1-XXXXXXXX", text)
    return text


def save(
    result: dict[str, object], work: Path, pip: Pip, server: Sequence[LocalIndexServer], out: Path
) -> Path:
    folder = out / f"pip-{pip.version}"
    folder.mkdir(parents=True, exist_ok=True)
    output = stabilise(str(result.pop("output")), work, pip, server)
    result["index_url"] = stabilise(str(result["index_url"]), work, pip, server)
    command = result["command"]
    assert isinstance(command, list)
    result["command"] = [stabilise(str(a), work, pip, server) for a in command]
    (folder / f"{result['case']}.txt").write_text(output, encoding="utf-8")
    (folder / f"{result['case']}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return folder / f"{result['case']}.txt"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--pip", action="append", help="only this pip version (repeatable)")
    parser.add_argument("--out", type=Path, default=OUT)
    options = parser.parse_args(argv)

    cases = [c for c in CASES if not options.case or c.name in options.case]
    pips = [p for p in find_pips() if not options.pip or p.version in options.pip]
    if not pips:
        print("No pip to run: no ~/.pyenv/versions/3.9 … 3.13 with ensurepip here.", file=sys.stderr)
        return 1
    helpers = setuptools_wheels()
    if not helpers:
        print("No setuptools wheel in this machine's mirror: the build cases will fail to fetch it.")

    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="capture-") as temporary:
        work = Path(temporary)
        for folder in (work, *work.parents):
            if folder == Path("/tmp") or folder == Path("/"):
                break
            folder.chmod(0o755)
        index = build_failing_index(
            work / "index", [*helpers, build_large_wheel(work / "large")]
        )
        bare_index = build_failing_index(work / "bare-index")  # no setuptools to build with
        with LocalIndexServer(index) as server, LocalIndexServer(bare_index) as bare:
            for pip in pips:
                make_env(pip, work)
                print(f"== pip {pip.version} on Python {pip.python_version}", flush=True)
                for case in cases:
                    case_work = work / f"pip-{pip.version}" / case.name
                    case_work.mkdir(parents=True, exist_ok=True)
                    try:
                        result = run_case(case, pip, server, bare, case_work)
                    except Skip as reason:
                        skipped.append(f"pip {pip.version} {case.name}: {reason}")
                        print(f"   {case.name:24} skipped: {reason}", flush=True)
                        continue
                    if result["exit_code"] == 0 and not case.succeeds:
                        # Not reproduced with this Python (Debian's own libpython3.11 stands in
                        # for pyenv's, say): an output that shows no failure is not kept.
                        reason = f"pip succeeded on Python {pip.python_version}: not reproduced"
                        skipped.append(f"pip {pip.version} {case.name}: {reason}")
                        print(f"   {case.name:24} skipped: {reason}", flush=True)
                        for suffix in (".txt", ".json"):
                            (options.out / f"pip-{pip.version}" / f"{case.name}{suffix}").unlink(missing_ok=True)
                        continue
                    path = save(result, work, pip, (server, bare), options.out)
                    print(
                        f"   {case.name:24} exit {result['exit_code']:>3}  {result['seconds']:>5}s  "
                        f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}",
                        flush=True,
                    )
    if skipped:
        print("\nNot produced here:")
        for line in skipped:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
