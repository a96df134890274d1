"""Activity: the audit log as a filterable table, whether it is intact, and
"Export as CSV…". The log is a small local file, read on the GUI thread."""
from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.durable import explain_write_error
from desktop.core.store.audit_log import ACTIONS, RESULTS, AuditCheck, AuditRecord, filter_records, write_csv
from desktop.core.store.audited import audit_log_of
from desktop.core.workspace import Workspace
from desktop.ui import palette
from desktop.ui.error_dialog import error_box
from desktop.ui.file_choosers import choose_file_to_save
from desktop.ui.formatting import local_datetime

COLUMNS = ("When", "Who", "What", "Connection", "Database", "Backup", "Result", "Took", "Details")
ACTION_WORDS = {
    "backup": "Backup", "restore": "Restore", "verify": "Verify", "export": "Export", "import": "Import",
    "delete": "Delete", "trash": "Moved to trash", "untrash": "Put back from trash", "purge": "Deleted for good",
    "profile_add": "Connection added", "profile_update": "Connection changed",
    "profile_remove": "Connection removed", "sync": "Sync", "test_restore": "Test restore",
    "cleanup": "Leftovers removed", "key_new": "New backup key", "key_export": "Backup key exported",
    "key_import": "Backup key restored", "schedule_add": "Schedule added", "schedule_remove": "Schedule removed",
    "schedule_run": "Scheduled run", "retention": "Old backups tidied", "alert": "Alert sent",
    "settings": "Settings changed", "refresh": "Development refreshed", "mask_policy": "Masking rules changed",
    "label": "Note changed",
}
RESULT_WORDS = {"ok": "Done", "failed": "Failed", "cancelled": "Cancelled"}
ALL = "All"


class ActivityDialog(QDialog):
    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.log = audit_log_of(ws)
        self.setWindowTitle("Activity")
        self.setObjectName("activityDialog")
        self.resize(1040, 460)
        self.records: list[AuditRecord] = []
        self.shown: list[AuditRecord] = []
        layout = QVBoxLayout(self)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("auditState")
        self.state_label.setWordWrap(True)
        layout.addWidget(self.state_label)
        layout.addLayout(self._build_filters())
        self.table = self._build_table()
        layout.addWidget(self.table)
        layout.addLayout(self._build_buttons())
        self.refresh()

    def _combo(self, name: str, accessible: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        for text, value in [(ALL, "")] + items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._apply_filters)
        return combo

    def _build_filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.action_filter = self._combo("actionFilter", "Show what", [(ACTION_WORDS[a], a) for a in ACTIONS])
        self.profile_filter = self._combo("profileFilter", "Show connection", [])
        self.result_filter = self._combo("resultFilter", "Show result", [(RESULT_WORDS[r], r) for r in RESULTS])
        for text, combo in (("What:", self.action_filter), ("Connection:", self.profile_filter),
                            ("Result:", self.result_filter)):
            label = QLabel(text, self)
            label.setBuddy(combo)
            row.addWidget(label)
            row.addWidget(combo)
        row.addStretch(1)
        return row

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setObjectName("activityTable")
        table.setAccessibleName("Activity records")
        table.setHorizontalHeaderLabels(COLUMNS)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.export_button = QPushButton("Export as CSV…", self)
        self.export_button.setObjectName("exportCsvButton")
        self.export_button.setAccessibleName("Export as CSV")
        self.export_button.clicked.connect(self._choose_csv_file)
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.accept)
        row.addWidget(self.export_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        return row

    def refresh(self) -> None:
        self.records = self.log.records()
        self._show_check(self.log.verify())
        current = self.profile_filter.currentData()
        self.profile_filter.blockSignals(True)
        self.profile_filter.clear()
        self.profile_filter.addItem(ALL, "")
        for name in sorted({r.profile for r in self.records if r.profile}, key=str.casefold):
            self.profile_filter.addItem(name, name)
        self.profile_filter.setCurrentIndex(max(0, self.profile_filter.findData(current)))
        self.profile_filter.blockSignals(False)
        self._apply_filters()

    def _show_check(self, check: AuditCheck) -> None:
        if check.intact:
            text = f"✔ Intact: none of the {check.records} records was changed, removed or added since it was written."
            colour = palette.SUCCESS
        else:
            text = (f"✖ Changed: the activity log was altered at line {check.bad_line}. {check.problem} "
                    "Someone or something edited the file; the records from there on cannot be trusted.")
            colour = palette.DANGER
        self.state_label.setText(text)
        self.state_label.setAccessibleName(text)
        self.state_label.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def _apply_filters(self) -> None:
        self.shown = list(reversed(filter_records(
            self.records, action=self.action_filter.currentData(), profile=self.profile_filter.currentData(),
            result=self.result_filter.currentData())))  # newest first
        self.table.setRowCount(len(self.shown))
        for row, record in enumerate(self.shown):
            cells = (local_datetime(record.time), record.who, ACTION_WORDS.get(record.action, record.action),
                     record.profile, record.database, record.backup_id, RESULT_WORDS.get(record.result, record.result),
                     f"{record.duration_s:.1f} s", record.message)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == len(cells) - 1:
                    item.setToolTip(text)
                self.table.setItem(row, column, item)

    def _choose_csv_file(self) -> None:
        name = choose_file_to_save(self, self.ws, "reports", "Export activity as CSV", "lifeboat-activity.csv",
                                   "CSV files (*.csv)")
        if name:
            self.export_csv(Path(name))

    def export_csv(self, path: Path) -> bool:
        """Writes the records shown (filters applied), oldest first."""
        try:
            with open(path, "w", encoding="utf-8", newline="") as out:
                write_csv(reversed(self.shown), out)
        except OSError as exc:
            error_box(self, "Could not export the activity", explain_write_error(exc, path)).open()
            return False
        return True
