"""Errors as values a person can read.

Every failure the app shows is a :class:`UserFacingError`: a plain-language
``message`` (what happened), a ``hint`` (what to do next), a stable kebab-case
``reference`` (searchable, used by tests) and the technical ``detail`` that the
GUI puts behind a "Details" button (command, exit code, last output lines).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserFacingError(Exception):
    message: str
    hint: str = ""
    reference: str = "error"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class InvalidInput(UserFacingError):
    """Input refused before anything runs (shown inline next to the field)."""
