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
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, QTimer, Signal, Slot


class _Bridge(QObject):
    """What to call with one job's result; a child of the object that asked.

    When that object (a window, a dialog) is destroyed, the bridge goes with it and a late result
    is dropped, not delivered to a deleted widget.  Only the UI thread looks at it: the worker hands
    its result to the :class:`_Dispatcher`, which outlives every job.
    """

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException, str], None],
        context: QObject,
    ) -> None:
        super().__init__(context)
        self.on_done = on_done
        self.on_failed = on_failed


class _Dispatcher(QObject):
    """One object on the UI thread, never deleted while the app runs: every worker emits through it.

    A worker that emitted through its job's own bridge could do so just as the UI thread deleted
    that bridge with the window that asked (a check first does not help: the deletion can come
    between the check and the emit), and the process crashed (a segfault in the test suite, once in
    a few runs).  Whether the bridge is still there is now asked on the UI thread, where it is
    deleted, when the result arrives.
    """

    result = Signal(object, bool, object, str)  # bridge, succeeded, value or exception, formatted traceback

    def __init__(self) -> None:
        super().__init__()
        self.result.connect(self._deliver)

    @Slot(object, bool, object, str)
    def _deliver(self, bridge: _Bridge, succeeded: bool, value: Any, formatted: str) -> None:
        _alive.discard(bridge)
        if not shiboken6.isValid(bridge):
            return  # whoever asked has been closed: nobody left to tell
        if succeeded:
            bridge.on_done(value)
        else:
            bridge.on_failed(value, formatted)


class _Job(QRunnable):
    def __init__(self, function: Callable[[], Any], bridge: _Bridge, dispatcher: _Dispatcher) -> None:
        super().__init__()
        self._function = function
        self._bridge = bridge
        self._dispatcher = dispatcher

    def run(self) -> None:
        try:
            result = self._function()
        except Exception as exc:  # noqa: BLE001 - delivered to the UI thread, shown to the person
            self._dispatcher.result.emit(self._bridge, False, exc, traceback.format_exc())
        else:
            self._dispatcher.result.emit(self._bridge, True, result, "")


# Bridges waiting for their job; kept here so Python does not collect them early.  Touched on the
# UI thread only.
_alive: set[_Bridge] = set()
_dispatcher: _Dispatcher | None = None


def _the_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
        application = QCoreApplication.instance()
        if application is not None and _dispatcher.thread() is not application.thread():
            _dispatcher.moveToThread(application.thread())  # first asked for off the UI thread
    return _dispatcher


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
    (pool or QThreadPool.globalInstance()).start(_Job(function, bridge, _the_dispatcher()))


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
