"""What the main window opens: the restore wizard, export, import, trash,
test restore, sync, activity, settings, backup details, schedules and the connection dialogs.

A mixin of MainWindow: each opener wires the dialog's change signal to the
window's refresh, so every view shows what is true after it."""
from typing import Optional

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from desktop.core.errors import LifeboatError
from desktop.core.jobs.label import label_backup
from desktop.core.launch import lifeboat_command
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.profiles import Profile
from desktop.core.store.settings import default_backups_dir
from desktop.ui import formatting as fmt
from desktop.ui.activity_dialog import ActivityDialog
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.compare_dialog import CompareDialog
from desktop.ui.error_dialog import error_box
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.import_dialog import ImportDialog
from desktop.ui.jobs import run_in_background
from desktop.ui.profile_dialog import ProfileDialog
from desktop.ui.refresh_dialog import RefreshDialog
from desktop.ui.restore.test_dialog import RestoreTestDialog
from desktop.ui.restore.wizard import RestoreWizard
from desktop.ui.schedule_dialog import ScheduleDialog
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.sync_dialog import SyncDialog
from desktop.ui.trash_dialog import TrashDialog, clear_unfinished, move_to_trash


class WindowDialogs:
    """Needs from the window: ws, catalog_view, options_panel, after_change,
    refresh_catalog, refresh_profiles, verify_selected, statusBar."""

    def _open(self, dialog):
        if hasattr(dialog, "changed"):
            dialog.changed.connect(self.after_change)
        dialog.open()
        return dialog

    def open_restore_wizard(self, record: Optional[BackupRecord] = None) -> RestoreWizard:
        wizard = RestoreWizard(self.ws, self, preselected=record or self.catalog_view.selected_record())
        wizard.finished.connect(self.after_change)
        return self._open(wizard)

    def export_selected(self) -> Optional[ExportDialog]:
        records = [record for record in self.catalog_view.selected_records() if record.status == "completed"]
        if not records:
            return None
        dialog = ExportDialog(self.ws, records, self)
        dialog.exported.connect(lambda _: self.refresh_catalog())
        return self._open(dialog)

    def open_from_drive(self) -> ImportDialog:
        dialog = ImportDialog(self.ws, self)
        dialog.imported.connect(self.after_change)
        return self._open(dialog)

    def delete_selected(self, record: Optional[BackupRecord] = None) -> bool:
        record = record or self.catalog_view.selected_record()
        if record is None or not move_to_trash(self, self.ws, record):
            return False
        self.after_change()
        self.statusBar().showMessage(f"Moved the backup {fmt.backup_name(record)} to the trash "
                                     "(Trash… puts it back).")
        return True

    def clear_unfinished(self) -> None:
        if clear_unfinished(self, self.ws):
            self.after_change()

    def open_trash(self) -> TrashDialog:
        return self._open(TrashDialog(self.ws, self))

    def open_test_restore(self, record: BackupRecord) -> RestoreTestDialog:
        return self._open(RestoreTestDialog(self.ws, record, self))

    def open_sync(self) -> SyncDialog:
        return self._open(SyncDialog(self.ws, self))

    def open_activity(self) -> ActivityDialog:
        return self._open(ActivityDialog(self.ws, self))

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.ws, self)
        previous = default_backups_dir(self.ws.settings, self.ws.paths)
        dialog.saved.connect(lambda _: self.options_panel.follow_default_folder(previous))
        return self._open(dialog)

    def open_backup_folder(self) -> None:
        folder = self.options_panel.destination() or default_backups_dir(self.ws.settings, self.ws.paths)
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def show_details(self, record: BackupRecord) -> BackupDetailsDialog:
        dialog = BackupDetailsDialog(record, self, ws=self.ws)
        dialog.restore_requested.connect(lambda r: (dialog.accept(), self.open_restore_wizard(r)))
        dialog.verify_requested.connect(lambda r: (dialog.accept(), self.verify_selected(r)))
        dialog.test_restore_requested.connect(self.open_test_restore)
        dialog.delete_requested.connect(lambda r: self.delete_selected(r) and dialog.accept())
        dialog.compare_requested.connect(lambda r: self._open(CompareDialog(self.ws, r, self)))
        dialog.note_saved.connect(self.save_note)
        dialog.open()
        return dialog

    def save_note(self, record: BackupRecord, text: str):
        return run_in_background(self, "Save the note", lambda report, cancel: label_backup(self.ws, record.id, text),
                                 success=self.catalog_view.upsert, error_title="The note was not saved")

    # --- connections ---------------------------------------------------------
    def add_profile(self) -> ProfileDialog:
        return self._open_profile_dialog(None)

    def open_demo_window(self) -> None:
        command = [*lifeboat_command(), "--demo"]
        if not QProcess.startDetached(command[0], command[1:]):
            error_box(self, "The demo did not start",
                      LifeboatError("Lifeboat could not start its demo window. Try again; if it still does not "
                                    "start, Help › Show log has the details.")).open()

    def edit_profile(self, profile: Profile) -> ProfileDialog:
        return self._open_profile_dialog(profile)

    def _open_profile_dialog(self, profile: Optional[Profile]) -> ProfileDialog:
        dialog = ProfileDialog(self.ws, self, profile=profile)
        dialog.accepted.connect(
            lambda: self.refresh_profiles(select=dialog.saved_profile.name if dialog.saved_profile else None)
        )
        dialog.open()
        return dialog

    def open_schedules(self, profile: Optional[Profile] = None) -> Optional[ScheduleDialog]:
        profile = profile or self.profile_list.current_profile()  # a toolbar click passes False
        return self._open(ScheduleDialog(self.ws, profile, self)) if profile else None

    def open_refresh(self, profile: Optional[Profile] = None) -> Optional[RefreshDialog]:
        """Refresh development from production, into this (or the selected) connection."""
        profile = profile or self.profile_list.current_profile()  # a toolbar click passes False
        return self._open(RefreshDialog(self.ws, profile, self)) if profile else None

    def remove_profile(self, profile: Profile) -> None:
        try:
            self.ws.profiles.remove(profile.name)
        except Exception as exc:  # shown, never raised into Qt's event loop
            error_box(self, "Could not remove the connection", exc).open()
            return
        self.refresh_profiles()
