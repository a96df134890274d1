"""What a restore is asked to do (RestoreRequest) and what one restore carries
down the route it takes to the server (RestoreRun)."""
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from desktop.core.open_backup import OpenedBackup
from desktop.core.postgres.tools import PgTools
from desktop.core.progress import CancelToken, ProgressTracker
from desktop.core.store.profiles import Profile

ROLE_CHOICES = ("require", "create", "map-to-me")  # RestoreRequest.roles, decided in roles.py


@dataclass
class RestoreRequest:
    source: str
    into: str
    create: bool = False
    clean: bool = False
    tables: list[str] = field(default_factory=list)
    schema_only: bool = False
    data_only: bool = False
    no_owner: bool = False
    no_acl: bool = False
    jobs: int = 1
    confirm: Optional[str] = None
    # The target becomes exactly the backup: every user schema is dropped
    # first, in the same transaction (CLI --replace, undo, full sync).
    replace: bool = False
    # SQL run in the restore's own transaction before and after the archive
    # (a table-by-table sync drops and re-adds the links pointing at it).
    sql_before: str = ""
    sql_after: str = ""
    # A safety backup the caller already took (sync takes it as its first step).
    safety_backup_id: Optional[str] = None
    # Rewrites the SQL script on its way into psql (a refresh's masking:
    # masking/stream.py); only the psql routes (plain, --replace) apply it.
    script_filter: Optional[Callable[[Iterable[bytes]], Iterator[bytes]]] = field(default=None, repr=False)
    # Roles the backup names that the target lacks: "require" (stop), "create"
    # or "map-to-me" (roles.py); None: require into production, map-to-me otherwise.
    roles: Optional[str] = None


@dataclass(frozen=True)
class RestoreRun:
    """One restore on its way to the server: the opened backup, the target and
    the tools that fit it, the job's progress and cancel. The password stays
    out: the tools find it through `env` (a PGPASSFILE that ends with the job)."""
    opened: OpenedBackup
    request: RestoreRequest
    profile: Profile
    server_num: int
    tools: PgTools
    tracker: ProgressTracker
    cancel: CancelToken
    staging_dir: Path
    # The tools' environment (connection.child_env); exists only while the job writes.
    env: dict = field(default_factory=dict, repr=False)
