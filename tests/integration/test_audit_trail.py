"""The activity log and the trash through the real CLI (CLI.md: `audit`,
`trash`, `delete`): a record for every operation with its subject and
result, no password in the log, `audit verify` exit codes, CSV export, and
the trash's round trip and second confirmation."""
import csv
import json
from pathlib import Path

from desktop.core.store.audit_log import AuditLog
from desktop.core.store.catalog import Catalog
from tests.integration.cli_helpers import backup_id, failed_cleanly, ok


def audit_records(lifeboat) -> list[dict]:
    return json.loads(ok(lifeboat("audit", "list", "--json")).stdout)


def test_every_operation_is_recorded_without_passwords(lifeboat, pg15, chinook_db, fresh_db, lifeboat_home,
                                                       tmp_path):
    url = f"postgresql://{pg15.superuser}:{pg15.password}@{pg15.host}:{pg15.port}/{chinook_db}?sslmode=require"
    ok(lifeboat("profile", "add", "shop", "--url", url, "--env", "development"))
    target_db = fresh_db()
    ok(lifeboat("profile", "add", "copy", "--host", pg15.host, "--port", str(pg15.port), "--dbname", target_db,
                "--user", pg15.superuser, "--env", "development", "--password-stdin", input=pg15.password + "\n"))
    new_id = backup_id(lifeboat, "shop")
    ok(lifeboat("verify", new_id))
    ok(lifeboat("restore", new_id, "--into", "copy"))
    failed_cleanly(lifeboat("backup", "nobody"), 2)
    ok(lifeboat("profile", "remove", "copy"))

    records = audit_records(lifeboat)
    summary = [(r["action"], r["profile"], r["database"], r["backup_id"], r["result"]) for r in records]
    assert summary == [
        ("profile_add", "shop", chinook_db, "", "ok"),
        ("profile_add", "copy", target_db, "", "ok"),
        ("backup", "shop", chinook_db, new_id, "ok"),
        ("verify", "shop", chinook_db, new_id, "ok"),
        ("restore", "copy", target_db, new_id, "ok"),
        ("backup", "nobody", "", "", "failed"),
        ("profile_remove", "copy", "", "", "ok"),
    ]
    assert [r["seq"] for r in records] == list(range(1, 8))
    assert all(r["who"] and r["time"].endswith("Z") for r in records)
    assert records[2]["duration_s"] > 0
    assert "Verified" in records[4]["message"]
    assert "no profile called 'nobody'" in records[5]["message"]
    log_text = (lifeboat_home / "data" / "audit.jsonl").read_text()
    assert pg15.password not in log_text

    assert ok(lifeboat("audit", "verify")).stdout.startswith("The activity log is intact (7 records)")
    out = tmp_path / "activity.csv"
    ok(lifeboat("audit", "list", "--csv", str(out), "--action", "backup"))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["action"], r["result"]) for r in rows] == [("backup", "ok"), ("backup", "failed")]
    filtered = json.loads(ok(lifeboat("audit", "list", "--json", "--result", "failed")).stdout)
    assert [r["profile"] for r in filtered] == ["nobody"]


def test_audit_verify_exit_codes(lifeboat, lifeboat_home):
    assert "intact (0 records)" in ok(lifeboat("audit", "verify")).stdout
    log = AuditLog(lifeboat_home / "data" / "audit.jsonl")
    for action in ("backup", "verify", "restore"):
        log.append(action, profile="shop")
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text(lines[0] + lines[2])  # record 2 removed
    message = failed_cleanly(lifeboat("audit", "verify"), 1, "line 2")
    assert "missing" in message
    failed_cleanly(lifeboat("audit", "nonsense"), 2)


def test_trash_round_trip_through_the_cli(lifeboat, pg15, chinook_db, make_profile, lifeboat_home):
    source = make_profile(pg15, chinook_db, environment="production", name="prod")
    first, second = backup_id(lifeboat, source.name), backup_id(lifeboat, source.name)
    path = json.loads(ok(lifeboat("show", first, "--json")).stdout)["path"]

    moved = ok(lifeboat("delete", first))
    assert "trash" in moved.stdout
    assert [b["id"] for b in json.loads(ok(lifeboat("list", "--json")).stdout)] == [second]
    trashed = json.loads(ok(lifeboat("trash", "list", "--json")).stdout)
    assert [(t["id"], t["deleted_at"] is not None) for t in trashed] == [(first, True)]
    assert trashed[0]["expires_at"] > trashed[0]["deleted_at"]
    failed_cleanly(lifeboat("restore", first, "--into", "prod", "--confirm", chinook_db), 2, "trash")

    ok(lifeboat("trash", "restore", first[:8]))
    assert json.loads(ok(lifeboat("trash", "list", "--json")).stdout) == []
    failed_cleanly(lifeboat("trash", "restore", first), 2, "trash")

    # The only proven-restorable backup of production asks for the database's name.
    Catalog(lifeboat_home / "data" / "catalog.sqlite3").set_proven_restorable(first, "2026-03-01T00:00:00Z")
    failed_cleanly(lifeboat("delete", first), 1, f"--confirm {chinook_db}")
    ok(lifeboat("delete", first, "--confirm", chinook_db))

    failed_cleanly(lifeboat("trash", "empty"), 2, "--yes")  # not a terminal: no silent purge
    assert "Removed 1 backup(s)" in ok(lifeboat("trash", "empty", "--yes")).stdout
    assert not Path(path).exists()
    assert "empty" in ok(lifeboat("trash", "list")).stdout

    actions = [(r["action"], r["backup_id"], r["result"]) for r in audit_records(lifeboat)]
    assert actions[3:] == [  # after profile_add and two backups
        ("trash", first, "ok"), ("restore", first, "failed"), ("untrash", first, "ok"),
        ("untrash", first, "failed"), ("trash", first, "failed"), ("trash", first, "ok"), ("purge", first, "ok"),
    ]
    ok(lifeboat("audit", "verify"))
