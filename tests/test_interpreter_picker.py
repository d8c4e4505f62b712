"""The Python picker both dialogs share, as a person uses it: Browse cancelled keeps the choice."""

from __future__ import annotations

import glob
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.interpreters import probe_interpreter
from gui.dialogs.new_environment import NewEnvironmentDialog
from gui.dialogs.recreate import RecreateDialog
from tests.conftest import base_python


def usable_pythons() -> list:
    found = []
    for path in [base_python(), *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1*/bin/python")))]:
        interpreter = probe_interpreter(path)
        if interpreter.can_create_venv and all(i.real_path != interpreter.real_path for i in found):
            found.append(interpreter)
    return found


@pytest.mark.parametrize("kind", ["new environment", "re-create"])
def test_cancelling_browse_keeps_the_python_chosen_before(qtbot, monkeypatch, tmp_path, kind):
    pythons = usable_pythons()
    if len(pythons) < 2:
        pytest.skip("needs two Pythons that can create environments")
    if kind == "re-create":
        dialog = RecreateDialog("homework", "3.11.7", False, 0)
    else:
        dialog = NewEnvironmentDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_interpreters(pythons)
    assert dialog.select_interpreter(pythons[1].path)  # suggested by the app, not picked by the person
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args, **kwargs: ("", "")))

    combo = dialog.interpreter_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_End)  # the last entry: "Browse for another Python…", then Cancel

    assert dialog.selected_interpreter().real_path == pythons[1].real_path
    assert combo.currentText() == pythons[1].label
    if kind == "re-create":
        assert not dialog.chosen_by_person  # a list arriving later may still suggest one
    # A list arriving later still preselects what was asked for.
    dialog.set_interpreters(list(reversed(pythons)))
    assert dialog.selected_interpreter().real_path == pythons[1].real_path
