"""`lifeboat audit verify` and `lifeboat audit list` (CLI.md): the activity log.

`audit verify` exits 0 when the log is intact, 1 naming the first bad line.
`audit list --csv FILE` writes the (filtered) records as a spreadsheet file.
"""
import sys
from dataclasses import asdict

from desktop.cli.terminal import print_json, table
from desktop.core.durable import explain_write_error
from desktop.core.store.audit_log import filter_records, write_csv
from desktop.core.store.audited import audit_log_of
from desktop.core.workspace import Workspace


def audit_command(ws: Workspace, args) -> int:
    log = audit_log_of(ws)
    if args.audit_command == "verify":
        check = log.verify()
        if check.intact:
            print(check.summary())
            return 0
        print(f"lifeboat: {check.summary()}", file=sys.stderr)
        return 1
    records = filter_records(log.records(), action=args.action, profile=args.profile, result=args.result)
    if args.csv:
        try:
            with open(args.csv, "w", encoding="utf-8", newline="") as out:
                write_csv(records, out)
        except OSError as exc:
            raise explain_write_error(exc, args.csv) from exc
        print(f"Wrote {len(records)} records to {args.csv}.", file=sys.stderr)
    if args.json:
        print_json([asdict(record) for record in records])
    elif not args.csv:
        rows = [(r.seq, r.time, r.who, r.action, r.profile, r.database, r.backup_id, r.result,
                 f"{r.duration_s:.1f}s", r.message[:60]) for r in records]
        print(table(rows, ("#", "TIME (UTC)", "WHO", "ACTION", "PROFILE", "DATABASE", "BACKUP", "RESULT",
                           "TOOK", "MESSAGE")) if rows else "No activity recorded yet.")
    return 0


COMMANDS = {"audit": audit_command}
