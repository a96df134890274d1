"""Adding and removing alert channels: the one path the CLI and Settings share.

The password of an e-mail channel goes to the keyring before the channel is
saved, so a channel never exists whose password was lost on the way; removing
a channel removes its password too. Both are recorded as "settings".
"""
import logging

from desktop.core.alerts.channels import AlertChannel, ChannelStore
from desktop.core.errors import LifeboatError
from desktop.core.store.audited import record_quietly
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.alerts")


def add_channel(ws: Workspace, channel: AlertChannel, password: str | None = None) -> AlertChannel:
    if password:
        ws.secrets.set_alert_password(channel.id, password)
    ChannelStore(ws.paths).add(channel)
    record_quietly(ws, "settings", message=f"Alert channel {channel.id} added: {channel.describe()}"
                   + (", also on success" if channel.on_success else ""))
    return channel


def remove_channel(ws: Workspace, channel_id: str) -> AlertChannel:
    channel = ChannelStore(ws.paths).remove(channel_id)
    if channel.user:
        try:
            ws.secrets.delete_alert_password(channel.id)
        except LifeboatError as exc:  # the channel is gone either way; an orphan entry harms nothing
            log.warning("password of removed alert channel %s left in the keyring: %s", channel.id, exc.message)
    record_quietly(ws, "settings", message=f"Alert channel {channel.id} removed: {channel.describe()}")
    return channel


def list_channels(ws: Workspace) -> list[AlertChannel]:
    return ChannelStore(ws.paths).list()

