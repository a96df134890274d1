"""Portable copies (issue 4): export with a passphrase, import on "another machine"
(its own LIFEBOAT_HOME and keyring), restore there; and what goes wrong on the way."""
import os
from pathlib import Path

import pytest

from desktop.core.errors import (
    Cancelled,
    DestinationError,
    DiskFull,
    FileTooLargeForDrive,
    PartsIncomplete,
    UsageError,
    WrongPassphrase,
)
from desktop.core.format import container as crypto
from desktop.core.format import parts
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.export.import_copies import run_import
from desktop.core.jobs.export.run import ExportRequest, plan_export, run_export
from desktop.core.jobs.rebuild import rebuild_catalog
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.jobs.verify import verify_backup
from desktop.core.open_backup import open_file
from desktop.core.progress import CancelToken
from desktop.core.store.audit_log import AuditLog
from desktop.core.store.profiles import Profile
from desktop.core.store.secret_store import Secrets
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes
from tests.faults import assert_reads_well, cut_to, flip_byte, small_tmpfs
from tests.keyrings import MemoryKeyring

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


@pytest.fixture
def elsewhere(tmp_path) -> Workspace:
    """Another computer: its own Lifeboat folder and an empty keyring of its own."""
    return Workspace.open(environ={"LIFEBOAT_HOME": str(tmp_path / "other-machine")},
                          secrets=Secrets(MemoryKeyring()))


@pytest.fixture
def backup(ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="shop")
    return run_backup(ws, BackupRequest(profile="shop", options=BackupOptions()))


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_journey_backup_export_import_elsewhere_restore(ws, elsewhere, backup, pg15, chinook_db, tmp_path):
    drive = tmp_path / "usb"
    result = run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE))
    (copy,) = result.copies
    assert copy.files == [drive / Path(backup.path).name]
    assert copy.sheet and copy.sheet.exists()
    sheet = copy.sheet.read_text()
    assert PASSPHRASE not in sheet and chinook_db in sheet and "lifeboat decrypt" in sheet
    (recorded,) = ws.catalog.get(backup.id).copies
    assert recorded["location"] == str(copy.location) and recorded["verified_at"]
    assert recorded["sha256"] == copy.sha256 and recorded["size_bytes"] == copy.location.stat().st_size
    assert recorded["parts"] == 1
    assert oct(copy.location.stat().st_mode & 0o777) == "0o600"

    imported = run_import(elsewhere, drive, PASSPHRASE)
    assert [item.backup_id for item in imported.added] == [backup.id] and not imported.failed
    local = imported.added[0].local_path
    assert local.parent == elsewhere.paths.backups_dir
    # Restorable there without the passphrase: the copy carries this installation's key slot.
    assert verify_backup(elsewhere, backup.id).checksum_compared
    target = f"{chinook_db}_elsewhere"
    elsewhere.profiles.add(Profile(name="laptop", environment="development", host=pg15.host,
                                   port=pg15.port, dbname=target, user=pg15.superuser), pg15.password)
    try:
        restored = run_restore(elsewhere, RestoreRequest(source=backup.id, into="laptop", create=True))
        assert restored.ok
        assert schema_dump(pg15, target) == schema_dump(pg15, chinook_db)
        assert table_hashes(pg15, target) == table_hashes(pg15, chinook_db)
    finally:
        pg15.drop_database(target)
    again = run_import(elsewhere, drive, PASSPHRASE)
    assert not again.added and again.already_known == [(copy.location, backup.id)]
    assert "export" in [r.action for r in AuditLog(ws.paths.audit_file).records()]
    assert "import" in [r.action for r in AuditLog(elsewhere.paths.audit_file).records()]


def test_wrong_passphrase_adds_nothing(ws, elsewhere, backup, tmp_path):
    drive = tmp_path / "usb"
    run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE))
    result = run_import(elsewhere, drive, "not the passphrase")
    assert not result.added and len(result.failed) == 1
    path, message = result.failed[0]
    assert "passphrase" in message.lower() and "not the one" in message
    assert elsewhere.catalog.list() == []
    assert names(elsewhere.paths.backups_dir) == []
    with pytest.raises(WrongPassphrase) as caught:
        open_file(path, crypto.Keys(passphrase="not the passphrase"))
    assert_reads_well(caught.value, "passphrase", secrets=["not the passphrase"])


def test_no_passphrase_given_says_one_is_needed(ws, elsewhere, backup, tmp_path):
    run_export(ws, ExportRequest([backup.id], tmp_path / "usb", PASSPHRASE))
    result = run_import(elsewhere, tmp_path / "usb", None)
    assert not result.added and "passphrase" in result.failed[0][1]


def test_truncated_file_is_named_and_not_added(ws, elsewhere, backup, tmp_path):
    drive = tmp_path / "usb"
    copy = run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE)).copies[0]
    cut_to(copy.location, copy.size_bytes // 2)
    result = run_import(elsewhere, drive, PASSPHRASE)
    assert not result.added
    (path, message), = result.failed
    assert path == copy.location and copy.location.name in message
    assert "incomplete" in message or "damaged" in message
    assert elsewhere.catalog.list() == []
    assert names(elsewhere.paths.backups_dir) == []


def test_damaged_middle_is_named_and_not_added(ws, elsewhere, backup, tmp_path):
    drive = tmp_path / "usb"
    copy = run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE)).copies[0]
    flip_byte(copy.location, copy.size_bytes // 2)
    result = run_import(elsewhere, drive, PASSPHRASE)
    (path, message), = result.failed
    assert copy.location.name in message and "damaged" in message
    assert elsewhere.catalog.list() == [] and names(elsewhere.paths.backups_dir) == []


def test_split_export_restores_transparently(ws, elsewhere, backup, tmp_path):
    drive = tmp_path / "usb"
    limit = backup.size_bytes // 3
    plan = plan_export(ws, [backup.id], drive, file_limit=limit)
    assert plan.needs_split and "FAT32" in plan.size_problem() and "split" in plan.size_problem()
    with pytest.raises(FileTooLargeForDrive) as refused:
        run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE, file_limit=limit))
    assert_reads_well(refused.value, "FAT32", "split", ("another drive", "choose a drive"))
    assert not drive.exists() or names(drive) == []

    copy = run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE, split=True, file_limit=limit)).copies[0]
    assert len(copy.files) == 4 and all(p.stat().st_size <= limit for p in copy.files)
    assert [p.name[-4:] for p in copy.files] == [".001", ".002", ".003", ".004"]
    assert ws.catalog.get(backup.id).copies[0]["parts"] == 4
    assert "4 numbered parts" in copy.sheet.read_text()
    # Every reader takes the set as one file: verify, rebuild, import.
    assert verify_backup(ws, str(copy.files[0])).size_bytes == copy.size_bytes
    assert rebuild_catalog(ws, drive).already_known == [backup.id]
    imported = run_import(elsewhere, drive, PASSPHRASE)
    assert [i.backup_id for i in imported.added] == [backup.id]
    assert verify_backup(elsewhere, backup.id).checksum_compared


def _split_copy(ws, backup, drive):
    return run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE, split=True,
                                        file_limit=backup.size_bytes // 3)).copies[0]


@pytest.mark.parametrize("which", [1, 2, 4])
def test_a_missing_part_is_named(ws, elsewhere, backup, tmp_path, which):
    copy = _split_copy(ws, backup, tmp_path / "usb")
    missing = copy.files[which - 1]
    missing.unlink()
    source = copy.files[0] if which != 1 else copy.files[1]
    with pytest.raises(PartsIncomplete) as caught:
        parts.part_paths(source)
    assert_reads_well(caught.value, missing.name, "missing")
    result = run_import(elsewhere, source, PASSPHRASE)
    assert not result.added and missing.name in result.failed[0][1]
    assert elsewhere.catalog.list() == []


def test_an_extra_or_short_part_is_named(ws, backup, tmp_path):
    copy = _split_copy(ws, backup, tmp_path / "usb")
    extra = Path(parts.part_name(str(parts.base_path(copy.files[0])), 5))
    extra.write_bytes(b"x" * 100)
    with pytest.raises(PartsIncomplete) as caught:
        parts.part_paths(copy.files[0])
    assert_reads_well(caught.value, extra.name, "does not belong")
    extra.unlink()
    cut_to(copy.files[1], 10)
    with pytest.raises(PartsIncomplete) as caught:
        parts.part_paths(copy.files[0])
    assert_reads_well(caught.value, copy.files[1].name, "damaged")


def test_full_drive_mid_export_leaves_nothing_and_catalog_unchanged(ws, backup, tmp_path):
    original = Path(backup.path).read_bytes()
    with small_tmpfs(tmp_path / "small", "4m") as drive:
        filler = drive / "filler"

        def fill_the_drive(progress):
            # Once the copy has started, something else takes all the space left.
            if progress.bytes_done and not filler.exists():
                with open(filler, "wb") as f:
                    try:
                        while True:
                            f.write(b"\0" * 65536)
                    except OSError:
                        pass

        with pytest.raises(DiskFull) as caught:
            run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE), fill_the_drive)
        assert_reads_well(caught.value, "full", ("free", "another"))
        assert names(drive) == ["filler"]
    assert ws.catalog.get(backup.id).copies == []
    assert Path(backup.path).read_bytes() == original


def test_not_enough_space_is_refused_before_writing(ws, backup, tmp_path):
    with small_tmpfs(tmp_path / "tiny", "64k") as drive:
        with pytest.raises(DiskFull) as caught:
            run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE))
        assert_reads_well(caught.value, "free", "need")
        assert names(drive) == []
    assert ws.catalog.get(backup.id).copies == []


def test_cancel_mid_export_removes_the_copy(ws, backup, tmp_path):
    drive = tmp_path / "usb"
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE),
                   lambda p: cancel.cancel() if p.bytes_done else None, cancel)
    assert names(drive) == [] and ws.catalog.get(backup.id).copies == []


def test_refusals_before_writing(ws, backup, tmp_path):
    drive = tmp_path / "usb"
    with pytest.raises(UsageError, match="at least 8"):
        run_export(ws, ExportRequest([backup.id], drive, "short"))
    run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE))
    with pytest.raises(DestinationError) as caught:
        run_export(ws, ExportRequest([backup.id], drive, PASSPHRASE))
    assert_reads_well(caught.value, "already holds a copy")
    assert len(ws.catalog.get(backup.id).copies) == 1


def _fusefat_available() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a FAT image through FUSE needs root here"
    if not Path("/dev/fuse").exists():
        return "no /dev/fuse on this machine"
    import shutil
    for tool in ("mkfs.vfat", "fusefat", "fusermount"):
        if not shutil.which(tool):
            return f"{tool} is not installed (Debian packages dosfstools, fusefat)"
    return None


@pytest.fixture
def fat_drive(tmp_path):
    import subprocess
    reason = _fusefat_available()
    if reason:
        pytest.skip(reason)
    image, mountpoint = tmp_path / "fat.img", tmp_path / "fat"
    mountpoint.mkdir()
    with open(image, "wb") as f:
        f.truncate(40 << 20)
    subprocess.run(["mkfs.vfat", "-F", "32", str(image)], check=True, capture_output=True)
    mounted = subprocess.run(["fusefat", "-o", "rw+", str(image), str(mountpoint)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"fusefat cannot mount here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["fusermount", "-u", str(mountpoint)], capture_output=True)


def test_real_fat32_volume(ws, elsewhere, backup, fat_drive):
    plan = plan_export(ws, [backup.id], fat_drive)
    assert plan.drive.is_fat and plan.file_limit == 4 * 1024**3 - 1 and not plan.needs_split
    copy = run_export(ws, ExportRequest([backup.id], fat_drive, PASSPHRASE)).copies[0]
    # A file over the limit on FAT: split (the limit made small, not a 4 GiB file).
    limit = backup.size_bytes // 2
    split_dir = fat_drive / "split"
    with pytest.raises(FileTooLargeForDrive):
        run_export(ws, ExportRequest([backup.id], split_dir, PASSPHRASE, file_limit=limit))
    split = run_export(ws, ExportRequest([backup.id], split_dir, PASSPHRASE, split=True,
                                         file_limit=limit)).copies[0]
    assert len(split.files) == 3
    imported = run_import(elsewhere, split.files[0], PASSPHRASE)
    assert [i.backup_id for i in imported.added] == [backup.id]
    assert verify_backup(ws, str(copy.location)).sha256 == copy.sha256
