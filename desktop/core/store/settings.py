"""The user's preferences, a small JSON file under the config folder.

`write_config_file` is shared with the other config files (profiles,
schedules, alert channels: `read_entries`/`write_entries`): all are rewritten
whole, atomically, and private to the user.
"""
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TypeVar

from desktop.core.durable import replace_file
from desktop.core.errors import LifeboatError
from desktop.core.store.paths import AppPaths

T = TypeVar("T")
ENTRIES_FILE_VERSION = 1


@dataclass
class Settings:
    # A folder of newer pg_dump/pg_restore/psql than the system has; searched first.
    tools_dir: str | None = None
    # How long a deleted backup stays in the trash before start-up housekeeping removes it.
    trash_days: int = 7
    # How long a job waits for a table another program has locked before it gives up.
    lock_wait_minutes: float = 10
    # Where new backups go when no --dest is given; None: AppPaths.backups_dir.
    backups_dir: str | None = None
    # A backup with no progress for this long is stopped as stalled (and says so).
    stall_minutes: float = 30
    # IANA name (Europe/Berlin) for schedule times; None: this computer's zone.
    time_zone: str | None = None
    # Per connection: hours without a successful backup before it counts as
    # overdue; a connection not named here uses twice its schedule's interval.
    stale_after_hours: dict[str, float] = field(default_factory=dict)


def default_backups_dir(settings: Settings, paths: AppPaths) -> Path:
    """Where a backup goes when no folder is given: the one chosen in Settings, else Lifeboat's own."""
    return Path(settings.backups_dir) if settings.backups_dir else paths.backups_dir


def load_settings(paths: AppPaths) -> Settings:
    data = read_config_file(paths.settings_file, what="settings")
    if data is None:
        return Settings()
    known = {f.name for f in fields(Settings)}
    # Keys this version does not know come from a newer Lifeboat: ignore them.
    return Settings(**{key: value for key, value in data.items() if key in known})


def save_settings(paths: AppPaths, settings: Settings) -> None:
    write_config_file(paths.settings_file, asdict(settings))


def read_config_file(path: Path, what: str) -> dict | None:
    """The file's JSON object, or None when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LifeboatError(
            f"Lifeboat could not read its {what} file {path} ({exc.strerror}). "
            "Check that you can open that file.",
            detail=repr(exc),
        ) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise damaged_config_file(path, what, exc) from exc
    if not isinstance(data, dict):
        raise damaged_config_file(path, what, TypeError(f"top level is {type(data).__name__}"))
    return data


def damaged_config_file(path: Path, what: str, exc: Exception) -> LifeboatError:
    # Never silently start from scratch: that would lose the user's entries
    # the moment the next change is saved over the damaged file.
    return LifeboatError(
        f"Lifeboat's {what} file {path} is damaged and cannot be read. "
        "Restore it from a copy, or move it away to start again with an empty one.",
        detail=repr(exc),
    )


def write_config_file(path: Path, data: dict) -> None:
    """Replace `path` with `data` as JSON: readers see the old or the new file, never half.

    The file is created 0600 (durable.AtomicFile), so the content is private from the first byte.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as exc:
        raise LifeboatError(
            f"Lifeboat could not save {path} ({exc.strerror}). "
            f"Check that the drive has free space and that you may write in {path.parent}.",
            detail=repr(exc),
        ) from exc


def read_entries(path: Path, what: str, section: str, build: Callable[[dict], T], key: str) -> dict[str, T]:
    """A file of entries (profiles, schedules, alert channels) by their attribute `key`;
    {} when there is no file yet, LifeboatError when it is damaged."""
    data = read_config_file(path, what=what)
    if data is None:
        return {}
    try:
        entries = [build(entry) for entry in data[section]]
    except (KeyError, TypeError) as exc:
        raise damaged_config_file(path, what, exc) from exc
    return {getattr(entry, key): entry for entry in entries}


def write_entries(path: Path, section: str, entries: list[dict]) -> None:
    write_config_file(path, {"version": ENTRIES_FILE_VERSION, section: entries})
