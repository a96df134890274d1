"""The catalog view: filters, selection, opening a backup, the empty state."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from desktop.core.store.catalog import Catalog
from desktop.ui.catalog_model import PAGE, CatalogModel
from desktop.ui.catalog_view import EMPTY_TEXT, NO_MATCH_TEXT, CatalogView
from tests.catalog_entries import backup_record, insert_records
from tests.ui.screens import save_screenshot
from tests.ui.test_catalog_model import catalog_of, record

# The offscreen platform warns whenever a shown top-level window gets a minimum
# size from its layout; on a real screen this view sits inside the main window.

CHINOOK = {
    "public.album": 347, "public.artist": 275, "public.customer": 59, "public.employee": 8,
    "public.genre": 25, "public.invoice": 412, "public.invoice_line": 2240, "public.media_type": 5,
    "public.playlist": 18, "public.playlist_track": 8715, "public.track": 3503,
}
PAGILA = {
    "public.actor": 200, "public.address": 603, "public.category": 16, "public.city": 600,
    "public.country": 109, "public.customer": 599, "public.film": 1000, "public.film_actor": 5462,
    "public.film_category": 1000, "public.inventory": 4581, "public.language": 6,
    "public.payment": 16049, "public.rental": 16044, "public.staff": 2, "public.store": 2,
}
SHOP = {f"public.{name}": rows for name, rows in (
    ("orders", 2_481_220), ("order_lines", 9_874_410), ("customers", 184_302), ("products", 12_480),
    ("invoices", 2_210_982), ("payments", 2_305_117), ("stock_moves", 6_112_904), ("users", 412),
)}


def sha(seed: str) -> str:
    import hashlib
    return hashlib.sha256(seed.encode()).hexdigest()


def realistic_records():
    """Eight backups as an office would have them after a busy week."""
    shop_prod = dict(profile="Shop production", environment="production", database="shop",
                     host="db.shop.example.com")
    shop_dev = dict(profile="Shop development", environment="development", database="shop_dev",
                    host="localhost")
    music = dict(profile="Music store", environment="development", database="chinook", host="localhost")
    films = dict(profile="Film rentals", environment="production", database="pagila",
                 host="pg.rentals.example.org")
    nas, usb = "/mnt/nas/Lifeboat backups", "/media/anna/BACKUP-DRIVE/Lifeboat"
    home = "/home/anna/.local/share/lifeboat/backups"
    return [
        record("7f3a9c21d0e84b55", **shop_prod, status="in_progress", started_at="2026-11-27T13:02:00Z",
               finished_at=None, path=f"{nas}/Shop_production_20261127T130200Z.dump.lifeboat",
               size_bytes=None, sha256=None, row_counts={}),
        record("1c9e4d7a2b6f8e03", **music, started_at="2026-11-27T10:41:00Z",
               finished_at="2026-11-27T10:41:02Z", path=f"{home}/Music_store_20261127T104100Z.dump.lifeboat",
               size_bytes=287_744, sha256=sha("music-1"), row_counts=CHINOOK),
        record("a5d2e8f3c1b74690", **shop_prod, started_at="2026-11-26T18:30:00Z",
               finished_at="2026-11-26T18:52:41Z", path=f"{nas}/Shop_production_20261126T183000Z.dump.lifeboat",
               size_bytes=2_941_263_872, sha256=sha("shop-1"), row_counts=SHOP),
        record("b8c4f1e9a7d35e21", **films, started_at="2026-11-26T07:15:00Z",
               finished_at="2026-11-26T07:15:09Z", path=f"{usb}/Film_rentals_20261126T071500Z.dump.lifeboat",
               size_bytes=3_215_360, sha256=sha("films-1"), row_counts=PAGILA),
        record("e2f6a3b9d8c14f77", **shop_dev, status="failed", started_at="2026-11-25T16:05:00Z",
               finished_at="2026-11-25T16:05:10Z", path=None, size_bytes=None, sha256=None, row_counts={},
               error="Lifeboat cannot reach the server at localhost:5432. Check that the server is running."),
        record("c3b7e5d1f9a24c88", **shop_dev, started_at="2026-11-24T12:00:00Z",
               finished_at="2026-11-24T12:03:18Z", path=f"{home}/Shop_development_20261124T120000Z.sql.lifeboat",
               format="plain", size_bytes=412_090_368, sha256=sha("shop-dev-1"),
               row_counts={k: v // 20 for k, v in SHOP.items()}),
        record("d9a1c6e4b2f85a13", **shop_prod, status="cancelled", started_at="2026-11-23T09:12:00Z",
               finished_at="2026-11-23T09:14:30Z", path=None, size_bytes=None, sha256=None, row_counts={},
               error="The backup was cancelled. No file was kept."),
        record("f4e8b2a6c0d97b42", **shop_prod, kind="safety", started_at="2026-11-20T17:45:00Z",
               finished_at="2026-11-20T18:06:02Z", path=f"{nas}/Shop_production_20261120T174500Z.dump.lifeboat",
               size_bytes=2_873_098_240, sha256=sha("shop-0"),
               row_counts={k: v - 1_500 for k, v in SHOP.items()}),
    ]


@pytest.fixture
def view(qtbot):
    view = CatalogView()
    qtbot.addWidget(view)
    view.resize(1100, 380)
    view.set_profiles(["Film rentals", "Music store", "Shop development", "Shop production"])
    return view


@pytest.fixture
def shown(view, qtbot, tmp_path):
    view.set_catalog(catalog_of(tmp_path, realistic_records()))
    view.show()
    qtbot.waitExposed(view)
    return view


def row_rect(view, backup_id: str):
    return view.table.visualRect(view.model.index(view.model.row_of(backup_id), CatalogModel.PROFILE))


def test_empty_catalog_says_what_to_do(view, tmp_path):
    catalog = catalog_of(tmp_path, [])
    view.set_catalog(catalog)
    assert view.stack.currentWidget() is view.empty_state
    assert view.empty_state.text() == EMPTY_TEXT
    insert_records(catalog, [record("first", status="in_progress", row_counts={})])
    assert view.refresh()
    assert view.stack.currentWidget() is view.table
    assert view.summary.text().startswith("1 backup  \u00b7  Proven: a test restore")


def test_a_search_that_hides_everything_says_so(shown):
    shown.search.setText("no such backup")
    assert shown.stack.currentWidget() is shown.empty_state
    assert shown.empty_state.text() == NO_MATCH_TEXT
    shown.search.clear()
    assert shown.stack.currentWidget() is shown.table
    assert shown.summary.text().startswith("8 backups  \u00b7")


def test_newest_first_and_filters_from_the_combos(shown):
    assert shown.model.index(0, CatalogModel.STATUS).data() == "In progress"
    shown.profile_filter.setCurrentIndex(shown.profile_filter.findText("Shop development"))
    assert shown.model.rowCount() == 2
    shown.status_filter.setCurrentIndex(shown.status_filter.findText("Failed"))
    assert shown.model.rowCount() == 1
    assert shown.summary.text().startswith("Showing 1 of 8 backups  \u00b7")
    # A new list of connections keeps the chosen one.
    shown.set_profiles(["Shop development", "Shop production"])
    assert shown.profile_filter.currentText() == "Shop development"
    shown.set_profiles(["Shop production"])
    assert shown.profile_filter.currentText() == "All connections"
    assert shown.model.rowCount() == 1  # still only failed ones


def test_clicking_a_row_announces_its_record(shown, qtbot):
    with qtbot.waitSignal(shown.selection_changed) as selected:
        qtbot.mouseClick(shown.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=row_rect(shown, "b8c4f1e9a7d35e21").center())
    assert selected.args[0].id == "b8c4f1e9a7d35e21"
    assert shown.selected_record().database == "pagila"
    with qtbot.waitSignal(shown.selection_changed) as cleared:
        shown.table.clearSelection()
    assert cleared.args == [None]


def test_ctrl_click_selects_several_for_export(shown, qtbot):
    ids = [r.id for r in realistic_records()][:2]
    qtbot.mouseClick(shown.table.viewport(), Qt.MouseButton.LeftButton, pos=row_rect(shown, ids[0]).center())
    qtbot.mouseClick(shown.table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     pos=row_rect(shown, ids[1]).center())
    assert sorted(r.id for r in shown.selected_records()) == sorted(ids)
    assert shown.selected_record().id == ids[1]  # the one the cursor is on


def test_double_click_and_enter_open_the_backup(shown, qtbot):
    position = row_rect(shown, "1c9e4d7a2b6f8e03").center()
    qtbot.mouseClick(shown.table.viewport(), Qt.MouseButton.LeftButton, pos=position)
    with qtbot.waitSignal(shown.activated) as opened:
        qtbot.mouseDClick(shown.table.viewport(), Qt.MouseButton.LeftButton, pos=position)
    assert opened.args[0].database == "chinook"
    shown.table.setFocus()
    with qtbot.waitSignal(shown.activated) as entered:
        qtbot.keyClick(shown.table, Qt.Key.Key_Return)
    assert entered.args[0].id == "1c9e4d7a2b6f8e03"


def test_a_running_backup_updates_live_and_stays_selected(shown, qtbot, tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    assert shown.select("7f3a9c21d0e84b55")
    running = shown.selected_record()
    done = replace(running, status="completed", finished_at="2026-11-27T13:25:00Z", size_bytes=2_950_000_000,
                   sha256=sha("shop-2"), row_counts=SHOP)
    with qtbot.waitSignal(shown.selection_changed) as changed:
        shown.upsert(done)
    assert changed.args[0].status == "completed"
    assert shown.model.rowCount() == 8
    # Reading the catalog again keeps the selection, and says when the selected backup changed.
    catalog.finish_unsuccessfully("7f3a9c21d0e84b55", "failed", "Stopped.")
    with qtbot.waitSignal(shown.selection_changed) as failed:
        assert shown.refresh()
    assert failed.args[0].status == "failed" and shown.selected_record().id == "7f3a9c21d0e84b55"
    with qtbot.assertNotEmitted(shown.selection_changed):
        assert not shown.refresh()
    # A new sort keeps it selected too.
    with qtbot.assertNotEmitted(shown.selection_changed):
        shown.table.sortByColumn(CatalogModel.SIZE, Qt.SortOrder.AscendingOrder)
    assert shown.selected_record().id == "7f3a9c21d0e84b55"
    # Gone from the catalog: nothing is selected, and the window is told.
    catalog.move_to_trash("7f3a9c21d0e84b55", "2026-11-28T00:00:00Z")
    with qtbot.waitSignal(shown.selection_changed) as gone:
        shown.refresh()
    assert gone.args == [None] and shown.model.rowCount() == 7


def test_select_refuses_unknown_or_hidden_backups(shown):
    assert not shown.select("nope")
    shown.search.setText("pagila")
    assert not shown.select("1c9e4d7a2b6f8e03")
    assert shown.select("b8c4f1e9a7d35e21")


def test_a_search_that_hides_the_chosen_backup_shows_its_first_rows(view, qtbot, tmp_path):
    """A backup chosen far down, then a search that hides it: the list starts at the top again
    (else the view stays scrolled as far down, reading page after page to get there)."""
    newest = datetime(2026, 12, 1, tzinfo=UTC)
    view.set_catalog(catalog_of(tmp_path, [
        backup_record(f"b{number:04d}", profile="Shop production" if number % 2 else "Music store",
                      started_at=f"{newest - timedelta(hours=number):%Y-%m-%dT%H:%M:%SZ}")
        for number in range(3 * PAGE)]))
    view.show()
    qtbot.waitExposed(view)
    far = "b0599" if view.model.row_of("b0599") is None else pytest.fail("the far backup was loaded at once")
    assert view.select(far) and view.table.verticalScrollBar().value() > 0
    view.search.setText("music")
    assert view.selected_record() is None
    assert view.table.verticalScrollBar().value() == 0 and view.model.rowCount() <= 2 * PAGE
    view.search.setText("shop")  # nothing chosen, scrolled down: the new search still starts at the top
    view.table.verticalScrollBar().setValue(view.table.verticalScrollBar().maximum())
    view.search.setText("shop production")
    assert view.table.verticalScrollBar().value() == 0


def test_controls_have_accessible_names(view):
    names = {w.accessibleName() for w in (view.search, view.profile_filter, view.status_filter, view.table)}
    assert names == {"Search backups", "Show backups of connection", "Show backups with status", "Backups"}


def test_screenshot_of_a_populated_catalog(shown, qtbot):
    shown.select("a5d2e8f3c1b74690")
    save_screenshot(shown, "catalog_view", shows=("catalogTable", "catalogSearch"))
    empty = CatalogView()
    qtbot.addWidget(empty)
    empty.resize(900, 300)
    empty.show()
    qtbot.waitExposed(empty)
    save_screenshot(empty, "catalog_view_empty", shows=("catalogEmptyState",))
