"""A restore into a new database with parallel workers, all or nothing because it is built beside.

pg_restore --jobs needs a file it can seek in, which would be a decrypted
copy of the backup on disk. This route reads the encrypted file as it
streams instead, twice, and writes no row in plaintext anywhere:

0. the start of the file, up to the end of the archive's table of contents
   (a few kilobytes, no rows), kept in memory;
1. the structure: `pg_restore --section=pre-data` from those bytes (toc_sections.py);
2. the rows: Lifeboat reads the archive's data blocks (postgres/archive_rows.py),
   decompresses them and hands batches of whole rows to the least busy of
   two workers, each on a connection of its own (`COPY ... FROM STDIN`); then
   the sequences' values;
3. indexes, constraints, triggers: `pg_restore --section=post-data` from those
   bytes again, with two jobs where they can be a file in memory (Linux).
   There, as pg_restore --jobs does, what hangs on tables whose rows are
   all in goes while the next tables load (early_post_data.py), and only
   the rest after the last rows.

Autovacuum is kept off the tables while they are built (_autovacuum_held_off).
All of it goes into a database of its own (`lifeboat_build_<backup id>`),
recorded in flight so that the next start after a killed Lifeboat drops it
(jobs/leftovers.py). Only when everything went in does it take the
target's name (ALTER DATABASE ... RENAME): the target is the whole backup
or is not there, as before. The rows are then checked as on every route.

Taken for a new database (--create, the target missing), a custom archive
compressed by pg_dump (its blocks parse as they stream), the whole backup
with nothing run around it, and no large objects; anything else goes the
one-transaction routes.
"""
import io
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Optional

import psycopg
import zstandard
from psycopg import sql

from desktop.core.errors import Cancelled, RestoreFailed
from desktop.core.format.pipeline import BLOCK, ChunkReader, cancellable
from desktop.core.jobs.restore import early_post_data, swap
from desktop.core.jobs.restore.modes import checked_plaintext
from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.jobs.restore.scratch_db import create_database, database_exists, drop_scratch
from desktop.core.jobs.restore.toc_sections import restore_section
from desktop.core.localpg import inflight
from desktop.core.postgres.archive_rows import (
    BLK_DATA,
    COPY_END,
    SECTION_DATA,
    ArchiveReader,
    TocEntry,
    chunks,
    read_head,
    read_toc,
)
from desktop.core.postgres.connection import connect
from desktop.core.progress import CancelToken, ProgressTracker
from desktop.core.scratch import memory_files_exist
from desktop.core.store.profiles import Profile, ProfileStore

log = logging.getLogger("lifeboat.restore")
BUILD_KIND = "restore_build"  # its in-flight record (inflight.py)
WORKERS = 2
_BATCH = 1 << 20  # rows handed to a worker at a time
_QUEUED_BATCHES = 8
_STOP = object()
_TABLE_END = b""  # handed to a worker after the last of a table's rows it was given
# The tables whose autovacuum the build turns off and on again: not those the backup sets it for
# itself, nor those whose owner's rights the user lacks (a membership without INHERIT).
_AUTOVACUUMED = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND pg_has_role(c.relowner, 'USAGE')
  AND NOT EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum\\_enabled=%')
"""
# What pg_restore sets before it loads rows (pg_backup_archiver.c, _doSetFixedOutputState).
_SESSION = ("SET statement_timeout = 0", "SET lock_timeout = 0", "SET idle_in_transaction_session_timeout = 0",
            "SELECT pg_catalog.set_config('search_path', '', false)", "SET row_security = off")


class NotParallel(Exception):
    """The archive holds what this route does not load (large objects); the caller takes another route."""


def builds_beside(run: RestoreRun) -> bool:
    """The backup and the request allow a build beside (a --replace is built beside by swap.py's rules)."""
    request, manifest = run.request, run.opened.manifest
    return (manifest.format == "custom" and manifest.compression == "none"
            and not (request.tables or request.schema_only or request.data_only or request.clean
                     or request.sql_before or request.sql_after or request.script_filter))


def restore_beside(run: RestoreRun, password: Optional[str], data_dir, swapped: bool = False) -> None:
    """Builds the backup in a database of its own, then gives it the target's name;
    `swapped` (a --replace): swaps it for the target (swap.py), and drops what the target held."""
    toc, toc_bytes = _table_of_contents(run)
    backup_id = run.opened.manifest.backup_id
    build = replace(run.profile, dbname=f"lifeboat_build_{backup_id}")
    old = f"{swap.OLD_PREFIX}{backup_id}" if swapped else None
    with inflight.holding(data_dir, BUILD_KIND, profile=run.profile.name, host=build.host, port=build.port,
                          dbname=build.dbname, old=old):
        drop_scratch(build, password)  # one a crash left, should its record have gone
        create_database(build, password)
        try:
            if old:
                swap.prepare_copy(build, run.profile, password)
            _build(replace(run, profile=build), password, toc, toc_bytes)
            if old:
                swap.swap_in(build, run.profile, old, password)
            else:
                _take_name(build, run.profile, password)
        except BaseException:
            drop_scratch(build, password)
            raise
        if old:
            drop_scratch(replace(run.profile, dbname=old), password)  # what the target held


def restore_in_place(run: RestoreRun, password: Optional[str]) -> None:
    """--jobs N into an existing, empty database: the same steps, straight into it.

    Not all or nothing, as pg_restore --jobs is not (the caller says so on a
    failure), but no decrypted copy of the backup on disk, which
    pg_restore --jobs needs."""
    _build(run, password, *_table_of_contents(run))


def _build(run: RestoreRun, password: Optional[str], toc: list[TocEntry], toc_bytes: bytes) -> None:
    workers = max(WORKERS, run.request.jobs)
    sections = replace(run, tracker=_StepsOnly(run.tracker))
    with _timed("Creating the tables", run.tracker):
        restore_section(sections, toc_bytes, "pre-data")
    with _autovacuum_held_off(run.profile, password):
        with _timed(f"Copying the rows, {workers} at a time", run.tracker), \
                _EarlyPostData(sections, toc_bytes, toc) as early:
            _load_rows(run, password, toc, workers, early)
        left = early.left()
        if left is not None:
            log.info("restore beside: %d post-data steps went in while the rows loaded, %d after",
                     early.done, len(left))
        if left != []:
            with _timed("Building indexes and constraints", run.tracker):
                restore_section(sections, toc_bytes, "post-data", jobs=workers, only=left)


@contextmanager
def _timed(phase: str, tracker: ProgressTracker) -> Iterator[None]:
    tracker.update(phase=phase)
    started = time.monotonic()
    yield
    log.info("restore beside: %s took %.2f s", phase.lower(), time.monotonic() - started)


def remove_leftover_build(profiles: ProfileStore, record: inflight.Record) -> str:
    details = record.details
    host = profiles.get(details["profile"])
    password = profiles.password_for(host)
    where = f"on {details['host']}:{details['port']}"
    old = details.get("old")
    if old and database_exists(replace(host, dbname=old), password):
        # Killed after the swap: the target is the whole backup already.
        drop_scratch(replace(host, dbname=old), password)
        return (f"Removed {old} {where}: what {host.dbname} held before a restore replaced it "
                "(it was interrupted after the swap, so the restore itself is complete).")
    drop_scratch(replace(host, dbname=details["dbname"]), password)
    return (f"Removed {details['dbname']} {where}, the unfinished copy an "
            f"interrupted restore into {host.dbname} was building; {host.dbname} was not changed.")


class _StepsOnly:
    """The progress of a pass that reads only the start of the file: its steps
    are the job's, its bytes are not (the rows' pass moves the bar)."""

    def __init__(self, tracker: ProgressTracker):
        self._tracker = tracker

    @property
    def last(self):
        return self._tracker.last

    def update(self, **changes) -> None:
        changes.pop("done", None)
        changes.pop("bytes_done", None)
        if changes:
            self._tracker.update(**changes)


def _table_of_contents(run: RestoreRun) -> tuple[list[TocEntry], bytes]:
    """The archive's table of contents, and its bytes from the file's start to the table's end."""
    kept = bytearray()
    with checked_plaintext(run.opened, _StepsOnly(run.tracker)) as (blocks, _):
        archive = _archive(blocks, run, kept)
        toc = list(read_toc(archive, read_head(archive)))
    if any(e.section == SECTION_DATA and e.desc not in ("TABLE DATA", "SEQUENCE SET") for e in toc):
        raise NotParallel("large objects")
    if any(e.desc == "TABLE DATA" and not e.copies for e in toc):
        raise NotParallel("table data not in COPY form")
    return toc, bytes(kept)


def _archive(blocks: Iterator[bytes], run: RestoreRun, kept: Optional[bytearray] = None) -> ArchiveReader:
    """`kept`, when given, receives every byte the reader takes."""
    read = io.BufferedReader(ChunkReader(cancellable(blocks, run.cancel)), BLOCK).read
    if kept is None:
        return ArchiveReader(read)

    def keeping(size: int) -> bytes:
        data = read(size)
        kept.extend(data)
        return data

    return ArchiveReader(keeping)


def _load_rows(run: RestoreRun, password: Optional[str], toc: list[TocEntry], count: int,
               early: "_EarlyPostData") -> None:
    settings = [e.definition for e in toc if e.desc in ("ENCODING", "STDSTRINGS")]
    statements = {e.dump_id: e.copy_statement for e in toc if e.desc == "TABLE DATA"}
    loads = _Loads(early.rows_in)
    workers = [_CopyWorker(run.profile, password, settings, loads.part_in) for _ in range(count)]
    try:
        with checked_plaintext(run.opened, run.tracker) as (blocks, _):
            archive = _archive(blocks, run)
            for _ in read_toc(archive, read_head(archive)):
                pass  # read in the first pass
            _dispatch(archive, statements, workers, loads, early)
        for worker in workers:
            worker.finish()
    finally:
        for worker in workers:
            worker.close()
    with connect(run.profile, password) as conn:
        for entry in toc:
            if entry.desc == "SEQUENCE SET":
                conn.execute(entry.definition)


def _dispatch(archive: ArchiveReader, statements: dict[int, str], workers: list["_CopyWorker"],
              loads: "_Loads", early: "_EarlyPostData") -> None:
    while (kind := archive.byte_or_end()) is not None:
        early.raise_if_failed()
        dump_id = archive.int()
        if kind != BLK_DATA or dump_id not in statements:
            raise RestoreFailed("The backup holds data Lifeboat did not expect here; restore it again.",
                                detail=f"block type {kind}, dump id {dump_id}")
        given = set()
        for rows in _row_batches(chunks(archive)):
            worker = min(workers, key=lambda w: w.backlog)
            worker.put(dump_id, statements[dump_id], rows)
            given.add(worker)
        loads.expect(dump_id, len(given))
        for worker in given:
            worker.put(dump_id, statements[dump_id], _TABLE_END)


def _row_batches(stored: Iterator[bytes]) -> Iterator[memoryview]:
    """A table's rows, decompressed, in batches of whole lines, without pg_dump's end marker."""
    expand = zstandard.ZstdDecompressor().decompressobj().decompress
    # A bytearray grows in place (bytes += copied the whole batch for every piece);
    # pending[:searched] is known to hold no newline (a row longer than a batch).
    pending, searched = bytearray(), 0
    for chunk in stored:
        pending += expand(chunk)
        if len(pending) >= _BATCH:
            # Whole rows only, and never the last bytes: they may be the end marker.
            end = len(pending) - len(COPY_END)
            cut = pending.rfind(b"\n", searched, end) + 1
            if cut:
                # The batch is not copied on its way to COPY; only the start of a row after it is.
                batch, pending = pending, pending[cut:]
                yield memoryview(batch)[:cut]
            searched = 0 if cut else end
    rows = bytes(pending).removesuffix(COPY_END)
    if rows:
        yield memoryview(rows)


class _Loads:
    """Calls `rows_in(dump id)` once every worker given some of a table's rows has committed them."""

    def __init__(self, rows_in: Callable[[int], None]):
        self._rows_in = rows_in
        self._parts: dict[int, int] = {}
        self._lock = threading.Lock()

    def expect(self, dump_id: int, parts: int) -> None:
        if not parts:
            self._rows_in(dump_id)
        with self._lock:
            self._parts[dump_id] = parts

    def part_in(self, dump_id: int) -> None:
        with self._lock:
            self._parts[dump_id] -= 1
            done = not self._parts[dump_id]
        if done:
            self._rows_in(dump_id)


class _CopyWorker:
    """A connection of its own, and a thread that COPYs the batches of rows handed to it.

    A big table's batches go to both workers (each with a COPY of its own into
    the table: its indexes come after), so the work stays even to the end.
    Each commits its part of a table at the table's end and says so (`part_in`)."""

    def __init__(self, build: Profile, password: Optional[str], settings: list[str],
                 part_in: Callable[[int], None]):
        self._conn = connect(build, password)
        for statement in (*_SESSION, *settings):
            self._conn.execute(statement)
        self._conn.commit()
        self._part_in = part_in
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUED_BATCHES)
        self.backlog = 0
        self.error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._work, name="restore-copy", daemon=True)
        self._thread.start()

    def put(self, dump_id: int, statement: str, rows: memoryview | bytes) -> None:
        """`rows` of the table, or _TABLE_END after its last."""
        if self.error is not None:
            raise self.error
        self.backlog += len(rows)
        self._queue.put((dump_id, statement, rows))

    def finish(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if self._thread.is_alive():  # not finished: cancelled, or another worker failed
            self.error = self.error or Cancelled("The restore was cancelled.")
            while self._thread.is_alive():
                try:
                    self._queue.put(_STOP, timeout=0.1)
                    break
                except queue.Full:
                    pass  # the worker is still taking batches, skipping them now
            self._thread.join()
        self._conn.close()

    def _work(self) -> None:
        with ExitStack() as copying:
            copy = None
            while (item := self._queue.get()) is not _STOP:
                dump_id, statement, rows = item
                self.backlog -= len(rows)
                if self.error is not None:
                    continue  # the rest is skipped; the copy is dropped
                try:
                    if not rows:  # _TABLE_END
                        self._end(copying)
                        copy = None
                        self._part_in(dump_id)
                        continue
                    if copy is None:
                        copy = copying.enter_context(self._conn.cursor().copy(statement.rstrip().rstrip(";")))
                    copy.write(rows)
                except BaseException as exc:  # raised on the reading thread by its next hand-over
                    self.error = _failure(exc)

    def _end(self, copying: ExitStack) -> None:
        copying.close()  # ends the COPY under way, if any
        self._conn.commit()


class _EarlyPostData:
    """While the rows load, a thread that builds indexes, constraints and
    triggers as soon as their tables' rows are in (early_post_data.py), with
    pg_restore as for the rest of post-data, one pg_restore at a time.

    Where pg_restore cannot be handed a list of entries in memory, nothing
    goes early (left() is None: all of post-data after the rows)."""

    def __init__(self, run: RestoreRun, toc_bytes: bytes, toc: list[TocEntry]):
        self._plan = early_post_data.plan(toc) if memory_files_exist() else None
        # Its own cancel: stopped as soon as the rows fail or are cancelled.
        self._run, self._toc_bytes = replace(run, cancel=CancelToken()), toc_bytes
        self._ready: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._loaded: set[int] = set()
        self._handed: set[int] = set()
        self._done: set[int] = set()
        self._closing = False
        self.error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._work, name="restore-post-data", daemon=True)

    def __enter__(self) -> "_EarlyPostData":
        self._thread.start()
        return self

    def __exit__(self, exc_type, *_) -> None:
        self._closing = True
        if exc_type is not None:
            self._run.cancel.cancel()  # the rows failed or were cancelled: no more building
        self._ready.put(_STOP)
        self._thread.join()
        if exc_type is None:
            self.raise_if_failed()

    def rows_in(self, data_id: int) -> None:
        """Called by the copy workers: the rows of one more table are in."""
        if self._plan is None:
            return
        with self._lock:
            self._loaded.add(data_id)
            if self._loaded >= self._plan.tables:
                return  # the last: what is left goes with all the jobs once the copy ends
            ready = [dump_id for dump_id in self._plan.ready(self._loaded) if dump_id not in self._handed]
            self._handed.update(ready)
        if ready:
            self._ready.put(ready)

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    @property
    def done(self) -> int:
        return len(self._done)

    def left(self) -> Optional[list[int]]:
        """The post-data entries still to restore, in the archive's order (None: all of them)."""
        if self._plan is None:
            return None
        return [dump_id for dump_id in self._plan.post_data if dump_id not in self._done]

    def _work(self) -> None:
        while (ids := self._ready.get()) is not _STOP:
            if self._closing or self.error is not None:
                continue  # left to the run after the rows, with all its jobs
            try:
                restore_section(self._run, self._toc_bytes, "post-data", only=ids)
                self._done.update(ids)
            except BaseException as exc:
                self.error = exc


def _failure(exc: BaseException) -> BaseException:
    if isinstance(exc, psycopg.Error):
        return RestoreFailed(f"The restore failed while copying rows, so the unfinished copy was removed and "
                             f"nothing was changed. PostgreSQL said: {str(exc).strip().splitlines()[0]}",
                             detail=repr(exc))
    return exc


@contextmanager
def _autovacuum_held_off(build: Profile, password: Optional[str]) -> Iterator[None]:
    """Autovacuum kept off the tables until their indexes and constraints are in.

    A worker it starts on a table already loaded (a new database's tables
    are soon due) holds a lock that the table's index or constraint then
    waits for, until the server cancels the worker after deadlock_timeout (1
    s by default), seen on a third of the 697 MB benchmark's restores. Each
    table's option is reset afterwards: the catalog ends as pg_restore made it."""
    with connect(build, password) as conn:
        tables = [sql.Identifier(schema, name) for schema, name in conn.execute(_AUTOVACUUMED).fetchall()]
        _alter_each(conn, tables, "SET (autovacuum_enabled = false)")
    yield
    with connect(build, password) as conn:
        _alter_each(conn, tables, "RESET (autovacuum_enabled)")


def _alter_each(conn: psycopg.Connection, tables: list[sql.Identifier], change: str) -> None:
    with conn.transaction():
        for table in tables:
            conn.execute(sql.SQL("ALTER TABLE {} ").format(table) + sql.SQL(change))


def _take_name(build: Profile, target: Profile, password: Optional[str]) -> None:
    with connect(target, password, dbname="postgres") as conn:
        conn.autocommit = True
        try:
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(build.dbname), sql.Identifier(target.dbname)))
        except psycopg.Error as exc:
            raise RestoreFailed(
                f"The backup was restored, but the database could not take the name {target.dbname} "
                "(another program may have created it meanwhile), so the copy was removed. Try again.",
                detail=str(exc)) from exc
