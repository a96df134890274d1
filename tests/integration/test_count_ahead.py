"""The row counts a restore by Lifeboat's own workers takes once its rows are in
(count_ahead.py), and the check that counts only what they lack (checks.py)."""
from types import SimpleNamespace

import psycopg

from desktop.core.jobs.restore.checks import check_restored
from desktop.core.jobs.restore.count_ahead import CountsAhead
from desktop.core.store.profiles import Profile
from tests.faults import wait_for


def shop(pg15, fresh_db) -> Profile:
    dbname = fresh_db(prefix="ahead")
    with psycopg.connect(pg15.conninfo(dbname), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders AS SELECT i AS id FROM generate_series(1, 3000) i")
        conn.execute("CREATE TABLE notes AS SELECT i AS id FROM generate_series(1, 20) i")
    return Profile(name="shop", environment="development", host=pg15.host, port=pg15.port, dbname=dbname,
                   user=pg15.superuser)


def test_every_table_the_backup_holds_is_counted(pg15, fresh_db):
    profile = shop(pg15, fresh_db)
    with CountsAhead(profile, pg15.password, {"public.orders": 3000, "public.notes": 20,
                                              "public.gone": 5}) as counts:
        counts.start()
    assert counts.result() == {"public.orders": 3000, "public.notes": 20}  # a missing table: the check says so


def test_the_check_counts_only_the_tables_not_counted_ahead(pg15, fresh_db):
    profile = shop(pg15, fresh_db)
    manifest = SimpleNamespace(row_counts={"public.orders": 3000, "public.notes": 20})  # all the check reads
    check = check_restored(profile, pg15.password, manifest, [], counted={"public.orders": 2999})
    # The count taken ahead is the one reported: the table was not counted again.
    assert {(t.table, t.found) for t in check.tables} == {("public.orders", 2999), ("public.notes", 20)}
    assert not check.ok


def test_a_restore_that_fails_stops_a_count_under_way(pg15, fresh_db):
    profile = shop(pg15, fresh_db)
    with psycopg.connect(pg15.conninfo(profile.dbname)) as holder:
        holder.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")  # as a primary key being added
        try:
            with CountsAhead(profile, pg15.password, {"public.orders": 3000}) as counts:
                counts.start()
                wait_for(lambda: _waiting_on_lock(pg15, profile.dbname), what="the count to wait for orders")
                raise RuntimeError("the restore failed")
        except RuntimeError:
            pass
        assert counts.result() == {}
    assert not _waiting_on_lock(pg15, profile.dbname)


def test_a_count_that_cannot_connect_leaves_the_counting_to_the_check(pg15):
    nowhere = Profile(name="gone", environment="development", host=pg15.host, port=pg15.port,
                      dbname="no_such_database", user=pg15.superuser)
    with CountsAhead(nowhere, pg15.password, {"public.orders": 3000}) as counts:
        counts.start()
    assert counts.result() == {}


def _waiting_on_lock(pg15, dbname: str) -> bool:
    with psycopg.connect(pg15.conninfo(dbname)) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                            "AND query LIKE 'SELECT count(*)%%'", (dbname,)).fetchone()[0] > 0
