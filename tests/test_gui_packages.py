"""The Packages panel driven as a person would, with real pip against the local 127.0.0.1 index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core.operations import Status
from core.packages import check_integrity
from gui.main_window import MainWindow
from gui.models.packages import PackageTableModel
from tests.conftest import pip_install
from tests.support.local_index import LocalIndexServer

PIP_TIMEOUT = 120_000


@pytest.fixture
def open_env(qtbot, make_venv, use_local_index, make_main_window):
    """A main window showing a fresh copy of the template environment (pip only), ready to use."""

    def start(name: str = "proj", *requirements: str, window: MainWindow | None = None):
        target = make_venv(name)
        if requirements:
            pip_install(target, *requirements, index_url=use_local_index.simple_url)
        if window is None:
            window = make_main_window()
            window.show()
            with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
                pass
        with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=30_000):
            window.environment_actions.add_environment_folder(str(target))
        return window, window.packages_panel, target

    return start


def installed(panel) -> dict[str, str]:
    return {p.name: p.version for p in panel.model.packages()}


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def select_packages(qtbot, panel, *names: str) -> None:
    view = panel.table
    view.clearSelection()
    for row in range(panel.filter_model.rowCount()):
        index = panel.filter_model.index(row, 0)
        if panel.filter_model.data(index) in names:
            rect = view.visualRect(index)
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, rect.center())
    assert sorted(p.name for p in panel.selected_packages()) == sorted(names)


def run_change(qtbot, window, action, timeout: int = PIP_TIMEOUT):
    """Do ``action`` and wait until the change, its pip check and the half-installed scan are done."""
    with qtbot.waitSignal(window.operations.checks_finished, timeout=timeout):
        action()
    qtbot.waitUntil(lambda: not window.runner.is_busy(window.current.key), timeout=timeout)


def test_install_by_name(qtbot, open_env):
    window, panel, _target = open_env()
    qtbot.keyClicks(panel.install_edit, "tinyutil")
    run_change(qtbot, window, lambda: click(qtbot, panel.install_button))
    qtbot.waitUntil(lambda: installed(panel).get("tinyutil") == "1.1")
    log = window.log_view.toPlainText()
    assert "pip install tinyutil" in log  # the options every run passes are in the log file, not the view
    assert "--disable-pip-version-check" not in log
    assert panel.install_edit.text() == ""


def test_install_a_pinned_version_with_its_dependency(qtbot, open_env):
    window, panel, _target = open_env()
    qtbot.keyClicks(panel.install_edit, "tinyapp==2.0")
    run_change(qtbot, window, lambda: qtbot.keyClick(panel.install_edit, Qt.Key.Key_Return))
    qtbot.waitUntil(lambda: installed(panel).get("tinyapp") == "2.0")
    assert installed(panel)["tinyutil"] == "1.1"
    model = panel.model
    row = [p.name for p in model.packages()].index("tinyutil")
    assert "Required by: tinyapp" in model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(row, 0), PackageTableModel.DependencyOnlyRole)


def test_outdated_packages_are_marked_and_upgraded(qtbot, open_env):
    window, panel, _target = open_env("old", "tinyutil==1.0")
    model = panel.model
    row = [p.name for p in model.packages()].index("tinyutil")
    assert model.data(model.index(row, PackageTableModel.LATEST)) == "1.1 ↑"
    assert model.data(model.index(row, 0), PackageTableModel.OutdatedRole)
    panel.outdated_check.setChecked(True)
    assert [panel.filter_model.data(panel.filter_model.index(r, 0)) for r in range(panel.filter_model.rowCount())] == ["tinyutil"]
    select_packages(qtbot, panel, "tinyutil")
    assert panel.upgrade_button.isEnabled()
    run_change(qtbot, window, lambda: click(qtbot, panel.upgrade_button))
    qtbot.waitUntil(lambda: installed(panel).get("tinyutil") == "1.1")


def test_uninstall_warns_about_dependents_and_can_keep_them(qtbot, open_env):
    window, panel, _target = open_env("deps", "tinyapp==2.0")
    select_packages(qtbot, panel, "tinyutil")
    click(qtbot, panel.uninstall_button)
    box = window.package_actions.uninstall_warning_box
    assert box is not None and box.isVisible()
    assert "tinyutil is needed by tinyapp" in box.informativeText()
    click(qtbot, box.findChild(QPushButton, "keepPackagesButton"))
    assert not window.runner.is_busy(window.current.key)
    assert "tinyutil" in installed(panel)

    click(qtbot, panel.uninstall_button)
    box = window.package_actions.uninstall_warning_box
    run_change(qtbot, window, lambda: click(qtbot, box.findChild(QPushButton, "uninstallAnywayButton")))
    qtbot.waitUntil(lambda: "tinyutil" not in installed(panel))
    qtbot.waitUntil(lambda: panel.problems_label.isVisible(), timeout=30_000)
    assert "tinyapp 2.0 requires tinyutil" in panel.problems_label.text()
    # Re-reading the list of environments keeps what is known about the selected one.
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        window.environment_actions.refresh()
    assert panel.problems_label.isVisible() and "tinyapp 2.0 requires tinyutil" in panel.problems_label.text()


def test_uninstall_without_dependents_asks_nothing(qtbot, open_env):
    window, panel, _target = open_env("plain", "tinyapp==2.0")
    select_packages(qtbot, panel, "tinyapp", "tinyutil")
    run_change(qtbot, window, lambda: click(qtbot, panel.uninstall_button))
    assert window.package_actions.uninstall_warning_box is None
    qtbot.waitUntil(lambda: set(installed(panel)) == {"pip"})


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("--index-url http://evil.example/simple tinyapp", "pip option"),
        ("-r requirements.txt", "pip option"),
        ("https://example.com/pkg.whl", "URL"),
        ("./local_folder", "folder"),
    ],
)
def test_install_box_refuses_options_paths_and_urls(qtbot, open_env, typed, expected):
    window, panel, _target = open_env()
    qtbot.keyClicks(panel.install_edit, typed)
    click(qtbot, panel.install_button)
    assert panel.install_error.isVisible()
    assert expected.lower() in panel.install_error.text().lower()
    assert not window.runner.is_busy(window.current.key)
    assert "$ " not in window.log_view.toPlainText().split("Installing")[-1]


def test_save_requirements_then_install_them_into_a_fresh_environment(qtbot, open_env, tmp_path):
    window, panel, source = open_env("source", "tinyapp==2.0", "tinyextra==0.1")
    wanted = {name: version for name, version in installed(panel).items() if name != "pip"}
    requirements = tmp_path / "requirements.txt"
    with qtbot.waitSignal(window.package_actions.requirements_saved, timeout=PIP_TIMEOUT):
        window.package_actions.save_requirements_to(requirements)
    text = requirements.read_text()
    assert "tinyapp==2.0" in text and "tinyutil==1.1" in text and "tinyextra==0.1" in text

    # Saving again asks before replacing the file.
    window.package_actions.save_requirements_to(requirements)
    assert window.package_actions.overwrite_box is not None and window.package_actions.overwrite_box.isVisible()
    window.package_actions.overwrite_box.reject()

    window, panel, target = open_env("copy", window=window)
    assert set(installed(panel)) == {"pip"}
    run_change(qtbot, window, lambda: window.package_actions.install_requirements_file(requirements))
    qtbot.waitUntil(lambda: {n: v for n, v in installed(panel).items() if n != "pip"} == wanted)


def test_malformed_requirements_line_is_reported_with_its_number(qtbot, open_env, tmp_path):
    window, panel, _target = open_env()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# my project\ntinyutil==1.1\ntinyapp==\n")
    with qtbot.waitSignal(window.package_actions.requirements_read, timeout=30_000):  # read off the UI thread
        window.package_actions.install_requirements_file(requirements)
    assert "line 3" in window.message_bar.text()
    assert not window.runner.is_busy(window.current.key)


def test_requirements_lines_that_change_the_source_need_confirmation(qtbot, open_env, tmp_path, local_index):
    window, panel, _target = open_env()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"--index-url {local_index.simple_url}\ntinyutil==1.0\n")
    with qtbot.waitSignal(window.package_actions.requirements_read, timeout=30_000):
        window.package_actions.install_requirements_file(requirements)
    box = window.package_actions.requirements_options_box
    assert box.isVisible() and "line 1: --index-url" in box.informativeText()
    run_change(qtbot, window, lambda: click(qtbot, box.findChild(QPushButton, "installRequirementsAnywayButton")))
    qtbot.waitUntil(lambda: installed(panel).get("tinyutil") == "1.0")


def test_cancel_mid_install_leaves_the_environment_clean_or_repairable(qtbot, open_env, index_root, monkeypatch):
    window, panel, target = open_env()
    with LocalIndexServer(index_root, delay_per_chunk=0.4) as slow:
        monkeypatch.setenv("PIP_INDEX_URL", slow.simple_url)
        qtbot.keyClicks(panel.install_edit, "tinyapp==2.0")
        with qtbot.waitSignal(window.runner.started, timeout=10_000):
            click(qtbot, panel.install_button)
        assert window.cancel_button.isVisible() and window.progress_bar.isVisible()
        qtbot.waitUntil(lambda: any("/files/" in path for path in slow.requests), timeout=30_000)
        with qtbot.waitSignal(window.operations.checks_finished, timeout=PIP_TIMEOUT):
            click(qtbot, window.cancel_button)
    assert "✗ Installing tinyapp==2.0: cancelled." in window.log_view.toPlainText()
    if window.current.integrity.clean:
        assert "no half-installed files" in window.message_bar.text()
        assert not panel.repair_bar.isVisible()
    else:
        assert panel.repair_bar.isVisible() and "Repair" in window.message_bar.text()
    # Whatever pip left, the environment's own pip agrees with what the panel shows.
    listed = subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert {line.split("==")[0] for line in listed.split()} == set(installed(panel))


def test_repair_reinstalls_a_half_installed_package(qtbot, open_env):
    window, panel, target = open_env("damaged", "tinyapp==2.0")
    site_packages = next(target.glob("lib/python*/site-packages"))
    (site_packages / "tinyutil" / "__init__.py").unlink()
    (site_packages / "~inyapp").mkdir()
    # As after an interrupted pip run: the panel scans site-packages and offers Repair.
    run_change(qtbot, window, lambda: window.operations.show_integrity(window.current.key, check_integrity(site_packages)))
    assert panel.repair_bar.isVisible()
    assert "tinyutil 1.1" in panel.repair_label.text() and "~inyapp" in panel.repair_label.text()
    run_change(qtbot, window, lambda: click(qtbot, panel.repair_button))
    assert (site_packages / "tinyutil" / "__init__.py").is_file()
    assert not (site_packages / "~inyapp").exists()
    assert not panel.repair_bar.isVisible()


def test_package_installed_outside_the_app_appears(qtbot, open_env, local_index):
    window, panel, target = open_env()
    assert "tinyextra" not in installed(panel)
    pip_install(target, "tinyextra==0.2", index_url=local_index.simple_url)  # as if typed in a terminal
    qtbot.waitUntil(lambda: installed(panel).get("tinyextra") == "0.2", timeout=15_000)


def test_queued_operations_run_in_order_and_can_be_removed(qtbot, open_env):
    window, panel, _target = open_env()
    started = []
    window.runner.started.connect(lambda op: started.append(op.title))
    for spec in ("tinyutil==1.0", "tinyextra==0.1", "Old_Package==0.9"):
        panel.install_edit.setText(spec)
        click(qtbot, panel.install_button)
    # Pinned releases are first checked against this Python (a moment each), in the order asked.
    qtbot.waitUntil(lambda: panel.queue_box.isVisible() and panel.queue_list.count() == 2, timeout=20_000)
    assert [panel.queue_list.item(i).text() for i in range(panel.queue_list.count())] == [
        "Installing tinyextra==0.1", "Installing Old_Package==0.9"
    ]
    panel.queue_list.setCurrentRow(1)
    with qtbot.waitSignal(window.runner.finished, check_params_cb=lambda o: o.status is Status.CANCELLED):
        click(qtbot, panel.remove_queued_button)
    qtbot.waitUntil(lambda: not window.runner.is_busy(window.current.key) and "tinyextra" in installed(panel), timeout=PIP_TIMEOUT)
    installs = [title for title in started if title.startswith("Installing")]
    assert installs == ["Installing tinyutil==1.0", "Installing tinyextra==0.1"]
    assert "old-package" not in {p.key for p in panel.model.packages()}
    assert not panel.queue_box.isVisible()


def test_new_environment_can_install_a_requirements_file(qtbot, open_env, tmp_path, seeded_pip_cache):
    window, panel, _target = open_env()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinyapp==1.0\n")
    qtbot.waitUntil(lambda: not window.creation.interpreters_loading, timeout=30_000)
    dialog = window.creation.new_environment()
    qtbot.keyClicks(dialog.name_edit, "from-file")
    dialog.requirements_edit.setText(str(requirements))
    assert dialog.create_button.isEnabled()
    new_path = Path(dialog.location_edit.text()) / "from-file"
    with qtbot.waitSignal(window.operations.checks_finished, timeout=PIP_TIMEOUT, check_params_cb=lambda key: key == str(new_path)):
        click(qtbot, dialog.create_button)
    qtbot.waitUntil(lambda: installed(panel).get("tinyapp") == "1.0" and window.current.key == str(new_path), timeout=30_000)



def test_half_installed_files_from_an_earlier_session_are_offered_for_repair(qtbot, open_env, make_venv, make_main_window, local_index):
    target = make_venv("earlier")
    pip_install(target, "tinyapp==2.0", index_url=local_index.simple_url)
    site_packages = next(target.glob("lib/python*/site-packages"))
    (site_packages / "tinyutil" / "__init__.py").unlink()  # as a killed pip leaves it
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.current.packages_loaded, timeout=30_000):
        window.environment_actions.add_environment_folder(str(target))
    panel = window.packages_panel
    # The list is shown first; the scan for half-installed files follows it, off the display path.
    qtbot.waitUntil(lambda: panel.repair_bar.isVisible(), timeout=30_000)
    assert "tinyutil 1.1" in panel.repair_label.text()
    run_change(qtbot, window, lambda: click(qtbot, panel.repair_button))
    assert (site_packages / "tinyutil" / "__init__.py").is_file()


def test_repair_never_passes_folder_names_to_pip(qtbot, open_env):
    window, panel, target = open_env("orphaned")
    site_packages = next(target.glob("lib/python*/site-packages"))
    (site_packages / "attr").mkdir()  # attrs' folder without its metadata: PyPI's "attr" is another project
    (site_packages / "attr" / "__init__.py").write_text("")
    window.operations.show_integrity(window.current.key, check_integrity(site_packages))
    assert panel.repair_bar.isVisible() and "attr" in panel.repair_label.text()
    assert not panel.repair_button.isEnabled()
    assert window.recovery.repair() is None


def test_a_large_requirements_file_is_checked_without_freezing_the_window(qtbot, open_env, tmp_path):
    """Just under the size limit: read and checked off the UI thread (a 10 ms timer never gaps > 100 ms)."""
    import time

    from PySide6.QtCore import QTimer

    from core.requirements import MAX_REQUIREMENTS_FILE_BYTES
    from tests.test_requirements import freeze_lines_of

    window, _panel, _target = open_env()
    requirements = tmp_path / "requirements.txt"
    # An option line first, so the check ends in the confirmation and nothing is installed.
    head = b"--index-url http://127.0.0.1:9/simple/\n"
    requirements.write_bytes(head + freeze_lines_of(MAX_REQUIREMENTS_FILE_BYTES - len(head)))
    assert requirements.stat().st_size == MAX_REQUIREMENTS_FILE_BYTES
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    with qtbot.waitSignal(window.package_actions.requirements_read, timeout=120_000):
        window.package_actions.install_requirements_file(requirements)
    read_at = time.perf_counter()
    qtbot.wait(200)
    timer.stop()
    box = window.package_actions.requirements_options_box
    assert box is not None and box.isVisible() and "line 1: --index-url" in box.informativeText()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    assert len(ticks) > 20 and gaps[worst] < 0.1, (
        f"longest gap {gaps[worst] * 1000:.0f} ms over {len(ticks)} ticks,"
        f" ending {(ticks[worst + 1] - read_at) * 1000:.0f} ms after the check ended"
    )
    box.reject()


def test_a_requirements_file_over_the_limit_is_refused_in_plain_words(qtbot, open_env, tmp_path):
    from core.requirements import MAX_REQUIREMENTS_FILE_BYTES

    window, _panel, _target = open_env()
    requirements = tmp_path / "requirements.txt"
    with open(requirements, "wb") as handle:
        handle.truncate(MAX_REQUIREMENTS_FILE_BYTES + 1)
    with qtbot.waitSignal(window.package_actions.requirements_read, timeout=30_000):
        window.package_actions.install_requirements_file(requirements)
    assert "requirements.txt" in window.message_bar.text() and "nothing was read or installed" in window.message_bar.text()
    assert not window.runner.is_busy(window.current.key)


def test_an_environment_with_two_thousand_packages_shows_without_freezing(qtbot, make_venv, make_main_window):
    """Reading, sorting, sizing the columns and asking a dead index about 2,000 packages.

    It froze the window for 2-4 s (every row measured for the column widths, Python called twice
    per comparison while sorting, thousands of doomed connections to an index that is down).
    Now the longest gap is ~150 ms, all of it Qt laying out the table the first time it is shown.
    """
    import time

    from PySide6.QtCore import QTimer

    target = make_venv("many")
    site_packages = next(target.glob("lib/python*/site-packages"))
    for number in range(2000):
        dist_info = site_packages / f"pkg{number}-1.{number % 7}.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: pkg{number}\nVersion: 1.{number % 7}\nSummary: package number {number}\n"
            f"Requires-Dist: pkg{(number + 1) % 2000}\n\n"
        )
        (dist_info / "RECORD").write_text(f"{dist_info.name}/METADATA,,\n")
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    # PIP_INDEX_URL points at a dead port: every newest-version look-up fails, as offline.
    with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=60_000):
        window.environment_actions.add_environment_folder(str(target))
    qtbot.wait(300)
    timer.stop()
    panel = window.packages_panel
    assert panel.filter_model.rowCount() == 2001  # and pip
    assert "did not answer" in panel.index_note.text()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert max(gaps) < 0.3, f"longest gap {max(gaps) * 1000:.0f} ms over {len(ticks)} ticks"


def test_a_look_up_that_cannot_run_is_a_quiet_note_not_an_error(qtbot, make_venv, make_main_window, monkeypatch):
    """The newest versions are looked up by a child Venvdesk: when that child cannot start (here a
    program that does not exist, for real), the person gets the same quiet note as offline, saying
    it was Venvdesk's look-up, not the index, and no red error bar each time a list is shown."""
    from core import lookup_child

    broken = lookup_child.LookupChild([str(Path(sys.executable).with_name("no-such-venvdesk"))])
    monkeypatch.setattr(lookup_child, "_shared", broken)
    target = make_venv("env")
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=60_000):
        window.environment_actions.add_environment_folder(str(target))
    qtbot.wait(100)
    note = window.packages_panel.index_note
    assert note.isVisible()
    assert "Venvdesk's look-up stopped before it asked the index" in note.text()
    assert "could not start" in note.toolTip()
    assert not window.message_bar.isVisible()


def test_the_newest_versions_are_asked_for_once_the_scan_is_in(qtbot, make_venv, make_main_window, use_local_index):
    """Their answer (and the panel's work on it) never lands while the scan's thread holds the interpreter.

    The index is not asked anything before the scan's result is in: with 3,000 packages the scan takes
    long enough that a look-up started beside it (as before) has asked the index by then.  The
    look-up child is started first, so that it answers as fast as it can.
    """
    from core import lookup_child

    lookup_child.latest_versions(use_local_index.simple_url, ["pip"])  # the shared child, started and warm
    target = make_venv("env")
    site_packages = next(target.glob("lib/python*/site-packages"))
    for number in range(3000):
        dist_info = site_packages / f"pkg{number}-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pkg{number}\nVersion: 1.0\n\n")
        (dist_info / "RECORD").write_text(f"{dist_info.name}/METADATA,,\n")
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    current = window.current
    arrived: list[str] = []
    asked_before_scan: list[int] = []
    use_local_index.requests.clear()

    def scanned() -> None:
        if "scan" not in arrived:
            asked_before_scan.append([path for path in use_local_index.requests if "/pkg" in path])
        arrived.append("scan")

    current.integrity_changed.connect(scanned)
    current.latest_versions_loaded.connect(lambda _path: arrived.append("newest"))
    with qtbot.waitSignal(current.latest_versions_loaded, timeout=60_000):
        window.environment_actions.add_environment_folder(str(target))
    assert arrived[:2] == ["scan", "newest"]
    assert asked_before_scan == [[]], asked_before_scan[0][:5]
    assert len([path for path in use_local_index.requests if "/pkg" in path]) == 3000  # then each was asked for
    assert window.packages_panel.index_note.isVisible()  # the pkgN projects are not on the index: said quietly


def test_a_package_the_index_does_not_have_is_named_not_blamed_on_the_index(qtbot, make_venv, make_main_window, use_local_index, tmp_path):
    """A package installed from a file (or the person's own, editable) has no page on the index: the
    index answers 404.  The note names it and says why there is no newest version; it does not say the
    index "did not answer", and pip's own newest version (the index has it) is still shown."""
    from venvdesk_testing.wheels import build_wheel

    target = make_venv("env")
    wheel = build_wheel(tmp_path / "wheels", "My-Own-Tool", "0.3")
    pip_install(target, str(wheel), index_url=use_local_index.simple_url)
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=60_000):
        window.environment_actions.add_environment_folder(str(target))
    qtbot.wait(100)
    panel = window.packages_panel
    note = panel.index_note
    assert note.isVisible()
    host = window.current.index_url_shown()
    assert note.text() == (
        f"My-Own-Tool is not on {host}, so there is no newest version to show"
        " (installed from a folder or a file, or from another index)."
    )
    assert "did not answer" not in note.text()
    assert "My-Own-Tool" in note.toolTip()
    model = panel.model
    assert model.latest_version(next(p for p in model.packages() if p.key == "pip"))
    own_row = next(row for row, p in enumerate(model.packages()) if p.name == "My-Own-Tool")
    assert not model.latest_version(model.packages()[own_row])
    tooltip = model.data(model.index(own_row, PackageTableModel.NAME), Qt.ItemDataRole.ToolTipRole)
    assert f"Not on {host}: no newest version to compare with." in tooltip.replace("&nbsp;", " ")


def test_a_mistyped_index_address_is_told_as_such_not_as_packages_from_files(qtbot, make_venv, make_main_window, local_index, monkeypatch):
    """A typo in the index's address: the real server answers 404 for every project, pip included.
    The note points at the address, not at the packages."""
    target = make_venv("env")
    pip_install(target, "tinyapp==2.0", index_url=local_index.simple_url)
    mistyped = local_index.simple_url.replace("/simple/", "/simpel/")
    monkeypatch.setenv("PIP_INDEX_URL", mistyped)
    window = make_main_window()
    window.show()
    with qtbot.waitSignal(window.environment_actions.environments_loaded, timeout=30_000):
        pass
    with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=60_000):
        window.environment_actions.add_environment_folder(str(target))
    qtbot.wait(100)
    note = window.packages_panel.index_note
    assert note.isVisible()
    assert note.text() == (
        f"{window.current.index_url_shown()} has none of this environment's packages, not even pip:"
        " is its address right? Check it in Venvdesk → Settings…."
    )
    assert "simpel" in note.text()
    assert "tinyapp" in note.toolTip()

    # The fix, as the note says: the address corrected in Settings.  Nothing of the mistyped
    # index's answer is shown for the right one, and the newest versions come.
    dialog = window.open_settings()
    dialog.index_edit.setText(local_index.simple_url)
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    model = window.packages_panel.model
    with qtbot.waitSignal(window.current.latest_versions_loaded, timeout=60_000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        assert not note.isVisible() or "simpel" not in note.text()
    qtbot.wait(100)
    assert not note.isVisible()
    assert model.latest_version(next(p for p in model.packages() if p.key == "pip"))
    assert model.latest_version(next(p for p in model.packages() if p.key == "tinyapp")) == "2.0"
