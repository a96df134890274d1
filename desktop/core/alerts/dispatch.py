"""Sending an alert. It never raises: a failing channel is logged and shown,
and never stops the backup that raised the alert."""
import logging

from desktop.core.alerts.events import AlertEvent
from desktop.core.errors import LifeboatError
from desktop.core.store.audited import audit_log_of
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.alerts")


def send_alerts(ws: Workspace, event: AlertEvent) -> None:
    log.info("alert %s for %s: %s", event.event, event.connection, event.message)
    try:
        audit_log_of(ws).append("alert", profile=event.connection, database=event.database,
                                backup_id=event.backup_id or "", message=f"{event.event}: {event.message}")
    except LifeboatError as exc:
        log.warning("activity log not written for an alert: %s", exc.message)
