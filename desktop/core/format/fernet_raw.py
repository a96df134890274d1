"""Fernet tokens kept as raw bytes, sealed and opened without base64.

The format is Fernet's own (github.com/fernet/spec): version 0x80 |
timestamp u64 | IV 16 | AES-128-CBC(PKCS7(data)) | HMAC-SHA256 of all
before it, keyed by the first half of the 32-byte key, encrypting with the
second half. `cryptography.fernet.Fernet` reads these tokens once they are
base64-encoded, and writes tokens this class reads once decoded (tests/core
check both ways). What this class saves is the base64 round trip that
`Fernet.encrypt/decrypt` force on every chunk: it was most of Lifeboat's
CPU per restore (4-5x slower per MiB; pyca/cryptography #4953), which on a
2-core machine competes with the database server itself.
"""
import base64
import os
import struct
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_VERSION = 0x80
_HEAD = struct.Struct(">BQ")
_IV = 16
_MAC = 32
_MIN_LENGTH = _HEAD.size + _IV + 16 + _MAC


class RawFernet:
    def __init__(self, key: bytes):
        raw = base64.urlsafe_b64decode(key)
        if len(raw) != 32:
            raise ValueError("a Fernet key is 32 bytes, base64-encoded")
        self._signing_key = raw[:16]
        self._encryption_key = raw[16:]

    def encrypt_parts(self, *data: bytes) -> list[bytes]:
        """The token of the pieces of `data` laid end to end, in parts to be written in order.

        Neither the pieces nor the parts are joined (PKCS7 padding by hand, the
        MAC fed part by part): a 1 MiB chunk is copied once, as AES writes it,
        not five times (each copy of a 113 MB backup cost 0.08 CPU-s here)."""
        size = sum(len(piece) for piece in data)
        pad = 16 - size % 16
        iv = os.urandom(_IV)
        parts = [_HEAD.pack(_VERSION, int(time.time())) + iv]
        encryptor = Cipher(algorithms.AES(self._encryption_key), modes.CBC(iv)).encryptor()
        parts += [encryptor.update(piece) for piece in (*data, bytes([pad]) * pad)]
        parts.append(encryptor.finalize())
        mac = hmac.HMAC(self._signing_key, hashes.SHA256())
        for part in parts:
            mac.update(part)
        parts.append(mac.finalize())
        return parts

    def decrypt(self, token: bytes) -> memoryview | None:
        """A view of the data (a reader that slices it copies it once), or None when the
        token is not authentic (never a ttl: backups do not expire)."""
        if len(token) < _MIN_LENGTH or token[0] != _VERSION or (len(token) - _HEAD.size - _MAC) % 16:
            return None
        view = memoryview(token)
        check = hmac.HMAC(self._signing_key, hashes.SHA256())
        check.update(view[:-_MAC])
        try:
            check.verify(token[-_MAC:])
        except InvalidSignature:
            return None
        iv = bytes(view[_HEAD.size:_HEAD.size + _IV])
        decryptor = Cipher(algorithms.AES(self._encryption_key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(view[_HEAD.size + _IV:-_MAC])
        decryptor.finalize()  # whole blocks (checked above): nothing held back
        pad = padded[-1]
        if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
            return None
        return memoryview(padded)[:-pad]

