"""The guided restore (issue 3): backup -> target -> review -> progress and proof.

The pages live in restore_pages (1), restore_target (2), restore_review (3) and
restore_progress (4); the wizard ties them to one RestoreChoices. Once the
restore runs there is no way back (the review page is a commit page); a
failed or stopped restore offers to go back to the page with the choices.
Closing the window while it runs asks to stop the restore first:
pg_restore and psql run in one transaction here, so stopping leaves the
database as it was.
"""
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from desktop.core.store.catalog import BackupRecord
from desktop.ui.restore.pages import ChooseBackupPage, RestoreChoices
from desktop.ui.restore.progress import ProgressPage
from desktop.ui.restore.review import ReviewPage
from desktop.ui.restore.target import ChooseTargetPage
from desktop.ui.widgets import named


class RestoreWizard(QWizard):
    restored = Signal(object)  # RestoreResult, after a successful restore and verification
    changed = Signal()  # a restore or an undo ended: what the window shows may be out of date

    BACKUP_PAGE, TARGET_PAGE, REVIEW_PAGE, PROGRESS_PAGE = range(4)

    def __init__(self, ws, parent: Optional[QWidget] = None, preselected: Optional[BackupRecord] = None):
        super().__init__(parent)
        self.setObjectName("restoreWizard")
        self.setAccessibleName("Restore a backup")
        self.setWindowTitle("Restore a backup")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Close")
        self.setMinimumSize(800, 680)
        self.choices = RestoreChoices(record=preselected)
        self.backup_page = ChooseBackupPage(ws, self.choices, self)
        self.target_page = ChooseTargetPage(ws, self.choices, self)
        self.review_page = ReviewPage(self.choices, self)
        self.progress_page = ProgressPage(ws, self.choices, self)
        for number, page in enumerate((self.backup_page, self.target_page, self.review_page, self.progress_page)):
            self.setPage(number, page)
        self._name_buttons()
        self.stop_question: Optional[QMessageBox] = None
        self._close_when_done = False
        self.progress_page.restored.connect(self.restored)
        self.progress_page.job_finished.connect(self._after_job)
        self.progress_page.job_finished.connect(self.changed)
        self.progress_page.undo.undo_finished.connect(self.changed)

    def _name_buttons(self) -> None:
        names = {
            QWizard.WizardButton.BackButton: ("backButton", "Back"),
            QWizard.WizardButton.NextButton: ("nextButton", "Next"),
            QWizard.WizardButton.CommitButton: ("restoreButton", "Restore"),
            QWizard.WizardButton.FinishButton: ("closeButton", "Close"),
            QWizard.WizardButton.CancelButton: ("cancelButton", "Cancel"),
        }
        for which, (object_name, accessible) in names.items():
            named(self.button(which), object_name, accessible)

    def back_to_choices(self) -> None:
        """From a failed or stopped restore to the page with the choices, the target checked again."""
        while self.currentId() > self.TARGET_PAGE:
            self.back()
        self.target_page.recheck()

    def reject(self) -> None:
        """Window close, Escape and Cancel: never leave a restore running unseen."""
        if self.progress_page.running:
            self._ask_to_stop()
            return
        if self.backup_page.adding:
            self.hide()
            self.backup_page.file_job.finished.connect(self._close_now)
            return
        super().reject()

    def _close_now(self) -> None:
        QWizard.reject(self)

    def _ask_to_stop(self) -> None:
        if self.stop_question is not None and self.stop_question.isVisible():
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Stop the restore?",
                          "A restore is running. Stop it and close this window?",
                          QMessageBox.StandardButton.NoButton, self)
        named(box, "stopRestoreQuestion", "Stop the restore?")
        box.setInformativeText("Stopping undoes what the restore has changed so far: the database is left as "
                               "it was before. A safety backup already taken stays in the backup list.")
        stop = named(box.addButton("Stop and close", QMessageBox.ButtonRole.DestructiveRole),
                     "confirmStopButton", "Stop the restore and close")
        keep = named(box.addButton("Keep restoring", QMessageBox.ButtonRole.RejectRole),
                     "keepRestoringButton", "Keep restoring")
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.buttonClicked.connect(lambda button: self._stop_and_close() if button is stop else None)
        self.stop_question = box
        box.open()

    def _stop_and_close(self) -> None:
        self._close_when_done = True
        self.progress_page.cancel()

    def _after_job(self) -> None:
        if self.stop_question is not None:
            self.stop_question.close()
        if self._close_when_done:
            self._close_now()
