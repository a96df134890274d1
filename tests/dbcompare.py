"""What a database holds, in forms two databases can be compared by: the
schema as pg_dump writes it, a hash of each table's rows, row counts.

Tables are keyed 'schema.table' as `format('%I.%I')` writes them (the
manifest's spelling). Ordinary tables are read with ONLY, so an inheritance
parent holds its own rows; a partitioned table holds all of its partitions'.
"""
import subprocess

import psycopg
from psycopg import sql

_TABLES = """
    SELECT n.nspname, c.relname, c.relkind, format('%I.%I', n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    ORDER BY 1, 2
"""

# Row text depends on session settings: pin them so hashes taken on two
# clusters (or two server versions) compare.
_STABLE_OUTPUT = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
    " SET extra_float_digits = 1; SET bytea_output = 'hex'"
)

# Lines that differ between two dumps of the same schema: comments, SETs, and
# \restrict / \unrestrict whose key is random per dump (CVE-2025-8714 fix).
_NOISE_PREFIXES = ("--", "SET ", "\\restrict", "\\unrestrict")


def schema_dump(cluster, dbname: str) -> str:
    with cluster.client_env(dbname) as env:
        result = subprocess.run(
            [str(cluster.tool("pg_dump")), "--schema-only", "--no-owner", "--no-acl"],
            capture_output=True, env=env, text=True, encoding="utf-8",
        )
    if result.returncode != 0:
        raise AssertionError(f"pg_dump of {dbname!r} failed:\n{result.stderr}")
    kept = [
        line for line in result.stdout.splitlines()
        if line.strip() and not line.startswith(_NOISE_PREFIXES)
    ]
    return "\n".join(kept) + "\n"


def table_hashes(cluster, dbname: str) -> dict[str, str]:
    """md5 of every table's rows as text, sorted byte-wise (COLLATE "C",
    so the clusters' locales do not matter)."""
    return _per_table(
        cluster, dbname,
        "SELECT md5(coalesce(string_agg((t.*)::text, E'\\n' ORDER BY (t.*)::text COLLATE \"C\"), ''))"
        " FROM {} t",
    )


def row_counts(cluster, dbname: str) -> dict[str, int]:
    return _per_table(cluster, dbname, "SELECT count(*) FROM {} t")


def _per_table(cluster, dbname: str, query: str) -> dict:
    results = {}
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        conn.execute(_STABLE_OUTPUT)
        for schema, table, kind, key in conn.execute(_TABLES).fetchall():
            relation = sql.SQL("ONLY {}" if kind == "r" else "{}").format(sql.Identifier(schema, table))
            results[key] = conn.execute(sql.SQL(query).format(relation)).fetchone()[0]
    return results
