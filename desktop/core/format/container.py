"""The encrypted backup file: a chunked, authenticated Fernet stream.

Fernet authenticates a whole message at once, so a large dump is cut into
chunks (pyca/cryptography #2358; 512 MiB in one call peaks near 3 GiB, #6178).
Tokens are stored as raw bytes, not base64 (+33 % size and ~half the time,
#4953), and sealed and opened as raw bytes too (`fernet_raw.RawFernet`,
the same token format without the base64 round trip). No `ttl` is ever
applied: an old backup must not "expire".

Layout (all integers big-endian)::

    MAGIC b"LIFEBOAT" | version u8 (=1) | header_len u32 | header JSON (ASCII)
    records, each:       length u32 | raw Fernet token (urlsafe_b64decode of the token)
    footer (16 bytes):   u64 offset of the manifest record's length prefix | b"LFBT_END"

The header JSON (see header.py) is written compactly with sorted keys,
and must be exactly that on reading::

    {"chunk_size": int, "file_id": "<32 hex: 16 random bytes>",
     "mac": "<64 hex>",
     "slots": [{"type": "installation", "key_id": "<16 hex>", "wrapped": "<Fernet token>"},
               {"type": "passphrase", "kdf": "scrypt", "salt": "<base64 of 16 bytes>",
                "n": 262144, "r": 8, "p": 1, "wrapped": "<Fernet token>"}]}

Each file has its own data key K (a Fernet key, 44 ASCII bytes). A slot's
`wrapped` is Fernet(W).encrypt(file_id + K), so an unwrapped key is bound to
this header's file_id. W is the installation key (`key_id` = first 16 hex of
its SHA-256), or urlsafe_b64encode(scrypt(NFC(passphrase) as UTF-8, salt, n,
r, p, length 32)). `mac` = HMAC-SHA256(key=HMAC-SHA256(urlsafe_b64decode(K),
b"lifeboat header mac"), msg=the header JSON without its "mac" member, same
compact sorted form): it makes every header byte tamper-evident although the
header may be rewritten (a passphrase added) without touching the records.

Record plaintext: file_id (16) | kind u8 (0 data, 1 manifest) | index u64 |
last u8 | payload. Data records have index 0, 1, 2... and last = 0; every one
holds `chunk_size` bytes except the final one. Exactly one manifest record
ends the stream: index = number of data records, last = 1, payload = the
manifest as UTF-8 JSON (manifest.py; `roles`, `roles_used_as`, `roles_sql`:
the roles the dump names, their pg_dumpall --globals-only --no-role-passwords
statements). So a reordered, dropped, duplicated or foreign record, a
swapped header and a truncated file are all detected (as age's STREAM does).

By hand: read the header, unwrap a slot with Fernet(W).decrypt(wrapped),
take K = plaintext[16:], then for each record
Fernet(K).decrypt(urlsafe_b64encode(token))[26:] is the payload.
"""
import itertools
import json
import os
import struct
from collections.abc import Callable, Generator, Iterator
from typing import BinaryIO

from cryptography.fernet import Fernet

from desktop.core.errors import BackupFileError, FileDamaged
from desktop.core.format.fernet_raw import RawFernet
from desktop.core.format.header import (
    FORMAT_VERSION,
    MAGIC,
    MAX_CHUNK_SIZE,
    SCRYPT_N,
    Header,
    Keys,
    damaged_error,
    extra_data_error,
    header_length,
    installation_slot,
    key_id,
    mismatch_error,
    new_installation_key,
    passphrase_slot,
    read_exact,
    read_header,
    signed_header,
    truncated_error,
    unlock,
    with_passphrase,
)

__all__ = ["CHUNK_SIZE", "EncryptedWriter", "FORMAT_VERSION", "Header", "Keys", "MAGIC",
           "PlaintextReader", "copy_with_header", "header_length", "iter_plaintext", "key_id",
           "new_installation_key", "read_header", "read_manifest", "unlock", "with_passphrase"]

END_MAGIC = b"LFBT_END"
CHUNK_SIZE = 1 << 20
MAX_MANIFEST_SIZE = 16 << 20
KIND_DATA, KIND_MANIFEST = 0, 1
_COPY_BLOCK = 1 << 20

_LENGTH = struct.Struct(">I")
_RECORD = struct.Struct(">16sBQB")
_FOOTER = struct.Struct(">Q8s")


def _damaged_part(index: int, offset: int, why: str) -> FileDamaged:
    return damaged_error(f"part {index + 1} of it",
                         f"record index {index} at byte offset {offset}: {why}")


# --- records -----------------------------------------------------------------

def _token_length(plaintext_size: int) -> int:
    # version 1 + timestamp 8 + IV 16 + AES-CBC with PKCS7 padding + HMAC 32
    return 57 + (plaintext_size // 16 + 1) * 16


def _record_limit(chunk_size: int) -> int:
    return _token_length(_RECORD.size + max(chunk_size, MAX_MANIFEST_SIZE))


def _seal(fernet: RawFernet, file_id: bytes, kind: int, index: int, payload: bytes) -> list[bytes]:
    last = 1 if kind == KIND_MANIFEST else 0
    return fernet.encrypt_parts(_RECORD.pack(file_id, kind, index, last), payload)


def _unseal(fernet: RawFernet, raw: bytes) -> memoryview | None:
    return fernet.decrypt(raw)


def _read_record(f: BinaryIO, limit: int, index: int, offset: int) -> bytes:
    prefix = read_exact(f, _LENGTH.size)
    if len(prefix) < _LENGTH.size:
        raise truncated_error(f"end of file at byte {offset + len(prefix)} "
                              f"while expecting record {index}")
    (length,) = _LENGTH.unpack(prefix)
    if length > limit:
        raise _damaged_part(index, offset, f"length prefix {length} exceeds {limit}")
    raw = read_exact(f, length)
    if len(raw) < length:
        raise truncated_error(f"record {index} at byte {offset} ends after "
                              f"{len(raw)} of {length} bytes")
    return raw


def _open_record(plain: memoryview, file_id: bytes, offset: int) -> tuple[int, int, int, bytes]:
    if len(plain) < _RECORD.size:
        raise damaged_error("a part of it", f"record at byte {offset} is {len(plain)} bytes")
    record_file_id, kind, index, last = _RECORD.unpack_from(plain)
    if record_file_id != file_id:
        raise mismatch_error(f"record at byte {offset} belongs to file {record_file_id.hex()}")
    return kind, index, last, bytes(plain[_RECORD.size:])  # the one copy of the data


def _manifest_from(payload: bytes, offset: int) -> dict:
    try:
        manifest = json.loads(payload.decode("utf-8"))
    except ValueError as exc:
        raise damaged_error("its list of contents", f"manifest at byte {offset}: {exc!r}") from None
    if not isinstance(manifest, dict):
        raise damaged_error("its list of contents", f"manifest at byte {offset} is not an object")
    return manifest


class PlaintextReader:
    """Decrypts and authenticates a file read from just after its header.

    Iterating yields each data chunk in order; once exhausted, `manifest`
    holds the manifest. `bytes_read` is the file offset reached (header
    included), for progress against the file's size; `plaintext_bytes` counts
    what was yielded. `f` may be a pipe: nothing is sought.

    Raises FileDamaged naming the part (detail: record index and byte offset),
    FileTruncated when the file ends before the manifest record or footer, and
    HeaderMismatch when the first record is not of the header's file.
    """

    def __init__(self, f: BinaryIO, header: Header, data_key: bytes):
        self._f = f
        self._header = header
        self._fernet = RawFernet(data_key)
        self._limit = _record_limit(header.chunk_size)
        self.manifest: dict | None = None
        self.bytes_read = header_length(header)
        self.plaintext_bytes = 0

    def __iter__(self) -> Iterator[bytes]:
        for index in itertools.count():
            offset = self.bytes_read
            raw = _read_record(self._f, self._limit, index, offset)
            plain = _unseal(self._fernet, raw)
            if plain is None:
                if index == 0:
                    raise self._first_record_failure(offset, _LENGTH.size + len(raw))
                raise _damaged_part(index, offset, "authentication failed")
            kind, found, last, payload = _open_record(plain, self._header.file_id, offset)
            if found != index or (kind, last) not in ((KIND_DATA, 0), (KIND_MANIFEST, 1)):
                raise _damaged_part(index, offset, f"found kind {kind} index {found} last {last} "
                                                   "(a record dropped, repeated or moved)")
            self.bytes_read += _LENGTH.size + len(raw)
            if kind == KIND_MANIFEST:
                self._check_end(offset)
                self.manifest = _manifest_from(payload, offset)
                return
            self.plaintext_bytes += len(payload)
            yield payload

    def _first_record_failure(self, offset: int, first_size: int) -> BackupFileError:
        # The header's key opened, so a first record that does not is either
        # damaged or from another file. If the second one opens, it is damage.
        try:
            second = _unseal(self._fernet, _read_record(self._f, self._limit, 1, offset + first_size))
        except BackupFileError:
            second = None
        if second is not None:
            return _damaged_part(0, offset, "authentication failed; the next record is intact")
        return mismatch_error(f"first record at byte {offset} does not open with the header's data key")

    def _check_end(self, manifest_offset: int) -> None:
        footer = read_exact(self._f, _FOOTER.size)
        if len(footer) < _FOOTER.size:
            raise truncated_error(f"file ends inside the footer at byte {self.bytes_read + len(footer)}")
        pointer, end_magic = _FOOTER.unpack(footer)
        if end_magic != END_MAGIC or pointer != manifest_offset:
            raise damaged_error("its end marker", f"footer {footer!r} at byte {self.bytes_read}, "
                                                  f"manifest record at {manifest_offset}")
        self.bytes_read += _FOOTER.size
        if self._f.read(1):
            raise extra_data_error(f"data follows the footer at byte {self.bytes_read}")


def iter_plaintext(f: BinaryIO, header: Header, data_key: bytes) -> Generator[bytes, None, dict]:
    """Yields the data chunks of a file read from just after its header; returns
    the manifest (`manifest = yield from iter_plaintext(...)`), or use PlaintextReader."""
    reader = PlaintextReader(f, header, data_key)
    yield from reader
    return reader.manifest


def read_manifest(f: BinaryIO, data_key: bytes) -> dict:
    """Reads only the header, footer and manifest record of a seekable file, for
    listing backups fast. `data_key` comes from unlock(read_header(f), keys),
    which has checked the header. The data records are not read: only a full
    pass (PlaintextReader) proves them."""
    f.seek(0)
    header = read_header(f)
    start = f.tell()
    end = f.seek(0, os.SEEK_END) - _FOOTER.size
    if end < start:
        raise truncated_error(f"file of {end + _FOOTER.size} bytes has no room for a footer")
    f.seek(end)
    pointer, end_magic = _FOOTER.unpack(f.read(_FOOTER.size))
    if end_magic != END_MAGIC:
        raise _missing_end(f, start, end)
    if not start <= pointer <= end - _LENGTH.size:
        raise damaged_error("its end marker",
                            f"footer points to byte {pointer}; records span {start}..{end}")
    f.seek(pointer)
    (length,) = _LENGTH.unpack(f.read(_LENGTH.size))
    if pointer + _LENGTH.size + length != end:
        raise damaged_error("its end marker",
                            f"record at byte {pointer} has length {length}; footer at {end}")
    raw = f.read(length)
    fernet = RawFernet(data_key)
    plain = _unseal(fernet, raw)
    if plain is None:
        raise _manifest_failure(f, fernet, header, start, pointer)
    kind, _, last, payload = _open_record(plain, header.file_id, pointer)
    if (kind, last) != (KIND_MANIFEST, 1):
        raise damaged_error("its end marker", f"record at byte {pointer} is kind {kind}, last {last}")
    return _manifest_from(payload, pointer)


def _missing_end(f: BinaryIO, start: int, end: int) -> BackupFileError:
    # Walk the length prefixes: if they land exactly on the footer, the records
    # are all there and only the end marker is damaged; if they reach a footer
    # pointing back at the last record, something was appended after it;
    # otherwise the file was cut.
    position, previous = start, None
    while position + _LENGTH.size <= end + _FOOTER.size:
        f.seek(position)
        pointer, end_magic = _FOOTER.unpack(read_exact(f, _FOOTER.size).ljust(_FOOTER.size, b"\0"))
        if end_magic == END_MAGIC and pointer == previous:
            return extra_data_error(f"footer at byte {position}; "
                                    f"{end - position} more bytes follow it")
        if position == end:
            return damaged_error("its end marker", f"footer at byte {end} lacks {END_MAGIC!r}")
        f.seek(position)
        previous, position = position, position + _LENGTH.size + _LENGTH.unpack(f.read(_LENGTH.size))[0]
    return truncated_error(f"no end marker; records run to byte {position}, "
                           f"file ends at {end + _FOOTER.size}")


def _manifest_failure(f: BinaryIO, fernet: RawFernet, header: Header, start: int,
                      pointer: int) -> BackupFileError:
    # As for the first record in PlaintextReader: if another record opens, it is damage.
    if pointer != start:
        f.seek(start)
        try:
            first = _unseal(fernet, _read_record(f, _record_limit(header.chunk_size), 0, start))
        except BackupFileError:
            first = None
        if first is not None:
            return damaged_error("its list of contents",
                                 f"manifest record at byte {pointer} failed authentication")
    return mismatch_error(f"records after the header do not open with its data key "
                          f"(manifest at byte {pointer})")


# --- writing -----------------------------------------------------------------

class EncryptedWriter:
    """Writes the header at once, data records as data arrives, then the
    manifest record and footer on close(). Never closes `out`."""

    def __init__(self, out: BinaryIO, *, installation_key: bytes, passphrase: str | None = None,
                 chunk_size: int = CHUNK_SIZE, scrypt_n: int = SCRYPT_N):
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size must be 1..{MAX_CHUNK_SIZE}, not {chunk_size}")
        self._out = out
        self.file_id = os.urandom(16)
        data_key = Fernet.generate_key()
        self._fernet = RawFernet(data_key)
        slots = [installation_slot(installation_key, self.file_id, data_key)]
        if passphrase is not None:
            slots.append(passphrase_slot(passphrase, scrypt_n, self.file_id, data_key))
        self.header = signed_header(self.file_id, chunk_size, slots, data_key)
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        self.bytes_in = 0
        self.bytes_out = 0
        self._emit(self.header.to_bytes())

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed EncryptedWriter")
        view = memoryview(data).cast("B")
        received = len(view)
        self.bytes_in += received
        size = self._chunk_size
        if self._buffer:
            taken = size - len(self._buffer)
            self._buffer += view[:taken]
            view = view[taken:]
            if len(self._buffer) < size:
                return received
            self._record(KIND_DATA, self._buffer)  # sealed before it is cleared: not copied
            self._buffer.clear()
        while len(view) >= size:
            self._record(KIND_DATA, view[:size])
            view = view[size:]
        self._buffer += view
        return received

    def close(self, manifest: dict) -> None:
        if self._closed:
            raise ValueError("EncryptedWriter closed twice")
        if not isinstance(manifest, dict):
            raise TypeError("the manifest must be a dict")
        payload = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
        if len(payload) > MAX_MANIFEST_SIZE:
            raise ValueError(f"manifest of {len(payload)} bytes exceeds {MAX_MANIFEST_SIZE}")
        if self._buffer:
            self._record(KIND_DATA, self._buffer)
            self._buffer.clear()
        manifest_offset = self.bytes_out
        self._record(KIND_MANIFEST, payload)
        self._emit(_FOOTER.pack(manifest_offset, END_MAGIC))
        self._closed = True

    def _record(self, kind: int, payload: bytes) -> None:
        parts = _seal(self._fernet, self.file_id, kind, self._index, payload)
        self._emit(_LENGTH.pack(sum(len(part) for part in parts)))
        for part in parts:
            self._emit(part)
        self._index += 1

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.bytes_out += len(data)


def copy_with_header(src: BinaryIO, dst: BinaryIO, new_header: Header,
                     on_bytes: Callable[[int], None] | None = None) -> None:
    """Writes `new_header`, then src's records verbatim and its footer with the
    manifest offset moved by the change in header size. `src` is read from its
    start and not authenticated here: verify the copy before trusting it.
    `on_bytes(n)` gets the number of src bytes copied so far."""
    old_header = read_header(src)
    if new_header.file_id != old_header.file_id:
        raise ValueError("copy_with_header: the new header is for another file")
    header_bytes = new_header.to_bytes()
    dst.write(header_bytes)
    shift = len(header_bytes) - header_length(old_header)
    copied = header_length(old_header)
    tail = b""
    # Hold back the last 16 bytes seen: the footer is rewritten, not copied.
    while block := src.read(_COPY_BLOCK):
        pending = tail + block
        dst.write(memoryview(pending)[:-_FOOTER.size])
        tail = pending[-_FOOTER.size:]
        copied += len(block)
        if on_bytes:
            on_bytes(copied)
    if len(tail) < _FOOTER.size or tail[8:] != END_MAGIC:
        raise truncated_error(f"source has no end marker after {copied} bytes")
    (pointer, _) = _FOOTER.unpack(tail)
    dst.write(_FOOTER.pack(pointer + shift, END_MAGIC))
