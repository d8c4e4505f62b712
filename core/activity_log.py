"""The log file a person can send to someone helping them: every command, its output and outcome.

Kept under the platformdirs log folder, rotated at 1 MB with three old files,
secrets in URLs redacted before anything is written.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core import storage
from core.commands import redact

MAX_BYTES = 1_000_000
BACKUPS = 3


def log_file_path() -> Path:
    return storage.log_dir() / "venvdesk.log"


class ActivityLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or log_file_path()
        self._logger = logging.getLogger(f"venvdesk.activity.{id(self)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        self._handler: logging.Handler | None = None
        self.problem = ""

    def _ensure_handler(self) -> bool:
        if self._handler is not None:
            return True
        if self.problem:
            return False
        import logging.handlers  # loaded with the first entry, not at start-up

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
            )
        except OSError as exc:
            self.problem = f"The log file {self.path} cannot be written ({exc}); the log is kept on screen only."
            return False
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        self._logger.addHandler(handler)
        self._handler = handler
        return True

    def write(self, text: str) -> None:
        """Append one entry (several lines allowed)."""
        if self._ensure_handler():
            self._logger.info(redact(text.rstrip("\n")))

    def close(self) -> None:
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
            self._handler = None
