"""A job that waits for a table another program locked says so, and gives up
after the configured limit (issue 11, "Waits say why").

Another session (a role of its own, "app") holds a lock on `orders` in an
open transaction while the job runs on a thread; the job's progress must
name the table, the user and the command within seconds, and a short limit
must end the job with that message: no completed backup, a restore rolled
back.
"""
import os
import threading

import psycopg
import pytest
from psycopg import sql

from desktop.core.errors import Cancelled, LockWaitTimeout
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.progress import CancelToken
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.dbcompare import table_hashes
from tests.faults import assert_reads_well, backup_files, wait_for

LOCKER = f"app_{os.getpid()}"
LOCKER_PASSWORD = "locker-pw"


@pytest.fixture
def orders_db(pg15, fresh_db):
    name = fresh_db(prefix="orders")
    with psycopg.connect(pg15.conninfo(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id integer PRIMARY KEY, item text)")
        conn.execute("INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g")
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (LOCKER,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(LOCKER), sql.Literal(LOCKER_PASSWORD)))
        conn.execute(sql.SQL("GRANT ALL ON orders TO {}").format(sql.Identifier(LOCKER)))
    return name


def hold_lock(pg15, dbname: str, statement: str) -> psycopg.Connection:
    """Another program's session, inside a transaction that holds a lock on orders."""
    conn = psycopg.connect(host=pg15.host, port=pg15.port, dbname=dbname, user=LOCKER,
                           password=LOCKER_PASSWORD, application_name="psql")
    conn.execute(statement)
    return conn


class JobThread:
    """Runs a job on a thread, recording every progress report."""

    def __init__(self, job, ws: Workspace, request):
        self.reports = []
        self.cancel = CancelToken()
        self.outcome: dict = {}

        def work():
            try:
                self.outcome["value"] = job(ws, request, report=self.reports.append, cancel=self.cancel)
            except BaseException as exc:
                self.outcome["error"] = exc

        self.thread = threading.Thread(target=work, daemon=True)
        self.thread.start()

    def waiting_message(self) -> str:
        return next((p.waiting for p in reversed(self.reports) if p.waiting), "")

    def result(self, timeout: float = 60):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the job did not end"
        if "error" in self.outcome:
            raise self.outcome["error"]
        return self.outcome["value"]


def set_wait_limit(ws: Workspace, minutes: float) -> Workspace:
    save_settings(ws.paths, Settings(lock_wait_minutes=minutes))
    return Workspace.open()


def assert_names_the_wait(message: str) -> None:
    assert "The table orders is locked by another program" in message, message
    assert f"user {LOCKER}" in message and "psql" in message, message
    assert "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE" in message, message


def test_a_backup_says_which_table_is_locked_and_by_whom_then_goes_on(pg15, orders_db, make_profile):
    profile = make_profile(pg15, orders_db)
    ws = Workspace.open()
    locker = hold_lock(pg15, orders_db, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
    try:
        job = JobThread(run_backup, ws, BackupRequest(profile=profile.name))
        message = wait_for(job.waiting_message, timeout=10, what="the lock wait in the progress")
        assert_names_the_wait(message)
        assert "Lifeboat will wait up to 10 minutes" in message
    finally:
        locker.close()  # the other program finishes: the backup goes on
    record = job.result()
    assert record.status == "completed"
    assert job.reports[-1].waiting == ""


@pytest.mark.parametrize("fmt", ["custom", "directory"])
def test_a_backup_gives_up_after_the_wait_limit_with_that_message(pg15, orders_db, make_profile, fmt):
    profile = make_profile(pg15, orders_db)
    ws = set_wait_limit(Workspace.open(), 0.05)
    locker = hold_lock(pg15, orders_db, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
    try:
        job = JobThread(run_backup, ws, BackupRequest(profile=profile.name, options=BackupOptions(format=fmt)))
        with pytest.raises(LockWaitTimeout) as caught:
            job.result(timeout=30)
    finally:
        locker.close()
    assert_names_the_wait(caught.value.message)
    assert_reads_well(caught.value, "waited 3 seconds", "no backup file was kept", "try again")
    assert [record.status for record in ws.catalog.list()] == ["failed"]
    assert backup_files(ws.paths.backups_dir) == []


@pytest.fixture(params=["custom", "plain"])
def backup_of_orders(request, pg15, orders_db, make_profile):
    """A backup of orders_db (pg_restore's route, then psql's), and the same database as the restore target."""
    profile = make_profile(pg15, orders_db)
    ws = Workspace.open()
    options = BackupOptions(format=request.param)
    return run_backup(ws, BackupRequest(profile=profile.name, options=options)).id, profile


def test_a_restore_waiting_for_a_lock_says_why_and_gives_up_rolled_back(pg15, orders_db, backup_of_orders):
    backup_id, profile = backup_of_orders
    ws = set_wait_limit(Workspace.open(), 0.05)
    with psycopg.connect(pg15.conninfo(orders_db), autocommit=True) as conn:
        conn.execute("CREATE TABLE extra (id integer)")  # the restore's DROP SCHEMA would remove it
    before = table_hashes(pg15, orders_db)
    locker = hold_lock(pg15, orders_db, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
    try:
        job = JobThread(run_restore, ws, RestoreRequest(source=backup_id, into=profile.name, clean=True))
        assert_names_the_wait(wait_for(job.waiting_message, timeout=10, what="the lock wait"))
        with pytest.raises(LockWaitTimeout) as caught:
            job.result(timeout=30)
    finally:
        locker.close()
    assert_reads_well(caught.value, "table orders", "waited 3 seconds", "as it was before")
    assert table_hashes(pg15, orders_db) == before
    assert not _backends_of_lifeboat_waiting(pg15, orders_db)


def test_cancel_while_a_restore_waits_for_a_lock_ends_the_wait_on_the_server(pg15, orders_db, backup_of_orders):
    backup_id, profile = backup_of_orders
    ws = Workspace.open()
    before = table_hashes(pg15, orders_db)
    locker = hold_lock(pg15, orders_db, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
    try:
        job = JobThread(run_restore, ws, RestoreRequest(source=backup_id, into=profile.name, clean=True))
        wait_for(job.waiting_message, timeout=10, what="the lock wait")
        job.cancel.cancel()
        with pytest.raises(Cancelled):
            job.result(timeout=30)
        # The server-side statement no longer waits, although the lock is still held.
        wait_for(lambda: not _backends_of_lifeboat_waiting(pg15, orders_db), timeout=10, what="the wait to end")
    finally:
        locker.close()
    assert table_hashes(pg15, orders_db) == before


def _backends_of_lifeboat_waiting(pg15, dbname: str) -> list:
    with psycopg.connect(pg15.conninfo(dbname), autocommit=True) as conn:
        return conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'Lifeboat %' "
            "AND wait_event_type = 'Lock'"
        ).fetchall()
