"""The right backup or none, and nothing claimed for nothing (issue 10).

- a backup's file replaced by another valid Lifeboat backup (of another
  database) is refused before the target is touched, naming what differs;
- a file whose checksum is not the catalog's is refused before the commit;
- a table filter that matches nothing, a structure/data choice that leaves
  nothing, an archive without tables: refused with exit 1, not "Verified: all 0 tables";
- large objects in a script do not commit the restore before its end.
"""
import shutil
import sqlite3

import psycopg
import pytest

from desktop.cli.main import main as cli_main
from desktop.core.errors import RestoreFailed
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def state(cluster, dbname):
    return schema_dump(cluster, dbname), table_hashes(cluster, dbname)


@pytest.fixture
def target(make_profile, pg15, chinook_db, fresh_db):
    """A non-empty target: a changed Chinook."""
    name = fresh_db(template=chinook_db, prefix="target")
    with psycopg.connect(pg15.conninfo(name), autocommit=True) as conn:
        conn.execute("DELETE FROM invoice_line WHERE invoice_line_id % 2 = 0")
    make_profile(pg15, name, name="target")
    return name


def refused(capsys, args: list[str], *words: str) -> str:
    assert cli_main(args) == 1
    err = capsys.readouterr().err
    for word in words:
        assert word in err, err
    assert "Verified" not in err
    return err


@pytest.mark.parametrize("option", ["--clean", "--replace"])
def test_a_swapped_file_is_refused_and_the_target_untouched(
        ws, make_profile, pg15, chinook_db, pagila_db, target, capsys, option):
    make_profile(pg15, chinook_db, name="chinook")
    make_profile(pg15, pagila_db, name="pagila")
    named = run_backup(ws, BackupRequest("chinook"))
    other = run_backup(ws, BackupRequest("pagila"))
    shutil.copyfile(other.path, named.path)  # a valid backup, of another database
    before = state(pg15, target)
    err = refused(capsys, ["restore", named.id, "--into", "target", option, "--confirm", target],
                  named.id, other.id, pagila_db, "not the backup")
    assert "bytes long" in err  # the sizes differ too, and it says so
    assert state(pg15, target) == before


def test_a_swapped_file_is_not_proven_restorable(ws, make_profile, pg15, chinook_db, pagila_db, target, capsys):
    make_profile(pg15, chinook_db, name="chinook")
    make_profile(pg15, pagila_db, name="pagila")
    named = run_backup(ws, BackupRequest("chinook"))
    shutil.copyfile(run_backup(ws, BackupRequest("pagila")).path, named.path)
    refused(capsys, ["verify", named.id, "--restore", "--server", "target"], "not the backup")
    assert ws.catalog.get(named.id).proven_restorable_at is None


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_a_checksum_other_than_the_catalogs_stops_before_the_commit(
        ws, make_profile, pg15, chinook_db, target, capsys, fmt):
    # The file is intact; the catalog remembers another checksum. The psql
    # routes compare it after the last chunk, before they send COMMIT.
    make_profile(pg15, chinook_db, name="chinook")
    record = run_backup(ws, BackupRequest("chinook", BackupOptions(format=fmt)))
    with sqlite3.connect(ws.paths.catalog_file) as db:
        db.execute("UPDATE backups SET sha256 = ? WHERE id = ?", ("0" * 64, record.id))
    before = state(pg15, target)
    refused(capsys, ["restore", record.id, "--into", "target", "--replace"], "checksum")
    assert state(pg15, target) == before


def test_a_table_filter_that_matches_nothing(ws, make_profile, pg15, chinook_db, target, capsys):
    make_profile(pg15, chinook_db, name="chinook")
    record = run_backup(ws, BackupRequest("chinook"))
    before = state(pg15, target)
    refused(capsys, ["restore", record.id, "--into", "target", "--clean", "--table", "public.nosuch"],
            "public.nosuch", "nothing to restore")
    refused(capsys, ["restore", record.id, "--into", "target", "--clean",
                     "--table", "public.artist", "--table", "nosuch"], "nosuch")
    assert state(pg15, target) == before


@pytest.mark.parametrize("made, asked", [("--schema-only", "--data-only"), ("--data-only", "--schema-only")])
def test_a_choice_that_leaves_nothing(ws, make_profile, pg15, chinook_db, target, capsys, made, asked):
    make_profile(pg15, chinook_db, name="chinook")
    options = BackupOptions(schema_only=made == "--schema-only", data_only=made == "--data-only")
    record = run_backup(ws, BackupRequest("chinook", options))
    before = state(pg15, target)
    refused(capsys, ["restore", record.id, "--into", "target", "--clean", asked], "nothing to restore")
    assert state(pg15, target) == before


def test_an_archive_without_tables(ws, make_profile, pg15, fresh_db, target, capsys):
    empty = fresh_db(prefix="empty")
    make_profile(pg15, empty, name="empty")
    record = run_backup(ws, BackupRequest("empty"))
    before = state(pg15, target)
    refused(capsys, ["restore", record.id, "--into", "target", "--replace"], "holds no tables")
    assert state(pg15, target) == before


@pytest.mark.parametrize("fmt", ["plain", "custom"])
def test_large_objects_do_not_commit_a_restore_early(ws, make_profile, pg15, fresh_db, target, fmt):
    """pg_dump writes BEGIN;/COMMIT; around large objects' data in a script
    (plain, and pg_restore --file=- on the script route); passed through,
    that COMMIT would commit everything restored before it. A statement
    that fails after the whole script must still undo all of it."""
    source = fresh_db(prefix="blobs")
    with psycopg.connect(pg15.conninfo(source), autocommit=True) as conn:
        conn.execute("CREATE TABLE files (id int PRIMARY KEY, blob oid)")
        conn.execute("INSERT INTO files SELECT g, lo_from_bytea(0, 'blob') FROM generate_series(1, 3) g")
    make_profile(pg15, source, name="blobs")
    record = run_backup(ws, BackupRequest("blobs", BackupOptions(format=fmt)))
    before = state(pg15, target)
    with pytest.raises(RestoreFailed):
        run_restore(ws, RestoreRequest(record.id, into="target", replace=True, sql_after="SELECT 1/0;"))
    assert state(pg15, target) == before
    with psycopg.connect(pg15.conninfo(target)) as conn:
        assert conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0] == 0
