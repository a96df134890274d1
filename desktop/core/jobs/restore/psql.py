"""Running a script through psql in one transaction that only Lifeboat can commit.

psql is NOT started with `-1`: `psql -1` commits when its input ends, so a
Lifeboat killed mid-restore (its end of the pipe closed by the kernel)
would commit half a database. Instead Lifeboat writes `BEGIN;`
first and `COMMIT;` last, and only once everything checked out: every
chunk of the file authenticated, the producer (`pg_restore --file=-`)
exited 0, and the file's SHA-256 is the one the catalog recorded. When the
input ends any other way psql exits and the server rolls the transaction
back; ON_ERROR_STOP makes psql stop at the first failed statement.

pg_dump's own BEGIN;/COMMIT; around large objects are dropped on the way
(sqlfilter), or that COMMIT would end Lifeboat's transaction early.
"""
from collections.abc import Callable, Iterator
from subprocess import DEVNULL, PIPE

from desktop.core.jobs.restore.modes import STALL_SECONDS, check_exit, checked_plaintext, dbname_arg
from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.postgres.process import ToolProcess, Watchdog, widen_pipe
from desktop.core.postgres.sqlfilter import one_transaction_script
from desktop.core.postgres.tools import PgTools, major_of
from desktop.core.store.profiles import Profile

_BEGIN = b"BEGIN;\n"
_COMMIT = b"COMMIT;\n"


def _psql_argv(tools: PgTools, profile: Profile) -> list:
    # -X: no ~/.psqlrc. ON_ERROR_STOP: stop at the first error (without it
    # psql goes on and may exit 0: pgbackweb #42).
    return [tools.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password", dbname_arg(profile.dbname)]


def run_psql(run: RestoreRun, script: Iterator[bytes], before_commit: Callable[[], None] = lambda: None) -> None:
    """Runs `script` in one transaction; `before_commit` raises to keep it from committing."""
    cancel, server_major = run.cancel, major_of(run.server_num)
    if run.request.script_filter is not None:
        script = run.request.script_filter(script)
    with ToolProcess(_psql_argv(run.tools, run.profile), run.env, stdin=PIPE, stdout=DEVNULL) as psql:
        widen_pipe(psql.stdin)
        committed = False
        with Watchdog(psql, cancel, STALL_SECONDS) as watchdog:
            try:
                psql.stdin.write(_BEGIN)
                for block in one_transaction_script(script, server_major):
                    watchdog.touch()
                    cancel.raise_if_cancelled()
                    psql.stdin.write(block)
                before_commit()
                cancel.raise_if_cancelled()
                psql.stdin.write(_COMMIT)
                psql.stdin.close()
                committed = True
            except BrokenPipeError:
                pass  # psql stopped on an error: its exit code and stderr say which
            code = psql.wait()
        check_exit(psql, code, cancel, finished=committed)


def restore_plain(run: RestoreRun, before: bytes, after: bytes) -> None:
    """A plain SQL backup, with `before` and `after` in the same transaction."""
    def script() -> Iterator[bytes]:
        yield before
        with checked_plaintext(run.opened, run.tracker) as (blocks, _):
            yield from blocks
        yield after

    run_psql(run, script())
