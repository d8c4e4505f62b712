"""Icons: drawn in code, hand-drawn SVG shipped in ``resources``, or the platform theme's.

Every asset's origin is clear: the app icon (``resources/venvdesk.svg``) and the action icons
(``resources/icons/<name>.svg``) were written by hand for Venvdesk; ``tools/make_icons.py``
renders the app icon to the PNG, ICO and ICNS files installers need.

Action icons are drawn in one placeholder colour (``#000000``) and recoloured when loaded, to
the palette's window-text colour (and its disabled and highlighted-text colours for the
Disabled and Selected modes), so they read in light and dark mode alike.  Qt's SVG renderer
ignores CSS ``currentColor``, hence the placeholder.
"""

from __future__ import annotations

import importlib
import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QColor, QGuiApplication, QIcon, QPalette

# The drawing classes (QImage, QPainter, QPixmap, …) are imported where something is drawn: their
# enums cost ~5 ms to create, and the first paint draws no icon by hand.  So is the ``Qt``
# namespace: the first use of ``PySide6.QtCore.Qt`` creates all its enums (~30 ms), and the
# window's first paint does without it.  ``hashlib`` and ``importlib.resources`` (~4 ms each) too:
# icons are files read by path, named by zlib checksums.

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from PySide6.QtGui import QImage, QPixmap
    from PySide6.QtWidgets import QAbstractButton

#: The action icons in ``resources/icons``, by the name ``action_icon`` takes.
ACTION_ICONS: tuple[str, ...] = (
    "new-environment",
    "add-existing",
    "open-folder",
    "copy",
    "terminal",
    "remove",
    "trash",
    "refresh",
    "settings",
    "install",
    "upgrade",
    "uninstall",
    "cancel",
    "save-requirements",
    "load-requirements",
    "repair",
    "search",
    "undo",
    "history",
)

#: The sizes of the app icon, as shipped in ``resources/icons/app/venvdesk-<size>.png``.
APP_ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)

#: The one colour action icons are drawn in; replaced by the palette's colours when loaded.
PLACEHOLDER = "#000000"
_PLACEHOLDER = re.compile(r"#000000\b|#000\b", re.IGNORECASE)

# Action icons get a pixmap for each of these sizes (in device-independent pixels), at 1x and 2x.
_ACTION_SIZES = (16, 18, 20, 22, 24, 32, 48, 64)
_SCALES = (1.0, 2.0)
_ICON_PROPERTY = "venvdeskActionIcon"

_action_cache: dict[tuple[str, tuple[int, int, int]], QIcon] = {}


#: The health icons: a white tick on green (ready), a white exclamation mark on red (broken).
_HEALTH_SVG = {
    True: (
        '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">'
        '<circle cx="24" cy="24" r="21.12" fill="#2e9d4f"/>'
        '<polyline points="13.44,24.96 21.12,32.64 34.56,16.8" fill="none" stroke="#ffffff"'
        ' stroke-width="5.76" stroke-linecap="round" stroke-linejoin="round"/></svg>'
    ),
    False: (
        '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">'
        '<circle cx="24" cy="24" r="21.12" fill="#d13438"/>'
        '<line x1="24" y1="12" x2="24" y2="27.84" stroke="#ffffff" stroke-width="5.76" stroke-linecap="round"/>'
        '<circle cx="24" cy="36" r="2.88" fill="#ffffff"/></svg>'
    ),
}


@cache
def health_icon(ok: bool) -> QIcon:
    """A green tick for a ready environment, a red exclamation mark for a broken one.

    Drawn by Qt's SVG icon engine where it is there, like the action icons: drawing it here takes
    pens and brushes, whose use creates every enum of the ``Qt`` namespace (~30 ms), and the
    list's rows are painted in the window's first paint, before anything else needs them.
    """
    if _svg_icon_engine_available():
        path = _svg_file("health-ok" if ok else "health-broken", _HEALTH_SVG[ok].encode("ascii"))
        if path is not None:
            icon = QIcon()
            icon.addFile(path)
            return icon
    return _drawn_health_icon(ok)


def _drawn_health_icon(ok: bool) -> QIcon:
    """The health icon drawn by hand at fixed sizes (where Qt's SVG icon engine is missing)."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QPainter, QPainterPath, QPen, QPixmap

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


# -- rendering SVG --------------------------------------------------------------------------


def render_svg(data: bytes, pixels: int) -> QImage:
    """``data`` (an SVG document) drawn into a transparent ``pixels``-square image."""
    from PySide6.QtCore import QByteArray, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter

    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    from PySide6.QtSvg import QSvgRenderer  # only when drawing by hand: not at start-up

    renderer = QSvgRenderer(QByteArray(data))
    if renderer.isValid():
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, pixels, pixels))
        painter.end()
    return image


def recolor(svg: bytes, color: QColor) -> bytes:
    """``svg`` with the placeholder colour replaced by ``color`` (its alpha is not kept)."""
    return _PLACEHOLDER.sub(color.name(QColor.NameFormat.HexRgb), svg.decode("utf-8")).encode("utf-8")


def _svg_pixmap(svg: bytes, size: int, scale: float, opacity: float = 1.0) -> QPixmap:
    from PySide6.QtCore import QByteArray, QRectF, Qt
    from PySide6.QtGui import QPainter, QPixmap

    pixels = round(size * scale)
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(opacity)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(scale)
    return pixmap


@cache
def _package_files(package: str) -> Traversable:
    module = importlib.import_module(package)
    folder = os.path.dirname(getattr(module, "__file__", None) or "")
    if folder and os.path.isdir(folder):  # files on disk (a checkout, an installed or bundled app)
        return Path(folder)
    from importlib import resources  # inside a zip, say

    return resources.files(package)  # ~0.3 ms a call: once per package


@cache
def _resource(package: str, *path: str) -> bytes:
    item = _package_files(package)
    for part in path:  # one part at a time: a zip's Traversable takes one on Python 3.9
        item = item.joinpath(part)
    return item.read_bytes() if item.is_file() else b""


# -- action icons ---------------------------------------------------------------------------


def _palette_colors(palette: QPalette | None = None) -> tuple[int, int, int]:
    """The colours an action icon is drawn in: (normal, disabled, selected), as ARGB numbers."""
    palette = palette or QGuiApplication.palette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    return (
        palette.color(group.Active, role.WindowText).rgba(),
        palette.color(group.Disabled, role.WindowText).rgba(),
        palette.color(group.Active, role.HighlightedText).rgba(),
    )


def action_icon(name: str) -> QIcon:
    """The action icon ``name`` (one of ``ACTION_ICONS``) in the current palette's colours.

    It has pixmaps for the Normal, Disabled and Selected modes (Active falls back to Normal),
    at 16–64 px, each at 1x and 2x.  Icons are cached per palette; call ``palette_changed()``
    when the palette changes.
    """
    if name not in ACTION_ICONS:
        raise ValueError(f"no action icon called {name!r}; there are: {', '.join(ACTION_ICONS)}")
    colors = _palette_colors()
    icon = _action_cache.get((name, colors))
    if icon is None:
        icon = _build_action_icon(_resource("resources.icons", f"{name}.svg"), colors, name)
        _action_cache[(name, colors)] = icon
    return QIcon(icon)  # a shallow copy: changing it cannot change the cached one


def _build_action_icon(svg: bytes, colors: tuple[int, int, int], name: str = "icon") -> QIcon:
    """An icon drawn on demand, at whatever size and scale a widget asks, by Qt's SVG icon engine.

    The engine reads files, so the recoloured copies are kept under the cache folder (derived
    data, rewritten when missing).  Drawing every size up front cost ~60 ms at start-up.  Where
    the engine is missing (a stripped bundle), fixed-size pixmaps are drawn instead.
    """
    icon = QIcon()
    if not svg:
        return icon
    modes = (QIcon.Mode.Normal, QIcon.Mode.Disabled, QIcon.Mode.Selected)
    if _svg_icon_engine_available():
        for mode, rgba in zip(modes, colors):
            path = _svg_file(name, _recolor_with_alpha(svg, QColor.fromRgba(rgba)))
            if path is None:
                break  # no writable cache: fall back to drawn pixmaps below
            icon.addFile(path, QSize(), mode, QIcon.State.Off)
        else:
            return icon
        icon = QIcon()
    for mode, rgba in zip(modes, colors):
        color = QColor.fromRgba(rgba)
        colored = recolor(svg, color)
        for size in _ACTION_SIZES:
            for scale in _SCALES:
                icon.addPixmap(_svg_pixmap(colored, size, scale, color.alphaF()), mode, QIcon.State.Off)
    return icon


def _svg_file(name: str, data: bytes) -> str | None:
    """The path of a file under the cache folder holding ``data`` (an SVG); None if none can be written.

    Named by content, so an existing file is always right and a second start writes nothing: by
    two checksums of it (64 bits; zlib's, as ``hashlib`` takes ~4 ms to import before the first paint).
    """
    import zlib

    from core import storage

    folder = storage.cache_dir() / "icons"
    path = folder / f"{name}-{zlib.crc32(data):08x}{zlib.adler32(data):08x}.svg"
    try:
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)  # derived data: atomic, but no need to fsync
    except OSError:
        return None
    return str(path)


def _recolor_with_alpha(svg: bytes, color: QColor) -> bytes:
    """``recolor`` plus the colour's transparency as an SVG opacity (disabled text often has one)."""
    data = recolor(svg, color)
    if color.alpha() < 255:
        data = data.replace(b"<svg ", f'<svg opacity="{color.alphaF():.3f}" '.encode("ascii"), 1)
    return data


@cache
def _svg_icon_engine_available() -> bool:
    from PySide6.QtCore import QLibraryInfo

    plugins = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
    import glob

    return bool(glob.glob(os.path.join(plugins, "iconengines", "*qsvgicon*")))


def set_action_icon(target: QAction | QAbstractButton, name: str) -> None:
    """Give ``target`` (a QAction or a button) the action icon ``name``, and remember the name.

    ``palette_changed()`` gives every such widget, and every such action added to a widget
    (``QWidget.addAction``, a menu) or parented to one, its icon again in the new colours.
    """
    target.setProperty(_ICON_PROPERTY, name)
    target.setIcon(action_icon(name))


def palette_changed() -> None:
    """Forget the icons drawn for the old palette, and recolour those set by ``set_action_icon``.

    Call it once per change (for example from the main window's ``changeEvent`` on
    ``QEvent.Type.PaletteChange``), not from every widget.
    """
    _action_cache.clear()
    # Only here: the rest needs no widgets.
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    targets: dict[int, QWidget | QAction] = {}
    for widget in app.allWidgets():
        targets[id(widget)] = widget
        children = widget.findChildren(QAction, options=Qt.FindChildOption.FindDirectChildrenOnly)
        for action in (*widget.actions(), *children):
            targets[id(action)] = action
    for target in targets.values():
        name = target.property(_ICON_PROPERTY)
        # Only set_action_icon sets the property, and only on actions and buttons.
        if (
            isinstance(name, str)
            and name in ACTION_ICONS
            and isinstance(target, (QAction, QAbstractButton))
        ):
            target.setIcon(action_icon(name))


# -- the app icon ---------------------------------------------------------------------------


@cache
def app_icon() -> QIcon:
    """Venvdesk's icon, at every size in ``APP_ICON_SIZES`` (16–512 px).

    Where the PNGs are files (an installed or bundled app) they are added by path, which
    Qt reads only when a size is drawn; otherwise each is decoded or drawn from the SVG.
    """
    icon = QIcon()
    svg = _resource("resources", "venvdesk.svg")
    folder = _package_files("resources.icons").joinpath("app")
    for size in APP_ICON_SIZES:
        png = folder.joinpath(f"venvdesk-{size}.png")
        if isinstance(png, os.PathLike) and os.path.isfile(png):
            icon.addFile(os.fspath(png), QSize(size, size))
            continue
        from PySide6.QtGui import QPixmap

        pixmap = QPixmap()
        data = _resource("resources.icons", "app", f"venvdesk-{size}.png")
        if not (data and pixmap.loadFromData(data, "PNG")) and svg:
            pixmap = QPixmap.fromImage(render_svg(svg, size))
        if not pixmap.isNull():
            icon.addPixmap(pixmap)
    return icon


def theme_icon(name: QIcon.ThemeIcon, fallback: QIcon | None = None) -> QIcon:
    icon = QIcon.fromTheme(name)
    if icon.isNull() and fallback is not None:
        return fallback
    return icon
