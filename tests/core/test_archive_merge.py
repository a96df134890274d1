"""The second archive's data blocks renumbered as they stream (postgres/archive_merge.py)."""
import random

import pytest

from desktop.core.postgres.archive_merge import Renumbering, encode_int
from desktop.core.postgres.archive_rows import BLK_DATA, ArchiveNotUnderstood

INT = 4


def block(dump_id: int, *chunks: bytes) -> bytes:
    return (bytes([BLK_DATA]) + encode_int(dump_id, INT)
            + b"".join(encode_int(len(c), INT) + c for c in chunks) + encode_int(0, INT))


def fed(renumbering: Renumbering, data: bytes, cuts: list[int]) -> bytes:
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
    out = b"".join(renumbering.feed(piece) for piece in pieces)
    renumbering.finish()
    return out


def test_only_the_block_headers_change_however_the_stream_is_cut():
    # 1 and 7 as values inside the chunks: only headers are read as ids.
    stream = block(7, b"\x01\x07" * 300, b"x") + block(1) + block(12, bytes(range(256)) * 9)
    expected = block(107, b"\x01\x07" * 300, b"x") + block(101) + block(112, bytes(range(256)) * 9)
    renumbered = {7: 107, 1: 101, 12: 112}
    assert fed(Renumbering(renumbered, INT), stream, []) == expected
    assert fed(Renumbering(renumbered, INT), stream, list(range(1, len(stream)))) == expected  # byte by byte
    chance = random.Random(15)
    for _ in range(20):
        cuts = sorted(chance.sample(range(1, len(stream)), 12))
        assert fed(Renumbering(renumbered, INT), stream, cuts) == expected


@pytest.mark.parametrize("stream", [
    block(7, b"abc")[:-3],  # ends inside the closing length
    block(7, b"abc")[:9],  # ends inside a chunk
    block(7, b"abc")[:-5],  # ends before the closing length
    block(8, b"abc"),  # a block the table of contents did not announce
    bytes([3]) + encode_int(7, INT) + encode_int(0, INT),  # large objects: not a TABLE DATA block
])
def test_a_stream_that_is_not_whole_blocks_is_refused(stream):
    renumbering = Renumbering({7: 107}, INT)
    with pytest.raises(ArchiveNotUnderstood):
        renumbering.feed(stream)
        renumbering.finish()
