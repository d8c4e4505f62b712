"""Every Qt model passes Qt's own model checks, built from plain core lists."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core.environments import Environment, Health
from core.packages import InstalledPackage
from core.search import SearchResult
from gui.models.environments import EnvironmentEntry, EnvironmentListModel
from gui.models.packages import PackageFilterModel, PackageTableModel
from gui.models.search import SearchResultModel


def packages() -> list[InstalledPackage]:
    return [
        InstalledPackage("tinyapp", "2.0", "A tiny application.", ("tinyutil>=1.0",), requested=True),
        InstalledPackage("tinyutil", "1.0", "Tiny helpers."),
        InstalledPackage("pip", "24.2", "The installer.", requested=True),
    ]


def test_environment_list_model(qapp, qtmodeltester):
    ok = EnvironmentEntry(Environment(Path("/envs/good"), {"version_info": "3.12.1.final.0"}), Health(True))
    broken = EnvironmentEntry(Environment(Path("/envs/bad"), {"version": "3.8.18"}), Health(False, "Its Python is gone.", "Recreate it."))
    model = EnvironmentListModel([ok, broken])
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == "good"
    assert model.data(model.index(0, 1)) == "3.12.1"
    assert model.data(model.index(1, 1)) == "3.8.18"
    assert "Broken: Its Python is gone." in model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert not model.data(model.index(1, 0), Qt.ItemDataRole.DecorationRole).isNull()
    assert model.row_of("/envs/bad") == 1


def test_package_table_model_and_filter(qapp, qtmodeltester):
    model = PackageTableModel(packages())
    qtmodeltester.check(model)
    model.set_latest_versions({"tinyutil": "1.1", "tinyapp": "2.0", "pip": "24.2"})
    qtmodeltester.check(model)
    row = [p.name for p in model.packages()].index("tinyutil")
    assert model.data(model.index(row, PackageTableModel.LATEST)) == "1.1 ↑"
    assert model.data(model.index(row, 0), PackageTableModel.DependencyOnlyRole)
    assert "Required by: tinyapp" in model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    proxy = PackageFilterModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_outdated_only(True)
    assert [proxy.data(proxy.index(r, 0)) for r in range(proxy.rowCount())] == ["tinyutil"]
    proxy.set_outdated_only(False)
    proxy.set_text("helpers")
    assert [proxy.data(proxy.index(r, 0)) for r in range(proxy.rowCount())] == ["tinyutil"]


def test_search_result_model(qapp, qtmodeltester):
    model = SearchResultModel()
    model.set_results([SearchResult("requests", "Python HTTP for Humans.", 4, "exact"), SearchResult("reqs", "", None, "prefix")])
    qtmodeltester.check(model)
    assert model.data(model.index(0)) == "requests — Python HTTP for Humans."
    assert model.data(model.index(1)) == "reqs"
    assert "#4 by downloads" in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)


def proxy_column(proxy: PackageFilterModel, column: int) -> list[str]:
    return [proxy.data(proxy.index(row, column)) for row in range(proxy.rowCount())]


def test_installed_and_latest_columns_sort_as_versions(qapp, qtmodeltester):
    model = PackageTableModel(
        [
            InstalledPackage("ten", "10.0"),
            InstalledPackage("nine", "9.1"),
            InstalledPackage("one-ten", "1.10"),
            InstalledPackage("one-nine", "1.9"),
            InstalledPackage("pre", "10.0rc1"),
            InstalledPackage("odd", "dev-snapshot"),  # not a PEP 440 version: must not crash
            InstalledPackage("snapshot", "0.1-SNAPSHOT"),  # nor is this
            InstalledPackage("Same", "1.9.0"),  # equal to 1.9: then by name
        ]
    )
    model.set_latest_versions(
        {"ten": "10.0.1", "nine": "11.0", "one-ten": "1.10", "one-nine": "1.11", "odd": "latest!"}
    )
    proxy = PackageFilterModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)

    proxy.sort(PackageTableModel.VERSION, Qt.SortOrder.AscendingOrder)
    assert proxy_column(proxy, PackageTableModel.VERSION) == [
        "1.9", "1.9.0", "1.10", "9.1", "10.0rc1", "10.0", "0.1-SNAPSHOT", "dev-snapshot"
    ]
    assert proxy_column(proxy, PackageTableModel.NAME)[:2] == ["one-nine", "Same"]
    proxy.sort(PackageTableModel.VERSION, Qt.SortOrder.DescendingOrder)
    assert proxy_column(proxy, PackageTableModel.VERSION)[-4:] == ["9.1", "1.10", "1.9.0", "1.9"]

    # Latest: versions, then text that is no version, then the ones not known yet.
    proxy.sort(PackageTableModel.LATEST, Qt.SortOrder.AscendingOrder)
    assert proxy_column(proxy, PackageTableModel.NAME)[:5] == ["one-ten", "one-nine", "ten", "nine", "odd"]
    assert proxy_column(proxy, PackageTableModel.LATEST)[:5] == ["1.10", "1.11 ↑", "10.0.1 ↑", "11.0 ↑", "latest!"]

    # A sorted column follows the data: new latest versions re-sort it.
    model.set_latest_versions({"snapshot": "0.1"})
    assert proxy_column(proxy, PackageTableModel.NAME)[0] == "snapshot"

    # Names still sort as text, ignoring case.
    proxy.sort(PackageTableModel.NAME, Qt.SortOrder.AscendingOrder)
    assert proxy_column(proxy, PackageTableModel.NAME) == [
        "nine", "odd", "one-nine", "one-ten", "pre", "Same", "snapshot", "ten"
    ]


# -- tooltips show outside text as text ----------------------------------------------------------

MARKUP = "<font color=red size=6>URGENT</font>"
PICTURE = "<img src=x><b>bold</b> & co"


def tooltip_shows(tooltip: str) -> str:
    """The characters a tooltip draws: Qt lays it out as HTML when it might be rich text."""
    from PySide6 import QtGui

    if not QtGui.Qt.mightBeRichText(tooltip):
        return tooltip
    document = QtGui.QTextDocument()
    document.setHtml(tooltip)
    return document.toPlainText()


def test_plain_tooltip_is_shown_verbatim(qapp):
    from gui.models.base import plain_tooltip

    assert plain_tooltip("") == ""
    text = f"{MARKUP}\n  {PICTURE}\nneeds Python >=3.9 &amp; more"
    tooltip = plain_tooltip(text)
    assert "<font" not in tooltip and "<img" not in tooltip
    assert tooltip_shows(tooltip) == text
    assert ">=3.9" in tooltip  # still readable where it is read as a string


def test_model_tooltips_show_names_and_summaries_verbatim(qapp):
    table = PackageTableModel([InstalledPackage(MARKUP, "1.0", PICTURE, requested=True)])
    tooltip = table.data(table.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert tooltip_shows(tooltip).splitlines()[:2] == [f"{MARKUP} 1.0", PICTURE]

    broken = EnvironmentEntry(Environment(Path(f"/envs/{MARKUP}")), Health(False, PICTURE, "Recreate it."))
    environments = EnvironmentListModel([broken])
    tooltip = environments.data(environments.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert tooltip_shows(tooltip).splitlines() == [f"/envs/{MARKUP}", f"Broken: {PICTURE}", "Recreate it."]

    results = SearchResultModel()
    results.set_results([SearchResult(MARKUP, PICTURE, None, "exact")])
    tooltip = results.data(results.index(0), Qt.ItemDataRole.ToolTipRole)
    assert tooltip_shows(tooltip).splitlines()[:2] == [MARKUP, PICTURE]
