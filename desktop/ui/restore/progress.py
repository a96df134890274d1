"""Page 4 of the restore wizard: the running restore, then its proof.

`run_restore` runs in a BackgroundJob; the page shows phase, current item,
percent, elapsed time and ETA, and a Stop button (the job's CancelToken).
Then the engine's row-count check, table by table, a mismatch marked by
colour and by the word "Mismatch"; or the failure in plain words with the
technical text behind "Show details".
"""
from typing import Optional

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from desktop.core.errors import Cancelled, LifeboatError
from desktop.core.jobs.restore.checks import RestoreCheck, TableCheck
from desktop.core.jobs.restore.plan import restore_into_new_database
from desktop.core.jobs.restore.run import RestoreRequest, RestoreResult, run_restore
from desktop.core.progress import Progress
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.restore.pages import RestoreChoices, backup_words
from desktop.ui.restore.undo_panel import UndoPanel
from desktop.ui.widgets import HINT_STYLE, named, wrapped_label

_COLUMNS = ("Table", "Rows in the backup", "Rows found now", "Result")


def restore_request(choices: RestoreChoices) -> RestoreRequest:
    return RestoreRequest(
        source=choices.record.id, into=choices.profile.name, create=choices.create,
        clean=choices.clean, replace=choices.replace, tables=list(choices.tables), confirm=choices.confirm,
        roles=choices.roles,
    )


def restore_job(ws, choices: RestoreChoices):
    """The job function the page runs: into the chosen database, or into a new one with its connection."""
    request = restore_request(choices)
    if choices.new_database:
        like, dbname, name = choices.profile.name, choices.new_database, choices.new_connection
        return lambda report, cancel: restore_into_new_database(ws, request, like, dbname, name, report, cancel)
    return lambda report, cancel: run_restore(ws, request, report, cancel)


def item_words(item: str) -> str:
    """pg_restore's verbose lines ('processing data for table "public.track"') in plain words."""
    for prefix, words in (("processing data for table ", "Loading the rows of "), ("creating ", "Creating ")):
        if item.startswith(prefix):
            return words + item[len(prefix):].replace('"', "")
    return item


class ProgressPage(QWizardPage):
    """Page 4: the running restore, then the verification result."""

    restored = Signal(object)  # RestoreResult, verified
    job_finished = Signal()

    def __init__(self, ws, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.choices = choices
        self.job: Optional[BackgroundJob] = None
        self.result: Optional[RestoreResult] = None
        self._clock = QElapsedTimer()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._show_times)
        self._eta: Optional[float] = None
        self._build()

    def _build(self) -> None:
        self.running_panel = QWidget(self)
        self.phase = wrapped_label("", self.running_panel, "restorePhase", "font-weight: bold; font-size: 11pt;")
        self.item = wrapped_label("", self.running_panel, "restoreItem", HINT_STYLE)
        self.bar = named(QProgressBar(self.running_panel), "restoreProgress", "Restore progress")
        self.times = wrapped_label("", self.running_panel, "restoreTimes", HINT_STYLE)
        self.stop = named(QPushButton("Stop the restore", self.running_panel), "stopRestoreButton",
                          "Stop the restore")
        running = QVBoxLayout(self.running_panel)
        running.setContentsMargins(0, 12, 0, 0)
        for widget in (self.phase, self.item, self.bar, self.times):
            running.addWidget(widget)
        stop_row = QHBoxLayout()
        stop_row.addStretch(1)
        stop_row.addWidget(self.stop)
        running.addSpacing(8)
        running.addLayout(stop_row)
        running.addStretch(1)

        self.result_panel = QWidget(self)
        self.summary = wrapped_label("", self.result_panel, "resultSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.safety = wrapped_label("", self.result_panel, "safetyNote")
        self.safety.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = verification_table(self.result_panel)
        self.notes = wrapped_label("", self.result_panel, "constraintNotes", HINT_STYLE)
        self.undo = UndoPanel(self.ws, self.result_panel)
        self.undo.undone.connect(self._show_undone)
        self.details_button = named(QPushButton("Show details", self.result_panel), "detailsButton",
                                    "Show technical details")
        self.details_button.setCheckable(True)
        self.change = named(QPushButton("Go back and change the choices", self.result_panel),
                            "changeChoicesButton", "Go back and change the choices")
        self.details = named(QPlainTextEdit(self.result_panel), "errorDetails", "Technical details")
        self.details.setReadOnly(True)
        # Holds the panel's spare height when neither the table nor the details take it.
        self.filler = QWidget(self.result_panel)
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        result = QVBoxLayout(self.result_panel)
        result.setContentsMargins(0, 0, 0, 0)
        for widget in (self.summary, self.safety):
            result.addWidget(widget)
        result.addWidget(self.table, 1)
        result.addWidget(self.notes)
        result.addWidget(self.undo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.details_button)
        buttons.addStretch(1)
        buttons.addWidget(self.change)
        result.addLayout(buttons)
        result.addWidget(self.details, 1)
        result.addWidget(self.filler, 1)

        self.panels = QStackedWidget(self)
        self.panels.addWidget(self.running_panel)
        self.panels.addWidget(self.result_panel)
        QVBoxLayout(self).addWidget(self.panels)
        self.stop.clicked.connect(self.cancel)
        self.details_button.toggled.connect(self._toggle_details)
        self.change.clicked.connect(self._go_back)

    # --- running ------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def initializePage(self) -> None:
        self.setTitle(f"Restoring into {self.choices.new_database or self.choices.profile.dbname}")
        self.setSubTitle(f"Restoring {backup_words(self.choices.record)}. You can stop at any time: "
                         "the database then stays as it was.")
        self.result = None
        self._show_running(True)
        self._clock.start()
        self._ticker.start()
        self._on_progress(Progress(phase="Starting"))
        self.job = run_in_background(self, "Restore", restore_job(self.ws, self.choices), progress=self._on_progress,
                                     success=self.show_result, failure=self._on_failed,
                                     cancelled=self._on_cancelled, finished=self._on_finished)
        self.completeChanged.emit()

    def cancel(self) -> None:
        if self.running:
            self.job.cancel()
            self.stop.setEnabled(False)
            self.phase.setText("Stopping\u2026 the changes made so far are being undone.")

    def _on_progress(self, progress: Progress) -> None:
        if self.job and self.job.cancel_token.cancelled:
            return
        self.phase.setText(progress.headline)
        self.item.setText(item_words(progress.item))
        fraction = progress.fraction
        if fraction is None:
            self.bar.setRange(0, 0)  # busy: this step has no measurable size
        else:
            self.bar.setRange(0, 100)
            self.bar.setValue(round(fraction * 100))
        self._eta = progress.eta_seconds
        self._show_times()

    def _show_times(self) -> None:
        text = f"Time so far: {fmt.human_duration(self._clock.elapsed() / 1000)}"
        if self._eta is not None:
            text += f"  \u00b7  About {fmt.human_duration(self._eta)} left"
        self.times.setText(text)

    def _show_running(self, running: bool) -> None:
        self.panels.setCurrentWidget(self.running_panel if running else self.result_panel)
        self.stop.setEnabled(True)
        for widget in (self.safety, self.table, self.notes, self.undo, self.details_button, self.details, self.change):
            widget.setHidden(True)
        self.details_button.setChecked(False)
        self._fill_spare_height()

    def _fill_spare_height(self) -> None:
        self.filler.setHidden(not (self.table.isHidden() and self.details.isHidden()))

    # --- the outcome --------------------------------------------------
    def show_result(self, result: RestoreResult) -> None:
        """The verification, table by table; `restored` goes out only when every count matches."""
        self.result = result
        self._show_running(False)
        self.setTitle("Restored and checked" if result.ok else "Restored, but the rows do not match")
        self.setSubTitle(f"Database {result.database} ({result.profile}).")
        if result.ok:
            self._show_summary(f"\u2714 The restore finished. {result.check.summary()}", palette.OK_TEXT)
        else:
            again = "the safety backup or this backup" if result.safety_backup_id else "this backup"
            self._show_summary(f"\u2716 {result.check.summary()} Look at the rows marked "
                               f"\u201cMismatch\u201d below; {again} can be restored again.", palette.DANGER)
        if result.safety_backup_id:
            self.safety.setText(
                f"Before restoring, Lifeboat took a safety backup of {result.database}. It is in the backup list, "
                "marked \u201cSafety copy before a restore\u201d: restore it to undo this restore.")
            self.safety.setVisible(True)
        self.undo.show_offer(result.safety_backup_id)
        self._fill_table(result.check)
        if result.ok:
            self.restored.emit(result)

    def _show_summary(self, text: str, colour: str, weight: str = "bold") -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(f"color: {colour}; font-weight: {weight}; font-size: 11pt;")
        self.summary.setVisible(True)

    def _fill_table(self, check: RestoreCheck) -> None:
        fill_verification_table(self.table, check)
        self._fill_spare_height()
        if check.violated_constraints:
            self.notes.setText("Rows that break the database's rules: " + "; ".join(check.violated_constraints) + ".")
            self.notes.setStyleSheet(f"color: {palette.DANGER};")
            self.notes.setVisible(True)
        elif check.not_valid_constraints:
            self.notes.setText("Marked NOT VALID, as they were in the backup (the database did not re-check "
                               "their old rows): " + ", ".join(check.not_valid_constraints) + ".")
            self.notes.setVisible(True)

    def _on_failed(self, error: BaseException) -> None:
        self._show_problem("The restore did not finish", error)

    def _on_cancelled(self, error: BaseException) -> None:
        self._show_problem("The restore was stopped", error)

    def _show_problem(self, title: str, error: BaseException) -> None:
        self._show_running(False)
        message, details = error_text(error)
        self.setTitle(title)
        self.setSubTitle("Nothing was restored." if isinstance(error, Cancelled) else
                         "What happened, and what to do next:")
        self._show_summary(message, palette.DANGER, weight="normal")
        self.details.setPlainText(details)
        self.details_button.setVisible(bool(details))
        self.change.setVisible(True)
        self.undo.show_offer(error.safety_backup_id if isinstance(error, LifeboatError) else None)

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
        self._fill_spare_height()

    def _on_finished(self) -> None:
        self._ticker.stop()
        self.completeChanged.emit()
        self.job_finished.emit()

    def _show_undone(self, result: RestoreResult) -> None:
        """After Undo, the page tells what Undo did, not what the restore did."""
        self.setTitle("Undone" if result.ok else "Undone, but the rows do not match")
        self._show_summary(f"\u21a9 Undone: {result.database} is back as it was before this restore. "
                           f"{result.check.summary()}", palette.OK_TEXT if result.ok else palette.DANGER)
        self.safety.setHidden(True)
        self._fill_table(result.check)

    def _go_back(self) -> None:
        self.wizard().back_to_choices()

    def isComplete(self) -> bool:
        return self.job is not None and not self.job.running


def verification_table(parent: QWidget) -> QTableWidget:
    """Expected against found rows per table: the restore wizard's and the sync dialog's result."""
    table = named(QTableWidget(0, len(_COLUMNS), parent), "verificationTable", "Row counts, table by table")
    table.setHorizontalHeaderLabels(_COLUMNS)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(110)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def fill_verification_table(widget: QTableWidget, check: RestoreCheck) -> None:
    widget.setRowCount(len(check.tables))
    for row, table in enumerate(check.tables):
        for column, item in enumerate(_check_items(table)):
            widget.setItem(row, column, item)
    widget.setHidden(not check.tables)


def _check_items(table: TableCheck) -> list[QTableWidgetItem]:
    found = "no table" if table.found is None else fmt.count_text(table.found)
    result = "OK" if table.ok else ("Mismatch: table missing" if table.found is None else "Mismatch")
    items = [QTableWidgetItem(text) for text in (table.table, fmt.count_text(table.expected), found, result)]
    for item in items[1:3]:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if table.ok:
        items[3].setForeground(QColor(palette.OK_TEXT))
        return items
    bold = QFont(items[0].font())
    bold.setBold(True)
    for item in items:
        item.setBackground(QColor(palette.DANGER_TINT))
        item.setForeground(QColor(palette.DANGER))
        item.setFont(bold)
    return items
