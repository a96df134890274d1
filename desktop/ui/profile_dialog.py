"""Add or edit a connection: the profile's fields, "Test connection", Save.

The password goes to the keyring through ws.profiles (never into profiles.json).
Testing and saving run as BackgroundJobs: both talk to a server or the
keyring, which can take seconds (a connect timeout, a keyring waiting to be
unlocked).
"""
import html

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import InvalidProfile, ProfileExists
from desktop.core.postgres.connection import ConnectionReport, test_connection
from desktop.core.store.profiles import Profile
from desktop.core.units import human_size
from desktop.ui import palette
from desktop.ui.error_dialog import error_box, error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.profile_form import ProfileForm
from desktop.ui.widgets import named

BACKUP_LOGIN_LINK = "#backup-login"
_UNTESTED_HINT = "Testing first catches a wrong address or password. You can also save without testing."
_RESULT_TONES = {  # (background, border)
    "neutral": (palette.NEUTRAL_TINT, palette.NEUTRAL_BORDER), "success": (palette.SUCCESS_TINT, palette.SUCCESS),
    "warning": (palette.WARNING_TINT, palette.WARNING), "error": (palette.DANGER_TINT, palette.DANGER),
}


def report_html(report: ConnectionReport) -> str:
    facts = [
        "<b>\u2713 Connected.</b>",
        f"PostgreSQL {html.escape(report.server_version)}, database size "
        f"{human_size(report.database_size_bytes)}.",
    ]
    if report.tools:
        facts.append(
            f"Backups will use pg_dump {html.escape(report.tools.version)} "
            f"from {html.escape(str(report.tools.bin_dir))}."
        )
    if not report.can_write:
        facts.append("This user can only read data: good for backups.")
    paragraphs = ["<br>".join(facts)] + [f"\u26a0 {html.escape(warning)}" for warning in report.warnings]
    if report.read_only_sql:
        paragraphs.append(f'<a href="{BACKUP_LOGIN_LINK}">How do I make a backup-only login?</a>')
    return "".join(f'<p style="margin: 0 0 6px 0;">{text}</p>' for text in paragraphs)


def backup_login_box(parent: QWidget, sql: str) -> QMessageBox:
    box = named(QMessageBox(QMessageBox.Icon.Information, "A login for backups only",
                            "Backups only need to read the database. A login that can only read cannot change or "
                            "delete anything, even by mistake. Whoever runs the database can create one with the "
                            "lines below (with a password of their choice); then edit this connection to use it.",
                            QMessageBox.StandardButton.Ok, parent),
                "backupLoginHelp", "A login for backups only")
    box.setInformativeText(sql)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return box


class ProfileDialog(QDialog):
    def __init__(self, ws, parent: QWidget | None = None, profile: Profile | None = None):
        super().__init__(parent)
        self._ws = ws
        self._original = profile
        self.saved_profile: Profile | None = None
        self.test_job: BackgroundJob | None = None
        self.save_job: BackgroundJob | None = None
        self.last_report: ConnectionReport | None = None
        self.help_box: QMessageBox | None = None
        self._error_box = None
        title = "Edit connection" if profile else "Add a connection"
        self.setWindowTitle(title)
        self.setObjectName("profileDialog")
        self.setAccessibleName(title)
        self.setMinimumWidth(640)

        heading = QLabel(title)
        heading.setObjectName("profileDialogHeading")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        heading.setFont(font)
        self.form = ProfileForm(profile)
        self.form.connection_changed.connect(self._forget_test)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.form)
        layout.addWidget(self._test_section())
        layout.addWidget(self._buttons())

    # --- building -------------------------------------------------------
    def _test_section(self) -> QWidget:
        self.test_button = named(QPushButton("Test connection"), "testConnectionButton", "Test connection")
        self.test_button.clicked.connect(self.start_test)
        self.test_result = QLabel(_UNTESTED_HINT)
        self.test_result.setObjectName("testResult")
        self.test_result.setAccessibleName("Connection test result")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                 | Qt.TextInteractionFlag.LinksAccessibleByMouse
                                                 | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.test_result.linkActivated.connect(self._show_backup_login_help)
        self._result_frame = QFrame()
        self._result_frame.setObjectName("testResultFrame")
        frame_layout = QVBoxLayout(self._result_frame)
        frame_layout.addWidget(self.test_result)
        self._set_result(_UNTESTED_HINT, "neutral")
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._result_frame, 1)
        return box

    def _buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.save_button = named(
            buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole), "saveProfileButton", "Save connection")
        self.cancel_button = named(
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel), "cancelButton", "Cancel")
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.test_button.setDefault(True)  # until a test succeeds: testing first is encouraged
        return buttons

    # --- testing ---------------------------------------------------------------
    def start_test(self) -> None:
        profile = self.form.profile()
        if profile is None:
            return
        typed, original, ws = self.form.typed_password(), self._original, self._ws

        def run(report, cancel):
            # Editing without retyping the password: test with the stored one.
            password = typed or (ws.profiles.password_for(original) if original else None)
            return test_connection(profile, password, ws.tool_dirs())

        self.test_button.setEnabled(False)
        self._set_result(f"Connecting to {html.escape(profile.display_target())}\u2026", "neutral")
        self.test_job = run_in_background(self, "Test connection", run, success=self._on_test_succeeded,
                                          failure=self._on_test_failed,
                                          finished=lambda: self.test_button.setEnabled(True))

    def _on_test_succeeded(self, report: ConnectionReport) -> None:
        self.last_report = report
        self._set_result(report_html(report), "warning" if report.warnings else "success")
        self.save_button.setDefault(True)

    def _show_backup_login_help(self, _link: str) -> None:
        if self.last_report and self.last_report.read_only_sql:
            self.help_box = backup_login_box(self, self.last_report.read_only_sql)
            self.help_box.open()

    def _on_test_failed(self, error: BaseException) -> None:
        message, _details = error_text(error)
        self._set_result(f"<b>\u2717 Could not connect.</b><br>{html.escape(message)}", "error")

    def _forget_test(self, *_args) -> None:
        if not (self.test_job and self.test_job.running):
            self._set_result(_UNTESTED_HINT, "neutral")
            self.test_button.setDefault(True)

    def _set_result(self, text: str, tone: str) -> None:
        background, border = _RESULT_TONES[tone]
        self._result_frame.setStyleSheet(
            f"QFrame#testResultFrame {{ background-color: {background}; border: 1px solid {border};"
            " border-radius: 4px; }")
        self.test_result.setText(text)
        # Word-wrapped rich text does not pass its height up through the
        # nested layouts: claim it, so the dialog grows instead of clipping.
        width = max(self.test_result.width(), 440)
        self.test_result.setMinimumHeight(self.test_result.heightForWidth(width))
        self._result_tone = tone

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            # A window's minimum size ignores the height wrapped labels need
            # at its width (the test result, inline errors): grow, not squeeze.
            needed = self.heightForWidth(self.width())
            if needed > self.height():
                self.resize(self.width(), needed)
        return handled

    @property
    def result_tone(self) -> str:
        """neutral, success, warning or error: what the test area shows now."""
        return self._result_tone

    # --- saving -----------------------------------------------------------------
    def save(self) -> None:
        profile = self.form.profile()
        if profile is None:
            return
        password, store, editing = self.form.typed_password(), self._ws.profiles, self._original is not None

        def run(report, cancel):
            return store.update(profile, password) if editing else store.add(profile, password)

        self._set_busy(True)
        self.save_job = run_in_background(self, "Save connection", run, success=self._on_saved,
                                          failure=self._on_save_failed)

    def _on_saved(self, profile: Profile) -> None:
        self.saved_profile = profile
        self._set_busy(False)
        self.accept()

    def _on_save_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ProfileExists):
            self.form.show_name_error("Another connection already has this name. Choose another one.")
        elif isinstance(error, InvalidProfile):
            self.form.show_general_error(error_text(error)[0])
        else:
            # KeyringUnavailable above all: the store wrote nothing.
            self._error_box = error_box(self, "The connection was not saved", error)
            self._error_box.open()

    def _set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)

    # --- closing ----------------------------------------------------------------
    def reject(self) -> None:
        if self.save_job and self.save_job.running:
            return  # half a save must not look cancelled
        super().reject()
