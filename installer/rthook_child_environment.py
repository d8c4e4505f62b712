"""PyInstaller runtime hook: the bundle's library path must not leak into other programs.

On Linux the bundle's launcher sets ``LD_LIBRARY_PATH`` to its own ``_internal``
folder (keeping the person's value as ``LD_LIBRARY_PATH_ORIG``) and restarts
itself, so the dynamic loader has already taken it into account when this hook
runs: changing the variable now does not affect this process.  It does affect
every program started from here.  ``core.commands.child_environment`` cleans
the environment of the commands the runner starts, but not every child goes
through it: the terminal of "Open terminal here" (QProcess.startDetached), the
file manager Qt opens for "Open folder" (xdg-open), and the Python started by
``core.environments.interpreter_starts``.  With the bundle's path they would
load our copies of libpython, libssl, libglib, libX11, ...

So the person's own value is put back here, before any of the app runs.
``LD_LIBRARY_PATH_ORIG`` is kept, so ``child_environment(frozen=True)`` still
restores exactly the person's value for the commands it prepares.
"""

import os
import sys

if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
    _original = os.environ.get("LD_LIBRARY_PATH_ORIG")
    if _original:
        os.environ["LD_LIBRARY_PATH"] = _original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)
