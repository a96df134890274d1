"""A desktop notification when a job ends while the person is in another window.

A system tray message is the one notification Qt offers on Windows, macOS and
Linux desktops alike. Where there is no tray (the offscreen platform, a bare
X server, some Wayland desktops) the notifier does nothing: the result is in
the window anyway. No QSystemTrayIcon is made there at all, since showing one
without a tray makes Qt print warnings.
"""
from typing import Optional

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from desktop.core.alerts.desktop_notice import DESKTOP_EVENTS, TITLES
from desktop.core.store.audited import audit_log_of
from desktop.core.workspace import Workspace

_SHOW_MS = 10_000
_WATCH_MS = 15_000


class Notifier(QObject):
    def __init__(self, window: QWidget, icon: QIcon):
        super().__init__(window)
        self._window = window
        self._icon = icon
        self._tray: Optional[QSystemTrayIcon] = None

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, message: str, failed: bool = False, even_in_front: bool = False) -> bool:
        """Show `message` unless the window is in front (or there is no tray); True when shown."""
        if (self._window.isActiveWindow() and not even_in_front) or not self.available():
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


class AlertWatcher(QObject):
    """While the window is open: the alerts a run with no window recorded (a
    scheduled backup that failed, stalled or is overdue) become tray messages.

    Such a run writes each alert to the activity log (core/alerts/dispatch.py);
    the watcher reads the records added since it last looked, only when the
    file changed. Shown even when the window is in front: nothing else in it
    says that a backup run elsewhere failed.
    """

    alert_seen = Signal(str, str)  # title, message

    def __init__(self, ws: Workspace, notifier: Notifier, parent: Optional[QObject] = None,
                 interval_ms: int = _WATCH_MS):
        super().__init__(parent)
        self._log = audit_log_of(ws)
        self._notifier = notifier
        self._file_state = self._state()
        # Only what happens from now on: read from the log's end, the records after the last one.
        self._offset = self._file_state[0]
        self._last_seq = self._log.last_seq()
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.look)
        self._timer.start()

    def _state(self) -> tuple[int, int]:
        try:
            status = self._log.path.stat()
        except OSError:
            return (0, 0)
        return (status.st_size, status.st_mtime_ns)

    def look(self) -> list[tuple[str, str]]:
        """Shows the new alerts; returns them as (title, message)."""
        state = self._state()
        if state == self._file_state:
            return []
        self._file_state = state
        added, self._offset = self._log.records_from(self._offset)
        new = [record for record in added if record.seq > self._last_seq]
        if new:
            self._last_seq = new[-1].seq
        seen = []
        for record in new:
            event, _, message = record.message.partition(": ")
            if record.action == "alert" and record.result == "ok" and event in DESKTOP_EVENTS:
                title = f"Lifeboat: {TITLES[event]}"
                self._notifier.notify(title, message, failed=True, even_in_front=True)
                self.alert_seen.emit(title, message)
                seen.append((title, message))
        return seen
