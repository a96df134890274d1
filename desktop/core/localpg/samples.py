"""The public sample databases Lifeboat ships for its demo and its tests:
Chinook (a digital media store) and Pagila (a DVD rental store).

The gzipped scripts live in `resources/samples/` (core.resources says
where that is in each kind of install); $LIFEBOAT_SAMPLES_DIR points at
another folder holding them.

Both scripts load through psql, the way their authors intend, into any
object with `major`, `create_database(name)` and `run_psql(dbname, text,
on_error_stop=...)`: a LocalCluster.
"""
import gzip
import os
import re
from pathlib import Path
from typing import Protocol

from desktop.core.errors import LifeboatError
from desktop.core.resources import resources_dir


class SqlTarget(Protocol):
    major: int

    def create_database(self, name: str, template: str | None = None) -> None: ...

    def run_psql(self, dbname: str, sql_file_or_text, *, on_error_stop: bool = True): ...


def samples_dir() -> Path:
    candidates = []
    if os.environ.get("LIFEBOAT_SAMPLES_DIR"):
        candidates.append(Path(os.environ["LIFEBOAT_SAMPLES_DIR"]))
    candidates.append(resources_dir() / "samples")
    for folder in candidates:
        if (folder / "chinook.sql.gz").is_file():
            return folder
    raise LifeboatError(
        "The sample databases are missing from this installation of Lifeboat. "
        "Reinstall it, or point LIFEBOAT_SAMPLES_DIR at the folder holding chinook.sql.gz.",
        "looked in: " + ", ".join(str(c) for c in candidates),
    )


def read_sample(name: str) -> str:
    with gzip.open(samples_dir() / f"{name}.gz", "rt", encoding="utf-8") as script:
        return script.read()


# Chinook's script makes its own database: "DROP DATABASE IF EXISTS chinook;
# CREATE DATABASE chinook; \c chinook;". Those lines go, so the tables land in
# the database we name and no database called chinook is touched.
_CHINOOK_OWN_DATABASE = re.compile(
    r"^(DROP DATABASE IF EXISTS chinook;|CREATE DATABASE chinook;|\\c chinook;?)[ \t]*$",
    re.MULTILINE,
)


def load_chinook(target: SqlTarget, dbname: str = "chinook") -> None:
    script, removed = _CHINOOK_OWN_DATABASE.subn("", read_sample("chinook.sql"))
    if removed != 3:
        raise LifeboatError(
            "The Chinook sample script is not the version Lifeboat knows.",
            f"expected 3 database-switching lines, found {removed}",
        )
    target.create_database(dbname)
    target.run_psql(dbname, script, on_error_stop=True)


# Pagila's schema was written by pg_dump 17 for a server with a `postgres`
# role. Our clusters' superuser has another name, so "ALTER ... OWNER TO
# postgres" statements are blanked (what pg_restore --no-owner does: the
# loading user owns everything). Blank lines keep psql's line numbers equal
# to the file's.
_PAGILA_OWNER = re.compile(r"^ALTER [^\n]* OWNER TO postgres;$", re.MULTILINE)

# Statements PostgreSQL < 17 rejects: the transaction_timeout setting and the
# JSON_TABLE view, both PostgreSQL 17 features. Each is tolerated there, by the
# first line of the statement that may fail.
_PAGILA_NEEDS_17 = (
    "SET transaction_timeout = 0;",
    "CREATE VIEW public.films_per_customer_rental AS",
)

_PSQL_ERROR_AT = re.compile(r"^psql:<stdin>:(\d+): ERROR:")


def load_pagila(target: SqlTarget, dbname: str = "pagila") -> None:
    schema = _PAGILA_OWNER.sub("", read_sample("pagila-schema.sql"))
    target.create_database(dbname)
    # Without ON_ERROR_STOP psql goes on past the known failures; every error
    # it printed is then checked against them.
    result = target.run_psql(dbname, schema, on_error_stop=False)
    tolerated = _tolerated_lines(schema) if target.major < 17 else set()
    unexpected = unexpected_errors(result.stderr, tolerated)
    if unexpected:
        raise LifeboatError(
            "The Pagila sample schema did not load.",
            f"{len(unexpected)} unexpected error(s):\n{result.stderr[-4000:]}",
        )
    target.run_psql(dbname, read_sample("pagila-data.sql"), on_error_stop=True)


def unexpected_errors(psql_stderr: str, tolerated_lines: set[int]) -> list[str]:
    """psql's ERROR/FATAL lines, except errors at a tolerated script line.
    A line psql words differently than "psql:<stdin>:N: ERROR:" counts as
    unexpected: better a false alarm than a half-loaded sample."""
    unexpected = []
    for line in psql_stderr.splitlines():
        if "ERROR:" not in line and "FATAL:" not in line:
            continue
        at = _PSQL_ERROR_AT.match(line)
        if not at or int(at.group(1)) not in tolerated_lines:
            unexpected.append(line)
    return unexpected


def _tolerated_lines(script: str) -> set[int]:
    """1-based line numbers of the statements in _PAGILA_NEEDS_17, from their
    first line to the one ending with ';' (psql reports either)."""
    lines = script.splitlines()
    tolerated: set[int] = set()
    for number, line in enumerate(lines, start=1):
        if line.startswith(_PAGILA_NEEDS_17):
            end = number
            while not lines[end - 1].rstrip().endswith(";"):
                end += 1
            tolerated.update(range(number, end + 1))
    return tolerated
