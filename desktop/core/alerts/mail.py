"""Alerts by e-mail: one plain-text message through the user's SMTP server.

STARTTLS, SSL or neither, as the channel says; with a user name, the
password comes from the keyring (never from the channel's file). Certificates
are checked against the system's trusted ones, as a mail program would.
"""
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from desktop.core.alerts.channels import AlertChannel
from desktop.core.alerts.delivery import TIMEOUT_S, AlertNotSent, network_reason
from desktop.core.alerts.events import AlertEvent

_SUBJECT_LIMIT = 120


def send_email(channel: AlertChannel, password: str | None, event: AlertEvent) -> None:
    """Sends `event` to the channel's address; AlertNotSent says why not."""
    if channel.user and not password:
        raise AlertNotSent(f"No password is kept for {channel.user} on {channel.host}: "
                           "remove this e-mail channel and add it again with its password.")
    where = f"the mail server {channel.host}:{channel.port}"
    said = where[0].upper() + where[1:]
    try:
        with _connect(channel) as server:
            if channel.user:
                server.login(channel.user, password or "")
            server.send_message(compose(channel, event))
    except smtplib.SMTPAuthenticationError as exc:
        raise AlertNotSent(f"{said} did not accept the user name {channel.user!r} and its password.",
                           detail=repr(exc)) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise AlertNotSent(f"{said} does not offer STARTTLS or logging in; check the encryption setting.",
                           detail=repr(exc)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise AlertNotSent(f"{said} refused to deliver to {channel.to}.", detail=repr(exc)) from exc
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise AlertNotSent(f"{said} refused the message ({exc.smtp_code} {text}).", detail=repr(exc)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise AlertNotSent(f"The alert e-mail was not sent because {network_reason(exc, where)}.",
                           detail=repr(exc)) from exc


def _connect(channel: AlertChannel) -> smtplib.SMTP:
    if channel.security == "ssl":
        return smtplib.SMTP_SSL(channel.host, channel.port, timeout=TIMEOUT_S, context=ssl.create_default_context())
    server = smtplib.SMTP(channel.host, channel.port, timeout=TIMEOUT_S)
    try:
        if channel.security == "starttls":
            server.starttls(context=ssl.create_default_context())
    except BaseException:
        server.close()
        raise
    return server


def compose(channel: AlertChannel, event: AlertEvent) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _subject(event)
    message["From"] = sender_of(channel)
    message["To"] = channel.to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=_this_computer())
    lines = [event.message, ""]
    lines += [f"{label}: {value}" for label, value in (
        ("Connection", event.connection), ("Database", event.database), ("Backup", event.backup_id),
        ("What happened", event.event), ("When (UTC)", event.time)) if value]
    lines += ["", f"Sent by Lifeboat on {_this_computer()}."]
    message.set_content("\n".join(lines))
    return message


def _subject(event: AlertEvent) -> str:
    text = " ".join(event.message.split())
    if len(text) > _SUBJECT_LIMIT:
        text = text[: _SUBJECT_LIMIT - 1] + "…"
    return f"Lifeboat: {text}"


def sender_of(channel: AlertChannel) -> str:
    if channel.sender:
        return channel.sender
    if "@" in channel.user:
        return channel.user
    return f"Lifeboat <lifeboat@{_this_computer()}>"


def _this_computer() -> str:
    return socket.gethostname() or "localhost"
