"""The safety-net commands: `undo`, `sync`, `verify --restore`, and the undo line after a production write."""
import sys
from typing import Optional

from desktop.cli.terminal import run_with_progress, table
from desktop.core.jobs.restore.plan import plan_restore
from desktop.core.jobs.restore.proof import prove_restorable
from desktop.core.jobs.sync import SyncRequest, plan_sync, run_sync
from desktop.core.jobs.undo import undo_offer, undo_restore
from desktop.core.workspace import Workspace


def undo_line(ws: Workspace, safety_backup_id: Optional[str]) -> Optional[str]:
    offer = undo_offer(ws, safety_backup_id)
    if offer is None:
        return None
    return (f"To put {offer.database} back as it was at {offer.taken_at} (UTC), run: {offer.command()}")


def print_check(check) -> None:
    rows = [(t.table, f"{t.expected:,}", "missing" if t.found is None else f"{t.found:,}", "ok" if t.ok else "MISMATCH")
            for t in check.tables]
    if rows:
        print(table(rows, ("TABLE", "EXPECTED", "FOUND", "")))
    for broken in check.violated_constraints:
        print(f"Broken: {broken}", file=sys.stderr)


def undo(ws: Workspace, args) -> int:
    result = run_with_progress(lambda report, cancel: undo_restore(ws, args.id, args.confirm, report, cancel))
    print_check(result.check)
    print(f"{result.database} is back as it was before. {result.check.summary()}", file=sys.stderr)
    return 0 if result.ok else 1


def sync(ws: Workspace, args) -> int:
    request = SyncRequest(source=args.source, into=args.into, tables=args.table, confirm=args.confirm,
                          drop_missing=args.drop_missing)
    plan = plan_sync(ws, request)
    print_lines(f"What {plan.target.dbname} ({plan.target.name}) would lose:", plan.loss_lines())
    for number, step in enumerate(plan.steps(), start=1):
        print(f"{number}) {step}", file=sys.stderr)
    for note in plan.link_notes():
        print(f"Note: {note}", file=sys.stderr)
    result = run_with_progress(lambda report, cancel: run_sync(ws, request, report, cancel))
    print_check(result.restore.check)
    print_lines(f"Lost in {plan.target.dbname} ({plan.target.name}):", result.loss_lines())
    print(f"Synced. {result.restore.check.summary()}", file=sys.stderr)
    print(undo_line(ws, result.safety_backup_id), file=sys.stderr)
    return 0


def print_lines(title: str, lines: list[str]) -> None:
    """A titled list on stderr (nothing when it is empty)."""
    if lines:
        print(title, file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)


def print_restore_plan(ws: Workspace, request) -> None:
    """Before a --replace or --clean restore writes: each table's rows now and after, losses first."""
    plan = plan_restore(ws, request)
    print_lines(f"What restoring changes in {plan.target.profile.dbname} ({plan.target.profile.name}): "
                f"{plan.headline()}", plan.lines())


def verify_restore(ws: Workspace, args) -> int:
    result = run_with_progress(
        lambda report, cancel: prove_restorable(ws, args.source, args.server, report, cancel))
    print_check(result.check)
    print(f"Proven restorable: backup {result.backup_id} restored into {result.scratch_database} "
          f"{result.where()}, checked, and the test database removed. "
          f"{result.check.summary()}", file=sys.stderr)
    return 0


COMMANDS = {"undo": undo, "sync": sync}


def print_undo_hint(safety_backup_id: str) -> None:
    """After a failed production write: how to put the database back (the error itself is printed already)."""
    try:
        line = undo_line(Workspace.open(), safety_backup_id)
    except Exception:  # the hint must never hide the error it follows
        line = f"To undo, run: lifeboat undo {safety_backup_id} --confirm DBNAME"
    print(f"lifeboat: {line}", file=sys.stderr)
