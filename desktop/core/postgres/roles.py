"""The roles a backup names, and their globals, captured with the backup.

Which roles: the owners and the grantees of the objects pg_dump writes (the
user schemas' tables, sequences, views, functions, types, operators...,
large objects, default privileges, foreign servers and wrappers, event
triggers, publications), and the roles row-level-security policies name,
read in the backup's own snapshot. Objects that belong to an extension are
left out (pg_dump writes no owner for them), and so are the built-in pg_*
roles, which every server has. With `--no-owner` owners are left out, with
`--no-acl` grantees; with `--table` the whole database is still asked (a
few roles more, never fewer).

Their globals: `pg_dumpall --globals-only --no-role-passwords
--no-tablespaces`, cut down to those roles (globals_sql.py). It reads
pg_roles, which any user may, so it works for ordinary users too; where it
still fails (no pg_dumpall on this computer, a server that refuses it) the
backup keeps the role names only and says so. Tablespaces are not captured.
"""
import logging
from dataclasses import dataclass
from subprocess import DEVNULL, PIPE

import psycopg

from desktop.core.postgres.globals_sql import filter_globals
from desktop.core.postgres.process import ToolProcess
from desktop.core.postgres.tools import PgTools

log = logging.getLogger("lifeboat.roles")

_IN_USER_SCHEMA = ("{col} IN (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
                   "'information_schema') AND nspname NOT LIKE 'pg\\_toast%%' AND nspname NOT LIKE 'pg\\_temp%%')")
# (catalog, the pg_depend class, owner column, ACL column or NULL, namespace column or None)
_CATALOGS = (
    ("pg_namespace", "pg_namespace", "nspowner", "nspacl", "oid"),
    ("pg_class", "pg_class", "relowner", "relacl", "relnamespace"),
    ("pg_proc", "pg_proc", "proowner", "proacl", "pronamespace"),
    ("pg_type", "pg_type", "typowner", "typacl", "typnamespace"),
    ("pg_operator", "pg_operator", "oprowner", "NULL::aclitem[]", "oprnamespace"),
    ("pg_collation", "pg_collation", "collowner", "NULL::aclitem[]", "collnamespace"),
    ("pg_conversion", "pg_conversion", "conowner", "NULL::aclitem[]", "connamespace"),
    ("pg_opclass", "pg_opclass", "opcowner", "NULL::aclitem[]", "opcnamespace"),
    ("pg_opfamily", "pg_opfamily", "opfowner", "NULL::aclitem[]", "opfnamespace"),
    ("pg_ts_dict", "pg_ts_dict", "dictowner", "NULL::aclitem[]", "dictnamespace"),
    ("pg_ts_config", "pg_ts_config", "cfgowner", "NULL::aclitem[]", "cfgnamespace"),
    ("pg_statistic_ext", "pg_statistic_ext", "stxowner", "NULL::aclitem[]", "stxnamespace"),
    ("pg_largeobject_metadata", "pg_largeobject", "lomowner", "lomacl", None),
    ("pg_default_acl", "pg_default_acl", "NULL::oid", "defaclacl", None),  # its role: below, as a grant
    ("pg_foreign_data_wrapper", "pg_foreign_data_wrapper", "fdwowner", "fdwacl", None),
    ("pg_foreign_server", "pg_foreign_server", "srvowner", "srvacl", None),
    ("pg_event_trigger", "pg_event_trigger", "evtowner", "NULL::aclitem[]", None),
    ("pg_publication", "pg_publication", "pubowner", "NULL::aclitem[]", None),
)


def _objects_sql() -> str:
    parts = []
    for catalog, depend_class, owner, acl, namespace in _CATALOGS:
        where = f" WHERE {_IN_USER_SCHEMA.format(col=namespace)}" if namespace else ""
        parts.append(f"SELECT '{depend_class}'::regclass AS classid, oid AS objid, {owner} AS owner, "
                     f"{acl} AS acl FROM {catalog}{where}")
    return "\nUNION ALL ".join(parts)


_REFERENCED = f"""
WITH objects AS ({_objects_sql()}),
own AS (SELECT * FROM objects o WHERE NOT EXISTS (
          SELECT 1 FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.objid AND d.deptype = 'e')),
named AS (
  SELECT owner AS role, 'owner' AS use FROM own WHERE %(owners)s
  UNION SELECT (aclexplode(acl)).grantee, 'grantee' FROM own WHERE %(grantees)s AND acl IS NOT NULL
  UNION SELECT (aclexplode(a.attacl)).grantee, 'grantee' FROM pg_attribute a JOIN own o
          ON o.classid = 'pg_class'::regclass AND o.objid = a.attrelid
        WHERE %(grantees)s AND a.attacl IS NOT NULL
  UNION SELECT defaclrole, 'grantee' FROM pg_default_acl WHERE %(grantees)s
  UNION SELECT unnest(p.polroles), 'policy' FROM pg_policy p JOIN own o
          ON o.classid = 'pg_class'::regclass AND o.objid = p.polrelid)
SELECT r.rolname, named.use FROM pg_roles r JOIN named ON named.role = r.oid
WHERE r.rolname NOT LIKE 'pg\\_%%'
ORDER BY 2, 1
"""


@dataclass
class CapturedRoles:
    uses: dict[str, list[str]] | None  # "owner", "grantee", "policy" -> role names; None: not known
    globals_sql: str = ""  # "" when only the names could be read
    names_only: bool = False

    @property
    def names(self) -> list[str] | None:
        return None if self.uses is None else sorted({name for names in self.uses.values() for name in names})


def referenced_roles(conn: psycopg.Connection, owners: bool = True,
                     grantees: bool = True) -> dict[str, list[str]] | None:
    """The roles the database's objects name, by use (owner, grantee, policy), read
    in the backup's snapshot transaction; None when the server refuses the query
    (a catalog a managed service hides), behind a savepoint so that pg_dump's
    snapshot lives on. A grantee includes the role of default privileges
    (--no-acl leaves those out too)."""
    conn.execute("SAVEPOINT lifeboat_roles")
    try:
        rows = conn.execute(_REFERENCED, {"owners": owners, "grantees": grantees}).fetchall()
    except psycopg.Error as exc:
        log.warning("the roles this backup names could not be read: %s", exc)
        conn.execute("ROLLBACK TO SAVEPOINT lifeboat_roles")
        return None
    conn.execute("RELEASE SAVEPOINT lifeboat_roles")
    uses: dict[str, list[str]] = {}
    for name, use in rows:
        uses.setdefault(use, []).append(name)
    return uses


class RolesCapture:
    """Reads the names at once, in the snapshot (before the row counts take its
    connection), and starts pg_dumpall to run beside pg_dump; finish() collects
    it. A context manager: leaving it ends a pg_dumpall still running."""

    def __init__(self, conn: psycopg.Connection, tools: PgTools, env: dict, dbname: str,
                 owners: bool = True, grantees: bool = True):
        self.captured = CapturedRoles(referenced_roles(conn, owners, grantees))
        self._proc: ToolProcess | None = None
        if not self.captured.names:
            return
        if not tools.pg_dumpall.is_file():
            log.warning("no pg_dumpall in %s: the backup keeps role names only", tools.bin_dir)
            self.captured.names_only = True
            return
        argv = [tools.pg_dumpall, "--globals-only", "--no-role-passwords", "--no-tablespaces", "--no-password",
                f"--database={dbname}"]
        self._proc = ToolProcess(argv, env, stdin=DEVNULL, stdout=PIPE)

    def finish(self) -> CapturedRoles:
        if self._proc is None:
            return self.captured
        script = self._proc.stdout.read().decode("utf-8", "replace")
        code = self._proc.wait()
        if code == 0:
            self.captured.globals_sql = filter_globals(script, self.captured.names)
        else:
            # The backup goes on without them: a restore can still make the roles bare.
            log.warning("pg_dumpall exited %s; the backup keeps role names only: %s", code, self._proc.stderr_tail())
            self.captured.names_only = True
        return self.captured

    def __enter__(self) -> "RolesCapture":
        return self

    def __exit__(self, *exc) -> None:
        if self._proc is not None:
            self._proc.close()
