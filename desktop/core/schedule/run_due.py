"""`lifeboat schedule run-due`: what the operating system's scheduler runs.

For every schedule whose newest slot is newer than its last attempt (missed
slots are caught up once, not once each): back up, read the whole file back
(the verify job), then apply that connection's retention. One lock, taken
without waiting, keeps two runs from overlapping: a second run finds the
first still going and leaves. Every run is kept in the run history and the
activity log; failures, stalls, successes and staleness go to the alerts.
It needs no display: only the catalog, the profiles and the user's keyring.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Optional

from filelock import FileLock, Timeout

from desktop.core.alerts import messages
from desktop.core.alerts.dispatch import send_alerts
from desktop.core.alerts.events import AlertEvent
from desktop.core.errors import BackupStalled, LifeboatError, LockWaitTimeout
from desktop.core.format.manifest import utc_now
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.refresh import RefreshRequest, run_refresh
from desktop.core.jobs.verify import verify_backup
from desktop.core.progress import ProgressCallback, ignore_progress
from desktop.core.schedule.history import RunHistory, RunRecord
from desktop.core.schedule.retention import RetentionPlan, apply_retention
from desktop.core.schedule.slots import latest_slot
from desktop.core.schedule.status import connection_status, schedule_zone
from desktop.core.store.audited import record_quietly
from desktop.core.store.schedules import Schedule
from desktop.core.units import human_size
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.schedule")
Clock = Callable[[], datetime]
STILL_RUNNING = "The last scheduled run is still going; this one leaves it to finish."
# A connection that stays overdue is reported once a day, not at every run.
STALE_NOTICE_EVERY = timedelta(days=1)


@dataclass
class RunDueResult:
    already_running: bool = False
    runs: list[RunRecord] = field(default_factory=list)
    retention: list[RetentionPlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # retention or staleness problems, in words

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs)


def lock_path(ws: Workspace) -> Path:
    return ws.paths.data_dir / "run-due.lock"


def run_due(ws: Workspace, clock: Optional[Clock] = None, report: ProgressCallback = ignore_progress) -> RunDueResult:
    clock = clock or (lambda: datetime.now(UTC))
    lock = FileLock(str(lock_path(ws)), mode=0o600)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        log.info("run-due: another run holds %s", lock_path(ws))
        return RunDueResult(already_running=True)
    try:
        return _run_all(ws, clock, report)
    finally:
        lock.release()


def due_slots(ws: Workspace, history: RunHistory, now: datetime) -> list[tuple[Schedule, datetime]]:
    zone = schedule_zone(ws.settings)
    due = []
    for schedule in ws.schedules.list():
        slot = latest_slot(schedule, now, zone)
        last = history.last_for_schedule(schedule.id)
        if slot is not None and (last is None or slot > datetime.fromisoformat(last.slot)):
            due.append((schedule, slot))
    return due


def _run_all(ws: Workspace, clock: Clock, report: ProgressCallback) -> RunDueResult:
    history = RunHistory(ws.paths.catalog_file)
    result = RunDueResult()
    for schedule, slot in due_slots(ws, history, clock()):
        run = run_schedule(ws, schedule, slot, history, clock, report)
        result.runs.append(run)
        if run.ok:
            try:
                result.retention += apply_retention(ws, schedule.profile)
            except LifeboatError as exc:
                log.warning("retention for %s: %s | %s", schedule.profile, exc.message, exc.detail)
                result.notes.append(f"Retention for {schedule.profile} did not finish: {exc.message}")
            if schedule.refresh_into:
                result.notes += refresh_from(ws, schedule, run.backup_id, report)
    check_staleness(ws, history, clock())
    return result


def run_schedule(ws: Workspace, schedule: Schedule, slot: datetime, history: RunHistory, clock: Clock,
                 report: ProgressCallback = ignore_progress) -> RunRecord:
    """One scheduled backup, read back whole, recorded whatever happens."""
    started = clock()
    backup_id = None
    dest = schedule.dest or ws.settings.backups_dir
    request = BackupRequest(profile=schedule.profile, options=schedule.options, dest=Path(dest) if dest else None,
                            kind="scheduled", schedule_id=schedule.id, clock=clock)
    try:
        record = run_backup(ws, request, report)
        backup_id = record.id
        verified = verify_backup(ws, record.id, report)
        outcome = "succeeded"
        message = (f"Backed up and read back whole: {len(record.row_counts)} tables, {record.total_rows:,} rows, "
                   f"{human_size(verified.size_bytes)}.")
    except (BackupStalled, LockWaitTimeout) as exc:
        outcome, message = "stalled", exc.message
    except LifeboatError as exc:
        outcome, message = "failed", exc.message
    except Exception as exc:  # one schedule's surprise must not stop the others
        log.exception("scheduled run of %s", schedule.id)
        outcome, message = "failed", f"Something unexpected went wrong ({type(exc).__name__}); see the log."
    run = RunRecord(schedule_id=schedule.id, profile=schedule.profile, slot=utc_now(slot),
                    started_at=utc_now(started), finished_at=utc_now(clock()), outcome=outcome,
                    message=message, backup_id=backup_id)
    history.record(run)
    subject = _subject(ws, schedule.profile)
    _audit(ws, run, subject.database)
    words = {"succeeded": messages.backup_succeeded, "failed": messages.backup_failed,
             "stalled": messages.backup_stalled}[outcome]
    event = words(subject, backup_id, message) if outcome == "succeeded" else words(subject, message, backup_id)
    send_alerts(ws, event)
    return run


def refresh_from(ws: Workspace, schedule: Schedule, backup_id: str, report: ProgressCallback) -> list[str]:
    """The schedule's development connection refreshed from the backup just taken and read back
    (masked, with the source's policy); the refresh records itself in the activity log. Its problem
    in words, if any: a failed refresh leaves development as it was."""
    try:
        refreshed = run_refresh(ws, RefreshRequest(schedule.profile, schedule.refresh_into, backup_id), report)
    except LifeboatError as exc:
        log.warning("refresh of %s: %s | %s", schedule.refresh_into, exc.message, exc.detail)
        problem = exc.message
    else:
        if refreshed.ok:
            return []
        problem = refreshed.check.summary()
    send_alerts(ws, messages.refresh_failed(_subject(ws, schedule.profile), schedule.refresh_into, problem))
    return [f"Refreshing {schedule.refresh_into} from {schedule.profile} did not happen as it should: {problem}"]


def check_staleness(ws: Workspace, history: RunHistory, now: datetime) -> list[AlertEvent]:
    """Alerts for every scheduled connection with no recent success, at most once a day each."""
    sent = []
    schedules = ws.schedules.list()
    for profile in sorted({s.profile for s in schedules}):
        status = connection_status(profile, schedules, ws.catalog, ws.settings, now)
        last = history.last_notice(profile, "stale")
        if not status.overdue or (last is not None and now - last < STALE_NOTICE_EVERY):
            continue
        event = messages.stale(_subject(ws, profile), status.last_success, now)
        send_alerts(ws, event)
        history.noted(profile, "stale", now)
        sent.append(event)
    return sent


def _subject(ws: Workspace, profile: str) -> messages.Subject:
    try:
        found = ws.profiles.get(profile)
    except LifeboatError:  # removed since the schedule was made
        return messages.Subject(profile)
    return messages.Subject(profile, found.environment, found.dbname)


def _audit(ws: Workspace, run: RunRecord, database: str) -> None:
    record_quietly(ws, "schedule_run", profile=run.profile, database=database, backup_id=run.backup_id or "",
                   result="ok" if run.ok else "failed", message=f"schedule {run.schedule_id}: {run.message}")
