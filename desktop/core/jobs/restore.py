"""Restore: authenticated plaintext -> pg_restore or psql, then proof by row counts.

Single-job restores run in one transaction (`pg_restore --single-transaction
--exit-on-error`, `psql -1 -v ON_ERROR_STOP=1`) and each chunk is
authenticated before its bytes reach the tool: a damaged file, a failed
statement or a cancel kills the tool before it commits, and the target is
left exactly as it was. Parallel jobs need a real file (pg_restore cannot
seek in a pipe), decrypted into the private staging folder and removed after.
"""
from dataclasses import dataclass, field
from typing import Optional

import psycopg
from psycopg import sql

from ..audited import audited
from ..backupfile import OpenedBackup, open_backup
from ..connection import child_env, connect
from ..errors import (
    Cancelled, ConfirmationRequired, DatabaseMissing, LifeboatError, ProfileReadOnly, RestoreFailed, ToolsTooOld,
    UsageError,
)
from ..pgtools import PgTools, major_of, tools_for_server
from ..profiles import Profile
from ..progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from ..workspace import Workspace
from .backup import BackupRequest, run_backup
from .checks import RestoreCheck, check_restored
from .verify import verify_backup
from .restore_modes import restore_custom_stream, restore_from_staging, restore_plain
from .restore_script import restore_through_script


@dataclass
class RestoreRequest:
    source: str
    into: str
    create: bool = False
    clean: bool = False
    tables: list[str] = field(default_factory=list)
    schema_only: bool = False
    data_only: bool = False
    no_owner: bool = False
    no_acl: bool = False
    jobs: int = 1
    confirm: Optional[str] = None
    # Drop every user schema first, in the same transaction: the database
    # ends up holding exactly what the backup holds (undo, full sync).
    replace_all: bool = False
    # SQL run in the restore's own transaction before and after the archive
    # (a table-by-table sync drops and re-adds the links pointing at it).
    sql_before: str = ""
    sql_after: str = ""
    # A safety backup the caller already took (sync takes it as its first step).
    safety_backup_id: Optional[str] = None


@dataclass
class RestoreResult:
    backup_id: str
    profile: str
    database: str
    check: RestoreCheck
    safety_backup_id: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.check.ok


@audited("restore")
def run_restore(
    ws: Workspace,
    request: RestoreRequest,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
    target: Optional[Profile] = None,
    target_password: Optional[str] = None,
) -> RestoreResult:
    """`target` overrides the profile named by request.into (a test restore's scratch database);
    `target_password` is its password when it is not a stored profile (the private test server)."""
    cancel = cancel or CancelToken()
    tracker = ProgressTracker(report)
    tracker.update(phase="Opening the backup")
    opened = open_backup(ws, request.source)
    _validate(request, opened)
    profile = target or ws.profiles.get(request.into)
    _guard_production(profile, request)
    password = target_password if target_password is not None else ws.profiles.password_for(profile)
    tracker.update(phase="Checking the target database")
    server_num, created = _prepare_target(profile, password, request)
    tools = _restore_tools(ws, server_num, opened)
    safety_id = request.safety_backup_id
    if profile.is_production and not created and not safety_id:
        safety_id = take_safety_backup(ws, profile, tracker, cancel)
    try:
        result = _restore_and_check(ws, opened, tools, server_num, profile, password, request, tracker, cancel)
    except LifeboatError as exc:
        exc.safety_backup_id = safety_id  # the undo, offered by whoever shows the error
        raise
    result.safety_backup_id = safety_id
    if safety_id and result.ok:
        ws.catalog.hold(safety_id, None)  # verified: the safety backup is an ordinary backup now
    return result


def _restore_and_check(ws, opened, tools, server_num, profile, password, request, tracker, cancel) -> RestoreResult:
    tracker.update(phase="Restoring", total=opened.size)
    try:
        with child_env(profile, password) as env:
            if request.replace_all or request.sql_before or request.sql_after:
                restore_through_script(opened, tools, env, server_num, profile, request, tracker, cancel)
            elif opened.manifest.format == "plain":
                restore_plain(opened, tools, env, server_num, profile, request.clean, tracker, cancel)
            elif request.jobs > 1 or opened.manifest.format == "directory":
                restore_from_staging(ws.paths.staging_dir, opened, tools, env, server_num, profile, request,
                                     tracker, cancel)
            else:
                restore_custom_stream(opened, tools, env, server_num, profile, request, tracker, cancel)
    except Cancelled:
        raise Cancelled("The restore was cancelled. " + (
            "The database may be partly restored; restore again, or use the safety backup."
            if request.jobs > 1 else "The database was left as it was before."))
    tracker.update(phase="Checking the restored database")
    check = check_restored(profile, password, opened.manifest, request.tables,
                           expect_rows=not request.schema_only)
    return RestoreResult(opened.manifest.backup_id, profile.name, profile.dbname, check)


def take_safety_backup(ws: Workspace, profile: Profile, tracker: ProgressTracker, cancel: CancelToken) -> str:
    """Backs up the target and reads the file back before anything is overwritten."""
    tracker.update(phase="Taking a safety backup of the target first")
    safety = run_backup(ws, BackupRequest(profile=profile.name, kind="safety"), cancel=cancel)
    hold_safety_backup(ws, safety.id, profile)
    tracker.update(phase="Checking the safety backup")
    verify_backup(ws, safety.id, cancel=cancel)
    return safety.id


def hold_safety_backup(ws: Workspace, backup_id: str, profile: Profile) -> None:
    """Kept from delete and expiry until the write it can undo is verified."""
    ws.catalog.hold(backup_id, f"the undo of a restore into {profile.name} ({profile.dbname})")


def _validate(request: RestoreRequest, opened: OpenedBackup) -> None:
    if request.schema_only and request.data_only:
        raise UsageError("Choose either 'structure only' or 'data only', not both.")
    if request.jobs < 1:
        raise UsageError("The number of parallel jobs must be 1 or more.")
    if opened.manifest.format == "plain" and (request.tables or request.schema_only or request.data_only):
        raise UsageError(
            "This backup is a plain SQL script, which can only be restored whole. "
            "Make a backup in the custom format to restore single tables or only the structure."
        )


def _guard_production(profile: Profile, request: RestoreRequest) -> None:
    if profile.read_only:
        raise ProfileReadOnly(
            f"The connection \"{profile.name}\" is marked 'backups only', so Lifeboat never writes "
            "into it. Choose another connection to restore into."
        )
    if profile.is_production and request.confirm != profile.dbname:
        raise ConfirmationRequired(
            f"\"{profile.name}\" is a PRODUCTION database. Restoring replaces data in {profile.dbname} "
            f"on {profile.host}. To go ahead, confirm by typing the database name "
            f"(on the command line: --confirm {profile.dbname}). Lifeboat will take a safety backup first."
        )


def _prepare_target(profile: Profile, password: Optional[str], request: RestoreRequest) -> tuple[int, bool]:
    """Server version, and whether the database was created just now."""
    try:
        conn = connect(profile, password)
        created = False
    except DatabaseMissing:
        if not request.create:
            raise DatabaseMissing(
                f"The database {profile.dbname} does not exist on {profile.host}. "
                "Choose 'Create the database if it does not exist' (--create on the command line), or check the name."
            )
        _create_database(profile, password)
        conn = connect(profile, password)
        created = True
    with conn:
        if not created and not request.clean and not request.data_only and _has_tables(conn):
            raise RestoreFailed(
                f"The database {profile.dbname} already contains tables, and restoring on top of them "
                "would mix old and new data. Choose 'Replace what is in the database now' (--clean on the command line) to replace it, "
                "or restore into an empty database."
            )
        return conn.info.server_version, created


def _has_tables(conn: psycopg.Connection) -> bool:
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%')"
    ).fetchone()[0]


def _create_database(profile: Profile, password: Optional[str]) -> None:
    with connect(profile, password, dbname="postgres") as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(profile.dbname)))
        except psycopg.Error as exc:
            raise RestoreFailed(
                f"Lifeboat could not create the database {profile.dbname}: the user {profile.user} "
                "may not be allowed to create databases. Ask an administrator to create it, then try again.",
                detail=str(exc),
            ) from exc


def _restore_tools(ws: Workspace, server_num: int, opened: OpenedBackup) -> PgTools:
    # pg_restore reads archives from its own major version and older only.
    dumped_major = int(opened.manifest.pg_dump_version.split(".")[0])
    if dumped_major <= major_of(server_num):
        return tools_for_server(server_num, ws.tool_dirs())
    try:
        return tools_for_server(dumped_major * 10000, ws.tool_dirs())
    except ToolsTooOld as exc:
        raise ToolsTooOld(
            f"This backup was made with pg_dump {opened.manifest.pg_dump_version}, and only pg_restore "
            f"{dumped_major} or newer can read it; the newest on this computer is older. Install the "
            f"PostgreSQL {dumped_major} client tools (or set their folder in Settings), then restore again.",
            detail=exc.detail,
        ) from exc
