"""`lifeboat export` / `lifeboat import` as real processes (CLI.md): the passphrase
from a file or stdin, never argv; the other machine has its own home and keyring."""
import json
import subprocess
import sys

from tests.dbcompare import table_hashes
from tests.integration.cli_helpers import REPO, backup_id, child_env, failed_cleanly, ok

PASSPHRASE = "a long passphrase for the drive"


def test_export_then_import_on_another_machine(lifeboat, pg15, chinook_db, make_profile, tmp_path):
    source = make_profile(pg15, chinook_db)
    new_id = backup_id(lifeboat, source.name)
    phrase_file = tmp_path / "phrase.txt"
    phrase_file.write_text(PASSPHRASE + "\n")
    drive = tmp_path / "usb"

    exported = ok(lifeboat("export", new_id, "--to", str(drive), "--passphrase-file", str(phrase_file)))
    (location,) = exported.stdout.splitlines()
    assert location.startswith(str(drive)) and location.endswith(".lifeboat")
    assert "read back and checked" in exported.stderr
    shown = json.loads(ok(lifeboat("show", new_id, "--json")).stdout)
    assert shown["copies"][0]["location"] == location and shown["copies"][0]["verified_at"]
    sheet = (drive / (location.rsplit("/", 1)[1] + ".how-to-restore.txt")).read_text()
    assert PASSPHRASE not in sheet
    assert "lifeboat key export --to FILE" in sheet  # the computer's own backups need its key (issue 11)

    def elsewhere(*args, input=None):
        env = dict(child_env(), LIFEBOAT_HOME=str(tmp_path / "other"),
                   LIFEBOAT_TEST_KEYRING_FILE=str(tmp_path / "other-keyring.json"))
        return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=REPO, env=env, input=input,
                              capture_output=True, text=True, timeout=120,
                              stdin=None if input is not None else subprocess.DEVNULL)

    wrong = elsewhere("import", str(drive), "--passphrase-stdin", input="not it at all\n")
    assert wrong.returncode == 1 and "not the one used for this export" in wrong.stderr
    assert json.loads(ok(elsewhere("list", "--json")).stdout) == []

    imported = ok(elsewhere("import", str(drive), "--passphrase-stdin", input=PASSPHRASE + "\n"))
    assert imported.stdout.split() == [new_id]
    assert PASSPHRASE not in imported.stdout + imported.stderr
    ok(elsewhere("verify", new_id))  # no passphrase needed any more
    out = tmp_path / "chinook.dump"
    ok(elsewhere("decrypt", new_id, "--out", str(out)))
    assert out.stat().st_size > 0
    ok(elsewhere("profile", "add", "laptop", "--host", pg15.host, "--port", str(pg15.port),
                 "--dbname", f"{chinook_db}_cli", "--user", pg15.superuser, "--env", "development",
                 "--password-stdin", input=pg15.password + "\n"))
    try:
        ok(elsewhere("restore", new_id, "--into", "laptop", "--create"))
        assert table_hashes(pg15, f"{chinook_db}_cli") == table_hashes(pg15, chinook_db)
    finally:
        pg15.drop_database(f"{chinook_db}_cli")


def test_export_usage_errors(lifeboat, pg15, chinook_db, make_profile, tmp_path):
    source = make_profile(pg15, chinook_db)
    new_id = backup_id(lifeboat, source.name)
    failed_cleanly(lifeboat("export", new_id, "--to", str(tmp_path / "usb")), 2, "passphrase")
    failed_cleanly(lifeboat("export", new_id, "--to", str(tmp_path / "usb"), "--passphrase-stdin",
                            input="short\n"), 2, "at least 8")
    failed_cleanly(lifeboat("export", "nosuchid", "--to", str(tmp_path / "usb"), "--passphrase-stdin",
                            input=PASSPHRASE + "\n"), 2, "no backup")
    failed_cleanly(lifeboat("import", str(tmp_path / "nothing-here")), 2, "does not exist")
