"""Every command's arguments (contract: ../shared/CLI.md), apart from the code
that runs the commands: `lifeboat CMD` parses with this module and then loads
only CMD's module (main.py), and `--help` or a usage error loads none.

The choices come from core, beside the code that acts on them, so that the
two cannot drift apart; each from a module light enough to import at every
start (no psycopg, no restore: tests/test_cli_dispatch.py).
"""
import argparse
import sys
from pathlib import Path

from desktop.core.errors import UsageError
from desktop.core.format.manifest import FORMATS
from desktop.core.inspect.copy_text import EXPORT_FORMATS
from desktop.core.jobs.restore.request import ROLE_CHOICES
from desktop.core.store.audit_log import ACTIONS, RESULTS
from desktop.core.store.schedules import EVERY, Retention


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lifeboat", description="Safe, encrypted PostgreSQL backups and restores.",
        epilog="Run `lifeboat` with no arguments to open the window, or `lifeboat --demo` to try it "
               "on throwaway sample databases.",
    )
    parser.add_argument("--version", action="store_true", help="print the app, Qt and pg_dump versions")
    # Handled before this parser (desktop/__main__.py); listed so --help shows it.
    parser.add_argument("--demo", action="store_true", help="open the window on throwaway sample databases")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _profile_parsers(sub)
    _backup_parser(sub)
    listing = sub.add_parser("list", help="list backups")
    listing.add_argument("--profile")
    listing.add_argument("--table", metavar="TABLE", help="only the backups holding this table, with its rows")
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="show one backup")
    show.add_argument("id")
    show.add_argument("--contents", action="store_true", help="what the backup holds, read from the file")
    show.add_argument("--json", action="store_true")
    _verify_parser(sub)
    _restore_parser(sub)
    decrypt = sub.add_parser("decrypt", help="write the standard pg_dump file a backup holds")
    decrypt.add_argument("source", metavar="ID|FILE")
    decrypt.add_argument("--out", required=True, type=Path)
    delete = sub.add_parser("delete", help="move a backup to the trash (kept a few days, then removed)")
    delete.add_argument("id")
    delete.add_argument("--confirm", metavar="DBNAME",
                        help="the database's name: needed for the only proven-restorable backup of production")
    label = sub.add_parser("label", help="give a backup a note, shown in the list (\"\" removes it)")
    label.add_argument("id")
    label.add_argument("text")
    catalog = sub.add_parser("catalog", help="catalog maintenance")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True, parser_class=_Parser)
    rebuild = catalog_sub.add_parser("rebuild", help="add every backup file in a folder to the catalog")
    rebuild.add_argument("dir", type=Path)
    for add_parsers in (_audit_parsers, _trash_parsers, _safety_parsers, _export_parsers, _inspect_parsers,
                        _key_parsers, _alerts_parsers, _settings_parsers, _schedule_parsers, _mask_parsers):
        add_parsers(sub)
    return parser


def _profile_parsers(sub) -> None:
    profile = sub.add_parser("profile", help="connection profiles")
    psub = profile.add_subparsers(dest="profile_command", required=True, parser_class=_Parser)
    add = psub.add_parser("add", help="add a connection profile")
    add.add_argument("name")
    add.add_argument("--url", help="postgresql://user:password@host:port/db (the password goes to the keyring)")
    add.add_argument("--like", metavar="OTHER", help="copy OTHER's connection (and password), with --dbname")
    add.add_argument("--host")
    add.add_argument("--port", type=int)
    add.add_argument("--dbname")
    add.add_argument("--user")
    add.add_argument("--env", required=True, choices=("development", "production"))
    add.add_argument("--sslmode")
    add.add_argument("--sslrootcert")
    add.add_argument("--password-stdin", action="store_true")
    add.add_argument("--read-only", action="store_true", help="backups only: never restore into it")
    add.add_argument("--notes", default="")
    for name in ("list",):
        psub.add_parser(name).add_argument("--json", action="store_true")
    show = psub.add_parser("show")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    psub.add_parser("test").add_argument("name")
    psub.add_parser("remove").add_argument("name")


def _backup_parser(sub) -> None:
    backup = sub.add_parser("backup", help="back up a database")
    backup.add_argument("profile")
    _backup_options(backup)


def _backup_options(parser) -> None:
    """The backup options `lifeboat backup` and `lifeboat schedule add` share (read by backup_options.py)."""
    parser.add_argument("--format", choices=FORMATS, default="custom")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--schema-only", action="store_true")
    only.add_argument("--data-only", action="store_true")
    parser.add_argument("--table", action="append", default=[], metavar="PATTERN")
    parser.add_argument("--exclude-table", action="append", default=[], metavar="PATTERN")
    parser.add_argument("--no-owner", action="store_true")
    parser.add_argument("--no-acl", action="store_true")
    parser.add_argument("--dest", type=Path, metavar="DIR")
    parser.add_argument("--jobs", type=int, default=1)


def _verify_parser(sub) -> None:
    verify = sub.add_parser("verify", help="check that a backup file is intact")
    verify.add_argument("source", metavar="ID|FILE")
    verify.add_argument("--restore", action="store_true",
                        help="also restore it into a scratch database, check it, and drop the scratch database")
    verify.add_argument("--server", metavar="PROFILE", help="whose server holds the scratch database "
                        "(default: a private PostgreSQL server Lifeboat starts on this computer)")


def _restore_parser(sub) -> None:
    restore = sub.add_parser("restore", help="restore a backup into a database")
    restore.add_argument("source", metavar="ID|FILE")
    restore.add_argument("--into", required=True, metavar="PROFILE")
    restore.add_argument("--create", action="store_true", help="create the database if it is missing")
    restore.add_argument("--clean", action="store_true", help="drop the backup's objects before recreating them")
    restore.add_argument("--replace", action="store_true", help="the target becomes exactly the backup")
    restore.add_argument("--table", action="append", default=[])
    only = restore.add_mutually_exclusive_group()
    only.add_argument("--schema-only", action="store_true")
    only.add_argument("--data-only", action="store_true")
    restore.add_argument("--no-owner", action="store_true")
    restore.add_argument("--no-acl", action="store_true")
    restore.add_argument("--jobs", type=int, default=1)
    restore.add_argument("--confirm", metavar="DBNAME")
    restore.add_argument("--roles", choices=ROLE_CHOICES, default=None,
                         help="database users the backup names that the target server lacks: stop and list them "
                              "(require; the default into production), create them NOLOGIN without passwords "
                              "(create), or give their objects to the target's user (map-to-me; the default "
                              "into development)")


def _audit_parsers(sub) -> None:
    audit = sub.add_parser("audit", help="the activity log: who did what, when")
    asub = audit.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    asub.add_parser("verify", help="check that no record was changed, removed, added or reordered")
    listing = asub.add_parser("list", help="show the records, oldest first")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--csv", type=Path, metavar="FILE", help="write the records to FILE as CSV")
    listing.add_argument("--action", choices=ACTIONS)
    listing.add_argument("--profile")
    listing.add_argument("--result", choices=RESULTS)


def _trash_parsers(sub) -> None:
    trash = sub.add_parser("trash", help="deleted backups, kept for a few days before they go for good")
    tsub = trash.add_subparsers(dest="trash_command", required=True, parser_class=_Parser)
    tsub.add_parser("list", help="show what the trash holds").add_argument("--json", action="store_true")
    tsub.add_parser("restore", help="take a backup out of the trash").add_argument("id")
    tsub.add_parser("empty", help="remove every backup in the trash for good").add_argument(
        "--yes", action="store_true", help="do not ask (for scripts)")


def _safety_parsers(sub) -> None:
    undo = sub.add_parser("undo", help="put a database back as it was before a production restore or sync")
    undo.add_argument("id", metavar="SAFETY_ID", help="the safety backup Lifeboat took before writing")
    undo.add_argument("--confirm", metavar="DBNAME")
    sync = sub.add_parser("sync", help="copy a database (or some tables) into another, safety backup first")
    sync.add_argument("source", metavar="FROM_PROFILE")
    sync.add_argument("--into", required=True, metavar="PROFILE")
    sync.add_argument("--table", action="append", default=[], metavar="T")
    sync.add_argument("--confirm", metavar="DBNAME")
    sync.add_argument("--drop-missing", action="store_true",
                      help="let a whole-database sync remove the target's tables the source does not have")


def _export_parsers(sub) -> None:
    export = sub.add_parser("export", help="copy backups to another drive, protected by a passphrase")
    export.add_argument("ids", nargs="+", metavar="ID")
    export.add_argument("--to", required=True, type=Path, metavar="DIR")
    _passphrase_flags(export)
    export.add_argument("--split", action="store_true",
                        help="on a FAT32 drive, split a backup over 4 GB into numbered parts")
    export.add_argument("--no-recovery-sheet", action="store_true",
                        help="do not write the plain-text recovery sheet next to each copy")
    imp = sub.add_parser("import", help="add exported backups from a drive to this computer's catalog")
    imp.add_argument("source", type=Path, metavar="DIR|FILE")
    _passphrase_flags(imp)


def _passphrase_flags(parser) -> None:
    """Where a passphrase comes from when not typed on a terminal: never argv (export.py reads it)."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--passphrase-file", type=Path, metavar="F")
    source.add_argument("--passphrase-stdin", action="store_true")


def _inspect_parsers(sub) -> None:
    preview = sub.add_parser("preview", help="show the first rows of a table in a backup, without restoring it")
    preview.add_argument("id", metavar="ID|FILE")
    preview.add_argument("table", metavar="TABLE")
    preview.add_argument("--limit", type=int, metavar="N")  # default: preview.DEFAULT_LIMIT
    preview.add_argument("--json", action="store_true")
    export = sub.add_parser("export-table", help="write one table of a backup as CSV, JSON or JSON Lines")
    export.add_argument("id", metavar="ID|FILE")
    export.add_argument("table", metavar="TABLE")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    compare = sub.add_parser("compare", help="what differs between two backups, or a backup and the database now")
    compare.add_argument("id", metavar="ID")
    other = compare.add_mutually_exclusive_group()
    other.add_argument("id2", nargs="?", metavar="ID2")
    other.add_argument("--live", action="store_true", help="compare with the database as it is now")
    compare.add_argument("--json", action="store_true")


def _key_parsers(sub) -> None:
    key = sub.add_parser("key", help="this installation's backup key: keep a recovery file, or start a new key")
    ksub = key.add_subparsers(dest="key_command", required=True, parser_class=_Parser)
    export = ksub.add_parser("export", help="write the key to FILE, protected by a passphrase")
    export.add_argument("--to", required=True, type=Path, metavar="FILE")
    _passphrase_flags(export)
    imp = ksub.add_parser("import", help="put the key back from a file `key export` wrote")
    imp.add_argument("file", type=Path, metavar="FILE")
    _passphrase_flags(imp)
    new = ksub.add_parser("new", help="start a new key for new backups (recorded in the activity log)")
    new.add_argument("--confirm", action="store_true", help="required: you mean to start a new key")


def _alerts_parsers(sub) -> None:
    alerts = sub.add_parser("alerts", help="where Lifeboat says when a backup failed or is overdue")
    asub = alerts.add_subparsers(dest="alerts_command", required=True, parser_class=_Parser)
    add = asub.add_parser("add", help="add an alert channel")
    kinds = add.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    email = kinds.add_parser("email", help="alerts by e-mail through an SMTP server")
    email.add_argument("--to", required=True, metavar="ADDR")
    email.add_argument("--smtp", required=True, metavar="HOST[:PORT]")
    email.add_argument("--user", default="", metavar="U", help="log in as U (the password goes to the keyring)")
    security = email.add_mutually_exclusive_group()
    security.add_argument("--starttls", action="store_const", dest="security", const="starttls")
    security.add_argument("--ssl", action="store_const", dest="security", const="ssl")
    email.add_argument("--password-stdin", action="store_true")
    email.add_argument("--from", dest="sender", default="", metavar="ADDR",
                       help="the sender's address (default: the user, when it is one)")
    webhook = kinds.add_parser("webhook", help="alerts as JSON posted to a web address")
    webhook.add_argument("--url", required=True)
    for parser in (email, webhook):
        parser.add_argument("--on-success", action="store_true", help="also tell about successful backups")
    asub.add_parser("list", help="show the alert channels").add_argument("--json", action="store_true")
    asub.add_parser("remove", help="remove an alert channel").add_argument("id")
    asub.add_parser("test", help="send a test alert to every channel")


def _settings_parsers(sub) -> None:
    settings = sub.add_parser("settings", help="Lifeboat's preferences")
    ssub = settings.add_subparsers(dest="settings_command", required=True, parser_class=_Parser)
    ssub.add_parser("show", help="show every setting").add_argument("--json", action="store_true")
    change = ssub.add_parser("set", help="change one setting")
    change.add_argument("key", metavar="KEY")
    change.add_argument("value", metavar="VALUE")


def _schedule_parsers(sub) -> None:
    schedule = sub.add_parser("schedule", help="automatic backups, run by the operating system's scheduler")
    ssub = schedule.add_subparsers(dest="schedule_command", required=True, parser_class=_Parser)
    add = ssub.add_parser("add", help="back up a connection on a schedule; prints the schedule's id")
    add.add_argument("profile")
    add.add_argument("--every", required=True, choices=EVERY)
    add.add_argument("--at", metavar="HH:MM", help="time of day (hourly: only the minutes count); default 02:00")
    add.add_argument("--on", metavar="DAYS", help="weekly: days such as mon,thu; monthly: a day of the month")
    keep = Retention()
    for name, default in (("last", keep.last), ("daily", keep.daily), ("weekly", keep.weekly),
                          ("monthly", keep.monthly)):
        add.add_argument(f"--keep-{name}", type=int, default=default, metavar="N",
                         help=f"retention: keep the newest of each of the last N periods (default {default})")
    add.add_argument("--refresh-into", metavar="PROFILE",
                     help="after each backup, refresh this development connection from it, masked")
    _backup_options(add)
    ssub.add_parser("list", help="the schedules, their next run and last outcome").add_argument(
        "--json", action="store_true")
    ssub.add_parser("remove", help="remove a schedule and its timer").add_argument("id")
    ssub.add_parser("run-due", help="run every schedule whose time has come (what the scheduler calls)")
    retention = sub.add_parser("retention", help="keep the scheduled backups the rules name, trash the rest")
    rsub = retention.add_subparsers(dest="retention_command", required=True, parser_class=_Parser)
    apply = rsub.add_parser("apply", help="apply retention now (to the trash, never deleted at once)")
    apply.add_argument("--profile", metavar="P")
    apply.add_argument("--dry-run", action="store_true", help="only say what would be kept and trashed")
    apply.add_argument("--json", action="store_true")


def _mask_parsers(sub) -> None:
    mask = sub.add_parser("mask", help="which columns of a source hold personal data, and how to mask them")
    msub = mask.add_subparsers(dest="mask_command", required=True, parser_class=_Parser)
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
