"""What a schedule is, and when it is due.

A schedule belongs to one connection profile and says how often to back it
up (hourly, daily at a time, weekly on days at a time, monthly on a day at a
time), which backup options to use and how many of its backups retention keeps.
Times are wall-clock times in the user's time zone (settings), so "daily at
02:00" stays 02:00 across daylight-saving changes; everything stored is UTC.
"""
import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Optional

from desktop.core.errors import UsageError
from desktop.core.format.manifest import BackupOptions

EVERY = ("hourly", "daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far back latest_slot looks: one period of the slowest schedule, plus a margin.
_LOOKBACK = timedelta(days=32)


@dataclass
class Retention:
    """Grandfather-father-son: the newest `last`, plus the newest of each of the
    last `daily` days, `weekly` weeks and `monthly` months (retention.py)."""
    last: int = 7
    daily: int = 7
    weekly: int = 4
    monthly: int = 6


@dataclass
class Schedule:
    id: str
    profile: str
    every: str
    at: str = "02:00"            # HH:MM; for hourly only the minutes count
    on: list[str] = field(default_factory=list)  # weekly: weekday names; monthly: ["1".."31"]
    keep: Retention = field(default_factory=Retention)
    dest: Optional[str] = None
    options: BackupOptions = field(default_factory=BackupOptions)
    created_at: str = ""        # ISO 8601 UTC; no slot before it is due
    refresh_into: Optional[str] = None  # a development profile refreshed (masked) from each new backup

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Schedule":
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["keep"] = Retention(**_known(Retention, values.get("keep", {})))
        values["options"] = BackupOptions(**_known(BackupOptions, values.get("options", {})))
        return cls(**values)

    def describe(self) -> str:
        """In plain words, as the window and `schedule list` show it."""
        hour, minute = _clock(self.at)
        if self.every == "hourly":
            return f"Every hour at {minute:02d} minutes past"
        if self.every == "daily":
            return f"Every day at {self.at}"
        if self.every == "weekly":
            days = ", ".join(day.capitalize() for day in self.on)
            return f"Every week on {days} at {self.at}"
        return f"Every month on day {self.on[0]} at {self.at}"

    def interval(self) -> timedelta:
        """The longest gap between two runs, for staleness: twice this is overdue."""
        return {"hourly": timedelta(hours=1), "daily": timedelta(days=1),
                "weekly": timedelta(days=7), "monthly": timedelta(days=31)}[self.every]


def new_schedule(profile: str, every: str, at: Optional[str] = None, on: Optional[list[str]] = None,
                 now: Optional[datetime] = None, **extra) -> Schedule:
    """A validated schedule with a fresh id; `on` defaults to Monday / the 1st."""
    if every not in EVERY:
        raise UsageError(f"Unknown interval {every!r}; choose one of {', '.join(EVERY)}.")
    on = [day.strip().lower() for day in (on or [])]
    if every == "weekly":
        on = on or ["mon"]
    elif every == "monthly":
        on = on or ["1"]
    elif on:
        raise UsageError("--on is for weekly (days such as mon,thu) or monthly (a day of the month) schedules.")
    schedule = Schedule(id=secrets.token_hex(4), profile=profile, every=every, at=at or "02:00", on=on,
                        created_at=(now or datetime.now(UTC)).isoformat(), **extra)
    validate(schedule)
    return schedule


def validate(schedule: Schedule) -> None:
    _clock(schedule.at)
    if schedule.every == "weekly":
        unknown = [day for day in schedule.on if day not in WEEKDAYS]
        if unknown or not schedule.on:
            raise UsageError(f"Weekly schedules run on days named {', '.join(WEEKDAYS)} (for example mon,thu).")
    if schedule.every == "monthly":
        if len(schedule.on) != 1 or not schedule.on[0].isdigit() or not 1 <= int(schedule.on[0]) <= 31:
            raise UsageError("Monthly schedules run on one day of the month, 1 to 31 "
                             "(a short month uses its last day).")
    if min(asdict(schedule.keep).values()) < 0:
        raise UsageError("Retention counts cannot be negative.")


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
    hour, minute = _clock(schedule.at)
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


def _clock(text: str) -> tuple[int, int]:
    try:
        parsed = datetime.strptime(text, "%H:%M")
    except (TypeError, ValueError):
        raise UsageError(f"{text!r} is not a time of day; write it as HH:MM, for example 02:30.") from None
    return parsed.hour, parsed.minute


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}
