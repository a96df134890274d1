"""The sync dialog's second page: the running sync, then what it did.

A sync that removed tables or left tables with fewer rows is never shown as
a plain green success: the headline says so in red, and the tables it lost
are listed in red under it. After Undo, the headline says what Undo did.
"""
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.core.errors import Cancelled, LifeboatError
from desktop.core.jobs.sync import SyncResult
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.progress_panel import JobProgressPanel
from desktop.ui.restore.loss_list import LossList

# The restore's verification table, row for row: the sync's step 4 is the same check.
from desktop.ui.restore.progress import fill_verification_table, verification_table
from desktop.ui.restore.undo_panel import UndoPanel
from desktop.ui.technical_details import TechnicalDetails
from desktop.ui.widgets import wrapped_label


class SyncOutcome(QWidget):
    changed = Signal()  # an undo ended: what the window shows may be out of date

    def __init__(self, ws, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.progress = JobProgressPanel(self)
        self.progress.hide()
        self.summary = wrapped_label("", self, "syncSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lost = LossList("syncLost", "What the sync removed or shrank, table by table", self, max_rows=8)
        self.safety = wrapped_label("", self, "safetyNote")
        self.safety.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check_table = verification_table(self)
        self.undo = UndoPanel(ws, self)
        self.details = TechnicalDetails(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.progress, self.summary, self.lost, self.safety):
            layout.addWidget(widget)
        layout.addWidget(self.check_table, 1)
        layout.addWidget(self.undo)
        layout.addWidget(self.details, 1)
        layout.addStretch(0)
        for widget in (self.summary, self.lost, self.safety, self.check_table):
            widget.setHidden(True)
        self.undo.undone.connect(self._show_undone)
        self.undo.undo_finished.connect(self.changed)

    def show_result(self, result: SyncResult) -> None:
        check, plan = result.restore.check, result.plan
        losses = plan.lost + plan.fallen
        if not result.ok:
            self.say(f"\u2716 {check.summary()}", f"color: {palette.DANGER}; font-weight: bold;")
        elif losses:
            self.say(f"\u26a0 {plan.target.dbname} now holds the copy of {plan.source.dbname}, and lost data: "
                     f"{_count(plan.lost, 'table')} removed, {_count(plan.fallen, 'table')} with fewer rows. "
                     f"{check.summary()}", f"color: {palette.DANGER}; font-weight: bold; font-size: 11pt;")
        else:
            self.say(f"\u2714 {plan.target.dbname} now holds the copy of {plan.source.dbname}. "
                     f"{check.summary()}", f"color: {palette.OK_TEXT}; font-weight: bold; font-size: 11pt;")
        self.lost.show_changes(losses, done=True)
        self.lost.setVisible(bool(losses))
        self.safety.setText(
            f"Before copying, Lifeboat took a safety backup of {plan.target.dbname} and a backup of "
            f"{plan.source.dbname}. Both are in the backup list.")
        self.safety.setVisible(True)
        fill_verification_table(self.check_table, check)
        self.undo.show_offer(result.safety_backup_id)

    def show_problem(self, error: BaseException) -> None:
        message, details = error_text(error)
        title = "The sync was stopped." if isinstance(error, Cancelled) else "The sync did not finish."
        self.say(f"\u2716 {title} {message}", f"color: {palette.DANGER};")
        self.details.show_details(details)
        self.undo.show_offer(error.safety_backup_id if isinstance(error, LifeboatError) else None)

    def _show_undone(self, result) -> None:
        colour = palette.OK_TEXT if result.ok else palette.DANGER
        self.say(f"\u21a9 Undone: {result.database} is back as it was before the sync. {result.check.summary()}",
                 f"color: {colour}; font-weight: bold; font-size: 11pt;")
        self.lost.setHidden(True)
        self.safety.setHidden(True)
        fill_verification_table(self.check_table, result.check)

    def say(self, text: str, style: str) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(style)
        self.summary.setVisible(True)


def _count(changes: list, noun: str) -> str:
    return f"{len(changes)} {noun}{'s' if len(changes) != 1 else ''}"
