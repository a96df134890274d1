"""Per connection in the main window: the last good backup, the next scheduled
one, and the red "Overdue" badge (in words too) when a schedule has gone too
long without a successful backup; refreshed when a backup finishes."""
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.schedule.manage import add_schedule
from desktop.core.store.schedules import new_schedule
from desktop.ui import palette
from desktop.ui.main_window import MainWindow
from desktop.ui.schedule_dialog import ScheduleDialog
from desktop.ui.schedule_status import REFRESH_MS
from tests.ui.screens import save_screenshot


def open_window(qtbot, ws) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def settle(qtbot, window: MainWindow) -> None:
    """Let the row count of the selected connection finish, as a person would see it."""
    job = window.stats_panel.job
    if job is not None and job.running:
        with qtbot.waitSignal(job.finished, timeout=30000):
            pass


def accessible_text(window: MainWindow, name: str) -> str:
    items = window.profile_list.findChild(QListWidget, "profileList")
    row = next(items.item(r) for r in range(items.count()) if items.item(r).text() == name)
    return row.data(Qt.ItemDataRole.AccessibleTextRole)


def test_overdue_badge_only_for_a_schedule_without_a_recent_backup(qtbot, ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="Shop live", environment="production")
    make_profile(pg15, chinook_db, name="Shop staging")
    make_profile(pg15, chinook_db, name="Blog")
    add_schedule(ws, new_schedule("Shop live", "daily", at="02:00"))
    add_schedule(ws, new_schedule("Shop staging", "hourly", at="00:15"))
    run_backup(ws, BackupRequest("Shop staging"))
    run_backup(ws, BackupRequest("Blog"))
    window = open_window(qtbot, ws)
    window.profile_list.select("Shop live")
    settle(qtbot, window)

    live, staging, blog = (window.profile_list.status_of(name) for name in ("Shop live", "Shop staging", "Blog"))
    assert live.overdue and live.last == "Last good backup: none yet" and live.next.startswith("Next: ")
    assert live.next.endswith("02:00")
    assert not staging.overdue and staging.last == "Last good backup: just now"
    assert not blog.overdue and blog.next == "No schedule"
    assert accessible_text(window, "Shop live").endswith(", overdue")
    assert "overdue" not in accessible_text(window, "Blog")
    assert window.schedule_status.timer.isActive() and window.schedule_status.timer.interval() == REFRESH_MS
    assert _badge_drawn(window, "Shop live") and not _badge_drawn(window, "Blog")
    save_screenshot(window, "main_window_overdue", shows=("profileList", "schedulesButton"))

    job = window.back_up_now()  # the badge goes as soon as the backup is in
    with qtbot.waitSignal(job.finished, timeout=60000):
        pass
    assert not window.profile_list.status_of("Shop live").overdue
    settle(qtbot, window)


def test_a_backup_made_outside_the_window_shows_on_the_next_tick(qtbot, ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="Shop")
    add_schedule(ws, new_schedule("Shop", "daily"))
    window = open_window(qtbot, ws)
    settle(qtbot, window)
    assert window.profile_list.status_of("Shop").overdue
    window.schedule_status.timer.setInterval(20)  # a minute, in the window; no need to wait one here
    run_backup(ws, BackupRequest("Shop"))  # as `lifeboat schedule run-due` would, from the OS scheduler
    qtbot.waitUntil(lambda: not window.profile_list.status_of("Shop").overdue, timeout=5000)
    assert window.profile_list.status_of("Shop").last == "Last good backup: just now"


def _badge_drawn(window: MainWindow, name: str) -> bool:
    """Whether the overdue red appears on the right end of the connection's row."""
    items = window.profile_list.findChild(QListWidget, "profileList")
    row = next(items.item(r) for r in range(items.count()) if items.item(r).text() == name)
    rect = items.visualItemRect(row)
    image = items.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    lower = range(int((rect.center().y() + 4) * ratio), int(rect.bottom() * ratio))
    right = range(int((rect.right() - 40) * ratio), int((rect.right() - 10) * ratio))
    return any(image.pixelColor(x, y) == QColor(palette.OVERDUE) for x in right for y in lower)


def test_schedules_open_from_the_toolbar_and_the_context_menu(qtbot, ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, name="Shop")
    window = open_window(qtbot, ws)
    settle(qtbot, window)
    assert window.schedules_action.isEnabled()
    window.toolbar_button("Schedules…").click()
    dialog = window.findChild(ScheduleDialog)
    assert dialog.profile.name == "Shop" and dialog.isVisible()
    dialog.close()
    menu = window.profile_list.context_menu(window.profile_list.current_profile())
    assert [a.text() for a in menu.actions() if a.text()] == ["Schedules…", "Edit…", "Test connection",
                                                                 "Refresh development from production…", "Remove…"]
    with qtbot.waitSignal(window.profile_list.schedules_requested):
        menu.actions()[0].trigger()
    menu.close()
    add_schedule(ws, new_schedule("Shop", "weekly", on=["sat"], now=datetime.now(UTC)))
    window.findChildren(ScheduleDialog)[-1].changed.emit()  # as after an add: the window looks again
    assert window.profile_list.status_of("Shop").overdue
