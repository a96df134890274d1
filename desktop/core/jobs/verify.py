"""Verify: read the whole file, authenticate every chunk, decompress it, check its SHA-256.

Exit 0 from `lifeboat verify` means the file can be read back to the last
byte exactly as pg_dump wrote it.
"""
from dataclasses import dataclass
from typing import Optional

from desktop.core.errors import FileDamaged
from desktop.core.format.manifest import Manifest
from desktop.core.open_backup import checksum_mismatch, open_backup, plaintext
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.audited import audited
from desktop.core.workspace import Workspace


@dataclass
class VerifyResult:
    backup_id: str
    path: str
    size_bytes: int
    sha256: str
    dump_bytes: int
    manifest: Manifest
    checksum_compared: bool  # False for a file the catalog does not know


@audited("verify", backup_id="id_or_file")
def verify_backup(
    ws: Workspace,
    id_or_file: str,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> VerifyResult:
    cancel = cancel or CancelToken()
    tracker = ProgressTracker(report)
    opened = open_backup(ws, id_or_file)
    tracker.update(phase="Checking every part of the file", total=opened.size)
    dump_bytes = 0
    with plaintext(opened, lambda done: tracker.update(done=done, bytes_done=done)) as (blocks, result):
        for block in blocks:
            cancel.raise_if_cancelled()
            dump_bytes += len(block)
    if dump_bytes != opened.manifest.dump_bytes:
        raise FileDamaged(
            "This backup file is damaged: its contents are not as long as when it was written. "
            "Do not restore from it; use another copy or make a new backup.",
            detail=f"dump bytes {dump_bytes} != manifest {opened.manifest.dump_bytes}",
        )
    mismatch = checksum_mismatch(opened, result.sha256)
    if mismatch:
        raise mismatch
    record = opened.record
    return VerifyResult(
        backup_id=opened.manifest.backup_id,
        path=str(opened.path),
        size_bytes=result.size,
        sha256=result.sha256,
        dump_bytes=dump_bytes,
        manifest=opened.manifest,
        checksum_compared=bool(record and record.sha256),
    )
