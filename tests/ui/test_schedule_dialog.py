"""The schedule editor, driven by the names a screen reader announces: add a
weekly schedule, see it listed in plain words, remove it after the question."""
import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QAbstractButton, QComboBox, QMessageBox, QSpinBox, QTimeEdit, QTreeWidget

from desktop.core.schedule.manage import add_schedule
from desktop.core.store.schedules import new_schedule
from desktop.ui.schedule_dialog import ScheduleDialog
from tests.ui.screens import save_screenshot
from tests.ui.test_journey import by_name, click


@pytest.fixture
def shop(make_profile, pg15, chinook_db):
    return make_profile(pg15, chinook_db, name="Shop live", environment="production")


@pytest.fixture
def dialog(qtbot, ws, shop):
    dialog = ScheduleDialog(ws, shop)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.form.options_panel.tables_loaded, timeout=30000):
        dialog.show()
    return dialog


def wait_job(qtbot, dialog) -> None:
    if dialog.job.running:
        with qtbot.waitSignal(dialog.job.finished, timeout=30000):
            pass


def test_add_a_weekly_schedule_and_remove_it(qtbot, ws, dialog):
    assert "No schedule yet" in dialog.empty_hint.text()
    every = by_name(dialog, QComboBox, "How often")
    every.setCurrentIndex(every.findData("weekly"))
    click(qtbot, dialog, "Monday")  # ticked by default: untick it
    click(qtbot, dialog, "Tuesday")
    click(qtbot, dialog, "Thursday")
    by_name(dialog, QTimeEdit, "Time of day").setTime(QTime(3, 30))
    by_name(dialog, QSpinBox, "Keep: one a week for weeks").setValue(8)
    click(qtbot, dialog, "Add schedule")
    wait_job(qtbot, dialog)

    [stored] = ws.schedules.for_profile("Shop live")
    assert (stored.every, stored.on, stored.at, stored.keep.weekly, stored.keep.last) == (
        "weekly", ["tue", "thu"], "03:30", 8, 7)
    assert stored.options.format == "custom" and stored.dest is None
    listed = by_name(dialog, QTreeWidget, "Schedules of Shop live")
    assert listed.topLevelItemCount() == 1
    row = listed.topLevelItem(0)
    assert row.text(0) == "Every week on Tue, Thu at 03:30"
    assert row.text(2) == "Keeps the last 7, 7 daily, 8 weekly, 6 monthly"
    assert dialog.selected().id == stored.id
    save_screenshot(dialog, "schedule_editor", shows=("scheduleList", "everyCombo", "day-tue", "keep-weekly",
                                                      "addScheduleButton", "removeScheduleButton"))

    click(qtbot, dialog, "Remove the selected schedule")
    box = dialog.findChild(QMessageBox, "removeScheduleQuestion")
    assert "Every week on Tue, Thu at 03:30" in box.text()
    qtbot.mouseClick(box.findChild(QAbstractButton, "confirmRemoveScheduleButton"), Qt.MouseButton.LeftButton)
    wait_job(qtbot, dialog)
    assert ws.schedules.list() == []
    assert listed.topLevelItemCount() == 0


def test_keep_it_keeps_the_schedule(qtbot, ws, shop, dialog):
    add_schedule(ws, new_schedule("Shop live", "monthly", on=["31"]))
    dialog.refresh()
    dialog.schedule_list.setCurrentItem(dialog.schedule_list.topLevelItem(0))
    assert dialog.schedule_list.topLevelItem(0).text(0) == "Every month on day 31 at 02:00"
    box = dialog.ask_remove()
    qtbot.mouseClick(box.findChild(QAbstractButton, "keepScheduleButton"), Qt.MouseButton.LeftButton)
    assert dialog.job is None and len(ws.schedules.list()) == 1


def test_the_form_asks_only_what_the_interval_needs(qtbot, dialog):
    every = by_name(dialog, QComboBox, "How often")
    every.setCurrentIndex(every.findData("weekly"))
    click(qtbot, dialog, "Monday")
    assert not dialog.add_button.isEnabled()
    assert dialog.problem.text() == "Tick at least one day of the week."
    every.setCurrentIndex(every.findData("monthly"))
    assert dialog.add_button.isEnabled() and not dialog.problem.text()
    assert by_name(dialog, QSpinBox, "Day of the month").maximum() == 31
    assert not dialog.form.day_checks["mon"].isVisible()
    every.setCurrentIndex(every.findData("hourly"))
    minutes = by_name(dialog, QTimeEdit, "Minutes past the hour")
    minutes.setTime(QTime(0, 15))
    assert dialog.form.schedule().describe() == "Every hour at 15 minutes past"


def test_backup_options_tab(qtbot, dialog):
    dialog.form.setCurrentWidget(dialog.form.options_panel)
    save_screenshot(dialog, "schedule_editor_options", shows=("formatCombo", "tableList", "destinationEdit"))


def test_a_schedule_can_refresh_development_from_each_backup(qtbot, ws, shop, make_profile, pg15, fresh_db):
    make_profile(pg15, fresh_db(), name="Shop dev", environment="development")
    dialog = ScheduleDialog(ws, shop)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.form.options_panel.tables_loaded, timeout=30000):
        dialog.show()
    then = by_name(dialog, QComboBox, "After each backup")
    assert [then.itemData(i) for i in range(then.count())] == [None, "Shop dev"]
    then.setCurrentIndex(1)
    click(qtbot, dialog, "Add schedule")
    wait_job(qtbot, dialog)
    [stored] = ws.schedules.for_profile("Shop live")
    assert stored.refresh_into == "Shop dev"
    row = by_name(dialog, QTreeWidget, "Schedules of Shop live").topLevelItem(0)
    assert row.text(0) == "Every day at 02:00, then refreshes Shop dev (masked)"
