"""Compare…: a real backup against the one before it and against the database now."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from desktop.core.inspect.compare import TableChange
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.catalog_model import PAGE
from desktop.ui.compare_dialog import LIVE, CompareDialog, change_words, summary_text
from tests.catalog_entries import backup_record, insert_records
from tests.ui.screens import save_screenshot


def rows_shown(dialog) -> dict[str, tuple[str, str, str]]:
    table = dialog.table
    return {table.item(r, 0).text(): tuple(table.item(r, c).text() for c in (1, 2, 3))
            for r in range(table.rowCount())}


def compare_with(qtbot, dialog, choice) -> None:
    dialog.other.setCurrentIndex(dialog.other.findData(choice))
    with qtbot.waitSignal(dialog.run().finished, timeout=60000):
        pass


def test_what_changed_between_two_backups_and_since_the_last(qtbot, ws, pg15, chinook_db, make_profile):
    make_profile(pg15, chinook_db, name="Music")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    first = run_backup(ws, BackupRequest("Music", clock=lambda: an_hour_ago))
    pg15.run_psql(chinook_db, "DROP TABLE playlist_track; ALTER TABLE artist ADD COLUMN country text; "
                              "ALTER TABLE genre ALTER COLUMN name TYPE varchar(200); "
                              "CREATE TABLE review (id int PRIMARY KEY); "
                              "DELETE FROM invoice_line WHERE invoice_id = 1;")
    second = run_backup(ws, BackupRequest("Music"))
    details = BackupDetailsDialog(ws.catalog.get(second.id), ws=ws)
    qtbot.addWidget(details)
    with qtbot.waitSignal(details.compare_requested) as asked:
        qtbot.mouseClick(details.compare_button, Qt.MouseButton.LeftButton)
    dialog = CompareDialog(ws, asked.args[0])
    qtbot.addWidget(dialog)
    dialog.show()
    compare_with(qtbot, dialog, first.id)
    shown = rows_shown(dialog)
    assert shown["playlist_track"] == ("Table gone", "8,715", "—")
    assert shown["review"][0] == "New table"
    assert shown["artist"][0] == "New columns: country"
    assert shown["genre"][0] == "Name changed from character varying(120) to character varying(200)"
    assert shown["invoice_line"] == ("Rows \u22122", "2,240", "2,238")
    assert "album" not in shown
    assert dialog.summary.text() == "5 tables differ: 1 new, 1 gone, 3 changed."
    assert first.id not in dialog.windowTitle() + dialog.summary.text()
    save_screenshot(dialog, "compare_dialog", shows=("compareTable", "compareWith", "compareButton"))
    pg15.run_psql(chinook_db, "INSERT INTO review VALUES (1);")
    compare_with(qtbot, dialog, LIVE)
    assert rows_shown(dialog) == {"review": ("Rows +1", "0", "1")}


def test_the_words_for_each_kind_of_change():
    assert summary_text([]) == "No difference: the same tables, columns and row counts."
    change = TableChange("public.t", "changed", columns_removed=["a"], rows_before=5, rows_after=5)
    assert change_words(change) == "Columns gone: a"


def test_the_other_backups_are_read_a_page_at_a_time(qtbot, ws):
    """A year of hourly backups: the list of choices holds a page and reads more as it scrolls."""
    backups = [backup_record(f"b{number:04d}", started_at=f"2026-{11 - number // 720:02d}-{1 + number % 720 // 24:02d}"
                             f"T{number % 24:02d}:00:00Z") for number in range(1_000)]
    backups[1] = replace(backups[1], status="failed")
    insert_records(ws.catalog, backups)
    dialog = CompareDialog(ws, ws.catalog.get("b0000"))
    qtbot.addWidget(dialog)
    choices = dialog.other
    assert choices.count() == 2 + PAGE and choices.findData(LIVE) == 1
    assert choices.findData("b0000") == choices.findData("b0001") == -1, "neither itself nor a failed backup"
    assert choices.itemText(2).startswith("The backup Shop production, ")
    choices.model().fetchMore()
    assert choices.count() == 2 + 2 * PAGE
