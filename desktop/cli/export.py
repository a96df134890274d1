"""`lifeboat export` and `lifeboat import`: portable copies on another drive (CLI.md).

The passphrase never comes from argv: `--passphrase-file F` (its first
line), `--passphrase-stdin`, or a prompt on a terminal (twice for export).
"""
import sys
from typing import Optional

from desktop.cli.terminal import read_secret, run_with_progress
from desktop.core.errors import UsageError
from desktop.core.format.passphrase import passphrase_problem
from desktop.core.jobs.export.import_copies import run_import
from desktop.core.jobs.export.run import ExportRequest, run_export
from desktop.core.units import human_size
from desktop.core.workspace import Workspace


def read_passphrase(args, confirm: bool) -> Optional[str]:
    if args.passphrase_file:
        try:
            text = args.passphrase_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Lifeboat cannot read the passphrase file {args.passphrase_file}. "
                             "Check the path and that it is a text file.", repr(exc)) from None
        return text.splitlines()[0] if text else ""
    if args.passphrase_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = read_secret("Passphrase: ")
    if first is None or not confirm:
        return first
    if read_secret("Type the passphrase again: ") != first:
        raise UsageError("The two passphrases are not the same. Nothing was exported.")
    return first


def new_passphrase(args, missing: str) -> str:
    """A passphrase that is to protect a file: typed twice on a terminal, and strong enough."""
    passphrase = read_passphrase(args, confirm=True)
    if passphrase is None:
        raise UsageError(missing)
    problem = passphrase_problem(passphrase)
    if problem:
        raise UsageError(problem)
    return passphrase


def export(ws: Workspace, args) -> int:
    passphrase = new_passphrase(args, "An export needs a passphrase: give --passphrase-file F or "
                                      "--passphrase-stdin, or run it on a terminal to be asked.")
    request = ExportRequest(backup_ids=args.ids, dest=args.to, passphrase=passphrase,
                            split=args.split, recovery_sheet=not args.no_recovery_sheet)
    result = run_with_progress(lambda report, cancel: run_export(ws, request, report, cancel))
    for copy in result.copies:
        parts = f" in {len(copy.files)} parts" if len(copy.files) > 1 else ""
        print(f"Exported {copy.backup_id}{parts} ({human_size(copy.size_bytes)}), read back and checked.",
              file=sys.stderr)
        if copy.sheet:
            print(f"Recovery sheet: {copy.sheet}", file=sys.stderr)
        print(copy.location)
    return 0


def import_backups(ws: Workspace, args) -> int:
    passphrase = read_passphrase(args, confirm=False)
    result = run_with_progress(lambda report, cancel: run_import(ws, args.source, passphrase, report, cancel))
    for item in result.added:
        print(item.backup_id)
    print(f"Added {len(result.added)} backups; {len(result.already_known)} were already known.",
          file=sys.stderr)
    for _path, message in result.failed:
        print(f"Not added: {message}", file=sys.stderr)
    return 1 if result.failed else 0


COMMANDS = {"export": export, "import": import_backups}
