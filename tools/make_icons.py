"""Render the app icon (``resources/venvdesk.svg``) to the files installers need.

    QT_QPA_PLATFORM=offscreen python tools/make_icons.py            write the files below
    QT_QPA_PLATFORM=offscreen python tools/make_icons.py --check    exit 1 if any is out of date
    QT_QPA_PLATFORM=offscreen python tools/make_icons.py --sheet /tmp/icons-sheet.png
                                                                   every icon, light and dark

Writes ``resources/icons/app/venvdesk-<size>.png`` (16–512 px, also what ``gui.icons.app_icon``
loads), ``resources/venvdesk.ico`` (Windows: 16–256 px) and ``resources/venvdesk.icns`` (macOS:
16–1024 px).  Qt draws every size from the SVG and encodes the PNGs; the ICO and ICNS containers
are assembled here, because Qt's own ICO writer stores one image per file and its ICNS writer
scales a single image down rather than drawing each size.  The output is deterministic: the same
SVG and Qt give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QImageWriter, QPainter, QPalette  # noqa: E402

from gui import icons  # noqa: E402

RESOURCES = REPO / "resources"
APP_SVG = RESOURCES / "venvdesk.svg"
PNG_DIR = RESOURCES / "icons" / "app"
ICO = RESOURCES / "venvdesk.ico"
ICNS = RESOURCES / "venvdesk.icns"

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_BMP_MAX = 48  # smaller entries as classic bitmaps (read everywhere), larger ones as PNG
# ICNS entry types and their pixel sizes (PNG-encoded entries, macOS 10.7 and later).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"ic11", 32),  # 16 px at 2x
    (b"icp5", 32),
    (b"ic12", 64),  # 32 px at 2x
    (b"ic07", 128),
    (b"ic13", 256),  # 128 px at 2x
    (b"ic08", 256),
    (b"ic14", 512),  # 256 px at 2x
    (b"ic09", 512),
    (b"ic10", 1024),  # 512 px at 2x
)


def app_image(pixels: int) -> QImage:
    image = icons.render_svg(APP_SVG.read_bytes(), pixels)
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, b"png")
    if not writer.write(image):
        raise RuntimeError(f"Qt could not encode a PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data)


def bmp_entry(image: QImage) -> bytes:
    """An ICO bitmap entry: BITMAPINFOHEADER, 32-bit BGRA rows bottom-up, then the AND mask."""
    width, height = image.width(), image.height()
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    mask_rows = []
    mask_stride = ((width + 31) // 32) * 4
    for y in reversed(range(height)):
        row = bytearray()
        mask = bytearray(mask_stride)
        for x in range(width):
            argb = image.pixel(x, y)
            alpha = argb >> 24
            row += struct.pack("<I", argb)  # little-endian ARGB32 is B, G, R, A in memory
            if alpha == 0:
                mask[x // 8] |= 0x80 >> (x % 8)
        rows.append(bytes(row))
        mask_rows.append(bytes(mask))
    return header + b"".join(rows) + b"".join(mask_rows)


def ico_bytes() -> bytes:
    entries = []
    for size in ICO_SIZES:
        image = app_image(size)
        entries.append((size, bmp_entry(image) if size <= ICO_BMP_MAX else png_bytes(image)))
    directory = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    body = b""
    for size, data in entries:
        side = 0 if size >= 256 else size  # 0 means 256
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset + len(body))
        body += data
    return directory + body


def icns_bytes() -> bytes:
    rendered: dict[int, bytes] = {}
    body = b""
    for kind, pixels in ICNS_TYPES:
        if pixels not in rendered:
            rendered[pixels] = png_bytes(app_image(pixels))
        body += kind + struct.pack(">I", 8 + len(rendered[pixels])) + rendered[pixels]
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs() -> dict[Path, bytes]:
    files = {PNG_DIR / f"venvdesk-{size}.png": png_bytes(app_image(size)) for size in icons.APP_ICON_SIZES}
    files[ICO] = ico_bytes()
    files[ICNS] = icns_bytes()
    return files


# -- contact sheet --------------------------------------------------------------------------


def _palettes() -> list[tuple[str, QPalette]]:
    from PySide6.QtWidgets import QStyleFactory

    light = QStyleFactory.create("Fusion").standardPalette()
    try:
        from gui.theme import dark_palette
    except ImportError:  # the sheet does not depend on it
        dark = QPalette(QColor("#e6e6e6"), QColor("#2b2b2b"))
    else:
        dark = dark_palette()
    return [("light", light), ("dark", dark)]


def contact_sheet(path: Path) -> None:
    """Every action icon at 16, 24 and 48 px (and disabled at 24 px), and the app icon, in
    the light and the dark palette."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    original = QApplication.palette()
    sizes = (16, 24, 48)
    label_width, cell, pad = 150, 56, 12
    panel_width = label_width + cell * (len(sizes) + 2)
    rows = len(icons.ACTION_ICONS)
    app_row = 300
    width = panel_width * 2
    height = pad * 2 + 24 + rows * cell + app_row
    sheet = QImage(width, height, QImage.Format.Format_ARGB32)
    sheet.fill(QColor("white"))
    painter = QPainter(sheet)
    font = QFont("DejaVu Sans", 9)
    painter.setFont(font)
    try:
        for column, (title, palette) in enumerate(_palettes()):
            app.setPalette(palette)
            icons.palette_changed()
            left = column * panel_width
            background = palette.color(QPalette.ColorRole.Window)
            text = palette.color(QPalette.ColorRole.WindowText)
            painter.fillRect(QRect(left, 0, panel_width, height), background)
            painter.setPen(text)
            headings = [f"{size} px" for size in sizes] + ["disabled", "24 @2x"]
            painter.drawText(QRect(left + pad, pad, label_width, 20), Qt.AlignmentFlag.AlignVCenter, title)
            for index, heading in enumerate(headings):
                painter.drawText(QRect(left + label_width + index * cell, pad, cell, 20), Qt.AlignmentFlag.AlignCenter, heading)
            for row, name in enumerate(icons.ACTION_ICONS):
                top = pad + 24 + row * cell
                painter.setPen(text)
                painter.drawText(QRect(left + pad, top, label_width, cell), Qt.AlignmentFlag.AlignVCenter, name)
                icon = icons.action_icon(name)
                for index, size in enumerate(sizes):
                    x = left + label_width + index * cell + (cell - size) // 2
                    painter.drawPixmap(x, top + (cell - size) // 2, icon.pixmap(size))
                x = left + label_width + len(sizes) * cell + (cell - 24) // 2
                painter.drawPixmap(x, top + (cell - 24) // 2, icon.pixmap(24, QIcon.Mode.Disabled))
                retina = icon.pixmap(QSize(24, 24), 2.0)
                retina.setDevicePixelRatio(1.0)  # show its 48 device pixels
                x = left + label_width + (len(sizes) + 1) * cell + (cell - 48) // 2
                painter.drawPixmap(x, top + (cell - 48) // 2, retina)
            top = pad + 24 + rows * cell + pad
            x = left + pad
            app_icon = icons.app_icon()
            for size in (16, 24, 32, 48, 64, 128):
                painter.drawPixmap(x, top + (app_row - 2 * pad - size) // 2, app_icon.pixmap(size))
                x += size + pad
    finally:
        painter.end()
        app.setPalette(original)
        icons.palette_changed()
    sheet.save(str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet of every icon here")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])
    stale = []
    for path, data in outputs().items():
        if path.is_file() and path.read_bytes() == data:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path.relative_to(REPO)}")
    if args.sheet:
        contact_sheet(args.sheet)
        print(f"contact sheet: {args.sheet}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
