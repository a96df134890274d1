"""Deleting a backup: its file first, then its catalog entry."""
from pathlib import Path

from ..catalog import BackupRecord
from ..durable import explain_write_error
from ..errors import UsageError
from ..workspace import Workspace


def delete_backup(ws: Workspace, backup_id: str) -> BackupRecord:
    record = ws.catalog.get(backup_id)
    if record.status == "in_progress":
        raise UsageError(f"Backup {record.id} is still running; cancel it first.")
    if record.path:
        path = Path(record.path)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            # The entry stays: a catalog must never forget a file that still exists.
            raise explain_write_error(exc, path) from exc
    ws.catalog.delete(record.id)
    return record
