"""What a backup needs from a server before it can be restored there: its
extensions, and for a plain SQL script the roles it names.

Read before a test restore on the private server, so a missing extension is
named up front instead of failing midway (RELIABILITY.md: compare the
archive's EXTENSION entries from `pg_restore -l` with
`pg_available_extensions`). A custom archive's table of contents comes first
in the file, so `pg_restore -l` reads only the start of it. A plain script
has no table of contents: it is scanned once, line by line, for
`CREATE EXTENSION` and for the roles it makes owners or grantees of objects
(`ALTER ... OWNER TO`, `GRANT ... TO`, `REVOKE ... FROM`), which the private
server lacks. A directory-format backup is not read ahead: the restore
itself names a missing extension.
"""
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE

from desktop.core.errors import RestoreFailed
from desktop.core.open_backup import OpenedBackup, plaintext
from desktop.core.postgres.globals_sql import IDENT, roles_in_line, unquote
from desktop.core.postgres.process import ToolProcess
from desktop.core.postgres.tools import PgTools
from desktop.core.progress import CancelToken

# `pg_restore -l`: "dumpId; tableoid oid DESC schema name owner"; an
# extension has no schema ("-").
_TOC_EXTENSION = re.compile(r"^\d+; \d+ \d+ EXTENSION - (\S+)", re.MULTILINE)
_PLAIN_EXTENSION = re.compile(rf"^CREATE EXTENSION IF NOT EXISTS ({IDENT})")


@dataclass
class ArchiveNeeds:
    extensions: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)


def archive_needs(opened: OpenedBackup, tools: PgTools, staging_dir: Path, cancel: CancelToken) -> ArchiveNeeds:
    if opened.manifest.format == "custom":
        return ArchiveNeeds(extensions=_custom_extensions(opened, tools, staging_dir, cancel))
    if opened.manifest.format == "plain":
        return _scan_plain(opened, cancel)
    return ArchiveNeeds()


def _custom_extensions(opened, tools: PgTools, staging_dir: Path, cancel: CancelToken) -> set[str]:
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PG")}
    # The listing goes to a file: through a pipe, pg_restore could block
    # writing it while we block feeding it the rest of the archive.
    with tempfile.TemporaryFile(dir=staging_dir) as listing:
        with ToolProcess([tools.pg_restore, "--list"], env, stdin=PIPE, stdout=listing) as proc:
            with plaintext(opened) as (blocks, _):
                try:
                    for block in blocks:
                        cancel.raise_if_cancelled()
                        proc.stdin.write(block)
                    proc.stdin.close()
                except BrokenPipeError:
                    pass  # it had read the table of contents and stopped reading
            code = proc.wait()
        if code != 0:
            raise RestoreFailed("Lifeboat could not read the list of contents of this backup.",
                                detail=f"pg_restore --list exited {code}\n{proc.stderr_tail()}")
        listing.seek(0)
        text = listing.read().decode("utf-8", "replace")
    return set(_TOC_EXTENSION.findall(text))


def _scan_plain(opened, cancel: CancelToken) -> ArchiveNeeds:
    needs = ArchiveNeeds()
    rest = b""
    with plaintext(opened) as (blocks, _):
        for block in blocks:
            cancel.raise_if_cancelled()
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for line in lines:
                _scan_line(line, needs)
    _scan_line(rest, needs)
    return needs


def _scan_line(raw: bytes, needs: ArchiveNeeds) -> None:
    # Only statement lines pg_dump writes start with these words; COPY data
    # lines could too, but would then be taken for a role at worst.
    if not raw.startswith((b"CREATE EXTENSION", b"ALTER ", b"GRANT ", b"REVOKE ", b"SET SESSION")):
        return
    line = raw.decode("utf-8", "replace")
    match = _PLAIN_EXTENSION.match(line)
    if match:
        needs.extensions.add(unquote(match.group(1)))
        return
    needs.roles.update(roles_in_line(line))
