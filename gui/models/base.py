"""The part every table model here shares: rows from a plain list, fixed column headers.

And :func:`plain_tooltip`, which every tooltip holding text from outside goes through.
"""

from __future__ import annotations

from typing import Any, Union

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

# What Qt hands a model's methods: a plain or a persistent index (Union: Python 3.9 runs this).
AnyIndex = Union[QModelIndex, QPersistentModelIndex]


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that shows exactly these characters ("" stays "": no tooltip).

    Qt shows a tooltip as rich text whenever ``Qt::mightBeRichText`` thinks it looks like
    HTML, so text from outside (a package's name or summary, a path, an error) could draw
    itself large and red, or as a picture.  Escaped and wrapped in a paragraph that keeps its
    spaces and line breaks, it is shown verbatim: tooltips only take strings, so this is the
    one way to make one plain.  Every tooltip that can hold outside text goes through here.

    Only ``&`` and ``<`` are escaped: they are all that can start markup (or an entity) in an
    element's text; a ``>`` on its own is text, and ``>=3.9`` stays readable in ``toolTip()``.
    """
    if not text:
        return ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<p style="white-space:pre-wrap">{escaped}</p>'


class ListTableModel(QAbstractTableModel):
    """A read-only table over ``self._rows`` with one column per entry of ``HEADERS``."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def row_at(self, index: AnyIndex) -> Any:
        """The row object behind ``index``, or None for an invalid or stale index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None
