"""PostgreSQL's COPY text format, as pg_dump writes table data (PostgreSQL
docs, COPY, "Text Format"): one row per line, fields separated by a tab,
`\\N` for NULL, and backslash escapes for a backslash, tab, newline,
carriage return and the other control characters. A block starts with
`COPY schema.table (col, ...) FROM stdin;` and ends with a line `\\.`.

Decoded, a field is the value exactly as PostgreSQL prints it, and NULL
stays distinct from empty text. The masking filter (which must write back
every byte it did not change) and the backup inspector (which shows and
exports values) both read rows through here.
"""
import re
from typing import Optional

NULL = b"\\N"
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_SIMPLE = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _unescape(match: re.Match) -> bytes:
    octal, hexa, other = match.groups()
    if octal:
        return bytes([int(octal, 8) & 0xFF])
    if hexa:
        return bytes([int(hexa, 16)])
    return _SIMPLE.get(other, other)


def decode_field(field: bytes, encoding: str = "utf-8", errors: str = "surrogateescape") -> str:
    """A non-NULL field's text. With "surrogateescape" (the default) bytes that are
    not valid in `encoding` survive a decode/encode round trip."""
    raw = _ESCAPE.sub(_unescape, field) if b"\\" in field else field
    return raw.decode(encoding, errors)


def encode_field(value: Optional[str]) -> bytes:
    if value is None:
        return NULL
    raw = value.encode("utf-8", "surrogateescape")
    if b"\\" in raw or b"\t" in raw or b"\n" in raw or b"\r" in raw:  # rarely: the masking filter's hot path
        raw = raw.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
    return raw


def decode_row(line: bytes, encoding: str = "utf-8", errors: str = "replace") -> list[Optional[str]]:
    """One data line (without its newline) as values; None is NULL. "replace" by
    default: what is shown or exported must be text."""
    return [None if raw == NULL else decode_field(raw, encoding, errors) for raw in line.split(b"\t")]
