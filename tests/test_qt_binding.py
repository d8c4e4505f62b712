"""The Qt binding itself must survive a long session (a broken release once could not)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QObject, Signal

class Source(QObject):
    changed = Signal(bool)

source = Source()
source.changed.connect(lambda value: None)
before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
for i in range(20000):
    source.changed.emit(i % 2 == 0)
after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
print(before, after)
sys.exit(0 if all(abs(a - b) < 100 for a, b in zip(before, after)) else 3)
"""


def test_signals_to_python_slots_do_not_leak_references_to_singletons():
    # PySide6 6.12.0 decremented None/True/False on every delivery and aborted the app.
    completed = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stdout + completed.stderr
