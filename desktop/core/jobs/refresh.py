"""Refresh development from production: a backup of the source, restored into a development
database as an exact replace, personal data masked on the way.

Where the masking happens: in the SQL script between `pg_restore --file=-`
and psql, on this computer (masking/stream.py). The development server only
ever receives fakes: no original value of a masked column reaches it, not
in a committed row, an uncommitted one, its WAL or its logs. The restore
is the --replace route (one transaction that Lifeboat commits only after the
whole backup authenticated), so a refused column, a failed rule or Cancel
leaves development as it was.

Before anything is read, the source's columns are compared with its policy:
a column added since the review stops the refresh, naming it. The filter
checks again on every table's data, since a chosen (--backup) backup may
hold columns the live source no longer has.
"""
from dataclasses import dataclass
from typing import Optional

from desktop.core.errors import MaskingRefused, UsageError
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.checks import RestoreCheck
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.masking.manage import policies, source_schema
from desktop.core.masking.plan import build_plan
from desktop.core.masking.policy import Policy
from desktop.core.masking.stream import CopyMasker, MaskReport
from desktop.core.progress import CancelToken, ProgressCallback, ignore_progress
from desktop.core.store.audited import audited
from desktop.core.workspace import Workspace


@dataclass
class RefreshRequest:
    source: str  # the profile refreshed from (production, usually)
    into: str  # a development profile
    backup_id: Optional[str] = None  # None: take a fresh backup of the source first
    mask: bool = True


@dataclass
class RefreshResult:
    backup_id: str
    profile: str
    database: str
    check: RestoreCheck
    masked: Optional[MaskReport]
    policy: Optional[Policy]

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def audit_message(self) -> str:
        if self.masked is None:
            how = "NOT masked (--no-mask)"
        else:
            how = f"{self.policy.describe()}: {self.masked.summary()}"
        return f"From backup {self.backup_id}, {how}. {self.check.summary()}"


@audited("refresh", profile="request.into", backup_id="request.backup_id")
def run_refresh(ws: Workspace, request: RefreshRequest, report: ProgressCallback = ignore_progress,
                cancel: Optional[CancelToken] = None) -> RefreshResult:
    cancel = cancel or CancelToken()
    check_target(ws, request)
    policy, masker = _masking(ws, request) if request.mask else (None, None)
    backup_id = request.backup_id or run_backup(ws, BackupRequest(profile=request.source), report, cancel).id
    _check_backup_source(ws, backup_id, request.source)
    # Owners and grants stay where development has the roles; objects of roles it lacks become its user's.
    restore = RestoreRequest(source=backup_id, into=request.into, replace=True, roles="map-to-me",
                             script_filter=masker)
    # Undecorated: this refresh is the one activity-log record of the restore.
    restored = run_restore.__wrapped__(ws, restore, report, cancel)
    return RefreshResult(restored.backup_id, restored.profile, restored.database, restored.check,
                         masker.report if masker else None, policy)


def check_target(ws: Workspace, request: RefreshRequest) -> None:
    """A production target, or the source itself, is refused (UsageError) before anything runs."""
    target = ws.profiles.get(request.into)
    source = ws.profiles.get(request.source)
    if target.is_production:
        raise UsageError(f"\"{target.name}\" is a production connection. A refresh only ever writes into a "
                         "development database; choose a development connection to refresh.")
    if (target.host, target.port, target.dbname) == (source.host, source.port, source.dbname):
        raise UsageError(f"\"{target.name}\" is the same database as \"{source.name}\": a refresh needs "
                         "another database to copy into.")


def _masking(ws: Workspace, request: RefreshRequest) -> tuple[Policy, CopyMasker]:
    """The policy and the filter, or MaskingRefused before anything is read or written."""
    policy = policies(ws).load(request.source)
    if policy.version == 0:
        raise MaskingRefused(
            f"{request.source} has no masking policy yet, so Lifeboat does not know which columns hold personal "
            f"data. Review its columns first (`lifeboat mask suggest {request.source}`, then `lifeboat mask review "
            f"{request.source} --accept-suggestions` or `lifeboat mask set`), or refresh with --no-mask if the "
            "database holds no personal data. Nothing was changed.")
    plan = build_plan(policy, source_schema(ws, request.source), ws.secrets.masking_key())
    return policy, CopyMasker(plan)


def _check_backup_source(ws: Workspace, backup_id: str, source: str) -> None:
    record = ws.catalog.get(backup_id)
    if record.profile != source:
        raise UsageError(f"Backup {record.id} is of {record.profile}, not of {source}: its masking policy would "
                         f"not fit. Choose a backup of {source}.")
