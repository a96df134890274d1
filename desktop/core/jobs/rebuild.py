"""Rebuilding the catalog from a folder of backup files.

Backup files describe themselves (header + encrypted manifest), so losing
the catalog never loses a backup (pgbackweb #111 is the trap avoided).
"""
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from desktop.core.errors import BackupFileError, UsageError
from desktop.core.format import parts
from desktop.core.format.manifest import FILE_SUFFIX
from desktop.core.format.pipeline import BLOCK
from desktop.core.open_backup import open_file
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.settings import default_backups_dir
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.rebuild")


@dataclass
class RebuildResult:
    added: list[str] = field(default_factory=list)
    already_known: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file, message)


def rebuild_catalog(
    ws: Workspace,
    folder: Path,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> RebuildResult:
    cancel = cancel or CancelToken()
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder. Give the folder that holds the backup files.")
    files = sorted(path for path in folder.rglob(f"*{FILE_SUFFIX}") if path.is_file())
    files += sorted(folder.rglob(f"*{FILE_SUFFIX}{parts.FIRST_PART}"))  # split backups
    tracker = ProgressTracker(report)
    result = RebuildResult()
    keys = ws.keys()
    for number, path in enumerate(files, start=1):
        cancel.raise_if_cancelled()
        tracker.update(phase="Reading backup files", item=path.name, done=number - 1, total=len(files))
        try:
            opened = open_file(path, keys)
            added = ws.catalog.add_existing(
                opened.manifest, path, opened.size, _sha256(path), opened.header.file_id.hex()
            )
        except BackupFileError as exc:
            result.unreadable.append((str(path), exc.message))
            continue
        (result.added if added else result.already_known).append(opened.manifest.backup_id)
    return result


def add_backup_file(ws: Workspace, path: Path) -> BackupRecord:
    """Adds one backup file (chosen with "From a file...") to the catalog and returns its entry."""
    opened = open_file(Path(path), ws.keys())
    ws.catalog.add_existing(opened.manifest, opened.path, opened.size, _sha256(opened.path),
                            opened.header.file_id.hex())
    return ws.catalog.find_file(opened.header.file_id.hex()) or ws.catalog.get(opened.manifest.backup_id)


def recover_damaged_catalog(ws: Workspace) -> Optional[RebuildResult]:
    """After the catalog was found damaged and set aside, refill it from the backup folders:
    the one chosen in Settings and Lifeboat's own, which holds the backups made before the choice."""
    folders = _backup_folders(ws)
    if ws.catalog.recovered_from_damage is None or not folders:
        return None
    result = RebuildResult()
    for folder in folders:
        found = rebuild_catalog(ws, folder)
        result.added += found.added
        result.already_known += found.already_known
        result.unreadable += found.unreadable
    log.warning("the catalog failed its integrity check; set aside as %s and rebuilt from %s: %d backups found, "
                "%d unreadable", ws.catalog.recovered_from_damage, ", ".join(map(str, folders)), len(result.added),
                len(result.unreadable))
    return result


def _backup_folders(ws: Workspace) -> list[Path]:
    folders = dict.fromkeys((default_backups_dir(ws.settings, ws.paths), ws.paths.backups_dir))
    return [folder for folder in folders if folder.is_dir()]


def rebuild_summary(ws: Workspace, result: RebuildResult) -> str:
    """What the CLI and the window say after a damaged catalog was rebuilt at start."""
    where = " and ".join(map(str, _backup_folders(ws)))
    return (f"The catalog file was damaged; it was set aside ({ws.catalog.recovered_from_damage}) and rebuilt "
            f"from {where}: {len(result.added)} backups found.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with parts.open_stream(path) as f:
        while block := f.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()
