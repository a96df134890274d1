"""The catalog survives a full or read-only disk (issue 11): a failure to
write is never taken for damage, and only real damage sets a catalog aside
and rebuilds it from the backup files at once.
"""
import json
import logging
import subprocess
from pathlib import Path

import pytest

from desktop.cli.main import main as cli_main
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.workspace import Workspace
from tests.faults import small_tmpfs


@pytest.fixture
def home_on_small_disk(tmp_path, monkeypatch):
    """LIFEBOAT_HOME on an 8 MB tmpfs holding a catalog with one backup."""
    with small_tmpfs(tmp_path / "disk", "8m") as disk:
        home = disk / "home"
        monkeypatch.setenv("LIFEBOAT_HOME", str(home))
        yield home


def _one_backup(make_profile, pg15, chinook_db) -> str:
    profile = make_profile(pg15, chinook_db)
    return run_backup(Workspace.open(), BackupRequest(profile=profile.name)).id


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def _close_the_log() -> None:
    logger = logging.getLogger("lifeboat")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def _listed(capsys) -> list[str]:
    assert cli_main(["list", "--json"]) == 0
    return [entry["id"] for entry in json.loads(capsys.readouterr().out)]


def _set_aside(home: Path) -> list[Path]:
    return list((home / "data").glob("catalog.sqlite3.damaged-*"))


def test_a_full_disk_leaves_the_catalog_alone(home_on_small_disk, pg15, chinook_db, make_profile, capsys):
    backup_id = _one_backup(make_profile, pg15, chinook_db)
    filler = _fill(home_on_small_disk.parent)
    assert cli_main(["list"]) == 1
    err = capsys.readouterr().err
    assert "full" in err and "left as it is" in err and "unexpected" not in err
    assert _set_aside(home_on_small_disk) == []
    filler.unlink()
    assert _listed(capsys) == [backup_id]


def test_a_read_only_disk_leaves_the_catalog_alone(home_on_small_disk, pg15, chinook_db, make_profile, capsys):
    backup_id = _one_backup(make_profile, pg15, chinook_db)
    disk = home_on_small_disk.parent
    _close_the_log()  # a file open for writing keeps a remount to read-only busy
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    try:
        assert cli_main(["list"]) == 1
        err = capsys.readouterr().err
        assert "read-only" in err and "left as it is" in err
        assert _set_aside(home_on_small_disk) == []
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
    assert _listed(capsys) == [backup_id]


def test_real_damage_is_set_aside_and_rebuilt_at_once(lifeboat_home, pg15, chinook_db, make_profile, capsys):
    backup_id = _one_backup(make_profile, pg15, chinook_db)
    catalog = lifeboat_home / "data" / "catalog.sqlite3"
    catalog.write_bytes(b"not a database at all" * 200)
    assert cli_main(["list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert [entry["id"] for entry in json.loads(out)] == [backup_id]
    assert "damaged" in err and "rebuilt" in err and ": 1 backups found" in err
    assert len(_set_aside(lifeboat_home)) == 1
