"""Find packages: a search box over every project on the index, details, a version, Install.

The project list is downloaded once a day (core.name_index) and searched in
memory (core.search) on every keystroke.  Details come from the index's JSON
API off the UI thread; installs go through the Packages panel, so they queue
and log like every other pip run.

Everything a project says about itself (name, summary, licence, versions, links) is
written by whoever uploaded it: labels show it as plain text, and the ones with
markup (the facts, the target line) escape every piece of it.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core import pypi
from core.commands import redact
from core.environments import Environment
from core.names import canonical_name
from core.packages import installed_packages
from core.plans import install_verb
from gui import icons, theme
from gui.current_environment import CurrentEnvironment
from gui.models.base import plain_tooltip
from gui.models.search import SearchResultModel
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.pypi import ProjectDetails, Release
    from core.search import SearchIndex

DETAILS_TTL = 600
RESULT_LIMIT = 50


class SearchPanel(QWidget):
    index_ready = Signal()  # the search index (full list or snapshot) is in place
    results_shown = Signal(str)  # query
    details_shown = Signal(str)  # project name
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
        self.details: ProjectDetails | None = None
        self._details_cache: dict[tuple[str, str], tuple[float, ProjectDetails]] = {}
        self._details_request = 0
        self._boost: set[str] = set()
        self._loading = False

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("packageSearchEdit")
        self.search_edit.setAccessibleName("Search for a package")
        self.search_edit.setPlaceholderText("Search by name or by what it does, e.g. “excel” or “yaml”")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icons.action_icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(0)  # coalesce keystrokes that arrive together
        self._search_timer.timeout.connect(self.run_search)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self.open_current)
        self.target_label = QLabel()
        self.target_label.setObjectName("searchTargetLabel")
        self.target_label.setTextFormat(Qt.TextFormat.RichText)  # the environment's name in bold, escaped
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
        self.results_view.doubleClicked.connect(self.open_details)
        self.results_view.activated.connect(self.open_details)

        # Details pane ------------------------------------------------------------------------
        self.details_pane = QWidget()
        self.details_pane.setObjectName("packageDetails")
        self.details_pane.setAccessibleName("Package details")
        self.details_title = QLabel()
        self.details_title.setObjectName("detailsTitle")
        self.details_title.setTextFormat(Qt.TextFormat.PlainText)
        theme.set_role(self.details_title, "title")
        self.details_title.setWordWrap(True)
        self.details_summary = QLabel()
        self.details_summary.setObjectName("detailsSummary")
        self.details_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.details_summary.setWordWrap(True)
        self.details_facts = QLabel()
        self.details_facts.setObjectName("detailsFacts")
        self.details_facts.setTextFormat(Qt.TextFormat.RichText)  # bold and links; every outside piece escaped
        self.details_facts.setWordWrap(True)
        self.details_facts.setOpenExternalLinks(True)
        self.details_facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.version_combo = QComboBox()
        self.version_combo.setObjectName("versionCombo")
        self.version_combo.setAccessibleName("Version to install")
        self.version_combo.currentIndexChanged.connect(lambda _i: self._set_state())
        self.install_button = QPushButton("Install")
        self.install_button.setObjectName("searchInstallButton")
        icons.set_action_icon(self.install_button, "install")
        self.install_button.setAccessibleName("Install the chosen version")
        self.install_button.clicked.connect(self.install_chosen)
        self.version_note = QLabel()
        self.version_note.setObjectName("versionNote")
        self.version_note.setTextFormat(Qt.TextFormat.PlainText)
        self.version_note.setWordWrap(True)
        install_row = QHBoxLayout()
        install_row.addWidget(self.version_combo, 1)
        install_row.addWidget(self.install_button)
        form = QFormLayout()
        form.addRow("Version:", install_row)
        details_layout = QVBoxLayout(self.details_pane)
        details_layout.addWidget(self.details_title)
        details_layout.addWidget(self.details_summary)
        details_layout.addWidget(self.details_facts)
        details_layout.addLayout(form)
        details_layout.addWidget(self.version_note)
        details_layout.addStretch(1)
        self.details_pane.hide()
        self.details_placeholder = QLabel("Choose a package on the left to see what it is.")
        self.details_placeholder.setObjectName("detailsPlaceholder")
        self.details_placeholder.setTextFormat(Qt.TextFormat.PlainText)  # quotes names, addresses, errors
        self.details_placeholder.setWordWrap(True)
        self.details_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.details_placeholder, 1)
        right_layout.addWidget(self.details_pane, 1)

        splitter = QSplitter()
        splitter.addWidget(self.results_view)
        splitter.addWidget(right)
        splitter.setSizes([300, 360])
        layout = QVBoxLayout(self)
        layout.addWidget(self.target_label)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.status_label)
        layout.addWidget(splitter, 1)
        current.changed.connect(self.environment_changed)
        current.packages_loaded.connect(lambda _path: self.environment_changed())
        self._set_state()

    # -- the name index ----------------------------------------------------------------------

    def load_index(self) -> None:
        """Load the project list (cache or network) and build the search index, off the UI thread."""
        if self._loading:
            return
        self._loading = True
        index = self.current.index_url()
        self.status_label.setText("Loading the list of packages…")

        def build():
            from core.name_index import NameIndexUnavailable, load_names
            from core.search import SearchIndex, load_popularity_snapshot

            popularity = load_popularity_snapshot()
            try:
                names = load_names(index)
            except NameIndexUnavailable as error:
                return SearchIndex.from_snapshot(popularity), "", str(error)
            return SearchIndex(names.names, popularity), names.source, names.problem

        def done(result: tuple[SearchIndex, str, str]) -> None:
            self._loading = False
            search_index, source, problem = result
            self.search_index = search_index
            self.index_source = source
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
            self._loading = False
            self.status_label.setText(f"Searching is not available: {exc}")

        run_in_background(build, done, failed, context=self)
        self._collect_boost()

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
            self.results_model.set_results([])
            if query and self.search_index is None:
                self.load_index()
            self.results_shown.emit(query)
            return
        results = self.search_index.search(query, limit=RESULT_LIMIT, boost=self._boost)
        self.results_model.set_results(results)
        if results:
            self.results_view.setCurrentIndex(self.results_model.index(0))
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
        result = self.results_model.data(index, SearchResultModel.ResultRole)
        if result is not None:
            self.show_details(result.name)

    def show_details(self, name: str) -> None:
        """Fetch and show one project's details; a newer request makes older answers irrelevant."""
        index = self.current.index_url()
        self._details_request += 1
        request = self._details_request
        cached = self._details_cache.get((index, canonical_name(name)))
        self.details_placeholder.setText(f"Looking up {name}…")
        self.details_placeholder.show()
        self.details_pane.hide()
        if cached is not None and time.time() - cached[0] < DETAILS_TTL:
            self._details_arrived(request, cached[1])
            return

        def done(details) -> None:
            self._details_cache[(index, canonical_name(name))] = (time.time(), details)
            self._details_arrived(request, details)

        def failed(exc: BaseException, _tb: str) -> None:
            if request != self._details_request:
                return
            reason = "there is no such package" if getattr(exc, "code", None) == 404 else str(exc)
            self.details_placeholder.setText(f"Could not look up “{name}” on {redact(index)}: {reason}.")
            self.details_failed.emit(name)

        run_in_background(lambda: pypi.project_details(index, name), done, failed, context=self)

    def _details_arrived(self, request: int, details) -> None:
        if request != self._details_request:
            return  # the person has moved on to another package
        self.details = details
        self.details_title.setText(details.name)
        self.details_summary.setText(details.summary or "(no description)")
        facts = []
        if details.latest:
            date = f", released {html.escape(details.release_date)}" if details.release_date else ""
            facts.append(f"Latest version: <b>{html.escape(details.latest)}</b>{date}")
        if details.license:
            facts.append(f"License: {html.escape(details.license)}")
        if details.requires_python:
            facts.append(f"Needs Python {html.escape(details.requires_python)}")
        links = []
        for label, url in (("Home page", details.home_page), ("Documentation", details.documentation)):
            if url.startswith(("http://", "https://")):
                links.append(f'<a href="{html.escape(url, quote=True)}">{label}</a>')
        if links:
            facts.append(" · ".join(links))
        if details.source == "simple":
            facts.append("<i>This index has no details service: only the versions are shown.</i>")
        self.details_facts.setText("<br>".join(facts))
        self._fill_versions()
        self.details_placeholder.hide()
        self.details_pane.show()
        self.details_shown.emit(details.name)

    # -- versions and installing -------------------------------------------------------------

    def python_version(self) -> tuple[int, ...]:
        environment = self.current.environment
        return environment.python_version if environment is not None else ()

    def _fill_versions(self) -> None:
        combo = self.version_combo
        combo.blockSignals(True)
        combo.clear()
        details = self.details
        python = self.python_version()
        default = details.default_release(python) if details is not None else None
        model = combo.model()
        assert isinstance(model, QStandardItemModel)
        default_row = -1
        for row, release in enumerate(details.releases if details is not None else ()):
            text = release.version
            notes = []
            if details is not None and release.version == details.latest:
                notes.append("latest")
            if release.prerelease:
                notes.append("pre-release")
            if release.yanked:
                notes.append("withdrawn by its authors" + (f": {release.yanked_reason}" if release.yanked_reason else ""))
            problem = release.python_problem(python)
            if problem:
                notes.append(problem)
            if notes:
                text += f"  ({'; '.join(notes)})"
            combo.addItem(text, release)
            item = model.item(row)
            if problem:
                item.setEnabled(False)
                item.setToolTip(plain_tooltip(f"Cannot be installed here: it {problem}."))
            elif release.yanked:
                item.setToolTip("Its authors withdrew this release; install it only if you need exactly this one.")
            if default is not None and release is default:
                default_row = row
        combo.setCurrentIndex(default_row)
        combo.blockSignals(False)
        if default is None and details is not None and details.releases:
            self.version_note.setText("No release of this package can be installed in this environment's Python.")
        else:
            self.version_note.setText("")
        self._set_state()

    def chosen_release(self) -> Release | None:
        return self.version_combo.currentData()

    def installed_version(self) -> str:
        if self.details is None:
            return ""
        return self.current.installed_version(canonical_name(self.details.name))

    def _set_state(self) -> None:
        release = self.chosen_release()
        environment = self.current.environment if self.current.usable else None
        installed = self.installed_version()
        self.install_button.setText(install_verb(installed, release.version) if release is not None else "Install")
        self.install_button.setEnabled(release is not None and environment is not None)
        if environment is None:
            self.install_button.setToolTip("Select a working environment first.")
        elif installed:
            self.install_button.setToolTip(plain_tooltip(f"{installed} is installed in {environment.name}."))
        else:
            self.install_button.setToolTip(plain_tooltip(f"Install into {environment.name}."))

    def environment_changed(self) -> None:
        environment = self.current.environment
        self.target_label.setText(
            f"Installs go into <b>{html.escape(environment.name)}</b> (Python {html.escape(environment.short_version)})."
            if environment is not None
            else "Select an environment on the left to install into it."
        )
        if self.details is not None:
            self._fill_versions()
        self._set_state()

    def install_chosen(self) -> None:
        release = self.chosen_release()
        if release is not None and self.details is not None:
            self.install_requested.emit(self.details.name, release.version)
