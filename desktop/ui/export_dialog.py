""""Export to drive…": put copies of backups on an external drive, protected by a passphrase.

The dialog lists the mounted drives (QStorageInfo) and any folder the user
picks, explains in words what the drive can hold (free space, FAT32's 4 GB
file limit and the offered split), asks for the passphrase twice with a
strength hint, and runs `core.jobs.export.run_export` as a BackgroundJob.
"""
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QStorageInfo, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import LifeboatError
from desktop.core.format.passphrase import passphrase_problem, strength
from desktop.core.jobs.export.drives import is_fat
from desktop.core.jobs.export.run import (
    ExportPlan,
    ExportRequest,
    ExportResult,
    latest_of_each_connection,
    plan_export,
    run_export,
)
from desktop.core.store.catalog import BackupRecord
from desktop.core.workspace import Workspace
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.file_choosers import choose_folder, external_drives
from desktop.ui.formatting import human_size
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import named

_STRENGTH_COLOURS = (palette.DANGER, palette.DANGER, palette.CAUTION_TEXT, palette.SUCCESS, palette.SUCCESS)


def drive_label(volume: QStorageInfo) -> str:
    name = volume.displayName() or volume.rootPath()
    filesystem = bytes(volume.fileSystemType().data()).decode(errors="replace")
    kind = "FAT32" if is_fat(filesystem) else filesystem
    return f"{name} \u2013 {human_size(volume.bytesAvailable())} free ({kind})"


class ExportDialog(QDialog):
    exported = Signal(object)  # ExportResult

    def __init__(self, ws: Workspace, records: list[BackupRecord], parent: Optional[QWidget] = None,
                 drives: Optional[list[QStorageInfo]] = None, file_limit: Optional[int] = None):
        super().__init__(parent)
        self.ws = ws
        self.file_limit = file_limit  # the drive's largest file, when not its filesystem's (tests)
        self.records = self.chosen = records
        self.job: Optional[BackgroundJob] = None
        self.plan: Optional[ExportPlan] = None
        self.setObjectName("exportDialog")
        self.setAccessibleName("Export to drive")
        self.setWindowTitle("Export to drive")
        self._build(drives if drives is not None else external_drives())
        self._update()
        self.resize(640, 0)

    # --- layout ----------------------------------------------------------
    def _build(self, drives: list[QStorageInfo]) -> None:
        intro = self.intro = named(QLabel(self._intro_text(), self), "exportIntro", "What is exported")
        intro.setWordWrap(True)
        self.latest = latest_of_each_connection(self.ws.catalog)
        self.every_connection_box = named(
            QCheckBox(f"Instead, the latest backup of every connection ({len(self.latest)})", self),
            "everyConnectionCheckBox", "Export the latest backup of every connection instead")
        self.every_connection_box.setVisible(len(self.latest) > 1)
        self.every_connection_box.toggled.connect(self._choose_backups)
        self.drive_list = named(QListWidget(self), "driveList", "Drives")
        for volume in drives:
            item = QListWidgetItem(drive_label(volume), self.drive_list)
            item.setData(Qt.ItemDataRole.UserRole, volume.rootPath())
        if not drives:
            self.drive_list.addItem("No external drive found. Connect one, or choose a folder below.")
            self.drive_list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self.drive_list.setMaximumHeight(96)
        self.drive_list.currentItemChanged.connect(self._drive_chosen)
        self.folder_field = named(QLineEdit(self), "folderField", "Export folder")
        self.folder_field.setPlaceholderText("Choose a drive above, or a folder")
        self.folder_field.editingFinished.connect(self._update)
        self.choose_button = named(QPushButton("Choose a folder\u2026", self), "chooseFolderButton",
                                    "Choose a folder")
        self.choose_button.clicked.connect(self._choose_folder)
        self.drive_facts = named(QLabel(self), "driveFacts", "What the drive can hold")
        self.drive_facts.setWordWrap(True)
        self.split_box = named(QCheckBox("Split large backups into numbered parts for this drive", self),
                                "splitCheckBox", "Split large backups into parts")
        self.split_box.setChecked(True)
        self.split_box.toggled.connect(self._update)
        self.passphrase = self._secret("passphraseField", "Passphrase")
        self.repeat = self._secret("repeatPassphraseField", "Passphrase again")
        self.strength_label = named(QLabel(self), "strengthLabel", "Passphrase strength")
        self.sheet_box = named(QCheckBox("Also save a recovery sheet (how to restore; never the passphrase)",
                                          self), "recoverySheetCheckBox", "Save a recovery sheet")
        self.sheet_box.setChecked(True)
        self.progress = named(QProgressBar(self), "exportProgress", "Export progress")
        self.progress.hide()
        self.status = named(QLabel(self), "exportStatus", "Export status")
        self.status.setWordWrap(True)
        self.export_button = named(QPushButton("Export", self), "exportButton", "Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = named(QPushButton("Cancel", self), "cancelButton", "Cancel")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self._lay_out(intro)

    def _lay_out(self, intro: QLabel) -> None:
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_field, 1)
        folder_row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow("Drives:", self.drive_list)
        form.addRow("Save in:", folder_row)
        form.addRow("", self.drive_facts)
        form.addRow("", self.split_box)
        form.addRow("Passphrase:", self.passphrase)
        form.addRow("Again:", self.repeat)
        form.addRow("", self.strength_label)
        form.addRow("", self.sheet_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.every_connection_box)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def _secret(self, name: str, accessible: str) -> QLineEdit:
        field = named(QLineEdit(self), name, accessible)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.textChanged.connect(self._update)
        return field

    # --- choosing ----------------------------------------------------------
    def _intro_text(self) -> str:
        what = "; ".join(fmt.backup_name(record) for record in self.records)
        copies = "an encrypted copy of the backup" if len(self.records) == 1 else "encrypted copies of the backups"
        return (f"Put {copies} of {what} on another drive. Anyone with the passphrase can open them on any "
                "computer with Lifeboat, so keep the passphrase somewhere safe and apart from the drive.")

    def _choose_backups(self, every_connection: bool) -> None:
        self.records = self.latest if every_connection else self.chosen
        self.intro.setText(self._intro_text())
        self.plan = None
        self._update()

    def set_destination(self, folder: Path) -> None:
        self.folder_field.setText(str(folder))
        self._update()

    def _drive_chosen(self, item: Optional[QListWidgetItem]) -> None:
        root = item.data(Qt.ItemDataRole.UserRole) if item else None
        if root:
            self.set_destination(Path(root) / "Lifeboat Backups")

    def _choose_folder(self) -> None:
        folder = choose_folder(self, self.ws, "export", "Choose where to save the copies")
        if folder:
            self.set_destination(Path(folder))

    def _destination(self) -> Optional[Path]:
        text = self.folder_field.text().strip()
        return Path(text).expanduser() if text else None

    def _update(self, *_) -> None:
        self._show_plan()
        self._show_strength()
        problem = self._problem()
        running = self.job is not None and self.job.running
        self.export_button.setEnabled(problem is None and not running)
        if not running:
            self.status.setText(problem or "Ready to export. The copy is read back and checked before "
                                           "Lifeboat calls it done.")
        # Wrapped labels grow with their text: let the dialog grow with them, never clip.
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _show_plan(self) -> None:
        dest = self._destination()
        self.plan = None
        if dest is None:
            self.drive_facts.setText("")
            self.split_box.hide()
            return
        try:
            self.plan = plan_export(self.ws, [r.id for r in self.records], dest, self.file_limit)
        except LifeboatError as exc:
            self.drive_facts.setText(error_text(exc)[0])
            self.split_box.hide()
            return
        drive = self.plan.drive
        free = "free space unknown" if drive.free_bytes is None else f"{human_size(drive.free_bytes)} free"
        lines = [f"The copies need {human_size(self.plan.needed_bytes)}; the drive has {free}."]
        if self.plan.space_problem():
            lines = [self.plan.space_problem()]
        if self.plan.needs_split:
            lines.append(self.plan.size_problem())
        elif drive.is_fat:
            lines.append("This drive is FAT32: it holds files up to 4 GB, and these backups fit.")
        self.drive_facts.setText(" ".join(lines))
        self.split_box.setVisible(self.plan.needs_split)

    def _show_strength(self) -> None:
        text = self.passphrase.text()
        if not text:
            self.strength_label.setText("Use a long phrase of several words: easy to remember, hard to guess.")
            self.strength_label.setStyleSheet("")
            return
        score, words = strength(text)
        self.strength_label.setText(f"Strength: {words}." + ("" if score >= 3 else " A longer phrase is stronger."))
        self.strength_label.setStyleSheet(f"color: {_STRENGTH_COLOURS[score]}; font-weight: bold")

    def _problem(self) -> Optional[str]:
        if self.plan is None:
            return "Choose a drive or a folder to save the copies in."
        if self.plan.space_problem():
            return "There is not enough free space on this drive."
        if self.plan.needs_split and not self.split_box.isChecked():
            return "These backups do not fit this drive as single files: tick the split option or choose another drive."
        return passphrase_problem(self.passphrase.text(), self.repeat.text())

    # --- running -----------------------------------------------------------
    def start(self) -> Optional[BackgroundJob]:
        if self._problem() is not None or self.plan is None:
            return None
        request = ExportRequest([r.id for r in self.records], self.plan.drive.folder, self.passphrase.text(),
                                split=self.split_box.isChecked(), recovery_sheet=self.sheet_box.isChecked(),
                                file_limit=self.file_limit)
        self.job = run_in_background(
            self, "Export to drive", lambda report, cancel: run_export(self.ws, request, report, cancel),
            progress=self._progressed, success=self._succeeded, failure=self._failed, finished=self._finished,
            cancelled=lambda _: self.status.setText("Export stopped. Nothing was left on the drive."),
        )
        for widget in (self.export_button, self.drive_list, self.folder_field, self.choose_button,
                       self.passphrase, self.repeat, self.split_box, self.sheet_box):
            widget.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.setText("Stop")
        self.cancel_button.setAccessibleName("Stop the export")
        return self.job

    def _progressed(self, progress) -> None:
        if progress.fraction is not None:
            self.progress.setValue(int(progress.fraction * 100))
        self.status.setText(f"{progress.phase}: {progress.item}" if progress.item else progress.phase)

    def _succeeded(self, result: ExportResult) -> None:
        self.progress.setValue(100)
        where = ", ".join(str(copy.location) for copy in result.copies)
        self.status.setText(f"Done: the copy was written, read back and checked. It is in {where}.")
        self.exported.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.status.setText("The export did not finish. The original backup is untouched.")
        self.job.show_failure(error)

    def _finished(self) -> None:
        self.cancel_button.setText("Close")
        self.cancel_button.setAccessibleName("Close")
        for widget in (self.drive_list, self.folder_field, self.choose_button, self.passphrase,
                       self.repeat, self.split_box, self.sheet_box):
            widget.setEnabled(True)
        self.export_button.setEnabled(False)  # done or failed: the status says what to change first

    def _cancel_or_close(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
        else:
            self.reject()

    def reject(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.job.wait()
        super().reject()
