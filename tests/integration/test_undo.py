"""Protected production: the typed confirmation, the safety backup, and the undo that puts it back exactly."""
import psycopg
import pytest

from desktop.core.errors import ConfirmationRequired, UsageError
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.delete import delete_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.jobs.undo import undo_offer, undo_restore
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def snapshot(cluster, dbname):
    return schema_dump(cluster, dbname), table_hashes(cluster, dbname)


@pytest.fixture
def other_backup(ws, make_profile, pg15, chinook_db, fresh_db):
    """A backup of a changed Chinook (a table more, rows fewer): what a regretted restore brings in."""
    dev = fresh_db(template=chinook_db, prefix="dev")
    with psycopg.connect(pg15.conninfo(dev), autocommit=True) as conn:
        conn.execute("CREATE TABLE added_in_development (id int PRIMARY KEY)")
        conn.execute("DELETE FROM playlist_track WHERE playlist_id = 1")
    make_profile(pg15, dev, name="dev")
    return run_backup(ws, BackupRequest(profile="dev"))


def test_production_restore_without_confirmation_is_refused_and_changes_nothing(
        ws, make_profile, pg15, chinook_db, other_backup):
    make_profile(pg15, chinook_db, environment="production", name="prod")
    before = snapshot(pg15, chinook_db)
    for confirm in (None, "wrong name"):
        with pytest.raises(ConfirmationRequired, match=chinook_db):
            run_restore(ws, RestoreRequest(source=other_backup.id, into="prod", clean=True, confirm=confirm))
    assert snapshot(pg15, chinook_db) == before
    assert [r.kind for r in ws.catalog.list(profile="prod")] == []  # not even a safety backup


def test_undo_puts_production_back_exactly(ws, make_profile, pg15, chinook_db, other_backup):
    make_profile(pg15, chinook_db, environment="production", name="prod")
    before = snapshot(pg15, chinook_db)
    result = run_restore(ws, RestoreRequest(source=other_backup.id, into="prod", clean=True, confirm=chinook_db))
    assert result.ok and result.safety_backup_id
    safety = ws.catalog.get(result.safety_backup_id)
    assert (safety.kind, safety.profile, safety.status) == ("safety", "prod", "completed")
    assert safety.held_for is None  # verified, so released
    assert snapshot(pg15, chinook_db) != before

    offer = undo_offer(ws, result.safety_backup_id)
    assert offer.command() == f"lifeboat undo {safety.id} --confirm {chinook_db}"
    with pytest.raises(ConfirmationRequired):
        undo_restore(ws, safety.id)
    undone = undo_restore(ws, safety.id, confirm=chinook_db)
    assert undone.ok and undone.safety_backup_id  # the undo is itself undoable
    assert snapshot(pg15, chinook_db) == before  # the added table is gone too


def test_failed_production_restore_carries_its_undo_and_keeps_the_safety_backup(
        ws, make_profile, pg15, chinook_db, other_backup):
    make_profile(pg15, chinook_db, environment="production", name="prod")
    before = snapshot(pg15, chinook_db)
    # A restore that fails inside its transaction: the backup's table exists, and no --clean.
    request = RestoreRequest(source=other_backup.id, into="prod", data_only=True, confirm=chinook_db)
    with pytest.raises(Exception) as failure:
        run_restore(ws, request)
    safety_id = failure.value.safety_backup_id
    assert safety_id and ws.catalog.get(safety_id).held_for
    with pytest.raises(UsageError, match="undo"):
        delete_backup(ws, safety_id)
    assert snapshot(pg15, chinook_db) == before
    undo_restore(ws, safety_id, confirm=chinook_db)
    assert ws.catalog.get(safety_id).held_for is None
    assert snapshot(pg15, chinook_db) == before


def test_only_a_safety_backup_undoes(ws, other_backup):
    with pytest.raises(UsageError, match="not a safety backup"):
        undo_restore(ws, other_backup.id, confirm="x")
