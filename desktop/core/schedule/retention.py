"""Retention: which scheduled backups to keep (grandfather-father-son), with a floor.

Each schedule's rules apply to the backups that schedule made, so a daily
schedule and a monthly one kept longer work side by side. Only scheduled
backups are ever considered: manual and safety backups are the user's.
Periods are counted as Borg counts them: the last D *days that have a
backup*, so a week of failed runs does not age good backups out.

The floor is never crossed by any rule (pgbackweb #121: backups failed for
weeks, then retention deleted every good one): the connection's newest
completed backup, its newest proven-restorable one, every backup held for
an undo, and every backup newer than a failed run among the last
`FAILED_RUNS_HALT` runs; when all of those last runs failed, nothing is
removed at all. Removal is the trash (jobs/delete.py), never a delete.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Optional

from desktop.core.jobs.delete import delete_backup
from desktop.core.schedule.history import RunHistory, RunRecord
from desktop.core.schedule.status import schedule_zone
from desktop.core.store.audited import record_quietly
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.schedules import Retention, Schedule
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.retention")
FAILED_RUNS_HALT = 3
NOT_OURS = "Manual and safety backups are yours: retention never removes them."


@dataclass
class Decision:
    record: BackupRecord
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        r = self.record
        return {"id": r.id, "started_at": r.started_at, "schedule_id": r.schedule_id, "reasons": self.reasons}


@dataclass
class RetentionPlan:
    profile: str
    keep: list[Decision] = field(default_factory=list)
    trash: list[Decision] = field(default_factory=list)
    left_alone: int = 0          # manual, safety, or from a removed schedule
    halted: str = ""             # set: nothing is removed, and this says why
    applied: bool = False

    def to_json(self) -> dict:
        return {"profile": self.profile, "halted": self.halted or None, "applied": self.applied,
                "keep": [d.to_json() for d in self.keep], "trash": [d.to_json() for d in self.trash],
                "left_alone": self.left_alone, "note": NOT_OURS}


def gfs_reasons(newest_first: list[BackupRecord], keep: Retention, zone: tzinfo) -> dict[str, list[str]]:
    """Why each backup is kept by the rules (an empty list: it is not)."""
    reasons: dict[str, list[str]] = {record.id: [] for record in newest_first}
    for record in newest_first[:keep.last]:
        reasons[record.id].append(f"one of the newest {keep.last}")
    periods = ((keep.daily, lambda t: t.date().isoformat(), "newest of {}"),
               (keep.weekly, lambda t: "week {1} of {0}".format(*t.isocalendar()), "newest of {}"),
               (keep.monthly, lambda t: t.strftime("%B %Y"), "newest of {}"))
    for count, period_of, words in periods:
        seen: list[str] = []
        for record in newest_first:
            period = period_of(_started(record).astimezone(zone))
            if period in seen:
                continue
            if len(seen) == count:
                break
            seen.append(period)
            reasons[record.id].append(words.format(period))
    return reasons


def floor_reasons(backups: list[BackupRecord], runs: list[RunRecord]) -> dict[str, list[str]]:
    """The backups no rule may remove, and why. `backups`: the connection's
    completed ones (any kind); `runs`: its scheduled runs, newest first."""
    reasons: dict[str, list[str]] = {}
    completed = sorted(backups, key=_started, reverse=True)
    if completed:
        reasons.setdefault(completed[0].id, []).append("the newest completed backup")
    proven = [record for record in completed if record.proven_restorable_at]
    if proven:
        reasons.setdefault(proven[0].id, []).append("the newest backup proven restorable")
    for record in completed:
        if record.held_for:
            reasons.setdefault(record.id, []).append(f"held: {record.held_for}")
    failed = [run for run in runs[:FAILED_RUNS_HALT] if not run.ok]
    if failed:
        since = datetime.fromisoformat(failed[0].started_at)
        for record in completed:
            if _started(record) > since:
                reasons.setdefault(record.id, []).append(f"newer than the failed run of {failed[0].started_at}")
    return reasons


def halt_reason(profile: str, runs: list[RunRecord]) -> str:
    recent = runs[:FAILED_RUNS_HALT]
    if len(recent) == FAILED_RUNS_HALT and not any(run.ok for run in recent):
        return (f"The last {FAILED_RUNS_HALT} scheduled backups of {profile} failed, so retention removes "
                "nothing until one succeeds.")
    return ""


def plan_retention(ws: Workspace, profile: str, history: Optional[RunHistory] = None) -> RetentionPlan:
    history = history or RunHistory(ws.paths.catalog_file)
    zone = schedule_zone(ws.settings)
    schedules = {s.id: s for s in ws.schedules.for_profile(profile)}
    completed = [r for r in ws.catalog.list(profile) if r.status == "completed"]
    runs = history.for_profile(profile, limit=FAILED_RUNS_HALT)
    plan = RetentionPlan(profile=profile, halted=halt_reason(profile, runs))
    floor = floor_reasons(completed, runs)
    ours = [r for r in completed if r.kind == "scheduled" and r.schedule_id in schedules]
    plan.left_alone = len(completed) - len(ours)
    for schedule in schedules.values():
        _decide(plan, schedule, [r for r in ours if r.schedule_id == schedule.id], floor, zone)
    plan.keep.sort(key=lambda d: d.record.started_at, reverse=True)
    plan.trash.sort(key=lambda d: d.record.started_at, reverse=True)
    return plan


def _decide(plan: RetentionPlan, schedule: Schedule, records: list[BackupRecord],
            floor: dict[str, list[str]], zone: tzinfo) -> None:
    newest_first = sorted(records, key=_started, reverse=True)
    by_rule = gfs_reasons(newest_first, schedule.keep, zone)
    for record in newest_first:
        reasons = by_rule[record.id] + floor.get(record.id, [])
        if plan.halted and not reasons:
            reasons = ["kept while the recent scheduled backups fail"]
        (plan.keep if reasons else plan.trash).append(Decision(record, reasons))


def apply_retention(ws: Workspace, profile: Optional[str] = None, dry_run: bool = False) -> list[RetentionPlan]:
    """Plans (and unless `dry_run`, carries out) retention for one connection or every scheduled one."""
    names = [profile] if profile else sorted({s.profile for s in ws.schedules.list()})
    if profile:
        ws.profiles.get(profile)  # an unknown name is a usage error, in plain words
    history = RunHistory(ws.paths.catalog_file)
    plans = [plan_retention(ws, name, history) for name in names]
    if dry_run:
        return plans
    for plan in plans:
        for decision in plan.trash:
            delete_backup(ws, decision.record.id)
        plan.applied = True
        _record(ws, plan)
    return plans


def _record(ws: Workspace, plan: RetentionPlan) -> None:
    message = plan.halted or f"kept {len(plan.keep)} scheduled backup(s), moved {len(plan.trash)} to the trash"
    record_quietly(ws, "retention", profile=plan.profile, message=message)


def _started(record: BackupRecord) -> datetime:
    return datetime.fromisoformat(record.started_at)
