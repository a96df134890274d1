"""The activity log anchored outside its own files (issue 11): a forged but
correctly chained record, and the log deleted with its head file, are
reported by `audit verify` (exit 1, naming what happened)."""
import hashlib
import json
from pathlib import Path

from desktop.core.store.audit_log import AuditLog
from tests.integration.cli_helpers import failed_cleanly, ok
from tests.keyrings import FileKeyring


def _add_profiles(lifeboat, *names: str) -> None:
    for name in names:
        ok(lifeboat("profile", "add", name, "--host", "db.example.com", "--dbname", "shop", "--user", "app",
                    "--env", "development", "--password-stdin", input="pw\n"))


def _log(home: Path) -> Path:
    return home / "data" / "audit.jsonl"


def _forge_next(log: Path, mac: str | None) -> None:
    """Appends the record an attacker would write: the right seq and prev hash."""
    last = log.read_bytes().rstrip(b"\n").split(b"\n")[-1]
    record = dict(json.loads(last), seq=json.loads(last)["seq"] + 1, action="restore", result="ok",
                  prev=hashlib.sha256(last).hexdigest(), message="nothing to see")
    record.pop("mac", None)
    if mac is not None:
        record["mac"] = mac
    with open(log, "ab") as f:
        f.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")


def test_records_are_signed(lifeboat, lifeboat_home):
    _add_profiles(lifeboat, "a", "b")
    assert all(len(r.mac) == 64 for r in AuditLog(_log(lifeboat_home)).records())
    assert ok(lifeboat("audit", "verify")).stdout.startswith("The activity log is intact (2 records).")


def test_a_forged_chained_record_is_found(lifeboat, lifeboat_home):
    _add_profiles(lifeboat, "a", "b")
    _forge_next(_log(lifeboat_home), mac=None)
    message = failed_cleanly(lifeboat("audit", "verify"), 1, "line 3")
    assert "not signed" in message


def test_a_forged_record_with_a_made_up_signature_is_found(lifeboat, lifeboat_home):
    _add_profiles(lifeboat, "a", "b")
    _forge_next(_log(lifeboat_home), mac="ab" * 32)
    message = failed_cleanly(lifeboat("audit", "verify"), 1, "line 3")
    assert "signature does not match" in message


def test_deleting_the_log_and_its_head_is_reported_as_removal(lifeboat, lifeboat_home):
    _add_profiles(lifeboat, "a", "b", "c")
    log = _log(lifeboat_home)
    log.unlink()
    log.with_name(log.name + ".head").unlink()
    message = failed_cleanly(lifeboat("audit", "verify"), 1)
    assert "removed" in message and "3 records" in message


def test_cutting_the_log_and_rewriting_its_head_is_reported(lifeboat, lifeboat_home):
    _add_profiles(lifeboat, "a", "b", "c")
    log = _log(lifeboat_home)
    lines = log.read_bytes().split(b"\n")[:2]
    log.write_bytes(lines[0] + b"\n" + lines[1] + b"\n")
    log.with_name(log.name + ".head").write_text(f"2 {hashlib.sha256(lines[1]).hexdigest()}\n")
    message = failed_cleanly(lifeboat("audit", "verify"), 1, "line 3")
    assert "removed" in message


def test_older_unsigned_records_are_accepted_before_the_signed_ones(lifeboat, lifeboat_home):
    older = AuditLog(_log(lifeboat_home))  # what a version before signing wrote
    for action in ("backup", "verify"):
        older.append(action, profile="shop")
    _add_profiles(lifeboat, "a")
    out = ok(lifeboat("audit", "verify")).stdout
    assert "intact (3 records; the first 2, written before records were signed" in out


def test_a_lost_signing_key_is_said_plainly(lifeboat, lifeboat_home, keyring_file):
    _add_profiles(lifeboat, "a")
    backend = FileKeyring()
    for key in list(json.loads(keyring_file.read_text())):
        service, entry = json.loads(key)
        if entry == "audit-key":
            backend.delete_password(service, entry)
    message = failed_cleanly(lifeboat("audit", "verify"), 1)
    assert "no longer in the keyring" in message
