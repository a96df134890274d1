"""The backup catalog as a Qt table model, and the proxy that searches and filters it.

After Vorta's archive_table_model (DESIGN.md): named column constants, a
SortRole with native values so the proxy sorts sizes and row counts as
numbers, and a RecordRole handing views the BackupRecord so they never query
the catalog themselves. The model holds records the window gives it;
`upsert` lets a running job's status change show at once.
"""
from typing import Any, Optional

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

from desktop.core.store.catalog import BackupRecord
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.badges import ENVIRONMENTS, badge_colour

_Index = QModelIndex | QPersistentModelIndex

_HEADERS = ("Date", "Connection", "Environment", "Status", "Size", "Tables", "Rows", "Checksum", "Proven", "Location")
_HEADER_TIPS = (
    "When the backup started, in this computer's time zone",
    "The connection (profile) the backup was made from",
    "Production or development",
    "Whether the backup finished",
    "Size of the encrypted backup file",
    "Number of tables in the backup",
    "Total number of rows in all tables, counted when the backup was made",
    "Start of the file's SHA-256 fingerprint",
    "Last proven restorable by a test restore",
    "Folder holding the backup file",
)


class CatalogModel(QAbstractTableModel):
    DATE, PROFILE, ENVIRONMENT, STATUS, SIZE, TABLES, ROWS, CHECKSUM, PROVEN, LOCATION = range(10)
    SortRole = Qt.ItemDataRole.UserRole + 1
    RecordRole = Qt.ItemDataRole.UserRole + 2
    EnvironmentRole = Qt.ItemDataRole.UserRole + 3  # "production" / "development", for the badge

    _NUMERIC = (SIZE, TABLES, ROWS)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._records: list[BackupRecord] = []

    # --- changing the rows ----------------------------------------------
    def set_records(self, records: list[BackupRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def upsert(self, record: BackupRecord) -> None:
        """Replace the row with this record's id in place, or add it as the newest row."""
        row = self.row_of(record.id)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._records.insert(0, record)
            self.endInsertRows()
            return
        self._records[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def remove(self, backup_id: str) -> None:
        row = self.row_of(backup_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._records[row]
        self.endRemoveRows()

    def record_at(self, row: int) -> BackupRecord:
        return self._records[row]

    def row_of(self, backup_id: str) -> Optional[int]:
        for row, record in enumerate(self._records):
            if record.id == backup_id:
                return row
        return None

    # --- QAbstractTableModel --------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self._NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(record, column)
        if role == self.SortRole:
            return _sort_value(record, column)
        if role == self.RecordRole:
            return record
        if role == self.EnvironmentRole:
            return record.environment
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(record, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column in self._NUMERIC else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return _style(record, column, role)


def _display(record: BackupRecord, column: int) -> str:
    finished = record.status == "completed"
    if column == CatalogModel.DATE:
        return fmt.local_datetime(record.started_at)
    if column == CatalogModel.PROFILE:
        return record.profile
    if column == CatalogModel.ENVIRONMENT:
        return fmt.environment_text(record.environment)
    if column == CatalogModel.STATUS:
        return fmt.status_text(record.status)
    if column == CatalogModel.SIZE:
        return fmt.human_size(record.size_bytes) if record.size_bytes is not None else fmt.MISSING
    # Counts exist only once a backup completed; before that they would read "0".
    if column == CatalogModel.TABLES:
        return fmt.count_text(len(record.row_counts)) if finished else fmt.MISSING
    if column == CatalogModel.ROWS:
        return fmt.count_text(record.total_rows) if finished else fmt.MISSING
    if column == CatalogModel.CHECKSUM:
        return fmt.short_checksum(record.sha256)
    if column == CatalogModel.PROVEN:
        return fmt.local_date(record.proven_restorable_at)
    return fmt.folder_of(record.path)


def _sort_value(record: BackupRecord, column: int) -> Any:
    """Native values: ISO dates sort as text, sizes and counts as numbers (-1 when unknown)."""
    if column == CatalogModel.DATE:
        return record.started_at
    if column == CatalogModel.SIZE:
        return record.size_bytes if record.size_bytes is not None else -1
    if column == CatalogModel.TABLES:
        return len(record.row_counts) if record.status == "completed" else -1
    if column == CatalogModel.ROWS:
        return record.total_rows if record.status == "completed" else -1
    if column == CatalogModel.CHECKSUM:
        return record.sha256 or ""
    if column == CatalogModel.PROVEN:
        return record.proven_restorable_at or ""
    if column == CatalogModel.LOCATION:
        return record.path or ""
    return _display(record, column).casefold()


def _tooltip(record: BackupRecord, column: int) -> Optional[str]:
    if column == CatalogModel.DATE:
        finished = fmt.full_datetime(record.finished_at) if record.finished_at else "not finished"
        return f"Started {fmt.full_datetime(record.started_at)}\nFinished {finished}"
    if column == CatalogModel.PROFILE:
        host = f"{record.host}:{record.port}" if record.host else "unknown server"
        return f"Database {record.database} on {host}"
    if column == CatalogModel.STATUS:
        return record.error or fmt.status_text(record.status)
    if column == CatalogModel.SIZE and record.size_bytes is not None:
        return f"{record.size_bytes:,} bytes"
    if column == CatalogModel.CHECKSUM and record.sha256:
        return f"SHA-256: {record.sha256}"
    if column == CatalogModel.PROVEN:
        proven = fmt.full_datetime(record.proven_restorable_at) if record.proven_restorable_at else "never"
        return f"Last proven restorable by a test restore: {proven}"
    if column == CatalogModel.LOCATION and record.path:
        return record.path
    return None


def _style(record: BackupRecord, column: int, role: int) -> Any:
    if column == CatalogModel.ENVIRONMENT and record.environment in ENVIRONMENTS:
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(palette.ON_COLOUR))
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(badge_colour(record.environment)))
        if role == Qt.ItemDataRole.FontRole and record.environment == "production":
            return _bold_font()
    if column == CatalogModel.STATUS:
        if role == Qt.ItemDataRole.DecorationRole:
            return status_icon(record.status)
        if role == Qt.ItemDataRole.ForegroundRole and record.status in fmt.STATUS_COLOURS:
            return QBrush(QColor(fmt.STATUS_COLOURS[record.status]))
    return None


def _bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


_icons: dict[str, QIcon] = {}


def status_icon(status: str) -> QIcon:
    """A coloured disc with a white mark: tick, clock hands, exclamation mark or dash.

    Drawn rather than shipped so it needs no resource files; the status is
    always written next to it, so the colour is never the only signal.
    """
    if status not in _icons:
        _icons[status] = QIcon(_status_pixmap(status))
    return _icons[status]


def _status_pixmap(status: str, size: int = 32) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(fmt.STATUS_COLOURS.get(status, palette.MUTED)))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    pen = QPen(QColor(palette.ON_COLOUR), size / 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = size / 32
    if status == "completed":
        path = QPainterPath(QPointF(9 * s, 16.5 * s))
        path.lineTo(14 * s, 21.5 * s)
        path.lineTo(23 * s, 11 * s)
        painter.drawPath(path)
    elif status == "in_progress":
        painter.drawLine(QPointF(16 * s, 16 * s), QPointF(16 * s, 8.5 * s))
        painter.drawLine(QPointF(16 * s, 16 * s), QPointF(21.5 * s, 19 * s))
    elif status == "failed":
        painter.drawLine(QPointF(16 * s, 8.5 * s), QPointF(16 * s, 18 * s))
        painter.drawPoint(QPointF(16 * s, 23.5 * s))
    else:
        painter.drawLine(QPointF(10 * s, 16 * s), QPointF(22 * s, 16 * s))
    painter.end()
    return pixmap


class CatalogFilter(QSortFilterProxyModel):
    """Sorts by CatalogModel.SortRole; shows rows matching the search, connection and status."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._terms: list[str] = []
        self._profile: Optional[str] = None
        self._status: Optional[str] = None
        self.setSortRole(CatalogModel.SortRole)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # Re-sort and re-filter when a running job updates its row.
        self.setDynamicSortFilter(True)

    def set_search(self, text: str) -> None:
        """Every word typed must appear in the connection, database, id, status or file path."""
        self._change_filter("_terms", text.casefold().split())

    def set_profile(self, name: Optional[str]) -> None:
        self._change_filter("_profile", name or None)

    def set_status(self, status: Optional[str]) -> None:
        self._change_filter("_status", status or None)

    def _change_filter(self, attribute: str, value) -> None:
        if getattr(self, attribute) == value:
            return
        self.beginFilterChange()
        setattr(self, attribute, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        record: BackupRecord = model.data(model.index(source_row, 0, source_parent), CatalogModel.RecordRole)
        if self._profile is not None and record.profile != self._profile:
            return False
        if self._status is not None and record.status != self._status:
            return False
        if not self._terms:
            return True
        haystack = " ".join(
            (record.profile, record.database, record.id, record.status,
             fmt.status_text(record.status), record.path or "")
        ).casefold()
        return all(term in haystack for term in self._terms)
