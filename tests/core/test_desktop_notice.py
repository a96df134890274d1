"""The desktop notice of a run with no window: shown through the platform's
service when a session is there, skipped silently (and quickly) when not."""
import os
import subprocess
import sys
import time

import pytest

from desktop.core.alerts.desktop_notice import notify_desktop
from desktop.core.alerts.events import AlertEvent

STALE = AlertEvent(event="stale", connection="shop", database="shop",
                   message="Production 'shop' has no successful backup for 3 days")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the freedesktop service")


def test_no_session_no_notice_and_no_error(tmp_path):
    environ = {"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": str(tmp_path)}
    started = time.monotonic()
    assert notify_desktop(STALE, environ) is False
    assert time.monotonic() - started < 1


def test_a_session_without_a_notification_service_is_skipped(tmp_path):
    """A real session bus (dbus-daemon) on which nothing shows notifications: as on a server with a login."""
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, text=True)
    try:
        address = daemon.stdout.readline().strip()
        environ = {"PATH": os.environ["PATH"], "DBUS_SESSION_BUS_ADDRESS": address}
        assert notify_desktop(STALE, environ) is False
    finally:
        daemon.terminate()
        daemon.wait()


def test_notify_send_gets_the_title_and_the_message(tmp_path):
    """notify-send (libnotify) stands in with a script that writes down its arguments."""
    said = tmp_path / "said.txt"
    program = tmp_path / "bin" / "notify-send"
    program.parent.mkdir()
    program.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{said}'\n")
    program.chmod(0o755)
    bus = tmp_path / "run" / "bus"
    bus.parent.mkdir()
    bus.touch()
    environ = {"PATH": f"{program.parent}:{os.environ['PATH']}", "XDG_RUNTIME_DIR": str(bus.parent)}
    assert notify_desktop(STALE, environ) is True
    arguments = said.read_text().splitlines()
    assert arguments[-2:] == ["Lifeboat: Backup overdue", STALE.message]
