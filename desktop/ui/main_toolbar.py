"""The main window's two toolbars: the everyday actions on the first row, the
occasional ones on a second, so nothing hides behind an overflow arrow at the
usual window width. Each button is named after its text for tests and screen readers."""
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar, QWidget

_PX = QStyle.StandardPixmap
# (attribute, text, icon, slot name, tip, shortcut) per row
_EVERYDAY = (
    ("backup_action", "Back up now", _PX.SP_DialogSaveButton, "back_up_now",
     "Back up the selected connection now, with the usual settings", "Ctrl+B"),
    ("restore_action", "Restore…", _PX.SP_BrowserReload, "open_restore_wizard",
     "Put a backup back into a database, step by step", None),
    ("verify_action", "Verify", _PX.SP_DialogApplyButton, "verify_selected",
     "Read the selected backup file completely and check that it is intact", None),
    ("delete_action", "Move to trash", _PX.SP_DialogDiscardButton, "delete_selected",
     "Move the selected backup to the trash, where it is kept for a few days", None),
    ("folder_action", "Open backup folder", _PX.SP_DirOpenIcon, "open_backup_folder",
     "Show the folder where backups are saved", None),
    ("export_action", "Export to drive…", _PX.SP_DriveHDIcon, "export_selected",
     "Put a passphrase-protected copy of the selected backup on another drive", None),
)
_OCCASIONAL = (
    ("schedules_action", "Schedules…", _PX.SP_FileDialogContentsView, "open_schedules",
     "Back up the selected connection automatically: how often, and how many backups to keep", None),
    ("import_action", "Open backups from a drive…", _PX.SP_DriveCDIcon, "open_from_drive",
     "Add backups exported from another computer to this list", None),
    ("trash_action", "Trash…", _PX.SP_TrashIcon, "open_trash",
     "Deleted backups: put one back, or remove them for good", None),
    ("sync_action", "Copy development into production…", _PX.SP_ArrowRight, "open_sync",
     "Replace a database (or some of its tables) with a copy of another, safely", None),
    ("activity_action", "Activity…", _PX.SP_FileDialogDetailedView, "open_activity",
     "Who did what and when: every backup, restore and change", None),
)

# In the Actions menu only: another button would push the second row past its
# width at the window's usual size. (On a connection's right-click menu too.)
_MENU_ONLY = (
    ("refresh_action", "Refresh development from production…", "open_refresh",
     "Replace the selected development database with a copy of production, personal data masked"),
)


def _button_name(text: str) -> str:
    return f"action-{text.rstrip('…').lower().replace(' ', '-')}"


def _toolbar(window: QMainWindow, title: str, object_name: str) -> QToolBar:
    bar = QToolBar(title, window)
    bar.setObjectName(object_name)
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.addToolBar(bar)
    return bar


def _add_action(window: QMainWindow, bar: QToolBar, text: str, icon: QStyle.StandardPixmap, slot, tip: str,
                shortcut: Optional[str]) -> QAction:
    action = QAction(window.style().standardIcon(icon), text, window)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    bar.addAction(action)
    button = bar.widgetForAction(action)
    button.setAccessibleName(text.rstrip("…"))
    button.setObjectName(_button_name(text))
    return action


def build_toolbars(window: QMainWindow) -> None:
    """Adds both rows; each action becomes window.<attribute> and calls window.<slot name>.

    The same actions fill the Actions menu: Tab never reaches toolbar buttons,
    the menu bar (Alt+A) does, so every action works from the keyboard."""
    menu = window.menuBar().addMenu("&Actions")
    menu.setObjectName("actionsMenu")
    menu.setAccessibleName("Actions")
    for row, (title, object_name) in enumerate((("Actions", "mainToolbar"), ("More actions", "moreToolbar"))):
        if row:
            window.addToolBarBreak()
            menu.addSeparator()
        bar = _toolbar(window, title, object_name)
        for attribute, text, icon, slot, tip, shortcut in (_EVERYDAY, _OCCASIONAL)[row]:
            action = _add_action(window, bar, text, icon, getattr(window, slot), tip, shortcut)
            menu.addAction(action)
            setattr(window, attribute, action)
    for attribute, text, slot, tip in _MENU_ONLY:
        action = menu.addAction(text)
        action.setStatusTip(tip)
        action.triggered.connect(getattr(window, slot))
        setattr(window, attribute, action)


def toolbar_button(window: QMainWindow, text: str) -> QWidget:
    return window.findChild(QWidget, _button_name(text))
