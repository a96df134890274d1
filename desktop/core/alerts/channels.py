"""Where alerts go: e-mail (SMTP) and webhook channels, a JSON file beside the
profiles (config_dir/alerts.json, 0600).

An e-mail channel's password is never in the file: it lives in the keyring
under the channel's id (secret_store.py). Each channel remembers its last
delivery: a failure (its plain-words reason and when) is what `alerts list`
and Settings show, so a channel that stopped working is seen before it is needed.
"""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Optional
from urllib.parse import urlsplit

from filelock import FileLock

from desktop.core.errors import UsageError
from desktop.core.store.paths import AppPaths
from desktop.core.store.settings import read_entries, write_entries

KINDS = ("email", "webhook")
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def utc_stamp(now: Optional[datetime] = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AlertChannel:
    id: str
    kind: str                     # one of KINDS
    on_success: bool = False      # also tell about successful backups
    # e-mail
    to: str = ""
    host: str = ""
    port: int = 0
    security: str = "none"        # one of SECURITY
    user: str = ""                # empty: the server takes mail without logging in
    sender: str = ""              # the From address; empty: the user, or lifeboat@this computer
    # webhook
    url: str = ""
    created_at: str = ""
    # the last delivery
    last_error: str = ""          # plain words; empty when the last one went through
    last_error_at: str = ""
    last_ok_at: str = ""

    def describe(self) -> str:
        """In plain words, as `alerts list` and Settings show it."""
        if self.kind == "email":
            how = {"starttls": "STARTTLS", "ssl": "SSL", "none": "no encryption"}[self.security]
            return f"E-mail to {self.to} via {self.host}:{self.port} ({how})"
        # Not the path: a chat service's webhook path is the secret that lets anyone post.
        parts = urlsplit(self.url)
        return f"Webhook to {parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AlertChannel:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def new_email_channel(to: str, smtp: str, security: str = "none", user: str = "", sender: str = "",
                      on_success: bool = False) -> AlertChannel:
    """A validated e-mail channel; `smtp` is HOST or HOST:PORT."""
    if security not in SECURITY:
        raise UsageError(f"Unknown encryption {security!r}; choose one of {', '.join(SECURITY)}.")
    for address in filter(None, (to, sender)):
        if "@" not in address or any(c.isspace() for c in address.strip()):
            raise UsageError(f"{address!r} is not an e-mail address (it should look like name@example.com).")
    host, port = _host_port(smtp, DEFAULT_PORTS[security])
    return AlertChannel(id=_new_id(), kind="email", on_success=on_success, to=to.strip(), host=host, port=port,
                        security=security, user=user.strip(), sender=sender.strip(), created_at=utc_stamp())


def new_webhook_channel(url: str, on_success: bool = False) -> AlertChannel:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not a web address Lifeboat can send to; "
                         "it should start with https:// (or http://) and name a server.")
    return AlertChannel(id=_new_id(), kind="webhook", on_success=on_success, url=url.strip(),
                        created_at=utc_stamp())


def _host_port(smtp: str, default_port: int) -> tuple[str, int]:
    host, port = smtp.strip(), str(default_port)
    if host.count(":") == 1 or "]:" in host:  # HOST:PORT or [IPv6]:PORT
        host, _, port = host.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"{smtp!r} is not a mail server Lifeboat understands; "
                         "give its name, optionally with a port, such as smtp.example.com:587.")
    return host, int(port)


def _new_id() -> str:
    return secrets.token_hex(4)


class ChannelStore:
    def __init__(self, paths: AppPaths):
        self._file = paths.config_dir / "alerts.json"
        # Channels are sent to at once, and a scheduled run and the window may both write:
        # one lock around each read-change-write, so no delivery's record is lost.
        self._lock = FileLock(str(self._file) + ".lock", timeout=30, mode=0o600)

    def list(self) -> list[AlertChannel]:
        return sorted(self._load().values(), key=lambda c: c.created_at)

    def get(self, channel_id: str) -> AlertChannel:
        channels = self._load()
        matches = [key for key in channels if key.startswith(channel_id)] if channel_id else []
        if len(matches) != 1:
            known = ", ".join(sorted(channels)) or "none yet"
            raise UsageError(f"There is no alert channel {channel_id!r} (channels: {known}).")
        return channels[matches[0]]

    def add(self, channel: AlertChannel) -> AlertChannel:
        with self._lock:
            channels = self._load()
            channels[channel.id] = channel
            self._save(channels)
        return channel

    def remove(self, channel_id: str) -> AlertChannel:
        with self._lock:
            channel = self.get(channel_id)
            channels = self._load()
            del channels[channel.id]
            self._save(channels)
        return channel

    def record_delivery(self, channel_id: str, error: str, when: Optional[datetime] = None) -> None:
        """Remembers how the last delivery went: `error` in plain words, or "" when it went through."""
        stamp = utc_stamp(when)
        with self._lock:
            channels = self._load()
            channel = channels.get(channel_id)
            if channel is None:
                return  # removed while the alert was on its way
            channels[channel_id] = (replace(channel, last_error=error, last_error_at=stamp) if error
                                    else replace(channel, last_error="", last_ok_at=stamp))
            self._save(channels)

    def _load(self) -> dict[str, AlertChannel]:
        return read_entries(self._file, "alert channels", "channels", AlertChannel.from_dict, key="id")

    def _save(self, channels: dict[str, AlertChannel]) -> None:
        entries = [channel.to_json() for channel in channels.values()]
        write_entries(self._file, "channels", entries)
