"""``venvdesk --self-test``: prove that this copy of the app can do its job, end to end.

Meant for an installed or bundled Venvdesk (``dist/venvdesk/venvdesk --self-test``)
as much as for a clone (``python -m gui --self-test``).  In a throw-away folder,
with the app's state and pip's configuration isolated from the person's own, it:

1. serves a tiny hand-written wheel from a PEP 503 index on 127.0.0.1
   (nothing reaches the internet: ``PIP_INDEX_URL`` points there and pip's
   configuration files are switched off) -- the wheel builder, index server and
   isolation the test suite uses too (``venvdesk_testing``);
2. opens the real main window as the app starts it (its frame painted first,
   the rest filled in after) and waits for interpreter discovery;
3. checks the files a bundle must carry (``core/seed_pip.py``, the popularity
   snapshot, SVG support for the icons);
4. creates an environment through ``MainWindow.create_environment`` from a
   *discovered* interpreter (never ``sys.executable``: in a bundle that is the
   app itself), with pip unpacked from a wheel the interpreter ships when it
   has one, as the app does with its cached pip;
5. installs the wheel through the Packages panel, then checks it is listed
   there and importable by the environment's Python;
6. checks that the newest version of it was looked up on the local index by the
   look-up child (``core.lookup_child``: this program started again).

One line per step, ``ok: …`` or ``FAILED: …`` with the reason; the exit code
is 0 only when every step passed.  Each wait runs a ``QEventLoop`` woken by the
window's own signals (no polling), under one overall time limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gui.display import has_display
from gui.self_test_harness import StepFailed, StepRunner, report
from venvdesk_testing.index import build_index
from venvdesk_testing.isolation import isolate_state, use_hermetic_pip
from venvdesk_testing.pip_wheels import pip_wheels_of
from venvdesk_testing.server import LocalIndexServer
from venvdesk_testing.wheels import PackageSpec, wheel_filename

if TYPE_CHECKING:  # Qt and the window are imported once the app's state is isolated

    from core.interpreters import Interpreter
    from gui.main_window import MainWindow

TIME_LIMIT_SECONDS = 180.0
PACKAGE_NAME = "venvdesk-selftest"  # not a real project: it can only come from our index
PACKAGE_VERSION = "1.0"
MODULE_NAME = "venvdesk_selftest"
ENVIRONMENT_NAME = "self-test"
# The one package of the self-test's index (with pip, once a pip wheel is chosen).
PACKAGE = PackageSpec(
    PACKAGE_NAME,
    PACKAGE_VERSION,
    summary="A tiny package written by Venvdesk's self-test.",
    modules={f"{MODULE_NAME}/__init__.py": f'__version__ = "{PACKAGE_VERSION}"\n'},
)


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


# --------------------------------------------------------------------------- the run

class SelfTest(StepRunner):
    def __init__(self, folder: Path, time_limit: float = TIME_LIMIT_SECONDS) -> None:
        super().__init__(time_limit)
        self.folder = folder
        self.index: LocalIndexServer | None = None
        self._window: MainWindow | None = None
        self._interpreter: Interpreter | None = None
        self.upgrade_deps = False
        self._target: Path | None = None

    # -- what the steps made, for the steps after them

    @property
    def window(self) -> MainWindow:
        """The main window (from ``open_window`` on)."""
        if self._window is None:
            raise StepFailed("the main window is not open")
        return self._window

    @property
    def interpreter(self) -> Interpreter:
        """The Python new environments are made from (from ``choose_interpreter`` on)."""
        if self._interpreter is None:
            raise StepFailed("no Python installation was chosen")
        return self._interpreter

    @property
    def target(self) -> Path:
        """The new environment's folder (from ``create_environment`` on)."""
        if self._target is None:
            raise StepFailed("no environment was created")
        return self._target

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
            self.check_newest_version,
        ]
        return self.run_steps(steps)

    def isolate(self) -> None:
        """Check that ``isolate_state`` (already run) really moved every folder."""
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
        root = build_index(self.folder / "index", [PACKAGE])
        self.index = LocalIndexServer(root).start()
        os.environ["PIP_INDEX_URL"] = self.index.simple_url
        wheel = wheel_filename(PACKAGE_NAME, PACKAGE_VERSION)
        self.ok(f"local index serves {wheel} at {self.index.simple_url}")

    def open_window(self) -> None:
        from PySide6.QtGui import QGuiApplication

        from gui.main_window import MainWindow

        # As the app starts: its frame painted first, the rest filled in after (gui/app.py).
        window = self._window = MainWindow(staged=True)
        loaded: list[bool] = []
        window.filled.connect(lambda: window.environment_actions.environments_loaded.connect(lambda: loaded.append(True)))
        window.show()
        self.wait("filling the main window in after its first paint", [window.filled], lambda: window.is_filled, 60)
        self.wait("reading the list of environments", [window.environment_actions.environments_loaded], lambda: bool(loaded), 60)
        self.ok(f"main window opened, its frame first (Qt platform “{QGuiApplication.platformName()}”)")

    def choose_interpreter(self) -> None:
        window = self.window
        self.wait(
            "looking for Python installations",
            [window.creation.interpreters_loaded],
            lambda: not window.creation.interpreters_loading,
            60,
        )
        usable = [i for i in window.creation.interpreters if i.can_create_venv and not is_this_program(i.path)]
        if not usable:
            raise StepFailed(*no_interpreter_message(window.creation.interpreters))
        self._interpreter = usable[0]
        self.ok(f"found {len(window.creation.interpreters)} Python installation(s); using {self.interpreter.label}")

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
        if b"svg" not in [bytes(f.data()).lower() for f in QImageReader.supportedImageFormats()]:
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
        from core.commands import child_environment

        self.upgrade_deps = False
        if sys.platform == "win32":
            self.ok("on Windows new environments get pip from ensurepip (no pip wheel needed)")
            return
        cache = pip_wheels.pip_wheel_dir()
        for wheel in pip_wheels_of(self.interpreter.path, child_environment()):
            shutil.copy2(wheel, cache / wheel.name)
        chosen = pip_wheels.cached_pip_wheel(self.interpreter.version)
        if chosen is None:
            self.ok(
                f"no pip wheel ships with {self.interpreter.label}: the environment gets pip from ensurepip"
                " (the quick seed_pip.py path is not exercised)"
            )
            return
        self.upgrade_deps = True
        build_index(self.folder / "index", [PACKAGE], [chosen])  # so "newest version" look-ups find pip too
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
        outcomes: list[Any] = []
        window.creation.creation_finished.connect(outcomes.append)
        started = time.monotonic()
        operation = window.creation.create_environment(request)
        if operation is None:
            raise StepFailed("the window did not start creating the environment", window.message_bar.text())
        steps = "; ".join(step.display() for step in operation.steps)
        self.wait("creating an environment", [window.creation.creation_finished], lambda: bool(outcomes), 150)
        outcome = outcomes[0]
        if not outcome.ok:
            raise StepFailed(f"creating an environment: {outcome}", f"Steps: {steps}\n{outcome.detail()}")
        self._target = request.target
        self.ok(f"created {request.target} in {time.monotonic() - started:.1f} s ({len(operation.steps)} commands)")

    def _same_path(self, path: object) -> bool:
        return path is not None and os.path.realpath(str(path)) == os.path.realpath(str(self._target))

    def select_environment(self) -> None:
        from PySide6.QtCore import QItemSelectionModel

        window = self.window
        panel = window.packages_panel
        loaded: list[str] = []
        window.current.packages_loaded.connect(loaded.append)

        def listed() -> bool:
            entry = window.environment_actions.selected_entry()
            if entry is None or not self._same_path(entry.environment.path):
                row = window.environment_actions.model.row_of(str(self.target))
                if row >= 0:  # listed but not selected: select it as a click would
                    index = window.environment_actions.model.index(row, 0)
                    window.environments_panel.list_view.selectionModel().select(
                        index,
                        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                    )
                return False
            return any(self._same_path(path) for path in loaded)

        self.wait(
            "selecting the new environment",
            [window.environment_actions.environments_loaded, window.current.packages_loaded],
            listed,
            60,
        )
        entry = window.environment_actions.selected_entry()
        if entry is None:
            raise StepFailed("the new environment is no longer selected")
        if not entry.health.ok:
            raise StepFailed(f"the new environment is marked broken: {entry.health.reason}", entry.health.hint)
        names = ", ".join(f"{p.name} {p.version}" for p in panel.model.packages()) or "nothing yet"
        self.ok(f"environment selected; the Packages panel lists {names}")

    def install_package(self) -> None:
        window = self.window
        outcome_box: list = []
        checked: list[str] = []
        loaded: list[str] = []

        def finished(outcome) -> None:
            if outcome.operation is operation:
                outcome_box.append(outcome)

        window.runner.finished.connect(finished)
        window.operations.checks_finished.connect(lambda path: checked.append(path) if outcome_box else None)
        window.current.packages_loaded.connect(lambda path: loaded.append(path) if outcome_box else None)

        def done() -> bool:
            if not outcome_box:
                return False
            if not outcome_box[0].ok:
                return True
            return any(self._same_path(p) for p in checked) and any(self._same_path(p) for p in loaded)

        started = time.monotonic()
        operation = window.package_actions.install([PACKAGE_NAME], f"Installing {PACKAGE_NAME}")
        if operation is None:
            raise StepFailed("the Packages panel did not start an install (no environment selected?)")
        self.wait(
            f"installing {PACKAGE_NAME}",
            [window.runner.finished, window.operations.checks_finished, window.current.packages_loaded],
            done,
            150,
        )
        outcome = outcome_box[0]
        if not outcome.ok:
            raise StepFailed(f"installing through the Packages panel: {outcome}", outcome.detail())
        integrity = "no half-installed files" if window.current.integrity.clean else f"half-installed: {window.current.integrity.describe()}"
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

    def check_newest_version(self) -> None:
        """The newest version of the installed package, as the Packages panel asks for it: through the
        look-up child (this program started again with ``--latest-versions``), from the local index."""
        from core.names import canonical_name

        current = self.window.current
        wanted = canonical_name(PACKAGE_NAME)
        keys = [p.key for p in current.packages if canonical_name(p.name) == wanted]
        if not keys:
            raise StepFailed(f"{PACKAGE_NAME} is no longer among the environment's packages")
        key = keys[0]

        def answered() -> bool:
            return (
                key in current.latest
                or key in current.latest_not_on_index
                or bool(current.latest_problem)
                or any(failure.split(":")[0] == key for failure in current.latest_failures)
            )

        self.wait("looking up the newest version", [current.latest_versions_loaded], answered, 60)
        if key in current.latest_not_on_index:
            raise StepFailed(f"the local index answered that it has no {PACKAGE_NAME} (404) when its newest version was asked for")
        if key not in current.latest:
            raise StepFailed(
                f"the newest version of {PACKAGE_NAME} was not found on the local index",
                current.latest_problem or "\n".join(current.latest_failures),
            )
        if current.latest[key] != PACKAGE_VERSION:
            raise StepFailed(f"the local index's newest {PACKAGE_NAME} was given as {current.latest[key]}, not {PACKAGE_VERSION}")
        self.ok(f"the look-up of newest versions (a second Venvdesk process) found {PACKAGE_NAME} {current.latest[key]}")

    # -- clean-up

    def close(self) -> None:
        from PySide6.QtCore import QThreadPool

        if self._window is not None:
            self._window.close()
            self._window.shut_down()  # stops anything still running, as the app does at quit
            QThreadPool.globalInstance().waitForDone(15000)
            self._window.deleteLater()
            self._window = None
        if self.index is not None:
            self.index.stop()
            self.index = None


def run_self_test(argv: list[str] | None = None, *, time_limit: float = TIME_LIMIT_SECONDS) -> int:
    """Run every step; 0 when all passed, 1 otherwise.  Creates the QApplication if needed."""
    from PySide6.QtWidgets import QApplication

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
    # Before any core module asks platformdirs for a folder.  PIP_INDEX_URL follows once the
    # local index has a port.
    isolate_state(folder, os.environ)
    use_hermetic_pip(os.environ)
    test = SelfTest(folder, time_limit)
    previous_hook = sys.excepthook
    sys.excepthook = test.excepthook
    try:
        passed = test.run()
    finally:
        sys.excepthook = previous_hook
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if passed else 1
