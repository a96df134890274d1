"""Undo a production write: put the database back from the safety backup taken before it.

The safety backup is restored with replace, so the database ends up
holding exactly what it held then: tables the write added are gone again,
not merely the ones the backup names. Writing into production still needs
the typed database name, and takes a safety backup of its own first (so
an undo can be undone too).
"""
from dataclasses import dataclass
from typing import Optional

from desktop.core.errors import UsageError
from desktop.core.jobs.restore.run import RestoreRequest, RestoreResult, run_restore
from desktop.core.progress import CancelToken, ProgressCallback, ignore_progress
from desktop.core.store.catalog import BackupRecord
from desktop.core.workspace import Workspace


@dataclass(frozen=True)
class UndoOffer:
    safety_backup_id: str
    profile: str
    database: str
    taken_at: str  # ISO 8601, UTC

    def command(self) -> str:
        """The CLI line that performs this undo."""
        return f"lifeboat undo {self.safety_backup_id} --confirm {_shell_word(self.database)}"


def undo_offer(ws: Workspace, safety_backup_id: Optional[str]) -> Optional[UndoOffer]:
    """What to offer after a production write, or None when there is nothing to undo with."""
    if not safety_backup_id:
        return None
    record = _safety_record(ws, safety_backup_id)
    return UndoOffer(record.id, record.profile, record.database, record.started_at)


def undo_restore(
    ws: Workspace,
    safety_backup_id: str,
    confirm: Optional[str] = None,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> RestoreResult:
    record = _safety_record(ws, safety_backup_id)
    request = RestoreRequest(source=record.id, into=record.profile, clean=True, replace=True, confirm=confirm)
    result = run_restore(ws, request, report, cancel)
    if result.ok:
        ws.catalog.hold(record.id, None)  # the write it guarded is undone and verified
    return result


def _safety_record(ws: Workspace, backup_id: str) -> BackupRecord:
    record = ws.catalog.get(backup_id)
    if record.kind != "safety":
        raise UsageError(
            f"Backup {record.id} is not a safety backup, so it does not undo anything. "
            f"To put it into a database, use: lifeboat restore {record.id} --into PROFILE"
        )
    return record


def _shell_word(text: str) -> str:
    # Database names may hold spaces or quotes; the printed command must paste as-is.
    if text and all(ch.isalnum() or ch in "_-." for ch in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"
