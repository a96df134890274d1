"""The row counts of a database built by Lifeboat's own workers (parallel.py),
taken as soon as its rows are all in, while the last indexes and constraints
are still being built.

Those steps end on a chain that locks one table at a time (a big table's
primary key, then its index, then its foreign key), so a core is idle
there: on the 697 MB benchmark the check's count(*) of every table, 0.5-0.6
s after the restore, fits into that second. Nothing after the rows adds or
removes a row (indexes, constraints and triggers only; a trigger fires on
no row already there), so these are the counts the check would take
afterwards, of the same database: checks.py uses them and counts only what
is missing.

Each count is a statement of its own (autocommit), so it holds a table's
lock only while it reads it: a primary key being added waits for that
count, or the count for it, and no lock is kept that a later step waits
for. A count that fails is not an error here: the check counts that table.
"""
import logging
import threading
from contextlib import suppress
from typing import Optional

import psycopg

from desktop.core.postgres.connection import connect
from desktop.core.postgres.snapshot import count_rows, list_tables
from desktop.core.progress import CancelToken
from desktop.core.store.profiles import Profile

log = logging.getLogger("lifeboat.restore")


class CountsAhead:
    """Counts the tables of `expected` (key -> rows the backup holds), biggest
    first, on a thread and a connection of its own, from start() on."""

    def __init__(self, build: Profile, password: Optional[str], expected: dict[str, int]):
        self._build, self._password, self._expected = build, password, expected
        self._stop = CancelToken()
        self._conn: Optional[psycopg.Connection] = None
        self._counts: dict[str, int] = {}
        self._thread = threading.Thread(target=self._count, name="restore-count", daemon=True)

    def __enter__(self) -> "CountsAhead":
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is not None and self._thread.is_alive():
            self._stop.cancel()  # the restore failed: its database is about to be dropped
            conn = self._conn
            if conn is not None:
                with suppress(psycopg.Error):  # the restore's own error is the one to report
                    conn.cancel_safe()
        if self._thread.ident is not None:
            self._thread.join()

    def start(self) -> None:
        self._thread.start()

    def result(self) -> dict[str, int]:
        """The tables counted (all of them, unless a count failed); {} if never started."""
        if self._thread.ident is not None:
            self._thread.join()
        return self._counts

    def _count(self) -> None:
        try:
            with connect(self._build, self._password) as conn:
                conn.autocommit = True
                self._conn = conn
                tables = [t for t in list_tables(conn) if t.key in self._expected]
                for table in sorted(tables, key=lambda t: self._expected[t.key], reverse=True):
                    self._counts.update(count_rows(conn, [table], self._stop))
        except Exception as exc:  # the check counts what is missing
            log.info("restore: %d tables counted ahead, the rest after (%s)", len(self._counts), exc)
        finally:
            self._conn = None
