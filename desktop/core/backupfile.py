"""Opening a backup: from a catalog id or a file, to its manifest and its plaintext.

Every reader (restore, verify, decrypt, catalog rebuild, import) goes through
here, so a damaged or foreign file is reported the same way everywhere.
"""
import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Optional

from . import crypto, parts
from .catalog import BackupRecord
from .errors import BackupFileError, UnknownBackup
from .manifest import FILE_SUFFIX, Manifest
from .pipeline import BLOCK, decompressed
from .workspace import Workspace


@dataclass
class OpenedBackup:
    path: Path
    header: crypto.Header
    data_key: bytes
    manifest: Manifest
    record: Optional[BackupRecord]

    @property
    def size(self) -> int:
        return parts.total_size(self.path)


def resolve(ws: Workspace, id_or_file: str) -> tuple[Path, Optional[BackupRecord]]:
    """A path that exists is a file; anything else is a catalog id (CLI.md)."""
    candidate = Path(id_or_file).expanduser()
    if parts.is_backup_path(candidate):
        return candidate, None
    if candidate.is_dir():
        raise UnknownBackup(
            f"{candidate} is a folder, not a backup file. Give the path of one backup file (NAME{FILE_SUFFIX}) "
            "or a backup's id; to add every backup in a folder to the catalog, "
            "run `lifeboat catalog rebuild FOLDER`."
        )
    if os.sep in id_or_file or "/" in id_or_file or id_or_file.endswith(FILE_SUFFIX):
        raise UnknownBackup(
            f"The file {candidate} does not exist. Check the path, and that the drive holding it is connected."
        )
    record = ws.catalog.get(id_or_file)
    if record.status != "completed" or not record.path:
        raise UnknownBackup(
            f"Backup {record.id} did not complete ({record.status}), so there is nothing to read."
        )
    path = Path(record.path)
    if not path.is_file():
        raise BackupFileError(
            f"The file of backup {record.id} is missing: {path}. If it is on a removable drive, "
            "connect the drive; if it was moved, rebuild the catalog from its new folder."
        )
    return path, record


def open_backup(ws: Workspace, id_or_file: str, passphrase: Optional[str] = None) -> OpenedBackup:
    path, record = resolve(ws, id_or_file)
    return open_file(path, ws.keys(passphrase), record)


def open_file(path: Path, keys: crypto.Keys, record: Optional[BackupRecord] = None) -> OpenedBackup:
    with _opened(path) as f:
        header = crypto.read_header(f)
        data_key = crypto.unlock(header, keys)
        manifest = Manifest.from_dict(crypto.read_manifest(f, data_key))
    return OpenedBackup(path, header, data_key, manifest, record)


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    try:
        f = parts.open_stream(path)
    except OSError as exc:
        raise BackupFileError(
            f"Lifeboat cannot open the backup file {path} ({exc.strerror}). "
            "Check that the drive is connected and the file is readable.",
            detail=repr(exc),
        ) from exc
    with f:
        yield f


class _HashingReader:
    """Passes reads through while hashing and counting what was read."""

    def __init__(self, f: BinaryIO, on_bytes: Optional[Callable[[int], None]]):
        self._f = f
        self._on_bytes = on_bytes
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self.sha.update(data)
        self.size += len(data)
        if self._on_bytes and data:
            self._on_bytes(self.size)
        return data


@dataclass
class ReadResult:
    sha256: str = ""
    size: int = 0


@contextmanager
def plaintext(opened: OpenedBackup, on_bytes: Optional[Callable[[int], None]] = None) -> Iterator[tuple[Iterator[bytes], ReadResult]]:
    """The dump's bytes as pg_dump wrote them, authenticated chunk by chunk.

    `result` holds the SHA-256 and size of the whole file once the iterator is exhausted.
    """
    result = ReadResult()
    with _opened(opened.path) as f:
        reader = _HashingReader(f, on_bytes)

        def blocks() -> Iterator[bytes]:
            header = crypto.read_header(reader)
            yield from decompressed(
                crypto.iter_plaintext(reader, header, opened.data_key), opened.manifest.compression
            )
            while reader.read(BLOCK):
                pass  # iter_plaintext has checked the end; this only completes the hash
            result.sha256 = reader.sha.hexdigest()
            result.size = reader.size

        yield blocks(), result
