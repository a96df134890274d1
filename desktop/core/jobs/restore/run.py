"""Restore: authenticated plaintext -> pg_restore or psql, then proof by row counts.

Single-job restores run in one transaction (`pg_restore --single-transaction
--exit-on-error`, or psql with a BEGIN; sent first and a COMMIT; that only
Lifeboat sends, last: psql.py) and each chunk is authenticated before
its bytes reach the tool: a damaged file, a failed statement, a cancel or a
killed Lifeboat ends the tool before it commits, and the target is left
exactly as it was. Parallel jobs (--jobs N) into an existing, empty database
run Lifeboat's own workers straight into it (parallel.restore_in_place);
where those do not apply (a directory backup, large objects, picked tables)
pg_restore --jobs needs a real file (it cannot seek in a pipe), decrypted
into the private staging folder and removed after.

A new database (--create, the target missing) is built beside by parallel
workers when the backup allows it (parallel.py), and takes the target's
name only once whole.

Before anything is read, the file must be the one the catalog names
(open_backup.check_identity), and a restore that would restore nothing
(a table filter matching no table, nothing left after structure/data only,
an archive without tables) is refused.

Roles the backup names that the target server lacks are looked at before
anything is changed: the restore stops, creates them in its own transaction,
or leaves their objects with the target's user (roles.py).

--replace: the target becomes exactly the backup. A development database
that nothing else is connected to is built beside and swapped for the
target in one transaction (swap.py, with parallel workers); otherwise it runs
as ONE transaction through psql (script.py: wipe everything, then the
archive), for every format, and --jobs is ignored (parallel workers commit
on their own). A killed or failed replace leaves the target as it was.
"""
import logging
import time
from dataclasses import dataclass, replace
from typing import Optional

import psycopg

from desktop.core.errors import (
    Cancelled,
    ConfirmationRequired,
    DatabaseMissing,
    LifeboatError,
    ProfileReadOnly,
    RestoreFailed,
    ToolsTooOld,
    UsageError,
)
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore import swap
from desktop.core.jobs.restore.checks import RestoreCheck, check_restored, expected_counts
from desktop.core.jobs.restore.clean import keep_outside_dependents
from desktop.core.jobs.restore.modes import needs_script_route, restore_custom_stream, restore_from_staging
from desktop.core.jobs.restore.parallel import NotParallel, builds_beside, restore_beside, restore_in_place
from desktop.core.jobs.restore.psql import restore_plain
from desktop.core.jobs.restore.request import RestoreRequest, RestoreRun
from desktop.core.jobs.restore.roles import RoleDecision, decide_roles
from desktop.core.jobs.restore.scratch_db import create_database
from desktop.core.jobs.restore.script import restore_through_script, wipe_sql
from desktop.core.jobs.verify import verify_backup
from desktop.core.open_backup import OpenedBackup, check_identity, open_backup
from desktop.core.postgres.connection import child_env, connect_to_server
from desktop.core.postgres.lockwait import LockWatch, tool_app_name
from desktop.core.postgres.tools import PgTools, major_of, tools_for_server
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.audited import audited
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.restore")


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


@audited("restore", profile="request.into", backup_id="request.source")
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
    check_identity(opened)
    _validate(request, opened)
    profile = target or ws.profiles.get(request.into)
    _guard_production(profile, request)
    password = target_password if target_password is not None else ws.profiles.password_for(profile)
    tracker.update(phase="Checking the target database")
    roles = decide_roles(opened.manifest, request, profile, password)
    server_num, missing = _prepare_target(profile, password, request)
    tools = _restore_tools(ws, server_num, opened)
    safety_id = request.safety_backup_id
    if profile.is_production and not missing and not safety_id:
        safety_id = take_safety_backup(ws, profile, tracker, cancel)
    run = RestoreRun(opened, request, profile, server_num, tools, tracker, cancel, ws.paths.staging_dir)
    # A test restore's scratch database is its own throwaway copy already (proof.py).
    parallel = target is None and builds_beside(replace(run, request=roles.apply(request)))
    beside = _built_beside(profile, password, request, missing) if parallel else None
    if missing and not beside:
        create_database(profile, password)
    try:
        in_place = parallel and not missing and not request.replace and request.jobs > 1
        result = _restore_and_check(ws, run, password, roles, beside, in_place)
    except LifeboatError as exc:
        exc.safety_backup_id = safety_id  # the undo, offered by whoever shows the error
        raise
    result.safety_backup_id = safety_id
    if safety_id and result.ok:
        ws.catalog.hold(safety_id, None)  # verified: the safety backup is an ordinary backup now
    return result


def _restore_and_check(ws: Workspace, run: RestoreRun, password: Optional[str], roles: RoleDecision,
                       beside: Optional[str], in_place: bool) -> RestoreResult:
    """`beside`: "new" (a new database built beside), "swap" (built beside, swapped for the target) or None."""
    opened, profile, request = run.opened, run.profile, run.request
    run.tracker.update(phase="Restoring", total=opened.size)
    # The locks are the server's to see from any database; one built beside has no name yet.
    watched = replace(profile, dbname="postgres") if beside else profile
    watch = LockWatch(watched, password, tool_app_name("restore"), run.tracker, run.cancel,
                      ws.settings.lock_wait_minutes * 60)
    partial = in_place or (request.jobs > 1 and not roles.rewrites_script and _route(run) == "staging")
    try:
        with child_env(profile, password, private_dir=ws.paths.private_dir) as env, watch:
            env["PGAPPNAME"] = watch.app_name
            run = replace(run, env=env)
            if _keeps_outside_dependents(request, opened):
                run = replace(run, request=keep_outside_dependents(run, password))
            run = replace(run, request=roles.apply(run.request))
            if beside:
                stored = _restored_beside(ws, run, password, swapped=beside == "swap")
            else:
                stored = _restored_in_place(run, password) if in_place else None
            if stored is None:
                _restore(run)
    except Cancelled:
        raise Cancelled("The restore was cancelled. " + (
            "The database may be partly restored; restore again, or use the safety backup."
            if partial else "The database was left as it was before."))
    except RestoreFailed as exc:
        raise watch.failure(exc, "the database may be partly restored; restore again, or use the safety backup."
                            if partial else "the database was left as it was before.") or exc
    run.tracker.update(phase="Checking the restored database")
    started = time.monotonic()
    check = check_restored(profile, password, opened.manifest, run.request.tables,
                           expect_rows=not run.request.schema_only, stored=stored)
    log.info("restore check: rows and constraints checked in %.2f s", time.monotonic() - started)
    return RestoreResult(opened.manifest.backup_id, profile.name, profile.dbname, check)


def _keeps_outside_dependents(request: RestoreRequest, opened: OpenedBackup) -> bool:
    # A caller with SQL of its own (a table sync) handles the links itself.
    return (request.clean and not request.replace and not request.data_only and opened.manifest.format == "custom"
            and not (request.sql_before or request.sql_after))


def _built_beside(profile: Profile, password: Optional[str], request: RestoreRequest,
                  missing: bool) -> Optional[str]:
    """For a restore the backup allows to build beside: "new" (the target is missing), "swap"
    (a --replace whose target a copy may be swapped for: swap.py), None (in place)."""
    if missing:
        return "new"
    if not request.replace:
        return None
    try:
        swap.check_target(profile, password)
        return "swap"
    except swap.NotSwappable as exc:
        log.info("restore: replaced in place, not built beside (%s)", exc)
        return None


def _restored_beside(ws: Workspace, run: RestoreRun, password: Optional[str],
                     swapped: bool) -> Optional[dict[str, int]]:
    """A new database built beside with parallel workers (with --replace, swapped for
    the target), and the rows it stored per table; None when the backup
    holds what that route does not load, or the target turned out not to be
    swappable: the other routes then, into a database created for them where there was none."""
    try:
        return restore_beside(run, password, ws.paths.data_dir, swapped)
    except (NotParallel, swap.NotSwappable) as exc:
        log.info("restore: not built beside (%s)", exc)
        if not swapped:
            create_database(run.profile, password)
        return None


def _restored_in_place(run: RestoreRun, password: Optional[str]) -> Optional[dict[str, int]]:
    """--jobs N into an existing database, without a decrypted copy on disk, and the rows
    it stored per table; None when the backup holds what that route does
    not load (large objects): pg_restore --jobs then."""
    try:
        return restore_in_place(run, password)
    except NotParallel as exc:
        log.info("restore: not in place with parallel workers (%s)", exc)
        return None


def _route(run: RestoreRun) -> str:
    """How the bytes reach the server (modes.py's docstring lists the routes)."""
    request, fmt = run.request, run.opened.manifest.format
    if fmt == "plain":
        return "plain"
    # A script filter (masking) needs the script: never a route that bypasses psql.
    if (request.replace or request.sql_before or request.sql_after or request.script_filter is not None
            or needs_script_route(run.tools, run.server_num)):
        return "script"
    if request.jobs > 1 or fmt == "directory":
        return "staging"
    return "stream"


def _restore(run: RestoreRun) -> None:
    route = _route(run)
    request = run.request
    if route == "plain":
        # A plain script has no DROP statements: --clean wipes first, as --replace does.
        before = wipe_sql() if request.replace or request.clean else b""
        restore_plain(run, before + request.sql_before.encode(), request.sql_after.encode())
    elif route == "script":
        restore_through_script(run)
    elif route == "staging":
        restore_from_staging(run)
    else:
        restore_custom_stream(run)


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
    if request.replace and request.data_only:
        raise UsageError("'Replace everything' (--replace) restores the structure and the data; "
                         "it cannot be combined with 'data only'.")
    if request.replace and request.tables:
        # A wipe followed by a few tables would take every other table away.
        raise UsageError("'Replace everything' (--replace) makes the whole database the backup, so it "
                         "cannot be combined with picked tables. To replace only some tables, use --clean --table.")
    if opened.manifest.format == "plain" and (request.tables or request.schema_only or request.data_only):
        raise UsageError(
            "This backup is a plain SQL script, which can only be restored whole. "
            "Make a backup in the custom format to restore single tables or only the structure."
        )
    _refuse_nothing_to_restore(request, opened.manifest)


def _refuse_nothing_to_restore(request: RestoreRequest, manifest) -> None:
    """A restore that would restore nothing must not end in "Verified: all 0 tables".

    The manifest's row counts list the tables of a backup with data; a
    structure-only backup has none, so its tables are not checked here."""
    made = manifest.options
    if (request.schema_only and made.data_only) or (request.data_only and made.schema_only):
        held, asked = ("only data", "structure") if made.data_only else ("only structure", "data")
        raise RestoreFailed(
            f"Backup {manifest.backup_id} holds {held}, and only its {asked} was asked for: "
            "there is nothing to restore. Nothing was changed. Choose what the backup holds.")
    if made.schema_only:
        return
    if not manifest.row_counts:
        raise RestoreFailed(f"Backup {manifest.backup_id} holds no tables, so there is nothing to restore. "
                            "Nothing was changed. Choose another backup.")
    missing = [name for name in request.tables if not expected_counts(manifest, [name])]
    if missing:
        raise RestoreFailed(
            f"Backup {manifest.backup_id} holds no table {', '.join(missing)}, so there is nothing to restore "
            "for it. Nothing was changed. Check the name (as schema.table, for example public.orders); "
            f"`lifeboat show {manifest.backup_id}` lists its tables.")


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
    """Server version, and whether the database is still to be created (--create)."""
    conn, exists = connect_to_server(profile, password)
    missing = not exists
    if missing and not request.create:
        conn.close()
        raise DatabaseMissing(
            f"The database {profile.dbname} does not exist on {profile.host}. "
            "Choose 'Create the database if it does not exist' (--create on the command line), or check the name."
        )
    with conn:
        if not missing and not (request.clean or request.replace or request.data_only) and _has_tables(conn):
            raise RestoreFailed(
                f"The database {profile.dbname} already contains tables, and restoring on top of them "
                "would mix old and new data. Choose 'Replace everything' (--replace on the command line) to make "
                "it exactly the backup, or restore into an empty database."
            )
        return conn.info.server_version, missing


def _has_tables(conn: psycopg.Connection) -> bool:
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%')"
    ).fetchone()[0]


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
