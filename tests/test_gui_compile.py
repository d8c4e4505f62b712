"""Installs are usable sooner: pip runs with ``--no-compile`` and the app byte-compiles afterwards,
in the background, once the package is listed and importable; stopping that compile breaks nothing.

Real pip against a local index with one package of many modules (so compiling takes a moment).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QProcess

from tests.support.local_index import LocalIndexServer, PackageSpec, build_index

PIP_TIMEOUT = 180_000
MODULES = 400


@pytest.fixture(scope="session")
def many_modules_index(tmp_path_factory, pip_wheels):
    body = "\n".join(f"def function_{n}(value):\n    return [value] * {n}\n" for n in range(60))
    modules = {"manymodules/__init__.py": "VALUE = 1\n"}
    modules.update({f"manymodules/part_{n:03d}.py": body for n in range(MODULES)})
    root = build_index(
        tmp_path_factory.mktemp("many-modules-index"),
        packages=(PackageSpec("manymodules", "1.0", modules=modules, summary="Many small modules."),),
        extra_wheels=pip_wheels,
    )
    with LocalIndexServer(root) as server:
        yield server


@pytest.fixture
def window_with_env(qtbot, make_venv, make_main_window, many_modules_index, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", many_modules_index.simple_url)
    target = make_venv("compiled")
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
        window.environment_actions.add_environment_folder(str(target))
    return window, target


def site_packages(target: Path) -> Path:
    return next(target.glob("lib/python*/site-packages"))


def compiled(target: Path) -> int:
    return len(list((site_packages(target) / "manymodules" / "__pycache__").glob("*.pyc")))


def python(target: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(target / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=60)


def install(qtbot, window, name: str) -> None:
    panel = window.packages_panel
    qtbot.keyClicks(panel.install_edit, name)
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        panel.install_button.click()


def test_an_install_is_usable_before_it_is_compiled_and_compiled_after(qtbot, window_with_env):
    window, target = window_with_env
    started = []
    window.runner.started.connect(lambda op: started.append(op))
    install(qtbot, window, "manymodules")
    # Usable: listed, and importable with the environment's own Python.
    assert "manymodules" in [window.packages_panel.filter_model.data(window.packages_panel.filter_model.index(row, 0))
                             for row in range(window.packages_panel.filter_model.rowCount())]
    assert python(target, "import manymodules; print(manymodules.VALUE)").stdout.strip() == "1"
    install_step = next(op for op in started if op.title.startswith("Installing manymodules")).steps[0]
    assert "--no-compile" in install_step.args  # pip did not spend the install's time compiling
    # Then, in the background, without making the environment busy: every module compiled.
    qtbot.waitUntil(lambda: "Preparing faster first imports: done." in window.log_view.toPlainText(), timeout=PIP_TIMEOUT)
    assert compiled(target) == MODULES + 1
    assert not window.runner.is_busy(str(target))


def test_quitting_while_it_compiles_asks_nothing_and_breaks_nothing(qtbot, window_with_env):
    window, target = window_with_env
    with qtbot.waitSignal(window.runner.started, timeout=PIP_TIMEOUT, check_params_cb=lambda op: op.background):
        install(qtbot, window, "manymodules")
    # Shown as background work: no progress bar, no Cancel, nothing "busy".
    assert window.activity.label.text() == "Preparing faster first imports in the background…"
    assert not window.progress_bar.isVisible() and not window.cancel_button.isVisible()
    assert not window.runner.is_busy(str(target))
    window.close()  # quitting does not ask "stop and quit?" for it: it is simply stopped
    assert window.confirm_quit_box is None and not window.isVisible()
    assert not [p for p in window.runner.findChildren(QProcess) if p.state() != QProcess.ProcessState.NotRunning]
    # Nothing broken: importable, no half-installed files, and pip removes every file (compiled ones too).
    assert python(target, "import manymodules.part_399").returncode == 0
    from core.packages import check_integrity

    assert check_integrity(site_packages(target), deep=True).clean  # stray .pyc files are not damage
    qtbot.wait(500)  # the scan after the change has been shown
    assert not window.packages_panel.repair_bar.isVisible()  # nothing offered to repair
    removed = subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "uninstall", "--yes", "manymodules", "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=120,
    )
    assert removed.returncode == 0, removed.stderr
    assert not (site_packages(target) / "manymodules").exists()


def test_the_compile_yields_to_an_install_queued_after_it(qtbot, window_with_env):
    window, target = window_with_env
    with qtbot.waitSignal(window.runner.started, timeout=PIP_TIMEOUT, check_params_cb=lambda op: op.background):
        install(qtbot, window, "manymodules")
    # The person asks for something else at once: it starts now, the compile after it.
    order = []
    window.runner.started.connect(lambda op: order.append(op.title))
    with qtbot.waitSignal(window.changes.reported, timeout=PIP_TIMEOUT):
        window.package_actions.install(["manymodules"], "Reinstalling manymodules", reinstall=True)
    assert order[0] == "Reinstalling manymodules"
    qtbot.waitUntil(lambda: compiled(target) == MODULES + 1, timeout=PIP_TIMEOUT)
    assert "Preparing faster first imports" in order
