"""What anchors the activity log outside the files an attacker edits together.

The hash chain and its head file (audit_log.py) show an edit, but someone who
appends a correctly chained record, or deletes the log together with its
head file, would go unseen. So:

- every record carries an HMAC-SHA256 keyed by a secret in the keyring
  (namespaced per installation like every entry): a record written without
  that key is found, wherever it sits;
- the last record's number and hash are also kept in the catalog, so a log
  removed or cut short is reported as removal even with its head file gone.

Records written before this existed carry no HMAC. They are accepted as
"older records, unsigned" only before the first signed one; an unsigned
record after a signed one was not written by Lifeboat (or was written while
the keyring was unavailable) and `audit verify` names it.
"""
import hashlib
import hmac
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, Protocol

MAC_FIELD = b',"mac":"'
_MAC_LENGTH = 64
MacChecker = Callable[[bytes, str], bool]


def split_mac(line: bytes) -> tuple[bytes, Optional[str]]:
    """(the record's JSON without its mac, the mac) for a signed line; (line, None) otherwise."""
    tail = len(MAC_FIELD) + _MAC_LENGTH + 2
    if len(line) > tail and line.endswith(b'"}') and line[-tail:-tail + len(MAC_FIELD)] == MAC_FIELD:
        return line[:-tail] + b"}", line[-_MAC_LENGTH - 2:-2].decode("ascii", "replace")
    return line, None


def with_mac(body: bytes, mac: str) -> bytes:
    return body[:-1] + MAC_FIELD + mac.encode("ascii") + b'"}'


class AuditKeys(Protocol):
    """Where the HMAC key lives (secrets.Secrets): created on the first signed record."""

    def audit_key(self) -> bytes: ...

    def audit_key_if_present(self) -> Optional[bytes]: ...


class AuditSeal:
    """The HMAC key (read from the keyring when first needed) and the catalog's copy of the head."""

    def __init__(self, keys: AuditKeys, catalog_file: Path):
        self._keys = keys
        self._catalog_file = Path(catalog_file)

    def sign(self, body: bytes) -> str:
        return _mac(self._keys.audit_key(), body)

    def checker(self) -> Optional[MacChecker]:
        """Checks records' HMACs; None when the keyring no longer holds the key."""
        key = self._keys.audit_key_if_present()
        return None if key is None else lambda body, mac: hmac.compare_digest(_mac(key, body), mac)

    # --- the head, kept in the catalog too -------------------------------
    def record_head(self, seq: int, line_hash: str) -> None:
        with self._transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS audit_head "
                         "(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)")
            conn.execute("INSERT OR REPLACE INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (seq, line_hash))

    def head(self) -> Optional[tuple[int, str]]:
        """(seq, hash) of the last record the catalog saw; None for a catalog without one."""
        if not self._catalog_file.exists():
            return None
        try:
            with self._transaction() as conn:
                row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # no such table: nothing appended since this existed
            return None
        return (int(row[0]), str(row[1])) if row else None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self._catalog_file, timeout=30)
        try:
            with conn:  # commits, or rolls back on an error
                yield conn
        finally:
            conn.close()


def _mac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()
