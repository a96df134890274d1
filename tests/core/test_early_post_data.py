"""Which post-data entries a build beside runs while other tables' rows still load (early_post_data.py),
on tables of contents shaped like pg_dump's (the dependencies are what pg_dump records)."""
from desktop.core.jobs.restore.early_post_data import plan
from desktop.core.postgres.archive_rows import SECTION_DATA, SECTION_POST_DATA, TocEntry

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
