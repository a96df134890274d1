"""The sync dialog against real PostgreSQL: the typed-name gate, a full sync, the table list."""
import psycopg
import pytest
from PySide6.QtCore import Qt

from desktop.ui import palette
from desktop.ui.main_window import MainWindow
from desktop.ui.sync_dialog import SyncDialog
from tests.dbcompare import row_counts, table_hashes
from tests.ui.screens import save_screenshot

WAIT_MS = 120_000


@pytest.fixture
def dialog_for(qtbot, ws, make_profile, pg15, chinook_db, fresh_db):
    """A dialog from chinook (development) into a changed copy of it (production), its plan shown."""
    live = fresh_db(template=chinook_db, prefix="live")
    with psycopg.connect(pg15.conninfo(live), autocommit=True) as conn:
        conn.execute("DELETE FROM playlist_track")
    make_profile(pg15, chinook_db, name="Music shop test")
    make_profile(pg15, live, environment="production", name="Music shop live")

    def make() -> SyncDialog:
        dialog = SyncDialog(ws)
        qtbot.addWidget(dialog)
        dialog.select("Music shop test", "Music shop live")
        qtbot.waitUntil(lambda: dialog.plan is not None and dialog.tables.count() > 0, timeout=WAIT_MS)
        return dialog
    make.live = live
    return make


def test_start_waits_for_the_exact_database_name(qtbot, dialog_for):
    dialog = dialog_for()
    dialog.show()
    live = dialog_for.live
    assert dialog.banner.isVisible() and "PRODUCTION" in dialog.banner.text()
    assert dialog.target_badge.text() == "PRODUCTION" and dialog.source_badge.text() == "Development"
    steps = dialog.steps.text().splitlines()
    assert len(steps) == 4 and steps[0].startswith("1. Take a safety backup of " + live)
    assert not dialog.start_button.isEnabled()
    dialog.confirm.setText(live.upper())
    assert not dialog.start_button.isEnabled()
    dialog.confirm.setText(live + " ")
    assert not dialog.start_button.isEnabled()
    dialog.confirm.setText(live)
    assert dialog.start_button.isEnabled()
    save_screenshot(dialog, "sync_dialog_before_start", shows=("productionBanner", "confirmField"))


def test_full_sync_makes_production_equal_to_development(qtbot, ws, pg15, chinook_db, dialog_for):
    dialog = dialog_for()
    dialog.show()
    live = dialog_for.live
    assert table_hashes(pg15, live) != table_hashes(pg15, chinook_db)
    dialog.confirm.setText(live)
    with qtbot.waitSignal(dialog.synced, timeout=WAIT_MS) as synced:
        dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.sync_job.running, timeout=WAIT_MS)
    result = synced.args[0]
    assert result.ok
    assert table_hashes(pg15, live) == table_hashes(pg15, chinook_db)
    safety = ws.catalog.get(result.safety_backup_id)
    assert safety.status == "completed" and safety.database == live
    assert dialog.outcome.summary.text().startswith("\u2714")
    assert dialog.outcome.lost.isHidden(), "nothing lost: playlist_track only gains rows"
    assert dialog.outcome.check_table.rowCount() == len(table_hashes(pg15, chinook_db))
    assert not dialog.outcome.undo.isHidden()
    save_screenshot(dialog, "sync_dialog_result", shows=("syncSummary",))


def test_picked_tables_list_loads_and_plan_names_the_links(qtbot, dialog_for):
    dialog = dialog_for()
    keys = [dialog.tables.item(row).data(Qt.ItemDataRole.UserRole) for row in range(dialog.tables.count())]
    assert "public.artist" in keys and "public.track" in keys
    assert len(keys) == len(set(keys)) == 11
    assert not dialog.tables.isEnabled()
    dialog.some.setChecked(True)
    assert dialog.tables.isEnabled()
    assert dialog.plan is None  # nothing ticked yet: no plan, no Start
    qtbot.waitUntil(lambda: dialog.steps.text() == "Tick at least one table to copy.", timeout=WAIT_MS)
    dialog.tables.item(keys.index("public.artist")).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=WAIT_MS)
    assert dialog.plan.tables == ["public.artist"]
    assert "the tables public.artist" in dialog.steps.text()
    # album points at artist: the plan says Lifeboat keeps that link.
    assert "public.album points at public.artist" in dialog.link_notes.text()
    qtbot.waitUntil(lambda: not dialog.plan_job.running, timeout=WAIT_MS)


def test_the_main_window_opens_the_sync_dialog(qtbot, ws):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    button = window.toolbar_button("Copy development into production…")
    assert button.accessibleName() == "Copy development into production"
    dialog = window.open_sync()
    assert dialog.isVisible() and dialog.start_button.isEnabled() is False
    dialog.reject()


def test_a_table_production_would_lose_needs_its_tick_and_is_reported_in_red(qtbot, ws, pg15, chinook_db, dialog_for):
    """The issue's case: development lacks production's events table."""
    live = dialog_for.live
    with psycopg.connect(pg15.conninfo(live), autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id bigint PRIMARY KEY)")
        conn.execute("INSERT INTO events SELECT generate_series(1, 15000)")
        conn.execute("INSERT INTO genre VALUES (100, 'Polka')")
    dialog = dialog_for()
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.losses.count() == 2, timeout=WAIT_MS)
    lines = [dialog.losses.item(row).text() for row in range(dialog.losses.count())]
    assert lines == [f"events: 15,000 rows now \u2014 not in {chinook_db} (Music shop test), will be removed",
                     "genre: 26 rows now, 25 after"]
    assert dialog.losses.item(0).foreground().color().name() == palette.DANGER
    dialog.confirm.setText(live)
    assert not dialog.start_button.isEnabled(), "the lost table is not ticked yet"
    save_screenshot(dialog, "sync_dialog_losses", shows=("syncLosses",))
    dialog.losses.item(0).setCheckState(Qt.CheckState.Checked)
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(dialog.synced, timeout=WAIT_MS) as synced:
        dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.sync_job.running, timeout=WAIT_MS)
    assert synced.args[0].ok and table_hashes(pg15, live) == table_hashes(pg15, chinook_db)
    outcome = dialog.outcome
    assert outcome.summary.text().startswith(f"\u26a0 {live} now holds the copy")
    assert "1 table removed, 1 table with fewer rows" in outcome.summary.text()
    assert palette.DANGER in outcome.summary.styleSheet()
    assert outcome.lost.item(0).text() == (f"events: removed \u2014 it held 15,000 rows and is not in "
                                           f"{chinook_db} (Music shop test)")
    assert outcome.lost.item(1).text() == "genre: 26 rows before, 25 now"
    save_screenshot(dialog, "sync_dialog_result_losses", shows=("syncSummary",))

    outcome.undo.typed.setText(live)
    with qtbot.waitSignal(outcome.undo.undone, timeout=WAIT_MS), qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
        outcome.undo.button.click()
    assert outcome.summary.text().startswith(f"\u21a9 Undone: {live} is back as it was before the sync.")
    assert outcome.lost.isHidden()
    assert row_counts(pg15, live)["public.events"] == 15000
