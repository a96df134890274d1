"""The activity log: the hash chain, what verify() says about each kind of
tampering (with the line), appends from several processes, CSV export, and
no password ever written."""
import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop.core.store.audit_log import AuditLog, filter_records, scrub, write_csv
from desktop.core.store.audited import audited

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def log(tmp_path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.jsonl")
    for n, action in enumerate(("backup", "verify", "restore", "trash", "profile_add"), start=1):
        audit.append(action, profile="shop", database="shop db", backup_id=f"id{n}", duration_s=n * 0.5,
                     now=datetime(2026, 3, 1, 10, n, tzinfo=UTC))
    return audit


def lines(audit: AuditLog) -> list[str]:
    return audit.path.read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(audit: AuditLog, new: list[str]) -> None:
    audit.path.write_text("".join(new), encoding="utf-8")


def test_records_carry_sequence_and_chain(log):
    records = log.records()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev == "0" * 64
    assert records[0].time == "2026-03-01T10:01:00Z"
    assert records[0].who  # the OS user
    assert records[2].action == "restore" and records[2].duration_s == 1.5
    assert log.verify().intact and log.verify().records == 5
    assert os.stat(log.path).st_mode & 0o777 == 0o600


def test_a_watcher_reads_what_was_added_and_the_last_number_from_the_end(log, tmp_path):
    assert log.last_seq() == 5 and AuditLog(tmp_path / "none.jsonl").last_seq() == 0
    everything, end = log.records_from(0)
    assert [r.seq for r in everything] == [1, 2, 3, 4, 5] and end == log.path.stat().st_size
    assert log.records_from(end) == ([], end)
    log.append("verify", backup_id="id6")
    with open(log.path, "ab") as f:
        f.write(b'{"seq": 7, "act')  # a record half written
    added, after = log.records_from(end)
    assert [r.seq for r in added] == [6] and after == log.path.stat().st_size - len(b'{"seq": 7, "act')
    write_lines(log, lines(log)[:2])  # the log was replaced by a shorter one: read from its start
    assert [r.seq for r in log.records_from(after)[0]] == [1, 2]


def test_empty_log_is_intact(tmp_path):
    check = AuditLog(tmp_path / "none.jsonl").verify()
    assert check.intact and check.records == 0


def test_edited_line_is_named(log):
    content = lines(log)
    content[1] = content[1].replace('"result":"ok"', '"result":"failed"')
    write_lines(log, content)
    check = log.verify()
    assert not check.intact
    assert check.bad_line == 2
    assert "changed" in check.summary() and "line 2" in check.summary()


def test_edited_last_line_is_named(log):
    content = lines(log)
    content[4] = content[4].replace("profile_add", "profile_remove")
    write_lines(log, content)
    check = log.verify()
    assert (check.intact, check.bad_line) == (False, 5)


def test_edited_first_line_is_named(log):
    content = lines(log)
    content[0] = content[0].replace("shop db", "other")
    write_lines(log, content)
    assert log.verify().bad_line == 1


def test_removed_line_is_named(log):
    content = lines(log)
    del content[2]
    write_lines(log, content)
    check = log.verify()
    assert (check.intact, check.bad_line) == (False, 3)
    assert "missing" in check.problem


def test_removed_last_lines_are_noticed(log):
    write_lines(log, lines(log)[:3])
    check = log.verify()
    assert (check.intact, check.bad_line) == (False, 4)
    assert "removed" in check.problem


def test_reordered_lines_are_named(log):
    content = lines(log)
    content[1], content[2] = content[2], content[1]
    write_lines(log, content)
    check = log.verify()
    assert (check.intact, check.bad_line) == (False, 2)


def test_inserted_line_is_named(log):
    content = lines(log)
    forged = json.loads(content[2])
    forged["action"] = "purge"
    content.insert(3, json.dumps(forged) + "\n")
    write_lines(log, content)
    check = log.verify()
    assert (check.intact, check.bad_line) == (False, 4)
    assert "inserted" in check.problem


def test_garbage_line_is_named(log):
    content = lines(log)
    content.insert(1, "hello\n")
    write_lines(log, content)
    assert log.verify().bad_line == 2


def test_appending_after_tampering_keeps_the_evidence(log):
    content = lines(log)
    content[0] = content[0].replace("backup", "verify", 1)
    write_lines(log, content)
    log.append("backup", profile="shop")
    assert log.verify().bad_line == 1


def test_concurrent_appends_from_processes_keep_the_chain(tmp_path):
    path = tmp_path / "audit.jsonl"
    script = (
        "import sys; from desktop.core.store.audit_log import AuditLog\n"
        "log = AuditLog(sys.argv[1])\n"
        "for i in range(25): log.append('verify', backup_id=f'{sys.argv[2]}-{i}')\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), str(n)], cwd=REPO) for n in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    audit = AuditLog(path)
    check = audit.verify()
    assert check.intact, check.summary()
    assert len(audit.records()) == 100
    assert len({r.backup_id for r in audit.records()}) == 100


def test_scrub_removes_passwords():
    text = ("could not connect: postgresql://alice:s3cr%40t@db.example.com:5432/shop "
            "host=db password=hunter2 PGPASSWORD='x y'")
    cleaned = scrub(text)
    for secret in ("s3cr%40t", "hunter2", "x y"):
        assert secret not in cleaned
    assert "postgresql://alice:***@db.example.com" in cleaned


def test_message_is_scrubbed_when_written(tmp_path):
    audit = AuditLog(tmp_path / "a.jsonl")
    audit.append("restore", result="failed", message="failed for postgres://bob:topsecret@h/db")
    assert "topsecret" not in audit.path.read_text()


def test_unknown_action_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError):
        AuditLog(tmp_path / "a.jsonl").append("dance")


def test_csv_export_and_formula_cells(tmp_path):
    audit = AuditLog(tmp_path / "a.jsonl")
    audit.append("profile_add", profile="=HYPERLINK(\"x\")", database="shop")
    audit.append("backup", profile="shop", database="shop", result="failed", message="disk full")
    out = io.StringIO()
    write_csv(audit.records(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["action"] for r in rows] == ["profile_add", "backup"]
    assert rows[0]["profile"].startswith("'=")
    assert rows[1]["result"] == "failed" and rows[1]["seq"] == "2"


def test_filter_records(log):
    records = log.records()
    assert [r.action for r in filter_records(records, action="trash")] == ["trash"]
    assert len(filter_records(records, profile="shop", result="ok")) == 5
    assert filter_records(records, result="failed") == []


def test_audited_records_the_fields_the_decorator_names(tmp_path):
    owner = SimpleNamespace(paths=SimpleNamespace(audit_file=tmp_path / "audit.jsonl"))

    @audited("restore", profile="request.into", backup_id="request.source")
    def job(ws, request, password):
        return None

    job(owner, SimpleNamespace(into="shop-dev", source="abc123", profile="not this one"), "s3cret")
    [record] = AuditLog(tmp_path / "audit.jsonl").records()
    assert (record.action, record.profile, record.backup_id, record.result) == ("restore", "shop-dev", "abc123", "ok")
    assert "s3cret" not in (tmp_path / "audit.jsonl").read_text()


def test_audited_refuses_a_field_from_an_argument_the_job_lacks():
    with pytest.raises(TypeError, match="no argument 'backup_id'"):
        audited("verify", backup_id="backup_id")(lambda ws, id_or_file: None)
