"""Stopping a job on purpose, a process that dies mid-backup, a damaged
catalog, and two jobs at once (issue 2, "Progress and cancel" and "Catalog";
RELIABILITY.md, "Fault cases").
"""
import json
import os
import signal
import threading
import time
from pathlib import Path

import keyring
import psycopg
import pytest

from desktop.cli.main import main as cli_main
from desktop.core.errors import Cancelled
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.jobs.verify import verify_backup
from desktop.core.progress import CancelToken
from desktop.core.store.secret_store import SERVICE, Secrets
from desktop.core.workspace import Workspace
from tests.dbcompare import table_hashes
from tests.faults import assert_reads_well, backup_files, child_processes, tables_held, wait_for, waits_for_a_lock
from tests.integration.cli_helpers import lifeboat_process
from tests.keyrings import MemoryKeyring


@pytest.fixture
def ws() -> Workspace:
    return Workspace.open()


def no_tool_left_running() -> None:
    for name in ("pg_dump", "pg_restore", "psql"):
        assert child_processes(name) == [], f"{name} still running after the job ended"


# --- cancel -------------------------------------------------------------------


@pytest.mark.parametrize("format", ["custom", "plain", "directory"])
def test_cancel_mid_backup(ws, pg15, noise_db, make_profile, format):
    profile = make_profile(pg15, noise_db)
    cancel_token = CancelToken()

    def cancel_once_bytes_flow(progress):
        if progress.bytes_done > 0:
            cancel_token.cancel()

    with pytest.raises(Cancelled) as caught:
        run_backup(ws, BackupRequest(profile=profile.name, options=BackupOptions(format=format)),
                   report=cancel_once_bytes_flow, cancel=cancel_token)
    assert_reads_well(caught.value, "cancelled")
    [entry] = ws.catalog.list()
    assert entry.status == "cancelled"
    assert backup_files(ws.paths.backups_dir) == []
    assert list(ws.paths.staging_dir.iterdir()) == []
    no_tool_left_running()


def _changed_copy(pg15, fresh_db, template: str) -> str:
    name = fresh_db(template=template, prefix="target")
    with psycopg.connect(pg15.conninfo(name), autocommit=True) as conn:
        conn.execute("DELETE FROM noise WHERE id % 3 = 0")
        conn.execute("CREATE TABLE keep_me AS SELECT 'written before the restore' AS note")
    return name


@pytest.mark.parametrize("format", ["custom", "plain"])
def test_cancel_mid_restore_leaves_the_target_as_it_was(ws, pg15, noise_db, fresh_db, make_profile, format):
    source = make_profile(pg15, noise_db)
    record = run_backup(ws, BackupRequest(profile=source.name, options=BackupOptions(format=format)))
    target_db = _changed_copy(pg15, fresh_db, noise_db)
    target = make_profile(pg15, target_db)
    before = table_hashes(pg15, target_db)
    cancel = CancelToken()
    half = os.path.getsize(record.path) // 2

    def cancel_once_data_is_going_in(progress):
        # By now the tool has run --clean's DROPs (or the plain route's
        # DROP SCHEMA) and is loading rows, all inside its one transaction.
        if progress.phase.startswith("Copying rows") or progress.done > half:
            cancel.cancel()

    with pytest.raises(Cancelled) as caught:
        run_restore(ws, RestoreRequest(source=record.id, into=target.name, clean=True),
                    report=cancel_once_data_is_going_in, cancel=cancel)
    assert_reads_well(caught.value, "cancelled", ("as it was", "nothing was changed"))
    assert table_hashes(pg15, target_db) == before
    assert list(ws.paths.staging_dir.iterdir()) == []
    no_tool_left_running()


def test_cancel_while_a_table_is_locked(ws, pg15, chinook_db, make_profile):
    profile = make_profile(pg15, chinook_db)
    cancel = CancelToken()
    with psycopg.connect(pg15.conninfo(chinook_db)) as locker:
        # Someone else's long ALTER TABLE or VACUUM FULL.
        locker.execute("LOCK TABLE public.track IN ACCESS EXCLUSIVE MODE")
        # Released after a while whatever happens, so a Lifeboat that ignores
        # the cancel fails this test instead of hanging it.
        release = threading.Timer(4.0, locker.rollback)
        release.start()
        threading.Timer(0.5, cancel.cancel).start()
        started = time.monotonic()
        try:
            with pytest.raises(Cancelled):
                run_backup(ws, BackupRequest(profile=profile.name), cancel=cancel)
            took = time.monotonic() - started
        finally:
            release.cancel()
            release.join()
    assert took < 2.5, f"the cancel waited {took:.1f} s for the lock"
    assert [r.status for r in ws.catalog.list()] == ["cancelled"]
    no_tool_left_running()


# --- a process that died --------------------------------------------------------


def test_backup_process_killed_is_failed_at_next_start(pg15, noise_db, make_profile, keyring_file,
                                                       lifeboat_home):
    profile = make_profile(pg15, noise_db)
    backups = lifeboat_home / "backups"
    with tables_held(pg15, noise_db):
        proc = lifeboat_process("backup", profile.name)
        try:
            partial = wait_for(lambda: waits_for_a_lock(pg15, noise_db) and backup_files(backups),
                               what="the backup to be under way")[0]
            assert partial.name.endswith(".lifeboat.partial")
        finally:
            proc.send_signal(signal.SIGKILL)  # a power cut, as far as Lifeboat can tell
            proc.communicate()

    ws = Workspace.open()
    [entry] = ws.catalog.list()
    assert entry.status == "failed"
    assert "stopped before this backup finished" in entry.error
    assert entry.finished_at is not None
    assert backup_files(backups) == []


@pytest.mark.parametrize("damage", ["garbage", "torn page"])
def test_damaged_catalog_is_set_aside_and_rebuilt(ws, pg15, chinook_db, make_profile, capsys, damage):
    profile = make_profile(pg15, chinook_db)
    made = {run_backup(ws, BackupRequest(profile=profile.name)).id for _ in range(2)}
    catalog = ws.paths.catalog_file
    for leftover in (Path(f"{catalog}-wal"), Path(f"{catalog}-shm")):
        leftover.unlink(missing_ok=True)  # gone anyway once every connection closed
    garbage = bytes(range(256)) * 16  # starts with 0: no valid SQLite header or page type
    if damage == "garbage":
        catalog.write_bytes(garbage * (catalog.stat().st_size // len(garbage)))
    else:
        with open(catalog, "r+b") as f:  # page 2: a table, past an intact file header
            f.seek(4096)
            f.write(garbage)

    assert cli_main(["list", "--json"]) == 0
    out, err = capsys.readouterr()
    listed = json.loads(out)
    assert {entry["id"] for entry in listed} == made
    assert {entry["status"] for entry in listed} == {"completed"}
    assert "damaged" in err and "rebuilt" in err
    assert list(catalog.parent.glob(f"{catalog.name}.damaged-*")), "the damaged file was not kept aside"


# --- two at once ------------------------------------------------------------------


def _run_at_once(jobs: list) -> list:
    results: list = [None] * len(jobs)

    def work(number, job):
        try:
            results[number] = job()
        except BaseException as exc:  # reported by the assertions below
            results[number] = exc

    threads = [threading.Thread(target=work, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_backups_at_once_on_one_catalog(pg15, chinook_db, pagila_db, make_profile):
    first, second = make_profile(pg15, chinook_db), make_profile(pg15, pagila_db)
    Workspace.open().secrets.installation_key()  # first use is its own case, below
    results = _run_at_once([
        lambda: run_backup(Workspace.open(), BackupRequest(profile=first.name)),
        lambda: run_backup(Workspace.open(), BackupRequest(profile=second.name)),
    ])
    assert [type(r).__name__ for r in results] == ["BackupRecord", "BackupRecord"], results
    ws = Workspace.open()
    assert sorted(r.status for r in ws.catalog.list()) == ["completed", "completed"]
    for record in results:
        assert verify_backup(ws, record.id).sha256 == record.sha256


def test_two_backups_of_one_profile_in_the_same_second(pg15, chinook_db, make_profile):
    profile = make_profile(pg15, chinook_db)
    Workspace.open().secrets.installation_key()
    # Both threads pick their file name after "Connecting" and create the
    # file after "Reading the database structure": line them up at each, as
    # two scheduled runs started by the same timer are.
    at_start, named = threading.Barrier(2, timeout=20), threading.Barrier(2, timeout=20)

    def in_step(progress):
        if progress.phase == "Connecting":
            at_start.wait()
        elif progress.phase == "Reading the database structure":
            named.wait()

    wait_for(lambda: time.time() % 1 < 0.5, what="the first half of a second")
    results = _run_at_once([
        lambda: run_backup(Workspace.open(), BackupRequest(profile=profile.name), report=in_step),
        lambda: run_backup(Workspace.open(), BackupRequest(profile=profile.name), report=in_step),
    ])
    assert [type(r).__name__ for r in results] == ["BackupRecord", "BackupRecord"], results
    assert results[0].path != results[1].path


class _FirstUseAtOnceKeyring(MemoryKeyring):
    """Makes two threads' first use of the installation key interleave the
    worst way: both find no key; the first stores and reads back its own
    before the second stores another. Waits time out, so a Lifeboat that
    serialises key creation (a lock) passes instead of hanging."""

    def __init__(self):
        super().__init__()
        self._both_looked = threading.Barrier(2, timeout=2)
        self._first_read_back = threading.Event()
        self._local = threading.local()
        self._setters = 0
        self._lock = threading.Lock()

    def get_password(self, service, username):
        value = super().get_password(service, username)
        if username != "installation-key":
            return value
        calls = getattr(self._local, "calls", 0)
        self._local.calls = calls + 1
        if calls == 0:
            try:
                self._both_looked.wait()
            except threading.BrokenBarrierError:
                # The other thread could not look at the same time: serialised.
                return super().get_password(service, username)
            return value  # what both saw before either stored a key
        if getattr(self._local, "setter", None) == 1:
            self._first_read_back.set()
        return value

    def set_password(self, service, username, password):
        if username == "installation-key":
            with self._lock:
                self._setters += 1
                self._local.setter = self._setters
            if self._local.setter == 2:
                self._first_read_back.wait(timeout=2)
        super().set_password(service, username, password)


def test_two_first_uses_at_once_share_one_installation_key():
    backend = _FirstUseAtOnceKeyring()
    keyring.set_keyring(backend)
    keys = _run_at_once([lambda: Secrets().installation_key(), lambda: Secrets().installation_key()])
    assert all(isinstance(key, bytes) for key in keys), keys
    stored = backend.entries[(SERVICE, "installation-key")].encode("ascii")
    assert keys == [stored, stored]
