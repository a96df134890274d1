"""Backup: pg_dump -> zstd -> Fernet chunks -> DEST/NAME.partial -> fsync -> rename -> catalog.

Row counts come from pg_dump's output as it goes by (dump_rows.py); the file
and the catalog entry are only called complete once the file is on disk.
"""
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional

from desktop import __version__
from desktop.core.durable import AtomicFile, check_writable
from desktop.core.errors import BackupFileError, Cancelled, DumpFailed, LifeboatError, UsageError
from desktop.core.format import container as crypto
from desktop.core.format.manifest import FORMATS, BackupOptions, Manifest, backup_file_name, utc_now
from desktop.core.format.pipeline import EncryptingSink
from desktop.core.jobs.dump_rows import DumpRows, pg_dump_compresses
from desktop.core.jobs.dump_run import DumpProgress, dump_directory, run_pg_dump
from desktop.core.jobs.split_dump import run_split_dump, tables_aside
from desktop.core.open_backup import open_file
from desktop.core.postgres.connection import child_env, connect
from desktop.core.postgres.lockwait import LockWatch, tool_app_name
from desktop.core.postgres.roles import CapturedRoles, RolesCapture
from desktop.core.postgres.snapshot import ExportedSnapshot
from desktop.core.postgres.tools import PgTools, tools_for_server
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.scratch import job_folder
from desktop.core.store.audited import audited
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.profiles import Profile
from desktop.core.store.settings import default_backups_dir
from desktop.core.workspace import Workspace


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
    watch = LockWatch(job.profile, job.password, tool_app_name("backup"), tracker, job.cancel,
                      job.ws.settings.lock_wait_minutes * 60, pids=lambda: [snapshot.backend_pid])
    with child_env(job.profile, job.password, private_dir=job.ws.paths.private_dir) as env, \
            _roles_capture(job, env) as roles:
        env["PGAPPNAME"] = watch.app_name
        rows = DumpRows(snapshot, manifest.options, job.tools, job.cancel)  # may start counting in the snapshot
        sink = EncryptingSink(job.out, job.installation_key, compress=not compresses)
        try:
            progress = DumpProgress(snapshot.tables, tracker, sink)
            argv = _pg_dump_argv(job.tools, manifest.options, snapshot.snapshot_id, watch.limit_seconds, compresses)
            manifest.row_counts = _dump_and_count(job, argv, env, sink, progress, watch, rows)
            _record_roles(manifest, roles.finish())
            manifest.dump_bytes = sink.bytes_in
            manifest.finished_at = job.now()
            tracker.update(phase="Writing the file to disk")
            sink.close(manifest.to_dict())
        except BaseException:
            sink.abort()
            raise
        job.out.commit()
    return job.out.size, job.out.sha256, sink.file_id.hex()


def _roles_capture(job: DumpContext, env: dict) -> RolesCapture:
    """The roles the backup names, read in the snapshot before the row counts take
    its connection; their globals come from a pg_dumpall that runs beside pg_dump."""
    options = job.manifest.options
    return RolesCapture(job.snapshot.connection, job.tools, env, job.profile.dbname,
                        owners=not options.no_owner, grantees=not options.no_acl)


def _record_roles(manifest: Manifest, captured: CapturedRoles) -> None:
    manifest.roles = captured.names
    manifest.roles_used_as = captured.uses or {}
    manifest.roles_sql = captured.globals_sql
    manifest.roles_names_only = captured.names_only


def _dump_and_count(job: DumpContext, argv: list, env: dict, sink: EncryptingSink, progress: "DumpProgress",
                    watch: LockWatch, rows: DumpRows) -> dict[str, int]:
    """pg_dump and the row counts, with the lock watch beside both (both wait for table locks)."""
    stall_seconds = job.ws.settings.stall_minutes * 60
    try:
        with watch:
            options = job.manifest.options
            aside = tables_aside(job.snapshot, options, pg_dump_compresses(options, job.tools), job.profile.host)
            if aside:
                with job_folder(job.ws.paths.staging_dir) as staging:
                    run_split_dump(argv, env, sink, progress, job.cancel, stall_seconds, rows, aside, Path(staging))
            elif job.manifest.format == "directory":
                with job_folder(job.ws.paths.staging_dir) as staging:
                    dump_directory(argv, env, Path(staging), sink, progress, job.cancel, stall_seconds, rows)
            else:
                run_pg_dump(argv, env, sink, progress, job.cancel, stall_seconds, rows)
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
