"""What each CLI command does: parse nothing, decide nothing; call core and print."""
import sys

from desktop.cli import backup_options
from desktop.cli import inspect as cli_inspect
from desktop.cli import safety as cli_safety
from desktop.cli.terminal import print_json, print_json_array, read_secret, run_with_progress, table
from desktop.core.errors import InvalidProfile, LifeboatError, UsageError, VerificationFailed
from desktop.core.format.manifest import Manifest
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.decrypt import decrypt_backup
from desktop.core.jobs.delete import delete_backup
from desktop.core.jobs.label import label_backup
from desktop.core.jobs.rebuild import rebuild_catalog
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.jobs.verify import verify_backup
from desktop.core.open_backup import open_backup
from desktop.core.postgres.connection import test_connection
from desktop.core.postgres.roles import roles_words
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.catalog_query import CatalogQuery
from desktop.core.store.profiles import Profile, profile_from_url
from desktop.core.units import human_size
from desktop.core.workspace import Workspace


# --- profiles -------------------------------------------------------------
def profile_add(ws: Workspace, args) -> int:
    if args.like:
        return _profile_add_like(ws, args)
    extra = dict(notes=args.notes, read_only=args.read_only)
    if args.sslmode:
        extra["sslmode"] = args.sslmode
    if args.sslrootcert:
        extra["sslrootcert"] = args.sslrootcert
    if args.url:
        profile, password = profile_from_url(args.name, args.url, args.env, **extra)
    else:
        if not (args.host and args.dbname and args.user):
            raise UsageError("Give either --url, or --host, --dbname and --user.")
        profile = Profile(name=args.name, environment=args.env, host=args.host, port=args.port or 5432,
                          dbname=args.dbname, user=args.user, **extra)
        password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n") or None
    elif password is None and not args.url:
        password = read_secret(f"Password for {profile.user} (leave empty for none): ")
    if password and "\n" in password:
        raise InvalidProfile("A password cannot contain a line break.")
    profile = ws.profiles.add(profile, password)
    where = "stored in the system keyring" if profile.has_password else "none stored"
    print(f"Added profile {profile.name} ({profile.environment}): {profile.display_target()}; password {where}.")
    return 0


def _profile_add_like(ws: Workspace, args) -> int:
    others = [flag for flag, value in (("--url", args.url), ("--host", args.host), ("--port", args.port),
                                       ("--user", args.user), ("--password-stdin", args.password_stdin))
              if value]
    if not args.dbname or others:
        raise UsageError("With --like, give --dbname (and no " + (", ".join(others) or "--url or --host") +
                         "): the rest is copied from the other connection.")
    profile = ws.profiles.add_like(args.name, args.like, dbname=args.dbname, environment=args.env)
    where = "copied in the system keyring" if profile.has_password else "none stored"
    print(f"Added profile {profile.name} ({profile.environment}): {profile.display_target()}, "
          f"connecting like {args.like}; password {where}.")
    return 0


def _profile_json(profile: Profile) -> dict:
    return profile.to_dict()


def profile_list(ws: Workspace, args) -> int:
    profiles = ws.profiles.list()
    if args.json:
        print_json([_profile_json(p) for p in profiles])
        return 0
    rows = [(p.name, p.environment.upper() if p.is_production else p.environment, p.display_target(), p.user)
            for p in profiles]
    print(table(rows, ("NAME", "ENVIRONMENT", "DATABASE", "USER")) if rows
          else "No profiles yet: add one with `lifeboat profile add`.")
    return 0


def profile_show(ws: Workspace, args) -> int:
    profile = ws.profiles.get(args.name)
    if args.json:
        print_json(_profile_json(profile))
        return 0
    for key, value in profile.to_dict().items():
        print(f"{key}: {value}")
    return 0


def profile_test(ws: Workspace, args) -> int:
    profile = ws.profiles.get(args.name)
    report = test_connection(profile, ws.profiles.password_for(profile), ws.tool_dirs())
    print(f"Connected to {profile.display_target()}")
    print(f"Server version: {report.server_version}")
    print(f"Database size: {human_size(report.database_size_bytes)}")
    print(f"The user can change data: {'yes' if report.can_write else 'no'}")
    if report.tools:
        print(f"Tools: pg_dump {report.tools.version} in {report.tools.bin_dir}")
    for warning in report.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if report.read_only_sql:
        print(f"Whoever runs the database can make a login that can only read with:\n{report.read_only_sql}",
              file=sys.stderr)
    return 0


def profile_remove(ws: Workspace, args) -> int:
    ws.profiles.remove(args.name)
    print(f"Removed profile {args.name}.")
    return 0


def profile_command(ws: Workspace, args) -> int:
    return {"add": profile_add, "list": profile_list, "show": profile_show, "test": profile_test,
            "remove": profile_remove}[args.profile_command](ws, args)


# --- backups --------------------------------------------------------------
def backup(ws: Workspace, args) -> int:
    request = BackupRequest(profile=args.profile, options=backup_options.from_args(args), dest=args.dest)
    record = run_with_progress(lambda report, cancel: run_backup(ws, request, report, cancel))
    print(f"Backup completed: {record.database} from profile {record.profile}, "
          f"{len(record.row_counts)} tables, {record.total_rows:,} rows, {human_size(record.size_bytes)}",
          file=sys.stderr)
    print(f"File: {record.path}", file=sys.stderr)
    print(record.id)
    return 0


def list_backups(ws: Workspace, args) -> int:
    if args.table:
        return cli_inspect.list_with_table(ws, args)
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
        return cli_inspect.show_contents(ws, args)
    record = ws.catalog.get(args.id)
    manifest = _manifest_if_readable(ws, record)
    if args.json:
        roles = {} if manifest is None or manifest.roles is None else {
            "roles": manifest.roles, "roles_names_only": manifest.roles_names_only}
        print_json({**record.to_json(), **roles})
        return 0
    _print_record(record)
    roles = roles_words(manifest.roles, manifest.roles_names_only) if manifest else None
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


def verify(ws: Workspace, args) -> int:
    if args.restore:
        return cli_safety.verify_restore(ws, args)
    result = run_with_progress(lambda report, cancel: verify_backup(ws, args.source, report, cancel))
    compared = "matches the catalog" if result.checksum_compared else "not in this catalog to compare"
    print(f"Intact: every part of {result.path} authenticated and decompressed "
          f"({human_size(result.size_bytes)}; SHA-256 {result.sha256}, {compared}).")
    return 0


def restore(ws: Workspace, args) -> int:
    request = RestoreRequest(
        source=args.source, into=args.into, create=args.create, clean=args.clean, replace=args.replace,
        tables=args.table,
        schema_only=args.schema_only, data_only=args.data_only, no_owner=args.no_owner,
        no_acl=args.no_acl, jobs=args.jobs, confirm=args.confirm, roles=args.roles,
    )
    if request.clean or (request.replace and not (request.tables or request.data_only)):  # else refused
        cli_safety.print_restore_plan(ws, request)
    result = run_with_progress(lambda report, cancel: run_restore(ws, request, report, cancel))
    if result.safety_backup_id:
        print(f"Safety backup of the target taken first: {result.safety_backup_id}", file=sys.stderr)
        print(cli_safety.undo_line(ws, result.safety_backup_id), file=sys.stderr)
    rows = [(t.table, f"{t.expected:,}", "missing" if t.found is None else f"{t.found:,}", "ok" if t.ok else "MISMATCH")
            for t in result.check.tables]
    if rows:
        print(table(rows, ("TABLE", "EXPECTED", "FOUND", "")))
    for constraint in result.check.not_valid_constraints:
        print(f"Note: constraint {constraint} is marked NOT VALID (as it was in the source).", file=sys.stderr)
    if not result.ok:
        raise VerificationFailed(result.check.summary())
    print(result.check.summary(), file=sys.stderr)
    return 0


def decrypt(ws: Workspace, args) -> int:
    out = run_with_progress(lambda report, cancel: decrypt_backup(ws, args.source, args.out, report, cancel))
    print(out)
    return 0


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


COMMANDS = {"profile": profile_command, "backup": backup, "list": list_backups, "show": show_backup,
            "verify": verify, "restore": restore, "decrypt": decrypt, "delete": delete, "label": label,
            "catalog": catalog_rebuild}
