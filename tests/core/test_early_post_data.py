"""Which post-data entries a build beside runs while other tables' rows still load (early_post_data.py),
on tables of contents shaped like pg_dump's (the dependencies are what pg_dump records)."""
import threading

import pytest

from desktop.core.jobs.restore import early_post_data
from desktop.core.jobs.restore.early_post_data import EarlyPostData, plan
from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.postgres.archive_rows import SECTION_DATA, SECTION_POST_DATA, TocEntry
from desktop.core.progress import CancelToken

PRE_DATA = 2


def entry(dump_id: int, desc: str, name: str, deps=(), schema: str = "public", copy: str = "") -> TocEntry:
    section = {"TABLE DATA": SECTION_DATA}.get(desc, SECTION_POST_DATA if dump_id >= 300 else PRE_DATA)
    if desc == "TABLE DATA" and not copy:
        copy = f"COPY {schema}.{name} (a) FROM stdin;\n"
    return TocEntry(dump_id, desc, section, schema, name, "", copy, None, deps=[str(d) for d in deps])


# Two tables with rows, a partitioned table (no rows of its own) and a function.
TOC = [
    entry(1, "TABLE", "customers"), entry(2, "TABLE", "orders"), entry(3, "TABLE", "measures"),
    entry(4, "FUNCTION", "audit()"),
    entry(101, "TABLE DATA", "customers", [1]), entry(102, "TABLE DATA", "orders", [2]),
    entry(301, "CONSTRAINT", "customers customers_pkey", [1]),
    entry(302, "INDEX", "orders_customer_idx", [2]),
    entry(303, "TRIGGER", "orders audit", [2, 4]),
    entry(304, "FK CONSTRAINT", "orders orders_customer_fkey", [2, 1, 301]),
    entry(305, "INDEX", "measures_at_idx", [3]),  # on the partitioned table
    entry(306, "COMMENT", "INDEX orders_customer_idx", [302]),
    entry(307, "COMMENT", "INDEX measures_at_idx", [305]),
    entry(308, "MATERIALIZED VIEW DATA", "totals", [9]),
]


def test_each_entry_waits_for_the_rows_of_the_tables_it_hangs_on():
    early = plan(TOC)
    assert early.post_data == [301, 302, 303, 304, 305, 306, 307, 308]
    assert early.waits_for == {
        301: {101}, 302: {102}, 303: {102},  # its table's rows (the function is there before any row)
        304: {101, 102},  # a foreign key: both tables' rows, and the key it points at
        306: {102},  # through the index it comments
    }
    assert early.tables == {101, 102}


def test_what_hangs_on_no_rows_waits_for_all_of_them():
    waits_for = plan(TOC).waits_for
    assert 305 not in waits_for and 307 not in waits_for  # a partitioned table's index, and what hangs on it
    assert 308 not in waits_for  # a refresh depends on a view, not on the tables it reads


def test_ready_follows_the_rows_in_the_archives_order():
    early = plan(TOC)
    assert early.ready(set()) == []
    assert early.ready({102}) == [302, 303, 306]
    assert early.ready({101, 102}) == [301, 302, 303, 304, 306]


def test_rows_loaded_through_another_table_put_nothing_early():
    """pg_dump --load-via-partition-root: a partition's rows go through its root's COPY."""
    via_root = [e if e.dump_id != 102 else entry(102, "TABLE DATA", "orders", [2], copy="COPY public.all_orders (a) "
                                                  "FROM stdin;\n") for e in TOC]
    assert plan(via_root).waits_for == {}


def test_a_quoted_name_is_still_its_own_table():
    toc = [entry(1, "TABLE", "Order Lines", schema="Sales"),
           entry(101, "TABLE DATA", "Order Lines", [1], schema="Sales",
                 copy='COPY "Sales"."Order Lines" (a) FROM stdin;\n'),
           entry(301, "CONSTRAINT", "Order Lines pkey", [1])]
    assert plan(toc).waits_for == {301: {101}}


# --- running the ready entries while other rows load -------------------------------------

# Three tables with rows and an index each, a foreign key from orders to customers, and one more
# table (never loaded here, so that no table is the last and everything is handed out early).
THREE = [
    entry(1, "TABLE", "customers"), entry(2, "TABLE", "orders"), entry(3, "TABLE", "events"),
    entry(4, "TABLE", "later"),
    entry(101, "TABLE DATA", "customers", [1]), entry(102, "TABLE DATA", "orders", [2]),
    entry(103, "TABLE DATA", "events", [3]), entry(104, "TABLE DATA", "later", [4]),
    entry(301, "CONSTRAINT", "customers customers_pkey", [1]),
    entry(302, "INDEX", "orders_customer_idx", [2]),
    entry(303, "INDEX", "events_at_idx", [3]),
    entry(304, "FK CONSTRAINT", "orders orders_customer_fkey", [2, 1, 301]),
]


class HeldSteps:
    """Stands in for pg_restore: each batch of entries runs until the test lets it end."""

    def __init__(self):
        self.started: list[list[int]] = []
        self.changed = threading.Condition()
        self._let_go: set[int] = set()

    def __call__(self, run, toc, section, jobs=1, only=None):
        with self.changed:
            self.started.append(only)
            self.changed.notify_all()
        while not run.cancel.wait(0.01):  # a cancel, as pg_restore's watchdog would see it
            with self.changed:
                if only[0] in self._let_go:
                    return

    def end(self, first_id: int) -> None:
        with self.changed:
            self._let_go.add(first_id)
            self.changed.notify_all()

    def await_started(self, count: int) -> list[list[int]]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.started) >= count, timeout=10)
            return list(self.started)


@pytest.fixture
def held(monkeypatch) -> HeldSteps:
    steps = HeldSteps()
    monkeypatch.setattr(early_post_data, "restore_section", steps)
    monkeypatch.setattr(early_post_data, "memory_files_exist", lambda: True)
    return steps


def a_run() -> RestoreRun:
    return RestoreRun(opened=None, request=None, profile=None, server_num=150000, tools=None, tracker=None,
                      cancel=CancelToken(), staging_dir=None)


def test_batches_on_different_tables_run_at_once(held):
    with EarlyPostData(a_run(), b"", THREE) as early:
        early.rows_in(103)
        early.rows_in(102)
        assert held.await_started(2) == [[303], [302]]  # events' index is still running
        held.end(303)
        held.end(302)
    assert early.done == 2


def test_a_batch_sharing_a_table_with_a_running_one_waits_for_it(held):
    """The foreign key needs customers' primary key, which is still being built."""
    with EarlyPostData(a_run(), b"", THREE) as early:
        early.rows_in(101)
        assert held.await_started(1) == [[301]]
        early.rows_in(102)  # orders' index and the foreign key: they touch customers too
        early.rows_in(103)  # events' index overtakes nothing that waits on events
        assert held.await_started(2) == [[301], [303]]
        held.end(303)
        held.end(301)
        assert held.await_started(3)[2] == [302, 304]
        held.end(302)
    assert early.left() == []


def test_a_batch_does_not_overtake_a_waiting_one_it_shares_a_table_with(held):
    toc = [*THREE, entry(305, "INDEX", "orders_placed_idx", [2])]
    with EarlyPostData(a_run(), b"", toc, workers=3) as early:
        early.rows_in(101)
        early.rows_in(102)  # waits for customers' key
        held.await_started(1)
        early.rows_in(103)
        assert held.await_started(2) == [[301], [303]]
        held.end(303)
        held.end(301)
        assert held.await_started(3)[2] == [302, 304, 305]
        held.end(302)


def test_when_the_rows_fail_nothing_more_starts_and_the_waiting_batches_are_left(held):
    with pytest.raises(RuntimeError), EarlyPostData(a_run(), b"", THREE) as early:
        early.rows_in(101)
        held.await_started(1)
        early.rows_in(102)  # waits for customers' key
        raise RuntimeError("the copy failed")  # the running step is cancelled
    assert held.started == [[301]]
    assert early.left() == [302, 303, 304]
