"""Exact row counts read from pg_dump's output as it goes by, so that a backup
reads the database once (a count(*) per table in the dump's snapshot read
every table a second time, beside pg_dump).

COPY text holds one line per row (a newline inside a value is written `\\n`),
so a table's rows are the newlines of its data:

- custom format: the archive is parsed as it streams past (the layout of
  pg_backup_archiver.c's ReadHead/ReadToc and pg_backup_custom.c). The table
  of contents names each data block's table; a block is a run of
  length-prefixed chunks, compressed by pg_dump with zstd (Lifeboat asks for
  it) or not, and is decompressed here only to count its newlines.
- directory format: toc.dat holds the same table of contents, and each TABLE
  DATA entry names its file (`1234.dat`).
- plain format: the script's COPY blocks (inspect.script.ScriptReader).
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Optional

import zstandard

from desktop.core.postgres.snapshot import Table

_MAGIC = b"PGDMP"
CUSTOM = 1  # the header's format byte; a directory dump's toc.dat has another
# pg_dump ends each table's COPY data with the end marker and two blank lines.
COPY_END = b"\\.\n\n\n"
BLK_DATA, _BLK_BLOBS = 1, 3
SECTION_DATA = 3  # pg_backup.h: SECTION_NONE 1, PRE_DATA 2, DATA 3, POST_DATA 4
SECTION_POST_DATA = 4
_ALGORITHMS = {0: "none", 1: "gzip", 2: "lz4", 3: "zstd"}
_OLDEST = (1, 12)  # pg_dump 9.6


class ArchiveNotUnderstood(Exception):
    """The stream is not an archive layout this module reads; the caller counts another way."""


@dataclass
class TocEntry:
    dump_id: int
    desc: str
    section: int  # SECTION_DATA for rows, sequence values and large objects
    schema: str
    name: str
    definition: str
    copy_statement: str  # `COPY ... FROM stdin;` where its data is COPY text
    filename: Optional[str]  # directory format: the entry's data file
    has_data: bool = False  # a data block (custom) or file (directory) holds its data
    deps: list[str] = field(default_factory=list)  # the dump ids it depends on

    @property
    def copies(self) -> bool:
        return bool(self.copy_statement)


class ArchiveReader:
    """pg_dump's archive primitives (ReadByte, ReadInt, ReadStr) over a read(n) function.

    With a `tape`, every byte read is also appended to it (archive_merge.py
    copies table-of-contents entries as they were written)."""

    def __init__(self, read: Callable[[int], bytes], tape: Optional[bytearray] = None):
        self._read = read
        self.int_size = 4
        self.tape = tape

    def exact(self, size: int) -> bytes:
        data = self._read(size)
        if len(data) != size:
            raise ArchiveNotUnderstood(f"the archive ended inside a {size}-byte field")
        if self.tape is not None:
            self.tape += data
        return data

    def byte(self) -> int:
        return self.exact(1)[0]

    def byte_or_end(self) -> Optional[int]:
        """The next byte, or None where the archive ends (its data blocks run to the end)."""
        data = self._read(1)
        if self.tape is not None:
            self.tape += data
        return data[0] if data else None

    def int(self) -> int:
        return decode_int(self.exact(1 + self.int_size))

    def str(self) -> Optional[str]:
        length = self.int()
        return None if length < 0 else self.exact(length).decode("utf-8", "replace")


def decode_int(raw: bytes) -> int:
    """ReadInt: a sign byte, then the magnitude, least significant byte first."""
    value = int.from_bytes(raw[1:], "little")
    return -value if raw[0] else value


@dataclass
class ArchiveHead:
    version: tuple[int, int]
    format: int
    offset_size: int
    compression: str


def read_head(reader: ArchiveReader) -> ArchiveHead:
    if reader.exact(5) != _MAGIC:
        raise ArchiveNotUnderstood("not a pg_dump archive")
    major, minor, _revision = reader.exact(3)
    version = (major, minor)
    if version < _OLDEST or major != 1:
        raise ArchiveNotUnderstood(f"archive version {major}.{minor}")
    reader.int_size, offset_size, fmt = reader.exact(3)
    if version >= (1, 15):
        compression = _ALGORITHMS.get(reader.byte(), "unknown")
    else:
        compression = "gzip" if reader.int() != 0 else "none"
    for _ in range(7):  # the dump's creation time, field by field
        reader.int()
    for _ in range(3):  # database name, server and pg_dump versions
        reader.str()
    return ArchiveHead(version, fmt, offset_size, compression)


def read_toc(reader: ArchiveReader, head: ArchiveHead) -> Iterator[TocEntry]:
    for _ in range(reader.int()):
        yield read_entry(reader, head)


def read_entry(reader: ArchiveReader, head: ArchiveHead) -> TocEntry:
    """One table-of-contents entry (pg_backup_archiver.c, ReadToc)."""
    dump_id = reader.int()
    had_dumper = reader.int() != 0
    reader.str(), reader.str()  # table oid, oid
    name, desc = reader.str(), reader.str()
    section = reader.int()
    definition, _drop = reader.str(), reader.str()
    copy_statement = reader.str()
    schema = reader.str()
    reader.str()  # tablespace
    if head.version >= (1, 14):
        reader.str()  # table access method
    if head.version >= (1, 16):
        reader.int()  # relkind
    reader.str(), reader.str()  # owner, "with oids"
    deps = []
    while (dep := reader.str()) is not None:  # ended by a NULL string
        deps.append(dep)
    filename = None
    if head.format == CUSTOM:
        reader.exact(1 + head.offset_size)  # where its data is: a state byte, then the offset
    else:
        filename = reader.str()
    return TocEntry(dump_id, desc or "", section, schema or "", name or "", definition or "", copy_statement or "",
                    filename, had_dumper, deps)


def table_keys(entries: list[TocEntry], tables: list[Table]) -> dict:
    """dump id (custom) or file name (directory) -> table key, for the TABLE DATA entries holding COPY text."""
    keys = {(t.schema, t.name): t.key for t in tables}
    found = {}
    for entry in entries:
        key = keys.get((entry.schema, entry.name))
        if entry.desc == "TABLE DATA" and entry.copies and key:
            found[entry.filename or entry.dump_id] = key
    return found


def count_custom(read: Callable[[int], bytes], tables: list[Table]) -> dict[str, int]:
    """Row counts of a custom-format archive read to its end through `read`."""
    reader = ArchiveReader(read)
    head = read_head(reader)
    if head.format != CUSTOM or head.compression not in _DECOMPRESSORS:
        raise ArchiveNotUnderstood(f"format {head.format}, compression {head.compression}")
    keys = table_keys(list(read_toc(reader, head)), tables)
    counts: dict[str, int] = {}
    while (kind := reader.byte_or_end()) is not None:
        dump_id = reader.int()
        if kind == BLK_DATA:
            rows = _data_rows(reader, head.compression)
            if dump_id in keys:
                counts[keys[dump_id]] = rows
        elif kind == _BLK_BLOBS:
            while reader.int() != 0:  # each large object: its oid, then its chunks
                _skip_chunks(reader)
        else:
            raise ArchiveNotUnderstood(f"block type {kind}")
    return counts


def directory_keys(toc: BinaryIO, tables: list[Table]) -> dict[str, str]:
    """Data file name -> table key, from a directory-format dump's toc.dat."""
    reader = ArchiveReader(toc.read)
    head = read_head(reader)
    if head.format == CUSTOM:
        raise ArchiveNotUnderstood("a custom-format header in toc.dat")
    return table_keys(list(read_toc(reader, head)), tables)


def chunks(reader: ArchiveReader) -> Iterator[bytes]:
    """A data block's chunks, as stored (compressed by pg_dump or not)."""
    while (length := reader.int()) > 0:
        yield reader.exact(length)


def _skip_chunks(reader: ArchiveReader) -> None:
    for _ in chunks(reader):
        pass


def _data_rows(reader: ArchiveReader, compression: str) -> int:
    expand = _DECOMPRESSORS[compression]()
    lines = CopyLines()
    for chunk in chunks(reader):
        lines.add(expand(chunk))
    return lines.rows()


class CopyLines:
    """Counts the rows of one table's COPY data, fed in pieces."""

    def __init__(self):
        self._newlines = 0
        self._tail = b""

    def add(self, data: bytes) -> None:
        self._newlines += data.count(b"\n")
        self._tail = (self._tail + data[-len(COPY_END):])[-len(COPY_END):]

    def rows(self) -> int:
        return self._newlines - COPY_END.count(b"\n") if self._tail == COPY_END else self._newlines


_DECOMPRESSORS: dict[str, Callable[[], Callable[[bytes], bytes]]] = {
    "none": lambda: lambda data: data,
    "zstd": lambda: zstandard.ZstdDecompressor().decompressobj().decompress,
}
