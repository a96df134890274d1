"""Backups of real sample databases come back identical: schema dump and per-table content hash."""
import subprocess
from pathlib import Path

import psycopg
import pytest

from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.backup_key import export_key, import_key
from desktop.core.jobs.decrypt import decrypt_backup
from desktop.core.jobs.rebuild import rebuild_catalog
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.jobs.verify import verify_backup
from desktop.core.localpg.server_programs import embedded_server_bin_dir
from desktop.core.postgres.tools import tools_for_server
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.dbcompare import row_counts, schema_dump, table_hashes


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def assert_identical(source_cluster, source_db, target_cluster, target_db):
    assert schema_dump(target_cluster, target_db) == schema_dump(source_cluster, source_db)
    assert table_hashes(target_cluster, target_db) == table_hashes(source_cluster, source_db)


def backup_and_restore(ws, make_profile, cluster, source_db, target_db, options=None, **restore):
    make_profile(cluster, source_db, name="source")
    make_profile(cluster, target_db, name="target")
    record = run_backup(ws, BackupRequest(profile="source", options=options or BackupOptions()))
    result = run_restore(ws, RestoreRequest(source=record.id, into="target", create=True, **restore))
    return record, result


@pytest.mark.parametrize("sample", ["chinook_db", "pagila_db"])
def test_custom_format_round_trip(request, ws, make_profile, pg15, sample):
    source = request.getfixturevalue(sample)
    record, result = backup_and_restore(ws, make_profile, pg15, source, f"{source}_restored")
    try:
        assert record.status == "completed"
        assert Path(record.path).stat().st_size == record.size_bytes
        leaf_counts = row_counts(pg15, source)
        assert record.row_counts == {key: leaf_counts[key] for key in record.row_counts}
        assert len(record.row_counts) >= 11
        assert result.ok and not result.check.mismatches
        assert_identical(pg15, source, pg15, f"{source}_restored")
    finally:
        pg15.drop_database(f"{source}_restored")


def test_plain_format_round_trip(ws, make_profile, pg15, pagila_db):
    target = f"{pagila_db}_plain"
    record, result = backup_and_restore(ws, make_profile, pg15, pagila_db, target,
                                        BackupOptions(format="plain"))
    try:
        assert record.format == "plain" and result.ok
        assert_identical(pg15, pagila_db, pg15, target)
    finally:
        pg15.drop_database(target)


def test_directory_format_with_parallel_jobs(ws, make_profile, pg15, chinook_db):
    target = f"{chinook_db}_dir"
    record, result = backup_and_restore(ws, make_profile, pg15, chinook_db, target,
                                        BackupOptions(format="directory", jobs=2), jobs=2)
    try:
        assert record.format == "directory" and result.ok
        assert_identical(pg15, chinook_db, pg15, target)
        assert not any(ws.paths.staging_dir.iterdir()), "the staging folder is emptied"
    finally:
        pg15.drop_database(target)


def test_parallel_restore_of_custom_format(ws, make_profile, pg15, chinook_db):
    target = f"{chinook_db}_j2"
    _, result = backup_and_restore(ws, make_profile, pg15, chinook_db, target, jobs=2)
    try:
        assert result.ok
        assert_identical(pg15, chinook_db, pg15, target)
    finally:
        pg15.drop_database(target)


def test_selected_tables_are_exactly_what_the_file_holds(ws, make_profile, pg15, chinook_db):
    # DBeaver #9650: deselected tables were dumped anyway.
    target = f"{chinook_db}_some"
    options = BackupOptions(tables=["public.artist", "public.album"])
    record, result = backup_and_restore(ws, make_profile, pg15, chinook_db, target, options)
    try:
        assert set(record.row_counts) == {"public.artist", "public.album"}
        assert set(row_counts(pg15, target)) == {"public.artist", "public.album"}
        assert result.ok
    finally:
        pg15.drop_database(target)


def test_excluded_table_is_left_out(ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="source")
    record = run_backup(ws, BackupRequest("source", BackupOptions(exclude_tables=["public.invoice_line"])))
    assert "public.invoice_line" not in record.row_counts
    assert "public.invoice" in record.row_counts


def test_schema_only_round_trip(ws, make_profile, pg15, chinook_db):
    target = f"{chinook_db}_schema"
    record, result = backup_and_restore(ws, make_profile, pg15, chinook_db, target,
                                        BackupOptions(schema_only=True))
    try:
        assert record.row_counts == {}
        assert schema_dump(pg15, target) == schema_dump(pg15, chinook_db)
        assert set(row_counts(pg15, target).values()) == {0}
        assert result.ok
    finally:
        pg15.drop_database(target)


def test_restore_with_clean_replaces_changed_data(ws, make_profile, pg15, chinook_db, fresh_db):
    target = fresh_db(template=chinook_db)
    make_profile(pg15, chinook_db, name="source")
    make_profile(pg15, target, name="target")
    record = run_backup(ws, BackupRequest("source"))
    with psycopg.connect(pg15.conninfo(target), autocommit=True) as conn:
        conn.execute("DELETE FROM invoice_line WHERE invoice_line_id % 2 = 0")
        conn.execute("CREATE TABLE public.added_later (id int)")
    result = run_restore(ws, RestoreRequest(record.id, into="target", clean=True))
    assert result.ok
    assert table_hashes(pg15, target)["public.invoice_line"] == table_hashes(pg15, chinook_db)["public.invoice_line"]


def test_plain_restore_with_clean_replaces_every_schema(ws, make_profile, pg15, pagila_db, fresh_db):
    target = fresh_db(template=pagila_db)
    make_profile(pg15, pagila_db, name="source")
    make_profile(pg15, target, name="target")
    record = run_backup(ws, BackupRequest("source", BackupOptions(format="plain")))
    with psycopg.connect(pg15.conninfo(target), autocommit=True) as conn:
        conn.execute("CREATE TABLE public.added_later (id int)")
        conn.execute("DELETE FROM public.payment_p2007_02")
    assert run_restore(ws, RestoreRequest(record.id, into="target", clean=True)).ok
    assert_identical(pg15, pagila_db, pg15, target)


def test_awkward_names_survive(ws, make_profile, pg15, fresh_db):
    source = fresh_db(prefix='we "quoted" ünïcode db')
    with psycopg.connect(pg15.conninfo(source), autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "Sales Ü"')
        conn.execute('CREATE TABLE "Sales Ü"."Order Items" ("select" int, "naïve text" text)')
        conn.execute('INSERT INTO "Sales Ü"."Order Items" VALUES (1, \'ä\'), (2, \'"\'\'\')')
        conn.execute('CREATE TABLE public."select" (id int)')
        conn.execute('CREATE TABLE public."dotted.name" (id int)')
        conn.execute('INSERT INTO public."dotted.name" VALUES (7)')
    target = f"{source} copy"
    record, result = backup_and_restore(ws, make_profile, pg15, source, target)
    try:
        assert record.row_counts == {
            '"Sales Ü"."Order Items"': 2, 'public."select"': 0, 'public."dotted.name"': 1,
        }
        assert result.ok
        assert_identical(pg15, source, pg15, target)
    finally:
        pg15.drop_database(target)


def test_production_restore_takes_a_safety_backup(ws, make_profile, pg15, chinook_db, fresh_db):
    target = fresh_db(template=chinook_db)
    make_profile(pg15, chinook_db, name="source")
    make_profile(pg15, target, name="live", environment="production")
    record = run_backup(ws, BackupRequest("source"))
    result = run_restore(ws, RestoreRequest(record.id, into="live", clean=True, confirm=target))
    assert result.ok
    safety = ws.catalog.get(result.safety_backup_id)
    assert safety.kind == "safety" and safety.status == "completed" and safety.profile == "live"


def test_newer_server_backup_restores_into_older_server(ws, make_profile, pg15, pg18, chinook_template, fresh_db):
    """pg_dump 18 from a PostgreSQL 18 server into PostgreSQL 15: the
    `SET transaction_timeout` that 18's tools write is dropped on the way."""
    tools = embedded_server_bin_dir()
    save_settings(ws.paths, Settings(tools_dir=str(tools)))
    ws = Workspace.open()
    source = "chinook18"
    pg18.create_database(source)
    subprocess.run(
        f"{pg15.tool('pg_dump')} -Fc '{pg15.conninfo(chinook_template)}' | "
        f"{pg18.tool('pg_restore')} --no-owner -d '{pg18.conninfo(source)}'",
        shell=True, check=True, capture_output=True,
    )
    make_profile(pg18, source, name="source18")
    for number, fmt in enumerate(("custom", "plain")):
        target = fresh_db(prefix=f"from18_{fmt}")
        make_profile(pg15, target, name=f"target15-{number}")
        record = run_backup(ws, BackupRequest("source18", BackupOptions(format=fmt)))
        assert record.pg_dump_version.startswith("18")
        assert run_restore(ws, RestoreRequest(record.id, into=f"target15-{number}")).ok
        assert table_hashes(pg15, target) == table_hashes(pg18, source)
    pg18.drop_database(source)


def test_decrypted_file_is_a_standard_archive(ws, make_profile, pg15, chinook_db, tmp_path):
    make_profile(pg15, chinook_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    out = decrypt_backup(ws, record.id, tmp_path / "chinook.dump")
    # pg_restore reads archives from pg_dump of its own major version and older.
    tools = tools_for_server(int(record.pg_dump_version.split(".")[0]) * 10000)
    listing = subprocess.run([tools.pg_restore, "-l", out], capture_output=True, text=True, check=True)
    assert "TABLE DATA public artist" in listing.stdout
    assert verify_backup(ws, record.id).sha256 == record.sha256


def test_catalog_rebuilds_from_a_folder(ws, make_profile, pg15, chinook_db, tmp_path, monkeypatch):
    make_profile(pg15, chinook_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    # Another installation (its own keyring entries, issue 11) given this one's key.
    key_file = export_key(ws, tmp_path / "key.txt", "the key's passphrase")
    monkeypatch.setenv("LIFEBOAT_HOME", str(tmp_path / "second-home"))
    fresh = Workspace.open()
    import_key(fresh, key_file, "the key's passphrase")
    result = rebuild_catalog(fresh, Path(record.path).parent)
    assert result.added == [record.id]
    rebuilt = fresh.catalog.get(record.id)
    assert (rebuilt.sha256, rebuilt.row_counts, rebuilt.size_bytes) == (
        record.sha256, record.row_counts, record.size_bytes)
    assert rebuild_catalog(fresh, Path(record.path).parent).already_known == [record.id]
