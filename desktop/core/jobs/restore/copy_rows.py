"""The rows of a build beside (parallel.py): the archive's data blocks, decompressed,
handed in batches of whole rows to workers that each COPY on a connection of their own.

A big table's batches go to every worker (each with a COPY of its own into
the table: its indexes come after), so the work stays even to the end; a
batch goes to the worker with the least waiting. Each worker commits its
part of a table at the table's end and says so, with the rows its COPY
reported; once every part of a table is in, `rows_in(dump id)` is called
(early_post_data.py builds on it), and the table's rows are the sum.
"""
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Optional

import psycopg
import zstandard

from desktop.core.errors import Cancelled, RestoreFailed
from desktop.core.format.pipeline import ChunkReader
from desktop.core.postgres.archive_rows import BLK_DATA, COPY_END, ArchiveReader, chunks
from desktop.core.postgres.connection import connect
from desktop.core.store.profiles import Profile

_BATCH = 1 << 20  # rows handed to a worker at a time
_READ_SIZE = 1 << 17  # compressed bytes zstd takes at a time
_QUEUED_BATCHES = 8
_STOP = object()
_TABLE_END = b""  # handed to a worker after the last of a table's rows it was given
# What pg_restore sets before it loads rows (pg_backup_archiver.c, _doSetFixedOutputState).
_SESSION = ("SET statement_timeout = 0", "SET lock_timeout = 0", "SET idle_in_transaction_session_timeout = 0",
            "SELECT pg_catalog.set_config('search_path', '', false)", "SET row_security = off")


class CopyWorkers:
    """`count` workers on `build`, each with the archive's `settings`; closed (and
    their copies dropped, if unfinished) when the block ends."""

    def __init__(self, build: Profile, password: Optional[str], settings: list[str], count: int,
                 rows_in: Callable[[int], None]):
        self._loads = _Loads(rows_in)
        self._workers: list[_CopyWorker] = []
        try:
            for _ in range(count):
                self._workers.append(_CopyWorker(build, password, settings, self._loads.part_in))
        except BaseException:
            self.__exit__()  # a later connection refused: the workers started so far stop too
            raise

    def __enter__(self) -> "CopyWorkers":
        return self

    def __exit__(self, *_) -> None:
        for worker in self._workers:
            worker.close()

    def copy(self, archive: ArchiveReader, statements: dict[int, str], check: Callable[[], None]) -> None:
        """Hands out the rows of every data block left in `archive`; `check()` before each table."""
        _dispatch(archive, statements, self._workers, self._loads, check)

    def finish(self) -> dict[int, int]:
        """Waits for the last rows to be committed; returns the rows committed per dump id,
        as the server counted them (COPY's command tag)."""
        for worker in self._workers:
            worker.finish()
        return self._loads.rows


def _dispatch(archive: ArchiveReader, statements: dict[int, str], workers: list["_CopyWorker"],
              loads: "_Loads", check: Callable[[], None]) -> None:
    while (kind := archive.byte_or_end()) is not None:
        check()
        dump_id = archive.int()
        if kind != BLK_DATA or dump_id not in statements:
            raise RestoreFailed("The backup holds data Lifeboat did not expect here; restore it again.",
                                detail=f"block type {kind}, dump id {dump_id}")
        given = set()
        for rows in row_batches(chunks(archive)):
            worker = min(workers, key=lambda w: w.backlog)
            worker.put(dump_id, statements[dump_id], rows)
            given.add(worker)
        loads.expect(dump_id, len(given))
        for worker in given:
            worker.put(dump_id, statements[dump_id], _TABLE_END)


def row_batches(stored: Iterator[bytes]) -> Iterator[memoryview]:
    """A table's rows, decompressed, in batches of whole lines, without pg_dump's end marker."""
    # zstd writes straight into the batch's buffer (decompressing into new bytes and appending
    # them copied every row once more), and a batch is handed on as it is: only the start of a
    # row after its last newline is copied, into the next buffer.
    reader = zstandard.ZstdDecompressor().stream_reader(ChunkReader(stored), read_size=_READ_SIZE)
    buffer, filled = bytearray(_BATCH), 0
    while got := reader.readinto(memoryview(buffer)[filled:]):
        filled += got
        if filled < len(buffer):
            continue
        # Whole rows only, and never the last bytes: they may be the end marker.
        cut = buffer.rfind(b"\n", 0, filled - len(COPY_END)) + 1
        if not cut:  # a row longer than the buffer
            buffer.extend(bytes(len(buffer)))
            continue
        batch, buffer = buffer, bytearray(_BATCH)
        filled -= cut
        buffer[:filled] = memoryview(batch)[cut:cut + filled]
        yield memoryview(batch)[:cut]
    rows = bytes(memoryview(buffer)[:filled]).removesuffix(COPY_END)
    if rows:
        yield memoryview(rows)


class _Loads:
    """Calls `rows_in(dump id)` once every worker given some of a table's rows has committed them,
    and adds up the rows each committed."""

    def __init__(self, rows_in: Callable[[int], None]):
        self._rows_in = rows_in
        self._parts: dict[int, int] = {}
        self.rows: dict[int, int] = {}
        self._lock = threading.Lock()

    def expect(self, dump_id: int, parts: int) -> None:
        with self._lock:
            self.rows[dump_id] = 0
            self._parts[dump_id] = parts
        if not parts:
            self._rows_in(dump_id)

    def part_in(self, dump_id: int, rows: int) -> None:
        with self._lock:
            self.rows[dump_id] += rows  # expect() came first: the table's end is handed on after it
            self._parts[dump_id] -= 1
            done = not self._parts[dump_id]
        if done:
            self._rows_in(dump_id)


class _CopyWorker:
    """A connection of its own, and a thread that COPYs the batches of rows handed to it.

    A big table's batches go to both workers (each with a COPY of its own into
    the table: its indexes come after), so the work stays even to the end.
    Each commits its part of a table at the table's end and says so, with its rows (`part_in`)."""

    def __init__(self, build: Profile, password: Optional[str], settings: list[str],
                 part_in: Callable[[int, int], None]):
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
            cursor, copy = self._conn.cursor(), None
            while (item := self._queue.get()) is not _STOP:
                dump_id, statement, rows = item
                self.backlog -= len(rows)
                if self.error is not None:
                    continue  # the rest is skipped; the copy is dropped
                try:
                    if not rows:  # _TABLE_END
                        copying.close()  # ends the COPY under way
                        copy = None
                        self._conn.commit()
                        self._part_in(dump_id, cursor.rowcount)  # "COPY n": the rows the server stored
                        continue
                    if copy is None:
                        copy = copying.enter_context(cursor.copy(statement.rstrip().rstrip(";")))
                    copy.write(rows)
                except BaseException as exc:  # raised on the reading thread by its next hand-over
                    self.error = _failure(exc)


def _failure(exc: BaseException) -> BaseException:
    if isinstance(exc, psycopg.Error):
        return RestoreFailed(f"The restore failed while copying rows, so the unfinished copy was removed and "
                             f"nothing was changed. PostgreSQL said: {str(exc).strip().splitlines()[0]}",
                             detail=repr(exc))
    return exc
