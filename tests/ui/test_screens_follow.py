"""Screens follow what happened: after a restore, undo, sync, test restore, import or trash
action, the main window's views show it without a restart: the catalog (a new safety backup,
the Proven column), and the "database now vs latest backup" panel's counts."""
import psycopg
import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.export.run import ExportRequest, run_export
from desktop.ui.catalog_model import CatalogModel
from desktop.ui.main_window import MainWindow
from desktop.ui.restore.target import REPLACE
from desktop.ui.stats_panel import NOW
from tests.ui.test_restore_wizard import choose, run_to_result

WAIT_MS = 120_000


@pytest.fixture
def shop(ws, make_profile, pg15, chinook_db, fresh_db):
    """'Shop live' (production, Chinook) with a backup, and 'Shop test' holding fewer invoice lines."""
    test_db = fresh_db(template=chinook_db, prefix="shop_test")
    with psycopg.connect(pg15.conninfo(test_db), autocommit=True) as conn:
        conn.execute("DELETE FROM invoice_line WHERE invoice_line_id > 2000")
    make_profile(pg15, chinook_db, environment="production", name="Shop live")
    make_profile(pg15, test_db, name="Shop test")
    run_backup(ws, BackupRequest("Shop live"))
    return chinook_db


@pytest.fixture
def window(qtbot, ws, shop):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.profile_list.select("Shop live")
    wait_for_counts(qtbot, window)
    return window


def wait_for_counts(qtbot, window) -> None:
    panel = window.stats_panel
    qtbot.waitUntil(lambda: panel.refresh_button.isEnabled() and panel.summary.text().startswith("Counted"),
                    timeout=WAIT_MS)


def rows_now(window, table: str) -> str:
    model = window.stats_panel.rows
    for row in range(model.rowCount()):
        if model.item(row, 0).toolTip() == table:
            return model.item(row, NOW).text()
    raise KeyError(table)


def kinds(window) -> list[str]:
    model = window.catalog_view.model
    return sorted(model.record_at(row).kind for row in range(model.rowCount()))


def test_restore_then_undo_update_the_list_and_the_counts(qtbot, ws, window, shop):
    assert rows_now(window, "public.invoice_line") == "2,240" and kinds(window) == ["manual"]
    test_backup = run_backup(ws, BackupRequest("Shop test"))
    window.refresh_catalog()
    wizard = window.open_restore_wizard(test_backup)
    choose(qtbot, wizard, "Shop live", REPLACE)
    wizard.button(wizard.WizardButton.NextButton).click()
    wizard.review_page.confirm.setText(shop)
    with qtbot.waitSignal(wizard.restored, timeout=WAIT_MS):
        run_to_result(qtbot, wizard)
    # The wizard is still open: the window behind it already shows the safety backup and the new rows.
    assert kinds(window) == ["manual", "manual", "safety"]
    wait_for_counts(qtbot, window)
    assert rows_now(window, "public.invoice_line") == "2,000"

    undo = wizard.progress_page.undo
    undo.typed.setText(shop)
    with qtbot.waitSignal(undo.undo_finished, timeout=WAIT_MS):
        undo.button.click()
    assert kinds(window) == ["manual", "manual", "safety", "safety"], "the undo's own safety backup"
    wait_for_counts(qtbot, window)
    assert rows_now(window, "public.invoice_line") == "2,240"
    wizard.close()


def test_sync_updates_the_list_and_the_counts(qtbot, ws, window, shop):
    dialog = window.open_sync()
    dialog.select("Shop test", "Shop live")
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=WAIT_MS)
    dialog.confirm.setText(shop)
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
        dialog.start_button.click()
    assert kinds(window) == ["manual", "manual", "safety"], "the source's backup and the safety backup"
    wait_for_counts(qtbot, window)
    assert rows_now(window, "public.invoice_line") == "2,000"
    dialog.close()


def test_test_restore_fills_the_proven_column(qtbot, ws, window):
    [record] = ws.catalog.list()
    model = window.catalog_view.model
    proven = model.index(model.row_of(record.id), CatalogModel.PROVEN)
    assert not ws.catalog.get(record.id).proven_restorable_at
    before = proven.data()
    dialog = window.open_test_restore(record)
    dialog.servers.setCurrentIndex(dialog.servers.findData("Shop test"))
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
        dialog.start()
    assert ws.catalog.get(record.id).proven_restorable_at
    after = model.index(model.row_of(record.id), CatalogModel.PROVEN).data()
    assert after and after != before
    dialog.close()


def test_trash_and_import_update_the_list(qtbot, ws, window, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    [record] = ws.catalog.list()
    assert window.delete_selected(record)
    assert window.catalog_view.model.rowCount() == 0
    trash = window.open_trash()
    trash.select(record.id)
    with qtbot.waitSignal(trash.changed, timeout=5000):
        trash.put_back()
    assert window.catalog_view.model.rowCount() == 1
    trash.close()

    run_export(ws, ExportRequest([record.id], tmp_path / "usb", "a long passphrase here"))
    ws.catalog.delete(record.id)
    window.refresh_catalog()
    assert window.catalog_view.model.rowCount() == 0
    opener = window.open_from_drive()
    opener.set_source(tmp_path / "usb")
    opener.passphrase.setText("a long passphrase here")
    with qtbot.waitSignal(opener.imported, timeout=WAIT_MS):
        opener.start()
    assert [window.catalog_view.model.record_at(0).id] == [record.id]
    opener.close()
