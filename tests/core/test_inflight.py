"""In-flight records: a running job's record is left alone, a dead job's is handed over once."""
import subprocess
import sys

from desktop.core.localpg import inflight


def test_a_record_lives_as_long_as_its_block(tmp_path):
    with inflight.holding(tmp_path, "private_server", folder="/x") as record:
        assert record.path.is_file() and record.details["folder"] == "/x"
        with inflight.abandoned(tmp_path) as found:
            assert found == [], "held by a running job (this one): not a leftover"
    assert list(inflight.inflight_dir(tmp_path).iterdir()) == []


def test_a_dead_jobs_record_is_claimed_and_forgotten_when_done(tmp_path):
    # A child records and exits without its cleanup running (os._exit: like kill -9).
    code = ("import os, sys; from pathlib import Path; from desktop.core.localpg import inflight\n"
            "held = inflight.holding(Path(sys.argv[1]), 'scratch_database', dbname='d'); held.__enter__(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    with inflight.abandoned(tmp_path) as found:
        [(record, claim)] = found
        assert record.kind == "scratch_database" and record.details["dbname"] == "d"
        with inflight.abandoned(tmp_path) as again:
            assert again == [], "claimed by the first cleaner"
        claim.done()
    assert list(inflight.inflight_dir(tmp_path).iterdir()) == []


def test_an_unreadable_record_is_dropped(tmp_path):
    folder = inflight.inflight_dir(tmp_path)
    folder.mkdir()
    (folder / "private_server-1.json").write_text("{half")
    with inflight.abandoned(tmp_path) as found:
        assert found == []
    assert list(folder.glob("*.json")) == []
