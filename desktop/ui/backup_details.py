"""Everything about one backup, opened by double-clicking it in the catalog.

The dialog only shows a record and asks for actions: Restore..., Verify and
Delete emit a signal with the record and close the dialog; the main window
runs the job (and asks before deleting).
"""
from typing import Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.jobs.label import LABEL_LIMIT
from desktop.core.store.catalog import BackupRecord
from desktop.core.workspace import Workspace
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.backup_contents import BackupContentsPanel
from desktop.ui.badges import EnvironmentBadge
from desktop.ui.catalog_model import status_icon
from desktop.ui.widgets import HINT_STYLE, named

COPIED_FOR_MS = 2000


class BackupDetailsDialog(QDialog):
    restore_requested = Signal(object)
    verify_requested = Signal(object)
    test_restore_requested = Signal(object)
    delete_requested = Signal(object)
    compare_requested = Signal(object)
    note_saved = Signal(object, str)  # the record, its new note ("" removes it)

    def __init__(self, record: BackupRecord, parent: Optional[QWidget] = None, ws: Optional[Workspace] = None):
        """With `ws`, a completed backup also gets a Contents tab (what is inside, previews, export)."""
        super().__init__(parent)
        self.record = record
        self.contents_panel = (BackupContentsPanel(ws, record, self)
                               if ws is not None and record.status == "completed" and record.path else None)
        self.setObjectName("backupDetailsDialog")
        self.setWindowTitle(f"Backup of {record.database} \u2013 {fmt.local_datetime(record.started_at)}")
        self.setAccessibleName("Backup details")
        self.sha256_field, self.copy_sha256 = self._copyable(
            record.sha256, "sha256", "SHA-256 fingerprint", "Copy the SHA-256 fingerprint")
        self.path_field, self.copy_path = self._copyable(
            record.path, "path", "Backup file path", "Copy the file path")
        self.counts = self._counts_table()
        self.note_field = named(QLineEdit(record.label, self), "noteField", "Note on this backup")
        self.note_field.setPlaceholderText("A note for this backup, e.g. before the 3.2 migration")
        self.note_field.setMaxLength(LABEL_LIMIT)
        self.save_note = named(QPushButton("Save note", self), "saveNoteButton", "Save the note")
        self.save_note.setEnabled(False)
        self.note_field.textChanged.connect(lambda text: self.save_note.setEnabled(text.strip() != record.label))
        self.save_note.clicked.connect(self._save_note)
        self.restore_button = self._button("Restore\u2026", "restoreButton", "Restore this backup",
                                           self.restore_requested)
        self.verify_button = self._button("Verify", "verifyButton", "Verify this backup", self.verify_requested)
        self.test_restore_button = self._button("Test restore\u2026", "testRestoreButton",
                                                "Test restore this backup", self.test_restore_requested)
        self.compare_button = named(QPushButton("Compare\u2026", self), "compareButton",
                                    "Compare this backup with another or with the database now")
        self.compare_button.clicked.connect(lambda: self.compare_requested.emit(self.record))
        self.delete_button = self._button("Move to trash", "deleteButton", "Move this backup to the trash",
                                          self.delete_requested)
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        self.close_button.setDefault(True)
        self._enable_actions()
        self._lay_out()
        # Taller when exported copies add wrapped lines to the facts, so none is cut off.
        self.resize(940, max(560, self.heightForWidth(940)))
        self.close_button.setFocus()  # not a field: the first key press should do nothing surprising

    # --- parts ----------------------------------------------------------
    def _header(self) -> QHBoxLayout:
        record = self.record
        title = QLabel(f"Backup of {record.database}", self)
        title.setObjectName("detailsTitle")
        title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        subtitle = QLabel(f"{record.profile} \u00b7 {fmt.local_datetime(record.started_at)}", self)
        subtitle.setStyleSheet(HINT_STYLE)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(title)
        titles.addWidget(subtitle)
        row = QHBoxLayout()
        row.addLayout(titles, 1)
        row.addWidget(EnvironmentBadge(record.environment, self), 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(_status_label(record.status, self), 0, Qt.AlignmentFlag.AlignTop)
        return row

    def _notice(self) -> Optional[QLabel]:
        """Why a backup did not finish, or that it is still running."""
        record = self.record
        if record.status == "in_progress":
            text, colours = ("This backup is still running. Its size, fingerprint and row counts "
                             "appear here when it finishes.", (palette.INFO_NOTE_TEXT, palette.INFO_NOTE_TINT))
        elif record.status in ("failed", "cancelled"):
            reason = record.error or "Lifeboat did not record a reason."
            text = f"This backup did not finish, so there is nothing to restore from it. {reason}"
            colours = (palette.ERROR_TEXT, palette.ERROR_TINT)
        else:
            return None
        notice = QLabel(text, self)
        notice.setObjectName("detailsNotice")
        notice.setWordWrap(True)
        notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        notice.setStyleSheet(f"color: {colours[0]}; background: {colours[1]}; padding: 8px; border-radius: 4px;")
        return notice

    def _facts(self) -> QFormLayout:
        record = self.record
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        server = f"{record.host}:{record.port}" if record.host else "an unknown server"
        facts = [
            ("Database", f"{record.database} on {server}"),
            ("Started", fmt.full_datetime(record.started_at)),
            ("Took", fmt.elapsed_words(record.started_at, record.finished_at)),
            ("Kind", fmt.kind_text(record.kind)),
            ("Format", fmt.format_text(record.format)),
            ("Contents", "\n".join(fmt.options_lines(record.options))),
            ("Size", _size_words(record.size_bytes)),
            ("Server", f"PostgreSQL {record.server_version}" if record.server_version else fmt.MISSING),
            ("Made with", f"pg_dump {record.pg_dump_version}" if record.pg_dump_version else fmt.MISSING),
            ("Backup id", record.id),
        ]
        if record.proven_restorable_at:
            facts.append(("Last proven restorable", fmt.full_datetime(record.proven_restorable_at)))
        form.addRow("Note:", _row(self.note_field, self.save_note))
        for label, value in facts:
            form.addRow(f"{label}:", _value_label(value, self))
        fingerprint = QLabel("Fingerprint:", self)
        fingerprint.setToolTip("The file's SHA-256 checksum. Lifeboat compares it before every restore: "
                               "if one byte of the file changed, it would differ.")
        form.addRow(fingerprint, _row(self.sha256_field, self.copy_sha256))
        form.addRow("File:", _row(self.path_field, self.copy_path))
        for copy in record.copies:
            form.addRow("Copy:", _value_label(_copy_words(copy), self))
        return form

    def _counts_table(self) -> QTableWidget:
        counts = sorted(self.record.row_counts.items())
        table = QTableWidget(len(counts), 2, self)
        table.setObjectName("tableCounts")
        table.setAccessibleName("Rows per table")
        table.setHorizontalHeaderLabels(["Table", "Rows"])
        for row, (name, count) in enumerate(counts):
            label = QTableWidgetItem(fmt.table_label(name))
            label.setToolTip(name)
            table.setItem(row, 0, label)
            number = QTableWidgetItem(fmt.count_text(count))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 1, number)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.verticalHeader().hide()
        table.setStyleSheet("QTableView::item { padding: 0 6px; }")
        table.setMinimumWidth(300)
        table.setMaximumWidth(380)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        return table

    def _counts_section(self) -> QVBoxLayout:
        record = self.record
        heading = QLabel("Rows per table", self)
        heading.setStyleSheet("font-weight: bold;")
        if record.row_counts:
            total = (f"{fmt.count_text(len(record.row_counts))} tables, "
                     f"{fmt.count_text(record.total_rows)} rows in total, counted when the backup was made")
        else:
            total = "No row counts: the backup did not finish."
        summary = QLabel(total, self)
        summary.setObjectName("countsSummary")
        summary.setWordWrap(True)
        section = QVBoxLayout()
        section.addWidget(heading)
        if record.row_counts:
            section.addWidget(self.counts, 1)
        else:
            self.counts.hide()
        section.addWidget(summary)
        if not record.row_counts:
            section.addStretch(1)
        return section

    def _lay_out(self) -> None:
        body = QHBoxLayout()
        body.setSpacing(18)
        body.addLayout(self._facts(), 1)
        body.addLayout(self._counts_section())
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.test_restore_button)
        buttons.addWidget(self.compare_button)
        buttons.addSpacing(24)  # the destructive action a little apart
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(self._header())
        notice = self._notice()
        if notice is not None:
            layout.addWidget(notice)
        if self.contents_panel is None:
            layout.addLayout(body, 1)
        else:
            layout.addWidget(self._tabs(body), 1)
        layout.addLayout(buttons)

    def _tabs(self, body: QHBoxLayout) -> QTabWidget:
        summary = QWidget(self)
        summary.setLayout(body)
        tabs = QTabWidget(self)
        tabs.setObjectName("detailsTabs")
        tabs.setAccessibleName("Backup details and contents")
        tabs.addTab(summary, "Summary")
        tabs.addTab(self.contents_panel, "Contents")
        tabs.currentChanged.connect(lambda index: index == 1 and self.contents_panel.load())
        self.tabs = tabs
        return tabs

    def _copyable(self, value: Optional[str], name: str, accessible: str,
                  copy_accessible: str) -> tuple[QLineEdit, QPushButton]:
        field = QLineEdit(value or fmt.MISSING, self)
        field.setReadOnly(True)
        field.setObjectName(f"{name}Field")
        field.setAccessibleName(accessible)
        field.setCursorPosition(0)
        field.setToolTip(value or "")
        if name == "sha256":
            field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        button = QPushButton("Copy", self)
        button.setObjectName(f"copy{name.capitalize()}Button")
        button.setAccessibleName(copy_accessible)
        button.setToolTip("Copy to the clipboard")
        button.setEnabled(bool(value))
        button.clicked.connect(lambda: self._copy(value, button))
        return field, button

    def _button(self, text: str, name: str, accessible: str, signal) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.clicked.connect(lambda: self._request(signal))
        return button

    def _enable_actions(self) -> None:
        usable = self.record.status == "completed" and bool(self.record.path)
        for button, verb in ((self.restore_button, "restored"), (self.verify_button, "verified"),
                             (self.test_restore_button, "test-restored"), (self.compare_button, "compared")):
            button.setEnabled(usable)
            button.setToolTip("" if usable else f"Only a completed backup can be {verb}.")
        running = self.record.status == "in_progress"
        self.delete_button.setEnabled(not running)
        self.delete_button.setToolTip(
            "Cancel the running backup instead: it removes its unfinished file." if running
            else "Move the backup to the trash: it leaves the list and can be put back for a few days")

    # --- actions --------------------------------------------------------
    def _request(self, signal) -> None:
        signal.emit(self.record)
        self.accept()

    def _save_note(self) -> None:
        self.note_saved.emit(self.record, self.note_field.text())
        self.save_note.setEnabled(False)

    def _copy(self, text: Optional[str], button: QPushButton) -> None:
        QGuiApplication.clipboard().setText(text or "")
        button.setText("Copied")
        QTimer.singleShot(COPIED_FOR_MS, button, lambda: button.setText("Copy"))


def _value_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _row(field: QLineEdit, button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(button)
    return row


def _status_label(status: str, parent: QWidget) -> QWidget:
    box = QWidget(parent)
    icon = QLabel(box)
    icon.setPixmap(status_icon(status).pixmap(18, 18))
    text = QLabel(fmt.status_text(status), box)
    text.setObjectName("statusText")
    text.setStyleSheet(f"color: {fmt.STATUS_COLOURS.get(status, palette.TEXT)}; font-weight: bold;")
    row = QHBoxLayout(box)
    row.setContentsMargins(8, 2, 0, 0)
    row.addWidget(icon)
    row.addWidget(text)
    return box


def _copy_words(copy: dict) -> str:
    """An exported copy: where, and when it was last read back and found intact."""
    parts = copy.get("parts") or 1
    split = f", in {parts} parts" if parts > 1 else ""
    checked = (f"checked {fmt.full_datetime(copy['verified_at'])}" if copy.get("verified_at")
               else "not checked yet")
    return f"{copy['location']}\n({checked}{split})"


def _size_words(size: Optional[int]) -> str:
    if size is None:
        return fmt.MISSING
    return f"{fmt.human_size(size)} ({size:,} bytes, encrypted)"
