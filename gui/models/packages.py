"""Qt models over an environment's installed distributions (a list of core objects)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Union

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QApplication

from core.packages import InstalledPackage, required_by
from gui import theme
from gui.models.base import AnyIndex, ListTableModel, plain_tooltip

if TYPE_CHECKING:
    from packaging.version import Version

    # (0, version, "") for a PEP 440 version, (1, None, text) for any other text, (2, None, "") for none.
    VersionSortKey = tuple[int, Union[Version, None], str]


def is_newer(latest: str, installed: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(latest) > Version(installed)
    except InvalidVersion:
        return False


@functools.lru_cache(maxsize=4096)
def version_sort_key(text: str) -> VersionSortKey:
    """Where a version goes in a sorted column: by meaning (9.1 < 10.0, 1.9 < 1.10).

    Text that is not a PEP 440 version (an old package's "2004b", a local build's
    "dev-snapshot") comes after every real version, in alphabetical order; no version
    at all (a Latest not known yet) comes last.
    """
    from packaging.version import InvalidVersion, Version

    text = text.strip()
    if not text:
        return (2, None, "")
    try:
        return (0, Version(text), "")
    except InvalidVersion:
        return (1, None, text.lower())


class PackageTableModel(ListTableModel):
    NAME, VERSION, LATEST, SUMMARY = range(4)
    HEADERS = ("Package", "Installed", "Latest", "Description")
    PackageRole = Qt.ItemDataRole.UserRole + 1
    OutdatedRole = Qt.ItemDataRole.UserRole + 2
    DependencyOnlyRole = Qt.ItemDataRole.UserRole + 3

    def __init__(self, packages: list[InstalledPackage] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[InstalledPackage] = []
        self._required_by: dict[str, list[str]] = {}
        self._latest: dict[str, str] = {}
        self._not_on_index: tuple[frozenset[str], str] = (frozenset(), "")
        self._outdated: set[str] = set()
        self._sort_column, self._sort_order = self.NAME, Qt.SortOrder.AscendingOrder
        self.set_packages(packages or [])

    # -- core-facing API ---------------------------------------------------------------------

    def set_packages(
        self, packages: list[InstalledPackage], dependents: dict[str, list[str]] | None = None
    ) -> None:
        """Show ``packages``; ``dependents`` (``core.packages.required_by``) when already worked out off the UI thread."""
        self.beginResetModel()
        self._rows = list(packages)
        self._required_by = required_by(self._rows) if dependents is None else dependents
        self._outdated = self._compute_outdated()
        self._rows.sort(key=self._sort_key(self._sort_column), reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    # -- sorting: done here, in one Python sort with a key per row --------------------------
    # (The proxy's own sort asks data() twice per comparison: seconds for a few thousand packages.)

    def _sort_key(self, column: int) -> Callable[[InstalledPackage], Any]:
        if column == self.VERSION:
            return lambda p: (version_sort_key(p.version), p.key)  # 9.1 before 10.0
        if column == self.LATEST:
            return lambda p: (version_sort_key(self.latest_version(p)), p.key)
        if column == self.SUMMARY:
            return lambda p: (p.summary.lower(), p.key)
        return lambda p: p.key

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the rows; selections and other persistent indexes follow their package."""
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        before = list(self._rows)
        self._rows.sort(key=self._sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
        new_rows = {id(package): row for row, package in enumerate(self._rows)}
        moved_from = self.persistentIndexList()
        moved_to = [self.index(new_rows[id(before[index.row()])], index.column()) for index in moved_from]
        self.changePersistentIndexList(moved_from, moved_to)
        self.layoutChanged.emit()

    def _compute_outdated(self) -> set[str]:
        return {p.key for p in self._rows if self._latest.get(p.key) and is_newer(self._latest[p.key], p.version)}

    def packages(self) -> list[InstalledPackage]:
        return list(self._rows)

    def set_latest_versions(self, latest: dict[str, str], not_on_index: Iterable[str] = (), index_shown: str = "") -> None:
        """Latest versions by normalised name (filled in the background; blank until known), and the
        packages ``index_shown`` has no page for (their tooltips say so)."""
        missing = (frozenset(not_on_index), index_shown)
        if latest == self._latest and missing == self._not_on_index:
            return  # nothing to repaint (an index that does not answer gives {} again and again)
        self._latest = dict(latest)
        self._not_on_index = missing
        self._outdated = self._compute_outdated()
        if self._sort_column == self.LATEST and self._rows:
            self.sort(self._sort_column, self._sort_order)
        if self._rows:
            # Name (dependency colouring aside) does not change; only the Latest column and tooltips do.
            self.dataChanged.emit(self.index(0, self.LATEST), self.index(len(self._rows) - 1, self.LATEST))

    def latest_version(self, package: InstalledPackage) -> str:
        return self._latest.get(package.key, "")

    def is_outdated(self, package: InstalledPackage) -> bool:
        return package.key in self._outdated

    def outdated_packages(self) -> list[InstalledPackage]:
        return [p for p in self._rows if self.is_outdated(p)]

    def dependents_of(self, package: InstalledPackage) -> list[str]:
        return sorted(self._required_by.get(package.key, []), key=str.lower)

    # -- Qt model API ------------------------------------------------------------------------

    def row_at(self, index: AnyIndex) -> InstalledPackage | None:
        package: InstalledPackage | None = super().row_at(index)
        return package

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Asked ~7 times per cell each time the table paints (most roles are none of ours): the
        # roles are compared as plain ints and the row looked up once, with no other call first.
        if role not in _ROLES_SERVED:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        package = self._rows[row]
        column = index.column()
        if role == _DISPLAY:
            if column == self.LATEST:
                latest = self._latest.get(package.key, "")
                return f"{latest} ↑" if latest and package.key in self._outdated else latest
            return (package.name, package.version, None, package.summary)[column]
        if role == _FOREGROUND:
            if column == self.LATEST and package.key in self._outdated:
                return QBrush(theme.color("outdated"))
            if self._dependency_only(package):
                return QApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            return None
        if role == _FONT:
            if column == self.LATEST and package.key in self._outdated:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == _TOOLTIP:
            lines = [f"{package.name} {package.version}", package.summary]
            dependents = self.dependents_of(package)
            if dependents:
                lines.append(f"Required by: {', '.join(dependents)}")
            elif not package.requested:
                lines.append("Nothing installed needs it.")
            if self.is_outdated(package):
                lines.append(f"A newer version is available: {self.latest_version(package)}")
            elif package.key in self._not_on_index[0]:
                lines.append(f"Not on {self._not_on_index[1]}: no newest version to compare with.")
            return plain_tooltip("\n".join(line for line in lines if line))
        if role == self.PackageRole:
            return package
        if role == self.OutdatedRole:
            return self.is_outdated(package)
        if role == self.DependencyOnlyRole:
            return self._dependency_only(package)
        return None

    def _dependency_only(self, package: InstalledPackage) -> bool:
        """Installed only because another package needs it (shown greyed)."""
        return not package.requested and bool(self._required_by.get(package.key))


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES_SERVED = frozenset(
    {
        _DISPLAY,
        _FOREGROUND,
        _FONT,
        _TOOLTIP,
        int(PackageTableModel.PackageRole),
        int(PackageTableModel.OutdatedRole),
        int(PackageTableModel.DependencyOnlyRole),
    }
)


class PackageFilterModel(QSortFilterProxyModel):
    """The filter box (name or description) and the "only outdated" toggle; the source model sorts."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._outdated_only = False
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def _change_filter(self, name: str, value: object) -> None:
        # Qt 6.10 replaced invalidateRowsFilter() with begin/endFilterChange(); 6.8 and 6.9 have only the former.
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            setattr(self, name, value)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            setattr(self, name, value)
            self.invalidateRowsFilter()

    def set_text(self, text: str) -> None:
        self._change_filter("_text", text.strip().lower())

    def set_outdated_only(self, outdated_only: bool) -> None:
        self._change_filter("_outdated_only", outdated_only)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802 - Qt
        if not self._text and not self._outdated_only:
            return True  # nothing to filter: no Python work per row
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        package = model.data(index, PackageTableModel.PackageRole)
        if package is None:
            return False
        if self._outdated_only and not model.data(index, PackageTableModel.OutdatedRole):
            return False
        if self._text:
            return self._text in package.name.lower() or self._text in package.summary.lower()
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the package model's (one key per row); the proxy keeps its order."""
        source = self.sourceModel()
        if isinstance(source, PackageTableModel) and column >= 0:
            source.sort(column, order)
        else:
            super().sort(column, order)
