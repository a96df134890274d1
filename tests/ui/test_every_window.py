"""Every window and dialog, as a screen reader and a 1366x768 laptop meet it.

A screen reader finds each control by its accessible name: walking the
accessibility tree (what assistive technology and end-to-end journeys use),
no visible control may be nameless. And every window fits a 1366x768 screen
(less a taskbar) at its natural size, with its buttons on screen.
"""
import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QHeaderView,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from desktop.core.errors import LifeboatError
from desktop.core.store.profiles import Profile
from desktop.ui.about_dialog import AboutDialog
from desktop.ui.activity_dialog import ActivityDialog
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.compare_dialog import CompareDialog
from desktop.ui.error_dialog import error_box
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.help_windows import GuideWindow, LogViewer
from desktop.ui.import_dialog import ImportDialog
from desktop.ui.key_export_dialog import KeyExportDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.mask_preview import MaskPreviewDialog
from desktop.ui.mask_review import MaskReviewDialog
from desktop.ui.profile_dialog import ProfileDialog
from desktop.ui.refresh_dialog import RefreshDialog
from desktop.ui.restore.wizard import RestoreWizard
from desktop.ui.schedule_dialog import ScheduleDialog
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.sync_dialog import SyncDialog
from desktop.ui.trash_dialog import TrashDialog
from tests.catalog_entries import add_backup

SCREEN = (1366, 768 - 40)  # a laptop screen less its taskbar
R = QAccessible.Role
CONTROLS = {R.PushButton, R.CheckBox, R.RadioButton, R.ComboBox, R.EditableText, R.SpinBox, R.Slider,
            R.List, R.Table, R.Tree, R.PageTab, R.Link, R.ButtonMenu, R.ButtonDropDown, R.MenuItem}


@pytest.fixture
def filled(ws):
    for name, environment in (("Shop production", "production"), ("Shop development", "development")):
        ws.profiles.add(Profile(name=name, environment=environment, host="127.0.0.1", port=9, dbname="shop"))
    add_backup(ws, "b1b1b1b1")
    return ws


def main_window(ws):
    window = MainWindow(ws)
    window.catalog_view.search.setText("shop")  # its clear button shows
    return window


WINDOWS = {
    "main window": main_window,
    "add connection": lambda ws: ProfileDialog(ws),
    "backup details": lambda ws: BackupDetailsDialog(ws.catalog.get("b1b1"), ws=ws),
    "export": lambda ws: ExportDialog(ws, [ws.catalog.get("b1b1")], drives=[]),
    "import": lambda ws: ImportDialog(ws),
    "trash": lambda ws: TrashDialog(ws),
    "activity": lambda ws: ActivityDialog(ws),
    "key export": lambda ws: KeyExportDialog(ws),
    "about": lambda ws: AboutDialog(),
    "user guide": lambda ws: GuideWindow(),
    "log": lambda ws: LogViewer(ws),
    "restore": lambda ws: RestoreWizard(ws),
    "schedules": lambda ws: ScheduleDialog(ws, ws.profiles.get("Shop production")),
    "settings": lambda ws: SettingsDialog(ws),
    "compare": lambda ws: CompareDialog(ws, ws.catalog.get("b1b1")),
    "copy development into production": lambda ws: SyncDialog(ws),
    "masking review": lambda ws: MaskReviewDialog(ws, "Shop production"),
    "masking preview": lambda ws: MaskPreviewDialog(ws, "Shop production"),
    "refresh development from production": lambda ws: RefreshDialog(ws, ws.profiles.get("Shop development")),
    "an error": lambda ws: error_box(None, "The restore failed", LifeboatError("It failed.", detail="tool output")),
}


def unnamed_controls(window: QWidget) -> list[str]:
    found = []

    def walk(node, path: str) -> None:
        if node is None or not node.isValid():
            return
        if node.role() in CONTROLS and not node.text(QAccessible.Text.Name) and not node.state().invisible:
            thing = node.object()
            found.append(f"{path}: {type(thing).__name__} {thing.objectName() if isinstance(thing, QObject) else ''}")
        for index in range(node.childCount()):
            walk(node.child(index), f"{path}/{node.role().name}")

    walk(QAccessible.queryAccessibleInterface(window), "")
    return found


def unreachable_by_keyboard(window: QWidget) -> list[str]:
    """Visible controls neither Tab nor the menu bar reaches. Exempt: a line edit's clear
    button (Ctrl+A, Delete do its job) and table headers (sorting is a convenience)."""
    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextEdit)
    in_menus = {action for menu in window.findChildren(QMenu) for action in menu.actions()}
    return [f"{type(control).__name__} {control.objectName()} {control.accessibleName()!r}"
            for control in window.findChildren(QWidget)
            if isinstance(control, kinds) and not isinstance(control, QHeaderView)
            and control.isVisibleTo(window) and control.isEnabled()
            and not control.focusPolicy() & Qt.FocusPolicy.TabFocus
            and not control.objectName().endswith("ClearButton")
            and not (isinstance(control, QToolButton) and control.defaultAction() in in_menus)]


@pytest.mark.parametrize("which", list(WINDOWS))
def test_every_control_has_a_name_and_the_window_fits_a_laptop(qtbot, filled, which):
    window = WINDOWS[which](filled)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    assert unnamed_controls(window) == []
    assert unreachable_by_keyboard(window) == []
    size = window.frameGeometry().size().expandedTo(window.minimumSizeHint())
    assert (size.width(), size.height()) <= SCREEN and size.height() <= SCREEN[1], (which, size)
    for button in window.findChildren(QAbstractButton):
        if button.isVisibleTo(window):
            corner = button.mapTo(window, button.rect().bottomRight())
            assert corner.x() <= SCREEN[0] and corner.y() <= SCREEN[1], (which, button.text())
    if isinstance(window, QDialog):
        window.reject()
