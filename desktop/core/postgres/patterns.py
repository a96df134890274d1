"""A table's exact name as a pg_dump --table / --exclude-table pattern.

pg_dump reads those arguments as psql patterns (psql manual, "Patterns";
patternToSQLRegex in src/fe_utils/string_utils.c): outside double quotes
letters fold to lower case, '.' separates the schema from the table, and
'*', '?' and the other regular-expression characters are wildcards. Inside
double quotes every character is literal (pg_dump escapes the regex ones
itself) and '""' stands for one '"'. So a name that is anything but plain
lower-case ASCII is double-quoted, and the pattern then matches that one
table and nothing else.
"""
import re

# What pattern matching leaves alone outside quotes. (Reserved words need no
# quotes here: a pattern is matched against names, never parsed as SQL.)
_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")


def quote_pattern_name(name: str) -> str:
    if _PLAIN.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def table_pattern(schema: str, table: str) -> str:
    """`"Sales Ü"."Order Items"`, `public."dotted.name"`, `public.album`."""
    return f"{quote_pattern_name(schema)}.{quote_pattern_name(table)}"
