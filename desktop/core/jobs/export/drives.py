"""What a destination drive can hold: its filesystem, its free space, its largest file.

FAT32 stores a file's size in 32 bits, so no file reaches 4 GiB (Linux
fails the write with EFBIG, or EPERM through fusefat; Windows says "not
enough space"). USB sticks still ship formatted FAT32, so an export checks
before it writes rather than failing near the end of a long copy.
"""
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import psutil

FAT_FILE_LIMIT = 4 * 1024**3 - 1
_FAT_TYPES = {"vfat", "msdos", "fat", "fat16", "fat32", "umsdos", "fuse.fusefat", "fusefat"}


@dataclass(frozen=True)
class DriveFacts:
    folder: Path
    mountpoint: str
    filesystem: str
    free_bytes: Optional[int]  # None when the filesystem does not say (fusefat reports 0 of 0)
    file_limit: Optional[int]  # the largest file it holds; None = no practical limit

    @property
    def is_fat(self) -> bool:
        return self.file_limit is not None


def _existing(folder: Path) -> Path:
    """The folder, or its nearest existing parent (the export may create the folder)."""
    folder = folder.expanduser().absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder.resolve()


def _mount_of(folder: Path) -> tuple[str, str]:
    best = ("", "")
    for partition in psutil.disk_partitions(all=True):
        mountpoint = partition.mountpoint
        inside = folder == Path(mountpoint) or Path(mountpoint) in folder.parents
        if inside and len(mountpoint) > len(best[0]):
            best = (mountpoint, partition.fstype)
    return best


def is_fat(filesystem: str) -> bool:
    return filesystem.lower() in _FAT_TYPES


def drive_facts(folder: Path) -> DriveFacts:
    existing = _existing(Path(folder))
    mountpoint, filesystem = _mount_of(existing)
    usage = shutil.disk_usage(existing)
    free = usage.free if usage.total > 0 else None
    return DriveFacts(Path(folder), mountpoint, filesystem, free,
                      FAT_FILE_LIMIT if is_fat(filesystem) else None)
