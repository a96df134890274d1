"""RawFernet speaks Fernet's token format: stock Fernet reads ours, we read stock Fernet's."""
import base64

import pytest
from cryptography.fernet import Fernet

from desktop.core.format.fernet_raw import RawFernet


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1 << 20])
def test_stock_fernet_reads_raw_tokens_and_back(size):
    key = Fernet.generate_key()
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    raw = b"".join(RawFernet(key).encrypt_parts(data))
    assert Fernet(key).decrypt(base64.urlsafe_b64encode(raw)) == data
    stock = base64.urlsafe_b64decode(Fernet(key).encrypt(data))
    assert RawFernet(key).decrypt(stock) == data


@pytest.mark.parametrize("sizes", [(26, 1 << 20), (26, 0), (5, 11, 17), (0,)])
def test_a_token_sealed_in_pieces_is_the_token_of_the_pieces_laid_end_to_end(sizes):
    key = Fernet.generate_key()
    pieces = [bytes([n]) * size for n, size in enumerate(sizes)]
    token = b"".join(RawFernet(key).encrypt_parts(*pieces))
    assert Fernet(key).decrypt(base64.urlsafe_b64encode(token)) == b"".join(pieces)
    assert RawFernet(key).decrypt(token) == b"".join(pieces)


def test_any_changed_byte_or_wrong_key_is_refused():
    key = Fernet.generate_key()
    token = b"".join(RawFernet(key).encrypt_parts(b"rows of a table"))
    for position in range(len(token)):
        changed = bytearray(token)
        changed[position] ^= 0x01
        assert RawFernet(key).decrypt(bytes(changed)) is None
    assert RawFernet(Fernet.generate_key()).decrypt(token) is None
    assert RawFernet(key).decrypt(token[:-1]) is None
    assert RawFernet(key).decrypt(b"") is None


@pytest.mark.parametrize("last_block", [b"\x00" * 16, b"a" * 15 + b"\x11", b"a" * 14 + b"\x01\x02"])
def test_an_authentic_token_with_wrong_padding_is_refused(last_block):
    """Only the key's holder can make one; it is still no Fernet token."""
    import os
    import struct

    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.urlsafe_b64decode(Fernet.generate_key())
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(key[16:]), modes.CBC(iv)).encryptor()
    body = struct.pack(">BQ", 0x80, 0) + iv + encryptor.update(last_block) + encryptor.finalize()
    mac = hmac.HMAC(key[:16], hashes.SHA256())
    mac.update(body)
    assert RawFernet(base64.urlsafe_b64encode(key)).decrypt(body + mac.finalize()) is None
