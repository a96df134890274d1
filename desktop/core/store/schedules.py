"""What a schedule is, and where schedules are kept (config_dir/schedules.json, 0600).

A schedule belongs to one connection profile and says how often to back it
up (hourly, daily at a time, weekly on days at a time, monthly on a day at a
time), which backup options to use and how many of its backups retention keeps.
When it is due: schedule/slots.py.
"""
import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Optional

from desktop.core.errors import UsageError
from desktop.core.format.manifest import BackupOptions
from desktop.core.store.paths import AppPaths
from desktop.core.store.settings import read_entries, write_entries

EVERY = ("hourly", "daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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

    def hour_minute(self) -> tuple[int, int]:
        return _clock(self.at)

    def describe(self) -> str:
        """In plain words, as the window and `schedule list` show it."""
        then = f", then refreshes {self.refresh_into} (masked)" if self.refresh_into else ""
        return self._when() + then

    def _when(self) -> str:
        hour, minute = self.hour_minute()
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


def _clock(text: str) -> tuple[int, int]:
    try:
        parsed = datetime.strptime(text, "%H:%M")
    except (TypeError, ValueError):
        raise UsageError(f"{text!r} is not a time of day; write it as HH:MM, for example 02:30.") from None
    return parsed.hour, parsed.minute


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


class ScheduleStore:
    def __init__(self, paths: AppPaths):
        self._file = paths.config_dir / "schedules.json"

    def list(self) -> "list[Schedule]":
        return sorted(self._load().values(), key=lambda s: (s.profile.casefold(), s.created_at))

    def for_profile(self, profile: str) -> "list[Schedule]":
        return [schedule for schedule in self.list() if schedule.profile == profile]

    def get(self, schedule_id: str) -> Schedule:
        schedules = self._load()
        matches = [key for key in schedules if key.startswith(schedule_id)] if schedule_id else []
        if len(matches) != 1:
            known = ", ".join(sorted(schedules)) or "none yet"
            raise UsageError(f"There is no schedule {schedule_id!r} (schedules: {known}).")
        return schedules[matches[0]]

    def add(self, schedule: Schedule) -> Schedule:
        validate(schedule)
        schedules = self._load()
        schedules[schedule.id] = schedule
        self._save(schedules)
        return schedule

    def remove(self, schedule_id: str) -> Schedule:
        schedule = self.get(schedule_id)
        schedules = self._load()
        del schedules[schedule.id]
        self._save(schedules)
        return schedule

    def _load(self) -> dict[str, Schedule]:
        return read_entries(self._file, "schedules", "schedules", Schedule.from_dict, key="id")

    def _save(self, schedules: dict[str, Schedule]) -> None:
        entries = [schedule.to_dict() for schedule in schedules.values()]
        write_entries(self._file, "schedules", entries)
