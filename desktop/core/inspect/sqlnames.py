"""Reading the names and column lists pg_dump writes into its SQL.

pg_dump quotes an identifier exactly when the server's `format('%I')`
would (fmtId and quote_identifier share the keyword rules), so the
qualified name it writes, `public."select"` or `"Sales Dept"."Order Items"`,
is the catalog's table key as it is.
"""
from collections.abc import Iterator
from typing import Optional


def read_identifier(text: str, pos: int) -> tuple[str, int]:
    """(the identifier starting at `pos` as written, the position after it)."""
    if text.startswith('"', pos):
        end = pos + 1
        while True:
            end = text.index('"', end)
            if text.startswith('"', end + 1):
                end += 2
                continue
            return text[pos:end + 1], end + 1
    end = pos
    while end < len(text) and (text[end].isalnum() or text[end] in "_$"):
        end += 1
    return text[pos:end], end


def read_qualified(text: str, pos: int) -> tuple[str, int]:
    """A `schema.name` (as written) starting at `pos`, and the position after it."""
    first, end = read_identifier(text, pos)
    if text.startswith(".", end):
        second, end = read_identifier(text, end + 1)
        return f"{first}.{second}", end
    return first, end


def unquote(identifier: str) -> str:
    if identifier.startswith('"'):
        return identifier[1:-1].replace('""', '"')
    return identifier


def quote(name: str) -> str:
    """What the SQL would show for a column name read back from the dump."""
    if name and (name[0].isalpha() or name[0] == "_") and all(
            ch.isalnum() or ch in "_$" for ch in name) and name == name.lower():
        return name
    return '"' + name.replace('"', '""') + '"'


def identifier_list(text: str) -> list[str]:
    """The unquoted names in `a, "B c", d` (a column list in parentheses, without them)."""
    names, pos = [], 0
    while pos < len(text):
        if text[pos] in " ,\n":
            pos += 1
            continue
        name, pos = read_identifier(text, pos)
        if not name:
            break
        names.append(unquote(name))
    return names


def _outside_quotes(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(position, character, parenthesis depth after it) for each character from
    `start` that is not inside quotes (a quoted name or a string literal)."""
    depth, quoted = 0, None
    for pos in range(start, len(text)):
        char = text[pos]
        if quoted:
            quoted = None if char == quoted else quoted
            continue
        if char in "\"'":
            quoted = char
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        yield pos, char, depth


def parenthesised(text: str, start: int) -> Optional[tuple[str, int]]:
    """The text inside the parentheses opening at or after `start`, quotes respected, and the end."""
    open_at = text.find("(", start)
    if open_at < 0:
        return None
    for pos, char, depth in _outside_quotes(text, open_at):
        if char == ")" and depth == 0:
            return text[open_at + 1:pos], pos + 1
    return None


def split_top_level(text: str) -> list[str]:
    """`text` cut at the commas outside parentheses and quotes (a CREATE TABLE's column list)."""
    pieces, start = [], 0
    for pos, char, depth in _outside_quotes(text):
        if char == "," and depth == 0:
            pieces.append(text[start:pos])
            start = pos + 1
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


_COLUMN_ENDS = (" DEFAULT ", " NOT NULL", " COLLATE ", " GENERATED ", " CONSTRAINT ", " CHECK ",
                " NULL", " STORAGE ", " COMPRESSION ", " REFERENCES ", " UNIQUE", " PRIMARY KEY")


def column_type(rest: str) -> tuple[str, bool]:
    """The type at the start of a column definition's rest, and whether the column
    is generated from an expression (such a column is not in the table's COPY data)."""
    flat, pos = rest.replace("\n", " "), len(rest)
    for at, char, depth in _outside_quotes(rest):
        if depth == 0 and char in " \n" and flat.startswith(_COLUMN_ENDS, at):
            pos = at
            break
    generated = " GENERATED ALWAYS AS (" in rest[pos:] and " AS IDENTITY" not in rest[pos:]
    return rest[:pos].strip().rstrip(","), generated
