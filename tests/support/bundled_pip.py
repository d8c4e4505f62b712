"""The pip wheels that Pythons on this machine carry with them (see ``venvdesk_testing.pip_wheels``)."""

from __future__ import annotations

from venvdesk_testing.pip_wheels import machine_pip_wheels as bundled_pip_wheels

__all__ = ["bundled_pip_wheels"]
