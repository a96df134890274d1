"""Keyring backends for the tests only. Never use one in the app: the file
backend keeps secrets in plain JSON.

- MemoryKeyring: a dict; the root conftest installs a fresh one per test.
- FileKeyring: JSON at $LIFEBOAT_TEST_KEYRING_FILE, so that CLI tests run as
  subprocesses share secrets with the test that starts them:
  `PYTHON_KEYRING_BACKEND=tests.keyrings.FileKeyring` in the child's
  environment (keyring loads it by that dotted name; the repository root
  must be on the child's sys.path, e.g. cwd or PYTHONPATH).
- NoKeyring: every call raises NoKeyringError, like a headless Linux
  machine without a Secret Service (jaraco/keyring #569, #710).
"""
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import NoKeyringError, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 100

    def __init__(self):
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class FileKeyring(KeyringBackend):
    """TEST ONLY: secrets in a plain JSON file named by $LIFEBOAT_TEST_KEYRING_FILE."""

    # Below 1: never chosen by keyring's automatic selection, only by name.
    priority = 0.1

    @property
    def path(self) -> Path:
        return Path(os.environ["LIFEBOAT_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, entries: dict[str, str]) -> None:
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(partial, self.path)

    @staticmethod
    def _key(service: str, username: str) -> str:
        return json.dumps([service, username])

    def get_password(self, service, username):
        return self._load().get(self._key(service, username))

    def set_password(self, service, username, password):
        entries = self._load()
        entries[self._key(service, username)] = password
        self._save(entries)

    def delete_password(self, service, username):
        entries = self._load()
        if entries.pop(self._key(service, username), None) is None:
            raise PasswordDeleteError("no such password")
        self._save(entries)


class NoKeyring(KeyringBackend):
    priority = 0

    def _fail(self, *args, **kwargs):
        raise NoKeyringError("No recommended backend was available (test NoKeyring).")

    get_password = set_password = delete_password = get_credential = _fail
