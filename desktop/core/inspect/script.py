"""What a pg_dump SQL script says about the objects it makes.

pg_dump writes a comment before every entry of its table of contents, in
every text output (a plain backup, and `pg_restore --file=-` on a custom or
directory archive)::

    -- Name: Order Items; Type: TABLE; Schema: Sales Dept; Owner: alice
    -- Data for Name: Order Items; Type: TABLE DATA; Schema: Sales Dept; Owner: alice

The names there are raw (unquoted, `;`-separated), which is what tells
`"Sales Dept"."Order Items"` apart where `pg_restore --list` prints
`Sales Dept Order Items`. The statements under TABLE, CONSTRAINT and TABLE
ATTACH entries give the columns, primary keys and partitions; COPY data
lines are only measured and counted, never kept, and large objects' contents
(`lowrite`) are skipped unread.
"""
import codecs
import re
from dataclasses import dataclass, field
from typing import Optional

from desktop.core.inspect.sqlnames import (
    column_type,
    identifier_list,
    parenthesised,
    read_identifier,
    read_qualified,
    split_top_level,
    unquote,
)

_HEADER = re.compile(r"^-- (Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: (.*)$")
_STATEMENT_KINDS = {"TABLE", "FOREIGN TABLE", "CONSTRAINT", "TABLE ATTACH"}
_ENCODING = re.compile(r"^SET client_encoding = '([^']+)';$")
COPY_END = b"\\."


@dataclass
class Entry:
    kind: str
    schema: str  # "" where pg_dump writes "-"
    name: str
    owner: str
    data: bool = False


@dataclass
class Column:
    name: str
    type: str
    generated: bool = False  # computed from an expression: not in the table's data


@dataclass
class TableShape:
    key: str  # schema.table as format('%I.%I') writes it
    schema: str
    name: str
    kind: str = "table"  # or "partitioned table", "foreign table"
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)
    partition_of: Optional[str] = None
    rows: Optional[int] = None  # counted when the backup was made
    data_bytes: Optional[int] = None  # its data's size in the archive, where the format tells


def copy_target(line: str) -> Optional[tuple[str, list[str]]]:
    """(table key, column names) of a `COPY t (a, b) FROM stdin;` line, else None."""
    if not (line.startswith("COPY ") and line.endswith(" FROM stdin;")):
        return None
    key, end = read_qualified(line, 5)
    inside = parenthesised(line, end)
    return key, identifier_list(inside[0]) if inside else []


class ScriptReader:
    """Fed a script line by line (bytes, without the newline)."""

    def __init__(self):
        self.entries: list[Entry] = []
        self.tables: dict[str, TableShape] = {}
        self.large_objects = 0
        self.data_bytes: dict[str, int] = {}
        self.rows: dict[str, int] = {}  # a COPY line is a row
        self.encoding = "utf-8"
        self._statement: list[str] = []
        self._copying: Optional[str] = None

    def feed(self, raw: bytes) -> None:
        if self._copying is not None:
            if raw == COPY_END:
                self._copying = None
            else:
                self.data_bytes[self._copying] += len(raw) + 1
                self.rows[self._copying] += 1
            return
        if raw.startswith(b"SELECT pg_catalog.lowrite("):
            return
        line = raw.decode(self.encoding, "replace")
        header = _HEADER.match(line)
        if header:
            self._close_statement()
            data, name, kind, schema, owner = header.groups()
            self.entries.append(Entry(kind, "" if schema == "-" else schema, name, owner, bool(data)))
            return
        self._other_line(line)

    def feed_blocks(self, blocks) -> None:
        """A whole script as blocks of bytes. The rows of a COPY block are
        measured with one search for its end, not line by line: most of a
        backup is rows, and a Python loop per row would take 20 s a GB."""
        carry = b""
        for block in blocks:
            data, pos = carry + block, 0
            while True:
                if self._copying is not None:
                    pos = self._skip_rows(data, pos)
                    if self._copying is not None:
                        break
                end = data.find(b"\n", pos)
                if end < 0:
                    break
                self.feed(data[pos:end])
                pos = end + 1
            carry = data[pos:]
        if carry:
            self.feed(carry)

    def _skip_rows(self, data: bytes, pos: int) -> int:
        """Past the COPY rows in `data` from `pos` (a line start): past the end marker
        when it is there, else up to the last whole line."""
        if data.startswith(COPY_END + b"\n", pos):
            rows_end = pos
        else:
            found = data.find(b"\n" + COPY_END + b"\n", pos)
            if found < 0:
                last = max(data.rfind(b"\n", pos) + 1, pos)
                self._measure(data, pos, last)
                return last
            rows_end = found + 1
        self._measure(data, pos, rows_end)
        self._copying = None
        return rows_end + len(COPY_END) + 1

    def _measure(self, data: bytes, start: int, end: int) -> None:
        self.data_bytes[self._copying] += end - start
        self.rows[self._copying] += data.count(b"\n", start, end)

    def _other_line(self, line: str) -> None:
        target = copy_target(line)
        if target:
            self._copying = target[0]
            self.data_bytes.setdefault(target[0], 0)
            self.rows.setdefault(target[0], 0)
        elif line.startswith("SELECT pg_catalog.lo_create("):
            self.large_objects += 1
        elif _ENCODING.match(line):
            self.encoding = python_encoding(_ENCODING.match(line).group(1))
        elif self.entries and self.entries[-1].kind in _STATEMENT_KINDS and not self.entries[-1].data:
            self._statement.append(line)

    def finish(self) -> None:
        self._close_statement()
        for parent in self.tables.values():
            for child in parent.partitions:
                if child in self.tables:
                    self.tables[child].partition_of = parent.key

    def _close_statement(self) -> None:
        if not self._statement:
            return
        kind, text = self.entries[-1].kind, "\n".join(self._statement)
        self._statement = []
        if kind in ("TABLE", "FOREIGN TABLE"):
            shape = _table_shape(text, self.entries[-1])
            if shape:
                self.tables[shape.key] = shape
        elif kind == "CONSTRAINT":
            self._primary_key(text)
        elif kind == "TABLE ATTACH":
            self._attach(text)

    def _primary_key(self, text: str) -> None:
        at = text.find(" PRIMARY KEY (")
        table = _altered_table(text)
        if at < 0 or table not in self.tables:
            return
        inside = parenthesised(text, at)
        if inside:
            self.tables[table].primary_key = identifier_list(inside[0])

    def _attach(self, text: str) -> None:
        parent = _altered_table(text)
        at = text.find(" ATTACH PARTITION ")
        if parent in self.tables and at >= 0:
            child, _ = read_qualified(text, at + len(" ATTACH PARTITION "))
            self.tables[parent].partitions.append(child)


def _altered_table(text: str) -> Optional[str]:
    for prefix in ("ALTER TABLE ONLY ", "ALTER TABLE ", "ALTER FOREIGN TABLE ONLY ", "ALTER FOREIGN TABLE "):
        at = text.find(prefix)
        if at >= 0:
            return read_qualified(text, at + len(prefix))[0]
    return None


def _table_shape(text: str, entry: Entry) -> Optional[TableShape]:
    match = re.search(r"^CREATE (?:UNLOGGED |FOREIGN )?TABLE ", text, re.MULTILINE)
    if not match:
        return None
    key, end = read_qualified(text, match.end())
    kind = "foreign table" if entry.kind == "FOREIGN TABLE" else "table"
    shape = TableShape(key, entry.schema, entry.name, kind)
    inside = parenthesised(text, end)
    if inside is None:
        return shape
    if "PARTITION BY " in text[inside[1]:]:
        shape.kind = "partitioned table"
    for definition in split_top_level(inside[0]):
        column = _column(definition)
        if column:
            shape.columns.append(column)
    return shape


def _column(definition: str) -> Optional[Column]:
    if not definition or definition.startswith(("CONSTRAINT ", "CHECK ")):
        return None
    name, end = read_identifier(definition, 0)
    if not name:
        return None
    kind, generated = column_type(definition[end:])
    return Column(unquote(name), kind, generated)


def python_encoding(server_encoding: str) -> str:
    """Python's codec for a PostgreSQL client_encoding (UTF8, LATIN1, WIN1252, SQL_ASCII...)."""
    name = server_encoding.upper()
    special = {"SQL_ASCII": "latin-1", "UTF8": "utf-8", "EUC_JIS_2004": "euc_jis_2004"}
    if name in special:
        return special[name]
    for candidate in (name, name.replace("WIN", "cp"), name.replace("_", "")):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return "utf-8"
