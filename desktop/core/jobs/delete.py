"""Deleting a backup: to the trash first, for good after the retention period.

Moving to the trash only marks the catalog entry (`deleted_at`); the file
stays where it is. Moving it into a trash folder would buy nothing the
catalog does not already give (every view hides trashed entries) and would
fail whenever the backup folder is read-only or its drive is unplugged, so
deleting could not always be undone the way users expect. Purging removes
the file, then the entry: a catalog must never forget a file that still
exists. Start-up housekeeping (`purge_expired`, called by the CLI and the
window) purges what has been in the trash longer than Settings.trash_days.
"""
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Optional

from desktop.core.durable import explain_write_error
from desktop.core.errors import ConfirmationRequired, LifeboatError, UsageError
from desktop.core.store.audited import audited
from desktop.core.store.catalog import BackupRecord
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.trash")


@audited("trash", backup_id="backup_id")
def delete_backup(ws: Workspace, backup_id: str, confirm: Optional[str] = None,
                  now: Optional[datetime] = None) -> BackupRecord:
    """Move a backup to the trash. The last proven-restorable backup of a
    production database needs its database name typed (`confirm`)."""
    record = ws.catalog.get(backup_id)
    if record.status == "in_progress":
        raise UsageError(f"Backup {record.id} is still running; cancel it first.")
    if record.held_for:
        raise UsageError(
            f"Backup {record.id} cannot be deleted yet: it is {record.held_for}. "
            "It is kept until that restore has been checked or undone."
        )
    if is_last_proven_backup(ws, record) and confirm != record.database:
        raise ConfirmationRequired(
            f"Backup {record.id} is the only backup of the PRODUCTION database {record.database} "
            "that a test restore has proven to work. To move it to the trash anyway, confirm by typing "
            f"the database name (on the command line: --confirm {record.database})."
        )
    ws.catalog.move_to_trash(record.id, _stamp(now or _utc_now()))
    return ws.catalog.get(record.id, in_trash=True)


def is_last_proven_backup(ws: Workspace, record: BackupRecord) -> bool:
    """True for a production backup proven restorable when no other kept backup
    of the same database is."""
    if record.environment != "production" or not record.proven_restorable_at:
        return False
    return not any(
        other.id != record.id and other.proven_restorable_at and other.status == "completed"
        and (other.host, other.port, other.database) == (record.host, record.port, record.database)
        for other in ws.catalog.list()
    )


@audited("untrash", backup_id="backup_id")
def restore_from_trash(ws: Workspace, backup_id: str) -> BackupRecord:
    record = ws.catalog.get(backup_id, in_trash=True)
    ws.catalog.take_out_of_trash(record.id)
    return ws.catalog.get(record.id)


@audited("purge", backup_id="backup_id")
def purge_backup(ws: Workspace, backup_id: str) -> BackupRecord:
    """Remove a trashed backup for good: its file first, then its catalog entry."""
    record = ws.catalog.get(backup_id, in_trash=True)
    if record.path:
        path = Path(record.path)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            # The entry stays: a catalog must never forget a file that still exists.
            raise explain_write_error(exc, path) from exc
    ws.catalog.delete(record.id)
    return record


def empty_trash(ws: Workspace) -> list[BackupRecord]:
    return [purge_backup(ws, record.id) for record in ws.catalog.list_trash()]


def trash_expires_at(ws: Workspace, record: BackupRecord) -> datetime:
    return datetime.fromisoformat(record.deleted_at) + timedelta(days=ws.settings.trash_days)


def purge_expired(ws: Workspace, now: Optional[datetime] = None) -> list[BackupRecord]:
    """Start-up housekeeping: purge what has outstayed the retention period.

    A backup that cannot be removed now (its drive unplugged, read-only) is
    left for the next start; it must not stop the program from opening."""
    now = now or _utc_now()
    purged = []
    for record in ws.catalog.list_trash():
        if trash_expires_at(ws, record) > now:
            continue
        try:
            purged.append(purge_backup(ws, record.id))
        except LifeboatError as exc:
            log.warning("trash: %s not purged yet: %s | %s", record.id, exc.message, exc.detail)
    return purged


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
