"""The catalog table model: cells in words, and the search, filters, sort and
paging it has the catalog run in SQLite."""
import time
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from desktop.core.store.catalog import BackupRecord, Catalog
from desktop.ui.catalog_model import PAGE, SAFETY_COPIES, WITHOUT_UNFINISHED, CatalogModel
from desktop.ui.catalog_view import CatalogView
from tests.catalog_entries import backup_record as record
from tests.catalog_entries import insert_records

DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture
def paris(monkeypatch):
    """The computer's time zone, so dates show as local time."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def catalog_of(tmp_path, records: list[BackupRecord]) -> Catalog:
    return insert_records(Catalog(tmp_path / "catalog.sqlite3"), records)


def model_of(tmp_path, records: list[BackupRecord]) -> CatalogModel:
    model = CatalogModel()
    model.set_catalog(catalog_of(tmp_path, records))
    return model


FIVE = [
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
]


@pytest.fixture
def model(qapp, qtmodeltester, tmp_path):
    model = model_of(tmp_path, FIVE)
    qtmodeltester.check(model, force_py=True)
    return model


def cell(model, backup_id: str, column: int, role=DISPLAY):
    return model.data(model.index(model.row_of(backup_id), column), role)


def column_values(model, column: int, role=DISPLAY) -> list:
    return [model.data(model.index(row, column), role) for row in range(model.rowCount())]


def shown_ids(model) -> list[str]:
    return sorted(r.id for r in column_values(model, 0, CatalogModel.RecordRole))


def test_newest_first(model):
    assert [r.id for r in column_values(model, 0, CatalogModel.RecordRole)] == ["d4", "a1", "b2", "c3", "e5"]
    assert (model.matched, model.total, model.unfinished) == (5, 5, 1)


def test_cells_read_in_words(model, paris):
    assert [cell(model, "a1", c) for c in range(model.columnCount())] == [
        "27 Nov 2026 14:02", "Shop production", "PRODUCTION", "Completed", "1.5 GB", "2", "48,210",
        "", "—", "/srv/backups",
    ]
    assert cell(model, "b2", CatalogModel.ENVIRONMENT) == "Development"
    assert cell(model, "b2", CatalogModel.SIZE) == "2.0 KB"
    assert cell(model, "c3", CatalogModel.STATUS) == "Failed"
    assert cell(model, "d4", CatalogModel.STATUS) == "In progress"
    # No counts or size before a backup finished: a dash, not a misleading 0.
    assert [cell(model, "d4", c) for c in (CatalogModel.SIZE, CatalogModel.TABLES, CatalogModel.ROWS)] == ["—"] * 3


def test_tooltips_hold_the_full_values(model, paris):
    assert cell(model, "a1", CatalogModel.LOCATION, TOOLTIP) == "/srv/backups/a1.dump.lifeboat"
    assert cell(model, "a1", CatalogModel.SIZE, TOOLTIP) == "1,610,612,736 bytes"
    assert "Friday 27 November 2026, 14:02:00 (UTC+01:00)" in cell(model, "a1", CatalogModel.DATE, TOOLTIP)
    assert cell(model, "a1", CatalogModel.PROFILE, TOOLTIP) == "Database shop on db.example.com:5432"
    assert cell(model, "c3", CatalogModel.STATUS, TOOLTIP).startswith("Lifeboat cannot reach the server")


def test_proven_shows_the_local_date_of_the_last_test_restore(qapp, paris, tmp_path):
    model = model_of(tmp_path, [record("p1", proven_restorable_at="2026-11-27T23:30:00Z"), record("p2")])
    # 23:30 UTC is already the next day in Paris.
    assert [cell(model, id, CatalogModel.PROVEN) for id in ("p1", "p2")] == ["Test-restored on 28 Nov 2026", "—"]
    assert "you know you can restore" in model.headerData(CatalogModel.PROVEN, Qt.Orientation.Horizontal, TOOLTIP)
    assert cell(model, "p1", CatalogModel.PROVEN, TOOLTIP).startswith("A test restore brought this backup back in "
                                                                      "full on Saturday")
    assert "Test restore…" in cell(model, "p2", CatalogModel.PROVEN, TOOLTIP)


def test_the_note_column_shows_the_users_note_or_what_made_the_backup(qapp, tmp_path):
    model = model_of(tmp_path, [record("n1", label="before the 3.2 migration"), record("n2", kind="safety"),
                                record("n3", kind="scheduled"), record("n4")])
    assert [cell(model, id, CatalogModel.NOTE) for id in ("n1", "n2", "n3", "n4")] == [
        "before the 3.2 migration", "Safety copy before a restore", "Scheduled", ""]


def test_production_is_coloured_and_labelled(model):
    background = cell(model, "a1", CatalogModel.ENVIRONMENT, Qt.ItemDataRole.BackgroundRole)
    assert background.color().name() == "#b3261e"
    assert cell(model, "a1", CatalogModel.ENVIRONMENT) == "PRODUCTION"
    assert not cell(model, "a1", CatalogModel.STATUS, Qt.ItemDataRole.DecorationRole).isNull()


def test_record_role_and_lookups(model):
    assert cell(model, "b2", CatalogModel.ROWS, CatalogModel.RecordRole).id == "b2"
    assert model.record_at(3).id == "c3"
    assert model.row_of("e5") == 4
    assert model.row_of("nope") is None


def test_sizes_and_rows_sort_as_numbers(model):
    model.sort(CatalogModel.SIZE, Qt.SortOrder.AscendingOrder)
    # As text "1.5 GB" < "2.0 KB" < "300.0 MB"; as numbers: KB < MB < GB, unknown first.
    assert column_values(model, CatalogModel.SIZE) == ["—", "—", "2.0 KB", "300.0 MB", "1.5 GB"]
    model.sort(CatalogModel.ROWS, Qt.SortOrder.DescendingOrder)
    assert column_values(model, CatalogModel.ROWS)[:3] == ["5,000,000", "48,210", "9"]
    model.sort(CatalogModel.TABLES, Qt.SortOrder.DescendingOrder)
    assert model.record_at(0).id == "a1"
    model.sort(CatalogModel.DATE, Qt.SortOrder.DescendingOrder)
    assert [r.id for r in column_values(model, 0, CatalogModel.RecordRole)] == ["d4", "a1", "b2", "c3", "e5"]


def test_upsert_of_a_known_id_changes_its_row_in_place(model, qtbot):
    running = model.record_at(0)
    done = replace(running, status="completed", size_bytes=5_000, sha256="cd" * 32, row_counts={"public.orders": 12})
    with qtbot.waitSignal(model.dataChanged) as changed, qtbot.assertNotEmitted(model.modelReset):
        model.upsert(done)
    top_left, bottom_right = changed.args[:2]
    assert (top_left.row(), top_left.column(), bottom_right.row(), bottom_right.column()) == (0, 0, 0, 9)
    assert model.rowCount() == 5
    assert cell(model, "d4", CatalogModel.STATUS) == "Completed"
    assert cell(model, "d4", CatalogModel.ROWS) == "12"


def test_refresh_shows_what_changed_in_the_catalog(model, tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    assert not model.refresh()  # nothing changed: the view is left alone
    insert_records(catalog, [record("f6", status="in_progress", started_at="2026-11-29T10:00:00Z")])
    assert model.refresh()
    assert model.rowCount() == 6 and model.record_at(0).id == "f6"
    catalog.move_to_trash("f6", "2026-11-30T00:00:00Z")
    catalog.finish_unsuccessfully("d4", "cancelled", "Stopped.")
    assert model.refresh()
    assert [model.record_at(r).id for r in range(model.rowCount())] == ["d4", "a1", "b2", "c3", "e5"]
    assert cell(model, "d4", CatalogModel.STATUS) == "Cancelled" and model.unfinished == 2


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
    model.set_search(text)
    assert shown_ids(model) == ids
    assert model.matched == len(ids)


def test_filters_by_connection_and_status_and_keeps_them_while_rows_change(model, tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    model.set_profile("Shop dev")
    assert shown_ids(model) == ["b2", "d4"]
    model.set_status("in_progress")
    assert shown_ids(model) == ["d4"]
    catalog.finish_unsuccessfully("d4", "failed", "Stopped.")  # the running job ends
    model.refresh()
    assert shown_ids(model) == []
    model.set_status(None)
    model.set_profile(None)
    assert shown_ids(model) == ["a1", "b2", "c3", "d4", "e5"]
    model.set_status(WITHOUT_UNFINISHED)
    assert shown_ids(model) == ["a1", "b2", "e5"]
    insert_records(catalog, [record("f6", kind="safety")])
    model.set_status(SAFETY_COPIES)
    assert shown_ids(model) == ["f6"]


def test_a_big_catalog_is_loaded_a_page_at_a_time_and_searched_whole(qtbot, tmp_path, paris):
    """5,000 backups, an hour apart: the list holds a page; search and sort run over every row."""
    backups = [record(f"b{number:05d}", started_at=f"2026-{12 - number // 720:02d}-{1 + number % 720 // 24:02d}"
                      f"T{number % 24:02d}:00:00Z", size_bytes=1_000 + number) for number in range(5_000)]
    backups[-1] = replace(backups[-1], row_counts={"public.archive_2019": 7})
    view = CatalogView()
    qtbot.addWidget(view)
    view.set_catalog(catalog_of(tmp_path, backups))
    model = view.model
    assert model.rowCount() == PAGE and model.canFetchMore()
    assert view.summary.text().startswith("5,000 backups")
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE
    view.search.setText("ARCHIVE_2019")
    assert shown_ids(model) == ["b04999"] and not model.canFetchMore()
    assert view.summary.text().startswith("Showing 1 of 5,000 backups")
    model.set_profile("Shop dev")  # hides every backup: nothing is loaded looking for one
    assert not view.select("b00003") and model.rowCount() == 0
    model.set_profile(None)
    view.search.clear()
    assert model.rowCount() == PAGE
    view.table.sortByColumn(CatalogModel.SIZE, Qt.SortOrder.AscendingOrder)
    assert [model.record_at(row).id for row in (0, 1)] == ["b00000", "b00001"]
    assert view.select("b04000")  # far down: loaded up to it
    assert view.selected_record().id == "b04000" and PAGE < model.rowCount() < 5_000
