"""Which of a build's indexes, constraints and triggers may go in while other tables' rows still load.

pg_restore --jobs builds a table's indexes as soon as that table's rows are
in, while its workers load the next tables (it makes what depends on a
table wait for the table's data: repoint_table_dependencies); on 2 cores
that overlap makes it 1.2x faster than its own sections run one after the
other. The build beside (parallel.py) does the same with this plan: a
post-data entry may go as soon as the rows of every table it depends on,
directly or through other post-data entries, are in: a table's indexes,
primary key and triggers after its rows, a foreign key after both tables'.
The rest waits for all the rows, as before: whatever hangs on a
partitioned table (it has no rows of its own), a materialized view's
refresh, anything depending on no table at all.

An entry's own post-data dependencies hang on tables among its own, so
they are ready no later than it is, and come before it in the archive.

Nothing goes early unless every table's rows are copied into that table
itself: with --load-via-partition-root a partition's rows go through its
root, and a partition is whole only when all of them are.
"""
import threading
from dataclasses import dataclass, field, replace
from typing import Optional

from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.jobs.restore.toc_sections import restore_section
from desktop.core.postgres.archive_rows import SECTION_DATA, SECTION_POST_DATA, TocEntry
from desktop.core.progress import CancelToken
from desktop.core.scratch import memory_files_exist


@dataclass
class EarlyPlan:
    post_data: list[int] = field(default_factory=list)  # every post-data dump id, in the archive's order
    tables: frozenset[int] = frozenset()  # every TABLE DATA dump id
    # A post-data dump id that may go early -> the TABLE DATA dump ids whose rows it waits for.
    waits_for: dict[int, frozenset[int]] = field(default_factory=dict)

    def ready(self, loaded: set[int]) -> list[int]:
        """The entries that may go once the rows of `loaded` (TABLE DATA dump ids) are in, in order."""
        return [dump_id for dump_id in self.post_data
                if dump_id in self.waits_for and self.waits_for[dump_id] <= loaded]


def plan(toc: list[TocEntry]) -> EarlyPlan:
    by_id = {entry.dump_id: entry for entry in toc}
    data_of = _data_of_tables(toc, by_id)
    result = EarlyPlan(tables=frozenset(e.dump_id for e in toc if e.desc == "TABLE DATA"))
    tables_of: dict[int, frozenset[int]] = {}  # an entry that may go early -> the tables it hangs on
    for entry in toc:
        if entry.section != SECTION_POST_DATA:
            continue
        result.post_data.append(entry.dump_id)
        tables = _tables(entry, by_id, tables_of)
        if tables and all(table in data_of for table in tables):
            tables_of[entry.dump_id] = tables
            result.waits_for[entry.dump_id] = frozenset(data_of[table] for table in tables)
    return result


def _data_of_tables(toc: list[TocEntry], by_id: dict[int, TocEntry]) -> dict[int, int]:
    """TABLE dump id -> its TABLE DATA dump id; none at all if some rows go through another table."""
    data_of = {}
    for entry in toc:
        if entry.desc != "TABLE DATA":
            continue
        if not _copies_into_itself(entry):
            return {}
        tables = [int(dep) for dep in entry.deps if int(dep) in by_id and by_id[int(dep)].desc == "TABLE"]
        if len(tables) == 1:
            data_of[tables[0]] = entry.dump_id
    return data_of


def _tables(entry: TocEntry, by_id: dict[int, TocEntry], tables_of: dict[int, frozenset[int]]
            ) -> Optional[frozenset[int]]:
    """The tables `entry` hangs on, or None when it must wait for all the rows."""
    tables: set[int] = set()
    for dep in map(int, entry.deps):
        needed = by_id.get(dep)
        if needed is None or needed.section == SECTION_DATA:
            return None
        if needed.section == SECTION_POST_DATA:
            if dep not in tables_of:
                return None
            tables |= tables_of[dep]
        elif needed.desc == "TABLE":
            tables.add(dep)
    return frozenset(tables)


def _copies_into_itself(entry: TocEntry) -> bool:
    """Its COPY names its own table (pg_dump quotes a name only where it must, so both spellings count)."""
    def spellings(name: str) -> set[str]:
        return {name, '"' + name.replace('"', '""') + '"'}
    return any(entry.copy_statement.startswith(f"COPY {schema}.{name} ")
               for schema in spellings(entry.schema) for name in spellings(entry.name))


class EarlyPostData:
    """While the rows load, threads that build indexes, constraints and
    triggers as soon as their tables' rows are in (plan() above), with
    pg_restore as for the rest of post-data.

    What one table's rows make ready is a batch, one pg_restore. Two batches
    run at once when they touch no table in common, as pg_restore --jobs
    keeps items that would lock the same table apart: a table's primary key
    and its index lock each other out, and a foreign key waits for the key it
    points at, which is on a table of its own batch. One at a time, a big
    table's steps held back the next table's until the rows were all in
    (1.9 s with one core idle on the 697 MB benchmark).

    Where pg_restore cannot be handed a list of entries in memory, nothing
    goes early (left() is None: all of post-data after the rows)."""

    def __init__(self, run: RestoreRun, toc_bytes: bytes, toc: list[TocEntry], workers: int = 2):
        self._plan = plan(toc) if memory_files_exist() else None
        # Its own cancel: stopped as soon as the rows fail or are cancelled.
        self._run, self._toc_bytes = replace(run, cancel=CancelToken()), toc_bytes
        self._changed = threading.Condition()
        self._pending: list[_Batch] = []  # in the order their tables' rows came in
        self._running: list[_Batch] = []
        self._loaded: set[int] = set()
        self._handed: set[int] = set()
        self._done: set[int] = set()
        self._closing = False
        self.error: Optional[BaseException] = None
        self._threads = [threading.Thread(target=self._work, name=f"restore-post-data-{n}", daemon=True)
                         for n in range(workers)]

    def __enter__(self) -> "EarlyPostData":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, exc_type, *_) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if exc_type is not None:
            self._run.cancel.cancel()  # the rows failed or were cancelled: no more building
        for thread in self._threads:
            thread.join()
        if exc_type is None:
            self.raise_if_failed()

    def rows_in(self, data_id: int) -> None:
        """Called by the copy workers: the rows of one more table are in."""
        if self._plan is None:
            return
        with self._changed:
            self._loaded.add(data_id)
            if self._loaded >= self._plan.tables:
                return  # the last: what is left goes with all the jobs once the copy ends
            ready = [dump_id for dump_id in self._plan.ready(self._loaded) if dump_id not in self._handed]
            if ready:
                self._handed.update(ready)
                tables = frozenset().union(*(self._plan.waits_for[dump_id] for dump_id in ready))
                self._pending.append(_Batch(ready, tables))
                self._changed.notify()

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
        while (batch := self._next()) is not None:
            try:
                restore_section(self._run, self._toc_bytes, "post-data", only=batch.ids)
                with self._changed:
                    self._done.update(batch.ids)
            except BaseException as exc:
                self.error = exc
            finally:
                with self._changed:
                    self._running.remove(batch)
                    self._changed.notify_all()

    def _next(self) -> Optional["_Batch"]:
        """The first pending batch clear of the running ones and of those before it;
        None once the rows are all in (the rest is left to the run after them) or a batch failed."""
        with self._changed:
            while not (self._closing or self.error is not None):
                ahead = [batch.tables for batch in self._running]
                for batch in self._pending:
                    if not any(batch.tables & tables for tables in ahead):
                        self._pending.remove(batch)
                        self._running.append(batch)
                        return batch
                    ahead.append(batch.tables)
                self._changed.wait()
            return None


@dataclass(eq=False)  # each is itself: running.remove() takes that one
class _Batch:
    ids: list[int]  # post-data dump ids, in the archive's order
    tables: frozenset[int]  # the TABLE DATA dump ids they wait for: the tables they lock
