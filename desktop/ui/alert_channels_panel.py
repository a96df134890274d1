"""The alert channels in Settings: each with its last failure, Add e-mail…,
Add webhook…, Remove and Send test alert.

Channels are saved the moment they are added or removed (they live in their
own file, like `lifeboat alerts add`). The test talks to mail servers and
web addresses, which may take seconds, so it runs through the job runner.
"""
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.alerts.channels import AlertChannel
from desktop.core.alerts.dispatch import Delivery, send_test_alert
from desktop.core.alerts.manage import list_channels, remove_channel
from desktop.core.errors import LifeboatError
from desktop.ui import palette
from desktop.ui.alert_channel_dialog import AlertChannelDialog
from desktop.ui.error_dialog import error_box
from desktop.ui.formatting import local_datetime
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, named, text_style, wrapped_label

COLUMNS = ("Channel", "Also on success", "Last delivery")


class AlertChannelsPanel(QGroupBox):
    changed = Signal()

    def __init__(self, ws, parent: Optional[QWidget] = None):
        super().__init__("Alert channels", parent)
        self.ws = ws
        self.test_job: Optional[BackgroundJob] = None
        self.channel_dialog: Optional[AlertChannelDialog] = None
        named(self, "alertChannelsBox", "Alert channels")
        self.tree = named(QTreeWidget(self), "alertChannelList", "Alert channels and their last delivery")
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.add_email_button = self._button("Add e-mail…", "addEmailButton", "Add e-mail alerts",
                                             lambda: self.add("email"))
        self.add_webhook_button = self._button("Add webhook…", "addWebhookButton", "Add a webhook",
                                               lambda: self.add("webhook"))
        self.remove_button = self._button("Remove", "removeChannelButton", "Remove the selected alert channel",
                                          self.remove_selected)
        self.test_button = self._button("Send test alert", "testAlertButton", "Send a test alert to every channel",
                                        self.send_test)
        self.problems = named(wrapped_label("", self, "alertChannelProblems", ERROR_STYLE), "alertChannelProblems",
                              "Why channels failed")
        self.status = named(wrapped_label("", self, "alertTestStatus", HINT_STYLE), "alertTestStatus",
                            "Test result")
        buttons = QHBoxLayout()
        for button in (self.add_email_button, self.add_webhook_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        layout = QVBoxLayout(self)
        layout.addWidget(wrapped_label("Where Lifeboat says when a scheduled backup fails, stops making progress "
                                       "or is overdue. A channel is saved as soon as it is added or removed.",
                                       self, "alertChannelsHint", HINT_STYLE))
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.problems)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.refresh()

    def _button(self, text: str, object_name: str, accessible: str, slot) -> QPushButton:
        button = named(QPushButton(text, self), object_name, accessible)
        button.clicked.connect(slot)
        return button

    # --- the list --------------------------------------------------------------
    def refresh(self) -> None:
        selected = self.selected_channel()
        self.tree.clear()
        try:
            channels = list_channels(self.ws)
        except LifeboatError as exc:
            self._say(exc.message, ERROR_STYLE)
            channels = []
        for channel in channels:
            item = QTreeWidgetItem([channel.describe(), "Yes" if channel.on_success else "No",
                                    _last_delivery(channel)])
            item.setData(0, Qt.ItemDataRole.UserRole, channel)
            if channel.last_error:
                item.setForeground(2, QBrush(QColor(palette.DANGER)))
                item.setToolTip(2, channel.last_error)
            self.tree.addTopLevelItem(item)
            if selected and selected.id == channel.id:
                item.setSelected(True)
        # The reasons in full, where they need not fit a column: they say what to fix.
        failing = [f"{c.describe()}: {c.last_error}" for c in channels if c.last_error]
        self.problems.setText("\n".join(failing))
        self.problems.setVisible(bool(failing))
        self._update_buttons()

    def selected_channel(self) -> Optional[AlertChannel]:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _update_buttons(self) -> None:
        testing = self.test_job is not None and self.test_job.running
        self.remove_button.setEnabled(self.selected_channel() is not None and not testing)
        self.test_button.setEnabled(self.tree.topLevelItemCount() > 0 and not testing)

    # --- actions -----------------------------------------------------------------
    def add(self, kind: str) -> AlertChannelDialog:
        self.channel_dialog = AlertChannelDialog(self.ws, kind, self)
        self.channel_dialog.accepted.connect(self._added)
        self.channel_dialog.open()
        return self.channel_dialog

    def _added(self) -> None:
        self.refresh()
        self._say(f"Added: {self.channel_dialog.added.describe()}. Send a test alert to see that it arrives.")
        self.changed.emit()

    def remove_selected(self, confirm: bool = True) -> bool:
        channel = self.selected_channel()
        if channel is None:
            return False
        if confirm and QMessageBox.question(
                self, "Remove alert channel", f"Stop sending alerts here?\n\n{channel.describe()}",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel) != QMessageBox.StandardButton.Yes:
            return False
        try:
            remove_channel(self.ws, channel.id)
        except LifeboatError as exc:
            error_box(self, "Could not remove the alert channel", exc).open()
            return False
        self.refresh()
        self._say(f"Removed: {channel.describe()}.")
        self.changed.emit()
        return True

    def send_test(self) -> BackgroundJob:
        self._say("Sending a test alert to every channel…")
        self.test_job = run_in_background(self, "Test alert", lambda report, cancel: send_test_alert(self.ws),
                                          success=self._tested, finished=self.refresh,
                                          error_title="Could not send the test alert")
        self._update_buttons()
        return self.test_job

    def _tested(self, deliveries: list[Delivery]) -> None:
        failed = [d for d in deliveries if not d.ok]
        if not failed:
            self._say(f"The test alert went to all {len(deliveries)} channels. Check that it arrived.",
                      text_style(palette.OK_TEXT))
            return
        lines = [f"{d.channel.describe()}: {d.error}" for d in failed]
        self._say(f"{len(failed)} of {len(deliveries)} channels did not get the test alert.\n" + "\n".join(lines),
                  ERROR_STYLE)

    def _say(self, text: str, style: str = HINT_STYLE) -> None:
        self.status.setStyleSheet(style)
        self.status.setText(text)


def _last_delivery(channel: AlertChannel) -> str:
    if channel.last_error:
        return f"Failed {local_datetime(channel.last_error_at)}"  # the reason: the line under the list
    if channel.last_ok_at:
        return f"Sent {local_datetime(channel.last_ok_at)}"
    return "Nothing sent yet"
