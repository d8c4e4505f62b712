"""Qt table model over an environment's installed distributions (a list of core objects)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from core.packages import InstalledPackage


class PackageTableModel(QAbstractTableModel):
    NAME, VERSION, SUMMARY = range(3)
    HEADERS = ("Package", "Version", "Description")
    PackageRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, packages: list[InstalledPackage] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._packages: list[InstalledPackage] = list(packages or [])

    def set_packages(self, packages: list[InstalledPackage]) -> None:
        self.beginResetModel()
        self._packages = list(packages)
        self.endResetModel()

    def packages(self) -> list[InstalledPackage]:
        return list(self._packages)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._packages)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._packages):
            return None
        package = self._packages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (package.name, package.version, package.summary)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{package.name} {package.version}\n{package.summary}".strip()
        if role == self.PackageRole:
            return package
        return None
