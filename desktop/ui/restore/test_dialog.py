""""Test restore": prove a backup restores, on a server the user picks.

Runs `prove_restorable` in a BackgroundJob: a scratch database
lifeboat_verify_<id> is made on the chosen server, checked table by table,
and removed again whatever happens. The first choice, and the default, is
a private PostgreSQL server on this computer (needs no rights anywhere);
then development servers, then production ones; 'backups only'
connections are not offered.
"""
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.jobs.restore.proof import prove_restorable, scratch_database_name
from desktop.core.store.catalog import BackupRecord
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import HINT_STYLE, named, wrapped_label

PRIVATE_CHOICE = "This computer (a private server Lifeboat starts for the test)"


class RestoreTestDialog(QDialog):
    changed = Signal()  # a test restore ended: the Proven column may have changed

    def __init__(self, ws, record: BackupRecord, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.record = record
        self.job: Optional[BackgroundJob] = None
        self.setObjectName("restoreTestDialog")
        self.setWindowTitle(f"Test restore of the backup of {record.database}")
        self.setAccessibleName("Test restore")
        scratch = scratch_database_name(record.id)
        intro = wrapped_label(
            f"Lifeboat restores this backup into a new, temporary database ({scratch}) on the server you "
            "choose, counts the rows of every table against the backup, checks that every link between "
            "tables holds, and then removes the temporary database. Your own databases are not touched. "
            "On this computer, Lifeboat starts a private server of its own for the test and removes it "
            "afterwards: no rights on any server are needed.",
            self, "restoreTestIntro")
        self.servers = named(QComboBox(self), "restoreTestServer", "Server for the test restore")
        self.servers.addItem(PRIVATE_CHOICE, None)
        for profile in sorted(self.ws.profiles.list(), key=lambda p: (p.is_production, p.name.casefold())):
            if not profile.read_only:
                label = f"{profile.host}:{profile.port} (from the connection {profile.name}"
                label += ", PRODUCTION)" if profile.is_production else ")"
                self.servers.addItem(label, profile.name)
        self.start_button = named(QPushButton("Start the test restore", self), "startTestRestoreButton",
                                  "Start the test restore")
        self.status = wrapped_label("", self, "restoreTestStatus", HINT_STYLE)
        self.report = named(QPlainTextEdit(self), "restoreTestReport", "Test restore result, table by table")
        self.report.setReadOnly(True)
        self.report.setHidden(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        close.button(QDialogButtonBox.StandardButton.Close).setObjectName("closeButton")
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Server:", self))
        row.addWidget(self.servers, 1)
        row.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.report, 1)
        layout.addWidget(close)
        self.start_button.clicked.connect(self.start)
        self.resize(720, 420)

    def start(self) -> None:
        server = self.servers.currentData()
        self.start_button.setEnabled(False)
        self._say("", HINT_STYLE)  # not the last run's result
        self.report.setHidden(True)
        self.job = run_in_background(
            self, "Test restore",
            lambda report, cancel: prove_restorable(self.ws, self.record.id, server, report, cancel),
            progress=lambda progress: self._say(progress.headline, HINT_STYLE),
            success=self._passed, failure=self._failed, cancelled=self._failed,
            finished=lambda: self.start_button.setEnabled(True))
        self.job.finished.connect(self.changed)

    def _passed(self, result) -> None:
        removed = "The temporary database was removed." if result.server else \
            "The private server was stopped and removed."
        self._say(f"\u2714 Proven restorable ({fmt.full_datetime(result.proven_at)}). {result.check.summary()} "
                  f"{removed}", f"color: {palette.OK_TEXT}; font-weight: bold;")
        self.report.setPlainText("\n".join(
            f"{t.table}: {fmt.count_text(t.expected)} rows expected, {fmt.count_text(t.found)} found"
            for t in result.check.tables))
        self.report.setVisible(True)

    def _failed(self, error: BaseException) -> None:
        message, details = error_text(error)
        self._say(f"\u2716 {message}", f"color: {palette.DANGER};")
        self.report.setPlainText(details)
        self.report.setVisible(bool(details))

    def _say(self, text: str, style: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)

    def reject(self) -> None:
        if self.job and self.job.running:
            self.job.cancel()  # the job still removes the temporary database before it ends
            return
        super().reject()
