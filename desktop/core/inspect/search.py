"""Which backups hold a table, and how many rows it had in each.

Read from the catalog's per-backup row counts (the manifest's, counted in
the dump's snapshot), so no backup file is opened.
"""
from dataclasses import dataclass
from typing import Optional

from desktop.core.postgres.snapshot import split_table_key
from desktop.core.store.catalog import BackupRecord
from desktop.core.workspace import Workspace


@dataclass
class TableFound:
    record: BackupRecord
    tables: dict[str, int]  # the keys that matched -> rows


def matching_keys(row_counts: dict[str, int], text: str) -> dict[str, int]:
    """`schema.table` as format('%I.%I') writes it, or unquoted, or a bare table name."""
    if text in row_counts:
        return {text: row_counts[text]}
    schema, name = split_table_key(text)
    found = {}
    for key, count in row_counts.items():
        key_schema, key_name = split_table_key(key)
        if key_name == name and schema in ("", key_schema):
            found[key] = count
    return found


def backups_with_table(ws: Workspace, text: str, profile: Optional[str] = None) -> list[TableFound]:
    """Newest first, as the catalog lists them."""
    found = []
    for record in ws.catalog.list(profile=profile):
        tables = matching_keys(record.row_counts, text)
        if tables:
            found.append(TableFound(record, tables))
    return found
