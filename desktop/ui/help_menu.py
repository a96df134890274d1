"""The main window's Help menu: the user guide, the log, a problem report, the
backup key's recovery file and the About dialog."""
from pathlib import Path

import platformdirs
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMainWindow, QMessageBox

from desktop.core.problem_report import write_problem_report
from desktop.core.workspace import Workspace
from desktop.ui.about_dialog import AboutDialog
from desktop.ui.help_windows import GuideWindow, LogViewer
from desktop.ui.jobs import run_in_background
from desktop.ui.key_export_dialog import KeyExportDialog
from desktop.ui.widgets import named


def add_help_menu(window: QMainWindow, ws: Workspace) -> None:
    menu = window.menuBar().addMenu("&Help")
    menu.setObjectName("helpMenu")
    menu.setAccessibleName("Help")
    guide = QAction("User guide", window)
    guide.setObjectName("action-user-guide")
    guide.setStatusTip("How to make a first backup, restore into development, export to a drive, and more")
    guide.setShortcut("F1")
    guide.triggered.connect(lambda: _open(GuideWindow(window)))
    show_log = QAction("Show log", window)
    show_log.setObjectName("action-show-log")
    show_log.setStatusTip("Read what Lifeboat did and the details of any error")
    show_log.triggered.connect(lambda: _open(LogViewer(ws, window)))
    report = QAction("Report a problem…", window)
    report.setObjectName("action-report-problem")
    report.setStatusTip("Save a file with the versions and the log (no passwords, no data) to send for help")
    report.triggered.connect(lambda: save_problem_report(window, ws, desktop_folder()))
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
    for action in (guide, show_log, report, export_key, about):
        menu.addAction(action)
    window.guide_action, window.show_log_action, window.report_action = guide, show_log, report
    window.export_key_action, window.about_action = export_key, about


def desktop_folder() -> Path:
    desktop = Path(platformdirs.user_desktop_dir())
    return desktop if desktop.is_dir() else Path.home()


def save_problem_report(window: QMainWindow, ws: Workspace, folder: Path):
    qt = f"Qt {qVersion()} (PySide6 {pyside_version})"

    def saved(path: Path) -> None:
        box = named(QMessageBox(QMessageBox.Icon.Information, "Problem report saved",
                                f"Saved {path.name} in {path.parent}.\n\nIt holds the versions, the settings, the "
                                "connections without their passwords, how many backups there are, and the log. "
                                "Send it to whoever helps you with Lifeboat.", QMessageBox.StandardButton.Ok, window),
                    "problemReportSaved", "Problem report saved")
        box.open()

    return run_in_background(window, "Save a problem report",
                             lambda report, cancel: write_problem_report(ws, folder, [qt]), success=saved)


def _open(dialog: QDialog) -> QDialog:
    dialog.open()
    return dialog


def show_key_export(window: QMainWindow, ws: Workspace) -> KeyExportDialog:
    dialog = KeyExportDialog(ws, window)
    dialog.open()
    return dialog


def show_about(window: QMainWindow) -> AboutDialog:
    dialog = AboutDialog(window)
    dialog.open()
    return dialog
