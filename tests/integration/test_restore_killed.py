"""A killed Lifeboat changes nothing (issue 10): the real `lifeboat` CLI is
killed while the target is taking rows (a COPY into it is running), for
every route a restore can take, and the drifted, non-empty target must be
exactly as it was before (schema dump and per-table hashes).

Routes: a custom archive through `pg_restore --single-transaction` (pg15
tools into pg15), a plain script through psql, PostgreSQL 18 tools into a
15 server (`pg_restore --file=- | psql`), --replace, undo and sync (both
through the script route), a masked refresh (the script route with the
masking filter between pg_restore and psql), and a restore that creates or
maps away the roles the target lacks (the role must not be left either). A
restore into a new database is built beside: test_restore_beside.py.
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

import keyring
import psutil
import psycopg
import pytest

from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.decrypt import decrypt_backup
from desktop.core.localpg.server_programs import embedded_server_bin_dir
from desktop.core.masking.manage import accept_suggestions, set_rule
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes
from tests.faults import wait_for
from tests.keyrings import FileKeyring

REPO = Path(__file__).resolve().parents[2]

_COPY_INTO = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = %s AND state = 'active' AND query ILIKE 'COPY %%FROM stdin%%'
"""
_SESSIONS = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"


@pytest.fixture
def ws(tmp_path, monkeypatch, lifeboat_home) -> Workspace:
    # Secrets in a file, shared with the Lifeboat processes the test starts.
    monkeypatch.setenv("LIFEBOAT_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    keyring.set_keyring(FileKeyring())  # conftest's memory_keyring puts its own back afterwards
    return Workspace.open()


def start_lifeboat(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.keyrings.FileKeyring", PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "desktop", *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def state(cluster, dbname: str):
    return schema_dump(cluster, dbname), table_hashes(cluster, dbname)


def drifted_copy(pg15, fresh_db, noise_db) -> str:
    """A target that is not empty and not the backup: rows gone, a table of its own."""
    name = fresh_db(template=noise_db, prefix="target")
    with psycopg.connect(pg15.conninfo(name), autocommit=True) as conn:
        conn.execute("DELETE FROM noise WHERE id % 3 = 0")
        conn.execute("CREATE TABLE keep_me AS SELECT 'written before the restore' AS note")
    return name


def kill_mid_copy(pg15, target_db: str, args: list[str], sig: int = signal.SIGKILL) -> None:
    """Starts `lifeboat *args`, kills it once rows flow into the target, and
    waits until its tools and their server sessions are gone."""
    proc = start_lifeboat(*args)
    try:
        with psycopg.connect(pg15.conninfo("postgres"), autocommit=True) as conn:
            def copying() -> bool:
                if proc.poll() is not None:
                    raise AssertionError(f"lifeboat ended before the kill:\n{proc.stderr.read().decode()}")
                return conn.execute(_COPY_INTO, (target_db,)).fetchone()[0] > 0

            wait_for(copying, timeout=120, what="a COPY into the target")
            tools = [child for child in psutil.Process(proc.pid).children(recursive=True)
                     if child.name() in ("pg_restore", "psql")]
            assert tools, "no pg_restore or psql running while the target took rows"
            proc.send_signal(sig)
            proc.wait(30)
            psutil.wait_procs(tools, timeout=30)
            assert not [tool for tool in tools if tool.is_running() and tool.status() != psutil.STATUS_ZOMBIE]
            wait_for(lambda: conn.execute(_SESSIONS, (target_db,)).fetchone()[0] == 0,
                     what="the target's sessions to end")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    # The CLI takes SIGTERM as Ctrl-C (a stop from a service manager cancels
    # the job and cleans up): it exits 1 instead of dying of the signal.
    assert proc.returncode == (1 if sig == signal.SIGTERM else -sig)


@pytest.mark.parametrize("fmt, sig", [
    ("custom", signal.SIGKILL), ("plain", signal.SIGKILL), ("custom", signal.SIGTERM), ("plain", signal.SIGHUP),
])
def test_killed_restore_leaves_the_target_as_it_was(ws, pg15, noise_db, fresh_db, make_profile, fmt, sig):
    make_profile(pg15, noise_db, name="source")
    record = run_backup(ws, BackupRequest("source", BackupOptions(format=fmt)))
    target_db = drifted_copy(pg15, fresh_db, noise_db)
    make_profile(pg15, target_db, name="target")
    before = state(pg15, target_db)
    kill_mid_copy(pg15, target_db, ["restore", record.id, "--into", "target", "--clean"], sig)
    assert state(pg15, target_db) == before


def test_killed_replace_leaves_the_target_as_it_was(ws, pg15, noise_db, fresh_db, make_profile):
    make_profile(pg15, noise_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    target_db = drifted_copy(pg15, fresh_db, noise_db)
    # A setting of its own keeps the replace in place, in one transaction (swap.py);
    # killed while built beside and swapped: test_restore_swap.py.
    pg15.run_psql("postgres", f"ALTER DATABASE {target_db} SET work_mem = '7MB'")
    make_profile(pg15, target_db, name="target")
    before = state(pg15, target_db)
    kill_mid_copy(pg15, target_db, ["restore", record.id, "--into", "target", "--replace"])
    assert state(pg15, target_db) == before


def test_killed_restore_with_postgresql_18_tools_into_15(ws, pg15, noise_db, fresh_db, make_profile):
    """pg_restore 18 --file=- | psql: the route a server <= 16 gets from the bundled tools."""
    save_settings(ws.paths, Settings(tools_dir=str(embedded_server_bin_dir())))
    ws = Workspace.open()
    make_profile(pg15, noise_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    assert record.pg_dump_version.startswith("18")
    target_db = drifted_copy(pg15, fresh_db, noise_db)
    make_profile(pg15, target_db, name="target")
    before = state(pg15, target_db)
    kill_mid_copy(pg15, target_db, ["restore", record.id, "--into", "target", "--clean"])
    assert state(pg15, target_db) == before


def test_killed_undo_leaves_the_target_as_it_was(ws, pg15, noise_db, fresh_db, make_profile):
    target_db = fresh_db(template=noise_db, prefix="target")
    make_profile(pg15, target_db, name="target")
    safety = run_backup(ws, BackupRequest("target", kind="safety"))
    with psycopg.connect(pg15.conninfo(target_db), autocommit=True) as conn:
        conn.execute("DELETE FROM noise WHERE id % 3 = 0")  # the write the undo would take back
        conn.execute("CREATE TABLE keep_me AS SELECT 'written after the safety backup' AS note")
    before = state(pg15, target_db)
    kill_mid_copy(pg15, target_db, ["undo", safety.id])
    assert state(pg15, target_db) == before


def test_killed_sync_leaves_the_target_as_it_was(ws, pg15, noise_db, fresh_db, make_profile):
    make_profile(pg15, noise_db, name="source")
    target_db = drifted_copy(pg15, fresh_db, noise_db)
    make_profile(pg15, target_db, name="target")
    before = state(pg15, target_db)
    kill_mid_copy(pg15, target_db, ["sync", "source", "--into", "target", "--confirm", target_db, "--drop-missing"])
    assert state(pg15, target_db) == before


def test_killed_masked_refresh_leaves_development_as_it_was(ws, pg15, noise_db, fresh_db, make_profile):
    make_profile(pg15, noise_db, name="source", environment="production")
    accept_suggestions(ws, "source")
    set_rule(ws, "source", "public.noise.payload", "hash")  # every row goes through the filter
    target_db = drifted_copy(pg15, fresh_db, noise_db)
    make_profile(pg15, target_db, name="target")
    before = state(pg15, target_db)
    kill_mid_copy(pg15, target_db, ["refresh", "source", "--into", "target"])
    assert state(pg15, target_db) == before


def test_pg_restore_single_transaction_rolls_back_a_cut_input(ws, pg15, noise_db, fresh_db, make_profile, tmp_path):
    """What the direct route relies on when Lifeboat dies without killing
    pg_restore: its input ends early, and it must fail and roll back."""
    make_profile(pg15, noise_db, name="source")
    archive = decrypt_backup(ws, run_backup(ws, BackupRequest("source")).id, tmp_path / "noise.dump")
    target_db = drifted_copy(pg15, fresh_db, noise_db)
    before = state(pg15, target_db)
    cut = archive.read_bytes()[: archive.stat().st_size * 3 // 4]
    with pg15.client_env(target_db) as env:
        result = subprocess.run(
            [str(pg15.tool("pg_restore")), "--single-transaction", "--exit-on-error", "--clean", "--if-exists",
             f"--dbname={target_db}"], input=cut, env=env, capture_output=True)
    assert result.returncode != 0
    assert state(pg15, target_db) == before


@pytest.mark.parametrize("roles", ["create", "map-to-me"])
def test_killed_restore_of_missing_roles_leaves_target_and_roles_as_they_were(ws, pg15, noise_db, fresh_db,
                                                                               make_profile, roles):
    """--roles create makes the roles inside the restore's transaction; map-to-me rewrites the script."""
    owner = f"Noise Owner {os.getpid()} {roles}"
    source_db = fresh_db(template=noise_db, prefix="owned")
    with psycopg.connect(pg15.conninfo(source_db), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{owner}" NOLOGIN')
        conn.execute(f'ALTER TABLE noise OWNER TO "{owner}"')
    make_profile(pg15, source_db, name="source")
    record = run_backup(ws, BackupRequest("source"))
    with psycopg.connect(pg15.conninfo(source_db), autocommit=True) as conn:
        conn.execute(f'REASSIGN OWNED BY "{owner}" TO CURRENT_USER')
        conn.execute(f'DROP ROLE "{owner}"')
    target_db = drifted_copy(pg15, fresh_db, noise_db)
    make_profile(pg15, target_db, name="target")
    before = state(pg15, target_db)
    kill_mid_copy(pg15, target_db, ["restore", record.id, "--into", "target", "--clean", "--roles", roles])
    assert state(pg15, target_db) == before
    with psycopg.connect(pg15.conninfo("postgres")) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (owner,)).fetchone()[0] == 0
