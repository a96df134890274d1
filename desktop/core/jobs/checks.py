"""Proof that a restore worked: row counts against the backup's manifest.

Counts are exact (count(*) FROM ONLY, as at backup time), so any difference
is a real one. Constraints left NOT VALID are listed too: the manual
checklist's "check for referential integrity errors".
"""
from dataclasses import dataclass, field
from typing import Optional

from ..connection import connect
from ..manifest import Manifest
from ..profiles import Profile
from ..snapshot import count_rows, list_tables

_NOT_VALID = """
SELECT format('%s on %s', quote_ident(conname), conrelid::regclass)
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE NOT convalidated AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


@dataclass(frozen=True)
class TableCheck:
    table: str
    expected: int
    found: Optional[int]  # None: the table is missing

    @property
    def ok(self) -> bool:
        return self.found == self.expected


@dataclass
class RestoreCheck:
    tables: list[TableCheck] = field(default_factory=list)
    not_valid_constraints: list[str] = field(default_factory=list)

    @property
    def mismatches(self) -> list[TableCheck]:
        return [table for table in self.tables if not table.ok]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.ok:
            rows = sum(table.expected for table in self.tables)
            return f"Verified: all {len(self.tables)} tables hold the expected rows ({rows:,} rows)."
        wrong = ", ".join(
            f"{t.table} (expected {t.expected:,}, found {'no table' if t.found is None else f'{t.found:,}'})"
            for t in self.mismatches
        )
        return f"The restored data does not match the backup: {wrong}."


def expected_counts(manifest: Manifest, tables: list[str]) -> dict[str, int]:
    """The manifest's counts, narrowed to the tables the user picked (by name or schema.name)."""
    if not tables:
        return dict(manifest.row_counts)
    wanted = set(tables)
    return {
        key: count for key, count in manifest.row_counts.items()
        if key in wanted or key.split(".", 1)[-1].strip('"') in wanted
    }


def check_restored(profile: Profile, password: Optional[str], manifest: Manifest,
                   tables: list[str], expect_rows: bool = True) -> RestoreCheck:
    expected = expected_counts(manifest, tables) if expect_rows else {}
    with connect(profile, password) as conn:
        present = {table.key: table for table in list_tables(conn)}
        found = count_rows(conn, [present[key] for key in expected if key in present])
        not_valid = [row[0] for row in conn.execute(_NOT_VALID).fetchall()]
    return RestoreCheck(
        tables=[TableCheck(key, count, found.get(key)) for key, count in sorted(expected.items())],
        not_valid_constraints=not_valid,
    )
