"""Scratch files a job owns, and what a crashed job left that the next start removes.

Two kinds of scratch must never outlive their job: the staging
folders where a directory-format dump or a parallel restore lies unencrypted,
and, where no memory-only file exists (not Linux), the password file the
PostgreSQL tools read. A `kill -9` or a power cut skips every `finally`, so
each scratch entry is named after the process that owns it (pid and start
time), and opening a Workspace removes every entry whose owner is gone,
saying how many in the log and the activity log, never what they held.
Entries of a live process (the window running a job while a scheduled CLI
run starts) are left alone.

On Linux a file a tool must read can live in memory only (memory_file):
nothing reaches a disk, and the kernel frees it with the last process holding it.
"""
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger("lifeboat.leftovers")
_OWNER = re.compile(r"^job-(\d+)-(\d+)-")
_FD_PATH = "/dev/fd/"


def memory_files_exist() -> bool:
    return hasattr(os, "memfd_create")  # Linux


@contextmanager
def memory_file(name: str, data: bytes) -> Iterator[str]:
    """A 0600 file in memory only (memfd, where memory_files_exist) holding `data`, gone when the block ends.

    Yields the path a child opens it by, /dev/fd/N: run the child with
    `inherited_fds(path)` passed on (the descriptor is close-on-exec). Each
    open() of that path starts at the beginning, with an offset of its own."""
    fd = os.memfd_create(name)
    try:
        os.fchmod(fd, 0o600)
        with open(fd, "wb", closefd=False) as out:
            out.write(data)
        yield f"{_FD_PATH}{fd}"
    finally:
        os.close(fd)


def inherited_fds(path: str) -> tuple[int, ...]:
    """The descriptor a child must inherit to open `path`, if it is a memory_file."""
    return (int(path[len(_FD_PATH):]),) if path.startswith(_FD_PATH) else ()


def owner_prefix() -> str:
    me = psutil.Process()
    return f"job-{me.pid}-{int(me.create_time())}-"


def job_folder(parent: Path) -> tempfile.TemporaryDirectory:
    """A private (0700) folder under `parent` for one job, removed when the job ends."""
    return tempfile.TemporaryDirectory(dir=parent, prefix=owner_prefix())


def _owner_alive(name: str) -> bool:
    match = _OWNER.match(name)
    if not match:
        return False  # not ours to keep: an older version's tmpXXXX folder
    pid, started = int(match.group(1)), int(match.group(2))
    try:
        return abs(psutil.Process(pid).create_time() - started) < 2
    except psutil.Error:
        return False


@dataclass
class Removed:
    entries: int = 0
    files: int = 0
    bytes: int = 0

    def add(self, path: Path) -> None:
        self.entries += 1
        found = [path] if not path.is_dir() else [p for p in path.rglob("*") if not p.is_dir()]
        self.files += len(found)
        self.bytes += sum(_size(p) for p in found)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def remove_orphans(folder: Path) -> Removed:
    """Removes what no running Lifeboat process owns in `folder`."""
    removed = Removed()
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        if not _owner_alive(entry.name):
            removed.add(entry)
    return removed


def clean_at_start(staging_dir: Path, private_dir: Path) -> list[str]:
    """Empties what crashed jobs left in staging and the password-file folder;
    the sentences (for the log and the activity log) say how much went."""
    notes = []
    staged = remove_orphans(staging_dir)
    if staged.entries:
        notes.append(f"Removed {staged.files} unencrypted file(s) ({staged.bytes:,} bytes) that a stopped "
                     f"job left in the staging folder {staging_dir}.")
    secret = remove_orphans(private_dir)
    if secret.entries:
        notes.append(f"Removed {secret.files} password file(s) that a stopped job left in {private_dir}.")
    for note in notes:
        log.warning("%s", note)
    return notes


def private_file_path(folder: Path, name: str) -> Path:
    """A path for a private file owned by this process in `folder` (created 0700)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder / f"{owner_prefix()}{name}"
