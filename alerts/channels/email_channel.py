"""The email channel: its `[alerts.email]` section, a digest as an email, and the sender
that delivers it through smtplib.

The message: a plain-text part and an HTML part (multipart/alternative). When the digest has
new towns with coordinates, the HTML part shows them on a small map: a PNG
(`alerts.charts.map_png`) attached inline, referenced by `cid:` (multipart/related inside
the alternative); the plain-text part is the same either way. Untrusted text (names, titles,
sentences, sources) is made single-line by `alerts.digest` and `html.escape`d in the HTML
part; links are http(s) only. Each item says where a town is (region and country), and why
the monitor believes it and how confidently (`alerts.evidence`), in both parts. The subject
is fixed text, counts and single-line names, and the envelope recipients come from the
configuration alone, so nothing in an article can add a header or a recipient. The
Message-ID is derived from the digest id: the same alerts sent twice carry the same
Message-ID, which mail clients use to thread and drop duplicates.

The sender (`SmtpSender`), TLS modes: `none` (plain SMTP), `starttls` (upgrade after EHLO;
refused when the server does not offer it, never silently sent in clear), `ssl` (implicit
TLS, usually port 465). Login only when a username is given, and with tls = "none" only to a
loopback host (127.0.0.0/8, ::1, localhost) unless `allow_insecure_auth`: otherwise the
sender is refused when it is built, before any connection. Every socket operation has
`timeout_s`. Every failure becomes a `DeliveryError` naming host:port, with the password,
its AUTH encodings and the user name redacted (the user name is never put in a message:
"login failed (user from $VAR)").

(Not named `email.py`: that would read as the standard library's `email` package.)
"""

from __future__ import annotations

import html
import logging
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from alerts.channels.spec import Channel, ChannelSettings, SecretKey, block_name, env_name
from alerts.credentials import read_secret
from alerts.digest import (
    KIND_TITLES,
    AlertItem,
    Digest,
    date_text,
    describe_subtype,
    single_line,
)
from alerts.errors import DeliveryError, Redactor, login_redactor
from alerts.hosts import is_loopback_host

log = logging.getLogger(__name__)

# --- the [alerts.email] section ------------------------------------------------------------


class EmailSettings(ChannelSettings):
    host: str = "localhost"
    port: int = Field(default=25, gt=0, lt=65536)
    tls: Literal["none", "starttls", "ssl"] = "none"
    sender: str = "monitor@example.org"
    recipients: list[str] = Field(default_factory=list)
    # secrets: the environment variable first; when it is unset or empty, the Secret block
    username_env: str | None = "MALI_MONITOR_SMTP_USER"
    password_env: str | None = "MALI_MONITOR_SMTP_PASSWORD"
    username_block: str = ""  # names of Prefect Secret blocks ("" = none)
    password_block: str = ""
    allow_insecure_auth: bool = False  # login with tls = "none" to a host not loopback
    timeout_s: float = Field(default=30.0, gt=0, le=600)

    _check_env = field_validator("username_env", "password_env")(
        classmethod(lambda cls, v: env_name(v))
    )
    _check_block = field_validator("username_block", "password_block")(
        classmethod(lambda cls, v: block_name(v))
    )

    def check_enabled(self) -> None:
        if not self.recipients:
            raise ValueError("channel 'email' needs [alerts.email] recipients = [...]")


# --- the message ---------------------------------------------------------------------------


SUBJECT_PREFIX = "[mali-monitor]"
MAX_SUBJECT_NAMES = 3
MAX_SUBJECT_CHARS = 150


def subject(digest: Digest) -> str:
    """'[mali-monitor] 2 new actors, 1 new town: Ansar Dine, Kidal and 1 more'."""
    if digest.test:
        return f"{SUBJECT_PREFIX} test alert"
    names = [item.name for item in digest.items[:MAX_SUBJECT_NAMES]]
    more = len(digest.items) - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    text = f"{SUBJECT_PREFIX} {digest.counts_text()}: {listed}{digest.part_suffix()}"
    return single_line(text, MAX_SUBJECT_CHARS)


def message_id(digest: Digest, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "mali-monitor.invalid"
    domain = "".join(ch for ch in domain if ch.isalnum() or ch in ".-") or "mali-monitor.invalid"
    return f"<digest-{digest.digest_id}@{domain}>"


def build_message(
    digest: Digest,
    *,
    sender: str,
    recipients: Sequence[str],
    now: datetime | None = None,
) -> EmailMessage:
    """The whole email. Header values come from the configuration and fixed text only;
    EmailMessage also refuses any header value with a line break."""
    msg = EmailMessage()
    msg["Subject"] = subject(digest)
    msg["From"] = Address(addr_spec=sender)
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = message_id(digest, sender)
    msg["X-Mali-Monitor-Digest"] = digest.digest_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(plain_text(digest))
    png = town_map_png(digest)
    cid = map_cid(digest) if png else None
    msg.add_alternative(html_text(digest, map_cid=cid), subtype="html")
    if png and cid:
        html_part = msg.get_body(preferencelist=("html",))
        assert html_part is not None  # just added
        html_part.add_related(png, "image", "png", cid=f"<{cid}>", filename="towns-map.png",
                              disposition="inline")
    return msg


# --- the map of the new towns ------------------------------------------------------------


def map_cid(digest: Digest) -> str:
    """The map's Content-ID, derived from the digest id (the same digest, the same email)."""
    return f"towns-map-{digest.digest_id}@mali-monitor"


def town_map_png(digest: Digest) -> bytes | None:
    """A small PNG map of the digest's new towns with coordinates; None when there is none,
    or when drawing fails (logged: the email goes without its map)."""
    towns = [item for item in digest.of_kind("town") if item.has_coordinates]
    if not towns:
        return None
    try:
        from alerts import charts  # matplotlib: loaded only to draw
        from warehouse.report_queries import TownPoint

        points = [
            TownPoint(item.name, item.latitude, item.longitude, item.country_code, item.region,
                      max(item.article_count, 1), True)
            for item in towns
        ]
        if not any(charts.on_map(p) for p in points):
            return None
        return charts.map_png(points, period="this run")
    except Exception as e:  # a picture is never worth an undelivered alert
        log.warning("the email digest goes without its map: %s: %s", type(e).__name__, e)
        return None


# --- plain text --------------------------------------------------------------------------


def plain_text(digest: Digest) -> str:
    lines = [_intro(digest), ""]
    for kind, items in digest.groups():
        title = f"{KIND_TITLES[kind]} ({len(items)})"
        lines += [title, "=" * len(title), ""]
        for item in items:
            lines += _plain_item(item) + [""]
    lines.append(_footer(digest))
    return "\n".join(lines) + "\n"


def _intro(digest: Digest) -> str:
    if digest.test:
        return (
            "This is a test alert from mali-monitor: the email channel works. "
            "The entity below is an example, not a finding."
        )
    return f"mali-monitor found {digest.counts_text()} never seen before{digest.part_suffix()}."


def _footer(digest: Digest) -> str:
    run = f" in run {digest.run_id}" if digest.run_id else ""
    return f"-- \nmali-monitor digest {digest.digest_id}{run}"


def _plain_item(item: AlertItem) -> list[str]:
    lines = [f"* {item.name} ({describe_subtype(item)})"]
    if item.kind == "town":
        lines.append("  " + _place_text(item))
    if item.why:
        lines.append("  " + item.why)
    if item.article:
        art = item.article
        lines.append(f"  {art.title}")
        if art.url:
            lines.append(f"  {art.url}")
        lines.append(f"  {art.source}, {date_text(art.published_at)}")
    if item.sentence:
        quoted = "".join(f"**{t}**" if hit else t for t, hit in item.sentence_parts())
        lines.append(f"  \u201c{quoted}\u201d")
    lines.append("  " + _spread_text(item))
    return lines


def _place_text(item: AlertItem) -> str:
    where = item.place
    if item.coordinates:
        return f"{where}, {item.coordinates}: {item.map_url}"
    return f"{where}, coordinates unknown"


def _spread_text(item: AlertItem) -> str:
    a, s = item.article_count, item.source_count
    return (
        f"named in {a} article{'s' if a != 1 else ''} from {s} source{'s' if s != 1 else ''} "
        f"in this run"
    )


# --- HTML --------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def html_text(digest: Digest, *, map_cid: str | None = None) -> str:
    """The HTML part; with `map_cid`, the map of the new towns (an inline image of that
    Content-ID) heads the towns' list."""
    body = [f"<p>{_e(_intro(digest))}</p>"]
    for kind, items in digest.groups():
        body.append(f"<h2>{_e(KIND_TITLES[kind])} ({len(items)})</h2>")
        if kind == "town" and map_cid:
            body.append(
                f'<p><img src="cid:{_e(map_cid)}" width="540" alt="Map of Mali with the new '
                'towns" style="max-width:100%;height:auto;border:1px solid #ddd"></p>'
            )
        body.append("<ul>")
        body += [_html_item(item) for item in items]
        body.append("</ul>")
    footer = _e(_footer(digest).replace("-- \n", ""))
    body.append(f'<p style="color:#777;font-size:small">{footer}</p>')
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{_e(subject(digest))}</title></head>\n"
        "<body style=\"font-family:sans-serif\">\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _link(url: str | None, text: str) -> str:
    if not url:
        return _e(text)
    return f'<a href="{_e(url)}">{_e(text)}</a>'


def _html_item(item: AlertItem) -> str:
    parts = [f"<li><strong>{_e(item.name)}</strong> <em>({_e(describe_subtype(item))})</em>"]
    if item.kind == "town":
        where = _e(item.place)
        if item.coordinates:
            where += ", " + _link(item.map_url, item.coordinates + " (map)")
        else:
            where += ", coordinates unknown"
        parts.append(f"<br>{where}")
    if item.why:
        parts.append(f"<br><small>{_e(item.why)}</small>")
    if item.article:
        art = item.article
        parts.append(
            f"<br>{_link(art.url, art.title)} &mdash; {_e(art.source)}, "
            f"{_e(date_text(art.published_at))}"
        )
    if item.sentence:
        quoted = "".join(
            f"<mark>{_e(t)}</mark>" if hit else _e(t) for t, hit in item.sentence_parts()
        )
        parts.append(f"<blockquote>{quoted}</blockquote>")
    parts.append(f"<small>{_e(_spread_text(item))}</small></li>")
    return "\n".join(parts)


# --- the sender ----------------------------------------------------------------------------


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


# --- the channel ---------------------------------------------------------------------------


def build_sender(cfg: EmailSettings, env: Mapping[str, str]) -> SmtpSender:
    """The SMTP sender of `[alerts.email]`, its login read now from the environment
    variables it names, else from the Prefect Secret blocks it names."""
    username, user_from = read_secret(
        env, cfg.username_env, cfg.username_block, "email", "username_block"
    )
    password, password_from = read_secret(
        env, cfg.password_env, cfg.password_block, "email", "password_block"
    )
    if username and not password:
        raise DeliveryError(
            f"email: the user name is set (from {user_from}) but the password is not "
            f"({password_from}); set both to log in, or neither",
            channel="email",
            secrets=login_redactor(username, None),
        )
    if password and not username:
        raise DeliveryError(
            f"email: the password is set (from {password_from}) but the user name is "
            f"not ({user_from}); set both to log in, or neither",
            channel="email",
            secrets=login_redactor(None, password),
        )
    return SmtpSender(
        host=cfg.host,
        port=cfg.port,
        tls=cfg.tls,
        sender=cfg.sender,
        recipients=cfg.recipients,
        username=username,
        password=SecretStr(password) if password else None,
        timeout_s=cfg.timeout_s,
        allow_insecure_auth=cfg.allow_insecure_auth,
        username_source=user_from if username else None,
    )


def preview(digest: Digest) -> str:
    return f"Subject: {subject(digest)}\n\n{plain_text(digest)}"


CHANNEL = Channel(
    "email",
    EmailSettings,
    build_sender,
    preview=preview,
    secrets=(
        SecretKey("username", "SMTP user name", "username_env", "username_block"),
        SecretKey("password", "SMTP password", "password_env", "password_block"),
    ),
)
