"""The multi-part reader reads a split set as the one file it was, seeking included."""
import io
import os

import pytest

from desktop.core.errors import PartsIncomplete
from desktop.core.format import parts


def split(tmp_path, data: bytes, size: int):
    writer = parts.PartsWriter(tmp_path / "x.lifeboat", size)
    writer.write(data)
    return writer.commit()


def test_reads_and_seeks_like_one_file(tmp_path):
    data = os.urandom(1000) + b"LFBT_END"
    files = split(tmp_path, data, 300)
    assert [f.name for f in files] == ["x.lifeboat.001", "x.lifeboat.002", "x.lifeboat.003", "x.lifeboat.004"]
    assert parts.total_size(files[0]) == len(data) == parts.total_size(tmp_path / "x.lifeboat")
    with parts.open_stream(files[0]) as f:
        assert f.read() == data
        f.seek(-20, io.SEEK_END)
        assert f.read(100) == data[-20:]
        f.seek(295)
        assert f.read(10) == data[295:305] and f.tell() == 305


def test_an_aborted_set_leaves_nothing(tmp_path):
    writer = parts.PartsWriter(tmp_path / "x.lifeboat", 100)
    writer.write(os.urandom(250))
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_missing_last_part_is_named(tmp_path):
    files = split(tmp_path, os.urandom(900) + b"LFBT_END", 304)
    files[-1].unlink()
    with pytest.raises(PartsIncomplete, match="part 3 \\(x.lifeboat.003\\) is missing"):
        parts.part_paths(files[0])


def test_data_appended_to_the_last_part_is_named_as_extra(tmp_path):
    files = split(tmp_path, os.urandom(900) + b"LFBT_END", 304)
    with open(files[-1], "ab") as f:
        f.write(b"appended")
    with pytest.raises(PartsIncomplete, match="Extra data follows the end of this backup in its last part, "
                                              "x.lifeboat.003"):
        parts.part_paths(files[0])
