"""The CLI contract (CLI.md), run as real `python -m desktop` processes the
way schedulers and scripts run it: exit codes, what goes to stdout and what
to stderr, JSON shapes, and secrets kept out of argv and files.

The child processes share secrets with the test through the test-only
FileKeyring (tests/keyrings.py).
"""
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from desktop.core.localpg.cluster import free_port
from tests.dbcompare import row_counts, table_hashes
from tests.faults import backup_files, flip_byte, tables_held, wait_for, waits_for_a_lock
from tests.integration.cli_helpers import REPO, backup_id, child_env, failed_cleanly, ok

# CLI.md, "JSON shapes"
BACKUP_FIELDS = {
    "id", "profile", "environment", "database", "status", "path", "size_bytes", "sha256",
    "started_at", "finished_at", "format", "row_counts", "kind", "proven_restorable_at", "copies",
}


# --- version and profiles -------------------------------------------------------


def test_version(lifeboat):
    result = ok(lifeboat("--version"))
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Lifeboat ")
    assert any(line.startswith("Qt ") for line in lines)
    assert any(line.startswith("pg_dump ") for line in lines)
    assert any(line.startswith("pg_restore ") for line in lines)


def test_help_lists_the_demo_and_the_window_without_a_display_says_what_to_do(lifeboat):
    assert "--demo" in ok(lifeboat("--help")).stdout
    env = {key: value for key, value in child_env().items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    for args in ([], ["--demo"]):
        result = subprocess.run([sys.executable, "-m", "desktop", *args], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            "No display found: run Lifeboat from your desktop, or use the `lifeboat` commands "
            "(see `lifeboat --help`).")


def test_profile_add_from_a_url_moves_the_password_to_the_keyring(lifeboat, pg15, chinook_db,
                                                                   keyring_file, lifeboat_home):
    url = f"postgresql://{pg15.superuser}:{pg15.password}@{pg15.host}:{pg15.port}/{chinook_db}?sslmode=require"
    result = ok(lifeboat("profile", "add", "shop", "--url", url, "--env", "production"))
    assert pg15.password not in result.stdout + result.stderr
    profiles = (lifeboat_home / "config" / "profiles.json").read_text()
    assert pg15.password not in profiles
    assert "shop" in profiles
    assert pg15.password in keyring_file.read_text()

    shown = json.loads(ok(lifeboat("profile", "show", "shop", "--json")).stdout)
    assert (shown["host"], shown["port"], shown["dbname"], shown["user"], shown["environment"],
            shown["sslmode"]) == (pg15.host, pg15.port, chinook_db, pg15.superuser, "production", "require")
    assert pg15.password not in json.dumps(shown)
    tested = ok(lifeboat("profile", "test", "shop"))  # the stored password works
    assert "Connected" in tested.stdout


def test_profile_add_with_password_stdin(lifeboat, pg15, chinook_db, keyring_file, lifeboat_home):
    result = ok(lifeboat("profile", "add", "piped", "--host", pg15.host, "--port", str(pg15.port),
                         "--dbname", chinook_db, "--user", pg15.superuser, "--env", "development",
                         "--password-stdin", input=pg15.password + "\n"))
    assert pg15.password not in result.stdout + result.stderr
    assert pg15.password not in (lifeboat_home / "config" / "profiles.json").read_text()
    assert pg15.password in keyring_file.read_text()
    ok(lifeboat("profile", "test", "piped"))
    listed = json.loads(ok(lifeboat("profile", "list", "--json")).stdout)
    assert [p["name"] for p in listed] == ["piped"]


# --- the everyday commands -------------------------------------------------------


def test_backup_list_show_verify_decrypt_restore(lifeboat, pg15, chinook_db, fresh_db, make_profile, tmp_path):
    source = make_profile(pg15, chinook_db)
    new_id = backup_id(lifeboat, source.name)

    listed = json.loads(ok(lifeboat("list", "--json")).stdout)
    assert isinstance(listed, list) and [entry["id"] for entry in listed] == [new_id]
    assert BACKUP_FIELDS <= set(listed[0])
    assert json.loads(ok(lifeboat("list", "--profile", source.name, "--json")).stdout) == listed
    assert json.loads(ok(lifeboat("list", "--profile", "someone-else", "--json")).stdout) == []
    assert new_id in ok(lifeboat("list")).stdout

    shown = json.loads(ok(lifeboat("show", new_id[:6], "--json")).stdout)
    assert isinstance(shown, dict) and BACKUP_FIELDS <= set(shown)
    assert (shown["id"], shown["profile"], shown["environment"], shown["database"], shown["status"],
            shown["format"], shown["kind"]) == (new_id, source.name, "development", chinook_db,
                                                "completed", "custom", "manual")
    assert shown["row_counts"] == row_counts(pg15, chinook_db)
    assert Path(shown["path"]).is_file() and shown["size_bytes"] == Path(shown["path"]).stat().st_size
    assert shown["finished_at"] >= shown["started_at"]
    assert new_id in ok(lifeboat("show", new_id)).stdout

    ok(lifeboat("verify", new_id))
    ok(lifeboat("verify", shown["path"]))

    out = tmp_path / "chinook.dump"
    decrypted = ok(lifeboat("decrypt", new_id, "--out", str(out)))
    assert decrypted.stdout.strip() == str(out)
    assert out.read_bytes()[:5] == b"PGDMP"  # a standard pg_dump custom archive

    target_db = fresh_db()
    target = make_profile(pg15, target_db)
    restored = ok(lifeboat("restore", new_id, "--into", target.name))
    assert "public.track" in restored.stdout  # the per-table check is a result: stdout
    assert "Verified" in restored.stderr
    assert table_hashes(pg15, target_db) == table_hashes(pg15, chinook_db)


@pytest.mark.skipif(os.name == "nt", reason="pseudo-terminals are POSIX")
def test_progress_bar_on_a_terminal_only(keyring_file, pg15, chinook_db, make_profile):
    import pty

    profile = make_profile(pg15, chinook_db)
    controller, terminal = pty.openpty()
    drawn = bytearray()

    def read_terminal() -> None:
        # Drained as it comes: a full pty buffer would stall the child.
        while True:
            try:
                data = os.read(controller, 4096)
            except OSError:  # EIO once the child closed its end
                return
            if not data:
                return
            drawn.extend(data)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    try:
        proc = subprocess.run([sys.executable, "-m", "desktop", "backup", profile.name], cwd=REPO,
                              env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=terminal, text=True, timeout=120)
    finally:
        os.close(terminal)
        reader.join(timeout=10)
        os.close(controller)
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 1  # the bar never reaches stdout
    text = drawn.decode("utf-8", "replace")
    assert "\r[" in text and "#" in text and "elapsed" in text


# --- exit codes ------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["backup", "--bogus-flag", "x"],
    ["backup"],
    ["list", "--format", "xml"],
    ["restore", "abc"],  # --into is required
    ["frobnicate"],
])
def test_bad_usage_exits_2(lifeboat, args):
    result = lifeboat(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "usage:" in result.stderr


def test_unknown_backup_or_profile_exits_2(lifeboat, pg15, chinook_db, make_profile):
    failed_cleanly(lifeboat("show", "ffffffffffff"), 2, "no backup", "lifeboat list")
    failed_cleanly(lifeboat("verify", "ffffffffffff"), 2, "no backup")
    failed_cleanly(lifeboat("backup", "no-such-profile"), 2, "no-such-profile")
    make_profile(pg15, chinook_db, name="real")
    failed_cleanly(lifeboat("backup", "real", "--jobs", "4"), 2, "directory")


def test_a_failed_backup_exits_1_with_one_line(lifeboat, profile_store, pg15, lifeboat_home):
    from desktop.core.store.profiles import Profile

    profile_store.add(Profile(name="down", environment="development", host="127.0.0.1",
                              port=free_port(), dbname="app", user="app"), password="pw-of-down")
    result = lifeboat("backup", "down")
    message = failed_cleanly(result, 1, "cannot reach")
    assert result.stderr.strip() == message  # one line, nothing else
    assert "pw-of-down" not in result.stderr
    assert backup_files(lifeboat_home / "backups") == []


def test_verify_of_a_damaged_file_exits_1(lifeboat, pg15, chinook_db, make_profile):
    new_id = backup_id(lifeboat, make_profile(pg15, chinook_db).name)
    path = json.loads(ok(lifeboat("show", new_id, "--json")).stdout)["path"]
    flip_byte(path, os.path.getsize(path) // 2)
    failed_cleanly(lifeboat("verify", new_id), 1, "damaged")
    failed_cleanly(lifeboat("verify", path), 1, "damaged")


def test_production_restore_without_confirm_exits_1(lifeboat, pg15, chinook_db, fresh_db, make_profile):
    new_id = backup_id(lifeboat, make_profile(pg15, chinook_db).name)
    target_db = fresh_db(template=chinook_db)
    target = make_profile(pg15, target_db, environment="production")
    before = table_hashes(pg15, target_db)
    failed_cleanly(lifeboat("restore", new_id, "--into", target.name, "--clean"), 1,
                   "production", f"--confirm {target_db}")
    failed_cleanly(lifeboat("restore", new_id, "--into", target.name, "--clean", "--confirm", "nope"), 1,
                   "production")
    assert table_hashes(pg15, target_db) == before
    listed = json.loads(ok(lifeboat("list", "--json")).stdout)
    assert [entry["kind"] for entry in listed] == ["manual"]  # no safety backup for a refused restore

    ok(lifeboat("restore", new_id, "--into", target.name, "--clean", "--confirm", target_db))
    kinds = sorted(entry["kind"] for entry in json.loads(ok(lifeboat("list", "--json")).stdout))
    assert kinds == ["manual", "safety"]


# --- Ctrl-C ------------------------------------------------------------------------------


def test_ctrl_c_stops_a_backup_cleanly(lifeboat, pg15, noise_db, make_profile, lifeboat_home):
    profile = make_profile(pg15, noise_db)
    backups = lifeboat_home / "backups"
    with tables_held(pg15, noise_db):
        # A shell running its commands in the background ignores SIGINT for them, and Python
        # then leaves it ignored: give the child the default a terminal would.
        proc = subprocess.Popen([sys.executable, "-m", "desktop", "backup", profile.name], cwd=REPO,
                                env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            wait_for(lambda: backup_files(backups) and waits_for_a_lock(pg15, noise_db),
                     what="the backup's pg_dump to wait for its table")
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 1, stderr
    assert stdout == ""
    assert "Traceback" not in stderr and "cancelled" in stderr.lower()
    [entry] = json.loads(ok(lifeboat("list", "--json")).stdout)
    assert entry["status"] == "cancelled"
    assert backup_files(backups) == []

    def pg_dump_gone():
        with psycopg.connect(pg15.conninfo(), autocommit=True) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (noise_db,)
            ).fetchone()[0] == 0
    wait_for(pg_dump_gone, timeout=10, what="pg_dump's session to end")


def test_lifeboat_label_from_the_command_line(lifeboat):
    from desktop.core.workspace import Workspace
    from tests.catalog_entries import add_backup

    add_backup(Workspace.open(), "c2def")
    result = lifeboat("label", "c2d", "before the 3.2 migration")
    assert result.returncode == 0, result.stderr
    listed = json.loads(lifeboat("list", "--json").stdout)
    assert listed[0]["label"] == "before the 3.2 migration"
    assert lifeboat("label", "nope", "x").returncode == 2
