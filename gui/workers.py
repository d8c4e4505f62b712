"""Blocking core calls (probing interpreters, scanning folders, HTTP) run on a thread pool.

A job never touches widgets: it returns a value or raises, and the result is
delivered on the UI thread through a queued signal.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, SignalInstance, Slot


class _Bridge(QObject):
    """Lives on the UI thread; the worker emits, so the slots run queued on the UI thread."""

    done = Signal(object)
    failed = Signal(object, str)  # exception, formatted traceback

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException, str], None],
        context: QObject,
    ) -> None:
        # A child of the object that asked: when that object (a window, a dialog) is
        # destroyed, the bridge goes with it and a late result is dropped, not delivered
        # to a deleted widget.
        super().__init__(context)
        self._on_done = on_done
        self._on_failed = on_failed
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_failed)

    @Slot(object)
    def _deliver_done(self, result: Any) -> None:
        _alive.discard(self)
        self._on_done(result)

    @Slot(object, str)
    def _deliver_failed(self, exc: BaseException, formatted: str) -> None:
        _alive.discard(self)
        self._on_failed(exc, formatted)


class _Job(QRunnable):
    def __init__(self, function: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self._function = function
        self._bridge = bridge

    def run(self) -> None:
        try:
            result = self._function()
        except Exception as exc:  # noqa: BLE001 - delivered to the UI thread, shown to the person
            self._emit(self._bridge.failed, exc, traceback.format_exc())
        else:
            self._emit(self._bridge.done, result)

    def _emit(self, signal: SignalInstance, *args: object) -> None:
        if not shiboken6.isValid(self._bridge):
            _alive.discard(self._bridge)  # whoever asked has been closed: nobody left to tell
            return
        try:
            signal.emit(*args)
        except RuntimeError:
            _alive.discard(self._bridge)  # closed between the check and the emit


# Bridges waiting for their job; kept here so Python does not collect them early.
_alive: set[_Bridge] = set()


def run_in_background(
    function: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException, str], None],
    *,
    context: QObject,
    pool: QThreadPool | None = None,
) -> None:
    """Run ``function()`` on a worker thread; call ``on_done(result)`` or ``on_failed(exc, tb)`` on the UI thread.

    Nothing is delivered once ``context`` has been destroyed.
    """
    bridge = _Bridge(on_done, on_failed, context)
    _alive.add(bridge)
    (pool or QThreadPool.globalInstance()).start(_Job(function, bridge))


def background_jobs_pending() -> bool:
    return bool(_alive)


def import_in_background(
    modules: tuple[str, ...], *, context: QObject, then: Callable[[], None] | None = None
) -> None:
    """Import ``modules`` on a worker thread, so that a slot's first ``from core.x import y`` finds them loaded.

    Modules imported where they are first used (to keep start-up short) make that first user pay for
    the import; when the user is a slot, the window freezes meanwhile — ``core.explain`` takes ~20 ms
    to import with its bytecode cached and ~60 ms without (issue 13: a 113 ms heartbeat gap at the end
    of the first install).  Imported here, the UI thread waits at most a GIL switch interval at a time.
    Python's import lock makes a slot that needs a module being imported here wait for it, not import
    it twice.  ``then`` is called on the UI thread once they are loaded (on the next turn of the event
    loop when they were already; also when an import failed).
    """
    missing = tuple(name for name in modules if name not in sys.modules)
    if not missing:
        if then is not None:
            QTimer.singleShot(0, context, then)
        return

    def load() -> None:
        for name in missing:
            importlib.import_module(name)

    def done(_result: object) -> None:
        if then is not None:
            then()

    def failed(exc: BaseException, formatted: str) -> None:
        # Not the person's business yet: the module's first user imports it again, and that import
        # fails with the same error where it is reported. Developers see it here first.
        print(f"Venvdesk could not import a module ahead of use ({exc}); it is imported when needed.\n{formatted}", file=sys.stderr)
        done(None)

    run_in_background(load, done, failed, context=context)
