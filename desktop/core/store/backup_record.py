"""One backup as the catalog lists it: what a backup job wrote about it, and its exported copies."""
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Optional

STATUSES = ("in_progress", "completed", "failed", "cancelled")


@dataclass
class BackupRecord:
    id: str
    profile: str
    environment: str
    database: str
    status: str
    format: str
    started_at: str
    kind: str = "manual"
    host: str = ""
    port: int = 5432
    finished_at: Optional[str] = None
    path: Optional[str] = None
    size_bytes: Optional[int] = None
    sha256: Optional[str] = None
    file_id: Optional[str] = None
    server_version: Optional[str] = None
    pg_dump_version: Optional[str] = None
    options: dict = field(default_factory=dict)
    row_counts: dict = field(default_factory=dict)
    error: Optional[str] = None
    proven_restorable_at: Optional[str] = None
    deleted_at: Optional[str] = None
    held_for: Optional[str] = None
    label: str = ""
    schedule_id: Optional[str] = None
    copies: list = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "profile": self.profile,
            "environment": self.environment,
            "database": self.database,
            "host": self.host,
            "port": self.port,
            "status": self.status,
            "kind": self.kind, "schedule_id": self.schedule_id,
            "format": self.format,
            "path": self.path,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "server_version": self.server_version,
            "pg_dump_version": self.pg_dump_version,
            "options": self.options,
            "row_counts": self.row_counts,
            "error": self.error,
            "proven_restorable_at": self.proven_restorable_at,
            "deleted_at": self.deleted_at,
            "held_for": self.held_for,
            "label": self.label,
            "copies": self.copies,
        }


def from_row(row: sqlite3.Row, copies: list) -> BackupRecord:
    """A row of the catalog's `backups` table (less the running job's owner, the catalog's own business)."""
    data = dict(row)
    data.pop("owner_pid")
    data.pop("owner_started")
    data["options"] = json.loads(data["options"])
    data["row_counts"] = json.loads(data["row_counts"])
    return BackupRecord(**data, copies=copies)
