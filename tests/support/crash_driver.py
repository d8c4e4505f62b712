"""Run the real app in a child process and kill it — and its children — in the middle of a change.

``python -m tests.support.crash_driver upgrade ENV SPEC`` opens the main window (offscreen),
adds the environment ENV, starts installing SPEC through the package controller, and when pip
has set the installed version aside (a ``~`` backup appears in site-packages) kills its whole
process group with SIGKILL: the app and its pip die at once, as at a power cut or an
out-of-memory kill.  ``create NAME PYTHON`` does the same to a creation, once ``pyvenv.cfg`` exists.
The test that starts it runs it in a new session, so the group is the driver and its children.
Exit code 3 means the moment was missed (the change finished first).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.show()
    mode = argv[1]
    deadline = time.monotonic() + 90

    def spin_until(condition) -> bool:  # type: ignore[no-untyped-def]
        while not condition():
            QCoreApplication.processEvents()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def kill_everything() -> None:
        os.killpg(0, signal.SIGKILL)

    if mode == "upgrade":
        target, spec = Path(argv[2]), argv[3]
        loaded: list[str] = []
        window.current.packages_loaded.connect(loaded.append)
        spin_until(lambda: window.environment_actions.model.rowCount() >= 0 and window.creation is not None)
        window.environment_actions.add_environment_folder(str(target))
        if not spin_until(lambda: window.current.key == str(target) and str(target) in loaded):
            return 2
        site_packages = next(target.glob("lib/python*/site-packages"))
        window.package_actions.install([spec], f"Installing {spec}")
        if spin_until(lambda: any(name.startswith("~") for name in os.listdir(site_packages))):
            time.sleep(0.05)
            kill_everything()
        return 3
    if mode == "create":
        name, python = argv[2], argv[3]
        from core import storage
        from core.environments import validate_new_environment
        from core.interpreters import probe_interpreter
        from gui.dialogs.new_environment import NewEnvironmentRequest

        interpreter = probe_interpreter(python)
        target = validate_new_environment(name, storage.default_environments_dir())
        spin_until(lambda: not window.creation.interpreters_loading)
        request = NewEnvironmentRequest(name, target, interpreter, False, False, "")
        window.creation.create_environment(request)
        if spin_until(lambda: (target / "pyvenv.cfg").exists()):
            kill_everything()
        return 3
    QTimer.singleShot(0, app.quit)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
