"""The layers hold: core/ is plain Python (it imports, in a fresh interpreter, with every Qt binding
blocked, and never imports gui/); inside gui/, models, dialogs and controllers never reach up into
the main window; only the installer backends know an installer's command line."""

from __future__ import annotations

import ast
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
        ".".join(("core", *path.relative_to(CORE).with_suffix("").parts)).removesuffix(".__init__")
        for path in CORE.rglob("*.py")
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


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports (at any depth: inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for name in sorted(imported_modules(path)):
            if name in forbidden or name.startswith(tuple(f"{f}." for f in forbidden)):
                found.append(f"{path.relative_to(REPO)} imports {name}")
    return found


def test_core_never_imports_gui():
    assert offenders(CORE, ("gui",)) == []


def test_models_dialogs_and_controllers_never_import_the_main_window():
    gui = REPO / "gui"
    for folder in (gui / "models", gui / "dialogs", gui / "controllers"):
        assert folder.is_dir(), folder
        assert offenders(folder, ("gui.main_window",)) == []


def test_only_the_backends_know_pips_command_line():
    """gui/ asks core for operations; it never imports pip's backend or builds pip options itself."""
    gui = REPO / "gui"
    assert offenders(gui, ("core.backends.pip",)) == []
    pip_options = re.compile(r"[\"'](?:--(?:upgrade|force-reinstall|no-deps|index-url|requirement|progress-bar|yes)|-m\b)")
    literals = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in sorted(gui.rglob("*.py"))
        for match in pip_options.finditer(path.read_text(encoding="utf-8"))
    ]
    assert literals == []
