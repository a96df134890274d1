"""`lifeboat schedule add|list|remove|run-due` and `lifeboat retention apply` (CLI.md).

`schedule add` saves the schedule and registers it with the operating
system's scheduler (core/schedule/manage.py), which then runs
`schedule run-due`; that one needs no display.
"""
import sys
from datetime import UTC, datetime

from desktop.cli import backup_options
from desktop.cli.terminal import print_json, table
from desktop.core.errors import LifeboatError
from desktop.core.schedule import os_install
from desktop.core.schedule.history import RunHistory
from desktop.core.schedule.manage import add_schedule, remove_schedule
from desktop.core.schedule.retention import NOT_OURS, RetentionPlan, apply_retention
from desktop.core.schedule.run_due import STILL_RUNNING, RunDueResult, run_due
from desktop.core.schedule.slots import next_run
from desktop.core.schedule.status import schedule_zone
from desktop.core.store.schedules import Retention, new_schedule
from desktop.core.workspace import Workspace


def schedule_command(ws: Workspace, args) -> int:
    return {"add": _add, "list": _list, "remove": _remove, "run-due": _run_due}[args.schedule_command](ws, args)


def _add(ws: Workspace, args) -> int:
    keep = Retention(last=args.keep_last, daily=args.keep_daily, weekly=args.keep_weekly, monthly=args.keep_monthly)
    on = args.on.split(",") if args.on else None
    schedule = new_schedule(args.profile, args.every, at=args.at, on=on, keep=keep,
                            dest=str(args.dest.resolve()) if args.dest else None,
                            options=backup_options.from_args(args), refresh_into=args.refresh_into)
    schedule = add_schedule(ws, schedule)
    registration = os_install.describe(ws, schedule)
    then = f", then refreshing {schedule.refresh_into} from each backup (masked)" if schedule.refresh_into else ""
    print(f"Added schedule {schedule.id}: {schedule.describe()} for {schedule.profile}{then}, woken by "
          f"{registration.where}.", file=sys.stderr)
    if registration.note:
        print(f"Note: {registration.note}", file=sys.stderr)
    print(schedule.id)
    return 0


def _list(ws: Workspace, args) -> int:
    zone = schedule_zone(ws.settings)
    history = RunHistory(ws.paths.catalog_file)
    now = datetime.now(UTC)
    entries = []
    for schedule in ws.schedules.list():
        last = history.last_for_schedule(schedule.id)
        entries.append({**schedule.to_dict(), "description": schedule.describe(),
                        "next_run": next_run(schedule, now, zone).isoformat().replace("+00:00", "Z"),
                        "last_run": last.to_json() if last else None})
    if args.json:
        print_json(entries)
        return 0
    rows = [(e["id"], e["profile"], e["description"], _local(e["next_run"], zone),
             f"{e['last_run']['outcome']} {_local(e['last_run']['started_at'], zone)}" if e["last_run"] else "never")
            for e in entries]
    print(table(rows, ("ID", "PROFILE", "WHEN", "NEXT RUN", "LAST RUN")) if rows
          else "No schedules yet: add one with `lifeboat schedule add`.")
    return 0


def _local(stamp: str, zone) -> str:
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _remove(ws: Workspace, args) -> int:
    schedule = remove_schedule(ws, args.id)
    print(f"Removed schedule {schedule.id} ({schedule.describe()} for {schedule.profile}) and its timer. "
          "Its backups stay; delete them yourself if you no longer want them.")
    return 0


def _run_due(ws: Workspace, args) -> int:
    result = run_due(ws)
    if result.already_running:
        print(f"lifeboat: {STILL_RUNNING}", file=sys.stderr)
        return 0
    for run in result.runs:
        print(f"{run.schedule_id} {run.profile}: {run.outcome}"
              + (f", backup {run.backup_id}" if run.backup_id and run.ok else "") + f". {run.message}")
    for note in result.notes:
        print(f"lifeboat: {note}", file=sys.stderr)
    if not result.runs:
        print("Nothing was due.", file=sys.stderr)
    return _fail_if_any_failed(result)


def _fail_if_any_failed(result: RunDueResult) -> int:
    failed = [run for run in result.runs if not run.ok]
    if failed:
        raise LifeboatError(f"{len(failed)} of {len(result.runs)} scheduled backup(s) did not succeed: "
                            f"{failed[0].profile}: {failed[0].message}")
    return 0


def retention_command(ws: Workspace, args) -> int:
    plans = apply_retention(ws, profile=args.profile, dry_run=args.dry_run)
    if args.json:
        print_json([plan.to_json() for plan in plans])
        return 0
    for plan in plans:
        _print_plan(plan, args.dry_run)
    if not plans:
        print("No connection has a schedule, so retention has nothing to do.")
    print(NOT_OURS, file=sys.stderr)
    return 0


def _print_plan(plan: RetentionPlan, dry_run: bool) -> None:
    print(f"{plan.profile}:")
    if plan.halted:
        print(f"  {plan.halted}")
    rows = [(d.record.id, d.record.started_at, "keep", "; ".join(d.reasons)) for d in plan.keep]
    verb = "would go to the trash" if dry_run else "to the trash"
    rows += [(d.record.id, d.record.started_at, verb, "no rule keeps it") for d in plan.trash]
    if rows:
        print(table(rows, ("ID", "STARTED (UTC)", "", "WHY")))
    if plan.left_alone:
        print(f"  {plan.left_alone} other backup(s) left alone (manual, safety, or from a removed schedule).")


COMMANDS = {"schedule": schedule_command, "retention": retention_command}
