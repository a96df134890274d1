"""Opening a backup: from a catalog id or a file, to its manifest and its plaintext.

Every reader (restore, verify, decrypt, catalog rebuild, import) goes through
here, so a damaged or foreign file is reported the same way everywhere.
"""
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Optional

from desktop.core.errors import BackupFileError, FileDamaged, UnknownBackup
from desktop.core.format import container as crypto
from desktop.core.format import parts
from desktop.core.format.manifest import FILE_SUFFIX, Manifest
from desktop.core.format.pipeline import BLOCK, decompressed
from desktop.core.store.catalog import BackupRecord
from desktop.core.workspace import Workspace


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


def check_identity(opened: OpenedBackup) -> None:
    """Refuses a file that is not the one its catalog entry names (say a
    file replaced by another valid backup). Read from the header and the
    authenticated manifest, before a byte reaches any database."""
    record = opened.record
    if record is None:
        return  # a file named on the command line: it is what it is
    manifest = opened.manifest
    differs = []
    if manifest.backup_id != record.id:
        differs.append(f"it holds backup {manifest.backup_id} of the database {manifest.database} "
                       f"({manifest.profile}, {manifest.started_at}), not backup {record.id} of {record.database}")
    if record.file_id and opened.header.file_id.hex() != record.file_id:
        differs.append("its file identity is not the one recorded")
    if record.size_bytes is not None and opened.size != record.size_bytes:
        differs.append(f"it is {opened.size:,} bytes long, not {record.size_bytes:,}")
    if differs:
        raise BackupFileError(
            f"The file {opened.path} is not the backup {record.id} that the catalog names: "
            f"{'; '.join(differs)}. Nothing was read from it and nothing was changed. Find the right "
            "file (or another copy), or rebuild the catalog from the folder holding it.",
            detail=f"catalog file_id {record.file_id} size {record.size_bytes}; "
                   f"file {opened.header.file_id.hex()} size {opened.size} backup {manifest.backup_id}")


def checksum_mismatch(opened: OpenedBackup, sha256: str) -> Optional[FileDamaged]:
    """The error to raise when a file read to its end is not the one the catalog recorded."""
    record = opened.record
    if not (record and record.sha256 and record.sha256 != sha256):
        return None
    return FileDamaged(
        "This backup file was changed after it was written (its checksum differs from the one "
        "Lifeboat recorded). Do not restore from it; use another copy or make a new backup.",
        detail=f"sha256 {sha256} != catalog {record.sha256}",
    )


@contextmanager
def plaintext(
    opened: OpenedBackup, on_bytes: Optional[Callable[[int], None]] = None, against_catalog: bool = False,
) -> Iterator[tuple[Iterator[bytes], ReadResult]]:
    """The dump's bytes as pg_dump wrote them, authenticated chunk by chunk.

    `result` holds the SHA-256 and size of the whole file once the iterator is exhausted.
    With `against_catalog`, the iterator raises FileDamaged instead of ending
    when that SHA-256 is not the catalog's: a restore learns it before it commits.
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
            mismatch = checksum_mismatch(opened, result.sha256) if against_catalog else None
            if mismatch:
                raise mismatch

        yield blocks(), result
