"""The masking review of a source connection: every column, its suggested rule and why, a rule to choose.

What is suggested, what "accept all" means and what Save writes are core's
(masking/manage.py: suggestions, accepted_rules, save_review); this screen
shows them and collects the choices. Reading the suggestions samples the
source's values on the server, so it runs in the background; so does Save,
which checks the rules against the source's columns as they are now.
"""
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.masking.manage import accepted_rules, save_review, suggestions
from desktop.core.masking.policy import Policy
from desktop.core.masking.rules import RULES
from desktop.core.masking.suggest import Suggestion
from desktop.ui import palette
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.mask_preview import MaskPreviewDialog
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, fit_to_screen, named, text_style, wrapped_label

_HEADERS = ("Column", "Type", "Rule", "Suggested", "Why", "Reviewed")
RULE_COLUMN, STATE_COLUMN = 2, 5
NEW_TEXT = "New"
_RULE_WIDTH = 140


class MaskReviewDialog(QDialog):
    saved = Signal(object)  # the Policy as written
    loaded = Signal()  # the suggestions are on screen (or could not be read)

    def __init__(self, ws, profile_name: str, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.profile_name = profile_name
        self.found: list[Suggestion] = []
        self.policy: Optional[Policy] = None
        self.job: Optional[BackgroundJob] = None
        self.setObjectName("maskReviewDialog")
        self.setWindowTitle(f"Masking review \u2014 {profile_name}")
        self.setAccessibleName(f"Masking review of {profile_name}")
        intro = wrapped_label(
            f"Which columns of {profile_name} hold personal data, and how each is replaced when development is "
            "refreshed from it. Lifeboat suggests a rule from each column's name and a sample of its values; "
            "you decide. Columns marked \u201cNew\u201d have not been reviewed yet: a masked refresh waits for them.",
            self, "maskReviewIntro")
        self.status = wrapped_label("", self, "maskReviewStatus", HINT_STYLE)
        self.table = named(QTableWidget(0, len(_HEADERS), self), "maskColumns", "Columns and their masking rules")
        self.table.setHorizontalHeaderLabels(_HEADERS)
        self.table.verticalHeader().setVisible(False)
        # Rows follow their wrapped reason as the window is resized.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(RULE_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(RULE_COLUMN, _RULE_WIDTH)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.accept_button = named(QPushButton("Accept all suggestions", self), "acceptSuggestionsButton",
                                   "Accept all suggestions")
        self.preview_button = named(QPushButton("Preview the saved rules\u2026", self), "maskPreviewButton",
                                    "Preview the saved rules")
        self.save_button = named(QPushButton("Save", self), "saveMaskingButton", "Save the masking rules")
        self.close_button = named(QPushButton("Close", self), "closeButton", "Close")
        self._lay_out(intro)
        self.accept_button.clicked.connect(self.accept_all)
        self.preview_button.clicked.connect(self.open_preview)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        fit_to_screen(self, 1100, 680)
        self.load()

    def _lay_out(self, intro) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.preview_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    # --- loading --------------------------------------------------------
    def load(self) -> None:
        self._busy(f"Reading the columns of {self.profile_name} and a sample of their values\u2026")
        self.job = run_in_background(self, "Read masking suggestions",
                                     lambda report, cancel: suggestions(self.ws, self.profile_name),
                                     success=self._show, failure=self._failed)

    def _busy(self, words: str) -> None:
        self.status.setText(words)
        self.status.setStyleSheet(HINT_STYLE)
        for button in (self.accept_button, self.save_button):
            button.setEnabled(False)

    def _failed(self, error: BaseException) -> None:
        self.status.setText(error_text(error)[0])
        self.status.setStyleSheet(ERROR_STYLE)
        self.save_button.setEnabled(bool(self.found))
        self.loaded.emit()

    def _show(self, answer: tuple[list[Suggestion], Policy]) -> None:
        self.found, self.policy = answer
        self.table.setRowCount(len(self.found))
        for row, item in enumerate(self.found):
            saved = self.policy.columns.get(item.column)
            cells = (item.column, item.type, "", item.rule, item.reason, "")
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, column, cell)
            self.table.setCellWidget(row, RULE_COLUMN, self._chooser(item, saved.rule if saved else item.rule))
            self._mark(row, bool(saved and saved.reviewed))
        self._say_counts()
        self.accept_button.setEnabled(bool(self.found))
        self.save_button.setEnabled(bool(self.found))
        self.loaded.emit()

    def _chooser(self, item: Suggestion, rule: str) -> QComboBox:
        """Editable: 'fixed VALUE' and 'date-shift DAYS' take a value after the rule's name."""
        combo = named(QComboBox(), f"rule:{item.column}", f"Rule for {item.column}")
        combo.setEditable(True)
        combo.addItems(RULES)
        combo.setCurrentText(rule)
        combo.lineEdit().setAccessibleName(f"Rule for {item.column}")
        combo.currentTextChanged.connect(self._say_counts)
        return combo

    def _mark(self, row: int, reviewed: bool) -> None:
        state = self.table.item(row, STATE_COLUMN)
        state.setText("yes" if reviewed else NEW_TEXT)
        state.setToolTip("Reviewed" if reviewed else "New: not reviewed yet")
        state.setForeground(QColor(palette.TEXT if reviewed else palette.CHANGED_TEXT))
        font = QFont(state.font())
        font.setBold(not reviewed)
        state.setFont(font)

    def _say_counts(self, *_args) -> None:
        rules = self.chosen_rules()
        new = self.unreviewed()
        masked = sum(1 for rule in rules.values() if rule != "keep")
        words = f"{len(rules)} columns, {masked} to be masked."
        if new:
            words += f" {len(new)} not reviewed yet (marked \u201cNew\u201d): Save reviews them with the rules shown."
        self.status.setText(words)
        self.status.setStyleSheet(text_style(palette.CHANGED_TEXT) if new else HINT_STYLE)

    # --- choices --------------------------------------------------------
    def rule_chooser(self, column_key: str) -> QComboBox:
        row = next(row for row, item in enumerate(self.found) if item.column == column_key)
        return self.table.cellWidget(row, RULE_COLUMN)

    def chosen_rules(self) -> dict[str, str]:
        return {item.column: self.table.cellWidget(row, RULE_COLUMN).currentText().strip()
                for row, item in enumerate(self.found)}

    def unreviewed(self) -> list[str]:
        return self.policy.unreviewed([item.column for item in self.found]) if self.policy else []

    def accept_all(self) -> None:
        for column, rule in accepted_rules(self.found, self.policy).items():
            self.rule_chooser(column).setCurrentText(rule)

    def save(self) -> None:
        rules = self.chosen_rules()
        self._busy("Checking the rules against the source and saving\u2026")
        self.job = run_in_background(self, "Save the masking rules",
                                     lambda report, cancel: save_review(self.ws, self.profile_name, self.found, rules),
                                     success=self._saved, failure=self._failed)

    def _saved(self, change) -> None:
        self.policy = change.policy
        for row in range(len(self.found)):
            self._mark(row, True)
        self._say_counts()
        self.status.setText(f"Saved: {change.policy.describe()}. " + self.status.text())
        self.status.setStyleSheet(text_style(palette.OK_TEXT))
        self.accept_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.saved.emit(change.policy)

    def open_preview(self) -> MaskPreviewDialog:
        dialog = MaskPreviewDialog(self.ws, self.profile_name, self)
        dialog.open()
        return dialog
