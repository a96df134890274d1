"""This installation's identity: its id and the fingerprint of its backup key.

The id namespaces the keyring (secret_store.py): two LIFEBOAT_HOMEs of one OS
account (two users, a portable copy, the tests) share one keyring, and
without it `profile add src` in one overwrote the password of `src` in the
other. The key's fingerprint (crypto.key_id, never the key) lets
Lifeboat notice that the keyring lost the key: it then refuses to back up
rather than silently start a new key that older backups do not open with.
Older keys (before `lifeboat key new`, or brought back from a recovery
file) are listed too, so their backups keep opening.

Kept in config/installation.json (0600) beside the profiles, not in the
catalog, which may be set aside and rebuilt.
"""
import secrets as random
from dataclasses import dataclass, field

from filelock import FileLock

from desktop.core.store.paths import AppPaths
from desktop.core.store.settings import damaged_config_file, read_config_file, write_config_file


@dataclass
class InstallationFacts:
    id: str
    key_id: str | None = None
    older_key_ids: list[str] = field(default_factory=list)


class Installation:
    def __init__(self, paths: AppPaths):
        self._file = paths.config_dir / "installation.json"
        self._lock = FileLock(str(self._file) + ".lock", timeout=30, mode=0o600)
        self._id: str | None = None

    @property
    def id(self) -> str:
        if self._id is None:  # never changes once made: read once, not per keyring call
            self._id = self.facts().id
        return self._id

    def facts(self) -> InstallationFacts:
        """What the file says; created (with a new random id) on first use."""
        facts = self._read()
        if facts is not None:
            return facts
        with self._lock:  # two first starts at once must agree on one id
            facts = self._read()
            if facts is None:
                facts = InstallationFacts(id=random.token_hex(8))
                self._write(facts)
            return facts

    def remember_key(self, key_id: str) -> None:
        """`key_id` is now the key new backups are made with; the one before it stays readable."""
        with self._lock:
            facts = self.facts()
            if facts.key_id and facts.key_id != key_id and facts.key_id not in facts.older_key_ids:
                facts.older_key_ids.append(facts.key_id)
            facts.key_id = key_id
            facts.older_key_ids = [k for k in facts.older_key_ids if k != key_id]
            self._write(facts)

    def remember_older_key(self, key_id: str) -> None:
        with self._lock:
            facts = self.facts()
            if key_id != facts.key_id and key_id not in facts.older_key_ids:
                facts.older_key_ids.append(key_id)
                self._write(facts)

    def _read(self) -> InstallationFacts | None:
        data = read_config_file(self._file, what="installation")
        if data is None:
            return None
        if not isinstance(data.get("id"), str):
            raise damaged_config_file(self._file, "installation", KeyError("id"))
        return InstallationFacts(id=str(data["id"]), key_id=data.get("key_id"),
                                 older_key_ids=list(data.get("older_key_ids", [])))

    def _write(self, facts: InstallationFacts) -> None:
        write_config_file(self._file, {"version": 1, **facts.__dict__})

