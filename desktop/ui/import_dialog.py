""""Open backups from a drive…": add exported copies to this computer's backups.

Choose a folder (or one file), type the passphrase used when exporting, and
`core.jobs.import_copies.run_import` checks every file and copies it in; the
result list says what was added and, for each file that was not, why.
"""
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import LifeboatError
from desktop.core.format.manifest import FILE_SUFFIX
from desktop.core.jobs.export.import_copies import ImportResult, run_import
from desktop.core.workspace import Workspace
from desktop.ui import formatting as fmt
from desktop.ui.file_choosers import choose_file_to_open, choose_folder
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import named


class ImportDialog(QDialog):
    imported = Signal(object)  # ImportResult

    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.job: Optional[BackgroundJob] = None
        self.setObjectName("importDialog")
        self.setAccessibleName("Open backups from a drive")
        self.setWindowTitle("Open backups from a drive")
        self._build()
        self._update()
        self.resize(640, 420)

    def _build(self) -> None:
        intro = QLabel("Add backups exported from another computer (or this one) to this computer's list. "
                       "Each file is checked completely before it is added; they can then be restored "
                       "like any other backup, without the passphrase.", self)
        intro.setWordWrap(True)
        self.source_field = named(QLineEdit(self), "sourceField", "Folder or file to open")
        self.source_field.setPlaceholderText("The folder on the drive that holds the exported backups")
        self.source_field.textChanged.connect(self._update)
        self.folder_button = named(QPushButton("Choose a folder\u2026", self), "chooseFolderButton",
                                    "Choose a folder")
        self.folder_button.clicked.connect(self._choose_folder)
        self.file_button = named(QPushButton("Choose a file\u2026", self), "chooseFileButton", "Choose a file")
        self.file_button.clicked.connect(self._choose_file)
        self.passphrase = named(QLineEdit(self), "passphraseField", "Passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("The passphrase typed when the backups were exported")
        self.passphrase.textChanged.connect(self._update)
        self.progress = named(QProgressBar(self), "importProgress", "Progress")
        self.progress.hide()
        self.status = named(QLabel(self), "importStatus", "Status")
        self.status.setWordWrap(True)
        self.results = named(QListWidget(self), "importResults", "What was added")
        self.results.setWordWrap(True)
        self.open_button = named(QPushButton("Open backups", self), "openBackupsButton", "Open backups")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.start)
        self.close_button = named(QPushButton("Close", self), "closeButton", "Close")
        self.close_button.clicked.connect(self.reject)

        source_row = QHBoxLayout()
        source_row.addWidget(self.source_field, 1)
        source_row.addWidget(self.folder_button)
        source_row.addWidget(self.file_button)
        form = QFormLayout()
        form.addRow("Open:", source_row)
        form.addRow("Passphrase:", self.passphrase)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)

    def set_source(self, path: Path) -> None:
        self.source_field.setText(str(path))

    def _choose_folder(self) -> None:
        folder = choose_folder(self, self.ws, "import", "Choose the folder holding the exported backups")
        if folder:
            self.set_source(Path(folder))

    def _choose_file(self) -> None:
        path = choose_file_to_open(self, self.ws, "import", "Choose an exported backup",
                                   f"Lifeboat backups (*{FILE_SUFFIX} *{FILE_SUFFIX}.001);;All files (*)")
        if path:
            self.set_source(Path(path))

    def _update(self, *_) -> None:
        running = self.job is not None and self.job.running
        ready = bool(self.source_field.text().strip()) and bool(self.passphrase.text())
        self.open_button.setEnabled(ready and not running)
        if not running and not self.results.count():
            self.status.setText("" if ready else "Choose the folder or file, then type the passphrase.")

    def start(self) -> Optional[BackgroundJob]:
        if not self.open_button.isEnabled():
            return None
        source, passphrase = Path(self.source_field.text().strip()).expanduser(), self.passphrase.text()
        self.results.clear()
        self.open_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.job = run_in_background(
            self, "Open backups from a drive",
            lambda report, cancel: run_import(self.ws, source, passphrase, report, cancel),
            progress=self._progressed, success=self._succeeded, finished=self._update)
        return self.job

    def _name_of(self, backup_id: str) -> str:
        try:
            return fmt.backup_name(self.ws.catalog.get(backup_id))
        except LifeboatError:  # in the trash meanwhile: the id is all there is to say
            return f"backup {backup_id}"

    def _progressed(self, progress) -> None:
        if progress.fraction is not None:
            self.progress.setValue(int(progress.fraction * 100))
        self.status.setText(f"{progress.phase}: {progress.item}" if progress.item else progress.phase)

    def _succeeded(self, result: ImportResult) -> None:
        self.progress.setValue(100)
        for item in result.added:
            self.results.addItem(f"Added: {item.source.name} ({self._name_of(item.backup_id)})")
        for path, backup_id in result.already_known:
            self.results.addItem(f"Already on this computer: {path.name} ({self._name_of(backup_id)})")
        for _, message in result.failed:
            self.results.addItem(f"Not added: {message}")
        added = len(result.added)
        self.status.setText(
            f"{added} backup{'s' if added != 1 else ''} added"
            + (f"; {len(result.failed)} could not be opened (see below)." if result.failed else "."))
        self.imported.emit(result)

    def reject(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.job.wait()
        super().reject()
