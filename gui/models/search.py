"""Qt list model over search results (core.search.SearchResult values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt

from gui.models.base import AnyIndex, plain_tooltip

if TYPE_CHECKING:
    from core.search import SearchResult


class SearchResultModel(QAbstractListModel):
    ResultRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._results: list[SearchResult] = []

    def set_results(self, results: list[SearchResult]) -> None:
        self.beginResetModel()
        self._results = list(results)
        self.endResetModel()

    def results(self) -> list[SearchResult]:
        return list(self._results)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        result = self._results[index.row()]
        reason = getattr(result, "reason", "")
        if role == Qt.ItemDataRole.DisplayRole:
            # Why it is here when the name alone would not say ("provides import cv2"): before the
            # summary, where a narrow list does not cut it off.
            parts = [result.name, reason, result.summary]
            return " — ".join(part for part in parts if part)
        if role == Qt.ItemDataRole.ToolTipRole:
            popularity = f"#{result.rank:,} by downloads" if result.rank else "not among the 15,000 most downloaded"
            text = "\n".join(part for part in (result.name, reason, result.summary, popularity) if part)
            return plain_tooltip(text)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return result.name
        if role == self.ResultRole:
            return result
        return None
