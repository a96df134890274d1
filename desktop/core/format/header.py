"""The header of an encrypted backup file: its key slots and how they open.

The byte layout is described in `desktop.core.format.container`, which also re-exports
this module's public names; code elsewhere imports from there.
"""
import base64
import binascii
import hashlib
import hmac
import json
import os
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from desktop.core.errors import (
    FileDamaged,
    FileTruncated,
    HeaderMismatch,
    NotABackupFile,
    UnsupportedFormat,
    WrongKey,
    WrongPassphrase,
)

MAGIC = b"LIFEBOAT"
FORMAT_VERSION = 1
MAX_CHUNK_SIZE = 64 << 20
SCRYPT_N = 2**18

# Ceilings for what a header may ask of the reader, checked before any work,
# so a tampered header cannot make us allocate gigabytes or run scrypt for hours.
_MAX_HEADER_JSON = 64 << 10
_MAX_SCRYPT_N, _MAX_SCRYPT_R, _MAX_SCRYPT_P = 2**20, 16, 4
_MAX_SCRYPT_MEMORY = 1 << 30  # scrypt uses 128 * n * r bytes
_SALT_SIZE = 16

_PREFIX = struct.Struct(">8sBI")

USE_ANOTHER_COPY = "Do not restore from it; use another copy or make a new backup."


def new_installation_key() -> bytes:
    return Fernet.generate_key()


def key_id(installation_key: bytes) -> str:
    return hashlib.sha256(installation_key).hexdigest()[:16]


def _canonical(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


@dataclass(frozen=True)
class Header:
    file_id: bytes
    chunk_size: int
    slots: tuple[dict, ...]
    mac: str = ""

    def _unsigned(self) -> dict:
        return {"file_id": self.file_id.hex(), "chunk_size": self.chunk_size, "slots": list(self.slots)}

    def to_bytes(self) -> bytes:
        body = _canonical({**self._unsigned(), "mac": self.mac})
        return _PREFIX.pack(MAGIC, FORMAT_VERSION, len(body)) + body

    def installation_key_ids(self) -> list[str]:
        return [slot["key_id"] for slot in self.slots if slot["type"] == "installation"]

    @property
    def has_passphrase(self) -> bool:
        return any(slot["type"] == "passphrase" for slot in self.slots)


def header_length(header: Header) -> int:
    return len(header.to_bytes())


class Keys:
    """What a reader may try: the installation keys it holds and a typed passphrase."""

    def __init__(self, installation_keys: Sequence[bytes] = (), passphrase: str | None = None):
        self.installation_keys = tuple(installation_keys)
        self.passphrase = passphrase


# --- errors in words ---------------------------------------------------------

def truncated_error(detail: str) -> FileTruncated:
    return FileTruncated(
        "This backup file is incomplete: it ends before its last part. It may have been "
        "copied only partly or the disk filled up. Use another copy of this backup.", detail)


def extra_data_error(detail: str) -> FileDamaged:
    return FileDamaged(
        "Extra data follows the end of this backup file: something was added to it after Lifeboat "
        "finished writing it, so Lifeboat does not trust it. " + USE_ANOTHER_COPY, detail)


def damaged_error(where: str, detail: str) -> FileDamaged:
    return FileDamaged(f"This backup file is damaged ({where} does not match what was written). "
                       + USE_ANOTHER_COPY, detail)


def mismatch_error(detail: str) -> HeaderMismatch:
    return HeaderMismatch(
        "This backup file's opening section belongs to a different backup than the data "
        "after it, so the file was put together wrongly. " + USE_ANOTHER_COPY, detail)


def read_exact(f: BinaryIO, size: int) -> bytes:
    """Reads `size` bytes, fewer only at end of file (raw pipes return short reads)."""
    data = f.read(size)
    if len(data) == size or not data:
        return data
    parts = bytearray(data)
    while len(parts) < size and (more := f.read(size - len(parts))):
        parts += more
    return bytes(parts)


# --- header ------------------------------------------------------------------

def read_header(f: BinaryIO) -> Header:
    """Reads the header from the start of `f` and leaves `f` just after it."""
    prefix = read_exact(f, _PREFIX.size)
    magic = prefix[:len(MAGIC)]
    if magic != MAGIC[:len(magic)]:
        raise NotABackupFile("This file is not a Lifeboat backup. Choose a file that Lifeboat made.",
                             f"first bytes {prefix[:8]!r}")
    if len(prefix) < _PREFIX.size:
        raise truncated_error(f"file ends inside the fixed header, {len(prefix)} bytes")
    _, version, length = _PREFIX.unpack(prefix)
    if version != FORMAT_VERSION:
        raise UnsupportedFormat(
            "This backup was made by a newer version of Lifeboat. Update Lifeboat to open it.",
            f"format version {version}, this reader knows {FORMAT_VERSION}")
    if length > _MAX_HEADER_JSON:
        raise damaged_error("its opening section", f"header length {length} > {_MAX_HEADER_JSON}")
    body = read_exact(f, length)
    if len(body) < length:
        raise truncated_error(f"file ends inside the header ({len(body)} of {length} bytes)")
    return _parse_header(body)


def _parse_header(body: bytes) -> Header:
    try:
        doc = json.loads(body.decode("ascii"))
        header = Header(bytes.fromhex(doc["file_id"]), doc["chunk_size"],
                        tuple(_checked_slot(slot) for slot in doc["slots"]), doc["mac"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise damaged_error("its opening section", f"header does not parse: {exc!r}") from None
    well_formed = (set(doc) == {"file_id", "chunk_size", "slots", "mac"}
                   and len(header.file_id) == 16
                   and type(header.chunk_size) is int and 1 <= header.chunk_size <= MAX_CHUNK_SIZE
                   and header.slots and isinstance(header.mac, str))
    # Byte-exact re-serialisation: an edit that parses to the same values
    # (spaces, escapes, upper-case hex) is still an edit.
    if not well_formed or header.to_bytes()[_PREFIX.size:] != body:
        raise damaged_error("its opening section", "header out of range or not in canonical form")
    return header


_SLOT_FIELDS = {"installation": {"type", "key_id", "wrapped"},
                "passphrase": {"type", "kdf", "salt", "n", "r", "p", "wrapped"}}


def _checked_slot(slot: dict) -> dict:
    if set(slot) != _SLOT_FIELDS.get(slot.get("type"), ()) or not isinstance(slot["wrapped"], str):
        raise ValueError(f"unknown or malformed key slot {sorted(slot)}")
    if slot["type"] == "passphrase":
        _refuse_costly_kdf(slot)
    elif not isinstance(slot["key_id"], str) or len(slot["key_id"]) != 16:
        raise ValueError("malformed key id")
    return slot


def _kdf_problem(slot: dict) -> str | None:
    n, r, p = slot["n"], slot["r"], slot["p"]
    if slot["kdf"] != "scrypt" or not all(type(v) is int for v in (n, r, p)):
        return f"unsupported kdf {slot['kdf']!r} or non-integer parameters"
    if not (1 < n <= _MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= _MAX_SCRYPT_R
            and 1 <= p <= _MAX_SCRYPT_P and 128 * n * r <= _MAX_SCRYPT_MEMORY):
        return f"scrypt parameters out of range: n={n} r={r} p={p}"
    try:
        salt = base64.b64decode(slot["salt"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        return "salt is not base64"
    return None if len(salt) == _SALT_SIZE else f"salt is {len(salt)} bytes"


def _refuse_costly_kdf(slot: dict) -> None:
    problem = _kdf_problem(slot)
    if problem:
        raise FileDamaged(
            "This backup file asks for passphrase settings that would take far too much memory "
            "or time, so Lifeboat did not try them. The file may have been altered. "
            "Use another copy of this backup.", problem)


def _passphrase_key(slot: dict, passphrase: str) -> bytes:
    _refuse_costly_kdf(slot)
    kdf = Scrypt(salt=base64.b64decode(slot["salt"]), length=32, n=slot["n"], r=slot["r"], p=slot["p"])
    # NFC: macOS and Windows may type the same accented passphrase as different code points.
    return base64.urlsafe_b64encode(kdf.derive(unicodedata.normalize("NFC", passphrase).encode("utf-8")))


def _header_mac(header: Header, data_key: bytes) -> str:
    mac_key = hmac.digest(base64.urlsafe_b64decode(data_key), b"lifeboat header mac", "sha256")
    return hmac.new(mac_key, _canonical(header._unsigned()), "sha256").hexdigest()


def signed_header(file_id: bytes, chunk_size: int, slots: Sequence[dict], data_key: bytes) -> Header:
    header = Header(file_id, chunk_size, tuple(slots))
    return Header(file_id, chunk_size, tuple(slots), _header_mac(header, data_key))


def installation_slot(installation_key: bytes, file_id: bytes, data_key: bytes) -> dict:
    wrapped = Fernet(installation_key).encrypt(file_id + data_key).decode("ascii")
    return {"type": "installation", "key_id": key_id(installation_key), "wrapped": wrapped}


def passphrase_slot(passphrase: str, scrypt_n: int, file_id: bytes, data_key: bytes) -> dict:
    salt = base64.b64encode(os.urandom(_SALT_SIZE)).decode("ascii")
    slot = {"type": "passphrase", "kdf": "scrypt", "salt": salt, "n": scrypt_n, "r": 8, "p": 1}
    problem = _kdf_problem(slot)
    if problem:
        raise ValueError(f"refusing to write a file no reader would open: {problem}")
    wrapping = Fernet(_passphrase_key(slot, passphrase))
    slot["wrapped"] = wrapping.encrypt(file_id + data_key).decode("ascii")
    return slot


def with_passphrase(header: Header, data_key: bytes, passphrase: str,
                    scrypt_n: int = SCRYPT_N) -> Header:
    """A copy of `header` whose passphrase slot (added or replaced) opens with `passphrase`."""
    if not hmac.compare_digest(_header_mac(header, data_key), header.mac):
        raise mismatch_error("with_passphrase: the data key does not belong to this header")
    slots = [slot for slot in header.slots if slot["type"] != "passphrase"]
    slots.append(passphrase_slot(passphrase, scrypt_n, header.file_id, data_key))
    return signed_header(header.file_id, header.chunk_size, slots, data_key)


def open_passphrase_slot(slot: dict, passphrase: str) -> bytes | None:
    """What a passphrase slot wraps (id + key), None for a wrong passphrase; a
    malformed slot or costly KDF raises (ValueError, FileDamaged)."""
    return _unwrap(_passphrase_key(_checked_slot(slot), passphrase), slot)


def unlock(header: Header, keys: Keys) -> bytes:
    """Returns the file's data key, trying installation keys first, then the passphrase."""
    damaged_slot = False
    for slot in (s for s in header.slots if s["type"] == "installation"):
        for key in keys.installation_keys:
            unwrapped = _unwrap(key, slot)
            if unwrapped is not None:
                return _accept(header, unwrapped)
            damaged_slot = damaged_slot or key_id(key) == slot["key_id"]
    phrase_slot = next((s for s in header.slots if s["type"] == "passphrase"), None)
    if keys.passphrase is not None and phrase_slot is not None:
        unwrapped = _unwrap(_passphrase_key(phrase_slot, keys.passphrase), phrase_slot)
        if unwrapped is not None:
            return _accept(header, unwrapped)
        if not damaged_slot:
            raise WrongPassphrase(
                "That passphrase is not the one used for this export. Check capital letters and "
                "the keyboard layout, then try again.", "passphrase slot did not open")
    if damaged_slot:
        raise damaged_error("the key stored at its start",
                            "the installation slot with our key id did not open")
    hint = " It is protected with a passphrase: enter it to open the file." if phrase_slot else ""
    raise WrongKey(
        "This backup was made by another Lifeboat installation, or this installation's backup key "
        "is missing. A copy exported with a passphrase opens with that passphrase." + hint,
        f"file key ids {header.installation_key_ids()}, "
        f"ours {[key_id(k) for k in keys.installation_keys]}")


def _unwrap(wrapping_key: bytes, slot: dict) -> bytes | None:
    try:
        return Fernet(wrapping_key).decrypt(slot["wrapped"].encode("ascii"))
    except InvalidToken:
        return None


def _accept(header: Header, unwrapped: bytes) -> bytes:
    file_id, data_key = unwrapped[:16], unwrapped[16:]
    if file_id != header.file_id:
        raise mismatch_error(f"key slot is for file {file_id.hex()}, header says {header.file_id.hex()}")
    if not hmac.compare_digest(_header_mac(header, data_key), header.mac):
        raise damaged_error("its opening section", "header MAC does not match")
    return data_key
