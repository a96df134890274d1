"""A backup split into numbered parts (`NAME.lifeboat.001`, `.002`, ...), read as one file.

FAT32 drives hold no file of 4 GiB or more, so an export there may be split.
Every reader opens a backup through `open_stream`, which hands back either the
plain file or a `PartsReader` over the whole set; the encrypted format itself
then proves the content (every record carries the file id and its index, and
the footer says where the stream ends). What the parts themselves can get
wrong -- one missing, one cut short, one too many -- is checked here first so
the message names the part.
"""
import hashlib
import os
import re
from pathlib import Path
from typing import BinaryIO

from desktop.core.durable import AtomicFile
from desktop.core.errors import PartsIncomplete

FIRST_PART = ".001"
_NUMBERED = re.compile(r"^(?P<base>.+)\.(?P<number>\d{3})$")
_END_MAGIC = b"LFBT_END"  # crypto's footer marker: the set's last part ends with it


def part_name(base: str, number: int) -> str:
    return f"{base}.{number:03d}"


def base_path(path: Path) -> Path:
    """`X.lifeboat` for `X.lifeboat.003`; a path that is no part is returned as it is."""
    match = _NUMBERED.match(path.name)
    return path.with_name(match["base"]) if match else path


def is_backup_path(path: Path) -> bool:
    """A single backup file, or the first part of a split one, or its base name."""
    return path.is_file() or Path(part_name(str(base_path(path)), 1)).is_file()


def part_paths(path: Path) -> list[Path]:
    """The files holding this backup, in order: [path] for a single file."""
    path = Path(path)
    if path.is_file() and not _NUMBERED.match(path.name):
        return [path]
    base = base_path(path)
    first = Path(part_name(str(base), 1))
    if not first.is_file():
        if _NUMBERED.match(path.name):
            raise _incomplete(base, 1, f"{first.name} is missing")
        return [path]  # not there at all: opening it says so in the reader's words
    found = sorted(int(m["number"]) for p in base.parent.glob(f"{base.name}.[0-9][0-9][0-9]")
                   if (m := _NUMBERED.match(p.name)) and m["base"] == base.name)
    for expected, number in enumerate(found, start=1):
        if number != expected:
            raise _incomplete(base, expected, f"numbers found {found}")
    parts = [Path(part_name(str(base), n)) for n in found]
    _check_sizes(base, parts)
    return parts


def _check_sizes(base: Path, parts: list[Path]) -> None:
    # Every part but the last is exactly the split size; the last ends with
    # the footer. A full-size last part without it means the next is missing.
    sizes = [p.stat().st_size for p in parts]
    for number, part in enumerate(parts[:-1], start=1):
        if _ends_with_marker(part):
            raise PartsIncomplete(
                f"{parts[number].name} does not belong to this backup: the backup already ends in "
                f"{part.name}. Move the extra part away, then try again.",
                f"end marker at the end of part {number} of {len(parts)}")
    for number, size in enumerate(sizes[:-1], start=1):
        if size != sizes[0]:
            raise _damaged_part(parts[number - 1], f"part {number} is {size} bytes, part 1 is {sizes[0]}")
    if not _ends_with_marker(parts[-1]):
        if _marker_inside(parts[-1]):
            raise PartsIncomplete(
                f"Extra data follows the end of this backup in its last part, {parts[-1].name}: something was "
                "added to it after Lifeboat finished writing it. Copy that part again from the drive it came "
                "from, or use another copy of this backup.", f"end marker before the end of part {len(parts)}")
        if len(parts) > 1 and sizes[-1] != sizes[0]:
            raise _damaged_part(parts[-1], f"last part {sizes[-1]} bytes without end marker")
        raise _incomplete(base, len(parts) + 1, f"{len(parts)} parts of {sizes[0]} bytes, no end marker")


def _ends_with_marker(path: Path) -> bool:
    with open(path, "rb") as f:
        if f.seek(0, os.SEEK_END) < len(_END_MAGIC):
            return False
        f.seek(-len(_END_MAGIC), os.SEEK_END)
        return f.read() == _END_MAGIC


def _marker_inside(path: Path) -> bool:
    """Whether the end marker occurs before the file's end (read only when it is not at the end)."""
    tail = b""
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            if _END_MAGIC in tail[-len(_END_MAGIC):] + block:
                return True
            tail = block
    return False


def _incomplete(base: Path, number: int, detail: str) -> PartsIncomplete:
    missing = part_name(base.name, number)
    return PartsIncomplete(
        f"This backup was split into numbered parts, and part {number} ({missing}) is missing "
        f"from {base.parent}. Copy every part of the backup into the same folder, then try again.",
        detail)


def _damaged_part(path: Path, detail: str) -> PartsIncomplete:
    return PartsIncomplete(
        f"Part {path.name} of this split backup is incomplete or damaged (its size is wrong). "
        "Copy it again from the drive it came from, or use another copy of this backup.", detail)


def total_size(path: Path) -> int:
    return sum(p.stat().st_size for p in part_paths(path))


def open_stream(path: Path) -> BinaryIO:
    """The backup's bytes from its start, whether one file or a set of parts."""
    parts = part_paths(path)
    return open(parts[0], "rb") if len(parts) == 1 else PartsReader(parts)


class PartsReader:
    """Read-only, seekable view of several files laid end to end."""

    def __init__(self, parts: list[Path]):
        self._files = [open(p, "rb") for p in parts]
        self._starts = []
        position = 0
        for f in self._files:
            self._starts.append(position)
            position += f.seek(0, os.SEEK_END)
        self._size = position
        self._pos = 0

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        out = bytearray()
        while size > len(out) and self._pos < self._size:
            index = max(i for i, start in enumerate(self._starts) if start <= self._pos)
            f = self._files[index]
            f.seek(self._pos - self._starts[index])
            data = f.read(size - len(out))
            if not data:
                break  # a part shrank under us; the format's checks report it
            out += data
            self._pos += len(data)
        return bytes(out)

    def close(self) -> None:
        for f in self._files:
            f.close()

    def __enter__(self) -> "PartsReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PartsWriter:
    """Writes one stream as `base.001`, `base.002`, ... of `part_size` bytes each.

    Each part is an AtomicFile (`.partial` until committed). Parts are renamed
    last to first, so until the whole set is in place there is no `.001`,
    and no reader finds a backup that is half there."""

    def __init__(self, base: Path, part_size: int):
        if part_size < 1:
            raise ValueError("part size must be positive")
        self.base = Path(base)
        self.part_size = part_size
        self.parts: list[AtomicFile] = []
        self._sha = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            if not self.parts or self.parts[-1].size >= self.part_size:
                self.parts.append(AtomicFile(Path(part_name(str(self.base), len(self.parts) + 1))))
            current = self.parts[-1]
            room = self.part_size - current.size
            current.write(bytes(view[:room]))
            view = view[room:]
        self._sha.update(data)
        self.size += len(data)
        return len(data)

    def commit(self) -> list[Path]:
        try:
            for part in reversed(self.parts):
                part.commit()
        except BaseException:
            self.abort()
            raise
        return [part.final_path for part in self.parts]

    def abort(self) -> None:
        for part in self.parts:
            part.abort()
            try:
                part.final_path.unlink(missing_ok=True)
            except OSError:
                pass  # an unplugged drive: nothing left to remove there
