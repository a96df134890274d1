"""One Lifeboat window per user and app home: a second launch asks the
running one to come forward, then exits.

Two windows on one catalog would each run jobs the other cannot see, and a
double-click on the launcher while the window is behind others is the usual
way to start a second one. The channel is a QLocalServer: a Unix socket in
the temp folder or a Windows named pipe, both visible to every user of the
machine, so its name carries the user and the app home (LIFEBOAT_HOME gives
a separate instance).
"""
import getpass
import hashlib
import logging
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

log = logging.getLogger("lifeboat.ui")
_CONNECT_MS = 500


def instance_key(home: Path) -> str:
    digest = hashlib.sha256(f"{getpass.getuser()}\0{home}".encode()).hexdigest()[:16]
    return f"lifeboat-{digest}"


class SingleInstance(QObject):
    """claim() once at start; activation_requested fires when another launch asks."""

    activation_requested = Signal()

    def __init__(self, key: str, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.key = key
        self.server: Optional[QLocalServer] = None

    def claim(self) -> bool:
        """True when this process is the first; False after telling the running one to show itself."""
        if self._wake_running_instance():
            return False
        # Nobody answered: a socket file left by a crashed instance (Unix) is
        # removed, otherwise listen() fails with "address in use".
        QLocalServer.removeServer(self.key)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            # Better a second window than none at all.
            log.warning("single instance: cannot listen on %s: %s", self.key, server.errorString())
            return True
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def _wake_running_instance(self) -> bool:
        socket = QLocalSocket(self)
        socket.connectToServer(self.key)
        if not socket.waitForConnected(_CONNECT_MS):
            socket.deleteLater()
            return False
        socket.write(b"show\n")
        socket.waitForBytesWritten(_CONNECT_MS)
        socket.disconnectFromServer()
        socket.deleteLater()
        log.info("another Lifeboat window is already open for this home; asked it to come forward")
        return True

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
            connection.disconnectFromServer()
        self.activation_requested.emit()


def bring_to_front(window: QWidget) -> None:
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
