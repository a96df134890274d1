"""Looking inside backups without restoring them, checked against the source
database (psql) and against pg_restore's own listing of the archive."""
import csv
import io
import json
import re
import subprocess

import psycopg
import pytest
from psycopg import sql

from desktop.core.errors import UnknownTable
from desktop.core.format.manifest import BackupOptions
from desktop.core.inspect.contents import read_contents
from desktop.core.inspect.copy_text import is_number_type
from desktop.core.inspect.export_table import export_table
from desktop.core.inspect.preview import AS_STORED, BY_KEY, preview_table
from desktop.core.inspect.search import backups_with_table
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.decrypt import decrypt_backup
from desktop.core.jobs.export.import_copies import run_import
from desktop.core.jobs.export.run import ExportRequest, run_export
from desktop.core.postgres.copy_format import decode_row
from desktop.core.postgres.tools import tools_for_server
from desktop.core.store.audit_log import spreadsheet_safe
from desktop.core.store.secret_store import Secrets
from desktop.core.workspace import Workspace
from tests.faults import child_processes, fill_with_noise
from tests.integration import inspect_fixtures
from tests.keyrings import MemoryKeyring

FORMATS = ("custom", "plain", "directory")
unusual_db = inspect_fixtures.unusual_db
# `pg_restore --list` lines; the longer kinds first, so "TABLE DATA" is not taken for "TABLE".
_ENTRY = re.compile(r"^\d+; \d+ \d+ (MATERIALIZED VIEW DATA|MATERIALIZED VIEW|TABLE DATA|TABLE ATTACH|TABLE|VIEW|"
                    r"FUNCTION|AGGREGATE|PROCEDURE|SEQUENCE SET|SEQUENCE OWNED BY|SEQUENCE|EXTENSION|[A-Z ]+?) (.*)$")


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def backup_of(ws, make_profile, cluster, dbname, fmt="custom"):
    name = f"src-{fmt}"
    if name not in {p.name for p in ws.profiles.list()}:
        make_profile(cluster, dbname, name=name)
    return run_backup(ws, BackupRequest(profile=name, options=BackupOptions(format=fmt)))


def psql_out(cluster, dbname, command: str) -> bytes:
    with cluster.client_env(dbname) as env:
        result = subprocess.run([str(cluster.tool("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command],
                                env=env, capture_output=True, check=True)
    return result.stdout


def first_rows_by_key(cluster, dbname, shape, limit):
    """The first rows by primary key, as psql's COPY text prints them."""
    columns = sql.SQL(", ").join(sql.Identifier(c.name) for c in shape.columns if not c.generated)
    order = sql.SQL(", ").join(sql.Identifier(name) for name in shape.primary_key)
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        query = sql.SQL("SELECT {} FROM {} ORDER BY {} LIMIT {}").format(
            columns, sql.Identifier(shape.schema, shape.name), order, sql.Literal(limit)).as_string(conn)
    out = psql_out(cluster, dbname, f"COPY ({query}) TO STDOUT")
    return [decode_row(line) for line in out.split(b"\n") if line]


def listing_of(ws, record, tmp_path) -> list[str]:
    archive = decrypt_backup(ws, record.id, tmp_path / f"{record.id}.dump")
    tools = tools_for_server(180000)
    result = subprocess.run([str(tools.pg_restore), "--list", str(archive)], capture_output=True, check=True)
    return [line for line in result.stdout.decode().splitlines() if line and not line.startswith(";")]


@pytest.mark.parametrize("sample", ["unusual_db", "pagila_db"])
def test_contents_match_pg_restore_list(request, ws, make_profile, pg15, tmp_path, sample):
    dbname = request.getfixturevalue(sample)
    record = backup_of(ws, make_profile, pg15, dbname)
    contents = read_contents(ws, record.id)
    listing = listing_of(ws, record, tmp_path)
    ours = {("TABLE",): [(t.schema, t.name) for t in contents.tables]}
    for kinds, group in ((("VIEW",), "views"), (("MATERIALIZED VIEW",), "materialized_views"),
                         (("FUNCTION", "AGGREGATE", "PROCEDURE"), "functions"), (("SEQUENCE",), "sequences"),
                         (("EXTENSION",), "extensions")):
        ours[kinds] = [(e.schema or "-", e.name) for e in contents.objects(group)]
    # Every object Lifeboat names is an entry of the archive, and none is missing.
    for kinds, names in ours.items():
        lines = [match.group(2) for match in map(_ENTRY.match, listing) if match and match.group(1) in kinds]
        assert len(lines) == len(names), (kinds, lines, names)
        for schema, name in names:
            assert any(line.startswith(f"{schema} {name} ") for line in lines), (kinds, schema, name)
    with psycopg.connect(pg15.conninfo(dbname)) as conn:
        los = conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0]
        conn.execute("SET search_path = ''")  # types qualified as pg_dump writes them
        columns = {(s, t): [] for s, t in ours[("TABLE",)]}
        for schema, table, column, kind in conn.execute(
                "SELECT table_schema, table_name, column_name, format_type(a.atttypid, a.atttypmod) "
                "FROM information_schema.columns c JOIN pg_attribute a ON a.attrelid = format('%I.%I', "
                "table_schema, table_name)::pg_catalog.regclass AND a.attname = c.column_name "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY ordinal_position"):
            if (schema, table) in columns:
                columns[(schema, table)].append((column, kind))
    assert contents.large_objects == los
    for shape in contents.tables:
        assert [(c.name, c.type) for c in shape.columns] == columns[(shape.schema, shape.name)]
        assert shape.rows == record.row_counts.get(shape.key, shape.rows)


def test_unusual_names_in_every_format(ws, make_profile, pg15, unusual_db):
    seen = {}
    for fmt in FORMATS:
        contents = read_contents(ws, backup_of(ws, make_profile, pg15, unusual_db, fmt).id)
        data = contents.to_json()
        for table in data["tables"]:
            if fmt != "custom":
                assert table["data_bytes"] is not None, table
            table["data_bytes"] = None
        seen[fmt] = {key: value for key, value in data.items() if key not in ("backup_id", "format", "read")}
    assert seen["plain"] == seen["custom"] == seen["directory"]
    tables = {t["table"]: t for t in seen["custom"]["tables"]}
    assert set(tables) == {'"Sales Dept"."Order Items"', '"Sales Dept".nokey', "public.measures",
                           "public.measures_2023", "public.measures_2024", "public.nokey", 'public."select"'}
    assert tables["public.measures"]["kind"] == "partitioned table"
    assert tables["public.measures"]["rows"] == 3
    assert tables["public.measures_2023"]["partition_of"] == "public.measures"
    assert tables['"Sales Dept"."Order Items"']["primary_key"] == ["id"]
    assert seen["custom"]["schemas"] == ["Sales Dept", "public"]
    assert seen["custom"]["large_objects"] == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_preview_is_the_first_rows_by_primary_key(ws, make_profile, pg15, unusual_db, fmt):
    record = backup_of(ws, make_profile, pg15, unusual_db, fmt)
    contents = read_contents(ws, record.id)
    for name, limit in (('"Sales Dept"."Order Items"', 100), ("select", 7), ('public."select"', 1000)):
        result = preview_table(ws, record.id, name, limit, contents=contents)
        assert result.order == BY_KEY
        assert result.rows == first_rows_by_key(pg15, unusual_db, contents.table(name), limit)
    items = preview_table(ws, record.id, '"Sales Dept"."Order Items"', contents=contents)
    assert items.rows[1][1] == "" and items.rows[1][2] is None  # empty text is not NULL
    assert items.rows[0][1] == "a\ttab \\ back" and items.rows[0][6] == "\\x00ff"
    assert "doubled" not in items.columns  # generated: not stored in the backup
    no_key = preview_table(ws, record.id, "public.nokey", 2, contents=contents)
    assert (no_key.order, no_key.more, no_key.rows) == (AS_STORED, True, [["=1+1", "2"], ["@x", None]])
    partitioned = preview_table(ws, record.id, "measures", contents=contents)
    assert sorted(partitioned.rows) == [["2023-01-01", "Ås", "NaN"], ["2023-05-01", "Bergen", "-2"],
                                        ["2024-02-01", "Oslo", "1.5"]]
    with pytest.raises(UnknownTable, match="nokey"):
        preview_table(ws, record.id, "nokey", contents=contents)  # in two schemas
    with pytest.raises(UnknownTable, match="holds no table"):
        preview_table(ws, record.id, "public.nothing", contents=contents)


def test_preview_of_pagila_tables(ws, make_profile, pg15, pagila_db):
    record = backup_of(ws, make_profile, pg15, pagila_db)
    contents = read_contents(ws, record.id)
    checked = 0
    for shape in contents.tables:
        result = preview_table(ws, record.id, shape.key, 25, contents=contents)
        if result.order == BY_KEY:
            assert result.rows == first_rows_by_key(pg15, pagila_db, shape, 25), shape.key
            checked += 1
    assert checked >= 10


def _copy_csv(cluster, dbname, shape, tmp_path) -> bytes:
    target = tmp_path / f"copy-{shape.name}.csv"
    columns = ", ".join(f'"{c.name}"' for c in shape.columns if not c.generated)
    order = ", ".join(f'"{name}"' for name in shape.primary_key)
    psql_out(cluster, dbname, f"\\copy (SELECT {columns} FROM {shape.key} ORDER BY {order}) TO '{target}' CSV HEADER")
    return target.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_csv_export_is_what_copy_writes(ws, make_profile, pg15, chinook_db, tmp_path, fmt):
    record = backup_of(ws, make_profile, pg15, chinook_db, fmt)
    contents = read_contents(ws, record.id)
    guarded_cells = 0
    for shape in contents.tables:
        expected = _copy_csv(pg15, chinook_db, shape, tmp_path)
        exact, guarded = tmp_path / f"{fmt}-{shape.name}.csv", tmp_path / f"{fmt}-{shape.name}-guarded.csv"
        result = export_table(ws, record.id, shape.key, "csv", exact, contents=contents, spreadsheet_guard=False)
        assert result.rows == shape.rows
        assert exact.read_bytes() == expected, shape.key
        # For a spreadsheet: the same cells, but text starting with = + - @ gets an apostrophe.
        export_table(ws, record.id, shape.key, "csv", guarded, contents=contents)
        text_columns = [not is_number_type(c.type) for c in shape.columns if not c.generated]
        want = [[spreadsheet_safe(cell) if text and cell else cell for cell, text in zip(row, text_columns)]
                for row in _csv_rows(expected)]
        assert _csv_rows(guarded.read_bytes()) == want
        guarded_cells += sum(cell.startswith("'") for row in _csv_rows(guarded.read_bytes())[1:] for cell in row)
    assert len(contents.tables) >= 11 and guarded_cells > 0  # chinook's phone numbers start with +


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_guard_and_json_values(ws, make_profile, pg15, unusual_db, tmp_path):
    record = backup_of(ws, make_profile, pg15, unusual_db)
    export_table(ws, record.id, "public.nokey", "csv", tmp_path / "nokey.csv")
    assert (tmp_path / "nokey.csv").read_bytes() == b"a,b\n'=1+1,2\n'@x,\n'-3,-3\nplain,0\n"
    export_table(ws, record.id, '"Sales Dept"."Order Items"', "json", tmp_path / "items.json")
    export_table(ws, record.id, '"Sales Dept"."Order Items"', "jsonl", tmp_path / "items.jsonl")
    rows = json.loads((tmp_path / "items.json").read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == lines
    with psycopg.connect(pg15.conninfo(unusual_db)) as conn:
        source = conn.execute(
            'SELECT id, "Item ""quoted"" name", prix::text, "ünïcode", tags::text, doc, raw::text, ok, at::text '
            'FROM "Sales Dept"."Order Items"').fetchall()
    names = ["id", 'Item "quoted" name', "prix", "ünïcode", "tags", "doc", "raw", "ok", "at"]
    assert sorted(rows, key=lambda r: r["id"]) == sorted((dict(zip(names, r)) for r in source), key=lambda r: r["id"])
    export_table(ws, record.id, "public.measures", "json", tmp_path / "empty.json")
    assert len(json.loads((tmp_path / "empty.json").read_text())) == 3


def test_search_across_backups(ws, make_profile, pg15, chinook_db, pagila_db):
    first = backup_of(ws, make_profile, pg15, chinook_db)
    make_profile(pg15, pagila_db, name="pagila")
    second = run_backup(ws, BackupRequest(profile="pagila"))
    found = backups_with_table(ws, "public.artist")
    assert [(f.record.id, f.tables) for f in found] == [(first.id, {"public.artist": 275})]
    assert {f.record.id for f in backups_with_table(ws, "actor")} == {second.id}
    assert backups_with_table(ws, "nothing_here") == []


def test_a_preview_reads_only_the_start_of_a_larger_backup(ws, make_profile, pg15, fresh_db):
    dbname = fresh_db(prefix="early_small")
    pg15.run_psql(dbname, "CREATE TABLE aaa_small (id int PRIMARY KEY, name text);"
                          "INSERT INTO aaa_small SELECT g, 'row ' || g FROM generate_series(1, 100) g;")
    fill_with_noise(pg15.conninfo(dbname), 40)
    measured = {}
    for fmt in ("custom", "plain"):
        record = backup_of(ws, make_profile, pg15, dbname, fmt)
        result = preview_table(ws, record.id, "aaa_small", 10)
        assert [row[0] for row in result.rows] == [str(n) for n in range(1, 11)] and result.order == BY_KEY
        measured[fmt] = result.reading.bytes_read / record.size_bytes, result.reading.passes
    # custom: the table of contents twice, then the small table's data, all near the start.
    assert measured["custom"][0] < 0.3 and measured["custom"][1] == 3
    # plain: no table of contents, so one whole pass for it, then only up to the table's data.
    assert 1.0 <= measured["plain"][0] < 1.3 and measured["plain"][1] == 2


def test_an_imported_backup_opens_like_any_other_and_leaves_nothing_behind(ws, make_profile, pg15, unusual_db,
                                                                           tmp_path):
    record = backup_of(ws, make_profile, pg15, unusual_db, "directory")
    run_export(ws, ExportRequest([record.id], tmp_path / "usb", "correct horse battery staple"))
    elsewhere = Workspace.open(environ={"LIFEBOAT_HOME": str(tmp_path / "other-machine")},
                               secrets=Secrets(MemoryKeyring()))
    assert run_import(elsewhere, tmp_path / "usb", "correct horse battery staple").added
    contents = read_contents(elsewhere, record.id)
    assert contents.table("select").rows == 300
    result = preview_table(elsewhere, record.id, "select", 5, contents=contents)
    assert [row[0] for row in result.rows] == ["1", "2", "3", "4", "5"]
    export_table(elsewhere, record.id, "select", "jsonl", tmp_path / "select.jsonl", contents=contents)
    assert len((tmp_path / "select.jsonl").read_text().splitlines()) == 300
    # Nothing decrypted stays on disk, and no pg_restore is left running.
    custom = backup_of(ws, make_profile, pg15, unusual_db)
    preview_table(ws, custom.id, "select", 1)
    for workspace in (ws, elsewhere):
        assert list(workspace.paths.staging_dir.iterdir()) == []
    assert child_processes("pg_restore") == []


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_a_data_only_backup_shows_its_tables_from_their_data(ws, make_profile, pg15, unusual_db, tmp_path, fmt):
    make_profile(pg15, unusual_db, name="data-only")
    record = run_backup(ws, BackupRequest(profile="data-only", options=BackupOptions(format=fmt, data_only=True)))
    contents = read_contents(ws, record.id)
    assert {t.key for t in contents.tables} == set(record.row_counts)
    result = preview_table(ws, record.id, "select", 2, contents=contents)
    assert (result.columns, result.rows, result.order) == (["from", "order"], [["1", "r1"], ["2", "r2"]], AS_STORED)
    export_table(ws, record.id, "public.nokey", "csv", tmp_path / "nokey.csv", contents=contents)
    # The column types are not in the backup, so every cell counts as text for the spreadsheet guard.
    assert (tmp_path / "nokey.csv").read_text() == "a,b\n'=1+1,2\n'@x,\n'-3,'-3\nplain,0\n"
