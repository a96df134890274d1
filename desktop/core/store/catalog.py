"""The catalog: a SQLite index of every backup Lifeboat knows about.

It is only an index. Each backup file describes itself (header + encrypted
manifest), so a lost or damaged catalog is rebuilt from the files. Several
Lifeboat processes (the window, a scheduled CLI run) may use it at once:
WAL mode, a busy timeout and one short transaction per call.
"""
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import psutil

from desktop.core.durable import PARTIAL_SUFFIX
from desktop.core.errors import UnknownBackup, UsageError
from desktop.core.format.manifest import Manifest, utc_now
from desktop.core.store import catalog_health, catalog_query
from desktop.core.store.backup_record import BackupRecord, from_row
from desktop.core.store.catalog_query import CatalogQuery
from desktop.core.store.catalog_schema import MIGRATIONS


class Catalog:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.recovered_from_damage: Optional[Path] = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _create_private(self.path)
            self._migrate()
        except OSError as exc:
            raise catalog_health.explain(exc, self.path) from exc
        except sqlite3.Error as exc:
            if not catalog_health.is_damage(exc):
                raise catalog_health.explain(exc, self.path) from exc
            self._set_aside_damaged()
            self._migrate()

    @contextmanager
    def _db(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One short transaction. Readers take no write lock (WAL lets them
        read beside a writer), so the window never waits on a running job."""
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and not catalog_health.is_damage(exc):
                raise catalog_health.explain(exc, self.path) from exc
            raise
        finally:
            conn.close()

    def _migrate(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise catalog_health.QuickCheckFailed("quick_check failed")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
        finally:
            conn.close()

    def _set_aside_damaged(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(self.path) + suffix)
            if source.exists():
                os.replace(source, Path(str(aside) + suffix))
        self.recovered_from_damage = aside

    # --- writing -------------------------------------------------------
    def start(self, manifest: Manifest, path: Path) -> None:
        me = psutil.Process()
        with self._db() as db:
            db.execute(
                """INSERT INTO backups (id, profile, environment, database, host, port, status, kind,
                       format, started_at, path, server_version, pg_dump_version, options,
                       owner_pid, owner_started, schedule_id)
                   VALUES (?, ?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    manifest.backup_id, manifest.profile, manifest.environment, manifest.database,
                    manifest.host, manifest.port, manifest.kind, manifest.format, manifest.started_at,
                    str(path), manifest.server_version, manifest.pg_dump_version,
                    json.dumps(manifest.options.__dict__), me.pid, me.create_time(), manifest.schedule_id,
                ),
            )

    def complete(self, manifest: Manifest, path: Path, size: int, sha256: str, file_id: str) -> None:
        with self._db() as db:
            db.execute(
                """UPDATE backups SET status = 'completed', finished_at = ?, path = ?, size_bytes = ?,
                       sha256 = ?, file_id = ?, row_counts = ?, owner_pid = NULL, error = NULL
                   WHERE id = ?""",
                (manifest.finished_at, str(path), size, sha256, file_id,
                 json.dumps(manifest.row_counts), manifest.backup_id),
            )

    def finish_unsuccessfully(self, backup_id: str, status: str, error: str) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE backups SET status = ?, finished_at = ?, error = ?, owner_pid = NULL WHERE id = ?",
                (status, utc_now(), error, backup_id),
            )

    def add_existing(self, manifest: Manifest, path: Path, size: int, sha256: str, file_id: str) -> bool:
        """Record a complete backup file found on disk; False when already known."""
        with self._db() as db:
            known = db.execute(
                "SELECT 1 FROM backups WHERE id = ? OR file_id = ?", (manifest.backup_id, file_id)
            ).fetchone()
            if known:
                return False
            db.execute(
                """INSERT INTO backups (id, profile, environment, database, host, port, status, kind,
                       format, started_at, finished_at, path, size_bytes, sha256, file_id,
                       server_version, pg_dump_version, options, row_counts, schedule_id)
                   VALUES (?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    manifest.backup_id, manifest.profile, manifest.environment, manifest.database,
                    manifest.host, manifest.port, manifest.kind, manifest.format, manifest.started_at,
                    manifest.finished_at, str(path), size, sha256, file_id, manifest.server_version,
                    manifest.pg_dump_version, json.dumps(manifest.options.__dict__),
                    json.dumps(manifest.row_counts), manifest.schedule_id,
                ),
            )
            return True

    def delete(self, backup_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM backups WHERE id = ?", (backup_id,))

    # --- the trash (jobs/delete.py): hidden from list() and get(), file kept until purged
    def move_to_trash(self, backup_id: str, when: str) -> None:
        with self._db() as db:
            db.execute("UPDATE backups SET deleted_at = ? WHERE id = ?", (when, backup_id))

    def take_out_of_trash(self, backup_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE backups SET deleted_at = NULL WHERE id = ?", (backup_id,))

    def list_trash(self) -> list[BackupRecord]:
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT * FROM backups WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC, id"
            ).fetchall()
            copies = self._copies(db)
        return [from_row(row, copies.get(row["id"], [])) for row in rows]

    def add_copy(self, backup_id: str, location: str, created_at: str, verified_at: Optional[str],
                 size_bytes: int, sha256: str, parts: int = 1) -> None:
        """Remember an exported (or imported-from) copy; a new copy at the same place replaces it."""
        with self._db() as db:
            db.execute(
                """INSERT OR REPLACE INTO copies (backup_id, location, created_at, verified_at,
                       size_bytes, sha256, parts) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (backup_id, location, created_at, verified_at, size_bytes, sha256, parts),
            )

    def set_proven_restorable(self, backup_id: str, when: str) -> None:
        with self._db() as db:
            db.execute("UPDATE backups SET proven_restorable_at = ? WHERE id = ?", (when, backup_id))

    def set_label(self, backup_id: str, label: str) -> None:
        with self._db() as db:
            db.execute("UPDATE backups SET label = ? WHERE id = ?", (label, backup_id))

    def hold(self, backup_id: str, reason: Optional[str]) -> None:
        """Keeps a backup from delete and expiry while `reason` is set (None releases it)."""
        with self._db() as db:
            db.execute("UPDATE backups SET held_for = ? WHERE id = ?", (reason, backup_id))

    def recover_interrupted(self) -> list[str]:
        """Fail the entries whose process died mid-backup and remove their partial files."""
        recovered = []
        with self._db() as db:
            rows = db.execute(
                "SELECT id, path, owner_pid, owner_started FROM backups WHERE status = 'in_progress'"
            ).fetchall()
            for row in rows:
                if _process_alive(row["owner_pid"], row["owner_started"]):
                    continue
                if row["path"]:
                    Path(row["path"] + PARTIAL_SUFFIX).unlink(missing_ok=True)
                db.execute(
                    "UPDATE backups SET status = 'failed', finished_at = ?, error = ?, owner_pid = NULL "
                    "WHERE id = ?",
                    (utc_now(), "Lifeboat stopped before this backup finished (the computer or the "
                     "program was shut down). The unfinished file was removed.", row["id"]),
                )
                recovered.append(row["id"])
        return recovered

    # --- reading -------------------------------------------------------
    def last_completed_at(self, profile: str) -> Optional[str]:
        """When the newest completed backup of `profile` finished (ISO 8601 UTC), or None.
        One indexed query: the window asks every minute, for every connection."""
        with self._db(write=False) as db:
            return db.execute("SELECT max(finished_at) FROM backups WHERE profile = ? AND status = 'completed' "
                              "AND deleted_at IS NULL", (profile,)).fetchone()[0]

    def select(self, query: CatalogQuery, offset: int = 0, limit: int = -1) -> list[BackupRecord]:
        """The backups `query` finds, in its order: `limit` of them (-1: all) from `offset`."""
        return list(self.each(query, offset, limit))

    def each(self, query: CatalogQuery, offset: int = 0, limit: int = -1) -> Iterator[BackupRecord]:
        """As select(), one at a time from one read transaction: memory stays flat in catalog size."""
        condition, params = catalog_query.where(query)
        with self._db(write=False) as db:
            catalog_query.prepare(db, query)
            cursor = db.execute(f"SELECT * FROM backups WHERE {condition} ORDER BY {catalog_query.order_by(query)} "
                                "LIMIT ? OFFSET ?", (*params, limit, offset))
            while rows := cursor.fetchmany(500):
                copies = self._copies(db, [row["id"] for row in rows])
                yield from (from_row(row, copies.get(row["id"], [])) for row in rows)

    def count(self, query: CatalogQuery) -> int:
        condition, params = catalog_query.where(query)
        with self._db(write=False) as db:
            catalog_query.prepare(db, query)
            return db.execute(f"SELECT count(*) FROM backups WHERE {condition}", params).fetchone()[0]

    def position(self, query: CatalogQuery, backup_id: str) -> Optional[int]:
        """Where this backup comes among what `query` finds (0: first), or None when it is not among them;
        one query, so a list can load the rows down to it at once rather than a page at a time."""
        condition, params = catalog_query.where(query)
        with self._db(write=False) as db:
            catalog_query.prepare(db, query)
            row = db.execute(f"SELECT n FROM (SELECT id, row_number() OVER (ORDER BY {catalog_query.order_by(query)})"
                             f" - 1 AS n FROM backups WHERE {condition}) WHERE id = ?",
                             (*params, backup_id)).fetchone()
        return row[0] if row else None

    def profiles(self, query: CatalogQuery) -> list[str]:
        """The connections of the backups `query` finds, each once."""
        condition, params = catalog_query.where(query)
        with self._db(write=False) as db:
            catalog_query.prepare(db, query)
            return [row[0] for row in db.execute(f"SELECT DISTINCT profile FROM backups WHERE {condition}", params)]

    def tally(self) -> tuple[int, int]:
        """How many backups the catalog lists (the trash left out), and how many of them are unfinished."""
        with self._db(write=False) as db:
            total, unfinished = db.execute(
                "SELECT count(*), count(*) FILTER (WHERE status IN (?, ?)) FROM backups WHERE deleted_at IS NULL",
                catalog_query.UNFINISHED).fetchone()
        return total, unfinished

    def json_texts(self, profile: Optional[str] = None) -> Iterator[str]:
        """Each listed backup as the JSON text BackupRecord.to_json would give, newest first,
        written by SQLite from the JSON it stores; one at a time, so memory stays flat."""
        condition, params = catalog_query.where(CatalogQuery(profile=profile))
        with self._db(write=False) as db:
            for row in db.execute(f"SELECT {catalog_query.JSON_OBJECT} FROM backups WHERE {condition} "
                                  f"ORDER BY {catalog_query.order_by(CatalogQuery())}", params):
                yield row[0]

    def list(self, profile: Optional[str] = None) -> list[BackupRecord]:
        """Every backup (of `profile`), newest first."""
        return self.select(CatalogQuery(profile=profile or None))

    def get(self, id_or_prefix: str, in_trash: bool = False) -> BackupRecord:
        """The backup with this id (or unique id prefix); one in the trash only when `in_trash`."""
        if not id_or_prefix:
            raise UnknownBackup("No backup id was given.")
        with self._db(write=False) as db:
            matches = db.execute(
                "SELECT * FROM backups WHERE id LIKE ? ESCAPE '\\'",
                (id_or_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
            ).fetchall()
            copies = self._copies(db)
        rows = [row for row in matches if (row["deleted_at"] is not None) == in_trash]
        if not rows and in_trash:
            raise UnknownBackup(
                f"There is no backup with the id {id_or_prefix} in the trash. "
                "Run `lifeboat trash list` to see what the trash holds."
            )
        if not rows and matches:
            raise UnknownBackup(
                f"Backup {matches[0]['id']} is in the trash. To use it, put it back first: "
                f"`lifeboat trash restore {matches[0]['id']}` (or Trash… in the window)."
            )
        if not rows:
            raise UnknownBackup(
                f"There is no backup with the id {id_or_prefix}. "
                "Run `lifeboat list` to see the backups Lifeboat knows."
            )
        if len(rows) > 1:
            raise UsageError(
                f"{len(rows)} backups have ids starting with {id_or_prefix}; type more of the id."
            )
        return from_row(rows[0], copies.get(rows[0]["id"], []))

    def find_file(self, file_id: str) -> Optional[BackupRecord]:
        with self._db(write=False) as db:
            row = db.execute("SELECT * FROM backups WHERE file_id = ?", (file_id,)).fetchone()
            copies = self._copies(db)
        return from_row(row, copies.get(row["id"], [])) if row else None

    @staticmethod
    def _copies(db: sqlite3.Connection, ids: Optional[Sequence[str]] = None) -> dict[str, list]:
        """The exported copies of the backups with these ids (None: of every backup), by backup id."""
        sql, params = "SELECT * FROM copies", list(ids or ())
        if ids is not None:
            sql += f" WHERE backup_id IN ({', '.join('?' * len(ids))})"
        result: dict[str, list] = {}
        for row in db.execute(sql + " ORDER BY created_at", params):
            result.setdefault(row["backup_id"], []).append(
                {key: row[key] for key in ("location", "created_at", "verified_at", "size_bytes", "sha256", "parts")}
            )
        return result


def _create_private(path: Path) -> None:
    """Creates the catalog file 0600 before SQLite does (it would use the
    umask's 0644); SQLite gives its -wal and -shm files the same mode."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _process_alive(pid: Optional[int], started: Optional[float]) -> bool:
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        return started is None or abs(process.create_time() - started) < 1.0
    except psutil.Error:
        return False

