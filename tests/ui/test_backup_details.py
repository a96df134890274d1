"""The details dialog of one backup: counts, fingerprints, copy buttons, actions."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLabel

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.ui.backup_details import BackupDetailsDialog
from tests.ui.screens import save_screenshot
from tests.ui.test_catalog_model import record

# The offscreen platform warns whenever a shown top-level window gets a minimum
# size from its layout; real screens do not.


def open_dialog(qtbot, backup) -> BackupDetailsDialog:
    dialog = BackupDetailsDialog(backup)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def table_contents(dialog) -> dict[str, str]:
    table = dialog.counts
    return {table.item(row, 0).text(): table.item(row, 1).text() for row in range(table.rowCount())}


def test_a_real_chinook_backup_shows_its_per_table_counts(qtbot, ws, pg15, chinook_db, make_profile):
    make_profile(pg15, chinook_db, name="Music store")
    backup = run_backup(ws, BackupRequest(profile="Music store"))
    dialog = open_dialog(qtbot, ws.catalog.get(backup.id))
    counts = table_contents(dialog)
    assert len(counts) == 11
    assert counts["track"] == "3,503"
    assert counts["playlist_track"] == "8,715"
    assert counts["invoice_line"] == "2,240"
    summary = dialog.findChild(QLabel, "countsSummary").text()
    assert summary.startswith(f"11 tables, {backup.total_rows:,} rows in total")
    assert dialog.path_field.text() == backup.path
    assert dialog.sha256_field.text() == backup.sha256
    assert dialog.restore_button.isEnabled() and dialog.verify_button.isEnabled()
    save_screenshot(dialog, "backup_details", shows=("environmentBadge", "restoreButton"))


def test_copy_puts_the_path_and_fingerprint_on_the_clipboard(qtbot):
    backup = record("a1", path="/mnt/nas/Lifeboat backups/Shop_20261127T130200Z.dump.lifeboat")
    dialog = open_dialog(qtbot, backup)
    qtbot.mouseClick(dialog.copy_path, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == backup.path
    assert dialog.copy_path.text() == "Copied"
    qtbot.mouseClick(dialog.copy_sha256, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "ab" * 32
    qtbot.waitUntil(lambda: dialog.copy_path.text() == "Copy", timeout=5000)


@pytest.mark.parametrize("button, signal", [
    ("restore_button", "restore_requested"),
    ("verify_button", "verify_requested"),
    ("delete_button", "delete_requested"),
])
def test_each_action_hands_the_record_to_the_window_and_closes(qtbot, button, signal):
    backup = record("a1")
    dialog = open_dialog(qtbot, backup)
    with qtbot.waitSignal(getattr(dialog, signal)) as requested:
        qtbot.mouseClick(getattr(dialog, button), Qt.MouseButton.LeftButton)
    assert requested.args == [backup]
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()


def test_close_asks_for_nothing(qtbot):
    dialog = open_dialog(qtbot, record("a1"))
    with qtbot.assertNotEmitted(dialog.delete_requested), qtbot.assertNotEmitted(dialog.restore_requested):
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_a_failed_backup_explains_why_and_cannot_be_restored(qtbot):
    reason = "Lifeboat cannot reach the server at db.example.com:5432. Check that the server is running."
    dialog = open_dialog(qtbot, record("c3", status="failed", path=None, sha256=None, size_bytes=None,
                                       row_counts={}, error=reason))
    assert reason in dialog.findChild(QLabel, "detailsNotice").text()
    assert not dialog.restore_button.isEnabled() and not dialog.verify_button.isEnabled()
    assert dialog.delete_button.isEnabled()
    assert not dialog.copy_path.isEnabled()
    assert dialog.counts.rowCount() == 0
    save_screenshot(dialog, "backup_details_failed", shows=("environmentBadge",))


def test_a_running_backup_cannot_be_deleted_from_here(qtbot):
    dialog = open_dialog(qtbot, record("d4", status="in_progress", finished_at=None, row_counts={}))
    assert not dialog.delete_button.isEnabled()
    assert "still running" in dialog.findChild(QLabel, "detailsNotice").text()


def test_a_note_is_saved_through_the_window(qtbot):
    dialog = open_dialog(qtbot, record("a1", label="old"))
    assert dialog.note_field.text() == "old" and not dialog.save_note.isEnabled()
    dialog.note_field.setText("before the 3.2 migration")
    with qtbot.waitSignal(dialog.note_saved) as saved:
        qtbot.mouseClick(dialog.save_note, Qt.MouseButton.LeftButton)
    assert (saved.args[0].id, saved.args[1]) == ("a1", "before the 3.2 migration")


def test_controls_have_accessible_names(qtbot):
    dialog = open_dialog(qtbot, record("a1"))
    names = {w.accessibleName() for w in (
        dialog.restore_button, dialog.verify_button, dialog.delete_button, dialog.close_button,
        dialog.copy_path, dialog.copy_sha256, dialog.path_field, dialog.sha256_field, dialog.counts)}
    assert names == {
        "Restore this backup", "Verify this backup", "Move this backup to the trash", "Close",
        "Copy the file path", "Copy the SHA-256 fingerprint", "Backup file path", "SHA-256 fingerprint",
        "Rows per table"}
