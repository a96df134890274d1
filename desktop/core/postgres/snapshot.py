"""Exact row counts taken in the same snapshot pg_dump reads.

`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot()`
and `pg_dump --snapshot=ID`: the transaction stays open until pg_dump is
done ("invalid snapshot identifier" otherwise), with
idle_in_transaction_session_timeout off so the server does not end it while
pg_dump works (RELIABILITY.md, "Consistent row counts").
"""
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

import psycopg
from psycopg import sql

from desktop.core.errors import Cancelled, DumpFailed
from desktop.core.progress import CancelToken

# Sizes from pg_class.relpages (as of the last VACUUM/ANALYZE): only for the
# progress estimate, and unlike pg_relation_size() they take no lock, so a
# table held by ALTER TABLE or VACUUM FULL cannot stall the start (or a cancel).
_TABLES = """
SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname),
       (c.relpages::bigint + coalesce(t.relpages, 0)) * current_setting('block_size')::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_class t ON t.oid = c.reltoastrelid  -- long values (jsonb, text) live there
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""

# How many more connections the server, this role and this database take: the
# least of the three limits less the sessions counted against each. (Superusers
# may use the reserved ones too; counting them out errs on the safe side. A
# limit of -1, none, is NULL here, which LEAST leaves out.)
_SPARE_CONNECTIONS = """
SELECT least(
  current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
    - coalesce(current_setting('reserved_connections', true)::int, 0)
    - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
  (SELECT nullif(rolconnlimit, -1) - (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user)
   FROM pg_roles WHERE rolname = current_user),
  (SELECT nullif(datconnlimit, -1) - (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())
   FROM pg_database WHERE datname = current_database()))
"""


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    key: str  # format('%I.%I'): the catalog's and the CLI's spelling
    size_bytes: int

    @property
    def dump_label(self) -> str:
        """How pg_dump --verbose names the table (unquoted)."""
        return f"{self.schema}.{self.name}"


def split_table_key(key: str) -> tuple[str, str]:
    """(schema, name) of a `format('%I.%I')` key, unquoted; schema is "" for a bare name."""
    parts, part, i = [], "", 0
    while i < len(key):
        char = key[i]
        if char == '"':
            end = i + 1
            while True:
                end = key.index('"', end)
                if key[end + 1:end + 2] != '"':
                    break
                end += 2
            part += key[i + 1:end].replace('""', '"')
            i = end + 1
        elif char == "." and not parts:
            parts.append(part)
            part, i = "", i + 1
        else:
            part += char
            i += 1
    parts.append(part)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])


def two_halves(tables: list[Table], weight: Callable[[Table], int]) -> tuple[list[Table], list[Table]]:
    """The tables dealt out heaviest first, each to the lighter side (the first on a tie):
    two sides of about equal weight."""
    sides: tuple[list[Table], list[Table]] = ([], [])
    weights = [0, 0]
    for table in sorted(tables, key=weight, reverse=True):
        lighter = weights.index(min(weights))
        sides[lighter].append(table)
        weights[lighter] += weight(table)
    return sides


def list_tables(conn: psycopg.Connection) -> list[Table]:
    return [Table(*row) for row in conn.execute(_TABLES).fetchall()]


def count_rows(conn: psycopg.Connection, tables: list[Table], cancel: Optional[CancelToken] = None) -> dict[str, int]:
    counts = {}
    for table in tables:
        if cancel and cancel.cancelled:
            raise Cancelled("The job was cancelled.")
        # ONLY: pg_dump writes each inheritance child's rows under the child.
        query = sql.SQL("SELECT count(*) FROM ONLY {}.{}").format(
            sql.Identifier(table.schema), sql.Identifier(table.name)
        )
        counts[table.key] = conn.execute(query).fetchone()[0]
    return counts


class ExportedSnapshot:
    """An open REPEATABLE READ transaction whose snapshot pg_dump imports."""

    def __init__(self, conn: psycopg.Connection):
        self._conn = conn
        conn.autocommit = True
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        conn.execute("SET LOCAL statement_timeout = 0")
        self.snapshot_id: str = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        self.tables = list_tables(conn)
        self.spare_connections: int = conn.execute(_SPARE_CONNECTIONS).fetchone()[0]
        self.counts: dict[str, int] = {}
        self.error: Optional[BaseException] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def connection(self) -> psycopg.Connection:
        """For reads in the snapshot before start_counting() takes the connection."""
        return self._conn

    @property
    def backend_pid(self) -> int:
        return self._conn.info.backend_pid

    @property
    def counting(self) -> bool:
        return self._thread is not None

    def start_counting(self, cancel: CancelToken) -> None:
        """Count on a thread while pg_dump runs: same snapshot, other core."""
        def work() -> None:
            try:
                self.counts = count_rows(self._conn, self.tables, cancel)
            except BaseException as exc:  # re-raised by finish_counting on the job's thread
                self.error = exc

        self._thread = threading.Thread(target=work, name="row-counts", daemon=True)
        self._thread.start()

    def finish_counting(self) -> dict[str, int]:
        if self._thread:
            self._thread.join()
        if isinstance(self.error, Cancelled):
            raise self.error
        if self.error is not None:
            raise DumpFailed(
                "Lifeboat could not count the rows of every table for this backup. "
                "The database user may not be allowed to read some tables; "
                "use a user that can read the whole database.",
                detail=repr(self.error),
            ) from self.error
        return self.counts

    def close(self) -> None:
        if self._thread and self._thread.is_alive():
            self._conn.cancel_safe()  # a long count(*) must not hold up a cancel
            self._thread.join()
        try:
            self._conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection may be gone; the snapshot is released either way
