"""Start-up: the display check, the application object, the main window, the last-resort error hook."""

from __future__ import annotations

import argparse
import os
import sys
import traceback

NO_DISPLAY_MESSAGE = """\
Venvdesk is a desktop app, but this session has no display (neither DISPLAY nor WAYLAND_DISPLAY is set).

To run it anyway without a screen, for example on a server or in CI:
    QT_QPA_PLATFORM=offscreen venvdesk
To see the window from a remote machine, connect with "ssh -X" or use a virtual display:
    xvfb-run venvdesk
"""


def has_display(env: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    env = os.environ if env is None else env
    if platform in ("win32", "darwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def _parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="venvdesk", description="Python environments without a terminal.")
    parser.add_argument("--version", action="version", version="Venvdesk 0.1.0")
    parser.add_argument(
        "--quit-after-paint",
        action="store_true",
        help="print the time the main window was painted, then quit (used by the start-up benchmark)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="create an environment and install a package in a throw-away folder, offline; exit 0 if all worked",
    )
    known, _qt_arguments = parser.parse_known_args(argv[1:])
    return known


def _install_excepthook() -> None:
    """An unexpected error is shown to the person (with the traceback behind Details), never swallowed."""

    def hook(exc_type, exc, tb) -> None:
        formatted = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.__stderr__.write(formatted)
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "Venvdesk", "Something went wrong inside Venvdesk.")
        box.setInformativeText(
            "Your environments are unchanged. If this keeps happening, send the details below to the developers."
        )
        box.setDetailedText(formatted)
        box.exec()

    sys.excepthook = hook


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    arguments = _parse_arguments(argv)
    if arguments.self_test:  # before anything reads the person's settings or folders
        from gui.self_test import run_self_test

        return run_self_test(argv)
    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return 2

    # The plain-Python half first: once PySide6 is imported, its import hook reads the
    # source of every module imported after it, which costs ~20 ms at start-up.
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    import core.environments
    import core.packages
    import core.settings  # noqa: F401

    app = QApplication(argv)
    app.setApplicationName("Venvdesk")
    app.setOrganizationName("Venvdesk")
    app.setDesktopFileName("venvdesk")
    _install_excepthook()

    from gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if arguments.quit_after_paint:
        import time

        window.repaint()
        print(f"painted {time.time():.6f}", flush=True)  # read by benchmarks/bench_startup.py
        QTimer.singleShot(0, app.quit)
    status = app.exec()
    window.runner.shutdown()
    # Let running probes and scans end while their receivers still exist.
    QThreadPool.globalInstance().waitForDone(15000)
    return status


if __name__ == "__main__":
    sys.exit(main())
