"""pg_dump as a child process: its progress lines, its exit, and what its failures mean to a user."""
import shutil
import tarfile
from pathlib import Path
from typing import Optional

from desktop.core.errors import BackupStalled, Cancelled, DumpFailed
from desktop.core.format.pipeline import BLOCK, EncryptingSink
from desktop.core.jobs.dump_rows import DumpRows
from desktop.core.postgres.lockwait import minutes_words
from desktop.core.postgres.process import ToolProcess, Watchdog, widen_pipe
from desktop.core.postgres.snapshot import Table
from desktop.core.progress import CancelToken, ProgressTracker

_DUMPING = 'dumping contents of table "'
# How the tools and libpq say the server went away (a restart, the network);
# with OpenSSL 3 (libpq 18) a cut SSL connection reads "SSL error: unexpected eof while reading".
CONNECTION_LOST = ("server closed the connection", "eof detected", "connection to server was lost",
                    "terminating connection", "could not receive data from server", "connection reset",
                   "unexpected eof")


class DumpProgress:
    """Turns pg_dump --verbose lines and bytes into progress reports.

    The percentage follows bytes against the tables' size on disk; where
    that is unknown (relpages is 0 until a table was first vacuumed or
    analyzed) it follows tables done out of tables to dump.
    """

    def __init__(self, tables: list[Table], tracker: ProgressTracker, sink: EncryptingSink):
        self._tracker = tracker
        self._sink = sink
        self._count = len(tables)
        self._by_size = tracker.last.total > 0
        self.dumped: set[str] = set()
        self.watchdog: Optional[Watchdog] = None
        self.aside = 0  # bytes dumped, not yet in the sink (a split backup's second archive)

    def on_line(self, line: str) -> None:
        if self.watchdog:
            self.watchdog.touch()
        start = line.find(_DUMPING)
        if start < 0:
            return
        label = line[start + len(_DUMPING):].rstrip('"')
        self.dumped.add(label)
        changes = dict(phase="Copying table data", item=f"{label} ({len(self.dumped)} of about {self._count})",
                       bytes_done=self._sink.bytes_in + self.aside)
        if not self._by_size:
            changes.update(done=len(self.dumped) - 1, total=self._count)
        self._tracker.update(**changes)

    def on_bytes(self) -> None:
        if self.watchdog:
            self.watchdog.touch()
        done = self._sink.bytes_in + self.aside
        if self._by_size:
            self._tracker.update(bytes_done=done, done=min(done, self._tracker.last.total - 1))
        else:
            self._tracker.update(bytes_done=done)


def run_pg_dump(argv, env, sink, progress: DumpProgress, cancel: CancelToken, stall_seconds: float,
                 rows: DumpRows) -> None:
    with ToolProcess(argv, env, on_stderr_line=progress.on_line) as proc:
        widen_pipe(proc.stdout)
        with Watchdog(proc, cancel, stall_seconds) as watchdog, rows.stream() as counting:
            progress.watchdog = watchdog
            while block := proc.stdout.read(BLOCK):
                sink.write(block)
                progress.on_bytes()
                counting.put(block)
            code = proc.wait()
        check_exit(proc, code, watchdog, cancel, stall_seconds)


def dump_directory(argv, env, staging: Path, sink, progress: DumpProgress, cancel: CancelToken,
                    stall_seconds: float, rows: DumpRows) -> None:
    # pg_dump's directory format (needed for parallel jobs) writes files itself;
    # they land only in the private 0700 staging folder, then go into the
    # encrypted file as a tar stream, and the folder is removed.
    target = staging / "dump"
    with ToolProcess([*argv, f"--file={target}"], env, stdout=None, on_stderr_line=progress.on_line) as proc:
        with Watchdog(proc, cancel, stall_seconds) as watchdog:
            progress.watchdog = watchdog
            code = proc.wait()
        check_exit(proc, code, watchdog, cancel, stall_seconds)
    with tarfile.open(fileobj=sink, mode="w|") as archive:
        rows.add_directory(archive, target, progress.on_bytes)
    shutil.rmtree(target, ignore_errors=True)


def check_exit(proc: ToolProcess, code: int, watchdog: Watchdog, cancel: CancelToken, stall_seconds: float) -> None:
    if cancel.cancelled:
        raise Cancelled("The backup was cancelled. No backup file was kept.")
    if watchdog.stalled:
        raise BackupStalled(
            f"Stopped: no progress for {minutes_words(stall_seconds)}, so Lifeboat ended the backup. "
            "The database may be busy or locked by another program, or the network may be down. "
            "Try again later.",
            detail=proc.stderr_tail(),
        )
    if code != 0:
        raise explain_dump_failure(proc, code)


def explain_dump_failure(proc: ToolProcess, code: int) -> DumpFailed:
    errors = proc.error_lines()
    text = "\n".join(errors).lower()
    detail = f"{proc.name} exited with {code}\n{proc.stderr_tail()}"
    if code < 0 or (not errors and code != 1):
        return DumpFailed(
            "The backup program (pg_dump) was stopped before it finished, by the system or another program. "
            "No backup file was kept. Try again; if it keeps happening, check the computer's free memory.",
            detail=detail,
        )
    if any(sign in text for sign in CONNECTION_LOST):
        return DumpFailed(
            "The connection to the database server was lost during the backup. No backup file was kept. "
            "Check the network connection, then try again.",
            detail=detail,
        )
    if "permission denied" in text:
        return DumpFailed(
            "The database user is not allowed to read everything this backup needs. "
            "Use a user that can read the whole database (for example one with the pg_read_all_data role). "
            f"PostgreSQL said: {errors[0]}",
            detail=detail,
        )
    first = errors[0] if errors else (proc.stderr_tail().splitlines() or ["(no message)"])[-1]
    return DumpFailed(
        f"The backup failed and no backup file was kept. pg_dump said: {first}",
        detail=detail,
    )
