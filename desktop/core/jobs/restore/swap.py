"""--replace by building the backup beside the target and swapping the two names.

The one-transaction replace (script.py) wipes the target and restores into
it through one psql, one job. Built beside (parallel.py), the same backup
loads with parallel workers and pg_restore --jobs, and the target stays
untouched until one transaction renames it out of the way and the copy into
its place; what it held is then dropped. So it is still all or nothing: a
failure, a cancel or a killed Lifeboat before that commit leaves the target
as it was (the next start drops the copy), and after it the target is the
whole backup (the next start drops what it held).

Only where that swap changes nothing but the contents, which is the usual
development database (made with createdb by the user Lifeboat connects as):
- no other session is connected to it (renaming needs that; a running app's
  pool would be cut off; an autovacuum worker does not count: the rename
  stops it, and one is soon at work on a database just restored), no
  logical replication slot or subscription is in it;
- nothing hangs on the database itself that a new one would lack: settings
  (ALTER DATABASE ... SET), a comment, a security label;
- the new database's own row (owner, encoding, locale, tablespace, grants,
  connection limit) and its public schema (owner, grants, comment) equal the
  target's.
Anything else, or a session that connects while the copy is built, and the
replace goes in place, in one transaction, as before. Production databases
always do: they are seldom without connections, and a swap there is a
bigger change than this route has been proven on.
"""
from typing import Optional

import psycopg
from psycopg import sql

from desktop.core.jobs.restore.script import wipe_sql
from desktop.core.postgres.connection import connect
from desktop.core.store.profiles import Profile

OLD_PREFIX = "lifeboat_old_"
# What a database's row in pg_database holds that is not its own identity or its age.
_NOT_COMPARED = ["oid", "datname", "datfrozenxid", "datminmxid", "datcollversion", "datlastsysoid",
                 "dathasloginevt"]
_BLOCKERS = """
SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND backend_type <> 'autovacuum worker'),
       EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
               WHERE d.datname = current_database()),
       (SELECT shobj_description(oid, 'pg_database') IS NOT NULL FROM pg_database
        WHERE datname = current_database()),
       EXISTS (SELECT 1 FROM pg_shseclabel l JOIN pg_database d ON d.oid = l.objoid
               WHERE l.classoid = 'pg_database'::regclass AND d.datname = current_database()),
       EXISTS (SELECT 1 FROM pg_replication_slots WHERE database = current_database()),
       EXISTS (SELECT 1 FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid
               WHERE d.datname = current_database())
"""
_BLOCKER_WORDS = ("other connections", "settings of its own", "a comment", "a security label",
                  "a logical replication slot", "a subscription")
_PUBLIC_SCHEMA = """
SELECT nspowner::regrole::text, nspacl::text, obj_description(oid, 'pg_namespace')
FROM pg_namespace WHERE nspname = 'public'
"""


class NotSwappable(Exception):
    """The target cannot simply be swapped for a copy; the replace goes in place instead."""


def check_target(target: Profile, password: Optional[str]) -> None:
    """Raises NotSwappable, before anything is built, when the target has what a swap would lose."""
    if target.is_production:
        raise NotSwappable("a production database")
    try:
        with connect(target, password) as conn:
            found = conn.execute(_BLOCKERS).fetchone()
    except psycopg.Error as exc:  # a catalog this user may not read: not proven swappable
        raise NotSwappable(f"its database could not be looked at ({str(exc).strip()})") from exc
    reasons = [words for words, present in zip(_BLOCKER_WORDS, found) if present]
    if reasons:
        raise NotSwappable("the database has " + ", ".join(reasons))


def prepare_copy(build: Profile, target: Profile, password: Optional[str]) -> None:
    """Makes the new, empty database `build` hold nothing a backup could hold (as the
    wipe does in place) once its row and public schema are found equal to the target's."""
    try:
        _prepare_copy(build, target, password)
    except psycopg.Error as exc:  # the wipe refused (an extension this user cannot drop...): in place
        raise NotSwappable(f"the new database could not be made ready ({str(exc).strip()})") from exc


def _prepare_copy(build: Profile, target: Profile, password: Optional[str]) -> None:
    with connect(target, password, dbname="postgres") as conn:
        differ = conn.execute(
            "SELECT (SELECT to_jsonb(d) - %(skip)s::text[] FROM pg_database d WHERE datname = %(build)s) "
            "IS DISTINCT FROM (SELECT to_jsonb(d) - %(skip)s::text[] FROM pg_database d WHERE datname = %(target)s)",
            {"skip": _NOT_COMPARED, "build": build.dbname, "target": target.dbname}).fetchone()[0]
    if differ:
        raise NotSwappable("a new database would differ from it (owner, encoding, locale, grants or tablespace)")
    with connect(target, password) as conn:
        public = conn.execute(_PUBLIC_SCHEMA).fetchone()
    with connect(build, password) as conn:
        if conn.execute(_PUBLIC_SCHEMA).fetchone() != public:
            raise NotSwappable("its public schema's owner, grants or comment differ from a new database's")
        conn.execute(wipe_sql())  # what template1 may hold that the backup does not


def swap_in(build: Profile, target: Profile, old: str, password: Optional[str]) -> None:
    """One transaction: the target takes the name `old`, the copy the target's."""
    with connect(target, password, dbname="postgres") as conn:
        try:
            with conn.transaction():
                for was, becomes in ((target.dbname, old), (build.dbname, target.dbname)):
                    conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(was), sql.Identifier(becomes)))
        except psycopg.errors.ObjectInUse as exc:
            raise NotSwappable("a session connected to it while the copy was built") from exc
