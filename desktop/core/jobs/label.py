"""A note on a backup ("before the 3.2 migration"), shown in the list and found by search."""
from desktop.core.errors import UsageError
from desktop.core.store.audited import audited
from desktop.core.store.catalog import BackupRecord
from desktop.core.workspace import Workspace

LABEL_LIMIT = 200


@audited("label", backup_id="backup_id")
def label_backup(ws: Workspace, backup_id: str, text: str) -> BackupRecord:
    """Sets the note ("" removes it); returns the backup with its new note."""
    text = " ".join(text.split())  # one line: it shows in a list row
    if len(text) > LABEL_LIMIT:
        raise UsageError(f"A note can be at most {LABEL_LIMIT} characters long; this one has {len(text)}.")
    record = ws.catalog.get(backup_id)
    ws.catalog.set_label(record.id, text)
    return ws.catalog.get(record.id)
