"""--clean when objects outside the backup depend on objects in it.

pg_restore --clean drops what the archive names, and stops when something
the archive does not hold depends on it: a table of the target's own with a
foreign key into `customer` ("cannot drop constraint customer_pkey ...
because other objects depend on it"), a view on `customer`. Such objects
are kept, as they were, in the restore's one transaction:
- a foreign key into a replaced table is dropped before and added again
  after (restore_links); adding it re-checks every row;
- a view or materialized view on a replaced table (or on such a view) is
  dropped before and made again after from `pg_dump --table` of the target,
  taken just before: its definition, comments, grants, triggers, and a
  materialized view's rows (REFRESH).
If one cannot be made again (the backup's table lacks a column a view uses,
rows point at rows the backup does not have), the restore fails and nothing
changes. Which views the archive holds is read from its table of contents
(`pg_restore --list`, which stops reading after the TOC at the file's start),
so only custom-format backups get this; other objects that depend on the
archive's (triggers or defaults using its functions, columns of its types)
still stop --clean, as they stop pg_restore: --replace takes everything away.
"""
from dataclasses import replace
from subprocess import PIPE
from typing import Optional

from desktop.core.errors import RestoreFailed
from desktop.core.jobs.restore.checks import expected_counts
from desktop.core.jobs.restore.links import incoming_links
from desktop.core.jobs.restore.modes import FeederThread, dbname_arg, pg_restore_options, tool_output
from desktop.core.jobs.restore.request import RestoreRequest, RestoreRun
from desktop.core.postgres.connection import connect
from desktop.core.postgres.process import ToolProcess
from desktop.core.progress import ProgressTracker, ignore_progress

_DEPENDENT_VIEWS = """
WITH RECURSIVE dependent(oid) AS (
    SELECT r.ev_class FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
    WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid = ANY(ARRAY(SELECT to_regclass(key) FROM unnest(%(tables)s::text[]) key))
      AND r.ev_class <> d.refobjid
  UNION
    SELECT r.ev_class FROM dependent v
    JOIN pg_depend d ON d.refobjid = v.oid AND d.refclassid = 'pg_class'::regclass
    JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
    WHERE r.ev_class <> v.oid
)
SELECT DISTINCT n.nspname, c.relname, c.relkind, format('%%I.%%I', n.nspname, c.relname)
FROM dependent v JOIN pg_class c ON c.oid = v.oid JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY 4
"""
_KIND = {"v": "VIEW", "m": "MATERIALIZED VIEW"}


def keep_outside_dependents(run: RestoreRun, password: Optional[str]) -> RestoreRequest:
    """The run's request, with SQL that keeps what depends on the archive from outside it."""
    request, tools, env, profile = run.request, run.tools, run.env, run.profile
    tables = list(expected_counts(run.opened.manifest, request.tables))
    listing = _archive_listing(run)
    with connect(profile, password) as conn:
        links = incoming_links(conn, tables)
        views = [(key, kind) for schema, name, kind, key in conn.execute(_DEPENDENT_VIEWS, {"tables": tables})
                 if f" {_KIND[kind]} {schema} {name} " not in listing]
    if not links and not views:
        return request
    before = "".join(link.drop_sql() for link in links)
    before += "".join(f"DROP {_KIND[kind]} IF EXISTS {key} CASCADE;\n" for key, kind in views)
    after = "".join(link.add_sql() for link in links)
    if views:
        after += _dump_views(tools, env, profile, [key for key, _ in views])
    return replace(request, sql_before=request.sql_before + before, sql_after=request.sql_after + after)


def _archive_listing(run: RestoreRun) -> str:
    options = [option for option in pg_restore_options(run.request) if option not in ("--clean", "--if-exists")]
    with ToolProcess([run.tools.pg_restore, "--list", *options], run.env, stdin=PIPE) as lister:
        feeder = FeederThread(run.opened, lister, ProgressTracker(ignore_progress), run.cancel,
                              may_stop_early=True, drain=False)
        listing = b"".join(tool_output(lister))
        feeder.complete(run.cancel)
    return listing.decode("utf-8", "replace")


def _dump_views(tools, env, profile, keys: list[str]) -> str:
    # format('%I.%I') quotes every name holding more than lowercase letters,
    # digits and underscores, and inside double quotes -t takes each character literally.
    argv = [tools.pg_dump, "--no-password", dbname_arg(profile.dbname), *(f"--table={key}" for key in keys)]
    with ToolProcess(argv, env) as dumper:
        script = dumper.stdout.read()
        code = dumper.wait()
    if code != 0:
        raise RestoreFailed(
            "Lifeboat could not save the views of the target that depend on the tables being "
            "replaced, so it changed nothing. Restore with 'Replace everything' (--replace) instead.",
            detail=dumper.stderr_tail())
    return script.decode("utf-8")
