"""Foreign keys of other tables that point at tables a restore replaces.

DROP TABLE (and pg_restore --clean's DROP CONSTRAINT of a primary key)
stops at them ("other objects depend on it"). Sync and --clean drop such a
link before the tables are replaced and add it again after, in the same
transaction; adding it re-checks every row.
"""
from dataclasses import dataclass

# With an empty search_path pg_get_constraintdef names every table with its
# schema, as the restore script needs (pg_restore sets search_path to '').
_INCOMING_LINKS = """
SELECT quote_ident(c.conname), format('%%I.%%I', n.nspname, r.relname),
       format('%%I.%%I', fn.nspname, fr.relname), pg_get_constraintdef(c.oid)
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
JOIN pg_class fr ON fr.oid = c.confrelid JOIN pg_namespace fn ON fn.oid = fr.relnamespace
WHERE c.contype = 'f' AND c.conparentid = 0
  AND format('%%I.%%I', fn.nspname, fr.relname) = ANY(%(picked)s)
  AND NOT format('%%I.%%I', n.nspname, r.relname) = ANY(%(picked)s)
ORDER BY 2, 1
"""


@dataclass(frozen=True)
class IncomingLink:
    """A foreign key of another table of the target that points at a replaced table."""
    name: str  # quoted as SQL needs it
    table: str  # the table holding the link, schema.table
    points_at: str
    definition: str

    def words(self) -> str:
        return f"{self.table} points at {self.points_at} (link {self.name})"

    def drop_sql(self) -> str:
        return f"ALTER TABLE {self.table} DROP CONSTRAINT {self.name};\n"

    def add_sql(self) -> str:
        return f"ALTER TABLE {self.table} ADD CONSTRAINT {self.name} {self.definition};\n"


def incoming_links(conn, tables: list[str]) -> list[IncomingLink]:
    """The links from tables not in `tables` (schema.table keys) into them."""
    conn.execute("SET search_path = ''")
    return [IncomingLink(*row) for row in conn.execute(_INCOMING_LINKS, {"picked": tables}).fetchall()]
