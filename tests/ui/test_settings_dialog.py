"""Settings: the form saves through core's checks, alert channels are added,
removed and tested from it, and the window shows alerts a scheduled run recorded."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.core.alerts.channels import ChannelStore, new_email_channel, new_webhook_channel
from desktop.core.alerts.dispatch import send_alerts
from desktop.core.alerts.events import AlertEvent
from desktop.core.alerts.manage import add_channel
from desktop.core.store.audited import audit_log_of
from desktop.core.store.settings import load_settings
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_dialog import SettingsDialog, computer_zone
from tests.alert_servers import closed_port, webhook_server
from tests.ui.screens import save_screenshot


@pytest.fixture(autouse=True)
def no_desktop_session(monkeypatch, tmp_path):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "no-session"))


def _dialog(qtbot, ws) -> SettingsDialog:
    dialog = SettingsDialog(ws)
    qtbot.addWidget(dialog)
    return dialog


def test_settings_dialog_screenshot(qtbot, ws):
    add_channel(ws, new_email_channel("owner@example.com", "smtp.example.com", security="starttls",
                                      user="alerts@example.com"), "pw")
    failing = add_channel(ws, new_webhook_channel(f"http://127.0.0.1:{closed_port()}/hooks/secret"))
    ChannelStore(ws.paths).record_delivery(
        failing.id, "The alert was not posted because nothing answered at http://127.0.0.1 "
                    "(the connection was refused); check the name and port.")
    dialog = _dialog(qtbot, ws)
    dialog.show()
    assert dialog.zone_combo.currentText() == computer_zone()
    assert dialog.zone_combo.lineEdit().accessibleName() == "The time zone for schedules"
    assert dialog.folder_field.text() == str(ws.paths.backups_dir)
    assert dialog.channels.tree.topLevelItemCount() == 2
    assert dialog.channels.tree.topLevelItem(1).text(2).startswith("Failed ")
    save_screenshot(dialog, "settings_dialog", shows=(
        "backupFolderField", "browseBackupFolderButton", "trashDaysSpin", "stallMinutesSpin", "lockWaitSpin",
        "timeZoneCombo", "alertChannelList", "addEmailButton", "addWebhookButton", "removeChannelButton",
        "testAlertButton", "saveSettingsButton"))


def test_saving_settings_goes_through_the_checks_and_is_recorded(qtbot, ws, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    dialog = _dialog(qtbot, ws)
    dialog.zone_combo.setCurrentText("Mars/Olympus")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisibleTo(dialog) and "not a time zone" in dialog.error.text()
    assert load_settings(ws.paths).time_zone is None  # nothing saved
    dialog.zone_combo.setCurrentText("Asia/Tokyo")
    dialog.trash_spin.setValue(21)
    dialog.stall_spin.setValue(45)
    dialog.folder_field.setText(str(folder))
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = load_settings(ws.paths)
    assert (saved.time_zone, saved.trash_days, saved.stall_minutes) == ("Asia/Tokyo", 21, 45)
    assert saved.backups_dir == str(folder.resolve()) and ws.settings == saved
    [record] = [r for r in audit_log_of(ws).records() if r.action == "settings"]
    assert "trash_days: 7 → 21" in record.message and "time_zone: default → Asia/Tokyo" in record.message


def test_the_computers_own_zone_and_folder_stay_defaults(qtbot, ws):
    dialog = _dialog(qtbot, ws)
    dialog.lock_spin.setValue(3)
    dialog.save()
    saved = load_settings(ws.paths)
    assert (saved.time_zone, saved.backups_dir, saved.lock_wait_minutes) == (None, None, 3)


def test_adding_testing_and_removing_a_webhook(qtbot, ws, monkeypatch):
    dialog = _dialog(qtbot, ws)
    panel = dialog.channels
    assert not panel.test_button.isEnabled() and not panel.remove_button.isEnabled()
    with webhook_server() as hook:
        adder = panel.add("webhook")
        adder.url_field.setText("not a web address")
        qtbot.mouseClick(adder.add_button, Qt.MouseButton.LeftButton)
        assert "not a web address" in adder.error.text() and adder.isVisible()
        adder.url_field.setText(hook.url)
        adder.on_success.setChecked(True)
        qtbot.mouseClick(adder.add_button, Qt.MouseButton.LeftButton)
        assert panel.tree.topLevelItemCount() == 1
        assert panel.tree.topLevelItem(0).text(1) == "Yes"
        job = panel.send_test()
        qtbot.waitUntil(lambda: "went to all 1 channels" in panel.status.text(), timeout=20000)
        qtbot.waitUntil(lambda: not job.running)
    assert hook.posts[0]["event"] == "test"
    # The list is refilled when the job's end reaches the window, a moment after its thread stops.
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).text(2).startswith("Sent "))
    panel.tree.topLevelItem(0).setSelected(True)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.tree.topLevelItemCount() == 0 and ChannelStore(ws.paths).list() == []


def test_adding_an_email_channel_keeps_the_password_in_the_keyring(qtbot, ws, memory_keyring):
    dialog = _dialog(qtbot, ws)
    adder = dialog.channels.add("email")
    adder.to_field.setText("owner@example.com")
    adder.host_field.setText("smtp.example.com")
    adder.security_combo.setCurrentIndex(1)  # SSL
    assert adder.port_spin.value() == 465
    adder.user_field.setText("alerts@example.com")
    qtbot.mouseClick(adder.add_button, Qt.MouseButton.LeftButton)
    assert "password" in adder.error.text()
    adder.password_field.setText("s3cret")
    save_screenshot(adder, "alert_email_dialog", shows=("emailToField", "smtpSecurityCombo", "smtpPasswordField"))
    qtbot.mouseClick(adder.add_button, Qt.MouseButton.LeftButton)
    [channel] = ChannelStore(ws.paths).list()
    assert (channel.security, channel.port, channel.user) == ("ssl", 465, "alerts@example.com")
    assert "s3cret" in memory_keyring.entries.values()
    assert "s3cret" not in (ws.paths.config_dir / "alerts.json").read_text()


def test_a_failed_test_alert_names_the_channel(qtbot, ws):
    add_channel(ws, new_email_channel("o@example.com", f"127.0.0.1:{closed_port()}"))
    dialog = _dialog(qtbot, ws)
    panel = dialog.channels
    job = panel.send_test()
    qtbot.waitUntil(lambda: "did not get the test alert" in panel.status.text(), timeout=20000)
    qtbot.waitUntil(lambda: not job.running)
    assert "nothing answered" in panel.status.text()
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).text(2).startswith("Failed "))


def test_the_window_opens_settings_and_shows_alerts_of_a_scheduled_run(qtbot, ws):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    assert window.menuBar().findChild(type(window.menuBar().actions()[0].menu()), "toolsMenu") is not None
    window.settings_action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()
    assert window.alert_watcher.look() == []
    # What `lifeboat schedule run-due` does in another process when a backup failed:
    send_alerts(ws, AlertEvent(event="backup_failed", connection="shop", database="shop",
                               message="Production 'shop' could not be backed up."))
    send_alerts(ws, AlertEvent(event="backup_succeeded", connection="shop", database="shop", message="Fine."))
    with qtbot.waitSignal(window.alert_watcher.alert_seen) as seen:
        window.alert_watcher.look()
    assert seen.args == ["Lifeboat: Backup failed", "Production 'shop' could not be backed up."]
    assert window.alert_watcher.look() == []
