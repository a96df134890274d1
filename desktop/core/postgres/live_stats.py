"""What a database holds right now, for the "database stats" panel."""
from typing import Optional

from desktop.core.postgres.connection import connect
from desktop.core.postgres.snapshot import Table, count_rows, list_tables
from desktop.core.store.profiles import Profile


def list_profile_tables(profile: Profile, password: Optional[str]) -> list[Table]:
    with connect(profile, password) as conn:
        return list_tables(conn)


def current_row_counts(profile: Profile, password: Optional[str]) -> dict[str, int]:
    """Exact per-table counts, keyed like a backup's manifest (format('%I.%I'))."""
    with connect(profile, password) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return count_rows(conn, list_tables(conn))
