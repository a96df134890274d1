"""The words of each alert, one sentence a person reads on a phone:
"Production 'shop' has no successful backup for 3 days".

The scheduled run (schedule/run_due.py) builds its AlertEvents with these, so
e-mail, webhook, desktop notice and the activity log all say the same.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from desktop.core.alerts.events import AlertEvent


@dataclass(frozen=True)
class Subject:
    """The connection an alert is about, as far as it is still known."""
    name: str
    environment: str = ""   # "" when the connection was removed meanwhile
    database: str = ""

    @property
    def who(self) -> str:
        return f"{(self.environment or 'connection').capitalize()} '{self.name}'"


def how_long(span: timedelta) -> str:
    """'3 days', '1 day', '5 hours', '40 minutes': the largest whole unit."""
    minutes = max(int(span.total_seconds() // 60), 0)
    size, unit = next((size, unit) for size, unit in ((24 * 60, "day"), (60, "hour"), (1, "minute"))
                      if minutes >= size or unit == "minute")
    count = minutes // size
    return f"{count} {unit}{'' if count == 1 else 's'}"


def backup_failed(subject: Subject, reason: str, backup_id: Optional[str] = None) -> AlertEvent:
    return AlertEvent("backup_failed", subject.name, subject.database,
                      f"{subject.who} was not backed up: {reason}", backup_id)


def backup_stalled(subject: Subject, reason: str, backup_id: Optional[str] = None) -> AlertEvent:
    return AlertEvent("backup_stalled", subject.name, subject.database,
                      f"The backup of {subject.who} was stopped, and nothing half-written was kept: {reason}",
                      backup_id)


def stale(subject: Subject, last_success: Optional[datetime], now: datetime) -> AlertEvent:
    if last_success is None:
        text = f"{subject.who} has no successful backup yet"
    else:
        text = f"{subject.who} has no successful backup for {how_long(now - last_success)}"
    return AlertEvent("stale", subject.name, subject.database, text)


def refresh_failed(subject: Subject, target: str, reason: str) -> AlertEvent:
    return AlertEvent("refresh_failed", target, "",
                      f"Development '{target}' was not refreshed from {subject.who}, and stays as it was: {reason}")


def backup_succeeded(subject: Subject, backup_id: str, details: str = "") -> AlertEvent:
    return AlertEvent("backup_succeeded", subject.name, subject.database,
                      f"{subject.who} was backed up" + (f": {details}" if details else "."), backup_id)
