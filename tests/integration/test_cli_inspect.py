"""`lifeboat show ID --contents`, `preview`, `export-table` and `list --table`,
run as real processes: stdout holds the result only, exit codes as CLI.md says."""
import csv
import io
import json

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
