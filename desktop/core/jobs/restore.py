"""Restore: authenticated plaintext -> pg_restore or psql, then proof by row counts.

Single-job restores run in one transaction (`pg_restore --single-transaction
--exit-on-error`, `psql -1 -v ON_ERROR_STOP=1`) and each chunk is
authenticated before its bytes reach the tool: a damaged file, a failed
statement or a cancel kills the tool before it commits, and the target is
left exactly as it was. Parallel jobs need a real file (pg_restore cannot
seek in a pipe), decrypted into the private staging folder and removed after.
"""
import tarfile
import tempfile
import threading
from subprocess import DEVNULL, PIPE
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import psycopg
from psycopg import sql

from ..backupfile import OpenedBackup, open_backup, plaintext
from ..pipeline import BLOCK, ChunkReader, cancellable
from ..connection import child_env, connect
from ..errors import Cancelled, ConfirmationRequired, DatabaseMissing, RestoreFailed, UsageError
from ..manifest import BackupOptions
from ..pgprocess import ToolProcess, Watchdog
from ..pgtools import PgTools, major_of, tools_for_server
from ..profiles import Profile
from ..progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from ..sqlfilter import drop_unknown_settings
from ..workspace import Workspace
from .backup import BackupRequest, run_backup
from .checks import RestoreCheck, check_restored

STALL_SECONDS = 60 * 60


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


def run_restore(
    ws: Workspace,
    request: RestoreRequest,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> RestoreResult:
    cancel = cancel or CancelToken()
    tracker = ProgressTracker(report)
    tracker.update(phase="Opening the backup")
    opened = open_backup(ws, request.source)
    _validate(request, opened)
    profile = ws.profiles.get(request.into)
    _guard_production(profile, request)
    password = ws.profiles.password_for(profile)
    tracker.update(phase="Checking the target database")
    server_num, created = _prepare_target(profile, password, request)
    tools = _restore_tools(ws, server_num, opened)
    safety_id = None
    if profile.is_production and not created:
        tracker.update(phase="Taking a safety backup of the target first")
        safety = run_backup(ws, BackupRequest(profile=profile.name, kind="safety"), cancel=cancel)
        safety_id = safety.id
    tracker.update(phase="Restoring", total=opened.size)
    with child_env(profile, password) as env:
        if opened.manifest.format == "plain":
            _restore_plain(opened, tools, env, server_num, profile, request, tracker, cancel)
        elif request.jobs > 1 or opened.manifest.format == "directory":
            _restore_from_staging(ws, opened, tools, env, profile, request, tracker, cancel)
        else:
            _restore_custom_stream(opened, tools, env, server_num, profile, request, tracker, cancel)
    tracker.update(phase="Checking the restored database")
    check = check_restored(profile, password, opened.manifest, request.tables,
                           expect_rows=not request.schema_only)
    return RestoreResult(opened.manifest.backup_id, profile.name, profile.dbname, check, safety_id)


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
        raise ConfirmationRequired(
            f"The profile \"{profile.name}\" is marked 'backups only', so Lifeboat never writes into it."
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
                "Choose 'create the database' (--create) to have Lifeboat create it, or check the name."
            )
        _create_database(profile, password)
        conn = connect(profile, password)
        created = True
    with conn:
        if not created and not request.clean and not request.data_only and _has_tables(conn):
            raise RestoreFailed(
                f"The database {profile.dbname} already contains tables, and restoring on top of them "
                "would mix old and new data. Choose 'replace what is there' (--clean) to replace it, "
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
    needed = max(server_num, dumped_major * 10000)
    return tools_for_server(needed, ws.tool_dirs())


def _dbname_arg(dbname: str) -> str:
    # A -d value holding '=' is read as a connection string: always pass one.
    escaped = dbname.replace("\\", "\\\\").replace("'", "\\'")
    return f"--dbname=dbname='{escaped}'"


def _pg_restore_options(request: RestoreRequest) -> list[str]:
    options = BackupOptions(
        schema_only=request.schema_only, data_only=request.data_only,
        no_owner=request.no_owner, no_acl=request.no_acl,
    ).pg_dump_args()
    options += [f"--table={table}" for table in request.tables]
    if request.clean:
        options += ["--clean", "--if-exists"]
    return options


def _needs_script_route(tools: PgTools, server_num: int) -> bool:
    # pg_restore >= 17 sends `SET transaction_timeout`, which servers <= 16
    # reject (pgadmin4 #8044): go through a script and drop that line.
    return tools.major >= 17 and major_of(server_num) < 17


def _restore_custom_stream(opened, tools, env, server_num, profile, request, tracker, cancel) -> None:
    base = [tools.pg_restore, "--verbose", "--no-password", "--exit-on-error"]
    if not _needs_script_route(tools, server_num):
        argv = [*base, "--single-transaction", _dbname_arg(profile.dbname), *_pg_restore_options(request)]
        with ToolProcess(argv, env, stdin=PIPE, stdout=None, on_stderr_line=tracker_lines(tracker)) as proc:
            with Watchdog(proc, cancel, STALL_SECONDS) as watchdog:
                finished = _feed(opened, proc.stdin, tracker, cancel, watchdog)
                code = proc.wait()
            _check(proc, code, cancel, finished)
        return
    with ToolProcess([*base, "--file=-", *_pg_restore_options(request)], env, stdin=PIPE) as producer:
        feeder = _FeederThread(opened, producer, tracker, cancel)
        _run_psql(tools, env, profile, feeder.script(), major_of(server_num), cancel, feeder)


def _feed(opened, sink, tracker, cancel, watchdog) -> bool:
    """Writes the authenticated plaintext into a tool; False when the tool stopped reading early."""
    def on_bytes(done: int) -> None:
        if watchdog:
            watchdog.touch()
        tracker.update(done=done, bytes_done=done)

    with plaintext(opened, on_bytes) as (blocks, _):
        try:
            for block in blocks:
                cancel.raise_if_cancelled()
                sink.write(block)
        except BrokenPipeError:
            return False  # the tool stopped early; its exit code and stderr say why
    # Only now, with every chunk authenticated, may the tool see the end of
    # its input and commit.
    sink.close()
    return True


class _FeederThread:
    """Feeds pg_restore --file=- on a thread while its SQL output is read."""

    def __init__(self, opened, producer: ToolProcess, tracker, cancel):
        self._producer = producer
        self.error: Optional[BaseException] = None
        self.finished = False

        def work() -> None:
            try:
                self.finished = _feed(opened, producer.stdin, tracker, cancel, None)
            except BaseException as exc:  # re-raised on the job's thread by complete()
                self.error = exc
                producer.kill()

        self._thread = threading.Thread(target=work, name="restore-feed", daemon=True)
        self._thread.start()

    def script(self) -> Iterator[bytes]:
        while block := self._producer.stdout.read(BLOCK):
            yield block

    def complete(self, cancel: CancelToken) -> None:
        """Raises unless the whole backup went through pg_restore cleanly."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        _check(self._producer, self._producer.wait(), cancel, self.finished)


def tracker_lines(tracker: ProgressTracker):
    def on_line(line: str) -> None:
        for marker in ("processing data for table ", "creating "):
            at = line.find(marker)
            if at >= 0:
                tracker.update(item=line[at:].strip())
                return
    return on_line


def _psql_argv(tools: PgTools, profile: Profile) -> list:
    # -X: no ~/.psqlrc; -1 with ON_ERROR_STOP: all or nothing (without
    # ON_ERROR_STOP, -1 still commits and psql may exit 0: pgbackweb #42).
    return [tools.psql, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "--no-password", _dbname_arg(profile.dbname)]


def _run_psql(tools, env, profile, script: Iterator[bytes], server_major: int, cancel, feeder=None) -> None:
    with ToolProcess(_psql_argv(tools, profile), env, stdin=PIPE, stdout=DEVNULL) as psql:
        with Watchdog(psql, cancel, STALL_SECONDS) as watchdog:
            try:
                for block in drop_unknown_settings(script, server_major):
                    watchdog.touch()
                    cancel.raise_if_cancelled()
                    psql.stdin.write(block)
                if feeder:
                    feeder.complete(cancel)
            except BrokenPipeError:
                pass  # psql stopped on an error: its exit code and stderr say which
            else:
                psql.stdin.close()
            code = psql.wait()
        _check(psql, code, cancel, finished=True)


def _restore_plain(opened, tools, env, server_num, profile, request, tracker, cancel) -> None:
    def script() -> Iterator[bytes]:
        if request.clean:
            yield _clean_sql(profile)
        with plaintext(opened, lambda done: tracker.update(done=done, bytes_done=done)) as (blocks, _):
            yield from blocks

    _run_psql(tools, env, profile, script(), major_of(server_num), cancel)


def _clean_sql(profile: Profile) -> bytes:
    """A plain script carries no DROP statements: empty every user schema
    first, in the same transaction. `public` is made anew with its owner and
    grants and comment, because pg_dump assumes it exists and does not create it."""
    return b"""DO $lifeboat$
DECLARE s text; owner text; acl aclitem[]; note text; g record;
BEGIN
  SELECT nspowner::regrole::text, nspacl, obj_description(oid, 'pg_namespace')
    INTO owner, acl, note FROM pg_namespace WHERE nspname = 'public';
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  IF owner IS NOT NULL THEN
    EXECUTE format('CREATE SCHEMA public AUTHORIZATION %s', owner);
    EXECUTE format('COMMENT ON SCHEMA public IS %L', note);
    FOR g IN SELECT grantee, privilege_type FROM aclexplode(acl) LOOP
      EXECUTE format('GRANT %s ON SCHEMA public TO %s', g.privilege_type,
                     CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
    END LOOP;
  END IF;
END $lifeboat$;
"""


def _restore_from_staging(ws, opened, tools, env, profile, request, tracker, cancel) -> None:
    # pg_restore --jobs reads the archive out of order, which needs a real
    # file; the staging folder is private (0700) and emptied afterwards.
    with tempfile.TemporaryDirectory(dir=ws.paths.staging_dir) as staging:
        target = Path(staging) / "archive"
        tracker.update(phase="Decrypting to a private temporary file")
        _decrypt_into(opened, target, tracker, cancel)
        argv = [tools.pg_restore, "--verbose", "--no-password", "--exit-on-error",
                _dbname_arg(profile.dbname), *_pg_restore_options(request)]
        argv.append(f"--jobs={request.jobs}" if request.jobs > 1 else "--single-transaction")
        tracker.update(phase="Restoring")
        with ToolProcess([*argv, target], env, stdout=None, on_stderr_line=tracker_lines(tracker)) as proc:
            with Watchdog(proc, cancel, STALL_SECONDS):
                code = proc.wait()
            _check(proc, code, cancel, finished=True, atomic=request.jobs == 1)


def _decrypt_into(opened, target: Path, tracker, cancel) -> None:
    with plaintext(opened, lambda done: tracker.update(done=done, bytes_done=done)) as (blocks, _):
        if opened.manifest.format == "directory":
            with tarfile.open(fileobj=ChunkReader(cancellable(blocks, cancel)), mode="r|") as archive:
                archive.extractall(target, filter="data")
            return
        with open(target, "xb") as out:
            for block in blocks:
                cancel.raise_if_cancelled()
                out.write(block)


def _check(proc: ToolProcess, code: int, cancel: CancelToken, finished: bool, atomic: bool = True) -> None:
    if cancel.cancelled:
        raise Cancelled(
            "The restore was cancelled. " + (
                "The database was left as it was before." if atomic else
                "The database may be partly restored; restore again, or use the safety backup."
            )
        )
    if code != 0 or not finished:
        errors = proc.error_lines()
        first = errors[0] if errors else (proc.stderr_tail().splitlines() or ["(no message)"])[-1]
        undone = ("every change it made was undone: the database is as it was before." if atomic else
                  "the database may be partly restored. Restore again, or use the safety backup.")
        raise RestoreFailed(
            f"The restore failed, and {undone} {proc.name} said: {first}",
            detail=f"{proc.name} exited with {code}\n{proc.stderr_tail()}",
        )
