"""Catalog entries for tests: the manifest a backup job would write, and a
completed backup with a small stand-in file; entries put straight into a catalog."""
import json
import sqlite3
from pathlib import Path

from desktop.core.format.manifest import BackupOptions, Manifest
from desktop.core.store.catalog import BackupRecord, Catalog
from desktop.core.workspace import Workspace


def manifest(backup_id: str, profile: str = "shop", started_at: str = "2026-01-02T03:04:05Z",
             **kw) -> Manifest:
    fields = dict(
        backup_id=backup_id, profile=profile, environment="production", database="shop db",
        host="db.example.com", port=5432, kind="manual", options=BackupOptions(),
        server_version="15.18", server_version_num=150018, pg_dump_version="15.18",
        started_at=started_at,
    )
    return Manifest(**{**fields, **kw})


def add_backup(ws: Workspace, backup_id: str, environment: str = "development", proven: bool = False,
               database: str = "shop") -> Path:
    m = manifest(backup_id, environment=environment, database=database)
    path = ws.paths.backups_dir / f"{backup_id}.dump.lifeboat"
    path.write_bytes(b"encrypted bytes")
    ws.catalog.start(m, path)
    m.finished_at = "2026-01-02T03:05:00Z"
    ws.catalog.complete(m, path, size=15, sha256="ab" * 32, file_id=backup_id * 4)
    if proven:
        ws.catalog.set_proven_restorable(backup_id, "2026-02-01T00:00:00Z")
    return path


def backup_record(id: str, **fields) -> BackupRecord:
    """A catalog entry as the engine writes one: completed unless told otherwise."""
    values = dict(
        profile="Shop production", environment="production", database="shop", status="completed",
        format="custom", started_at="2026-11-27T13:02:00Z", finished_at="2026-11-27T13:04:10Z",
        host="db.example.com", port=5432, path=f"/srv/backups/{id}.dump.lifeboat", size_bytes=1024,
        sha256="ab" * 32, row_counts={"public.orders": 1000},
    )
    values.update(fields)
    return BackupRecord(id=id, **values)


def insert_records(catalog: Catalog, records: list[BackupRecord]) -> Catalog:
    """Put entries straight into the catalog's table, as quickly as a big catalog needs."""
    columns = ("id", "profile", "environment", "database", "host", "port", "status", "kind", "schedule_id", "format",
               "path", "size_bytes", "sha256", "started_at", "finished_at", "server_version", "pg_dump_version",
               "options", "row_counts", "error", "proven_restorable_at", "deleted_at", "held_for", "label")
    rows = [{**record.to_json(), "options": json.dumps(record.options), "row_counts": json.dumps(record.row_counts)}
            for record in records]
    db = sqlite3.connect(catalog.path)
    try:
        with db:
            db.executemany(f"INSERT INTO backups ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})",
                           rows)
    finally:
        db.close()
    return catalog
