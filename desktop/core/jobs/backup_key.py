"""Keeping this installation's backup key recoverable: export it to a file
protected by a passphrase, put it back from that file, or start a new key
on purpose (RELIABILITY.md, "Keys and installations").

The recovery file holds the key wrapped exactly as an exported backup's
data key is (format/header.passphrase_slot: scrypt, capped parameters), with
a fixed marker where a backup has its file id, so a backup's slot can never
pass for a key file. It never holds the key in the clear.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from desktop.core.durable import AtomicFile, explain_write_error
from desktop.core.errors import BackupFileError, UsageError, WrongPassphrase
from desktop.core.format.header import SCRYPT_N, key_id, open_passphrase_slot, passphrase_slot
from desktop.core.format.manifest import utc_now
from desktop.core.store.audited import audited
from desktop.core.workspace import Workspace

_MARKER = b"lifeboat-key-exp"  # 16 bytes, where a backup's slot has its file id
_FORMAT = "lifeboat-backup-key"


@dataclass
class KeyChange:
    key_id: str
    became_current: bool  # False: kept as an older key, so the backups made with it open


@audited("key_export")
def export_key(ws: Workspace, target: Path, passphrase: str) -> Path:
    key = ws.secrets.installation_key()
    doc = {"format": _FORMAT, "version": 1, "key_id": key_id(key), "exported_at": utc_now(),
           "slot": passphrase_slot(passphrase, SCRYPT_N, _MARKER, key)}
    target = Path(target)
    try:
        with AtomicFile(target, exclusive=False) as out:  # 0600
            out.write(json.dumps(doc, indent=2).encode("ascii") + b"\n")
            return out.commit()
    except OSError as exc:
        raise explain_write_error(exc, target) from exc


@audited("key_import")
def import_key(ws: Workspace, source: Path, passphrase: str) -> KeyChange:
    key = _read_key_file(Path(source), passphrase)
    new_id = key_id(key)
    facts = ws.secrets.installation.facts()
    current = ws.secrets.installation_key_if_present()
    if current is None and facts.key_id in (None, new_id):
        ws.secrets.store_installation_key(key)
        ws.secrets.installation.remember_key(new_id)
        return KeyChange(new_id, became_current=True)
    if current is not None and key_id(current) == new_id:
        return KeyChange(new_id, became_current=True)
    ws.secrets.store_older_key(key)
    ws.secrets.installation.remember_older_key(new_id)
    return KeyChange(new_id, became_current=False)


@audited("key_new")
def new_key(ws: Workspace) -> KeyChange:
    """A new key for new backups; the current one (if the keyring still has it) stays for older ones."""
    current = ws.secrets.installation_key_if_present()
    if current is not None:
        ws.secrets.store_older_key(current)
        ws.secrets.installation.remember_older_key(key_id(current))
    key = Fernet.generate_key()
    ws.secrets.store_installation_key(key)
    ws.secrets.installation.remember_key(key_id(key))
    return KeyChange(key_id(key), became_current=True)


def _read_key_file(source: Path, passphrase: str) -> bytes:
    not_a_key_file = UsageError(
        f"{source} is not a backup key file made by `lifeboat key export`. Choose the key's recovery file.")
    try:
        doc = json.loads(source.read_text(encoding="ascii"))
        if doc.get("format") != _FORMAT:
            raise not_a_key_file
        opened = open_passphrase_slot(doc["slot"], passphrase)
    except OSError as exc:
        raise UsageError(f"Lifeboat cannot read {source} ({exc.strerror}). Check the file's name.",
                         detail=repr(exc)) from exc
    except (ValueError, KeyError, TypeError, AttributeError, BackupFileError) as exc:
        raise not_a_key_file from exc
    if opened is None:
        raise WrongPassphrase("That passphrase does not open this key file. Check capital letters and the "
                              "keyboard layout, then try again.")
    if opened[:len(_MARKER)] != _MARKER or key_id(opened[len(_MARKER):]) != doc.get("key_id"):
        raise not_a_key_file
    return opened[len(_MARKER):]
