"""A backup dumped by two pg_dumps at once, into the one standard archive a single pg_dump writes.

One pg_dump reads one table at a time, and on a database server the
server's side of COPY is the slow part: `pg_dump -Fd -j2` is 1.4x as fast
as `-Fc` on two cores. A directory dump is many files, though, and
Lifeboat's file is one encrypted archive. So on a database whose rows are
big enough, two pg_dumps share the backup's exported snapshot:

- the main one dumps everything but the rows of the tables put aside
  (`--exclude-table-data`); its archive streams into the encrypted file;
- the other dumps only those rows (`--data-only --table`); its data blocks
  wait in a spill file, encrypted under a key that exists only in this
  process's memory, until the main archive has been written, then follow it
  (the spill costs a second write and read of that part, compressed).

postgres/archive_merge.py describes how the two tables of contents become
one: `lifeboat decrypt` gives a custom archive pg_restore reads as any
other. The rows of each archive are counted as they stream (dump_rows.py).
"""
import logging
import os
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO, Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.core.durable import explain_write_error
from desktop.core.errors import DumpFailed
from desktop.core.format.manifest import BackupOptions
from desktop.core.format.pipeline import BLOCK, EncryptingSink
from desktop.core.jobs.dump_rows import DumpRows
from desktop.core.jobs.dump_run import DumpProgress, check_exit
from desktop.core.postgres.archive_merge import Renumbering, merged_start, read_start
from desktop.core.postgres.archive_rows import ArchiveNotUnderstood, ArchiveReader
from desktop.core.postgres.patterns import table_pattern
from desktop.core.postgres.process import ToolProcess, Watchdog, widen_pipe
from desktop.core.postgres.snapshot import ExportedSnapshot, Table, two_halves
from desktop.core.progress import CancelToken

log = logging.getLogger("lifeboat.backup")
# Below this (table sizes on disk), a second pg_dump's start costs more than it saves.
SPLIT_MIN_BYTES = 64 << 20
# Each side's share of the rows, at least: one big table and small ones gain nothing.
_SMALLER_SHARE = 0.2
# With the server on this computer, two pg_dumps need two server processes
# beside them and Lifeboat's own threads: on two cores the backup of a 697 MB
# database took 3.9 s split against 4.1-4.4 s, and the window's longest
# pause rose from 25-82 ms to 36-151 ms (benchmarks/gui_responsiveness.py).
CORES_BESIDE_A_LOCAL_SERVER = 4
# Connections a split backup opens after its snapshot's: pg_dumpall, the lock watch and two pg_dumps.
_CONNECTIONS_NEEDED = 4
_LENGTH = struct.Struct(">I")
_EXIT_WAIT = 2  # seconds for a pg_dump whose output ended to exit


def tables_aside(snapshot: ExportedSnapshot, options: BackupOptions, compresses: bool, host: str) -> list[Table]:
    """The tables whose rows the second pg_dump takes, about half of them by size; [] for one pg_dump.

    Only a whole custom-format backup compressed by pg_dump (its archive is
    read block by block) is split; only where the server takes the
    connection more (a backup that one pg_dump could make must not fail for
    the second one's); and not with the server on this computer's few cores."""
    if (not compresses or options.format != "custom" or options.schema_only or options.tables
            or options.exclude_tables or snapshot.spare_connections < _CONNECTIONS_NEEDED
            or (_on_this_computer(host) and (os.cpu_count() or 1) < CORES_BESIDE_A_LOCAL_SERVER)):
        return []
    tables = snapshot.tables
    total = sum(t.size_bytes for t in tables)
    if total < SPLIT_MIN_BYTES:
        return []
    main, aside = two_halves(tables, lambda t: t.size_bytes)
    smaller = min(sum(t.size_bytes for t in side) for side in (main, aside))
    return aside if smaller >= _SMALLER_SHARE * total else []


def _on_this_computer(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("/")


def run_split_dump(argv: list, env: dict, sink: EncryptingSink, progress: DumpProgress, cancel: CancelToken,
                   stall_seconds: float, rows: DumpRows, aside: list[Table], spill_dir: Path) -> None:
    patterns = [table_pattern(t.schema, t.name) for t in aside]
    with _Spill(spill_dir) as spill, rows.stream() as main_rows, rows.stream() as aside_rows, ExitStack() as tools:
        # Entered last, so left first: both pg_dumps are gone before the counters stop.
        main = tools.enter_context(ToolProcess(
            [*argv, *(f"--exclude-table-data={p}" for p in patterns)], env, on_stderr_line=progress.on_line))
        other = tools.enter_context(ToolProcess(
            [*argv, "--data-only", *(f"--table={p}" for p in patterns)], env, on_stderr_line=progress.on_line))
        watchdogs = {proc: tools.enter_context(Watchdog(proc, cancel, stall_seconds)) for proc in (main, other)}
        progress.watchdog = _Watchdogs(*watchdogs.values())
        exits = _Exits(cancel, stall_seconds, watchdogs)
        started = time.monotonic()
        try:
            setting_aside = tools.enter_context(_start_both(main, other, sink, spill, progress, main_rows, aside_rows))
            while block := main.stdout.read(BLOCK):
                sink.write(block)
                progress.on_bytes()
                main_rows.put(block)
            exits.check(main, other)
            main_done = time.monotonic()
            setting_aside.join()
            setting_aside.raise_failure()
            exits.check(other)
        except ArchiveNotUnderstood as exc:
            exits.explain(exc)
        aside_done = time.monotonic()
        for piece in spill.replay():
            sink.write(piece)
            progress.aside -= len(piece)
            progress.on_bytes()
        log.info("split backup: %d tables (%d MB on disk) aside; main pg_dump %.2f s, the other %.2f s, "
                 "its blocks written after in %.2f s", len(aside), sum(t.size_bytes for t in aside) >> 20,
                 main_done - started, setting_aside.ended - started, time.monotonic() - aside_done)


def _start_both(main: ToolProcess, other: ToolProcess, sink: EncryptingSink, spill: "_Spill", progress: DumpProgress,
                main_rows, aside_rows) -> "_SettingAside":
    """Writes the merged table of contents, and starts putting the second archive's blocks aside."""
    widen_pipe(main.stdout)
    widen_pipe(other.stdout)
    main_start = read_start(ArchiveReader(main.stdout.read))
    other_start = read_start(ArchiveReader(other.stdout.read))
    main_rows.put(main_start.raw)  # in one piece: not a wake-up of the row counter per field
    aside_rows.put(other_start.raw)
    merged, renumbered = merged_start(main_start, other_start)
    sink.write(merged)
    return _SettingAside(other, Renumbering(renumbered, other_start.int_size), aside_rows, spill, progress)


class _Exits:
    """The two pg_dumps' ends, looked at as pg_dump's are (dump_run.check_exit)."""

    def __init__(self, cancel: CancelToken, stall_seconds: float, watchdogs: dict):
        self._cancel = cancel
        self._stall_seconds = stall_seconds
        self._watchdogs = watchdogs

    def check(self, proc: ToolProcess, sibling: Optional[ToolProcess] = None) -> None:
        code = proc.wait()
        if code != 0 and sibling is not None:
            sibling.kill()  # its work is lost anyway
        check_exit(proc, code, self._watchdogs[proc], self._cancel, self._stall_seconds)

    def explain(self, exc: ArchiveNotUnderstood) -> None:
        """An archive that ended or read wrong: the pg_dump that failed says why, if one did."""
        # The one whose output ended has exited, or is about to: it goes first.
        for proc, watchdog in sorted(self._watchdogs.items(), key=lambda item: item[0].proc.poll() is None):
            try:
                code = proc.wait(timeout=_EXIT_WAIT)
            except subprocess.TimeoutExpired:
                continue  # still writing: not the one that failed
            check_exit(proc, code, watchdog, self._cancel, self._stall_seconds)
        raise DumpFailed("The backup failed and no backup file was kept: Lifeboat could not put together what "
                         "pg_dump wrote. Try again; if it happens again, report it.", detail=repr(exc))


class _Watchdogs:
    """Either pg_dump's progress keeps both from being called stalled."""

    def __init__(self, *watchdogs: Watchdog):
        self._watchdogs = watchdogs

    def touch(self) -> None:
        for watchdog in self._watchdogs:
            watchdog.touch()


class _Spill:
    """Bytes kept on disk until their turn, sealed with AES-GCM under a key never
    written anywhere: what a killed Lifeboat leaves cannot be read. (Not Fernet,
    as the backup file is: this never leaves the process, and AES-GCM costs a
    fifth of the CPU, which the two pg_dumps and the server are short of.)"""

    def __init__(self, folder: Path):
        self._folder = folder
        self._aead = AESGCM(AESGCM.generate_key(bit_length=128))
        self._sealed = 0  # each piece's nonce: its number (one key per spill)
        self._file: Optional[BinaryIO] = None
        self._pending = bytearray()

    def __enter__(self) -> "_Spill":
        # Without a name on Linux (O_TMPFILE): it goes with the process. Unbuffered: each write
        # is a whole sealed piece, and closing has nothing left to fail on (a full disk).
        self._file = tempfile.TemporaryFile(dir=self._folder, buffering=0)
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def write(self, data: bytes) -> None:
        self._pending += data
        if len(self._pending) >= BLOCK:
            self._seal()

    def replay(self) -> Iterator[bytes]:
        """Everything written, in order, once all of it was."""
        self._seal()
        self._file.seek(0)
        for number in range(self._sealed):
            try:
                (length,) = _LENGTH.unpack(self._file.read(_LENGTH.size))
                piece = self._aead.decrypt(_nonce(number), self._file.read(length), None)
            except (InvalidTag, ValueError, struct.error):
                raise DumpFailed("The backup failed and no backup file was kept: a temporary file it wrote "
                                 "was changed on disk by another program. Try again.", detail=str(self._folder))
            yield piece

    def _seal(self) -> None:
        if self._pending:
            sealed = self._aead.encrypt(_nonce(self._sealed), bytes(self._pending), None)
            try:
                self._file.write(_LENGTH.pack(len(sealed)) + sealed)
            except OSError as exc:  # a full disk under Lifeboat's data folder: said as the backup folder's is
                raise explain_write_error(exc, self._folder / "spill") from exc
            self._sealed += 1
            self._pending.clear()


def _nonce(number: int) -> bytes:
    return number.to_bytes(12, "big")


class _SettingAside(threading.Thread):
    """Puts the second archive's blocks, renumbered, in the spill file as pg_dump writes them."""

    def __init__(self, source: ToolProcess, renumbering: Renumbering, counting, spill: _Spill,
                 progress: DumpProgress):
        super().__init__(name="split-dump", daemon=True)
        self._source = source
        self._renumbering = renumbering
        self._counting = counting
        self._spill = spill
        self._progress = progress
        self._failure: Optional[BaseException] = None
        self.ended = 0.0  # time.monotonic() when its pg_dump's output ended
        self.start()

    def __enter__(self) -> "_SettingAside":
        return self

    def __exit__(self, *exc) -> None:
        self._source.kill()  # nothing when it is done; else a failure elsewhere ended the backup
        self.join()

    def run(self) -> None:
        try:
            while block := self._source.stdout.read(BLOCK):
                self._counting.put(block)
                self._spill.write(self._renumbering.feed(block))
                self._progress.aside += len(block)
                self._progress.on_bytes()
            self.ended = time.monotonic()
            self._renumbering.finish()
        except BaseException as exc:  # raised on the job's thread (an archive cut short: pg_dump's exit says why)
            self._failure = exc
            self._source.kill()  # else it waits on a pipe nobody reads

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
