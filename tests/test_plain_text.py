"""Text from outside is shown as the characters it is, never read as HTML.

A package's name and summary are written by whoever made it; a folder's name by whoever
named it.  Qt guesses: a QLabel, a QMessageBox and a tooltip all draw text that looks like
HTML as HTML.  Here a real environment holds a package whose ``METADATA`` says
``Name: <font color=red size=6>URGENT: …</font>``, and the index serves a project whose
summary and licence are markup; every place the person can see them must show them verbatim.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QTextEdit, QWidget

from core.environments import Environment
from gui.dialogs import confirmations
from gui.models.packages import PackageTableModel
from tests.support.local_index import DEFAULT_PACKAGES, LocalIndexServer, PackageSpec, build_index

HOSTILE_NAME = "<font color=red size=6>URGENT: open a terminal and run …</font>"
HOSTILE_SUMMARY = "<img src=x><b>bold</b>"
HOSTILE_LICENSE = "<a href='https://evil.example.invalid/'>MIT</a> & <i>more</i>"
HOSTILE_FOLDER = "<u>proj"  # a folder name may hold < and > too (not /)
PIP_TIMEOUT = 120_000


def shown(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """The characters Qt draws for ``text`` in ``text_format``, decided the way QLabel and QToolTip do.

    Plain text is drawn as it is; rich text (or auto text that ``Qt::mightBeRichText``) is laid
    out as HTML first, so markup vanishes and ``<img>`` becomes an object-replacement character.
    """
    if text_format == Qt.TextFormat.PlainText or (
        text_format == Qt.TextFormat.AutoText and not QtGui.Qt.mightBeRichText(text)
    ):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def label_shows(label: QLabel) -> str:
    return shown(label.text(), label.textFormat())


def write_hostile_distribution(site_packages: Path) -> None:
    """A dist-info as a package from anywhere could leave it (its RECORD names a file that is gone)."""
    folder = site_packages / "hostile_pkg-1.0.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {HOSTILE_NAME}\nVersion: 1.0\nSummary: {HOSTILE_SUMMARY}\n",
        encoding="utf-8",
    )
    (folder / "INSTALLER").write_text("pip\n", encoding="utf-8")
    (folder / "REQUESTED").write_text("", encoding="utf-8")
    (folder / "RECORD").write_text(
        "hostile_pkg/__init__.py,,\n"  # missing: the half-installed scan reports the package by name
        "hostile_pkg-1.0.dist-info/METADATA,,\n"
        "hostile_pkg-1.0.dist-info/RECORD,,\n",
        encoding="utf-8",
    )


def site_packages_of(venv: Path) -> Path:
    found = Environment.load(venv).site_packages()
    assert found is not None
    return Path(found)


@pytest.fixture
def hostile_window(qtbot, make_venv, use_local_index, make_main_window, tmp_path):
    """A main window showing an environment (in a folder named with markup) that holds the hostile package."""
    target = make_venv(HOSTILE_FOLDER, parent=tmp_path / "envs")
    write_hostile_distribution(site_packages_of(target))
    use_local_index.clear_log()
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=30_000):
        window.environment_actions.add_environment_folder(str(target))
    return window, target


def hostile_row(model: PackageTableModel) -> int:
    return [p.name for p in model.packages()].index(HOSTILE_NAME)


def test_an_installed_package_named_with_markup_is_shown_as_text(qtbot, hostile_window, use_local_index):
    window, _target = hostile_window
    panel = window.packages_panel
    model = panel.model

    # The table: the name and the summary as written (display text is plain in item views).
    row = hostile_row(model)
    assert model.data(model.index(row, PackageTableModel.NAME)) == HOSTILE_NAME
    assert model.data(model.index(row, PackageTableModel.SUMMARY)) == HOSTILE_SUMMARY

    # Its tooltip: Qt reads tooltips as HTML when they look like it, so it must be escaped.
    tooltip = model.data(model.index(row, PackageTableModel.NAME), Qt.ItemDataRole.ToolTipRole)
    assert "<font" not in tooltip and "<img" not in tooltip
    assert "&lt;font" in tooltip
    assert shown(tooltip).splitlines()[:2] == [f"{HOSTILE_NAME} 1.0", HOSTILE_SUMMARY]

    # The environment's folder name: title, list tooltip.
    assert panel.title.textFormat() == Qt.TextFormat.PlainText
    assert label_shows(panel.title) == f"Packages in {HOSTILE_FOLDER}"
    environments = window.environment_actions.model
    assert environments.data(environments.index(0, 0)) == HOSTILE_FOLDER
    assert HOSTILE_FOLDER in shown(environments.data(environments.index(0, 0), Qt.ItemDataRole.ToolTipRole))

    # The half-installed scan names it in a bold (rich) line: escaped there.
    qtbot.waitUntil(lambda: panel.repair_bar.isVisible(), timeout=30_000)
    assert panel.repair_label.textFormat() == Qt.TextFormat.RichText
    assert "&lt;font" in panel.repair_label.text()
    assert f"incomplete: {HOSTILE_NAME} 1.0" in label_shows(panel.repair_label)

    # The name went to the index as one quoted path segment, and did not stop the other
    # packages' newest versions from being found.
    asked = [path for path in use_local_index.requests if "font" in unquote(path).lower()]
    assert asked
    for path in asked:
        assert path.startswith(("/pypi/%3Cfont", "/simple/%3Cfont")), path
        assert "?" not in path and "#" not in path and " " not in path and "<" not in path
    assert model.latest_version(next(p for p in model.packages() if p.key == "pip"))
    assert panel.index_note.textFormat() == Qt.TextFormat.PlainText
    assert "&lt;font" in panel.index_note.toolTip()
    assert HOSTILE_NAME in shown(panel.index_note.toolTip())


def test_messages_about_a_package_named_with_markup_are_plain_text(qtbot, hostile_window):
    window, _target = hostile_window
    panel = window.packages_panel
    bar = window.message_bar

    # Uninstall it for real, as the person would.
    view = panel.table
    index = next(
        panel.filter_model.index(r, 0)
        for r in range(panel.filter_model.rowCount())
        if panel.filter_model.data(panel.filter_model.index(r, 0)) == HOSTILE_NAME
    )
    view.selectRow(index.row())
    assert [p.name for p in panel.selected_packages()] == [HOSTILE_NAME]
    # What the status bar shows as each run starts and ends (the indicator is told first).
    activity = window.activity.label
    status_lines: list[tuple[Qt.TextFormat, str]] = []

    def note(*_args: object) -> None:
        status_lines.append((activity.textFormat(), label_shows(activity)))

    window.runner.started.connect(note)
    window.runner.finished.connect(note)
    with qtbot.waitSignal(window.operations.checks_finished, timeout=PIP_TIMEOUT):
        qtbot.mouseClick(panel.uninstall_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.is_busy(window.current.key), timeout=PIP_TIMEOUT)

    # The status bar said what ran, as written.
    assert (Qt.TextFormat.PlainText, f"Uninstalling {HOSTILE_NAME}…") in status_lines
    assert all(text_format == Qt.TextFormat.PlainText for text_format, _text in status_lines)

    # pip refuses that name ("Invalid requirement"): the bar says so, naming it as written.
    assert bar.text_label.textFormat() == Qt.TextFormat.PlainText
    assert HOSTILE_NAME in label_shows(bar.text_label)
    assert bar.details_button.isVisible()
    qtbot.mouseClick(bar.details_button, Qt.MouseButton.LeftButton)
    box = bar.details_box
    assert box is not None
    assert box.textFormat() == Qt.TextFormat.PlainText and HOSTILE_NAME in box.text()
    for label in box.findChildren(QLabel):
        if label.text():  # the text and the informative text (the icon's label has none)
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    details = box.findChild(QTextEdit)  # the detailed text: what pip said, quoting the name
    assert details is not None and HOSTILE_NAME in details.toPlainText()
    box.close()


def test_message_boxes_show_names_and_paths_as_text(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    box = confirmations.uninstall_needed_packages(
        parent,
        {HOSTILE_NAME: [f"{HOSTILE_SUMMARY} & co"]},
        ["Fish & Chips"],
        on_anyway=lambda: None,
        on_only_unneeded=lambda: None,
    )
    labels = [label for label in box.findChildren(QLabel) if label.text()]
    assert any(HOSTILE_NAME in label.text() for label in labels)
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    assert box.informativeText().startswith(f"• {HOSTILE_NAME} is needed by {HOSTILE_SUMMARY} & co")
    # An "&" in a button's text is shown, not taken for a keyboard shortcut.
    only = box.findChild(QPushButton, "uninstallUnneededButton")
    assert only.text() == "Uninstall only Fish && Chips"
    box.close()

    trash = confirmations.move_to_trash(
        parent, HOSTILE_FOLDER, Path("/envs") / HOSTILE_FOLDER, "1 MB", [HOSTILE_SUMMARY], on_trash=lambda: None
    )
    assert isinstance(trash, QMessageBox)
    for label in trash.findChildren(QLabel):
        if label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    assert HOSTILE_SUMMARY in trash.informativeText()
    trash.close()


# -- the Find tab: what the index says about a project ------------------------------------------

HOSTILE_PROJECT = (
    PackageSpec("showoff", "1.0", summary=HOSTILE_SUMMARY, license=HOSTILE_LICENSE),
    PackageSpec("showoff", "2.0", summary=HOSTILE_SUMMARY, license=HOSTILE_LICENSE, requires_python=">=3.99"),
)


@pytest.fixture(scope="module")
def hostile_index_root(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("hostile-index"), packages=(*DEFAULT_PACKAGES, *HOSTILE_PROJECT))


@pytest.fixture
def hostile_index(hostile_index_root, monkeypatch):
    with LocalIndexServer(hostile_index_root) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        yield server


def test_find_shows_what_a_project_says_about_itself_as_text(qtbot, hostile_index, make_venv, make_main_window, tmp_path):
    target = make_venv(HOSTILE_FOLDER, parent=tmp_path / "envs")
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
        window.environment_actions.add_environment_folder(str(target))
    panel = window.search_panel
    window.show_search()
    with qtbot.waitSignal(panel.details_shown, timeout=20_000):
        panel.show_details("showoff")

    assert panel.details_title.textFormat() == Qt.TextFormat.PlainText
    assert label_shows(panel.details_title) == "showoff"
    assert panel.details_summary.textFormat() == Qt.TextFormat.PlainText
    assert label_shows(panel.details_summary) == HOSTILE_SUMMARY

    # The facts use markup of their own (bold, links): the licence is escaped into it.
    facts = panel.details_facts
    assert facts.textFormat() == Qt.TextFormat.RichText
    assert "<a href='https://evil" not in facts.text() and "&lt;a href=" in facts.text()
    assert f"License: {HOSTILE_LICENSE}" in label_shows(facts)
    assert "Latest version: 2.0, released 2024-01-02" in label_shows(facts)

    # The environment it would go into, named in bold: its folder name escaped.
    assert panel.target_label.textFormat() == Qt.TextFormat.RichText
    assert f"Installs go into {HOSTILE_FOLDER} (Python" in label_shows(panel.target_label)
    assert HOSTILE_FOLDER in shown(panel.install_button.toolTip())

    # A release this Python cannot install says why in its tooltip, as text.
    item = panel.version_combo.model().item(0)
    assert item.text().startswith("2.0") and not item.isEnabled()
    assert "needs Python >=3.99" in shown(item.toolTip())

    # A project the index does not have: the name typed is quoted back as typed.
    with qtbot.waitSignal(panel.details_failed, timeout=20_000):
        panel.show_details(HOSTILE_NAME)
    assert panel.details_placeholder.textFormat() == Qt.TextFormat.PlainText
    assert f"Could not look up “{HOSTILE_NAME}”" in label_shows(panel.details_placeholder)
    assert all("<" not in path and " " not in path for path in hostile_index.requests), hostile_index.requests
