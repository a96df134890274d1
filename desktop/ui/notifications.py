"""A desktop notification when a job ends while the person is in another window.

A system tray message is the one notification Qt offers on Windows, macOS and
Linux desktops alike. Where there is no tray (the offscreen platform, a bare
X server, some Wayland desktops) the notifier does nothing: the result is in
the window anyway. No QSystemTrayIcon is made there at all, since showing one
without a tray makes Qt print warnings.
"""
from typing import Optional

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

_SHOW_MS = 10_000


class Notifier(QObject):
    def __init__(self, window: QWidget, icon: QIcon):
        super().__init__(window)
        self._window = window
        self._icon = icon
        self._tray: Optional[QSystemTrayIcon] = None

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, message: str, failed: bool = False) -> bool:
        """Show `message` unless the window is in front (or there is no tray); True when shown."""
        if self._window.isActiveWindow() or not self.available():
            return False
        tray = self._tray_icon()
        kind = QSystemTrayIcon.MessageIcon.Critical if failed else QSystemTrayIcon.MessageIcon.Information
        tray.showMessage(title, message, kind, _SHOW_MS)
        return True

    def _tray_icon(self) -> QSystemTrayIcon:
        # Made on first use and kept: a message needs a visible tray icon,
        # and one icon is less clutter than one per job.
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._icon, self)
            self._tray.setToolTip("Lifeboat")
            self._tray.messageClicked.connect(self._bring_window_forward)
            self._tray.activated.connect(self._bring_window_forward)
            self._tray.show()
        return self._tray

    def _bring_window_forward(self, *_) -> None:
        if self._window.isMinimized():
            self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
