"""Alerts reach real servers: an SMTP server (plain, STARTTLS with a login, SSL)
and an HTTP server for the webhook; a channel that fails is remembered and
never raises into the backup that sent the alert."""
import json
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from desktop.core.alerts import dispatch, messages
from desktop.core.alerts.channels import ChannelStore, new_email_channel, new_webhook_channel
from desktop.core.alerts.dispatch import send_alerts, send_test_alert
from desktop.core.alerts.events import AlertEvent
from desktop.core.alerts.manage import add_channel, remove_channel
from desktop.core.errors import UsageError
from desktop.core.store.audited import audit_log_of
from desktop.core.workspace import Workspace
from tests.alert_servers import PASSWORD, USER, certificate, closed_port, smtp_server, webhook_server

FAILED = AlertEvent(event="backup_failed", connection="shop", database="shop", backup_id="b1234",
                    message="Production 'shop' could not be backed up: the server did not answer.")
STALE = AlertEvent(event="stale", connection="shop", database="shop",
                   message="Production 'shop' has no successful backup for 3 days")
SUCCEEDED = AlertEvent(event="backup_succeeded", connection="shop", database="shop", backup_id="b9",
                       message="Production 'shop' was backed up: 12 tables, 3.1 MB.")


@pytest.fixture(autouse=True)
def no_desktop_session(monkeypatch, tmp_path):
    """The tests' machine has no desktop: the desktop notice is skipped, never waited for."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "no-session"))


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


@pytest.fixture
def trusted_certificate(tmp_path, monkeypatch):
    """A server context with a self-signed certificate the client trusts (as an installed CA would be)."""
    cert_file, context = certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    return context


def _channel(ws, channel_id):
    return ChannelStore(ws.paths).get(channel_id)


def _alert_records(ws):
    return [r for r in audit_log_of(ws).records() if r.action == "alert"]


def test_the_failure_email_arrives_through_plain_smtp(ws):
    with smtp_server() as box:
        channel = add_channel(ws, new_email_channel("owner@example.com", f"127.0.0.1:{box.port}"))
        send_alerts(ws, FAILED)
    [message] = box.messages
    assert message["To"] == "owner@example.com"
    assert message["Subject"] == f"Lifeboat: {FAILED.message}"
    body = message.get_content()
    assert FAILED.message in body and "Backup: b1234" in body and "Connection: shop" in body
    assert box.envelopes[0].rcpt_tos == ["owner@example.com"]
    remembered = _channel(ws, channel.id)
    assert remembered.last_error == "" and remembered.last_ok_at


def test_starttls_with_a_login_uses_the_password_from_the_keyring_only(ws, trusted_certificate, memory_keyring):
    with smtp_server("starttls", trusted_certificate) as box:
        channel = new_email_channel("owner@example.com", f"127.0.0.1:{box.port}", security="starttls", user=USER)
        add_channel(ws, channel, PASSWORD)
        send_alerts(ws, STALE)
    [message] = box.messages
    assert message["Subject"] == "Lifeboat: Production 'shop' has no successful backup for 3 days"
    assert message["From"] == USER
    assert PASSWORD not in (ws.paths.config_dir / "alerts.json").read_text()
    assert PASSWORD in memory_keyring.entries.values()
    assert _channel(ws, channel.id).last_error == ""


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # aiosmtpd, about SSL
def test_ssl_from_the_first_byte(ws, trusted_certificate):
    with smtp_server("ssl", trusted_certificate) as box:
        channel = new_email_channel("owner@example.com", f"127.0.0.1:{box.port}", security="ssl", user=USER)
        add_channel(ws, channel, PASSWORD)
        [delivery] = send_test_alert(ws)
    assert delivery.ok, delivery.error
    assert "test alert" in box.messages[0].get_content()


def test_a_wrong_password_and_an_untrusted_certificate_are_said_plainly(ws, tmp_path):
    _, context = certificate(tmp_path)  # not made trusted: as a self-made certificate on a real server
    with smtp_server("starttls", context) as box:
        untrusted = add_channel(ws, new_email_channel("o@example.com", f"127.0.0.1:{box.port}",
                                                      security="starttls", user=USER), PASSWORD)
        deliveries = send_test_alert(ws)
    assert box.messages == []
    assert "certificate" in deliveries[0].error and "could not be checked" in deliveries[0].error
    assert "certificate" in _channel(ws, untrusted.id).last_error


def test_a_wrong_password_is_named(ws, trusted_certificate):
    with smtp_server("starttls", trusted_certificate) as box:
        add_channel(ws, new_email_channel("o@example.com", f"127.0.0.1:{box.port}", security="starttls",
                                          user=USER), "not the password")
        [delivery] = send_test_alert(ws)
    assert "did not accept the user name" in delivery.error and box.messages == []


def test_the_webhook_receives_the_event_as_json(ws):
    with webhook_server() as hook:
        add_channel(ws, new_webhook_channel(hook.url))
        send_alerts(ws, FAILED)
    assert hook.posts == [FAILED.to_json()]
    assert set(hook.posts[0]) == {"event", "connection", "database", "backup_id", "message", "time"}
    assert hook.headers[0]["Content-Type"].startswith("application/json")


def test_a_closed_port_is_recorded_never_raised_and_the_other_channels_still_get_it(ws):
    dead = add_channel(ws, new_email_channel("o@example.com", f"127.0.0.1:{closed_port()}"))
    dead_hook = add_channel(ws, new_webhook_channel(f"http://127.0.0.1:{closed_port()}/hook"))
    with webhook_server() as hook:
        add_channel(ws, new_webhook_channel(hook.url))
        send_alerts(ws, FAILED)  # returns; raises nothing
    assert hook.posts == [FAILED.to_json()]
    for channel in (dead, dead_hook):
        remembered = _channel(ws, channel.id)
        assert "nothing answered" in remembered.last_error and "refused" in remembered.last_error
        assert remembered.last_error_at
    results = [(r.result, r.message) for r in _alert_records(ws)]
    assert results[0] == ("ok", f"backup_failed: {FAILED.message}")
    assert sorted(result for result, _ in results[1:]) == ["failed", "failed"]


def test_an_error_answer_from_the_webhook_is_named(ws):
    with webhook_server(status=500) as hook:
        channel = add_channel(ws, new_webhook_channel(hook.url))
        send_alerts(ws, STALE)
    error = _channel(ws, channel.id).last_error
    assert "error 500" in error
    assert "secret-token" not in error  # a chat webhook's path is its secret


def test_successes_go_only_to_channels_that_asked_for_them(ws):
    with webhook_server() as quiet, webhook_server() as chatty:
        add_channel(ws, new_webhook_channel(quiet.url))
        add_channel(ws, new_webhook_channel(chatty.url, on_success=True))
        send_alerts(ws, SUCCEEDED)
        send_alerts(ws, FAILED)
    assert [p["event"] for p in quiet.posts] == ["backup_failed"]
    assert [p["event"] for p in chatty.posts] == ["backup_succeeded", "backup_failed"]


def test_a_damaged_channel_file_does_not_raise(ws):
    (ws.paths.config_dir / "alerts.json").write_text("{not json")
    send_alerts(ws, FAILED)
    assert _alert_records(ws)[0].message.startswith("backup_failed:")


def test_removing_a_channel_removes_its_password(ws, memory_keyring):
    channel = add_channel(ws, new_email_channel("o@example.com", "smtp.example.com", security="starttls",
                                                user=USER), PASSWORD)
    assert channel.port == 587
    remove_channel(ws, channel.id[:4])
    assert PASSWORD not in memory_keyring.entries.values()
    assert ChannelStore(ws.paths).list() == []
    settings_records = [r.message for r in audit_log_of(ws).records() if r.action == "settings"]
    assert "added" in settings_records[0] and "removed" in settings_records[1]


@pytest.mark.parametrize("to, smtp, words", [
    ("not-an-address", "smtp.example.com", "not an e-mail address"),
    ("o@example.com", "smtp.example.com:99999", "not a mail server"),
    ("o@example.com", ":25", "not a mail server"),
])
def test_bad_email_channels_are_refused(to, smtp, words):
    with pytest.raises(UsageError, match=words):
        new_email_channel(to, smtp)


def test_bad_webhook_addresses_are_refused():
    for url in ("ftp://example.com/x", "hooks.example.com/x", "https://"):
        with pytest.raises(UsageError, match="not a web address"):
            new_webhook_channel(url)


def test_the_json_file_is_private_and_readable(ws):
    add_channel(ws, new_webhook_channel("https://hooks.example.com/x"))
    path = ws.paths.config_dir / "alerts.json"
    assert path.stat().st_mode & 0o077 == 0
    assert json.loads(path.read_text())["channels"][0]["kind"] == "webhook"


def test_a_server_that_never_answers_does_not_hold_up_the_caller(ws, monkeypatch):
    monkeypatch.setattr(dispatch, "_DEADLINE_S", 1)
    with socket.socket() as silent:  # takes the connection (backlog), never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        add_channel(ws, new_email_channel("o@example.com", f"127.0.0.1:{silent.getsockname()[1]}"))
        started = time.monotonic()
        [delivery] = send_test_alert(ws)
        assert time.monotonic() - started < 5
    assert "stopped waiting" in delivery.error


def test_the_messages_read_as_sentences():
    shop = messages.Subject("shop", "production", "shop_db")
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    stale = messages.stale(shop, now - timedelta(days=3, hours=2), now)
    assert (stale.event, stale.connection, stale.database) == ("stale", "shop", "shop_db")
    assert stale.message == "Production 'shop' has no successful backup for 3 days"
    assert messages.stale(shop, None, now).message == "Production 'shop' has no successful backup yet"
    assert messages.how_long(timedelta(hours=1, minutes=5)) == "1 hour"
    assert messages.how_long(timedelta(seconds=20)) == "0 minutes"
    failed = messages.backup_failed(shop, "the server did not answer.", "b1")
    assert failed.message == "Production 'shop' was not backed up: the server did not answer."
    stalled = messages.backup_stalled(shop, "no progress for 30 minutes.").message
    assert stalled == ("The backup of Production 'shop' was stopped, and nothing half-written was kept: "
                       "no progress for 30 minutes.")
    gone = messages.stale(messages.Subject("gone"), None, now)
    assert gone.message == "Connection 'gone' has no successful backup yet"
    assert messages.backup_succeeded(shop, "b2", "12 tables, 3.1 MB.").message.endswith("backed up: 12 tables, 3.1 MB.")
