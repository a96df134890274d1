"""The main window as a whole: first run, one-click backup, live catalog, actions."""
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.ui.main_window import MainWindow
from tests.ui.screens import save_screenshot


@pytest.fixture
def window(qtbot, ws):
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.resize(1280, 820)
    win.show()
    return win


def test_first_run_shows_the_welcome_page(window):
    assert window.centre_stack.currentWidget() is window.welcome
    assert not window.backup_action.isEnabled()
    save_screenshot(window, "main_window_first_run", shows=("welcomeAddConnectionButton",))


def test_one_click_backup_lands_in_the_catalog(qtbot, ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="Shop production", environment="production")
    make_profile(pg15, chinook_db, name="Shop development")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.resize(1280, 820)
    win.show()
    win.profile_list.select("Shop production")
    assert win.centre_stack.currentWidget() is not win.welcome
    job = win.back_up_now()
    assert win.progress_panel.isVisible()
    with qtbot.waitSignal(job.finished, timeout=60000):
        pass
    records = ws.catalog.list()
    assert [r.status for r in records] == ["completed"]
    assert win.catalog_view.model.rowCount() == 1
    assert win.catalog_view.selected_record().id == records[0].id
    assert Path(records[0].path).exists()
    run_backup(ws, BackupRequest("Shop development"))
    win.refresh_catalog()
    win.profile_list.select("Shop development")
    if win.stats_panel.job and win.stats_panel.job.running:
        with qtbot.waitSignal(win.stats_panel.job.finished, timeout=30000):
            pass
    save_screenshot(win, "main_window_catalog", shows=("catalogTable", "profileList"))


def test_delete_asks_and_moves_to_the_trash(qtbot, ws, make_profile, pg15, chinook_db, monkeypatch):
    make_profile(pg15, chinook_db, name="Shop")
    record = run_backup(ws, BackupRequest("Shop"))
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.catalog_view.select(record.id)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert win.delete_selected()
    assert Path(record.path).exists()  # kept in the trash until purged
    assert ws.catalog.list() == []
    assert [r.id for r in ws.catalog.list_trash()] == [record.id]
    trash = win.open_trash()
    trash.select(record.id)
    with qtbot.waitSignal(trash.changed, timeout=5000):
        assert trash.put_back()
    assert [r.id for r in ws.catalog.list()] == [record.id]
    trash.close()
    win.open_activity().close()


def test_failed_and_cancelled_entries_hide_with_one_filter_and_clear_together(qtbot, ws, monkeypatch):
    from desktop.ui.catalog_model import WITHOUT_UNFINISHED
    from tests.catalog_entries import add_backup, manifest

    add_backup(ws, "good1")
    for backup_id, status in (("fail1", "failed"), ("gone1", "cancelled")):
        ws.catalog.start(manifest(backup_id), ws.paths.backups_dir / f"{backup_id}.dump.lifeboat")
        ws.catalog.finish_unsuccessfully(backup_id, status, "it stopped")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    view = win.catalog_view
    view.status_filter.setCurrentIndex(view.status_filter.findData(WITHOUT_UNFINISHED))
    assert view.model.rowCount() == 1
    assert view.clear_unfinished.text() == "Clear failed and cancelled (2)\u2026"
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.clear_unfinished, Qt.MouseButton.LeftButton)
    assert "no backup file is removed" in asked[0]
    assert [r.id for r in ws.catalog.list()] == ["good1"]
    assert sorted(r.id for r in ws.catalog.list_trash()) == ["fail1", "gone1"]
    assert view.clear_unfinished.isHidden()


def test_toolbar_buttons_have_accessible_names(window):
    names = {button.accessibleName() for button in window.findChildren(type(window.toolbar_button("Back up now")))}
    assert {"Back up now", "Restore", "Verify", "Move to trash", "Open backup folder", "Trash", "Activity"} <= names


def test_on_a_laptop_the_backup_list_keeps_its_room_while_a_job_runs(qtbot, ws):
    from desktop.core.store.profiles import Profile
    from tests.catalog_entries import add_backup

    ws.profiles.add(Profile(name="shop", environment="production", host="127.0.0.1", port=9, dbname="shop"))
    for number in range(10):
        add_backup(ws, f"b{number:02d}")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.resize(1366, 728)
    win.show()
    qtbot.waitExposed(win)
    if win.stats_panel.job and win.stats_panel.job.running:  # its message laid out before the screenshot
        with qtbot.waitSignal(win.stats_panel.job.finished, timeout=30000):
            pass
    win.progress_panel.show()  # as while a backup runs
    QApplication.processEvents()
    table = win.catalog_view.table
    assert table.viewport().height() >= 7 * table.verticalHeader().defaultSectionSize()
    assert win.progress_panel.mapTo(win, win.progress_panel.rect().bottomLeft()).y() <= 728
    save_screenshot(win, "main_window_laptop_busy", shows=("catalogTable",))
