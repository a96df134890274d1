"""What a restore or sync would do to its target, before it writes: the target's facts,
table by table rows now and after, and the CLI's list of losses (restore --replace, sync)."""
import uuid

import psycopg
import pytest

from desktop.core.errors import AuthenticationFailed, ServerUnreachable
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.plan import EXACT_LIMIT, RowCount, inspect_target, plan_restore, rows_now
from desktop.core.jobs.restore.run import RestoreRequest
from desktop.core.localpg.cluster import free_port
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes
from tests.integration.cli_helpers import backup_id, failed_cleanly, ok


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def run(cluster, dbname, *statements):
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def with_events(cluster, dbname, rows=1500):
    run(cluster, dbname, "CREATE TABLE events (id bigint PRIMARY KEY, kind text)",
        f"INSERT INTO events SELECT g, 'click' FROM generate_series(1, {rows}) g")


def test_the_target_is_inspected_read_only(ws, make_profile, pg15, chinook_db, fresh_db):
    full = inspect_target(make_profile(pg15, chinook_db), pg15.password)
    assert full.exists and not full.empty and full.may_create_databases and full.is_superuser
    assert full.tables["public.invoice_line"] == RowCount(2240)
    assert full.server_version_num // 10000 == pg15.major and chinook_db in full.databases
    empty = inspect_target(make_profile(pg15, fresh_db()), pg15.password)
    assert empty.exists and empty.empty and empty.tables == {}
    missing = inspect_target(make_profile(pg15, "no_such_db"), pg15.password)
    assert not missing.exists and missing.empty and "no_such_db" not in missing.databases


def test_rights_and_connection_failures_are_told_apart(ws, make_profile, pg15, chinook_db):
    role = f"plain_{uuid.uuid4().hex[:8]}"
    run(pg15, "postgres", f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
    try:
        plain = Profile(name="plain", environment="development", host=pg15.host, port=pg15.port,
                        dbname=chinook_db, user=role)
        state = inspect_target(plain, "pw")
        assert not state.may_create_databases and not state.is_superuser
        assert state.tables["public.album"].estimated  # may not read it: the planner's figure
        with pytest.raises(AuthenticationFailed):
            inspect_target(plain, "wrong")
    finally:
        run(pg15, "postgres", f"DROP ROLE {role}")
    nowhere = Profile(name="down", environment="development", host="127.0.0.1", port=free_port(), dbname="x")
    with pytest.raises(ServerUnreachable):
        inspect_target(nowhere, None)


def test_huge_tables_are_estimated_and_said_so(pg15, fresh_db, monkeypatch):
    db = fresh_db()
    with_events(pg15, db, rows=20000)
    run(pg15, db, "ANALYZE events")
    monkeypatch.setattr("desktop.core.jobs.restore.plan.EXACT_LIMIT", 0)
    assert EXACT_LIMIT > 0
    with psycopg.connect(pg15.conninfo(db), autocommit=True) as conn:
        estimate = rows_now(conn)["public.events"]
    assert estimate.estimated and estimate.words().startswith("about ")
    assert (RowCount(1).words(), RowCount(2).words()) == ("1 row", "2 rows")


def test_replace_plan_names_losses_and_falling_counts(ws, make_profile, pg15, chinook_db, fresh_db):
    make_profile(pg15, chinook_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    target = fresh_db(template=chinook_db)
    with_events(pg15, target)
    run(pg15, target, "INSERT INTO genre VALUES (100, 'Polka')")
    make_profile(pg15, target, name="target")
    plan = plan_restore(ws, RestoreRequest(record.id, "target", replace=True))
    assert [change.table for change in plan.lost] == ["public.events"]
    assert [change.table for change in plan.fallen] == ["public.genre"]
    lines = plan.lines()
    assert lines[0] == "events: 1,500 rows now \u2014 not in the backup, will be removed"
    assert lines[1] == "genre: 26 rows now, 25 after"
    assert "customer: 59 rows now, 59 after" in lines
    assert "1 table removed and 1 table with fewer rows" in plan.headline()
    # --clean drops only the backup's objects: events stays, so it is not listed.
    clean = plan_restore(ws, RestoreRequest(record.id, "target", clean=True))
    assert not clean.lost and "public.events" not in {c.table for c in clean.changes}


def test_cli_replace_prints_the_losses_before_writing(lifeboat, pg15, chinook_db, fresh_db, make_profile):
    source_id = backup_id(lifeboat, make_profile(pg15, chinook_db, name="src").name)
    target = fresh_db(template=chinook_db)
    with_events(pg15, target)
    make_profile(pg15, target, name="dev")
    result = ok(lifeboat("restore", source_id, "--into", "dev", "--replace"))
    first = result.stderr.splitlines()
    assert first[0].startswith(f"What restoring changes in {target} (dev): {target} will lose data")
    assert first[1] == "  events: 1,500 rows now \u2014 not in the backup, will be removed"
    assert table_hashes(pg15, target) == table_hashes(pg15, chinook_db)


def test_sync_that_would_lose_a_table_is_refused_unless_drop_missing(lifeboat, pg15, chinook_db, fresh_db,
                                                                      make_profile):
    """The issue's case: development lacks production's events table."""
    prod = fresh_db(template=chinook_db)
    with_events(pg15, prod, rows=15000)
    run(pg15, chinook_db, "DELETE FROM invoice_line WHERE invoice_line_id > 2000")
    make_profile(pg15, chinook_db, name="dev")
    make_profile(pg15, prod, environment="production", name="prod")
    before = schema_dump(pg15, prod), table_hashes(pg15, prod)

    refused = lifeboat("sync", "dev", "--into", "prod", "--confirm", prod)
    failed_cleanly(refused, 1, "refused", "events", "--drop-missing")
    lines = refused.stderr.splitlines()
    assert lines[0] == f"What {prod} (prod) would lose:"
    assert f"  events: 15,000 rows now \u2014 not in {chinook_db} (dev), will be removed" in lines
    assert "  invoice_line: 2,240 rows now, 2,000 after" in lines
    assert (schema_dump(pg15, prod), table_hashes(pg15, prod)) == before

    done = ok(lifeboat("sync", "dev", "--into", "prod", "--confirm", prod, "--drop-missing"))
    assert f"Lost in {prod} (prod):" in done.stderr
    assert f"  events: removed \u2014 it held 15,000 rows and is not in {chinook_db} (dev)" in done.stderr
    assert "  invoice_line: 2,240 rows before, 2,000 now" in done.stderr
    assert table_hashes(pg15, prod) == table_hashes(pg15, chinook_db)


def test_profile_add_like_copies_the_connection_and_password(lifeboat, keyring_file, pg15, chinook_db,
                                                            make_profile):
    make_profile(pg15, "shop", environment="production", name="shop", sslmode="require")
    added = ok(lifeboat("profile", "add", "shop-copy", "--like", "shop", "--dbname", chinook_db,
                        "--env", "development"))
    assert "password copied in the system keyring" in added.stdout
    ok(lifeboat("profile", "test", "shop-copy"))
    ws = Workspace.open()
    copy, original = ws.profiles.get("shop-copy"), ws.profiles.get("shop")
    assert (copy.host, copy.port, copy.user, copy.sslmode, copy.dbname, copy.environment) == (
        original.host, original.port, original.user, "require", chinook_db, "development")
    assert ws.profiles.password_for(copy) == pg15.password
    failed_cleanly(lifeboat("profile", "add", "x", "--like", "shop", "--env", "development"), 2, "--dbname")
    failed_cleanly(lifeboat("profile", "add", "y", "--like", "nope", "--dbname", "d", "--env", "development"), 2,
                   "no profile called 'nope'")
