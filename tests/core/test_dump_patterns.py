"""Exact table names as pg_dump patterns: quoting by psql's pattern rules,
and a real pg_dump that leaves out exactly the named tables."""
import psycopg
import pytest
from psycopg import sql

from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.postgres.patterns import quote_pattern_name, table_pattern
from desktop.core.workspace import Workspace


@pytest.mark.parametrize("schema, table, pattern", [
    ("public", "album", "public.album"),
    ("public", "order_items_2", "public.order_items_2"),
    ("Sales Ü", "Order Items", '"Sales Ü"."Order Items"'),
    ("public", "dotted.name", 'public."dotted.name"'),
    ("public", "Album", 'public."Album"'),           # unquoted it would fold to album
    ("public", "a*b", 'public."a*b"'),                # unquoted '*' is a wildcard
    ("public", "what?", 'public."what?"'),            # so is '?'
    ("public", 'say "hi"', 'public."say ""hi"""'),    # '""' is one '"'
    ("public", "cost$", 'public."cost$"'),
    ("public", "user", "public.user"),                # reserved words need nothing
    ("public", "2024_sales", 'public."2024_sales"'),
    ("münchen", "straße", '"münchen"."straße"'),
])
def test_table_pattern(schema, table, pattern):
    assert table_pattern(schema, table) == pattern


def test_only_plain_lower_case_ascii_stays_unquoted():
    assert quote_pattern_name("film_actor") == "film_actor"
    assert quote_pattern_name("_x9") == "_x9"
    assert quote_pattern_name("") == '""'


AWKWARD = [
    ("Sales Ü", "Order Items"),
    ("Sales Ü", "order items"),   # same letters, other case: must stay
    ("public", "dotted.name"),
    ("public", "dottedXname"),    # what an unquoted '.' would have matched
    ("public", "a*b"),
    ("public", "ab"),             # what an unquoted '*' would have matched
    ("public", 'say "hi"'),
]


def test_pg_dump_leaves_out_exactly_the_quoted_tables(pg15, fresh_db, make_profile):
    dbname = fresh_db(prefix="patterns")
    with psycopg.connect(pg15.conninfo(dbname), autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "Sales Ü"')
        for schema, table in AWKWARD:
            name = sql.Identifier(schema, table)
            conn.execute(sql.SQL("CREATE TABLE {} (n int); INSERT INTO {} VALUES (1)").format(name, name))
    profile = make_profile(pg15, dbname)
    excluded = [("Sales Ü", "Order Items"), ("public", "dotted.name"), ("public", "a*b"), ("public", 'say "hi"')]
    options = BackupOptions(exclude_tables=[table_pattern(s, t) for s, t in excluded])
    record = run_backup(Workspace.open(), BackupRequest(profile.name, options))
    with psycopg.connect(pg15.conninfo(dbname)) as conn:
        kept = {conn.execute("SELECT format('%%I.%%I', %s::text, %s::text)", (s, t)).fetchone()[0]
                for s, t in AWKWARD if (s, t) not in excluded}
    assert len(kept) == 3
    assert set(record.row_counts) == kept
