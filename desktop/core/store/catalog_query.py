"""Which backups a list shows, in what order, as SQL the catalog runs.

The window's list may hold a year of hourly backups. It keeps only the rows
on screen (and those scrolled past), so its search, filters and sort have to
run in SQLite over every row rather than in Python over rows in memory.
"""
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

UNFINISHED = ("failed", "cancelled")  # entries that hold no backup

# A row's count of tables and of rows, from its row_counts JSON; -1 before it completed, so
# sorting puts the backups without counts together.
_TABLES = "CASE WHEN status = 'completed' THEN (SELECT count(*) FROM json_each(row_counts)) ELSE -1 END"
_ROWS = "CASE WHEN status = 'completed' THEN (SELECT total(value) FROM json_each(row_counts)) ELSE -1 END"

# CatalogQuery.order -> the SQL expressions it sorts by; then the id, so paging is stable.
ORDERS = {
    "started_at": ("started_at",),
    "profile": ("profile COLLATE NOCASE",),
    "environment": ("environment",),
    "status": ("status",),
    "size_bytes": ("coalesce(size_bytes, -1)",),
    "tables": (_TABLES,),
    "rows": (_ROWS,),
    "label": ("label COLLATE NOCASE", "kind"),
    "proven_restorable_at": ("coalesce(proven_restorable_at, '')",),
    "path": ("coalesce(path, '')",),
}

# Words as a list shows them: (started_at, status, kind, label) -> its date, status and note, casefolded.
WordsShown = Callable[[str, str, str, str], str]


@dataclass(frozen=True)
class CatalogQuery:
    """A list of backups: filters, search words and order. The catalog knows no
    wording, so the search's `words_shown` comes from the screen that words the rows."""
    profile: Optional[str] = None
    backup_id: Optional[str] = None  # only this one: is it among what the query finds?
    other_than: Optional[str] = None  # every backup but this one
    statuses: tuple[str, ...] = ()  # only these; none given: every status
    kind: Optional[str] = None
    with_file: bool = False  # only backups whose file the catalog knows (what a restore can read)
    # Every term must appear (casefolded) in the row's connection, database, id, one of its
    # tables' names or, when words_shown is given, its date, status or note as shown.
    terms: tuple[str, ...] = ()
    words_shown: Optional[WordsShown] = None
    order: str = "started_at"
    descending: bool = True


def where(query: CatalogQuery) -> tuple[str, list]:
    """The WHERE clause (over `backups`, trash left out) and its parameters."""
    clauses, params = ["deleted_at IS NULL"], []
    if query.profile is not None:
        clauses.append("profile = ?")
        params.append(query.profile)
    if query.backup_id is not None:
        clauses.append("id = ?")
        params.append(query.backup_id)
    if query.other_than is not None:
        clauses.append("id != ?")
        params.append(query.other_than)
    if query.statuses:
        clauses.append(f"status IN ({', '.join('?' * len(query.statuses))})")
        params.extend(query.statuses)
    if query.kind is not None:
        clauses.append("kind = ?")
        params.append(query.kind)
    if query.with_file:
        clauses.append("coalesce(path, '') != ''")
    for term in query.terms:
        # A term holds no space, so it is found in the parts joined by spaces only when it is
        # in one of them; one Python call per row rather than one per table.
        places = ["instr(casefold(profile || ' ' || database || ' ' || id || ' ' || "
                  "coalesce((SELECT group_concat(key, ' ') FROM json_each(row_counts)), '')), ?)"]
        if query.words_shown is not None:
            places.append("instr(words_shown(started_at, status, kind, label), ?)")
        clauses.append(f"({' OR '.join(places)})")
        params.extend([term] * len(places))
    return " AND ".join(clauses), params


def order_by(query: CatalogQuery) -> str:
    direction = " DESC" if query.descending else ""
    return ", ".join([f"{expression}{direction}" for expression in ORDERS[query.order]] + ["id"])


def prepare(db: sqlite3.Connection, query: CatalogQuery) -> None:
    """The Python functions the search's SQL calls: SQLite's lower() folds ASCII only."""
    db.create_function("casefold", 1, str.casefold, deterministic=True)
    if query.words_shown is not None:
        db.create_function("words_shown", 4, query.words_shown, deterministic=True)


# One backup as `list --json` and `show --json` print it (BackupRecord.to_json, same keys in
# the same order), built by SQLite: a big catalog's JSON is never parsed and dumped again.
JSON_OBJECT = """json_object(
    'id', id, 'profile', profile, 'environment', environment, 'database', database, 'host', host,
    'port', port, 'status', status, 'kind', kind, 'schedule_id', schedule_id, 'format', format,
    'path', path, 'size_bytes', size_bytes, 'sha256', sha256, 'started_at', started_at,
    'finished_at', finished_at, 'server_version', server_version, 'pg_dump_version', pg_dump_version,
    'options', json(options), 'row_counts', json(row_counts), 'error', error,
    'proven_restorable_at', proven_restorable_at, 'deleted_at', deleted_at, 'held_for', held_for,
    'label', label,
    'copies', (SELECT json_group_array(json_object(
                   'location', location, 'created_at', created_at, 'verified_at', verified_at,
                   'size_bytes', size_bytes, 'sha256', sha256, 'parts', parts))
               FROM (SELECT * FROM copies WHERE copies.backup_id = backups.id ORDER BY created_at)))"""
