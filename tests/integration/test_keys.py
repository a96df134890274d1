"""Keys and installations (issue 11): a lost installation key is noticed
instead of silently replaced, it can be exported and put back, a new one is
started only on purpose, and two LIFEBOAT_HOMEs sharing one keyring never
touch each other's entries. CLI cases run as real processes over the
test-only file keyring, which every process (and both homes) shares.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.verify import verify_backup
from desktop.core.store.audit_log import AuditLog
from desktop.core.store.secret_store import SERVICE, Secrets
from desktop.core.workspace import Workspace
from tests.integration.cli_helpers import REPO, child_env
from tests.keyrings import FileKeyring

PASSPHRASE = "a long passphrase for the key"


def run(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], cwd=REPO, env=dict(child_env(), LIFEBOAT_HOME=str(home)),
        input=input, capture_output=True, text=True, timeout=120,
        stdin=None if input is not None else subprocess.DEVNULL)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return result.stdout


def _entries(keyring_path: Path) -> dict:
    return {tuple(json.loads(k)): v for k, v in json.loads(keyring_path.read_text()).items()}


def _drop_installation_key(keyring_path: Path) -> None:
    backend = FileKeyring()
    for service, entry in list(_entries(keyring_path)):
        if entry == "installation-key":
            backend.delete_password(service, entry)


@pytest.fixture
def shop(pg15, chinook_db, make_profile, keyring_file):
    return make_profile(pg15, chinook_db, name="shop")


def test_a_lost_key_stops_the_backup_instead_of_making_a_new_one(shop, keyring_file, lifeboat_home):
    first = ok(run(lifeboat_home, "backup", "shop")).split()[-1]
    _drop_installation_key(keyring_file)
    result = run(lifeboat_home, "backup", "shop")
    assert result.returncode == 1, result.stderr
    message = result.stderr.strip().splitlines()[-1]
    for words in ("key is no longer in the keyring", "passphrase", "lifeboat key import", "lifeboat key new --confirm"):
        assert words in message, message
    assert not [e for e in _entries(keyring_file) if e[1] == "installation-key"], "a new key was made"
    assert [e["id"] for e in json.loads(ok(run(lifeboat_home, "list", "--json")))] == [first]  # refused before starting


def test_export_then_import_brings_the_key_back(shop, keyring_file, lifeboat_home, tmp_path):
    first = ok(run(lifeboat_home, "backup", "shop")).split()[-1]
    key_file = tmp_path / "lifeboat-key.txt"
    ok(run(lifeboat_home, "key", "export", "--to", str(key_file), "--passphrase-stdin", input=PASSPHRASE + "\n"))
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    stored = [v for (s, e), v in _entries(keyring_file).items() if e == "installation-key"]
    assert stored and stored[0] not in key_file.read_text()  # wrapped, never in the clear
    _drop_installation_key(keyring_file)
    wrong = run(lifeboat_home, "key", "import", str(key_file), "--passphrase-stdin", input="not it at all\n")
    assert wrong.returncode == 1 and "passphrase" in wrong.stderr
    assert "is back" in ok(run(lifeboat_home, "key", "import", str(key_file), "--passphrase-stdin",
                               input=PASSPHRASE + "\n"))
    ok(run(lifeboat_home, "verify", first))
    ok(run(lifeboat_home, "backup", "shop"))
    actions = [r.action for r in AuditLog(lifeboat_home / "data" / "audit.jsonl").records()]
    assert "key_export" in actions and "key_import" in actions


def test_new_key_on_purpose_and_the_old_key_put_back_later(shop, keyring_file, lifeboat_home, tmp_path):
    old_backup = ok(run(lifeboat_home, "backup", "shop")).split()[-1]
    key_file = tmp_path / "old-key.txt"
    ok(run(lifeboat_home, "key", "export", "--to", str(key_file), "--passphrase-stdin", input=PASSPHRASE + "\n"))
    _drop_installation_key(keyring_file)
    refused = run(lifeboat_home, "key", "new")
    assert refused.returncode == 2 and "--confirm" in refused.stderr
    ok(run(lifeboat_home, "key", "new", "--confirm"))
    new_backup = ok(run(lifeboat_home, "backup", "shop")).split()[-1]
    assert run(lifeboat_home, "verify", old_backup).returncode == 1  # its key is still missing
    assert "older backup key" in ok(run(lifeboat_home, "key", "import", str(key_file), "--passphrase-stdin",
                                        input=PASSPHRASE + "\n"))
    ok(run(lifeboat_home, "verify", old_backup))
    ok(run(lifeboat_home, "verify", new_backup))  # putting the old key back broke nothing
    [record] = [r for r in AuditLog(lifeboat_home / "data" / "audit.jsonl").records() if r.action == "key_new"]
    assert record.result == "ok"


# --- two installations, one keyring ------------------------------------------------------


def test_two_homes_never_touch_each_others_passwords(keyring_file, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    ok(run(first, "profile", "add", "src", "--url", "postgresql://app:first-pw@db1.example.com/shop",
           "--env", "development"))
    ok(run(second, "profile", "add", "src", "--url", "postgresql://app:second-pw@db2.example.com/shop",
           "--env", "development"))
    ok(run(second, "profile", "remove", "src"))
    home_of = {h: Workspace.open(environ={"LIFEBOAT_HOME": str(h)}) for h in (first, second)}
    profile = home_of[first].profiles.get("src")
    assert home_of[first].profiles.password_for(profile) == "first-pw"
    values = set(_entries(keyring_file).values())
    assert "second-pw" not in values and "first-pw" in values


def test_two_homes_keep_their_own_installation_keys(keyring_file, tmp_path):
    one = Workspace.open(environ={"LIFEBOAT_HOME": str(tmp_path / "one")})
    two = Workspace.open(environ={"LIFEBOAT_HOME": str(tmp_path / "two")})
    assert one.secrets.service != two.secrets.service
    assert one.secrets.installation_key() != two.secrets.installation_key()


def test_entries_from_before_namespacing_migrate_on_first_use(pg15, chinook_db, make_profile, memory_keyring,
                                                              lifeboat_home):
    # An installation from before issue 11: the password and the key under the shared service.
    legacy = Secrets()
    profile = make_profile(pg15, chinook_db, name="shop")
    memory_keyring.entries.clear()
    legacy.set_password("shop", pg15.password)
    old_key = legacy.installation_key()
    ws = Workspace.open()
    record = run_backup(ws, BackupRequest(profile=profile.name))
    assert ws.secrets.installation_key() == old_key
    assert (ws.secrets.service, "profile:shop") in memory_keyring.entries
    assert (ws.secrets.service, "installation-key") in memory_keyring.entries
    assert (SERVICE, "installation-key") in memory_keyring.entries  # another home may still need it
    assert verify_backup(Workspace.open(), record.id).sha256 == record.sha256
