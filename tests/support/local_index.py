"""The hermetic package index the tests install from: now in :mod:`venvdesk_testing`.

The app's ``--self-test`` uses the same code, so it lives in the top-level package
``venvdesk_testing`` (wheels, index folder, server, isolation).  This module keeps the
names tests, benchmarks and tools have always imported from here.
"""

from __future__ import annotations

from venvdesk_testing.index import (
    DEFAULT_PACKAGES,
    PEP691_HTML,
    PEP691_JSON,
    SIMPLE_API_VERSION,
    build_index,
)
from venvdesk_testing.isolation import hermetic_pip_args, hermetic_pip_env
from venvdesk_testing.server import LocalIndexServer, RequestRecord
from venvdesk_testing.wheels import (
    PackageSpec,
    build_wheel,
    import_name,
    normalize,
    record_hash,
    sha256_file,
    wheel_filename,
)

__all__ = [
    "DEFAULT_PACKAGES",
    "PEP691_HTML",
    "PEP691_JSON",
    "SIMPLE_API_VERSION",
    "LocalIndexServer",
    "PackageSpec",
    "RequestRecord",
    "build_index",
    "build_wheel",
    "hermetic_pip_args",
    "hermetic_pip_env",
    "import_name",
    "normalize",
    "record_hash",
    "sha256_file",
    "wheel_filename",
]
