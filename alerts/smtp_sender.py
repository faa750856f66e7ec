"""The email channel: one digest, one message, through smtplib.

TLS modes: `none` (plain SMTP), `starttls` (upgrade after EHLO; refused when the server does
not offer it, never silently sent in clear), `ssl` (implicit TLS, usually port 465). Login
only when a username is given. Every socket operation has `timeout_s`. Every failure becomes a
`DeliveryError` naming host:port, with the password scrubbed out.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence

from pydantic import SecretStr

from alerts.digest import Digest
from alerts.errors import DeliveryError, password_secrets
from alerts.render_email import build_message

log = logging.getLogger(__name__)

TLS_MODES = ("none", "starttls", "ssl")


class SmtpSender:
    channel = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        tls: str,
        sender: str,
        recipients: Sequence[str],
        username: str | None = None,
        password: SecretStr | None = None,
        timeout_s: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if tls not in TLS_MODES:
            raise DeliveryError(
                f"email: tls must be one of {', '.join(TLS_MODES)}, not {tls!r}", channel="email"
            )
        if not recipients:
            raise DeliveryError(
                "email: no recipients; set [alerts.email] recipients = [...] in the "
                "configuration",
                channel="email",
            )
        self.host = host
        self.port = port
        self.tls = tls
        self.sender = sender
        self.recipients = list(recipients)
        self.username = username
        self._password = password
        self.timeout_s = timeout_s
        self._ssl_context = ssl_context

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def describe(self) -> str:
        return f"email to {', '.join(self.recipients)} via {self.address} (tls={self.tls})"

    def _secrets(self) -> list[str]:
        if self._password is None:
            return []
        return password_secrets(self._password.get_secret_value(), self.username)

    def _fail(self, what: str, error: BaseException | None = None) -> DeliveryError:
        detail = f": {_describe(error)}" if error is not None else ""
        return DeliveryError(
            f"email via {self.address}: {what}{detail}", channel="email", secrets=self._secrets()
        )

    def send(self, digest: Digest) -> None:
        message = build_message(digest, sender=self.sender, recipients=self.recipients)
        smtp = self._connect()
        try:
            if self.username:
                password = self._password.get_secret_value() if self._password else ""
                try:
                    smtp.login(self.username, password)
                except (smtplib.SMTPException, OSError) as e:
                    raise self._fail(f"login as {self.username} failed", e) from None
            try:
                refused = smtp.send_message(
                    message, from_addr=self.sender, to_addrs=self.recipients
                )
            except smtplib.SMTPRecipientsRefused as e:
                raise self._fail(
                    "every recipient was refused: " + ", ".join(sorted(e.recipients))
                ) from None
            except (smtplib.SMTPException, OSError) as e:
                raise self._fail("sending failed", e) from None
            if refused:
                log.warning(
                    "email digest %s: refused for %s (delivered to the others)",
                    digest.digest_id, ", ".join(sorted(refused)),
                )
            log.info(
                "email digest %s (%d alerts) sent to %d recipients via %s",
                digest.digest_id, len(digest.items), len(self.recipients), self.address,
            )
        finally:
            _close(smtp)

    def _connect(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        try:
            if self.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_s, context=context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        except ssl.SSLError as e:
            raise self._fail(
                "TLS handshake failed (tls = 'ssl' needs a port that speaks TLS at once, "
                "usually 465; for 587 use tls = 'starttls')",
                e,
            ) from None
        except (smtplib.SMTPException, OSError) as e:
            raise self._fail("cannot connect", e) from None
        if self.tls != "starttls":
            return smtp
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise self._fail(
                    "the server does not offer STARTTLS (tls = 'starttls'); nothing was sent"
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        except DeliveryError:
            _close(smtp)
            raise
        except (smtplib.SMTPException, OSError) as e:
            _close(smtp)
            raise self._fail("STARTTLS failed", e) from None
        return smtp


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely; a failure here changes nothing about what was sent (the message was
    accepted at the end of DATA), so it is not an error."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {' '.join(reply.split())}"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the SMTP server running?)"
    text = str(error) or type(error).__name__
    return " ".join(text.split())
