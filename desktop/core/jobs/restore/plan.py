"""What a restore or a sync would do to its target, worked out before anything is written.

Read-only: `inspect_target` connects to the target (or, when its database
does not exist yet, to the server's maintenance database) and gathers what
the restore wizard offers choices by: reachable, empty or not, the user's
rights, the server's version, its roles, and the rows in each table now;
`inspect_restore_target` adds the roles a backup names that the server lacks. `table_changes`
sets those counts against the incoming ones (a backup's manifest, or a sync
source's live counts) and names, in plain words, the tables the target would
lose and those whose rows would fall.

Row counts are exact (count(*) FROM ONLY, as the backup's manifest counts),
except for tables over EXACT_LIMIT on disk: counting those would read
gigabytes just to draw a preview, so the planner's estimate
(pg_class.reltuples) is shown instead, worded "about".
"""
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Optional

import psycopg

from desktop.core.jobs.restore.checks import expected_counts
from desktop.core.jobs.restore.roles import missing_roles, policy_roles_among
from desktop.core.jobs.restore.run import RestoreRequest, RestoreResult, run_restore
from desktop.core.open_backup import open_backup
from desktop.core.postgres.connection import connect_to_server, explain_connection_error
from desktop.core.postgres.snapshot import count_rows, list_tables
from desktop.core.progress import CancelToken, ProgressCallback
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace

EXACT_LIMIT = 256 * 1024 * 1024
UNKNOWN = -1

_FACTS = """
SELECT current_setting('server_version'), current_setting('server_version_num')::int,
       r.rolsuper, r.rolsuper OR r.rolcreatedb, r.rolsuper OR r.rolcreaterole,
       ARRAY(SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1)::text[],
       ARRAY(SELECT rolname FROM pg_roles)::text[]
FROM pg_roles r WHERE r.rolname = current_user
"""

# The engine's own test of "already holds tables" (run.py), so that a
# target called empty here is one the engine restores into without --replace.
_HAS_TABLES = """
SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                 AND n.nspname NOT LIKE 'pg\\_%')
"""

_ESTIMATE = "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)"
_READABLE = "SELECT has_table_privilege(to_regclass(%s), 'SELECT')"


@dataclass(frozen=True)
class RowCount:
    rows: int  # UNKNOWN: neither readable nor ever analysed
    estimated: bool = False

    def words(self) -> str:
        """'1 row', '1,500 rows', 'about 2,000,000 rows'."""
        if self.rows == UNKNOWN:
            return "an unknown number of rows"
        number = f"about {self.rows:,}" if self.estimated else f"{self.rows:,}"
        return f"{number} row{'' if self.rows == 1 and not self.estimated else 's'}"


@dataclass
class TargetState:
    """The target as it is now: what the wizard offers its choices by."""
    profile: Profile
    exists: bool
    server_version: str
    server_version_num: int
    is_superuser: bool
    may_create_databases: bool
    has_tables: bool
    tables: dict[str, RowCount] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)  # on the same server
    may_create_roles: bool = False
    roles: frozenset[str] = frozenset()  # every role on the server
    # The roles a chosen backup names that the server lacks, and those of them
    # its row-security policies name (inspect_restore_target).
    missing_roles: list[str] = field(default_factory=list)
    missing_policy_roles: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.has_tables

    @property
    def is_production(self) -> bool:
        return self.profile.is_production


@dataclass(frozen=True)
class TableChange:
    table: str  # schema.table as format('%I.%I') writes it
    now: Optional[RowCount]  # None: not in the target now
    after: Optional[int]  # None: not in the target afterwards
    source: str = "the backup"  # where the incoming rows come from, in words

    @property
    def lost(self) -> bool:
        return self.now is not None and self.after is None

    @property
    def fell(self) -> bool:
        return self.now is not None and self.after is not None and self.after < self.now.rows

    @property
    def name(self) -> str:
        return self.table.removeprefix("public.")

    def words(self) -> str:
        if self.lost:
            return f"{self.name}: {self.now.words()} now \u2014 not in {self.source}, will be removed"
        if self.now is None:
            return f"{self.name}: not there now, {_rows(self.after)} after"
        return f"{self.name}: {self.now.words()} now, {self.after:,} after"

    def done_words(self) -> str:
        """The same, once it happened."""
        if self.lost:
            return f"{self.name}: removed — it held {self.now.words()} and is not in {self.source}"
        if self.now is None:
            return f"{self.name}: added, {_rows(self.after)}"
        return f"{self.name}: {self.now.words()} before, {self.after:,} now"


class TableLosses:
    """What a plan with `changes` takes away: shared by a restore's and a sync's plan."""
    changes: list[TableChange]

    @property
    def lost(self) -> list[TableChange]:
        return [change for change in self.changes if change.lost]

    @property
    def fallen(self) -> list[TableChange]:
        return [change for change in self.changes if change.fell]


@dataclass
class RestorePlan(TableLosses):
    target: TargetState
    changes: list[TableChange]

    def lines(self) -> list[str]:
        return [change.words() for change in ordered(self.changes)]

    def headline(self) -> str:
        db = self.target.profile.dbname
        if not self.lost and not self.fallen:
            return f"Nothing in {db} is lost: no table is removed and no table loses rows."
        parts = []
        if self.lost:
            parts.append(f"{len(self.lost)} table{'s' if len(self.lost) != 1 else ''} removed")
        if self.fallen:
            parts.append(f"{len(self.fallen)} table{'s' if len(self.fallen) != 1 else ''} with fewer rows")
        return f"{db} will lose data: " + " and ".join(parts) + "."


def _rows(count: int) -> str:
    return RowCount(count).words()


def ordered(changes: list[TableChange]) -> list[TableChange]:
    """Losses first, then fallen counts, then the rest; each by name."""
    return sorted(changes, key=lambda c: (not c.lost, not c.fell, c.table))


def inspect_target(profile: Profile, password: Optional[str], count: bool = True) -> TargetState:
    """Connects read-only; server down or a refused password raise the usual ConnectionFailed kinds."""
    conn, exists = connect_to_server(profile, password)
    with conn:
        try:
            version, version_num, superuser, may_create, may_create_roles, databases, roles = \
                conn.execute(_FACTS).fetchone()
            has_tables = exists and conn.execute(_HAS_TABLES).fetchone()[0]
            tables = rows_now(conn) if exists and count else {}
        except psycopg.Error as exc:
            raise explain_connection_error(exc, profile) from exc
    return TargetState(profile, exists, version, version_num, bool(superuser), bool(may_create),
                       bool(has_tables), tables, list(databases), bool(may_create_roles), frozenset(roles))


def inspect_restore_target(ws: Workspace, backup_id: str, profile: Profile) -> TargetState:
    """inspect_target, and which roles the backup names that the server lacks."""
    state = inspect_target(profile, ws.profiles.password_for(profile))
    manifest = open_backup(ws, backup_id).manifest
    state.missing_roles = missing_roles(manifest, RestoreRequest(backup_id, profile.name), state.roles)
    state.missing_policy_roles = policy_roles_among(state.missing_roles, manifest)
    return state


def rows_now(conn: psycopg.Connection) -> dict[str, RowCount]:
    """Every user table's rows, in one snapshot: exact, or estimated for tables over
    EXACT_LIMIT and for tables the user may not read (a least-privilege login)."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        counts = {}
        for table in list_tables(conn):
            readable = conn.execute(_READABLE, (table.key,)).fetchone()[0]
            estimate = None
            if table.size_bytes > EXACT_LIMIT or not readable:
                estimate = conn.execute(_ESTIMATE, (table.key,)).fetchone()[0]
            if estimate is not None and estimate >= 0:
                counts[table.key] = RowCount(estimate, estimated=True)
            elif readable:  # small, or never analysed: no estimate to give
                counts[table.key] = RowCount(count_rows(conn, [table])[table.key])
            else:
                counts[table.key] = RowCount(UNKNOWN, estimated=True)
    finally:
        conn.execute("ROLLBACK")
    return counts


def table_changes(now: dict[str, RowCount], incoming: dict[str, int], *, whole: bool,
                  source: str = "the backup", add: bool = False) -> list[TableChange]:
    """What each table goes through.

    `whole`: the target becomes exactly the incoming data, so a table that is
    not incoming is removed; otherwise only the incoming tables are replaced
    (`add`: their rows are added to those there, a data-only restore)."""
    names = set(incoming) | (set(now) if whole else set())
    changes = []
    for name in sorted(names):
        before = now.get(name)
        if name not in incoming:
            after = None
        else:
            after = incoming[name] + (before.rows if add and before else 0)
        changes.append(TableChange(name, before, after, source))
    return changes


def plan_restore(ws: Workspace, request: RestoreRequest) -> RestorePlan:
    """What `run_restore(ws, request)` would do to its target; reads the backup's manifest, writes nothing."""
    manifest = open_backup(ws, request.source).manifest
    profile = ws.profiles.get(request.into)
    state = inspect_target(profile, ws.profiles.password_for(profile))
    incoming = expected_counts(manifest, request.tables)
    if request.schema_only:
        incoming = dict.fromkeys(incoming, 0)
    # A plain script carries no DROPs: its --clean empties every schema first.
    whole = request.replace or (request.clean and manifest.format == "plain")
    changes = table_changes(state.tables, incoming, whole=whole, add=request.data_only and not whole,
                            source="the tables restored" if request.tables else "the backup")
    return RestorePlan(state, changes)


def new_connection_name(ws: Workspace, like: Profile, when: Optional[datetime] = None) -> str:
    """'shop copy 2 Dec', or 'shop copy 2 Dec 2' when taken: a free name for a new database's connection."""
    when = when or datetime.now()
    base = f"{like.name[:48]} copy {when.day} {when.strftime('%b')}"
    taken = {profile.name.casefold() for profile in ws.profiles.list()}
    name, number = base, 2
    while name.casefold() in taken:
        name, number = f"{base} {number}", number + 1
    return name


def restore_into_new_database(ws: Workspace, request: RestoreRequest, like: str, dbname: str, name: str,
                              report: ProgressCallback, cancel: Optional[CancelToken] = None) -> RestoreResult:
    """Creates `dbname` on the server of `like`, restores into it, and keeps a development
    connection `name` for it; the connection is removed again when the restore fails."""
    profile = ws.profiles.add_like(name, like, dbname=dbname, environment="development")
    try:
        return run_restore(ws, replace(request, into=profile.name, create=True, replace=False, clean=False,
                                       confirm=None), report, cancel)
    except BaseException:
        ws.profiles.remove(profile.name)
        raise
