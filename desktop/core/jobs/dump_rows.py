"""A backup's exact row counts, read from pg_dump's output on its way to the
file (postgres/archive_rows.py), so the database is read once.

One case cannot be read that way at speed: the custom archive of a pg_dump
without zstd (older than 16, or built without it) goes out uncompressed
(Lifeboat compresses after it), one length-prefixed chunk per row, and
walking 7 M chunks in Python costs more than counting. There, and should the
stream ever not parse, the rows are counted with count(*) in the dump's own
snapshot, as before.
"""
import io
import logging
import queue
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Optional

from desktop.core.format.manifest import BackupOptions
from desktop.core.format.pipeline import BLOCK, ChunkReader
from desktop.core.inspect.script import ScriptReader
from desktop.core.postgres.archive_rows import ArchiveNotUnderstood, CopyLines, count_custom, directory_keys
from desktop.core.postgres.snapshot import ExportedSnapshot, split_table_key
from desktop.core.postgres.tools import PgTools, dumps_zstd
from desktop.core.progress import CancelToken

log = logging.getLogger("lifeboat.row_counts")
_QUEUE_DEPTH = 16
_END = object()


def pg_dump_compresses(options: BackupOptions, tools: PgTools) -> bool:
    """Whether pg_dump itself compresses (zstd, inside a custom archive) rather than Lifeboat after it."""
    return options.format == "custom" and dumps_zstd(tools)


class _Handoff:
    """pg_dump's output, block by block, from the thread that reads it (and
    writes it to the file) to the thread that counts its rows, so that pg_dump
    does not wait while a block is decompressed and counted."""

    def __init__(self, count: Optional[Callable[[Iterator[bytes]], None]]):
        self._count = count
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)
        self._ended = False
        self._thread = threading.Thread(target=self._work, name="row-counts", daemon=True) if count else None

    def __enter__(self) -> "_Handoff":
        if self._thread:
            self._thread.start()
        return self

    def put(self, block: bytes) -> None:
        if self._thread:
            self._queue.put(block)

    def __exit__(self, *exc) -> None:
        if self._thread:
            self._queue.put(_END)
            self._thread.join()

    def _blocks(self) -> Iterator[bytes]:
        while not self._ended:
            block = self._queue.get()
            self._ended = block is _END
            if not self._ended:
                yield block

    def _work(self) -> None:
        try:
            self._count(self._blocks())
        except Exception as exc:  # the rows are then counted in the snapshot
            log.warning("row counts: pg_dump's output did not parse (%r); counting in the snapshot", exc)
        for _ in self._blocks():  # what pg_dump wrote after the counting stopped
            pass


class DumpRows:
    def __init__(self, snapshot: ExportedSnapshot, options: BackupOptions, tools: PgTools, cancel: CancelToken):
        self._snapshot = snapshot
        self._cancel = cancel
        self._format = options.format
        self._parts: list[Optional[dict[str, int]]] = []  # one per counted stream; None until counted
        self._by_name = {(t.schema, t.name): t.key for t in snapshot.tables}
        if self._format == "custom" and not pg_dump_compresses(options, tools):
            snapshot.start_counting(cancel)  # beside pg_dump, on the other core

    def stream(self) -> _Handoff:
        """Where to put a pg_dump's output (custom or plain), block by block, as it is written;
        a split backup takes one for each of its archives."""
        if self._format == "plain":
            return _Handoff(self._into_part(self._count_script))
        return _Handoff(None if self._snapshot.counting else self._into_part(self._count_archive))

    def _into_part(self, count: Callable[[Iterator[bytes]], dict[str, int]]) -> Callable[[Iterator[bytes]], None]:
        index = len(self._parts)
        self._parts.append(None)

        def counted(blocks: Iterator[bytes]) -> None:
            self._parts[index] = count(blocks)
        return counted

    def _count_script(self, blocks: Iterator[bytes]) -> dict[str, int]:
        script = ScriptReader()
        script.feed_blocks(blocks)
        return {self._key(key): rows for key, rows in script.rows.items()}

    def _count_archive(self, blocks: Iterator[bytes]) -> dict[str, int]:
        archive = io.BufferedReader(ChunkReader(blocks), BLOCK)
        return count_custom(archive.read, self._snapshot.tables)

    def add_directory(self, archive: tarfile.TarFile, folder: Path, on_file: Callable[[], None]) -> None:
        """Puts a directory dump's files into `archive`, counting the rows of each table's data file."""
        try:
            with open(folder / "toc.dat", "rb") as toc:
                files = directory_keys(toc, self._snapshot.tables)
        except ArchiveNotUnderstood as exc:
            log.warning("row counts: toc.dat did not parse (%s); counting in the snapshot", exc)
            files = None
        found = {}
        for item in sorted(folder.iterdir()):
            self._cancel.raise_if_cancelled()
            with open(item, "rb") as raw:
                lines = CopyLines()
                archive.addfile(archive.gettarinfo(str(item), arcname=item.name), _Counting(raw, lines))
            on_file()
            if files and item.name in files:
                found[files[item.name]] = lines.rows()
        self._parts = [found if files is not None else None]

    def counts(self, dumped: set[str]) -> dict[str, int]:
        """The rows of every table whose data is in the dump (`dumped`: pg_dump's labels, for count(*))."""
        if self._parts and None not in self._parts:
            return {key: rows for part in self._parts for key, rows in part.items()}
        if not self._snapshot.counting:
            self._snapshot.start_counting(self._cancel)
        counts = self._snapshot.finish_counting()
        return {t.key: counts[t.key] for t in self._snapshot.tables if t.dump_label in dumped}

    def _key(self, written: str) -> str:
        # pg_dump and format('%I') quote alike; matching on the unquoted parts is sure.
        return self._by_name.get(split_table_key(written), written)


class _Counting:
    """A file read by tarfile, its bytes counted as COPY lines on the way."""

    def __init__(self, raw: BinaryIO, lines: CopyLines):
        self._raw = raw
        self._lines = lines

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._lines.add(data)
        return data
