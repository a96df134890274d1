"""Backup: pg_dump -> zstd -> Fernet chunks -> DEST/NAME.partial -> fsync -> rename -> catalog.

Row counts come from pg_dump's output as it goes by (dump_rows.py); the file
and the catalog entry are only called complete once the file is on disk.
"""
import secrets
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional

from desktop import __version__
from desktop.core.durable import AtomicFile, check_writable
from desktop.core.errors import BackupFileError, BackupStalled, Cancelled, DumpFailed, LifeboatError, UsageError
from desktop.core.format import container as crypto
from desktop.core.format.manifest import FORMATS, BackupOptions, Manifest, backup_file_name, utc_now
from desktop.core.format.pipeline import BLOCK, EncryptingSink
from desktop.core.jobs.dump_rows import DumpRows, pg_dump_compresses
from desktop.core.open_backup import open_file
from desktop.core.postgres.connection import child_env, connect
from desktop.core.postgres.lockwait import LockWatch, minutes_words, tool_app_name
from desktop.core.postgres.process import ToolProcess, Watchdog, widen_pipe
from desktop.core.postgres.snapshot import ExportedSnapshot, Table
from desktop.core.postgres.tools import PgTools, tools_for_server
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.scratch import job_folder
from desktop.core.store.audited import audited
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.profiles import Profile
from desktop.core.store.settings import default_backups_dir
from desktop.core.workspace import Workspace

_DUMPING = 'dumping contents of table "'
# How the tools and libpq say the server went away (a restart, the network);
# with OpenSSL 3 (libpq 18) a cut SSL connection reads "SSL error: unexpected eof while reading".
CONNECTION_LOST = ("server closed the connection", "eof detected", "connection to server was lost",
                    "terminating connection", "could not receive data from server", "connection reset",
                   "unexpected eof")


@dataclass
class BackupRequest:
    profile: str
    options: BackupOptions = field(default_factory=BackupOptions)
    dest: Optional[Path] = None
    kind: str = "manual"
    schedule_id: Optional[str] = None
    # The time source for started_at / finished_at: the scheduler passes its
    # own clock, so its tests can travel through simulated days.
    clock: Optional[Callable[[], datetime]] = None

    def now(self) -> str:
        return utc_now(self.clock() if self.clock else None)


@dataclass
class DumpContext:
    """What one backup's dump needs: the source and its snapshot, the manifest
    it fills in, the file it writes, and the job's progress and cancel."""
    ws: Workspace
    profile: Profile
    password: Optional[str] = field(repr=False)
    tools: PgTools
    snapshot: ExportedSnapshot
    manifest: Manifest
    out: AtomicFile
    installation_key: bytes = field(repr=False)
    tracker: ProgressTracker
    cancel: CancelToken
    now: Callable[[], str] = utc_now


def validate_options(options: BackupOptions) -> None:
    if options.format not in FORMATS:
        raise UsageError(f"Unknown backup format {options.format!r}; choose one of {', '.join(FORMATS)}.")
    if options.schema_only and options.data_only:
        raise UsageError("Choose either 'structure only' or 'data only', not both.")
    if options.jobs < 1:
        raise UsageError("The number of parallel jobs must be 1 or more.")
    if options.jobs > 1 and options.format != "directory":
        raise UsageError("Parallel jobs need the directory format (--format directory).")


@audited("backup", profile="request.profile")
def run_backup(
    ws: Workspace,
    request: BackupRequest,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> BackupRecord:
    validate_options(request.options)
    cancel = cancel or CancelToken()
    tracker = ProgressTracker(report)
    tracker.update(phase="Connecting")
    profile = ws.profiles.get(request.profile)
    password = ws.profiles.password_for(profile)
    installation_key = ws.secrets.installation_key()
    dest = Path(request.dest or default_backups_dir(ws.settings, ws.paths))
    check_writable(dest)
    with connect(profile, password) as conn:
        version_num = conn.info.server_version
        tools = tools_for_server(version_num, ws.tool_dirs())
        manifest = _new_manifest(conn, profile, request, tools)
        out = AtomicFile.unique(dest, backup_file_name(profile.name, manifest.started_at, manifest.format))
        path = out.final_path
        try:
            ws.catalog.start(manifest, path)
        except BaseException:
            out.abort()
            raise
        try:
            with out:  # any failure below removes the partial file
                snapshot = ExportedSnapshot(conn)
                try:
                    size, sha256, file_id = _dump(DumpContext(ws, profile, password, tools, snapshot, manifest,
                                                              out, installation_key, tracker, cancel, request.now))
                finally:
                    snapshot.close()
            _read_back(path, installation_key, manifest)
        except Cancelled as exc:
            ws.catalog.finish_unsuccessfully(manifest.backup_id, "cancelled", exc.message)
            raise
        except LifeboatError as exc:
            ws.catalog.finish_unsuccessfully(manifest.backup_id, "failed", exc.message)
            raise
        except BaseException as exc:
            ws.catalog.finish_unsuccessfully(manifest.backup_id, "failed", f"Unexpected error: {exc!r}")
            raise
    ws.catalog.complete(manifest, path, size, sha256, file_id)
    tracker.update(phase="Done", done=tracker.last.total)
    return ws.catalog.get(manifest.backup_id)


def _read_back(path: Path, installation_key: bytes, manifest: Manifest) -> None:
    """Opens the renamed file from disk, header to manifest, before the catalog
    may call it complete (a full read-back is `lifeboat verify`)."""
    try:
        found = open_file(path, crypto.Keys(installation_keys=[installation_key])).manifest
        if found.backup_id != manifest.backup_id:
            raise BackupFileError("the file on disk holds another backup", detail=str(path))
    except BackupFileError as exc:
        path.unlink(missing_ok=True)
        raise DumpFailed(
            "The backup file could not be read back after writing, so it was removed. The drive may be "
            "failing or was disconnected; try again, or choose another folder.",
            detail=f"{exc.message} | {exc.detail}",
        ) from exc


def _new_manifest(conn, profile: Profile, request: BackupRequest, tools: PgTools) -> Manifest:
    return Manifest(
        backup_id=secrets.token_hex(6),
        profile=profile.name,
        environment=profile.environment,
        database=profile.dbname,
        host=profile.host,
        port=profile.port,
        kind=request.kind,
        schedule_id=request.schedule_id,
        options=request.options,
        server_version=conn.execute("SHOW server_version").fetchone()[0],
        server_version_num=conn.info.server_version,
        pg_dump_version=tools.version,
        started_at=request.now(),
        lifeboat_version=__version__,
    )


def _dump(job: DumpContext) -> tuple[int, str, str]:
    """Size, SHA-256 and file id of the file written and committed."""
    snapshot, manifest, tracker = job.snapshot, job.manifest, job.tracker
    tracker.update(phase="Reading the database structure", total=sum(t.size_bytes for t in snapshot.tables))
    compresses = pg_dump_compresses(manifest.options, job.tools)
    manifest.compression = "none" if compresses else "zstd"
    rows = DumpRows(snapshot, manifest.options, job.tools, job.cancel)
    watch = LockWatch(job.profile, job.password, tool_app_name("backup"), tracker, job.cancel,
                      job.ws.settings.lock_wait_minutes * 60, pids=lambda: [snapshot.backend_pid])
    with child_env(job.profile, job.password, private_dir=job.ws.paths.private_dir) as env:
        env["PGAPPNAME"] = watch.app_name
        sink = EncryptingSink(job.out, job.installation_key, compress=not compresses)
        try:
            progress = _DumpProgress(snapshot.tables, tracker, sink)
            argv = _pg_dump_argv(job.tools, manifest.options, snapshot.snapshot_id, watch.limit_seconds, compresses)
            manifest.row_counts = _dump_and_count(job, argv, env, sink, progress, watch, rows)
            manifest.dump_bytes = sink.bytes_in
            manifest.finished_at = job.now()
            tracker.update(phase="Writing the file to disk")
            sink.close(manifest.to_dict())
        except BaseException:
            sink.abort()
            raise
        job.out.commit()
    return job.out.size, job.out.sha256, sink.file_id.hex()


def _dump_and_count(job: DumpContext, argv: list, env: dict, sink: EncryptingSink, progress: "_DumpProgress",
                    watch: LockWatch, rows: DumpRows) -> dict[str, int]:
    """pg_dump and the row counts, with the lock watch beside both (both wait for table locks)."""
    stall_seconds = job.ws.settings.stall_minutes * 60
    try:
        with watch:
            if job.manifest.format == "directory":
                with job_folder(job.ws.paths.staging_dir) as staging:
                    _dump_directory(argv, env, Path(staging), sink, progress, job.cancel, stall_seconds, rows)
            else:
                _run_pg_dump(argv, env, sink, progress, job.cancel, stall_seconds, rows)
            return rows.counts(progress.dumped)
    except DumpFailed as exc:
        raise watch.failure(exc, "no backup file was kept.") or exc


def _pg_dump_argv(tools: PgTools, options: BackupOptions, snapshot_id: str, lock_wait_seconds: float,
                  compresses: bool) -> list:
    format_flag = {"custom": "c", "plain": "p", "directory": "d"}[options.format]
    return [
        tools.pg_dump, "--verbose", "--no-password", f"--format={format_flag}",
        # zstd level 1 either way: inside the archive, table by table, where
        # pg_dump has zstd (16+; its data blocks stay readable for row counts
        # and pg_restore decompresses them in its own process), else by
        # Lifeboat after pg_dump (faster than pg_dump's gzip).
        "--compress=zstd:1" if compresses else "--compress=0", f"--snapshot={snapshot_id}",
        f"--lock-wait-timeout={max(1, round(lock_wait_seconds * 1000))}", *options.pg_dump_args(),
    ]


class _DumpProgress:
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

    def on_line(self, line: str) -> None:
        if self.watchdog:
            self.watchdog.touch()
        start = line.find(_DUMPING)
        if start < 0:
            return
        label = line[start + len(_DUMPING):].rstrip('"')
        self.dumped.add(label)
        changes = dict(phase="Copying table data", item=f"{label} ({len(self.dumped)} of about {self._count})",
                       bytes_done=self._sink.bytes_in)
        if not self._by_size:
            changes.update(done=len(self.dumped) - 1, total=self._count)
        self._tracker.update(**changes)

    def on_bytes(self) -> None:
        if self.watchdog:
            self.watchdog.touch()
        done = self._sink.bytes_in
        if self._by_size:
            self._tracker.update(bytes_done=done, done=min(done, self._tracker.last.total - 1))
        else:
            self._tracker.update(bytes_done=done)


def _run_pg_dump(argv, env, sink, progress: _DumpProgress, cancel: CancelToken, stall_seconds: float,
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
        _check_exit(proc, code, watchdog, cancel, stall_seconds)


def _dump_directory(argv, env, staging: Path, sink, progress: _DumpProgress, cancel: CancelToken,
                    stall_seconds: float, rows: DumpRows) -> None:
    # pg_dump's directory format (needed for parallel jobs) writes files itself;
    # they land only in the private 0700 staging folder, then go into the
    # encrypted file as a tar stream, and the folder is removed.
    target = staging / "dump"
    with ToolProcess([*argv, f"--file={target}"], env, stdout=None, on_stderr_line=progress.on_line) as proc:
        with Watchdog(proc, cancel, stall_seconds) as watchdog:
            progress.watchdog = watchdog
            code = proc.wait()
        _check_exit(proc, code, watchdog, cancel, stall_seconds)
    with tarfile.open(fileobj=sink, mode="w|") as archive:
        rows.add_directory(archive, target, progress.on_bytes)
    shutil.rmtree(target, ignore_errors=True)


def _check_exit(proc: ToolProcess, code: int, watchdog: Watchdog, cancel: CancelToken, stall_seconds: float) -> None:
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
