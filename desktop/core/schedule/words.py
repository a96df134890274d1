"""Schedules in the words people read: when the last good backup was, when the
next one runs, what retention keeps. Plain text for the window (and anything
else that wants to say it the same way); the times come from status.py.
"""
from dataclasses import dataclass
from datetime import datetime, tzinfo

from desktop.core.schedule.slots import next_run
from desktop.core.schedule.status import ConnectionStatus, connection_status, schedule_zone
from desktop.core.store.schedules import Retention, Schedule
from desktop.core.workspace import Workspace

# Spelled out rather than strftime("%a"), which follows the computer's locale.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class StatusWords:
    """One connection's lines: "Last good backup: 2 hours ago", "Next: today 02:00"."""
    last: str
    next: str
    overdue: bool

    def spoken(self) -> str:
        """For a screen reader, in one breath."""
        text = f"{self.last}, {self.next}"
        return f"{text}, overdue" if self.overdue else text


def keeps_text(keep: Retention) -> str:
    """'keeps the last 7, 7 daily, 4 weekly, 6 monthly'; counts of 0 are left out."""
    parts = [f"the last {keep.last}"] if keep.last else []
    parts += [f"{count} {word}" for count, word in
              ((keep.daily, "daily"), (keep.weekly, "weekly"), (keep.monthly, "monthly")) if count]
    return "keeps " + ", ".join(parts) if parts else "keeps only the backups retention never removes"


def ago_text(moment: datetime, now: datetime) -> str:
    """'just now', '5 minutes ago', '2 hours ago', '3 days ago'."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    for size, unit, limit in ((1, "minute", 60), (60, "hour", 48 * 60), (24 * 60, "day", None)):
        if limit is None or minutes < limit:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    raise AssertionError("unreachable")


def when_text(moment: datetime, now: datetime, tz: tzinfo) -> str:
    """'today 02:00', 'tomorrow 02:00', 'Fri 02:00' within a week, else 'Fri 4 Dec 02:00'."""
    local = moment.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    clock = f"{local:%H:%M}"
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    day = _DAYS[local.weekday()]
    if 1 < days < 7:
        return f"{day} {clock}"
    return f"{day} {local.day} {_MONTHS[local.month - 1]} {clock}"


def status_words(status: ConnectionStatus, tz: tzinfo) -> StatusWords:
    now = status.checked_at
    last = ago_text(status.last_success, now) if status.last_success else "none yet"
    upcoming = f"Next: {when_text(status.next_run, now, tz)}" if status.next_run else "No schedule"
    return StatusWords(last=f"Last good backup: {last}", next=upcoming, overdue=status.overdue)


def connection_words(ws: Workspace, now: datetime) -> dict[str, StatusWords]:
    """Every connection's status lines, by profile name (reads the catalog and schedules once)."""
    schedules = ws.schedules.list()
    tz = schedule_zone(ws.settings)
    return {profile.name: status_words(connection_status(profile.name, schedules, ws.catalog, ws.settings, now), tz)
            for profile in ws.profiles.list()}


def schedule_next_text(schedule: Schedule, now: datetime, tz: tzinfo) -> str:
    return when_text(next_run(schedule, now, tz), now, tz)
