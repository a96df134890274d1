"""A restore that needs SQL of its own around the archive, in one transaction.

pg_restore --single-transaction cannot run anything but the archive, so the
archive goes through `pg_restore --file=-` as a script, and psql runs
`before + script + after` under `-1 -v ON_ERROR_STOP=1`: all of it commits,
or none of it. Used by:
- replace (--replace, undo, full sync): `before` drops every user schema, so the
  database ends up holding exactly what the backup holds (pg_restore --clean
  only drops the objects the archive names; tables made since would stay);
- a table-by-table sync: `before` drops the links other tables have to the
  replaced ones, `after` adds them again, which re-checks every row.
"""
from dataclasses import replace
from subprocess import PIPE
from typing import Iterator

from ..backupfile import plaintext
from ..errors import UsageError
from ..pgprocess import ToolProcess
from ..pgtools import major_of
from .restore_modes import _FeederThread, _clean_sql, _may_stop_early, _pg_restore_options, _run_psql


def restore_through_script(opened, tools, env, server_num, profile, request, tracker, cancel) -> None:
    before = (_clean_sql(profile) if request.replace else b"") + request.sql_before.encode()
    after = request.sql_after.encode()
    server_major = major_of(server_num)
    if opened.manifest.format == "plain":
        def plain_script() -> Iterator[bytes]:
            yield before
            with plaintext(opened, lambda done: tracker.update(done=done, bytes_done=done)) as (blocks, _):
                yield from blocks
            yield after

        _run_psql(tools, env, profile, plain_script(), server_major, cancel)
        return
    if opened.manifest.format == "directory":
        raise UsageError("This kind of restore needs a backup in the custom or plain format, "
                         "not the directory format. Make a backup in the custom format, then try again.")
    # With replace the schemas are gone already: pg_restore's own DROPs would only add noise.
    options = _pg_restore_options(replace(request, clean=request.clean and not request.replace))
    argv = [tools.pg_restore, "--no-password", "--exit-on-error", "--file=-", *options]
    with ToolProcess(argv, env, stdin=PIPE) as producer:
        feeder = _FeederThread(opened, producer, tracker, cancel, _may_stop_early(request))

        def script() -> Iterator[bytes]:
            yield before
            yield from feeder.script()
            yield after

        _run_psql(tools, env, profile, script(), server_major, cancel, feeder)
