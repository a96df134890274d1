"""The review page's question about database users the backup names that the target server lacks.

Three answers, as `lifeboat restore --roles` offers them (jobs/restore/roles.py):
create them (NOLOGIN, no password), give what they own to the target
connection's user, or stop. Stop is the default into production and keeps
the Restore button off; giving to the user is the default into development.
"""
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QRadioButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.core.jobs.restore.roles import listed
from desktop.ui.widgets import HINT_STYLE, LOSSES_TITLE_STYLE, named, wrapped_label


class RolesChoice(QWidget):
    changed = Signal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.title = wrapped_label("", self, "missingRolesTitle", LOSSES_TITLE_STYLE)
        self.explain = wrapped_label("", self, "missingRolesText")
        self.create = named(QRadioButton(self), "createRolesChoice", "Create the missing database users")
        self.map = named(QRadioButton(self), "mapRolesChoice", "Give what they own to the connection's user")
        self.stop = named(QRadioButton(self), "stopForRolesChoice", "Stop: do not restore")
        self.hint = wrapped_label("", self, "missingRolesHint", HINT_STYLE)
        self._not_allowed = ""
        self.buttons = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        for button, choice in ((self.create, "create"), (self.map, "map-to-me"), (self.stop, "require")):
            button.setProperty("choice", choice)
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            self.buttons.addButton(button)
            layout.addWidget(button)
        layout.addWidget(self.hint)
        self.buttons.buttonToggled.connect(self._on_toggled)

    def show_for(self, missing: list[str], host: str, user: str, may_create: bool, in_policies: list[str],
                 default: str) -> None:
        many = len(missing) > 1
        self.title.setText(f"The backup names {'database users' if many else 'a database user'} that {host} "
                           f"does not have: {listed(missing)}.")
        self.explain.setText(f"{'They own' if many else 'It owns'} tables or other parts of the backup, or "
                             "may read them. What should Lifeboat do?")
        self.create.setText(f"Create {'them' if many else 'it'} on {host} (no password, cannot log in)")
        self.map.setText(f"Give what {'they own' if many else 'it owns'} to {user}, "
                         "and leave out their access rights")
        self.stop.setText("Stop: restore nothing, so an administrator can create them first")
        self.create.setEnabled(may_create)
        self.map.setEnabled(not in_policies)
        self._not_allowed = "" if may_create else f"{user} may not create database users on {host}. "
        if in_policies:
            self._not_allowed += (f"Rules on who may see which rows name {listed(in_policies)}, so "
                                  f"{'they' if len(in_policies) > 1 else 'it'} cannot be left out. ")
        chosen = {"create": self.create, "map-to-me": self.map}.get(default, self.stop)
        (chosen if chosen.isEnabled() else self.stop).setChecked(True)
        self._on_toggled()

    @property
    def choice(self) -> str:
        checked = self.buttons.checkedButton()
        return checked.property("choice") if checked else "require"

    def _on_toggled(self, *_args) -> None:
        stopping = "The Restore button stays off while \u201cStop\u201d is chosen." if self.choice == "require" else ""
        self.hint.setText((self._not_allowed + stopping).strip())
        self.hint.setVisible(bool(self.hint.text()))
        self.changed.emit()
