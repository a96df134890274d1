"""The ways a backup's bytes reach the server, each all-or-nothing where it can be.

- custom archive, one job: streamed into `pg_restore --single-transaction --exit-on-error`;
- custom archive for a server older than the tools (>= 17 into <= 16):
  `pg_restore --file=-` -> drop `SET transaction_timeout` -> psql, in one
  transaction that Lifeboat commits (psql.py);
- plain SQL: streamed into psql the same way (psql.py);
- parallel jobs or directory format: decrypted into the private staging
  folder first (pg_restore --jobs cannot read a pipe), removed afterwards.

Bytes reach a tool only after their chunk authenticated. The psql routes
commit only after the whole file authenticated and its SHA-256 matched the
catalog's. The direct pg_restore route cannot wait for that: pg_restore
commits once it has read the archive's last entry, which may be before the
file's last bytes. There the file's identity (backup id, file id, size) is
checked against the catalog before the first byte is read (check_identity),
and every chunk is bound to that file id, index and end marker, so only
bytes of the right file, in order, reach pg_restore; if the input ends
early (a killed Lifeboat), pg_restore fails and rolls back.
"""
import re
import tarfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from subprocess import PIPE
from typing import Optional

from desktop.core.errors import Cancelled, RestoreFailed
from desktop.core.format.manifest import BackupOptions
from desktop.core.format.pipeline import BLOCK, ChunkReader, cancellable
from desktop.core.jobs.dump_run import CONNECTION_LOST
from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.jobs.restore.steps import RestoreSteps
from desktop.core.open_backup import plaintext
from desktop.core.postgres.process import ToolProcess, Watchdog
from desktop.core.postgres.snapshot import split_table_key
from desktop.core.postgres.tools import PgTools, major_of
from desktop.core.progress import CancelToken
from desktop.core.scratch import job_folder

STALL_SECONDS = 60 * 60


def dbname_arg(dbname: str) -> str:
    # A -d value holding '=' is read as a connection string: always pass one.
    escaped = dbname.replace("\\", "\\\\").replace("'", "\\'")
    return f"--dbname=dbname='{escaped}'"


def pg_restore_options(request) -> list[str]:
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


def restore_steps(run: RestoreRun) -> RestoreSteps:
    return RestoreSteps(run.tracker, len(run.opened.manifest.row_counts))


def needs_script_route(tools: PgTools, server_num: int) -> bool:
    # pg_restore >= 17 sends `SET transaction_timeout`, which servers <= 16
    # reject (pgadmin4 #8044): go through a script and drop that line.
    return tools.major >= 17 and major_of(server_num) < 17


def restore_custom_stream(run: RestoreRun, sections: Sequence[str] = (), stops_early: bool = False) -> None:
    """`stops_early`: pg_restore may stop reading once it has what it needs (one section, say)."""
    argv = [run.tools.pg_restore, "--verbose", "--no-password", "--exit-on-error", "--single-transaction",
            dbname_arg(run.profile.dbname), *pg_restore_options(run.request), *sections]
    with ToolProcess(argv, run.env, stdin=PIPE, stdout=None, on_stderr_line=restore_steps(run)) as proc:
        with Watchdog(proc, run.cancel, STALL_SECONDS) as watchdog:
            finished = _feed(run.opened, proc.stdin, run.tracker, run.cancel, watchdog)
            code = proc.wait()
        check_exit(proc, code, run.cancel, finished or stops_early or may_stop_early(run.request))


def _feed(opened, sink, tracker, cancel, watchdog, drain: bool = False) -> bool:
    """Writes the authenticated plaintext into a tool; False when the tool stopped reading early.

    With `drain`, the rest of the file is still read when the tool stopped
    early, so that its checksum is compared with the catalog's before psql may commit."""
    def on_bytes(done: int) -> None:
        if watchdog:
            watchdog.touch()
        tracker.update(done=done, bytes_done=done)

    with plaintext(opened, on_bytes, against_catalog=True) as (blocks, _):
        try:
            for block in blocks:
                cancel.raise_if_cancelled()
                sink.write(block)
        except BrokenPipeError:
            # The tool stopped early; its exit code and stderr say why.
            for _ in blocks if drain else ():
                cancel.raise_if_cancelled()
            return False
    # Only now, with every chunk authenticated, may the tool see the end of
    # its input and commit.
    sink.close()
    return True


def checked_plaintext(opened, tracker):
    """The backup's plaintext, its progress reported, its SHA-256 compared with the catalog's at the end."""
    return plaintext(opened, lambda done: tracker.update(done=done, bytes_done=done), against_catalog=True)


def may_stop_early(request) -> bool:
    # With -t, pg_restore reading a pipe exits (code 0) once the picked
    # tables' data went past, without reading the rest: every byte it used
    # was authenticated, and its exit code still tells failure from success.
    return bool(request.tables)


class FeederThread:
    """Feeds pg_restore --file=- on a thread while its SQL output is read."""

    def __init__(self, opened, producer: ToolProcess, tracker, cancel, may_stop_early: bool, drain: bool):
        self._producer = producer
        self.may_stop_early = may_stop_early
        self.error: Optional[BaseException] = None
        self.finished = False

        def work() -> None:
            try:
                self.finished = _feed(opened, producer.stdin, tracker, cancel, None, drain)
            except BaseException as exc:  # re-raised on the job's thread by complete()
                self.error = exc
                producer.kill()

        self._thread = threading.Thread(target=work, name="restore-feed", daemon=True)
        self._thread.start()

    def script(self) -> Iterator[bytes]:
        return tool_output(self._producer)

    def complete(self, cancel: CancelToken) -> None:
        """Raises unless the whole backup went through pg_restore cleanly."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        check_exit(self._producer, self._producer.wait(), cancel, self.finished or self.may_stop_early)


def tool_output(producer: ToolProcess) -> Iterator[bytes]:
    while block := producer.stdout.read(BLOCK):
        yield block


def restore_from_staging(run: RestoreRun) -> None:
    # pg_restore --jobs reads the archive out of order, which needs a real
    # file; the staging folder is private (0700) and emptied afterwards.
    jobs = run.request.jobs
    with job_folder(run.staging_dir) as staging:
        target = Path(staging) / "archive"
        run.tracker.update(phase="Decrypting to a private temporary file")
        decrypt_into(run, target)
        argv = [run.tools.pg_restore, "--verbose", "--no-password", "--exit-on-error",
                dbname_arg(run.profile.dbname), *pg_restore_options(run.request)]
        argv.append(f"--jobs={jobs}" if jobs > 1 else "--single-transaction")
        with ToolProcess([*argv, target], run.env, stdout=None, on_stderr_line=restore_steps(run)) as proc:
            with Watchdog(proc, run.cancel, STALL_SECONDS):
                code = proc.wait()
            check_exit(proc, code, run.cancel, finished=True, atomic=jobs == 1)


def decrypt_into(run: RestoreRun, target: Path) -> None:
    with checked_plaintext(run.opened, run.tracker) as (blocks, _):
        if run.opened.manifest.format == "directory":
            with tarfile.open(fileobj=ChunkReader(cancellable(blocks, run.cancel)), mode="r|") as archive:
                archive.extractall(target, filter="data")
            return
        with open(target, "xb") as out:
            for block in blocks:
                run.cancel.raise_if_cancelled()
                out.write(block)


def check_exit(proc: ToolProcess, code: int, cancel: CancelToken, finished: bool, atomic: bool = True,
               first_error: Optional[str] = None) -> None:
    """`first_error`: the message that says what went wrong, where the caller picked it (else the first error line)."""
    if cancel.cancelled:
        raise Cancelled(
            "The restore was cancelled. " + (
                "The database was left as it was before." if atomic else
                "The database may be partly restored; restore again, or use the safety backup."
            )
        )
    if code != 0 or not finished:
        raise explain_restore_failure(proc, code, atomic, first_error)


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
     "The table {0} already exists in the target. Choose 'Replace everything' (--replace on the command line)."),
    (re.compile(r"cannot drop (\w+ \S+) .*because other objects depend on it"),
     "Something in the target that is not in the backup depends on {0}, so it cannot be dropped and "
     "made again. Choose 'Replace everything' (--replace on the command line): the target then "
     "becomes exactly the backup."),
)


def _connection_lost(proc: ToolProcess, code: int, atomic: bool) -> Optional[RestoreFailed]:
    # Checked before the first error line: psql's notices ("DETAIL: drop
    # cascades to table orders") come before the loss and read as the cause.
    if not any(sign in proc.stderr_tail().lower() for sign in CONNECTION_LOST):
        return None
    outcome = ("Nothing it did was kept: the database is unchanged." if atomic else
               "The database may be partly restored; restore again, or use the safety backup.")
    return RestoreFailed(
        "The connection to the database server was lost during the restore (the server may have restarted, "
        f"or the network dropped). {outcome} Check that the server is running, then restore again.",
        detail=f"{proc.name} exited with {code}\n{proc.stderr_tail()}",
    )


def explain_restore_failure(proc: ToolProcess, code: int, atomic: bool,
                            first_error: Optional[str] = None) -> RestoreFailed:
    lost = _connection_lost(proc, code, atomic)
    if lost:
        return lost
    errors = proc.error_lines()
    first = first_error or (errors[0] if errors else (proc.stderr_tail().splitlines() or ["(no message)"])[-1])
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
