"""Decrypt: write the standard pg_dump output a backup holds, so nobody is locked in.

Custom-format backups become a file pg_restore reads, plain ones a SQL
script for psql, directory-format ones a directory for pg_restore -Fd.
"""
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

from desktop.core.durable import AtomicFile, explain_write_error
from desktop.core.errors import DestinationError
from desktop.core.format.pipeline import ChunkReader, cancellable
from desktop.core.open_backup import open_backup, plaintext
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.workspace import Workspace


def decrypt_backup(
    ws: Workspace,
    id_or_file: str,
    out: Path,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> Path:
    cancel = cancel or CancelToken()
    tracker = ProgressTracker(report)
    opened = open_backup(ws, id_or_file)
    out = Path(out)
    if out.exists():
        raise DestinationError(f"{out} already exists. Choose a new name; Lifeboat does not overwrite files.")
    tracker.update(phase="Decrypting", total=opened.size)
    with plaintext(opened, lambda done: tracker.update(done=done, bytes_done=done)) as (blocks, _):
        if opened.manifest.format == "directory":
            _write_directory(blocks, out, cancel)
        else:
            with AtomicFile(out) as target:
                for block in blocks:
                    cancel.raise_if_cancelled()
                    target.write(block)
                target.commit()
    return out


def _write_directory(blocks: Iterator[bytes], out: Path, cancel: CancelToken) -> None:
    # Extract beside the target, then rename: a half-written directory never
    # carries the name the user asked for.
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise explain_write_error(exc, out) from exc
    try:
        with tarfile.open(fileobj=ChunkReader(cancellable(blocks, cancel)), mode="r|") as archive:
            archive.extractall(scratch, filter="data")
        scratch.rename(out)
    except OSError as exc:
        raise explain_write_error(exc, out) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
