"""The OS keyring: profile passwords and this installation's backup key.

Nothing secret is ever written to a file of ours. When no keyring works,
the caller gets KeyringUnavailable saying what to install or unlock; there
is deliberately no plaintext fallback (keyrings.alt's "encrypted" file has
no MAC and prompts on a terminal: RELIABILITY.md, "The keyring").
"""
import getpass
import sys
import tempfile
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
from cryptography.fernet import Fernet
from filelock import FileLock

from .errors import KeyringUnavailable

SERVICE = "Lifeboat"
_INSTALLATION_KEY = "installation-key"


def _key_lock_path() -> Path:
    return Path(tempfile.gettempdir()) / f"lifeboat-key-{getpass.getuser()}.lock"


def _profile_entry(profile_name: str) -> str:
    # A prefix keeps a profile called "installation-key" away from the key.
    return f"profile:{profile_name}"


class Secrets:
    def __init__(self, backend=None):
        self._backend = backend

    def get_password(self, profile_name: str) -> str | None:
        return self._call("read the password of profile " + repr(profile_name),
                          "get_password", _profile_entry(profile_name))

    def set_password(self, profile_name: str, password: str) -> None:
        self._call("save the password of profile " + repr(profile_name),
                   "set_password", _profile_entry(profile_name), password)

    def delete_password(self, profile_name: str) -> None:
        try:
            self._call("remove the password of profile " + repr(profile_name),
                       "delete_password", _profile_entry(profile_name))
        except keyring.errors.PasswordDeleteError:
            pass  # what backends raise for an entry that is not there

    def installation_key(self) -> bytes:
        """The key that opens this installation's backups; created on first use.

        Kept as the 44-character base64 text of a Fernet key, not a blob:
        Windows' Credential Manager rejects values over ~2.5 KB (keyring #355).
        """
        key = self.installation_key_if_present()
        if key is not None:
            return key
        # Two Lifeboat processes using the keyring for the first time must not
        # each store a key: backups made with the overwritten one would never
        # open again. The keyring is per user whatever LIFEBOAT_HOME says, so
        # the lock is too.
        with FileLock(_key_lock_path()):
            key = self.installation_key_if_present()
            if key is not None:
                return key
            return self._create_installation_key()

    def _create_installation_key(self) -> bytes:
        self._call("save this installation's backup key", "set_password",
                   _INSTALLATION_KEY, Fernet.generate_key().decode("ascii"))
        # Read back rather than trust our copy: if another Lifeboat process
        # created a key at the same moment, whichever is stored is the one.
        key = self.installation_key_if_present()
        if key is None:
            raise unavailable("keep this installation's backup key",
                              keyring.errors.KeyringError("the key did not read back after saving"))
        return key

    def installation_key_if_present(self) -> bytes | None:
        text = self._call("read this installation's backup key", "get_password", _INSTALLATION_KEY)
        return None if text is None else text.encode("ascii")

    def _call(self, action: str, method: str, *args):
        backend = self._backend or keyring.get_keyring()
        # keyring settles on fail.Keyring when nothing usable exists (a
        # headless Linux without a Secret Service: keyring #569, #710).
        if isinstance(backend, keyring.backends.fail.Keyring):
            raise unavailable(action, keyring.errors.NoKeyringError(type(backend).__name__))
        try:
            return getattr(backend, method)(SERVICE, *args)
        except keyring.errors.PasswordDeleteError:
            raise
        except keyring.errors.KeyringError as exc:
            raise unavailable(action, exc) from exc


class SessionKeyring(keyring.backend.KeyringBackend):
    """Secrets kept in this process's memory and gone when it exits.

    For a session that must not touch the OS keyring (`lifeboat --demo`),
    and what RELIABILITY.md asks for when no OS keyring works: hold the
    password for the session, never in a file. Install it explicitly with
    `keyring.set_keyring(SessionKeyring())`.
    """

    # Below fail.Keyring's 0, so keyring's automatic choice (the highest
    # priority among all loaded backend classes) never lands on it and a
    # machine without a keyring still gets KeyringUnavailable from Secrets.
    priority = -1

    def __init__(self):
        super().__init__()
        self._entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such entry in this session")


def unavailable(action: str, exc: Exception) -> KeyringUnavailable:
    locked = isinstance(exc, keyring.errors.KeyringLocked)
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
