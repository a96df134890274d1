"""What the main window opens: the restore wizard, export, import, trash,
test restore, sync, activity, backup details and the connection dialogs.

A mixin of MainWindow: each opener wires the dialog's change signal to the
window's refresh, so every view shows what is true after it."""
from typing import Optional

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from desktop.core.store.catalog import BackupRecord
from desktop.core.store.profiles import Profile
from desktop.ui.activity_dialog import ActivityDialog
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.error_dialog import error_box
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.import_dialog import ImportDialog
from desktop.ui.profile_dialog import ProfileDialog
from desktop.ui.restore.test_dialog import RestoreTestDialog
from desktop.ui.restore.wizard import RestoreWizard
from desktop.ui.sync_dialog import SyncDialog
from desktop.ui.trash_dialog import TrashDialog, move_to_trash


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
        record = self.catalog_view.selected_record()
        if record is None or record.status != "completed":
            return None
        dialog = ExportDialog(self.ws, [record], self)
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
        self.statusBar().showMessage(f"Moved backup {record.id} to the trash (Trash… puts it back).", 10000)
        return True

    def open_trash(self) -> TrashDialog:
        return self._open(TrashDialog(self.ws, self))

    def open_test_restore(self, record: BackupRecord) -> RestoreTestDialog:
        return self._open(RestoreTestDialog(self.ws, record, self))

    def open_sync(self) -> SyncDialog:
        return self._open(SyncDialog(self.ws, self))

    def open_activity(self) -> ActivityDialog:
        return self._open(ActivityDialog(self.ws, self))

    def open_backup_folder(self) -> None:
        folder = self.options_panel.destination() or self.ws.paths.backups_dir
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def show_details(self, record: BackupRecord) -> BackupDetailsDialog:
        dialog = BackupDetailsDialog(record, self, ws=self.ws)
        dialog.restore_requested.connect(lambda r: (dialog.accept(), self.open_restore_wizard(r)))
        dialog.verify_requested.connect(lambda r: (dialog.accept(), self.verify_selected(r)))
        dialog.test_restore_requested.connect(self.open_test_restore)
        dialog.delete_requested.connect(lambda r: self.delete_selected(r) and dialog.accept())
        dialog.open()
        return dialog

    # --- connections ---------------------------------------------------------
    def add_profile(self) -> ProfileDialog:
        return self._open_profile_dialog(None)

    def edit_profile(self, profile: Profile) -> ProfileDialog:
        return self._open_profile_dialog(profile)

    def _open_profile_dialog(self, profile: Optional[Profile]) -> ProfileDialog:
        dialog = ProfileDialog(self.ws, self, profile=profile)
        dialog.accepted.connect(
            lambda: self.refresh_profiles(select=dialog.saved_profile.name if dialog.saved_profile else None)
        )
        dialog.open()
        return dialog

    def remove_profile(self, profile: Profile) -> None:
        try:
            self.ws.profiles.remove(profile.name)
        except Exception as exc:  # shown, never raised into Qt's event loop
            error_box(self, "Could not remove the connection", exc).open()
            return
        self.refresh_profiles()
