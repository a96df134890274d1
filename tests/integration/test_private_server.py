"""Test restores on a private PostgreSQL server Lifeboat starts itself
(issue 10, "Test restore anywhere"): no rights needed on any real server,
roles and extensions, cancel, and what a killed Lifeboat leaves behind."""
import json
import os
import signal

import psutil
import psycopg
import pytest
from psycopg import sql

from desktop.core.errors import Cancelled, RestoreFailed
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.leftovers import open_workspace
from desktop.core.jobs.restore.proof import START_PHASE, STOP_PHASE, prove_restorable, scratch_database_name
from desktop.core.localpg import inflight
from desktop.core.progress import CancelToken
from desktop.core.store.audit_log import AuditLog
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace
from tests.faults import child_processes, wait_for
from tests.integration.cli_helpers import lifeboat_process


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def records(ws) -> list[dict]:
    folder = inflight.inflight_dir(ws.paths.data_dir)
    return [json.loads(p.read_text()) for p in folder.glob("*.json")] if folder.is_dir() else []


def scratch_databases(cluster) -> list[str]:
    with psycopg.connect(cluster.conninfo("postgres")) as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_verify_%'")]


@pytest.fixture
def roles(pg15):
    """Roles created on pg15 for one test, dropped after its databases."""
    made = []

    def make(prefix: str, options: str) -> str:
        name = f"{prefix}_{os.getpid()}_{len(made)}"
        with psycopg.connect(pg15.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} " + options).format(sql.Identifier(name)))
        made.append(name)
        return name

    yield make
    with psycopg.connect(pg15.conninfo(), autocommit=True) as conn:
        for name in made:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def owned_by_a_role_and_read_by_another(pg15, dbname: str, roles) -> tuple[str, str]:
    """The database's tables owned by a role of its own; a login that may read them and nothing more."""
    owner = roles("app_owner", "NOLOGIN")
    reader = roles("backup_reader", "LOGIN PASSWORD 'reader-pw' NOCREATEDB NOCREATEROLE NOSUPERUSER")
    with psycopg.connect(pg15.conninfo(dbname), autocommit=True) as conn:
        for (table,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall():
            conn.execute(sql.SQL("ALTER TABLE public.{} OWNER TO {}").format(sql.Identifier(table),
                                                                            sql.Identifier(owner)))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {0}; "
                             "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {0}").format(sql.Identifier(reader)))
    return owner, reader


@pytest.mark.parametrize("format", ["custom", "plain"])
def test_a_login_that_may_not_create_databases_proves_on_the_private_server(
        ws, roles, pg15, chinook_db, profile_store, format):
    _, reader = owned_by_a_role_and_read_by_another(pg15, chinook_db, roles)
    profile_store.add(Profile(name="shop", environment="production", host=pg15.host, port=pg15.port,
                              dbname=chinook_db, user=reader, sslmode="require"), password="reader-pw")
    record = run_backup(ws, BackupRequest(profile="shop", options=BackupOptions(format=format)))
    phases = []
    result = prove_restorable(ws, record.id, report=lambda p: phases.append(p.phase))
    assert result.ok and result.server == "" and "private PostgreSQL 18" in result.where()
    assert len(result.check.tables) == len(record.row_counts) == 11
    assert ws.catalog.get(record.id).proven_restorable_at == result.proven_at
    assert phases[0] == START_PHASE and phases[-1] == STOP_PHASE and "Restoring" in phases
    assert scratch_databases(pg15) == [] and records(ws) == []
    assert list((ws.paths.data_dir / "private-servers").iterdir()) == []
    # The same login cannot test-restore on its own server: that needs CREATEDB.
    with pytest.raises(RestoreFailed, match="may not be allowed to create databases"):
        prove_restorable(ws, record.id, server="shop")


@pytest.mark.parametrize("format", ["custom", "plain", "directory"])
def test_missing_extension_is_named_and_a_server_offered(ws, pg15, chinook_db, make_profile, format):
    """Read ahead from `pg_restore -l` (custom) or the script (plain); a
    directory-format backup is named by the restore's own error."""
    # adminpack came with PostgreSQL up to 16; the private server (18) has none.
    with psycopg.connect(pg15.conninfo(chinook_db), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION adminpack")
    make_profile(pg15, chinook_db, name="old")
    record = run_backup(ws, BackupRequest(profile="old", options=BackupOptions(format=format)))
    with pytest.raises(RestoreFailed) as caught:
        prove_restorable(ws, record.id)
    assert "extension adminpack" in caught.value.message and "--server PROFILE" in caught.value.message
    assert records(ws) == []
    assert prove_restorable(ws, record.id, server="old").ok, "the offered way works"


def test_cancel_stops_and_removes_the_private_server(ws, pg15, noise_db, make_profile):
    make_profile(pg15, noise_db, name="noise")
    record = run_backup(ws, BackupRequest(profile="noise"))
    cancel = CancelToken()
    seen = {}

    def cancel_mid_restore(progress):
        if progress.phase == "Restoring" and progress.bytes_done > 0 and not cancel.cancelled:
            [seen["record"]] = records(ws)
            cancel.cancel()

    with pytest.raises(Cancelled):
        prove_restorable(ws, record.id, report=cancel_mid_restore, cancel=cancel)
    assert seen, "cancelled while restoring"
    assert not os.path.exists(seen["record"]["details"]["folder"])
    assert records(ws) == []
    assert [p for p in psutil.process_iter(["cmdline"]) if seen["record"]["details"]["folder"] in
            " ".join(p.info["cmdline"] or [])] == []
    assert ws.catalog.get(record.id).proven_restorable_at is None


def _restoring(proc) -> list[psutil.Process]:
    """Its pg_restore that restores: not the --version of finding the tools, nor a --list of the
    archive, which run before the scratch database exists (CI killed one of those)."""
    found = []
    for child in child_processes("pg_restore", psutil.Process(proc.pid)):
        try:
            args = child.cmdline()  # empty for one that is ending
        except psutil.Error:
            continue  # ended meanwhile
        if args and not {"--version", "--list"} & set(args):
            found.append(child)
    return found


def _kill_mid_restore(proc) -> None:
    try:
        wait_for(lambda: _restoring(proc), timeout=90, what="the test restore to reach pg_restore")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()


def test_killed_test_restore_leaves_a_private_server_that_the_next_start_removes(
        pg15, noise_db, make_profile, keyring_file, lifeboat_home):
    make_profile(pg15, noise_db, name="noise")
    ws = Workspace.open()
    record = run_backup(ws, BackupRequest(profile="noise"))
    _kill_mid_restore(lifeboat_process("verify", record.id, "--restore"))
    [left] = records(ws)
    folder = left["details"]["folder"]
    postmaster = int(open(f"{folder}/data/postmaster.pid").readline())
    assert psutil.pid_exists(postmaster), "the server outlived the killed Lifeboat"

    open_workspace()  # the next start
    assert not os.path.exists(folder) and records(ws) == []
    wait_for(lambda: not psutil.pid_exists(postmaster), what="the leftover server to stop")
    [cleanup] = [r for r in AuditLog(ws.paths.audit_file).records() if r.action == "cleanup"]
    assert "private PostgreSQL server" in cleanup.message and cleanup.result == "ok"


def test_killed_test_restore_on_a_server_leaves_a_scratch_database_that_the_next_start_drops(
        pg15, noise_db, make_profile, keyring_file, lifeboat_home):
    make_profile(pg15, noise_db, name="noise")
    ws = Workspace.open()
    record = run_backup(ws, BackupRequest(profile="noise"))
    _kill_mid_restore(lifeboat_process("verify", record.id, "--restore", "--server", "noise"))
    assert scratch_databases(pg15) == [scratch_database_name(record.id)]

    open_workspace()  # the next start
    assert scratch_databases(pg15) == [] and records(ws) == []
    [cleanup] = [r for r in AuditLog(ws.paths.audit_file).records() if r.action == "cleanup"]
    assert cleanup.profile == "noise" and cleanup.database == scratch_database_name(record.id)
