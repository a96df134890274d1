"""The "Backup options" panel: everything "Back up now" can do besides its defaults.

Left column: file format, what to include, owners and permissions, parallel
jobs, destination folder. Right column: the database's live tables with
checkboxes; an unticked table becomes one exact --exclude-table pattern
(core/dump_patterns.py), so nobody types a pattern. Untouched, the panel
gives BackupOptions() and the app's backup folder: the one-click default.
"""
import os
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.format.manifest import BackupOptions
from desktop.core.postgres.live_stats import list_profile_tables
from desktop.core.postgres.patterns import table_pattern
from desktop.core.postgres.snapshot import Table
from desktop.core.store.profiles import Profile
from desktop.core.store.settings import default_backups_dir
from desktop.core.workspace import Workspace
from desktop.ui.error_dialog import error_text
from desktop.ui.formatting import human_size
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import named, with_clear_button

FORMAT_CHOICES = (  # (format, label, what it means)
    ("custom", "Custom — recommended",
     "One compressed file. A restore can take all of it or only some tables."),
    ("plain", "Plain SQL script",
     "A readable SQL script. A restore always puts back everything in it."),
    ("directory", "Directory (allows parallel jobs)",
     "One part per table, so several tables can be copied at once. Best for big databases."),
)
INCLUDE_CHOICES = (  # (key, label, tooltip)
    ("everything", "Everything", "Table definitions and all their rows"),
    ("structure", "Structure only", "Tables, views and functions, without any rows"),
    ("data", "Data only", "Only the rows, for a database that already has the tables"),
)
MAX_JOBS = 16
_TABLE_ROLE = Qt.ItemDataRole.UserRole

def _hint(text: str, object_name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def table_display_name(table: Table) -> str:
    # Most databases keep everything in "public", a word office staff need not see.
    return table.name if table.schema == "public" else f"{table.schema} › {table.name}"


class BackupOptionsPanel(QWidget):
    """tables_loaded(error) follows load_profile(): None once the list is shown,
    else the exception (the panel then says so and backs up all tables)."""

    tables_loaded = Signal(object)

    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("backupOptionsPanel")
        self.setAccessibleName("Backup options")
        self._ws = ws
        self._profile: Optional[Profile] = None
        self._load_job: Optional[BackgroundJob] = None
        layout = QHBoxLayout(self)
        layout.addWidget(self._build_settings_box(), 3)
        layout.addWidget(self._build_tables_box(), 2)
        self._on_format_changed()
        self._on_include_changed()
        self._show_table_status()

    # --- building -----------------------------------------------------------
    def _build_settings_box(self) -> QGroupBox:
        box = QGroupBox("How to back up")
        box.setObjectName("settingsBox")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setVerticalSpacing(10)

        self.format_combo = named(QComboBox(), "formatCombo", "Backup file format")
        for key, label, _ in FORMAT_CHOICES:
            self.format_combo.addItem(label, key)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.format_hint = _hint("", "formatHint")
        form.addRow("File format:", self._stacked(self.format_combo, self.format_hint))

        self.include_group = QButtonGroup(self)
        include_row = QHBoxLayout()
        self.include_buttons: dict[str, QRadioButton] = {}
        for key, label, tip in INCLUDE_CHOICES:
            button = named(QRadioButton(label), f"include-{key}", f"Include: {label}")
            button.setToolTip(tip)
            self.include_group.addButton(button)
            self.include_buttons[key] = button
            include_row.addWidget(button)
        include_row.addStretch(1)
        self.include_buttons["everything"].setChecked(True)
        self.include_group.buttonToggled.connect(self._on_include_changed)
        self.include_hint = _hint("", "includeHint")
        form.addRow("What to include:", self._stacked(include_row, self.include_hint))
        return self._add_copy_rows(box, form)

    def _add_copy_rows(self, box: QGroupBox, form: QFormLayout) -> QGroupBox:
        """Owners, parallel jobs and where to save; then the box gets its layout."""
        self.keep_owner_check = named(QCheckBox("Keep who owns each table"), "keepOwnerCheck",
                                       "Keep who owns each table")
        self.keep_acl_check = named(QCheckBox("Keep access permissions"), "keepAclCheck",
                                     "Keep access permissions")
        for check in (self.keep_owner_check, self.keep_acl_check):
            check.setChecked(True)
        owner_row = QHBoxLayout()
        owner_row.addWidget(self.keep_owner_check)
        owner_row.addWidget(self.keep_acl_check)
        owner_row.addStretch(1)
        form.addRow("Owners:", self._stacked(owner_row, _hint(
            "Untick both if you will restore on another server, where the same database "
            "users may not exist.", "ownerHint")))

        self.jobs_spin = named(QSpinBox(), "jobsSpin", "Parallel jobs")
        self.jobs_spin.setRange(1, MAX_JOBS)
        self.jobs_spin.setValue(min(4, os.cpu_count() or 1))
        self.jobs_spin.setSuffix(" at once")
        self.jobs_hint = _hint("", "jobsHint")
        jobs_row = QHBoxLayout()
        jobs_row.addWidget(self.jobs_spin)
        jobs_row.addSpacing(6)
        jobs_row.addWidget(self.jobs_hint, 1)
        form.addRow("Parallel jobs:", jobs_row)

        self.destination_edit = named(QLineEdit(str(self._default_folder())), "destinationEdit",
                                       "Folder to save the backup in")
        self.destination_edit.setPlaceholderText(str(self._default_folder()))
        with_clear_button(self.destination_edit)
        browse = named(QPushButton("Browse…"), "browseDestinationButton", "Choose the folder to save in")
        browse.clicked.connect(self._browse)
        destination_row = QHBoxLayout()
        destination_row.addWidget(self.destination_edit, 1)
        destination_row.addWidget(browse)
        form.addRow("Save in:", destination_row)

        column = QVBoxLayout(box)
        column.addLayout(form)
        column.addStretch(1)
        return box

    @staticmethod
    def _stacked(top, below: QLabel) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(2)
        if isinstance(top, QWidget):
            box.addWidget(top)
        else:
            box.addLayout(top)
        box.addWidget(below)
        return box

    def _build_tables_box(self) -> QGroupBox:
        self.tables_box = box = QGroupBox("Tables")
        box.setObjectName("tablesBox")
        self.all_tables_check = named(QCheckBox("All tables"), "allTablesCheck", "All tables")
        self.all_tables_check.setTristate(True)
        self.all_tables_check.setCheckState(Qt.CheckState.Checked)
        self.all_tables_check.clicked.connect(self._on_all_tables_clicked)
        self.table_filter = named(QLineEdit(), "tableFilter", "Find a table")
        self.table_filter.setPlaceholderText("Find a table…")
        with_clear_button(self.table_filter)
        self.table_filter.textChanged.connect(self._apply_filter)
        top = QHBoxLayout()
        top.addWidget(self.all_tables_check)
        top.addWidget(self.table_filter, 1)

        self.table_list = named(QTreeWidget(), "tableList", "Tables to back up")
        self.table_list.setColumnCount(2)
        self.table_list.setHeaderLabels(["Table", "Size"])
        self.table_list.setRootIsDecorated(False)
        self.table_list.setUniformRowHeights(True)
        self.table_list.setAlternatingRowColors(True)
        header = self.table_list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.table_list.headerItem().setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
        self.table_list.itemChanged.connect(self._on_item_changed)

        self.table_status = _hint("", "tableStatus")
        column = QVBoxLayout(box)
        column.addLayout(top)
        column.addWidget(self.table_list, 1)
        column.addWidget(self.table_status)
        return box

    # --- the live table list ---------------------------------------------------
    def load_profile(self, profile: Profile) -> None:
        """List the profile's tables in the background, all ticked."""
        self._forget_load_job()
        self._profile = profile
        self.tables_box.setTitle(f"Tables in {profile.dbname}")
        self.table_list.clear()
        self.table_list.setEnabled(False)
        self.all_tables_check.setCheckState(Qt.CheckState.Checked)
        self.table_status.setText(f"Reading the list of tables in {profile.dbname}…")
        ws = self._ws
        self._load_job = run_in_background(
            self, f"Tables of {profile.name}",
            lambda report, cancel: list_profile_tables(profile, ws.profiles.password_for(profile)),
            success=self._show_tables, failure=self._show_load_error,
        )

    def _forget_load_job(self) -> None:
        # A slower answer for the previous profile must not fill this one's list.
        if self._load_job is not None and self._load_job.running:
            self._load_job.succeeded.disconnect(self._show_tables)
            self._load_job.failed.disconnect(self._show_load_error)
        self._load_job = None

    def _show_tables(self, tables: list[Table]) -> None:
        self._load_job = None
        self.table_list.blockSignals(True)
        for table in tables:
            item = QTreeWidgetItem([table_display_name(table), human_size(table.size_bytes)])
            item.setData(0, _TABLE_ROLE, table)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
            item.setToolTip(0, f"{table.schema}.{table.name}")
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table_list.addTopLevelItem(item)
        self.table_list.blockSignals(False)
        self.table_list.setEnabled(bool(tables))
        self._apply_filter(self.table_filter.text())
        self._show_table_status()
        self.tables_loaded.emit(None)

    def _show_load_error(self, error: BaseException) -> None:
        self._load_job = None
        message, _ = error_text(error)
        self.table_status.setText(f"The list of tables could not be read, so every table will be "
                                  f"backed up. {message}")
        self.tables_loaded.emit(error)

    def _items(self) -> list[QTreeWidgetItem]:
        return [self.table_list.topLevelItem(i) for i in range(self.table_list.topLevelItemCount())]

    def _unticked(self) -> list[Table]:
        return [item.data(0, _TABLE_ROLE) for item in self._items()
                if item.checkState(0) != Qt.CheckState.Checked]

    def set_table_checked(self, key: str, checked: bool) -> None:
        """Tick or untick one table by its catalog key (format('%I.%I'))."""
        for item in self._items():
            if item.data(0, _TABLE_ROLE).key == key:
                item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(key)

    def _on_all_tables_clicked(self) -> None:
        # Tristate only to show "some"; a click ticks all, or unticks all when all were ticked.
        tick = bool(self._unticked())
        state = Qt.CheckState.Checked if tick else Qt.CheckState.Unchecked
        self.table_list.blockSignals(True)
        for item in self._items():
            item.setCheckState(0, state)
        self.table_list.blockSignals(False)
        self._show_table_status()

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0:
            self._show_table_status()

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for item in self._items():
            item.setHidden(bool(needle) and needle not in item.text(0).casefold())

    def _show_table_status(self) -> None:
        items = self._items()
        left_out = self._unticked()
        if not items:
            state = Qt.CheckState.Checked
        elif not left_out:
            state = Qt.CheckState.Checked
        elif len(left_out) == len(items):
            state = Qt.CheckState.Unchecked
        else:
            state = Qt.CheckState.PartiallyChecked
        self.all_tables_check.setCheckState(state)
        if not items:
            if self._profile is None:
                self.table_status.setText("Choose a connection to pick its tables.")
            elif self._load_job is None:
                self.table_status.setText("This database has no tables yet.")
            return
        if not left_out:
            text = f"All {len(items)} tables will be backed up."
        elif len(left_out) == len(items):
            text = "No table is ticked: the backup will hold no tables, only views, functions and other objects."
        else:
            names = ", ".join(table_display_name(t) for t in left_out[:4])
            more = f" and {len(left_out) - 4} more" if len(left_out) > 4 else ""
            text = f"{len(items) - len(left_out)} of {len(items)} tables will be backed up. Left out: {names}{more}."
        self.table_status.setText(text)

    # --- the other settings ----------------------------------------------------
    def _format(self) -> str:
        return self.format_combo.currentData()

    def _on_format_changed(self) -> None:
        format_ = self._format()
        self.format_hint.setText(next(hint for key, _, hint in FORMAT_CHOICES if key == format_))
        parallel = format_ == "directory"
        self.jobs_spin.setEnabled(parallel)
        self.jobs_hint.setText(
            "Tables copied at the same time. More is faster but loads the database server more."
            if parallel else "Choose the Directory format to copy several tables at once.")

    def _on_include_changed(self) -> None:
        key = self._include()
        self.include_hint.setText(next(tip for k, _, tip in INCLUDE_CHOICES if k == key) + ".")

    def _include(self) -> str:
        return next(key for key, button in self.include_buttons.items() if button.isChecked())

    def _browse(self) -> None:
        start = self.destination_edit.text().strip() or str(self._default_folder())
        chosen = QFileDialog.getExistingDirectory(self, "Choose where to save backups", start)
        if chosen:
            self.destination_edit.setText(chosen)

    # --- what the backup gets ---------------------------------------------------
    def options(self) -> BackupOptions:
        include = self._include()
        format_ = self._format()
        return BackupOptions(
            format=format_,
            schema_only=include == "structure",
            data_only=include == "data",
            exclude_tables=[table_pattern(t.schema, t.name) for t in self._unticked()],
            no_owner=not self.keep_owner_check.isChecked(),
            no_acl=not self.keep_acl_check.isChecked(),
            jobs=self.jobs_spin.value() if format_ == "directory" else 1,
        )

    def destination(self) -> Optional[Path]:
        """The chosen folder, or None for the app's own backup folder."""
        text = self.destination_edit.text().strip()
        if not text:
            return None
        chosen = Path(text).expanduser()
        return None if chosen == self._default_folder() else chosen

    def _default_folder(self) -> Path:
        return default_backups_dir(self._ws.settings, self._ws.paths)

    def follow_default_folder(self, previous: Path) -> None:
        """After Settings changed the default folder: show the new one, unless another was chosen here."""
        if Path(self.destination_edit.text().strip() or previous).expanduser() == previous:
            self.destination_edit.setText(str(self._default_folder()))
        self.destination_edit.setPlaceholderText(str(self._default_folder()))
