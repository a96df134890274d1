"""When a schedule is due.

Times are wall-clock times in the user's time zone (settings), so "daily at
02:00" stays 02:00 across daylight-saving changes; everything stored is UTC.
"""
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Optional

from desktop.core.store.schedules import WEEKDAYS, Schedule

# How far back latest_slot looks: one period of the slowest schedule, plus a margin.
_LOOKBACK = timedelta(days=32)


def next_run(schedule: Schedule, after: datetime, tz: tzinfo) -> datetime:
    """The first slot strictly after `after` (UTC)."""
    day = after.astimezone(tz).date() - timedelta(days=1)
    while True:
        for slot in _slots_on(schedule, day, tz):
            if slot > after:
                return slot
        day += timedelta(days=1)


def latest_slot(schedule: Schedule, now: datetime, tz: tzinfo) -> Optional[datetime]:
    """The newest slot at or before `now`, not before the schedule was made; None if none yet.

    A run is due when this is newer than the last attempt: however many slots
    were missed, that is one run (catch up once)."""
    created = datetime.fromisoformat(schedule.created_at) if schedule.created_at else now - _LOOKBACK
    day = now.astimezone(tz).date()
    stop = max(created, now - _LOOKBACK).astimezone(tz).date()
    while day >= stop:
        slots = [slot for slot in _slots_on(schedule, day, tz) if created <= slot <= now]
        if slots:
            return max(slots)
        day -= timedelta(days=1)
    return None


def _slots_on(schedule: Schedule, day, tz: tzinfo) -> list[datetime]:
    hour, minute = schedule.hour_minute()
    if schedule.every == "hourly":
        hours = range(24)
    elif schedule.every == "weekly" and WEEKDAYS[day.weekday()] not in schedule.on:
        return []
    elif schedule.every == "monthly" and day.day != _month_day(schedule, day):
        return []
    else:
        hours = [hour]
    return [_utc(datetime.combine(day, time(h, minute)), tz) for h in hours]


def _month_day(schedule: Schedule, day) -> int:
    # Day 31 in a 30-day month (or 29-31 in February) runs on the month's last day.
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return min(int(schedule.on[0]), (next_month - timedelta(days=1)).day)


def _utc(local: datetime, tz: tzinfo) -> datetime:
    # fold=0: an ambiguous autumn hour runs once, at its first occurrence; a
    # spring-forward gap time runs at the instant it maps to.
    return local.replace(tzinfo=tz).astimezone(UTC)
