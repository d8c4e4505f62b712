"""The package page: from a search result and from an installed row, its README shown safely.

The local index serves projects with long descriptions (Markdown with raw HTML, images and
links of every kind; reStructuredText), as PyPI's JSON API does.  What the person sees is
checked on the real widgets: the description's text, that HTML stayed text, that no image
was fetched (a listening socket the README points at is never connected to), and that a
clicked link went to the browser (Qt's own URL handler hook records it) while the page
itself did not navigate.
"""

from __future__ import annotations

import csv
import os
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QTextCursor

from core.environments import Environment
from core.preview import format_size
from gui.package_page import PackagePage
from tests.conftest import pip_install
from tests.support.local_index import DEFAULT_PACKAGES, LocalIndexServer, PackageSpec, build_index

RST = """\
Restructured
============

.. image:: https://rst.example.invalid/logo.png

Some ``code`` and <b>markup</b> that stays as typed.
"""


def markdown_readme(port: int) -> str:
    return f"""\
# Readme Package

A package with a **real** README.

<b>raw bold</b> and <script>alert("x")</script>

<div align="center"><img src="http://127.0.0.1:{port}/raw.png"></div>

![project logo](http://127.0.0.1:{port}/logo.png)

[![build status](http://127.0.0.1:{port}/badge.svg)](https://ci.example.invalid/readmepkg)

![local picture](file:///etc/hostname)

Read [the documentation](https://readmepkg.example.invalid/docs), [a local file](file:///etc/passwd)
or [something to run](javascript:alert(1)).

```python
import readmepkg
```
"""


@pytest.fixture(scope="module")
def image_listener():
    """A port the README's images point at: any fetch of them would connect here."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    yield listener
    listener.close()


def nothing_connected(listener: socket.socket) -> bool:
    try:
        connection, _address = listener.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


@pytest.fixture(scope="module")
def page_index_root(tmp_path_factory, image_listener):
    readme = markdown_readme(image_listener.getsockname()[1])
    packages = (
        *DEFAULT_PACKAGES,
        PackageSpec(
            "readmepkg",
            "1.0",
            requires=("tinyutil>=1.0",),
            summary="A package with a README.",
            license="Apache-2.0",
            home_page="https://readmepkg.example.invalid/",
            project_urls={"Documentation": "https://readmepkg.example.invalid/docs"},
            description=readme,
            description_content_type="text/markdown",
        ),
        PackageSpec(
            "readmepkg",
            "1.1",
            requires=("tinyutil>=1.0",),
            summary="A package with a README.",
            license="Apache-2.0",
            home_page="https://readmepkg.example.invalid/",
            project_urls={"Documentation": "https://readmepkg.example.invalid/docs"},
            description=readme,
            description_content_type="text/markdown; charset=UTF-8; variant=GFM",
        ),
        PackageSpec(
            "rstpkg", "1.0", summary="Described in reStructuredText.", description=RST, description_content_type="text/x-rst"
        ),
    )
    return build_index(tmp_path_factory.mktemp("page-index"), packages=packages)


@pytest.fixture
def page_server(page_index_root, monkeypatch):
    with LocalIndexServer(page_index_root) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        yield server


class UrlRecorder(QObject):
    """Receives what ``QDesktopServices.openUrl`` would have given the browser (Qt's public handler hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def record(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser_urls():
    recorder = UrlRecorder()
    schemes = ("http", "https", "file", "javascript", "mailto")
    for scheme in schemes:
        QDesktopServices.setUrlHandler(scheme, recorder, "record")
    yield recorder.urls
    for scheme in schemes:
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def open_window(qtbot, make_venv, make_main_window, page_server):
    def start(*requirements: str):
        target = make_venv("target")
        if requirements:
            pip_install(target, *requirements, index_url=page_server.simple_url)
        window = make_main_window()
        window.show()
        with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
            pass
        with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=30_000):
            window.environment_actions.add_environment_folder(str(target))
        return window, target

    return start


def search(qtbot, window, text: str) -> list[str]:
    panel = window.search_panel
    if panel.search_index is None:
        with qtbot.waitSignal(panel.index_ready, timeout=60_000):
            window.show_search()
    else:
        window.show_search()
    panel.search_edit.clear()
    with qtbot.waitSignal(panel.results_shown, timeout=5_000, check_params_cb=lambda q: q == text):
        qtbot.keyClicks(panel.search_edit, text)
    return panel.result_names()


def click_result(qtbot, panel, name: str) -> None:
    """One click on a result: its page opens once the choice settles."""
    index = panel.results_model.index(panel.result_names().index(name))
    rect = panel.results_view.visualRect(index)
    with qtbot.waitSignal(panel.details_shown, timeout=20_000, check_params_cb=lambda shown: shown == name):
        qtbot.mouseClick(panel.results_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_link(qtbot, browser, text: str) -> None:
    """Click the middle of ``text`` in the description, as a person would."""
    found = browser.document().find(text)
    assert not found.isNull(), text
    probe = QTextCursor(browser.document())
    probe.setPosition((found.selectionStart() + found.selectionEnd()) // 2)
    browser.setTextCursor(probe)
    browser.ensureCursorVisible()
    point = browser.cursorRect(probe).center()
    assert browser.anchorAt(point), f"no link under {text!r}"
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


def has_images(document) -> bool:
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            if iterator.fragment().charFormat().isImageFormat():
                return True
            iterator += 1
        block = block.next()
    return False


def test_a_search_result_opens_its_page_with_the_readme(qtbot, open_window, image_listener, browser_urls):
    window, _target = open_window()
    panel = window.search_panel
    assert search(qtbot, window, "readmepkg")[0] == "readmepkg"
    click_result(qtbot, panel, "readmepkg")

    page = window.findChild(PackagePage, "packagePage")
    assert page is panel.page and page.isVisible()
    assert page.title_label.text() == "readmepkg"
    assert page.summary_label.text() == "A package with a README."
    facts = page.facts_label.text()
    assert "Latest version: <b>1.1</b>, released 2024-01-02" in facts
    assert "License: Apache-2.0" in facts
    assert ">Home page</a>" in facts and ">Documentation</a>" in facts
    assert page.installed_label.text().startswith("Not installed in target")
    assert page.needs_label.text() == "tinyutil>=1.0"  # from the index, for the latest version
    assert not page.location_edit.isVisibleTo(page)  # nothing on disk to show
    assert page.version_combo.currentData().version == "1.1"
    assert page.install_button.text() == "Install" and page.install_button.isEnabled()

    # The README: Markdown rendered (a heading, bold, code), its raw HTML shown as typed.
    browser = page.description
    assert browser.objectName() == "packageDescription"
    text = browser.toPlainText()
    assert text.startswith("Readme Package\n")
    assert "A package with a real README." in text
    assert '<b>raw bold</b> and <script>alert("x")</script>' in text
    assert '<img src="http://127.0.0.1:' in text
    assert "import readmepkg" in text
    heading = browser.document().begin()
    assert heading.blockFormat().headingLevel() == 1

    # Images: their words in brackets, never loaded (no connection, nothing read from disk).
    assert "[project logo]" in text and "[build status]" in text and "[local picture]" in text
    assert not has_images(browser.document())
    browser.grab()  # painted, as on screen
    qtbot.wait(200)
    assert nothing_connected(image_listener)

    # A link goes to the browser; the page stays where it is.
    before = browser.toPlainText()
    with qtbot.waitSignal(browser.link_activated, timeout=5_000):
        click_link(qtbot, browser, "the documentation")
    assert browser_urls == ["https://readmepkg.example.invalid/docs"]
    assert browser.source() == QUrl() and browser.toPlainText() == before
    # A link to a file or to a script is not handed to anything.
    for text_of_link in ("a local file", "something to run"):
        with qtbot.waitSignal(browser.link_activated, timeout=5_000):
            click_link(qtbot, browser, text_of_link)
    assert browser_urls == ["https://readmepkg.example.invalid/docs"]
    assert browser.source() == QUrl() and browser.toPlainText() == before


def test_arrow_keys_move_through_results_and_their_pages_follow(qtbot, open_window):
    window, _target = open_window()
    panel = window.search_panel
    names = search(qtbot, window, "tiny")
    assert len(names) >= 2
    panel.results_view.setFocus()
    with qtbot.waitSignal(panel.details_shown, timeout=20_000, check_params_cb=lambda shown: shown == names[1]):
        qtbot.keyClick(panel.results_view, Qt.Key.Key_Down)
    assert panel.page.title_label.text() == names[1]


def test_restructured_text_is_shown_as_the_text_it_is(qtbot, open_window, browser_urls):
    window, _target = open_window()
    panel = window.search_panel
    search(qtbot, window, "rstpkg")
    click_result(qtbot, panel, "rstpkg")
    browser = panel.page.description
    assert browser.toPlainText().rstrip("\n") == RST.rstrip("\n")  # every character as written, markup too
    assert not has_images(browser.document())
    assert browser_urls == []


def test_an_installed_row_opens_the_same_page_with_what_is_on_disk(qtbot, open_window):
    window, target = open_window("readmepkg==1.0")
    packages = window.packages_panel
    table = packages.table

    def row_of(name: str):
        for row in range(packages.filter_model.rowCount()):
            index = packages.filter_model.index(row, 0)
            if packages.filter_model.data(index) == name:
                return index
        raise AssertionError(f"{name} is not in the table")

    # Double-click: the Find tab shows the package's page, its name searched.
    index = row_of("readmepkg")
    rect = table.visualRect(index)
    panel = window.search_panel
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a double-click's first press
    with qtbot.waitSignal(panel.details_shown, timeout=20_000):
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.package_tabs.currentWidget() is panel
    assert panel.search_edit.text() == "readmepkg"
    page = panel.page
    assert page.isVisible() and page.title_label.text() == "readmepkg"
    assert page.installed_label.text().startswith("1.0 in target, released 2024-01-01")
    assert "Latest version: <b>1.1</b>" in page.facts_label.text()
    assert page.install_button.text() == "Upgrade"
    assert page.needs_label.text() == "tinyutil>=1.0"
    assert page.needed_by_label.text() == "Nothing else in target."
    assert "Readme Package" in page.description.toPlainText()

    site_packages = Path(Environment.load(target).site_packages())
    assert page.location_edit.text() == str(site_packages)
    qtbot.waitUntil(lambda: "file" in page.size_label.text(), timeout=10_000)
    assert page.imports_label.text() == "import readmepkg"
    with open(site_packages / "readmepkg-1.0.dist-info" / "RECORD", newline="") as handle:
        listed = [row[0] for row in csv.reader(handle) if row]
    size = sum(os.lstat(os.path.normpath(site_packages / path)).st_size for path in listed)
    assert page.size_label.text() == f"{format_size(size)} in {len(listed)} files."

    # Enter on another row: that package's page; what needs it is named.
    window.package_tabs.setCurrentWidget(packages)
    index = row_of("tinyutil")
    table.setCurrentIndex(index)
    table.setFocus()
    with qtbot.waitSignal(panel.details_shown, timeout=20_000):
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert page.title_label.text() == "tinyutil"
    assert page.needed_by_label.text() == "readmepkg"
    assert page.installed_label.text().startswith("1.1 in target") and "as a dependency" in page.installed_label.text()


def test_an_installed_package_has_a_page_when_the_index_does_not_answer(qtbot, open_window, page_server):
    window, _target = open_window("readmepkg==1.0")
    page_server.down = True
    panel = window.search_panel
    with qtbot.waitSignal(panel.details_failed, timeout=30_000):
        window.show_package_page("readmepkg")
    page = panel.page
    assert page.isVisible() and page.title_label.text() == "readmepkg"
    assert "Could not look up “readmepkg”" in page.lookup_label.text()
    assert page.installed_label.text().startswith("1.0 in target")
    assert page.needs_label.text() == "tinyutil>=1.0"
    assert not page.install_button.isEnabled()
