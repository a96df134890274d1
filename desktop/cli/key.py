"""`lifeboat key export --to FILE | key import FILE | key new --confirm` (CLI.md):
this installation's backup key. The passphrase comes as for `export`:
`--passphrase-file F`, `--passphrase-stdin`, or a prompt (twice for export).
"""
from desktop.cli.export import new_passphrase, read_passphrase
from desktop.core.errors import UsageError
from desktop.core.format.header import key_id
from desktop.core.jobs.backup_key import export_key, import_key, new_key
from desktop.core.workspace import Workspace


def key_command(ws: Workspace, args) -> int:
    return {"export": _export, "import": _import, "new": _new}[args.key_command](ws, args)


def _export(ws: Workspace, args) -> int:
    passphrase = new_passphrase(args, "The key file needs a passphrase: give --passphrase-file F or "
                                      "--passphrase-stdin, or run this in a terminal to type one.")
    path = export_key(ws, args.to, passphrase)
    print(f"Wrote this installation's backup key (id {key_id(ws.secrets.installation_key())}) to {path}, "
          "protected by the passphrase. Keep the file and the passphrase apart, somewhere safe.")
    return 0


def _import(ws: Workspace, args) -> int:
    passphrase = read_passphrase(args, confirm=False)
    if passphrase is None:
        raise UsageError("Give the key file's passphrase: --passphrase-file F or --passphrase-stdin, "
                         "or run this in a terminal to type it.")
    change = import_key(ws, args.file, passphrase)
    if change.became_current:
        print(f"The backup key {change.key_id} is back: new backups use it, and the backups made with it open.")
    else:
        print(f"Added the older backup key {change.key_id}: the backups made with it open again. "
              "New backups keep using the current key.")
    return 0


def _new(ws: Workspace, args) -> int:
    if not args.confirm:
        raise UsageError("`lifeboat key new` starts a new backup key for new backups. Backups made before "
                         "open only while their key is in the keyring (or from passphrase-protected copies). "
                         "Add --confirm to go ahead.")
    change = new_key(ws)
    print(f"Started the new backup key {change.key_id}. Export it now: `lifeboat key export --to FILE`.")
    return 0


COMMANDS = {"key": key_command}
