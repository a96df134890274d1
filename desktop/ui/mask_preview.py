"""The masking preview: a few rows of each masked table, before and after (core's mask preview).

The rows are read from the source on the server and masked with the saved
rules on this computer, in the background; one tab per masked table.
"""
from typing import Optional

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.masking.manage import PREVIEW_ROWS, TablePreview, preview
from desktop.ui import formatting as fmt
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, fit_to_screen, named, wrapped_label

_HEADERS = ("Row", "Column", "Rule", "Before", "After")
_LONGEST = 80  # characters of a value shown; the tooltip has it whole


class MaskPreviewDialog(QDialog):
    def __init__(self, ws, profile_name: str, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("maskPreviewDialog")
        self.setWindowTitle(f"Masking preview \u2014 {profile_name}")
        self.setAccessibleName(f"Masking preview of {profile_name}")
        self.status = wrapped_label(
            f"Reading up to {PREVIEW_ROWS} rows of each masked table of {profile_name}\u2026", self,
            "maskPreviewStatus", HINT_STYLE)
        self.tabs = named(QTabWidget(self), "maskPreviewTables", "Masked tables")
        self.tabs.hide()
        close = named(QPushButton("Close", self), "closeButton", "Close")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(row)
        fit_to_screen(self, 1000, 620)
        self.job: BackgroundJob = run_in_background(
            self, "Preview the masking", lambda report, cancel: preview(ws, profile_name),
            success=self.show_tables, failure=self._failed)

    def _failed(self, error: BaseException) -> None:
        self.status.setText(error_text(error)[0])
        self.status.setStyleSheet(ERROR_STYLE)

    def show_tables(self, shown: list[TablePreview]) -> None:
        if not shown:
            self.status.setText("No column is masked by the saved rules yet: review the columns and Save first.")
            return
        self.status.setText("Before and after, with the saved rules. The same original always becomes the same "
                            "fake, in every table and on every refresh.")
        for item in shown:
            self.tabs.addTab(_table_view(item, self.tabs), fmt.table_label(item.table))
        self.tabs.show()


def _table_view(item: TablePreview, parent: QWidget) -> QTableWidget:
    view = named(QTableWidget(0, len(_HEADERS), parent), f"preview:{item.table}",
                 f"Before and after masking, {item.table}")
    view.setHorizontalHeaderLabels(_HEADERS)
    view.verticalHeader().setVisible(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    lines = [(str(number), column, rule, before, after)
             for number, (befores, afters) in enumerate(item.rows, 1)
             for column, rule, before, after in zip(item.columns, item.rules, befores, afters)]
    view.setRowCount(len(lines))
    for row, line in enumerate(lines):
        for column, value in enumerate(line):
            view.setItem(row, column, _cell(value))
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
    return view


def _cell(value) -> QTableWidgetItem:
    text = "NULL" if value is None else " ".join(str(value).split())
    cell = QTableWidgetItem(text if len(text) <= _LONGEST else text[:_LONGEST - 1] + "\u2026")
    cell.setToolTip(text)
    return cell
