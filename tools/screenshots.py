"""Render the main states of the app to PNG files, to look at what a person sees.

    QT_QPA_PLATFORM=offscreen python tools/screenshots.py [OUTPUT_DIR]   (or: make screenshots)

Runs against throw-away XDG folders with real environments made by real
``python -m venv``; nothing of yours is read or touched.  No network is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _isolate(root: Path) -> None:
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        del os.environ[name]  # this machine's pip settings would show up in the pictures
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        folder = root / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[f"XDG_{name}_HOME"] = str(folder)
    os.environ["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple/"  # never the internet


def _make_environment(python: str, target: Path, wheel: Path | None) -> None:
    subprocess.run([python, "-m", "venv", "--without-pip", str(target)], check=True)
    if wheel is not None:
        subprocess.run([str(target / "bin" / "python"), "-I", str(REPO / "core" / "seed_pip.py"), str(wheel)], check=True, capture_output=True)


def main(argv: list[str]) -> int:
    output = Path(argv[1] if len(argv) > 1 else "screenshots").resolve()
    output.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="venvdesk-shots-"))
    _isolate(scratch)

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from core import storage
    from core.interpreters import find_interpreters
    from gui.main_window import MainWindow

    app = QApplication([argv[0], "-platform", "offscreen"])
    app.setApplicationName("Venvdesk")
    from gui import theme

    theme.install(app)  # VENVDESK_COLOR_SCHEME=dark gives the dark pictures

    def settle(ms: int = 300) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_for(signal, timeout_ms: int = 60000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()

    only = set(os.environ.get("VENVDESK_SHOTS", "").split(",")) - {""}

    def shoot(widget, name: str) -> None:
        if only and name.split("-")[0] not in only:
            return
        widget.grab().save(str(output / name))
        print(output / name)

    # 1. First start: the welcome page.
    window = MainWindow()
    window.show()
    wait_for(window.creation.interpreters_loaded)
    settle()
    shoot(window, "01-welcome.png")

    # 2. The New environment dialog, filled in.
    dialog = window.creation.new_environment()
    dialog.name_edit.setText("data-analysis")
    settle()
    shoot(dialog, "02-new-environment-dialog.png")
    dialog.reject()

    # 3. Environments listed (three real ones, one of them broken), packages on the right.
    interpreters = [i for i in find_interpreters() if i.can_create_venv]
    from tests.support.bundled_pip import bundled_pip_wheels
    from tests.support.local_index import LocalIndexServer, build_index, build_wheel

    wheels = bundled_pip_wheels()
    wheel = wheels[-1] if wheels else None
    # pip shows download progress only for files over 512 KB: one big package to watch.
    import base64

    blob = base64.b64encode(os.urandom(900_000)).decode("ascii")
    big = build_wheel(scratch / "big", "bigdata", "1.0", summary="A large package (to watch the progress bar).",
                      modules={"bigdata/__init__.py": f"BLOB = {blob!r}\n"})
    from tests.support.local_index import PackageSpec
    from tests.test_gui_search import SEARCH_PACKAGES

    extra_packages = (
        # Installing it upgrades tinyutil, which is already there: the install plan asks first.
        PackageSpec("tinyplus", "1.0", requires=("tinyutil>=1.1",), summary="More tiny things."),
    )
    index_root = build_index(scratch / "index", packages=(*SEARCH_PACKAGES, *extra_packages), extra_wheels=[*wheels, big])
    server = LocalIndexServer(index_root).__enter__()
    os.environ["PIP_INDEX_URL"] = server.simple_url
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    envs = storage.default_environments_dir()
    envs.mkdir(parents=True, exist_ok=True)
    for name, interpreter in zip(("data-analysis", "web-app", "old-project"), interpreters[::3] or interpreters):
        _make_environment(interpreter.path, envs / name, wheel)
    cfg = envs / "old-project" / "pyvenv.cfg"
    if cfg.exists():
        cfg.write_text(cfg.read_text().replace("home = ", "home = /opt/removed-python", 1).split("\n", 1)[0] + "\n" + cfg.read_text().split("\n", 1)[1])
    window.close()
    window = MainWindow()
    window.show()
    wait_for(window.current.packages_loaded)
    from gui.models.packages import PackageTableModel

    table = window.packages_panel.table.model()
    for _ in range(100):  # the newest versions arrive from the look-up child a moment later
        if table.rowCount() and table.index(0, PackageTableModel.LATEST).data():
            break
        settle(100)
    settle()
    shoot(window, "03-environments.png")
    row = window.environment_actions.model.row_of(str(envs / "old-project"))
    if row >= 0:
        window.environments_panel.list_view.setCurrentIndex(window.environment_actions.model.index(row, 0))
        for _ in range(100):  # the offer to re-create it is worked out off the UI thread
            settle(100)
            if "Re-create this environment" in window.packages_panel.placeholder.text():
                break
        settle()
        shoot(window, "04-broken-environment.png")

    # 4. Packages: outdated ones marked; an install in progress; the uninstall warning.
    env = envs / "data-analysis"
    subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "install", "--isolated", "--no-cache-dir", "--disable-pip-version-check",
         "--index-url", server.simple_url, "tinyapp==2.0", "tinyutil==1.0", "tinyextra==0.1", "Old_Package==0.9"],
        check=True, capture_output=True,
    )
    panel = window.packages_panel
    row = window.environment_actions.model.row_of(str(env))
    window.environments_panel.list_view.setCurrentIndex(window.environment_actions.model.index(row, 0))
    wait_for(window.current.latest_versions_loaded)
    settle()
    shoot(window, "07-packages-outdated.png")

    server.delay_per_chunk = 0.02
    server.chunk_size = 16384
    panel.install_edit.setText("bigdata")
    panel.install_button.click()
    for _ in range(40):
        settle(100)
        if window.progress_bar.maximum() > 0 and window.progress_bar.value() > window.progress_bar.maximum() // 3:
            break
    shoot(window, "08-installing.png")
    server.delay_per_chunk = 0
    wait_for(window.operations.checks_finished)
    settle()

    view = panel.table
    for r in range(panel.filter_model.rowCount()):
        if panel.filter_model.data(panel.filter_model.index(r, 0)) == "tinyutil":
            view.selectRow(r)
    panel.uninstall_button.click()
    settle()
    box = window.package_actions.uninstall_warning_box
    if box is not None:
        shoot(box, "09-uninstall-warning.png")
        box.reject()

    # 4b. A misspelt name: the failure explained, with its fix as a button.
    settle(1500)  # the import check after bigdata's install
    panel.install_edit.setText("reqeusts")
    panel.install_button.click()
    for _ in range(200):
        settle(100)
        if "reqeusts" in window.message_bar.text():
            break
    settle()
    shoot(window, "12-failure-explained.png")
    # The plan before an install that changes an installed package.
    panel.install_edit.setText("tinyplus")
    panel.install_button.click()
    for _ in range(100):
        settle(100)
        if window.package_actions.install_plan_box is not None and window.package_actions.install_plan_box.isVisible():
            break
    box = window.package_actions.install_plan_box
    if box is not None:
        shoot(box, "13-install-plan.png")
        next(b for b in box.buttons() if b.text() == "Install").click()
        for _ in range(200):
            settle(100)
            if "done" in window.message_bar.text() and "tinyplus" in window.message_bar.text():
                break
        settle(1500)
        shoot(window, "14-installed-with-undo.png")
    window.changes.show_history()
    settle()
    if window.changes.history_dialog is not None:
        shoot(window.changes.history_dialog, "15-history.png")
        window.changes.history_dialog.reject()

    # 5. Find packages: results for a misspelled query, the details of one, a version chosen.
    window.show_search()
    wait_for(window.search_panel.index_ready)
    window.search_panel.search_edit.setText("reqeusts")
    settle(100)
    window.search_panel.show_details("requests")
    wait_for(window.search_panel.details_shown)
    settle()
    shoot(window, "10-search-details.png")
    window.package_tabs.setCurrentWidget(window.packages_panel)

    # 6. A creation in progress (ensurepip: slow enough to catch), then cancelled.
    dialog = window.creation.new_environment()
    dialog.name_edit.setText("new-project")
    dialog.upgrade_deps_check.setChecked(False)
    settle(100)
    dialog.accept()
    settle(700)
    shoot(window, "05-creating.png")
    window.activity.cancel_current()
    wait_for(window.creation.creation_finished)
    settle()
    shoot(window, "06-cancelled.png")

    from core.environments import Environment

    # 8. A project folder opened: what was found, the Python chosen, Set up this project.
    project = scratch / "homework"
    (project / "analysis").mkdir(parents=True)
    (project / "requirements.txt").write_text("tinyapp==2.0\ntinyutil\n")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "homework"\nversion = "0.1"\nrequires-python = ">=3.9"\n'
        'dependencies = ["tinyutil>=1.0"]\n\n[project.optional-dependencies]\ndev = ["tinyextra"]\n'
    )
    (project / "main.py").write_text("import json\nimport tinyapp\nimport tinyplus\nfrom analysis import clean\n")
    (project / "analysis" / "__init__.py").write_text("")
    (project / "analysis" / "clean.py").write_text("import tinyutil\nimport yaml\n")
    window.projects.open_folder(project)
    wait_for(window.projects.scanned)
    settle(500)
    shoot(window, "16-project-page.png")
    # What its code needs that an environment lacks.
    window.missing_packages.scan_folder(Environment.load(envs / "web-app"), project)
    for _ in range(150):
        settle(100)
        if window.missing_packages.dialog is not None and window.missing_packages.dialog.isVisible():
            break
    if window.missing_packages.dialog is not None:
        settle()
        shoot(window.missing_packages.dialog, "17-missing-packages.png")
        window.missing_packages.dialog.reject()
    window.close()
    app.processEvents()

    # 7. The next start after Venvdesk was killed in the middle of an upgrade (its journal entry).
    from core.journal import Journal, JournalEntry, package_set
    from core.packages import installed_packages

    env = envs / "data-analysis"
    before = package_set(installed_packages(Environment.load(env).site_packages()))
    Journal().begin(JournalEntry(str(env), "install", "Upgrading tinyutil", specs=("tinyutil",), before=before, app_pid=1 << 22))  # no such process: a Venvdesk that was killed
    window = MainWindow()
    window.show()
    wait_for(window.current.packages_loaded)
    settle()
    shoot(window, "11-interrupted.png")
    window.close()
    app.processEvents()
    server.__exit__(None, None, None)
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10000)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
