"""Two custom archives of one snapshot made into one, as a single pg_dump would have written it.

A split backup (jobs/split_dump.py) runs two pg_dumps beside each other on
one exported snapshot: the main one dumps everything but some tables' rows
(`--exclude-table-data`), the other dumps only those rows (`--data-only
--table`). The result is the main archive with the other's TABLE DATA
entries added to its table of contents and their data blocks appended:

    main header | entry count | main entries, the other's TABLE DATA entries
    inserted after the last main entry with data | main data blocks | the
    other's data blocks

The added entries are copied byte for byte except for two fields: a new
dump id (above the main archive's highest, so none is taken twice) and
their one dependency, the table's own TABLE entry in the main archive
(the other archive numbers its objects on its own). Each appended data
block's header carries the new id. Data blocks follow the table of
contents' order, so pg_restore reading from a pipe finds every block where
it looks for it; `pg_restore -l` and `-j` read the result as any archive.
The layout is pg_backup_archiver.c's (WriteHead, WriteToc, WriteInt,
WriteStr) and pg_backup_custom.c's (a block: type byte, dump id, then
length-prefixed chunks ending with a zero length).
"""
from dataclasses import dataclass

from desktop.core.postgres.archive_rows import (
    BLK_DATA,
    CUSTOM,
    SECTION_DATA,
    ArchiveHead,
    ArchiveNotUnderstood,
    ArchiveReader,
    TocEntry,
    decode_int,
    read_entry,
    read_head,
)


@dataclass
class _Stored:
    entry: TocEntry
    raw: bytes  # as written: dump id | fields | dependencies | NULL | data offset
    fields: bytes  # the part between the dump id and the dependencies
    data_offset: bytes  # its state byte and offset


@dataclass
class ArchiveStart:
    """An archive's header and table of contents, read and kept as written."""
    head_raw: bytes
    entries: list[_Stored]
    int_size: int
    raw: bytes  # every byte read, as written


def read_start(reader: ArchiveReader) -> ArchiveStart:
    """Reads a custom archive up to its first data block; `reader` must have no tape."""
    tape = reader.tape = bytearray()
    head = read_head(reader)
    if head.format != CUSTOM:
        raise ArchiveNotUnderstood(f"format {head.format}")
    head_raw = bytes(tape)
    entries = []
    for _ in range(reader.int()):
        start = len(tape)
        entry = read_entry(reader, head)
        entries.append(_stored(bytes(tape[start:]), entry, head, reader.int_size))
    reader.tape = None
    return ArchiveStart(head_raw, entries, reader.int_size, bytes(tape))


def merged_start(main: ArchiveStart, other: ArchiveStart) -> tuple[bytes, dict[int, int]]:
    """The merged header and table of contents, and the other archive's dump ids -> their new ids."""
    if other.head_raw[:8] != main.head_raw[:8]:  # magic, version, int and offset sizes, format
        raise ArchiveNotUnderstood("the two archives are of different versions")
    tables = {(s.entry.schema, s.entry.name): s.entry.dump_id for s in main.entries if s.entry.desc == "TABLE"}
    next_id = max((s.entry.dump_id for s in main.entries), default=0) + 1
    added, renumbered = [], {}
    for stored in other.entries:
        entry = stored.entry
        if entry.desc != "TABLE DATA":
            continue  # sequence values and the like: the main archive has them
        table = tables.get((entry.schema, entry.name))
        if table is None:
            raise ArchiveNotUnderstood(f"no TABLE entry for {entry.schema}.{entry.name}")
        renumbered[entry.dump_id] = next_id
        added.append(_renumbered(stored, next_id, table, main.int_size))
        next_id += 1
    entries = [s.raw for s in main.entries]
    at = _insertion_point(main.entries)
    entries[at:at] = added
    return main.head_raw + encode_int(len(entries), main.int_size) + b"".join(entries), renumbered


class Renumbering:
    """The other archive's data blocks, read after its table of contents and fed in
    pieces of any size, given back with each block under its new dump id.

    A block is a type byte and a dump id, then chunks (a length, then that many
    bytes) ending with a zero length; only the block headers change, so the
    chunks pass as slices of what was fed."""

    def __init__(self, renumbered: dict[int, int], int_size: int):
        self._renumbered = renumbered
        self._int_size = int_size
        self._held = b""  # the start of a header or length, until it is whole
        self._in_chunk = 0  # bytes of the current chunk still to come
        self._at_block = True  # the next header is a block's, not a chunk length

    def feed(self, data: bytes) -> bytes:
        view, out, at = memoryview(self._held + data), [], 0
        while at < len(view):
            if self._in_chunk:
                taken = min(self._in_chunk, len(view) - at)
                out.append(view[at:at + taken])
                self._in_chunk -= taken
                at += taken
                continue
            size = 1 + self._int_size + (1 if self._at_block else 0)  # [a type byte,] a sign byte, the value
            if len(view) - at < size:
                break
            out.append(self._header(bytes(view[at:at + size])))
            at += size
        self._held = bytes(view[at:])
        return b"".join(out)

    def finish(self) -> None:
        if self._held or self._in_chunk or not self._at_block:
            raise ArchiveNotUnderstood("the archive ended inside a data block")

    def _header(self, raw: bytes) -> bytes:
        if not self._at_block:  # a chunk's length
            length = decode_int(raw)
            if length < 0:
                raise ArchiveNotUnderstood(f"chunk length {length}")
            self._in_chunk = length
            self._at_block = length == 0
            return raw
        kind, dump_id = raw[0], decode_int(raw[1:])
        if kind != BLK_DATA or dump_id not in self._renumbered:
            raise ArchiveNotUnderstood(f"block type {kind}, dump id {dump_id}")
        self._at_block = False
        return bytes([kind]) + encode_int(self._renumbered[dump_id], self._int_size)


def encode_int(value: int, int_size: int) -> bytes:
    """WriteInt: a sign byte, then the magnitude in `int_size` bytes, least significant first."""
    return bytes([1 if value < 0 else 0]) + abs(value).to_bytes(int_size, "little")


def _encode_str(text: str, int_size: int) -> bytes:
    data = text.encode()
    return encode_int(len(data), int_size) + data


def _stored(raw: bytes, entry: TocEntry, head: ArchiveHead, int_size: int) -> _Stored:
    deps = sum(1 + int_size + len(dep.encode()) for dep in entry.deps) + 1 + int_size  # and the NULL
    data_offset = raw[len(raw) - 1 - head.offset_size:]
    return _Stored(entry, raw, raw[1 + int_size:len(raw) - len(data_offset) - deps], data_offset)


def _renumbered(stored: _Stored, dump_id: int, table: int, int_size: int) -> bytes:
    return (encode_int(dump_id, int_size) + stored.fields + _encode_str(str(table), int_size)
            + encode_int(-1, int_size) + stored.data_offset)


def _insertion_point(entries: list[_Stored]) -> int:
    """After the last entry with a data block (the other's blocks come after the main's);
    with none, before the first entry past the data section."""
    with_data = [i for i, s in enumerate(entries) if s.entry.has_data]
    if with_data:
        return with_data[-1] + 1
    later = [i for i, s in enumerate(entries) if s.entry.section > SECTION_DATA]
    return later[0] if later else len(entries)
