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
from collections.abc import Callable, Iterable, Iterator
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
        self._in_copy = False
        self._in_lo_block = False
        self._held: Optional[list[bytes]] = None  # a BEGIN; and the blank lines after it

    def feed(self, line: bytes) -> list[bytes]:
        """The lines to pass on, given the next one."""
        if self._in_copy:
            self._in_copy = line != _COPY_END
            return [line]
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
            self._in_copy = True
        return [] if line in self._dropped else [line]

    def finish(self, carry: bytes) -> bytes:
        """What is left at the end: held lines, and a last line that had no newline."""
        held = b"".join(line + b"\n" for line in self._held or [])
        self._held = None
        if carry and (self._in_copy or carry not in self._dropped):
            return held + carry
        return held


def one_transaction_script(blocks: Iterable[bytes], server_major: int) -> Iterator[bytes]:
    lines_filter = _LineFilter(server_major)
    carry = b""
    for block in blocks:
        lines = (carry + block).split(b"\n")
        carry = lines.pop()
        kept = [out for line in lines for out in lines_filter.feed(line)]
        if kept:
            yield b"\n".join(kept) + b"\n"
    rest = lines_filter.finish(carry)
    if rest:
        yield rest


def without_lines(blocks: Iterable[bytes], drop: Callable[[bytes], bool]) -> Iterator[bytes]:
    """The script without the statement lines `drop` picks; COPY data passes untouched."""
    in_copy, carry = False, b""
    for block in blocks:
        lines = (carry + block).split(b"\n")
        carry = lines.pop()
        kept = []
        for line in lines:
            if in_copy:
                in_copy = line != _COPY_END
            elif line.startswith(_COPY_START) and line.endswith(b"FROM stdin;"):
                in_copy = True
            elif drop(line):
                continue
            kept.append(line)
        if kept:
            yield b"\n".join(kept) + b"\n"
    if carry and (in_copy or not drop(carry)):
        yield carry
