"""`lifeboat mask suggest|review|set|show|preview` and `lifeboat refresh` (CLI.md):
the masking policy of a source connection, and refreshing development from it.
"""
import sys

from desktop.cli.terminal import print_json, run_with_progress, table
from desktop.core.errors import UsageError, VerificationFailed
from desktop.core.jobs.refresh import RefreshRequest, run_refresh
from desktop.core.masking.manage import accept_suggestions, policies, preview, set_rule, suggestions
from desktop.core.workspace import Workspace


def add_parsers(sub) -> None:
    mask = sub.add_parser("mask", help="which columns of a source hold personal data, and how to mask them")
    msub = mask.add_subparsers(dest="mask_command", required=True, parser_class=type(mask))
    suggest = msub.add_parser("suggest", help="a suggested rule for every column, with the reason")
    suggest.add_argument("profile")
    suggest.add_argument("--json", action="store_true")
    review = msub.add_parser("review", help="confirm the policy")
    review.add_argument("profile")
    review.add_argument("--accept-suggestions", action="store_true",
                        help="every column not reviewed yet takes its suggested rule (or keep)")
    rule = msub.add_parser("set", help="set one column's rule (and mark it reviewed)")
    rule.add_argument("profile")
    rule.add_argument("--column", required=True, metavar="SCHEMA.TABLE.COLUMN")
    rule.add_argument("--rule", required=True, metavar="RULE",
                      help="email, name, phone, address, iban, card, text, 'date-shift [DAYS]', null, hash, "
                           "'fixed VALUE' or keep")
    show = msub.add_parser("show", help="the policy as saved")
    show.add_argument("profile")
    show.add_argument("--json", action="store_true")
    shown = msub.add_parser("preview", help="10 rows of each masked table, before and after")
    shown.add_argument("profile")
    shown.add_argument("--table", metavar="T")
    shown.add_argument("--json", action="store_true")
    refresh = sub.add_parser("refresh", help="refresh a development database from a source, masked")
    refresh.add_argument("source", metavar="FROM")
    refresh.add_argument("--into", required=True, metavar="PROFILE")
    refresh.add_argument("--backup", metavar="ID", help="use this backup of FROM instead of taking a fresh one")
    refresh.add_argument("--no-mask", action="store_true", help="copy without masking (recorded as such)")


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
