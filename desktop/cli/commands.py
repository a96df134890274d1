"""What each CLI command does: parse nothing, decide nothing; call core and print."""
import sys

from desktop.cli import backup_options
from desktop.cli import safety as cli_safety
from desktop.cli.terminal import print_json, read_secret, run_with_progress, table
from desktop.core.errors import InvalidProfile, UsageError, VerificationFailed
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.decrypt import decrypt_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.jobs.verify import verify_backup
from desktop.core.postgres.connection import test_connection
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


COMMANDS = {"profile": profile_command, "backup": backup, "verify": verify, "restore": restore, "decrypt": decrypt}
