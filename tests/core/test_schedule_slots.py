"""When schedules are due: wall-clock slots in the user's time zone, catch-up once."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from desktop.core.errors import UsageError
from desktop.core.schedule.slots import latest_slot, next_run
from desktop.core.schedule.status import connection_status
from desktop.core.store.schedules import ScheduleStore, new_schedule
from desktop.core.workspace import Workspace
from tests.catalog_entries import add_backup

BERLIN = ZoneInfo("Europe/Berlin")
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_runs_at_the_local_time_across_a_daylight_saving_change():
    daily = new_schedule("shop", "daily", at="02:30", now=CREATED)
    assert next_run(daily, utc(2026, 3, 28, 12), BERLIN) == utc(2026, 3, 29, 1, 30)  # in the gap: 03:30 CEST
    assert next_run(daily, utc(2026, 3, 29, 12), BERLIN) == utc(2026, 3, 30, 0, 30)   # 02:30 CEST
    assert next_run(daily, utc(2026, 1, 10, 12), BERLIN) == utc(2026, 1, 11, 1, 30)   # 02:30 CET


def test_weekly_and_monthly_slots():
    weekly = new_schedule("shop", "weekly", at="18:00", on=["mon", "thu"], now=CREATED)
    assert next_run(weekly, utc(2026, 12, 1, 12), UTC) == utc(2026, 12, 3, 18)  # Tue → Thu
    assert next_run(weekly, utc(2026, 12, 3, 18), UTC) == utc(2026, 12, 7, 18)  # Thu → Mon
    monthly = new_schedule("shop", "monthly", at="01:00", on=["31"], now=CREATED)
    assert next_run(monthly, utc(2026, 2, 1), UTC) == utc(2026, 2, 28, 1)       # short month: last day
    hourly = new_schedule("shop", "hourly", at="00:15", now=CREATED)
    assert next_run(hourly, utc(2026, 5, 5, 9, 20), UTC) == utc(2026, 5, 5, 10, 15)


def test_missed_slots_make_one_run_and_nothing_is_due_before_the_schedule_existed():
    daily = new_schedule("shop", "daily", at="02:00", now=utc(2026, 6, 10, 12))
    assert latest_slot(daily, utc(2026, 6, 11, 1), UTC) is None
    # Off for five days: the newest missed slot only.
    assert latest_slot(daily, utc(2026, 6, 16, 9), UTC) == utc(2026, 6, 16, 2)


@pytest.mark.parametrize("every, at, on", [
    ("daily", "25:00", None), ("weekly", "02:00", ["someday"]), ("monthly", "02:00", ["32"]),
    ("fortnightly", "02:00", None), ("hourly", "02:00", ["mon"]),
])
def test_nonsense_is_refused_in_plain_words(every, at, on):
    with pytest.raises(UsageError):
        new_schedule("shop", every, at=at, on=on)


def test_schedules_are_stored_and_found_by_id_prefix(tmp_path):
    from desktop.core.store.paths import app_paths
    store = ScheduleStore(app_paths({"LIFEBOAT_HOME": str(tmp_path)}).ensure())
    added = store.add(new_schedule("shop", "weekly", on=["fri"]))
    assert store.get(added.id[:4]) == added
    assert store.for_profile("shop") == [added]
    store.remove(added.id)
    assert store.list() == []


def test_a_connection_is_overdue_after_twice_its_interval_without_a_completed_backup():
    ws = Workspace.open()
    add_backup(ws, "b1")  # completed 2026-01-02T03:05Z, profile "shop"
    daily = new_schedule("shop", "daily", at="02:00", now=CREATED)

    def status(now, **settings):
        for key, value in settings.items():
            setattr(ws.settings, key, value)
        return connection_status("shop", [daily], ws.catalog, ws.settings, now)

    fresh = status(utc(2026, 1, 3, 12), time_zone="UTC")
    assert fresh.next_run == utc(2026, 1, 4, 2) and not fresh.overdue
    assert status(utc(2026, 1, 4, 3, 6)).overdue            # 48 h and a minute later
    assert not status(utc(2026, 1, 4, 3, 6), stale_after_hours={"shop": 72}).overdue
    assert not connection_status("shop", [], ws.catalog, ws.settings, utc(2027, 1, 1)).overdue
