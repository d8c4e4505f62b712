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
