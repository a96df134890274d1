"""Adding and removing schedules: the one path the CLI and the window share.

Each also registers (or removes) the schedule with the operating system's
scheduler (os_install.py), so a schedule is never saved without what wakes
it, nor left waking after it was removed.
"""
from desktop.core.jobs.backup import validate_options
from desktop.core.jobs.refresh import RefreshRequest, check_target
from desktop.core.schedule import os_install
from desktop.core.store.audited import audited
from desktop.core.store.schedules import Schedule
from desktop.core.workspace import Workspace


@audited("schedule_add", profile="schedule.profile")
def add_schedule(ws: Workspace, schedule: Schedule) -> Schedule:
    ws.profiles.get(schedule.profile)  # refuses an unknown connection in plain words
    validate_options(schedule.options)  # now, not at 02:00 when nobody is watching
    if schedule.refresh_into:  # a production target is refused now too
        check_target(ws, RefreshRequest(schedule.profile, schedule.refresh_into))
    added = ws.schedules.add(schedule)
    try:
        os_install.register(ws, added)
    except BaseException:
        ws.schedules.remove(added.id)
        os_install.unregister(ws, added)
        raise
    return added


@audited("schedule_remove")
def remove_schedule(ws: Workspace, schedule_id: str) -> Schedule:
    schedule = ws.schedules.get(schedule_id)
    os_install.unregister(ws, schedule)
    return ws.schedules.remove(schedule.id)


def reregister_schedules(ws: Workspace) -> None:
    """Writes every schedule's timer again, e.g. after the time zone changed in Settings
    (the timers name the zone they wake in)."""
    for schedule in ws.schedules.list():
        os_install.register(ws, schedule)
