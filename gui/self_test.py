"""``venvdesk --self-test``: prove that this copy of the app can do its job, end to end.

Meant for an installed or bundled Venvdesk (``dist/venvdesk/venvdesk --self-test``)
as much as for a clone (``python -m gui --self-test``).  In a throw-away folder,
with the app's state and pip's configuration isolated from the person's own, it:

1. serves a tiny hand-written wheel from a PEP 503 index on 127.0.0.1
   (nothing reaches the internet: ``PIP_INDEX_URL`` points there and pip's
   configuration files are switched off);
2. opens the real main window and waits for interpreter discovery;
3. checks the files a bundle must carry (``core/seed_pip.py``, the popularity
   snapshot, SVG support for the icons);
4. creates an environment through ``MainWindow.create_environment`` from a
   *discovered* interpreter (never ``sys.executable``: in a bundle that is the
   app itself), with pip unpacked from a wheel the interpreter ships when it
   has one, as the app does with its cached pip;
5. installs the wheel through the Packages panel, then checks it is listed
   there and importable by the environment's Python.

One line per step, ``ok: …`` or ``FAILED: …`` with the reason; the exit code
is 0 only when every step passed.  Each wait runs a ``QEventLoop`` woken by the
window's own signals (no polling), under one overall time limit.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import glob
import hashlib
import html
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TIME_LIMIT_SECONDS = 180.0
PACKAGE_NAME = "venvdesk-selftest"  # not a real project: it can only come from our index
PACKAGE_VERSION = "1.0"
MODULE_NAME = "venvdesk_selftest"
ENVIRONMENT_NAME = "self-test"
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


class StepFailed(Exception):
    """A step did not pass; the message says why, ``detail`` adds technical lines."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


# --------------------------------------------------------------------------- a wheel and an index


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def build_wheel(folder: Path, name: str = PACKAGE_NAME, version: str = PACKAGE_VERSION) -> Path:
    """Write a pure-Python ``py3-none-any`` wheel with one package and a correct RECORD."""
    escaped = name.replace("-", "_")
    dist_info = f"{escaped}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {name}\n"
        f"Version: {version}\n"
        "Summary: A tiny package written by Venvdesk's self-test.\n"
    )
    wheel_meta = "Wheel-Version: 1.0\nGenerator: venvdesk-self-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries = [
        (f"{MODULE_NAME}/__init__.py", f'__version__ = "{version}"\n'.encode()),
        (f"{dist_info}/METADATA", metadata.encode()),
        (f"{dist_info}/WHEEL", wheel_meta.encode()),
        (f"{dist_info}/top_level.txt", f"{MODULE_NAME}\n".encode()),
    ]
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in entries)
    entries.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{escaped}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries:
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return target


def add_to_index(root: Path, project: str, wheel: Path) -> None:
    """Put ``wheel`` under ``files/`` and (re)write the PEP 503 pages that list it."""
    files = root / "files"
    files.mkdir(parents=True, exist_ok=True)
    if wheel.parent != files:
        shutil.copy2(wheel, files / wheel.name)
    project_dir = root / "simple" / project
    project_dir.mkdir(parents=True, exist_ok=True)
    links = []
    for path in sorted(files.iterdir()):
        if path.name.replace("_", "-").lower().startswith(project + "-"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            name = html.escape(path.name)
            links.append(f'<a href="../../files/{name}#sha256={digest}">{name}</a><br>')
    page = "<!DOCTYPE html>\n<html><body>\n" + "\n".join(links) + "\n</body></html>\n"
    (project_dir / "index.html").write_text(page, encoding="utf-8")
    projects = sorted(p.name for p in (root / "simple").iterdir() if p.is_dir())
    listing = "\n".join(f'<a href="{p}/">{p}</a><br>' for p in projects)
    (root / "simple" / "index.html").write_text(
        f"<!DOCTYPE html>\n<html><body>\n{listing}\n</body></html>\n", encoding="utf-8"
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


class _IndexServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), slow without DNS: skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class LocalIndex:
    """Serve a folder of PEP 503 pages on ``127.0.0.1:<free port>`` from a daemon thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self._server = _IndexServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="self-test index", daemon=True
        )
        self._thread.start()

    @property
    def simple_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# --------------------------------------------------------------------------- isolation


def isolate_environment(folder: Path, environ: dict | None = None) -> None:
    """Point the app's state into ``folder`` and make pip use nothing but the local index.

    Must run before anything asks platformdirs for a folder.  ``XDG_*`` works on
    Linux (and on macOS with a recent platformdirs); the ``WIN_PD_OVERRIDE_*``
    variables do the same for a recent platformdirs on Windows.  The first step
    checks that every folder really moved.  PIP_INDEX_URL is set later, once the
    index has a port.
    """
    env = os.environ if environ is None else environ
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        path = folder / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(path)
    env["WIN_PD_OVERRIDE_CSIDL_APPDATA"] = str(folder / "appdata")
    env["WIN_PD_OVERRIDE_CSIDL_LOCAL_APPDATA"] = str(folder / "localappdata")
    for name in list(env):
        if name.upper().startswith("PIP_"):
            del env[name]
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,  # the only switch that skips /etc/pip.conf and friends
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        }
    )
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [host for host in env.get(name, "").split(",") if host.strip()]
        hosts += [host for host in ("127.0.0.1", "localhost") if host not in hosts]
        env[name] = ",".join(hosts)


def is_this_program(path: str) -> bool:
    """True when ``path`` is the running program (in a bundle, that is Venvdesk itself)."""
    if path == sys.executable:
        return True
    if not getattr(sys, "frozen", False):
        return False  # from source, sys.executable is a venv's python, which discovery never lists
    try:
        return os.path.samefile(path, sys.executable)
    except OSError:
        return False


def no_interpreter_message(interpreters: list) -> tuple[str, str]:
    """What the New environment dialog tells the person when nothing here can create an environment.

    Returns the dialog's message and, as detail, the reason it gives (as a tooltip) for each
    Python it greys out.
    """
    from gui.dialogs.new_environment import NewEnvironmentDialog

    dialog = NewEnvironmentDialog(Path(tempfile.gettempdir()), None)
    try:
        dialog.set_interpreters(list(interpreters), loading=False)
        dialog.name_edit.setText(ENVIRONMENT_NAME)
        message = dialog.interpreter_note.text() or dialog.validation_error()
        reasons = [
            f"{interpreter.label}: " + " ".join(filter(None, [interpreter.problem, interpreter.fix]))
            for interpreter in interpreters
            if not interpreter.can_create_venv
        ]
        return message, "\n".join(reasons)
    finally:
        dialog.deleteLater()


def bundled_pip_wheels(python: str) -> list[Path]:
    """pip wheels that ``python`` carries (ensurepip's, or Debian's python-wheels), for a quick pip."""
    from core.commands import child_environment

    folders = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        completed = subprocess.run(
            [python, "-I", "-c", "import ensurepip, os; print(os.path.dirname(ensurepip.__file__))"],
            capture_output=True,
            timeout=20,
            stdin=subprocess.DEVNULL,
            env=child_environment(),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        if completed.returncode == 0:
            folders.append(os.path.join(completed.stdout.decode("utf-8", "replace").strip(), "_bundled"))
    folders.append("/usr/share/python-wheels")
    found: list[Path] = []
    for folder in folders:
        found += [Path(p) for p in sorted(glob.glob(os.path.join(glob.escape(folder), "pip-*-py3-none-any.whl")))]
    return found


# --------------------------------------------------------------------------- the run

# A windowed Windows build has no console (sys.stdout is None): the report then goes to a file.
REPORT_FILE = Path(tempfile.gettempdir()) / "venvdesk-self-test.txt"
_report_stream = None


def report(line: str) -> None:
    global _report_stream
    if _report_stream is None:
        _report_stream = sys.stdout if sys.stdout is not None else open(REPORT_FILE, "w", encoding="utf-8")  # noqa: SIM115
    _report_stream.write(line + "\n")
    _report_stream.flush()


class SelfTest:
    def __init__(self, folder: Path, time_limit: float = TIME_LIMIT_SECONDS) -> None:
        self.folder = folder
        self.time_limit = time_limit
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        self.passed = 0
        self.window = None
        self.index: LocalIndex | None = None
        self._loop = None
        self._unexpected: str = ""
        self.interpreter = None
        self.upgrade_deps = False
        self.target: Path | None = None

    # -- reporting and waiting

    def ok(self, text: str) -> None:
        self.passed += 1
        report(f"ok: {text}")

    def wait(self, what: str, signals: list, done: Callable[[], bool], limit: float) -> None:
        """Run the event loop until ``done()`` (checked whenever one of ``signals`` fires), or fail."""
        from PySide6.QtCore import QEventLoop, QTimer

        if done():
            return
        remaining = self.deadline - time.monotonic()
        limit = min(limit, remaining)
        if limit <= 0:
            raise StepFailed(f"{what}: the self-test ran out of time (limit {self.time_limit:.0f} s)")
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)

        def check(*_args) -> None:
            if done():
                loop.quit()

        for signal in signals:
            signal.connect(check)
        self._loop = loop
        timer.start(int(limit * 1000))
        try:
            loop.exec()
        finally:
            self._loop = None
            timer.stop()
            for signal in signals:
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(check)
        if self._unexpected:
            raise StepFailed(f"{what}: an unexpected error happened inside Venvdesk", self._unexpected)
        if not done():
            overall = " (the self-test's overall limit)" if limit >= remaining else ""
            raise StepFailed(f"{what}: nothing happened within {limit:.0f} s{overall}")

    def excepthook(self, exc_type, exc, tb) -> None:
        self._unexpected = "".join(traceback.format_exception(exc_type, exc, tb))
        if self._loop is not None:
            self._loop.quit()

    # -- steps

    def run(self) -> bool:
        steps = [
            self.isolate,
            self.serve_index,
            self.open_window,
            self.choose_interpreter,
            self.check_bundled_files,
            self.prepare_pip,
            self.create_environment,
            self.select_environment,
            self.install_package,
            self.check_listed,
            self.check_importable,
        ]
        step = steps[0]
        try:
            for step in steps:
                step()
                if self._unexpected:
                    raise StepFailed("an unexpected error happened inside Venvdesk", self._unexpected)
        except StepFailed as failure:
            self._report_failure(str(failure), failure.detail)
            return False
        except Exception as exc:  # a missing module in a bundle, a bug: say where, with the traceback
            what = step.__name__.replace("_", " ")
            self._report_failure(f"{what}: {type(exc).__name__}: {exc}", traceback.format_exc())
            return False
        finally:
            self.close()
        report(f"self-test passed: {self.passed} steps in {time.monotonic() - self.started:.1f} s")
        return True

    def _report_failure(self, message: str, detail: str) -> None:
        report(f"FAILED: {message}")
        for line in detail.strip().splitlines():
            report(f"    {line}")
        report(f"self-test failed after {self.passed} passed steps ({time.monotonic() - self.started:.1f} s)")

    def isolate(self) -> None:
        """Check that :func:`isolate_environment` (already run) really moved every folder."""
        from core import storage

        for folder in (storage.config_dir(), storage.data_dir(), storage.cache_dir(), storage.log_dir()):
            if self.folder not in Path(folder).parents:
                raise StepFailed(
                    f"could not isolate the app's state: it would use {folder}, outside {self.folder}"
                    " (this platformdirs ignores the overrides); stopped before touching anything"
                )
        # The background refresh of the pip wheel must not run: the cache is filled here.
        from core import pip_wheels

        pip_wheels.pip_wheel_dir().mkdir(parents=True, exist_ok=True)
        (pip_wheels.pip_wheel_dir() / ".checked").touch()
        self.ok(f"app state and pip configuration isolated in {self.folder}")

    def serve_index(self) -> None:
        root = self.folder / "index"
        wheel = build_wheel(self.folder / "wheels")
        add_to_index(root, PACKAGE_NAME, wheel)
        self.index = LocalIndex(root)
        os.environ["PIP_INDEX_URL"] = self.index.simple_url
        self.ok(f"local index serves {wheel.name} at {self.index.simple_url}")

    def open_window(self) -> None:
        from PySide6.QtGui import QGuiApplication

        from gui.main_window import MainWindow

        self.window = MainWindow()
        self.window.show()
        loaded = []
        self.window.environments_loaded.connect(lambda: loaded.append(True))
        self.wait("opening the main window", [self.window.environments_loaded], lambda: bool(loaded), 60)
        self.ok(f"main window opened (Qt platform “{QGuiApplication.platformName()}”)")

    def choose_interpreter(self) -> None:
        window = self.window
        self.wait(
            "looking for Python installations",
            [window.interpreters_loaded],
            lambda: not window.interpreters_loading,
            60,
        )
        usable = [i for i in window.interpreters if i.can_create_venv and not is_this_program(i.path)]
        if not usable:
            raise StepFailed(*no_interpreter_message(window.interpreters))
        self.interpreter = usable[0]
        self.ok(f"found {len(window.interpreters)} Python installation(s); using {self.interpreter.label}")

    def check_bundled_files(self) -> None:
        from importlib import resources

        from PySide6.QtGui import QImageReader

        from core import commands, search

        seed_script = Path(commands.__file__).with_name("seed_pip.py")
        if not seed_script.is_file():
            raise StepFailed(
                f"core/seed_pip.py is missing at {seed_script}: environments cannot get pip from the cached wheel"
            )
        try:
            popularity = search.load_popularity_snapshot()
        except Exception as exc:  # any failure here is the finding
            raise StepFailed(
                f"the popularity snapshot (resources/{search.SNAPSHOT_RESOURCE}) cannot be read: {exc}"
            ) from exc
        if b"svg" not in [bytes(f).lower() for f in QImageReader.supportedImageFormats()]:
            raise StepFailed("Qt cannot read SVG images here (no imageformats/qsvg plugin): the icons would be blank")
        icon = "no app icon in resources yet"
        if resources.files("resources").joinpath("venvdesk.svg").is_file():
            if self.window.windowIcon().isNull():
                raise StepFailed("resources/venvdesk.svg exists but the window has no icon")
            icon = "app icon"
        bundle = getattr(sys, "_MEIPASS", "")
        if bundle and bundle in os.environ.get("LD_LIBRARY_PATH", ""):
            raise StepFailed(
                f"LD_LIBRARY_PATH points into the bundle ({os.environ['LD_LIBRARY_PATH']}): programs Venvdesk"
                " starts (a terminal, a file manager, Python) would load its libraries"
                " (installer/rthook_child_environment.py did not run)"
            )
        self.ok(
            f"bundled files present: {seed_script}, popularity of {len(popularity)} projects,"
            f" SVG support, {icon}"
        )

    def prepare_pip(self) -> None:
        """Put the interpreter's own pip wheel in the app's cache, as the background refresh would."""
        from core import pip_wheels

        self.upgrade_deps = False
        if sys.platform == "win32":
            self.ok("on Windows new environments get pip from ensurepip (no pip wheel needed)")
            return
        cache = pip_wheels.pip_wheel_dir()
        for wheel in bundled_pip_wheels(self.interpreter.path):
            shutil.copy2(wheel, cache / wheel.name)
        chosen = pip_wheels.cached_pip_wheel(self.interpreter.version)
        if chosen is None:
            self.ok(
                f"no pip wheel ships with {self.interpreter.label}: the environment gets pip from ensurepip"
                " (the quick seed_pip.py path is not exercised)"
            )
            return
        self.upgrade_deps = True
        add_to_index(self.folder / "index", "pip", chosen)  # so "newest version" look-ups find pip too
        self.ok(f"{chosen.name} cached: the environment gets pip by seed_pip.py, as with the app's own cache")

    def create_environment(self) -> None:
        from core import storage
        from core.environments import validate_new_environment
        from gui.dialogs.new_environment import NewEnvironmentRequest

        window = self.window
        request = NewEnvironmentRequest(
            name=ENVIRONMENT_NAME,
            target=validate_new_environment(ENVIRONMENT_NAME, storage.default_environments_dir()),
            interpreter=self.interpreter,
            system_site_packages=False,
            upgrade_deps=self.upgrade_deps,
            prompt="",
        )
        outcomes = []
        window.creation_finished.connect(outcomes.append)
        started = time.monotonic()
        operation = window.create_environment(request)
        steps = "; ".join(step.display() for step in operation.steps)
        self.wait("creating an environment", [window.creation_finished], lambda: bool(outcomes), 150)
        outcome = outcomes[0]
        if not outcome.ok:
            raise StepFailed(f"creating an environment: {outcome}", f"Steps: {steps}\n{outcome.detail()}")
        self.target = request.target
        self.ok(f"created {request.target} in {time.monotonic() - started:.1f} s ({len(operation.steps)} commands)")

    def _same_path(self, path) -> bool:
        return path is not None and os.path.realpath(str(path)) == os.path.realpath(str(self.target))

    def select_environment(self) -> None:
        from PySide6.QtCore import QItemSelectionModel

        window = self.window
        panel = window.packages_panel
        loaded: list[str] = []
        panel.packages_loaded.connect(loaded.append)

        def listed() -> bool:
            entry = window.selected_entry()
            if entry is None or not self._same_path(entry.environment.path):
                row = window.environment_model.row_of(str(self.target))
                if row >= 0:  # listed but not selected: select it as a click would
                    index = window.environment_model.index(row, 0)
                    window.environment_list.selectionModel().select(
                        index,
                        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                    )
                return False
            return any(self._same_path(path) for path in loaded)

        self.wait(
            "selecting the new environment",
            [window.environments_loaded, panel.packages_loaded],
            listed,
            60,
        )
        entry = window.selected_entry()
        if not entry.health.ok:
            raise StepFailed(f"the new environment is marked broken: {entry.health.reason}", entry.health.hint)
        names = ", ".join(f"{p.name} {p.version}" for p in panel.model.packages()) or "nothing yet"
        self.ok(f"environment selected; the Packages panel lists {names}")

    def install_package(self) -> None:
        window = self.window
        panel = window.packages_panel
        outcome_box: list = []
        checked: list[str] = []
        loaded: list[str] = []

        def finished(outcome) -> None:
            if outcome.operation is operation:
                outcome_box.append(outcome)

        window.runner.finished.connect(finished)
        panel.checks_finished.connect(lambda path: checked.append(path) if outcome_box else None)
        panel.packages_loaded.connect(lambda path: loaded.append(path) if outcome_box else None)

        def done() -> bool:
            if not outcome_box:
                return False
            if not outcome_box[0].ok:
                return True
            return any(self._same_path(p) for p in checked) and any(self._same_path(p) for p in loaded)

        started = time.monotonic()
        operation = panel.install_specs([PACKAGE_NAME], f"Installing {PACKAGE_NAME}")
        if operation is None:
            raise StepFailed("the Packages panel did not start an install (no environment selected?)")
        self.wait(
            f"installing {PACKAGE_NAME}",
            [window.runner.finished, panel.checks_finished, panel.packages_loaded],
            done,
            150,
        )
        outcome = outcome_box[0]
        if not outcome.ok:
            raise StepFailed(f"installing through the Packages panel: {outcome}", outcome.detail())
        integrity = "no half-installed files" if panel.integrity.clean else f"half-installed: {panel.integrity.describe()}"
        self.ok(
            f"installed {PACKAGE_NAME} through the Packages panel in {time.monotonic() - started:.1f} s"
            f" (checked afterwards: {integrity})"
        )

    def check_listed(self) -> None:
        from core.names import canonical_name

        packages = {canonical_name(p.name): p for p in self.window.packages_panel.model.packages()}
        package = packages.get(canonical_name(PACKAGE_NAME))
        if package is None:
            raise StepFailed(
                f"{PACKAGE_NAME} is not listed in the Packages panel",
                "Listed: " + ", ".join(f"{p.name} {p.version}" for p in packages.values()),
            )
        if package.version != PACKAGE_VERSION:
            raise StepFailed(f"the Packages panel lists {PACKAGE_NAME} {package.version}, not {PACKAGE_VERSION}")
        self.ok(f"{PACKAGE_NAME} {package.version} is listed in the Packages panel")

    def check_importable(self) -> None:
        from core.commands import child_environment
        from core.environments import Environment

        python = str(Environment.load(self.target).python)
        argv = [python, "-I", "-c", f"import {MODULE_NAME}; print({MODULE_NAME}.__version__)"]
        try:
            completed = subprocess.run(
                argv,
                capture_output=True,
                timeout=30,
                stdin=subprocess.DEVNULL,
                cwd=str(self.folder),
                env=child_environment(),
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise StepFailed(f"the environment's Python did not run: {exc}", " ".join(argv)) from exc
        output = completed.stdout.decode("utf-8", "replace").strip()
        if completed.returncode != 0 or output != PACKAGE_VERSION:
            raise StepFailed(
                f"{MODULE_NAME} is not importable by the environment's Python (exit code {completed.returncode})",
                " ".join(argv) + "\n" + completed.stderr.decode("utf-8", "replace"),
            )
        self.ok(f"{python} imports {MODULE_NAME} {output}")

    # -- clean-up

    def close(self) -> None:
        from PySide6.QtCore import QThreadPool

        if self.window is not None:
            self.window.close()  # stops anything still running
            QThreadPool.globalInstance().waitForDone(15000)
            self.window.deleteLater()
            self.window = None
        if self.index is not None:
            self.index.stop()
            self.index = None


def run_self_test(argv: list[str] | None = None, *, time_limit: float = TIME_LIMIT_SECONDS) -> int:
    """Run every step; 0 when all passed, 1 otherwise.  Creates the QApplication if needed."""
    from PySide6.QtWidgets import QApplication

    from gui.app import has_display

    argv = list(sys.argv if argv is None else argv)
    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the self-test needs no screen
    report(
        f"Venvdesk self-test ({'bundled' if getattr(sys, 'frozen', False) else 'from source'},"
        f" Python {sys.version.split()[0]}, {sys.platform})"
    )
    # First, because Qt aborts the process when no platform plugin loads: nothing is left behind.
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Venvdesk")
    app.setOrganizationName("Venvdesk")
    folder = Path(tempfile.mkdtemp(prefix="venvdesk-self-test-")).resolve()
    # Before any core module asks platformdirs for a folder.
    isolate_environment(folder)
    test = SelfTest(folder, time_limit)
    previous_hook = sys.excepthook
    sys.excepthook = test.excepthook
    try:
        passed = test.run()
    finally:
        sys.excepthook = previous_hook
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if passed else 1
