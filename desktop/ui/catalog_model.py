"""The backup catalog as Qt models that load their rows as they scroll into view.

After Vorta's archive_table_model (DESIGN.md): named column constants and a
RecordRole handing views the BackupRecord so they never query the catalog
themselves. A catalog may hold a year of hourly backups, so a model holds
a page of rows at first and fetches the next page when the view scrolls near
the end (canFetchMore/fetchMore); its search, filters and sort are a
CatalogQuery the catalog runs in SQLite over every row. `refresh` and
`upsert` let a running job's status change show at once.

PagedCatalogModel does that for every list of backups; CatalogModel gives
the main window's columns, BackupChoicesModel a drop-down list's choices and
restore/backup_list.py the restore wizard's list.
"""
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

from desktop.core.store.backup_record import STATUSES
from desktop.core.store.catalog import BackupRecord, Catalog
from desktop.core.store.catalog_query import UNFINISHED, CatalogQuery
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.badges import ENVIRONMENTS, badge_colour

_Index = QModelIndex | QPersistentModelIndex

PAGE = 200  # rows read at a time: a screenful several times over
# The status filter's "everything but failed and cancelled".
WITHOUT_UNFINISHED = "without_unfinished"
SAFETY_COPIES = "safety_copies"  # and only the safety copies taken before restores

_HEADERS = ("Date", "Connection", "Environment", "Status", "Size", "Tables", "Rows", "Note", "Proven", "Location")
_HEADER_TIPS = (
    "When the backup started, in this computer's time zone",
    "The connection (profile) the backup was made from",
    "Production or development",
    "Whether the backup finished",
    "Size of the encrypted backup file",
    "Number of tables in the backup",
    "Total number of rows in all tables, counted when the backup was made",
    "Your note on the backup (Details… to change it); safety and scheduled backups say so",
    "When a test restore last brought this backup back in full: a backup you know you can restore",
    "Folder holding the backup file",
)


class PagedCatalogModel(QAbstractTableModel):
    """What every list of backups shares: the rows a CatalogQuery finds, a page at a time,
    each handing views its BackupRecord; a subclass gives the columns."""
    query_changed = Signal()  # a new search, filter or sort was read (not a refresh)

    RecordRole = Qt.ItemDataRole.UserRole + 2
    EnvironmentRole = Qt.ItemDataRole.UserRole + 3  # "production" / "development", for the badge

    def __init__(self, parent=None, query: CatalogQuery = CatalogQuery()):
        super().__init__(parent)
        self._catalog: Optional[Catalog] = None
        self._query = replace(query, words_shown=_words_shown)
        self._records: list[BackupRecord] = []
        self.matched = 0  # rows the search and filters let through, loaded or not
        self.total = 0  # backups in the catalog
        self.unfinished = 0  # of them failed or cancelled

    # --- what is shown ------------------------------------------------
    def set_catalog(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._load()

    @property
    def searching(self) -> bool:
        return bool(self._query.terms)

    def set_search(self, text: str) -> None:
        """Every word typed must appear in what the row shows (its date as shown, connection,
        database, status, note), its id or the name of one of its tables."""
        self._change(terms=tuple(text.casefold().split()))

    def set_profile(self, name: Optional[str]) -> None:
        self._change(profile=name or None)

    def set_status(self, choice: Optional[str]) -> None:
        """A status, WITHOUT_UNFINISHED, SAFETY_COPIES, or None for every backup."""
        if choice == WITHOUT_UNFINISHED:
            self._change(statuses=tuple(s for s in STATUSES if s not in UNFINISHED), kind=None)
        elif choice == SAFETY_COPIES:
            self._change(statuses=(), kind="safety")
        else:
            self._change(statuses=(choice,) if choice else (), kind=None)

    def refresh(self) -> bool:
        """Read again the rows loaded so far; True (and the view told) when anything changed."""
        if self._catalog is None:
            return False
        before = (self._records, self.matched, self.total, self.unfinished)
        records, tallies = self._read(max(len(self._records), PAGE))
        if (records, *tallies) == before:
            return False
        self._show(records, tallies)
        return True

    def upsert(self, record: BackupRecord) -> None:
        """Show this record's new state in its row (a note given): in place when loaded, else by a refresh."""
        row = self.row_of(record.id)
        if row is None:
            self.refresh()
            return
        self._records[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def record_at(self, row: int) -> BackupRecord:
        return self._records[row]

    def row_of(self, backup_id: str) -> Optional[int]:
        """The row of this backup among the rows loaded so far."""
        for row, record in enumerate(self._records):
            if record.id == backup_id:
                return row
        return None

    def load_until(self, backup_id: str) -> Optional[int]:
        """The row of this backup, loading the rows down to it (and a page more) in one read;
        None when the search and filters hide it."""
        row = self.row_of(backup_id)
        if row is None and self._catalog is not None:
            position = self._catalog.position(self._query, backup_id)
            if position is not None and position >= len(self._records):
                self._fetch(position - len(self._records) + PAGE)
                row = self.row_of(backup_id)
        return row

    def _change(self, **fields) -> None:
        query = replace(self._query, **fields)
        if query == self._query:
            return
        self._query = query
        if self._catalog is not None:
            self._load()
            self.query_changed.emit()

    def _load(self) -> None:
        """The first page of what the query finds."""
        self._show(*self._read(PAGE))

    def _read(self, count: int) -> tuple[list[BackupRecord], tuple[int, int, int]]:
        catalog = self._catalog
        records = catalog.select(self._query, 0, count)
        matched = len(records) if len(records) < count else catalog.count(self._query)
        return records, (matched, *catalog.tally())

    def _show(self, records: list[BackupRecord], tallies: tuple[int, int, int]) -> None:
        self.beginResetModel()
        self._records = records
        self.matched, self.total, self.unfinished = tallies
        self.endResetModel()

    def _fetch(self, count: int) -> None:
        """`count` more rows after those loaded."""
        if self._catalog is None:
            return
        more = self._catalog.select(self._query, len(self._records), count)
        if not more:  # the catalog shrank since it was counted
            self.matched = len(self._records)
            return
        first = len(self._records)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._records.extend(more)
        self.endInsertRows()

    # --- QAbstractTableModel --------------------------------------------
    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:
        return not parent.isValid() and len(self._records) < self.matched

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:
        """The next page, as the view scrolls near the end of the rows loaded."""
        if not parent.isValid():
            self._fetch(PAGE)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def record(self, index: _Index) -> Optional[BackupRecord]:
        """The backup of this index's row (None for an index of no row)."""
        return self._records[index.row()] if index.isValid() and 0 <= index.row() < len(self._records) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        record = self.record(index)
        if record is None:
            return None
        if role == self.RecordRole:
            return record
        if role == self.EnvironmentRole:
            return record.environment
        return self.cell(record, index.column(), role)

    def cell(self, record: BackupRecord, column: int, role: int) -> Any:
        """What this column shows of the backup in this role (a subclass gives its columns)."""
        raise NotImplementedError


class BackupChoicesModel(PagedCatalogModel):
    """Backups as the choices of a drop-down list (its data the backup's id), read as the list scrolls."""

    def __init__(self, parent, query: CatalogQuery, words: Callable[[BackupRecord], str]):
        super().__init__(parent, query)
        self._words = words

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 1

    def cell(self, record: BackupRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._words(record)
        if role == Qt.ItemDataRole.UserRole:
            return record.id
        return None


class CatalogModel(PagedCatalogModel):
    """The main window's list: every backup, with its status, note and proof."""
    DATE, PROFILE, ENVIRONMENT, STATUS, SIZE, TABLES, ROWS, NOTE, PROVEN, LOCATION = range(10)

    _NUMERIC = (SIZE, TABLES, ROWS)
    # Column -> CatalogQuery.order: sizes and counts sort as numbers, dates as ISO text.
    _ORDERS = ("started_at", "profile", "environment", "status", "size_bytes", "tables", "rows", "label",
               "proven_restorable_at", "path")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._change(order=self._ORDERS[column], descending=order == Qt.SortOrder.DescendingOrder)

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

    def cell(self, record: BackupRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(record, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column in self._NUMERIC else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return _style(record, column, role)


def _words_shown(started_at: str, status: str, kind: str, label: str) -> str:
    """What the search looks in besides the names: the date, status and note as the list shows them."""
    return f"{fmt.local_datetime(started_at)} {fmt.status_text(status)} {fmt.note_words(label, kind)}".casefold()


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
    if column == CatalogModel.NOTE:
        return fmt.note_text(record)
    if column == CatalogModel.PROVEN:
        return fmt.proven_text(record.proven_restorable_at)
    return fmt.folder_of(record.path)


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
    if column == CatalogModel.NOTE and record.kind != "manual":
        return fmt.kind_text(record.kind)
    if column == CatalogModel.PROVEN:
        if not record.proven_restorable_at:
            return "Not test-restored yet: Details… › Test restore… proves it can be brought back"
        return f"A test restore brought this backup back in full on {fmt.full_datetime(record.proven_restorable_at)}"
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

