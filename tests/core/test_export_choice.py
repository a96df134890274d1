"""'The latest backup of every connection': the newest completed one of each, nothing unfinished."""
from desktop.core.jobs.export.run import latest_of_each_connection
from desktop.core.workspace import Workspace
from tests.catalog_entries import manifest


def add(ws, backup_id, profile, started_at, status="completed"):
    m = manifest(backup_id, profile=profile, started_at=started_at)
    path = ws.paths.backups_dir / f"{backup_id}.dump.lifeboat"
    path.write_bytes(b"x")
    ws.catalog.start(m, path)
    if status == "completed":
        m.finished_at = started_at
        ws.catalog.complete(m, path, size=1, sha256="ab" * 32, file_id=backup_id * 4)
    else:
        ws.catalog.finish_unsuccessfully(backup_id, status, "stopped")


def test_the_newest_completed_backup_of_each_connection():
    ws = Workspace.open()
    add(ws, "a-old", "shop", "2026-11-01T02:00:00Z")
    add(ws, "a-new", "shop", "2026-11-02T02:00:00Z")
    add(ws, "a-failed", "shop", "2026-11-03T02:00:00Z", status="failed")
    add(ws, "b-only", "films", "2026-10-01T02:00:00Z")
    assert [r.id for r in latest_of_each_connection(ws.catalog)] == ["b-only", "a-new"]
