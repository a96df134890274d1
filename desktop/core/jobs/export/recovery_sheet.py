"""The plain-text sheet written next to an exported copy: what it is and how to get it back.

Whoever holds the drive in five years may not know what Lifeboat was. The
sheet says which database the file holds, when it was taken, and the two
ways back: Lifeboat's own restore, or `lifeboat decrypt` to a standard
pg_dump file. It never holds the passphrase, only where it is needed.
"""
from pathlib import Path

from desktop.core.durable import AtomicFile
from desktop.core.store.catalog import BackupRecord
from desktop.core.units import human_size

SHEET_SUFFIX = ".how-to-restore.txt"


def sheet_path(copy_path: Path) -> Path:
    return copy_path.with_name(copy_path.name + SHEET_SUFFIX)


def sheet_text(record: BackupRecord, files: list[Path], size: int, sha256: str, exported_at: str) -> str:
    names = "\n".join(f"    {path.name}" for path in files)
    split = (f"\nThe backup is split into {len(files)} numbered parts (for a FAT32 drive). Keep every "
             "part together in one folder; Lifeboat reads them as one file. Give Lifeboat the first "
             f"part, {files[0].name}.\n") if len(files) > 1 else ""
    restore_tool = {"custom": "pg_restore -d DATABASE database.dump",
                    "directory": "pg_restore -d DATABASE database.dir",
                    "plain": "psql -d DATABASE -f database.sql"}[record.format]
    out_name = {"custom": "database.dump", "directory": "database.dir", "plain": "database.sql"}[record.format]
    return f"""LIFEBOAT BACKUP - RECOVERY SHEET
================================

This folder holds an encrypted backup of a PostgreSQL database, made by
Lifeboat. Without the passphrase chosen when it was exported nobody can
read it. The passphrase is NOT written here or anywhere on this drive.

What it holds
    Database:        {record.database}
    Connection:      {record.profile} ({record.environment}), server {record.host or "local"}
    Backup taken:    {record.started_at} (UTC)
    Exported:        {exported_at} (UTC)
    Backup id:       {record.id}
    Tables / rows:   {len(record.row_counts)} tables, {record.total_rows:,} rows
    Format:          pg_dump {record.format} format, PostgreSQL {record.server_version or "?"}
    File(s):
{names}
    Size:            {human_size(size)} ({size:,} bytes)
    SHA-256:         {sha256}
{split}
How to restore it with Lifeboat (any computer)
    1. Install Lifeboat and connect this drive.
    2. In the window choose "Open backups from a drive...", pick this
       folder and type the passphrase. Or on the command line:
           lifeboat import "<this folder>" --passphrase-file FILE
    3. The backup appears in the list: choose Restore, pick the database
       to restore into, and follow the steps.

How to get a standard pg_dump file out of it (no Lifeboat restore needed)
    After step 2 above:
        lifeboat decrypt {record.id} --out {out_name}
        {restore_tool}

Keep the key of the computer that made it, too
    This copy opens with its passphrase alone. The backups kept on the
    computer itself open only with that installation's backup key, held in
    its keyring. Keep a recovery file of that key, protected by another
    passphrase, somewhere other than that computer:
        lifeboat key export --to FILE
    and, should the keyring lose it, put it back with
        lifeboat key import FILE

How the file is built (for a technician)
    A documented, chunked Fernet (AES-128-CBC + HMAC-SHA256) stream; the
    file's key is wrapped with a key derived from the passphrase by scrypt.
    The layout is described in Lifeboat's source, desktop/core/format/container.py.
"""


def write_sheet(target: Path, text: str) -> Path:
    with AtomicFile(target, exclusive=False) as out:
        out.write(text.encode("utf-8"))
        return out.commit()
