"""A keyring kept in this process's memory (`lifeboat --demo`)."""
import keyring.backend
import keyring.errors


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
