"""The build beside's copy workers (copy_rows.py) on a real server: the rows they
report per table are the ones the server stored, and the check takes them."""
import io
from types import SimpleNamespace

import psycopg
import pytest
import zstandard

from desktop.core.jobs.restore import copy_rows
from desktop.core.jobs.restore.checks import check_restored
from desktop.core.jobs.restore.copy_rows import CopyWorkers
from desktop.core.postgres.archive_merge import encode_int
from desktop.core.postgres.archive_rows import BLK_DATA, COPY_END, ArchiveReader
from desktop.core.store.profiles import Profile

ORDERS, NOTES = 1, 2  # dump ids


def data_block(dump_id: int, rows: bytes, piece: int = 4096) -> bytes:
    """A custom archive's data block as pg_dump writes it: one zstd stream, in chunks."""
    compressed = zstandard.ZstdCompressor(level=1).compress(rows + COPY_END)
    pieces = [compressed[i:i + piece] for i in range(0, len(compressed), piece)]
    return (bytes([BLK_DATA]) + encode_int(dump_id, 4)
            + b"".join(encode_int(len(p), 4) + p for p in pieces) + encode_int(0, 4))


@pytest.fixture
def shop(pg15, fresh_db) -> Profile:
    dbname = fresh_db(prefix="copyrows")
    with psycopg.connect(pg15.conninfo(dbname), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int)")
        conn.execute("CREATE TABLE notes (id int)")
        # A trigger that keeps only odd ids: the server stores half the lines it is sent.
        conn.execute("CREATE FUNCTION odd_only() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$BEGIN IF NEW.id % 2 = 0 THEN RETURN NULL; END IF; RETURN NEW; END$$")
        conn.execute("CREATE TRIGGER odd_only BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION odd_only()")
    return Profile(name="shop", environment="development", host=pg15.host, port=pg15.port, dbname=dbname,
                   user=pg15.superuser)


def lines(count: int) -> bytes:
    return b"".join(b"%d\n" % i for i in range(1, count + 1))


def test_the_rows_reported_are_those_the_server_stored_on_both_workers(pg15, shop, monkeypatch):
    monkeypatch.setattr(copy_rows, "_BATCH", 4096)  # both tables' rows shared by the two workers
    archive = io.BytesIO(data_block(ORDERS, lines(30000)) + data_block(NOTES, lines(20000)))
    statements = {ORDERS: "COPY public.orders (id) FROM stdin;", NOTES: "COPY public.notes (id) FROM stdin;"}
    done = []
    with CopyWorkers(shop, pg15.password, [], 2, done.append) as workers:
        workers.copy(ArchiveReader(archive.read), statements, lambda: None)
        stored = workers.finish()
    assert stored == {ORDERS: 30000, NOTES: 10000}
    assert sorted(done) == [ORDERS, NOTES]
    with psycopg.connect(pg15.conninfo(shop.dbname)) as conn:
        assert conn.execute("SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM notes)").fetchone() \
            == (30000, 10000)


def test_the_check_takes_the_rows_stored_and_counts_the_tables_missing_from_them(pg15, shop):
    with psycopg.connect(pg15.conninfo(shop.dbname), autocommit=True) as conn:
        conn.execute("INSERT INTO orders SELECT generate_series(1, 3000)")
        conn.execute("INSERT INTO notes SELECT generate_series(1, 39)")  # 20 odd ids stored
    manifest = SimpleNamespace(row_counts={"public.orders": 3000, "public.notes": 39})  # all the check reads
    check = check_restored(shop, pg15.password, manifest, [], stored={"public.orders": 2999})
    # The rows reported stored are the ones checked: orders was not counted again; notes was.
    assert {(t.table, t.found) for t in check.tables} == {("public.orders", 2999), ("public.notes", 20)}
    assert not check.ok
