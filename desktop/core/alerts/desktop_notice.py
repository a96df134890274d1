"""A desktop notification from a run with no window (a scheduled backup).

The platform's own notification service: on Linux and the BSDs the
freedesktop one on the user's session bus (`notify-send` from libnotify
when installed, else `gdbus`, which every GLib desktop has); on macOS
Notification Center through `osascript`. Where there is no session (a
server, a cron job before anyone logged in) or no such program, nothing
is shown and nothing fails: the e-mail and webhook channels are for those.
The window, when open, shows the same alerts itself (ui/notifications.py).
"""
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

from desktop.core.alerts.events import AlertEvent

log = logging.getLogger("lifeboat.alerts")
_WAIT_S = 5
_SHOW_MS = 15_000
# The events worth an interruption; a success or a test is not.
DESKTOP_EVENTS = ("backup_failed", "backup_stalled", "stale", "refresh_failed")
TITLES = {"backup_failed": "Backup failed", "backup_stalled": "Backup stopped: it made no progress",
          "stale": "Backup overdue", "backup_succeeded": "Backup completed",
          "refresh_failed": "Development not refreshed", "test": "Test alert"}


def notify_desktop(event: AlertEvent, environ=os.environ) -> bool:
    """Shows `event` on the desktop; True when a notification service took it."""
    title = f"Lifeboat: {TITLES.get(event.event, 'Alert')}"
    command = _command(title, event.message, environ)
    if command is None:
        return False
    argv, env = command
    try:
        done = subprocess.run(argv, env=env, capture_output=True, timeout=_WAIT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("desktop notification not shown: %r", exc)
        return False
    if done.returncode != 0:
        log.info("desktop notification not shown: %s", done.stderr.decode("utf-8", "replace").strip())
    return done.returncode == 0


def _command(title: str, body: str, environ) -> Optional[tuple[list[str], dict]]:
    if sys.platform == "darwin":
        script = f"display notification {json.dumps(body)} with title {json.dumps(title)}"
        return ["osascript", "-e", script], dict(environ)
    if sys.platform == "win32":
        return None  # the window's tray message is the one Windows gets
    env = _session_env(environ)
    if env is None:
        return None
    if shutil.which("notify-send", path=env.get("PATH")):
        return ["notify-send", "--app-name=Lifeboat", "--urgency=critical", title, body], env
    if shutil.which("gdbus", path=env.get("PATH")):
        # GVariant text: a JSON string literal is a valid one.
        return ["gdbus", "call", "--session", "--dest", "org.freedesktop.Notifications",
                "--object-path", "/org/freedesktop/Notifications",
                "--method", "org.freedesktop.Notifications.Notify",
                "Lifeboat", "0", "dialog-warning", json.dumps(title), json.dumps(body), "[]", "{}",
                str(_SHOW_MS)], env
    return None


def _session_env(environ) -> Optional[dict]:
    """The environment with the user's session bus, or None when there is no session.

    A systemd user service inherits DBUS_SESSION_BUS_ADDRESS; a cron job does
    not, but the bus of a logged-in user is at /run/user/UID/bus."""
    env = dict(environ)
    if env.get("DBUS_SESSION_BUS_ADDRESS"):
        return env
    runtime = env.get("XDG_RUNTIME_DIR") or (f"/run/user/{os.getuid()}" if hasattr(os, "getuid") else "")
    bus = Path(runtime) / "bus" if runtime else None
    if bus is None or not bus.exists():
        return None
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={bus}"
    return env
