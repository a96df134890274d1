"""A schedule that refreshes development every morning (issue 13): `schedule add --refresh-into`,
then run_due with an injected clock takes the backup, reads it back and refreshes development from it, masked."""
from datetime import UTC, datetime, timedelta

import psycopg

from desktop.core.schedule.run_due import run_due
from desktop.core.store.audited import audit_log_of
from desktop.core.workspace import Workspace
from tests.dbcompare import row_counts, table_hashes
from tests.integration.cli_helpers import failed_cleanly, ok
from tests.masking_data import ORIGINALS, dump, fill_personal_data


def test_a_daily_schedule_refreshes_development_masked(lifeboat, pg15, fresh_db, make_profile):
    source_db, dev_db = fresh_db(prefix="shop"), fresh_db(prefix="shopdev")
    fill_personal_data(pg15, source_db)
    make_profile(pg15, source_db, environment="production", name="shop")
    make_profile(pg15, dev_db, name="shop-dev")
    failed_cleanly(lifeboat("schedule", "add", "shop", "--every", "daily", "--at", "06:00",
                            "--refresh-into", "shop"), 2, "production connection")
    ok(lifeboat("mask", "review", "shop", "--accept-suggestions"))
    added = ok(lifeboat("schedule", "add", "shop", "--every", "daily", "--at", "06:00", "--refresh-into", "shop-dev"))
    assert "then refreshing shop-dev from each backup (masked)" in added.stderr

    ws = Workspace.open()
    [schedule] = ws.schedules.list()
    assert schedule.refresh_into == "shop-dev"
    tomorrow = datetime.now(UTC) + timedelta(days=1)  # a 06:00 slot has passed since the schedule was made
    result = run_due(ws, clock=lambda: tomorrow)
    [run] = result.runs
    assert run.ok and result.notes == []
    assert row_counts(pg15, dev_db) == row_counts(pg15, source_db)
    assert [needle for needle in ORIGINALS if needle in dump(pg15, dev_db)] == []
    [refresh] = [r for r in audit_log_of(ws).records() if r.action == "refresh"]
    assert refresh.result == "ok" and refresh.profile == "shop-dev" and run.backup_id in refresh.message
    first = table_hashes(pg15, dev_db)

    assert run_due(ws, clock=lambda: tomorrow).runs == []  # nothing due again until the next morning
    later = run_due(ws, clock=lambda: tomorrow + timedelta(days=1))
    assert later.runs[0].ok and later.notes == []
    assert table_hashes(pg15, dev_db) == first  # the same fakes every morning

    # A column added since the review: the backup is still taken, development stays, the note says why.
    with psycopg.connect(pg15.conninfo(source_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE customers ADD COLUMN ssn text")
    blocked = run_due(ws, clock=lambda: tomorrow + timedelta(days=2))
    assert blocked.runs[0].ok and len(blocked.notes) == 1
    assert "shop-dev" in blocked.notes[0] and "public.customers.ssn" in blocked.notes[0]
    assert table_hashes(pg15, dev_db) == first
    alerts = [r.message for r in audit_log_of(ws).records() if r.action == "alert"]
    assert any(m.startswith("refresh_failed: Development 'shop-dev' was not refreshed") and "ssn" in m
               for m in alerts)
