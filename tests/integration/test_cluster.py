"""The local clusters and sample databases every other integration test stands on."""
import psycopg
import pytest

from desktop.core.errors import ClusterError
from desktop.core.localpg.cluster import LocalCluster
from desktop.core.localpg.samples import load_chinook, load_pagila
from desktop.core.localpg.server_programs import find_server_bin_dirs
from tests.dbcompare import row_counts, schema_dump, table_hashes


def server_facts(cluster, **connect_options):
    with psycopg.connect(cluster.conninfo(), **connect_options) as conn:
        return conn.info.server_version, conn.execute("SHOW listen_addresses").fetchone()[0]


def test_pg15_runs_with_ssl_on_localhost_only(pg15):
    version_num, listen = server_facts(
        pg15, sslmode="verify-full", sslrootcert=str(pg15.cert_path)
    )
    assert pg15.major == 15 and version_num // 10000 == 15
    assert listen == "127.0.0.1"


def test_pg18_runs(pg18):
    version_num, listen = server_facts(pg18)
    assert pg18.major == 18 and version_num // 10000 == 18
    assert listen == "127.0.0.1"


def test_wrong_password_is_refused(pg15):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(pg15.conninfo() + " password=wrong")


def test_start_failure_reports_the_server_log(tmp_path):
    cluster = LocalCluster(find_server_bin_dirs()[0], tmp_path / "data", fast=True)
    cluster.start()
    try:
        # A second server on the same data directory must not start.
        twin = LocalCluster(cluster.bin_dir, cluster.data_dir, port=cluster.port)
        with pytest.raises(ClusterError) as failure:
            twin.start()
        assert "postmaster.pid" in failure.value.detail or "lock file" in failure.value.detail
        assert cluster.password not in failure.value.detail
    finally:
        cluster.destroy()
    assert not cluster.data_dir.exists()


def test_chinook_loads_its_eleven_tables(pg15, chinook_template):
    counts = row_counts(pg15, chinook_template)
    assert len(counts) == 11
    assert counts["public.track"] == 3503
    assert 15_000 < sum(counts.values()) < 16_000


def test_pagila_loads(pg15, pagila_template):
    counts = row_counts(pg15, pagila_template)
    assert counts["public.rental"] == 16044
    # public.payment is partitioned: its rows are also its partitions' rows.
    leaf_rows = sum(counts.values()) - counts["public.payment"]
    assert 45_000 < leaf_rows < 47_000


def test_pagila_loads_on_pg18_without_tolerated_errors(pg18):
    load_pagila(pg18, "pagila")
    try:
        with psycopg.connect(pg18.conninfo("pagila")) as conn:
            # The JSON_TABLE view PostgreSQL 15 rejects exists on 18.
            assert conn.execute("SELECT count(*) FROM public.films_per_customer_rental").fetchone()[0] > 0
    finally:
        pg18.drop_database("pagila")


def test_chinook_loads_into_any_database_name(pg18):
    name = "Chinook copy; DROP"
    load_chinook(pg18, name)
    try:
        assert row_counts(pg18, name)["public.artist"] == 275
    finally:
        pg18.drop_database(name)


@pytest.mark.parametrize("cluster_name", ["pg15", "pg18"])
def test_awkward_database_name(request, cluster_name):
    cluster = request.getfixturevalue(cluster_name)
    name = 'we "quoted" ünïcode db'
    cluster.create_database(name)
    try:
        result = cluster.run_psql(name, "SELECT current_database();")
        assert name in result.stdout
    finally:
        cluster.drop_database(name)
    with psycopg.connect(cluster.conninfo()) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None


def test_run_psql_raises_on_error_with_on_error_stop(pg15, fresh_db):
    db = fresh_db()
    with pytest.raises(ClusterError) as failure:
        pg15.run_psql(db, "SELECT 1/0;")
    assert "division by zero" in failure.value.detail


@pytest.mark.parametrize("sample", ["chinook_db", "pagila_db"])
def test_template_copy_is_identical(request, pg15, sample):
    copy = request.getfixturevalue(sample)
    template = sample.replace("_db", "_template")
    template = request.getfixturevalue(template)
    assert schema_dump(pg15, copy) == schema_dump(pg15, template)
    assert table_hashes(pg15, copy) == table_hashes(pg15, template)


def test_table_hashes_see_a_changed_row(pg15, chinook_db, chinook_template):
    with psycopg.connect(pg15.conninfo(chinook_db)) as conn:
        conn.execute("UPDATE public.genre SET name = name || '!' WHERE genre_id = 1")
    changed = table_hashes(pg15, chinook_db)
    original = table_hashes(pg15, chinook_template)
    assert {k for k in original if original[k] != changed[k]} == {"public.genre"}
