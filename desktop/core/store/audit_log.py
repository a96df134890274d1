"""The audit trail: an append-only, hash-chained JSON-lines log of what was done.

Each line is one record with its sequence number and the SHA-256 of the line
before it, so an edited, removed, inserted or reordered line breaks the chain
at a line `verify()` names. The last line has no successor to vouch for it, so
a small head file beside the log holds the last record's number and hash;
removing or editing the last record then shows too. This makes tampering
evident, not impossible: someone who rewrites the whole chain and the head
file goes unseen: audit_seal.py adds an HMAC per record keyed from the
keyring and a copy of the head in the catalog, so that is seen too.

Several Lifeboat processes (the window, a scheduled CLI run) append at once:
one file lock around read-tail + append + fsync + head update; the line goes
out in a single O_APPEND write.

Nothing secret is written: messages come from the typed errors (which never
hold a password) and are scrubbed of anything URL- or keyword-shaped anyway.
"""
import csv
import getpass
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Optional, TextIO

from filelock import FileLock

from desktop.core.durable import fsync_dir, fsync_file, replace_file
from desktop.core.errors import LifeboatError
from desktop.core.redact import redact
from desktop.core.store.audit_seal import AuditSeal, split_mac, with_mac

log = logging.getLogger("lifeboat.audit")
ACTIONS = ("backup", "restore", "verify", "export", "import", "delete", "trash", "untrash", "purge",
           "profile_add", "profile_update", "profile_remove", "sync", "test_restore",
           "cleanup", "key_new", "key_export", "key_import",
           "schedule_add", "schedule_remove", "schedule_run", "retention", "alert", "settings",
           "refresh", "mask_policy", "label")
RESULTS = ("ok", "failed", "cancelled")
GENESIS = "0" * 64
MESSAGE_LIMIT = 500



@dataclass(frozen=True)
class AuditRecord:
    seq: int
    time: str
    who: str
    action: str
    profile: str
    database: str
    backup_id: str
    result: str
    duration_s: float
    message: str
    prev: str
    mac: str = ""  # audit_seal.py; empty in records from before records were signed


@dataclass(frozen=True)
class AuditCheck:
    intact: bool
    records: int
    bad_line: Optional[int] = None
    problem: str = ""
    unsigned: int = 0  # older records, from before records were signed

    def summary(self) -> str:
        if not self.intact and self.bad_line is None:
            return f"The activity log cannot be trusted: {self.problem}"
        if not self.intact:
            return f"The activity log was changed at line {self.bad_line}: {self.problem}"
        if self.unsigned:
            return (f"The activity log is intact ({self.records} records; the first {self.unsigned}, "
                    "written before records were signed, are checked by their chain only).")
        return f"The activity log is intact ({self.records} records)."


def scrub(text: str) -> str:
    """The text without anything shaped like a password, cut to a readable length."""
    text = redact(text)
    return " ".join(text.split())[:MESSAGE_LIMIT]


def _line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


class AuditLog:
    def __init__(self, path: Path, seal: Optional[AuditSeal] = None):
        self.path = Path(path)
        self.seal = seal
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._lock = FileLock(str(self.path) + ".lock", timeout=30, mode=0o600)

    # --- writing -------------------------------------------------------
    def append(self, action: str, *, profile: str = "", database: str = "", backup_id: str = "",
               result: str = "ok", duration_s: float = 0.0, message: str = "",
               now: Optional[datetime] = None) -> AuditRecord:
        if action not in ACTIONS or result not in RESULTS:
            raise ValueError(f"unknown audit action/result {action!r}/{result!r}")
        now = now or datetime.now(UTC)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock:
                seq, prev = self._tail()
                record = AuditRecord(
                    seq=seq + 1, time=now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                    who=_who(), action=action, profile=redact(profile or ""),
                    database=redact(database or ""), backup_id=redact(backup_id or ""), result=result,
                    duration_s=round(duration_s, 3),
                    message=scrub(message or ""), prev=prev,
                )
                line = self._signed(record) + b"\n"
                self._write_line(line)
                self._write_head(record.seq, _line_hash(line))
                self._anchor(record.seq, _line_hash(line))
        except OSError as exc:
            raise LifeboatError(
                f"Lifeboat could not write to its activity log {self.path} ({exc.strerror}). "
                "Check that the drive has free space and that you may write there.",
                detail=repr(exc),
            ) from exc
        return record

    def _signed(self, record: AuditRecord) -> bytes:
        fields_ = {k: v for k, v in asdict(record).items() if k != "mac"}
        body = json.dumps(fields_, ensure_ascii=False, separators=(",", ":")).encode()
        if self.seal is None:
            return body
        try:
            return with_mac(body, self.seal.sign(body))
        except LifeboatError as exc:  # a locked keyring: the record still counts; verify names it
            log.warning("activity log record %d not signed: %s", record.seq, exc.message)
            return body

    def _anchor(self, seq: int, line_hash: str) -> None:
        if self.seal is None:
            return
        try:
            self.seal.record_head(seq, line_hash)
        except sqlite3.Error as exc:
            log.warning("the catalog's copy of the activity log's head not updated: %s", exc)

    def _tail(self) -> tuple[int, str]:
        """The last record's number and its line's hash (0 and GENESIS for a new log)."""
        try:
            with open(self.path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 65536))
                lines = [line for line in f.read().split(b"\n") if line.strip()]
        except FileNotFoundError:
            return 0, GENESIS
        if not lines:
            return 0, GENESIS
        try:
            seq = int(json.loads(lines[-1])["seq"])
        except (ValueError, KeyError, TypeError):
            # A damaged last line: keep chaining from it, verify() will point at it.
            seq = self._count_lines()
        return seq, _line_hash(lines[-1])

    def _count_lines(self) -> int:
        with open(self.path, "rb") as f:
            return sum(1 for line in f if line.strip())

    def _write_line(self, line: bytes) -> None:
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            fsync_file(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)

    def _write_head(self, seq: int, line_hash: str) -> None:
        replace_file(self.head_path, f"{seq} {line_hash}\n".encode())

    # --- reading -------------------------------------------------------
    def last_seq(self) -> int:
        """The last record's number (0 for a new log), from the log's end: a window
        opening reads this, not a year of records."""
        return self._tail()[0]

    def records_from(self, offset: int) -> tuple[list[AuditRecord], int]:
        """The readable records in the complete lines from byte `offset` on, and the offset
        after them: a watcher reads what was added, not the whole history each time. A log
        shorter than `offset` was replaced, and is read from its start."""
        try:
            with open(self.path, "rb") as f:
                if f.seek(0, os.SEEK_END) < offset:
                    offset = 0
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return [], 0
        end = data.rfind(b"\n") + 1  # an unfinished last line waits for the next read
        records = [_parse(line) for line in data[:end].split(b"\n") if line.strip()]
        return [record for record in records if record is not None], offset + end

    def records(self) -> list[AuditRecord]:
        """Every readable record, oldest first (damaged lines are skipped: verify() reports them)."""
        result = []
        for line in self._lines():
            record = _parse(line)
            if record is not None:
                result.append(record)
        return result

    def _lines(self) -> list[bytes]:
        """The log's lines; an unfinished last line (no newline yet) is kept so verify() sees it."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = data.split(b"\n")
        return lines[:-1] if lines[-1] == b"" else lines

    def verify(self) -> AuditCheck:
        lines = self._lines()
        prev_hash = GENESIS
        for number, line in enumerate(lines, start=1):
            problem = _check_line(number, line, prev_hash, is_last=number == len(lines))
            if problem:
                bad_line, text = problem
                return AuditCheck(False, len(lines), bad_line, text)
            prev_hash = _line_hash(line)
        problem = self._check_head(lines) or self._check_anchor(lines)
        if problem:
            return AuditCheck(False, len(lines), problem[0], problem[1])
        return self._check_signatures(lines)

    def _check_signatures(self, lines: list[bytes]) -> AuditCheck:
        unsigned = next((n for n, line in enumerate(lines) if split_mac(line)[1] is not None), len(lines))
        checker = self.seal.checker() if self.seal and unsigned < len(lines) else None
        if self.seal and unsigned < len(lines) and checker is None:
            return AuditCheck(False, len(lines), None, "the key its records are signed with is no longer in "
                              "the keyring, so Lifeboat cannot tell whether a record was forged.")
        for number, line in enumerate(lines[unsigned:], start=unsigned + 1):
            body, mac = split_mac(line)
            if mac is None:
                return AuditCheck(False, len(lines), number, "this record is not signed, so Lifeboat did not "
                                  "write it (or wrote it while the keyring was unavailable).")
            if checker and not checker(body, mac):
                return AuditCheck(False, len(lines), number, "this record was not written by Lifeboat "
                                  "(its signature does not match).")
        return AuditCheck(True, len(lines), unsigned=unsigned)

    def _check_anchor(self, lines: list[bytes]) -> Optional[tuple[int, str]]:
        """The catalog's copy of the head: a log deleted with its head file shows as removal."""
        anchor = self.seal.head() if self.seal else None
        if anchor is None:
            return None
        seq, head_hash = anchor
        if seq > len(lines):
            if not lines:
                return 1, f"the log was removed (the catalog says it held {seq} records)."
            return len(lines) + 1, (f"the last {seq - len(lines)} record(s) were removed "
                                    f"(the catalog says the log had {seq}).")
        if seq >= 1 and _line_hash(lines[seq - 1]) != head_hash:
            return seq, "this record was changed after it was written."
        if len(lines) - seq > 1:
            return seq + 2, "records were added after the last one Lifeboat wrote."
        return None

    def _check_head(self, lines: list[bytes]) -> Optional[tuple[int, str]]:
        try:
            seq_text, head_hash = self.head_path.read_text().split()
            head_seq = int(seq_text)
        except FileNotFoundError:
            # One record and no head file yet: a crash between the first two writes.
            if len(lines) <= 1:
                return None
            return len(lines), "the file that vouches for the last record is missing."
        except ValueError:
            return len(lines), "the file that vouches for the last record is damaged."
        if head_seq > len(lines):
            missing = head_seq - len(lines)
            return len(lines) + 1, f"the last {missing} record(s) were removed (the log should have {head_seq})."
        if head_seq < 1:
            return 1, "the file that vouches for the last record is damaged."
        if _line_hash(lines[head_seq - 1]) != head_hash:
            return head_seq, "this record was changed after it was written."
        # One line more than the head file knows: a crash between the two writes.
        if len(lines) - head_seq > 1:
            return head_seq + 2, "records were added after the last one Lifeboat wrote."
        return None


def _parse(line: bytes) -> Optional[AuditRecord]:
    try:
        data = json.loads(line)
        return AuditRecord(**{f.name: data[f.name] for f in fields(AuditRecord) if f.name != "mac"},
                           mac=data.get("mac", ""))
    except (ValueError, KeyError, TypeError):
        return None


def _check_line(number: int, line: bytes, prev_hash: str, is_last: bool) -> Optional[tuple[int, str]]:
    record = _parse(line)
    if record is None:
        if is_last and not line.endswith(b"}"):
            return number, "the last record is incomplete (Lifeboat may have stopped while writing it)."
        return number, "this line is not a readable record (it was edited or inserted)."
    if record.seq > number:
        return number, f"record(s) are missing before this line (it holds record {record.seq}, expected {number})."
    if record.seq < number:
        return number, f"this line is out of order or was inserted (it holds record {record.seq}, expected {number})."
    if record.prev != prev_hash:
        if number == 1:
            return 1, "this record was changed after it was written."
        return number - 1, "this record was changed after it was written (the next record no longer matches it)."
    return None


# --- export ---------------------------------------------------------------
CSV_COLUMNS = [f.name for f in fields(AuditRecord) if f.name != "mac"]


def write_csv(records: Iterable[AuditRecord], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow([_csv_cell(getattr(record, name)) for name in CSV_COLUMNS])


def _csv_cell(value) -> str:
    text = str(value)
    return text if isinstance(value, (int, float)) else spreadsheet_safe(text)


def spreadsheet_safe(text: str) -> str:
    """A cell starting with = + - @ runs as a formula in a spreadsheet
    (OWASP "CSV injection"); a leading apostrophe keeps it text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def filter_records(records: Iterable[AuditRecord], action: Optional[str] = None,
                   profile: Optional[str] = None, result: Optional[str] = None) -> list[AuditRecord]:
    return [r for r in records
            if (not action or r.action == action) and (not profile or r.profile == profile)
            and (not result or r.result == result)]
