"""Settings (Tools menu): the window's `lifeboat settings set` and `lifeboat alerts`.

The values are checked by core (settings_change.py) when Save is pressed: a
refusal shows under the form in the same words the command line uses, and
nothing is saved. The alert channels below save themselves as they change.
"""
import zoneinfo
from pathlib import Path
from typing import Optional

import tzlocal
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import LifeboatError
from desktop.core.settings_change import MEANINGS, change_settings
from desktop.core.store.settings import Settings, default_backups_dir
from desktop.core.workspace import Workspace
from desktop.ui.alert_channels_panel import AlertChannelsPanel
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, named, wrapped_label


def computer_zone() -> str:
    return tzlocal.get_localzone_name() or "UTC"


class SettingsDialog(QDialog):
    saved = Signal(object)  # the Settings as saved

    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Settings")
        named(self, "settingsDialog", "Settings")
        self.channels = AlertChannelsPanel(ws, self)
        self.error = wrapped_label("", self, "settingsError", ERROR_STYLE)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = named(buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole),
                                 "saveSettingsButton", "Save the settings")
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "cancelSettingsButton",
              "Close without saving the settings above")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._backups_box())
        layout.addWidget(self.channels, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(760, 600)
        self.load(ws.settings)

    def _backups_box(self) -> QGroupBox:
        box = named(QGroupBox("Backups and schedules", self), "backupSettingsBox", "Backups and schedules")
        form = QFormLayout(box)
        self.folder_field = named(QLineEdit(box), "backupFolderField", MEANINGS["backups_dir"])
        browse = named(QPushButton("Browse…", box), "browseBackupFolderButton", "Choose the default backup folder")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_field, 1)
        row.addWidget(browse)
        form.addRow("Default backup folder:", row)
        self.trash_spin = self._spin(QSpinBox(box), "trashDaysSpin", "trash_days", " days", 3650)
        form.addRow("Keep deleted backups for:", self.trash_spin)
        self.stall_spin = self._spin(QDoubleSpinBox(box), "stallMinutesSpin", "stall_minutes", " minutes", 1440)
        form.addRow("Stop a backup with no progress after:", self.stall_spin)
        self.lock_spin = self._spin(QDoubleSpinBox(box), "lockWaitSpin", "lock_wait_minutes", " minutes", 1440)
        form.addRow("Wait for a locked table up to:", self.lock_spin)
        self.zone_combo = named(QComboBox(box), "timeZoneCombo", MEANINGS["time_zone"])
        self.zone_combo.setEditable(True)
        self.zone_combo.lineEdit().setAccessibleName(MEANINGS["time_zone"])  # what a screen reader types into
        self.zone_combo.addItems(sorted(zoneinfo.available_timezones()))
        form.addRow("Time zone for schedules:", self.zone_combo)
        form.addRow("", wrapped_label(f"This computer's time zone is {computer_zone()}. Schedules run at their "
                                      "times in the zone chosen here.", box, "timeZoneHint", HINT_STYLE))
        return box

    def _spin(self, spin, object_name: str, key: str, suffix: str, most: int):
        named(spin, object_name, MEANINGS[key])
        spin.setRange(1, most)
        spin.setSuffix(suffix)
        if isinstance(spin, QDoubleSpinBox):
            spin.setDecimals(1)
        return spin

    def load(self, settings: Settings) -> None:
        self.folder_field.setText(str(default_backups_dir(settings, self.ws.paths)))
        self.trash_spin.setValue(settings.trash_days)
        self.stall_spin.setValue(settings.stall_minutes)
        self.lock_spin.setValue(settings.lock_wait_minutes)
        self.zone_combo.setCurrentText(settings.time_zone or computer_zone())
        self._loaded = self.changes()

    def browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose the default backup folder", self.folder_field.text())
        if chosen:
            self.folder_field.setText(chosen)

    def changes(self) -> dict[str, str]:
        """What the form says, as text for settings_change; the defaults stay defaults."""
        folder = self.folder_field.text().strip()
        zone = self.zone_combo.currentText().strip()
        current = self.ws.settings
        return {
            "backups_dir": "" if Path(folder).expanduser() == self.ws.paths.backups_dir else folder,
            "trash_days": str(self.trash_spin.value()),
            "stall_minutes": str(self.stall_spin.value()),
            "lock_wait_minutes": str(self.lock_spin.value()),
            # The computer's own zone, left as it was: keep following the computer (it may travel).
            "time_zone": "" if current.time_zone is None and zone == computer_zone() else zone,
        }

    def save(self) -> None:
        try:
            # Only what was changed here: an unplugged backup drive must not stop a change of the time zone.
            edited = {key: text for key, text in self.changes().items() if self._loaded.get(key) != text}
            settings = change_settings(self.ws, edited)
        except LifeboatError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.saved.emit(settings)
        self.accept()


def add_settings_menu(window: QMainWindow, open_settings) -> QAction:
    """A Tools menu with Settings… (on macOS it moves to the application menu as Preferences)."""
    menu = window.menuBar().addMenu("&Tools")
    menu.setObjectName("toolsMenu")
    menu.setAccessibleName("Tools")
    action = QAction("Settings…", window)
    action.setObjectName("action-settings")
    action.setShortcut(QKeySequence.StandardKey.Preferences)
    action.setStatusTip("Default backup folder, trash, time limits, time zone and where alerts go")
    action.setMenuRole(QAction.MenuRole.PreferencesRole)
    action.triggered.connect(open_settings)
    menu.addAction(action)
    return action
