"""Saying what a job waits for when another program holds a lock it needs.

pg_dump waits for every table's lock before it reads anything, and a
restore waits for the tables it replaces: a session holding `LOCK TABLE ...`
or a long ALTER TABLE made a backup sit at "0 %" until the stall watchdog
ended it, and a restore wait silently. A `LockWatch` runs beside the job:
every half second a side connection asks the server whether one of the
job's sessions (its tools, found by their own application_name, and any
connection of the job's own) waits for a lock (`pg_locks`,
`pg_blocking_pids`), and the progress then names the table, who holds it
and what they are doing. When the wait exceeds the limit (Settings), or the
job is cancelled, the waiting statement is cancelled on the server: the
tool fails inside its transaction, so nothing is left half-done.

What each tool honours (measured): pg_dump's own `--lock-wait-timeout`
applies to the LOCK TABLE it runs first, so the backup gets it too.
pg_restore and plain scripts start with `SET lock_timeout = 0`, which
overrides a lock_timeout passed in PGOPTIONS, so restores rely on the watch.
"""
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Optional

import psycopg

from desktop.core.errors import LifeboatError, LockWaitTimeout
from desktop.core.postgres.connection import connect
from desktop.core.progress import CancelToken, ProgressTracker
from desktop.core.store.profiles import Profile

log = logging.getLogger("lifeboat.lock_wait")

POLL_SECONDS = 0.5
# A tool's own timeout ends its wait first, with its own clean error; the
# watch cancels the statement only if it is still waiting after this.
_GRACE_SECONDS = 2.0
_QUERY_CHARS = 60

# The oldest session among those our waiting session is queued behind that
# is not itself waiting and not the job's own: that is the program to name.
# The table's name as regclass prints it: schema-qualified when not on the search path.
_WAITS = """
SELECT w.pid, l.locktype, c.oid::regclass::text, c.relkind, b.usename, b.application_name, b.state, b.query,
       extract(epoch FROM now() - coalesce(b.xact_start, b.query_start))::float8
FROM pg_stat_activity w
JOIN pg_locks l ON l.pid = w.pid AND NOT l.granted
LEFT JOIN pg_class c ON c.oid = l.relation AND l.database = (
    SELECT oid FROM pg_database WHERE datname = current_database())
CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS holder(pid)
JOIN pg_stat_activity b ON b.pid = holder.pid
WHERE (w.application_name = %(app)s OR w.pid = ANY(%(pids)s)) AND w.pid <> pg_backend_pid()
  AND b.application_name <> %(app)s AND NOT b.pid = ANY(%(pids)s)
ORDER BY b.wait_event_type IS NOT DISTINCT FROM 'Lock', b.xact_start NULLS LAST
LIMIT 1
"""

_END_WAITS = """
SELECT pg_cancel_backend(pid) FROM pg_stat_activity
WHERE (application_name = %s OR pid = ANY(%s)) AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
"""


def tool_app_name(job: str) -> str:
    """A name the job's tools announce to the server (PGAPPNAME), unique to this run."""
    return f"Lifeboat {job} {secrets.token_hex(4)}"


def minutes_words(seconds: float) -> str:
    minutes = round(seconds / 60)
    if seconds < 60:
        return f"{max(1, round(seconds))} seconds"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _short_query(query: str) -> str:
    # Cut before the first quoted literal: a password (ALTER ROLE ...
    # PASSWORD '...', a dblink connection string) only ever sits in one.
    text = " ".join((query or "").split())
    cut = min([i for i in (text.find("'"), text.find("$")) if i >= 0] + [len(text)])
    shortened = text[:min(cut, _QUERY_CHARS)].rstrip(" (,")
    return shortened + ("..." if len(shortened) < len(text) else "")


def describe_wait(row: tuple, limit_seconds: float) -> str:
    _, locktype, relname, relkind, user, app, state, query, busy = row
    if relname and relkind in ("r", "p", "f", "m"):
        what = f"The table {relname} is"
    elif relname:
        what = f"{relname} is"
    elif locktype in ("transactionid", "tuple"):
        what = "Rows Lifeboat needs are"
    else:
        what = "Something Lifeboat needs is"
    who = [app] if app and not app.startswith("Lifeboat") else []
    who.append(f"user {user}")
    since = minutes_words(busy) if busy and busy >= 60 else "less than a minute"
    if query and not query.startswith("<"):  # "<insufficient privilege>": not ours to see
        shown = _short_query(query)
        who.append(f"running '{shown}' for {since}" if state == "active" else
                   f"busy for {since}, last command '{shown}'")
    return (f"{what} locked by another program ({', '.join(who)}). "
            f"Lifeboat will wait up to {minutes_words(limit_seconds)}.")


class LockWatch:
    """Watches the job's sessions for lock waits while the block runs."""

    def __init__(self, profile: Profile, password: Optional[str], app_name: str, tracker: ProgressTracker,
                 cancel: CancelToken, limit_seconds: float, pids: Callable[[], Iterable[int]] = tuple):
        self._connect = lambda: connect(profile, password)
        self.app_name = app_name
        self._tracker = tracker
        self._cancel = cancel
        self.limit_seconds = limit_seconds
        self._pids = pids
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-watch", daemon=True)
        self._waiting_since: dict[int, float] = {}
        self.message = ""  # the last wait seen, kept after it ended
        self.timed_out = False

    def __enter__(self) -> "LockWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self._tracker.last.waiting:
            self._tracker.update(waiting="")

    def _run(self) -> None:
        try:
            with self._connect() as conn:
                while not self._stop.wait(POLL_SECONDS):
                    self._poll(conn)
                # The block is over: a tool killed by Cancel may have left its
                # statement waiting on the server, to run when the lock is freed.
                conn.execute(_END_WAITS, (self.app_name, list(self._pids())))
        except (LifeboatError, psycopg.Error) as exc:
            # Only the explanation is lost: the job and its stall watchdog go on.
            log.warning("lock watch stopped: %r", exc)

    def _poll(self, conn: psycopg.Connection) -> None:
        row = conn.execute(_WAITS, {"app": self.app_name, "pids": list(self._pids())}).fetchone()
        if row is None:
            if self._waiting_since:
                self._waiting_since.clear()
                self._tracker.update(waiting="")
            return
        pid = row[0]
        started = self._waiting_since.setdefault(pid, time.monotonic())
        text = describe_wait(row, self.limit_seconds)
        if text != self.message or not self._tracker.last.waiting:
            log.info("waiting for a lock: %s", text)
            self.message = text
            self._tracker.update(waiting=text)
        over = time.monotonic() - started > self.limit_seconds + _GRACE_SECONDS
        if over or self._cancel.cancelled:
            # A killed client leaves its backend waiting on the server: end the wait there.
            self.timed_out = self.timed_out or over
            conn.execute("SELECT pg_cancel_backend(%s)", (pid,))

    def failure(self, exc: LifeboatError, outcome: str) -> Optional[LockWaitTimeout]:
        """The error to raise instead of `exc` when `exc` ended a lock wait."""
        detail = exc.detail or ""
        timeout_words = ("due to lock timeout", "due to statement timeout")
        # pg_dump's own timeout can end a wait shorter than one look of the watch.
        dump_lock = "Query was: LOCK TABLE" in detail
        if not (self.message or dump_lock) or not (self.timed_out or any(w in detail for w in timeout_words)):
            return None
        wait = (self.message.rsplit(" Lifeboat will wait", 1)[0] if self.message
                else "A table Lifeboat needs is locked by another program.")
        return LockWaitTimeout(
            f"{wait} Lifeboat waited {minutes_words(self.limit_seconds)} and then stopped; {outcome} "
            "Try again when the other program has finished, or ask whoever runs it to end it.",
            detail=exc.detail,
        )
