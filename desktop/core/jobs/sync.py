"""Sync one database into another (development into production), made safe.

Four steps, shown before starting (SyncPlan.steps): 1) a safety backup of
the target, 2) a backup of the source, 3) the restore into the target,
4) verification. A failing step stops the flow; from step 2 on, the error
carries the safety backup's id, which undo.py restores.

A whole-database sync replaces everything (replace). A table sync
replaces only the picked tables, definition and data: the source backup
holds just those tables (pg_dump --table, which brings their indexes,
constraints and triggers), restored with --clean in one transaction.

Foreign keys from OTHER tables of the target that point at a replaced table
would stop DROP TABLE ("other objects depend on it"). The rule: such a link
is dropped before the tables are replaced and added again after, in the same
transaction; adding it re-checks every row. So the sync goes through when
every row of the other tables still finds the row it points at, and is
refused otherwise, or when the new table no longer has the key the link
uses; production is then left exactly as it was (the transaction rolls back)
and the message names the link and what to do.
"""
import re
from dataclasses import dataclass, field, replace
from typing import Optional

from desktop.core.errors import (
    ConfirmationRequired,
    LifeboatError,
    ProfileReadOnly,
    RestoreFailed,
    TablesWouldBeLost,
    UsageError,
    VerificationFailed,
)
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.links import IncomingLink, incoming_links
from desktop.core.jobs.restore.plan import TableChange, TableLosses, ordered, rows_now, table_changes
from desktop.core.jobs.restore.run import RestoreRequest, RestoreResult, run_restore, take_safety_backup
from desktop.core.postgres.connection import connect
from desktop.core.postgres.snapshot import list_tables
from desktop.core.progress import CancelToken, Progress, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.audited import audited
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace

STEPS = 4

@dataclass
class SyncRequest:
    source: str  # profile to copy from (development)
    into: str  # profile to replace (production)
    tables: list[str] = field(default_factory=list)  # empty: the whole database
    confirm: Optional[str] = None
    # A whole-database sync removes the target's tables the source lacks only
    # when the person agreed: to all of them (--drop-missing), or to exactly
    # the ones they were shown and ticked (the window).
    drop_missing: bool = False
    agreed_losses: list[str] = field(default_factory=list)


@dataclass
class SyncPlan(TableLosses):
    source: Profile
    target: Profile
    tables: list[str]  # schema.table keys; empty for the whole database
    links: list[IncomingLink]
    changes: list[TableChange] = field(default_factory=list)

    def loss_lines(self) -> list[str]:
        """Each table the target would lose, and each whose rows would fall, in words."""
        return [change.words() for change in ordered(self.lost + self.fallen)]

    def steps(self) -> list[str]:
        what = ("the tables " + ", ".join(self.tables)) if self.tables else "the whole database"
        return [
            f"Take a safety backup of {self.target.dbname} ({self.target.name}), and check it reads back.",
            f"Back up {what} from {self.source.dbname} ({self.source.name}).",
            f"Replace {what} in {self.target.dbname} with it, all in one step: if anything fails, "
            f"{self.target.dbname} stays as it was.",
            f"Check the rows of every table in {self.target.dbname} against the backup.",
        ]

    def link_notes(self) -> list[str]:
        return [f"{link.words()}: Lifeboat keeps this link. If {link.table} has rows pointing at rows "
                f"{self.source.name} does not have, the sync stops and changes nothing." for link in self.links]

    def sql_before(self) -> str:
        return "".join(link.drop_sql() for link in self.links)

    def sql_after(self) -> str:
        return "".join(link.add_sql() for link in self.links)


@dataclass
class SyncResult:
    plan: SyncPlan
    safety_backup_id: str
    source_backup_id: str
    restore: RestoreResult

    @property
    def ok(self) -> bool:
        return self.restore.ok

    def loss_lines(self) -> list[str]:
        """What the target lost: the tables removed, and those left with fewer rows."""
        return [change.done_words() for change in ordered(self.plan.lost + self.plan.fallen)]


def plan_sync(ws: Workspace, request: SyncRequest) -> SyncPlan:
    """Checks the request and reads what the sync will touch; writes nothing."""
    source = ws.profiles.get(request.source)
    target = ws.profiles.get(request.into)
    _refuse_unsafe(source, target, request)
    with connect(source, ws.profiles.password_for(source)) as conn:
        tables = _resolve_tables(list_tables(conn), request.tables, source)
        incoming = {key: count.rows for key, count in rows_now(conn).items() if not tables or key in tables}
    links: list[IncomingLink] = []
    with connect(target, ws.profiles.password_for(target)) as conn:
        now = rows_now(conn)
        if tables:
            links = incoming_links(conn, tables)
    changes = table_changes(now, incoming, whole=not tables, source=f"{source.dbname} ({source.name})")
    return SyncPlan(source, target, tables, links, changes)


@audited("sync", profile="request.into", backup_id="request.source")
def run_sync(
    ws: Workspace,
    request: SyncRequest,
    report: ProgressCallback = ignore_progress,
    cancel: Optional[CancelToken] = None,
) -> SyncResult:
    cancel = cancel or CancelToken()
    plan = plan_sync(ws, request)
    _refuse_unseen_losses(plan, request)
    tracker = ProgressTracker(_numbered(report, 1))
    safety_id = take_safety_backup(ws, plan.target, tracker, cancel)
    try:
        source_request = BackupRequest(profile=plan.source.name, options=BackupOptions(tables=plan.tables))
        source_backup = run_backup(ws, source_request, _numbered(report, 2), cancel)
        restore = RestoreRequest(
            source=source_backup.id, into=plan.target.name, clean=True, replace=not plan.tables,
            sql_before=plan.sql_before(), sql_after=plan.sql_after(), confirm=request.confirm,
            safety_backup_id=safety_id,
        )
        try:
            result = run_restore(ws, restore, _numbered(report, 3), cancel)
        except RestoreFailed as exc:
            raise _explain_refusal(exc, plan) from exc
        _numbered(report, 4)(Progress(phase="Checking the result"))
        if not result.ok:
            raise VerificationFailed(
                f"The sync finished, but the check found a problem. {result.check.summary()} "
                "Use the undo to put the database back as it was before the sync.")
    except LifeboatError as exc:
        exc.safety_backup_id = safety_id
        raise
    return SyncResult(plan, safety_id, source_backup.id, result)


def _refuse_unsafe(source: Profile, target: Profile, request: SyncRequest) -> None:
    same_database = (source.host, source.port, source.dbname) == (target.host, target.port, target.dbname)
    if source.name == target.name or same_database:
        raise UsageError("The sync would copy a database onto itself. Choose two different connections.")
    if target.read_only:
        raise ProfileReadOnly(
            f"The connection \"{target.name}\" is marked 'backups only', so Lifeboat never writes into it. "
            "Choose another connection to sync into.")
    if target.is_production and request.confirm != target.dbname:
        raise ConfirmationRequired(
            f"\"{target.name}\" is a PRODUCTION database. The sync replaces data in {target.dbname} on "
            f"{target.host}. To go ahead, confirm by typing the database name (on the command line: "
            f"--confirm {target.dbname}). Lifeboat takes a safety backup first.")


def _refuse_unseen_losses(plan: SyncPlan, request: SyncRequest) -> None:
    unseen = [change for change in plan.lost if change.table not in request.agreed_losses]
    if unseen and not request.drop_missing:
        names = ", ".join(f"{change.name} ({change.now.words()})" for change in unseen)
        raise TablesWouldBeLost(
            f"The sync was refused: {plan.target.dbname} ({plan.target.name}) has tables that "
            f"{plan.source.dbname} ({plan.source.name}) lacks, and the sync would remove them: {names}. "
            f"Nothing was changed. To remove them, confirm it (on the command line: --drop-missing); "
            f"to keep them, copy only some tables, or add them to {plan.source.name} first.")


def _resolve_tables(present, wanted: list[str], source: Profile) -> list[str]:
    """The picked tables as schema.table keys, each found in the source."""
    keys = []
    for name in wanted:
        matches = [t.key for t in present if name in (t.key, t.dump_label) or name == t.name]
        if not matches:
            raise UsageError(f"There is no table {name} in {source.dbname} ({source.name}). "
                             "Check the name (as schema.table, for example public.orders).")
        if len(matches) > 1:
            raise UsageError(f"Several schemas hold a table {name}: {', '.join(matches)}. Name it with its schema.")
        if matches[0] not in keys:
            keys.append(matches[0])
    return keys


_VIOLATES = re.compile(r'violates foreign key constraint "([^"]+)"')
_NO_KEY = re.compile(r'no unique constraint matching given keys for referenced table "([^"]+)"')


def _explain_refusal(exc: RestoreFailed, plan: SyncPlan) -> RestoreFailed:
    text = f"{exc.message}\n{exc.detail}"
    unchanged = f"Nothing was changed: {plan.target.dbname} is as it was before the sync."
    violated = _VIOLATES.search(text)
    if violated:
        link = next((link for link in plan.links if link.name.strip('"') == violated.group(1)), None)
        if link:
            return RestoreFailed(
                f"The sync was refused: {link.words()}, and some of its rows point at rows that "
                f"{plan.source.name} does not have, so replacing {link.points_at} would break them. {unchanged} "
                f"Add those rows in {plan.source.name}, include {link.table} in the sync, or sync the whole database.",
                detail=exc.detail)
        return RestoreFailed(
            f"The sync was refused: rows of the tables being copied point at rows {plan.target.name} does not have "
            f"(link {violated.group(1)}). {unchanged} Include the tables they point at in the sync, "
            "or sync the whole database.", detail=exc.detail)
    if _NO_KEY.search(text) and plan.links:
        names = ", ".join(link.words() for link in plan.links)
        return RestoreFailed(
            f"The sync was refused: in {plan.source.name} the replaced table no longer has the key that other "
            f"tables' links use ({names}); the links would have to be dropped. {unchanged} "
            "Include those tables in the sync, or sync the whole database.", detail=exc.detail)
    return exc


def _numbered(report: ProgressCallback, step: int) -> ProgressCallback:
    def numbered(progress: Progress) -> None:
        report(replace(progress, phase=f"Step {step} of {STEPS}: {progress.phase}"))
    return numbered
