"""Which table and columns a COPY block holds, for the masking filter: its
`COPY schema.table (col, ...) FROM stdin;` line, names quoted as
`format('%I')` quotes them. The rows themselves: postgres/copy_format.py.
"""
from typing import Optional


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
