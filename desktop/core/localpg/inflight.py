"""Scratch resources in flight: what a job makes for itself and must remove.

A test restore starts a private PostgreSQL server in a temporary folder, or
creates a `lifeboat_verify_*` database on a real server. Killed (kill -9, a
closed terminal, a power cut) the job cannot remove them: the server keeps
running and the database stays. So the job writes a small record of each
before making it and removes the record after removing the resource, and
the next start (jobs/leftovers.py) removes whatever a record still names.

A record is a JSON file under <data folder>/in-flight/, with a lock file
beside it that the job's process holds for as long as the resource is in
use. The operating system drops the lock when the process ends, however it
ends, so a record whose lock can be taken belongs to no running job; one
whose lock is held is another Lifeboat's job at work (the window and a
scheduled CLI run at once) and is left alone. Nothing here connects to a
server unless a record says so.
"""
import json
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from desktop.core.durable import replace_file

log = logging.getLogger("lifeboat.inflight")
# The kinds of resource, here rather than beside their makers so that a start
# that finds no records (jobs/leftovers.py) imports none of those makers.
PRIVATE_SERVER = "private_server"  # localpg/private_server.py
SCRATCH_DATABASE = "scratch_database"  # jobs/restore/scratch_db.py
RESTORE_BUILD = "restore_build"  # jobs/restore/parallel.py


@dataclass(frozen=True)
class Record:
    kind: str  # one of the kinds below
    details: dict
    path: Path


def inflight_dir(data_dir: Path) -> Path:
    return data_dir / "in-flight"


@contextmanager
def holding(data_dir: Path, kind: str, **details) -> Iterator[Record]:
    """Records a resource for the length of the block; the caller removes the
    resource itself before the block ends."""
    folder = inflight_dir(data_dir)
    folder.mkdir(mode=0o700, exist_ok=True)
    name = f"{kind}-{secrets.token_hex(6)}"
    lock = FileLock(folder / f"{name}.lock", blocking=False)
    lock.acquire()
    record = Record(kind, {**details, "pid": os.getpid()}, folder / f"{name}.json")
    try:
        _write(record)
        yield record
    finally:
        record.path.unlink(missing_ok=True)
        lock.release()
        (folder / f"{name}.lock").unlink(missing_ok=True)


@contextmanager
def abandoned(data_dir: Path) -> Iterator[list[tuple[Record, "_Claim"]]]:
    """Records whose job is gone, each claimed (locked) by us while the caller
    removes its resource and calls claim.done()."""
    folder = inflight_dir(data_dir)
    claims: list[_Claim] = []
    found = []
    try:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            lock = FileLock(path.with_suffix(".lock"), blocking=False)
            try:
                lock.acquire()
            except Timeout:
                continue  # a running job holds it
            claim = _Claim(path, lock)
            claims.append(claim)
            record = _read(path)
            if record is None:
                claim.done()  # its job removed it just now, or it is unreadable: nothing to act on
            else:
                found.append((record, claim))
        yield found
    finally:
        for claim in claims:
            claim.release()


class _Claim:
    def __init__(self, path: Path, lock: FileLock):
        self.path = path
        self._lock = lock
        self.finished = False

    def done(self) -> None:
        """The resource is gone: forget the record."""
        self.path.unlink(missing_ok=True)
        self.finished = True

    def release(self) -> None:
        self._lock.release()
        if self.finished:
            self.path.with_suffix(".lock").unlink(missing_ok=True)


def _write(record: Record) -> None:
    # Written whole and renamed, so a reader never sees half a record; made
    # durable before the resource it names exists.
    replace_file(record.path, json.dumps({"kind": record.kind, "details": record.details}).encode("utf-8"))


def _read(path: Path) -> Record | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Record(str(data["kind"]), dict(data["details"]), path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("unreadable in-flight record %s: %s", path, exc)
        return None
