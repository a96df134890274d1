"""The backup list in the middle of the main window: search, filters, the table.

The view shows the catalog the window hands it (set_catalog), loading rows
as they scroll into view, and reads it again when the window says it changed
(refresh). It tells the window which backup is selected (and when that
backup's row changes, e.g. a running job finishing) and which one the user
opened with a double-click or Enter.
"""
from typing import Optional

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.store.catalog import BackupRecord, Catalog
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.badges import BadgeDelegate
from desktop.ui.catalog_model import (
    SAFETY_COPIES,
    WITHOUT_UNFINISHED,
    CatalogModel,
    status_icon,
)
from desktop.ui.widgets import named, with_clear_button

EMPTY_TEXT = "No backups yet. Select a connection and press Back up now."
NO_MATCH_TEXT = (
    "No backup matches what you searched for. Clear the search, or choose "
    "\u201cAll connections\u201d and \u201cAll statuses\u201d."
)
PROVEN_LEGEND = "Proven: a test restore brought the backup back in full on that day"
ALL_CONNECTIONS = "All connections"
ALL_STATUSES = "All statuses"
# The catalog's statuses in the order people think of them: what worked, what runs, what did not.
STATUSES_IN_MENU = ("completed", "in_progress", "failed", "cancelled")


class CatalogView(QWidget):
    selection_changed = Signal(object)  # BackupRecord | None; also when the selected row's record changes
    activated = Signal(object)  # BackupRecord, on double-click or Enter
    clear_unfinished_requested = Signal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.model = CatalogModel(self)
        self._announced: Optional[BackupRecord] = None
        self._kept: Optional[str] = None  # the selected backup's id while the model reloads its rows

        self.search = named(QLineEdit(self), "catalogSearch", "Search backups")
        self.search.setPlaceholderText("Search by date, connection, table or note\u2026")
        with_clear_button(self.search)
        self.search.setMinimumWidth(240)
        self.profile_filter = named(QComboBox(self), "catalogProfileFilter", "Show backups of connection")
        self.profile_filter.addItem(ALL_CONNECTIONS, None)
        self.profile_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status_filter = named(QComboBox(self), "catalogStatusFilter", "Show backups with status")
        self.status_filter.addItem(ALL_STATUSES, None)
        self.status_filter.addItem("Without failed and cancelled", WITHOUT_UNFINISHED)
        self.status_filter.addItem("Safety copies before restores", SAFETY_COPIES)
        for status in STATUSES_IN_MENU:
            self.status_filter.addItem(status_icon(status), fmt.status_text(status), status)
        self.clear_unfinished = named(QPushButton(self), "clearUnfinishedButton",
                                      "Clear failed and cancelled backups")
        self.clear_unfinished.setToolTip("Move every failed and cancelled entry to the trash: none holds a backup")
        self.clear_unfinished.clicked.connect(self.clear_unfinished_requested)
        self.summary = QLabel(self)
        self.summary.setObjectName("catalogSummary")
        self.summary.setContentsMargins(4, 2, 4, 0)
        self.table = self._make_table()
        self.empty_state = QLabel(EMPTY_TEXT, self)
        self.empty_state.setObjectName("catalogEmptyState")
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_state.setWordWrap(True)
        self.empty_state.setStyleSheet(f"color: {palette.MUTED}; font-size: 11pt; padding: 24px;")
        # Framed on the table's white so the empty list still reads as the list.
        self.empty_state.setFrameShape(QFrame.Shape.StyledPanel)
        self.empty_state.setBackgroundRole(QPalette.ColorRole.Base)
        self.empty_state.setAutoFillBackground(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_state)
        self._lay_out()
        self._connect()
        self._refresh_state()

    # --- what the window calls ------------------------------------------
    def set_catalog(self, catalog: Catalog) -> None:
        self.model.set_catalog(catalog)

    def refresh(self) -> bool:
        """Read the catalog again; True when a row changed, came or went. The selected backup stays selected."""
        return self.model.refresh()

    def upsert(self, record: BackupRecord) -> None:
        self.model.upsert(record)

    def set_profiles(self, names: list[str]) -> None:
        """The connection filter's choices; the current choice stays if that connection still exists."""
        current = self.profile_filter.currentData()
        self.profile_filter.blockSignals(True)
        self.profile_filter.clear()
        self.profile_filter.addItem(ALL_CONNECTIONS, None)
        for name in names:
            self.profile_filter.addItem(name, name)
        position = self.profile_filter.findData(current) if current is not None else 0
        self.profile_filter.setCurrentIndex(max(position, 0))
        self.profile_filter.blockSignals(False)
        self.model.set_profile(self.profile_filter.currentData())

    def selected_record(self) -> Optional[BackupRecord]:
        """The current backup when one is selected; with several selected, the one the cursor is on."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        current = self.table.currentIndex()
        chosen = next((row for row in rows if current.isValid() and row.row() == current.row()), rows[0])
        return chosen.data(CatalogModel.RecordRole)

    def selected_records(self) -> list[BackupRecord]:
        return [index.data(CatalogModel.RecordRole) for index in self.table.selectionModel().selectedRows()]

    def select(self, backup_id: str, load: bool = True) -> bool:
        """Select and show that backup, loading rows until it comes (unless not `load`);
        False when it is unknown or hidden by the filters."""
        return select_backup(self.table, backup_id, load)

    # --- building -------------------------------------------------------
    def _make_table(self) -> QTableView:
        table = named(QTableView(self), "catalogTable", "Backups")
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.sortByColumn(CatalogModel.DATE, Qt.SortOrder.DescendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several at once for Export to drive; the other actions take the current one.
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a path's file name stays visible
        table.setShowGrid(False)
        table.setStyleSheet("QTableView::item { padding: 0 6px; }")  # room between number and text columns
        table.verticalHeader().hide()
        table.setItemDelegateForColumn(CatalogModel.ENVIRONMENT, BadgeDelegate(CatalogModel.EnvironmentRole, table))
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Widths from the rows on screen, not from every row loaded: a page is 200 rows.
        header.setResizeContentsPrecision(0)
        header.setSectionResizeMode(CatalogModel.LOCATION, QHeaderView.ResizeMode.Stretch)
        return table

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.profile_filter)
        filters.addWidget(self.status_filter)
        filters.addWidget(self.clear_unfinished)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.summary)

    def _connect(self) -> None:
        self.search.textChanged.connect(self.model.set_search)
        self.profile_filter.currentIndexChanged.connect(
            lambda: self.model.set_profile(self.profile_filter.currentData()))
        self.status_filter.currentIndexChanged.connect(
            lambda: self.model.set_status(self.status_filter.currentData()))
        self.table.doubleClicked.connect(self._activate)
        # Enter opens the backup too. A shortcut rather than QAbstractItemView.activated,
        # which some platforms also emit on a single click.
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda: self._activate(self.table.currentIndex()))
        self.table.selectionModel().selectionChanged.connect(self._announce_selection)
        self.model.dataChanged.connect(self._announce_selection)
        self.model.modelAboutToBeReset.connect(self._keep_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.model.modelReset.connect(self._refresh_state)
        self.model.rowsInserted.connect(self._refresh_state)
        self.model.query_changed.connect(self._to_top_unless_selected)

    # --- reacting -------------------------------------------------------
    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            self.activated.emit(index.data(CatalogModel.RecordRole))

    def _keep_selection(self) -> None:
        selected = self.selected_record()
        self._kept = selected.id if selected else None

    def _restore_selection(self) -> None:
        """After a new search, filter, sort or refresh: the same backup, if it is among the rows loaded."""
        kept, self._kept = self._kept, None
        if kept is not None:
            self.select(kept, load=False)
        self._announce_selection()

    def _to_top_unless_selected(self) -> None:
        """A new search shows its first rows, unless the chosen backup is among them: else the
        view would stay as far down as it was, reading page after page to get there."""
        if self.selected_record() is None:
            self.table.scrollToTop()

    def _announce_selection(self) -> None:
        if self._kept is not None:
            return
        record = self.selected_record()
        if record != self._announced:
            self._announced = record
            self.selection_changed.emit(record)

    def _refresh_state(self) -> None:
        unfinished = self.model.unfinished
        self.clear_unfinished.setText(f"Clear failed and cancelled ({unfinished:,})\u2026")
        self.clear_unfinished.setVisible(unfinished > 0)
        total, shown = self.model.total, self.model.matched
        if shown:
            self.stack.setCurrentWidget(self.table)
        else:
            self.empty_state.setText(EMPTY_TEXT if total == 0 else NO_MATCH_TEXT)
            self.stack.setCurrentWidget(self.empty_state)
        self.summary.setVisible(total > 0)
        if total == shown:
            counted = f"{total:,} backup{'s' if total != 1 else ''}"
        else:
            counted = f"Showing {shown:,} of {total:,} backups"
        self.summary.setText(f"{counted}  \u00b7  {PROVEN_LEGEND}")


def select_backup(view: QAbstractItemView, backup_id: str, load: bool = True) -> bool:
    """Select and show that backup's row in a view of a PagedCatalogModel, loading rows until it comes
    (unless not `load`); False when it is unknown or hidden by the model's search and filters."""
    model = view.model()
    row = model.load_until(backup_id) if load else model.row_of(backup_id)
    if row is None:
        return False
    index = model.index(row, 0)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    view.selectionModel().setCurrentIndex(index, flags)
    view.scrollTo(index)
    return True
