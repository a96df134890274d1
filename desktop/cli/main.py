"""The headless command line (contract: ../shared/CLI.md).

Every command is a thin call into core/. Results go to stdout, progress and
messages to stderr; exit 0 success, 1 the operation failed, 2 usage error.
"""
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Optional

from desktop import __version__
from desktop.cli.parser import build_parser
from desktop.core.errors import LifeboatError
from desktop.core.jobs.delete import purge_expired
from desktop.core.jobs.leftovers import open_workspace
from desktop.core.jobs.rebuild import rebuild_summary, recover_damaged_catalog
from desktop.core.postgres.tools import bundled_tools_dir, discover
from desktop.core.store.logs import setup_logging
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.cli")


def _version_lines() -> list[str]:
    lines = [f"Lifeboat {__version__}"]
    try:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        lines.append(f"Qt {qVersion()} (PySide6 {pyside_version})")
    except ImportError:
        lines.append("Qt not installed")
    found = discover()
    # A packaged app names the tools it carries (and prefers), not the newest on the system.
    found = [tools for tools in found if tools.bin_dir == bundled_tools_dir()] or found
    if found:
        lines.append(f"pg_dump {found[0].version} ({found[0].pg_dump})")
        lines.append(f"pg_restore {found[0].version} ({found[0].pg_restore})")
    else:
        lines.append("pg_dump not found")
    return lines


def _recover_catalog(ws: Workspace) -> None:
    result = recover_damaged_catalog(ws)
    if result is not None:
        print(f"lifeboat: {rebuild_summary(ws, result)}", file=sys.stderr)
    purged = purge_expired(ws)
    if purged:
        print(f"lifeboat: {len(purged)} backup(s) were in the trash for more than {ws.settings.trash_days} days "
              "and were removed for good.", file=sys.stderr)


def _handler(command: str) -> Callable[..., int]:
    """The function that runs `command`. Only its module is imported: each
    pulls in the core it calls, and importing them all slowed the start of
    every command. Import statements, not importlib, because the packaged app
    holds only the modules that PyInstaller sees imported."""
    match command:
        case "audit":
            from desktop.cli import audit as handlers
        case "trash":
            from desktop.cli import trash as handlers
        case "undo" | "sync":
            from desktop.cli import safety as handlers
        case "export" | "import":
            from desktop.cli import export as handlers
        case "preview" | "export-table" | "compare":
            from desktop.cli import inspect as handlers
        case "key":
            from desktop.cli import key as handlers
        case "alerts":
            from desktop.cli import alerts as handlers
        case "settings":
            from desktop.cli import settings as handlers
        case "schedule" | "retention":
            from desktop.cli import schedule as handlers
        case "mask" | "refresh":
            from desktop.cli import mask as handlers
        case "list" | "show" | "delete" | "label" | "catalog":
            from desktop.cli import catalog as handlers
        case _:  # profile, backup, verify, restore, decrypt
            from desktop.cli import commands as handlers
    return handlers.COMMANDS[command]


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
            print("\n".join(_version_lines()))
            return 0
        if not args.command:
            parser.print_help(sys.stderr)
            return 2
        ws = open_workspace()
        setup_logging(ws.paths)
        _recover_catalog(ws)
        code = _handler(args.command)(ws, args)
        sys.stdout.flush()  # here, not at exit: a closed pipe must reach the handler below
        return code
    except LifeboatError as exc:
        log.warning("%s: %s | %s", type(exc).__name__, exc.message, exc.detail)
        print(f"lifeboat: {exc.message}", file=sys.stderr)
        if exc.safety_backup_id:
            from desktop.cli.safety import print_undo_hint  # not loaded at every start for this rare case

            print_undo_hint(exc.safety_backup_id)
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
