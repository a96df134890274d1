"""The activity dialog: records newest first, filters, the intact/changed
state with the line, CSV export of what is shown."""
import csv
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QComboBox, QPushButton

from desktop.core.store.audit_log import AuditLog
from desktop.ui.activity_dialog import ActivityDialog
from tests.ui.screens import save_screenshot

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def logged(ws):
    log = AuditLog(ws.paths.audit_file)
    entries = [
        ("profile_add", "Shop", "shop", "", "ok", 0.1, ""),
        ("backup", "Shop", "shop", "3f9c2a81b7d4", "ok", 42.7, ""),
        ("verify", "Shop", "shop", "3f9c2a81b7d4", "ok", 3.2, ""),
        ("backup", "Chinook", "chinook", "", "failed", 1.4,
         "Lifeboat could not connect to db.example.com: the password was not accepted."),
        ("restore", "Chinook test", "chinook_test", "3f9c2a81b7d4", "ok", 65.0,
         "Verified: 11 tables, 15,607 rows, as in the backup."),
        ("trash", "Shop", "shop", "3f9c2a81b7d4", "ok", 0.0, ""),
        ("backup", "Shop", "shop", "", "cancelled", 12.0, "The backup was cancelled."),
    ]
    for n, (action, profile, database, backup_id, result, took, message) in enumerate(entries):
        log.append(action, profile=profile, database=database, backup_id=backup_id, result=result,
                   duration_s=took, message=message, now=T0 + timedelta(minutes=7 * n))
    return ws


def test_shows_records_newest_first_and_intact(qtbot, logged):
    dialog = ActivityDialog(logged)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 7
    assert dialog.table.item(0, 2).text() == "Backup" and dialog.table.item(0, 6).text() == "Cancelled"
    assert dialog.state_label.text().startswith("✔ Intact")
    save_screenshot(dialog, "activity_dialog", shows=("activityTable", "auditState"))


def test_filters(qtbot, logged):
    dialog = ActivityDialog(logged)
    qtbot.addWidget(dialog)
    dialog.action_filter.setCurrentIndex(dialog.action_filter.findData("backup"))
    assert dialog.table.rowCount() == 3
    dialog.result_filter.setCurrentIndex(dialog.result_filter.findData("failed"))
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 3).text() == "Chinook"
    dialog.action_filter.setCurrentIndex(0)
    dialog.result_filter.setCurrentIndex(0)
    dialog.profile_filter.setCurrentIndex(dialog.profile_filter.findData("Shop"))
    assert dialog.table.rowCount() == 5


def test_tampering_is_shown_with_the_line(qtbot, logged):
    log = AuditLog(logged.paths.audit_file)
    lines = log.path.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"failed"', '"ok"')
    log.path.write_text("".join(lines))
    dialog = ActivityDialog(logged)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "line 4" in dialog.state_label.text() and dialog.state_label.text().startswith("✖ Changed")
    save_screenshot(dialog, "activity_dialog_tampered", shows=("auditState",))


def test_csv_export_of_what_is_shown(qtbot, logged, tmp_path):
    dialog = ActivityDialog(logged)
    qtbot.addWidget(dialog)
    dialog.action_filter.setCurrentIndex(dialog.action_filter.findData("backup"))
    out = tmp_path / "activity.csv"
    assert dialog.export_csv(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["result"] for r in rows] == ["ok", "failed", "cancelled"]  # oldest first


def test_controls_have_accessible_names(qtbot, logged):
    dialog = ActivityDialog(logged)
    qtbot.addWidget(dialog)
    assert {c.accessibleName() for c in dialog.findChildren(QComboBox)} == {
        "Show what", "Show connection", "Show result"}
    assert {b.accessibleName() for b in dialog.findChildren(QPushButton)} == {"Export as CSV", "Close"}
