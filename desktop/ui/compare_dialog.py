"""Compare…: a backup against the one before it, another backup, or the
database as it is now: tables added and removed, columns added, removed or of
another type, and row counts that differ (core: inspect/compare.py)."""
from typing import Optional

from PySide6.QtCore import QConcatenateTablesProxyModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.inspect.compare import Comparison, TableChange, compare_backups
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.catalog_query import CatalogQuery
from desktop.core.workspace import Workspace
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.badges import Index
from desktop.ui.catalog_model import BackupChoicesModel
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, named, wrapped_label

PREVIOUS, LIVE = "previous", "live"
COLUMNS = ("Table", "What changed", "Rows before", "Rows after")
_CHANGE_COLOURS = {"added": palette.OK_TEXT, "removed": palette.DANGER}


class CompareDialog(QDialog):
    def __init__(self, ws: Workspace, record: BackupRecord, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws, self.record = ws, record
        self.job: Optional[BackgroundJob] = None
        named(self, "compareDialog", "Compare backups")
        self.setWindowTitle(f"Compare the backup {fmt.backup_name(record)}")
        self.other = named(QComboBox(self), "compareWith", "Compare with")
        self._fill_choices()
        self.start = named(QPushButton("Compare", self), "compareButton", "Compare")
        self.start.setDefault(True)
        self.start.clicked.connect(self.run)
        self.summary = wrapped_label("Choose what to compare with, then press Compare. Reading a backup's "
                                     "table of contents takes a moment.", self, "compareSummary", HINT_STYLE)
        self.table = self._make_table()
        self._lay_out()
        self.resize(860, 520)

    def _fill_choices(self) -> None:
        """The two fixed choices, then every other completed backup, read a page at a time as the list scrolls."""
        fixed = QStandardItemModel(self)
        for text, choice in (("The backup of this connection before it", PREVIOUS),
                             (f"The database {self.record.database} as it is now", LIVE)):
            item = QStandardItem(text)
            item.setData(choice, Qt.ItemDataRole.UserRole)
            fixed.appendRow(item)
        backups = BackupChoicesModel(self, CatalogQuery(statuses=("completed",), other_than=self.record.id),
                                     lambda other: f"The backup {fmt.backup_name(other)}")
        backups.set_catalog(self.ws.catalog)
        choices = FetchingConcatenation(self)
        choices.addSourceModel(fixed)
        choices.addSourceModel(backups)
        self.other.setModel(choices)

    def _make_table(self) -> QTableWidget:
        table = named(QTableWidget(0, len(COLUMNS), self), "compareTable", "Differences")
        table.setHorizontalHeaderLabels(list(COLUMNS))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        return table

    def _lay_out(self) -> None:
        row = QHBoxLayout()
        row.addWidget(QLabel("Compare with:", self))
        row.addWidget(self.other, 1)
        row.addWidget(self.start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "closeButton", "Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(wrapped_label(f"The backup {fmt.backup_name(self.record)}", self, "compareHeading",
                                       "font-weight: bold; font-size: 11pt;"))
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def run(self) -> BackgroundJob:
        """Always from the older side to the newer: what changed since."""
        choice = self.other.currentData()
        first, second = self.record.id, None
        if choice not in (PREVIOUS, LIVE):
            other = self.ws.catalog.get(choice)
            older = _when(other) < _when(self.record)
            first, second = (other.id, self.record.id) if older else (self.record.id, other.id)
        self.start.setEnabled(False)
        self.summary.setStyleSheet(HINT_STYLE)
        self.summary.setText("Comparing\u2026")
        self.job = run_in_background(
            self, "Compare backups",
            lambda report, cancel: compare_backups(self.ws, first, second, choice == LIVE, cancel),
            success=self._show, failure=self._failed, finished=lambda: self.start.setEnabled(True))
        return self.job

    def _show(self, comparison: Comparison) -> None:
        self.summary.setStyleSheet("")
        self.summary.setText(summary_text(comparison.changes))
        self.table.setRowCount(len(comparison.changes))
        for row, change in enumerate(comparison.changes):
            cells = (fmt.table_label(change.table), change_words(change),
                     fmt.count_text(change.rows_before), fmt.count_text(change.rows_after))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 1 and change.change in _CHANGE_COLOURS:
                    item.setForeground(QBrush(QColor(_CHANGE_COLOURS[change.change])))
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()

    def _failed(self, error: BaseException) -> None:
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setText(error_text(error)[0])


class FetchingConcatenation(QConcatenateTablesProxyModel):
    """Models one after the other whose last one loads its rows as the list scrolls:
    Qt's concatenation would not pass canFetchMore and fetchMore on."""

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self.sourceModels()[-1].canFetchMore(QModelIndex())

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if not parent.isValid():
            self.sourceModels()[-1].fetchMore(QModelIndex())


def _when(record: BackupRecord) -> tuple[str, str]:
    # Times are to the second: two quick backups may start in the same one.
    return record.started_at, record.finished_at or ""


def summary_text(changes: list[TableChange]) -> str:
    if not changes:
        return "No difference: the same tables, columns and row counts."
    kinds = [sum(c.change == kind for c in changes) for kind in ("added", "removed", "changed")]
    parts = [f"{n} {word}" for n, word in zip(kinds, ("new", "gone", "changed")) if n]
    return f"{len(changes)} table{'s' if len(changes) != 1 else ''} differ: {', '.join(parts)}."


def change_words(change: TableChange) -> str:
    """'New table', 'Table gone', or what changed in it, in plain words."""
    if change.change == "added":
        return "New table"
    if change.change == "removed":
        return "Table gone"
    words = []
    if change.columns_added:
        words.append("new columns: " + ", ".join(change.columns_added))
    if change.columns_removed:
        words.append("columns gone: " + ", ".join(change.columns_removed))
    words += [f"{t['column']} changed from {t['before']} to {t['after']}" for t in change.types_changed]
    if change.rows_before != change.rows_after:
        words.append(f"rows {fmt.difference_text((change.rows_after or 0) - (change.rows_before or 0))}")
    said = "; ".join(words)
    return said[:1].upper() + said[1:]

