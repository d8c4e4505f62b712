"""The app icon and the action icons: present, readable in light and dark palettes, crisp at 2x."""

from __future__ import annotations

import importlib.util
import re
from importlib import resources
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QImageReader, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QStyleFactory, QWidget

from gui import icons

REPO = Path(__file__).resolve().parents[1]
ICON_DIR = REPO / "resources" / "icons"


def _load_make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", REPO / "tools" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def light_palette() -> QPalette:
    return QStyleFactory.create("Fusion").standardPalette()


def dark_palette() -> QPalette:
    """Like ``gui.theme.dark_palette``, and independent of it."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#2f65ca",
        QPalette.ColorRole.HighlightedText: "#fffff0",
    }
    for role, value in colours.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


@pytest.fixture
def app_palette(qapp):
    """Set the application palette for one test; the original comes back afterwards."""
    original = QApplication.palette()

    def use(palette: QPalette) -> QPalette:
        qapp.setPalette(palette)
        icons.palette_changed()
        return QApplication.palette()

    yield use
    qapp.setPalette(original)
    icons.palette_changed()


def drawn_in(image: QImage, colour: str) -> bool:
    """Whether every fully opaque pixel of ``image`` has ``colour`` (and there are some).

    Where two anti-aliased edges overlap, premultiplied rounding may be off by one or two.
    """
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    expected = QColor(colour).getRgb()[:3]
    opaque = 0
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() == 255:
                opaque += 1
                if max(abs(a - b) for a, b in zip(pixel.getRgb()[:3], expected)) > 2:
                    return False
    return opaque > 0


def coverage(image: QImage) -> float:
    """The share of the image's pixels that are not fully transparent."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    visible = sum(image.pixelColor(x, y).alpha() > 0 for y in range(image.height()) for x in range(image.width()))
    return visible / (image.width() * image.height())


# -- the action icons -----------------------------------------------------------------------


def test_every_icon_file_is_named_and_every_name_has_a_file():
    files = {path.stem for path in ICON_DIR.glob("*.svg")}
    assert files == set(icons.ACTION_ICONS)


@pytest.mark.parametrize("name", icons.ACTION_ICONS)
def test_action_icon_svg_is_hand_drawn_in_the_placeholder_colour(name):
    text = (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")
    assert 'viewBox="0 0 24 24"' in text
    assert 'stroke-width="2"' in text
    assert re.findall(r'stroke-width="([^"]+)"', text) == ["2"]  # one stroke width throughout
    colours = set(re.findall(r"#[0-9a-fA-F]{3,8}\b", text))
    assert colours == {icons.PLACEHOLDER}, "action icons are drawn in the placeholder colour only"
    for foreign in ("<image", "<text", "href", "url(", "style=", "currentColor"):
        assert foreign not in text


@pytest.mark.parametrize("name", icons.ACTION_ICONS)
def test_action_icon_loads_at_every_size(qapp, name):
    icon = icons.action_icon(name)
    assert not icon.isNull()
    for size in (16, 24, 48):
        pixmap = icon.pixmap(size)
        assert pixmap.size() == QSize(size, size)
        share = coverage(pixmap.toImage())
        assert 0.03 < share < 0.8, f"{name} at {size} px covers {share:.0%} of its square"


def test_unknown_action_icon_is_refused(qapp):
    with pytest.raises(ValueError, match="no action icon"):
        icons.action_icon("no-such-icon")


@pytest.mark.parametrize("make_palette", [light_palette, dark_palette], ids=["light", "dark"])
def test_action_icons_follow_the_palette(app_palette, make_palette):
    palette = app_palette(make_palette())
    normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    selected = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText).name()
    assert len({normal, disabled, selected}) == 3
    for name in icons.ACTION_ICONS:
        icon = icons.action_icon(name)
        assert drawn_in(icon.pixmap(48).toImage(), normal), name
        assert drawn_in(icon.pixmap(48, QIcon.Mode.Disabled).toImage(), disabled), name
        assert drawn_in(icon.pixmap(48, QIcon.Mode.Selected).toImage(), selected), name
        assert drawn_in(icon.pixmap(48, QIcon.Mode.Active).toImage(), normal), name


def test_light_and_dark_icons_differ_and_are_cached_per_palette(app_palette):
    app_palette(light_palette())
    light = icons.action_icon("install")
    assert icons.action_icon("install").cacheKey() == light.cacheKey()
    app_palette(dark_palette())
    dark = icons.action_icon("install")
    assert dark.cacheKey() != light.cacheKey()
    assert drawn_in(light.pixmap(24).toImage(), "#000000")
    assert drawn_in(dark.pixmap(24).toImage(), "#e6e6e6")


def test_action_icons_are_drawn_for_2x_not_scaled_up(qapp):
    icon = icons.action_icon("settings")
    retina = icon.pixmap(QSize(24, 24), 2.0)
    assert retina.devicePixelRatio() == 2.0
    assert retina.size() == QSize(48, 48)
    # The 2x pixmap of 24 px is the 48 px drawing, not the 24 px one enlarged.
    assert retina.toImage().convertToFormat(QImage.Format.Format_ARGB32) == icon.pixmap(48).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert icon.pixmap(QSize(16, 16), 1.5).size() == QSize(24, 24)


def test_palette_changed_recolours_icons_set_with_set_action_icon(app_palette, qtbot):
    app_palette(light_palette())
    window = QWidget()
    qtbot.addWidget(window)
    button = QPushButton("Install", window)
    icons.set_action_icon(button, "install")
    added = QAction("Refresh", window)
    window.addAction(added)
    icons.set_action_icon(added, "refresh")
    child = QAction("Trash", window)  # parented, never added to a widget
    icons.set_action_icon(child, "trash")
    untouched = QPushButton("Plain", window)
    untouched.setIcon(QIcon())
    for target in (button, added, child):
        assert drawn_in(target.icon().pixmap(24).toImage(), "#000000")

    app_palette(dark_palette())  # calls icons.palette_changed()
    for target in (button, added, child):
        assert drawn_in(target.icon().pixmap(24).toImage(), "#e6e6e6")
    assert untouched.icon().isNull()


# -- the app icon ---------------------------------------------------------------------------


def test_app_icon_has_every_size_from_16_to_512(qapp):
    icon = icons.app_icon()
    assert not icon.isNull()
    sizes = {size.width() for size in icon.availableSizes()}
    assert set(icons.APP_ICON_SIZES) <= sizes
    assert {16, 512} <= sizes
    for size in (16, 32, 256, 512):
        pixmap = icon.pixmap(size)
        assert pixmap.size() == QSize(size, size)
        assert coverage(pixmap.toImage()) > 0.8


def test_app_icon_svg_is_flat_and_self_contained():
    text = resources.files("resources").joinpath("venvdesk.svg").read_text(encoding="utf-8")
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", text)}
    assert 2 <= len(colours) <= 3
    for foreign in ("<image", "<text", "href", "url(", "Gradient", "filter"):
        assert foreign not in text


def test_app_icon_pngs_match_the_svg(qapp):
    make_icons = _load_make_icons()
    for size in icons.APP_ICON_SIZES:
        path = ICON_DIR / "app" / f"venvdesk-{size}.png"
        assert path.is_file(), f"run tools/make_icons.py: {path} is missing"
        stored = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
        fresh = make_icons.app_image(size)
        assert stored.size() == fresh.size()
        # Allow for small anti-aliasing differences between Qt versions, not a changed drawing.
        differences = [
            max(abs(a - b) for a, b in zip(stored.pixelColor(x, y).getRgb(), fresh.pixelColor(x, y).getRgb()))
            for y in range(0, size, max(1, size // 64))
            for x in range(0, size, max(1, size // 64))
        ]
        assert max(differences) <= 48 and sum(differences) / len(differences) < 2, (
            f"{path.name} is out of date: run tools/make_icons.py"
        )


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("venvdesk.ico", [16, 24, 32, 48, 64, 128, 256]), ("venvdesk.icns", [16, 32, 32, 64, 128, 256, 256, 512, 512, 1024])],
)
def test_ico_and_icns_hold_every_size(qapp, filename, expected):
    path = REPO / "resources" / filename
    assert path.is_file(), f"run tools/make_icons.py: {path} is missing"
    reader = QImageReader(str(path))
    sizes = []
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        assert image.width() == image.height()
        assert image.pixelColor(0, 0).alpha() == 0  # the rounded corner is transparent
        assert image.pixelColor(image.width() // 2, image.height() // 2).alpha() == 255
        sizes.append(image.width())
    assert sorted(sizes) == expected


def test_generated_files_stay_small():
    files = [REPO / "resources" / "venvdesk.ico", REPO / "resources" / "venvdesk.icns", *ICON_DIR.glob("app/*.png"), *ICON_DIR.glob("*.svg")]
    assert sum(path.stat().st_size for path in files) < 400_000


def test_make_icons_output_is_deterministic(qapp):
    make_icons = _load_make_icons()
    assert make_icons.ico_bytes() == make_icons.ico_bytes()
    assert make_icons.icns_bytes() == make_icons.icns_bytes()


# -- the existing helpers -------------------------------------------------------------------


def test_health_icon_and_theme_icon_still_work(qapp):
    for ok in (True, False):
        assert not icons.health_icon(ok).isNull()
        assert icons.health_icon(ok).pixmap(16).size() == QSize(16, 16)
    fallback = icons.action_icon("refresh")
    icon = icons.theme_icon(QIcon.ThemeIcon.ViewRefresh, fallback)
    assert not icon.isNull()
