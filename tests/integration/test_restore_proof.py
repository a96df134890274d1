"""Proof that a backup restores: a scratch database, the checks, and the scratch database always gone."""
import psycopg
import pytest

from desktop.core.errors import Cancelled, VerificationFailed
from desktop.core.format.pipeline import EncryptingSink
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.rebuild import add_backup_file
from desktop.core.jobs.restore.proof import prove_restorable, scratch_database_name
from desktop.core.open_backup import open_backup, plaintext
from desktop.core.progress import CancelToken
from desktop.core.workspace import Workspace


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def databases(cluster) -> set[str]:
    with psycopg.connect(cluster.conninfo("postgres")) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


@pytest.fixture
def backed_up(ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, environment="production", name="prod")
    make_profile(pg15, "postgres", name="dev server")
    return run_backup(ws, BackupRequest(profile="prod"))


def with_wrong_count(ws, record, table: str):
    """A copy of the backup whose manifest claims one row more in `table` (written with the real sink)."""
    opened = open_backup(ws, record.id)
    manifest = opened.manifest.to_dict()
    manifest["backup_id"] = record.id[::-1]
    manifest["row_counts"][table] += 1
    path = ws.paths.backups_dir / "inconsistent.lifeboat"
    with open(path, "wb") as out:
        sink = EncryptingSink(out, ws.secrets.installation_key(), compress=manifest["compression"] != "none")
        with plaintext(opened) as (blocks, _):
            for block in blocks:
                sink.write(block)
        sink.close(manifest)
    return add_backup_file(ws, path)


def test_good_backup_is_proven_and_the_scratch_database_dropped(ws, pg15, backed_up):
    assert ws.catalog.get(backed_up.id).proven_restorable_at is None
    result = prove_restorable(ws, backed_up.id, server="dev server")
    assert result.ok and result.server == "dev server"
    assert result.scratch_database == scratch_database_name(backed_up.id) == f"lifeboat_verify_{backed_up.id}"
    assert len(result.check.tables) == len(backed_up.row_counts) and not result.check.violated_constraints
    assert ws.catalog.get(backed_up.id).proven_restorable_at == result.proven_at is not None
    assert result.scratch_database not in databases(pg15)


def test_count_that_differs_fails_naming_the_table_and_still_drops(ws, pg15, backed_up):
    bad = with_wrong_count(ws, backed_up, "public.genre")
    with pytest.raises(VerificationFailed, match=r"public\.genre \(expected 26, found 25\)"):
        prove_restorable(ws, bad.id, server="dev server")
    assert scratch_database_name(bad.id) not in databases(pg15)
    assert ws.catalog.get(bad.id).proven_restorable_at is None


def test_cancelled_test_restore_drops_the_scratch_database(ws, pg15, backed_up):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        prove_restorable(ws, backed_up.id, server="dev server", cancel=cancel)
    assert scratch_database_name(backed_up.id) not in databases(pg15)


def test_leftover_scratch_database_is_replaced(ws, pg15, backed_up):
    pg15.create_database(scratch_database_name(backed_up.id))
    assert prove_restorable(ws, backed_up.id, server="dev server").ok
    assert scratch_database_name(backed_up.id) not in databases(pg15)


def test_broken_link_in_a_not_valid_constraint_fails_the_proof(ws, make_profile, pg15, chinook_db):
    with psycopg.connect(pg15.conninfo(chinook_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE invoice_line DROP CONSTRAINT invoice_line_track_id_fkey")
        conn.execute("DELETE FROM playlist_track WHERE track_id = 1")
        conn.execute("DELETE FROM track WHERE track_id = 1")
        conn.execute("ALTER TABLE invoice_line ADD CONSTRAINT invoice_line_track_id_fkey "
                     "FOREIGN KEY (track_id) REFERENCES track (track_id) NOT VALID")
    make_profile(pg15, chinook_db, name="dev")
    record = run_backup(ws, BackupRequest(profile="dev"))
    with pytest.raises(VerificationFailed, match=r"invoice_line_track_id_fkey on invoice_line: \d+ rows point at"):
        prove_restorable(ws, record.id)  # the private server checks constraints too
