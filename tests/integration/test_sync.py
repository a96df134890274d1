"""Sync development into production: whole database, and picked tables with and without links pointing at them."""
import psycopg
import pytest

from desktop.core.errors import ConfirmationRequired, RestoreFailed, TablesWouldBeLost, UsageError
from desktop.core.jobs.sync import SyncRequest, plan_sync, run_sync
from desktop.core.jobs.undo import undo_restore
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


@pytest.fixture
def pair(ws, make_profile, pg15, chinook_db, fresh_db):
    """(development database, production database): two copies of Chinook."""
    dev = fresh_db(template=chinook_db, prefix="dev")
    make_profile(pg15, dev, name="dev")
    make_profile(pg15, chinook_db, environment="production", name="prod")
    return dev, chinook_db


def run(cluster, dbname, *statements):
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def links_to_track(cluster, dbname):
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        return sorted(row[0] for row in conn.execute(
            "SELECT conname FROM pg_constraint WHERE confrelid = 'public.track'::regclass").fetchall())


def test_whole_database_sync_makes_production_what_development_is(ws, pg15, pair):
    dev, prod = pair
    run(pg15, dev, "CREATE TABLE new_feature (id int PRIMARY KEY, note text)",
        "INSERT INTO new_feature VALUES (1, 'hello')", "DROP TABLE playlist_track")
    with pytest.raises(ConfirmationRequired):
        run_sync(ws, SyncRequest("dev", "prod"))
    assert ws.catalog.list() == []  # refused before any step
    before = schema_dump(pg15, prod), table_hashes(pg15, prod)
    phases = []
    with pytest.raises(TablesWouldBeLost, match="playlist_track"):
        run_sync(ws, SyncRequest("dev", "prod", confirm=prod))
    assert ws.catalog.list() == []  # refused before the safety backup
    # Agreeing to exactly the tables shown (the window's ticks) lets it through.
    request = SyncRequest("dev", "prod", confirm=prod, agreed_losses=["public.playlist_track"])
    result = run_sync(ws, request, lambda p: phases.append(p.phase))
    assert result.loss_lines() == [f"playlist_track: removed — it held 8,715 rows and is not in {dev} (dev)"]
    assert result.ok
    assert (schema_dump(pg15, prod), table_hashes(pg15, prod)) == (schema_dump(pg15, dev), table_hashes(pg15, dev))
    assert [n for n in range(1, 5) if any(p.startswith(f"Step {n} of 4") for p in phases)] == [1, 2, 3, 4]
    assert ws.catalog.get(result.safety_backup_id).kind == "safety"
    undo_restore(ws, result.safety_backup_id, confirm=prod)
    assert (schema_dump(pg15, prod), table_hashes(pg15, prod)) == before


def test_table_sync_keeps_the_links_other_tables_have_to_it(ws, pg15, pair):
    dev, prod = pair
    run(pg15, dev, "UPDATE track SET name = upper(name)", "CREATE INDEX track_name_idx ON track (name)")
    plan = plan_sync(ws, SyncRequest("dev", "prod", tables=["track"], confirm=prod))
    assert plan.tables == ["public.track"]
    assert sorted(link.table for link in plan.links) == ["public.invoice_line", "public.playlist_track"]
    assert len(plan.steps()) == 4 and "invoice_line" in plan.link_notes()[0]
    others_before = {k: v for k, v in table_hashes(pg15, prod).items() if k != "public.track"}
    links_before = links_to_track(pg15, prod)

    result = run_sync(ws, SyncRequest("dev", "prod", tables=["track"], confirm=prod))
    assert result.ok and [t.table for t in result.restore.check.tables] == ["public.track"]
    after = table_hashes(pg15, prod)
    assert after["public.track"] == table_hashes(pg15, dev)["public.track"]  # data replaced
    assert {k: v for k, v in after.items() if k != "public.track"} == others_before  # nothing else touched
    assert "track_name_idx" in schema_dump(pg15, prod)  # definition replaced too
    assert links_to_track(pg15, prod) == links_before


def test_table_sync_that_would_break_links_is_refused_and_changes_nothing(ws, pg15, pair):
    dev, prod = pair
    # Development drops a track that production's invoices still use.
    run(pg15, dev, "DELETE FROM invoice_line WHERE track_id = 1", "DELETE FROM playlist_track WHERE track_id = 1",
        "DELETE FROM track WHERE track_id = 1")
    before = schema_dump(pg15, prod), table_hashes(pg15, prod)
    with pytest.raises(RestoreFailed) as refused:
        run_sync(ws, SyncRequest("dev", "prod", tables=["public.track"], confirm=prod))
    message = refused.value.message
    assert "refused" in message and "public.track" in message and "Nothing was changed" in message
    assert "invoice_line" in message or "playlist_track" in message
    assert refused.value.safety_backup_id  # the undo is offered all the same
    assert (schema_dump(pg15, prod), table_hashes(pg15, prod)) == before


def test_table_nobody_points_at_syncs_without_links(ws, pg15, pair):
    dev, prod = pair
    run(pg15, dev, "UPDATE invoice_line SET quantity = quantity + 1")
    plan = plan_sync(ws, SyncRequest("dev", "prod", tables=["invoice_line"], confirm=prod))
    assert plan.links == [] and plan.sql_before() == ""
    assert run_sync(ws, SyncRequest("dev", "prod", tables=["invoice_line"], confirm=prod)).ok
    assert table_hashes(pg15, prod)["public.invoice_line"] == table_hashes(pg15, dev)["public.invoice_line"]


def test_unknown_table_and_self_sync_are_usage_errors(ws, pair):
    dev, prod = pair
    with pytest.raises(UsageError, match="no table nope"):
        plan_sync(ws, SyncRequest("dev", "prod", tables=["nope"], confirm=prod))
    with pytest.raises(UsageError, match="onto itself"):
        plan_sync(ws, SyncRequest("prod", "prod", confirm=prod))
