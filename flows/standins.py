"""Local stand-ins for a mail server and Slack's incoming webhook, on 127.0.0.1: what the
demo sends its alerts to, and what the tests send theirs to. Real servers, no mocks.

- `SmtpStandIn`: an SMTP server (aiosmtpd) that parses back every message it accepts
  (`received`); extra keyword arguments go to aiosmtpd's `Controller` (TLS, login ...).
- `WebhookStandIn`: an HTTP server taking JSON POSTs like Slack's incoming webhook. Every
  request is kept (`hits`); `script` holds answers to give, in order, as (status, headers,
  body), then every request gets 200 "ok". With `only_path`, a POST to another path gets
  404 "no_service", like Slack for an unknown webhook.

Both are context managers, or `start()` / `stop()`.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

# A webhook path of Slack's shape; its last segment plays the secret token.
DEFAULT_WEBHOOK_PATH = "/services/T0123ABCD/B0456EFGH/s3cr3tT0k3nW3bh00kXYZ"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


# --- SMTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def sender(self) -> str:
        return self.mail_from

    @property
    def recipients(self) -> list[str]:
        return self.rcpt_tos

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class SmtpStandIn:
    """aiosmtpd on 127.0.0.1 (or `host`) and `port` (else a free one). Raises ImportError
    when aiosmtpd is not installed."""

    def __init__(
        self, port: int | None = None, host: str = "127.0.0.1", *,
        ready_timeout: float = 10, **controller: Any,
    ) -> None:
        from aiosmtpd.controller import Controller

        self.port = port or free_port(host)
        self.received: list[ReceivedMail] = []
        received = self.received

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                parsed = BytesParser(policy=policy.default).parsebytes(
                    envelope.original_content or envelope.content
                )
                if isinstance(parsed, EmailMessage):
                    received.append(
                        ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed)
                    )
                return "250 Message accepted for delivery"

        self.controller = Controller(
            Handler(), hostname=host, port=self.port, ready_timeout=ready_timeout, **controller
        )

    def start(self) -> Self:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- Slack webhook --------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookHit:
    path: str
    payload: dict[str, Any]  # {} when the body was not a JSON object
    raw: str
    status: int  # the answer given


class WebhookStandIn:
    """A Slack-style incoming webhook on 127.0.0.1 (see the module's docstring)."""

    def __init__(self, path: str = DEFAULT_WEBHOOK_PATH, *, only_path: bool = False) -> None:
        self.path = path
        self.only_path = only_path
        self.hits: list[WebhookHit] = []
        self.script: list[tuple[int, dict[str, str], str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str | None = None) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path or self.path}"

    @property
    def accepted(self) -> list[WebhookHit]:
        with self._lock:
            return [h for h in self.hits if h.status == 200]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """The payloads of the accepted requests, in order."""
        return [h.payload for h in self.accepted]

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, path: str, raw: str) -> tuple[int, dict[str, str], str]:
        try:
            payload = json.loads(raw)
        except json.JSONDecodeError:
            payload = None
        with self._lock:
            if self.only_path and path != self.path:
                answer: tuple[int, dict[str, str], str] = (404, {}, "no_service")
            elif not isinstance(payload, dict):
                answer = (400, {}, "invalid_payload")
            else:
                answer = self.script.pop(0) if self.script else (200, {}, "ok")
            self.hits.append(WebhookHit(path, payload if isinstance(payload, dict) else {},
                                        raw, answer[0]))
        return answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", errors="replace")
                status, headers, body = hook._answer(self.path, raw)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler
