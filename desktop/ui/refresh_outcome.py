"""The refresh dialog's second page: the running refresh, then what it did.

What was masked (table by table: the columns and how many rows) and the
row-count check of the restore, in the restore wizard's verification table.
"""
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import Cancelled
from desktop.core.jobs.refresh import RefreshResult
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.progress_panel import JobProgressPanel
from desktop.ui.restore.progress import fill_verification_table, verification_table
from desktop.ui.technical_details import TechnicalDetails
from desktop.ui.widgets import named, text_style, wrapped_label

_MASKED_HEADERS = ("Table", "Masked columns", "Rows masked")


class RefreshOutcome(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.progress = JobProgressPanel(self)
        self.progress.hide()
        self.summary = wrapped_label("", self, "refreshSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.masked_title = wrapped_label("What was masked:", self, "maskedTitle", "font-weight: bold;")
        self.masked = named(QTableWidget(0, len(_MASKED_HEADERS), self), "maskedTables",
                            "Masked columns and rows, table by table")
        self.masked.setHorizontalHeaderLabels(_MASKED_HEADERS)
        self.masked.verticalHeader().setVisible(False)
        self.masked.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.masked.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.masked.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.check_title = wrapped_label("Row counts, checked after the restore:", self, "checkTitle",
                                         "font-weight: bold;")
        self.check_table = verification_table(self)
        self.details = TechnicalDetails(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.progress, self.summary, self.masked_title):
            layout.addWidget(widget)
        layout.addWidget(self.masked)
        layout.addWidget(self.check_title)
        layout.addWidget(self.check_table, 1)
        layout.addWidget(self.details, 1)
        for widget in (self.summary, self.masked_title, self.masked, self.check_title, self.check_table):
            widget.setHidden(True)

    def show_result(self, result: RefreshResult, backup: str) -> None:
        """`backup`: the backup as people name it ("shop, 2 Dec 2026 06:00")."""
        check = result.check
        if not result.ok:
            self.say(f"\u2716 {check.summary()}", text_style(palette.DANGER, bold=True))
        elif result.masked is None:
            self.say(f"\u26a0 {result.database} now holds a copy of the backup {backup}, NOT masked: it holds "
                     f"the source's personal data as it is. {check.summary()}", text_style(palette.DANGER, bold=True))
        else:
            self.say(f"\u2714 {result.database} now holds a masked copy of the backup {backup}: "
                     f"{result.masked.summary()}, with {result.policy.describe()}. {check.summary()}",
                     text_style(palette.OK_TEXT, bold=True))
        self._show_masked(result)
        fill_verification_table(self.check_table, check)
        self.check_title.setVisible(bool(check.tables))

    def _show_masked(self, result: RefreshResult) -> None:
        report = result.masked
        tables = sorted(report.columns.items()) if report else []
        self.masked.setRowCount(len(tables))
        for row, (name, columns) in enumerate(tables):
            cells = (fmt.table_label(name), ", ".join(columns), fmt.count_text(report.rows.get(name, 0)))
            for column, text in enumerate(cells):
                self.masked.setItem(row, column, QTableWidgetItem(text))
        for widget in (self.masked_title, self.masked):
            widget.setVisible(bool(tables))
        # As tall as its rows: the row-count check below takes the rest.
        rows = sum(self.masked.rowHeight(row) for row in range(len(tables)))
        self.masked.setFixedHeight(self.masked.horizontalHeader().sizeHint().height() + rows
                                   + 2 * self.masked.frameWidth())

    def show_problem(self, error: BaseException) -> None:
        message, details = error_text(error)
        title = "The refresh was stopped." if isinstance(error, Cancelled) else "The refresh did not finish."
        self.say(f"\u2716 {title} {message} The development database was left as it was.",
                 text_style(palette.DANGER))
        self.details.show_details(details)

    def say(self, text: str, style: str) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(style)
        self.summary.setVisible(True)
