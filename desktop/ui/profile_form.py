"""The fields of a connection profile, filled by pasting a DATABASE_URL or by hand.

Reads back as a Profile with every problem shown next to its field. A password
found in a pasted URL moves to the (masked) password field and the URL field
keeps the URL without it (the dialog saves it to the keyring, never to a file).
"""
import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import InvalidProfile
from desktop.core.store.profiles import Profile, parse_database_url, url_without_password, validate
from desktop.ui.badges import environment_badge
from desktop.ui.error_dialog import gui_words
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, named, with_clear_button

# (label, sslmode); libpq's own default is "prefer" (PostgreSQL docs, "Protection Provided in Different Modes").
SSL_CHOICES = (
    ("Default", None, "Encrypted when the server offers it, plain otherwise (libpq's \"prefer\")."),
    ("Require (managed hosts such as Neon)", "require", "Always encrypted; the certificate is not checked."),
    ("Verify the certificate (verify-ca)", "verify-ca",
     "Encrypted, and the server's certificate must be signed by the root certificate below."),
    ("Verify certificate and host name (verify-full)", "verify-full",
     "Like verify-ca, and the certificate must name this server."),
    ("Prefer encryption (prefer)", "prefer", "Encrypted when the server offers it."),
    ("Allow (allow)", "allow", "Plain first, encrypted only if the server insists."),
    ("Never encrypt (disable)", "disable", "Only on a network you trust completely."),
)
_ENVIRONMENT_NOTES = {
    "production": "Protected: restoring into it asks for its name and backs it up first.",
    "development": "Not protected: backups can be restored into it without extra questions.",
}


def suggested_name(dbname: str) -> str:
    """A profile name from a database name, within what profile names allow."""
    return re.sub(r"[^\w .-]+", "-", dbname).strip(" .-")[:64]


def error_label(object_name: str, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    # QFormLayout sizes a wrapping label's row by its size hint (two lines or
    # more, whatever the text): field errors are one short line instead.
    label.setWordWrap(wrap)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


class ProfileForm(QWidget):
    connection_changed = Signal()  # a field that decides where and how to connect changed

    def __init__(self, profile: Profile | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._original = profile
        self._name_typed = profile is not None
        self._url_busy = False
        self._last_url_length = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self._url_section())
        layout.addWidget(self._section_heading("Or fill in the details"))
        layout.addLayout(self._fields())
        self._general_error = error_label("profileError")
        layout.addWidget(self._general_error)
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
        self.url_field = named(QLineEdit(), "urlField", "Connection URL")
        self.url_field.setPlaceholderText("postgresql://user:password@host:5432/database?sslmode=require")
        with_clear_button(self.url_field)
        self.url_field.textChanged.connect(self._on_url_changed)
        self.url_field.editingFinished.connect(self._strip_url_password)
        hint = QLabel(
            "Hosting services such as Neon, Supabase or Heroku show it as DATABASE_URL. "
            "The fields below fill in by themselves; the password goes to your system's keyring."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self._url_error = error_label("urlError")
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
        self.name_field = named(QLineEdit(), "nameField", "Connection name")
        self.name_field.setPlaceholderText("For example: Shop live")
        self.host_field = named(QLineEdit(), "hostField", "Server address")
        self.host_field.setPlaceholderText("db.example.com")
        self.port_field = named(QLineEdit("5432"), "portField", "Port")
        self.port_field.setMaximumWidth(80)
        self.database_field = named(QLineEdit(), "databaseField", "Database name")
        self.user_field = named(QLineEdit(), "userField", "User name")
        self._errors = {key: error_label(f"{key}Error", wrap=False)
                        for key in ("name", "host", "port", "database", "user")}

        host_row = QHBoxLayout()
        host_row.addWidget(self.host_field, 1)
        host_row.addWidget(QLabel("Port:"))
        host_row.addWidget(self.port_field)

        form = self._form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Name:", self.name_field)
        self._add_error_rows("name")
        form.addRow("Server address:", host_row)
        self._add_error_rows("host", "port")
        form.addRow("Database:", self.database_field)
        self._add_error_rows("database")
        form.addRow("User:", self.user_field)
        self._add_error_rows("user")
        form.addRow("Password:", self._password_row())
        form.addRow("", self._advanced_toggle())
        form.addRow("SSL mode:", self._ssl_combo())
        form.addRow("Root certificate:", self._root_cert_row())
        self._show_advanced(False)
        form.addRow("Environment:", self._environment())
        form.addRow("", self._environment_note)
        self.read_only_check = named(
            QCheckBox("Backups only (never restore into it)"), "readOnlyCheck", "Backups only, never restore into it")
        form.addRow("", self.read_only_check)
        self.notes_field = named(QPlainTextEdit(), "notesField", "Notes")
        self.notes_field.setPlaceholderText("Anything worth remembering: who owns it, what it is for")
        self.notes_field.setFixedHeight(self.notes_field.fontMetrics().lineSpacing() * 3 + 14)
        self.notes_field.setTabChangesFocus(True)
        form.addRow("Notes:", self.notes_field)
        return form

    def _add_error_rows(self, *keys: str) -> None:
        # Rows of their own, under the field, shown only with a message in them.
        for key in keys:
            self._form.addRow("", self._errors[key])
            self._form.setRowVisible(self._errors[key], False)

    def _set_error(self, key: str, message: str) -> None:
        self._errors[key].setText(message)
        self._form.setRowVisible(self._errors[key], bool(message))

    def _password_row(self) -> QHBoxLayout:
        self.password_field = named(QLineEdit(), "passwordField", "Password")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_password = named(QPushButton("Show"), "showPasswordButton", "Show password")
        self.show_password.setCheckable(True)
        self.show_password.setAutoDefault(False)
        self.show_password.toggled.connect(self._on_show_password)
        row = QHBoxLayout()
        row.addWidget(self.password_field, 1)
        row.addWidget(self.show_password)
        return row

    def _advanced_toggle(self) -> QToolButton:
        """Encryption settings fold away: the default suits most servers, and a pasted URL sets them."""
        self.advanced_button = named(QToolButton(), "advancedButton", "Advanced: encryption settings")
        self.advanced_button.setText("Advanced: encryption (SSL)")
        self.advanced_button.setToolTip("How the connection is encrypted. The default suits most servers; "
                                        "hosting services usually need Require.")
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.setCheckable(True)
        self.advanced_button.toggled.connect(self._show_advanced)
        return self.advanced_button

    def _show_advanced(self, shown: bool) -> None:
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self._form.setRowVisible(self.ssl_combo, shown)
        self._form.setRowVisible(self._root_cert_row_layout, shown)

    def _ssl_combo(self) -> QComboBox:
        self.ssl_combo = named(QComboBox(), "sslModeCombo", "SSL mode")
        for index, (label, mode, tip) in enumerate(SSL_CHOICES):
            self.ssl_combo.addItem(label, mode)
            self.ssl_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        return self.ssl_combo

    def _root_cert_row(self) -> QHBoxLayout:
        self.root_cert_field = named(QLineEdit(), "rootCertField", "Root certificate file")
        self.root_cert_field.setPlaceholderText("Only needed to verify the server's certificate")
        choose = named(QPushButton("Choose\u2026"), "rootCertButton", "Choose root certificate file")
        choose.setAutoDefault(False)
        choose.clicked.connect(self._choose_root_cert)
        row = self._root_cert_row_layout = QHBoxLayout()
        row.addWidget(self.root_cert_field, 1)
        row.addWidget(choose)
        return row

    def _environment(self) -> QHBoxLayout:
        self.development_radio = named(QRadioButton("Development"), "developmentRadio", "Development")
        self.production_radio = named(QRadioButton("Production"), "productionRadio", "Production")
        self._environment_group = QButtonGroup(self)
        self._environment_group.addButton(self.development_radio)
        self._environment_group.addButton(self.production_radio)
        self.badge = environment_badge("production")
        self._environment_note = QLabel()
        self._environment_note.setObjectName("environmentNote")
        self._environment_note.setStyleSheet(HINT_STYLE)
        self.production_radio.toggled.connect(self._on_environment_changed)
        row = QHBoxLayout()
        row.addWidget(self.development_radio)
        row.addWidget(self.production_radio)
        row.addSpacing(8)
        row.addWidget(self.badge)
        row.addStretch(1)
        return row

    # --- filling ------------------------------------------------------------
    def _load(self, profile: Profile | None) -> None:
        if profile is None:
            self.production_radio.setChecked(True)  # the safe assumption until told otherwise
            return
        self.name_field.setText(profile.name)
        self.name_field.setReadOnly(True)
        self.name_field.setStyleSheet("QLineEdit:read-only { background: palette(window); }")
        self.name_field.setToolTip("The name cannot change: backups are filed under it.")
        self.host_field.setText(profile.host)
        self.port_field.setText(str(profile.port))
        self.database_field.setText(profile.dbname)
        self.user_field.setText(profile.user)
        self.password_field.setPlaceholderText(
            "Kept in the keyring; leave empty to keep it" if profile.has_password else "No password stored")
        self.ssl_combo.setCurrentIndex(max(0, self.ssl_combo.findData(profile.sslmode)))
        self.root_cert_field.setText(profile.sslrootcert or "")
        self.advanced_button.setChecked(bool(profile.sslmode or profile.sslrootcert))
        (self.production_radio if profile.is_production else self.development_radio).setChecked(True)
        self._on_environment_changed()
        self.read_only_check.setChecked(profile.read_only)
        self.notes_field.setPlainText(profile.notes)

    def _connect_changes(self) -> None:
        self.name_field.textEdited.connect(self._on_name_typed)
        for field in (self.host_field, self.port_field, self.database_field, self.user_field,
                      self.password_field, self.root_cert_field):
            field.textChanged.connect(self.connection_changed)
        self.ssl_combo.currentIndexChanged.connect(self.connection_changed)
        self.production_radio.toggled.connect(self.connection_changed)

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
            self._url_error.setText(gui_words(exc.message))
            self._url_error.setVisible(pasted)
            return
        self._url_error.hide()
        self._apply_url(fields, password)
        if password:  # out of sight as soon as it is whole: it moved to the masked field
            self._strip_url_password()

    def _apply_url(self, fields: dict, password: str | None) -> None:
        self.host_field.setText(fields["host"])
        self.port_field.setText(str(fields["port"]))
        self.database_field.setText(fields["dbname"])
        self.user_field.setText(fields["user"])
        self.ssl_combo.setCurrentIndex(max(0, self.ssl_combo.findData(fields.get("sslmode"))))
        if fields.get("sslrootcert"):
            self.root_cert_field.setText(fields["sslrootcert"])
        if fields.get("sslmode") or fields.get("sslrootcert"):
            self.advanced_button.setChecked(True)
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
            # Typing goes on where it was: the cursor keeps its distance from the end.
            from_end = len(text) - self.url_field.cursorPosition()
            self._url_busy = True
            try:
                self.url_field.setText(url_without_password(text))
                self._last_url_length = len(self.url_field.text())
                self.url_field.setCursorPosition(max(0, len(self.url_field.text()) - from_end))
            finally:
                self._url_busy = False

    def _on_show_password(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password_field.setEchoMode(mode)
        self.show_password.setText("Hide" if shown else "Show")
        self.show_password.setAccessibleName("Hide password" if shown else "Show password")

    def _choose_root_cert(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the server's root certificate", self.root_cert_field.text() or str(Path.home()),
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
    def profile(self) -> Profile | None:
        """The profile the fields describe, or None with the problems shown inline."""
        problems = {
            "name": "" if self.name_field.text().strip()
            else "Give the connection a name, for example \u201cShop live\u201d.",
            "host": "" if self.host_field.text().strip() else "Enter the server address, for example db.example.com.",
            "port": "" if self._port() else "The port is a number from 1 to 65535 (PostgreSQL usually uses 5432).",
            "database": "" if self.database_field.text().strip() else "Enter the name of the database.",
            "user": "" if self.user_field.text().strip() else "Enter the user name to log in with.",
        }
        for key, message in problems.items():
            self._set_error(key, message)
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
            self.show_general_error(gui_words(exc.message))
            return None
        return profile

    def _port(self) -> int | None:
        text = self.port_field.text().strip()
        return int(text) if text.isdigit() and 1 <= int(text) <= 65535 else None

    def show_general_error(self, message: str) -> None:
        self._general_error.setText(message)
        self._general_error.show()

    def show_name_error(self, message: str) -> None:
        self._set_error("name", message)

    def typed_password(self) -> str | None:
        return self.password_field.text() or None
