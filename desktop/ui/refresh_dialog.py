""""Refresh development from production…": a development database replaced by a (masked) copy of a source.

The dialog collects the choices and runs core's run_refresh in a
BackgroundJob; every rule (no production target, no unreviewed column, a
backup of the right source) is core's and enforced again there. Before
Start, it asks core which of the source's columns are not reviewed yet
(a read of the source's catalogue, in the background) and offers the
masking review for them.
"""
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import LifeboatError
from desktop.core.jobs.refresh import RefreshRequest, RefreshResult, check_target, run_refresh
from desktop.core.masking.manage import review_state
from desktop.core.store.catalog_query import CatalogQuery
from desktop.core.store.profiles import Profile
from desktop.ui import formatting as fmt
from desktop.ui import palette
from desktop.ui.badges import EnvironmentBadge
from desktop.ui.catalog_model import BackupChoicesModel
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.mask_review import MaskReviewDialog
from desktop.ui.refresh_outcome import RefreshOutcome
from desktop.ui.widgets import (
    ERROR_STYLE,
    HINT_STYLE,
    REFUSAL_STYLE,
    fit_to_screen,
    named,
    start_and_close,
    text_style,
    wrapped_label,
)


class RefreshDialog(QDialog):
    refreshed = Signal(object)  # RefreshResult
    changed = Signal()  # a refresh ended: the backup list may have a new backup
    policy_checked = Signal()  # the source's review state is on screen

    def __init__(self, ws, target: Profile, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.target = target
        self.unreviewed: Optional[list[str]] = None  # None: not known (yet)
        self.state_job: Optional[BackgroundJob] = None
        self.refresh_job: Optional[BackgroundJob] = None
        self.setObjectName("refreshDialog")
        self.setWindowTitle("Refresh development from production")
        self.setAccessibleName("Refresh development from production")
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_choices())
        self.outcome = RefreshOutcome(self)
        self.pages.addWidget(self.outcome)
        self.start_button, self.close_button = start_and_close(self, self.pages, "Start the refresh",
                                                               "startRefreshButton")
        self.start_button.clicked.connect(self.start)
        self._fill_sources()
        fit_to_screen(self, 760, 640)

    # --- building -----------------------------------------------------
    def _build_choices(self) -> QWidget:
        page = QWidget(self)
        intro = wrapped_label(
            f"Lifeboat replaces the database {self.target.dbname} of \u201c{self.target.name}\u201d with a copy of "
            "a production database. Masked, every column holding personal data is replaced with a fake on this "
            "computer, before anything reaches the development server.", page, "refreshIntro")
        self.refusal = wrapped_label("", page, "refreshRefusal", REFUSAL_STYLE)
        self.source = named(QComboBox(page), "refreshSource", "Refresh from")
        self.backup = named(QComboBox(page), "refreshBackup", "Existing backup to use")
        self.backup_choices = BackupChoicesModel(self, CatalogQuery(statuses=("completed",)), fmt.backup_name)
        self.backup.setModel(self.backup_choices)
        self.fresh = named(QRadioButton("Take a fresh backup of it now", page), "freshBackup",
                           "Take a fresh backup of the source now")
        self.existing = named(QRadioButton("Use a backup I already have:", page), "existingBackup",
                              "Use an existing backup of the source")
        self.masked = named(QRadioButton("Masked: personal data replaced with fakes (recommended)", page),
                            "refreshMasked", "Masked: personal data replaced with fakes")
        self.unmasked = named(QRadioButton("Not masked: an exact copy", page), "refreshUnmasked",
                              "Not masked: an exact copy")
        for group, choice in ((QButtonGroup(page), (self.fresh, self.existing)),
                              (QButtonGroup(page), (self.masked, self.unmasked))):
            for button in choice:
                group.addButton(button)
            choice[0].setChecked(True)
        self.unmasked_warning = wrapped_label("", page, "unmaskedWarning", text_style(palette.DANGER, bold=True))
        self.policy_status = wrapped_label("", page, "policyStatus", HINT_STYLE)
        self.review_button = named(QPushButton("Review masking\u2026", page), "reviewMaskingButton",
                                   "Review the masking of the source")
        return self._lay_out_choices(page, intro)

    def _lay_out_choices(self, page: QWidget, intro: QLabel) -> QWidget:
        grid = QGridLayout()
        grid.addWidget(QLabel("Refresh:", page), 0, 0)
        grid.addWidget(QLabel(f"{self.target.name} \u2014 {self.target.dbname} on {self.target.host}", page), 0, 1)
        grid.addWidget(EnvironmentBadge(self.target.environment, page), 0, 2)
        grid.addWidget(QLabel("From:", page), 1, 0)
        grid.addWidget(self.source, 1, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        backup_row = QHBoxLayout()
        backup_row.addWidget(self.existing)
        backup_row.addWidget(self.backup, 1)
        review_row = QHBoxLayout()
        review_row.addWidget(self.policy_status, 1)
        review_row.addWidget(self.review_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.refusal)
        layout.addLayout(grid)
        layout.addWidget(wrapped_label("Which copy:", page, "backupTitle", "font-weight: bold;"))
        layout.addWidget(self.fresh)
        layout.addLayout(backup_row)
        layout.addWidget(wrapped_label("Personal data:", page, "maskingTitle", "font-weight: bold;"))
        layout.addWidget(self.masked)
        layout.addLayout(review_row)
        layout.addWidget(self.unmasked)
        layout.addWidget(self.unmasked_warning)
        layout.addStretch(1)
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.existing.toggled.connect(self._enable)
        self.backup.currentIndexChanged.connect(self._enable)
        self.masked.toggled.connect(self._on_masking_changed)
        self.review_button.clicked.connect(self.open_review)
        return page

    def _fill_sources(self) -> None:
        sources = [p for p in sorted(self.ws.profiles.list(), key=lambda p: p.name.casefold())
                   if p.is_production and p.name != self.target.name]
        self.source.blockSignals(True)
        for profile in sources:
            self.source.addItem(f"{profile.name} \u2014 {profile.dbname} on {profile.host}", profile.name)
        self.source.blockSignals(False)
        if sources:  # else the list of backups stays empty: it is read once it has a connection to show
            self.backup_choices.set_profile(self.source_name())
            self.backup_choices.set_catalog(self.ws.catalog)
        self._on_source_changed()
        self._on_masking_changed()

    # --- choices ------------------------------------------------------
    def source_name(self) -> Optional[str]:
        return self.source.currentData()

    def request(self) -> RefreshRequest:
        backup = self.backup.currentData() if self.existing.isChecked() else None
        return RefreshRequest(self.source_name() or self.target.name, self.target.name, backup,
                              mask=self.masked.isChecked())

    def refused_because(self) -> Optional[str]:
        """Core's words for a target it refuses (production, or the source itself)."""
        if not self.source_name() and not self.target.is_production:
            return "There is no production connection to refresh from: add it as a connection first."
        try:
            check_target(self.ws, self.request())
        except LifeboatError as exc:
            return exc.message
        return None

    def _on_source_changed(self, *_args) -> None:
        self.backup_choices.set_profile(self.source_name())
        self.existing.setEnabled(self.backup.count() > 0)
        if not self.backup.count():
            self.fresh.setChecked(True)
        self._check_policy()

    def _on_masking_changed(self, *_args) -> None:
        source = self.source_name() or "the source"
        self.unmasked_warning.setText(
            f"Not masked, every name, e-mail address and other personal value in {source} is copied into "
            f"{self.target.dbname} as it is, where more people can read it, and the activity log records that it "
            "was not masked. Choose it only for a database without personal data.")
        self.unmasked_warning.setVisible(self.unmasked.isChecked())
        self._enable()

    def _check_policy(self) -> None:
        self.unreviewed = None
        name = self.source_name()
        refused = self.refused_because()
        self.refusal.setText(refused or "")
        self.refusal.setVisible(bool(refused))
        self.review_button.setEnabled(bool(name))
        self._enable()
        if not name or refused:
            self.policy_status.setText("")
            return
        self.policy_status.setText(f"Checking the masking rules of {name} against its columns\u2026")
        self.policy_status.setStyleSheet(HINT_STYLE)
        self.state_job = run_in_background(self, "Check the masking rules",
                                           lambda report, cancel: review_state(self.ws, name),
                                           success=self._show_policy, failure=self._policy_failed)

    def _show_policy(self, state) -> None:
        if self.sender() is not self.state_job:
            return
        policy, self.unreviewed = state
        name = self.source_name()
        if policy.version == 0:
            words, style = (f"{name} has no masking rules yet: review its columns before a masked refresh.",
                            ERROR_STYLE)
        elif self.unreviewed:
            words, style = (f"These columns of {name} are not reviewed yet, so a masked refresh would stop at them: "
                            f"{', '.join(self.unreviewed)}. Review them first.", ERROR_STYLE)
        else:
            masked = sum(1 for c in policy.columns.values() if c.rule != "keep")
            words, style = (f"Every column of {name} is reviewed: {masked} masked, with "
                            f"{policy.describe()}.", text_style(palette.OK_TEXT))
        if policy.version == 0:
            self.unreviewed = self.unreviewed or ["(no rules yet)"]
        self.policy_status.setText(words)
        self.policy_status.setStyleSheet(style)
        self._enable()
        self.policy_checked.emit()

    def _policy_failed(self, error: BaseException) -> None:
        if self.sender() is self.state_job:
            self.policy_status.setText(error_text(error)[0])
            self.policy_status.setStyleSheet(ERROR_STYLE)
            self.policy_checked.emit()

    def _enable(self, *_args) -> None:
        ready = not self.refused_because() and (self.unmasked.isChecked() or self.unreviewed == [])
        idle = not (self.refresh_job and self.refresh_job.running)
        self.start_button.setEnabled(ready and idle and self.pages.currentIndex() == 0)

    def open_review(self) -> MaskReviewDialog:
        dialog = MaskReviewDialog(self.ws, self.source_name(), self)
        dialog.finished.connect(lambda _result: self._check_policy())
        dialog.open()
        return dialog

    # --- running ------------------------------------------------------
    def start(self) -> None:
        request = self.request()
        self.pages.setCurrentIndex(1)
        self.start_button.setHidden(True)
        self.refresh_job = run_in_background(
            self, f"Refreshing {self.target.dbname} from {request.source}",
            lambda report, cancel: run_refresh(self.ws, request, report, cancel),
            success=self._show_result, failure=self.outcome.show_problem, cancelled=self.outcome.show_problem,
            finished=self.changed, progress=self.outcome.progress, what="refresh")

    def _show_result(self, result: RefreshResult) -> None:
        self.outcome.show_result(result, fmt.backup_name(self.ws.catalog.get(result.backup_id)))
        self.refreshed.emit(result)

    def reject(self) -> None:
        if self.refresh_job and self.refresh_job.running:
            self.refresh_job.cancel()  # one transaction: development stays as it was
            return
        super().reject()
