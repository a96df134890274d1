"""Nothing secret or unencrypted outlives a job, even a killed one (issue 11,
"Secrets and plaintext left behind"): the password file, staging's plaintext
dump files, a URL typed where a profile name belongs, and files other
accounts could read.
"""
import json
import logging
import os
import signal
import stat
from pathlib import Path

import pytest

from desktop.cli.main import main as cli_main
from desktop.core.errors import LifeboatError
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.scratch import job_folder
from desktop.core.store.audit_log import AuditLog
from desktop.core.workspace import Workspace
from tests.faults import backup_files, tables_held, wait_for, waits_for_a_lock
from tests.integration.cli_helpers import lifeboat_process

URL_PASSWORD = "Pw-in-the-URL-7731"


def files_holding(folder: Path, secret: str) -> list[Path]:
    found = []
    for path in Path(folder).rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and secret.encode() in path.read_bytes():
                found.append(path)
        except OSError:
            pass
    return found


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The children's temporary folder, so other test runs' files never count."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def staged_files(ws_home: Path) -> list[Path]:
    staging = ws_home / "data" / "staging"
    return [p for p in staging.rglob("*") if p.is_file() and p.stat().st_size > 0] if staging.exists() else []


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill -9", "SIGTERM"])
def test_no_password_file_outlives_a_stopped_backup(pg15, noise_db, make_profile, keyring_file, lifeboat_home,
                                                    private_tmp, how):
    profile = make_profile(pg15, noise_db)
    with tables_held(pg15, noise_db):
        proc = lifeboat_process("backup", profile.name)
        try:
            wait_for(lambda: waits_for_a_lock(pg15, noise_db) and backup_files(lifeboat_home / "backups"),
                     what="pg_dump to be under way")
        finally:
            proc.send_signal(how)
            _, err = proc.communicate(timeout=60)
    for folder in (private_tmp, lifeboat_home):
        assert files_holding(folder, pg15.password) == [], f"the password outlived the job in {folder}"
    if how == signal.SIGTERM:
        assert proc.returncode == 1 and b"cancelled" in err
        assert backup_files(lifeboat_home / "backups") == []


def test_sigterm_removes_the_staged_plaintext_at_once(pg15, noise_db, make_profile, keyring_file, lifeboat_home,
                                                      private_tmp):
    profile = make_profile(pg15, noise_db)
    proc = lifeboat_process("backup", profile.name, "--format", "directory")
    try:
        wait_for(lambda: staged_files(lifeboat_home), what="pg_dump -Fd to write into staging")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert staged_files(lifeboat_home) == []


def _killed_with_plaintext_in_staging(lifeboat_home: Path, *args: str) -> list[Path]:
    proc = lifeboat_process(*args)
    try:
        staged = wait_for(lambda: staged_files(lifeboat_home), what="plaintext in staging")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert all(p.exists() for p in staged)  # what a kill -9 leaves: no finally ran
    # Counted again now: pg_dump may have opened another (still empty) file before the kill.
    return [p for p in (lifeboat_home / "data" / "staging").rglob("*") if p.is_file()]


def _assert_next_start_empties_staging(lifeboat_home: Path, staged: list[Path]) -> None:
    assert cli_main(["list", "--json"]) == 0
    staging = lifeboat_home / "data" / "staging"
    assert list(staging.iterdir()) == []
    log_text = (lifeboat_home / "logs" / "lifeboat.log").read_text()
    assert f"Removed {len(staged)} unencrypted file(s)" in log_text
    [record] = [r for r in AuditLog(lifeboat_home / "data" / "audit.jsonl").records() if r.action == "cleanup"]
    assert "staging" in record.message


def test_next_start_empties_staging_after_a_killed_directory_backup(pg15, noise_db, make_profile, keyring_file,
                                                                  lifeboat_home, capsys):
    profile = make_profile(pg15, noise_db)
    staged = _killed_with_plaintext_in_staging(lifeboat_home, "backup", profile.name, "--format", "directory")
    _assert_next_start_empties_staging(lifeboat_home, staged)


def test_next_start_empties_staging_after_a_killed_parallel_restore(pg15, pg18, noise_db, make_profile,
                                                                   keyring_file, lifeboat_home, capsys):
    source = make_profile(pg15, noise_db)
    # A directory backup: a custom one goes to Lifeboat's own workers, which stage nothing.
    record = run_backup(Workspace.open(), BackupRequest(profile=source.name, options=BackupOptions(format="directory")))
    # Into PostgreSQL 18: with the PostgreSQL 18 tools a server <= 16 takes
    # the one-transaction script route, which stages nothing.
    pg18.create_database("parallel_target")
    try:
        target = make_profile(pg18, "parallel_target")
        staged = _killed_with_plaintext_in_staging(
            lifeboat_home, "restore", record.id, "--into", target.name, "--jobs", "2")
        _assert_next_start_empties_staging(lifeboat_home, staged)
    finally:
        pg18.drop_database("parallel_target")


def test_a_running_jobs_staging_is_left_alone(lifeboat_home):
    ws = Workspace.open()
    with job_folder(ws.paths.staging_dir) as mine:
        (Path(mine) / "toc.dat").write_bytes(b"plaintext of a job still running")
        Workspace.open()  # another Lifeboat starting meanwhile
        assert (Path(mine) / "toc.dat").exists()


# --- a URL where a profile name belongs --------------------------------------------


def test_a_url_given_as_profile_name_is_never_echoed(capsys, lifeboat_home):
    url = f"postgresql://app:{URL_PASSWORD}@db.example.com/shop"
    assert cli_main(["backup", url]) == 2
    err = capsys.readouterr().err
    assert URL_PASSWORD not in err
    assert "lifeboat profile add NAME --url" in err
    for name in ("logs/lifeboat.log", "data/audit.jsonl"):
        path = lifeboat_home / name
        assert path.exists() and URL_PASSWORD not in path.read_text(), f"the password is in {name}"
    [record] = AuditLog(lifeboat_home / "data" / "audit.jsonl").records()
    assert URL_PASSWORD not in json.dumps(record.__dict__)


@pytest.mark.parametrize("text", [
    f"postgresql://app:{URL_PASSWORD}@host/db",
    f"postgres://app:p@ss{URL_PASSWORD}@host:5432/db?sslmode=require",
    f"host=db user=app password={URL_PASSWORD} dbname=shop",
    f"PGPASSWORD={URL_PASSWORD}",
])
def test_passwords_are_redacted_in_errors_and_the_log(text, lifeboat_home):
    error = LifeboatError(f"Could not use {text}.", detail=f"tool said: {text}")
    assert URL_PASSWORD not in error.message and URL_PASSWORD not in error.detail
    Workspace.open()
    logging.getLogger("lifeboat.test").warning("connecting with %s", text)
    assert URL_PASSWORD not in (lifeboat_home / "logs" / "lifeboat.log").read_text()


# --- private to the user -------------------------------------------------------------


def test_everything_under_lifeboat_home_is_private(lifeboat_home, pg15, chinook_db, make_profile):
    old_umask = os.umask(0o022)
    try:
        # What an older version left: a catalog and a log readable by everyone.
        for name in ("data/catalog.sqlite3", "logs/lifeboat.log"):
            (lifeboat_home / name).parent.mkdir(parents=True, exist_ok=True)
            (lifeboat_home / name).touch(mode=0o644)
            os.chmod(lifeboat_home / name, 0o644)
        os.chmod(lifeboat_home, 0o755)
        profile = make_profile(pg15, chinook_db)
        assert cli_main(["list"]) == 0  # the start tightens what was there
        assert cli_main(["backup", profile.name]) == 0  # what this run creates is private from the start
    finally:
        os.umask(old_umask)
    found = [lifeboat_home, *lifeboat_home.rglob("*")]
    loose = [f"{p} {oct(stat.S_IMODE(p.stat().st_mode))}" for p in found
             if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)]
    assert loose == []
