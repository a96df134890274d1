"""Proof that a restore worked: row counts against the backup's manifest,
and every constraint holding.

Counts are exact (count(*) FROM ONLY, as at backup time), so any difference
is a real one; two connections count at once, the tables shared out by
the rows expected in each. A restore by Lifeboat's own workers hands in the
rows the server reported storing in each table (parallel.py): only the
tables missing from them are counted here. Constraints: pg_restore adds foreign keys and checks after
the data with a plain ALTER TABLE ... ADD CONSTRAINT, which scans the rows,
so a validated constraint holds by construction. Only the ones the source
marked NOT VALID were never checked against old rows; for those Lifeboat
counts the violating rows itself, with read-only queries (VALIDATE
CONSTRAINT would change the target's catalog and take locks on it).
"""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional

from psycopg import sql

from desktop.core.format.manifest import Manifest
from desktop.core.postgres.connection import connect
from desktop.core.postgres.snapshot import Table, count_rows, list_tables, two_halves
from desktop.core.store.profiles import Profile

_NOT_VALID = """
SELECT format('%s on %s', quote_ident(conname), conrelid::regclass)
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE NOT convalidated AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


_UNCHECKED = """
SELECT c.contype, c.conname, format('%s on %s', quote_ident(c.conname), c.conrelid::regclass),
       cn.nspname, cr.relname, fn.nspname, fr.relname,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.i)::text[],
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.i)::text[],
       pg_get_expr(c.conbin, c.conrelid)
FROM pg_constraint c
JOIN pg_class cr ON cr.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cr.relnamespace
LEFT JOIN pg_class fr ON fr.oid = c.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fr.relnamespace
WHERE NOT c.convalidated AND c.contype IN ('f', 'c')
  AND cn.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 3
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
    violated_constraints: list[str] = field(default_factory=list)  # "name on table: N rows break it"

    @property
    def mismatches(self) -> list[TableCheck]:
        return [table for table in self.tables if not table.ok]

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.violated_constraints

    def summary(self) -> str:
        if self.ok:
            rows = sum(table.expected for table in self.tables)
            return f"Verified: all {len(self.tables)} tables hold the expected rows ({rows:,} rows)."
        problems = []
        if self.mismatches:
            wrong = ", ".join(
                f"{t.table} (expected {t.expected:,}, found {'no table' if t.found is None else f'{t.found:,}'})"
                for t in self.mismatches
            )
            problems.append(f"The restored data does not match the backup: {wrong}.")
        if self.violated_constraints:
            problems.append("Some rows break the database's own rules: " + "; ".join(self.violated_constraints) + ".")
        return " ".join(problems)


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
                   tables: list[str], expect_rows: bool = True, stored: Optional[dict[str, int]] = None
                   ) -> RestoreCheck:
    """`stored`: the rows the restore's own COPYs reported storing, per table (parallel.py)."""
    expected = expected_counts(manifest, tables) if expect_rows else {}
    counted = {key: count for key, count in (stored or {}).items() if key in expected}
    with connect(profile, password) as conn:
        present = {table.key: table for table in list_tables(conn)}
        to_count = [present[key] for key in expected if key in present and key not in counted]
        found = {**counted, **_count_both_ways(conn, profile, password, to_count, expected)}
        not_valid = [row[0] for row in conn.execute(_NOT_VALID).fetchall()]
        violated = violated_constraints(conn)
    return RestoreCheck(
        tables=[TableCheck(key, count, found.get(key)) for key, count in sorted(expected.items())],
        not_valid_constraints=not_valid,
        violated_constraints=violated,
    )


def _count_both_ways(conn, profile: Profile, password: Optional[str], tables: list[Table],
                     expected: dict[str, int]) -> dict[str, int]:
    """count_rows on `conn` and on a second connection at once, each given about half the rows."""
    halves = two_halves(tables, lambda t: expected[t.key])
    if not halves[1]:
        return count_rows(conn, halves[0])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="restore-check") as pool:
        other = pool.submit(_count_apart, profile, password, halves[1])
        found = count_rows(conn, halves[0])
        return {**found, **other.result()}


def _count_apart(profile: Profile, password: Optional[str], tables: list[Table]) -> dict[str, int]:
    with connect(profile, password) as conn:
        return count_rows(conn, tables)


def violated_constraints(conn) -> list[str]:
    """The NOT VALID foreign keys and checks that some rows break, with how many rows."""
    broken = []
    for kind, _, label, schema, table, ref_schema, ref_table, columns, ref_columns, expression in \
            conn.execute(_UNCHECKED).fetchall():
        query = (_foreign_key_violations(schema, table, ref_schema, ref_table, columns, ref_columns)
                 if kind == "f" else _check_violations(schema, table, expression))
        count = conn.execute(query).fetchone()[0]
        if count:
            what = "point at rows that do not exist" if kind == "f" else "break the check"
            broken.append(f"{label}: {count:,} rows {what}")
    return broken


def _foreign_key_violations(schema, table, ref_schema, ref_table, columns, ref_columns) -> sql.Composed:
    # MATCH SIMPLE, PostgreSQL's default: a row with any NULL key column is not checked.
    present = sql.SQL(" AND ").join(sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(col)) for col in columns)
    same = sql.SQL(" AND ").join(
        sql.SQL("p.{} = c.{}").format(sql.Identifier(ref), sql.Identifier(col))
        for col, ref in zip(columns, ref_columns)
    )
    return sql.SQL("SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})").format(
        sql.Identifier(schema, table), present, sql.Identifier(ref_schema, ref_table), same,
    )


def _check_violations(schema, table, expression: str) -> sql.Composed:
    # A CHECK passes when its expression is true or NULL: only FALSE breaks it.
    return sql.SQL("SELECT count(*) FROM {} WHERE ({}) IS FALSE").format(
        sql.Identifier(schema, table), sql.SQL(expression),
    )
