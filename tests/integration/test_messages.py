"""Messages that were wrong or unclear (issue 11), each reproduced the way a
user met it: through the command line where the issue gives a command."""
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from desktop.cli.main import main as cli_main
from desktop.core.errors import RestoreFailed
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.run import RestoreRequest, run_restore
from desktop.core.localpg.cluster import LocalCluster
from desktop.core.localpg.server_programs import find_server_bin_dirs
from desktop.core.workspace import Workspace
from tests.dbcompare import table_hashes
from tests.faults import assert_reads_well, fill_with_noise

REPO = Path(__file__).resolve().parents[2]


def cli_message(capsys, *args: str, code: int = 1) -> str:
    """Runs the CLI in this process; its one-line message on stderr."""
    assert cli_main(list(args)) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected" not in err, err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("in_the_way", ["", "data"], ids=["LIFEBOAT_HOME", "the catalog's folder"])
def test_a_file_where_a_folder_belongs_is_named(lifeboat_home, capsys, in_the_way):
    culprit = lifeboat_home / in_the_way if in_the_way else lifeboat_home
    culprit.parent.mkdir(parents=True, exist_ok=True)
    culprit.write_text("not a folder")
    message = cli_message(capsys, "list")
    assert f"the folder {culprit}, but there is a file of that name in the way" in message
    assert "Rename or move that file" in message


def test_verify_a_folder_says_it_is_a_folder(tmp_path, capsys):
    message = cli_message(capsys, "verify", str(tmp_path), code=2)
    assert message == (f"lifeboat: {tmp_path} is a folder, not a backup file. Give the path of one backup file "
                       "(NAME.lifeboat) or a backup's id; to add every backup in a folder to the catalog, "
                       "run `lifeboat catalog rebuild FOLDER`.")


@pytest.mark.parametrize("url", ["postgresql://u@h1,h2/db", "postgresql://u@h1:5432,h2:5433/db",
                                 "postgresql:///db?host=h1,h2"])
def test_a_url_naming_several_servers_says_so(capsys, url):
    message = cli_message(capsys, "profile", "add", "shop", "--url", url, "--env", "development", code=2)
    assert "names several servers" in message and "one server per profile" in message
    assert "65535" not in message


def test_verify_full_without_a_root_certificate_names_the_default_place(pg15, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.postgresql/root.crt there
    url = f"postgresql://{pg15.superuser}@{pg15.host}:{pg15.port}/postgres?sslmode=verify-full"
    cli_main(["profile", "add", "secure", "--url", url, "--env", "development"])
    capsys.readouterr()
    message = cli_message(capsys, "profile", "test", "secure")
    assert "None" not in message
    assert "names no root certificate file" in message and "verify-full" in message
    assert "--sslrootcert" in message and '"require"' in message


def test_a_reader_closing_the_pipe_ends_the_command_quietly(tmp_path):
    # `lifeboat list --json | head -c 10`, made certain: the reader is gone
    # before the command writes anything.
    child = subprocess.Popen([sys.executable, "-m", "desktop", "list", "--json"], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(60) == 1
    assert err == ""


def test_data_appended_after_a_backup_is_named_as_such(pg15, chinook_db, make_profile, capsys):
    ws = Workspace.open()
    record = run_backup(ws, BackupRequest(make_profile(pg15, chinook_db).name))
    with open(record.path, "ab") as f:
        f.write(b"garbage appended by a careless copy tool")
    message = cli_message(capsys, "verify", record.path)
    assert "Extra data follows the end of this backup file" in message
    assert "incomplete" not in message


@pytest.fixture(scope="module")
def restartable(tmp_path_factory):
    """A server of this module's own: restarting pg15 would disturb the session's other tests."""
    cluster = LocalCluster(find_server_bin_dirs()[0], tmp_path_factory.mktemp("restart") / "data", fast=True)
    cluster.start()
    yield cluster
    cluster.destroy()


def test_a_server_restart_during_a_plain_restore_says_the_connection_was_lost(restartable, make_profile):
    restartable.create_database("source")
    fill_with_noise(restartable.conninfo("source"), 16)
    restartable.create_database("target")
    with psycopg.connect(restartable.conninfo("target"), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id integer PRIMARY KEY)")
        conn.execute("INSERT INTO orders SELECT generate_series(1, 100)")
        # Two tables: psql then prints "DETAIL: drop cascades to table orders", which was reported as the cause.
        conn.execute("CREATE TABLE customers (id integer PRIMARY KEY)")
    ws = Workspace.open()
    source = make_profile(restartable, "source")
    target = make_profile(restartable, "target")
    backup = run_backup(ws, BackupRequest(source.name, options=BackupOptions(format="plain")))
    before = table_hashes(restartable, "target")
    restarted = threading.Event()

    def restart_mid_restore(progress):
        # Called on the job's thread between blocks: psql holds a half-done transaction now.
        if progress.phase == "Restoring" and progress.done > 4 << 20 and not restarted.is_set():
            restarted.set()
            restartable.stop()  # pg_ctl -m fast: every session is ended
            restartable.start()

    with pytest.raises(RestoreFailed) as caught:
        run_restore(ws, RestoreRequest(source=backup.id, into=target.name, clean=True), report=restart_mid_restore)
    assert restarted.is_set()
    assert_reads_well(caught.value, "connection to the database server was lost", "database is unchanged",
                      "restore again")
    assert "drop cascades" not in caught.value.message
    assert table_hashes(restartable, "target") == before
