"""The app's own settings: one versioned JSON file under the platformdirs config folder.

The file can hold a password (an index URL with credentials), so it is written
owner-only (0600).  Two running instances do not undo each other's changes:
:meth:`Settings.save` writes only the values this instance changed since it
read the file, onto what the file holds at that moment (see ``storage.update_json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from core import storage

SETTINGS_VERSION = 1


def settings_path() -> Path:
    return storage.config_dir() / "settings.json"


@dataclass
class Settings:
    # Package index for every request and pip run; "" means "the one pip would use".
    index_url: str = ""
    # Folder the New environment dialog offers; "" means the app's default folder.
    last_location: str = ""
    # The proxy pip goes through (``--proxy``); "" means pip's own settings and the *_proxy variables.
    proxy: str = ""
    # The base Python last chosen to create an environment from (its path); "" means none yet.
    last_interpreter: str = ""
    # Which installer changes packages: "pip", or "uv" where uv is installed and serves the
    # environment's Python (pip stays inside every environment either way).
    installer: str = "pip"
    problem: str = ""
    # The stored values as last read or written; None: nothing read, every value is this instance's.
    _saved: dict[str, str] | None = field(default=None, repr=False, compare=False)

    @staticmethod
    def stored_names() -> list[str]:
        """The settings kept in the file (not ``problem``, not the bookkeeping)."""
        return [item.name for item in fields(Settings) if item.name != "problem" and not item.name.startswith("_")]

    def _values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.stored_names()}

    def _take(self, data: dict[str, Any] | None) -> None:
        for name in self.stored_names():
            value = (data or {}).get(name)
            if isinstance(value, str):
                setattr(self, name, value)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        loaded = storage.load_versioned_json(path or settings_path(), SETTINGS_VERSION)
        if loaded.recovered_to is not None:
            settings = cls(
                problem=f"Your settings could not be read ({loaded.problem}); they were set aside as"
                f" {loaded.recovered_to} and defaults are used."
            )
        else:
            settings = cls()
            settings._take(loaded.data)
        settings._saved = settings._values()
        return settings

    def save(self, path: Path | None = None) -> None:
        """Write the values changed here onto the file as it is now; take the others from the file."""
        mine = self._values()
        changed = {name: value for name, value in mine.items() if self._saved is None or self._saved.get(name) != value}

        def merge(current: dict[str, Any] | None) -> dict[str, Any]:
            merged = Settings()
            merged._take(current)
            for name, value in changed.items():
                setattr(merged, name, value)
            return {"version": SETTINGS_VERSION, **merged._values()}

        # Saved from the UI thread (a choice made in a dialog): the flush to the disk, 5-100 ms while pip
        # writes, happens just after, on storage's thread.  Only a power cut in those milliseconds could
        # leave the file empty, and an unreadable settings file is set aside, the person told, and
        # defaults used (see load).
        document = storage.update_json(
            path or settings_path(), SETTINGS_VERSION, merge, mode=storage.PRIVATE_MODE, sync_later=True
        )
        self._take(document)
        self._saved = self._values()
