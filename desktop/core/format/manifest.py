"""What a backup says about itself.

The manifest travels encrypted inside the backup file (the last record) and
is mirrored in the catalog, so a folder of backup files is enough to rebuild
the catalog on another machine.
"""
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Optional

FORMATS = ("custom", "plain", "directory")
KINDS = ("manual", "safety", "scheduled")
EXTENSIONS = {"custom": "dump", "plain": "sql", "directory": "dir"}
FILE_SUFFIX = ".lifeboat"


def utc_now(moment: Optional[datetime] = None) -> str:
    """`moment` (default: now) as the catalog and manifests write times."""
    return (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class BackupOptions:
    format: str = "custom"
    schema_only: bool = False
    data_only: bool = False
    tables: list[str] = field(default_factory=list)
    exclude_tables: list[str] = field(default_factory=list)
    no_owner: bool = False
    no_acl: bool = False
    jobs: int = 1

    def pg_dump_args(self) -> list[str]:
        args = []
        if self.schema_only:
            args.append("--schema-only")
        if self.data_only:
            args.append("--data-only")
        args += [f"--table={pattern}" for pattern in self.tables]
        args += [f"--exclude-table={pattern}" for pattern in self.exclude_tables]
        if self.no_owner:
            args.append("--no-owner")
        if self.no_acl:
            args.append("--no-acl")
        return args


@dataclass
class Manifest:
    backup_id: str
    profile: str
    environment: str
    database: str
    host: str
    port: int
    kind: str
    options: BackupOptions
    server_version: str
    server_version_num: int
    pg_dump_version: str
    started_at: str
    finished_at: Optional[str] = None
    compression: str = "zstd"
    row_counts: dict[str, int] = field(default_factory=dict)
    dump_bytes: int = 0
    lifeboat_version: str = ""
    schedule_id: Optional[str] = None   # the schedule that made it (kind "scheduled")
    # The roles the backup's objects name (owners, grantees; postgres/roles.py);
    # None in backups made before Lifeboat recorded them.
    roles: Optional[list[str]] = None
    # The same names by use: "owner", "grantee" (grants, default privileges), "policy".
    roles_used_as: dict[str, list[str]] = field(default_factory=dict)
    # Their `pg_dumpall --globals-only --no-role-passwords` statements, "" when
    # only the names could be read: then roles_names_only is true.
    roles_sql: str = ""
    roles_names_only: bool = False

    @property
    def format(self) -> str:
        return self.options.format

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Manifest":
        data = dict(data)
        data["options"] = BackupOptions(**data.get("options", {}))
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def backup_file_name(profile: str, started_at: str, format: str) -> str:
    stamp = started_at.replace("-", "").replace(":", "")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in profile) or "backup"
    return f"{safe}_{stamp}.{EXTENSIONS[format]}{FILE_SUFFIX}"
