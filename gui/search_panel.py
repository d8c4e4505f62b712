"""Find packages: a search box over every project on the index, and the package page beside it.

The project list is downloaded once a day (core.name_index) and searched in
memory (core.search) on every keystroke.  Choosing a result (a click, the arrow
keys, Enter) shows its page (:class:`~gui.package_page.PackagePage`): details
come from the index's JSON API off the UI thread; installs go through the
Packages panel, so they queue and log like every other pip run.

Everything a project says about itself (name, summary, licence, versions, links) is
written by whoever uploaded it: labels show it as plain text, and the ones with
markup (the facts, the target line) escape every piece of it.
"""

from __future__ import annotations

import gc
import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core import pypi
from core.commands import redact
from core.environments import Environment
from core.names import canonical_name
from core.packages import installed_packages
from gui import icons
from gui.current_environment import CurrentEnvironment
from gui.models.search import SearchResultModel
from gui.package_page import PackagePage
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.pypi import ProjectDetails, Release
    from core.search import SearchIndex, SearchResult

DETAILS_TTL = 600
RESULT_LIMIT = 50
# A result chosen with the arrow keys or a click is looked up once the choice settles.
SELECTION_SETTLE_MS = 250
# The narrowest the results list and the page get beside each other (names stay readable).
RESULTS_MIN_WIDTH = 220


class SearchPanel(QWidget):
    index_ready = Signal()  # the search index (full list or snapshot) is in place
    results_shown = Signal(str)  # query
    details_shown = Signal(str)  # project name: its page shows what the index says
    details_failed = Signal(str)
    install_requested = Signal(str, str)  # project name, version

    def __init__(
        self, current: CurrentEnvironment, environments: Callable[[], list[Environment]], parent: QWidget | None = None
    ) -> None:
        """``current`` is where installs go; ``environments()`` lists every known Environment (their packages rank first)."""
        super().__init__(parent)
        self.setObjectName("searchPanel")
        self.current = current
        self.environments = environments
        self.search_index: SearchIndex | None = None
        self.index_source = ""
        self.index_loaded_for = ""  # the index the list on screen came from
        self._details_cache: dict[tuple[str, str], tuple[float, ProjectDetails]] = {}
        self._details_request = 0
        self._pending: tuple[tuple[str, str], int] | None = None  # ((index, name), request) being looked up
        self._pending_name = ""
        self._prefer = ""  # the result to mark after the next search (the package whose page was asked for)
        self._last_query = ""
        self._shown: tuple[str, str] | None = None  # (index, name) whose details the page shows
        self._boost: set[str] = set()
        self._loading = ""  # the index whose list is being loaded
        self._load_generation = 0
        self._selecting = False  # the search itself moved the current result: no lookup

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("packageSearchEdit")
        self.search_edit.setAccessibleName("Search for a package")
        self.search_edit.setPlaceholderText("Search by name or by what it does, e.g. “excel” or “yaml”")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icons.action_icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._searching = False  # a search runs in a worker
        self._search_again = False  # the text changed while it ran
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(0)  # coalesce keystrokes that arrive together
        self._search_timer.timeout.connect(self.run_search)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self.open_current)
        self.target_label = QLabel()
        self.target_label.setObjectName("searchTargetLabel")
        self.target_label.setTextFormat(Qt.TextFormat.RichText)  # the environment's name in bold, escaped
        self.target_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setObjectName("searchStatusLabel")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)  # index address, error texts
        self.status_label.setWordWrap(True)

        self.results_model = SearchResultModel(self)
        self.results_view = QListView()
        self.results_view.setObjectName("searchResultsView")
        self.results_view.setAccessibleName("Search results")
        self.results_view.setModel(self.results_model)
        self.results_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results_view.setUniformItemSizes(True)
        # Long summaries are cut with "…" (the tooltip has all of it), not scrolled sideways.
        self.results_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.results_view.setMinimumWidth(RESULTS_MIN_WIDTH)
        self.results_view.doubleClicked.connect(self.open_details)
        self.results_view.activated.connect(self.open_details)
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(SELECTION_SETTLE_MS)
        self._selection_timer.timeout.connect(self._open_selected)
        self.results_view.selectionModel().currentChanged.connect(self._current_result_changed)
        self.results_view.clicked.connect(lambda _index: self._selection_timer.start())  # the marked first one too

        # The package page ----------------------------------------------------------------------
        self.page = PackagePage(current)
        self.page.install_requested.connect(self.install_requested)
        self.page.hide()
        # The names the details pane had before the page: tests and tools read them.
        self.details_pane = self.page
        self.details_title = self.page.title_label
        self.details_summary = self.page.summary_label
        self.details_facts = self.page.facts_label
        self.version_combo = self.page.version_combo
        self.install_button = self.page.install_button
        self.version_note = self.page.version_note
        self.details_placeholder = QLabel("Choose a package on the left to see what it is.")
        self.details_placeholder.setObjectName("detailsPlaceholder")
        self.details_placeholder.setTextFormat(Qt.TextFormat.PlainText)  # quotes names, addresses, errors
        self.details_placeholder.setWordWrap(True)
        self.details_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details_placeholder.setMinimumWidth(200)
        right = QWidget()
        right.setObjectName("packagePageHolder")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.details_placeholder, 1)
        right_layout.addWidget(self.page, 1)

        # Both sides keep a readable width; the splitter shares what the window has and never
        # asks for more (the window does not resize itself when a page opens).
        self.splitter = QSplitter()
        self.splitter.setObjectName("searchSplitter")
        self.splitter.addWidget(self.results_view)
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([280, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(self.target_label)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.status_label)
        layout.addWidget(self.splitter, 1)
        current.changed.connect(self.environment_changed)
        current.packages_loaded.connect(lambda _path: self.environment_changed())
        self.environment_changed()

    # -- the name index ----------------------------------------------------------------------

    def load_index(self) -> None:
        """Load the project list (cache or network) and build the search index, off the UI thread."""
        index = self.current.index_url()
        if self._loading == index:
            return
        self._loading = index
        self._load_generation += 1
        generation = self._load_generation
        self.status_label.setText(f"Loading the list of packages on {redact(index)}…")

        def build():
            from core.name_index import NameIndexUnavailable
            from core.search import SearchIndex, build_in_child, load_popularity_snapshot

            popularity = load_popularity_snapshot()
            try:
                # The index built from the cached list is saved beside it: loading it holds the
                # interpreter only for a few C-level reads (the UI keeps running).
                return SearchIndex.load_cached(index, popularity, build_elsewhere=lambda: build_in_child(index))
            except NameIndexUnavailable as error:
                return SearchIndex.from_snapshot(popularity), "", str(error)

        def done(result: tuple[SearchIndex, str, str]) -> None:
            if generation != self._load_generation:
                return  # the index was changed in Settings meanwhile: that list is being loaded
            self._loading = ""
            search_index, source, problem = result
            self.search_index = search_index
            gc.freeze()  # the index lives on: later full collections need not walk it
            self.index_source = source
            self.index_loaded_for = index
            count = len(search_index)
            if source:
                self.status_label.setText(
                    f"Searching {count:,} packages on {redact(index)}." + (f" {problem}" if problem else "")
                )
            else:
                self.status_label.setText(
                    f"The full list of packages could not be loaded ({problem}). Searching the {count:,} most"
                    " popular ones; an exact name can still be looked up when the network works."
                )
            self.index_ready.emit()
            self.run_search()

        def failed(exc: BaseException, _tb: str) -> None:
            if generation != self._load_generation:
                return
            self._loading = ""
            self.status_label.setText(f"Searching is not available: {exc}")

        run_in_background(build, done, failed, context=self)
        self._collect_boost()

    def index_changed(self) -> None:
        """The index in use changed (Settings): say so, load its list, and look the shown package up there."""
        index = self.current.index_url()
        if index == (self._loading or self.index_loaded_for):
            return
        if self.page.name and not self.page.isHidden() or self._pending is not None:
            self.show_details(self.page.name if self._pending is None else self._pending_name)
        if self.search_index is None and not self._loading:
            return  # never loaded: the tab's first visit loads the new index's list
        self.search_index = None
        self.index_source = ""
        self.index_loaded_for = ""
        self._loading = ""
        self.results_model.set_results([])
        self.load_index()

    def _collect_boost(self) -> None:
        environments = list(self.environments())

        def read() -> set[str]:
            names: set[str] = set()
            for environment in environments:
                names.update(p.key for p in installed_packages(environment.site_packages()))
            return names

        def done(names: set[str]) -> None:
            self._boost = names
            self.run_search()

        run_in_background(read, done, lambda _e, _t: None, context=self)

    # -- searching ---------------------------------------------------------------------------

    def run_search(self) -> None:
        query = self.search_edit.text().strip()
        if self.search_index is None or not query:
            self._last_query = ""
            self.results_model.set_results([])
            if query and self.search_index is None:
                self.load_index()
            self.results_shown.emit(query)
            return
        # Off the UI thread (a query over 2M names can take tens of ms); one search at a time, and
        # keystrokes typed meanwhile coalesce into one search for the latest text.
        if self._searching:
            self._search_again = True
            return
        self._searching = True
        self._search_again = False
        index, boost = self.search_index, set(self._boost)

        def search() -> list[SearchResult]:
            return index.search(query, limit=RESULT_LIMIT, boost=boost)

        def found(results: list[SearchResult]) -> None:
            self._searching = False
            if self._search_again or self.search_edit.text().strip() != query or self.search_index is not index:
                self._search_timer.start()  # the text (or the list) changed meanwhile: search again
                return
            self._show_results(query, results)

        def failed(exc: BaseException, formatted: str) -> None:
            self._searching = False
            self.status_label.setText(f"The search failed: {exc}")
            self.results_shown.emit(query)

        run_in_background(search, found, failed, context=self)

    def _show_results(self, query: str, results: list[SearchResult]) -> None:
        marked = self.results_model.data(self.results_view.currentIndex(), SearchResultModel.ResultRole)
        if query == self._last_query and marked is not None and not self._prefer:
            self._prefer = canonical_name(marked.name)  # searched again (the ranking changed): keep the person's place
        self._last_query = query
        self.results_model.set_results(results)
        if results:
            prefer, self._prefer = self._prefer, ""
            row = next((row for row, result in enumerate(results) if prefer and canonical_name(result.name) == prefer), 0)
            self._selecting = True  # the first result is ready for Enter, not looked up on its own
            try:
                self.results_view.setCurrentIndex(self.results_model.index(row))
            finally:
                self._selecting = False
        self.results_shown.emit(query)

    def result_names(self) -> list[str]:
        return [result.name for result in self.results_model.results()]

    def open_current(self) -> None:
        index = self.results_view.currentIndex()
        if index.isValid():
            self.open_details(index)
        elif self.search_edit.text().strip():
            self.show_details(self.search_edit.text().strip())  # an exact name not in the list

    def open_details(self, index: QModelIndex) -> None:
        self._selection_timer.stop()
        result = self.results_model.data(index, SearchResultModel.ResultRole)
        if result is not None:
            self.show_details(result.name)

    def _current_result_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """The person chose another result (a click, the arrow keys): its page, once the choice settles."""
        if self._selecting or not current.isValid():
            return
        self._selection_timer.start()

    def _open_selected(self) -> None:
        result = self.results_model.data(self.results_view.currentIndex(), SearchResultModel.ResultRole)
        if result is None:
            return
        key = (self.current.index_url(), canonical_name(result.name))
        if key == self._shown and self.page.isVisible() or self._pending is not None and self._pending[0] == key:
            return  # already on screen, or on its way
        self.show_details(result.name)

    # -- the package page --------------------------------------------------------------------

    def show_package(self, name: str) -> None:
        """Show ``name``'s page with that name searched, so the list and the page agree (from the Installed table)."""
        self._selection_timer.stop()
        if self.search_edit.text().strip() != name:
            self._prefer = canonical_name(name)
            self.search_edit.setText(name)  # searched once the events settle: marks the result, opens nothing
        self.show_details(name)

    def show_details(self, name: str) -> None:
        """Fetch and show one project's page; a newer request makes older answers irrelevant.

        An installed package's page shows at once with what this environment knows; what the
        index says fills it in when it arrives.
        """
        index = self.current.index_url()
        key = (index, canonical_name(name))
        if self._pending is not None and self._pending[0] == key:
            return  # the same lookup is under way (a click, then a double-click)
        self._details_request += 1
        request = self._details_request
        self._pending = None
        cached = self._details_cache.get(key)
        if cached is not None and time.time() - cached[0] < DETAILS_TTL:
            self._details_arrived(request, key, cached[1])
            return
        self._pending = (key, request)
        self._pending_name = name
        self._shown = None
        if self._installed_here(name):
            self.page.show_package(name, None, f"Looking up {name} on {redact(index)}…")
            self._show_page()
        else:
            self.details_placeholder.setText(f"Looking up {name}…")
            self._show_placeholder()

        def done(details: ProjectDetails) -> None:
            self._details_cache[key] = (time.time(), details)
            self._details_arrived(request, key, details)

        def failed(exc: BaseException, _tb: str) -> None:
            if request != self._details_request:
                return
            self._pending = None
            reason = "there is no such package" if getattr(exc, "code", None) == 404 else str(exc)
            message = f"Could not look up “{name}” on {redact(index)}: {reason}."
            if self._installed_here(name):
                self.page.show_package(name, None, message + " What is shown comes from this environment.")
                self._show_page()
            else:
                self.details_placeholder.setText(message)
                self._show_placeholder()
            self.details_failed.emit(name)

        run_in_background(lambda: pypi.project_details(index, name), done, failed, context=self)

    def _installed_here(self, name: str) -> bool:
        return bool(self.current.usable and self.current.installed_version(canonical_name(name)))

    def _show_page(self) -> None:
        self.details_placeholder.hide()
        self.page.show()

    def _show_placeholder(self) -> None:
        self.page.hide()
        self.details_placeholder.show()

    def _details_arrived(self, request: int, key: tuple[str, str], details: ProjectDetails) -> None:
        if request != self._details_request:
            return  # the person has moved on to another package
        self._pending = None
        self._shown = key
        self.page.show_package(details.name, details)
        self._show_page()
        self.details_shown.emit(details.name)

    # -- versions and installing -------------------------------------------------------------

    @property
    def details(self) -> ProjectDetails | None:
        return self.page.details

    def python_version(self) -> tuple[int, ...]:
        return self.page.python_version()

    def chosen_release(self) -> Release | None:
        return self.page.chosen_release()

    def installed_version(self) -> str:
        return self.page.installed_version()

    def environment_changed(self) -> None:
        environment = self.current.environment
        self.target_label.setText(
            f"Installs go into <b>{html.escape(environment.name)}</b> (Python {html.escape(environment.short_version)})."
            if environment is not None
            else "Select an environment on the left to install into it."
        )
        self.page.environment_changed()

    def install_chosen(self) -> None:
        self.page.install_chosen()
