"""`lifeboat show ID --contents`, `preview`, `export-table` and `list --table`,
run as real processes: stdout holds the result only, exit codes as CLI.md says."""
import csv
import io
import json

from desktop.core.format.manifest import utc_now
from tests.faults import wait_for
from tests.integration import inspect_fixtures
from tests.integration.cli_helpers import backup_id, failed_cleanly, ok

unusual_db = inspect_fixtures.unusual_db


def test_look_inside_from_the_command_line(lifeboat, make_profile, pg15, unusual_db, tmp_path):
    make_profile(pg15, unusual_db, name="odd")
    backup = backup_id(lifeboat, "odd")

    contents = json.loads(ok(lifeboat("show", backup, "--contents", "--json")).stdout)
    tables = {t["table"]: t for t in contents["tables"]}
    assert tables['public."select"']["rows"] == 300
    assert [c["name"] for c in tables['"Sales Dept"."Order Items"']["columns"]][:2] == ["id", 'Item "quoted" name']
    assert contents["large_objects"] == 2 and contents["views"][0]["name"] == "cheap"
    text = ok(lifeboat("show", backup, "--contents")).stdout
    assert '"Sales Dept"."Order Items"  (table, 3 rows)' in text and "Large objects: 2" in text
    plain = ok(lifeboat("show", backup)).stdout  # without --contents: the catalog entry, as before
    assert "sha256:" in plain and "Large objects" not in plain

    shown = json.loads(ok(lifeboat("preview", backup, '"Sales Dept"."Order Items"', "--limit", "2", "--json")).stdout)
    assert shown["order"] == "primary key" and shown["more"] is True
    assert shown["rows"] == [["1", "a\ttab \\ back", "-1.50", "ü", '{a,"b c"}', '{"k": [1, 2]}', "\\x00ff", "t",
                              "2024-01-01 10:00:00+00"], ["2", "", None, None, None, None, None, None, None]]
    table = ok(lifeboat("preview", backup, "select", "--limit", "3"))
    assert table.stdout.splitlines() == ["from  order", "1     r1", "2     r2", "3     r3"]
    assert "first by primary key" in table.stderr

    out = tmp_path / "items.csv"
    result = ok(lifeboat("export-table", backup, '"Sales Dept"."Order Items"', "--format", "csv", "--out", str(out)))
    assert result.stdout.strip() == str(out)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[0][:3] == ["id", 'Item "quoted" name', "prix"] and rows[3][1] == 'line\nbreak "q", comma'
    assert rows[1][2] == "-1.50"  # a number column is never guarded
    jsonl = tmp_path / "items.jsonl"
    ok(lifeboat("export-table", backup, '"Sales Dept"."Order Items"', "--format", "jsonl", "--out", str(jsonl)))
    assert [json.loads(line)["id"] for line in jsonl.read_text(encoding="utf-8").splitlines()] == [1, 2, 3]

    failed_cleanly(lifeboat("preview", backup, "public.nothing"), 2, "holds no table public.nothing")
    failed_cleanly(lifeboat("preview", backup, "nokey"), 2, '"Sales Dept".nokey', "public.nokey")
    failed_cleanly(lifeboat("export-table", backup, "select", "--format", "csv", "--out", str(out)), 1,
                   "already exists")


def test_list_backups_holding_a_table(lifeboat, make_profile, pg15, chinook_db, pagila_db):
    make_profile(pg15, chinook_db, name="music")
    make_profile(pg15, pagila_db, name="films")
    music, films = backup_id(lifeboat, "music"), backup_id(lifeboat, "films")
    found = json.loads(ok(lifeboat("list", "--table", "public.artist", "--json")).stdout)
    assert [(b["id"], b["table_rows"]) for b in found] == [(music, {"public.artist": 275})]
    assert "row_counts" in found[0]  # still a backup object, as `list --json` prints
    assert [b["id"] for b in json.loads(ok(lifeboat("list", "--table", "actor", "--json")).stdout)] == [films]
    text = ok(lifeboat("list", "--table", "artist")).stdout
    assert music in text and "public.artist" in text and "275" in text and films not in text
    assert "No backup" in ok(lifeboat("list", "--table", "nothing")).stdout


def test_compare_two_backups_and_the_database_now(lifeboat, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="music")
    first = backup_id(lifeboat, "music")
    done = utc_now()  # catalog times are to the second: let "the one before" be told apart
    wait_for(lambda: utc_now() != done, timeout=5, what="the next second")
    pg15.run_psql(chinook_db, "DROP TABLE playlist_track; ALTER TABLE artist ADD COLUMN country text;"
                              "ALTER TABLE genre ALTER COLUMN name TYPE text;"
                              "INSERT INTO media_type VALUES (99, 'Wax cylinder');")
    second = backup_id(lifeboat, "music")
    result = json.loads(ok(lifeboat("compare", first, second, "--json")).stdout)
    changes = {c["table"]: c for c in result["tables"]}
    assert (result["before"], result["after"]) == (f"backup {first}", f"backup {second}")
    assert set(changes) == {"public.playlist_track", "public.artist", "public.genre", "public.media_type"}
    assert changes["public.playlist_track"]["change"] == "removed"
    assert changes["public.playlist_track"]["rows_before"] == 8715
    assert changes["public.artist"]["columns_added"] == ["country"]
    assert changes["public.genre"]["types_changed"] == [
        {"column": "name", "before": "character varying(120)", "after": "text"}]
    assert (changes["public.media_type"]["rows_before"], changes["public.media_type"]["rows_after"]) == (5, 6)
    assert json.loads(ok(lifeboat("compare", second, "--json")).stdout) == result  # alone: with the one before

    pg15.run_psql(chinook_db, "CREATE TABLE public.invoices_2027 (id int); DELETE FROM invoice_line;")
    live = json.loads(ok(lifeboat("compare", second, "--live", "--json")).stdout)
    assert live["after"] == "the database now (music)"
    assert [(c["table"], c["change"], c["rows_after"]) for c in live["tables"]] == [
        ("public.invoice_line", "changed", 0), ("public.invoices_2027", "added", 0)]
    text = ok(lifeboat("compare", first, second)).stdout
    assert "public.playlist_track" in text and "removed" in text and "+country" in text
    failed_cleanly(lifeboat("compare", first), 2, "first of music")
