"""Writing files that must survive a crash, a full disk or a pulled cable.

Order (RELIABILITY.md, after pgBackRest): write `NAME.partial` in the
destination folder while hashing -> flush -> fsync -> os.replace -> fsync the
folder. Only then may the catalog call the file complete. A failed fsync is
never retried (Linux forgets the error once reported: PostgreSQL wiki "Fsync
Errors"); any OSError means this copy failed and the partial file goes.
"""
import errno
import hashlib
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Optional

from desktop.core.errors import DestinationError, DestinationNotWritable, DiskFull

PARTIAL_SUFFIX = ".partial"
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}
# How much a file may hold in the OS's cache before its writing to the drive is started.
WRITEBACK_BYTES = 16 << 20


def explain_write_error(exc: OSError, path: Path) -> DestinationError:
    folder = path.parent
    if exc.errno in _FULL:
        return DiskFull(
            f"The drive holding {folder} is full, so the backup could not be written. "
            "Free some space or choose another folder, then try again. "
            "Your earlier backups are untouched.",
            detail=repr(exc),
        )
    if exc.errno in _DENIED:
        return DestinationNotWritable(
            f"Lifeboat is not allowed to write in {folder}. "
            "Choose a folder you can save files in, or ask your administrator for access.",
            detail=repr(exc),
        )
    return DestinationError(
        f"Writing to {folder} failed ({exc.strerror or exc}). "
        "If this is a removable drive, check that it is still connected, then try again.",
        detail=repr(exc),
    )


def check_writable(folder: Path) -> None:
    """Fail before a long job starts rather than at its end."""
    if folder.exists() and not folder.is_dir():
        raise DestinationNotWritable(
            f"{folder} is a file, not a folder. Choose a folder to save the backups in."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise explain_write_error(exc, folder / "probe") from exc


def fsync_file(fd: int) -> None:
    if sys.platform == "darwin":
        import fcntl

        fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
    else:
        os.fsync(fd)


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A file that appears under its final name only once complete and on disk."""

    def __init__(self, final_path: Path, exclusive: bool = True, partial_path: Optional[Path] = None):
        self.final_path = Path(final_path)
        self.partial_path = partial_path or self.final_path.with_name(self.final_path.name + PARTIAL_SUFFIX)
        self.size = 0
        self._written_back = 0
        self._sha = hashlib.sha256()
        if exclusive and self.final_path.exists():
            raise DestinationError(f"{self.final_path} already exists; Lifeboat never overwrites a backup file.")
        try:
            # 0600: a backup is nobody else's business, even encrypted.
            fd = os.open(self.partial_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            self._file = os.fdopen(fd, "wb")
        except OSError as exc:
            raise explain_write_error(exc, self.partial_path) from exc

    @classmethod
    def replacing(cls, final_path: Path) -> "AtomicFile":
        """For a file rewritten in place (settings, profiles, a log's head): readers see
        the old content until commit. The partial file has a name of its own, so two
        writers never meet on it and one left by a crash is never in the way."""
        final_path = Path(final_path)
        partial = final_path.with_name(f".{final_path.name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
        return cls(final_path, exclusive=False, partial_path=partial)

    @classmethod
    def unique(cls, folder: Path, name: str) -> "AtomicFile":
        """A new file named `name`, or `stem-2.rest`, `stem-3.rest`... when taken.

        Reserving the name by creating the partial file exclusively means two
        jobs started in the same second can never pick the same one."""
        stem, dot, rest = name.partition(".")
        for number in range(1, 1000):
            candidate = folder / (name if number == 1 else f"{stem}-{number}{dot}{rest}")
            if candidate.exists():
                continue
            try:
                return cls(candidate)
            except DestinationError as exc:
                if not isinstance(exc.__cause__, FileExistsError):
                    raise
        raise DestinationError(f"{folder} already holds too many backups named {name}; choose another folder.")

    def write(self, data: bytes) -> int:
        try:
            self._file.write(data)
        except OSError as exc:
            raise explain_write_error(exc, self.partial_path) from exc
        self._sha.update(data)
        self.size += len(data)
        if self.size - self._written_back >= WRITEBACK_BYTES:
            self._start_writeback()
        return len(data)

    def _start_writeback(self) -> None:
        """Has the OS start writing the last megabytes to the drive now, without waiting for it,
        so that commit's fsync waits for the file's last part rather than all of it (a 113 MB
        backup: 0.06-0.1 s of fsync after its last byte, measured). Linux starts that for
        POSIX_FADV_DONTNEED, and keeps the file out of the cache the database also needs."""
        advise = getattr(os, "posix_fadvise", None)
        if advise is None:
            return
        self.flush()
        try:
            advise(self._file.fileno(), self._written_back, self.size - self._written_back, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass  # a hint some file systems refuse; commit's fsync writes everything anyway
        self._written_back = self.size

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def flush(self) -> None:
        """Hands what was written to the OS, so the partial file can be read back before commit."""
        try:
            self._file.flush()
        except OSError as exc:
            raise explain_write_error(exc, self.partial_path) from exc

    def commit(self) -> Path:
        try:
            self._file.flush()
            fsync_file(self._file.fileno())
            self._file.close()
            os.replace(self.partial_path, self.final_path)
            fsync_dir(self.final_path.parent)
        except OSError as exc:
            self.abort()
            raise explain_write_error(exc, self.partial_path) from exc
        return self.final_path

    def abort(self) -> None:
        try:
            self._file.close()
        except OSError:
            pass  # the partial file goes anyway; its content no longer matters
        try:
            self.partial_path.unlink(missing_ok=True)
        except OSError:
            pass  # an unplugged drive: nothing left to remove there

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def replace_file(path: Path, data: bytes) -> None:
    """`path` holds `data` on disk once this returns; a reader sees the old
    content or the new, never half. Raises the OSError itself: each caller
    says in its own words which file could not be saved."""
    try:
        with AtomicFile.replacing(path) as out:
            out.write(data)
            out.commit()
    except DestinationError as exc:
        if isinstance(exc.__cause__, OSError):
            raise exc.__cause__ from None
        raise
