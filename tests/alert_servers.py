"""Real servers for the alert tests: an SMTP server (aiosmtpd) that keeps what
it receives, with STARTTLS or SSL on a self-signed certificate the client is
told to trust, and an HTTP server that keeps the webhook posts it receives."""
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from desktop.core.localpg.selfsigned import self_signed_certificate

USER, PASSWORD = "alerts@example.com", "s3cret pass"


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def _check_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode()),
                      handled=False)  # a refusal answered with 535 by the server


def certificate(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """(the certificate's file for SSL_CERT_FILE, a server context with it) for 127.0.0.1."""
    cert, key = self_signed_certificate("127.0.0.1")
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert)
    key_file.write_bytes(key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return cert_file, context


@contextmanager
def smtp_server(security: str = "none", context: ssl.SSLContext | None = None) -> Iterator[Mailbox]:
    """security: "none" (no login), "starttls" (STARTTLS required, then a login) or "ssl" (TLS from the start)."""
    box = Mailbox(port=closed_port())
    options = {}
    if security == "starttls":
        options = dict(tls_context=context, require_starttls=True, authenticator=_check_login, auth_required=True)
    elif security == "ssl":
        # aiosmtpd does not count an SSL socket as TLS for AUTH: the connection is encrypted all the same.
        options = dict(ssl_context=context, authenticator=_check_login, auth_required=True, auth_require_tls=False)
    controller = Controller(box, hostname="127.0.0.1", port=box.port, **options)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Hook:
    url: str
    posts: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)


@contextmanager
def webhook_server(status: int = 200) -> Iterator[Hook]:
    """An HTTP server on 127.0.0.1 answering every POST with `status`."""
    posts, headers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers.append(dict(self.headers))
            posts.append(json.loads(body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Hook(url=f"http://127.0.0.1:{server.server_port}/hooks/T000/secret-token", posts=posts,
                   headers=headers)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
