"""The databases a restore makes for itself on a real server (a test restore's
scratch database, a new database being built): creating and dropping one,
and dropping one a killed Lifeboat left (leftovers.py finds them at start)."""
from dataclasses import replace
from typing import Optional

import psycopg
from psycopg import sql

from desktop.core.errors import RestoreFailed, UnknownProfile
from desktop.core.localpg import inflight
from desktop.core.postgres.connection import connect
from desktop.core.store.profiles import Profile, ProfileStore

_FORCE_FROM = 130000  # DROP DATABASE ... WITH (FORCE) exists from PostgreSQL 13


def create_database(profile: Profile, password: Optional[str]) -> None:
    with connect(profile, password, dbname="postgres") as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(profile.dbname)))
        except psycopg.Error as exc:
            raise RestoreFailed(
                f"Lifeboat could not create the database {profile.dbname}: the user {profile.user} "
                "may not be allowed to create databases. Ask an administrator to create it, then try again.",
                detail=str(exc),
            ) from exc


def database_exists(profile: Profile, password: Optional[str]) -> bool:
    with connect(profile, password, dbname="postgres") as conn:
        return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = %s)",
                            (profile.dbname,)).fetchone()[0]


def drop_scratch(scratch: Profile, password: Optional[str]) -> None:
    with connect(scratch, password, dbname="postgres") as conn:
        force = " WITH (FORCE)" if conn.info.server_version >= _FORCE_FROM else ""
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(scratch.dbname)))
        except psycopg.Error as exc:
            raise RestoreFailed(
                f"Lifeboat could not remove the test database {scratch.dbname} on {scratch.host}. "
                "Ask an administrator to drop it.", detail=str(exc)) from exc


def remove_leftover_scratch(profiles: ProfileStore, record: inflight.Record) -> str:
    """Drops a scratch database a killed test restore left; returns what it did, in words."""
    details = record.details
    where = f"{details['host']}:{details['port']}"
    try:
        host = profiles.get(details["profile"])
    except UnknownProfile:
        return (f"The test database {details['dbname']} on {where} was left by an interrupted test restore, "
                f"and its connection \"{details['profile']}\" was removed since: ask an administrator to drop it.")
    drop_scratch(replace(host, dbname=details["dbname"]), profiles.password_for(host))
    return f"Removed the test database {details['dbname']} on {where}, left by an interrupted test restore."
