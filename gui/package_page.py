"""The package page: what one project is, what it needs, where it is, and which version to install.

Opened from a search result in Find packages, or from a row of the Installed table (which shows
it in Find packages, with that name searched).  What the index says comes from
:func:`core.pypi.project_details`; what this environment holds comes from
:class:`~gui.current_environment.CurrentEnvironment` and, for the size on disk, from the
package's ``RECORD`` read off the UI thread.

Everything a project says about itself is written by whoever uploaded it.  Labels show it as
plain text; the facts label has markup of its own (bold, links) and escapes every outside
piece into it; the description is Markdown read by Qt's own parser with raw HTML switched off
(an HTML tag in it is shown as the characters it is), or plain text for reStructuredText and
anything else.  Nothing the description names is fetched or read: images are replaced by their
alternative text before the text is shown, and the view answers every resource request with
nothing.  Links are never followed inside the app: they open in the person's browser.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QPalette,
    QResizeEvent,
    QStandardItemModel,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.names import canonical_name
from core.packages import (
    InstalledFiles,
    InstalledPackage,
    installed_files,
    unconditional_requirements,
)
from core.plans import install_verb
from core.preview import format_size
from gui import icons, theme
from gui.current_environment import CurrentEnvironment
from gui.models.base import plain_tooltip
from gui.workers import run_in_background

if TYPE_CHECKING:
    from core.pypi import ProjectDetails, Release

# A description longer than this is cut (a few READMEs are megabytes; nobody reads them here).
MAX_DESCRIPTION_CHARS = 100_000
# Links the person's browser may open; any other scheme (file:, javascript:, a relative path) is not followed.
BROWSER_SCHEMES = ("http", "https", "mailto")
# Names listed in "Needs" / "Needed by" before "and N more" (all of them are in the tooltip).
NAMES_SHOWN = 12
MORE_LINKS = 6


def open_in_browser(url: QUrl | str) -> bool:
    """Open ``url`` in the person's browser when it is a web (or mail) address; never inside the app."""
    url = QUrl(url) if isinstance(url, str) else url
    if not url.isValid() or url.isRelative() or url.scheme().lower() not in BROWSER_SCHEMES:
        return False
    return QDesktopServices.openUrl(url)


def _some(names: list[str], limit: int = NAMES_SHOWN) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _dialect(description_format: str) -> QTextDocument.MarkdownFeature:
    features = QTextDocument.MarkdownFeature
    dialect = features.MarkdownDialectCommonMark if description_format == "commonmark" else features.MarkdownDialectGitHub
    return dialect | features.MarkdownNoHTML  # raw HTML blocks and spans stay text


class DescriptionView(QTextBrowser):
    """A project's description: Markdown without HTML, or plain text; no resource loaded, no link followed."""

    link_activated = Signal(QUrl)  # a link the person clicked (opened in the browser when it is a web address)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("packageDescription")
        self.setAccessibleName("Package description")
        self._document: QTextDocument | None = None  # the description shown (this view's child)
        self.setOpenLinks(False)  # never navigate: anchorClicked only
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._link_clicked)
        self.highlighted.connect(lambda url: self.setToolTip(plain_tooltip(url.toString())))
        # As tall as its text: the page around it scrolls, so there is one scroll bar, not two.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # A wide code block brings a sideways scroll bar: the view grows by its height.
        self.horizontalScrollBar().rangeChanged.connect(lambda _low, _high: self._fit_height())

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 - Qt override
        """Nothing a description names is fetched or read from disk: images, style sheets, files."""
        return None

    def show_description(self, text: str, description_format: str) -> None:
        """Show ``text``: Markdown (``"gfm"``, ``"commonmark"``) with HTML off and images as their words, else plain."""
        if len(text) > MAX_DESCRIPTION_CHARS:
            text = text[:MAX_DESCRIPTION_CHARS] + "\n\n… (the rest is on the project's page)\n"
        document = QTextDocument(self)  # the view's child: any resource it asked for would come to loadResource
        document.setDefaultFont(self.font())
        if description_format in ("gfm", "commonmark"):
            document.setMarkdown(text, _dialect(description_format))
            self._replace_images(document)
        else:
            document.setPlainText(text)
        old, self._document = self._document, document
        self.setDocument(document)
        document.documentLayout().documentSizeChanged.connect(lambda _size: self._fit_height())
        self._fit_height()
        if old is not None and shiboken6.isValid(old):
            old.deleteLater()

    def _fit_height(self) -> None:
        lines = self.fontMetrics().lineSpacing() * 3  # room for the placeholder when there is no text
        chrome = self.height() - self.viewport().height()  # frame, and a sideways scroll bar for wide code
        height = max(int(self.document().size().height()), lines) + max(chrome, 0)
        if height != self.minimumHeight() or height != self.maximumHeight():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()  # narrower: the text wraps onto more lines

    def clear_description(self, placeholder: str) -> None:
        self.show_description("", "plain")
        self.setPlaceholderText(placeholder)

    def _replace_images(self, document: QTextDocument) -> None:
        """Every image becomes its alternative text in brackets, before anything lays the text out.

        (Qt's Markdown reader drops the link around an image, so a badge's words are not a link.)
        """
        images: list[tuple[int, int, QTextCharFormat]] = []
        block = document.begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if fragment.isValid() and fragment.charFormat().isImageFormat():
                    images.append((fragment.position(), fragment.length(), fragment.charFormat()))
                iterator += 1
            block = block.next()
        link_colour = self.palette().color(QPalette.ColorRole.Link)
        cursor = QTextCursor(document)
        for position, length, image in reversed(images):
            alt = str(image.property(QTextFormat.Property.ImageAltText) or "").strip()
            words = f"[{alt or 'image'}]" * length
            replacement = QTextCharFormat()
            if image.isAnchor() and image.anchorHref():
                replacement.setAnchor(True)
                replacement.setAnchorHref(image.anchorHref())
                replacement.setForeground(link_colour)
                replacement.setFontUnderline(True)
            else:
                replacement.setFontItalic(True)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(words, replacement)

    def _link_clicked(self, url: QUrl) -> None:
        self.link_activated.emit(url)
        open_in_browser(url)


class PackagePage(QWidget):
    """Everything about one project (objectName ``packagePage``), in a pane that scrolls rather than grows."""

    install_requested = Signal(str, str)  # project name, version

    def __init__(self, current: CurrentEnvironment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("packagePage")
        self.setAccessibleName("Package page")
        self.current = current
        self.name = ""
        self.details: ProjectDetails | None = None
        self._lookup_note = ""
        self._files: tuple[tuple[str, str], InstalledFiles | None] | None = None  # (package, version) -> files

        self.title_label = QLabel()
        self.title_label.setObjectName("detailsTitle")
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        theme.set_role(self.title_label, "title")
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("detailsSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.lookup_label = QLabel()
        self.lookup_label.setObjectName("packageLookupNote")
        self.lookup_label.setTextFormat(Qt.TextFormat.PlainText)  # quotes the index address and its error
        self.lookup_label.setWordWrap(True)
        theme.set_role(self.lookup_label, "muted")
        self.facts_label = QLabel()
        self.facts_label.setObjectName("detailsFacts")
        self.facts_label.setTextFormat(Qt.TextFormat.RichText)  # bold and links; every outside piece escaped
        self.facts_label.setWordWrap(True)
        self.facts_label.setOpenExternalLinks(False)
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.facts_label.linkActivated.connect(open_in_browser)

        self.version_combo = QComboBox()
        self.version_combo.setObjectName("versionCombo")
        self.version_combo.setAccessibleName("Version to install")
        # A long "withdrawn by its authors: <reason>" must not widen the page (and the window).
        self.version_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.version_combo.setMinimumContentsLength(12)
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
        install_row.addWidget(QLabel("Version:"))
        install_row.addWidget(self.version_combo, 1)
        install_row.addWidget(self.install_button)

        self.installed_label = self._fact_label("packageInstalledVersion")
        self.needs_label = self._fact_label("packageNeeds")
        self.needed_by_label = self._fact_label("packageNeededBy")
        self.imports_label = self._fact_label("packageImportNames")
        self.location_edit = QLineEdit()  # a path: selectable, scrolls instead of widening the page
        self.location_edit.setObjectName("packageLocation")
        self.location_edit.setAccessibleName("Where the package is installed")
        self.location_edit.setReadOnly(True)
        self.location_edit.setFrame(False)
        self.location_edit.setMinimumWidth(80)
        self.size_label = self._fact_label("packageSize")
        self.facts_form = QFormLayout()
        self.facts_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.facts_form.addRow("Installed here:", self.installed_label)
        self.facts_form.addRow("Needs:", self.needs_label)
        self.facts_form.addRow("Needed by:", self.needed_by_label)
        self.facts_form.addRow("Imported as:", self.imports_label)
        self.facts_form.addRow("Installed in:", self.location_edit)
        self.facts_form.addRow("Size on disk:", self.size_label)

        description_title = QLabel("Description")
        description_title.setObjectName("packageDescriptionTitle")
        font = description_title.font()
        font.setBold(True)
        description_title.setFont(font)
        self.description = DescriptionView()

        content = QWidget()
        content.setObjectName("packagePageContent")
        layout = QVBoxLayout(content)
        layout.addWidget(self.title_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.lookup_label)
        layout.addWidget(self.facts_label)
        layout.addLayout(install_row)
        layout.addWidget(self.version_note)
        layout.addLayout(self.facts_form)
        layout.addWidget(description_title)
        layout.addWidget(self.description)
        layout.addStretch(1)
        # The page scrolls inside itself: however long a name, a path or a list of dependents,
        # its minimum size never reaches the window (which would otherwise widen itself for good).
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("packagePageScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        self.setMinimumWidth(280)

    @staticmethod
    def _fact_label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)  # names, versions and paths from outside
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # -- what is shown -----------------------------------------------------------------------

    def show_package(self, name: str, details: ProjectDetails | None = None, note: str = "") -> None:
        """Show ``name``: the index's ``details`` when known, this environment's copy when installed, and ``note``."""
        self.name = details.name if details is not None else name
        self.details = details
        self._lookup_note = note
        self._render()

    def installed_package(self) -> InstalledPackage | None:
        if not self.name or not self.current.usable:
            return None
        key = canonical_name(self.name)
        return next((package for package in self.current.packages if package.key == key), None)

    def installed_version(self) -> str:
        package = self.installed_package()
        return package.version if package is not None else ""

    def python_version(self) -> tuple[int, ...]:
        environment = self.current.environment
        return environment.python_version if environment is not None else ()

    def environment_changed(self) -> None:
        """Another environment, or its packages re-read: what is installed here, and what can be."""
        if self.name:
            self._render_facts()
            self._render_installed()
            self._fill_versions()

    def _render(self) -> None:
        details = self.details
        installed = self.installed_package()
        self.title_label.setText(self.name)
        summary = details.summary if details is not None and details.summary else (installed.summary if installed else "")
        self.summary_label.setText(summary or "(no summary)")
        self.lookup_label.setText(self._lookup_note)
        self.lookup_label.setVisible(bool(self._lookup_note))
        self._render_facts()
        self._render_installed()
        self._fill_versions()
        if details is None:
            self.description.clear_description("The description comes from the index." if not self._lookup_note else "")
        elif details.description.strip():
            self.description.setPlaceholderText("")
            self.description.show_description(details.description, details.description_format)
        else:
            self.description.clear_description(
                "This index gives no description of its packages." if details.source == "simple"
                else "The project gives no description."
            )

    def _render_facts(self) -> None:
        details = self.details
        if details is None:
            self.facts_label.setText("")
            self.facts_label.hide()
            return
        facts = []
        if details.latest:
            date = f", released {html.escape(details.release_date)}" if details.release_date else ""
            facts.append(f"Latest version: <b>{html.escape(details.latest)}</b>{date}")
        environment = self.current.environment
        if environment is not None and details.releases:
            default = details.default_release(environment.python_version)
            python = html.escape(environment.short_version)
            if default is not None and default.version != details.latest:
                date = f", released {html.escape(default.upload_time[:10])}" if default.upload_time else ""
                facts.append(f"Latest for Python {python}: <b>{html.escape(default.version)}</b>{date}")
        if details.license:
            facts.append(f"License: {html.escape(details.license)}")
        if details.requires_python:
            facts.append(f"Needs Python {html.escape(details.requires_python)}")
        links = []
        seen = set()
        for label, url in (("Home page", details.home_page), ("Documentation", details.documentation)):
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                links.append(f'<a href="{html.escape(url, quote=True)}">{label}</a>')
        for label, url in details.project_urls:
            if len(links) >= MORE_LINKS:
                break
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                links.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>')
        if links:
            facts.append(" · ".join(links))
        if details.source == "simple":
            facts.append("<i>This index has no details service: only the versions are shown.</i>")
        self.facts_label.setText("<br>".join(facts))
        self.facts_label.setVisible(bool(facts))

    def _render_installed(self) -> None:
        form = self.facts_form
        environment = self.current.environment
        installed = self.installed_package()
        details = self.details
        if environment is None:
            self.installed_label.setText("Select an environment to see whether it is installed there.")
        elif not self.current.usable:
            self.installed_label.setText(f"{environment.name} cannot be used (its Python does not start).")
        elif installed is None:
            self.installed_label.setText(f"Not installed in {environment.name}.")
        else:
            released = ""
            if details is not None:
                release = next((r for r in details.releases if r.version == installed.version), None)
                if release is not None and release.upload_time:
                    released = f", released {release.upload_time[:10]}"
            why = "" if installed.requested else " (as a dependency)"
            self.installed_label.setText(f"{installed.version} in {environment.name}{released}{why}.")

        if installed is not None:
            needs = unconditional_requirements(installed.requires)
        elif details is not None:
            needs = unconditional_requirements(details.requires_dist)
        else:
            needs = []
        self.needs_label.setText(_some(needs) if needs else "Nothing else.")
        self.needs_label.setToolTip(plain_tooltip("\n".join(needs)) if len(needs) > NAMES_SHOWN else "")
        form.setRowVisible(self.needs_label, installed is not None or details is not None)

        dependents = sorted(self.current.dependents.get(installed.key, []), key=str.lower) if installed else []
        self.needed_by_label.setText(_some(dependents) if dependents else f"Nothing else in {environment.name if environment else 'it'}.")
        self.needed_by_label.setToolTip(plain_tooltip("\n".join(dependents)) if len(dependents) > NAMES_SHOWN else "")
        for widget in (self.needed_by_label, self.imports_label, self.location_edit, self.size_label):
            form.setRowVisible(widget, installed is not None)
        if installed is None:
            return
        key = (installed.metadata_path, installed.version)
        if self._files is not None and self._files[0] == key:
            self._show_files(self._files[1])
            return
        self._files = (key, None)
        self._show_files(None)

        def done(files: InstalledFiles) -> None:
            if self._files is not None and self._files[0] == key:
                self._files = (key, files)
                self._show_files(files)

        def failed(exc: BaseException, _tb: str) -> None:
            if self._files is not None and self._files[0] == key:
                self.size_label.setText(f"Unknown ({exc}).")

        run_in_background(lambda: installed_files(installed), done, failed, context=self)

    def _show_files(self, files: InstalledFiles | None) -> None:
        installed = self.installed_package()
        if files is None:
            location = os.path.dirname(os.path.dirname(installed.metadata_path)) if installed is not None else ""
            self.location_edit.setText(location)
            self.imports_label.setText("…")
            self.size_label.setText("Adding up its files…")
            return
        self.location_edit.setText(files.location)
        self.location_edit.setCursorPosition(0)
        self.imports_label.setText(", ".join(f"import {name}" for name in files.import_names) or "Nothing to import.")
        if not files.recorded:
            self.size_label.setText("Unknown: it was installed without a list of its files.")
        else:
            missing = f"; {files.missing} listed file(s) are missing" if files.missing else ""
            count = "1 file" if files.files == 1 else f"{files.files:,} files"
            self.size_label.setText(f"{format_size(files.size)} in {count}{missing}.")

    # -- versions and installing -------------------------------------------------------------

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
        self.version_note.setVisible(bool(self.version_note.text()))
        self._set_state()

    def chosen_release(self) -> Release | None:
        release: Release | None = self.version_combo.currentData()
        return release

    def _set_state(self) -> None:
        release = self.chosen_release()
        environment = self.current.environment if self.current.usable else None
        installed = self.installed_version()
        self.version_combo.setEnabled(self.version_combo.count() > 0)
        self.install_button.setText(install_verb(installed, release.version) if release is not None else "Install")
        self.install_button.setEnabled(release is not None and environment is not None)
        if environment is None:
            self.install_button.setToolTip("Select a working environment first.")
        elif installed:
            self.install_button.setToolTip(plain_tooltip(f"{installed} is installed in {environment.name}."))
        else:
            self.install_button.setToolTip(plain_tooltip(f"Install into {environment.name}."))

    def install_chosen(self) -> None:
        release = self.chosen_release()
        if release is not None and self.details is not None:
            self.install_requested.emit(self.details.name, release.version)
