"""Connecting to a profile's server, testing it, and the environment that
lets pg_dump, pg_restore and psql connect the same way.

The password travels as a separate keyword to libpq or in a private 0600
PGPASSFILE (memory-only on Linux): never in argv, a URI, PGPASSWORD (visible
to other users on some systems) or a message (RELIABILITY.md, "pg_dump /
pg_restore / psql").
"""
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from desktop.core.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    DatabaseMissing,
    InvalidProfile,
    ServerUnreachable,
    ToolsNotFound,
)
from desktop.core.postgres.tools import PgTools, major_of, tools_for_server
from desktop.core.scratch import inherited_fds, memory_file, memory_files_exist, private_file_path
from desktop.core.store.profiles import Profile

CONNECT_TIMEOUT = 10
APPLICATION_NAME = "Lifeboat"

# libpq reports failures to connect as text without a SQLSTATE; these
# fragments are its wording (fe-connect.c) and the server's (auth.c).
_UNREACHABLE = (
    "connection refused", "timeout expired", "could not translate host name",
    "failed to resolve host",  # psycopg resolves names itself before libpq
    "name or service not known", "no route to host", "network is unreachable",
    "temporary failure in name resolution", "nodename nor servname",
    "no such host is known", "no such file or directory", "connection timed out",
    "the database system is starting up", "the database system is shutting down",
)
_BAD_PASSWORD = ("password authentication failed", "authentication failed for user")


def connect(
    profile: Profile, password: str | None, *, dbname: str | None = None, autocommit: bool = True
) -> psycopg.Connection:
    """A connection to the profile's database (or `dbname`); failures come
    back as ConnectionFailed subclasses with a readable message."""
    params = dict(
        host=profile.host, port=profile.port, dbname=dbname or profile.dbname,
        user=profile.user, connect_timeout=CONNECT_TIMEOUT, application_name=APPLICATION_NAME,
    )
    if password is not None:
        params["password"] = password
    if profile.sslmode:
        params["sslmode"] = profile.sslmode
    if profile.sslrootcert:
        params["sslrootcert"] = profile.sslrootcert
    try:
        return psycopg.connect(autocommit=autocommit, **params)
    except psycopg.Error as exc:
        raise explain_connection_error(exc, profile, dbname=dbname) from exc


MAINTENANCE_DATABASES = ("postgres", "template1")


def connect_to_server(profile: Profile, password: str | None) -> tuple[psycopg.Connection, bool]:
    """A connection to the profile's database, or when that does not exist
    (yet) to the server's maintenance database; and whether it exists."""
    try:
        return connect(profile, password), True
    except DatabaseMissing as missing:
        for dbname in MAINTENANCE_DATABASES:
            try:
                return connect(profile, password, dbname=dbname), False
            except DatabaseMissing:
                continue
        raise missing


def explain_connection_error(exc: psycopg.Error, profile: Profile, *, dbname: str | None = None) -> ConnectionFailed:
    server = f"{profile.host}:{profile.port}"
    dbname = dbname or profile.dbname
    text = str(exc)
    lowered = text.lower()
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate == "28P01" or any(s in lowered for s in _BAD_PASSWORD):
        return AuthenticationFailed(
            f"The password for user {profile.user} on {profile.host} was refused. "
            f"Check it in the profile \"{profile.name}\" (and that the user name is right).",
            detail=text,
        )
    if "no password supplied" in lowered:
        return AuthenticationFailed(
            f"The server {profile.host} asks for a password for user {profile.user}, and the "
            f"profile \"{profile.name}\" has none. Enter the password in the profile.",
            detail=text,
        )
    if sqlstate == "3D000" or re.search(r'database ".*" does not exist', lowered):
        return DatabaseMissing(
            f"The database {dbname} does not exist on {profile.host}. Check the database "
            f"name in the profile \"{profile.name}\", or create the database first.",
            detail=text,
        )
    ssl = _explain_ssl(text, profile)
    if ssl:
        return ConnectionFailed(ssl, detail=text)
    if sqlstate == "28000" or "pg_hba.conf" in lowered or re.search(r'role ".*" does not exist', lowered):
        return AuthenticationFailed(
            f"The server {profile.host} does not let user {profile.user} log in to {dbname} "
            "from this computer. Check the user name in the profile, or ask the database's "
            "administrator to allow this login.",
            detail=text,
        )
    if sqlstate == "53300" or "too many clients" in lowered or "remaining connection slots" in lowered:
        return ConnectionFailed(
            f"The server at {server} has no free connections right now. "
            "Try again in a few minutes, or ask its administrator.",
            detail=text,
        )
    if any(s in lowered for s in _UNREACHABLE):
        return ServerUnreachable(
            f"Lifeboat cannot reach the server at {server}. Check the address and port in "
            f"the profile \"{profile.name}\", that the server is running, and that a VPN or "
            "firewall is not blocking the connection.",
            detail=text,
        )
    return ConnectionFailed(
        f"Connecting to {profile.display_target()} failed. The server said: {_first_line(text)}",
        detail=text,
    )


def _explain_ssl(text: str, profile: Profile) -> str | None:
    lowered = text.lower()
    if "server does not support ssl" in lowered:
        return (
            f"The server at {profile.host} does not offer an encrypted (SSL) connection, "
            f"but the profile \"{profile.name}\" requires one. Ask the server's administrator "
            "to enable SSL, or lower the SSL mode of the profile if the network is trusted."
        )
    if "no encryption" in lowered and "pg_hba.conf" in lowered:
        return (
            f"The server at {profile.host} accepts only encrypted connections. "
            f"Set the SSL mode of the profile \"{profile.name}\" to \"require\"."
        )
    if "root certificate file" in lowered and "does not exist" in lowered:
        return _missing_root_certificate(text, profile)
    if "certificate" in lowered and ("verify" in lowered or "does not match" in lowered
                                     or "root certificate" in lowered):
        return (
            f"The certificate of the server at {profile.host} could not be verified, so "
            "Lifeboat did not trust the connection. Check the root certificate and SSL mode "
            f"in the profile \"{profile.name}\" (the host name must match the certificate)."
        )
    return None


def _missing_root_certificate(text: str, profile: Profile) -> str:
    if profile.sslrootcert:
        return (
            f"The root certificate file {profile.sslrootcert} named in the profile "
            f"\"{profile.name}\" does not exist. Check its path."
        )
    # No file named: libpq looked in its default place (~/.postgresql/root.crt).
    found = re.search(r'root certificate file "([^"]+)"', text)
    default = f" ({found.group(1)})" if found else ""
    return (
        f"The profile \"{profile.name}\" asks Lifeboat to check the server's certificate (SSL mode "
        f"{profile.sslmode}), but names no root certificate file to check it with, and there is none in "
        f"the default place{default}. Choose the root certificate file your database provider gives you "
        "in the profile (--sslrootcert on the command line), or set the SSL mode to \"require\"."
    )


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


@dataclass
class ConnectionReport:
    server_version: str
    server_version_num: int
    database_size_bytes: int
    can_write: bool
    in_recovery: bool
    tools: PgTools | None
    warnings: list[str] = field(default_factory=list)
    # With the "can change data" warning: the SQL for whoever runs the database
    # to make a login that can only read (shown on request, not in the warning).
    read_only_sql: str | None = None


# True when the role could change data: superuser, a write privilege on any
# table or view, CREATE on a schema or on the database itself.
_CAN_WRITE = """
SELECT r.rolsuper
    OR EXISTS (
        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'f')
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
          AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
    OR EXISTS (
        SELECT 1 FROM pg_namespace n
        WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
          AND has_schema_privilege(n.oid, 'CREATE'))
    OR has_database_privilege(current_database(), 'CREATE')
FROM pg_roles r WHERE r.rolname = current_user
"""

_FACTS = """
SELECT current_setting('server_version'), current_setting('server_version_num')::int,
       pg_database_size(current_database()), pg_is_in_recovery()
"""


def test_connection(profile: Profile, password: str | None, extra_tool_dirs=()) -> ConnectionReport:
    """Connect and gather what the "Test connection" button shows.

    Tools that are missing or too old become a warning, not an error, so
    the user still sees the server's facts."""
    with connect(profile, password) as conn:
        try:
            version, version_num, size, in_recovery = conn.execute(_FACTS).fetchone()
            can_write = bool(conn.execute(_CAN_WRITE).fetchone()[0])
        except psycopg.Error as exc:
            raise explain_connection_error(exc, profile) from exc
    warnings = []
    tools = None
    try:
        tools = tools_for_server(version_num, extra_tool_dirs)
    except ToolsNotFound as exc:
        warnings.append(exc.message)
    read_only_sql = None
    if profile.is_production and can_write:
        warnings.append(
            f"The production connection \"{profile.name}\" logs in as {profile.user}, who can change data. "
            "Backups only need to read, so a login that can only read is safer."
        )
        read_only_sql = _read_only_sql(version_num)
    if in_recovery:
        # Recovery conflicts cancel long queries on a standby after 30 s by
        # default (max_standby_streaming_delay), which a long dump is.
        warnings.append(
            "This server is a standby (read-only replica). Long backups from a standby can "
            "be cancelled by replication; back up from the primary server if you can."
        )
    if "-pooler" in profile.host:
        # Transaction poolers (Neon's -pooler hosts, PgBouncer) break the
        # exported snapshot that pg_dump and the row counts share.
        warnings.append(
            f"{profile.host} looks like a connection pooler. For backups use the direct "
            "host name (without \"-pooler\")."
        )
    return ConnectionReport(
        server_version=version, server_version_num=version_num, database_size_bytes=size,
        can_write=can_write, in_recovery=in_recovery, tools=tools, warnings=warnings,
        read_only_sql=read_only_sql,
    )


# The name starts with "test": keep pytest from collecting it where imported.
test_connection.__test__ = False


def _read_only_sql(server_version_num: int) -> str:
    if major_of(server_version_num) >= 14:
        return "CREATE ROLE backup_reader LOGIN PASSWORD '...' IN ROLE pg_read_all_data;"
    # pg_read_all_data arrived in PostgreSQL 14
    return ("CREATE ROLE backup_reader LOGIN PASSWORD '...';\n"
            "GRANT USAGE ON SCHEMA public TO backup_reader;\n"
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO backup_reader;\n"
            "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO backup_reader;\n"
            "-- and the same grants for each other schema")


@contextmanager
def child_env(profile: Profile, password: str | None, base_env=os.environ,
              private_dir: Path | None = None) -> Iterator[dict]:
    """Environment for pg_dump, pg_restore and psql to connect to the profile.

    Every inherited PG* variable is dropped first: PGPASSWORD, PGSERVICE or
    PGOPTIONS from the user's shell must not change where or how the tools
    connect. The password goes into a PGPASSFILE that ends with the block
    (see password_file); run the tools with `passfile_fds(env)` passed on."""
    env = {key: value for key, value in base_env.items() if not key.upper().startswith("PG")}
    env.update(
        PGHOST=profile.host, PGPORT=str(profile.port), PGUSER=profile.user,
        PGDATABASE=profile.dbname, PGCONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        PGAPPNAME=APPLICATION_NAME,
    )
    if profile.sslmode:
        env["PGSSLMODE"] = profile.sslmode
    if profile.sslrootcert:
        env["PGSSLROOTCERT"] = profile.sslrootcert
    if password is None:
        yield env
        return
    with password_file(password, private_dir) as passfile:
        env["PGPASSFILE"] = passfile
        yield env


@contextmanager
def password_file(password: str, private_dir: Path | None = None) -> Iterator[str]:
    """The path of a 0600 .pgpass file holding `password`, gone when the block ends.

    On Linux a memory-only file (memfd) that the tools open as /dev/fd/N:
    nothing reaches a disk, and a `kill -9` leaves nothing behind, as the
    kernel frees it with the last process holding it. libpq accepts it: it
    stat()s a regular 0600 file (tested with the 15 and 18 tools). Elsewhere
    a file in `private_dir` named after this process, which the next start
    removes should a crash skip the `finally` (leftovers.clean_at_start)."""
    line = pgpass_line(password).encode("utf-8")
    if memory_files_exist():
        with memory_file("lifeboat-pgpass", line) as path:
            yield path
        return
    folder = private_dir or Path(tempfile.gettempdir()) / "lifeboat-private"
    passfile = private_file_path(folder, f"pgpass-{secrets.token_hex(8)}")
    try:
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(line)
        yield str(passfile)
    finally:
        passfile.unlink(missing_ok=True)


def passfile_fds(env: dict) -> tuple[int, ...]:
    """The descriptor a child must inherit for the memory-only PGPASSFILE (if any)."""
    return inherited_fds(env.get("PGPASSFILE", ""))


def pgpass_line(password: str) -> str:
    """A .pgpass line matching any host, port, database and user.

    Wildcards, because pg_restore --create first connects to another
    database than the profile's. Fields are ':'-separated; '\\' escapes ':'
    and itself (PostgreSQL docs, "The Password File")."""
    if "\n" in password or "\r" in password:
        raise InvalidProfile(
            "The stored password contains a line break, which the PostgreSQL tools cannot "
            "use. Set a password without one."
        )
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"*:*:*:*:{escaped}\n"
