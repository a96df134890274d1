"""The build beside's batches of rows (copy_rows.row_batches): whole lines, nothing lost or
added, pg_dump's end marker left out, whatever the sizes of the compressed pieces."""
import zstandard

from desktop.core.jobs.restore import copy_rows
from desktop.core.postgres.archive_rows import COPY_END

ROWS = b"".join(b"%d\tname %d\t%s\n" % (i, i, bytes([65 + i % 26]) * (i % 37)) for i in range(40000))
LONG_ROW = b"7\t" + bytes(range(256)).replace(b"\n", b"") * 2000 + b"\n"  # over 3 zstd blocks and a batch


def stored(data: bytes, piece: int) -> list[bytes]:
    """`data` compressed as pg_dump writes a block: one zstd stream, cut into pieces."""
    compressed = zstandard.ZstdCompressor(level=1).compress(data)
    return [compressed[i:i + piece] for i in range(0, len(compressed), piece)]


def test_batches_are_whole_rows_and_all_of_them(monkeypatch):
    monkeypatch.setattr(copy_rows, "_BATCH", 512)
    middle = ROWS.index(b"\n", len(ROWS) // 2) + 1
    data = ROWS[:middle] + LONG_ROW + ROWS[middle:]
    for piece in (77, 4096, 1 << 20):
        batches = [bytes(batch) for batch in copy_rows.row_batches(iter(stored(data + COPY_END, piece)))]
        assert b"".join(batches) == data
        assert all(batch.endswith(b"\n") for batch in batches)
        assert len(batches) > 5 or piece == 1 << 20  # one piece: the rows arrive at once
        assert LONG_ROW in batches[[LONG_ROW in b for b in batches].index(True)]


def test_an_empty_table_gives_no_batch():
    assert list(copy_rows.row_batches(iter(stored(COPY_END, 3)))) == []
