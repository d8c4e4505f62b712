"""Icons: drawn in code or taken from the platform theme, so every asset's origin is clear."""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap


@cache
def health_icon(ok: bool) -> QIcon:
    """A green tick for a ready environment, a red exclamation mark for a broken one."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#2e9d4f") if ok else QColor("#d13438"))
        margin = size * 0.06
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
        pen = QPen(QColor("white"), max(1.5, size * 0.12))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        if ok:
            path = QPainterPath(QPointF(size * 0.28, size * 0.52))
            path.lineTo(size * 0.44, size * 0.68)
            path.lineTo(size * 0.72, size * 0.35)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        else:
            painter.drawLine(QPointF(size / 2, size * 0.25), QPointF(size / 2, size * 0.58))
            painter.drawPoint(QPointF(size / 2, size * 0.75))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


@cache
def app_icon() -> QIcon:
    data = resources.files("resources").joinpath("venvdesk.svg")
    icon = QIcon()
    if data.is_file():
        pixmap = QPixmap()
        pixmap.loadFromData(data.read_bytes(), "SVG")
        if not pixmap.isNull():
            icon.addPixmap(pixmap)
    return icon


def theme_icon(name: QIcon.ThemeIcon, fallback: QIcon | None = None) -> QIcon:
    icon = QIcon.fromTheme(name)
    if icon.isNull() and fallback is not None:
        return fallback
    return icon
