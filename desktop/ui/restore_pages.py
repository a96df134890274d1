"""The first two pages of the restore wizard (which backup, where to) and what the pages share.

Each page writes what the person chose into one shared RestoreChoices; the
last page turns it into a RestoreRequest. The engine enforces every rule again
(read-only profiles, the typed production name): the pages only make the
rules visible before anything runs.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from ..core.catalog import BackupRecord
from ..core.jobs.rebuild import add_backup_file
from ..core.manifest import FILE_SUFFIX
from ..core.profiles import Profile
from . import formatting as fmt
from .badges import badge_accessible_name, badge_size, badge_text, paint_badge
from .error_dialog import error_text
from .jobs import BackgroundJob
from .profile_list import PROFILE_ROLE, ProfileDelegate

RECORD_ROLE = Qt.ItemDataRole.UserRole
ENVIRONMENT_ROLE = Qt.ItemDataRole.UserRole + 1
HINT_STYLE = "color: #5f6368;"
REFUSAL_STYLE = "color: #b3261e; font-weight: bold;"


@dataclass
class RestoreChoices:
    record: Optional[BackupRecord] = None
    profile: Optional[Profile] = None
    tables: list[str] = field(default_factory=list)  # empty: the whole backup
    clean: bool = False
    create: bool = False
    confirm: Optional[str] = None


def named(widget, object_name: str, accessible_name: str):
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    return widget


def wrapped_label(text: str, parent: QWidget, object_name: str, style: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def backup_words(record: BackupRecord) -> str:
    """'the backup of app_prod from 3 Mar 2026 14:02'."""
    return f"the backup of {record.database} from {fmt.local_datetime(record.started_at)}"


class BadgeDelegate(QStyledItemDelegate):
    """Paints the Production / Development badge of the environment in ENVIRONMENT_ROLE."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = badge_size(index.data(ENVIRONMENT_ROLE) or "", option.font)
        return QSize(size.width() + 16, size.height() + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        style = option.widget.style() if option.widget else None
        if style:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        environment = index.data(ENVIRONMENT_ROLE) or ""
        size = badge_size(environment, option.font)
        rect = QRect(option.rect.left() + 6, option.rect.top() + (option.rect.height() - size.height()) // 2,
                     size.width(), size.height())
        paint_badge(painter, rect, environment, option.font)


class ChooseBackupPage(QWizardPage):
    """Page 1: a completed backup from the catalog, or a backup file from anywhere."""

    COLUMNS = ("Made on", "Database", "Connection", "Environment", "Tables", "Rows", "Size")

    def __init__(self, ws, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.choices = choices
        self.file_job: Optional[BackgroundJob] = None
        self.setTitle("Which backup do you want to restore?")
        self.setSubTitle("The newest backups are at the top. A backup file kept somewhere else "
                         "(an external drive, a colleague's copy) can be opened with \u201cFrom a file\u2026\u201d.")
        self.backups = named(QTreeWidget(self), "backupList", "Backups you can restore")
        self.backups.setRootIsDecorated(False)
        self.backups.setUniformRowHeights(True)
        self.backups.setAlternatingRowColors(True)
        self.backups.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backups.setHeaderLabels(self.COLUMNS)
        self.backups.setItemDelegateForColumn(3, BadgeDelegate(self.backups))
        header = self.backups.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty_state = wrapped_label(
            "There is no finished backup yet. Make a backup first, or open a backup file "
            "with \u201cFrom a file\u2026\u201d.", self, "noBackupsText", HINT_STYLE)
        self.from_file = named(QPushButton("From a file\u2026", self), "fromFileButton",
                               "Restore from a backup file")
        self.file_status = wrapped_label("", self, "fileStatus")
        self.file_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.from_file)
        row.addWidget(self.file_status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.backups, 1)
        layout.addWidget(self.empty_state)
        layout.addLayout(row)
        self.backups.itemSelectionChanged.connect(self._on_selection)
        self.from_file.clicked.connect(self._ask_for_file)

    def initializePage(self) -> None:
        self.reload(self.choices.record.id if self.choices.record else None)

    def reload(self, select_id: Optional[str] = None) -> None:
        self.backups.clear()
        records = sorted((r for r in self.ws.catalog.list() if r.status == "completed" and r.path),
                         key=lambda r: r.started_at, reverse=True)
        for record in records:
            self.backups.addTopLevelItem(self._item(record))
        self.empty_state.setVisible(not records)
        if select_id:
            self.select(select_id)
        elif records:
            self.backups.setCurrentItem(self.backups.topLevelItem(0))

    def select(self, backup_id: str) -> bool:
        for row in range(self.backups.topLevelItemCount()):
            item = self.backups.topLevelItem(row)
            if item.data(0, RECORD_ROLE).id == backup_id:
                self.backups.setCurrentItem(item)
                self.backups.scrollToItem(item)
                return True
        return False

    def _item(self, record: BackupRecord) -> QTreeWidgetItem:
        database = record.database + (" (safety backup)" if record.kind == "safety" else "")
        item = QTreeWidgetItem([
            fmt.local_datetime(record.started_at), database, record.profile, "",
            fmt.count_text(len(record.row_counts)), fmt.count_text(record.total_rows),
            fmt.human_size(record.size_bytes),
        ])
        item.setData(0, RECORD_ROLE, record)
        item.setData(3, ENVIRONMENT_ROLE, record.environment)
        item.setData(3, Qt.ItemDataRole.AccessibleTextRole, badge_accessible_name(record.environment))
        item.setToolTip(0, fmt.full_datetime(record.started_at))
        item.setToolTip(1, record.path or "")
        for column in (4, 5, 6):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _on_selection(self) -> None:
        item = self.backups.currentItem()
        self.choices.record = item.data(0, RECORD_ROLE) if item and item.isSelected() else None
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.choices.record is not None and not self.adding

    @property
    def adding(self) -> bool:
        """A chosen file is being read (its thread must end before the window goes)."""
        return self.file_job is not None and self.file_job.running

    def _ask_for_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a backup file", str(self.ws.paths.backups_dir),
            f"Lifeboat backups (*{FILE_SUFFIX});;All files (*)")
        if path:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> BackgroundJob:
        """Reads the file's own description, adds it to the catalog and selects it."""
        self.from_file.setEnabled(False)
        self._show_file_status(f"Opening {path.name}\u2026", HINT_STYLE)
        self.file_job = BackgroundJob("Open a backup file", lambda report, cancel: add_backup_file(self.ws, path), self)
        self.file_job.succeeded.connect(self._file_added)
        self.file_job.failed.connect(self._file_refused)
        self.file_job.finished.connect(self._file_job_done)
        self.completeChanged.emit()
        return self.file_job.start()

    def _file_added(self, record: BackupRecord) -> None:
        self.reload(record.id)
        self._show_file_status(f"Added {Path(record.path).name} to the backup list and selected it.", HINT_STYLE)

    def _file_refused(self, error: BaseException) -> None:
        message, details = error_text(error)
        self._show_file_status(message, REFUSAL_STYLE)
        self.file_status.setToolTip(details)

    def _file_job_done(self) -> None:
        self.from_file.setEnabled(True)
        self.completeChanged.emit()

    def _show_file_status(self, text: str, style: str) -> None:
        self.file_status.setText(text)
        self.file_status.setStyleSheet(style)
        self.file_status.setToolTip("")


def target_order(profiles: list[Profile]) -> list[Profile]:
    """Development first, production last (and each group by name): the safe choice is the nearest."""
    return sorted(profiles, key=lambda p: (p.is_production, p.name.casefold()))


class ChooseTargetPage(QWizardPage):
    """Page 2: the profile to restore into, and how."""

    def __init__(self, ws, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.choices = choices
        self.setTitle("Where should it be restored?")
        self.setSubTitle("Development databases are listed first. Production databases are "
                         "at the bottom, marked in red.")
        self.targets = named(QListWidget(self), "targetList", "Database to restore into")
        self.targets.setItemDelegate(ProfileDelegate(self.targets))
        self.refusal = wrapped_label("", self, "targetRefusal", REFUSAL_STYLE)
        self.only_some = named(QCheckBox("Restore only some tables", self), "onlySomeTables",
                               "Restore only some tables")
        self.tables = named(QListWidget(self), "tableChoice", "Tables to restore")
        self.tables_hint = wrapped_label("", self, "tableChoiceHint", HINT_STYLE)
        self.tick_all = named(QPushButton("Tick all", self), "tickAllTables", "Tick all tables")
        self.untick_all = named(QPushButton("Untick all", self), "untickAllTables", "Untick all tables")
        self.clean = named(QCheckBox("Replace what is in the database now", self), "replaceExisting",
                           "Replace what is in the database now")
        self.clean_hint = wrapped_label("", self, "replaceHint", HINT_STYLE)
        self.create = named(QCheckBox("Create the database if it does not exist", self), "createDatabase",
                            "Create the database if it does not exist")
        self._lay_out()
        self.targets.currentItemChanged.connect(self._on_target)
        self.only_some.toggled.connect(self._on_options)
        self.tables.itemChanged.connect(self._on_options)
        self.clean.toggled.connect(self._on_options)
        self.create.toggled.connect(self._on_options)
        self.tick_all.clicked.connect(lambda: self.set_tables(list(self._table_keys())))
        self.untick_all.clicked.connect(lambda: self.set_tables([]))

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.targets, 3)
        layout.addWidget(self.refusal)
        layout.addSpacing(6)
        layout.addWidget(self.only_some)
        indented = QVBoxLayout()
        indented.setContentsMargins(24, 0, 0, 0)
        indented.addWidget(self.tables, 2)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.tables_hint, 1)
        hint_row.addWidget(self.tick_all)
        hint_row.addWidget(self.untick_all)
        indented.addLayout(hint_row)
        layout.addLayout(indented)
        layout.addWidget(self.clean)
        hint = QVBoxLayout()
        hint.setContentsMargins(24, 0, 0, 0)
        hint.addWidget(self.clean_hint)
        layout.addLayout(hint)
        layout.addWidget(self.create)

    def initializePage(self) -> None:
        chosen = self.choices.profile.name if self.choices.profile else None
        self.targets.clear()
        for profile in target_order(self.ws.profiles.list()):
            item = QListWidgetItem(profile.name)
            item.setData(PROFILE_ROLE, profile)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{profile.name}, {badge_text(profile.environment)}, "
                         f"{profile.display_target()}" + (", backups only" if profile.read_only else ""))
            self.targets.addItem(item)
            if profile.name == chosen:
                self.targets.setCurrentItem(item)
        self._fill_tables(self.choices.record)
        self._on_target()

    def _fill_tables(self, record: BackupRecord) -> None:
        self.tables.blockSignals(True)
        self.tables.clear()
        for key, rows in sorted(record.row_counts.items()):
            item = QListWidgetItem(f"{key}  \u2014  {fmt.count_text(rows)} rows")
            item.setData(RECORD_ROLE, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.tables.addItem(item)
        self.tables.blockSignals(False)
        whole_only = record.format == "plain" or not record.row_counts
        if whole_only:
            self.only_some.setChecked(False)
            self.tables_hint.setText(
                "This backup is an SQL script, which can only be restored whole."
                if record.format == "plain" else "This backup does not list its tables, so it is restored whole.")
        self.only_some.setEnabled(not whole_only)

    def _on_target(self, *_args) -> None:
        item = self.targets.currentItem()
        self.choices.profile = item.data(PROFILE_ROLE) if item else None
        profile = self.choices.profile
        self.refusal.setVisible(bool(profile and profile.read_only) or self.targets.count() == 0)
        if self.targets.count() == 0:
            self.refusal.setText("There is no database connection to restore into yet. "
                                 "Close this window and add a connection first.")
        elif profile and profile.read_only:
            self.refusal.setText(
                f"\u201c{profile.name}\u201d is marked \u201cbackups only\u201d: Lifeboat makes backups of it "
                "but never writes into it. Choose another database, or change that connection's "
                "settings if it really should receive restores.")
        self._on_options()

    def _on_options(self, *_args) -> None:
        some = self.only_some.isChecked()
        for widget in (self.tables, self.tick_all, self.untick_all):
            widget.setVisible(some)
        self.tables_hint.setVisible(not self.only_some.isEnabled() or some)
        self.choices.tables = self.checked_tables() if some else []
        if some and self.only_some.isEnabled():
            self.tables_hint.setText(self._tables_hint_text())
        self.choices.clean = self.clean.isChecked()
        self.choices.create = self.create.isChecked()
        self.clean_hint.setText(self._clean_hint_text())
        self.completeChanged.emit()

    def _table_keys(self):
        return (self.tables.item(row).data(RECORD_ROLE) for row in range(self.tables.count()))

    def checked_tables(self) -> list[str]:
        items = (self.tables.item(row) for row in range(self.tables.count()))
        return [item.data(RECORD_ROLE) for item in items if item.checkState() == Qt.CheckState.Checked]

    def set_tables(self, keys: list[str]) -> None:
        """Ticks exactly these tables (the rest unticked)."""
        self.tables.blockSignals(True)
        for row in range(self.tables.count()):
            item = self.tables.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(RECORD_ROLE) in keys else Qt.CheckState.Unchecked)
        self.tables.blockSignals(False)
        self._on_options()

    def select_target(self, name: str) -> None:
        for row in range(self.targets.count()):
            if self.targets.item(row).data(PROFILE_ROLE).name == name:
                self.targets.setCurrentRow(row)
                return
        raise KeyError(name)

    def _tables_hint_text(self) -> str:
        count = len(self.choices.tables)
        if count == 0:
            return "Tick at least one table."
        # pg_restore -t selects a table's definition and rows only, not its
        # indexes, keys or the objects around it (pg_restore docs, -t).
        return (f"{count} of {self.tables.count()} tables ticked. Only the tables and their rows are restored: "
                "their indexes and keys, and the backup's views and functions, are left out.")

    def _clean_hint_text(self) -> str:
        if self.choices.clean and self.choices.tables:
            return ("Lifeboat first deletes the ticked tables from the database, with their indexes and keys, "
                    "then restores the tables and their rows from the backup. A table that other tables "
                    "link to cannot be replaced alone: the restore then stops before changing anything.")
        if self.choices.clean:
            return ("Lifeboat first deletes every table, view and other object in the backup from the "
                    "database, then restores them from the backup. Anything in the database that is not "
                    "in the backup is left alone.")
        return ("Nothing in the database is deleted. If it already holds tables, the restore stops "
                "before changing anything: then tick this box, or restore into an empty database.")

    def isComplete(self) -> bool:
        profile = self.choices.profile
        if profile is None or profile.read_only:
            return False
        return not self.only_some.isChecked() or bool(self.choices.tables)
