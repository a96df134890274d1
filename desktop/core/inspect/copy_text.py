"""Rows as pg_dump stores them (COPY text format), and as CSV and JSON.

COPY text: one row per line, fields separated by tabs, `\\N` for NULL, and
backslash escapes for backslash, tab, newline and the other control
characters (PostgreSQL docs, COPY, "Text Format"). Decoded, a field is the
value exactly as PostgreSQL prints it (psql shows the same), and NULL stays
distinct from empty text.

CSV follows what `COPY ... TO ... (FORMAT csv, HEADER)` writes (RFC 4180):
a field is quoted when it holds a comma, a quote, CR or LF, or is empty
text (NULL is the empty unquoted field); `\\.` alone in a one-column row is
quoted too. A text cell starting with = + - @ gets the activity log's
spreadsheet guard; number columns never do (a negative number stays one).

JSON: integers (smallint, integer, bigint) become numbers, boolean true or
false, json and jsonb their value, NULL null; every other type keeps the
text PostgreSQL prints, numeric and floating point included (a JSON reader
would round a numeric's digits, and NaN and Infinity are not JSON numbers).
"""
import json
from collections.abc import Callable
from typing import Optional

from desktop.core.store.audit_log import spreadsheet_safe

EXPORT_FORMATS = ("csv", "json", "jsonl")  # what export_table.py writes a table as
_INTEGERS = {"smallint", "integer", "bigint"}
NUMERIC_TYPES = _INTEGERS | {"real", "double precision", "money", "oid"}
Value = Optional[str]


def is_number_type(type_text: str) -> bool:
    return type_text in NUMERIC_TYPES or type_text.startswith("numeric")


def csv_field(value: Value, guard: bool, alone: bool = False) -> str:
    if value is None:
        return ""
    if guard:
        value = spreadsheet_safe(value)
    if value == "" or any(char in value for char in ',"\n\r') or (alone and value == "\\."):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_line(values: list[Value], guards: list[bool]) -> str:
    alone = len(values) == 1
    return ",".join(csv_field(v, g, alone) for v, g in zip(values, guards)) + "\n"


def json_converter(type_text: str) -> Callable[[str], object]:
    if type_text in _INTEGERS:
        return int
    if type_text == "boolean":
        return lambda text: text == "t"
    if type_text in ("json", "jsonb"):
        return json.loads
    return str


def json_row(names: list[str], values: list[Value], converters: list[Callable[[str], object]]) -> dict:
    return {name: None if value is None else convert(value)
            for name, value, convert in zip(names, values, converters)}
