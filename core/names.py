"""Project names as the index and pip compare them."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """PEP 503 normalised form: ``Foo.Bar_baz`` → ``foo-bar-baz``.

    The same rule as ``packaging.utils.canonicalize_name``, without importing
    ``packaging.tags`` at start-up.
    """
    return _SEPARATORS.sub("-", name).lower()
