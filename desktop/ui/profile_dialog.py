"""Add or edit a connection: paste a DATABASE_URL or fill the fields, test, save.

The password goes to the keyring through ws.profiles (never into profiles.json);
the URL field keeps the pasted URL without it. Testing and saving run as
BackgroundJobs: both talk to a server or the keyring, which can take seconds
(a connect timeout, a keyring waiting to be unlocked).
"""
import html
import re

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..core.connection import ConnectionReport, test_connection
from ..core.errors import InvalidProfile, ProfileExists
from ..core.profiles import Profile, parse_database_url, url_without_password, validate
from ..core.units import human_size
from .badges import environment_badge
from .error_dialog import error_box, error_text
from .jobs import BackgroundJob

# (label, sslmode); libpq's own default is "prefer" (PostgreSQL docs, "Protection Provided in Different Modes").
SSL_CHOICES = (
    ("Default", None, "Encrypted when the server offers it, plain otherwise (libpq's \"prefer\")."),
    ("Require (managed hosts such as Neon)", "require", "Always encrypted; the certificate is not checked."),
    ("Verify the certificate (verify-ca)", "verify-ca", "Encrypted, and the server's certificate must be signed by the root certificate below."),
    ("Verify certificate and host name (verify-full)", "verify-full", "Like verify-ca, and the certificate must name this server."),
    ("Prefer encryption (prefer)", "prefer", "Encrypted when the server offers it."),
    ("Allow (allow)", "allow", "Plain first, encrypted only if the server insists."),
    ("Never encrypt (disable)", "disable", "Only on a network you trust completely."),
)
_ENVIRONMENT_NOTES = {
    "production": "Protected: restoring into it asks for its name and backs it up first.",
    "development": "Not protected: backups can be restored into it without extra questions.",
}
MUTED_TEXT = "color: #5f6368;"
_UNTESTED_HINT = "Testing first catches a wrong address or password. You can also save without testing."
# Lifeboat jobs still running when their dialog closed: kept here until they end,
# because a QThread destroyed while running aborts the process.
_detached_jobs: set[BackgroundJob] = set()


def suggested_name(dbname: str) -> str:
    """A profile name from a database name, within what profile names allow."""
    return re.sub(r"[^\w .-]+", "-", dbname).strip(" .-")[:64]


def _named(widget: QWidget, object_name: str, accessible_name: str) -> QWidget:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    return widget


def _error_label(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #b3261e;")
    label.hide()
    return label


def _with_errors(row: QWidget | QHBoxLayout, *errors: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    if isinstance(row, QWidget):
        layout.addWidget(row)
    else:
        layout.addLayout(row)
    for label in errors:
        layout.addWidget(label)
    return box


def report_html(report: ConnectionReport) -> str:
    lines = [
        "<b>\u2713 Connected.</b>",
        f"PostgreSQL {html.escape(report.server_version)}, database size "
        f"{human_size(report.database_size_bytes)}.",
    ]
    if report.tools:
        lines.append(
            f"Backups will use pg_dump {html.escape(report.tools.version)} "
            f"from {html.escape(str(report.tools.bin_dir))}."
        )
    if not report.can_write:
        lines.append("This user can only read data: good for backups.")
    lines += [f"\u26a0 {html.escape(warning)}" for warning in report.warnings]
    return "<br>".join(lines)


class ProfileDialog(QDialog):
    def __init__(self, ws, parent: QWidget | None = None, profile: Profile | None = None):
        super().__init__(parent)
        self._ws = ws
        self._original = profile
        self._name_typed = profile is not None
        self._url_busy = False
        self._last_url_length = 0
        self.saved_profile: Profile | None = None
        self.test_job: BackgroundJob | None = None
        self.save_job: BackgroundJob | None = None
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

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self._url_section())
        layout.addWidget(self._section_heading("Or fill in the details"))
        layout.addLayout(self._fields())
        layout.addWidget(self._test_section())
        self._general_error = _error_label("profileError")
        layout.addWidget(self._general_error)
        layout.addWidget(self._buttons())
        self._load(profile)
        self._connect_changes()

    # --- building -------------------------------------------------------
    def _section_heading(self, text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    def _url_section(self) -> QWidget:
        self.url_field = _named(QLineEdit(), "urlField", "Connection URL")
        self.url_field.setPlaceholderText("postgresql://user:password@host:5432/database?sslmode=require")
        self.url_field.setClearButtonEnabled(True)
        self.url_field.textChanged.connect(self._on_url_changed)
        self.url_field.editingFinished.connect(self._strip_url_password)
        hint = QLabel(
            "Hosting services such as Neon, Supabase or Heroku show it as DATABASE_URL. "
            "The fields below fill in by themselves; the password goes to your system's keyring."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED_TEXT)
        self._url_error = _error_label("urlError")
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self._section_heading("Paste a connection URL"))
        column.addWidget(self.url_field)
        column.addWidget(self._url_error)
        column.addWidget(hint)
        return box

    def _fields(self) -> QFormLayout:
        self.name_field = _named(QLineEdit(), "nameField", "Connection name")
        self.name_field.setPlaceholderText("For example: Shop live")
        self.host_field = _named(QLineEdit(), "hostField", "Server address")
        self.host_field.setPlaceholderText("db.example.com")
        self.port_field = _named(QLineEdit("5432"), "portField", "Port")
        self.port_field.setMaximumWidth(80)
        self.database_field = _named(QLineEdit(), "databaseField", "Database name")
        self.user_field = _named(QLineEdit(), "userField", "User name")
        self._errors = {key: _error_label(f"{key}Error") for key in ("name", "host", "port", "database", "user")}

        host_row = QHBoxLayout()
        host_row.addWidget(self.host_field, 1)
        host_row.addWidget(QLabel("Port:"))
        host_row.addWidget(self.port_field)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Name:", _with_errors(self.name_field, self._errors["name"]))
        form.addRow("Server address:", _with_errors(host_row, self._errors["host"], self._errors["port"]))
        form.addRow("Database:", _with_errors(self.database_field, self._errors["database"]))
        form.addRow("User:", _with_errors(self.user_field, self._errors["user"]))
        form.addRow("Password:", self._password_row())
        form.addRow("SSL mode:", self._ssl_combo())
        form.addRow("Root certificate:", self._root_cert_row())
        form.addRow("Environment:", self._environment())
        self.read_only_check = _named(
            QCheckBox("Backups only (never restore into it)"), "readOnlyCheck", "Backups only, never restore into it")
        form.addRow("", self.read_only_check)
        self.notes_field = _named(QPlainTextEdit(), "notesField", "Notes")
        self.notes_field.setPlaceholderText("Anything worth remembering: who owns it, what it is for")
        self.notes_field.setFixedHeight(self.notes_field.fontMetrics().lineSpacing() * 3 + 14)
        self.notes_field.setTabChangesFocus(True)
        form.addRow("Notes:", self.notes_field)
        return form

    def _password_row(self) -> QHBoxLayout:
        self.password_field = _named(QLineEdit(), "passwordField", "Password")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_password = _named(QPushButton("Show"), "showPasswordButton", "Show password")
        self.show_password.setCheckable(True)
        self.show_password.setAutoDefault(False)
        self.show_password.toggled.connect(self._on_show_password)
        row = QHBoxLayout()
        row.addWidget(self.password_field, 1)
        row.addWidget(self.show_password)
        return row

    def _ssl_combo(self) -> QComboBox:
        self.ssl_combo = _named(QComboBox(), "sslModeCombo", "SSL mode")
        for index, (label, mode, tip) in enumerate(SSL_CHOICES):
            self.ssl_combo.addItem(label, mode)
            self.ssl_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        return self.ssl_combo

    def _root_cert_row(self) -> QHBoxLayout:
        self.root_cert_field = _named(QLineEdit(), "rootCertField", "Root certificate file")
        self.root_cert_field.setPlaceholderText("Only needed to verify the server's certificate")
        choose = _named(QPushButton("Choose\u2026"), "rootCertButton", "Choose root certificate file")
        choose.setAutoDefault(False)
        choose.clicked.connect(self._choose_root_cert)
        row = QHBoxLayout()
        row.addWidget(self.root_cert_field, 1)
        row.addWidget(choose)
        return row

    def _environment(self) -> QWidget:
        self.development_radio = _named(QRadioButton("Development"), "developmentRadio", "Development")
        self.production_radio = _named(QRadioButton("Production"), "productionRadio", "Production")
        self._environment_group = QButtonGroup(self)
        self._environment_group.addButton(self.development_radio)
        self._environment_group.addButton(self.production_radio)
        self.badge = environment_badge("production")
        self._environment_note = QLabel()
        self._environment_note.setObjectName("environmentNote")
        self._environment_note.setStyleSheet(MUTED_TEXT)
        self.production_radio.toggled.connect(self._on_environment_changed)
        row = QHBoxLayout()
        row.addWidget(self.development_radio)
        row.addWidget(self.production_radio)
        row.addSpacing(8)
        row.addWidget(self.badge)
        row.addStretch(1)
        return _with_errors(row, self._environment_note)

    def _test_section(self) -> QWidget:
        self.test_button = _named(QPushButton("Test connection"), "testConnectionButton", "Test connection")
        self.test_button.clicked.connect(self.start_test)
        self.test_result = QLabel(_UNTESTED_HINT)
        self.test_result.setObjectName("testResult")
        self.test_result.setAccessibleName("Connection test result")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self.save_button = _named(
            buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole), "saveProfileButton", "Save connection")
        self.cancel_button = _named(
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel), "cancelButton", "Cancel")
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.test_button.setDefault(True)  # until a test succeeds: testing first is encouraged
        return buttons

    # --- filling ------------------------------------------------------------
    def _load(self, profile: Profile | None) -> None:
        if profile is None:
            self.production_radio.setChecked(True)  # the safe assumption until told otherwise
            return
        self.name_field.setText(profile.name)
        self.name_field.setReadOnly(True)
        self.name_field.setToolTip("The name cannot change: backups are filed under it.")
        self.host_field.setText(profile.host)
        self.port_field.setText(str(profile.port))
        self.database_field.setText(profile.dbname)
        self.user_field.setText(profile.user)
        self.password_field.setPlaceholderText(
            "Kept in the keyring; leave empty to keep it" if profile.has_password else "No password stored")
        self.ssl_combo.setCurrentIndex(max(0, self.ssl_combo.findData(profile.sslmode)))
        self.root_cert_field.setText(profile.sslrootcert or "")
        (self.production_radio if profile.is_production else self.development_radio).setChecked(True)
        self._on_environment_changed()
        self.read_only_check.setChecked(profile.read_only)
        self.notes_field.setPlainText(profile.notes)

    def _connect_changes(self) -> None:
        self.name_field.textEdited.connect(self._on_name_typed)
        for field in (self.host_field, self.port_field, self.database_field, self.user_field,
                      self.password_field, self.root_cert_field):
            field.textChanged.connect(self._forget_test)
        self.ssl_combo.currentIndexChanged.connect(self._forget_test)
        self.production_radio.toggled.connect(self._forget_test)

    def _on_name_typed(self, text: str) -> None:
        self._name_typed = bool(text)

    def _on_url_changed(self, text: str) -> None:
        if self._url_busy:
            return
        pasted = len(text) - self._last_url_length > 1
        self._last_url_length = len(text)
        if not text.strip():
            self._url_error.hide()
            return
        try:
            fields, password = parse_database_url(text)
        except InvalidProfile as exc:
            # While someone types, half a URL is no mistake yet.
            self._url_error.setText(exc.message)
            self._url_error.setVisible(pasted)
            return
        self._url_error.hide()
        self._apply_url(fields, password)
        if pasted:
            self._strip_url_password()

    def _apply_url(self, fields: dict, password: str | None) -> None:
        self.host_field.setText(fields["host"])
        self.port_field.setText(str(fields["port"]))
        self.database_field.setText(fields["dbname"])
        self.user_field.setText(fields["user"])
        self.ssl_combo.setCurrentIndex(max(0, self.ssl_combo.findData(fields.get("sslmode"))))
        if fields.get("sslrootcert"):
            self.root_cert_field.setText(fields["sslrootcert"])
        if password:
            self.password_field.setText(password)
        if not self._name_typed:
            self.name_field.setText(suggested_name(fields["dbname"]))

    def _strip_url_password(self) -> None:
        text = self.url_field.text()
        try:
            _, password = parse_database_url(text)
        except InvalidProfile:
            return
        if password:
            self._url_busy = True
            try:
                self.url_field.setText(url_without_password(text))
                self._last_url_length = len(self.url_field.text())
            finally:
                self._url_busy = False

    def _on_show_password(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password_field.setEchoMode(mode)
        self.show_password.setText("Hide" if shown else "Show")
        self.show_password.setAccessibleName("Hide password" if shown else "Show password")

    def _choose_root_cert(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the server's root certificate", self.root_cert_field.text(),
            "Certificates (*.crt *.pem *.cer);;All files (*)")
        if path:
            self.root_cert_field.setText(path)

    def _on_environment_changed(self, *_args) -> None:
        environment = self.environment()
        self.badge.set_environment(environment)
        self._environment_note.setText(_ENVIRONMENT_NOTES[environment])

    def environment(self) -> str:
        return "production" if self.production_radio.isChecked() else "development"

    # --- reading and checking ---------------------------------------------
    def _profile_from_fields(self) -> Profile | None:
        """The profile the fields describe, or None with the problems shown inline."""
        problems = {
            "name": "" if self.name_field.text().strip() else "Give the connection a name, for example \u201cShop live\u201d.",
            "host": "" if self.host_field.text().strip() else "Enter the server address, for example db.example.com.",
            "port": "" if self._port() else "The port is a number from 1 to 65535 (PostgreSQL usually uses 5432).",
            "database": "" if self.database_field.text().strip() else "Enter the name of the database.",
            "user": "" if self.user_field.text().strip() else "Enter the user name to log in with.",
        }
        for key, message in problems.items():
            self._errors[key].setText(message)
            self._errors[key].setVisible(bool(message))
        self._general_error.hide()
        if any(problems.values()):
            return None
        profile = Profile(
            name=self.name_field.text().strip(), environment=self.environment(),
            host=self.host_field.text().strip(), port=self._port(),
            dbname=self.database_field.text().strip(), user=self.user_field.text().strip(),
            sslmode=self.ssl_combo.currentData(), sslrootcert=self.root_cert_field.text().strip() or None,
            notes=self.notes_field.toPlainText().strip(), read_only=self.read_only_check.isChecked(),
            has_password=bool(self._original and self._original.has_password),
        )
        try:
            validate(profile)
        except InvalidProfile as exc:
            self._show_general_error(exc.message)
            return None
        return profile

    def _port(self) -> int | None:
        text = self.port_field.text().strip()
        return int(text) if text.isdigit() and 1 <= int(text) <= 65535 else None

    def _show_general_error(self, message: str) -> None:
        self._general_error.setText(message)
        self._general_error.show()

    def _typed_password(self) -> str | None:
        return self.password_field.text() or None

    # --- testing ---------------------------------------------------------------
    def start_test(self) -> None:
        profile = self._profile_from_fields()
        if profile is None:
            return
        typed, original, ws = self._typed_password(), self._original, self._ws

        def run(report, cancel):
            # Editing without retyping the password: test with the stored one.
            password = typed or (ws.profiles.password_for(original) if original else None)
            return test_connection(profile, password, ws.tool_dirs())

        self.test_button.setEnabled(False)
        self._set_result(f"Connecting to {html.escape(profile.display_target())}\u2026", "neutral")
        self.test_job = BackgroundJob("Test connection", run, self)
        self.test_job.succeeded.connect(self._on_test_succeeded)
        self.test_job.failed.connect(self._on_test_failed)
        self.test_job.finished.connect(lambda: self.test_button.setEnabled(True))
        self.test_job.start()

    def _on_test_succeeded(self, report: ConnectionReport) -> None:
        self._set_result(report_html(report), "warning" if report.warnings else "success")
        self.save_button.setDefault(True)

    def _on_test_failed(self, error: BaseException) -> None:
        message, _details = error_text(error)
        self._set_result(f"<b>\u2717 Could not connect.</b><br>{html.escape(message)}", "error")

    def _forget_test(self, *_args) -> None:
        if not (self.test_job and self.test_job.running):
            self._set_result(_UNTESTED_HINT, "neutral")
            self.test_button.setDefault(True)

    def _set_result(self, text: str, tone: str) -> None:
        background, border = {
            "neutral": ("#f4f5f7", "#d0d4da"), "success": ("#edf7ee", "#2e7d32"),
            "warning": ("#fff6e0", "#b26a00"), "error": ("#fbeceb", "#b3261e"),
        }[tone]
        self._result_frame.setStyleSheet(
            f"QFrame#testResultFrame {{ background-color: {background}; border: 1px solid {border};"
            " border-radius: 4px; }")
        self.test_result.setText(text)
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
        profile = self._profile_from_fields()
        if profile is None:
            return
        password, store, editing = self._typed_password(), self._ws.profiles, self._original is not None

        def run(report, cancel):
            return store.update(profile, password) if editing else store.add(profile, password)

        self._set_busy(True)
        self.save_job = BackgroundJob("Save connection", run, self)
        self.save_job.succeeded.connect(self._on_saved)
        self.save_job.failed.connect(self._on_save_failed)
        self.save_job.start()

    def _on_saved(self, profile: Profile) -> None:
        self.saved_profile = profile
        self._set_busy(False)
        self.accept()

    def _on_save_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ProfileExists):
            self._errors["name"].setText(error.message)
            self._errors["name"].show()
        elif isinstance(error, InvalidProfile):
            self._show_general_error(error.message)
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

    def done(self, result: int) -> None:
        if self.test_job and self.test_job.running:
            _detach(self.test_job)
            self.test_job = None
        super().done(result)


def _detach(job: BackgroundJob) -> None:
    """Let a running job outlive the dialog that started it, then delete itself."""
    for signal in (job.succeeded, job.failed, job.finished):
        signal.disconnect()
    job.setParent(QCoreApplication.instance())
    _detached_jobs.add(job)
    job.finished.connect(lambda: _detached_jobs.discard(job))
    job.finished.connect(job.deleteLater)
