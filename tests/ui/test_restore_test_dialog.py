"""The Test restore dialog: a real test restore onto a development server, from the details dialog."""
import psycopg

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.restore_test_dialog import RestoreTestDialog
from tests.ui.screens import save_screenshot


def test_test_restore_proves_the_backup_and_removes_the_scratch_database(qtbot, ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, environment="production", name="Music shop live")
    make_profile(pg15, "postgres", name="Test server")
    record = run_backup(ws, BackupRequest("Music shop live"))
    details = BackupDetailsDialog(record)
    qtbot.addWidget(details)
    assert details.test_restore_button.accessibleName() == "Test restore this backup"
    with qtbot.waitSignal(details.test_restore_requested):
        details.test_restore_button.click()

    dialog = RestoreTestDialog(ws, record)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.servers.currentData() == "Test server", "development first"
    assert dialog.servers.count() == 2
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.status.text()[:1] in ("\u2714", "\u2716"), timeout=120_000)
    assert dialog.status.text().startswith("\u2714 Proven restorable"), dialog.status.text()
    assert "public.track: 3,503 rows expected, 3,503 found" in dialog.report.toPlainText()
    save_screenshot(dialog, "restore_test_passed")
    proven = ws.catalog.get(record.id)
    assert proven.proven_restorable_at
    with psycopg.connect(pg15.conninfo("postgres")) as conn:
        assert not conn.execute("SELECT 1 FROM pg_database WHERE datname LIKE 'lifeboat_verify_%'").fetchall()
    shown = BackupDetailsDialog(proven)
    qtbot.addWidget(shown)
    assert any("Last proven restorable:" == label.text() for label in shown.findChildren(type(dialog.status)))
