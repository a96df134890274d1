"""The catalog table model and its search/filter proxy."""
import time
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from desktop.core.store.catalog import BackupRecord
from desktop.ui.catalog_model import SAFETY_COPIES, WITHOUT_UNFINISHED, CatalogFilter, CatalogModel

DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


def record(id: str, **fields) -> BackupRecord:
    """A catalog entry as the engine writes one: completed unless told otherwise."""
    values = dict(
        profile="Shop production", environment="production", database="shop", status="completed",
        format="custom", started_at="2026-11-27T13:02:00Z", finished_at="2026-11-27T13:04:10Z",
        host="db.example.com", port=5432, path=f"/srv/backups/{id}.dump.lifeboat", size_bytes=1024,
        sha256="ab" * 32, row_counts={"public.orders": 1000},
    )
    values.update(fields)
    return BackupRecord(id=id, **values)


@pytest.fixture
def paris(monkeypatch):
    """The computer's time zone, so dates show as local time."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def model(qapp, qtmodeltester):
    model = CatalogModel()
    model.set_records([
        record("a1", started_at="2026-11-27T13:02:00Z", size_bytes=1_610_612_736,
               row_counts={"public.orders": 48_000, "public.customers": 210}),
        record("b2", profile="Shop dev", environment="development", database="shop_dev",
               started_at="2026-11-26T09:00:00Z", size_bytes=2_048, row_counts={"public.orders": 9}),
        record("c3", status="failed", started_at="2026-11-25T22:00:00Z", size_bytes=None, sha256=None,
               row_counts={}, error="Lifeboat cannot reach the server at db.example.com:5432."),
        record("d4", profile="Shop dev", environment="development", status="in_progress",
               started_at="2026-11-28T08:00:00Z", size_bytes=None, sha256=None, row_counts={}),
        record("e5", started_at="2026-11-20T12:00:00Z", size_bytes=314_572_800,
               row_counts={"public.orders": 5_000_000}),
    ])
    qtmodeltester.check(model, force_py=True)
    return model


def cell(model, row: int, column: int, role=DISPLAY):
    return model.data(model.index(row, column), role)


def column_values(proxy, column: int, role=DISPLAY) -> list:
    return [proxy.data(proxy.index(row, column), role) for row in range(proxy.rowCount())]


def proxy_over(model) -> CatalogFilter:
    proxy = CatalogFilter()
    proxy.setSourceModel(model)
    return proxy


def test_cells_read_in_words(model, paris):
    assert [cell(model, 0, c) for c in range(model.columnCount())] == [
        "27 Nov 2026 14:02", "Shop production", "PRODUCTION", "Completed", "1.5 GB", "2", "48,210",
        "", "—", "/srv/backups",
    ]
    assert cell(model, 1, CatalogModel.ENVIRONMENT) == "Development"
    assert cell(model, 1, CatalogModel.SIZE) == "2.0 KB"
    assert cell(model, 2, CatalogModel.STATUS) == "Failed"
    assert cell(model, 3, CatalogModel.STATUS) == "In progress"
    # No counts or size before a backup finished: a dash, not a misleading 0.
    assert [cell(model, 3, c) for c in (CatalogModel.SIZE, CatalogModel.TABLES, CatalogModel.ROWS)] == ["—"] * 3


def test_tooltips_hold_the_full_values(model, paris):
    assert cell(model, 0, CatalogModel.LOCATION, TOOLTIP) == "/srv/backups/a1.dump.lifeboat"
    assert cell(model, 0, CatalogModel.SIZE, TOOLTIP) == "1,610,612,736 bytes"
    assert "Friday 27 November 2026, 14:02:00 (UTC+01:00)" in cell(model, 0, CatalogModel.DATE, TOOLTIP)
    assert cell(model, 0, CatalogModel.PROFILE, TOOLTIP) == "Database shop on db.example.com:5432"
    assert cell(model, 2, CatalogModel.STATUS, TOOLTIP).startswith("Lifeboat cannot reach the server")


def test_proven_shows_the_local_date_of_the_last_test_restore(qapp, paris):
    model = CatalogModel()
    model.set_records([record("p1", proven_restorable_at="2026-11-27T23:30:00Z"), record("p2")])
    # 23:30 UTC is already the next day in Paris.
    assert [cell(model, row, CatalogModel.PROVEN) for row in (0, 1)] == ["Test-restored on 28 Nov 2026", "—"]
    assert [cell(model, row, CatalogModel.PROVEN, CatalogModel.SortRole) for row in (0, 1)] == [
        "2026-11-27T23:30:00Z", ""]
    assert "you know you can restore" in model.headerData(CatalogModel.PROVEN, Qt.Orientation.Horizontal, TOOLTIP)
    assert cell(model, 0, CatalogModel.PROVEN, TOOLTIP).startswith("A test restore brought this backup back in full "
                                                                   "on Saturday")
    assert "Test restore…" in cell(model, 1, CatalogModel.PROVEN, TOOLTIP)


def test_the_note_column_shows_the_users_note_or_what_made_the_backup(qapp):
    model = CatalogModel()
    model.set_records([record("n1", label="before the 3.2 migration"), record("n2", kind="safety"),
                       record("n3", kind="scheduled"), record("n4")])
    assert [cell(model, row, CatalogModel.NOTE) for row in range(4)] == [
        "before the 3.2 migration", "Safety copy before a restore", "Scheduled", ""]


def test_production_is_coloured_and_labelled(model):
    background = cell(model, 0, CatalogModel.ENVIRONMENT, Qt.ItemDataRole.BackgroundRole)
    assert background.color().name() == "#b3261e"
    assert cell(model, 0, CatalogModel.ENVIRONMENT) == "PRODUCTION"
    assert not cell(model, 0, CatalogModel.STATUS, Qt.ItemDataRole.DecorationRole).isNull()


def test_record_role_and_lookups(model):
    assert cell(model, 1, CatalogModel.ROWS, CatalogModel.RecordRole).id == "b2"
    assert model.record_at(2).id == "c3"
    assert model.row_of("e5") == 4
    assert model.row_of("nope") is None


def test_sort_role_is_native_so_sizes_and_rows_sort_as_numbers(model):
    proxy = proxy_over(model)
    proxy.sort(CatalogModel.SIZE, Qt.SortOrder.AscendingOrder)
    # As text "1.5 GB" < "2.0 KB" < "300.0 MB"; as numbers: KB < MB < GB, unknown first.
    assert column_values(proxy, CatalogModel.SIZE)[2:] == ["2.0 KB", "300.0 MB", "1.5 GB"]
    assert column_values(proxy, CatalogModel.SIZE, CatalogModel.SortRole) == [-1, -1, 2_048, 314_572_800, 1_610_612_736]
    proxy.sort(CatalogModel.ROWS, Qt.SortOrder.DescendingOrder)
    assert column_values(proxy, CatalogModel.ROWS)[:3] == ["5,000,000", "48,210", "9"]
    proxy.sort(CatalogModel.DATE, Qt.SortOrder.DescendingOrder)
    assert [r.id for r in column_values(proxy, 0, CatalogModel.RecordRole)] == ["d4", "a1", "b2", "c3", "e5"]


def test_upsert_of_a_known_id_changes_its_row_in_place(model, qtbot):
    running = model.record_at(3)
    done = replace(running, status="completed", size_bytes=5_000, sha256="cd" * 32, row_counts={"public.orders": 12})
    with qtbot.waitSignal(model.dataChanged) as changed, qtbot.assertNotEmitted(model.rowsInserted):
        model.upsert(done)
    top_left, bottom_right = changed.args[:2]
    assert (top_left.row(), top_left.column(), bottom_right.row(), bottom_right.column()) == (3, 0, 3, 9)
    assert model.rowCount() == 5
    assert cell(model, 3, CatalogModel.STATUS) == "Completed"
    assert cell(model, 3, CatalogModel.ROWS) == "12"


def test_upsert_of_a_new_id_adds_the_newest_row_and_remove_takes_it_away(model, qtbot):
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert(record("f6", status="in_progress", started_at="2026-11-29T10:00:00Z"))
    assert model.rowCount() == 6 and model.record_at(0).id == "f6"
    with qtbot.waitSignal(model.rowsRemoved):
        model.remove("f6")
    model.remove("unknown id")  # nothing to do
    assert [model.record_at(r).id for r in range(model.rowCount())] == ["a1", "b2", "c3", "d4", "e5"]


def shown_ids(proxy) -> list[str]:
    return sorted(r.id for r in column_values(proxy, 0, CatalogModel.RecordRole))


@pytest.mark.parametrize("text, ids", [
    ("", ["a1", "b2", "c3", "d4", "e5"]),
    ("SHOP DEV", ["b2", "d4"]),               # the connection's name, any case
    ("shop_dev", ["b2"]),                     # the database
    ("c3", ["c3"]),                           # the id
    ("in progress", ["d4"]),                  # the status in words
    ("failed", ["c3"]),
    ("27 nov", ["a1"]),                       # the date as the list shows it
    ("14:02", ["a1"]),
    ("nov 2026 customers", ["a1"]),           # a table inside the backup
    ("srv", []),                              # not the file's path: the list does not show it
    ("production completed", ["a1", "e5"]),   # every word must match
    ("no such thing", []),
])
def test_search_matches_what_the_list_shows_and_the_tables_inside(model, paris, text, ids):
    proxy = proxy_over(model)
    proxy.set_search(text)
    assert shown_ids(proxy) == ids


def test_filters_by_connection_and_status_and_keeps_them_while_rows_change(model):
    proxy = proxy_over(model)
    proxy.set_profile("Shop dev")
    assert shown_ids(proxy) == ["b2", "d4"]
    proxy.set_status("in_progress")
    assert shown_ids(proxy) == ["d4"]
    model.upsert(replace(model.record_at(3), status="completed"))  # the running job finishes
    assert shown_ids(proxy) == []
    proxy.set_status(None)
    proxy.set_profile(None)
    assert shown_ids(proxy) == ["a1", "b2", "c3", "d4", "e5"]
    proxy.set_status(WITHOUT_UNFINISHED)
    assert "c3" not in shown_ids(proxy)  # the failed one
    model.upsert(replace(model.record_at(4), kind="safety"))
    proxy.set_status(SAFETY_COPIES)
    assert shown_ids(proxy) == ["e5"]
