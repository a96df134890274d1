"""Making a pg_dump script safe to run inside the one transaction Lifeboat opens.

Two kinds of line are dropped, never a line of COPY data (a row may hold any text):

- `SET transaction_timeout = 0;`, which pg_dump and pg_restore >= 17 write
  and servers <= 16 refuse ("unrecognized configuration parameter",
  pgadmin4 #8044 / #8171); the setting is harmless to leave out.
- the `BEGIN;` and `COMMIT;` pg_dump writes around the data of large
  objects in a script (pg_backup_archiver.c, StartRestoreLOs: plain format
  and `pg_restore --file=-` alike). Left in, that COMMIT would commit the
  whole restore before its end: a restore killed after it would stay half
  done. Only a `BEGIN;` whose next statement is `SELECT pg_catalog.lo_open(`
  is dropped, with the `COMMIT;` closing that block: a `COMMIT;` line inside
  a procedure's body stays as it is.
"""
from collections.abc import Iterable, Iterator
from typing import Optional

_SINCE = {b"SET transaction_timeout = 0;": 17}
_COPY_START = b"COPY "
_COPY_END = b"\\."
_BEGIN = b"BEGIN;"
_COMMIT = b"COMMIT;"
_LO_OPEN = b"SELECT pg_catalog.lo_open("


class _LineFilter:
    def __init__(self, server_major: int):
        self._dropped = {line for line, major in _SINCE.items() if server_major < major}
        self.in_copy = False  # the lines that follow are COPY rows, up to the end marker
        self._in_lo_block = False
        self._held: Optional[list[bytes]] = None  # a BEGIN; and the blank lines after it

    def feed(self, line: bytes) -> list[bytes]:
        """The lines to pass on, given the next line that is not a COPY row."""
        if self._held is not None:
            if not line.strip():
                self._held.append(line)
                return []
            held, self._held = self._held, None
            if line.startswith(_LO_OPEN):
                self._in_lo_block = True
                return held[1:] + [line]
            return held + self.feed(line)
        if line == _BEGIN:
            self._held = [line]
            return []
        if self._in_lo_block and line == _COMMIT:
            self._in_lo_block = False
            return []
        if line.startswith(_COPY_START) and line.endswith(b"FROM stdin;"):
            self.in_copy = True
        return [] if line in self._dropped else [line]

    def finish(self, carry: bytes) -> bytes:
        """What is left at the end: held lines, and a last line that had no newline."""
        held = b"".join(line + b"\n" for line in self._held or [])
        self._held = None
        if carry and (self.in_copy or carry not in self._dropped):
            return held + carry
        return held


def one_transaction_script(blocks: Iterable[bytes], server_major: int) -> Iterator[bytes]:
    """The script, filtered line by line outside COPY data; the rows (most of a
    backup) pass in whole slices up to their end marker, with no work per row."""
    lines_filter = _LineFilter(server_major)
    carry = b""
    for block in blocks:
        data, pos, kept = carry + block, 0, []
        while True:
            if lines_filter.in_copy:
                end = _rows_end(data, pos)
                if end is None:
                    end = data.rfind(b"\n", pos) + 1 or pos
                    kept.append(data[pos:end])
                    pos = end
                    break
                kept.append(data[pos:end])
                pos, lines_filter.in_copy = end, False
                continue
            newline = data.find(b"\n", pos)
            if newline < 0:
                break
            kept.extend(line + b"\n" for line in lines_filter.feed(data[pos:newline]))
            pos = newline + 1
        carry = data[pos:]
        if any(kept):
            yield b"".join(kept)
    rest = lines_filter.finish(carry)
    if rest:
        yield rest


def _rows_end(data: bytes, pos: int) -> Optional[int]:
    """Where the COPY rows starting at `pos` (a line start) end, past their end-marker line, if in `data`."""
    if data.startswith(_COPY_END + b"\n", pos):
        return pos + len(_COPY_END) + 1
    found = data.find(b"\n" + _COPY_END + b"\n", pos)
    return None if found < 0 else found + len(_COPY_END) + 2
