"""A restore into a new database with parallel workers, all or nothing because it is built beside
(with --replace, swapped for the target: swap.py).

pg_restore --jobs needs a file it can seek in, which would be a decrypted
copy of the backup on disk. This route reads the encrypted file as it
streams instead, twice, and writes no row in plaintext anywhere:

0. the start of the file, up to the end of the archive's table of contents
   (a few kilobytes, no rows), kept in memory;
1. the structure: `pg_restore --section=pre-data` from those bytes (toc_sections.py);
2. the rows: Lifeboat reads the archive's data blocks (postgres/archive_rows.py),
   decompresses them and hands batches of whole rows to the least busy of
   two workers, each on a connection of its own (`COPY ... FROM STDIN`,
   copy_rows.py); then the sequences' values;
3. indexes, constraints, triggers: `pg_restore --section=post-data` from those
   bytes again, with two jobs where they can be a file in memory (Linux).
   There, as pg_restore --jobs does, what hangs on tables whose rows are
   all in goes while the next tables load (early_post_data.py), and only
   the rest after the last rows.

The check takes each table's rows as the server reported them when it
stored them (each COPY's "COPY n", added up per table): nothing after the
rows adds or removes one (indexes, constraints, triggers on no row already
there), and the database has no name anyone else knows until it is done.
Counting them again with count(*) read the whole database a second time,
about 1 CPU-second of the server's on the 697 MB benchmark, on two cores
both busy.

Autovacuum is kept off the tables while they are built (_autovacuum_held_off).
All of it goes into a database of its own (`lifeboat_build_<backup id>`),
recorded in flight so that the next start after a killed Lifeboat drops it
(jobs/leftovers.py). Only when everything went in does it take the
target's name (ALTER DATABASE ... RENAME): the target is the whole backup
or is not there, as before. The rows are then checked as on every route.

Taken for a new database (--create, the target missing) or a --replace that
swap.py allows, a custom archive
compressed by pg_dump (its blocks parse as they stream), the whole backup
with nothing run around it, and no large objects; anything else goes the
one-transaction routes.
"""
import io
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Optional

import psycopg
from psycopg import sql

from desktop.core.errors import RestoreFailed
from desktop.core.format.pipeline import BLOCK, ChunkReader, cancellable
from desktop.core.jobs.restore import swap
from desktop.core.jobs.restore.copy_rows import CopyWorkers
from desktop.core.jobs.restore.early_post_data import EarlyPostData
from desktop.core.jobs.restore.modes import checked_plaintext
from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.jobs.restore.scratch_db import create_database, database_exists, drop_scratch
from desktop.core.jobs.restore.toc_sections import restore_section
from desktop.core.localpg import inflight
from desktop.core.postgres.archive_rows import (
    SECTION_DATA,
    ArchiveReader,
    TocEntry,
    read_head,
    read_toc,
    table_keys,
)
from desktop.core.postgres.connection import connect
from desktop.core.postgres.snapshot import list_tables
from desktop.core.progress import ProgressTracker
from desktop.core.store.profiles import Profile, ProfileStore

log = logging.getLogger("lifeboat.restore")
WORKERS = 2
# The tables whose autovacuum the build turns off and on again: not those the backup sets it for
# itself, nor those whose owner's rights the user lacks (a membership without INHERIT).
_AUTOVACUUMED = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND pg_has_role(c.relowner, 'USAGE')
  AND NOT EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum\\_enabled=%')
"""
class NotParallel(Exception):
    """The archive holds what this route does not load (large objects); the caller takes another route."""


def builds_beside(run: RestoreRun) -> bool:
    """The backup and the request allow a build beside (a --replace is built beside by swap.py's rules)."""
    request, manifest = run.request, run.opened.manifest
    return (manifest.format == "custom" and manifest.compression == "none"
            and not (request.tables or request.schema_only or request.data_only or request.clean
                     or request.sql_before or request.sql_after or request.script_filter))


def restore_beside(run: RestoreRun, password: Optional[str], data_dir, swapped: bool = False) -> dict[str, int]:
    """Builds the backup in a database of its own, then gives it the target's name;
    `swapped` (a --replace): swaps it for the target (swap.py), and drops what the target held.
    Returns the rows stored per table (table key -> rows)."""
    toc, toc_bytes = _table_of_contents(run)
    backup_id = run.opened.manifest.backup_id
    build = replace(run.profile, dbname=f"lifeboat_build_{backup_id}")
    old = f"{swap.OLD_PREFIX}{backup_id}" if swapped else None
    with inflight.holding(data_dir, inflight.RESTORE_BUILD, profile=run.profile.name, host=build.host, port=build.port,
                          dbname=build.dbname, old=old):
        drop_scratch(build, password)  # one a crash left, should its record have gone
        create_database(build, password)
        try:
            if old:
                swap.prepare_copy(build, run.profile, password)
            counts = _build(replace(run, profile=build), password, toc, toc_bytes)
            if old:
                swap.swap_in(build, run.profile, old, password)
            else:
                _take_name(build, run.profile, password)
        except BaseException:
            drop_scratch(build, password)
            raise
        if old:
            drop_scratch(replace(run.profile, dbname=old), password)  # what the target held
    return counts


def restore_in_place(run: RestoreRun, password: Optional[str]) -> dict[str, int]:
    """--jobs N into an existing, empty database: the same steps, straight into it.

    Not all or nothing, as pg_restore --jobs is not (the caller says so on a
    failure), but no decrypted copy of the backup on disk, which
    pg_restore --jobs needs. Returns the rows stored per table (table key -> rows)."""
    return _build(run, password, *_table_of_contents(run))


def _build(run: RestoreRun, password: Optional[str], toc: list[TocEntry], toc_bytes: bytes) -> dict[str, int]:
    """Returns the rows stored per table (table key -> rows), as each COPY reported them."""
    workers = max(WORKERS, run.request.jobs)
    sections = replace(run, tracker=_StepsOnly(run.tracker))
    with _timed("Creating the tables", run.tracker):
        restore_section(sections, toc_bytes, "pre-data")
    with _autovacuum_held_off(run.profile, password):
        with _timed(f"Copying the rows, {workers} at a time", run.tracker), \
                EarlyPostData(sections, toc_bytes, toc, workers) as early:
            stored = _load_rows(run, password, toc, workers, early)
        left = early.left()
        if left is not None:
            log.info("restore beside: %d post-data steps went in while the rows loaded, %d after",
                     early.done, len(left))
        if left != []:
            with _timed("Building indexes and constraints", run.tracker):
                restore_section(sections, toc_bytes, "post-data", jobs=workers, only=left)
    return stored


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
               early: EarlyPostData) -> dict[str, int]:
    """Table key -> the rows stored."""
    settings = [e.definition for e in toc if e.desc in ("ENCODING", "STDSTRINGS")]
    statements = {e.dump_id: e.copy_statement for e in toc if e.desc == "TABLE DATA"}
    with CopyWorkers(run.profile, password, settings, count, early.rows_in) as workers:
        with checked_plaintext(run.opened, run.tracker) as (blocks, _):
            archive = _archive(blocks, run)
            for _ in read_toc(archive, read_head(archive)):
                pass  # read in the first pass
            workers.copy(archive, statements, early.raise_if_failed)
        stored = workers.finish()
    with connect(run.profile, password) as conn:
        for entry in toc:
            if entry.desc == "SEQUENCE SET":
                conn.execute(entry.definition)
        keys = table_keys(toc, list_tables(conn))
    return {key: stored[dump_id] for dump_id, key in keys.items() if dump_id in stored}


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
