"""`lifeboat undo`, `lifeboat sync`, `lifeboat verify --restore` as real processes (CLI.md spellings)."""
import json

import psycopg

from tests.dbcompare import schema_dump, table_hashes
from tests.integration.cli_helpers import backup_id, failed_cleanly, ok


def test_production_restore_prints_its_undo_and_undo_puts_it_back(lifeboat, pg15, chinook_db, fresh_db, make_profile):
    source = fresh_db(template=chinook_db)
    with psycopg.connect(pg15.conninfo(source), autocommit=True) as conn:
        conn.execute("DELETE FROM playlist_track")
    new_id = backup_id(lifeboat, make_profile(pg15, source, name="dev").name)
    make_profile(pg15, chinook_db, environment="production", name="prod")
    before = schema_dump(pg15, chinook_db), table_hashes(pg15, chinook_db)
    restored = ok(lifeboat("restore", new_id, "--into", "prod", "--clean", "--confirm", chinook_db))
    undo_command = next(line for line in restored.stderr.splitlines() if "lifeboat undo" in line)
    args = undo_command.split("run: lifeboat ", 1)[1].split()
    assert args[:1] == ["undo"] and args[-2:] == ["--confirm", chinook_db]
    failed_cleanly(lifeboat(*args[:-2]), 1, "production")
    ok(lifeboat(*args))
    assert (schema_dump(pg15, chinook_db), table_hashes(pg15, chinook_db)) == before


def test_refused_sync_says_why_and_offers_the_undo(lifeboat, pg15, chinook_db, fresh_db, make_profile):
    dev = fresh_db(template=chinook_db)
    with psycopg.connect(pg15.conninfo(dev), autocommit=True) as conn:
        for statement in ("DELETE FROM invoice_line WHERE track_id = 1",
                          "DELETE FROM playlist_track WHERE track_id = 1",
                          "DELETE FROM track WHERE track_id = 1"):
            conn.execute(statement)
    make_profile(pg15, dev, name="dev")
    make_profile(pg15, chinook_db, environment="production", name="prod")
    failed_cleanly(lifeboat("sync", "dev", "--into", "prod", "--table", "track"), 1, "production", "--confirm")
    result = lifeboat("sync", "dev", "--into", "prod", "--table", "track", "--confirm", chinook_db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "1) Take a safety backup" in result.stderr and "4) Check the rows" in result.stderr
    assert "sync was refused" in result.stderr and "lifeboat undo" in result.stderr.splitlines()[-1]


def test_verify_restore_proves_a_backup(lifeboat, pg15, chinook_db, make_profile):
    new_id = backup_id(lifeboat, make_profile(pg15, chinook_db, environment="production", name="prod").name)
    make_profile(pg15, "postgres", name="dev server")
    proven = ok(lifeboat("verify", new_id, "--restore"))
    assert "public.track" in proven.stdout and "Proven restorable" in proven.stderr
    shown = json.loads(ok(lifeboat("show", new_id, "--json")).stdout)
    assert shown["proven_restorable_at"]
    ok(lifeboat("verify", new_id, "--restore", "--server", "dev server"))
    failed_cleanly(lifeboat("verify", new_id, "--restore", "--server", "nobody"), 2)
