"""`lifeboat mask suggest|review|set|show|preview` and `lifeboat refresh` (CLI.md):
the masking policy of a source connection, and refreshing development from it.
"""
import sys

from desktop.cli.terminal import print_json, run_with_progress, table
from desktop.core.errors import UsageError, VerificationFailed
from desktop.core.jobs.refresh import RefreshRequest, run_refresh
from desktop.core.masking.manage import accept_suggestions, policies, preview, set_rule, suggestions
from desktop.core.workspace import Workspace


def mask_command(ws: Workspace, args) -> int:
    return {"suggest": _suggest, "review": _review, "set": _set, "show": _show,
            "preview": _preview}[args.mask_command](ws, args)


def _suggest(ws: Workspace, args) -> int:
    found, policy = suggestions(ws, args.profile)
    items = []
    for item in found:
        saved = policy.columns.get(item.column)
        items.append({"column": item.column, "type": item.type, "suggested_rule": item.rule, "reason": item.reason,
                      "rule": saved.rule if saved else None, "reviewed": bool(saved and saved.reviewed)})
    if args.json:
        print_json(items)
        return 0
    rows = [(i["column"], i["type"], i["suggested_rule"], i["rule"] or "-", "yes" if i["reviewed"] else "NEW",
             i["reason"]) for i in items]
    print(table(rows, ("COLUMN", "TYPE", "SUGGESTED", "RULE", "REVIEWED", "REASON")))
    return 0


def _review(ws: Workspace, args) -> int:
    if not args.accept_suggestions:
        raise UsageError(f"Say what to confirm: `lifeboat mask review {args.profile} --accept-suggestions` takes the "
                         f"suggested rules; `lifeboat mask set {args.profile} --column C --rule R` sets one.")
    print(accept_suggestions(ws, args.profile).audit_message)
    return 0


def _set(ws: Workspace, args) -> int:
    print(set_rule(ws, args.profile, args.column, args.rule).audit_message)
    return 0


def _show(ws: Workspace, args) -> int:
    ws.profiles.get(args.profile)  # an unknown profile is a usage error, not an empty policy
    policy = policies(ws).load(args.profile)
    if args.json:
        print_json(policy.to_dict())
        return 0
    rows = [(key, c.type, c.rule, "yes" if c.reviewed else "no") for key, c in sorted(policy.columns.items())]
    print(table(rows, ("COLUMN", "TYPE", "RULE", "REVIEWED")))
    print(f"{args.profile}: " + (policy.describe() if policy.version else "no masking policy yet"), file=sys.stderr)
    return 0


def _preview(ws: Workspace, args) -> int:
    shown = preview(ws, args.profile, args.table)
    if not shown:
        print(f"lifeboat: no column of {args.profile} is masked yet (`lifeboat mask suggest {args.profile}`).",
              file=sys.stderr)
    if args.json:
        print_json([{"table": t.table, "columns": t.columns, "rules": t.rules,
                     "rows": [{"before": dict(zip(t.columns, before)), "after": dict(zip(t.columns, after))}
                              for before, after in t.rows]} for t in shown])
        return 0
    for item in shown:
        print(f"{item.table} ({', '.join(f'{c}: {r}' for c, r in zip(item.columns, item.rules))})")
        rows = [(column, _cell(b), _cell(a)) for before, after in item.rows
                for column, b, a in zip(item.columns, before, after)]
        print(table(rows, ("COLUMN", "BEFORE", "AFTER")))
        print()
    return 0


def _cell(value) -> str:
    return "NULL" if value is None else " ".join(str(value).split())[:60]


def refresh(ws: Workspace, args) -> int:
    request = RefreshRequest(args.source, args.into, args.backup, mask=not args.no_mask)
    result = run_with_progress(lambda report, cancel: run_refresh(ws, request, report, cancel))
    if not result.ok:
        raise VerificationFailed(result.check.summary())
    if result.masked is not None:
        for name, columns in sorted(result.masked.columns.items()):
            print(f"masked {name}: {', '.join(columns)} ({result.masked.rows.get(name, 0):,} rows)")
    print(result.audit_message)
    return 0


COMMANDS = {"mask": mask_command, "refresh": refresh}
