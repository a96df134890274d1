"""The OS keyring: profile passwords and this installation's backup key.

Nothing secret is ever written to a file of ours. When no keyring works,
the caller gets KeyringUnavailable saying what to install or unlock; there
is deliberately no plaintext fallback (keyrings.alt's "encrypted" file has
no MAC and prompts on a terminal: RELIABILITY.md, "The keyring").
"""
import getpass
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet
from filelock import FileLock

from desktop.core.errors import InstallationKeyMissing, KeyringUnavailable
from desktop.core.format.header import key_id

if TYPE_CHECKING:
    from desktop.core.store.installation import Installation

SERVICE = "Lifeboat"  # alone: entries from before installations had ids, read only to migrate them
_INSTALLATION_KEY = "installation-key"
_AUDIT_KEY = "audit-key"
_MASKING_KEY = "masking-key"


def _keyring():
    """The keyring package, imported when a secret is first needed: with what it
    imports it cost 60 ms of every start, and `lifeboat list` reads no secret."""
    import keyring
    import keyring.backends.fail
    import keyring.errors

    return keyring


def _key_lock_path() -> Path:
    return Path(tempfile.gettempdir()) / f"lifeboat-key-{getpass.getuser()}.lock"


def _profile_entry(profile_name: str) -> str:
    # A prefix keeps a profile called "installation-key" away from the key.
    return f"profile:{profile_name}"


def _alert_entry(channel_id: str) -> str:
    return f"alert:{channel_id}"


def _older_key_entry(key_id: str) -> str:
    return f"{_INSTALLATION_KEY}:{key_id}"


class Secrets:
    """The keyring entries of one installation.

    Bound to an Installation (`for_installation`), every entry lives under
    the service "Lifeboat/<installation id>", so LIFEBOAT_HOMEs sharing one
    keyring never see each other's passwords or keys. An entry found only
    under the old shared service "Lifeboat" is copied into the namespace on
    first use and left in place, since another installation may still have
    to migrate it."""

    def __init__(self, backend=None, installation: "Installation | None" = None):
        self._backend = backend
        self.installation = installation

    def for_installation(self, installation: "Installation") -> "Secrets":
        return Secrets(self._backend, installation)

    @property
    def service(self) -> str:
        return SERVICE if self.installation is None else f"{SERVICE}/{self.installation.id}"

    def get_password(self, profile_name: str) -> str | None:
        return self._get("read the password of profile " + repr(profile_name), _profile_entry(profile_name))

    def set_password(self, profile_name: str, password: str) -> None:
        self._call("save the password of profile " + repr(profile_name),
                   "set_password", _profile_entry(profile_name), password)

    def delete_password(self, profile_name: str) -> None:
        self._delete("remove the password of profile " + repr(profile_name), _profile_entry(profile_name))

    def get_alert_password(self, channel_id: str) -> str | None:
        return self._get("read the password of alert channel " + channel_id, _alert_entry(channel_id))

    def set_alert_password(self, channel_id: str, password: str) -> None:
        self._call("save the password of alert channel " + channel_id,
                   "set_password", _alert_entry(channel_id), password)

    def delete_alert_password(self, channel_id: str) -> None:
        self._delete("remove the password of alert channel " + channel_id, _alert_entry(channel_id))

    def installation_key(self) -> bytes:
        """The key new backups are made with; created on the very first use only.

        Kept as the 44-character base64 text of a Fernet key, not a blob:
        Windows' Credential Manager rejects values over ~2.5 KB (keyring #355).
        Once a key was used its fingerprint is remembered: a keyring that no
        longer holds that key raises InstallationKeyMissing instead of
        quietly starting a key the earlier backups do not open with.
        """
        key = self.installation_key_if_present()
        if key is None:
            # Two Lifeboat processes using the keyring for the first time must not
            # each store a key: backups made with the overwritten one would never
            # open again. The keyring is per user whatever LIFEBOAT_HOME says, so
            # the lock is too.
            with FileLock(_key_lock_path()):
                key = self.installation_key_if_present()
                if key is None:
                    self._refuse_when_lost()
                    key = self._create_installation_key()
        self._check_fingerprint(key)
        return key

    def _refuse_when_lost(self) -> None:
        if self.installation is not None and self.installation.facts().key_id:
            raise key_missing(self.installation.facts().key_id)

    def _check_fingerprint(self, key: bytes) -> None:
        if self.installation is None:
            return
        expected = self.installation.facts().key_id
        if expected is None:
            self.installation.remember_key(key_id(key))
        elif expected != key_id(key):
            raise key_missing(expected)

    def _create_installation_key(self) -> bytes:
        self.store_installation_key(Fernet.generate_key())
        # Read back rather than trust our copy: if another Lifeboat process
        # created a key at the same moment, whichever is stored is the one.
        key = self.installation_key_if_present()
        if key is None:
            raise _not_read_back("keep this installation's backup key")
        return key

    def store_installation_key(self, key: bytes) -> None:
        """Makes `key` the one new backups use (jobs/backup_key.py decides when)."""
        self._call("save this installation's backup key", "set_password",
                   _INSTALLATION_KEY, key.decode("ascii"))

    def store_older_key(self, key: bytes) -> None:
        """Keeps a key that is no longer used for new backups, so its backups still open."""
        self._call("save an older backup key", "set_password",
                   _older_key_entry(key_id(key)), key.decode("ascii"))

    def installation_key_if_present(self) -> bytes | None:
        text = self._get("read this installation's backup key", _INSTALLATION_KEY)
        return None if text is None else text.encode("ascii")

    def all_installation_keys(self) -> list[bytes]:
        """Every key this installation's backups may be wrapped with: the current one first."""
        current = self.installation_key_if_present()
        keys = [current] if current else []
        older = self.installation.facts().older_key_ids if self.installation else []
        for older_id in older:
            text = self._get("read an older backup key", _older_key_entry(older_id))
            if text:
                keys.append(text.encode("ascii"))
        return keys

    def audit_key(self) -> bytes:
        """The activity log's HMAC key (audit_seal.py), created on first use."""
        return self._random_key(_AUDIT_KEY, "the activity log's key")

    def audit_key_if_present(self) -> bytes | None:
        return self._random_key_if_present(_AUDIT_KEY, "the activity log's key")

    def masking_key(self) -> bytes:
        """The HMAC key masked values are derived from (masking/keyed.py), created on first use.

        One per installation, so every refresh from here gives the same fakes."""
        return self._random_key(_MASKING_KEY, "the masking key")

    def _random_key(self, entry: str, what: str) -> bytes:
        key = self._random_key_if_present(entry, what)
        if key is None:
            with FileLock(_key_lock_path()):
                key = self._random_key_if_present(entry, what)
                if key is None:
                    self._call(f"save {what}", "set_password", entry, os.urandom(32).hex())
                    key = self._random_key_if_present(entry, what)
        if key is None:
            raise _not_read_back(f"keep {what}")
        return key

    def _random_key_if_present(self, entry: str, what: str) -> bytes | None:
        text = self._call(f"read {what}", "get_password", entry)
        return None if text is None else bytes.fromhex(text)

    def _get(self, action: str, entry: str) -> str | None:
        value = self._call(action, "get_password", entry)
        if value is None and self.installation is not None:
            value = self._call(action, "get_password", entry, service=SERVICE)
            if value is not None:  # an entry from before namespacing: migrate it
                self._call(action, "set_password", entry, value)
        return value

    def _delete(self, action: str, entry: str) -> None:
        try:
            self._call(action, "delete_password", entry)
        except _keyring().errors.PasswordDeleteError:
            pass  # what backends raise for an entry that is not there

    def _call(self, action: str, method: str, *args, service: str | None = None):
        keyring = _keyring()
        backend = self._backend or keyring.get_keyring()
        # keyring settles on fail.Keyring when nothing usable exists (a
        # headless Linux without a Secret Service: keyring #569, #710).
        if isinstance(backend, keyring.backends.fail.Keyring):
            raise unavailable(action, keyring.errors.NoKeyringError(type(backend).__name__))
        try:
            return getattr(backend, method)(service or self.service, *args)
        except keyring.errors.PasswordDeleteError:
            raise
        except keyring.errors.KeyringError as exc:
            raise unavailable(action, exc) from exc


def key_missing(expected_key_id: str) -> InstallationKeyMissing:
    return InstallationKeyMissing(
        "This installation's backup key is no longer in the keyring (it was removed, or the keyring "
        "was reset), so Lifeboat did not back up: a backup made with a new key would not open with "
        "the key of your earlier backups. Copies exported with a passphrase still open with that "
        "passphrase. Either put the key back from its recovery file (`lifeboat key import FILE`), "
        "or start a new key on purpose (`lifeboat key new --confirm`); backups made before then "
        "open again only once the old key is back.",
        detail=f"expected key id {expected_key_id}")


def _not_read_back(action: str) -> KeyringUnavailable:
    return unavailable(action, _keyring().errors.KeyringError("the key did not read back after saving"))


def unavailable(action: str, exc: Exception) -> KeyringUnavailable:
    locked = isinstance(exc, _keyring().errors.KeyringLocked)
    return KeyringUnavailable(
        f"Lifeboat could not {action}, because {_advice(locked)}",
        detail=f"{type(exc).__name__}: {exc}",
    )


def _advice(locked: bool) -> str:
    if sys.platform == "darwin":
        return (
            "the macOS Keychain did not answer. Open Keychain Access, unlock the "
            "\"login\" keychain, then try again."
        )
    if sys.platform == "win32":
        return (
            "the Windows Credential Manager did not answer. Sign in to Windows with "
            "your own account (not a service account) and try again."
        )
    if locked:
        return (
            "your keyring is locked. Unlock it (log in to the desktop, or open "
            "\"Passwords and Keys\"), then try again."
        )
    return (
        "no keyring is available to keep passwords safely. Install and unlock a "
        "Secret Service such as GNOME Keyring or KWallet (on Debian or Ubuntu: "
        "`sudo apt install gnome-keyring`), then log out and in again. On a server "
        "without a desktop, start a keyring first: run `dbus-run-session -- sh`, then "
        "`gnome-keyring-daemon --unlock` (type a keyring password, then Ctrl-D), and run "
        "Lifeboat in that shell. Or use a profile without a stored password "
        "(certificate or peer login)."
    )
