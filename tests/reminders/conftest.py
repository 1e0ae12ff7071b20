"""A real SMTP server (aiosmtpd) and a real HTTP server (http.server) on loopback, each in its own thread,
keeping what they receive for the tests to read."""

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.procedure.conftest import pw  # noqa: F401  (cases walked along the legal path)

SECRET = "test-webhook-secret"
HANG = 0  # an answer that comes after the channel's timeout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1 that Django's SMTP backend sends to (the test runner's in-memory mail
    backend is put back to the real one)."""
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "fazhan@luohan.example"
    settings.FAZHAN_BASE_URL = "https://fazhan.example.gov.cn"
    settings.FAZHAN_REMINDER_CHANNELS = ["email"]
    yield inbox
    controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Endpoint:
    url: str
    answers: list[int]  # the status of each request in turn, HANG for no answer in time; the last repeats
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def endpoint(settings) -> Iterator[Endpoint]:
    """A gateway on 127.0.0.1 answering 200 (a test sets `answers` to make it fail), the webhook channel
    pointed at it with short pauses."""
    state = Endpoint(url="", answers=[200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            status = state.answers[min(len(state.received), len(state.answers)) - 1]
            if status == HANG:
                time.sleep(settings.FAZHAN_REMINDER_WEBHOOK_TIMEOUT * 3)
                status = 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    settings.FAZHAN_REMINDER_CHANNELS = ["webhook"]
    settings.FAZHAN_REMINDER_WEBHOOK_URL = state.url
    settings.FAZHAN_REMINDER_WEBHOOK_SECRET = SECRET
    settings.FAZHAN_REMINDER_WEBHOOK_TIMEOUT = 5
    settings.FAZHAN_REMINDER_WEBHOOK_ATTEMPTS = 3
    settings.FAZHAN_REMINDER_WEBHOOK_BACKOFF = 0.05
    settings.FAZHAN_BASE_URL = "https://fazhan.example.gov.cn"
    yield state
    server.shutdown()
    server.server_close()
