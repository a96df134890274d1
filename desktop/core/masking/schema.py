"""What the masking needs to know about a database's columns, read from its catalog.

Columns are keyed `schema.table.column`, each part quoted as `format('%I')`
quotes it (`public.customers.email`, `"Sales Dept".orders."E-mail"`).
Generated columns are left out: pg_dump leaves them out of COPY. Partitions
are not listed: their rows are masked by their root table's rules. An
extension's own tables are listed: pg_dump copies the rows of its
configuration tables (pg_extension_config_dump).
"""
from dataclasses import dataclass, field
from typing import Optional

import psycopg

_COLUMNS = """
SELECT format('%I.%I', n.nspname, c.relname), a.attname, format('%I.%I.%I', n.nspname, c.relname, a.attname),
       format_type(a.atttypid, a.atttypmod), base.typname, base.typcategory, a.attnotnull,
       CASE WHEN base.typname IN ('varchar', 'bpchar')
            THEN nullif(greatest(a.atttypmod, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE -1 END), -1) - 4 END,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
               AND (a.attnum = ANY (i.indkey) OR position(quote_ident(a.attname)
                    IN coalesce(pg_get_expr(i.indexprs, i.indrelid), '')) > 0))
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type base ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
  AND a.attgenerated = ''
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY n.nspname, c.relname, a.attnum
"""

# Each column of a foreign key and the column it points at.
_REFERENCES = """
SELECT format('%I.%I.%I', n.nspname, c.relname, a.attname), format('%I.%I.%I', rn.nspname, r.relname, ra.attname)
FROM pg_constraint k
CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS pair(col, refcol)
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pair.col
JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = pair.refcol
WHERE k.contype = 'f'
"""

_PARTITIONS = """
SELECT format('%I.%I', n.nspname, c.relname), format('%I.%I', rn.nspname, r.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class r ON r.oid = pg_partition_root(c.oid) JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.relispartition AND c.relkind = 'r'
"""

_KINDS = {"json": "json", "jsonb": "json", "date": "date", "timestamp": "date", "timestamptz": "date",
          "uuid": "uuid", "inet": "inet", "cidr": "inet", "bytea": "bytea"}


@dataclass(frozen=True)
class Column:
    table: str  # schema.table, format('%I.%I')
    name: str  # unquoted
    key: str  # schema.table.column, format('%I.%I.%I')
    type: str  # as format_type writes it: character varying(120)
    kind: str  # text, json, date, uuid, inet, bytea, other (what a rule may produce)
    not_null: bool
    max_length: Optional[int]
    unique: bool


@dataclass
class SourceSchema:
    columns: dict[str, Column] = field(default_factory=dict)  # by key
    references: dict[str, str] = field(default_factory=dict)  # column key -> referenced column key
    partition_roots: dict[str, str] = field(default_factory=dict)  # partition table -> root table

    def tables(self) -> dict[str, list[Column]]:
        found: dict[str, list[Column]] = {}
        for column in self.columns.values():
            found.setdefault(column.table, []).append(column)
        return found

    def root_of(self, column_key: str) -> str:
        """The column a foreign-key column points at, followed to its end."""
        seen = {column_key}
        while column_key in self.references and self.references[column_key] not in seen:
            column_key = self.references[column_key]
            seen.add(column_key)
        return column_key


def _kind(typname: str, category: str) -> str:
    if typname in _KINDS:
        return _KINDS[typname]
    return "text" if category == "S" else "other"


def read_schema(conn: psycopg.Connection) -> SourceSchema:
    schema = SourceSchema()
    for table, name, key, type_, typname, category, not_null, max_length, unique in conn.execute(_COLUMNS):
        schema.columns[key] = Column(table, name, key, type_, _kind(typname, category), not_null,
                                     max_length, unique)
    schema.references = dict(conn.execute(_REFERENCES).fetchall())
    if conn.info.server_version >= 120000:  # pg_partition_root
        schema.partition_roots = dict(conn.execute(_PARTITIONS).fetchall())
    return schema
