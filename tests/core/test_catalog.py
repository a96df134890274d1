"""The catalog: lookups by id prefix, the JSON the CLI prints, statuses,
recovery after a crash, and a damaged file set aside."""
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.core.errors import UnknownBackup, UsageError
from desktop.core.store.backup_record import STATUSES
from desktop.core.store.catalog import Catalog
from desktop.core.store.catalog_query import CatalogQuery
from tests.catalog_entries import manifest

REPO = Path(__file__).resolve().parents[2]

# CLI.md, "JSON shapes"
CLI_FIELDS = {
    "id", "profile", "environment", "database", "status", "path", "size_bytes", "sha256",
    "started_at", "finished_at", "format", "row_counts", "kind", "proven_restorable_at", "copies",
}


@pytest.fixture
def catalog(tmp_path) -> Catalog:
    return Catalog(tmp_path / "catalog.sqlite3")


def add_completed(catalog: Catalog, backup_id: str, folder: Path, **kw) -> Path:
    m = manifest(backup_id, **kw)
    path = folder / f"{backup_id}.dump.lifeboat"
    catalog.start(m, path)
    m.finished_at = "2026-01-02T03:05:00Z"
    m.row_counts = {"public.orders": 3, 'public."Order Items"': 7, "sales.\"año\"": 0}
    catalog.complete(m, path, size=1234, sha256="ab" * 32, file_id="cd" * 16)
    return path


# --- lookups --------------------------------------------------------------------


def test_lookup_by_unique_prefix(catalog, tmp_path):
    for backup_id in ("a1b2c3d4e5f6", "a1b2ffffffff", "0123456789ab"):
        add_completed(catalog, backup_id, tmp_path)
    assert catalog.get("a1b2c3d4e5f6").id == "a1b2c3d4e5f6"
    assert catalog.get("a1b2c").id == "a1b2c3d4e5f6"
    assert catalog.get("0").id == "0123456789ab"


def test_ambiguous_prefix_is_a_usage_error(catalog, tmp_path):
    for backup_id in ("a1b2c3d4e5f6", "a1b2ffffffff"):
        add_completed(catalog, backup_id, tmp_path)
    with pytest.raises(UsageError) as caught:
        catalog.get("a1b2")
    assert not isinstance(caught.value, UnknownBackup)
    assert caught.value.exit_code == 2
    assert "2 backups" in caught.value.message and "type more" in caught.value.message


@pytest.mark.parametrize("wanted", ["ffffff", "a1b2c3d4e5f6a", "%", "_", "a1b2%", "\\"])
def test_unknown_id(catalog, tmp_path, wanted):
    add_completed(catalog, "a1b2c3d4e5f6", tmp_path)
    with pytest.raises(UnknownBackup) as caught:
        catalog.get(wanted)
    assert caught.value.exit_code == 2
    assert "lifeboat list" in caught.value.message


def test_no_id(catalog):
    with pytest.raises(UnknownBackup):
        catalog.get("")


# --- what the CLI prints -------------------------------------------------------


def test_json_has_the_fields_the_cli_promises(catalog, tmp_path):
    path = add_completed(catalog, "a1b2c3d4e5f6", tmp_path)
    data = json.loads(json.dumps(catalog.get("a1b2c3d4e5f6").to_json()))
    assert CLI_FIELDS <= set(data)
    assert data["id"] == "a1b2c3d4e5f6"
    assert (data["profile"], data["environment"], data["database"]) == ("shop", "production", "shop db")
    assert (data["status"], data["kind"], data["format"]) == ("completed", "manual", "custom")
    assert data["path"] == str(path)
    assert data["size_bytes"] == 1234 and data["sha256"] == "ab" * 32
    assert data["row_counts"] == {"public.orders": 3, 'public."Order Items"': 7, 'sales."año"': 0}
    assert data["proven_restorable_at"] is None
    assert data["copies"] == []
    for key in ("started_at", "finished_at"):
        moment = datetime.fromisoformat(data[key])
        assert moment.utcoffset() == UTC.utcoffset(None), f"{key} is not in UTC"


def test_list_newest_first_and_by_profile(catalog, tmp_path):
    add_completed(catalog, "000000000001", tmp_path, started_at="2026-01-01T00:00:00Z")
    add_completed(catalog, "000000000002", tmp_path, started_at="2026-03-01T00:00:00Z")
    add_completed(catalog, "000000000003", tmp_path, profile="other", started_at="2026-02-01T00:00:00Z")
    assert [r.id for r in catalog.list()] == ["000000000002", "000000000003", "000000000001"]
    assert [r.id for r in catalog.list(profile="shop")] == ["000000000002", "000000000001"]
    assert catalog.list(profile="nobody") == []


def test_the_json_sqlite_writes_is_the_records_json(catalog, tmp_path):
    """`list --json` prints the text SQLite builds: the same as BackupRecord.to_json, copies and all."""
    add_completed(catalog, "000000000001", tmp_path, started_at="2026-01-01T00:00:00Z", database="café")
    add_completed(catalog, "000000000002", tmp_path, started_at="2026-03-01T00:00:00Z", profile="other")
    catalog.start(manifest("000000000003", started_at="2026-04-01T00:00:00Z"), tmp_path / "3.lifeboat")
    catalog.add_copy("000000000001", "/mnt/usb/b", "2026-01-03T00:00:00Z", None, 99, "ef" * 32, parts=2)
    catalog.add_copy("000000000001", "/mnt/nas/a", "2026-01-02T00:00:00Z", "2026-01-02T01:00:00Z", 98, "12" * 32)
    catalog.set_label("000000000002", "before the \"3.2\" migration")
    for profile in (None, "shop", "nobody"):
        texts = list(catalog.json_texts(profile))
        assert [json.loads(text) for text in texts] == [r.to_json() for r in catalog.list(profile)]
    assert list(json.loads(next(catalog.json_texts()))) == list(catalog.list()[0].to_json())


def test_select_and_count_search_filter_and_sort_in_sqlite(catalog, tmp_path):
    add_completed(catalog, "000000000001", tmp_path, started_at="2026-01-01T00:00:00Z", database="Straße")
    add_completed(catalog, "000000000002", tmp_path, started_at="2026-03-01T00:00:00Z", profile="other")
    catalog.start(manifest("000000000003", started_at="2026-02-01T00:00:00Z"), tmp_path / "3.lifeboat")
    catalog.finish_unsuccessfully("000000000003", "failed", "stopped")

    def ids(query, offset=0, limit=-1):
        return [r.id[-1] for r in catalog.select(query, offset, limit)]

    assert ids(CatalogQuery()) == ["2", "3", "1"]
    assert ids(CatalogQuery(), 1, 1) == ["3"]
    assert [r.id[-1] for r in catalog.each(CatalogQuery(profile="shop"))] == ["3", "1"]
    assert ids(CatalogQuery(order="started_at", descending=False)) == ["1", "3", "2"]
    assert ids(CatalogQuery(order="rows")) == ["1", "2", "3"]  # equal counts: by id; no counts last
    assert ids(CatalogQuery(profile="shop", statuses=("completed",))) == ["1"]
    assert ids(CatalogQuery(terms=("strasse",))) == ["1"]  # casefolded as Python does, not ASCII only
    assert ids(CatalogQuery(terms=("año", "other"))) == ["2"]  # a table's name, and the connection's
    assert ids(CatalogQuery(terms=("3",))) == ["3"]  # the id; not the row counts' digits
    shown = CatalogQuery(terms=("failed",), words_shown=lambda started, status, kind, label: status)
    assert ids(shown) == ["3"] and catalog.count(shown) == 1
    assert catalog.count(CatalogQuery(terms=("zzz",))) == 0
    assert catalog.tally() == (3, 1)
    assert [catalog.position(CatalogQuery(), f"00000000000{n}") for n in (2, 3, 1)] == [0, 1, 2]
    assert catalog.position(CatalogQuery(statuses=("completed",), descending=False), "000000000002") == 1
    assert catalog.position(CatalogQuery(statuses=("completed",)), "000000000003") is None
    assert catalog.position(CatalogQuery(), "000000000009") is None
    assert ids(CatalogQuery(other_than="000000000002")) == ["3", "1"]
    assert sorted(catalog.profiles(CatalogQuery())) == ["other", "shop"]
    assert catalog.profiles(CatalogQuery(statuses=("failed", "cancelled"))) == ["shop"]


# --- statuses ---------------------------------------------------------------------


def test_a_backup_in_progress_then_failed_or_cancelled(catalog, tmp_path):
    for backup_id, status in (("f00000000001", "failed"), ("c00000000001", "cancelled")):
        catalog.start(manifest(backup_id), tmp_path / f"{backup_id}.lifeboat")
        assert catalog.get(backup_id).status == "in_progress"
        catalog.finish_unsuccessfully(backup_id, status, "The drive is full.")
        record = catalog.get(backup_id)
        assert (record.status, record.error) == (status, "The drive is full.")
        assert record.finished_at is not None
        assert record.status in STATUSES


def test_add_existing_once(catalog, tmp_path):
    m = manifest("e00000000001", finished_at="2026-01-02T03:05:00Z")
    path = tmp_path / "found.lifeboat"
    assert catalog.add_existing(m, path, 10, "ef" * 32, "01" * 16) is True
    assert catalog.add_existing(m, path, 10, "ef" * 32, "01" * 16) is False
    # The same file under another id (a copy elsewhere) is still the same backup.
    other = manifest("e00000000002")
    assert catalog.add_existing(other, tmp_path / "copy.lifeboat", 10, "ef" * 32, "01" * 16) is False
    assert catalog.get("e00000000001").status == "completed"


def test_delete(catalog, tmp_path):
    add_completed(catalog, "d00000000001", tmp_path)
    catalog.delete("d00000000001")
    with pytest.raises(UnknownBackup):
        catalog.get("d00000000001")


def test_entries_survive_reopening(tmp_path):
    add_completed(Catalog(tmp_path / "c.sqlite3"), "a00000000001", tmp_path)
    assert Catalog(tmp_path / "c.sqlite3").get("a00000000001").status == "completed"


# --- crashes and damage -------------------------------------------------------------


def start_in_a_process_that_then_exits(catalog_path: Path, backup_id: str, path: Path) -> None:
    """An entry whose owner is gone: what a killed backup leaves."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from desktop.core.store.catalog import Catalog\n"
        "from tests.catalog_entries import manifest\n"
        "Catalog(Path(sys.argv[1])).start(manifest(sys.argv[2]), Path(sys.argv[3]))\n"
    )
    subprocess.run([sys.executable, "-c", code, str(catalog_path), backup_id, str(path)],
                   cwd=REPO, check=True, env=dict(os.environ, PYTHONPATH=str(REPO)))


def test_recover_interrupted_fails_dead_owners_only(catalog, tmp_path):
    dead_path = tmp_path / "dead.dump.lifeboat"
    start_in_a_process_that_then_exits(catalog.path, "dead00000001", dead_path)
    Path(f"{dead_path}.partial").write_bytes(b"half a backup")

    live_path = tmp_path / "live.dump.lifeboat"
    catalog.start(manifest("live00000001"), live_path)  # this process: alive
    Path(f"{live_path}.partial").write_bytes(b"still being written")
    done_path = add_completed(catalog, "done00000001", tmp_path)
    done_path.write_bytes(b"a finished backup")

    assert catalog.recover_interrupted() == ["dead00000001"]
    dead = catalog.get("dead00000001")
    assert dead.status == "failed"
    assert "stopped before this backup finished" in dead.error
    assert not Path(f"{dead_path}.partial").exists()

    assert catalog.get("live00000001").status == "in_progress"
    assert Path(f"{live_path}.partial").exists()
    assert catalog.get("done00000001").status == "completed"
    assert done_path.exists()
    assert catalog.recover_interrupted() == []


def test_a_damaged_catalog_file_is_set_aside(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    add_completed(Catalog(path), "a00000000001", tmp_path)
    garbage = os.urandom(path.stat().st_size)
    path.write_bytes(garbage)

    catalog = Catalog(path)
    assert catalog.recovered_from_damage is not None
    assert catalog.recovered_from_damage.read_bytes() == garbage  # kept, for the curious
    assert catalog.list() == []  # refilled by a rebuild from the backup files, not guessed
    add_completed(catalog, "b00000000001", tmp_path)
    assert [r.id for r in catalog.list()] == ["b00000000001"]
    assert Catalog(path).recovered_from_damage is None


def test_many_writers_at_once(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    Catalog(path)
    errors = []

    def writer(number: int) -> None:
        try:
            add_completed(Catalog(path), f"{number:012d}", tmp_path)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(Catalog(path).list()) == 12
