"""The encrypted container: round trips, keys and passphrases, and every kind of
damage (flipped bytes, cuts, moved records, foreign headers) reported as a
BackupFileError in words."""
import base64
import hashlib
import hmac
import io
import json
import os
import struct
import threading
import time
import tracemalloc
from dataclasses import dataclass, replace

import pytest
from cryptography.fernet import Fernet

from desktop.core.errors import (
    BackupFileError,
    FileDamaged,
    FileTruncated,
    HeaderMismatch,
    NotABackupFile,
    UnsupportedFormat,
    WrongKey,
    WrongPassphrase,
)
from desktop.core.format.container import (
    CHUNK_SIZE,
    EncryptedWriter,
    Keys,
    PlaintextReader,
    copy_with_header,
    header_length,
    iter_plaintext,
    key_id,
    new_installation_key,
    read_header,
    read_manifest,
    unlock,
    with_passphrase,
)

FAST_N = 2**14  # the default 2**18 costs ~0.5 s per derivation; one test uses it
KEY = new_installation_key()
MANIFEST = {"database": "shop", "tables": {"orders": 3, "naïve ☃": 1}}


def encrypt(data: bytes, *, key: bytes = KEY, passphrase: str | None = None, chunk_size: int = 1000,
            manifest: dict = MANIFEST) -> bytes:
    out = io.BytesIO()
    writer = EncryptedWriter(out, installation_key=key, passphrase=passphrase,
                             chunk_size=chunk_size, scrypt_n=FAST_N)
    writer.write(data)
    writer.close(manifest)
    assert not out.closed
    assert (writer.bytes_in, writer.bytes_out) == (len(data), len(out.getvalue()))
    return out.getvalue()


def open_fully(blob: bytes, keys: Keys | None = None) -> tuple[bytes, dict]:
    """What a verify or restore does: header, key, then every record."""
    f = io.BytesIO(blob)
    header = read_header(f)
    data_key = unlock(header, keys or Keys([KEY]))
    reader = PlaintextReader(f, header, data_key)
    data = b"".join(reader)
    assert reader.bytes_read == len(blob)
    return data, reader.manifest


def open_manifest(blob: bytes) -> dict:
    """What rebuilding the catalog does: header, key, manifest via the footer."""
    f = io.BytesIO(blob)
    return read_manifest(f, unlock(read_header(f), Keys([KEY])))


@dataclass
class Layout:
    header_end: int
    records: list[tuple[int, int]]  # (start of length prefix, end); the last is the manifest
    footer: int


def layout(blob: bytes) -> Layout:
    """Walks the documented layout without the module, so the tests also check the format."""
    header_end = 13 + struct.unpack_from(">I", blob, 9)[0]
    footer = len(blob) - 16
    records, position = [], header_end
    while position < footer:
        end = position + 4 + struct.unpack_from(">I", blob, position)[0]
        records.append((position, end))
        position = end
    assert position == footer and blob[footer + 8:] == b"LFBT_END"
    assert struct.unpack_from(">Q", blob, footer)[0] == records[-1][0]
    return Layout(header_end, records, footer)


def flipped(blob: bytes, position: int, mask: int = 0x01) -> bytes:
    return blob[:position] + bytes([blob[position] ^ mask]) + blob[position + 1:]


def record_bytes(blob: bytes, i: int) -> bytes:
    start, end = layout(blob).records[i]
    return blob[start:end]


def rebuilt(blob: bytes, order: list[int]) -> bytes:
    """The same file with its data records in `order` (manifest and footer kept)."""
    shape = layout(blob)
    data_records = [blob[s:e] for s, e in shape.records[:-1]]
    body = b"".join(data_records[i] for i in order)
    manifest_at = shape.header_end + len(body)
    manifest = blob[shape.records[-1][0]:shape.footer]
    return blob[:shape.header_end] + body + manifest + struct.pack(">Q", manifest_at) + b"LFBT_END"


@pytest.fixture(scope="module")
def small() -> bytes:
    """Three data records (two full, one partial), a manifest, both kinds of key slot."""
    return encrypt(bytes(range(256)) * 10, passphrase="correct horse")


# --- round trips ----------------------------------------------------------------

@pytest.mark.parametrize("size, chunk_size", [(0, 1000), (1, 1000), (3000, 1000),
                                              (3 * CHUNK_SIZE + 17, 64 << 10)],
                         ids=["empty", "one-byte", "exact-multiple", "several-mib"])
def test_round_trip(size, chunk_size):
    data = os.urandom(size)
    blob = encrypt(data, chunk_size=chunk_size)
    assert len(layout(blob).records) == -(-size // chunk_size) + 1
    assert open_fully(blob) == (data, MANIFEST)
    assert open_manifest(blob) == MANIFEST


def test_writes_of_any_size_give_the_same_stream():
    data = os.urandom(10_000)
    out = io.BytesIO()
    writer = EncryptedWriter(out, installation_key=KEY, chunk_size=1000)
    position = 0
    for size in (1, 998, 2, 1000, 1001, 0, 3333, 10_000):
        piece = data[position:position + size]
        assert writer.write(bytearray(piece)) == len(piece)
        position += size
    writer.close({})
    f = io.BytesIO(out.getvalue())
    header = read_header(f)
    chunks = list(PlaintextReader(f, header, unlock(header, Keys([KEY]))))
    assert [len(c) for c in chunks] == [1000] * 10 and b"".join(chunks) == data


def test_iter_plaintext_returns_the_manifest():
    data = os.urandom(2500)
    f = io.BytesIO(encrypt(data))
    header = read_header(f)
    data_key = unlock(header, Keys([KEY]))
    received = []

    def consume():
        manifest = yield from iter_plaintext(f, header, data_key)
        received.append(manifest)

    assert b"".join(consume()) == data and received == [MANIFEST]


def test_reads_through_a_pipe(small):
    read_end, write_end = os.pipe()

    def feed():
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for i in range(0, len(small), 333):  # odd pieces: reads come back short
                pipe.write(small[i:i + 333])

    feeder = threading.Thread(target=feed)
    feeder.start()
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        header = read_header(pipe)
        reader = PlaintextReader(pipe, header, unlock(header, Keys([KEY])))
        data = b"".join(reader)
    feeder.join()
    assert data == bytes(range(256)) * 10 and reader.manifest == MANIFEST


def test_file_holds_no_plaintext():
    marker = b"SECRET-CUSTOMER-ROW-0042"
    blob = encrypt(marker * 500, manifest={"note": marker.decode()}, passphrase="pw")
    assert marker not in blob and marker[:12] not in blob
    assert base64.b64encode(marker)[:12] not in blob


def test_file_decrypts_by_hand_as_documented(small):
    """Follows only the module docstring: unwrap the slot, check the MAC, open each record."""
    shape = layout(small)
    doc = json.loads(small[13:shape.header_end])
    slot = next(s for s in doc["slots"] if s["type"] == "installation")
    unwrapped = Fernet(KEY).decrypt(slot["wrapped"])
    assert unwrapped[:16].hex() == doc["file_id"]
    data_key = unwrapped[16:]
    mac_key = hmac.digest(base64.urlsafe_b64decode(data_key), b"lifeboat header mac", "sha256")
    unsigned = {k: v for k, v in doc.items() if k != "mac"}
    compact = json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()
    assert hmac.new(mac_key, compact, "sha256").hexdigest() == doc["mac"]
    plain = [Fernet(data_key).decrypt(base64.urlsafe_b64encode(small[s + 4:e])) for s, e in shape.records]
    assert [struct.unpack_from(">16sBQB", p)[1:] for p in plain] == [(0, 0, 0), (0, 1, 0), (0, 2, 0),
                                                                     (1, 3, 1)]
    assert b"".join(p[26:] for p in plain[:-1]) == bytes(range(256)) * 10
    assert json.loads(plain[-1][26:]) == MANIFEST


def test_header_round_trips_and_names_its_keys(small):
    header = read_header(io.BytesIO(small))
    assert read_header(io.BytesIO(header.to_bytes())) == header
    assert header_length(header) == layout(small).header_end
    assert header.installation_key_ids() == [key_id(KEY)] and header.has_passphrase
    assert len(key_id(KEY)) == 16 and key_id(KEY) == hashlib.sha256(KEY).hexdigest()[:16]
    assert not read_header(io.BytesIO(encrypt(b"x"))).has_passphrase


# --- keys and passphrases ---------------------------------------------------------

def test_another_installations_key_is_a_wrong_key(small):
    with pytest.raises(WrongKey) as caught:
        open_fully(small, Keys([new_installation_key()]))
    assert not isinstance(caught.value, WrongPassphrase)
    assert "another Lifeboat installation" in caught.value.message
    assert "passphrase" in caught.value.message and key_id(KEY) in caught.value.detail


def test_no_keys_at_all_is_a_wrong_key():
    with pytest.raises(WrongKey):
        open_fully(encrypt(b"data"), Keys())


def test_passphrase_alone_opens_the_file(small):
    assert open_fully(small, Keys(passphrase="correct horse")) == (bytes(range(256)) * 10, MANIFEST)


def test_wrong_passphrase(small):
    with pytest.raises(WrongPassphrase) as caught:
        open_fully(small, Keys([new_installation_key()], passphrase="Correct horse"))
    assert "capital" in caught.value.message and "Correct" not in str(caught.value.detail)


def test_passphrase_is_compared_after_unicode_normalisation():
    blob = encrypt(b"data", passphrase="Cafe\u0301")  # e + combining accent, as macOS may type it
    assert open_fully(blob, Keys(passphrase="Caf\u00e9"))[0] == b"data"


def test_passphrase_with_the_default_scrypt_cost():
    out = io.BytesIO()
    writer = EncryptedWriter(out, installation_key=KEY, passphrase="pw")
    writer.write(b"data")
    writer.close({})
    slot = next(s for s in writer.header.slots if s["type"] == "passphrase")
    assert (slot["n"], slot["r"], slot["p"]) == (2**18, 8, 1)
    assert open_fully(out.getvalue(), Keys(passphrase="pw")) == (b"data", {})


# --- flipped bytes ---------------------------------------------------------------

def _json_at(key: bytes, skip: int = 0):
    return lambda blob, shape: blob.index(key, 13) + len(key) + skip


FLIPS = {
    "magic": (lambda blob, shape: 0, NotABackupFile),
    "version": (lambda blob, shape: 8, UnsupportedFormat),
    "header length": (lambda blob, shape: 12, FileDamaged),
    "header file id": (_json_at(b'"file_id":"', 3), FileDamaged),
    "header chunk size": (_json_at(b'"chunk_size":'), FileDamaged),
    "header mac": (_json_at(b'"mac":"', 5), FileDamaged),
    "installation key id": (_json_at(b'"key_id":"', 2), FileDamaged),
    "installation wrapped key": (_json_at(b'"installation","wrapped":"', 40), FileDamaged),
    "passphrase salt": (_json_at(b'"salt":"', 4), FileDamaged),
    "passphrase scrypt n": (_json_at(b'"n":', 1), FileDamaged),
    "passphrase wrapped key": (_json_at(b'"passphrase","wrapped":"', 40), FileDamaged),
    "data record length": (lambda blob, shape: shape.records[1][0] + 3, FileDamaged),
    "first data record body": (lambda blob, shape: shape.records[0][0] + 60, FileDamaged),
    "middle data record body": (lambda blob, shape: shape.records[1][0] + 500, FileDamaged),
    "manifest record": (lambda blob, shape: shape.records[-1][0] + 40, FileDamaged),
    "footer offset": (lambda blob, shape: shape.footer + 7, FileDamaged),
    "footer magic": (lambda blob, shape: shape.footer + 12, FileDamaged),
}


@pytest.mark.parametrize("where", FLIPS)
def test_flipped_byte_is_reported(small, where):
    locate, expected = FLIPS[where]
    damaged = flipped(small, locate(small, layout(small)))
    with pytest.raises(expected) as caught:
        open_fully(damaged)
    if where == "first data record body":  # damage, not a header from elsewhere
        assert type(caught.value) is FileDamaged and "part 1 " in caught.value.message
    if where == "middle data record body":
        assert "part 2 " in caught.value.message and "offset" in caught.value.detail


def test_every_single_byte_flip_is_reported(small):
    for position in range(len(small)):
        with pytest.raises(BackupFileError):
            open_fully(flipped(small, position))


def test_manifest_read_reports_flips_outside_the_data(small):
    shape = layout(small)
    outside_data = [*range(shape.header_end), *range(shape.records[-1][0], len(small))]
    for position in outside_data:
        with pytest.raises(BackupFileError):
            open_manifest(flipped(small, position))


# --- cut files -------------------------------------------------------------------

CUTS = {
    "empty": lambda s: 0, "mid magic": lambda s: 4, "after magic": lambda s: 8,
    "mid header length": lambda s: 11, "before header json": lambda s: 13,
    "mid header json": lambda s: 100, "last header byte": lambda s: s.header_end - 1,
    "after header": lambda s: s.header_end, "mid first length": lambda s: s.header_end + 2,
    "after first length": lambda s: s.header_end + 4, "mid first record": lambda s: s.records[0][0] + 500,
    "end of first record - 1": lambda s: s.records[0][1] - 1, "after first record": lambda s: s.records[0][1],
    "mid second record": lambda s: s.records[1][0] + 300, "before manifest": lambda s: s.records[-1][0],
    "mid manifest length": lambda s: s.records[-1][0] + 3, "mid manifest": lambda s: s.records[-1][0] + 50,
    "before footer": lambda s: s.footer, "mid footer": lambda s: s.footer + 8,
    "last byte missing": lambda s: s.footer + 15,
}


@pytest.mark.parametrize("where", CUTS)
def test_cut_file_is_reported(small, where):
    cut = small[:CUTS[where](layout(small))]
    with pytest.raises(FileTruncated) as caught:
        open_fully(cut)
    assert "incomplete" in caught.value.message
    with pytest.raises(FileDamaged):  # FileTruncated, or damage where the cut leaves a plausible end
        open_manifest(cut)


def test_every_cut_is_reported_as_truncation(small):
    for size in range(len(small)):
        with pytest.raises(FileTruncated):
            open_fully(small[:size])


@pytest.mark.parametrize("extra", [b"\0", b"garbage " * 3, bytes(range(256)) * 9000],
                         ids=["one byte", "less than a footer", "more than a record"])
def test_bytes_after_the_footer_are_named_as_extra_data_not_as_a_cut(small, extra):
    # Issue 11: appended garbage was reported as "incomplete".
    for read in (open_fully, open_manifest):
        with pytest.raises(FileDamaged) as caught:
            read(small + extra)
        assert not isinstance(caught.value, FileTruncated)
        assert "Extra data follows the end of this backup file" in caught.value.message


# --- moved, foreign and swapped parts -------------------------------------------

@pytest.mark.parametrize("order, part", [([0, 2], 2), ([1, 2], 1), ([0, 1], 3), ([0, 0, 1, 2], 2),
                                         ([0, 1, 1, 2], 3), ([1, 0, 2], 1), ([0, 2, 1], 2)],
                         ids=["dropped-middle", "dropped-first", "dropped-last", "duplicated-first",
                              "duplicated-middle", "swapped-first-two", "swapped-last-two"])
def test_moved_records_are_damage(small, order, part):
    with pytest.raises(FileDamaged) as caught:
        open_fully(rebuilt(small, order))
    assert type(caught.value) is FileDamaged
    assert f"part {part} " in caught.value.message and "byte offset" in caught.value.detail


def test_dropped_manifest_record_is_damage(small):
    shape = layout(small)
    with pytest.raises(FileDamaged):
        open_fully(small[:shape.records[-1][0]] + small[shape.footer:])


@pytest.mark.parametrize("position", [0, 1, 2])
def test_record_spliced_in_from_another_file(small, position):
    other = encrypt(bytes(range(256)) * 10)  # same installation key, same sizes
    shape = layout(small)
    start, end = shape.records[position]
    spliced = small[:start] + record_bytes(other, position) + small[end:]
    with pytest.raises(FileDamaged) as caught:
        open_fully(spliced)
    assert f"part {position + 1} " in caught.value.message


def with_header_of_another_file(blob: bytes) -> bytes:
    other = encrypt(bytes(range(256)) * 10, passphrase="correct horse")  # same header size
    header_end = layout(blob).header_end
    assert layout(other).header_end == header_end
    return other[:header_end] + blob[header_end:]


def test_header_from_another_file_is_a_mismatch(small):
    swapped = with_header_of_another_file(small)
    with pytest.raises(HeaderMismatch):
        open_fully(swapped)
    with pytest.raises(HeaderMismatch):
        open_manifest(swapped)


def test_slot_from_another_file_is_a_mismatch(small):
    header = read_header(io.BytesIO(small))
    other = read_header(io.BytesIO(encrypt(b"other")))
    forged = replace(header, slots=(other.slots[0], header.slots[1]))
    with pytest.raises(HeaderMismatch):
        unlock(forged, Keys([KEY]))


def test_not_a_backup_and_newer_format():
    with pytest.raises(NotABackupFile):
        read_header(io.BytesIO(b"PGDMP\x01\x0f\x00" + bytes(100)))
    with pytest.raises(UnsupportedFormat) as caught:
        read_header(io.BytesIO(b"LIFEBOAT\x02" + bytes(100)))
    assert "newer version" in caught.value.message


@pytest.mark.parametrize("change", [{"n": 2**30}, {"n": 3 * 2**14}, {"n": 2**20, "r": 16},
                                    {"r": 1000}, {"p": 64}, {"salt": "c2FsdA=="}, {"kdf": "argon2"}],
                         ids=["n-2^30", "n-not-power-of-two", "memory", "r", "p", "short-salt", "kdf"])
def test_inflated_kdf_parameters_are_refused_before_scrypt(small, change):
    header = read_header(io.BytesIO(small))
    slot = {**header.slots[1], **change}
    tampered = replace(header, slots=(header.slots[0], slot))
    started = time.monotonic()
    with pytest.raises(FileDamaged) as caught:
        read_header(io.BytesIO(tampered.to_bytes()))
    with pytest.raises(FileDamaged):
        unlock(tampered, Keys(passphrase="correct horse"))
    assert time.monotonic() - started < 0.5
    assert "passphrase settings" in caught.value.message


def test_error_messages_are_distinct(small):
    shape = layout(small)
    cases = {
        NotABackupFile: lambda: open_fully(b"PK\x03\x04" + bytes(40)),
        UnsupportedFormat: lambda: open_fully(b"LIFEBOAT\x07" + bytes(40)),
        WrongKey: lambda: open_fully(small, Keys([new_installation_key()])),
        WrongPassphrase: lambda: open_fully(small, Keys(passphrase="nope")),
        FileDamaged: lambda: open_fully(flipped(small, shape.records[1][0] + 99)),
        FileTruncated: lambda: open_fully(small[:-1]),
        HeaderMismatch: lambda: open_fully(with_header_of_another_file(small)),
    }
    messages = set()
    for expected, action in cases.items():
        with pytest.raises(expected) as caught:
            action()
        assert type(caught.value) is expected or expected is FileDamaged
        messages.add(caught.value.message)
    assert len(messages) == len(cases)


# --- exporting with a passphrase -------------------------------------------------

def test_with_passphrase_and_copy_keep_records_byte_identical(small):
    original = encrypt(os.urandom(5000))
    header = read_header(io.BytesIO(original))
    data_key = unlock(header, Keys([KEY]))
    exported = with_passphrase(header, data_key, "an export passphrase", scrypt_n=FAST_N)
    assert exported.file_id == header.file_id and exported.has_passphrase
    copy, progress = io.BytesIO(), []
    copy_with_header(io.BytesIO(original), copy, exported, on_bytes=progress.append)
    copied = copy.getvalue()
    assert progress[-1] == len(original)
    before, after = layout(original), layout(copied)
    assert original[before.header_end:before.footer] == copied[after.header_end:after.footer]
    assert open_fully(copied, Keys(passphrase="an export passphrase"))[0] == open_fully(original)[0]
    assert open_manifest(copied) == MANIFEST

    replaced = with_passphrase(exported, data_key, "a new one", scrypt_n=FAST_N)
    assert sum(s["type"] == "passphrase" for s in replaced.slots) == 1
    again = io.BytesIO()
    copy_with_header(io.BytesIO(copied), again, replaced)
    assert open_fully(again.getvalue(), Keys(passphrase="a new one"))[1] == MANIFEST
    with pytest.raises(WrongPassphrase):
        open_fully(again.getvalue(), Keys(passphrase="an export passphrase"))


def test_with_passphrase_needs_the_headers_own_key(small):
    header = read_header(io.BytesIO(small))
    with pytest.raises(HeaderMismatch):
        with_passphrase(header, Fernet.generate_key(), "pw", scrypt_n=FAST_N)


def test_copy_refuses_a_header_for_another_file(small):
    other = read_header(io.BytesIO(encrypt(b"x")))
    with pytest.raises(ValueError):
        copy_with_header(io.BytesIO(small), io.BytesIO(), other)


# --- memory -------------------------------------------------------------------

def test_memory_stays_flat_for_64_mib(tmp_path):
    path = tmp_path / "big.lifeboat"
    written, read = hashlib.sha256(), hashlib.sha256()
    tracemalloc.start()
    try:
        with open(path, "wb") as out:
            writer = EncryptedWriter(out, installation_key=KEY)
            for _ in range(64):
                block = os.urandom(1 << 20)
                written.update(block)
                for piece in (block[:1000], block[1000:700_000], block[700_000:]):
                    writer.write(piece)
            writer.close(MANIFEST)
        with open(path, "rb") as f:
            header = read_header(f)
            reader = PlaintextReader(f, header, unlock(header, Keys([KEY])))
            for chunk in reader:
                read.update(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read.digest() == written.digest() and reader.manifest == MANIFEST
    assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB"
