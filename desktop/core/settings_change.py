"""Changing settings: one validated path for `lifeboat settings set` and the Settings dialog.

Each value arrives as text (a command-line word, a field of the dialog) and
is checked before anything is saved: a time zone must be a known IANA name,
numbers positive, the backup folder must exist and take files. A refusal
says what is wrong and what would be right. Every change is recorded in the
activity log as "settings", with the old and the new value.
"""
import logging
import math
import zoneinfo
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core.durable import check_writable
from desktop.core.errors import LifeboatError, UsageError
from desktop.core.schedule.manage import reregister_schedules
from desktop.core.store.audited import record_quietly
from desktop.core.store.settings import Settings, load_settings, save_settings

if TYPE_CHECKING:
    from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.settings")
STALE_PREFIX = "stale_after_hours."
RESET_WORDS = ("", "default")


def _folder(key: str, text: str) -> str:
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        folder = Path.cwd() / folder
    if not folder.is_dir():
        raise UsageError(f"The folder {folder} does not exist. Create it first, or choose another one.")
    try:
        check_writable(folder)
    except LifeboatError as exc:
        raise UsageError(exc.message, detail=exc.detail) from exc
    return str(folder.resolve())


def _positive(key: str, text: str, whole: bool = False) -> float:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise UsageError(f"{MEANINGS[_field(key)]} must be {kind} such as 7, not {text!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{MEANINGS[_field(key)]} must be more than 0, not {text!r}.")
    return value


def _zone(key: str, text: str) -> str:
    known = zoneinfo.available_timezones()
    if text in known:
        return text
    near = sorted(name for name in known if name.casefold() == text.casefold())
    hint = f"Did you mean {near[0]}? " if near else ""
    raise UsageError(f"{text!r} is not a time zone Lifeboat knows. {hint}"
                     "Use a name such as Europe/Berlin, America/New_York or UTC.")


def _whole(key: str, text: str) -> int:
    return int(_positive(key, text, whole=True))


# key -> (what it means, how text becomes its value); the order is the order `settings show` lists them in.
KEYS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "backups_dir": ("The default backup folder", _folder),
    "trash_days": ("Days a deleted backup stays in the trash", _whole),
    "stall_minutes": ("Minutes without progress before a backup is stopped as stalled", _positive),
    "lock_wait_minutes": ("Minutes a backup waits for a locked table", _positive),
    "time_zone": ("The time zone for schedules", _zone),
    "tools_dir": ("A folder of newer PostgreSQL tools", _folder),
    "stale_after_hours": ("Hours without a successful backup before a connection is overdue", _positive),
}
MEANINGS = {key: meaning for key, (meaning, _) in KEYS.items()}
OPTIONAL = ("backups_dir", "time_zone", "tools_dir")  # empty or "default": Lifeboat's own choice


def _field(key: str) -> str:
    return "stale_after_hours" if key.startswith(STALE_PREFIX) else key


def parse_change(key: str, text: str) -> tuple[str, Any]:
    """(key, value) for `text`; value None means "back to the default"."""
    name, dot, connection = key.strip().partition(".")
    key = name.replace("-", "_") + dot + connection  # a connection's own name is kept as it is
    field = _field(key)
    if field not in KEYS or key == "stale_after_hours":
        names = ", ".join(k if k != "stale_after_hours" else STALE_PREFIX + "CONNECTION" for k in KEYS)
        raise UsageError(f"There is no setting {key!r}. The settings are: {names}.")
    text = text.strip()
    if text.casefold() in RESET_WORDS and (field in OPTIONAL or field == "stale_after_hours"):
        return key, None
    return key, KEYS[field][1](key, text)


def change_settings(ws: "Workspace", changes: dict[str, str]) -> Settings:
    """Checks every change, then saves them together; `ws.settings` is the result."""
    parsed = dict(parse_change(key, text) for key, text in changes.items())
    for key in parsed:
        if key.startswith(STALE_PREFIX):
            ws.profiles.get(key[len(STALE_PREFIX):])  # refuses an unknown connection in plain words
    before = load_settings(ws.paths)  # the file, not ws.settings: another process may have changed it
    after = _apply(before, parsed)
    said = describe_changes(before, after)
    if said:
        save_settings(ws.paths, after)
        record_quietly(ws, "settings", message="; ".join(said))
    ws.settings = after
    if before.time_zone != after.time_zone:
        reregister_schedules(ws)  # the timers name the zone they wake in
    return after


def _apply(settings: Settings, parsed: dict[str, Any]) -> Settings:
    stale = dict(settings.stale_after_hours)
    plain = {}
    for key, value in parsed.items():
        if key.startswith(STALE_PREFIX):
            name = key[len(STALE_PREFIX):]
            if value is None:
                stale.pop(name, None)
            else:
                stale[name] = value
        else:
            plain[key] = getattr(Settings(), key) if value is None else value
    return replace(settings, stale_after_hours=stale, **plain)


def describe_changes(before: Settings, after: Settings) -> list[str]:
    old, new = asdict(before), asdict(after)
    said = [f"{key}: {_shown(old[key])} → {_shown(new[key])}" for key in new
            if key != "stale_after_hours" and old[key] != new[key]]
    for name in sorted(set(before.stale_after_hours) | set(after.stale_after_hours)):
        was, now = before.stale_after_hours.get(name), after.stale_after_hours.get(name)
        if was != now:
            said.append(f"{STALE_PREFIX}{name}: {_shown(was)} → {_shown(now)}")
    return said


def _shown(value: Any) -> str:
    return "default" if value is None else str(value)
