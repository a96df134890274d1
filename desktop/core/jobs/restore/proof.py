"""Proof that a backup restores: restore it into a scratch database, check it, drop it.

By default the scratch database lives on a private PostgreSQL server that
Lifeboat starts on this computer for the purpose (private_server.py), so
proving a backup needs no rights on any real server and touches none. There
the restore skips ownership and permissions (--no-owner --no-acl): the
private server has none of the backup's roles, and what is proven is that
the file restores to the tables, rows and rules it claims. A plain SQL
script cannot skip them, so the roles it names are created there first,
NOLOGIN; the roles row-security policies name (which --no-acl keeps) are
created by the restore itself (--roles create, roles.py). Extensions the
backup needs and the private server lacks are named before anything is
restored, with a development server offered instead.

With `server` (a profile), the scratch database `lifeboat_verify_<id>` is
created on that profile's server, as before. Either way the scratch is
ALWAYS removed afterwards, on success, failure or cancel, and recorded in
flight (inflight.py) so that a killed Lifeboat's next start removes it.
The checks are the ones every real restore gets (checks.py): each table's
row count against the manifest, and every constraint holding. On success
the catalog records when: "last proven restorable".
"""
import logging
import re
from dataclasses import dataclass, replace
from typing import Optional

from psycopg import sql

from desktop.core.errors import (
    LifeboatError,
    ProfileReadOnly,
    RestoreFailed,
    VerificationFailed,
)
from desktop.core.format.manifest import utc_now
from desktop.core.jobs.restore.archive_needs import archive_needs
from desktop.core.jobs.restore.checks import RestoreCheck
from desktop.core.jobs.restore.run import RestoreRequest, RestoreResult, run_restore
from desktop.core.jobs.restore.scratch_db import drop_scratch
from desktop.core.localpg import inflight
from desktop.core.localpg.private_server import PrivateServer, private_server
from desktop.core.open_backup import OpenedBackup, open_backup
from desktop.core.postgres.connection import connect
from desktop.core.postgres.tools import tools_for_server
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.audited import audited
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.restore_proof")
START_PHASE = "Starting a private PostgreSQL server"
NEEDS_PHASE = "Checking what the backup needs"
STOP_PHASE = "Stopping the private server and removing its files"
# The server's words when CREATE EXTENSION finds no control file (PostgreSQL 15+).
_EXTENSION_MISSING = re.compile(r'extension "([^"]+)" is not available')


@dataclass
class ProofResult:
    backup_id: str
    server: str  # the profile whose server held the scratch database; "" for the private server
    scratch_database: str
    check: RestoreCheck
    proven_at: Optional[str]  # None for a file the catalog does not know
    server_version: str = ""

    @property
    def ok(self) -> bool:
        return self.check.ok

    def where(self) -> str:
        if self.server:
            return f"on the server of {self.server}"
        return f"on a private PostgreSQL {self.server_version} server on this computer"


def scratch_database_name(backup_id: str) -> str:
    return f"lifeboat_verify_{backup_id}"


@audited("test_restore", backup_id="id_or_file")
def prove_restorable(
    ws: Workspace,
    id_or_file: str,
    server: Optional[str] = None,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> ProofResult:
    """`server`: a profile whose server holds the scratch database; None: a private server."""
    cancel = cancel or CancelToken()
    opened = open_backup(ws, id_or_file)
    backup_id = opened.manifest.backup_id
    if server:
        result, version = _prove_on_profile(ws, opened, id_or_file, ws.profiles.get(server), report, cancel), ""
    else:
        result, version = _prove_privately(ws, opened, id_or_file, report, cancel)
    if not result.ok:
        raise VerificationFailed(
            f"The test restore of backup {backup_id} did not match the backup. {result.check.summary()} "
            "Do not rely on this backup: make a new one. (The test database was removed.)")
    proven_at = None
    if opened.record:
        proven_at = utc_now()
        ws.catalog.set_proven_restorable(opened.record.id, proven_at)
    return ProofResult(backup_id, server or "", result.database, result.check, proven_at, version)


def _prove_privately(ws, opened: OpenedBackup, id_or_file: str, report, cancel) -> tuple[RestoreResult, str]:
    tracker = ProgressTracker(report)
    tracker.update(phase=START_PHASE)
    cancel.raise_if_cancelled()
    with private_server(ws.paths.data_dir) as private:
        cancel.raise_if_cancelled()
        scratch = private.profile(scratch_database_name(opened.manifest.backup_id))
        tracker.update(phase=NEEDS_PHASE)
        _prepare_private(ws, opened, private, cancel)
        # The roles row-security policies name are made there (a throwaway server): owners and grants are left out.
        request = RestoreRequest(source=id_or_file, into=scratch.name, create=True, no_owner=True, no_acl=True,
                                 roles="create")
        try:
            result = run_restore(ws, request, report, cancel, target=scratch, target_password=private.password)
        except RestoreFailed as exc:
            # Not read ahead (a directory-format backup): the restore names it.
            missing = _EXTENSION_MISSING.search(exc.detail or "")
            if missing:
                raise _extensions_missing([missing.group(1)], private.version, exc.detail) from exc
            raise
        tracker.update(phase=STOP_PHASE)
    return result, private.version


def _prepare_private(ws, opened: OpenedBackup, private: PrivateServer, cancel: CancelToken) -> None:
    """Refuses, naming them, when the backup needs extensions the private
    server lacks; creates the roles a plain script names."""
    # pg_restore reads archives of its own major version and older.
    dumped_major = int(opened.manifest.pg_dump_version.split(".")[0])
    tools = tools_for_server(max(private.cluster.major, dumped_major) * 10000, ws.tool_dirs())
    needs = archive_needs(opened, tools, ws.paths.staging_dir, cancel)
    with connect(private.profile("postgres"), private.password) as conn:
        available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
        missing = sorted(needs.extensions - available)
        if missing:
            raise _extensions_missing(missing, private.version, f"needed: {sorted(needs.extensions)}")
        existing = {row[0] for row in conn.execute("SELECT rolname FROM pg_roles")}
        for role in sorted(needs.roles - existing):
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))


def _extensions_missing(names: list[str], version: str, detail: str) -> RestoreFailed:
    many = len(names) > 1
    return RestoreFailed(
        f"This backup needs the PostgreSQL extension{'s' if many else ''} {', '.join(names)}, which the "
        f"private test server (PostgreSQL {version}) does not have. Test-restore it on a development server "
        f"that has {'them' if many else 'it'} instead: choose that server (on the command line: --server PROFILE).",
        detail=f"missing: {names}; {detail}")


def _prove_on_profile(ws, opened: OpenedBackup, id_or_file: str, host: Profile, report, cancel) -> RestoreResult:
    if host.read_only:
        raise ProfileReadOnly(
            f"The connection \"{host.name}\" is marked 'backups only', so Lifeboat does not create "
            "databases on its server. Choose a development server for the test restore.")
    # Always a new, empty database of our own: never the profile's database.
    scratch = replace(host, dbname=scratch_database_name(opened.manifest.backup_id), environment="development")
    password = ws.profiles.password_for(host)
    with inflight.holding(ws.paths.data_dir, inflight.SCRATCH_DATABASE, profile=host.name, dbname=scratch.dbname,
                          host=host.host, port=host.port):
        drop_scratch(scratch, password)  # left over from a run the computer never finished
        try:
            result = run_restore(ws, RestoreRequest(source=id_or_file, into=host.name, create=True),
                                 report, cancel, target=scratch)
        except BaseException:
            _drop_quietly(scratch, password)
            raise
        drop_scratch(scratch, password)
    return result


def _drop_quietly(scratch: Profile, password: Optional[str]) -> None:
    # The job's own error is what the user must see; a failed drop goes to the log.
    try:
        drop_scratch(scratch, password)
    except LifeboatError as exc:
        log.warning("%s | %s", exc.message, exc.detail)
