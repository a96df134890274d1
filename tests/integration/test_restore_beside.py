"""A restore into a new database built beside with parallel workers (issue 15):
the same database as the one-transaction route gives, nothing under the
target's name until it is whole, and nothing left by a cancel, a kill or a
failed step."""
import os
import re
import signal

import psutil
import psycopg
import pytest

from desktop.core.errors import Cancelled, RestoreFailed
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.leftovers import open_workspace
from desktop.core.jobs.restore.parallel import WORKERS
from desktop.core.jobs.restore.request import RestoreRequest
from desktop.core.jobs.restore.run import run_restore
from desktop.core.progress import CancelToken
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes
from tests.faults import wait_for
from tests.integration.cli_helpers import lifeboat_process

ROWS_PHASE = f"Copying the rows, {WORKERS} at a time"
POST_DATA_ON_WORKERS = f"post-data steps to its {WORKERS} workers"
# An index whose function refuses to run in a database being built: post-data fails there, and only there.
TRAP_SQL = r"""
CREATE TABLE t (a int PRIMARY KEY);
INSERT INTO t SELECT generate_series(1, 100);
CREATE FUNCTION refuses_builds(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  IF current_database() LIKE 'lifeboat\_build\_%' THEN RAISE EXCEPTION 'no index in a copy being built'; END IF;
  RETURN x;
END $$;
CREATE INDEX t_trapped ON t (refuses_builds(a));
"""


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def databases(cluster, like: str) -> list[str]:
    with psycopg.connect(cluster.conninfo("postgres")) as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (like,))]


def restore_with_phases(ws, backup_id: str, into: str, cancel=None, on_phase=None, **request) -> tuple:
    """(result, the phases reported); `request`: RestoreRequest's fields (default: create=True)."""
    phases = []

    def report(progress) -> None:
        if not phases or phases[-1] != progress.phase:
            phases.append(progress.phase)
            if on_phase:
                on_phase(progress.phase)

    result = run_restore(ws, RestoreRequest(backup_id, into=into, **{"create": True, **request}), report=report,
                         cancel=cancel)
    return result, phases


# 15: pg_restore 18's SET transaction_timeout is refused there, and accepted. Without a memory-only
# file (macOS, Windows) pg_restore reads the table of contents on its stdin, with one job.
@pytest.mark.parametrize("server, memfd", [("pg15", True), ("pg18", True), ("pg15", False)],
                         ids=["pg15", "pg18", "pg15-no-memfd"])
def test_a_new_database_is_built_beside_and_equals_the_one_transaction_restore(ws, make_profile, pg15, pagila_db,
                                                                                request, server, memfd, monkeypatch,
                                                                                lifeboat_home):
    cluster = request.getfixturevalue(server)
    if not memfd:
        monkeypatch.delattr(os, "memfd_create")
    # The build turns autovacuum off and on again on each table, except where the backup sets it itself.
    pg15.run_psql(pagila_db, "ALTER TABLE actor SET (autovacuum_enabled = true);"
                             "ALTER TABLE film SET (fillfactor = 90)")
    make_profile(pg15, pagila_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    make_profile(cluster, "pagila_beside", name="beside")
    make_profile(cluster, "pagila_classic", name="classic")
    cluster.create_database("pagila_classic")  # an empty database: the one-transaction route
    try:
        result, phases = restore_with_phases(ws, record.id, "beside")
        assert result.ok and ROWS_PHASE in phases
        log_text = (lifeboat_home / "logs" / "lifeboat.log").read_text()
        assert (POST_DATA_ON_WORKERS in log_text) == memfd
        # Indexes and keys built as their tables' rows came in (pg_restore --jobs's order), where pg_restore
        # can be handed a list in memory; the result is the same database all the same (below).
        early = re.search(r"(\d+) post-data steps went in while the rows loaded, (\d+) after", log_text)
        assert bool(early) == memfd and (not memfd or int(early.group(1)) > 0 < int(early.group(2)))
        classic, classic_phases = restore_with_phases(ws, record.id, "classic")
        assert classic.ok and ROWS_PHASE not in classic_phases
        assert schema_dump(cluster, "pagila_beside") == schema_dump(cluster, "pagila_classic")
        assert table_hashes(cluster, "pagila_beside") == table_hashes(cluster, "pagila_classic") == \
            table_hashes(pg15, pagila_db)
        assert databases(cluster, "lifeboat_build_%") == []
    finally:
        cluster.drop_database("pagila_beside")
        cluster.drop_database("pagila_classic")


def test_large_objects_take_the_one_transaction_route(ws, make_profile, pg15, pg18, fresh_db):
    source = fresh_db(prefix="with_lo")
    pg15.run_psql(source, "CREATE TABLE t (a int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 50);"
                          "SELECT lo_from_bytea(0, 'hello');")
    make_profile(pg15, source, name="source")
    record = run_backup(ws, BackupRequest("source"))
    make_profile(pg18, "lo_new", name="new")
    try:
        result, phases = restore_with_phases(ws, record.id, "new")
        assert result.ok and ROWS_PHASE not in phases
        assert table_hashes(pg18, "lo_new") == table_hashes(pg15, source)
    finally:
        pg18.drop_database("lo_new")


def test_a_failing_structure_step_leaves_no_target_and_no_build_database(ws, make_profile, pg15, fresh_db,
                                                                          monkeypatch):
    source = fresh_db(prefix="trapped")
    pg15.run_psql(source, TRAP_SQL)
    make_profile(pg15, source, name="source")
    record = run_backup(ws, BackupRequest("source"))
    make_profile(pg15, "trapped_new", name="new")
    for memfd in (True, False):  # two jobs from a memory-only file; one from stdin
        if not memfd:
            monkeypatch.delattr(os, "memfd_create")
        with pytest.raises(RestoreFailed) as failed:
            restore_with_phases(ws, record.id, "new")
        # pg15 refused pg_restore's SET transaction_timeout on each connection too: not what is reported.
        assert "pg_restore said: could not execute query: ERROR:  no index in a copy being built" in str(failed.value)
        assert databases(pg15, "trapped_new") == [] and databases(pg15, "lifeboat_build_%") == []


def test_cancel_while_copying_leaves_no_database(ws, make_profile, pg15, pg18, pagila_db):
    make_profile(pg15, pagila_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    make_profile(pg18, "pagila_cancelled", name="new")
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        restore_with_phases(ws, record.id, "new", cancel=cancel,
                            on_phase=lambda phase: phase == ROWS_PHASE and cancel.cancel())
    assert databases(pg18, "pagila_cancelled") == [] and databases(pg18, "lifeboat_build_%") == []


def test_a_killed_restore_leaves_no_target_and_the_next_start_drops_its_copy(
        make_profile, pg15, pg18, noise_db, keyring_file, lifeboat_home):
    make_profile(pg15, noise_db, name="noise")
    ws = Workspace.open()
    record = run_backup(ws, BackupRequest("noise"))
    make_profile(pg18, "noise_new", name="new")
    build = killed_once_rows_arrive(pg18, record.id, "restore", record.id, "--into", "new", "--create")
    assert databases(pg18, "noise_new") == [] and databases(pg18, build) == [build]
    open_workspace()  # the next start
    assert databases(pg18, build) == []


# A first table whose index takes 10 s to build in a database being built, and a second table still to load.
SLOW_IN_BUILDS_SQL = r"""
CREATE FUNCTION slow_in_builds(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  IF current_database() LIKE 'lifeboat\_build\_%' THEN PERFORM pg_sleep(0.5); END IF;
  RETURN x;
END $$;
"""
SLOW_INDEX_SQL = SLOW_IN_BUILDS_SQL + r"""
CREATE TABLE a_first (x int);
INSERT INTO a_first SELECT generate_series(1, 20);
CREATE INDEX a_first_slow ON a_first (slow_in_builds(x));
CREATE TABLE b_second (x int PRIMARY KEY, pad text);
INSERT INTO b_second SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g;
"""


def test_killed_while_an_index_goes_in_early_leaves_no_target_and_no_pg_restore(
        make_profile, pg15, fresh_db, keyring_file, lifeboat_home):
    """kill -9 while a table's index is built beside the rows still loading: its pg_restore
    dies with Lifeboat, the target is not there, and the next start drops the copy."""
    source = fresh_db(prefix="slow_index")
    pg15.run_psql(source, SLOW_INDEX_SQL)
    make_profile(pg15, source, name="source")
    record = run_backup(Workspace.open(), BackupRequest("source"))
    make_profile(pg15, "slow_index_new", name="new")
    build = f"lifeboat_build_{record.id}"
    proc = lifeboat_process("restore", record.id, "--into", "new", "--create")
    try:
        wait_for(lambda: _running(pg15, build, "CREATE INDEX a_first_slow%"), timeout=90,
                 what="the early index being built")
        assert _pg_restores_for(build)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    wait_for(lambda: not _pg_restores_for(build), what="pg_restore to die with Lifeboat")
    assert databases(pg15, "slow_index_new") == [] and databases(pg15, build) == [build]
    open_workspace()  # the next start
    assert databases(pg15, build) == []


# The last table's exclusion constraint (ACCESS EXCLUSIVE) takes 2-4 s to add in a database being
# built: it goes after the rows, the last step before the swap.
SLOW_LAST_STEP_SQL = SLOW_IN_BUILDS_SQL + r"""
CREATE TABLE b_rows (x int PRIMARY KEY, pad text);
INSERT INTO b_rows SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;
CREATE TABLE z_last (x int, EXCLUDE USING btree (slow_in_builds(x) WITH =));
INSERT INTO z_last SELECT generate_series(1, 4);
"""


def test_killed_during_the_last_steps_leaves_a_drifted_target_as_it_was(
        make_profile, pg15, fresh_db, keyring_file, lifeboat_home):
    """kill -9 of a --replace built beside (to be swapped) once all its rows are in,
    while the last constraint goes in: the non-empty, drifted target is
    exactly as it was, and the next start drops the copy."""
    source = fresh_db(prefix="slow_last")
    pg15.run_psql(source, SLOW_LAST_STEP_SQL)
    record, target, before = backed_up_then_drifted(
        make_profile, pg15, fresh_db, source, "slow_last",
        "DELETE FROM b_rows WHERE x % 3 = 0; CREATE TABLE drift AS SELECT 1 AS n")
    build = f"lifeboat_build_{record.id}"
    proc = lifeboat_process("restore", record.id, "--into", "target", "--replace")
    try:
        wait_for(lambda: _running(pg15, build, "ALTER TABLE ONLY public.z_last%EXCLUDE%"), timeout=90,
                 what="the last table's constraint going in")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    wait_for(lambda: not _pg_restores_for(build), what="pg_restore to die with Lifeboat")
    assert (schema_dump(pg15, target), table_hashes(pg15, target)) == before
    open_workspace()  # the next start
    assert databases(pg15, build) == [] and databases(pg15, "lifeboat\\_old\\_%") == []
    assert (schema_dump(pg15, target), table_hashes(pg15, target)) == before


def backed_up_then_drifted(make_profile, cluster, fresh_db, source: str, name: str, drift_sql: str):
    """Backs `source` up (profile `name`), then copies it and runs `drift_sql` in the copy,
    the profile "target": (the backup's record, the copy, its schema dump and table hashes)."""
    make_profile(cluster, source, name=name)
    record = run_backup(Workspace.open(), BackupRequest(name))
    target = fresh_db(template=source, prefix=f"{name}_drifted")
    cluster.run_psql(target, drift_sql)
    make_profile(cluster, target, name="target")
    return record, target, (schema_dump(cluster, target), table_hashes(cluster, target))


def _running(cluster, dbname: str, query_like: str) -> bool:
    with psycopg.connect(cluster.conninfo("postgres")) as conn:
        return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = %s "
                                 "AND query ILIKE %s)", (dbname, query_like)).fetchone()[0])


def _pg_restores_for(dbname: str) -> list:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "pg_restore" and any(dbname in arg for arg in process.info["cmdline"] or []):
            found.append(process)
    return found


def killed_once_rows_arrive(cluster, backup_id: str, *args: str) -> str:
    """Runs `lifeboat *args` and kills it (-9) once rows arrive in the copy it builds; that copy's name."""
    build = f"lifeboat_build_{backup_id}"
    proc = lifeboat_process(*args)
    try:
        wait_for(lambda: _has_rows(cluster, build), timeout=90, what="rows arriving in the copy being built")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    return build


def _has_rows(cluster, dbname: str) -> bool:
    if not databases(cluster, dbname):
        return False
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND query ILIKE 'COPY%')").fetchone()[0])


def test_jobs_into_an_existing_empty_database_run_in_place_without_staging(ws, make_profile, pg15, pagila_db,
                                                                           lifeboat_home):
    """--jobs 3 into a database that exists: Lifeboat's own three workers, straight into it; no decrypted
    copy in the staging folder (pg_restore --jobs needed one); a cancel says it may be partly restored."""
    make_profile(pg15, pagila_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    make_profile(pg15, "pagila_in_place", name="in place")
    pg15.create_database("pagila_in_place")
    phases, staged = [], []

    def report(progress) -> None:
        phases.append(progress.phase)
        staged.extend(p for p in ws.paths.staging_dir.rglob("*") if p.is_file())

    try:
        assert run_restore(ws, RestoreRequest(record.id, into="in place", jobs=3), report=report).ok
        assert "Copying the rows, 3 at a time" in phases and staged == []
        assert "post-data steps to its 3 workers" in (lifeboat_home / "logs" / "lifeboat.log").read_text()
        assert schema_dump(pg15, "pagila_in_place") == schema_dump(pg15, pagila_db)
        assert table_hashes(pg15, "pagila_in_place") == table_hashes(pg15, pagila_db)

        pg15.drop_database("pagila_in_place")
        pg15.create_database("pagila_in_place")
        cancel = CancelToken()
        with pytest.raises(Cancelled) as cancelled:
            run_restore(ws, RestoreRequest(record.id, into="in place", jobs=3), cancel=cancel,
                        report=lambda progress: progress.phase.startswith("Copying the rows") and cancel.cancel())
        assert "partly restored" in cancelled.value.message

        pg15.drop_database("pagila_in_place")  # missing, --create: built beside, all or nothing with --jobs too
        with pytest.raises(Cancelled) as cancelled:
            run_restore(ws, RestoreRequest(record.id, into="in place", create=True, jobs=3), cancel=cancel,
                        report=lambda progress: progress.phase.startswith("Copying the rows") and cancel.cancel())
        assert "left as it was" in cancelled.value.message and databases(pg15, "pagila_in_place") == []
    finally:
        pg15.drop_database("pagila_in_place")
