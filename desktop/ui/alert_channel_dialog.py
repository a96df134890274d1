"""Add e-mail… / Add webhook… in Settings: the window's `lifeboat alerts add email|webhook`.

The channel is checked by core (an address that is one, a server with a
port, a web address) before it is saved; what is wrong shows under the
fields and the dialog stays open. The password goes to the keyring only.
"""
from typing import Optional

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.alerts.channels import DEFAULT_PORTS, AlertChannel, new_email_channel, new_webhook_channel
from desktop.core.alerts.manage import add_channel
from desktop.core.errors import LifeboatError
from desktop.core.workspace import Workspace
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, named, wrapped_label

# (what the combo says, the channel's security)
_SECURITY = (("STARTTLS (usual on port 587)", "starttls"), ("SSL (usual on port 465)", "ssl"),
             ("None (only inside a trusted network)", "none"))


class AlertChannelDialog(QDialog):
    def __init__(self, ws: Workspace, kind: str, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.kind = kind
        self.added: Optional[AlertChannel] = None
        title = "Add e-mail alerts" if kind == "email" else "Add a webhook"
        self.setWindowTitle(title)
        named(self, "alertChannelDialog", title)
        form = QFormLayout()
        if kind == "email":
            self._email_fields(form)
        else:
            self.url_field = self._field(form, "Web address:", "webhookUrlField", "Web address of the webhook",
                                         "https://hooks.example.com/…")
        self.on_success = named(QCheckBox("Also tell when a backup succeeds", self), "onSuccessCheck",
                                "Also tell when a backup succeeds")
        form.addRow("", self.on_success)
        self.error = named(wrapped_label("", self, "channelError", ERROR_STYLE), "channelError", "Problem")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.add_button = named(buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole),
                                "addChannelButton", "Add this alert channel")
        buttons.accepted.connect(self.add)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(wrapped_label(self._intro(), self, "channelIntro", HINT_STYLE))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _intro(self) -> str:
        if self.kind == "email":
            return ("Lifeboat sends an e-mail when a scheduled backup fails, stops making progress or is "
                    "overdue, through the mail server you name here. The password is kept in the system keyring.")
        return ("Lifeboat posts a small JSON document (event, connection, database, backup id, message, time) "
                "to this address when a scheduled backup fails, stops making progress or is overdue.")

    def _email_fields(self, form: QFormLayout) -> None:
        self.to_field = self._field(form, "Send to:", "emailToField", "E-mail address to send alerts to",
                                    "you@example.com")
        self.host_field = self._field(form, "Mail server:", "smtpHostField", "Mail server (SMTP) name",
                                      "smtp.example.com")
        self.security_combo = named(QComboBox(self), "smtpSecurityCombo", "Encryption")
        for text, value in _SECURITY:
            self.security_combo.addItem(text, value)
        self.security_combo.currentIndexChanged.connect(self._default_port)
        form.addRow("Encryption:", self.security_combo)
        self.port_spin = named(QSpinBox(self), "smtpPortSpin", "Mail server port")
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(DEFAULT_PORTS["starttls"])
        form.addRow("Port:", self.port_spin)
        self.user_field = self._field(form, "User name:", "smtpUserField", "User name on the mail server",
                                      "leave empty if the server needs no login")
        self.password_field = self._field(form, "Password:", "smtpPasswordField", "Password on the mail server", "")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.sender_field = self._field(form, "Send from:", "emailFromField", "Sender address",
                                        "optional: the user name when it is an address")

    def _field(self, form: QFormLayout, label: str, object_name: str, accessible: str, hint: str) -> QLineEdit:
        field = named(QLineEdit(self), object_name, accessible)
        field.setPlaceholderText(hint)
        form.addRow(label, field)
        return field

    def _default_port(self) -> None:
        if self.port_spin.value() in DEFAULT_PORTS.values():  # not one the person typed
            self.port_spin.setValue(DEFAULT_PORTS[self.security_combo.currentData()])

    def channel(self) -> AlertChannel:
        if self.kind == "webhook":
            return new_webhook_channel(self.url_field.text(), on_success=self.on_success.isChecked())
        return new_email_channel(
            self.to_field.text(), f"{self.host_field.text().strip()}:{self.port_spin.value()}",
            security=self.security_combo.currentData(), user=self.user_field.text(),
            sender=self.sender_field.text(), on_success=self.on_success.isChecked())

    def add(self) -> None:
        try:
            channel = self.channel()
            password = self.password_field.text() if self.kind == "email" else None
            if channel.kind == "email" and channel.user and not password:
                raise LifeboatError(f"Type the password of {channel.user} on the mail server.")
            self.added = add_channel(self.ws, channel, password or None)
        except LifeboatError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.accept()
