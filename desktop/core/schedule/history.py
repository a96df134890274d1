"""What each scheduled run did: when, for which slot, its outcome and backup.

`schedule run-due` reads it to know what is due (a slot newer than the last
attempt), `schedule list` shows the last outcome, and retention's floor
looks at the recent runs of a connection. It lives in the catalog's SQLite
file, in its own tables created here, so the catalog module stays about
backups; the same WAL mode lets the window read while a run writes.
"""
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

from desktop.core.store import catalog_health

OUTCOMES = ("succeeded", "failed", "stalled")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedule_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id TEXT NOT NULL,
    profile TEXT NOT NULL,
    slot TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    backup_id TEXT
);
CREATE INDEX IF NOT EXISTS schedule_runs_profile ON schedule_runs(profile, started_at);
CREATE TABLE IF NOT EXISTS schedule_notices (
    profile TEXT NOT NULL,
    event TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (profile, event)
);
"""


@dataclass(frozen=True)
class RunRecord:
    schedule_id: str
    profile: str
    slot: str            # the slot this run was for (ISO 8601 UTC)
    started_at: str
    finished_at: str
    outcome: str         # one of OUTCOMES
    message: str = ""
    backup_id: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.outcome == "succeeded"

    def to_json(self) -> dict:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


class RunHistory:
    def __init__(self, catalog_file: Path):
        self._path = Path(catalog_file)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self._path.exists():  # private from the first byte, as the catalog is
            os.close(os.open(self._path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(self._path, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            with conn:
                yield conn
        except sqlite3.Error as exc:
            raise catalog_health.explain(exc, self._path) from exc
        finally:
            conn.close()

    def record(self, run: RunRecord) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO schedule_runs (schedule_id, profile, slot, started_at, finished_at, outcome, "
                "message, backup_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run.schedule_id, run.profile, run.slot, run.started_at, run.finished_at, run.outcome,
                 run.message, run.backup_id),
            )

    def last_for_schedule(self, schedule_id: str) -> Optional[RunRecord]:
        with self._db() as db:
            row = db.execute("SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY slot DESC, id DESC "
                             "LIMIT 1", (schedule_id,)).fetchone()
        return _run(row) if row else None

    def for_profile(self, profile: str, limit: int = 100) -> list[RunRecord]:
        """The connection's runs, newest first."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM schedule_runs WHERE profile = ? ORDER BY started_at DESC, id DESC "
                              "LIMIT ?", (profile, limit)).fetchall()
        return [_run(row) for row in rows]

    def last_notice(self, profile: str, event: str) -> Optional[datetime]:
        with self._db() as db:
            row = db.execute("SELECT sent_at FROM schedule_notices WHERE profile = ? AND event = ?",
                             (profile, event)).fetchone()
        return datetime.fromisoformat(row["sent_at"]) if row else None

    def noted(self, profile: str, event: str, when: datetime) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO schedule_notices (profile, event, sent_at) VALUES (?, ?, ?)",
                       (profile, event, when.isoformat()))


def _run(row: sqlite3.Row) -> RunRecord:
    data = dict(row)
    data.pop("id")
    return RunRecord(**data)
