"""Retention (grandfather-father-son) and its floor, on catalog entries: no server needed.

The 100-day run against a real server is tests/integration/test_schedule_run.py."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.core.schedule.history import RunHistory, RunRecord
from desktop.core.schedule.retention import apply_retention, gfs_reasons, plan_retention
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.profiles import Profile
from desktop.core.store.schedules import Retention, new_schedule
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.catalog_entries import manifest

BERLIN = ZoneInfo("Europe/Berlin")
KEEP = Retention(last=3, daily=7, weekly=4, monthly=3)
FIRST = date(2027, 1, 1)


def at_two(day: date) -> datetime:
    return datetime.combine(day, time(2, 0), tzinfo=BERLIN).astimezone(UTC)


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def ws():
    ws = Workspace.open()
    save_settings(ws.paths, Settings(time_zone="Europe/Berlin"))
    ws.profiles.add(Profile(name="shop", environment="production", host="db.example.com", dbname="shop db",
                            user="backup"))
    return Workspace.open()


def add(ws: Workspace, backup_id: str, day: date, kind: str = "scheduled", schedule_id=None):
    m = manifest(backup_id, started_at=stamp(at_two(day)), kind=kind, schedule_id=schedule_id)
    path = ws.paths.backups_dir / f"{backup_id}.dump.lifeboat"
    path.write_bytes(b"encrypted bytes")
    ws.catalog.start(m, path)
    m.finished_at = m.started_at
    ws.catalog.complete(m, path, size=15, sha256="ab" * 32, file_id=backup_id * 4)
    return path


def daily_schedule(ws: Workspace, keep: Retention = KEEP):
    return ws.schedules.add(new_schedule("shop", "daily", now=at_two(FIRST) - timedelta(days=1), keep=keep))


def test_gfs_keeps_the_newest_of_each_period_with_its_reason():
    records = [BackupRecord(f"d{n:03d}", "shop", "production", "shop", "completed", "custom",
                            stamp(at_two(FIRST + timedelta(days=n))), kind="scheduled")
               for n in reversed(range(100))]  # 2027-01-01 .. 2027-04-10, one a day, newest first
    reasons = gfs_reasons(records, KEEP, BERLIN)
    kept = {FIRST + timedelta(days=int(i[1:])) for i, why in reasons.items() if why}
    assert sorted(kept) == [date(2027, 2, 28), date(2027, 3, 21), date(2027, 3, 28), date(2027, 3, 31),
                            *(date(2027, 4, d) for d in range(4, 11))]
    assert reasons["d086"] == ["newest of week 12 of 2027"]   # Sunday 2027-03-28
    assert reasons["d079"] == ["newest of week 11 of 2027"]
    assert "newest of March 2027" in reasons["d089"]
    assert reasons["d099"][:2] == ["one of the newest 3", "newest of 2027-04-10"]


def test_apply_moves_to_the_trash_and_leaves_manual_backups_alone(ws):
    schedule = daily_schedule(ws, Retention(last=2, daily=0, weekly=0, monthly=0))
    paths = [add(ws, f"s{n}", FIRST + timedelta(days=n), schedule_id=schedule.id) for n in range(5)]
    add(ws, "manual", FIRST, kind="manual")
    add(ws, "safety", FIRST, kind="safety")
    [plan] = apply_retention(ws, "shop")
    assert [d.record.id for d in plan.keep] == ["s4", "s3"]
    assert {d.record.id for d in plan.trash} == {"s0", "s1", "s2"}
    assert plan.left_alone == 2
    assert {r.id for r in ws.catalog.list_trash()} == {"s0", "s1", "s2"}
    assert {r.id for r in ws.catalog.list()} == {"s4", "s3", "manual", "safety"}
    assert all(path.exists() for path in paths)  # the trash keeps the files


def test_the_floor_keeps_proven_held_and_post_failure_backups(ws):
    schedule = daily_schedule(ws, Retention(last=1, daily=0, weekly=0, monthly=0))
    for n in range(6):
        add(ws, f"s{n}", FIRST + timedelta(days=n), schedule_id=schedule.id)
    ws.catalog.set_proven_restorable("s1", stamp(at_two(FIRST)))
    ws.catalog.hold("s2", "the undo of the restore into shop")
    history = RunHistory(ws.paths.catalog_file)
    for n, outcome in ((3, "succeeded"), (4, "failed"), (5, "succeeded")):
        when = stamp(at_two(FIRST + timedelta(days=n)) - timedelta(minutes=1 if outcome == "failed" else 0))
        history.record(RunRecord(schedule.id, "shop", when, when, when, outcome))
    plan = plan_retention(ws, "shop")
    why = {d.record.id: d.reasons for d in plan.keep}
    assert why["s5"][0] == "one of the newest 1" and "the newest completed backup" in why["s5"]
    assert why["s1"] == ["the newest backup proven restorable"]
    assert why["s2"] == ["held: the undo of the restore into shop"]
    assert why["s4"][0].startswith("newer than the failed run of")
    assert {d.record.id for d in plan.trash} == {"s0", "s3"}


def test_nothing_is_removed_when_the_last_three_runs_failed(ws):
    schedule = daily_schedule(ws, Retention(last=1, daily=0, weekly=0, monthly=0))
    for n in range(4):
        add(ws, f"s{n}", FIRST + timedelta(days=n), schedule_id=schedule.id)
    history = RunHistory(ws.paths.catalog_file)
    for n in range(4, 7):
        when = stamp(at_two(FIRST + timedelta(days=n)))
        history.record(RunRecord(schedule.id, "shop", when, when, when, "failed", "wrong password"))
    [plan] = apply_retention(ws, "shop")
    assert plan.halted.startswith("The last 3 scheduled backups of shop failed")
    assert plan.trash == [] and len(plan.keep) == 4
    assert ws.catalog.list_trash() == []


def test_each_schedule_keeps_its_own_backups(ws):
    daily = daily_schedule(ws, Retention(last=2, daily=0, weekly=0, monthly=0))
    monthly = ws.schedules.add(new_schedule("shop", "monthly", now=at_two(FIRST) - timedelta(days=1),
                                            keep=Retention(last=0, daily=0, weekly=0, monthly=12)))
    for n in range(5):
        add(ws, f"d{n}", FIRST + timedelta(days=n), schedule_id=daily.id)
    add(ws, "m0", date(2026, 12, 1), schedule_id=monthly.id)
    add(ws, "m1", FIRST, schedule_id=monthly.id)
    plan = plan_retention(ws, "shop")
    assert {d.record.id for d in plan.keep} == {"d4", "d3", "m0", "m1"}
    assert {d.record.id for d in plan.trash} == {"d0", "d1", "d2"}


def test_a_rebuilt_catalog_keeps_the_schedule_id(ws):
    m = manifest("r1", kind="scheduled", schedule_id="abcd1234")
    m = type(m).from_dict(m.to_dict())  # as read back from the file's encrypted manifest
    ws.catalog.add_existing(m, ws.paths.backups_dir / "r1.dump.lifeboat", 15, "ab" * 32, "f" * 32)
    assert ws.catalog.get("r1").to_json()["schedule_id"] == "abcd1234"
