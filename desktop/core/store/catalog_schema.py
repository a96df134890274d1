"""The catalog's tables, as the list of migrations that builds them: a
catalog at user_version N runs the scripts after the Nth (Catalog._migrate)."""

MIGRATIONS = [
    """
    CREATE TABLE backups (
        id TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        environment TEXT NOT NULL,
        database TEXT NOT NULL,
        host TEXT NOT NULL DEFAULT '',
        port INTEGER NOT NULL DEFAULT 5432,
        status TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'manual',
        format TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        path TEXT,
        size_bytes INTEGER,
        sha256 TEXT,
        file_id TEXT,
        server_version TEXT,
        pg_dump_version TEXT,
        options TEXT NOT NULL DEFAULT '{}',
        row_counts TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        owner_pid INTEGER,
        owner_started REAL,
        proven_restorable_at TEXT
    );
    CREATE INDEX backups_profile ON backups(profile, started_at);
    CREATE TABLE copies (
        backup_id TEXT NOT NULL REFERENCES backups(id) ON DELETE CASCADE,
        location TEXT NOT NULL,
        created_at TEXT NOT NULL,
        verified_at TEXT,
        PRIMARY KEY (backup_id, location)
    );
    """,
    # Trash and exported copies' own facts: a copy has
    # its own header, hence its own size and checksum, and may be split.
    """
    ALTER TABLE backups ADD COLUMN deleted_at TEXT;
    ALTER TABLE copies ADD COLUMN size_bytes INTEGER;
    ALTER TABLE copies ADD COLUMN sha256 TEXT;
    ALTER TABLE copies ADD COLUMN parts INTEGER NOT NULL DEFAULT 1;
    """,
    # A safety backup is held (kept from delete and expiry) until the
    # production write it can undo was verified; the reason says which write.
    """
    ALTER TABLE backups ADD COLUMN held_for TEXT;
    """,
    # A note people give a backup ("before the 3.2 migration"). Kept in the
    # catalog only: a catalog rebuilt from the files has none.
    """
    ALTER TABLE backups ADD COLUMN label TEXT NOT NULL DEFAULT '';
    """,
    # A scheduled backup names the schedule that made it (schedule/run_due.py).
    "ALTER TABLE backups ADD COLUMN schedule_id TEXT;",
    # A year of hourly backups: the window's list reads its newest page, and each
    # connection's last good backup, from an index rather than every row.
    """
    CREATE INDEX backups_newest ON backups(started_at, id) WHERE deleted_at IS NULL;
    CREATE INDEX backups_last_good ON backups(profile, finished_at)
        WHERE status = 'completed' AND deleted_at IS NULL;
    """,
]
