"""The undo after a production write: "Undo: put production back as it was at 14:02".

Shown under a restore's result or failure when a safety backup exists. The
undo writes into production too, so it asks for the typed database name
like every production write; then one click runs `undo_restore`.
"""
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.core.jobs.undo import UndoOffer, undo_offer, undo_restore
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import HINT_STYLE, named, wrapped_label


class UndoPanel(QWidget):
    undone = Signal(object)  # RestoreResult of the undo
    undo_finished = Signal()  # after any undo, done or not: the window refreshes what it shows

    def __init__(self, ws, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.offer: Optional[UndoOffer] = None
        self.job: Optional[BackgroundJob] = None
        self.explain = wrapped_label("", self, "undoExplanation", HINT_STYLE)
        self.typed = named(QLineEdit(self), "undoConfirmField", "Type the database name to undo")
        self.button = named(QPushButton("Undo", self), "undoButton", "Undo the restore")
        self.outcome = wrapped_label("", self, "undoOutcome")
        row = QHBoxLayout()
        row.addWidget(self.typed, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.explain)
        layout.addLayout(row)
        layout.addWidget(self.outcome)
        self.typed.textChanged.connect(self._enable)
        self.button.clicked.connect(self.start)
        self.setHidden(True)

    def show_offer(self, safety_backup_id: Optional[str]) -> None:
        self.offer = undo_offer(self.ws, safety_backup_id)
        self.setHidden(self.offer is None)
        if self.offer is None:
            return
        when = fmt.local_datetime(self.offer.taken_at)
        self.button.setText(f"Undo: put {self.offer.database} back as it was at {when}")
        self.button.setAccessibleName(f"Undo: put {self.offer.database} back as it was at {when}")
        self.explain.setText(
            f"Changed your mind, or something looks wrong? Lifeboat can put {self.offer.database} back exactly "
            f"as it was before, from the safety backup taken at {when}. Everything written since "
            f"is replaced. Type {self.offer.database} to confirm:")
        self.typed.clear()
        self.typed.setPlaceholderText(self.offer.database)
        for widget in (self.explain, self.typed, self.button):
            widget.setVisible(True)
        self.outcome.setHidden(True)
        self._enable()

    def _enable(self) -> None:
        ready = self.offer is not None and self.typed.text() == self.offer.database
        self.button.setEnabled(ready and not (self.job and self.job.running))

    def start(self) -> None:
        offer, confirm = self.offer, self.typed.text()
        self.job = run_in_background(
            self, "Undo", lambda report, cancel: undo_restore(self.ws, offer.safety_backup_id, confirm, report, cancel),
            progress=lambda progress: self._say(progress.headline, HINT_STYLE),
            success=self._done, failure=self._failed, cancelled=self._failed, finished=self._enable)
        self.job.finished.connect(self.undo_finished)
        self.button.setEnabled(False)

    def _done(self, result) -> None:
        if result.ok:
            self._say(f"\u2714 {result.database} is back as it was. {result.check.summary()}",
                      f"color: {palette.OK_TEXT}; font-weight: bold;")
            for widget in (self.explain, self.typed, self.button):
                widget.setHidden(True)  # done: nothing left to undo
        else:
            self._say(f"\u2716 The undo finished, but: {result.check.summary()}",
                      f"color: {palette.DANGER}; font-weight: bold;")
        self.undone.emit(result)

    def _failed(self, error: BaseException) -> None:
        message, _ = error_text(error)
        self._say(f"\u2716 The undo did not finish. {message}", f"color: {palette.DANGER};")

    def _say(self, text: str, style: str) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet(style)
        self.outcome.setVisible(True)
