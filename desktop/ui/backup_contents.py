"""What is inside a backup, without restoring it: a tree of its contents, the
first rows of the table picked in it, and Export… for that table.

Every read runs in the background (ui/jobs.py) and the core does the work
(core/inspect): the contents are read once, when the panel is first shown,
and kept, so a preview reads only the table's data.
"""
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.inspect.contents import Contents, read_contents
from desktop.core.inspect.export_table import export_table
from desktop.core.inspect.preview import BY_KEY, Preview, preview_table
from desktop.core.store.catalog import BackupRecord
from desktop.core.units import human_size
from desktop.core.workspace import Workspace
from desktop.ui import formatting as fmt
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.preview_model import PreviewModel
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, named, wrapped_label

TABLE_KEY = Qt.ItemDataRole.UserRole
_GROUPS = (("views", "Views"), ("materialized_views", "Materialized views"), ("functions", "Functions"),
           ("sequences", "Sequences"), ("extensions", "Extensions"))
_ONE = {"views": "view", "materialized_views": "materialized view", "functions": "function",
        "sequences": "sequence", "extensions": "extension"}
_EXPORT_FILTERS = {"CSV, for spreadsheets (*.csv)": "csv", "JSON (*.json)": "json", "JSON Lines (*.jsonl)": "jsonl"}


class BackupContentsPanel(QWidget):
    def __init__(self, ws: Workspace, record: BackupRecord, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws, self.record = ws, record
        self.contents: Optional[Contents] = None
        self.preview: Optional[Preview] = None
        self._preview_job: Optional[BackgroundJob] = None
        self.filter = named(QLineEdit(self), "contentsFilter", "Find a table in this backup")
        self.filter.setPlaceholderText("Find a table\u2026")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = self._make_tree()
        self.status = wrapped_label("", self, "contentsStatus", HINT_STYLE)
        self.preview_title = wrapped_label("Pick a table to see its first rows.", self, "previewTitle", HINT_STYLE)
        self.model = PreviewModel(self)
        self.table = self._make_table()
        self.export_button = named(QPushButton("Export\u2026", self), "exportTableButton",
                                   "Export the previewed table to a file")
        self.export_button.setEnabled(False)
        self.export_button.setToolTip("Write the whole table as CSV, JSON or JSON Lines")
        self.export_button.clicked.connect(self.export_current)
        self._lay_out()

    # --- parts ----------------------------------------------------------
    def _make_tree(self) -> QTreeWidget:
        tree = named(QTreeWidget(self), "contentsTree", "Contents of the backup")
        tree.setHeaderLabels(["Name", "Type", "Rows", "Data"])
        tree.setAlternatingRowColors(True)
        # Names as wide as they are (a horizontal scroll bar past that): a cut name is no name.
        for column in (0, 1, 2, 3):
            tree.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setStretchLastSection(False)
        tree.setMinimumWidth(330)
        tree.currentItemChanged.connect(self._on_current)
        return tree

    def _make_table(self) -> QTableView:
        table = named(QTableView(self), "previewTable", "First rows of the table")
        table.setModel(self.model)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setDefaultSectionSize(120)
        table.verticalHeader().setDefaultSectionSize(22)
        return table

    def _lay_out(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.status)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(self.preview_title, 1)
        title_row.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        right_layout.addLayout(title_row)
        right_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # --- contents ---------------------------------------------------------
    def load(self) -> None:
        """Reads the contents once (the first time the panel is shown)."""
        if self.contents is not None or self.status.text().startswith("Reading"):
            return
        self.status.setText("Reading the backup's table of contents\u2026")
        record = self.record
        run_in_background(self, "Reading the backup's contents",
                          lambda report, cancel: read_contents(self.ws, record.id, cancel),
                          success=self.show_contents, failure=self._failed)

    def show_contents(self, contents: Contents) -> None:
        self.contents = contents
        self.tree.clear()
        schemas = {}
        for name in contents.schemas:
            schemas[name] = QTreeWidgetItem(self.tree, [name, "schema", "", ""])
        for shape in contents.tables:
            parent = schemas.get(shape.schema) or QTreeWidgetItem(self.tree, [shape.schema, "schema", "", ""])
            item = QTreeWidgetItem(parent, [shape.name, shape.kind, fmt.count_text(shape.rows),
                                            "" if shape.data_bytes is None else human_size(shape.data_bytes)])
            item.setData(0, TABLE_KEY, shape.key)
            item.setToolTip(0, shape.key)
            for number in (2, 3):
                item.setTextAlignment(number, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column in shape.columns:
                key = ", primary key" if column.name in shape.primary_key else ""
                QTreeWidgetItem(item, [column.name, column.type + key, "", ""])
        for item in schemas.values():
            item.setExpanded(True)
        self._add_groups(contents)
        self.status.setStyleSheet(HINT_STYLE)
        self.status.setText(_summary(contents))

    def _add_groups(self, contents: Contents) -> None:
        for group, title in _GROUPS:
            objects = contents.objects(group)
            if objects:
                top = QTreeWidgetItem(self.tree, [title, "", str(len(objects)), ""])
                for entry in objects:
                    QTreeWidgetItem(top, [f"{entry.schema}.{entry.name}" if entry.schema else entry.name, "", "", ""])
        if contents.large_objects:
            QTreeWidgetItem(self.tree, ["Large objects", "", fmt.count_text(contents.large_objects), ""])

    def _apply_filter(self, text: str) -> None:
        wanted = text.casefold().strip()
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            shown = 0
            for child in range(top.childCount()):
                item = top.child(child)
                hidden = bool(wanted) and wanted not in item.text(0).casefold()
                item.setHidden(hidden)
                shown += not hidden
            top.setHidden(bool(wanted) and shown == 0)

    def _failed(self, error: BaseException) -> None:
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(str(error))

    # --- preview ----------------------------------------------------------
    def _on_current(self, item: Optional[QTreeWidgetItem], _previous=None) -> None:
        key = item.data(0, TABLE_KEY) if item is not None else None
        if key and self.contents is not None:
            self.show_table(key)

    def show_table(self, key: str) -> None:
        if self._preview_job is not None and self._preview_job.running:
            self._preview_job.cancel()
        self.export_button.setEnabled(False)
        self.preview_title.setText(f"Reading the first rows of {key}\u2026")
        contents, record = self.contents, self.record
        self._preview_job = run_in_background(
            self, "Previewing a table",
            lambda report, cancel: preview_table(self.ws, record.id, key, contents=contents, cancel=cancel),
            success=self._show_preview, failure=lambda error: self.preview_title.setText(str(error)))

    def _show_preview(self, preview: Preview) -> None:
        self.preview = preview
        self.model.set_preview(preview)
        self.table.resizeColumnsToContents()
        self.export_button.setEnabled(True)
        self.preview_title.setText(preview_words(preview))

    # --- export -----------------------------------------------------------
    def ask_export_path(self, suggested: Path) -> tuple[Optional[Path], str]:
        """(file, format) the user chose, or (None, "") when cancelled."""
        path, chosen = QFileDialog.getSaveFileName(self, "Export the table", str(suggested),
                                                   ";;".join(_EXPORT_FILTERS))
        return (Path(path), _EXPORT_FILTERS.get(chosen, "csv")) if path else (None, "")

    def export_current(self) -> Optional[BackgroundJob]:
        if self.preview is None:
            return None
        key = self.preview.table
        file_name = key.replace('"', "").replace(".", "_")
        suggested = Path.home() / f"{file_name}.csv"
        out, chosen = self.ask_export_path(suggested)
        if out is None:
            return None
        self.status.setText(f"Exporting {key}\u2026")
        contents, record = self.contents, self.record
        return run_in_background(
            self, "Exporting a table",
            lambda report, cancel: export_table(self.ws, record.id, key, chosen, out, report, cancel, contents),
            success=lambda result: self.status.setText(
                f"Exported {result.rows:,} rows of {result.table} to {result.path}."),
            failure=self._failed)


def preview_words(preview: Preview) -> str:
    order = ("by primary key" if preview.order == BY_KEY
             else "in the order the backup holds them (the table has no primary key Lifeboat can sort by)")
    count = len(preview.rows)
    more = " The table has more rows; Export\u2026 writes them all." if preview.more else ""
    return f"{preview.table}: the first {count:,} rows {order}.{more} NULL is shown in grey italics."


def _summary(contents: Contents) -> str:
    parts = [f"{_count(len(contents.tables), 'table')} in {_count(len(contents.schemas), 'schema')}"]
    for group, title in _GROUPS:
        if contents.objects(group):
            parts.append(_count(len(contents.objects(group)), _ONE[group], title.lower()))
    if contents.large_objects:
        parts.append(_count(contents.large_objects, "large object"))
    return ", ".join(parts) + "."


def _count(number: int, one: str, many: str = "") -> str:
    return f"{number:,} {one if number == 1 else many or one + 's'}"
