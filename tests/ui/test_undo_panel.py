"""The undo under a production restore's result: typed name, one click, production back exactly."""
import psycopg

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.ui.restore.undo_panel import UndoPanel
from tests.dbcompare import schema_dump, table_hashes
from tests.ui.screens import save_screenshot


def test_undo_puts_production_back(qtbot, ws, make_profile, pg15, chinook_db, fresh_db):
    dev = fresh_db(template=chinook_db, prefix="dev")
    with psycopg.connect(pg15.conninfo(dev), autocommit=True) as conn:
        conn.execute("DELETE FROM playlist_track")
    make_profile(pg15, dev, name="Music shop test")
    make_profile(pg15, chinook_db, environment="production", name="Music shop live")
    before = schema_dump(pg15, chinook_db), table_hashes(pg15, chinook_db)
    backup = run_backup(ws, BackupRequest("Music shop test"))
    result = run_restore(ws, RestoreRequest(source=backup.id, into="Music shop live", clean=True, confirm=chinook_db))

    panel = UndoPanel(ws)
    qtbot.addWidget(panel)
    panel.show_offer(None)
    assert panel.isHidden()
    panel.show_offer(result.safety_backup_id)
    panel.resize(760, 140)
    panel.show()
    assert panel.button.text().startswith(f"Undo: put {chinook_db} back as it was at ")
    assert panel.button.accessibleName() == panel.button.text()
    assert not panel.button.isEnabled()
    panel.typed.setText(chinook_db.upper())
    assert not panel.button.isEnabled()
    panel.typed.setText(chinook_db)
    assert panel.button.isEnabled()
    save_screenshot(panel, "undo_panel", shows=("undoExplanation",))
    panel.button.click()
    qtbot.waitUntil(lambda: panel.outcome.text()[:1] in ("\u2714", "\u2716"), timeout=120_000)
    assert panel.outcome.text().startswith("\u2714"), panel.outcome.text()
    assert (schema_dump(pg15, chinook_db), table_hashes(pg15, chinook_db)) == before
