"""The main window's Help menu: the log file, the backup key's recovery file and the About dialog."""
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMainWindow

from desktop.core.store.logs import LOG_NAME
from desktop.core.workspace import Workspace
from desktop.ui.about_dialog import AboutDialog
from desktop.ui.key_export_dialog import KeyExportDialog


def log_file_url(ws: Workspace) -> QUrl:
    """The log file, or its folder before anything was logged (opening a
    missing file shows the user an error from the desktop instead)."""
    path = ws.paths.log_dir / LOG_NAME
    return QUrl.fromLocalFile(str(path if path.is_file() else ws.paths.log_dir))


def add_help_menu(window: QMainWindow, ws: Workspace) -> None:
    menu = window.menuBar().addMenu("&Help")
    menu.setObjectName("helpMenu")
    menu.setAccessibleName("Help")
    show_log = QAction("Show log", window)
    show_log.setObjectName("action-show-log")
    show_log.setStatusTip("Open the file where Lifeboat writes what it did and the details of any error")
    show_log.triggered.connect(lambda: QDesktopServices.openUrl(log_file_url(ws)))
    export_key = QAction("Export backup key…", window)
    export_key.setObjectName("action-export-key")
    export_key.setStatusTip("Save this installation's backup key, protected by a passphrase, to bring the "
                            "backups back should the keyring be reset")
    export_key.triggered.connect(lambda: show_key_export(window, ws))
    about = QAction("About Lifeboat", window)
    about.setObjectName("action-about")
    about.setStatusTip("Versions and licences of Lifeboat and the components it includes")
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda: show_about(window))
    menu.addAction(show_log)
    menu.addAction(export_key)
    menu.addAction(about)
    window.show_log_action, window.export_key_action, window.about_action = show_log, export_key, about


def show_key_export(window: QMainWindow, ws: Workspace) -> KeyExportDialog:
    dialog = KeyExportDialog(ws, window)
    dialog.open()
    return dialog


def show_about(window: QMainWindow) -> AboutDialog:
    dialog = AboutDialog(window)
    dialog.open()
    return dialog
