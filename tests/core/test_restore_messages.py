"""pg_restore's and psql's errors become advice (recorded tool output, replayed by a real child process)."""
import shlex
import sys

import pytest

from desktop.core.jobs.restore.modes import explain_restore_failure
from desktop.core.postgres.process import ToolProcess

RECORDED = {
    "role": ('pg_restore: error: could not execute query: ERROR:  role "shop_owner" does not exist\n'
             'Command was: ALTER TABLE public.artist OWNER TO shop_owner;',
             ["shop_owner", "--no-owner"]),
    "owner": ("pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql",
              ["extension plpgsql", "--no-owner"]),
    "extension": ('pg_restore: error: could not execute query: ERROR:  extension "postgis" is not available',
                  ["postgis", "administrator"]),
    "control": ('psql:<stdin>:12: ERROR:  could not open extension control file '
                '"/usr/share/postgresql/15/extension/hstore.control": No such file or directory',
                ["hstore", "administrator"]),
    "permission": ("pg_restore: error: could not execute query: ERROR:  permission denied for schema public",
                   ["schema public", "owns the database"]),
    "exists": ('pg_restore: error: could not execute query: ERROR:  relation "artist" already exists',
               ["artist", "--replace"]),
    "depends": ("pg_restore: error: could not execute query: ERROR:  cannot drop function public.last_updated() "
                "because other objects depend on it",
                ["function public.last_updated()", "--replace"]),
}


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_recorded_failures_read_as_advice(case):
    stderr, expected = RECORDED[case]
    script = f"import sys; sys.stderr.write({stderr!r} + '\\n'); sys.exit(1)"
    with ToolProcess([sys.executable, "-c", script], env={}) as proc:
        code = proc.wait()
    error = explain_restore_failure(proc, code, atomic=True)
    assert "database is as it was before" in error.message
    for words in expected:
        assert words in error.message, (words, error.message)
    assert "ERROR:" not in error.message and shlex.quote(stderr) not in error.message
    assert stderr.splitlines()[0] in error.detail
