"""Per connection: the last successful backup, the next scheduled one, and
whether it is overdue. The window's badge and the staleness alert read this.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal

from desktop.core.errors import LifeboatError
from desktop.core.schedule.slots import next_run
from desktop.core.store.catalog import Catalog
from desktop.core.store.schedules import Schedule
from desktop.core.store.settings import Settings


@dataclass(frozen=True)
class ConnectionStatus:
    profile: str
    last_success: Optional[datetime]   # finished_at of the newest completed backup, any kind
    next_run: Optional[datetime]       # None: no schedule
    stale_after: Optional[timedelta]   # None: no schedule, so never overdue
    checked_at: datetime

    @property
    def overdue(self) -> bool:
        if self.stale_after is None:
            return False
        since = self.last_success or self.checked_at - self.stale_after - timedelta(seconds=1)
        return self.checked_at - since > self.stale_after


def connection_status(profile: str, schedules: list[Schedule], catalog: Catalog, settings: Settings,
                      now: datetime) -> ConnectionStatus:
    mine = [schedule for schedule in schedules if schedule.profile == profile]
    zone = schedule_zone(settings)
    return ConnectionStatus(
        profile=profile,
        last_success=_last_success(catalog, profile),
        next_run=min((next_run(s, now, zone) for s in mine), default=None),
        stale_after=_stale_after(profile, mine, settings),
        checked_at=now,
    )


def schedule_zone(settings: Settings) -> tzinfo:
    if not settings.time_zone:
        return tzlocal.get_localzone()
    try:
        return ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise LifeboatError(
            f"The time zone {settings.time_zone!r} in Lifeboat's settings is not one Lifeboat knows. "
            "Choose one such as Europe/Berlin or America/New_York in Settings.",
            detail=repr(exc),
        ) from exc


def _last_success(catalog: Catalog, profile: str) -> Optional[datetime]:
    finished = catalog.last_completed_at(profile)
    return datetime.fromisoformat(finished) if finished else None


def _stale_after(profile: str, mine: list[Schedule], settings: Settings) -> Optional[timedelta]:
    if not mine:
        return None
    if profile in settings.stale_after_hours:
        return timedelta(hours=settings.stale_after_hours[profile])
    return 2 * min(schedule.interval() for schedule in mine)
