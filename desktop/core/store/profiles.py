"""Connection profiles: where a database is and how to log in, minus the password.

Profiles live in AppPaths.profiles_file (JSON, 0600). A password goes to the
OS keyring and nowhere else; a password inside a pasted URL is handed back
to the caller to store there and is never written with the profile.
"""
import re
from dataclasses import asdict, dataclass, fields, replace
from urllib.parse import unquote, urlsplit, urlunsplit

from desktop.core.errors import InvalidProfile, ProfileExists, UnknownProfile
from desktop.core.redact import looks_like_connection_string
from desktop.core.store.audited import audited
from desktop.core.store.installation import Installation
from desktop.core.store.paths import AppPaths
from desktop.core.store.secret_store import Secrets
from desktop.core.store.settings import read_entries, write_entries

ENVIRONMENTS = ("development", "production")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# Profile names end up in backup file names and on command lines: letters
# (any script), digits, space, '.', '_', '-'; no leading or trailing dot or
# space, which Windows strips from file names.
_NAME = re.compile(r"\w(?:[\w .-]{0,62}[\w-])?")


@dataclass
class Profile:
    name: str
    environment: str
    host: str
    port: int = 5432
    dbname: str = "postgres"
    user: str = "postgres"
    sslmode: str | None = None
    sslrootcert: str | None = None
    notes: str = ""
    read_only: bool = False
    has_password: bool = False

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def display_target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.dbname} on {host}:{self.port}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Profile":
        # Keys from a newer Lifeboat are ignored rather than refused.
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def validate(profile: Profile) -> None:
    if not isinstance(profile.name, str) or not _NAME.fullmatch(profile.name):
        raise InvalidProfile(
            f"{profile.name!r} cannot be a profile name. Use up to 64 letters, digits, "
            "spaces, dots, dashes or underscores, starting with a letter or digit."
        )
    if profile.environment not in ENVIRONMENTS:
        raise InvalidProfile(
            f"The environment of profile {profile.name!r} must be "
            f"{' or '.join(ENVIRONMENTS)}, not {profile.environment!r}."
        )
    if not profile.host:
        raise InvalidProfile(f"Profile {profile.name!r} needs a server address (host).")
    if isinstance(profile.port, bool) or not isinstance(profile.port, int) or not 1 <= profile.port <= 65535:
        raise InvalidProfile(
            f"The port of profile {profile.name!r} must be a number from 1 to 65535 "
            f"(PostgreSQL usually listens on 5432), not {profile.port!r}."
        )
    if not profile.dbname or not profile.user:
        raise InvalidProfile(f"Profile {profile.name!r} needs a database name and a user name.")
    if profile.sslmode is not None and profile.sslmode not in SSLMODES:
        raise InvalidProfile(
            f"The SSL mode of profile {profile.name!r} must be one of {', '.join(SSLMODES)}, "
            f"not {profile.sslmode!r}."
        )


def parse_database_url(url: str) -> tuple[dict, str | None]:
    """Profile fields and the password from a DATABASE_URL-style URL.

    Follows libpq's URI rules (PostgreSQL docs, "Connection URIs"): both
    schemes, percent-encoding, [IPv6] hosts, and connection parameters in
    the query string. Error messages never repeat the URL: it may hold a password.
    """
    try:
        parts = urlsplit(url.strip())
        # Before the port: urlsplit reads "h1:5432,h2:5433" as one host with a bad port.
        _check_one_server(parts.netloc.rpartition("@")[2], _query_parameters(parts.query).get("host", ""))
        port = parts.port
    except ValueError:
        raise InvalidProfile(
            "The database URL is not readable: it should look like "
            "postgresql://user@host:5432/database (a port is a number from 1 to 65535)."
        ) from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise InvalidProfile(
            "A database URL starts with postgresql:// or postgres://, for example "
            "postgresql://user@db.example.com:5432/mydb?sslmode=require."
        )
    query = _query_parameters(parts.query)
    fields_ = {
        "host": query.get("host") or unquote(parts.hostname or ""),
        "port": _port(query.get("port")) or port or 5432,
        "user": query.get("user") or unquote(parts.username or "") or "postgres",
    }
    if not fields_["host"]:
        raise InvalidProfile(
            "The database URL has no server address: it should look like "
            "postgresql://user@host:5432/database."
        )
    # libpq connects to the database named like the user when the URL names none.
    fields_["dbname"] = query.get("dbname") or unquote(parts.path.lstrip("/")) or fields_["user"]
    for key in ("sslmode", "sslrootcert"):
        if query.get(key):
            fields_[key] = query[key]
    password = query.get("password") or unquote(parts.password or "") or None
    return fields_, password


def _check_one_server(*hosts: str) -> None:
    if any("," in host for host in hosts):
        raise InvalidProfile(
            "The database URL names several servers, separated by commas; Lifeboat connects to one "
            "server per profile. Keep only the main server's address (for example "
            "postgresql://user@host:5432/database), or add one profile for each server."
        )


def url_without_password(url: str) -> str:
    """The URL minus its password (in the user part or a password= parameter):
    what a screen may show and keep after the password went to the keyring.
    Call it on a URL parse_database_url accepted."""
    parts = urlsplit(url.strip())
    # rpartition, as urlsplit finds the host after the last '@': a raw '@'
    # inside a password then stays on the password's side.
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    netloc = (f"{user}@{hostport}" if user else hostport) if at else parts.netloc
    query = "&".join(
        item for item in parts.query.split("&") if item and item.partition("=")[0] != "password"
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _query_parameters(query: str) -> dict[str, str]:
    # Not parse_qs: libpq decodes only %XX, so a '+' in a password stays a '+'.
    pairs = (item.partition("=") for item in query.split("&") if item)
    return {key: unquote(value) for key, _, value in pairs}


def _port(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise InvalidProfile("The port in the database URL must be a number from 1 to 65535.")
    return int(text)


def profile_from_url(name: str, url: str, environment: str, **extra) -> tuple[Profile, str | None]:
    fields_, password = parse_database_url(url)
    fields_.update(extra)
    profile = Profile(name=name, environment=environment, **fields_)
    validate(profile)
    return profile, password


class ProfileStore:
    def __init__(self, paths: AppPaths, secrets: Secrets):
        self.paths = paths  # @audited finds the activity log here
        self._file = paths.profiles_file
        self._secrets = secrets.for_installation(Installation(paths))  # never another home's entries

    @property
    def secrets(self) -> Secrets:
        return self._secrets

    def list(self) -> list[Profile]:
        return sorted(self._load().values(), key=lambda p: p.name.casefold())

    def get(self, name: str) -> Profile:
        return _find(self._load(), name)

    @audited("profile_add", profile="profile")
    def add(self, profile: Profile, password: str | None = None) -> Profile:
        validate(profile)
        profiles = self._load()
        clash = _same_name(profiles, profile.name)
        if clash:
            raise ProfileExists(
                f"A profile called {clash!r} already exists. Choose another name, "
                "or edit or remove the existing profile."
            )
        profile = replace(profile, has_password=bool(password))
        # Keyring first: if it refuses, nothing has been written.
        if password:
            self._secrets.set_password(profile.name, password)
        profiles[profile.name] = profile
        self._save(profiles)
        return profile

    def add_like(self, name: str, like: str, dbname: str, environment: str) -> Profile:
        """A copy of profile `like`'s connection (server, user, SSL settings) to another database.

        The password goes from keyring entry to keyring entry, never through a file."""
        original = self.get(like)
        copy = replace(original, name=name, dbname=dbname, environment=environment, notes="",
                       read_only=False, has_password=False)
        return self.add(copy, self.password_for(original))

    @audited("profile_update", profile="profile")
    def update(self, profile: Profile, password: str | None = None) -> Profile:
        """Replace the profile of the same name.

        A new password replaces the stored one; without one, has_password
        says whether to keep the stored password (True) or forget it (False).
        """
        validate(profile)
        profiles = self._load()
        old = _find(profiles, profile.name)
        if password:
            self._secrets.set_password(profile.name, password)
            profile = replace(profile, has_password=True)
        elif profile.has_password and not old.has_password:
            raise InvalidProfile(
                f"Profile {profile.name!r} has no stored password to keep: enter the password."
            )
        elif old.has_password and not profile.has_password:
            self._secrets.delete_password(profile.name)
        profiles[profile.name] = profile
        self._save(profiles)
        return profile

    @audited("profile_remove", profile="name")
    def remove(self, name: str) -> None:
        profiles = self._load()
        profile = _find(profiles, name)
        # The keyring entry goes first: should the keyring be locked, the
        # profile stays and the user can retry, rather than leaving an
        # orphaned password behind.
        if profile.has_password:
            self._secrets.delete_password(name)
        del profiles[name]
        self._save(profiles)

    def password_for(self, profile: Profile) -> str | None:
        if not profile.has_password:
            return None
        return self._secrets.get_password(profile.name)

    def _load(self) -> dict[str, Profile]:
        return read_entries(self._file, "profiles", "profiles", Profile.from_dict, key="name")

    def _save(self, profiles: dict[str, Profile]) -> None:
        entries = [profile.to_dict() for profile in profiles.values()]
        write_entries(self._file, "profiles", entries)


def _find(profiles: dict[str, Profile], name: str) -> Profile:
    if name not in profiles and looks_like_connection_string(name):
        # Never quote it back: it may hold a password (redact() would mask
        # it, but the user needs no echo of what they typed).
        raise UnknownProfile(
            "That looks like a database address, not a profile name. Lifeboat keeps the "
            "address and its password in a profile: add one with `lifeboat profile add NAME "
            "--url '...' --env development` (or production), then use NAME here."
        )
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none yet"
        raise UnknownProfile(f"There is no profile called {name!r} (profiles: {known}).")
    return profiles[name]


def _same_name(profiles: dict[str, Profile], name: str) -> str | None:
    # Names differing only in case would share one entry in Windows'
    # Credential Manager, which ignores case.
    return next((existing for existing in profiles if existing.casefold() == name.casefold()), None)
