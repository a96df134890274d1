"""How the window words catalog values: dates, statuses, sizes, options.

Plain text only (no widgets; colours from palette), so every screen says the same thing the same
way. Sizes and durations come from core/units, shared with the CLI.
"""
from datetime import UTC, datetime
from pathlib import Path
from typing import Optional

from desktop.core.store.catalog import BackupRecord
from desktop.core.units import human_duration, human_size  # noqa: F401 (the UI imports both from here)
from desktop.ui import palette

MISSING = "—"

STATUS_WORDS = {
    "completed": "Completed",
    "in_progress": "In progress",
    "failed": "Failed",
    "cancelled": "Cancelled",
}

# Production stands out by colour AND by its label (issue 3): never colour alone.
ENVIRONMENT_WORDS = {"production": "PRODUCTION", "development": "Development"}

# Text colours for a status, readable on white and on the alternate row grey.
STATUS_COLOURS = {
    "completed": palette.OK_TEXT,
    "in_progress": palette.IN_PROGRESS,
    "failed": palette.DANGER,
    "cancelled": palette.MUTED,
}

KIND_WORDS = {
    "manual": "Made by hand",
    "safety": "Safety backup, taken before a restore",
    "scheduled": "Scheduled",
}

FORMAT_WORDS = {
    "custom": "Compressed archive (custom format)",
    "plain": "SQL script (plain format)",
    "directory": "Folder archive (directory format)",
}


def parse_timestamp(iso: Optional[str]) -> Optional[datetime]:
    """The catalog's UTC timestamps ("2026-11-27T13:02:00Z") as local, aware datetimes."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:  # no zone written: the catalog stores UTC (manifest.utc_now)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


def local_datetime(iso: Optional[str]) -> str:
    """'27 Nov 2026 14:02' in the computer's time zone."""
    moment = parse_timestamp(iso)
    if moment is None:
        return iso or MISSING
    return f"{moment.day} {moment:%b %Y %H:%M}"


def local_date(iso: Optional[str]) -> str:
    """'27 Nov 2026' in the computer's time zone; the dash when there is no date."""
    moment = parse_timestamp(iso)
    return f"{moment.day} {moment:%b %Y}" if moment else MISSING


def full_datetime(iso: Optional[str]) -> str:
    """'Friday 27 November 2026, 14:02:05 (UTC+01:00)' for tooltips and details."""
    moment = parse_timestamp(iso)
    if moment is None:
        return iso or MISSING
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "local time"
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M:%S} ({zone})"


def elapsed_words(started: Optional[str], finished: Optional[str]) -> str:
    """How long a backup took: 'less than a second', '14 seconds', '2 minutes 5 seconds'."""
    start, end = parse_timestamp(started), parse_timestamp(finished)
    if start is None or end is None:
        return MISSING
    seconds = int((end - start).total_seconds())
    if seconds < 1:
        return "less than a second"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "hour"), (minutes, "minute"), (secs, "second")]
    if hours:  # seconds no longer matter after an hour
        parts = parts[:2]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


def status_text(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def environment_text(environment: str) -> str:
    return ENVIRONMENT_WORDS.get(environment, environment.capitalize())


def count_text(number: Optional[int]) -> str:
    """48210 -> '48,210'."""
    return MISSING if number is None else f"{number:,}"


def difference_text(difference: int) -> str:
    """+12, −3 (a real minus sign), or 'same'."""
    if difference == 0:
        return "same"
    return f"+{difference:,}" if difference > 0 else f"\u2212{-difference:,}"


def backup_name(record: BackupRecord) -> str:
    """How people tell backups apart: 'shop, 2 Dec 2026 03:54' (ids stay in Details and --json)."""
    return f"{record.profile}, {local_datetime(record.started_at)}"


def proven_text(iso: Optional[str]) -> str:
    """'Test-restored on 2 Dec 2026', or the dash."""
    return f"Test-restored on {local_date(iso)}" if iso else MISSING


def note_text(record: BackupRecord) -> str:
    """The user's note; without one, what kind of backup it is when not one made by hand."""
    return note_words(record.label, record.kind)


def note_words(label: str, kind: str) -> str:
    return label or {"safety": "Safety copy before a restore", "scheduled": "Scheduled"}.get(kind, "")


def folder_of(path: Optional[str]) -> str:
    return str(Path(path).parent) if path else MISSING


def table_label(key: str) -> str:
    """A manifest key ('public.track', format('%I.%I')) as people name it: 'track'.

    Most databases keep everything in the schema "public"; other schemas stay
    in the name so two tables called the same never look alike.
    """
    return key.removeprefix("public.")


def kind_text(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.capitalize())


def format_text(format_: str) -> str:
    return FORMAT_WORDS.get(format_, format_)


def options_lines(options: dict) -> list[str]:
    """A backup's options (manifest BackupOptions as a dict) in sentences."""
    if options.get("schema_only"):
        lines = ["Structure only (tables, views, functions), no data"]
    elif options.get("data_only"):
        lines = ["Data only, without the table definitions"]
    else:
        lines = ["Structure and data"]
    if options.get("tables"):
        lines.append("Only these tables: " + ", ".join(options["tables"]))
    if options.get("exclude_tables"):
        lines.append("Left out: " + ", ".join(options["exclude_tables"]))
    if not options.get("tables") and not options.get("exclude_tables"):
        lines.append("All tables")
    if options.get("no_owner") or options.get("no_acl"):
        left_out = [word for key, word in (("no_owner", "owners"), ("no_acl", "permissions"))
                    if options.get(key)]
        lines.append(f"Without {' and '.join(left_out)}, so it restores onto any server")
    if options.get("jobs", 1) > 1:
        lines.append(f"Written by {options['jobs']} parallel workers")
    return lines
