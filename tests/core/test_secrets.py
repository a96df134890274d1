import base64
import sys

import keyring
import keyring.backends.fail
import keyring.errors
import pytest
from cryptography.fernet import Fernet

from desktop.core.errors import KeyringUnavailable
from desktop.core.store.secret_store import SERVICE, Secrets
from desktop.core.store.session_keyring import SessionKeyring
from tests.keyrings import MemoryKeyring, NoKeyring


def test_passwords_round_trip_per_profile():
    secrets = Secrets()
    secrets.set_password("a", "pw-a")
    secrets.set_password("b", "pw-b")
    assert (secrets.get_password("a"), secrets.get_password("b")) == ("pw-a", "pw-b")
    secrets.delete_password("a")
    assert secrets.get_password("a") is None
    assert secrets.get_password("b") == "pw-b"


def test_deleting_a_missing_password_is_fine():
    Secrets().delete_password("never-stored")


def test_the_default_backend_is_looked_up_at_call_time():
    secrets = Secrets()
    other = MemoryKeyring()
    keyring.set_keyring(other)
    secrets.set_password("late", "pw")
    assert other.get_password(SERVICE, "profile:late") == "pw"


def test_installation_key_is_created_once_and_stable():
    secrets = Secrets()
    assert secrets.installation_key_if_present() is None
    key = secrets.installation_key()
    assert len(key) == 44 and len(base64.urlsafe_b64decode(key)) == 32
    Fernet(key)  # a usable Fernet key
    assert secrets.installation_key() == key
    assert Secrets().installation_key_if_present() == key


def test_installation_key_does_not_collide_with_a_profile_of_the_same_name():
    secrets = Secrets()
    secrets.set_password("installation-key", "a profile's password")
    key = secrets.installation_key()
    assert secrets.get_password("installation-key") == "a profile's password"
    assert secrets.installation_key() == key


@pytest.mark.parametrize("backend", [NoKeyring(), keyring.backends.fail.Keyring()])
def test_no_keyring_is_a_readable_error(backend):
    secrets = Secrets(backend=backend)
    for call in (lambda: secrets.set_password("p", "pw"), lambda: secrets.get_password("p"),
                 secrets.installation_key, secrets.installation_key_if_present):
        with pytest.raises(KeyringUnavailable) as caught:
            call()
        message = caught.value.message
        if sys.platform == "linux":
            assert "apt install gnome-keyring" in message
        assert "Traceback" not in message and "keyrings.alt" not in message
        assert "pw" not in caught.value.detail


class LockedKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("collection is locked")

    set_password = get_password


def test_a_locked_keyring_says_unlock():
    with pytest.raises(KeyringUnavailable, match="locked. Unlock it"):
        Secrets(backend=LockedKeyring()).get_password("p")


def test_session_keyring_keeps_secrets_in_memory_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = SessionKeyring()
    secrets = Secrets(backend=session)
    secrets.set_password("demo", "pw")
    key = secrets.installation_key()
    assert (secrets.get_password("demo"), secrets.installation_key()) == ("pw", key)
    secrets.delete_password("demo")
    assert secrets.get_password("demo") is None
    assert list(tmp_path.iterdir()) == []
    # A new session starts empty: nothing outlived the first one.
    assert Secrets(backend=SessionKeyring()).installation_key_if_present() is None


def test_session_keyring_is_never_chosen_automatically():
    # keyring picks the highest priority among every backend class loaded;
    # on a machine without a keyring that must stay fail.Keyring, so the
    # user is told rather than silently given a session-only store.
    import keyring.backend

    best = max(keyring.backend.get_all_keyring(), key=keyring.backend.by_priority)
    assert not isinstance(best, SessionKeyring)
