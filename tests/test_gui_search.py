"""Find packages: search as you type, details, a chosen version installed — against local indexes."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import Qt

from core import name_index
from tests.support.alone import alone, run_alone
from tests.support.local_index import DEFAULT_PACKAGES, LocalIndexServer, PackageSpec, build_index

# Real project names (so popularity and close spellings work as on PyPI), tiny wheels.
SEARCH_PACKAGES = (
    *DEFAULT_PACKAGES,
    PackageSpec("requests", "2.31.0", summary="Python HTTP for Humans."),
    PackageSpec("requests", "2.32.3", summary="Python HTTP for Humans."),
    PackageSpec("requests", "2.32.0", summary="Python HTTP for Humans.", yanked="Broken on Windows"),
    PackageSpec("requests-toolbelt", "1.0.0", requires=("requests",), summary="A utility belt for requests."),
    PackageSpec("djangorestframework", "3.15.2", summary="Web APIs for Django, made easy."),
    PackageSpec("openpyxl", "3.1.5", summary="A Python library to read/write Excel 2010 xlsx/xlsm files"),
    PackageSpec("PyYAML", "6.0.2", summary="YAML parser and emitter for Python"),
)


@pytest.fixture(scope="module")
def search_index_root(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("search-index"), packages=SEARCH_PACKAGES)


@pytest.fixture
def search_server(search_index_root, monkeypatch):
    with LocalIndexServer(search_index_root) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        yield server


@pytest.fixture
def open_search(qtbot, make_venv, make_main_window):
    def start(with_environment: bool = True):
        window = make_main_window()
        window.show()
        with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
            pass
        if with_environment:
            with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
                window.environment_actions.add_environment_folder(str(make_venv("target")))
        panel = window.search_panel
        with qtbot.waitSignal(panel.index_ready, timeout=60_000):
            window.show_search()
        return window, panel

    return start


def type_query(qtbot, panel, text: str) -> list[str]:
    panel.search_edit.clear()
    with qtbot.waitSignal(panel.results_shown, timeout=5_000, check_params_cb=lambda q: q == text):
        qtbot.keyClicks(panel.search_edit, text)
    return panel.result_names()


def open_details(qtbot, panel, name: str) -> None:
    row = panel.result_names().index(name)
    index = panel.results_model.index(row)
    rect = panel.results_view.visualRect(index)
    qtbot.mouseClick(panel.results_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.details_shown, timeout=20_000):
        qtbot.mouseDClick(panel.results_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_search_by_prefix_substring_and_misspelling(qtbot, search_server, open_search):
    _window, panel = open_search()
    assert "Searching" in panel.status_label.text()
    assert set(type_query(qtbot, panel, "tiny")[:3]) == {"tinyapp", "tinyextra", "tinyutil"}
    assert type_query(qtbot, panel, "reque")[0] == "requests"
    assert "requests-toolbelt" in type_query(qtbot, panel, "toolbelt")
    assert "djangorestframework" in type_query(qtbot, panel, "rest")
    assert type_query(qtbot, panel, "reqeusts")[0] == "requests"
    assert "Old_Package" in type_query(qtbot, panel, "old-package")


def test_details_show_what_a_package_is(qtbot, search_server, open_search):
    _window, panel = open_search()
    type_query(qtbot, panel, "requests")
    open_details(qtbot, panel, "requests")
    assert panel.details_title.text() == "requests"
    assert panel.details_summary.text() == "Python HTTP for Humans."
    assert "Latest version: <b>2.32.3</b>" in panel.details_facts.text()
    assert "License: MIT" in panel.details_facts.text()
    versions = [panel.version_combo.itemText(i) for i in range(panel.version_combo.count())]
    assert versions[0].startswith("2.32.3") and "latest" in versions[0]
    assert versions[1].startswith("2.32.0") and "withdrawn by its authors: Broken on Windows" in versions[1]
    assert versions[2] == "2.31.0"
    assert panel.chosen_release().version == "2.32.3"


def test_choose_an_older_version_and_install_it(qtbot, search_server, open_search):
    window, panel = open_search()
    type_query(qtbot, panel, "tinyutil")
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.details_pane.isVisible(), timeout=20_000)
    panel.version_combo.setCurrentIndex([panel.version_combo.itemData(i).version for i in range(panel.version_combo.count())].index("1.0"))
    assert panel.install_button.text() == "Install"
    packages = window.packages_panel
    with qtbot.waitSignal(window.operations.checks_finished, timeout=120_000):
        qtbot.mouseClick(panel.install_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: {p.name: p.version for p in packages.model.packages()}.get("tinyutil") == "1.0", timeout=20_000)
    # Now installed: choosing the newer one offers an upgrade, the same one a reinstall.
    panel.version_combo.setCurrentIndex(0)
    assert panel.install_button.text() == "Upgrade"
    panel.version_combo.setCurrentIndex(1)
    assert panel.install_button.text() == "Reinstall"


def test_release_incompatible_with_the_environments_python_is_disabled(qtbot, search_server, open_search):
    _window, panel = open_search()
    type_query(qtbot, panel, "needsnew")
    open_details(qtbot, panel, "needsnew")
    model = panel.version_combo.model()
    first = model.item(0)
    assert first.text().startswith("1.0") and not first.isEnabled()
    assert "needs Python >=3.99" in first.toolTip()
    assert panel.chosen_release().version == "0.5"
    assert panel.install_button.isEnabled()


def test_unreachable_index_uses_the_cached_list_and_says_so(qtbot, search_index_root, open_search, monkeypatch):
    with LocalIndexServer(search_index_root) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        window, panel = open_search(with_environment=False)
        window.close()
        server.down = True
        # Two days later the index is down: the list from the cache is used, and the person is told.
        _names_path, meta_path = name_index.cache_paths(server.simple_url)
        meta = json.loads(meta_path.read_text())
        meta["fetched_at"] -= 2 * 24 * 3600
        meta_path.write_text(json.dumps(meta))
        window, panel = open_search(with_environment=False)
        assert "using the list from" in panel.status_label.text()
        assert type_query(qtbot, panel, "tinyap")[0] == "tinyapp"


def test_no_list_and_no_network_falls_back_to_the_popular_snapshot(qtbot, open_search, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    _window, panel = open_search(with_environment=False)
    assert "could not be loaded" in panel.status_label.text()
    assert "most popular" in panel.status_label.text()
    assert type_query(qtbot, panel, "requests")[0] == "requests"


def test_html_only_index(qtbot, search_index_root, open_search, monkeypatch):
    with LocalIndexServer(search_index_root, html_only=True) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        _window, panel = open_search()
        assert "Searching 10 packages" in panel.status_label.text()
        assert type_query(qtbot, panel, "openpyx")[0] == "openpyxl"
        open_details(qtbot, panel, "openpyxl")
        assert panel.chosen_release().version == "3.1.5"


# -- the page beside the results: the window keeps its size ------------------------------------

LONG_PACKAGES = (
    PackageSpec(
        "an-uncommonly-long-project-name-that-never-seems-to-end-at-all",
        "1.0",
        summary="A summary that goes on and on " * 8,
        home_page="https://example.invalid/" + "a-path-with-no-spaces-" * 12,
        license="A-licence-name-without-any-spaces-" * 4,
    ),
    PackageSpec(
        "an-uncommonly-long-project-name-that-never-seems-to-end-at-all",
        "0.9",
        yanked="Withdrawn-because-of-a-reason-written-without-spaces-" * 4,
    ),
)


@pytest.fixture(scope="module")
def long_index_root(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("long-index"), packages=(*SEARCH_PACKAGES, *LONG_PACKAGES))


@pytest.mark.parametrize("narrowest", [False, True], ids=["usual-size", "narrowest-window"])
def test_opening_a_page_keeps_the_window_size_and_a_readable_results_list(qtbot, long_index_root, open_search, monkeypatch, narrowest):
    from gui.search_panel import RESULTS_MIN_WIDTH

    with LocalIndexServer(long_index_root) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        window, panel = open_search()
        # The window as it starts, and as narrow as the person can make it before any page is open.
        width = window.minimumSizeHint().width() if narrowest else window.width()
        window.resize(width, 700)
        qtbot.waitUntil(lambda: window.width() == width, timeout=5_000)
        before = window.size()
        for name in ("requests", LONG_PACKAGES[0].name):
            type_query(qtbot, panel, name[:12])
            open_details(qtbot, panel, name)
            qtbot.wait(100)  # layouts settle
            assert window.size() == before, name
            assert panel.results_view.width() >= RESULTS_MIN_WIDTH, name
            assert not panel.results_view.horizontalScrollBar().isVisible(), name
            assert panel.page.isVisible() and panel.page.width() >= panel.page.minimumWidth()
        # The person can still drag the divider, but not squeeze the list out of sight.
        panel.splitter.setSizes([10, 2000])
        assert panel.results_view.width() >= RESULTS_MIN_WIDTH
        assert window.size() == before


# -- another index chosen in Settings ----------------------------------------------------------


def test_changing_the_index_in_settings_refreshes_the_find_tab(qtbot, search_server, open_search, tmp_path):
    other_root = build_index(tmp_path / "other", packages=(PackageSpec("onlyhere", "3.0", summary="Only on the other index."),))
    with LocalIndexServer(other_root) as other:
        window, panel = open_search()
        assert search_server.simple_url in panel.status_label.text()
        type_query(qtbot, panel, "requests")
        open_details(qtbot, panel, "requests")

        dialog = window.open_settings()
        dialog.index_edit.setText(other.simple_url)
        save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
        with qtbot.waitSignal(panel.index_ready, timeout=60_000):
            qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        assert panel.status_label.text() == f"Searching 1 packages on {other.simple_url}."
        assert window.index_label.text() == f"Index: {other.simple_url}"
        assert type_query(qtbot, panel, "onlyh") == ["onlyhere"]
        # The page that was open was looked up again on the new index (which has no requests).
        qtbot.waitUntil(lambda: "Could not look up “requests”" in panel.details_placeholder.text(), timeout=20_000)
        open_details(qtbot, panel, "onlyhere")
        assert "Latest version: <b>3.0</b>" in panel.details_facts.text()


def test_a_pasted_error_or_an_import_name_finds_the_package_that_provides_it(qtbot, open_search):
    # No index reachable: the shipped list of well-known projects is searched, with the import-name table.
    _window, panel = open_search(with_environment=False)
    assert type_query(qtbot, panel, "ModuleNotFoundError: No module named 'cv2'")[0] == "opencv-python"
    shown = panel.results_model.data(panel.results_model.index(0))
    assert shown.startswith("opencv-python — provides import cv2"), shown
    assert type_query(qtbot, panel, "sklearn")[0] == "scikit-learn"


# The two full-list heartbeat tests measure what the app does in a process of its own: after a
# few hundred other tests in the same process (their windows, threads and garbage), pauses that
# are not the app's show up.  ``test_full_list_heartbeats_alone`` runs them in a fresh pytest.
ALONE = alone("test_full_list_heartbeats_alone")


FULL_LIST_URL = "http://127.0.0.1:9/simple/"  # nothing answers: the cached list is what is loaded


class Heartbeat:
    """A 10 ms timer on the UI thread: the gaps between its beats are how long the window froze."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.moments: list[float] = []
        self.started = self._last = 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self.moments.append(now)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self.moments.clear()
        self.started = self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    @property
    def longest(self) -> float:
        return max(self.gaps, default=0.0)

    def worst(self) -> str:
        found = sorted(zip(self.gaps, self.moments), reverse=True)[:4]
        return f"longest gaps {[(round(g * 1000), round((m - self.started) * 1000)) for g, m in found]}"


@pytest.fixture
def full_list_window(qtbot, make_main_window, shared_data, monkeypatch):
    """All 886k real names in the name cache for FULL_LIST_URL, and a window that is up (not yet on Find)."""
    import gzip

    from core import name_index

    monkeypatch.setenv("PIP_INDEX_URL", FULL_LIST_URL)
    with gzip.open(shared_data("pypi-projects.tsv.gz"), "rt", encoding="utf-8") as handle:
        next(handle)
        names = [line.partition("\t")[0] for line in handle]
    name_index._write_cache(
        FULL_LIST_URL, names, {"version": name_index.CACHE_VERSION, "fetched_at": time.time(), "source": "index"}
    )

    def start():
        window = make_main_window()
        window.show()
        with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
            pass
        # The window's own start-up work is done: the Pythons on this computer found (each one
        # asked, ~0.3 s for ten), then a moment for what follows.
        qtbot.waitUntil(lambda: not window.creation.interpreters_loading, timeout=30_000)
        qtbot.wait(300)
        return window

    return start, names


def load_full_list(qtbot, window, first: bool, timeout: int = 60_000) -> None:
    """Open Find the first time; reload its list after that."""
    panel = window.search_panel
    with qtbot.waitSignal(panel.index_ready, timeout=timeout):
        if first:
            window.show_search()
        else:
            panel.search_index = None
            panel.load_index()


@ALONE
def test_loading_the_full_cached_list_never_freezes_the_window(qtbot, full_list_window):
    """886k real names, cached with the index built from them (as after the first start): the
    Find tab becomes ready, and answers typed queries, with a 10 ms heartbeat never gapping
    more than 50 ms."""
    from core.search import SearchIndex

    start, names = full_list_window
    SearchIndex.load_cached(FULL_LIST_URL)  # builds it once and saves it beside the list
    window = start()
    panel = window.search_panel
    heartbeat = Heartbeat()

    def measure(first: bool) -> tuple[float, float, str]:
        heartbeat.start()
        load_full_list(qtbot, window, first)
        ready = time.perf_counter() - heartbeat.started
        assert len(panel.search_index) == len(names)
        # Searching runs in a worker too: typing over 886k names keeps the window live.
        assert type_query(qtbot, panel, "reqeusts")[0] == "requests"
        assert type_query(qtbot, panel, "No module named 'cv2'")[0] == "opencv-python"
        type_query(qtbot, panel, "plot graphs")
        heartbeat.stop()
        return heartbeat.longest, ready, heartbeat.worst()

    longest, ready, detail = measure(True)
    if longest >= 0.050:
        # A timing on a shared 2-core machine: a second load tells a real freeze (every time) from
        # another process taking the CPU for a moment.
        print(f"first load: {detail}; measuring again")
        longest, ready, detail = measure(False)
    assert longest < 0.050, f"{detail} ready {ready * 1000:.0f} ms"
    assert ready < 2.0  # the aim is 0.5 s; a loaded CI machine gets room
    print(f"ready {ready * 1000:.0f} ms after Find was opened; longest gap {longest * 1000:.0f} ms")


@ALONE
def test_the_first_build_of_the_full_index_happens_in_a_child_and_never_freezes_the_window(qtbot, full_list_window):
    """886k real names cached but no index built from them yet (the first start, or a new list):
    a child Venvdesk builds and saves it; the window's 10 ms heartbeat never gaps over 50 ms."""
    from core import name_index

    start, names = full_list_window
    saved = name_index.search_cache_path(FULL_LIST_URL)
    window = start()
    panel = window.search_panel
    heartbeat = Heartbeat()

    def load(first: bool) -> float:
        saved.unlink(missing_ok=True)
        heartbeat.start()
        load_full_list(qtbot, window, first, timeout=120_000)
        heartbeat.stop()
        assert saved.exists()  # built by the child, kept for the next start
        assert len(panel.search_index) == len(names)
        return heartbeat.longest

    longest = load(True)
    if longest >= 0.050:  # another process took the CPU for a moment? a real freeze shows twice
        print(f"first build: longest gap {longest * 1000:.0f} ms; measuring again")
        longest = load(False)
    assert longest < 0.050, f"longest gap {longest * 1000:.0f} ms"
    assert type_query(qtbot, panel, "reqeusts")[0] == "requests"


def test_full_list_heartbeats_alone(shared_data):
    shared_data("pypi-projects.tsv.gz")  # skips without ../shared/data
    run_alone(
        __file__,
        [
            "test_loading_the_full_cached_list_never_freezes_the_window",
            "test_the_first_build_of_the_full_index_happens_in_a_child_and_never_freezes_the_window",
        ],
    )
