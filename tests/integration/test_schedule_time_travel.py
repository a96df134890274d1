"""100 simulated days of a daily schedule against a real server (issue 12).

`run_due` takes a clock, so each simulated day at 03:00 (Berlin) runs the
02:00 backup, reads it back and applies retention. A week of wrong
passwords and a day with the server unreachable fail in between. At the
end exactly the backups grandfather-father-son names are kept (plus the
floor: the proven one and the held one), every other scheduled backup is
in the trash with its file still on disk, and the manual one is untouched.
"""
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.schedule.retention import apply_retention
from desktop.core.schedule.run_due import run_due
from desktop.core.store.audited import audit_log_of
from desktop.core.store.schedules import Retention, new_schedule
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2027, 1, 1)
KEEP = Retention(last=3, daily=7, weekly=4, monthly=3)
WRONG_PASSWORD_DAYS = range(40, 47)   # 2027-02-10 .. 02-16
SERVER_DOWN_DAY = 70                  # 2027-03-12
PROVEN_DAY, HELD_DAY, MANUAL_DAY = 19, 29, 50


def morning(n: int) -> datetime:
    return datetime.combine(FIRST + timedelta(days=n), time(3, 0), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def tiny_db(pg15, fresh_db):
    name = fresh_db(prefix="sched")
    with psycopg.connect(pg15.conninfo(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id integer PRIMARY KEY, item text)")
        conn.execute("INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 20) g")
    return name


def test_a_hundred_days_keep_exactly_what_gfs_and_the_floor_name(pg15, tiny_db, make_profile):
    profile = make_profile(pg15, tiny_db, environment="production")
    save_settings(Workspace.open().paths, Settings(time_zone="Europe/Berlin"))
    ws = Workspace.open()
    schedule = ws.schedules.add(new_schedule(profile.name, "daily", at="02:00", keep=KEEP,
                                             now=morning(0) - timedelta(hours=2)))
    made: dict[int, str] = {}
    for n in range(100):
        _break_or_mend(ws, profile, pg15, n)
        trashed_before = {r.id for r in ws.catalog.list_trash()}
        result = run_due(ws, clock=lambda n=n: morning(n))
        [run] = result.runs
        if n in WRONG_PASSWORD_DAYS or n == SERVER_DOWN_DAY:
            assert run.outcome == "failed" and run.backup_id is None, run
            # The floor through a week of failures: nothing leaves, however old.
            assert {r.id for r in ws.catalog.list_trash()} == trashed_before
            if n >= WRONG_PASSWORD_DAYS[2] and n in WRONG_PASSWORD_DAYS:
                [plan] = apply_retention(ws, profile.name)
                assert plan.halted.startswith("The last 3 scheduled backups") and plan.trash == []
                assert made[39] in {d.record.id for d in plan.keep}
            continue
        assert run.outcome == "succeeded", run
        made[n] = run.backup_id
        if n == PROVEN_DAY:
            ws.catalog.set_proven_restorable(run.backup_id, run.finished_at)
        if n == HELD_DAY:
            ws.catalog.hold(run.backup_id, "the undo of a restore into production")
        if n == MANUAL_DAY:
            manual = run_backup(ws, BackupRequest(profile=profile.name, clock=lambda n=n: morning(n)))

    kept_days = {date(2027, 2, 28), date(2027, 3, 21), date(2027, 3, 28), date(2027, 3, 31),
                 *(date(2027, 4, d) for d in range(4, 11))} | {FIRST + timedelta(days=PROVEN_DAY),
                                                              FIRST + timedelta(days=HELD_DAY)}
    kept = {r.id for r in ws.catalog.list(profile.name) if r.kind == "scheduled"}
    assert kept == {made[(d - FIRST).days] for d in kept_days}
    assert manual.id in {r.id for r in ws.catalog.list(profile.name)}
    trash = ws.catalog.list_trash()
    assert {r.id for r in trash} == set(made.values()) - kept
    # Nothing was deleted outright: every file made is still on disk.
    for record in [*trash, *ws.catalog.list(profile.name)]:
        assert record.path and Path(record.path).exists()
        assert record.schedule_id in (schedule.id, None)
    _check_the_records(ws, profile)


def _break_or_mend(ws: Workspace, profile, pg15, n: int) -> None:
    if n == WRONG_PASSWORD_DAYS[0]:
        ws.profiles.update(ws.profiles.get(profile.name), password="not the password")
    elif n == WRONG_PASSWORD_DAYS[-1] + 1:
        ws.profiles.update(ws.profiles.get(profile.name), password=pg15.password)
    elif n == SERVER_DOWN_DAY:
        ws.profiles.update(replace(ws.profiles.get(profile.name), port=1))
    elif n == SERVER_DOWN_DAY + 1:
        ws.profiles.update(replace(ws.profiles.get(profile.name), port=pg15.port))


def _check_the_records(ws: Workspace, profile) -> None:
    records = audit_log_of(ws).records()
    runs = [r for r in records if r.action == "schedule_run"]
    assert len(runs) == 100 and sum(r.result == "failed" for r in runs) == 8
    alerts = [r.message for r in records if r.action == "alert"]
    stale = [m for m in alerts if m.startswith("stale:")]
    # Overdue after two days without a success (twice the interval), told once a day: days 42-46.
    assert len(stale) == 5, stale
    assert stale[0] == f"stale: Production '{profile.name}' has no successful backup for 3 days"
    assert sum(m.startswith("backup_failed:") for m in alerts) == 8
    assert sum(m.startswith("backup_succeeded:") for m in alerts) == 92
