"""Export: a passphrase-protected copy of a backup on another drive, checked before it counts.

The copy gets a header with a passphrase slot added (crypto.with_passphrase)
and the records verbatim (crypto.copy_with_header): nothing is re-encrypted.
Order, after RELIABILITY.md: `.partial` -> fsync -> rename -> drop the cached
pages -> read the copy back opening it with the passphrase alone and
authenticating every record, compare its SHA-256 -> only then the catalog
records the copy. Any failure removes what was written; the original backup
and the catalog are left as they were.
"""
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Union

from desktop.core.durable import AtomicFile, check_writable
from desktop.core.errors import BackupFileError, DestinationError, DiskFull, FileTooLargeForDrive, UsageError
from desktop.core.format import container as crypto
from desktop.core.format import parts
from desktop.core.format.manifest import utc_now
from desktop.core.format.passphrase import passphrase_problem
from desktop.core.jobs.export.drives import DriveFacts, drive_facts
from desktop.core.jobs.export.recovery_sheet import sheet_path, sheet_text, write_sheet
from desktop.core.open_backup import open_backup, open_file, plaintext
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.audited import audited
from desktop.core.store.catalog import BackupRecord, Catalog
from desktop.core.store.catalog_query import CatalogQuery
from desktop.core.units import human_size
from desktop.core.workspace import Workspace

# A passphrase slot and a few bytes of JSON: what a copy adds to the original.
_HEADER_GROWTH = 1024
_SHEET_ROOM = 8 * 1024


@dataclass
class ExportRequest:
    backup_ids: list[str]
    dest: Path
    passphrase: str
    split: bool = False  # split a file too large for the drive into numbered parts
    recovery_sheet: bool = True
    file_limit: Optional[int] = None  # overrides the drive's largest file (FAT32: 4 GiB - 1)


@dataclass
class ExportItem:
    record: BackupRecord
    copy_size: int
    too_large: bool


@dataclass
class ExportPlan:
    drive: DriveFacts
    items: list[ExportItem]
    file_limit: Optional[int]

    @property
    def needed_bytes(self) -> int:
        return sum(item.copy_size + _SHEET_ROOM for item in self.items)

    @property
    def enough_space(self) -> bool:
        return self.drive.free_bytes is None or self.needed_bytes <= self.drive.free_bytes

    @property
    def needs_split(self) -> bool:
        return any(item.too_large for item in self.items)

    def space_problem(self) -> Optional[str]:
        if self.enough_space:
            return None
        return (f"The drive at {self.drive.mountpoint or self.drive.folder} has "
                f"{human_size(self.drive.free_bytes)} free, and the copies need "
                f"{human_size(self.needed_bytes)}. Free some space on it or choose another drive.")

    def size_problem(self) -> Optional[str]:
        if not self.needs_split:
            return None
        names = ", ".join(item.record.id for item in self.items if item.too_large)
        return (f"This drive ({self.drive.filesystem or 'unknown format'}) cannot hold a file larger than "
                f"{human_size(self.file_limit)} (FAT32 drives stop at 4 GB), and backup {names} is larger. "
                "Lifeboat can "
                "split it into numbered parts that it puts back together when restoring, or you can "
                "choose a drive formatted as exFAT or NTFS.")


@dataclass
class ExportedCopy:
    backup_id: str
    files: list[Path]
    size_bytes: int
    sha256: str
    verified_at: str
    sheet: Optional[Path] = None

    @property
    def location(self) -> Path:
        return self.files[0]


@dataclass
class ExportResult:
    copies: list[ExportedCopy] = field(default_factory=list)


def plan_export(ws: Workspace, backup_ids: list[str], dest: Path,
                file_limit: Optional[int] = None) -> ExportPlan:
    """What the export needs of the drive at `dest`: checked before writing anything."""
    if not backup_ids:
        raise UsageError("Choose at least one backup to export.")
    drive = drive_facts(Path(dest))
    limit = file_limit if file_limit is not None else drive.file_limit
    items = []
    for backup_id in backup_ids:
        record = ws.catalog.get(backup_id)
        if record.status != "completed" or not record.path:
            raise UsageError(f"Backup {record.id} did not complete ({record.status}), so there is "
                             "nothing to export. Choose a completed backup.")
        size = (record.size_bytes or 0) + _HEADER_GROWTH
        items.append(ExportItem(record, size, limit is not None and size > limit))
    return ExportPlan(drive, items, limit)


@dataclass(frozen=True)
class ExportRun:
    """One export on its way to the drive: what was asked, the folder it
    writes in, and the job's progress and cancel."""
    ws: Workspace
    request: ExportRequest
    dest: Path
    tracker: ProgressTracker
    cancel: CancelToken


@audited("export")
def run_export(ws: Workspace, request: ExportRequest, report: ProgressCallback = ignore_progress,
               cancel: Optional[CancelToken] = None) -> ExportResult:
    cancel = cancel or CancelToken()
    problem = passphrase_problem(request.passphrase)
    if problem:
        raise UsageError(problem)
    dest = Path(request.dest).expanduser()
    check_writable(dest)
    plan = plan_export(ws, request.backup_ids, dest, request.file_limit)
    if not plan.enough_space:
        raise DiskFull(plan.space_problem(), f"free {plan.drive.free_bytes}, needed {plan.needed_bytes}")
    if plan.needs_split and not request.split:
        raise FileTooLargeForDrive(plan.size_problem(), f"{plan.drive.filesystem} limit {plan.file_limit}")
    tracker = ProgressTracker(report)
    tracker.update(phase="Copying to the drive", total=2 * sum(i.copy_size for i in plan.items))
    result = ExportResult()
    run = ExportRun(ws, request, dest, tracker, cancel)
    for item in plan.items:
        cancel.raise_if_cancelled()
        part_size = plan.file_limit if item.too_large else None
        result.copies.append(_export_one(run, item.record, part_size))
    return result


def _export_one(run: ExportRun, record: BackupRecord, part_size: Optional[int]) -> ExportedCopy:
    ws, request, tracker = run.ws, run.request, run.tracker
    opened = open_backup(ws, record.id)
    header = crypto.with_passphrase(opened.header, opened.data_key, request.passphrase)
    target = run.dest / parts.base_path(opened.path).name
    _refuse_existing(target)
    start = tracker.last.done
    writer = _copy(run, opened.path, target, header, part_size, start)
    files = [target] if isinstance(writer, AtomicFile) else [p.final_path for p in writer.parts]
    try:
        tracker.update(phase="Reading the copy back to check it", item=target.name)
        _read_back(files[0], request.passphrase, writer.sha256, opened.manifest.dump_bytes,
                   lambda done: tracker.update(done=start + writer.size + done), run.cancel)
        sheet = None
        if request.recovery_sheet:
            sheet = write_sheet(sheet_path(target),
                                sheet_text(record, files, writer.size, writer.sha256, utc_now()))
    except BaseException:
        _remove(files, target)
        raise
    verified_at = utc_now()
    ws.catalog.add_copy(record.id, str(files[0]), verified_at, verified_at, writer.size,
                        writer.sha256, len(files))
    return ExportedCopy(record.id, files, writer.size, writer.sha256, verified_at, sheet)


def _refuse_existing(target: Path) -> None:
    for taken in (target, Path(parts.part_name(str(target), 1))):
        if taken.exists():
            raise DestinationError(
                f"{taken.parent} already holds a copy of this backup ({taken.name}). Lifeboat never "
                "overwrites a backup: choose another folder, or move the old copy away first.")


def _copy(run: ExportRun, source: Path, target: Path, header: crypto.Header, part_size: Optional[int],
          start: int) -> Union[AtomicFile, parts.PartsWriter]:
    writer = parts.PartsWriter(target, part_size) if part_size else AtomicFile(target)

    def copied(done: int) -> None:
        run.cancel.raise_if_cancelled()
        run.tracker.update(item=target.name, done=start + done, bytes_done=start + done)

    try:
        with parts.open_stream(source) as src:
            crypto.copy_with_header(src, writer, header, copied)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return writer


def _drop_cached_pages(files: list[Path]) -> None:
    """So the read-back comes from the drive, not from what the kernel still holds in memory."""
    if not hasattr(os, "posix_fadvise"):
        return
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _read_back(first: Path, passphrase: str, written_sha256: str, dump_bytes: int,
               on_bytes, cancel: CancelToken) -> None:
    try:
        _drop_cached_pages(parts.part_paths(first))
        copy = open_file(first, crypto.Keys(passphrase=passphrase))
        read = 0
        with plaintext(copy, on_bytes) as (blocks, result):
            for block in blocks:
                cancel.raise_if_cancelled()
                read += len(block)
        if result.sha256 != written_sha256 or read != dump_bytes:
            raise BackupFileError("copy differs", f"sha256 {result.sha256} != written {written_sha256}, "
                                                  f"dump bytes {read} != {dump_bytes}")
    except (BackupFileError, OSError) as exc:
        raise DestinationError(
            f"The copy written to {first.parent} did not read back exactly as it was written, so it "
            "was removed. The drive may be failing or was disconnected. The original backup is "
            "untouched; try again, or use another drive.", detail=repr(exc)) from exc


def _remove(files: list[Path], target: Path) -> None:
    for path in [*files, sheet_path(target)]:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # an unplugged drive: nothing left to remove there


def latest_of_each_connection(catalog: Catalog) -> list[BackupRecord]:
    """The newest completed backup of every connection: "take everything that matters" in one go.
    One indexed read per connection, not the whole catalog: it may hold a year of hourly backups."""
    restorable = CatalogQuery(statuses=("completed",), with_file=True)
    return [record for profile in sorted(catalog.profiles(restorable), key=str.casefold)
            for record in catalog.select(replace(restorable, profile=profile), limit=1)]
