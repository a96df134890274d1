"""Import: exported copies from a drive become this installation's backups.

On another computer (an empty keyring) a copy opens with its passphrase
only. Each file found is opened, copied into this installation's backup
folder with a header that also carries this installation's key slot (the
records verbatim: nothing re-encrypted), read back in full from there
before it is renamed into place, and only then added to the catalog. So an
imported backup restores later without the passphrase, and a file that
fails -- wrong passphrase, damaged, incomplete -- adds nothing.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from desktop.core.durable import AtomicFile
from desktop.core.errors import BackupFileError, FileDamaged, UsageError
from desktop.core.format import container as crypto
from desktop.core.format import parts
from desktop.core.format.header import installation_slot, signed_header
from desktop.core.format.manifest import FILE_SUFFIX, utc_now
from desktop.core.open_backup import OpenedBackup, _HashingReader, open_file, plaintext
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.audited import audited
from desktop.core.store.settings import default_backups_dir
from desktop.core.workspace import Workspace


@dataclass
class ImportedBackup:
    backup_id: str
    source: Path
    local_path: Path


@dataclass
class ImportResult:
    added: list[ImportedBackup] = field(default_factory=list)
    already_known: list[tuple[Path, str]] = field(default_factory=list)  # (file, backup id)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # (file, message)


def find_backup_files(source: Path) -> list[Path]:
    """The backups in a folder (single files, and the first part of split ones), or the one given."""
    source = Path(source).expanduser()
    if parts.is_backup_path(source) and not source.is_dir():
        return [source]
    if not source.is_dir():
        raise UsageError(f"{source} does not exist. Check the path, and that the drive is connected.")
    found = [p for p in source.rglob(f"*{FILE_SUFFIX}") if p.is_file()]
    found += source.rglob(f"*{FILE_SUFFIX}{parts.FIRST_PART}")
    if not found:
        raise UsageError(f"There are no Lifeboat backups in {source}. Choose the folder that holds "
                         f"the exported files (their names end in {FILE_SUFFIX}).")
    return sorted(found)


@audited("import")
def run_import(ws: Workspace, source: Path, passphrase: Optional[str],
               report: ProgressCallback = ignore_progress,
               cancel: Optional[CancelToken] = None) -> ImportResult:
    cancel = cancel or CancelToken()
    files = find_backup_files(source)
    tracker = ProgressTracker(report)
    result = ImportResult()
    keys = ws.keys(passphrase)
    for number, path in enumerate(files, start=1):
        cancel.raise_if_cancelled()
        tracker.update(phase="Opening backups from the drive", item=path.name, done=number - 1,
                       total=len(files))
        try:
            opened = open_file(path, keys)
            known = ws.catalog.find_file(opened.header.file_id.hex())
            if known:
                result.already_known.append((path, known.id))
                continue
            result.added.append(_import_one(ws, opened, cancel))
        except BackupFileError as exc:
            result.failed.append((path, f"{path.name}: {exc.message}"))
    tracker.update(done=len(files))
    return result


def _import_one(ws: Workspace, opened: OpenedBackup, cancel: CancelToken) -> ImportedBackup:
    key = ws.secrets.installation_key()
    header = signed_header(
        opened.header.file_id, opened.header.chunk_size,
        [*opened.header.slots, installation_slot(key, opened.header.file_id, opened.data_key)],
        opened.data_key)
    with AtomicFile.unique(default_backups_dir(ws.settings, ws.paths), parts.base_path(opened.path).name) as local:
        with parts.open_stream(opened.path) as raw:
            source = _HashingReader(raw, None)
            crypto.copy_with_header(source, local, header, lambda _: cancel.raise_if_cancelled())
        local.flush()
        _check_local(local, key, opened, cancel)
        path = local.commit()
    manifest = opened.manifest
    ws.catalog.add_existing(manifest, path, local.size, local.sha256, header.file_id.hex())
    now = utc_now()
    ws.catalog.add_copy(manifest.backup_id, str(opened.path), now, now, source.size,
                        source.sha.hexdigest(), len(parts.part_paths(opened.path)))
    return ImportedBackup(manifest.backup_id, opened.path, path)


def _check_local(local: AtomicFile, key: bytes, opened: OpenedBackup, cancel: CancelToken) -> None:
    """Every record of the new file, opened with this installation's key alone."""
    copy = open_file(local.partial_path, crypto.Keys(installation_keys=[key]))
    read = 0
    with plaintext(copy) as (blocks, result):
        for block in blocks:
            cancel.raise_if_cancelled()
            read += len(block)
    if read != opened.manifest.dump_bytes or result.sha256 != local.sha256:
        raise FileDamaged(
            "This backup file is damaged: its contents are not as long as when it was written. "
            "Use another copy of this backup.",
            detail=f"dump bytes {read} != {opened.manifest.dump_bytes}; sha {result.sha256} vs {local.sha256}")
