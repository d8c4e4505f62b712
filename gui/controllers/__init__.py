"""Controllers: each owns one set of verbs end to end (its QActions, the core operations they
start, and the handling of their outcomes by typed intent).  Views only display and ask."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.errors import UserFacingError
    from gui.log_view import LogView
    from gui.message_bar import MessageBar


def show_error(message_bar: MessageBar, log_view: LogView, error: UserFacingError) -> None:
    """Tell the person (the message bar, details one click away) and keep it in the Log."""
    from gui.message_bar import Level

    message_bar.show_message(str(error), Level.ERROR, error.detail)
    log_view.note(f"Error: {error}")
