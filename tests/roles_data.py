"""Databases whose objects belong to roles that the server then no longer has (issue 14, roles).

`backup_naming_missing_roles` alters a sample database so that some of its
tables are owned by, and granted to, roles made for the test, backs it up,
and drops those roles again: the backup names roles pg15 lacks. `forget_roles`
removes them and what they own or were granted, wherever a test made them again.
"""
import psycopg


def run_sql(cluster, dbname: str, *statements: str, params=None) -> list:
    """The rows of the last statement that returns any."""
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        rows = []
        for statement in statements:
            cursor = conn.execute(statement, params)
            rows = cursor.fetchall() if cursor.description else rows
        return rows


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def forget_roles(cluster, dbname: str, *names: str) -> None:
    """Drops the roles; what they own in `dbname` goes to the superuser first, their grants there go."""
    for name in names:
        role = quoted(name)
        run_sql(cluster, dbname, f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
                                 f"REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}; "
                                 f"DROP ROLE {role}; END IF; END $$")


def owner_of(cluster, dbname: str, table: str) -> str:
    query = f"SELECT relowner::regrole::text FROM pg_class WHERE oid = '{table}'::regclass"
    return run_sql(cluster, dbname, query)[0][0]


def backup_naming_missing_roles(make_backup, cluster, dbname: str, owner: str, reader: str,
                                tables: tuple[str, ...], setup: str = ""):
    """`make_backup()` after `tables` were given to `owner` and granted to `reader`;
    both roles are gone again afterwards. `setup` runs first (more roles, grants)."""
    grants = "; ".join(f"ALTER TABLE {table} OWNER TO {quoted(owner)}; GRANT SELECT ON {table} TO {quoted(reader)}"
                       for table in tables)
    run_sql(cluster, dbname, f"CREATE ROLE {quoted(owner)} LOGIN CREATEDB; CREATE ROLE {quoted(reader)}; "
                             f"GRANT {quoted(reader)} TO {quoted(owner)}; {setup}; {grants}")
    try:
        return make_backup()
    finally:
        forget_roles(cluster, dbname, owner, reader)
