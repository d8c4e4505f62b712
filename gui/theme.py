"""Light and dark appearance: semantic colours applied to widgets for the current palette.

Widgets never hard-code colours; they are given a role (``error``, ``warning``,
``title``, …) or a message level, and this module colours them for the palette
in use, and again when it changes.  The app follows the system's colour
scheme (Qt switches the palette); ``VENVDESK_COLOR_SCHEME=dark|light`` forces
one, which is also how the dark screenshots are made offscreen.
"""

from __future__ import annotations

import os
import weakref

import shiboken6
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# Semantic colours, each readable on its scheme's window and base colours (WCAG AA for text).
COLORS = {
    False: {  # light
        "error": "#a4262c",
        "warning": "#8a4b00",
        "success": "#1c6b34",
        "info": "#0b4a8b",
        "command": "#0b5cad",
        "outdated": "#b45f06",
        "error-bg": "#fde7e9",
        "warning-bg": "#fff4ce",
        "success-bg": "#e7f5ea",
        "info-bg": "#e8f1fb",
    },
    True: {  # dark
        "error": "#ff99a4",
        "warning": "#ffd27a",
        "success": "#8fe0a6",
        "info": "#9cc9ff",
        "command": "#8cc4ff",
        "outdated": "#ffb15e",
        "error-bg": "#442726",
        "warning-bg": "#433519",
        "success-bg": "#1f3a27",
        "info-bg": "#1d3047",
    },
}


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def color(name: str) -> QColor:
    return QColor(COLORS[is_dark()][name])


def dark_palette() -> QPalette:
    """A dark palette for Qt's Fusion style (used where the platform does not provide one)."""
    palette = QPalette()
    entries = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.AlternateBase: "#282828",
        QPalette.ColorRole.ToolTipBase: "#3a3a3a",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#2f65ca",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8cc4ff",
        QPalette.ColorRole.LinkVisited: "#c49cff",
        QPalette.ColorRole.Light: "#4a4a4a",
        QPalette.ColorRole.Midlight: "#3e3e3e",
        QPalette.ColorRole.Mid: "#303030",
        QPalette.ColorRole.Dark: "#1a1a1a",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, value in entries.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


# Widgets given a role, re-coloured when the palette changes.  Colours are set through each
# widget's own palette and font, not an application style sheet: a global style sheet routes
# every widget through Qt's style-sheet style, which made building the window ~15 ms slower.
_styled: weakref.WeakSet[QWidget] = weakref.WeakSet()


def _apply(widget: QWidget) -> None:
    dark = is_dark()
    colors = COLORS[dark]
    role = widget.property("role") or ""
    level = widget.property("level") or ""
    palette = QGuiApplication.palette()  # a copy (copying it with QPalette(…) created the Qt namespace's enums: ~30 ms)
    if role == "title":
        font = widget.font()
        font.setWeight(QFont.Weight.DemiBold)
        font.setPointSizeF(13)
        widget.setFont(font)
    elif role in ("error", "warning"):
        palette.setColor(QPalette.ColorRole.WindowText, QColor(colors[role]))
    elif role == "muted":
        palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText))
    if level:
        palette.setColor(QPalette.ColorRole.Window, QColor(colors[f"{level}-bg"]))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(colors[level]))
        widget.setAutoFillBackground(True)
    widget.setPalette(palette)


def set_role(widget: QWidget, role: str) -> None:
    """Give ``widget`` a semantic role (``title``, ``error``, ``warning``, ``muted``)."""
    widget.setProperty("role", role)
    _styled.add(widget)
    _apply(widget)


def set_level(widget: QWidget, level: str) -> None:
    """Colour a message frame (and the labels in it) for ``info``, ``success``, ``warning`` or ``error``."""
    widget.setProperty("level", level)
    _styled.add(widget)
    _apply(widget)


def refresh() -> None:
    """Re-colour every widget with a role for the palette now in use."""
    for widget in list(_styled):
        if shiboken6.isValid(widget):
            _apply(widget)
        else:  # its window was closed and deleted
            _styled.discard(widget)


def requested_scheme() -> str:
    return os.environ.get("VENVDESK_COLOR_SCHEME", "auto").strip().lower()


def install(app: QApplication, scheme: str | None = None) -> None:
    """Colour the app for its palette; with a forced scheme, set that scheme's palette first.

    In "auto" mode the platform decides: Qt (6.5+) gives Fusion, the Windows 11 style and
    macOS a dark palette when the system is dark, and every widget here re-colours itself
    when the palette changes.  Asking Qt for the colour scheme up front cost ~10 ms of
    start-up, so it is not asked.
    """
    scheme = scheme or requested_scheme()
    if scheme in ("dark", "light"):
        app.setStyle("Fusion")  # the one built-in style that honours any palette
        app.setPalette(dark_palette() if scheme == "dark" else app.style().standardPalette())
    app.setProperty("venvdeskThemeInstalled", True)
    refresh()


def ensure_installed() -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication) and not app.property("venvdeskThemeInstalled"):
        install(app)
