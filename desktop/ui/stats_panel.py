"""Database now vs latest backup: row counts per table, side by side.

Counting reads every table, so it runs as a BackgroundJob. The window calls
show_profile whenever the selected connection (or its latest backup)
changes; a count that comes back for a connection no longer shown is
dropped. Failures are written inside the panel, not in a dialog: the panel
refreshes by itself and must not interrupt whatever the person is doing.
"""
import time
from typing import Optional

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.postgres.live_stats import current_row_counts
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import HINT_STYLE

TITLE = "Database now vs latest backup"
NO_PROFILE_TEXT = "Select a connection to compare its tables with its latest backup."
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
TABLE, NOW, BACKUP, DIFFERENCE = range(4)
COUNTING = "\u2026"
HEADERS = ("Table", "Rows now", "Rows in latest backup", "Difference")



class StatsPanel(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self._ws: Optional[Workspace] = None
        self._profile: Optional[Profile] = None
        self._latest: Optional[BackupRecord] = None
        self._job: Optional[BackgroundJob] = None  # the count whose result the panel will show
        self.setObjectName("statsPanel")
        self.setAccessibleName(TITLE)

        self.heading = QLabel(TITLE, self)
        self.heading.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.context = QLabel(NO_PROFILE_TEXT, self)
        self.context.setObjectName("statsContext")
        self.context.setWordWrap(True)
        self.context.setStyleSheet(HINT_STYLE)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("statsRefreshButton")
        self.refresh_button.setAccessibleName("Count the rows again")
        self.refresh_button.setToolTip("Count the rows in the database again")
        self.refresh_button.clicked.connect(self.refresh)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("statsBusy")
        self.busy.setRange(0, 0)  # no percentage: one query per table, of unknown length
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.message = QLabel(self)
        self.message.setObjectName("statsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rows = QStandardItemModel(0, len(HEADERS), self)
        self.rows.setHorizontalHeaderLabels(list(HEADERS))
        self.table = self._make_table()
        self.summary = QLabel(self)
        self.summary.setObjectName("statsSummary")
        self.summary.setWordWrap(True)
        self._lay_out()
        self._show_nothing()

    # --- what the window calls ------------------------------------------
    def show_profile(self, ws: Workspace, profile: Optional[Profile], latest: Optional[BackupRecord]) -> None:
        self._ws, self._profile, self._latest = ws, profile, latest
        if profile is None:
            self._job = None
            self._show_nothing()
            return
        self.context.setText(_context_text(profile, latest))
        self.refresh()

    @property
    def job(self) -> Optional[BackgroundJob]:
        """The count running (or last run) for the connection shown; tests wait on its signals."""
        return self._job

    def refresh(self) -> None:
        """Count the rows of the connection shown now, in the background."""
        if self._profile is None or self._ws is None:
            return
        ws, profile = self._ws, self._profile
        self._fill(None, counting=True)
        self._set_message(f"Counting the rows in {profile.dbname}\u2026", "info")
        self.busy.show()
        self.refresh_button.setEnabled(False)

        def count(report, cancel) -> dict[str, int]:
            return current_row_counts(profile, ws.profiles.password_for(profile))

        self._job = run_in_background(self, f"Counting rows in {profile.dbname}", count, success=self._counted,
                                      failure=self._count_failed, finished=self._count_ended)

    # --- results --------------------------------------------------------
    def _counted(self, counts: dict[str, int]) -> None:
        if self.sender() is not self._job:
            return  # a count for a connection no longer shown
        self._fill(counts)
        self._set_message("", None)
        self.summary.setText(_summary_text(counts, self._latest))

    def _count_failed(self, error: BaseException) -> None:
        if self.sender() is not self._job:
            return
        message, _ = error_text(error)
        self._fill(None)
        self._set_message(f"The rows could not be counted. {message}", "error")
        self.summary.setText("")

    def _count_ended(self) -> None:
        if self.sender() is self._job:
            self.busy.hide()
            self.refresh_button.setEnabled(True)

    # --- drawing --------------------------------------------------------
    def _show_nothing(self) -> None:
        self.context.setText(NO_PROFILE_TEXT)
        self.rows.removeRows(0, self.rows.rowCount())
        self._set_message("", None)
        self.summary.setText("")
        self.busy.hide()
        self.refresh_button.setEnabled(False)

    def _fill(self, now: Optional[dict[str, int]], counting: bool = False) -> None:
        """One row per table in the database or the backup."""
        backup = self._latest.row_counts if self._latest else {}
        self.rows.removeRows(0, self.rows.rowCount())
        for name in sorted(set(backup) | set(now or {})):
            self.rows.appendRow(_table_row(name, now, backup if self._latest else None, counting))

    def _set_message(self, text: str, kind: Optional[str]) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        styles = {
            "info": f"color: {palette.INFO_TEXT}; padding: 4px 0;",
            "error": (f"color: {palette.ERROR_TEXT}; background: {palette.ERROR_TINT};"
                      " padding: 8px; border-radius: 4px;"),
        }
        self.message.setStyleSheet(styles.get(kind, ""))

    def _make_table(self) -> QTableView:
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.rows)
        proxy.setSortRole(SORT_ROLE)
        table = QTableView(self)
        table.setObjectName("statsTable")
        table.setAccessibleName("Rows per table now and in the latest backup")
        table.setModel(proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(TABLE, Qt.SortOrder.AscendingOrder)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setStyleSheet("QTableView::item { padding: 0 6px; }")
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The names column takes the spare width, so each number stays next
        # to its table instead of drifting to the far edge.
        header.setSectionResizeMode(TABLE, QHeaderView.ResizeMode.Stretch)
        return table

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.heading)
        titles.addWidget(self.context)
        top.addLayout(titles, 1)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)


def _context_text(profile: Profile, latest: Optional[BackupRecord]) -> str:
    where = f"{profile.name} \u00b7 {profile.display_target()}"
    if latest is None:
        return f"{where}\nNo completed backup of this connection yet."
    return f"{where}\nCompared with the backup of {fmt.local_datetime(latest.started_at)}."


def _table_row(name: str, now: Optional[dict[str, int]], backup: Optional[dict[str, int]],
               counting: bool) -> list[QStandardItem]:
    """Table | rows now | rows in backup | difference.

    `now` is None while counting (shown as "…") or after a failed count ("—");
    `backup` is None when the connection has no backup yet.
    """
    unknown = COUNTING if counting else fmt.MISSING
    rows_now = None if now is None else now.get(name)
    rows_then = None if backup is None else backup.get(name)
    label = _cell(fmt.table_label(name), fmt.table_label(name).casefold())
    label.setToolTip(name)
    cells = [
        label,
        _count_cell(rows_now, unknown if now is None else "not in database"),
        _count_cell(rows_then, fmt.MISSING if backup is None else "not in backup"),
    ]
    if rows_now is not None and rows_then is not None:
        difference = rows_now - rows_then
        cells.append(_cell(fmt.difference_text(difference), difference, align_right=True,
                           colour=palette.CHANGED_TEXT if difference else None))
    elif now is not None and backup is not None:
        change = "new table" if rows_then is None else "table removed"
        cells.append(_cell(change, 0, align_right=True, colour=palette.CHANGED_TEXT))
    else:
        cells.append(_cell(unknown, 0, align_right=True))
    return cells


def _count_cell(count: Optional[int], missing: str) -> QStandardItem:
    if count is not None:
        return _cell(fmt.count_text(count), count, align_right=True)
    in_words = missing not in (COUNTING, fmt.MISSING)
    return _cell(missing, -1, align_right=True, colour=palette.MUTED, italic=in_words)


def _cell(text: str, sort_value, align_right: bool = False, colour: Optional[str] = None,
          italic: bool = False) -> QStandardItem:
    item = QStandardItem(text)
    item.setData(sort_value, SORT_ROLE)
    item.setEditable(False)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if colour:
        item.setForeground(QBrush(QColor(colour)))
    if italic:
        font = QFont()
        font.setItalic(True)
        item.setFont(font)
    return item


def _summary_text(now: dict[str, int], latest: Optional[BackupRecord]) -> str:
    counted = f"Counted at {time.strftime('%H:%M')}: {len(now):,} tables, {sum(now.values()):,} rows."
    if latest is None:
        return f"{counted} Make a backup to compare against."
    backup = latest.row_counts
    changed = sum(1 for name in set(now) | set(backup) if now.get(name) != backup.get(name))
    if not changed:
        return f"{counted} The same as the latest backup."
    return f"{counted} {changed} table{'s' if changed != 1 else ''} changed since the latest backup."

