"""At start: remove the private servers and scratch databases interrupted
jobs left, and say so in the activity log.

Scratch files (staging, password files) are core/scratch.py's and go when
a Workspace opens; these go when a program starts with one (open_workspace:
the CLI's, the window's, off its GUI thread).
Without records (the usual case) it lists one empty folder and returns; it
connects to a server only when a record names a scratch database there
(inflight.py). The modules that remove each kind are imported only then:
they bring psycopg and the restore, a fifth of a second of every CLI start.
"""
import logging
import time

from desktop.core.errors import LifeboatError
from desktop.core.localpg import inflight
from desktop.core.store.audited import record_quietly
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.leftover_resources")


def open_workspace() -> Workspace:
    """The workspace as a program starts with it: what killed jobs left behind removed first."""
    ws = Workspace.open()
    remove_leftovers(ws)
    return ws


def remove_leftovers(ws: Workspace) -> list[str]:
    """What was removed, one sentence each. A resource that cannot be removed
    now (its server is down) keeps its record for the next start."""
    removed = []
    with inflight.abandoned(ws.paths.data_dir) as found:
        for record, claim in found:
            started = time.monotonic()
            try:
                message = _remover(record.kind)(ws, record)
            except LifeboatError as exc:
                log.warning("leftover %s not removed yet: %s | %s", record.kind, exc.message, exc.detail)
                continue
            claim.done()
            log.info("%s", message)
            removed.append(message)
            _audit(ws, record, message, time.monotonic() - started)
    return removed


def _remover(kind: str):
    if kind == inflight.PRIVATE_SERVER:
        from desktop.core.localpg.private_server import remove_leftover

        return lambda ws, record: remove_leftover(record)
    if kind == inflight.SCRATCH_DATABASE:
        from desktop.core.jobs.restore.scratch_db import remove_leftover_scratch

        return lambda ws, record: remove_leftover_scratch(ws.profiles, record)
    if kind == inflight.RESTORE_BUILD:
        from desktop.core.jobs.restore.parallel import remove_leftover_build

        return lambda ws, record: remove_leftover_build(ws.profiles, record)
    raise LifeboatError(f"An unknown kind of leftover ({kind}) was recorded by a newer Lifeboat.", detail=kind)


def _audit(ws, record: inflight.Record, message: str, duration: float) -> None:
    record_quietly(ws, "cleanup", result="ok", duration_s=duration, message=message,
                   profile=record.details.get("profile", ""), database=record.details.get("dbname", ""))
