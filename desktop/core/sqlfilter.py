"""Dropping the few statements a newer pg_dump writes that an older server rejects.

pg_dump and pg_restore >= 17 write `SET transaction_timeout = 0;`, which
servers <= 16 refuse ("unrecognized configuration parameter", pgadmin4
#8044 / #8171); the setting is harmless to leave out. Lines inside COPY
data are never touched: a row may hold any text.
"""
from typing import Iterable, Iterator

_SINCE = {b"SET transaction_timeout = 0;": 17}
_COPY_START = b"COPY "
_COPY_END = b"\\."


def drop_unknown_settings(blocks: Iterable[bytes], server_major: int) -> Iterator[bytes]:
    dropped = {line for line, major in _SINCE.items() if server_major < major}
    if not dropped:
        yield from blocks
        return
    in_copy = False
    carry = b""
    for block in blocks:
        lines = (carry + block).split(b"\n")
        carry = lines.pop()
        kept = []
        for line in lines:
            if in_copy:
                in_copy = line != _COPY_END
            elif line.startswith(_COPY_START) and line.endswith(b"FROM stdin;"):
                in_copy = True
            elif line in dropped:
                continue
            kept.append(line)
        if kept:
            yield b"\n".join(kept) + b"\n"
    if carry and (in_copy or carry not in dropped):
        yield carry
