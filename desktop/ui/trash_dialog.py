"""The trash: deleted backups kept for a few days, with Put back, Delete for
good and Empty trash; and the questions asked before a backup goes there.

Listing is a catalog read (milliseconds) on the GUI thread; putting back and
removing files run through the job runner, as a file on a slow or unplugged
drive can take its time.
"""
from collections.abc import Callable
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.jobs.delete import (
    delete_backup,
    empty_trash,
    is_last_proven_backup,
    purge_backup,
    restore_from_trash,
    trash_expires_at,
)
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.catalog_query import UNFINISHED, CatalogQuery
from desktop.core.units import human_size
from desktop.core.workspace import Workspace
from desktop.ui.error_dialog import error_box
from desktop.ui.formatting import local_datetime
from desktop.ui.jobs import BackgroundJob, run_in_background

COLUMNS = ("Database", "Connection", "Backed up", "Size", "Deleted", "Removed for good")


def move_to_trash(parent: QWidget, ws: Workspace, record: BackupRecord) -> bool:
    """Ask, then move the backup to the trash. A second question, with the
    database name typed, guards the only proven-restorable production backup."""
    days = ws.settings.trash_days
    afterwards = ("after that its file is removed from the disk for good." if record.status == "completed"
                  else "it never became a backup, so there is no file to remove.")
    answer = QMessageBox.question(
        parent, "Move backup to the trash",
        f"Move the backup of {record.database} ({record.profile}) from {local_datetime(record.started_at)} "
        f"to the trash?\n\nIt stays in the trash for {days} days, where you can put it back; {afterwards}",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    confirm = None
    if is_last_proven_backup(ws, record):
        confirm, accepted = QInputDialog.getText(
            parent, "This is the only proven backup of production",
            f"This is the only backup of the PRODUCTION database {record.database} that a test restore "
            "has proven to work.\n\nTo move it to the trash anyway, type the database name:",
            QLineEdit.EchoMode.Normal, "",
        )
        if not accepted or confirm != record.database:
            return False
    try:
        delete_backup(ws, record.id, confirm=confirm)
    except Exception as exc:  # shown, never raised into Qt's event loop
        error_box(parent, "Could not move the backup to the trash", exc).open()
        return False
    return True


def clear_unfinished(parent: QWidget, ws: Workspace) -> int:
    """Ask once, then move every failed and cancelled entry to the trash; how many went."""
    unfinished = ws.catalog.select(CatalogQuery(statuses=UNFINISHED))
    if not unfinished:
        return 0
    answer = QMessageBox.question(
        parent, "Clear failed and cancelled backups",
        f"Move the {len(unfinished)} failed and cancelled entries to the trash? None of them holds a backup "
        "that could be restored, so no backup file is removed.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return 0
    try:
        for record in unfinished:
            delete_backup(ws, record.id)
    except Exception as exc:  # shown, never raised into Qt's event loop
        error_box(parent, "Could not clear every entry", exc).open()
    return len(unfinished)


class TrashDialog(QDialog):
    changed = Signal()  # something went back to the catalog or left for good

    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Trash")
        self.setObjectName("trashDialog")
        self.resize(860, 380)
        self.records: list[BackupRecord] = []
        self.job: Optional[BackgroundJob] = None
        layout = QVBoxLayout(self)
        self.explanation = QLabel(
            f"Deleted backups stay here for {ws.settings.trash_days} days. Put one back to use it again; "
            "after that, Lifeboat removes its file for good.", self)
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        self.table = self._build_table()
        layout.addWidget(self.table)
        layout.addLayout(self._build_buttons())
        self.refresh()

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setObjectName("trashTable")
        table.setAccessibleName("Backups in the trash")
        table.setHorizontalHeaderLabels(COLUMNS)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.itemSelectionChanged.connect(self._update_buttons)
        return table

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        return button

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.restore_button = self._button("Put back", "putBackButton", self.put_back)
        self.purge_button = self._button("Delete for good…", "deleteForGoodButton", self.delete_for_good)
        self.empty_button = self._button("Empty trash…", "emptyTrashButton", self.empty)
        self.close_button = self._button("Close", "closeButton", self.accept)
        for button in (self.restore_button, self.purge_button, self.empty_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        return row

    def refresh(self) -> None:
        self.records = self.ws.catalog.list_trash()
        self.table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            cells = (record.database, record.profile, local_datetime(record.started_at),
                     human_size(record.size_bytes), local_datetime(record.deleted_at),
                     local_datetime(trash_expires_at(self.ws, record).isoformat()))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, record.id)
                self.table.setItem(row, column, item)
        self._update_buttons()

    def selected_record(self) -> Optional[BackupRecord]:
        rows = self.table.selectionModel().selectedRows()
        return self.records[rows[0].row()] if rows else None

    def select(self, backup_id: str) -> None:
        for row, record in enumerate(self.records):
            if record.id == backup_id:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        selected = self.selected_record() is not None and not self.busy
        self.restore_button.setEnabled(selected)
        self.purge_button.setEnabled(selected)
        self.empty_button.setEnabled(bool(self.records) and not self.busy)

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    # Each action returns its job (None when nothing was asked or the answer was no);
    # `changed` follows once it succeeded.
    def put_back(self) -> Optional[BackgroundJob]:
        record = self.selected_record()
        if record is None:
            return None
        return self._run("Put the backup back", lambda: restore_from_trash(self.ws, record.id),
                         "Could not put the backup back")

    def delete_for_good(self) -> Optional[BackgroundJob]:
        record = self.selected_record()
        if record is None or not self._ask(
                "Delete for good",
                f"Remove the backup of {record.database} from {local_datetime(record.started_at)} for good?\n\n"
                f"Its file is deleted from the disk and cannot be brought back:\n{record.path or '(no file)'}"):
            return None
        return self._run("Delete a backup for good", lambda: purge_backup(self.ws, record.id),
                         "Could not delete the backup")

    def empty(self) -> Optional[BackgroundJob]:
        count = len(self.records)
        if not count or not self._ask(
                "Empty trash",
                f"Remove all {count} backup(s) in the trash for good?\n\n"
                "Their files are deleted from the disk and cannot be brought back."):
            return None
        return self._run("Empty the trash", lambda: empty_trash(self.ws), "Could not empty the trash")

    def _ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(
            self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        ) == QMessageBox.StandardButton.Yes

    def _run(self, title: str, action: Callable[[], object], error_title: str) -> BackgroundJob:
        # The list is read again after a failure too: emptying may have stopped half-way.
        self.job = run_in_background(self, title, lambda report, cancel: action(), error_title=error_title,
                                     success=self._done, finished=self.refresh)
        self._update_buttons()
        return self.job

    def _done(self, _result: object) -> None:
        self.refresh()  # before `changed`, so whoever listens sees the list as it is now
        self.changed.emit()
