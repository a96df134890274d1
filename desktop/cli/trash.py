"""`lifeboat trash list | trash restore ID | trash empty` (CLI.md).

`lifeboat delete ID` moves a backup to the trash (commands.py's delete); the
trash keeps it for Settings.trash_days, then start-up housekeeping removes
it. `trash empty` removes everything in it for good: it asks on a terminal,
and elsewhere (a script) needs `--yes`.
"""
import sys

from desktop.cli.terminal import print_json, table
from desktop.core.errors import UsageError
from desktop.core.jobs.delete import empty_trash, restore_from_trash, trash_expires_at
from desktop.core.units import human_size
from desktop.core.workspace import Workspace


def trash_command(ws: Workspace, args) -> int:
    return {"list": _list, "restore": _restore, "empty": _empty}[args.trash_command](ws, args)


def _list(ws: Workspace, args) -> int:
    records = ws.catalog.list_trash()
    if args.json:
        print_json([{**r.to_json(), "expires_at": _stamp(ws, r)} for r in records])
        return 0
    rows = [(r.id, r.profile, r.database, r.started_at, human_size(r.size_bytes), r.deleted_at, _stamp(ws, r))
            for r in records]
    print(table(rows, ("ID", "PROFILE", "DATABASE", "STARTED (UTC)", "SIZE", "DELETED (UTC)", "REMOVED FOR GOOD"))
          if rows else "The trash is empty.")
    return 0


def _stamp(ws: Workspace, record) -> str:
    return trash_expires_at(ws, record).isoformat().replace("+00:00", "Z")


def _restore(ws: Workspace, args) -> int:
    record = restore_from_trash(ws, args.id)
    print(f"Backup {record.id} ({record.database}, {record.started_at}) is back in the catalog.")
    return 0


def _empty(ws: Workspace, args) -> int:
    count = len(ws.catalog.list_trash())
    if count == 0:
        print("The trash is empty.")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"Emptying the trash removes {count} backup(s) and their files for good. "
                             "Add --yes to do it without being asked.")
        answer = input(f"Remove {count} backup(s) and their files for good? Type yes to go ahead: ")
        if answer.strip().lower() != "yes":
            print("Nothing was removed.", file=sys.stderr)
            return 1
    purged = empty_trash(ws)
    print(f"Removed {len(purged)} backup(s) for good.")
    return 0


COMMANDS = {"trash": trash_command}
