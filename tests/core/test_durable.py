"""Files that appear only when complete (RELIABILITY.md, "Writing files that
must survive"), and write errors in words."""
import errno
import hashlib
import os
import stat

import pytest

from desktop.core import durable
from desktop.core.durable import AtomicFile, check_writable, explain_write_error, fsync_dir, replace_file
from desktop.core.errors import DestinationError, DestinationNotWritable, DiskFull
from tests.faults import assert_reads_well, read_only_folder, small_tmpfs


def test_commit_renames_the_finished_file(tmp_path):
    final = tmp_path / "app_20260101T000000Z.dump.lifeboat"
    data = os.urandom(300_000)
    with AtomicFile(final) as out:
        out.write(data[:1000])
        out.write(data[1000:])
        # While writing, only the .partial exists: nothing looks complete.
        assert [p.name for p in tmp_path.iterdir()] == [final.name + ".partial"]
        assert out.commit() == final
    assert [p.name for p in tmp_path.iterdir()] == [final.name]
    assert final.read_bytes() == data
    assert out.size == len(data)
    assert out.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_backup_files_are_private(tmp_path):
    final = tmp_path / "private.lifeboat"
    with AtomicFile(final) as out:
        assert stat.S_IMODE(os.stat(out.partial_path).st_mode) == 0o600
        out.write(b"x")
        out.commit()
    assert stat.S_IMODE(os.stat(final).st_mode) == 0o600


def test_abort_leaves_nothing(tmp_path):
    out = AtomicFile(tmp_path / "a.lifeboat")
    out.write(b"half a backup")
    out.abort()
    assert list(tmp_path.iterdir()) == []


def test_an_error_inside_the_block_removes_the_partial(tmp_path):
    with pytest.raises(RuntimeError):
        with AtomicFile(tmp_path / "a.lifeboat") as out:
            out.write(b"half a backup")
            raise RuntimeError("pg_dump failed")
    assert list(tmp_path.iterdir()) == []


def test_never_overwrites_a_backup(tmp_path):
    existing = tmp_path / "a.lifeboat"
    existing.write_bytes(b"an earlier backup")
    with pytest.raises(DestinationError) as caught:
        AtomicFile(existing)
    assert "never overwrites" in caught.value.message
    assert existing.read_bytes() == b"an earlier backup"
    assert [p.name for p in tmp_path.iterdir()] == ["a.lifeboat"]


def test_does_not_take_over_another_writers_partial(tmp_path):
    theirs = tmp_path / "a.lifeboat.partial"
    theirs.write_bytes(b"another job is writing this")
    with pytest.raises(DestinationError):
        AtomicFile(tmp_path / "a.lifeboat")
    assert theirs.read_bytes() == b"another job is writing this"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EFBIG])
def test_full_drive_errors(tmp_path, code):
    error = explain_write_error(OSError(code, os.strerror(code)), tmp_path / "a.lifeboat.partial")
    assert type(error) is DiskFull
    assert_reads_well(error, "full", str(tmp_path), ("free some space", "another folder"), "untouched")


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM, errno.EROFS])
def test_permission_errors(tmp_path, code):
    error = explain_write_error(OSError(code, os.strerror(code)), tmp_path / "a.lifeboat.partial")
    assert type(error) is DestinationNotWritable
    assert_reads_well(error, "not allowed to write", str(tmp_path), "choose a folder")


def test_other_write_errors_suggest_a_removed_drive(tmp_path):
    error = explain_write_error(OSError(errno.EIO, os.strerror(errno.EIO)), tmp_path / "x.partial")
    assert type(error) is DestinationError
    assert_reads_well(error, str(tmp_path), "removable drive", "try again")


def test_a_big_file_is_whole_with_its_writing_to_the_drive_started_on_the_way(tmp_path, monkeypatch):
    monkeypatch.setattr(durable, "WRITEBACK_BYTES", 64 * 1024)
    final = tmp_path / "big.lifeboat"
    data = os.urandom(1_000_000)
    with AtomicFile(final) as out:
        for start in range(0, len(data), 30_000):
            out.write(data[start:start + 30_000])
        # Handed to the OS on the way (read back here through it), not only at commit.
        assert len(out.partial_path.read_bytes()) >= len(data) - 64 * 1024 - 30_000
        out.commit()
    assert final.read_bytes() == data
    assert out.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("writeback_bytes", [durable.WRITEBACK_BYTES, 150_000])
def test_a_real_full_drive(tmp_path, monkeypatch, writeback_bytes):
    # Full at a write, and at a writeback's flush.
    monkeypatch.setattr(durable, "WRITEBACK_BYTES", writeback_bytes)
    with small_tmpfs(tmp_path / "stick", "1m") as stick:
        earlier = stick / "earlier.lifeboat"
        earlier.write_bytes(b"e" * 100_000)
        with pytest.raises(DiskFull):
            with AtomicFile(stick / "big.lifeboat") as out:
                for _ in range(20):
                    out.write(os.urandom(100_000))
                out.commit()
        assert [p.name for p in stick.iterdir()] == ["earlier.lifeboat"]
        assert earlier.read_bytes() == b"e" * 100_000


def test_check_writable_creates_the_folder_and_leaves_no_probe(tmp_path):
    folder = tmp_path / "new" / "backups"
    check_writable(folder)
    assert folder.is_dir()
    assert list(folder.iterdir()) == []


def test_check_writable_refuses_a_read_only_folder(tmp_path):
    with read_only_folder(tmp_path / "locked") as locked:
        with pytest.raises(DestinationNotWritable) as caught:
            check_writable(locked)
        assert_reads_well(caught.value, "not allowed to write", str(locked))
        with pytest.raises(DestinationNotWritable):
            AtomicFile(locked / "a.lifeboat")


def test_fsync_dir(tmp_path):
    fsync_dir(tmp_path)  # no error on an ordinary folder


def test_replace_file_swaps_the_whole_content_and_leaves_no_partial(tmp_path):
    target = tmp_path / "settings.json"
    target.write_bytes(b"old")
    # A partial file a crash left behind is never in the way of the next write.
    (tmp_path / "settings.json.partial").write_bytes(b"half")
    replace_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json", "settings.json.partial"]


def test_replace_file_raises_the_os_error_for_the_caller_to_explain(tmp_path):
    with pytest.raises(FileNotFoundError):
        replace_file(tmp_path / "missing-folder" / "settings.json", b"new")
