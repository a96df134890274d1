"""The headless command line (contract: ../shared/CLI.md).

Every command is a thin call into core/. Results go to stdout, progress and
messages to stderr; exit 0 success, 1 the operation failed, 2 usage error.
"""
import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from desktop.cli import alerts as cli_alerts
from desktop.cli import audit as cli_audit
from desktop.cli import backup_options, commands
from desktop.cli import export as cli_export
from desktop.cli import inspect as cli_inspect
from desktop.cli import key as cli_key
from desktop.cli import mask as cli_mask
from desktop.cli import safety as cli_safety
from desktop.cli import schedule as cli_schedule
from desktop.cli import settings as cli_settings
from desktop.cli import trash as cli_trash
from desktop.core.errors import LifeboatError, UsageError
from desktop.core.jobs.leftovers import open_workspace
from desktop.core.store.logs import setup_logging

log = logging.getLogger("lifeboat.cli")


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
    verify = sub.add_parser("verify", help="check that a backup file is intact")
    verify.add_argument("source", metavar="ID|FILE")
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
    cli_audit.add_parsers(sub)
    cli_trash.add_parsers(sub)
    cli_safety.add_parsers(sub)
    cli_export.add_parsers(sub)
    cli_inspect.add_parsers(sub)
    cli_key.add_parsers(sub)
    cli_alerts.add_parsers(sub)
    cli_settings.add_parsers(sub)
    cli_schedule.add_parsers(sub)
    cli_mask.add_parsers(sub)
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
    backup_options.add_arguments(backup)


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


def _reader_went_away() -> int:
    """`lifeboat list --json | head`: the reader closed the pipe. Stop quietly,
    as Unix tools do; stdout goes to devnull so Python's own flush at exit
    does not complain again (Python docs, "Note on SIGPIPE")."""
    log.info("stdout was closed by the reader; stopping")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    # A stop from a service manager or `kill` (SIGTERM) is handled as Ctrl-C:
    # the job is cancelled and removes its plaintext and password file.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Optional[Sequence[str]]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.version:
            print("\n".join(commands.version_lines()))
            return 0
        if not args.command:
            parser.print_help(sys.stderr)
            return 2
        ws = open_workspace()
        setup_logging(ws.paths)
        commands.recover_catalog(ws)
        code = commands.dispatch(ws, args)
        sys.stdout.flush()  # here, not at exit: a closed pipe must reach the handler below
        return code
    except LifeboatError as exc:
        log.warning("%s: %s | %s", type(exc).__name__, exc.message, exc.detail)
        print(f"lifeboat: {exc.message}", file=sys.stderr)
        if exc.safety_backup_id:
            cli_safety.print_undo_hint(exc.safety_backup_id)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lifeboat: stopped.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return _reader_went_away()
    except Exception as exc:
        log.exception("unexpected error")
        print(
            "lifeboat: something unexpected went wrong. Nothing was lost; the details are in the log "
            f"file under the Lifeboat folder. ({type(exc).__name__})",
            file=sys.stderr,
        )
        return 1
