"""The schedules, a JSON file beside the profiles (config_dir/schedules.json, 0600)."""
from __future__ import annotations

from desktop.core.errors import UsageError
from desktop.core.schedule.model import Schedule, validate
from desktop.core.store.paths import AppPaths
from desktop.core.store.settings import read_entries, write_entries


class ScheduleStore:
    def __init__(self, paths: AppPaths):
        self._file = paths.config_dir / "schedules.json"

    def list(self) -> list[Schedule]:
        return sorted(self._load().values(), key=lambda s: (s.profile.casefold(), s.created_at))

    def for_profile(self, profile: str) -> list[Schedule]:
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
