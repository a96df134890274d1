"""Telling a damaged catalog from a disk that cannot be written.

A full disk, a read-only mount or an I/O error makes SQLite raise errors
just as a damaged file does, and setting a healthy catalog aside then left an
empty one that said "No backups yet". Only SQLite's own verdict that the file
is not a sound database (SQLITE_CORRUPT, SQLITE_NOTADB, or `PRAGMA
quick_check` not "ok") counts as damage; anything else leaves the file as it
is and says what is wrong with the disk.
"""
import errno
import shutil
import sqlite3
from pathlib import Path

from desktop.core.errors import CatalogNotWritable

_DAMAGE = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_FULL = ("SQLITE_FULL",)
_READ_ONLY = ("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")
_NEARLY_FULL = 64 << 10  # SQLite reports a full disk as CANTOPEN or IOERR at times


class QuickCheckFailed(sqlite3.DatabaseError):
    """`PRAGMA quick_check` found the file damaged."""


def is_damage(exc: sqlite3.Error) -> bool:
    if isinstance(exc, QuickCheckFailed):
        return True
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(_DAMAGE)


def explain(exc: BaseException, catalog: Path) -> CatalogNotWritable:
    """The words for a catalog that could not be written: full, read-only, or failing."""
    folder = catalog.parent
    name = getattr(exc, "sqlite_errorname", "") or ""
    code = getattr(exc, "errno", None)
    detail = f"{type(exc).__name__} {name}: {exc}"
    if name.startswith(_FULL) or code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)) or _free(folder) < _NEARLY_FULL:
        return CatalogNotWritable(
            f"The disk holding Lifeboat's catalog ({folder}) is full. The catalog was left as it is and "
            "no backup is lost: free some space on that disk, then try again.", detail=detail)
    if name.startswith(_READ_ONLY) or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return CatalogNotWritable(
            f"Lifeboat cannot write to its catalog in {folder}: the disk is read-only or you may not write "
            "there. The catalog was left as it is; make the folder writable, then try again.", detail=detail)
    return CatalogNotWritable(
        f"The disk holding Lifeboat's catalog ({folder}) reported an error while reading or writing it. "
        "The catalog was left as it is; check the disk (is it still connected?), then try again.",
        detail=detail)


def _free(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62  # unknown: do not claim the disk is full
