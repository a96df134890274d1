"""BENCHMARK ONLY: a keyring backend keeping secrets in a plain JSON file.

backup_ratio.py runs `lifeboat` as a child process on machines that have no
OS keyring (a headless server, CI). The child loads this backend by name:
`PYTHON_KEYRING_BACKEND=benchmarks._keyring.BenchmarkFileKeyring`, with the
repository root on PYTHONPATH, and the file named by
$LIFEBOAT_BENCH_KEYRING_FILE (inside the benchmark's temporary folder,
removed with it). The secrets it holds are those of a throwaway cluster;
never use it for real ones.
"""
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class BenchmarkFileKeyring(KeyringBackend):
    # Below 1: keyring's automatic selection never picks it, only its name.
    priority = 0.1

    @property
    def path(self) -> Path:
        return Path(os.environ["LIFEBOAT_BENCH_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, entries: dict[str, str]) -> None:
        partial = self.path.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out)
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
