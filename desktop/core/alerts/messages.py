"""The words of each alert, one sentence a person reads on a phone:
"Production 'shop' has no successful backup for 3 days".

The scheduled run (schedule run-due) builds its AlertEvents with these, so
e-mail, webhook, desktop notice and the activity log all say the same.
"""
from datetime import datetime, timedelta
from typing import Optional

from desktop.core.alerts.events import AlertEvent
from desktop.core.store.profiles import Profile


def _who(profile: Profile) -> str:
    return f"{profile.environment.capitalize()} '{profile.name}'"


def how_long(span: timedelta) -> str:
    """'3 days', '1 day', '5 hours', '40 minutes': the largest whole unit."""
    minutes = max(int(span.total_seconds() // 60), 0)
    size, unit = next((size, unit) for size, unit in ((24 * 60, "day"), (60, "hour"), (1, "minute"))
                      if minutes >= size or unit == "minute")
    count = minutes // size
    return f"{count} {unit}{'' if count == 1 else 's'}"


def backup_failed(profile: Profile, reason: str, backup_id: Optional[str] = None) -> AlertEvent:
    return AlertEvent("backup_failed", profile.name, profile.dbname,
                      f"{_who(profile)} was not backed up: {reason}", backup_id)


def backup_stalled(profile: Profile, minutes: float, backup_id: Optional[str] = None) -> AlertEvent:
    return AlertEvent("backup_stalled", profile.name, profile.dbname,
                      f"The backup of {_who(profile)} made no progress for {how_long(timedelta(minutes=minutes))} "
                      "and was stopped; nothing half-written was kept.", backup_id)


def stale(profile: Profile, last_success: Optional[datetime], now: datetime) -> AlertEvent:
    if last_success is None:
        text = f"{_who(profile)} has no successful backup yet"
    else:
        text = f"{_who(profile)} has no successful backup for {how_long(now - last_success)}"
    return AlertEvent("stale", profile.name, profile.dbname, text)


def backup_succeeded(profile: Profile, backup_id: str, details: str = "") -> AlertEvent:
    return AlertEvent("backup_succeeded", profile.name, profile.dbname,
                      f"{_who(profile)} was backed up" + (f": {details}" if details else "."), backup_id)
