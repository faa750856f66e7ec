"""The email channel: one digest, one message, through smtplib.

TLS modes: `none` (plain SMTP), `starttls` (upgrade after EHLO; refused when the server does
not offer it, never silently sent in clear), `ssl` (implicit TLS, usually port 465). Login
only when a username is given, and with tls = "none" only to a loopback host (127.0.0.0/8,
::1, localhost) unless `allow_insecure_auth`: otherwise the sender is refused when it is
built, before any connection. Every socket operation has `timeout_s`. Every failure becomes a
`DeliveryError` naming host:port, with the password, its AUTH encodings and the user name
redacted (the user name is never put in a message: "login failed (user from $VAR)").
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence

from pydantic import SecretStr

from alerts.digest import Digest
from alerts.errors import DeliveryError, Redactor, login_redactor
from alerts.hosts import is_loopback_host
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
        allow_insecure_auth: bool = False,
        username_source: str | None = None,
    ) -> None:
        """`username_source` says where the user name came from ("$MALI_MONITOR_SMTP_USER"),
        for messages that must not show the name itself."""
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
        self.allow_insecure_auth = allow_insecure_auth
        self.username_source = username_source
        self._redactor = login_redactor(
            username, password.get_secret_value() if password is not None else None
        )
        self._refuse_login_in_clear()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def describe(self) -> str:
        login = f", login with the user from {self._user_source()}" if self.username else ""
        return f"email to {', '.join(self.recipients)} via {self.address} (tls={self.tls}{login})"

    def _user_source(self) -> str:
        return self.username_source or "the configuration"

    def _refuse_login_in_clear(self) -> None:
        """No password over an unencrypted connection to another machine, unless asked."""
        if not self.username or self.tls != "none" or self.allow_insecure_auth:
            return
        if is_loopback_host(self.host):
            return
        raise self._fail(
            "refusing to log in without TLS (tls = \"none\") to a host that is not loopback "
            "(127.0.0.0/8, ::1, localhost): the password would cross the network in clear; "
            "nothing was sent. Set [alerts.email] tls = \"starttls\" (usually port 587) or "
            "tls = \"ssl\" (usually port 465), or allow_insecure_auth = true if the network "
            "to the server is trusted"
        )

    def _fail(self, what: str, error: BaseException | None = None) -> DeliveryError:
        detail = f": {_describe(error, self._redactor)}" if error is not None else ""
        return DeliveryError(
            f"email via {self.address}: {what}{detail}", channel="email", secrets=self._redactor
        )

    def send(self, digest: Digest) -> None:
        self._refuse_login_in_clear()
        message = build_message(digest, sender=self.sender, recipients=self.recipients)
        smtp = self._connect()
        try:
            if self.username:
                password = self._password.get_secret_value() if self._password else ""
                try:
                    smtp.login(self.username, password)
                except (smtplib.SMTPException, OSError) as e:
                    raise self._fail(
                        f"login failed (user from {self._user_source()})", e
                    ) from None
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


def _describe(error: BaseException, redactor: Redactor) -> str:
    """The error in one line, redacted before its whitespace is folded (a password with a tab
    or newline in it must still be recognised)."""
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {' '.join(redactor.scrub(reply).split())}"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the SMTP server running?)"
    text = str(error) or type(error).__name__
    return " ".join(redactor.scrub(text).split())
