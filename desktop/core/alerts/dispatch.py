"""Sending an alert. It never raises: a failing channel is logged and shown,
and never stops the backup that raised the alert.

Every alert is written to the activity log first (the window shows those a
scheduled run recorded: ui/notifications.py), then goes to all channels at
once, each with its own time limit, so one silent server delays nothing
else. A channel's failure is kept on the channel (`alerts list`, Settings)
and written to the activity log as a failed "alert".
"""
import logging
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from desktop.core.alerts.channels import AlertChannel, ChannelStore
from desktop.core.alerts.desktop_notice import DESKTOP_EVENTS, notify_desktop
from desktop.core.alerts.events import AlertEvent
from desktop.core.errors import LifeboatError
from desktop.core.store.audited import record_quietly
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.alerts")
_DEADLINE_S = 60  # for all channels together: a few slow steps of TIMEOUT_S each, and no more


@dataclass(frozen=True)
class Delivery:
    channel: AlertChannel
    error: str = ""  # plain words; empty when it went through

    @property
    def ok(self) -> bool:
        return not self.error


def send_alerts(ws: Workspace, event: AlertEvent) -> None:
    log.info("alert %s for %s: %s", event.event, event.connection, event.message)
    try:
        _record(ws, event, "ok", f"{event.event}: {event.message}")
        channels = [c for c in ChannelStore(ws.paths).list() if c.on_success or event.event != "backup_succeeded"]
        deliver(ws, channels, event)
        if event.event in DESKTOP_EVENTS:
            notify_desktop(event)
    except Exception:  # an alert must never take the backup down with it
        log.exception("alert %s not sent everywhere", event.event)


def send_test_alert(ws: Workspace) -> list[Delivery]:
    """A "test" event to every channel, whatever it is set to receive."""
    event = AlertEvent(event="test", connection="", database="",
                       message="This is a test alert from Lifeboat. If you can read it, alerts reach you here.")
    _record(ws, event, "ok", f"test: {event.message}")
    return deliver(ws, ChannelStore(ws.paths).list(), event)


def deliver(ws: Workspace, channels: list[AlertChannel], event: AlertEvent) -> list[Delivery]:
    """Sends to all channels at once; returns within _DEADLINE_S whatever a server (or a keyring
    waiting to be unlocked) does: a channel still busy then is left to finish on its own."""
    if not channels:
        return []
    pool = ThreadPoolExecutor(max_workers=len(channels), thread_name_prefix="alert")
    futures = [pool.submit(_deliver_one, ws, channel, event) for channel in channels]
    wait(futures, timeout=_DEADLINE_S)
    pool.shutdown(wait=False)
    return [future.result() if future.done() else Delivery(channel, _still_busy(channel))
            for channel, future in zip(channels, futures)]


def _still_busy(channel: AlertChannel) -> str:
    log.warning("alert channel %s still busy after %d s; not waiting for it", channel.id, _DEADLINE_S)
    return f"It had not gone through after {_DEADLINE_S} seconds; Lifeboat stopped waiting for it."


def _deliver_one(ws: Workspace, channel: AlertChannel, event: AlertEvent) -> Delivery:
    try:
        if channel.kind == "email":
            password = ws.secrets.get_alert_password(channel.id) if channel.user else None
            from desktop.core.alerts.mail import send_email  # smtplib, ssl, email: only to send
            send_email(channel, password, event)
        else:
            from desktop.core.alerts.webhook import post_webhook  # urllib.request: only to send
            post_webhook(channel, event)
        error = ""
    except LifeboatError as exc:  # AlertNotSent, or the keyring's KeyringUnavailable
        error = exc.message
        log.warning("alert channel %s failed: %s | %s", channel.id, exc.message, exc.detail)
    except Exception as exc:
        error = f"Lifeboat could not send this alert because of an unexpected error ({type(exc).__name__})."
        log.exception("alert channel %s failed", channel.id)
    _remember(ws, channel, error)
    if error:
        _record(ws, event, "failed", f"{channel.describe()} did not get the alert: {error}")
    return Delivery(channel, error)


def _remember(ws: Workspace, channel: AlertChannel, error: str) -> None:
    try:
        ChannelStore(ws.paths).record_delivery(channel.id, error)
    except LifeboatError as exc:
        log.warning("the outcome of alert channel %s was not saved: %s", channel.id, exc.message)


def _record(ws: Workspace, event: AlertEvent, result: str, message: str) -> None:
    record_quietly(ws, "alert", profile=event.connection, database=event.database,
                   backup_id=event.backup_id or "", result=result, message=message)
