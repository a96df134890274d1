"""The notifier stays silent where there is no system tray (offscreen here):
no message, no tray icon, and no Qt warning (which would fail the test)."""
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon

from desktop.ui.notifications import Notifier
from desktop.ui.resources import app_icon


def test_no_tray_means_no_notification_and_no_warning(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    notifier = Notifier(window, app_icon())
    assert not window.isActiveWindow()
    assert not Notifier.available()
    assert notifier.notify("Backup completed", "Backup of Demo production completed: 22 tables.") is False
    assert notifier.notify("Backup of Demo production failed", "The server stopped.", failed=True) is False
    assert window.findChildren(QSystemTrayIcon) == []

