"""core/ is plain Python: it imports, in a fresh interpreter, with every Qt binding blocked."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "core"

# Runs in a fresh interpreter: any import of a Qt binding raises ImportError, then every module
# under core/ is imported and the list of what was imported is printed as JSON.
IMPORT_CORE_WITH_QT_BLOCKED = textwrap.dedent(
    """
    import importlib
    import importlib.abc
    import json
    import pkgutil
    import sys

    sys.path.insert(0, sys.argv[1])

    def is_qt(name):
        top = name.partition(".")[0]
        return top in ("PySide6", "shiboken6") or top.startswith("PyQt")

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if is_qt(name):
                raise ImportError(f"core/ must not import Qt, but something imported {name}")
            return None

    sys.meta_path.insert(0, BlockQt())

    # The blocker must work, or the check below proves nothing.
    for probe in ("PySide6", "PySide6.QtCore", "shiboken6", "PyQt6"):
        try:
            importlib.import_module(probe)
        except ImportError:
            pass
        else:
            raise SystemExit(f"the Qt blocker let {probe} through")

    import core

    imported = ["core"]
    for module in pkgutil.walk_packages(core.__path__, "core."):
        importlib.import_module(module.name)
        imported.append(module.name)
    leaked = sorted(name for name in sys.modules if is_qt(name))
    print(json.dumps({"imported": imported, "qt_modules": leaked}))
    """
)

QT_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:PySide6|shiboken6|PyQt\d)\b", re.MULTILINE)


def test_every_core_module_imports_with_qt_blocked():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_CORE_WITH_QT_BLOCKED, str(REPO)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    expected = {"core"} | {
        f"core.{path.stem}" for path in CORE.glob("*.py") if path.stem != "__init__"
    }
    assert set(report["imported"]) == expected
    assert report["qt_modules"] == []


def test_no_core_source_file_imports_qt():
    sources = sorted(CORE.rglob("*.py"))
    assert sources, "core/ has no Python files"
    offenders = [
        f"{path.relative_to(REPO)}: {match.group(0).strip()}"
        for path in sources
        for match in QT_IMPORT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
