"""`lifeboat list|show|delete|label|catalog rebuild`: what the catalog holds.

Kept apart from commands.py so that these, which read the catalog (and at
most a backup's manifest), start without psycopg, pg_dump's tools or the
restore: `list --json` is what schedulers and scripts call most.
"""
import sys

from desktop.cli.terminal import print_json, print_json_array, run_with_progress, table
from desktop.core.errors import LifeboatError
from desktop.core.format.manifest import Manifest
from desktop.core.jobs.delete import delete_backup
from desktop.core.jobs.label import label_backup
from desktop.core.jobs.rebuild import rebuild_catalog
from desktop.core.open_backup import open_backup
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.catalog_query import CatalogQuery
from desktop.core.units import human_size
from desktop.core.workspace import Workspace


def list_backups(ws: Workspace, args) -> int:
    if args.table:  # reads backups' contents: its module (psycopg and all) only then
        from desktop.cli.inspect import list_with_table

        return list_with_table(ws, args)
    if args.json:
        print_json_array(ws.catalog.json_texts(profile=args.profile))
        return 0
    records = ws.catalog.each(CatalogQuery(profile=args.profile))
    rows = [(r.id, r.started_at, r.profile, r.environment, r.status, human_size(r.size_bytes),
             str(len(r.row_counts)), f"{r.total_rows:,}") for r in records]
    print(table(rows, ("ID", "STARTED (UTC)", "PROFILE", "ENVIRONMENT", "STATUS", "SIZE", "TABLES", "ROWS"))
          if rows else "No backups yet.")
    return 0


def show_backup(ws: Workspace, args) -> int:
    if args.contents:
        from desktop.cli.inspect import show_contents

        return show_contents(ws, args)
    record = ws.catalog.get(args.id)
    manifest = _manifest_if_readable(ws, record)
    if args.json:
        roles = {} if manifest is None or manifest.roles is None else {
            "roles": manifest.roles, "roles_names_only": manifest.roles_names_only}
        print_json({**record.to_json(), **roles})
        return 0
    _print_record(record)
    roles = _roles_words(manifest.roles, manifest.roles_names_only) if manifest else None
    if roles:
        print(f"roles: {roles}")
    return 0


def _manifest_if_readable(ws: Workspace, record: BackupRecord) -> Manifest | None:
    """The file's own manifest (the catalog keeps no roles); None when the file cannot be read now."""
    if record.status != "completed":
        return None
    try:
        return open_backup(ws, record.id).manifest
    except LifeboatError:
        return None


def _roles_words(names: list[str] | None, names_only: bool) -> str | None:
    """A backup's roles in a line for people; None for a backup made before they were recorded."""
    if names is None:
        return None
    if not names:
        return "none named (no owners or grants kept)"
    listed = ", ".join(names)
    if names_only:
        return (f"{listed} \u2014 names only: the connection's user could not read their definitions, "
                "so a restore that creates them makes them bare (NOLOGIN, no other attributes)")
    return f"{listed} (their definitions are kept, without passwords)"


def _print_record(record: BackupRecord) -> None:
    for key in ("id", "profile", "environment", "database", "host", "status", "kind", "schedule_id", "format",
                "started_at", "finished_at", "path", "server_version", "pg_dump_version", "sha256", "error"):
        value = getattr(record, key)
        if value not in (None, ""):
            print(f"{key}: {value}")
    print(f"size: {human_size(record.size_bytes)}")
    if record.row_counts:
        print()
        print(table([(name, f"{count:,}") for name, count in sorted(record.row_counts.items())], ("TABLE", "ROWS")))


def delete(ws: Workspace, args) -> int:
    record = delete_backup(ws, args.id, confirm=args.confirm)
    print(f"Moved backup {record.id} to the trash. It is removed for good after {ws.settings.trash_days} days; "
          f"until then `lifeboat trash restore {record.id}` brings it back.")
    return 0


def label(ws: Workspace, args) -> int:
    record = label_backup(ws, args.id, args.text)
    print(f"Backup {record.id}: " + (f"note set to {record.label!r}." if record.label else "note removed."))
    return 0


def catalog_rebuild(ws: Workspace, args) -> int:
    result = run_with_progress(lambda report, cancel: rebuild_catalog(ws, args.dir, report, cancel))
    print(f"Added {len(result.added)} backups; {len(result.already_known)} were already known.")
    for path, message in result.unreadable:
        print(f"Skipped {path}: {message}", file=sys.stderr)
    return 0 if not result.unreadable else 1


COMMANDS = {"list": list_backups, "show": show_backup, "delete": delete, "label": label, "catalog": catalog_rebuild}
