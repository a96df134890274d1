"""The first page of the restore wizard (which backup) and what the pages share.

Each page writes what the person chose into one shared RestoreChoices; the
last page turns it into a RestoreRequest. The engine enforces every rule again
(read-only profiles, the typed production name): the pages only make the
rules visible before anything runs.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from desktop.core.format.manifest import FILE_SUFFIX
from desktop.core.jobs.rebuild import add_backup_file
from desktop.core.jobs.restore.plan import TargetState
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.profiles import Profile
from desktop.ui import formatting as fmt
from desktop.ui.badges import BadgeDelegate, badge_accessible_name
from desktop.ui.error_dialog import error_text
from desktop.ui.file_choosers import choose_file_to_open
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import HINT_STYLE, REFUSAL_STYLE, named, wrapped_label

RECORD_ROLE = Qt.ItemDataRole.UserRole
ENVIRONMENT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass
class RestoreChoices:
    record: Optional[BackupRecord] = None
    profile: Optional[Profile] = None
    tables: list[str] = field(default_factory=list)  # empty: the whole backup
    clean: bool = False
    replace: bool = False  # the target becomes exactly the backup
    create: bool = False
    confirm: Optional[str] = None
    state: Optional[TargetState] = None  # the target as the check found it
    new_database: Optional[str] = None  # restore into this new database instead ...
    new_connection: Optional[str] = None  # ... and add this development connection for it
    roles: Optional[str] = None  # what to do about missing roles (RestoreRequest.roles); None: the default

    @property
    def writes_production(self) -> bool:
        """Into a production database itself (a new database gets a development connection)."""
        return bool(self.profile and self.profile.is_production and not self.new_database)


def backup_words(record: BackupRecord) -> str:
    """'the backup of app_prod from 3 Mar 2026 14:02'."""
    return f"the backup of {record.database} from {fmt.local_datetime(record.started_at)}"


class ChooseBackupPage(QWizardPage):
    """Page 1: a completed backup from the catalog, or a backup file from anywhere."""

    COLUMNS = ("Made on", "Database", "Connection", "Environment", "Tables", "Rows", "Size")

    def __init__(self, ws, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.choices = choices
        self.file_job: Optional[BackgroundJob] = None
        self.setTitle("Which backup do you want to restore?")
        self.setSubTitle("The newest backups are at the top. A backup file kept somewhere else "
                         "(an external drive, a colleague's copy) can be opened with \u201cFrom a file\u2026\u201d.")
        self.backups = named(QTreeWidget(self), "backupList", "Backups you can restore")
        self.backups.setRootIsDecorated(False)
        self.backups.setUniformRowHeights(True)
        self.backups.setAlternatingRowColors(True)
        self.backups.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backups.setHeaderLabels(self.COLUMNS)
        self.backups.setItemDelegateForColumn(3, BadgeDelegate(ENVIRONMENT_ROLE, self.backups))
        header = self.backups.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty_state = wrapped_label(
            "There is no finished backup yet. Make a backup first, or open a backup file "
            "with \u201cFrom a file\u2026\u201d.", self, "noBackupsText", HINT_STYLE)
        self.from_file = named(QPushButton("From a file\u2026", self), "fromFileButton",
                               "Restore from a backup file")
        self.file_status = wrapped_label("", self, "fileStatus")
        self.file_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.from_file)
        row.addWidget(self.file_status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.backups, 1)
        layout.addWidget(self.empty_state)
        layout.addLayout(row)
        self.backups.itemSelectionChanged.connect(self._on_selection)
        self.from_file.clicked.connect(self._ask_for_file)

    def initializePage(self) -> None:
        self.reload(self.choices.record.id if self.choices.record else None)

    def reload(self, select_id: Optional[str] = None) -> None:
        self.backups.clear()
        records = sorted((r for r in self.ws.catalog.list() if r.status == "completed" and r.path),
                         key=lambda r: r.started_at, reverse=True)
        for record in records:
            self.backups.addTopLevelItem(self._item(record))
        self.empty_state.setVisible(not records)
        if select_id:
            self.select(select_id)
        elif records:
            self.backups.setCurrentItem(self.backups.topLevelItem(0))

    def select(self, backup_id: str) -> bool:
        for row in range(self.backups.topLevelItemCount()):
            item = self.backups.topLevelItem(row)
            if item.data(0, RECORD_ROLE).id == backup_id:
                self.backups.setCurrentItem(item)
                self.backups.scrollToItem(item)
                return True
        return False

    def _item(self, record: BackupRecord) -> QTreeWidgetItem:
        database = record.database + (" (safety backup)" if record.kind == "safety" else "")
        item = QTreeWidgetItem([
            fmt.local_datetime(record.started_at), database, record.profile, "",
            fmt.count_text(len(record.row_counts)), fmt.count_text(record.total_rows),
            fmt.human_size(record.size_bytes),
        ])
        item.setData(0, RECORD_ROLE, record)
        item.setData(3, ENVIRONMENT_ROLE, record.environment)
        item.setData(3, Qt.ItemDataRole.AccessibleTextRole, badge_accessible_name(record.environment))
        item.setToolTip(0, fmt.full_datetime(record.started_at))
        item.setToolTip(1, record.path or "")
        for column in (4, 5, 6):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _on_selection(self) -> None:
        item = self.backups.currentItem()
        self.choices.record = item.data(0, RECORD_ROLE) if item and item.isSelected() else None
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.choices.record is not None and not self.adding

    @property
    def adding(self) -> bool:
        """A chosen file is being read (its thread must end before the window goes)."""
        return self.file_job is not None and self.file_job.running

    def _ask_for_file(self) -> None:
        path = choose_file_to_open(self, self.ws, "import", "Open a backup file",
                                   f"Lifeboat backups (*{FILE_SUFFIX});;All files (*)")
        if path:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> BackgroundJob:
        """Reads the file's own description, adds it to the catalog and selects it."""
        self.from_file.setEnabled(False)
        self._show_file_status(f"Opening {path.name}\u2026", HINT_STYLE)
        self.file_job = run_in_background(
            self, "Open a backup file", lambda report, cancel: add_backup_file(self.ws, path),
            success=self._file_added, failure=self._file_refused, finished=self._file_job_done)
        self.completeChanged.emit()
        return self.file_job

    def _file_added(self, record: BackupRecord) -> None:
        self.reload(record.id)
        self._show_file_status(f"Added {Path(record.path).name} to the backup list and selected it.", HINT_STYLE)

    def _file_refused(self, error: BaseException) -> None:
        message, details = error_text(error)
        self._show_file_status(message, REFUSAL_STYLE)
        self.file_status.setToolTip(details)

    def _file_job_done(self) -> None:
        self.from_file.setEnabled(True)
        self.completeChanged.emit()

    def _show_file_status(self, text: str, style: str) -> None:
        self.file_status.setText(text)
        self.file_status.setStyleSheet(style)
        self.file_status.setToolTip("")
