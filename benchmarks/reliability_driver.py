"""The real app in a child process, making one change, for ``stress_reliability.py`` to kill.

Run from the repository root (``stress_reliability.py`` does it, in a new session, with the
state folders, the hermetic pip and the local index it set up)::

    python benchmarks/reliability_driver.py '{"change": "upgrade", "target": "...", ...}'

It opens the main window (offscreen), waits until the environment is shown (or, for a
creation, until the Pythons are found) and start-up's background work is done, then starts
the change the way the person would (the Installed tab's Upgrade / Install box / Uninstall,
the New environment dialog's request).  It says on standard output, one line each::

    READY                  the window is up, nothing runs
    STARTED <title>        the change was submitted (its journal entry is written)
    ENDED <STATUS>         the change's outcome arrived (the common ending starts)
    SETTLED                nothing runs any more (calibration only)

With ``"mode": "calibrate"`` it exits 0 once everything settled; with ``"mode": "kill"`` it
keeps the event loop turning until the benchmark kills it (exit 4 if nobody does in time).

:func:`start_change` is shared with the benchmark, which makes the same changes in its own
window for the Cancel tries.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import common  # noqa: F401 - puts the repository root on sys.path

# What each change does, as the person would ask for it.
UPGRADE_NAMES = ["bigpkg"]
INSTALL_TEXT = "stackapp"
UNINSTALL_NAMES = ["bigpkg", "usesbig"]


def start_change(window, change: str, target: Path, python: str):  # type: ignore[no-untyped-def]
    """Ask ``window`` for ``change`` on ``target`` (selected, for a package change); the Operation or None."""
    if change == "upgrade":
        return window.package_actions.upgrade(list(UPGRADE_NAMES))  # the Installed tab's Upgrade
    if change == "install":
        # As the Install box does, without the plan question (the driver kills the install itself).
        return window.package_actions.install([INSTALL_TEXT], f"Installing {INSTALL_TEXT}")
    if change == "uninstall":
        return window.package_actions.uninstall(list(UNINSTALL_NAMES))  # after "uninstall anyway"
    if change == "create":
        from core.interpreters import probe_interpreter
        from gui.dialogs.new_environment import NewEnvironmentRequest

        interpreter = probe_interpreter(python)
        # As the dialog asks by default: "Start with the newest pip" checked (the cached wheel).
        request = NewEnvironmentRequest(target.name, target, interpreter, False, True, "")
        return window.creation.create_environment(request)
    raise ValueError(f"unknown change {change!r}")


def main(argv: list[str]) -> int:
    options = json.loads(argv[1])
    change, target, python, mode = options["change"], Path(options["target"]), options["python"], options["mode"]
    deadline = [time.monotonic() + float(options.get("timeout", 90))]

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from gui.workers import background_jobs_pending

    _app = QApplication.instance() or QApplication([])  # kept referenced while the window lives
    window = MainWindow()
    window.show()

    def say(*words: object) -> None:
        print(*words, flush=True)

    def state() -> str:
        """What the readiness waits for (written to standard error while waiting, and when it gives up)."""
        current = window.current
        return (
            f"selected={current.key or '-'} loaded={current.loaded} usable={current.usable}"
            f" interpreters_loading={window.creation.interpreters_loading}"
            f" running={[op.title for op in window.runner.running_operations()]}"
            f" background_jobs={background_jobs_pending()} watching={window.current._watch_timer.isActive()}"  # noqa: SLF001
            f" listed={[str(e.environment.path) for e in window.environment_actions.model.entries()]}"
            f" message={window.message_bar.text()!r}"
        )

    def spin_until(condition) -> bool:  # type: ignore[no-untyped-def]
        told = time.monotonic()
        while not condition():
            QCoreApplication.processEvents()
            if time.monotonic() > deadline[0]:
                return False
            if time.monotonic() - told > 10:
                told = time.monotonic()
                print("waiting:", state(), file=sys.stderr, flush=True)
            time.sleep(0.002)
        return True

    def quiet() -> bool:
        watching = window.current._watch_timer.isActive()  # noqa: SLF001 - a change of site-packages not read yet
        return not window.runner.running_operations() and not background_jobs_pending() and not watching

    def settled(for_seconds: float = 0.3) -> bool:
        """Nothing runs, and nothing started again for ``for_seconds``."""
        since = [time.monotonic()]

        def still() -> bool:
            if not quiet():
                since[0] = time.monotonic()
            return time.monotonic() - since[0] >= for_seconds

        return spin_until(still)

    key = str(target)
    if change != "create" and not spin_until(lambda: window.current.key == key and window.current.loaded):
        say("NOT-READY environment not shown:", state())
        return 2
    if not spin_until(lambda: not window.creation.interpreters_loading):
        say("NOT-READY interpreters:", state())
        return 2
    if not settled():
        say("NOT-READY still busy:", state())
        return 2
    say("READY")
    ended: list[str] = []
    operation_box: list[object] = []
    window.operations.ended.connect(
        lambda outcome: (ended.append(outcome.status.name), say("ENDED", outcome.status.name))
        if operation_box and outcome.operation is operation_box[0]
        else None
    )
    operation = start_change(window, change, target, python)
    if operation is None:
        say("NOT-STARTED", window.message_bar.text())
        return 2
    operation_box.append(operation)
    say("STARTED", operation.title)
    deadline[0] = time.monotonic() + 120  # the change itself
    if mode == "calibrate":
        if not spin_until(lambda: bool(ended)) or not settled():
            say("TIMEOUT")
            return 5
        say("SETTLED")
        window.close()
        return 0
    spin_until(lambda: False)  # until the benchmark kills us
    return 4


if __name__ == "__main__":
    sys.exit(main(sys.argv))
