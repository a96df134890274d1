"""RawFernet speaks Fernet's token format: stock Fernet reads ours, we read stock Fernet's."""
import base64

import pytest
from cryptography.fernet import Fernet

from desktop.core.format.fernet_raw import RawFernet


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1 << 20])
def test_stock_fernet_reads_raw_tokens_and_back(size):
    key = Fernet.generate_key()
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    raw = RawFernet(key).encrypt(data)
    assert Fernet(key).decrypt(base64.urlsafe_b64encode(raw)) == data
    stock = base64.urlsafe_b64decode(Fernet(key).encrypt(data))
    assert RawFernet(key).decrypt(stock) == data


def test_any_changed_byte_or_wrong_key_is_refused():
    key = Fernet.generate_key()
    token = RawFernet(key).encrypt(b"rows of a table")
    for position in range(len(token)):
        changed = bytearray(token)
        changed[position] ^= 0x01
        assert RawFernet(key).decrypt(bytes(changed)) is None
    assert RawFernet(Fernet.generate_key()).decrypt(token) is None
    assert RawFernet(key).decrypt(token[:-1]) is None
    assert RawFernet(key).decrypt(b"") is None
