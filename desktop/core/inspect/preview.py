"""The first rows of one table in a backup, without restoring it.

pg_dump writes a table's rows in the order they lie on disk, not in key
order. Where the primary key's columns have types whose order Python can
reproduce exactly (integers, numeric, floating point, boolean, date,
timestamp, uuid), the whole of that table's data is read, and the N
smallest keys kept (never more than 2N rows in memory): the rows shown ARE
the first N by primary key. Otherwise (no primary key, or a text key whose
order depends on the database's collation) reading stops after N rows and
the preview says they are in the backup's order. Either way nothing after
the table's data is read.
"""
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Optional

from desktop.core.inspect.archive import Reading
from desktop.core.inspect.contents import Contents, contents_of
from desktop.core.inspect.copy_text import Value
from desktop.core.inspect.script import TableShape
from desktop.core.inspect.table_data import known_columns, table_lines
from desktop.core.open_backup import check_identity, open_backup
from desktop.core.postgres.copy_format import decode_row
from desktop.core.progress import CancelToken
from desktop.core.workspace import Workspace

DEFAULT_LIMIT = 100
BY_KEY, AS_STORED = "primary key", "backup"


@dataclass
class Preview:
    backup_id: str
    table: str
    columns: list[str]
    types: list[str]
    rows: list[list[Value]]
    order: str  # BY_KEY or AS_STORED
    more: bool  # the table holds more rows than these
    reading: Reading = field(default_factory=Reading)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"backup_id": self.backup_id, "table": self.table, "columns": self.columns, "types": self.types,
                "order": self.order, "more": self.more, "rows": self.rows,
                "read": {"bytes": self.reading.bytes_read, "passes": self.reading.passes,
                         "seconds": round(self.seconds, 3)}}


class Unorderable(Exception):
    pass


def _float_key(text: str):
    value = float(text)
    return (1, 0.0) if value != value else (0, value)  # NaN sorts last, as in PostgreSQL


def _numeric_key(text: str):
    if text == "NaN":
        return (1, Decimal(0))
    return (0, Decimal(text))


def _time_key(text: str):
    return datetime.fromisoformat(text)  # ValueError for infinity and BC dates: then no ordering


_KEYS: dict[str, Callable[[str], object]] = {
    "smallint": int, "integer": int, "bigint": int, "real": _float_key, "double precision": _float_key,
    "boolean": lambda text: text == "t", "date": _time_key, "uuid": str,
}


def key_function(type_text: str) -> Optional[Callable[[str], object]]:
    if type_text in _KEYS:
        return _KEYS[type_text]
    if type_text.startswith("numeric"):
        return _numeric_key
    if type_text.startswith(("timestamp", "time ")):
        return _time_key if type_text.startswith("timestamp") else None
    return None


def row_key(shape: TableShape, columns: list[str]) -> Optional[Callable[[list[Value]], tuple]]:
    """The sort key of a row by the table's primary key, or None when it cannot be reproduced."""
    types = {c.name: c.type for c in shape.columns}
    if not shape.primary_key or any(name not in columns for name in shape.primary_key):
        return None
    parts = [(columns.index(name), key_function(types.get(name, ""))) for name in shape.primary_key]
    if any(function is None for _, function in parts):
        return None

    def key(values: list[Value]) -> tuple:
        try:
            return tuple(function(values[at]) for at, function in parts)
        except (ValueError, TypeError, InvalidOperation) as exc:
            raise Unorderable() from exc
    return key


def preview_table(ws: Workspace, id_or_file: str, table: str, limit: int = DEFAULT_LIMIT,
                  contents: Optional[Contents] = None, cancel: Optional[CancelToken] = None) -> Preview:
    started, cancel = time.monotonic(), cancel or CancelToken()
    opened = open_backup(ws, id_or_file)
    check_identity(opened)
    contents = contents or contents_of(ws, opened, cancel)
    shape = contents.table(table)
    reading = Reading(contents.reading.bytes_read, contents.reading.passes)
    with table_lines(ws, opened, contents, shape, reading, cancel) as lines:
        lines = known_columns(shape, lines)
        columns = [c.name for c in shape.columns if not c.generated]
        types = [c.type for c in shape.columns if not c.generated]
        rows, order, more = _collect(lines, columns, contents.encoding, max(limit, 0), row_key(shape, columns))
    return Preview(contents.backup_id, shape.key, columns, types, rows, order, more, reading,
                   time.monotonic() - started)


def _collect(lines, columns: list[str], encoding: str, limit: int, key) -> tuple[list, str, bool]:
    first: list[list[Value]] = []
    kept: list[tuple] = []
    seen = 0
    for block_columns, line in lines:
        values = in_column_order(decode_row(line, encoding), block_columns, columns)
        seen += 1
        if len(first) < limit:
            first.append(values)
        if key is None:
            if seen > limit:
                return first, AS_STORED, True
            continue
        try:
            kept.append((key(values), seen, values))
        except Unorderable:
            key = None
            if seen > limit:
                return first, AS_STORED, True
            continue
        if len(kept) >= 2 * limit + 1:
            kept = sorted(kept)[:limit]
    if key is None:
        return first, AS_STORED, seen > limit
    return [values for _, _, values in sorted(kept)[:limit]], BY_KEY, seen > limit


def in_column_order(values: list[Value], block_columns: list[str], columns: list[str]) -> list[Value]:
    """A partition may store its columns in another order than its parent."""
    if block_columns == columns or not block_columns:
        return values
    by_name = dict(zip(block_columns, values))
    return [by_name.get(name) for name in columns]
