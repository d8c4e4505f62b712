"""Start-up: the display check, the application object, the main window, the last-resort error hook."""

from __future__ import annotations

import argparse
import signal
import sys
import traceback

from gui.display import NO_DISPLAY_MESSAGE, has_display

__all__ = ["NO_DISPLAY_MESSAGE", "has_display", "main", "restore_default_sigint"]


def restore_default_sigint() -> None:
    """Give SIGINT its default action again, in this process and in every child started later.

    A program started with SIGINT ignored (``nohup``, a launcher, ``trap "" INT``, a service
    manager) passes that on: an ignored signal stays ignored across ``fork`` and ``exec``, so
    every pip the app starts would ignore SIGINT too, and Cancel (SIGINT first, a kill only
    after a grace period) would never let pip stop cleanly.  A child of a process whose SIGINT
    is the default starts with the default.  For the app itself, Ctrl+C in its terminal then
    ends it at once (Python's KeyboardInterrupt would wait for Python code to run, which in
    Qt's event loop can be never).  Call it from the main thread.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


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
    parser.add_argument(
        "--build-search-index",
        metavar="INDEX_URL",
        help=argparse.SUPPRESS,  # internal: the window asks a child to build Find's index (no window)
    )
    parser.add_argument(
        "folder",
        nargs="?",
        help="a project folder to open (Venvdesk reads it and offers to set it up)",
    )
    known, _qt_arguments = parser.parse_known_args(argv[1:])
    return known


def project_folder_argument(arguments: list[str]) -> str:
    """The project folder named on the command line ("" for none), from the arguments Qt left.

    Read after ``QApplication`` took its own options (``-platform offscreen``, ``-style …``), so
    that an option's value is never taken for a folder; Venvdesk's own options start with ``-``.
    """
    rest = [argument for argument in arguments[1:] if argument and not argument.startswith("-")]
    return rest[0] if rest else ""


def _install_excepthook() -> None:
    """An unexpected error is shown to the person (with the traceback behind Details), never swallowed."""

    def hook(exc_type, exc, tb) -> None:
        formatted = "".join(traceback.format_exception(exc_type, exc, tb))
        if sys.__stderr__ is not None:  # None in a windowed Windows build
            sys.__stderr__.write(formatted)
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "Venvdesk", "Something went wrong inside Venvdesk.")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(
            "Your environments are unchanged. If this keeps happening, send the details below to the developers."
        )
        # The traceback quotes outside text (paths, names, values): Qt shows detailed text as plain text.
        box.setDetailedText(formatted)
        box.exec()

    sys.excepthook = hook


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    # Before any child starts (the self-test's too): children inherit an ignored SIGINT.
    restore_default_sigint()
    arguments = _parse_arguments(argv)
    if arguments.self_test:  # before anything reads the person's settings or folders
        from gui.self_test import run_self_test

        return run_self_test(argv)
    if arguments.build_search_index:  # a child of the window: no display, no Qt
        from core.search import build_saved_index

        return 0 if build_saved_index(arguments.build_search_index) else 1
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
    folder = project_folder_argument(app.arguments())
    if folder:  # venvdesk PATH: open it as a project once the window is up
        QTimer.singleShot(0, lambda: window.projects.open_folder(folder))
    if arguments.quit_after_paint:
        import time

        window.repaint()
        print(f"painted {time.time():.6f}", flush=True)  # read by benchmarks/bench_startup.py

        def built() -> None:  # what the first paint does not show is built right after it
            window.finish_building()
            print(f"built {time.time():.6f}", flush=True)
            app.quit()

        QTimer.singleShot(0, built)
    status = app.exec()
    window.runner.shutdown()
    # Let running probes and scans end while their receivers still exist.
    QThreadPool.globalInstance().waitForDone(15000)
    return status


if __name__ == "__main__":
    sys.exit(main())
