"""The stats panel against a real Chinook database on PostgreSQL 15."""
import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.core.postgres.connection import connect
from desktop.core.postgres.live_stats import current_row_counts
from desktop.core.store.profiles import Profile
from desktop.ui.stats_panel import DIFFERENCE, NO_PROFILE_TEXT, NOW, StatsPanel
from tests.ui.screens import save_screenshot
from tests.ui.test_catalog_model import record

# The offscreen platform warns whenever a shown top-level window gets a minimum
# size from its layout; on a real screen this panel sits inside the main window.

COUNT_TIMEOUT_MS = 30_000


@pytest.fixture
def panel(qtbot):
    panel = StatsPanel()
    qtbot.addWidget(panel)
    panel.resize(640, 440)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def music(ws, pg15, chinook_db, make_profile) -> Profile:
    return make_profile(pg15, chinook_db, name="Music store")


@pytest.fixture
def latest(ws, music):
    """The latest backup's record, its counts a little off from the database's."""
    counts = current_row_counts(music, ws.profiles.password_for(music))
    counts["public.track"] -= 3          # 3 tracks added since the backup
    counts["public.invoice"] += 2        # 2 invoices deleted since
    del counts["public.genre"]           # a table created since
    counts["public.old_prices"] = 120    # a table dropped since
    return record("1c9e4d7a2b6f8e03", profile=music.name, environment="development", database=music.dbname,
                  started_at="2026-11-27T10:41:00Z", row_counts=counts)


def shown_rows(panel) -> dict[str, list[str]]:
    model = panel.table.model()
    return {
        model.index(row, 0).data(): [model.index(row, column).data() for column in range(1, 4)]
        for row in range(model.rowCount())
    }


def show_and_wait(qtbot, panel, ws, profile, latest):
    panel.show_profile(ws, profile, latest)
    with qtbot.waitSignal(panel.job.finished, timeout=COUNT_TIMEOUT_MS):
        pass


def test_counts_appear_next_to_the_latest_backup_with_their_difference(qtbot, panel, ws, music, latest):
    panel.show_profile(ws, music, latest)
    assert panel.busy.isVisible() and not panel.refresh_button.isEnabled()
    assert panel.message.text() == f"Counting the rows in {music.dbname}\u2026"
    assert shown_rows(panel)["track"] == ["\u2026", "3,500", "\u2026"]
    with qtbot.waitSignal(panel.job.succeeded, timeout=COUNT_TIMEOUT_MS):
        pass
    rows = shown_rows(panel)
    assert rows["track"] == ["3,503", "3,500", "+3"]
    assert rows["invoice"] == ["412", "414", "\u22122"]
    assert rows["album"] == ["347", "347", "same"]
    assert rows["genre"] == ["25", "not in backup", "new table"]
    assert rows["old_prices"] == ["not in database", "120", "table removed"]
    assert "4 tables changed since the latest backup" in panel.summary.text()
    assert "Compared with the backup of 27 Nov 2026" in panel.context.text()
    qtbot.waitUntil(lambda: panel.refresh_button.isEnabled())
    assert not panel.busy.isVisible() and not panel.message.isVisible()
    save_screenshot(panel, "stats_panel", shows=("statsTable",))


def test_differences_sort_as_numbers(qtbot, panel, ws, music, latest):
    show_and_wait(qtbot, panel, ws, music, latest)
    panel.table.sortByColumn(DIFFERENCE, Qt.SortOrder.DescendingOrder)
    order = list(shown_rows(panel))
    assert (order[0], order[-1]) == ("track", "invoice")
    panel.table.sortByColumn(NOW, Qt.SortOrder.DescendingOrder)
    assert list(shown_rows(panel))[:2] == ["playlist_track", "track"]


def test_refresh_counts_again(qtbot, panel, ws, music, latest):
    show_and_wait(qtbot, panel, ws, music, latest)
    with connect(music, ws.profiles.password_for(music)) as conn:
        conn.execute("INSERT INTO genre (genre_id, name) VALUES (26, 'Sea shanties')")
    qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.job.succeeded, timeout=COUNT_TIMEOUT_MS):
        pass
    assert shown_rows(panel)["genre"][0] == "26"


def test_without_a_backup_only_the_current_counts_show(qtbot, panel, ws, music):
    show_and_wait(qtbot, panel, ws, music, None)
    assert shown_rows(panel)["track"] == ["3,503", "—", "—"]
    assert "No completed backup of this connection yet" in panel.context.text()
    assert panel.summary.text().endswith("Make a backup to compare against.")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_profile() -> Profile:
    return Profile(name="Old server", environment="production", host="127.0.0.1", port=closed_port(),
                   dbname="accounts")


def test_an_unreachable_server_is_explained_inside_the_panel(qtbot, panel, ws):
    profile = unreachable_profile()
    backup = record("x1", profile=profile.name, database="accounts", row_counts={"public.ledger": 8_200})
    panel.show_profile(ws, profile, backup)
    with qtbot.waitSignal(panel.job.failed, timeout=COUNT_TIMEOUT_MS):
        pass
    assert panel.message.isVisible()
    assert panel.message.text().startswith("The rows could not be counted. Lifeboat cannot reach the server at "
                                           f"127.0.0.1:{profile.port}.")
    assert QApplication.activeModalWidget() is None
    assert shown_rows(panel) == {"ledger": ["—", "8,200", "—"]}
    qtbot.waitUntil(lambda: panel.refresh_button.isEnabled())
    save_screenshot(panel, "stats_panel_unreachable", shows=("statsMessage",))


def test_a_count_for_a_connection_no_longer_shown_is_dropped(qtbot, panel, ws, music, latest):
    panel.show_profile(ws, unreachable_profile(), None)
    first = panel.job
    panel.show_profile(ws, music, latest)
    with qtbot.waitSignals([first.finished, panel.job.finished], timeout=COUNT_TIMEOUT_MS):
        pass
    assert not panel.message.isVisible()
    assert shown_rows(panel)["track"][0] == "3,503"
    assert panel.context.text().startswith("Music store")


def test_no_connection_selected(qtbot, panel, ws, music, latest):
    show_and_wait(qtbot, panel, ws, music, latest)
    panel.show_profile(ws, None, None)
    assert panel.context.text() == NO_PROFILE_TEXT
    assert shown_rows(panel) == {} and not panel.refresh_button.isEnabled()


def test_controls_have_accessible_names(panel):
    assert panel.refresh_button.accessibleName() == "Count the rows again"
    assert panel.table.accessibleName() == "Rows per table now and in the latest backup"
