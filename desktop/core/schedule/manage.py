"""Adding and removing schedules: the one path the CLI and the window share."""
from desktop.core.schedule.model import Schedule
from desktop.core.store.audited import audited
from desktop.core.workspace import Workspace


@audited("schedule_add", profile="schedule.profile")
def add_schedule(ws: Workspace, schedule: Schedule) -> Schedule:
    ws.profiles.get(schedule.profile)  # refuses an unknown connection in plain words
    return ws.schedules.add(schedule)


@audited("schedule_remove")
def remove_schedule(ws: Workspace, schedule_id: str) -> Schedule:
    return ws.schedules.remove(schedule_id)
