"""Start-up: the display check, the application object, the main window, the last-resort error hook."""

from __future__ import annotations

import argparse
import gc
import os
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
        "--latest-versions",
        action="store_true",
        help=argparse.SUPPRESS,  # internal: the window asks a child to look up the newest versions (no window)
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


def spare_pyside_source_reads() -> None:
    """Tell PySide6 up front which modules use it, so that it need not read their source files.

    Once imported, PySide6 wraps ``__import__``: after each import it reads the source of every
    module it has not seen yet (``inspect.getsource``) to learn whether the module mentions
    PySide6 (for its opt-in ``__feature__`` switches, which Venvdesk does not use).  Start-up
    imports ~130 modules after PySide6: reading their files cost ~20 ms before the first paint.
    Its record is a dict of module name to 0 (uses PySide6) or -1 (does not); a name already in
    it is not read.  Filled here with what is known without reading: Venvdesk's own modules (only
    ``gui`` uses Qt; ``core`` never does, a test checks it), the standard library and what is
    imported already.  A PySide6 without that record (another release) is left as it is.
    """
    feature = sys.modules.get("__feature__")
    known = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(known, dict):
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for package, uses_qt in (("gui", 0), ("core", -1)):
        for folder, _folders, files in os.walk(os.path.join(root, package)):
            prefix = os.path.relpath(folder, root).replace(os.sep, ".")
            known.setdefault(prefix, uses_qt)
            for file in files:
                if file.endswith(".py") and file != "__init__.py":
                    known.setdefault(f"{prefix}.{file[:-3]}", uses_qt)
    for name in (*sys.stdlib_module_names, *sys.modules):
        if not name.startswith(("PySide6", "shiboken6")):
            known.setdefault(name, -1)


def _collect_garbage_again() -> None:
    gc.freeze()
    gc.enable()


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
        from core.search import SEARCH_INDEX_URL_VARIABLE, build_saved_index

        index_url = arguments.build_search_index
        if index_url == "-":  # the window's way: the URL (it may hold a token) in the environment
            index_url = os.environ.get(SEARCH_INDEX_URL_VARIABLE, "")
        return 0 if index_url and build_saved_index(index_url) else 1
    if arguments.latest_versions:  # a child of the window: no display, no Qt
        from core.lookup_child import serve

        return serve()
    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return 2

    # No cyclic garbage collection until the window is whole: start-up makes ~300,000 objects that
    # live as long as the app (modules, classes, Qt's enums), and ~70 collections walking them cost
    # ~11 ms before the first paint.  Then they are frozen (never walked again) and it resumes.
    gc.disable()
    # Once PySide6 is imported, its import hook would read the source of every module imported
    # after it (~20 ms at start-up): it is told at once which modules use it.
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    spare_pyside_source_reads()
    import core.environments  # noqa: F401

    app = QApplication(argv)
    app.setApplicationName("Venvdesk")
    app.setOrganizationName("Venvdesk")
    app.setDesktopFileName("venvdesk")
    _install_excepthook()

    from gui.main_window import MainWindow

    # Its frame first: the rest is built right after the first paint (see gui/main_window.py).
    window = MainWindow(staged=True)
    window.show()
    window.filled.connect(_collect_garbage_again)  # the whole window is built
    folder = project_folder_argument(app.arguments())
    if folder:  # venvdesk PATH: open it as a project once the window is up
        window.open_project_when_ready(folder)
    if arguments.quit_after_paint:
        import time

        window.repaint()
        print(f"painted {time.time():.6f}", flush=True)  # read by benchmarks/bench_startup.py
        print(f"cpu {time.process_time():.6f}", flush=True)  # the processor time used until then (same benchmark)

        def built() -> None:  # the rest of the window, and what it does not show, built right after the paint
            window.finish_building()
            print(f"built {time.time():.6f}", flush=True)
            app.quit()

        QTimer.singleShot(0, built)
    status = app.exec()
    window.shut_down()
    if "core.lookup_child" in sys.modules:  # the newest-version look-up's child ends with the window
        sys.modules["core.lookup_child"].close_shared()
    # Let running probes and scans end while their receivers still exist.
    QThreadPool.globalInstance().waitForDone(15000)
    return status


if __name__ == "__main__":
    sys.exit(main())
