"""The backups the restore wizard offers: completed ones whose file the catalog knows, newest first.

The main window's paged model with the wizard's own columns: a catalog may
hold a year of hourly backups, and the wizard reads them a page at a time too.
"""
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from desktop.core.store.catalog import BackupRecord
from desktop.core.store.catalog_query import CatalogQuery
from desktop.ui import formatting as fmt
from desktop.ui.badges import Index, badge_accessible_name
from desktop.ui.catalog_model import PagedCatalogModel

RESTORABLE = CatalogQuery(statuses=("completed",), with_file=True)
_HEADERS = ("Made on", "Database", "Connection", "Environment", "Tables", "Rows", "Size")
_CELLS: tuple[Callable[[BackupRecord], str], ...] = (
    lambda record: fmt.local_datetime(record.started_at),
    lambda record: record.database + (" (safety backup)" if record.kind == "safety" else ""),
    lambda record: record.profile,
    lambda record: fmt.environment_text(record.environment),
    lambda record: fmt.count_text(len(record.row_counts)),
    lambda record: fmt.count_text(record.total_rows),
    lambda record: fmt.human_size(record.size_bytes),
)


class RestorableBackupsModel(PagedCatalogModel):
    MADE_ON, DATABASE, PROFILE, ENVIRONMENT, TABLES, ROWS, SIZE = range(len(_HEADERS))
    _NUMERIC = (TABLES, ROWS, SIZE)

    def __init__(self, parent=None):
        super().__init__(parent, RESTORABLE)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def cell(self, record: BackupRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _CELLS[column](record)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == self.ENVIRONMENT:
            return badge_accessible_name(record.environment)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.MADE_ON:
            return fmt.full_datetime(record.started_at)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.DATABASE:
            return record.path
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self._NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

