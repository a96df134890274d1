"""The Test restore dialog: a real test restore on a private server (the default) or a development server."""
import psycopg

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.restore.test_dialog import RestoreTestDialog
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
    assert dialog.servers.currentData() is None, "this computer's private server first"
    assert dialog.servers.itemData(1) == "Test server", "then development servers"
    assert dialog.servers.count() == 3
    dialog.servers.setCurrentIndex(1)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.status.text()[:1] in ("\u2714", "\u2716"), timeout=120_000)
    assert dialog.status.text().startswith("\u2714 Proven restorable"), dialog.status.text()
    assert "public.track: 3,503 rows expected, 3,503 found" in dialog.report.toPlainText()
    save_screenshot(dialog, "restore_test_passed", shows=("restoreTestStatus",))
    proven = ws.catalog.get(record.id)
    assert proven.proven_restorable_at
    with psycopg.connect(pg15.conninfo("postgres")) as conn:
        assert not conn.execute("SELECT 1 FROM pg_database WHERE datname LIKE 'lifeboat_verify_%'").fetchall()
    shown = BackupDetailsDialog(proven)
    qtbot.addWidget(shown)
    assert any("Last proven restorable:" == label.text() for label in shown.findChildren(type(dialog.status)))


def test_test_restore_on_the_private_server_by_default_and_cancel(qtbot, ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, environment="production", name="Music shop live")
    record = run_backup(ws, BackupRequest("Music shop live"))
    dialog = RestoreTestDialog(ws, record)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.servers.currentText().startswith("This computer")
    save_screenshot(dialog, "restore_test_choice", shows=("restoreTestServer", "startTestRestoreButton"))
    dialog.start_button.click()
    qtbot.waitUntil(lambda: "private PostgreSQL server" in dialog.status.text(), timeout=30_000)
    dialog.reject()  # Close while it runs: cancels, and the private server is removed
    qtbot.waitUntil(lambda: dialog.status.text().startswith("\u2716"), timeout=60_000)
    assert "cancelled" in dialog.status.text()
    # Cancelled before or after the server's folder was made: either way none is left.
    servers = ws.paths.data_dir / "private-servers"
    assert not servers.exists() or not list(servers.iterdir())
    qtbot.waitUntil(dialog.start_button.isEnabled)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.status.text()[:1] in ("\u2714", "\u2716"), timeout=120_000)
    assert dialog.status.text().startswith("\u2714 Proven restorable"), dialog.status.text()
    assert "private server was stopped and removed" in dialog.status.text()
    save_screenshot(dialog, "restore_test_private_passed", shows=("restoreTestStatus",))
