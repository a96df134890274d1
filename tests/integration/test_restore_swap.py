"""--replace of a development database built beside and swapped for it (swap.py): as exact
as the replace in place (test_restore_replace.py runs its drifted journeys through it too),
in place whenever a swap would lose something or cut someone off, and all or nothing when
killed before or after the swap."""
import json

import psycopg
import pytest

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.leftovers import open_workspace
from desktop.core.localpg.inflight import inflight_dir
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes
from tests.integration.test_restore_beside import (
    ROWS_PHASE,
    backed_up_then_drifted,
    databases,
    killed_once_rows_arrive,
    restore_with_phases,
)
from tests.integration.test_restore_replace import PAGILA_DRIFT, drift, everything


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


@pytest.fixture
def drifted(ws, make_profile, pg15, pagila_db, fresh_db):
    """(backup id of Pagila, a drifted copy of it behind the development profile "target")."""
    target = fresh_db(template=pagila_db, prefix="drifted")
    drift(pg15, target, *PAGILA_DRIFT)
    make_profile(pg15, pagila_db, name="source")
    make_profile(pg15, target, name="target")
    return run_backup(ws, BackupRequest("source")).id, target


def replace_with_phases(ws, backup_id: str, on_phase=None):
    return restore_with_phases(ws, backup_id, "target", on_phase=on_phase, create=False, replace=True)


def leftovers(cluster) -> list[str]:
    return databases(cluster, "lifeboat\\_build\\_%") + databases(cluster, "lifeboat\\_old\\_%")


def test_a_database_nobody_uses_is_built_beside_and_swapped(ws, pg15, pagila_db, drifted, lifeboat_home):
    backup_id, target = drifted
    result, phases = replace_with_phases(ws, backup_id)
    assert result.ok and ROWS_PHASE in phases
    assert everything(pg15, target) == everything(pg15, pagila_db)
    assert leftovers(pg15) == []
    assert "not built beside" not in (lifeboat_home / "logs" / "lifeboat.log").read_text()


def test_a_session_on_the_target_keeps_the_replace_in_place(ws, pg15, pagila_db, drifted, lifeboat_home):
    backup_id, target = drifted
    with psycopg.connect(pg15.conninfo(target)):  # an app's idle connection
        result, phases = replace_with_phases(ws, backup_id)
    assert result.ok and ROWS_PHASE not in phases
    assert everything(pg15, target) == everything(pg15, pagila_db)
    assert "replaced in place, not built beside (the database has other connections)" in \
        (lifeboat_home / "logs" / "lifeboat.log").read_text()


def test_what_hangs_on_the_database_itself_keeps_the_replace_in_place(ws, pg15, pagila_db, drifted):
    backup_id, target = drifted
    pg15.run_psql("postgres", f"ALTER DATABASE {target} SET work_mem = '7MB'; "
                              f"COMMENT ON DATABASE {target} IS 'the team''s copy'")
    result, phases = replace_with_phases(ws, backup_id)
    assert result.ok and ROWS_PHASE not in phases
    assert everything(pg15, target) == everything(pg15, pagila_db)
    with psycopg.connect(pg15.conninfo(target)) as conn:
        assert conn.execute("SHOW work_mem").fetchone()[0] == "7MB"
        assert conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                            "WHERE datname = current_database()").fetchone()[0] == "the team's copy"


def test_a_session_that_connects_while_the_copy_is_built_sends_the_replace_in_place(
        ws, pg15, pagila_db, drifted, lifeboat_home):
    backup_id, target = drifted
    late = []
    try:
        result, phases = replace_with_phases(
            ws, backup_id, on_phase=lambda phase: phase == ROWS_PHASE and late.append(
                psycopg.connect(pg15.conninfo(target))))
        assert result.ok and late
        assert everything(pg15, target) == everything(pg15, pagila_db)
        assert leftovers(pg15) == []
        assert "not built beside (a session connected to it while the copy was built)" in \
            (lifeboat_home / "logs" / "lifeboat.log").read_text()
    finally:
        for conn in late:
            conn.close()


def test_killed_while_the_copy_is_built_leaves_the_target_as_it_was(
        make_profile, pg15, noise_db, fresh_db, keyring_file, lifeboat_home):
    record, target, before = backed_up_then_drifted(
        make_profile, pg15, fresh_db, noise_db, "noise", "CREATE TABLE drift AS SELECT generate_series(1, 1000) AS n")
    build = killed_once_rows_arrive(pg15, record.id, "restore", record.id, "--into", "target", "--replace")
    assert (schema_dump(pg15, target), table_hashes(pg15, target)) == before
    assert databases(pg15, build) == [build]
    open_workspace()  # the next start
    assert leftovers(pg15) == [] and (schema_dump(pg15, target), table_hashes(pg15, target)) == before


def test_the_next_start_after_a_kill_past_the_swap_drops_what_the_target_held(
        ws, make_profile, pg15, fresh_db, lifeboat_home):
    """Killed between the swap's commit and the drop: the target is the backup already; what
    it held waits under the old name, which the next start drops (a record as the job wrote it)."""
    target = fresh_db(prefix="swapped")
    profile = make_profile(pg15, target, name="target")
    pg15.create_database("lifeboat_old_0123456789ab")
    folder = inflight_dir(ws.paths.data_dir)
    folder.mkdir(mode=0o700, exist_ok=True)
    details = {"profile": "target", "host": profile.host, "port": profile.port,
               "dbname": "lifeboat_build_0123456789ab", "old": "lifeboat_old_0123456789ab", "pid": 999999}
    (folder / "restore_build-000000000000.json").write_text(json.dumps({"kind": "restore_build",
                                                                         "details": details}))
    open_workspace()
    assert leftovers(pg15) == [] and databases(pg15, target) == [target]
    log_text = (lifeboat_home / "logs" / "lifeboat.log").read_text()
    assert "Removed lifeboat_old_0123456789ab" in log_text and "the restore itself is complete" in log_text
