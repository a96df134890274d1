"""A backup dumped by two pg_dumps at once (jobs/split_dump.py) is the archive one pg_dump writes.

The split starts at 64 MB of tables; here it is lowered to nothing so that
small databases with awkward contents split too."""
import signal
import subprocess
import sys
import threading

import psycopg
import pytest

from desktop.core.errors import Cancelled, DiskFull, DumpFailed
from desktop.core.jobs import split_dump
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.decrypt import decrypt_backup
from desktop.core.jobs.leftovers import open_workspace
from desktop.core.jobs.restore.request import RestoreRequest
from desktop.core.jobs.restore.run import run_restore
from desktop.core.postgres import snapshot
from desktop.core.postgres.tools import tools_for_server
from desktop.core.progress import CancelToken
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump, table_hashes
from tests.faults import (
    assert_reads_well,
    backup_files,
    child_processes,
    small_tmpfs,
    wait_for,
    waits_for_a_lock,
)
from tests.integration import inspect_fixtures
from tests.integration.cli_helpers import REPO, child_env

unusual_db = inspect_fixtures.unusual_db
# Two tables big enough to be split between the two pg_dumps; `second` goes aside.
_TWO_BIG = """
CREATE TABLE public.first (id int PRIMARY KEY, v text);
INSERT INTO public.first SELECT g, repeat('f', 200) FROM generate_series(1, 4000) g;
CREATE TABLE public.second (id int PRIMARY KEY, first_id int REFERENCES public.first, v text);
INSERT INTO public.second SELECT g, g, E'a\\\\.\\nb' || repeat('s', 150) FROM generate_series(1, 3000) g;
ANALYZE;
"""


@pytest.fixture
def split_always(monkeypatch) -> list:
    """Every whole custom backup is split; returns the tables each one put aside."""
    monkeypatch.setattr(split_dump, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_dump, "CORES_BESIDE_A_LOCAL_SERVER", 0)  # the test servers are on this computer
    asides = []
    original = split_dump.tables_aside

    def recorded(*args):
        aside = original(*args)
        asides.append(sorted(t.key for t in aside))
        return aside
    monkeypatch.setattr("desktop.core.jobs.backup.tables_aside", recorded)
    return asides


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def _refused(*args, **kwargs):
    raise AssertionError("count(*) ran: the rows should come from pg_dump's output")


def _toc_lines(tools, archive) -> list[str]:
    """`pg_restore -l` without dump ids and comments: what the archive holds, in order."""
    listed = subprocess.run([str(tools.pg_restore), "-l", str(archive)], capture_output=True, text=True,
                            check=True).stdout
    return [line.split(";", 1)[1].split(" ", 3)[3] for line in listed.splitlines() if line and line[0] != ";"]


def test_split_backup_is_one_standard_archive(ws, pg15, unusual_db, make_profile, split_always, tmp_path,
                                              monkeypatch):
    pg15.run_psql(unusual_db, _TWO_BIG)
    make_profile(pg15, unusual_db, name="split-src")
    with psycopg.connect(pg15.conninfo(unusual_db)) as conn:
        expected = snapshot.count_rows(conn, snapshot.list_tables(conn))
    monkeypatch.setattr(snapshot, "count_rows", _refused)  # the counts must come from the two streams
    record = run_backup(ws, BackupRequest("split-src"))
    assert "public.second" in split_always[0] and "public.first" not in split_always[0]
    assert record.row_counts == expected and expected["public.second"] == 3000

    decrypted = tmp_path / "whole.dump"
    decrypt_backup(ws, record.id, decrypted)
    plain = tmp_path / "plain.dump"
    tools = tools_for_server(pg15.major * 10000, ws.tool_dirs())  # the pg_dump the backup ran
    with pg15.client_env(unusual_db) as env:
        subprocess.run([str(tools.pg_dump), "-Fc", "-f", str(plain)], env=env, check=True)
    ours, theirs = _toc_lines(tools, decrypted), _toc_lines(tools, plain)
    assert sorted(ours) == sorted(theirs)
    # The rows put aside come after every other entry with data (large objects too), before the indexes.
    data = [line for line in ours if line.startswith(("TABLE DATA", "BLOBS", "LARGE OBJECTS"))]
    aside = data[-len(split_always[0]):]
    assert "LARGE OBJECTS" in " ".join(data[:-len(aside)]) or "BLOBS" in " ".join(data[:-len(aside)])
    assert all(line.startswith("TABLE DATA") for line in aside) and "TABLE DATA public second" in " ".join(aside)

    make_profile(pg15, "split_copy", name="split-copy")
    try:
        assert run_restore(ws, RestoreRequest(record.id, into="split-copy", create=True)).ok
        assert schema_dump(pg15, "split_copy") == schema_dump(pg15, unusual_db)
        assert table_hashes(pg15, "split_copy") == table_hashes(pg15, unusual_db)
    finally:
        pg15.drop_database("split_copy")


@pytest.mark.parametrize("server", ["pg15", "pg18"])
def test_split_backup_restores_beside_and_in_one_transaction(ws, pg15, pagila_db, make_profile, split_always,
                                                             request, server):
    cluster = request.getfixturevalue(server)
    pg15.run_psql(pagila_db, "ANALYZE")
    make_profile(pg15, pagila_db, name="pagila-split")
    record = run_backup(ws, BackupRequest("pagila-split"))
    assert len(split_always[0]) > 1
    make_profile(cluster, "split_beside", name="beside")
    make_profile(cluster, "split_stream", name="stream")
    cluster.create_database("split_stream")  # exists and is empty: pg_restore reads the archive from a pipe
    try:
        assert run_restore(ws, RestoreRequest(record.id, into="beside", create=True)).ok
        assert run_restore(ws, RestoreRequest(record.id, into="stream")).ok
        assert table_hashes(cluster, "split_beside") == table_hashes(cluster, "split_stream") == \
            table_hashes(pg15, pagila_db)
        assert schema_dump(cluster, "split_beside") == schema_dump(cluster, "split_stream")
    finally:
        cluster.drop_database("split_beside")
        cluster.drop_database("split_stream")


def _second_held(cluster, dbname: str):
    """The aside table locked: both pg_dumps wait (the main one locks every table it describes)."""
    holder = psycopg.connect(cluster.conninfo(dbname))
    holder.execute("LOCK TABLE public.second IN ACCESS EXCLUSIVE MODE")
    return holder


def _nothing_left(ws: Workspace, backups) -> None:
    assert backup_files(backups) == []
    assert [p for p in ws.paths.staging_dir.rglob("*") if p.is_file()] == []
    for name in ("pg_dump", "pg_dumpall"):
        assert child_processes(name) == [], f"{name} still running"


def test_aside_pg_dump_killed_fails_the_backup_cleanly(ws, pg15, fresh_db, make_profile, split_always,
                                                       lifeboat_home):
    name = fresh_db(prefix="split_kill")
    pg15.run_psql(name, _TWO_BIG)
    make_profile(pg15, name, name="split-kill")
    with _second_held(pg15, name) as holder:
        cancel = CancelToken()

        def kill_aside() -> None:
            [aside] = wait_for(lambda: child_processes("pg_dump", holding="--data-only"),
                               what="the second pg_dump")
            wait_for(lambda: waits_for_a_lock(pg15, name), what="it to wait for its table")
            aside.send_signal(signal.SIGKILL)
            holder.rollback()  # the main pg_dump, which waited too, goes on
        killer = threading.Thread(target=kill_aside)
        killer.start()
        with pytest.raises(DumpFailed) as raised:
            run_backup(ws, BackupRequest("split-kill"), cancel=cancel)
        killer.join()
    assert_reads_well(raised.value, "no backup file was kept", "try again")
    assert [r.status for r in ws.catalog.list()] == ["failed"]
    _nothing_left(ws, lifeboat_home / "backups")


def test_cancel_while_split_leaves_nothing(ws, pg15, fresh_db, make_profile, split_always, lifeboat_home):
    name = fresh_db(prefix="split_cancel")
    pg15.run_psql(name, _TWO_BIG)
    make_profile(pg15, name, name="split-cancel")
    cancel = CancelToken()
    with _second_held(pg15, name) as holder:
        waiter = threading.Thread(target=lambda: (wait_for(lambda: waits_for_a_lock(pg15, name)), cancel.cancel()))
        waiter.start()
        with pytest.raises(Cancelled):
            run_backup(ws, BackupRequest("split-cancel"), cancel=cancel)
        waiter.join()
        holder.rollback()
    assert [r.status for r in ws.catalog.list()] == ["cancelled"]
    _nothing_left(ws, lifeboat_home / "backups")


_SPLIT_CHILD = ("import sys; from desktop.core.jobs import split_dump; split_dump.SPLIT_MIN_BYTES = 0; "
                "split_dump.CORES_BESIDE_A_LOCAL_SERVER = 0; "
                "from desktop.cli.main import main; sys.exit(main(sys.argv[1:]))")


def test_killed_during_a_split_backup_leaves_nothing_readable(pg15, fresh_db, make_profile, keyring_file,
                                                              lifeboat_home):
    name = fresh_db(prefix="split_crash")
    pg15.run_psql(name, _TWO_BIG)
    make_profile(pg15, name, name="split-crash")
    backups = lifeboat_home / "backups"
    with _second_held(pg15, name) as holder:
        proc = subprocess.Popen([sys.executable, "-c", _SPLIT_CHILD, "backup", "split-crash"], cwd=REPO,
                                env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: child_processes("pg_dump", holding="--data-only")
                     and waits_for_a_lock(pg15, name) and backup_files(backups), what="the split backup under way")
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
        holder.rollback()
    wait_for(lambda: not child_processes("pg_dump"), what="its pg_dumps to die with it")
    ws = open_workspace()
    assert [r.status for r in ws.catalog.list()] == ["failed"]
    _nothing_left(ws, backups)


def test_a_full_disk_under_the_spill_fails_the_backup_plainly(ws, pg15, fresh_db, make_profile, split_always,
                                                               lifeboat_home, monkeypatch):
    """The second pg_dump's rows wait in Lifeboat's data folder: that drive full is said as the
    backup folder's is, and nothing is left (nor a pg_dump waiting on a pipe nobody reads)."""
    monkeypatch.setattr(split_dump, "BLOCK", 16 << 10)  # sealed while that pg_dump still writes
    name = fresh_db(prefix="split_full")
    # Rows that hardly compress, more of them than the pipe holds: written while the spill cannot take them.
    pg15.run_psql(name, "\n".join(
        f"CREATE TABLE public.{table} (id int PRIMARY KEY, v text); INSERT INTO public.{table} SELECT g, "
        "md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 17)::text) "
        f"FROM generate_series(1, {rows}) g;" for table, rows in (("first", 30_000), ("second", 25_000))) + "ANALYZE;")
    make_profile(pg15, name, name="split-full")
    with small_tmpfs(ws.paths.staging_dir, "64k"):
        with pytest.raises(DiskFull) as raised:
            run_backup(ws, BackupRequest("split-full"))
        assert split_always == [["public.second"]]
        assert_reads_well(raised.value, "full", "free some space")
        _nothing_left(ws, lifeboat_home / "backups")


def test_no_split_where_the_server_would_refuse_the_second_connection(ws, pg15, fresh_db, make_profile,
                                                                       split_always):
    """A database that takes four sessions: the backup's own (snapshot, lock watch, pg_dump) fit, a
    second pg_dump might not, so one pg_dump makes the backup."""
    name = fresh_db(prefix="split_limit")
    pg15.run_psql(name, _TWO_BIG)
    pg15.run_psql("postgres", f'ALTER DATABASE "{name}" CONNECTION LIMIT 4')
    make_profile(pg15, name, name="split-limit")
    record = run_backup(ws, BackupRequest("split-limit"))
    assert split_always == [[]] and record.row_counts["public.second"] == 3000
