"""The byte pipelines between the PostgreSQL tools and an encrypted file.

Backup: dump bytes -> zstd (this thread) -> bounded queue -> Fernet chunks +
file write (a second thread). zstandard and OpenSSL release the GIL, so on a
2-core machine both stages run at once; the bounded queue keeps memory flat
(DESIGN.md, "Where the time goes": pg_dump -Z0 -> zstd -> Fernet beats
pg_dump's own gzip).

Restore: file -> authenticated chunks -> zstd stream reader -> tool stdin.
Every chunk is authenticated before any of its bytes go on, so a tool only
ever sees data that is really in the backup.
"""
import io
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Optional

import zstandard

from desktop.core.format import container as crypto

BLOCK = 1 << 20
# Level 1: on 768 MB of business-like rows it was both smaller and twice as
# fast as level 3 (258 MB in 2.3 s against 263 MB in 4.7 s; benchmarks/backup_ratio.py).
ZSTD_LEVEL = 1
_QUEUE_DEPTH = 8
_DONE = object()


class EncryptingSink:
    """A write-only byte sink: compresses, then encrypts into `out` on a worker thread."""

    def __init__(self, out: BinaryIO, installation_key: bytes, compress: bool = True):
        self._writer = crypto.EncryptedWriter(out, installation_key=installation_key)
        self._compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj() if compress else None
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)
        self._error: Optional[BaseException] = None
        self.bytes_in = 0
        self._thread = threading.Thread(target=self._drain, name="encrypt", daemon=True)
        self._thread.start()

    @property
    def file_id(self) -> bytes:
        return self._writer.file_id

    @property
    def bytes_out(self) -> int:
        return self._writer.bytes_out

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._writer.write(item)
                except BaseException as exc:  # handed to the producer thread, which raises it
                    self._error = exc

    def _put(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        if data:
            self._queue.put(data)

    def write(self, data: bytes) -> int:
        self.bytes_in += len(data)
        self._put(self._compressor.compress(data) if self._compressor else data)
        return len(data)

    def _stop_worker(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()

    def close(self, manifest: dict) -> None:
        """Flush everything and write the manifest record; raises the worker's error if any."""
        if self._compressor:
            self._put(self._compressor.flush())
        self._stop_worker()
        if self._error is not None:
            raise self._error
        self._writer.close(manifest)

    def abort(self) -> None:
        if self._thread.is_alive():
            self._error = self._error or RuntimeError("aborted")
            self._stop_worker()


class ChunkReader(io.RawIOBase):
    """A file object over an iterator of byte chunks (for zstd's stream reader)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))  # sliced below without copying
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def decompressed(chunks: Iterable[bytes], compression: str) -> Iterator[bytes]:
    """Plaintext blocks of at most BLOCK bytes, however well the data compressed."""
    if compression == "none":
        yield from chunks
        return
    reader = zstandard.ZstdDecompressor().stream_reader(ChunkReader(chunks), read_size=BLOCK)
    while True:
        block = reader.read(BLOCK)
        if not block:
            return
        yield block


def cancellable(blocks: Iterable[bytes], cancel) -> Iterator[bytes]:
    for block in blocks:
        cancel.raise_if_cancelled()
        yield block
