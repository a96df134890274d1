"""Looking inside backups: `show ID --contents`, `preview`, `export-table`, `list --table`, `compare` (CLI.md)."""
import sys

from desktop.cli.terminal import print_json, run_with_progress, table
from desktop.core.inspect.compare import compare_backups
from desktop.core.inspect.contents import Contents, read_contents
from desktop.core.inspect.export_table import export_table
from desktop.core.inspect.preview import BY_KEY, DEFAULT_LIMIT, preview_table
from desktop.core.inspect.search import backups_with_table
from desktop.core.units import human_size
from desktop.core.workspace import Workspace

_GROUPS = (("views", "Views"), ("materialized_views", "Materialized views"), ("functions", "Functions"),
           ("sequences", "Sequences"), ("extensions", "Extensions"))


def show_contents(ws: Workspace, args) -> int:
    contents = run_with_progress(lambda report, cancel: read_contents(ws, args.id, cancel))
    if args.json:
        print_json(contents.to_json())
        return 0
    print("\n".join(contents_lines(contents)))
    return 0


def contents_lines(contents: Contents) -> list[str]:
    lines = [f"Backup {contents.backup_id} ({contents.format}); schemas: {', '.join(contents.schemas) or 'none'}", ""]
    for shape in contents.tables:
        facts = [shape.kind]
        if shape.rows is not None:
            facts.append(f"{shape.rows:,} rows")
        if shape.data_bytes is not None:
            facts.append(f"{human_size(shape.data_bytes)} of data")
        if shape.partition_of:
            facts.append(f"partition of {shape.partition_of}")
        lines.append(f"{shape.key}  ({', '.join(facts)})")
        width = max((len(c.name) for c in shape.columns), default=0)
        for column in shape.columns:
            key = "  primary key" if column.name in shape.primary_key else ""
            lines.append(f"    {column.name.ljust(width)}  {column.type}{key}")
    lines.append("")
    for group, title in _GROUPS:
        names = [f"{e.schema}.{e.name}" if e.schema else e.name for e in contents.objects(group)]
        lines.append(f"{title}: {', '.join(names) if names else 'none'}")
    lines.append(f"Large objects: {contents.large_objects:,}")
    return lines


def _cell(value) -> str:
    if value is None:
        return "NULL"
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def preview(ws: Workspace, args) -> int:
    limit = DEFAULT_LIMIT if args.limit is None else args.limit
    result = run_with_progress(lambda report, cancel: preview_table(ws, args.id, args.table, limit, cancel=cancel))
    if args.json:
        print_json(result.to_json())
        return 0
    print(table([[_cell(v) for v in row] for row in result.rows], result.columns))
    order = ("the first by primary key" if result.order == BY_KEY
             else "in the order the backup holds them (no primary key whose order Lifeboat can reproduce)")
    more = "; the table has more" if result.more else ""
    print(f"{len(result.rows)} rows of {result.table}, {order}{more}. NULL is shown as NULL; "
          "tabs and line breaks as \\t and \\n (--json has the exact values).", file=sys.stderr)
    return 0


def export(ws: Workspace, args) -> int:
    result = run_with_progress(lambda report, cancel: export_table(ws, args.id, args.table, args.format,
                                                                   args.out, report, cancel))
    order = "by primary key" if result.order == BY_KEY else "in the order the backup holds them"
    print(f"Exported {result.rows:,} rows of {result.table} as {result.format}, {order}.", file=sys.stderr)
    print(result.path)
    return 0


def list_with_table(ws: Workspace, args) -> int:
    found = backups_with_table(ws, args.table, args.profile)
    if args.json:
        print_json([{**item.record.to_json(), "table_rows": item.tables} for item in found])
        return 0
    rows = [(item.record.id, item.record.started_at, item.record.profile, name, f"{count:,}")
            for item in found for name, count in sorted(item.tables.items())]
    print(table(rows, ("ID", "STARTED (UTC)", "PROFILE", "TABLE", "ROWS")) if rows
          else f"No backup in the catalog holds a table {args.table}.")
    return 0


def compare(ws: Workspace, args) -> int:
    result = run_with_progress(lambda report, cancel: compare_backups(ws, args.id, args.id2, args.live, cancel))
    if args.json:
        print_json(result.to_json())
        return 0
    print(f"Before: {result.before}\nAfter:  {result.after}")
    if not result.changes:
        print("No table, column or row count differs.")
        return 0
    rows = [(c.table, c.change, _change_words(c), _count(c.rows_before), _count(c.rows_after)) for c in result.changes]
    print(table(rows, ("TABLE", "CHANGE", "COLUMNS", "ROWS BEFORE", "ROWS AFTER")))
    return 0


def _change_words(change) -> str:
    words = [f"+{name}" for name in change.columns_added] + [f"-{name}" for name in change.columns_removed]
    words += [f"{t['column']}: {t['before']} -> {t['after']}" for t in change.types_changed]
    return ", ".join(words)


def _count(number) -> str:
    return "" if number is None else f"{number:,}"


COMMANDS = {"preview": preview, "export-table": export, "compare": compare}
