"""The test keyrings behave like real backends, and the FileKeyring reaches
a child process the way CLI tests use it."""
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.errors import NoKeyringError, PasswordDeleteError

from tests.keyrings import FileKeyring, MemoryKeyring, NoKeyring

REPO = Path(__file__).resolve().parents[1]


def test_every_test_starts_with_an_empty_memory_keyring(memory_keyring):
    assert keyring.get_keyring() is memory_keyring
    assert keyring.get_password("Lifeboat", "x") is None
    keyring.set_password("Lifeboat", "x", "s3cret")
    assert memory_keyring.entries == {("Lifeboat", "x"): "s3cret"}


def test_memory_keyring_delete_of_missing_entry_raises():
    with pytest.raises(PasswordDeleteError):
        MemoryKeyring().delete_password("Lifeboat", "nobody")


def test_no_keyring_raises_on_every_call():
    backend = NoKeyring()
    for call in (lambda: backend.get_password("s", "u"),
                 lambda: backend.set_password("s", "u", "p"),
                 lambda: backend.delete_password("s", "u")):
        with pytest.raises(NoKeyringError):
            call()


def test_file_keyring_is_shared_with_a_child_process(tmp_path, monkeypatch):
    store = tmp_path / "keyring.json"
    monkeypatch.setenv("LIFEBOAT_TEST_KEYRING_FILE", str(store))
    FileKeyring().set_password("Lifeboat", "profile:a", "from parent")
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.keyrings.FileKeyring")
    child = subprocess.run(
        [sys.executable, "-c",
         "import keyring; print(keyring.get_password('Lifeboat', 'profile:a'));"
         "keyring.set_password('Lifeboat', 'profile:b', 'from child')"],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )
    assert child.stdout.strip() == "from parent"
    assert FileKeyring().get_password("Lifeboat", "profile:b") == "from child"
