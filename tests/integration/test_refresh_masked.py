"""Refresh development from production with masking (issue 13), through the real CLI.

The source holds personal data in several shapes; every original text value
carries the marker "Zorblax" (phones and IBANs a fixed prefix), so "not one
original value anywhere" is a search for a few byte strings in a pg_dump of
development and in every file of its server's data folder (WAL included),
on a cluster of its own, after a CHECKPOINT.
"""
import json

import psycopg
import pytest

from desktop.core.localpg.server_programs import find_server_bin_dirs
from tests.conftest import _running_cluster
from tests.dbcompare import row_counts, table_hashes
from tests.integration.cli_helpers import failed_cleanly, ok
from tests.masking_data import ORIGINALS as _ORIGINALS
from tests.masking_data import dump as _dump
from tests.masking_data import fill_personal_data as _fill


@pytest.fixture(scope="module")
def dev_cluster(tmp_path_factory):
    """A cluster for development alone: its data folder is searched byte by byte."""
    yield from _running_cluster(find_server_bin_dirs()[0], tmp_path_factory.mktemp("devpg") / "data")


def _files_hold(cluster, needles) -> list[str]:
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    found = []
    for path in cluster.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{needle!r} in {path}" for needle in needles if needle in data]
    return found


def _column(cluster, dbname, query):
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def setup(lifeboat, pg15, fresh_db, dev_cluster, make_profile):
    source_db = fresh_db(prefix="shop")
    _fill(pg15, source_db)
    dev_db = f"shopdev_{source_db}"
    dev_cluster.create_database(dev_db)
    source = make_profile(pg15, source_db, environment="production", name="shop")
    dev = make_profile(dev_cluster, dev_db, name="shop-dev")
    yield source, dev, source_db, dev_db
    dev_cluster.drop_database(dev_db)


def test_refresh_masks_everything_personal_before_it_reaches_development(lifeboat, pg15, dev_cluster, setup):
    source, dev, source_db, dev_db = setup
    failed_cleanly(lifeboat("refresh", "shop", "--into", "shop-dev"), 1, "no masking policy")

    suggested = {s["column"]: s for s in json.loads(ok(lifeboat("mask", "suggest", "shop", "--json")).stdout)}
    assert suggested["public.customers.email"]["reason"] == (
        "name contains 'email'; 100 of 100 sampled values look like e-mail addresses")
    expected = {"email": "email", "full_name": "name", "phone": "phone", "iban": "iban", "birth_date": "date-shift",
                "notes": "text", "profile": "text", "country": "keep", "id": "keep"}
    assert {k: suggested[f"public.customers.{k}"]["suggested_rule"] for k in expected} == expected
    assert "100 of 100 sampled values look like e-mail addresses" in ok(lifeboat("mask", "suggest", "shop")).stdout
    ok(lifeboat("mask", "review", "shop", "--accept-suggestions"))
    ok(lifeboat("mask", "set", "shop", "--column", "public.customers.country", "--rule", "keep"))
    failed_cleanly(lifeboat("mask", "set", "shop", "--column", "public.customers.email", "--rule", "null"), 2,
                   "NOT NULL")
    assert "@example.com" in ok(lifeboat("mask", "preview", "shop")).stdout
    shown = json.loads(ok(lifeboat("mask", "show", "shop", "--json")).stdout)
    assert shown["policy_version"] == 2 and shown["columns"]["public.customers.phone"]["rule"] == "phone"
    previewed = json.loads(ok(lifeboat("mask", "preview", "shop", "--table", "customers", "--json")).stdout)
    assert len(previewed[0]["rows"]) == 10
    assert previewed[0]["rows"][0]["before"]["email"] != previewed[0]["rows"][0]["after"]["email"]

    result = ok(lifeboat("refresh", "shop", "--into", "shop-dev"))
    assert "masked public.customers: email, full_name, phone, iban, birth_date, notes, profile (300 rows)" \
        in result.stdout
    assert row_counts(dev_cluster, dev_db) == row_counts(pg15, source_db)
    constraints = "SELECT contype, convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
    assert sorted(_column(dev_cluster, dev_db, constraints)) == sorted(_column(pg15, source_db, constraints))
    assert all(valid for _, valid in _column(dev_cluster, dev_db, constraints))
    assert _files_hold(dev_cluster, _ORIGINALS) == []
    dump = _dump(dev_cluster, dev_db)
    assert [needle for needle in _ORIGINALS if needle in dump] == []

    # Unmasked columns are identical; every order still finds its customer, under the fake e-mail.
    unmasked = "SELECT id, country FROM customers ORDER BY id"
    assert _column(dev_cluster, dev_db, unmasked) == _column(pg15, source_db, unmasked)
    orders = "SELECT o.id, o.amount, o.placed_at, c.id FROM orders o JOIN customers c ON c.email = o.customer_email " \
             "ORDER BY o.id"
    assert _column(dev_cluster, dev_db, orders) == _column(pg15, source_db, orders)
    births = "SELECT id, birth_date FROM customers ORDER BY id"
    assert all(a != b for a, b in zip(_column(dev_cluster, dev_db, births), _column(pg15, source_db, births)))
    assert all(e.endswith("@example.com") for (e,) in _column(dev_cluster, dev_db, "SELECT email FROM customers"))

    first = table_hashes(dev_cluster, dev_db)
    ok(lifeboat("refresh", "shop", "--into", "shop-dev"))
    assert table_hashes(dev_cluster, dev_db) == first  # the same fakes on every refresh

    records = json.loads(ok(lifeboat("audit", "list", "--json")).stdout)
    refreshes = [r for r in records if r["action"] == "refresh" and r["result"] == "ok"]
    assert len(refreshes) == 2 and "masking policy version 2 (sha256 " in refreshes[0]["message"]
    assert refreshes[0]["backup_id"] and refreshes[0]["profile"] == "shop-dev"
    assert not [r for r in records if r["action"] == "restore"]
    assert len([r for r in records if r["action"] == "mask_policy" and r["result"] == "ok"]) == 2


def test_a_new_column_blocks_the_refresh_and_development_stays(lifeboat, pg15, dev_cluster, setup):
    source, dev, source_db, dev_db = setup
    ok(lifeboat("mask", "review", "shop", "--accept-suggestions"))
    ok(lifeboat("refresh", "shop", "--into", "shop-dev"))
    before = table_hashes(dev_cluster, dev_db)
    with psycopg.connect(pg15.conninfo(source_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE customers ADD COLUMN ssn text")
        conn.execute("UPDATE customers SET ssn = 'Zorblax-' || id")
    failed_cleanly(lifeboat("refresh", "shop", "--into", "shop-dev"), 1, "public.customers.ssn")
    assert table_hashes(dev_cluster, dev_db) == before
    assert _files_hold(dev_cluster, _ORIGINALS) == []


def test_a_production_target_is_refused_and_no_mask_is_recorded(lifeboat, pg15, fresh_db, make_profile, setup):
    make_profile(pg15, fresh_db(prefix="prod2"), environment="production", name="other-prod")
    failed_cleanly(lifeboat("refresh", "shop", "--into", "other-prod"), 2, "production")
    plain_db = fresh_db(prefix="plain")
    make_profile(pg15, plain_db, name="plain-dev")
    ok(lifeboat("refresh", "shop", "--into", "plain-dev", "--no-mask"))
    assert table_hashes(pg15, plain_db) == table_hashes(pg15, setup[2])
    records = json.loads(ok(lifeboat("audit", "list", "--json")).stdout)
    assert "NOT masked (--no-mask)" in [r for r in records if r["action"] == "refresh"][-1]["message"]


def test_the_search_finds_an_original_once_one_is_there(dev_cluster):
    """The control for the searches above (last in this module: the WAL keeps what it saw)."""
    dev_cluster.create_database("control")
    with psycopg.connect(dev_cluster.conninfo("control"), autocommit=True) as conn:
        conn.execute("CREATE TABLE t AS SELECT 'zorblax7@realmail.net'::text AS email")
    assert _files_hold(dev_cluster, [b"zorblax7@realmail.net"])
    assert b"zorblax7@realmail.net" in _dump(dev_cluster, "control")


_ODD_SCHEMA = """
CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."Order Items" (id int, "E-mail" text NOT NULL, placed date NOT NULL, ssn text)
    PARTITION BY RANGE (placed);
CREATE TABLE "Sales Dept".items_2023 PARTITION OF "Sales Dept"."Order Items"
    FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE "Sales Dept".items_2024 PARTITION OF "Sales Dept"."Order Items"
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO "Sales Dept"."Order Items"
    SELECT i, 'zorblax' || i || E'@tab\\there.net', date '2023-06-01' + i, 'Zorblax-ssn-' || i
    FROM generate_series(1, 400) AS i;
"""


def test_plain_backups_partitions_quoted_names_and_a_backup_older_than_the_review(
        lifeboat, pg15, fresh_db, make_profile):
    source_db, dev_db = fresh_db(prefix="odd"), fresh_db(prefix="odddev")
    with psycopg.connect(pg15.conninfo(source_db), autocommit=True) as conn:
        conn.execute(_ODD_SCHEMA)
    make_profile(pg15, source_db, environment="production", name="odd")
    make_profile(pg15, dev_db, name="odd-dev")
    older = ok(lifeboat("backup", "odd", "--format", "plain")).stdout.split()[-1]
    with psycopg.connect(pg15.conninfo(source_db), autocommit=True) as conn:
        conn.execute('ALTER TABLE "Sales Dept"."Order Items" DROP COLUMN ssn')
    ok(lifeboat("mask", "review", "odd", "--accept-suggestions"))
    assert json.loads(ok(lifeboat("mask", "show", "odd", "--json")).stdout)["columns"][
        '"Sales Dept"."Order Items"."E-mail"']["rule"] == "email"

    # The backup still holds ssn, which the review never saw: refused on its way, nothing written.
    failed_cleanly(lifeboat("refresh", "odd", "--into", "odd-dev", "--backup", older), 1, "ssn")
    assert row_counts(pg15, dev_db) == {}

    newer = ok(lifeboat("backup", "odd", "--format", "plain")).stdout.split()[-1]
    ok(lifeboat("refresh", "odd", "--into", "odd-dev", "--backup", newer))
    assert row_counts(pg15, dev_db) == row_counts(pg15, source_db)
    assert b"zorblax" not in _dump(pg15, dev_db).lower()
