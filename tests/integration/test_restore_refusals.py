"""The right backup or none, and nothing claimed for nothing (issue 10).

- a backup's file replaced by another valid Lifeboat backup (of another
  database) is refused before the target is touched, naming what differs;
- a file whose checksum is not the catalog's is refused before the commit;
- a table filter that matches nothing, a structure/data choice that leaves
  nothing, an archive without tables: refused with exit 1, not "Verified: all 0 tables".
"""
import shutil
import sqlite3

import psycopg
import pytest

from desktop.cli import main as cli_main
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.manifest import BackupOptions
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
