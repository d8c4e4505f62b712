"""The app's own settings: one versioned JSON file under the platformdirs config folder."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

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
    problem: str = ""

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        loaded = storage.load_versioned_json(path or settings_path(), SETTINGS_VERSION)
        if loaded.recovered_to is not None:
            return cls(
                problem=f"Your settings could not be read ({loaded.problem}); they were set aside as"
                f" {loaded.recovered_to} and defaults are used."
            )
        settings = cls()
        for item in fields(cls):
            value = (loaded.data or {}).get(item.name)
            if item.name != "problem" and isinstance(value, str):
                setattr(settings, item.name, value)
        return settings

    def save(self, path: Path | None = None) -> None:
        document = {k: v for k, v in asdict(self).items() if k != "problem"}
        storage.write_json_atomic(path or settings_path(), {"version": SETTINGS_VERSION, **document})
