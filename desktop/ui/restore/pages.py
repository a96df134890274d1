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
    QLineEdit,
    QPushButton,
    QTreeView,
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
from desktop.ui.badges import BadgeDelegate
from desktop.ui.catalog_view import select_backup
from desktop.ui.error_dialog import error_text
from desktop.ui.file_choosers import choose_file_to_open
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.restore.backup_list import RestorableBackupsModel
from desktop.ui.widgets import HINT_STYLE, REFUSAL_STYLE, named, with_clear_button, wrapped_label

RECORD_ROLE = Qt.ItemDataRole.UserRole
NO_BACKUPS_TEXT = ("There is no finished backup yet. Make a backup first, or open a backup file "
                   "with \u201cFrom a file\u2026\u201d.")
NO_MATCH_TEXT = "No backup matches what you searched for. Clear the search to see every backup."


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

    def __init__(self, ws, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.choices = choices
        self.file_job: Optional[BackgroundJob] = None
        self._kept: Optional[str] = None  # the chosen backup's id while the list reads its rows again
        self.setTitle("Which backup do you want to restore?")
        self.setSubTitle("The newest backups are at the top. A backup file kept somewhere else "
                         "(an external drive, a colleague's copy) can be opened with \u201cFrom a file\u2026\u201d.")
        self.search = with_clear_button(named(QLineEdit(self), "backupSearch", "Search backups"))
        self.search.setPlaceholderText("Search by date, database, connection, table or note\u2026")
        self.model = RestorableBackupsModel(self)
        self.backups = self._make_list()
        self.empty_state = wrapped_label("", self, "noBackupsText", HINT_STYLE)
        self.from_file = named(QPushButton("From a file\u2026", self), "fromFileButton",
                               "Restore from a backup file")
        self.file_status = wrapped_label("", self, "fileStatus")
        self.file_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.from_file)
        row.addWidget(self.file_status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.backups, 1)
        layout.addWidget(self.empty_state)
        layout.addLayout(row)
        self.search.textChanged.connect(self.model.set_search)
        self.backups.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelAboutToBeReset.connect(self._keep_choice)
        self.model.modelReset.connect(self._after_reset)
        self.from_file.clicked.connect(self._ask_for_file)

    def _make_list(self) -> QTreeView:
        backups = named(QTreeView(self), "backupList", "Backups you can restore")
        backups.setModel(self.model)
        backups.setRootIsDecorated(False)
        backups.setUniformRowHeights(True)
        backups.setAlternatingRowColors(True)
        backups.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        backups.setItemDelegateForColumn(self.model.ENVIRONMENT, BadgeDelegate(self.model.EnvironmentRole, backups))
        header = backups.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Widths from the rows on screen, not from every row loaded: a page is 200 rows.
        header.setResizeContentsPrecision(0)
        header.setSectionResizeMode(self.model.DATABASE, QHeaderView.ResizeMode.Stretch)
        return backups

    def initializePage(self) -> None:
        self.reload(self.choices.record.id if self.choices.record else None)

    def reload(self, select_id: Optional[str] = None) -> None:
        """Read the catalog again: the newest page of backups, then this one (or the newest) chosen."""
        self.model.set_catalog(self.ws.catalog)
        if select_id:
            self.select(select_id)
        elif self.model.rowCount():
            self.select(self.model.record_at(0).id)

    def select(self, backup_id: str, load: bool = True) -> bool:
        """Choose and show that backup, reading rows down to it (unless not `load`);
        False when it is not in the list (unknown, unfinished, without a file, or hidden by the search)."""
        return select_backup(self.backups, backup_id, load)

    def _keep_choice(self) -> None:
        self._kept = self.choices.record.id if self.choices.record else None

    def _after_reset(self) -> None:
        """After a new search or a reload: the same backup stays chosen if it is among the rows read."""
        kept, self._kept = self._kept, None
        if kept is None or not self.select(kept, load=False):
            self.backups.scrollToTop()  # else the view stays as far down as it was, reading pages to get there
            self._on_selection()
        searching = self.model.searching
        self.search.setVisible(searching or self.model.matched > 0)
        self.empty_state.setText(NO_MATCH_TEXT if searching else NO_BACKUPS_TEXT)
        self.empty_state.setVisible(self.model.matched == 0)

    def _on_selection(self) -> None:
        rows = self.backups.selectionModel().selectedRows()
        self.choices.record = self.model.record(rows[0]) if rows else None
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
        self.search.clear()  # the search must not hide the file just added
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
