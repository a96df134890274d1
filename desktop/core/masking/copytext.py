"""PostgreSQL's COPY text format, as pg_dump writes it, for the masking filter.

A data line holds one row: fields separated by a tab, `\\N` for NULL, and
backslash escapes for a backslash, tab, newline, carriage return and a few
more (PostgreSQL docs, COPY, "Text Format"). A COPY block starts with
`COPY schema.table (col, ...) FROM stdin;`, names quoted as `format('%I')`
quotes them, and ends with a line `\\.`.
"""
import re
from typing import Optional

NULL = b"\\N"
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_SIMPLE = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _unescape_one(match: re.Match) -> bytes:
    octal, hexa, char = match.groups()
    if octal:
        return bytes([int(octal, 8) & 0xFF])
    if hexa:
        return bytes([int(hexa, 16)])
    return _SIMPLE.get(char, char)


def decode_field(field: bytes) -> str:
    """A non-NULL field's text. Bytes that are not UTF-8 survive a decode/encode round trip."""
    raw = _ESCAPE.sub(_unescape_one, field) if b"\\" in field else field
    return raw.decode("utf-8", "surrogateescape")


def encode_field(value: Optional[str]) -> bytes:
    if value is None:
        return NULL
    raw = value.encode("utf-8", "surrogateescape")
    if b"\\" in raw:
        raw = raw.replace(b"\\", b"\\\\")
    for char, escaped in ((b"\t", b"\\t"), (b"\n", b"\\n"), (b"\r", b"\\r")):
        if char in raw:
            raw = raw.replace(char, escaped)
    return raw


def _identifiers(text: str) -> list[str]:
    """Identifiers separated by '.', ',' or spaces; "quoted" ones unquoted."""
    names, i = [], 0
    while i < len(text):
        char = text[i]
        if char == '"':
            end = i + 1
            while True:
                end = text.index('"', end)
                if text[end + 1:end + 2] != '"':
                    break
                end += 2
            names.append(text[i + 1:end].replace('""', '"'))
            i = end + 1
        elif char in "., ":
            i += 1
        else:
            end = i
            while end < len(text) and text[end] not in "., ":
                end += 1
            names.append(text[i:end])
            i = end
    return names


def parse_copy_header(line: bytes) -> Optional[tuple[str, str, list[str]]]:
    """(schema, table, columns) of `COPY s.t (a, b) FROM stdin;`, or None for any other line."""
    if not (line.startswith(b"COPY ") and line.endswith(b" FROM stdin;")):
        return None
    text = line[5:-len(b" FROM stdin;")].decode("utf-8", "surrogateescape")
    name, _, columns = _split_outside_quotes(text)  # no column list: a table without columns
    qualified = _identifiers(name.strip())
    schema, table = (qualified[0], qualified[1]) if len(qualified) == 2 else ("", qualified[-1])
    return schema, table, _identifiers(columns.rstrip().removesuffix(")"))


def _split_outside_quotes(text: str) -> tuple[str, str, str]:
    """text.partition(" (") where the " (" is not inside a quoted name."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and text.startswith(" (", i):
            return text[:i], " (", text[i + 2:]
    return text, "", ""
