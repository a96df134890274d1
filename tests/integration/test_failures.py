"""Every failure a user can hit in a backup, a verify or a restore
(issue 2, "Errors that must read well"; RELIABILITY.md, "Fault cases").

Each case checks the typed error, a message a non-technical person can act
on (and nothing technical or secret in it), that no file that looks like a
backup is left behind, the catalog entry's status, and for restores that
the target database is exactly as it was.
"""
import os
import signal
import struct
import threading
import time

import keyring
import keyring.errors
import psycopg
import pytest
from cryptography.fernet import Fernet
from keyring.backend import KeyringBackend

from desktop.cli.main import main as cli_main
from desktop.core.errors import (
    AuthenticationFailed,
    BackupFileError,
    Cancelled,
    ConfirmationRequired,
    DatabaseMissing,
    DestinationError,
    DestinationNotWritable,
    DiskFull,
    DumpFailed,
    FileDamaged,
    KeyringUnavailable,
    LifeboatError,
    NotABackupFile,
    RestoreFailed,
    ServerUnreachable,
    ToolsTooOld,
    UnknownBackup,
    UsageError,
    WrongKey,
)
from desktop.core.format.container import header_length, read_header
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.decrypt import decrypt_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.jobs.verify import verify_backup
from desktop.core.localpg.cluster import free_port
from desktop.core.localpg.server_programs import embedded_server_bin_dir
from desktop.core.postgres.tools import discover
from desktop.core.progress import CancelToken
from desktop.core.store.profiles import Profile
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.dbcompare import table_hashes
from tests.faults import (
    assert_reads_well,
    backup_files,
    child_processes,
    cut_to,
    flip_byte,
    read_only_folder,
    small_tmpfs,
)
from tests.keyrings import NoKeyring


class RefusingKeyring(KeyringBackend):
    """A keyring that is there but will not answer: locked (a desktop
    session not unlocked yet) or broken (a D-Bus error)."""

    priority = 0

    def __init__(self, locked: bool):
        super().__init__()
        self._error = keyring.errors.KeyringLocked if locked else keyring.errors.KeyringError

    def _refuse(self, *args, **kwargs):
        raise self._error("the test keyring refuses")

    get_password = set_password = delete_password = _refuse


@pytest.fixture
def ws() -> Workspace:
    return Workspace.open()


def statuses(ws: Workspace) -> list[str]:
    return [record.status for record in ws.catalog.list()]


def nothing_started(ws: Workspace) -> None:
    """A failure caught before pg_dump ran: no entry, no file."""
    assert ws.catalog.list() == []
    assert backup_files(ws.paths.backups_dir) == []


def changed_copy(pg15, fresh_db, template: str) -> str:
    """A copy of `template` that differs from it, so a restore that went
    through would show."""
    name = fresh_db(template=template, prefix="target")
    with psycopg.connect(pg15.conninfo(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE keep_me (note text)")
        conn.execute("INSERT INTO keep_me VALUES ('written before the restore')")
    return name


# --- before anything is written -------------------------------------------


def test_wrong_password(ws, pg15, chinook_db, make_profile, secrets):
    profile = make_profile(pg15, chinook_db)
    wrong = "not-the-password-Zq9x"
    secrets.set_password(profile.name, wrong)
    with pytest.raises(AuthenticationFailed) as caught:
        run_backup(ws, BackupRequest(profile=profile.name))
    assert_reads_well(caught.value, "password", "refused", ("check", "profile"),
                      secrets=(wrong, pg15.password))
    nothing_started(ws)


def test_host_unreachable_fails_within_seconds(ws, profile_store):
    profile_store.add(
        Profile(name="nowhere", environment="development", host="127.0.0.1", port=free_port(),
                dbname="app", user="app"),
        password="s3cret-unreachable",
    )
    started = time.monotonic()
    with pytest.raises(ServerUnreachable) as caught:
        run_backup(ws, BackupRequest(profile="nowhere"))
    assert time.monotonic() - started < 12
    assert_reads_well(caught.value, "cannot reach", ("address", "port"), "running",
                      secrets=("s3cret-unreachable",))
    nothing_started(ws)


def test_database_missing(ws, pg15, make_profile):
    profile = make_profile(pg15, "no_such_database_here")
    with pytest.raises(DatabaseMissing) as caught:
        run_backup(ws, BackupRequest(profile=profile.name))
    assert_reads_well(caught.value, "does not exist", "no_such_database_here", ("check", "create"),
                      secrets=(pg15.password,))
    nothing_started(ws)


def test_pg_dump_older_than_the_server(ws, pg18, make_profile, system_tools_only):
    found = discover(ws.tool_dirs())
    if not found or any(tools.major >= pg18.major for tools in found):
        pytest.skip("this case needs a machine whose only pg_dump is older than PostgreSQL 18")
    profile = make_profile(pg18, "postgres")
    with pytest.raises(ToolsTooOld) as caught:
        run_backup(ws, BackupRequest(profile=profile.name))
    assert_reads_well(caught.value, f"PostgreSQL {pg18.major}", found[0].version, "install",
                      secrets=(pg18.password,))
    nothing_started(ws)


def test_archive_newer_than_the_target_tools(ws, pg18, pg15, make_profile, fresh_db, system_tools_only):
    """A backup made by pg_dump 18, then only the system's older tools: restoring says which tools to get."""
    found = discover()
    if not found or any(tools.major >= pg18.major for tools in found):
        pytest.skip("this case needs a machine whose own pg_restore is older than PostgreSQL 18")
    save_settings(ws.paths, Settings(tools_dir=str(embedded_server_bin_dir())))
    make_profile(pg18, "postgres", name="source18")
    record = run_backup(Workspace.open(), BackupRequest(profile="source18", options=BackupOptions(schema_only=True)))
    save_settings(ws.paths, Settings())
    target = fresh_db()
    make_profile(pg15, target, name="target15")
    before = table_hashes(pg15, target)
    with pytest.raises(ToolsTooOld) as caught:
        run_restore(Workspace.open(), RestoreRequest(record.id, into="target15"))
    assert_reads_well(caught.value, f"pg_dump {record.pg_dump_version}", f"PostgreSQL {pg18.major}",
                      "install", secrets=(pg15.password, pg18.password))
    assert table_hashes(pg15, target) == before


@pytest.mark.parametrize("with_password", [False, True], ids=["passwordless", "password"])
def test_no_keyring_backend(pg15, chinook_db, profile_store, with_password):
    # The profile exists (made while a keyring worked); then the keyring goes
    # away, as on a headless server. Even a profile without a password needs
    # the installation key to encrypt with.
    profile_store.add(
        Profile(name="nokeys", environment="development", host=pg15.host, port=pg15.port,
                dbname=chinook_db, user=pg15.superuser),
        password=pg15.password if with_password else None,
    )
    keyring.set_keyring(NoKeyring())
    ws = Workspace.open()
    with pytest.raises(KeyringUnavailable) as caught:
        run_backup(ws, BackupRequest(profile="nokeys"))
    assert_reads_well(caught.value, "keyring", ("install", "unlock"), secrets=(pg15.password,))
    nothing_started(ws)


def test_destination_not_writable(ws, pg15, chinook_db, make_profile, tmp_path):
    profile = make_profile(pg15, chinook_db)
    with read_only_folder(tmp_path / "locked") as locked:
        with pytest.raises(DestinationNotWritable) as caught:
            run_backup(ws, BackupRequest(profile=profile.name, dest=locked))
        assert backup_files(locked) == []
    assert_reads_well(caught.value, "not allowed to write", str(tmp_path / "locked"),
                      ("choose a folder", "another folder"))
    # Refused before connecting: pg_dump never started, nothing in the catalog.
    assert ws.catalog.list() == []


def test_destination_is_a_file(ws, pg15, chinook_db, make_profile, tmp_path):
    profile = make_profile(pg15, chinook_db)
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("my notes")
    with pytest.raises(DestinationError) as caught:
        run_backup(ws, BackupRequest(profile=profile.name, dest=not_a_folder))
    assert not_a_folder.read_text() == "my notes"
    assert ws.catalog.list() == []
    assert_reads_well(caught.value, "not a folder", str(not_a_folder), "choose")


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "broken"])
def test_keyring_locked_or_broken(pg15, chinook_db, make_profile, locked):
    profile = make_profile(pg15, chinook_db)
    keyring.set_keyring(RefusingKeyring(locked))
    ws = Workspace.open()
    with pytest.raises(KeyringUnavailable) as caught:
        run_backup(ws, BackupRequest(profile=profile.name))
    assert_reads_well(caught.value, "keyring", "unlock" if locked else ("install", "unlock"),
                      secrets=(pg15.password,))
    nothing_started(ws)


# --- while the dump runs ------------------------------------------------------


def test_disk_full_keeps_earlier_backups(ws, pg15, chinook_db, noise_db, make_profile, tmp_path):
    small = make_profile(pg15, chinook_db)
    big = make_profile(pg15, noise_db)
    with small_tmpfs(tmp_path / "stick", "4m") as stick:
        earlier = run_backup(ws, BackupRequest(profile=small.name, dest=stick))
        with pytest.raises(DiskFull) as caught:
            run_backup(ws, BackupRequest(profile=big.name, dest=stick))
        assert [p.name for p in backup_files(stick)] == [os.path.basename(earlier.path)]
        assert verify_backup(ws, earlier.id).sha256 == earlier.sha256
    assert_reads_well(caught.value, "full", ("free some space", "another folder"), "untouched")
    failed = ws.catalog.list(profile=big.name)
    assert [r.status for r in failed] == ["failed"]
    assert ws.catalog.get(earlier.id).status == "completed"


def test_pg_dump_killed_midway(ws, pg15, noise_db, make_profile):
    profile = make_profile(pg15, noise_db)
    killed = []
    lock = threading.Lock()

    def kill_pg_dump_once_bytes_flow(progress):
        with lock:
            if killed or progress.bytes_done <= 0:
                return
            for proc in child_processes("pg_dump"):
                proc.send_signal(signal.SIGKILL)
                killed.append(proc.pid)

    with pytest.raises(DumpFailed) as caught:
        run_backup(ws, BackupRequest(profile=profile.name), report=kill_pg_dump_once_bytes_flow)
    assert killed, "pg_dump was never seen running"
    assert_reads_well(caught.value, "stopped before it finished", "no backup file was kept", "try again",
                      secrets=(pg15.password,))
    assert statuses(ws) == ["failed"]
    assert backup_files(ws.paths.backups_dir) == []


def test_connection_lost_mid_dump(ws, pg15, noise_db, make_profile):
    profile = make_profile(pg15, noise_db)
    terminated = []
    lock = threading.Lock()

    def cut_the_connection_once_bytes_flow(progress):
        with lock:
            if terminated or progress.bytes_done <= 0:
                return
            with psycopg.connect(pg15.conninfo(noise_db), autocommit=True) as admin:
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid() AND query LIKE 'COPY %%'",
                    (noise_db,),
                ).fetchall()
            terminated.extend(rows)

    with pytest.raises(DumpFailed) as caught:
        run_backup(ws, BackupRequest(profile=profile.name), report=cut_the_connection_once_bytes_flow)
    assert terminated == [(True,)], "pg_dump's session was not found mid-COPY"
    assert_reads_well(caught.value, "connection", "lost", "no backup file was kept", "try again",
                      secrets=(pg15.password,))
    assert statuses(ws) == ["failed"]
    assert backup_files(ws.paths.backups_dir) == []


# --- reading a backup back ------------------------------------------------------


def test_wrong_key(ws, pg15, chinook_db, fresh_db, make_profile, memory_keyring):
    source = make_profile(pg15, chinook_db)
    record = run_backup(ws, BackupRequest(profile=source.name))
    target_db = fresh_db()
    target = make_profile(pg15, target_db)
    before = table_hashes(pg15, target_db)
    # Another installation, or this one after its key was lost: same
    # catalog, same file, a different key in the keyring.
    memory_keyring.entries[(ws.secrets.service, "installation-key")] = Fernet.generate_key().decode("ascii")
    ws = Workspace.open()
    with pytest.raises(WrongKey) as on_verify:
        verify_backup(ws, record.id)
    assert_reads_well(on_verify.value, "another lifeboat installation", "key")
    with pytest.raises(WrongKey):
        run_restore(ws, RestoreRequest(source=record.id, into=target.name))
    assert table_hashes(pg15, target_db) == before


@pytest.fixture
def noise_backup(ws, pg15, noise_db, make_profile):
    profile = make_profile(pg15, noise_db)
    return run_backup(ws, BackupRequest(profile=profile.name))


def test_flipped_byte(ws, pg15, noise_db, fresh_db, make_profile, noise_backup, capsys):
    size = os.path.getsize(noise_backup.path)
    # Three quarters in: pg_restore has already been fed (and has run) most
    # of the dump, including --clean's DROPs, when the damage shows.
    flip_byte(noise_backup.path, size * 3 // 4)

    with pytest.raises(FileDamaged) as caught:
        verify_backup(ws, noise_backup.id)
    assert_reads_well(caught.value, "damaged", "another copy")

    assert cli_main(["verify", noise_backup.id]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "Traceback" not in err

    target_db = changed_copy(pg15, fresh_db, noise_db)
    target = make_profile(pg15, target_db)
    before = table_hashes(pg15, target_db)
    read = []
    with pytest.raises(FileDamaged):
        run_restore(ws, RestoreRequest(source=noise_backup.id, into=target.name, clean=True),
                    report=lambda progress: read.append(progress.done))
    assert max(read) > size // 2  # pg_restore had been fed most of the dump
    assert table_hashes(pg15, target_db) == before


@pytest.mark.parametrize("keep", [0.5, 0.02], ids=["half", "header-only"])
def test_truncated_file(ws, pg15, noise_db, fresh_db, make_profile, noise_backup, keep):
    cut_to(noise_backup.path, int(os.path.getsize(noise_backup.path) * keep))
    with pytest.raises(FileDamaged) as caught:
        verify_backup(ws, noise_backup.id)
    assert_reads_well(caught.value, ("incomplete", "damaged"), "another copy")

    target_db = changed_copy(pg15, fresh_db, noise_db)
    target = make_profile(pg15, target_db)
    before = table_hashes(pg15, target_db)
    with pytest.raises(FileDamaged):
        run_restore(ws, RestoreRequest(source=noise_backup.id, into=target.name, clean=True))
    assert table_hashes(pg15, target_db) == before


def swap_records(path, first: int) -> None:
    """Swaps data records `first` and `first + 1` (equal length: both full chunks)."""
    with open(path, "r+b") as f:
        offset = header_length(read_header(f))
        spans = []
        while len(spans) < first + 2:
            f.seek(offset)
            (length,) = struct.unpack(">I", f.read(4))
            spans.append((offset, 4 + length))
            offset += 4 + length
        (a, size_a), (_, size_b) = spans[first], spans[first + 1]
        assert size_a == size_b
        f.seek(a)
        both = f.read(size_a + size_b)
        f.seek(a)
        f.write(both[size_a:] + both[:size_a])


def test_reordered_chunks_found_mid_restore(ws, pg15, noise_db, fresh_db, make_profile, noise_backup):
    """The header and end marker are intact, so the file opens; the damage
    shows only once pg_restore has been fed part of the dump."""
    swap_records(noise_backup.path, 6)
    target_db = changed_copy(pg15, fresh_db, noise_db)
    target = make_profile(pg15, target_db)
    before = table_hashes(pg15, target_db)
    read = []
    with pytest.raises(FileDamaged) as caught:
        run_restore(ws, RestoreRequest(source=noise_backup.id, into=target.name, clean=True),
                    report=lambda progress: read.append(progress.done))
    assert max(read) > os.path.getsize(noise_backup.path) // 2  # pg_restore had been fed
    assert_reads_well(caught.value, "damaged", "another copy")
    assert table_hashes(pg15, target_db) == before


@pytest.mark.parametrize("content", ["text", "pg_dump"])
def test_not_a_backup_file(ws, pg15, chinook_db, fresh_db, make_profile, tmp_path, content):
    path = tmp_path / "holiday-photos.lifeboat"
    if content == "text":
        path.write_text("These are my notes, not a backup.\n" * 100)
    else:
        # The standard pg_dump file a backup holds: a natural mix-up.
        record = run_backup(ws, BackupRequest(profile=make_profile(pg15, chinook_db).name))
        decrypt_backup(ws, record.id, path)
    target_db = fresh_db()
    target = make_profile(pg15, target_db)
    with pytest.raises(NotABackupFile) as caught:
        verify_backup(ws, str(path))
    assert_reads_well(caught.value, "not a lifeboat backup")
    with pytest.raises(NotABackupFile):
        run_restore(ws, RestoreRequest(source=str(path), into=target.name))
    assert table_hashes(pg15, target_db) == {}


# --- restoring into a database that holds data ------------------------------


@pytest.fixture
def chinook_backup(ws, pg15, chinook_db, make_profile):
    return run_backup(ws, BackupRequest(profile=make_profile(pg15, chinook_db).name))


@pytest.mark.parametrize("confirm", [None, "", "wrong_name"], ids=["missing", "empty", "wrong"])
def test_production_restore_needs_the_database_name(ws, pg15, chinook_db, fresh_db, make_profile,
                                                     chinook_backup, confirm):
    target_db = changed_copy(pg15, fresh_db, chinook_db)
    target = make_profile(pg15, target_db, environment="production")
    before = table_hashes(pg15, target_db)
    with pytest.raises(ConfirmationRequired) as caught:
        run_restore(ws, RestoreRequest(source=chinook_backup.id, into=target.name, clean=True,
                                       confirm=confirm))
    assert_reads_well(caught.value, "production", target_db, f"--confirm {target_db}", "safety backup")
    assert table_hashes(pg15, target_db) == before
    assert [r.id for r in ws.catalog.list()] == [chinook_backup.id]  # no safety backup taken


def test_production_restore_with_confirmation_takes_a_safety_backup(ws, pg15, chinook_db, fresh_db,
                                                                   make_profile, chinook_backup):
    target_db = changed_copy(pg15, fresh_db, chinook_db)
    target = make_profile(pg15, target_db, environment="production")
    result = run_restore(ws, RestoreRequest(source=chinook_backup.id, into=target.name, clean=True,
                                            confirm=target_db))
    assert result.ok
    safety = ws.catalog.get(result.safety_backup_id)
    assert (safety.kind, safety.status, safety.profile, safety.database) == (
        "safety", "completed", target.name, target_db)
    assert "public.keep_me" in safety.row_counts  # taken before the restore replaced anything
    assert verify_backup(ws, safety.id).sha256 == safety.sha256
    restored = table_hashes(pg15, target_db)
    source = table_hashes(pg15, chinook_db)
    assert {k: v for k, v in restored.items() if k != "public.keep_me"} == source


def test_restore_into_a_database_with_tables_needs_clean(ws, pg15, chinook_db, fresh_db, make_profile,
                                                         chinook_backup):
    target_db = changed_copy(pg15, fresh_db, chinook_db)
    target = make_profile(pg15, target_db)
    before = table_hashes(pg15, target_db)
    with pytest.raises(RestoreFailed) as caught:
        run_restore(ws, RestoreRequest(source=chinook_backup.id, into=target.name))
    assert_reads_well(caught.value, "already contains", target_db, ("replace", "--clean"), "empty database")
    assert table_hashes(pg15, target_db) == before


def test_restore_into_a_missing_database_without_create(ws, pg15, make_profile, chinook_backup):
    target = make_profile(pg15, "not_created_yet")
    with pytest.raises(DatabaseMissing) as caught:
        run_restore(ws, RestoreRequest(source=chinook_backup.id, into=target.name))
    assert_reads_well(caught.value, "does not exist", "not_created_yet", "--create")


def test_restore_into_a_backups_only_profile(ws, pg15, chinook_db, fresh_db, make_profile, chinook_backup):
    target_db = fresh_db()
    target = make_profile(pg15, target_db, read_only=True)
    with pytest.raises(UsageError) as caught:
        run_restore(ws, RestoreRequest(source=chinook_backup.id, into=target.name, confirm=target_db))
    assert_reads_well(caught.value, "backups only", ("another profile", "choose"))
    assert table_hashes(pg15, target_db) == {}


def test_safety_backup_failure_stops_a_production_restore(ws, pg15, chinook_db, fresh_db, make_profile,
                                                         tmp_path):
    source = make_profile(pg15, chinook_db)
    record = run_backup(ws, BackupRequest(profile=source.name, dest=tmp_path / "elsewhere"))
    target_db = changed_copy(pg15, fresh_db, chinook_db)
    target = make_profile(pg15, target_db, environment="production")
    before = table_hashes(pg15, target_db)
    # The safety backup goes to the default folder, which cannot take it.
    with read_only_folder(ws.paths.backups_dir):
        with pytest.raises(DestinationNotWritable):
            run_restore(ws, RestoreRequest(source=record.id, into=target.name, clean=True, confirm=target_db))
    assert table_hashes(pg15, target_db) == before
    assert [r.kind for r in ws.catalog.list()] == ["manual"]


def test_backup_file_gone(ws, pg15, chinook_db, make_profile, chinook_backup, capsys):
    os.unlink(chinook_backup.path)
    with pytest.raises(BackupFileError) as caught:
        verify_backup(ws, chinook_backup.id)
    assert_reads_well(caught.value, "missing", chinook_backup.path, ("drive", "rebuild"))
    assert cli_main(["verify", chinook_backup.id]) == 1
    assert "missing" in capsys.readouterr().err


def test_reading_an_unfinished_backup(ws, pg15, chinook_db, make_profile):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        run_backup(ws, BackupRequest(profile=make_profile(pg15, chinook_db).name), cancel=cancel)
    [entry] = ws.catalog.list()
    with pytest.raises(UnknownBackup) as caught:
        verify_backup(ws, entry.id)
    assert_reads_well(caught.value, "did not complete", entry.status)


def test_a_path_that_does_not_exist(ws, tmp_path):
    missing = tmp_path / "shop_20260101T000000Z.dump.lifeboat"
    with pytest.raises(LifeboatError) as caught:
        verify_backup(ws, str(missing))
    assert_reads_well(caught.value, "file", "does not exist", str(missing))
