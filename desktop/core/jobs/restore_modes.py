"""The ways a backup's bytes reach the server, each all-or-nothing where it can be.

- custom archive, one job: streamed into `pg_restore --single-transaction --exit-on-error`;
- custom archive for a server older than the tools (>= 17 into <= 16):
  `pg_restore --file=-` -> drop `SET transaction_timeout` -> `psql -1`;
- plain SQL: streamed into `psql -1 -v ON_ERROR_STOP=1`;
- parallel jobs or directory format: decrypted into the private staging
  folder first (pg_restore --jobs cannot read a pipe), removed afterwards.

Bytes reach a tool only after their chunk authenticated, and the tool sees
the end of its input only after the whole file did: a damaged file or a
cancel kills it before it can commit.
"""
import re
import tarfile
import tempfile
import threading
from pathlib import Path
from subprocess import DEVNULL, PIPE
from typing import Iterator, Optional

from ..backupfile import plaintext
from ..errors import Cancelled, RestoreFailed
from ..manifest import BackupOptions
from ..pgprocess import ToolProcess, Watchdog
from ..pgtools import PgTools, major_of
from ..pipeline import BLOCK, ChunkReader, cancellable
from ..profiles import Profile
from ..progress import CancelToken, ProgressTracker
from ..snapshot import split_table_key
from ..sqlfilter import drop_unknown_settings

STALL_SECONDS = 60 * 60


def _dbname_arg(dbname: str) -> str:
    # A -d value holding '=' is read as a connection string: always pass one.
    escaped = dbname.replace("\\", "\\\\").replace("'", "\\'")
    return f"--dbname=dbname='{escaped}'"


def _pg_restore_options(request) -> list[str]:
    options = BackupOptions(
        schema_only=request.schema_only, data_only=request.data_only,
        no_owner=request.no_owner, no_acl=request.no_acl,
    ).pg_dump_args()
    options += _table_options(request.tables)
    if request.clean:
        options += ["--clean", "--if-exists"]
    return options


def _table_options(tables: list[str]) -> list[str]:
    # pg_restore's -t takes a bare, unquoted name and no schema (pg_restore
    # docs, -t); -n narrows it to the schemas the picked tables live in.
    keys = [split_table_key(table) for table in tables]
    schemas = sorted({schema for schema, _ in keys if schema})
    return [*(f"--schema={schema}" for schema in schemas), *(f"--table={name}" for _, name in keys)]


def _needs_script_route(tools: PgTools, server_num: int) -> bool:
    # pg_restore >= 17 sends `SET transaction_timeout`, which servers <= 16
    # reject (pgadmin4 #8044): go through a script and drop that line.
    return tools.major >= 17 and major_of(server_num) < 17


def restore_custom_stream(opened, tools, env, server_num, profile, request, tracker, cancel) -> None:
    base = [tools.pg_restore, "--verbose", "--no-password", "--exit-on-error"]
    if not _needs_script_route(tools, server_num):
        argv = [*base, "--single-transaction", _dbname_arg(profile.dbname), *_pg_restore_options(request)]
        with ToolProcess(argv, env, stdin=PIPE, stdout=None, on_stderr_line=tracker_lines(tracker)) as proc:
            with Watchdog(proc, cancel, STALL_SECONDS) as watchdog:
                finished = _feed(opened, proc.stdin, tracker, cancel, watchdog)
                code = proc.wait()
            _check(proc, code, cancel, finished or _may_stop_early(request))
        return
    with ToolProcess([*base, "--file=-", *_pg_restore_options(request)], env, stdin=PIPE) as producer:
        feeder = _FeederThread(opened, producer, tracker, cancel, _may_stop_early(request))
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


def _may_stop_early(request) -> bool:
    # With -t, pg_restore reading a pipe exits (code 0) once the picked
    # tables' data went past, without reading the rest: every byte it used
    # was authenticated, and its exit code still tells failure from success.
    return bool(request.tables)


class _FeederThread:
    """Feeds pg_restore --file=- on a thread while its SQL output is read."""

    def __init__(self, opened, producer: ToolProcess, tracker, cancel, may_stop_early: bool):
        self._producer = producer
        self._may_stop_early = may_stop_early
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
        _check(self._producer, self._producer.wait(), cancel, self.finished or self._may_stop_early)


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


def restore_plain(opened, tools, env, server_num, profile, clean: bool, tracker, cancel) -> None:
    def script() -> Iterator[bytes]:
        if clean:
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


def restore_from_staging(staging_dir: Path, opened, tools, env, server_num, profile, request, tracker, cancel) -> None:
    # pg_restore --jobs reads the archive out of order, which needs a real
    # file; the staging folder is private (0700) and emptied afterwards.
    with tempfile.TemporaryDirectory(dir=staging_dir) as staging:
        target = Path(staging) / "archive"
        tracker.update(phase="Decrypting to a private temporary file")
        _decrypt_into(opened, target, tracker, cancel)
        tracker.update(phase="Restoring")
        if _needs_script_route(tools, server_num):
            _restore_staged_through_script(target, tools, env, server_num, profile, request, cancel)
            return
        argv = [tools.pg_restore, "--verbose", "--no-password", "--exit-on-error",
                _dbname_arg(profile.dbname), *_pg_restore_options(request)]
        argv.append(f"--jobs={request.jobs}" if request.jobs > 1 else "--single-transaction")
        with ToolProcess([*argv, target], env, stdout=None, on_stderr_line=tracker_lines(tracker)) as proc:
            with Watchdog(proc, cancel, STALL_SECONDS):
                code = proc.wait()
            _check(proc, code, cancel, finished=True, atomic=request.jobs == 1)


def _restore_staged_through_script(archive: Path, tools, env, server_num, profile, request, cancel) -> None:
    """Every connection of pg_restore >= 17 sends `SET transaction_timeout`,
    parallel workers' too, so for a server <= 16 the staged archive goes
    through a script into one psql transaction: no parallel jobs there."""
    with ToolProcess([tools.pg_restore, "--file=-", *_pg_restore_options(request), archive], env) as producer:
        def script() -> Iterator[bytes]:
            while block := producer.stdout.read(BLOCK):
                yield block
            _check(producer, producer.wait(), cancel, finished=True)

        _run_psql(tools, env, profile, script(), major_of(server_num), cancel)


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
        raise explain_restore_failure(proc, code, atomic)


_HINTS = (
    (re.compile(r'role "([^"]+)" does not exist'),
     "The backup names a database user ({0}) that does not exist on this server. Restore again with "
     "'skip ownership and permissions' (--no-owner --no-acl), or ask an administrator to create that user."),
    (re.compile(r"must be owner of (\w+ \S+)"),
     "Only the owner may change {0} on this server. Restore again with 'skip ownership and "
     "permissions' (--no-owner --no-acl)."),
    (re.compile(r'extension "([^"]+)"(?: is not available|.*control file)|control file ".*/([^/"]+)\.control"'),
     "The backup uses the PostgreSQL extension {0}, which is not installed on the target server. "
     "Ask the server's administrator to install it, then restore again."),
    (re.compile(r"permission denied for (\w+ \S+)"),
     "The database user of the target profile is not allowed to change {0}. Use a profile whose "
     "user owns the database."),
    (re.compile(r'relation "([^"]+)" already exists'),
     "The table {0} already exists in the target. Choose 'Replace what is in the database now' (--clean on the command line)."),
)


def explain_restore_failure(proc: ToolProcess, code: int, atomic: bool) -> RestoreFailed:
    errors = proc.error_lines()
    first = errors[0] if errors else (proc.stderr_tail().splitlines() or ["(no message)"])[-1]
    undone = ("every change it made was undone: the database is as it was before." if atomic else
              "the database may be partly restored. Restore again, or use the safety backup.")
    advice = f"{proc.name} said: {first}"
    for pattern, text in _HINTS:
        match = pattern.search(first)
        if match:
            advice = text.format(next(group for group in match.groups() if group))
            break
    return RestoreFailed(
        f"The restore failed, and {undone} {advice}",
        detail=f"{proc.name} exited with {code}\n{proc.stderr_tail()}",
    )
