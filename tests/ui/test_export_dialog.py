"""Export to drive… and Open backups from a drive…, driven by accessible names, on a real backup."""
import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.store.secret_store import Secrets
from desktop.core.workspace import Workspace
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.import_dialog import ImportDialog
from tests.keyrings import MemoryKeyring
from tests.ui.screens import save_screenshot

PASSPHRASE = "blue harbour lighthouse morning"


def named(dialog, name: str, kind=QWidget):
    found = [w for w in dialog.findChildren(kind) if w.accessibleName() == name]
    assert len(found) == 1, (name, found)
    return found[0]


@pytest.fixture
def backup(ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="shop")
    return run_backup(ws, BackupRequest(profile="shop", options=BackupOptions()))


def test_export_then_open_on_another_computer(qtbot, ws, backup, tmp_path):
    dialog = ExportDialog(ws, [backup], drives=[])
    qtbot.addWidget(dialog)
    export = named(dialog, "Export", QPushButton)
    assert not export.isEnabled()
    dialog.set_destination(tmp_path / "usb")
    named(dialog, "Passphrase", QLineEdit).setText("short")
    assert "at least 8" in named(dialog, "Export status").text() and not export.isEnabled()
    named(dialog, "Passphrase", QLineEdit).setText(PASSPHRASE)
    named(dialog, "Passphrase again", QLineEdit).setText(PASSPHRASE + "x")
    assert "not the same" in named(dialog, "Export status").text()
    named(dialog, "Passphrase again", QLineEdit).setText(PASSPHRASE)
    assert export.isEnabled() and "strong" in named(dialog, "Passphrase strength").text()
    dialog.show()
    save_screenshot(dialog, "export_dialog", shows=("driveList", "strengthLabel"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        export.click()
    qtbot.waitUntil(lambda: not dialog.job.running)
    assert "read back and checked" in named(dialog, "Export status").text()
    save_screenshot(dialog, "export_dialog_done", shows=("exportStatus",))
    record = ws.catalog.get(backup.id)
    assert len(record.copies) == 1

    details = BackupDetailsDialog(record)
    qtbot.addWidget(details)
    details.show()
    save_screenshot(details, "backup_details_with_copy", shows=("environmentBadge",))

    other = Workspace.open(environ={"LIFEBOAT_HOME": str(tmp_path / "other")}, secrets=Secrets(MemoryKeyring()))
    opener = ImportDialog(other)
    qtbot.addWidget(opener)
    opener.set_source(tmp_path / "usb")
    named(opener, "Passphrase", QLineEdit).setText("wrong passphrase here")
    with qtbot.waitSignal(opener.imported, timeout=60_000):
        named(opener, "Open backups", QPushButton).click()
    assert "not the one" in named(opener, "What was added").item(0).text()
    named(opener, "Passphrase", QLineEdit).setText(PASSPHRASE)
    qtbot.waitUntil(lambda: named(opener, "Open backups", QPushButton).isEnabled())
    with qtbot.waitSignal(opener.imported, timeout=60_000):
        named(opener, "Open backups", QPushButton).click()
    qtbot.waitUntil(lambda: not opener.job.running)
    assert named(opener, "What was added").item(0).text().startswith("Added:")
    assert [r.id for r in other.catalog.list()] == [backup.id]
    opener.show()
    save_screenshot(opener, "import_dialog_done")


def test_a_file_limit_is_explained_with_the_split_offered(qtbot, ws, backup, tmp_path):
    # The drive's limit made small (FAT32's is 4 GB): a real FAT volume is in tests/integration.
    dialog = ExportDialog(ws, [backup], drives=[], file_limit=1000)
    qtbot.addWidget(dialog)
    dialog.set_destination(tmp_path / "stick")
    facts = named(dialog, "What the drive can hold").text()
    assert "FAT32" in facts and "split" in facts and "exFAT" in facts
    split = named(dialog, "Split large backups into parts")
    assert split.isVisibleTo(dialog) and split.isChecked()
    named(dialog, "Passphrase", QLineEdit).setText(PASSPHRASE)
    named(dialog, "Passphrase again", QLineEdit).setText(PASSPHRASE)
    assert named(dialog, "Export", QPushButton).isEnabled()
    split.setChecked(False)
    assert not named(dialog, "Export", QPushButton).isEnabled()
    split.setChecked(True)
    dialog.show()
    save_screenshot(dialog, "export_dialog_fat32", shows=("driveFacts",))


def test_main_window_offers_both_actions(qtbot, ws, backup):
    from desktop.ui.main_window import MainWindow
    window = MainWindow(ws)
    qtbot.addWidget(window)
    assert window.catalog_view.select(backup.id)
    assert window.export_action.isEnabled()
    exporter = window.export_selected()
    assert exporter.records[0].id == backup.id
    exporter.reject()
    opener = window.open_from_drive()
    assert opener.accessibleName() == "Open backups from a drive"
    opener.reject()
    assert window.toolbar_button("Export to drive") is not None
    assert window.toolbar_button("Open backups from a drive") is not None


def test_the_latest_backup_of_every_connection_in_one_go(qtbot, ws, backup, make_profile, pg15, chinook_db, tmp_path):
    make_profile(pg15, chinook_db, name="shop copy")
    newest = run_backup(ws, BackupRequest(profile="shop copy", options=BackupOptions()))
    dialog = ExportDialog(ws, [backup], drives=[])
    qtbot.addWidget(dialog)
    every = named(dialog, "Export the latest backup of every connection instead")
    every.setChecked(True)
    assert [r.id for r in dialog.records] == [backup.id, newest.id]
    assert "shop copy" in named(dialog, "What is exported").text()
    dialog.set_destination(tmp_path / "usb")
    for field in ("Passphrase", "Passphrase again"):
        named(dialog, field, QLineEdit).setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as exported:
        named(dialog, "Export", QPushButton).click()
    qtbot.waitUntil(lambda: not dialog.job.running)
    assert sorted(c.backup_id for c in exported.args[0].copies) == sorted([backup.id, newest.id])
    every.setChecked(False)
    assert dialog.records == [backup]
