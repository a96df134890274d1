"""`lifeboat alerts ...` and `lifeboat settings ...` as real processes (CLI.md spellings and exit codes)."""
import json
import os
from pathlib import Path

from tests.alert_servers import PASSWORD, USER, closed_port, smtp_server, webhook_server
from tests.integration.cli_helpers import backup_id, failed_cleanly, ok


def test_alerts_add_list_test_and_remove(lifeboat, keyring_file):
    failed_cleanly(lifeboat("alerts", "test"), 1, "no alert channels")
    with smtp_server() as box, webhook_server() as hook:
        mail_id = ok(lifeboat("alerts", "add", "email", "--to", "owner@example.com", "--smtp",
                              f"127.0.0.1:{box.port}")).stdout.strip()
        hook_id = ok(lifeboat("alerts", "add", "webhook", "--url", hook.url, "--on-success")).stdout.strip()
        tested = ok(lifeboat("alerts", "test"))
        assert box.messages[0]["To"] == "owner@example.com" and hook.posts[0]["event"] == "test"
    assert tested.stdout.count(": sent") == 2
    listed = {c["id"]: c for c in json.loads(ok(lifeboat("alerts", "list", "--json")).stdout)}
    assert set(listed) == {mail_id, hook_id}
    assert listed[hook_id]["on_success"] is True and listed[mail_id]["last_ok_at"]
    assert "E-mail to owner@example.com" in ok(lifeboat("alerts", "list")).stdout
    ok(lifeboat("alerts", "remove", mail_id))
    failed_cleanly(lifeboat("alerts", "remove", mail_id), 2, "no alert channel")
    assert [c["id"] for c in json.loads(ok(lifeboat("alerts", "list", "--json")).stdout)] == [hook_id]


def test_alerts_test_exits_1_naming_the_channel_that_failed_and_list_shows_it(lifeboat):
    port = closed_port()
    ok(lifeboat("alerts", "add", "email", "--to", "o@example.com", "--smtp", f"127.0.0.1:{port}", "--starttls",
                "--user", USER, "--password-stdin", input=PASSWORD + "\n"))
    with webhook_server() as hook:
        ok(lifeboat("alerts", "add", "webhook", "--url", hook.url))
        result = lifeboat("alerts", "test")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("lifeboat: 1 of 2 alert channels did not get the test alert")
    assert f"127.0.0.1:{port}" in message and "nothing answered" in message
    assert hook.posts and hook.posts[0]["event"] == "test"
    listed = ok(lifeboat("alerts", "list")).stdout
    assert "nothing answered" in listed
    assert PASSWORD not in listed and PASSWORD not in ok(lifeboat("alerts", "list", "--json")).stdout


def test_alerts_add_refusals_are_usage_errors(lifeboat):
    failed_cleanly(lifeboat("alerts", "add", "email", "--to", "nobody", "--smtp", "smtp.example.com"), 2,
                   "not an e-mail address")
    failed_cleanly(lifeboat("alerts", "add", "email", "--to", "o@example.com", "--smtp", "smtp.example.com",
                            "--starttls", "--ssl"), 2)
    failed_cleanly(lifeboat("alerts", "add", "email", "--to", "o@example.com", "--smtp", "smtp.example.com",
                            "--user", USER), 2, "password")
    failed_cleanly(lifeboat("alerts", "add", "webhook", "--url", "ftp://example.com"), 2, "not a web address")


def test_settings_show_and_set_with_refusals(lifeboat, tmp_path):
    shown = json.loads(ok(lifeboat("settings", "show", "--json")).stdout)
    assert shown["trash_days"] == 7 and shown["time_zone"] is None and shown["in_use"]["time_zone"]
    ok(lifeboat("settings", "set", "trash_days", "14"))
    ok(lifeboat("settings", "set", "time-zone", "America/New_York"))
    ok(lifeboat("settings", "set", "stall_minutes", "12.5"))
    failed_cleanly(lifeboat("settings", "set", "time_zone", "Mars/Olympus"), 2, "not a time zone")
    failed_cleanly(lifeboat("settings", "set", "time_zone", "america/new_york"), 2, "Did you mean America/New_York")
    failed_cleanly(lifeboat("settings", "set", "trash_days", "0"), 2, "more than 0")
    failed_cleanly(lifeboat("settings", "set", "trash_days", "1.5"), 2, "whole number")
    failed_cleanly(lifeboat("settings", "set", "lock_wait_minutes", "nan"), 2, "more than 0")
    failed_cleanly(lifeboat("settings", "set", "backups_dir", str(tmp_path / "missing")), 2, "does not exist")
    failed_cleanly(lifeboat("settings", "set", "colour", "red"), 2, "no setting")
    failed_cleanly(lifeboat("settings", "set", "stale_after_hours.nobody", "5"), 2, "nobody")
    shown = json.loads(ok(lifeboat("settings", "show", "--json")).stdout)
    assert (shown["trash_days"], shown["time_zone"], shown["stall_minutes"]) == (14, "America/New_York", 12.5)
    table = ok(lifeboat("settings", "show")).stdout
    assert "America/New_York" in table and "Days a deleted backup stays in the trash" in table
    ok(lifeboat("settings", "set", "time_zone", "default"))
    assert json.loads(ok(lifeboat("settings", "show", "--json")).stdout)["time_zone"] is None
    audit = json.loads(ok(lifeboat("audit", "list", "--json")).stdout)
    changes = [r["message"] for r in audit if r["action"] == "settings"]
    assert changes[0] == "trash_days: 7 → 14" and changes[-1] == "time_zone: America/New_York → default"


def test_a_read_only_backup_folder_is_refused(lifeboat, tmp_path):
    if os.geteuid() == 0:
        folder = Path("/proc/sys")  # not writable even for root
    else:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o500)
    failed_cleanly(lifeboat("settings", "set", "backups_dir", str(folder)), 2)


def test_backups_go_to_the_folder_set_in_settings(lifeboat, pg15, chinook_db, make_profile, tmp_path):
    folder = tmp_path / "chosen backups"
    folder.mkdir()
    ok(lifeboat("settings", "set", "backups_dir", str(folder)))
    new_id = backup_id(lifeboat, make_profile(pg15, chinook_db).name)
    shown = json.loads(ok(lifeboat("show", new_id, "--json")).stdout)
    assert Path(shown["path"]).parent == folder.resolve()
    ok(lifeboat("settings", "set", "stale_after_hours." + shown["profile"], "36"))
    assert json.loads(ok(lifeboat("settings", "show", "--json")).stdout)["stale_after_hours"] == {
        shown["profile"]: 36.0}


def test_a_damaged_catalog_is_rebuilt_from_both_backup_folders(lifeboat, lifeboat_home, pg15, chinook_db,
                                                                make_profile, tmp_path):
    """Backups made before the default folder was changed stay in Lifeboat's own folder: both are read."""
    name = make_profile(pg15, chinook_db).name
    before = backup_id(lifeboat, name)
    folder = tmp_path / "nas"
    folder.mkdir()
    ok(lifeboat("settings", "set", "backups_dir", str(folder)))
    after = backup_id(lifeboat, name)
    (lifeboat_home / "data" / "catalog.sqlite3").write_bytes(b"not a database at all" * 200)
    listed = ok(lifeboat("list", "--json"))
    assert sorted(entry["id"] for entry in json.loads(listed.stdout)) == sorted([before, after])
    assert str(folder) in listed.stderr and ": 2 backups found" in listed.stderr
