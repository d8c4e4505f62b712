"""Whether this session has a screen to open a window on (no Qt needed to tell).

Both the normal start-up (``gui.app``) and ``--self-test`` (``gui.self_test``) ask; neither
imports the other.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

NO_DISPLAY_MESSAGE = """\
Venvdesk is a desktop app, but this session has no display (neither DISPLAY nor WAYLAND_DISPLAY is set).

To run it anyway without a screen, for example on a server or in CI:
    QT_QPA_PLATFORM=offscreen venvdesk
To see the window from a remote machine, connect with "ssh -X" or use a virtual display:
    xvfb-run venvdesk
"""


def has_display(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> bool:
    """True on Windows and macOS; elsewhere when X11 or Wayland is named, or a Qt platform is chosen."""
    env = os.environ if env is None else env
    if platform in ("win32", "darwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))
