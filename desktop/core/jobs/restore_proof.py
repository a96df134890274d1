"""Proof that a backup restores: restore it into a scratch database, check it, drop it.

The scratch database, `lifeboat_verify_<id>`, is created on a server the
user picks (by default the first development connection's server, never a
'backups only' one) and is ALWAYS dropped afterwards, on success, failure
or cancel. The checks are the ones every real restore gets (checks.py):
each table's row count against the manifest, and every constraint holding
(validated ones were re-checked by PostgreSQL as pg_restore added them;
NOT VALID ones are counted with read-only queries). On success the catalog
records when: "last proven restorable".
"""
import logging
from dataclasses import dataclass, replace
from typing import Optional

import psycopg
from psycopg import sql

from ..backupfile import open_backup
from ..audited import audited
from ..connection import connect
from ..errors import LifeboatError, ProfileReadOnly, RestoreFailed, UsageError, VerificationFailed
from ..manifest import utc_now
from ..profiles import Profile
from ..progress import CancelToken, ProgressCallback, ignore_progress
from ..workspace import Workspace
from .checks import RestoreCheck
from .restore import RestoreRequest, run_restore

log = logging.getLogger("lifeboat.restore_proof")
_FORCE_FROM = 130000  # DROP DATABASE ... WITH (FORCE) exists from PostgreSQL 13


@dataclass
class ProofResult:
    backup_id: str
    server: str  # the profile whose server held the scratch database
    scratch_database: str
    check: RestoreCheck
    proven_at: Optional[str]  # None for a file the catalog does not know

    @property
    def ok(self) -> bool:
        return self.check.ok


def scratch_database_name(backup_id: str) -> str:
    return f"lifeboat_verify_{backup_id}"


def default_server(ws: Workspace) -> Profile:
    for profile in ws.profiles.list():
        if not profile.is_production and not profile.read_only:
            return profile
    raise UsageError(
        "A test restore needs a server to restore onto, and there is no development connection. "
        "Add one (a test or development server), or name a server with --server PROFILE.")


@audited("test_restore")
def prove_restorable(
    ws: Workspace,
    id_or_file: str,
    server: Optional[str] = None,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> ProofResult:
    opened = open_backup(ws, id_or_file)
    backup_id = opened.manifest.backup_id
    host = ws.profiles.get(server) if server else default_server(ws)
    if host.read_only:
        raise ProfileReadOnly(
            f"The connection \"{host.name}\" is marked 'backups only', so Lifeboat does not create "
            "databases on its server. Choose a development server for the test restore.")
    # Always a new, empty database of our own: never the profile's database.
    scratch = replace(host, dbname=scratch_database_name(backup_id), environment="development")
    password = ws.profiles.password_for(host)
    drop_scratch(scratch, password)  # left over from a run the computer never finished
    try:
        result = run_restore(ws, RestoreRequest(source=id_or_file, into=host.name, create=True),
                             report, cancel, target=scratch)
    except BaseException:
        _drop_quietly(scratch, password)
        raise
    drop_scratch(scratch, password)
    if not result.ok:
        raise VerificationFailed(
            f"The test restore of backup {backup_id} did not match the backup. {result.check.summary()} "
            "Do not rely on this backup: make a new one. (The test database was removed.)")
    proven_at = None
    if opened.record:
        proven_at = utc_now()
        ws.catalog.set_proven_restorable(opened.record.id, proven_at)
    return ProofResult(backup_id, host.name, scratch.dbname, result.check, proven_at)


def drop_scratch(scratch: Profile, password: Optional[str]) -> None:
    with connect(scratch, password, dbname="postgres") as conn:
        force = " WITH (FORCE)" if conn.info.server_version >= _FORCE_FROM else ""
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(scratch.dbname)))
        except psycopg.Error as exc:
            raise RestoreFailed(
                f"Lifeboat could not remove the test database {scratch.dbname} on {scratch.host}. "
                "Ask an administrator to drop it.", detail=str(exc)) from exc


def _drop_quietly(scratch: Profile, password: Optional[str]) -> None:
    # The job's own error is what the user must see; a failed drop goes to the log.
    try:
        drop_scratch(scratch, password)
    except LifeboatError as exc:
        log.warning("%s | %s", exc.message, exc.detail)
