""""Export backup key…" (Help menu): the window's `lifeboat key export --to FILE`.

The backups on this computer open only with this installation's key, kept in
the keyring; a recovery file of it, protected by a passphrase, is what brings
them back after the keyring is reset (issue 11). Writing the file runs scrypt,
so it goes through a BackgroundJob like every job.
"""
from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.format.passphrase import passphrase_problem
from desktop.core.jobs.backup_key import export_key
from desktop.core.workspace import Workspace
from desktop.ui.file_choosers import choose_file_to_save
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import named


class KeyExportDialog(QDialog):
    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.job: Optional[BackgroundJob] = None
        self.setObjectName("keyExportDialog")
        self.setAccessibleName("Export backup key")
        self.setWindowTitle("Export backup key")
        intro = QLabel("The backups on this computer open only with this installation's backup key, kept in "
                       "the system keyring. Save a copy of the key, protected by a passphrase, somewhere else "
                       "(a USB stick, a password manager): if the keyring is ever reset, it brings the "
                       "backups back.")
        intro.setWordWrap(True)
        self.file_field = named(QLineEdit(str(Path.home() / "lifeboat-backup-key.txt"), self),
                                 "keyFileField", "Key file")
        choose = named(QPushButton("Choose…", self), "chooseKeyFile", "Choose where to save the key file")
        choose.clicked.connect(self._choose)
        self.passphrase = self._secret("keyPassphraseField", "Passphrase")
        self.repeat = self._secret("keyRepeatField", "Passphrase again")
        self.status = named(QLabel(self), "keyExportStatus", "Status")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = named(self.buttons.addButton("Save key file", QDialogButtonBox.ButtonRole.AcceptRole),
                                  "saveKeyFile", "Save the key file")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        where = QHBoxLayout()
        where.addWidget(self.file_field)
        where.addWidget(choose)
        form = QFormLayout()
        form.addRow("Save to:", where)
        form.addRow("Passphrase:", self.passphrase)
        form.addRow("Again:", self.repeat)
        layout = QVBoxLayout(self)
        for part in (intro, form, self.status, self.buttons):
            (layout.addLayout if isinstance(part, QFormLayout) else layout.addWidget)(part)
        self._update()
        self.setMinimumWidth(560)

    def _secret(self, name: str, accessible: str) -> QLineEdit:
        field = named(QLineEdit(self), name, accessible)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.textChanged.connect(self._update)
        return field

    def _choose(self) -> None:
        name = choose_file_to_save(self, self.ws, "key", "Save the backup key",
                                   Path(self.file_field.text()).name or "lifeboat-backup-key.txt")
        if name:
            self.file_field.setText(name)

    def _problem(self) -> Optional[str]:
        if not self.file_field.text().strip():
            return "Choose where to save the key file."
        return passphrase_problem(self.passphrase.text(), self.repeat.text())

    def _update(self) -> None:
        problem = self._problem() if self.passphrase.text() else None
        self.status.setText(problem or "")
        self.save_button.setEnabled(self._problem() is None and self.job is None)

    def start(self) -> Optional[BackgroundJob]:
        if self._problem() is not None or self.job is not None:
            return None
        target, passphrase = Path(self.file_field.text().strip()), self.passphrase.text()
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")
        self.job = run_in_background(
            self, "Export backup key", lambda report, cancel: export_key(self.ws, target, passphrase),
            success=lambda path: self.status.setText(
                f"Saved to {path}. Keep it, and the passphrase, apart from this computer."))
        return self.job
