"""Two backups side by side, or a backup and the database as it is now:
tables added and removed, columns added, removed or of another type, and
row counts that differ.

A backup's side comes from its own table of contents (contents.py) and its
manifest's row counts; the live side from the catalog of the profile's
database (types written with an empty search_path, as pg_dump writes them)
and exact counts in one snapshot.
"""
from dataclasses import asdict, dataclass, field
from typing import Optional

from desktop.core.errors import UsageError
from desktop.core.inspect.contents import read_contents
from desktop.core.postgres.connection import connect
from desktop.core.postgres.live_stats import current_row_counts
from desktop.core.progress import CancelToken
from desktop.core.workspace import Workspace

_LIVE_COLUMNS = """
    SELECT format('%I.%I', n.nspname, c.relname), a.attname, format_type(a.atttypid, a.atttypmod)
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
    ORDER BY 1, a.attnum
"""


@dataclass
class Side:
    name: str  # "backup ID" or "the database now (profile)"
    columns: dict[str, dict[str, str]]  # table key -> column -> type
    rows: dict[str, Optional[int]]


@dataclass
class TableChange:
    table: str
    change: str  # "added", "removed" or "changed"
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    types_changed: list[dict] = field(default_factory=list)  # {"column", "before", "after"}
    rows_before: Optional[int] = None
    rows_after: Optional[int] = None


@dataclass
class Comparison:
    before: str
    after: str
    changes: list[TableChange]

    def to_json(self) -> dict:
        return {"before": self.before, "after": self.after, "tables": [asdict(c) for c in self.changes]}


def compare(before: Side, after: Side) -> Comparison:
    changes = []
    for key in sorted(set(before.columns) | set(after.columns)):
        old, new = before.columns.get(key), after.columns.get(key)
        change = TableChange(key, "changed", rows_before=before.rows.get(key), rows_after=after.rows.get(key))
        if old is None or new is None:
            change.change = "added" if old is None else "removed"
        else:
            change.columns_added = [name for name in new if name not in old]
            change.columns_removed = [name for name in old if name not in new]
            change.types_changed = [{"column": name, "before": old[name], "after": new[name]}
                                    for name in old if name in new and old[name] != new[name]]
            if not (change.columns_added or change.columns_removed or change.types_changed
                    or change.rows_before != change.rows_after):
                continue
        changes.append(change)
    return Comparison(before.name, after.name, changes)


def backup_side(ws: Workspace, backup_id: str, cancel: CancelToken) -> Side:
    contents = read_contents(ws, backup_id, cancel)
    return Side(f"backup {contents.backup_id}", {t.key: {c.name: c.type for c in t.columns} for t in contents.tables},
                {t.key: t.rows for t in contents.tables})


def live_side(ws: Workspace, profile_name: str) -> Side:
    profile = ws.profiles.get(profile_name)
    password = ws.profiles.password_for(profile)
    columns: dict[str, dict[str, str]] = {}
    with connect(profile, password) as conn:
        conn.execute("SET search_path = ''")
        for key, column, kind in conn.execute(_LIVE_COLUMNS):
            columns.setdefault(key, {})[column] = kind
    rows = current_row_counts(profile, password)
    return Side(f"the database now ({profile.name})", columns, {key: rows.get(key) for key in columns})


def compare_backups(ws: Workspace, first: str, second: Optional[str] = None, live: bool = False,
                    cancel: Optional[CancelToken] = None) -> Comparison:
    """`first` against `second`; against the database now with `live`; alone, the
    backup of the same connection before it against `first`."""
    cancel = cancel or CancelToken()
    record = ws.catalog.get(first)
    if live:
        return compare(backup_side(ws, record.id, cancel), live_side(ws, record.profile))
    if second is None:
        # Times are to the second: two quick backups may start in the same one.
        when = (record.started_at, record.finished_at or "")
        earlier = [r for r in ws.catalog.list(profile=record.profile)
                   if r.status == "completed" and (r.started_at, r.finished_at or "") < when]
        if not earlier:
            raise UsageError(f"Backup {record.id} is the first of {record.profile}: there is nothing before it "
                             "to compare with. Name a second backup, or --live for the database now.")
        return compare(backup_side(ws, max(earlier, key=lambda r: (r.started_at, r.finished_at or "")).id, cancel),
                       backup_side(ws, record.id, cancel))
    return compare(backup_side(ws, record.id, cancel), backup_side(ws, second, cancel))
