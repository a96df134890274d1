"""A restore that runs as a script through psql, in one transaction Lifeboat commits.

pg_restore --single-transaction cannot run anything but the archive, so the
archive goes through `pg_restore --file=-` as a script, and psql runs
`before + script + after` in one transaction (psql.py): all of it
commits, or none of it. Used by:
- --replace (also undo and a whole-database sync): `before` is wipe_sql(),
  so the database ends up holding exactly what the backup holds
  (pg_restore --clean only drops the objects the archive names);
- a table-by-table sync: `before` drops the links other tables have to the
  replaced ones, `after` adds them again, which re-checks every row;
- PostgreSQL >= 17 tools into a server <= 16 (modes.needs_script_route).

A directory-format backup is decrypted into the private staging folder
first (pg_restore reads a directory, not a pipe) and then goes the same way.
--jobs is not used here: parallel workers would each commit on their own,
and a replace must be all or nothing, so it runs in one transaction. A
development database nothing else uses is replaced by a copy built beside
with parallel workers instead (swap.py), which wipe_sql() also empties first.
"""
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from subprocess import DEVNULL, PIPE

from desktop.core.jobs.restore.modes import (
    FeederThread,
    check_exit,
    decrypt_into,
    may_stop_early,
    pg_restore_options,
    tool_output,
)
from desktop.core.jobs.restore.psql import run_psql
from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.postgres.process import ToolProcess, widen_pipe
from desktop.core.scratch import job_folder

# Everything that a backup could hold goes first, in the restore's own
# transaction: event triggers (they would fire on the drops below),
# publications, large objects (not in any schema; the backup's lo_create
# would fail on an OID still in use), every user schema with what depends on
# it, then the extensions left (those in pg_catalog; built-in ones such as
# plpgsql, OID < 16384, stay: pg_dump never dumps them). `public` is made
# anew with its owner, grants and comment: pg_dump assumes it exists.
# Not dropped: subscriptions (DROP SUBSCRIPTION cannot run in a transaction
# block), roles and tablespaces (not the database's own).
_WIPE = b"""DO $lifeboat$
DECLARE s text; owner text; acl aclitem[]; note text; g record;
BEGIN
  FOR s IN SELECT evtname FROM pg_event_trigger LOOP
    EXECUTE format('DROP EVENT TRIGGER %I', s);
  END LOOP;
  FOR s IN SELECT pubname FROM pg_publication LOOP
    EXECUTE format('DROP PUBLICATION %I', s);
  END LOOP;
  PERFORM pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata;
  SELECT nspowner::regrole::text, nspacl, obj_description(oid, 'pg_namespace')
    INTO owner, acl, note FROM pg_namespace WHERE nspname = 'public';
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  FOR s IN SELECT extname FROM pg_extension WHERE oid >= 16384 LOOP
    EXECUTE format('DROP EXTENSION IF EXISTS %I CASCADE', s);
  END LOOP;
  IF owner IS NOT NULL THEN
    EXECUTE format('CREATE SCHEMA public AUTHORIZATION %s', owner);
    EXECUTE format('COMMENT ON SCHEMA public IS %L', note);
    FOR g IN SELECT grantee, privilege_type FROM aclexplode(acl) LOOP
      EXECUTE format('GRANT %s ON SCHEMA public TO %s', g.privilege_type,
                     CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
    END LOOP;
  END IF;
END $lifeboat$;
"""


def wipe_sql() -> bytes:
    """SQL that leaves the database holding nothing a backup could hold."""
    return _WIPE


def restore_through_script(run: RestoreRun, sections: Sequence[str] = (), stops_early: bool = False) -> None:
    """`sections` and `stops_early` as for modes.restore_custom_stream (a custom archive)."""
    request = run.request
    before = (wipe_sql() if request.replace else b"") + request.sql_before.encode()
    after = request.sql_after.encode()
    # With replace everything is gone already: pg_restore's own DROPs would only add noise.
    options = pg_restore_options(replace(request, clean=request.clean and not request.replace))
    argv = [run.tools.pg_restore, "--no-password", "--exit-on-error", "--file=-", *options, *sections]
    if run.opened.manifest.format == "directory":
        with job_folder(run.staging_dir) as staging:
            run.tracker.update(phase="Decrypting to a private temporary file")
            decrypt_into(run, Path(staging) / "archive")
            run.tracker.update(phase="Restoring")
            with ToolProcess([*argv, Path(staging) / "archive"], run.env, stdin=DEVNULL) as producer:
                def produced() -> None:
                    check_exit(producer, producer.wait(), run.cancel, finished=True)

                _psql(run, before, tool_output(producer), after, produced)
        return
    with ToolProcess(argv, run.env, stdin=PIPE) as producer:
        widen_pipe(producer.stdin)
        widen_pipe(producer.stdout)
        stops = stops_early or may_stop_early(request)
        feeder = FeederThread(run.opened, producer, run.tracker, run.cancel, stops, drain=stops)
        _psql(run, before, feeder.script(), after, lambda: feeder.complete(run.cancel))


def _psql(run: RestoreRun, before: bytes, body: Iterator[bytes], after: bytes,
          before_commit: Callable[[], None]) -> None:
    def script() -> Iterator[bytes]:
        yield before
        yield from body
        yield after

    run_psql(run, script(), before_commit)
