"""--replace: afterwards the target holds exactly what the backup holds (issue 10).

The targets are drifted on purpose: tables of their own with foreign keys
into the backup's tables, views on them, other schemas, sequences owned by
columns, extensions, large objects, an event trigger and a publication.
Compared with the source by schema dump and per-table hashes, plus what
those do not show (large objects, extensions, event triggers, publications).
"""
import psycopg
import pytest

from desktop.cli.main import main as cli_main
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.localpg.demo import DemoEnvironment
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes

# What a schema dump and the table hashes do not show.
_OUTSIDE_TABLES = """
SELECT (SELECT coalesce(string_agg(m.oid::text || ':' || md5(lo_get(m.oid)), ',' ORDER BY m.oid), '')
        FROM pg_largeobject_metadata m),
       (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension),
       (SELECT count(*) FROM pg_event_trigger),
       (SELECT count(*) FROM pg_publication)
"""


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def everything(cluster, dbname):
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        outside = conn.execute(_OUTSIDE_TABLES).fetchone()
    return schema_dump(cluster, dbname), table_hashes(cluster, dbname), outside


def drift(cluster, dbname: str, *statements: str) -> None:
    """Changes that a replace must take away, whatever depends on what."""
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in (*statements, *_DRIFT_EVERYWHERE):
            conn.execute(statement)


_DRIFT_EVERYWHERE = (
    "CREATE EXTENSION citext",
    "CREATE SCHEMA side",
    "CREATE TABLE side.notes (id serial PRIMARY KEY, body citext)",
    "INSERT INTO side.notes (body) VALUES ('left over')",
    "SELECT lo_from_bytea(0, 'a large object that is not in the backup')",
    "CREATE FUNCTION side.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$",
    "CREATE EVENT TRIGGER lifeboat_test_ddl ON ddl_command_end EXECUTE FUNCTION side.on_ddl()",
    "CREATE PUBLICATION lifeboat_test_pub FOR ALL TABLES",
)

PAGILA_DRIFT = (
    "CREATE TABLE public.loyalty (id serial PRIMARY KEY,"
    " customer_id integer NOT NULL REFERENCES public.customer, points integer)",
    "INSERT INTO public.loyalty (customer_id, points) SELECT customer_id, 10 FROM public.customer",
    "CREATE VIEW public.customer_emails AS SELECT customer_id, email FROM public.customer",
    "CREATE TABLE side_film_ref (film_id integer REFERENCES public.film)",
    "DELETE FROM public.payment_p2007_02",
    "DELETE FROM public.film_actor WHERE actor_id % 2 = 0",
)


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_replace_makes_a_drifted_pagila_exactly_the_backup(ws, make_profile, pg15, pagila_db, fresh_db, fmt):
    target = fresh_db(template=pagila_db, prefix="drifted")
    drift(pg15, target, *PAGILA_DRIFT)
    make_profile(pg15, pagila_db, name="source")
    make_profile(pg15, target, name="target")
    record = run_backup(ws, BackupRequest("source", BackupOptions(format=fmt)))
    assert cli_main(["restore", record.id, "--into", "target", "--replace"]) == 0
    assert everything(pg15, target) == everything(pg15, pagila_db)


def test_replace_with_a_directory_backup_and_jobs(ws, make_profile, pg15, pagila_db, fresh_db):
    """--jobs is not used by a replace: one transaction, whatever the format."""
    target = fresh_db(template=pagila_db, prefix="drifted")
    drift(pg15, target, *PAGILA_DRIFT)
    make_profile(pg15, pagila_db, name="source")
    make_profile(pg15, target, name="target")
    record = run_backup(ws, BackupRequest("source", BackupOptions(format="directory", jobs=2)))
    assert run_restore(ws, RestoreRequest(record.id, into="target", replace=True, jobs=2)).ok
    assert everything(pg15, target) == everything(pg15, pagila_db)


_AWKWARD = (
    'CREATE SCHEMA "Sales Ü"',
    'CREATE TABLE "Sales Ü"."Order ""Items""" ("select" int PRIMARY KEY, "naïve text" text)',
    'INSERT INTO "Sales Ü"."Order ""Items""" SELECT g, \'ä "\' || g FROM generate_series(1, 500) g',
    "CREATE TABLE public.measure (at date NOT NULL, value int) PARTITION BY RANGE (at)",
    "CREATE TABLE public.measure_2024 PARTITION OF public.measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE public.measure_rest PARTITION OF public.measure DEFAULT",
    "INSERT INTO public.measure SELECT date '2024-01-01' + g, g FROM generate_series(1, 800) g",
    # A foreign-key cycle: each table points at the other.
    "CREATE TABLE public.hen (id int PRIMARY KEY, egg_id int)",
    "CREATE TABLE public.egg (id int PRIMARY KEY, hen_id int REFERENCES public.hen)",
    "ALTER TABLE public.hen ADD FOREIGN KEY (egg_id) REFERENCES public.egg DEFERRABLE INITIALLY DEFERRED",
    "BEGIN; INSERT INTO public.hen VALUES (1, 1); INSERT INTO public.egg VALUES (1, 1); COMMIT",
    "CREATE TABLE public.files (id int PRIMARY KEY, blob oid)",
    "INSERT INTO public.files SELECT g, lo_from_bytea(0, convert_to(repeat('blob ' || g, 100), 'UTF8'))"
    " FROM generate_series(1, 5) g",
    'CREATE MATERIALIZED VIEW "Sales Ü"."big orders" AS'
    ' SELECT * FROM "Sales Ü"."Order ""Items""" WHERE "select" > 250',
)


@pytest.fixture(params=["pg15", "pg18"])
def server_db(request):
    """server_db(prefix, template=None) -> a new database on pg15, then on PostgreSQL 18."""
    cluster = request.getfixturevalue(request.param)
    made = []

    def make(prefix: str, template: str | None = None) -> str:
        name = f"{prefix} {len(made)}"
        cluster.create_database(name, template=template)
        made.append(name)
        return name

    make.cluster = cluster
    yield make
    for name in reversed(made):
        cluster.drop_database(name)


def test_replace_with_awkward_names_partitions_a_cycle_large_objects(ws, make_profile, server_db):
    cluster = server_db.cluster
    save_settings(ws.paths, Settings(tools_dir=str(cluster.bin_dir)))  # the server's own tools
    ws = Workspace.open()
    source = server_db('we "quoted" ünïcode db')
    with psycopg.connect(cluster.conninfo(source), autocommit=True) as conn:
        for statement in _AWKWARD:
            conn.execute(statement)
    target = server_db("drifted", template=source)
    drift(cluster, target,
          'DELETE FROM "Sales Ü"."Order ""Items""" WHERE "select" % 2 = 0',
          "SELECT lo_unlink(blob) FROM public.files WHERE id = 1",
          "UPDATE public.files SET blob = lo_from_bytea(0, 'changed') WHERE id = 1",
          'CREATE TABLE public."user" (id int REFERENCES public.hen, "from" text)',
          'CREATE VIEW "Sales Ü".dependent AS SELECT * FROM "Sales Ü"."big orders"')
    make_profile(cluster, source, name="source")
    make_profile(cluster, target, name="target")
    for fmt in ("custom", "plain"):
        record = run_backup(ws, BackupRequest("source", BackupOptions(format=fmt)))
        assert run_restore(ws, RestoreRequest(record.id, into="target", replace=True)).ok
        assert everything(cluster, target) == everything(cluster, source)


@pytest.mark.parametrize("option", [["--data-only"], ["--table", "public.artist"]])
def test_replace_refuses_a_part_of_the_backup(ws, make_profile, pg15, chinook_db, capsys, option):
    make_profile(pg15, chinook_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    before = everything(pg15, chinook_db)
    assert cli_main(["restore", record.id, "--into", "source", "--replace", *option]) == 2
    assert "--replace" in capsys.readouterr().err
    assert everything(pg15, chinook_db) == before


def test_clean_keeps_what_depends_on_the_backup_from_outside(ws, make_profile, pg15, pagila_db, fresh_db):
    """--clean keeps pg_restore's meaning (the archive's objects are dropped
    and made again, the target's own stay) without stopping at the target's
    own foreign keys and views on the archive's tables."""
    target = fresh_db(template=pagila_db, prefix="drifted")
    with psycopg.connect(pg15.conninfo(target), autocommit=True) as conn:
        for statement in PAGILA_DRIFT:
            conn.execute(statement)
        conn.execute("CREATE VIEW public.\"Emails of Ü\" AS SELECT * FROM public.customer_emails")
        conn.execute("CREATE MATERIALIZED VIEW public.active_customers AS SELECT id FROM public.customer_list")
        conn.execute("COMMENT ON VIEW public.customer_emails IS 'kept'")
    make_profile(pg15, pagila_db, name="source")
    make_profile(pg15, target, name="target")
    record = run_backup(ws, BackupRequest("source"))
    assert cli_main(["restore", record.id, "--into", "target", "--clean"]) == 0
    source_hashes, target_hashes = table_hashes(pg15, pagila_db), table_hashes(pg15, target)
    assert {key: target_hashes[key] for key in source_hashes} == source_hashes
    assert set(target_hashes) - set(source_hashes) == {"public.loyalty", "public.side_film_ref"}
    with psycopg.connect(pg15.conninfo(target)) as conn:
        assert conn.execute("SELECT count(*) FROM public.\"Emails of Ü\"").fetchone()[0] == 599
        assert conn.execute("SELECT count(*) FROM public.active_customers").fetchone()[0] == 599
        assert conn.execute("SELECT obj_description('public.customer_emails'::regclass)").fetchone()[0] == "kept"
        links = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN"
                             " ('public.loyalty'::regclass, 'public.side_film_ref'::regclass)").fetchone()[0]
        assert links == 2


def test_the_demo_journey_production_into_development(tmp_path, lifeboat_home, memory_keyring):
    """The issue's first complaint: Demo production (Pagila) into Demo
    development (Chinook, not empty) failed; with --replace the two are identical."""
    demo = DemoEnvironment(tmp_path / "demo")
    try:
        ws = demo.start()
        profiles = {p.name: p for p in ws.profiles.list()}
        production, development = profiles["Demo production"], profiles["Demo development"]
        record = run_backup(ws, BackupRequest(production.name))
        assert cli_main(["restore", record.id, "--into", development.name, "--replace"]) == 0
        assert everything(demo.cluster, development.dbname) == everything(demo.cluster, production.dbname)
    finally:
        demo.stop()
