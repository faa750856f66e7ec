"""Delivery failures, and the one place secrets are redacted from error text.

    MonitorError (extractors.errors)
     +-- DeliveryError   a channel could not deliver, or is not configured   (.channel)

A `DeliveryError`'s message is stored in `alerts.last_error`, logged and printed by the CLI,
so it is redacted when the error is made, *before* it is cut to `MAX_ERROR_CHARS`: every
secret the sender knows (the Slack webhook URL, its path and token; the SMTP password, its
AUTH encodings and the SMTP user name) is replaced by `***` before the text exists anywhere
else. Redacting first means a cut can never leave the start of a secret behind; and of a
token (the password, the webhook's path segments) every piece of `FRAGMENT_CHARS` or more
is redacted too, for servers that echo a copy they cut themselves.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from extractors.errors import MonitorError

REDACTED = "***"
MAX_ERROR_CHARS = 500
FRAGMENT_CHARS = 6  # no piece of a token this long survives redaction
MIN_WORD_CHARS = 3  # a shorter user name is not worth garbling every message for


@dataclass(frozen=True, repr=False)
class Redactor:
    """What must never be shown, and how it is hidden (case-insensitively, longest first).

    `secrets` are hidden wherever they appear; `tokens` too, and so is every piece of them
    of `FRAGMENT_CHARS` characters or more; `words` (the SMTP user name) where they stand as
    a word, so that a user "monitor" does not garble $MALI_MONITOR_SMTP_USER."""

    secrets: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def __repr__(self) -> str:  # it holds the secrets: never show them
        return (
            f"Redactor({len(self.secrets)} secrets, {len(self.tokens)} tokens, "
            f"{len(self.words)} words: not shown)"
        )

    def scrub(self, text: str) -> str:
        whole = sorted({s for s in (*self.secrets, *self.tokens) if s}, key=len, reverse=True)
        if whole:
            text = re.sub(
                "|".join(re.escape(s) for s in whole), REDACTED, text, flags=re.IGNORECASE
            )
        words = sorted({w for w in self.words if len(w) >= MIN_WORD_CHARS}, key=len, reverse=True)
        if words:
            text = re.sub(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                REDACTED, text, flags=re.IGNORECASE,
            )
        return _scrub_fragments(text, self.tokens)

    def cut(self, text: str, limit: int = MAX_ERROR_CHARS) -> str:
        """Redact, then cut: the only order in which a cut cannot expose part of a secret."""
        return clip(self.scrub(text), limit)


class DeliveryError(MonitorError):
    """A channel failed to deliver (or cannot be built from the configuration)."""

    def __init__(
        self, message: str, *, channel: str, secrets: Iterable[str] | Redactor = ()
    ) -> None:
        redactor = secrets if isinstance(secrets, Redactor) else Redactor(tuple(secrets))
        super().__init__(redactor.cut(message, MAX_ERROR_CHARS))
        self.channel = channel


def clip(text: str, limit: int) -> str:
    """Cut already redacted text to `limit` characters (the last one an ellipsis)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def _scrub_fragments(text: str, tokens: Iterable[str]) -> str:
    """Replace every run of characters covered by a piece of FRAGMENT_CHARS of a token."""
    n = FRAGMENT_CHARS
    pieces = {t[i : i + n].lower() for t in tokens if len(t) >= n for i in range(len(t) - n + 1)}
    if not pieces or len(text) < n:
        return text
    pattern = "(?=(?:" + "|".join(re.escape(p) for p in sorted(pieces)) + "))"
    runs: list[list[int]] = []  # [start, end) of the text to hide, merged as found
    for match in re.finditer(pattern, text, flags=re.IGNORECASE):
        start = match.start()
        if runs and start <= runs[-1][1]:
            runs[-1][1] = start + n
        else:
            runs.append([start, start + n])
    if not runs:
        return text
    out, last = [], 0
    for start, end in runs:
        out += [text[last:start], REDACTED]
        last = end
    out.append(text[last:])
    return "".join(out)


def url_redactor(url: str) -> Redactor:
    """What of a webhook URL must never be shown: the URL, also without its scheme, its path
    and query; and as tokens each long path segment (Slack's are /services/T…/B…/<token>)
    and the query."""
    rest = url.split("://", 1)[-1]
    user = password = ""
    try:
        parts = urlsplit(url)
        path, query = parts.path, parts.query
        user, password = parts.username or "", parts.password or ""
    except ValueError:  # not even a URL (a bad [IPv6] host): hide all of it
        path, query = rest, ""
    secrets = [url, rest, path]
    host_part = rest.split("/", 1)[0]
    if "@" in host_part:  # user:password@host: the login part, however it parses
        secrets.append(host_part.rsplit("@", 1)[0])
    tokens = [segment for segment in path.split("/") if len(segment) >= 9]
    if query:
        tokens.append(query)
    if password:
        tokens.append(password)
    return Redactor(
        tuple(s for s in secrets if len(s) > 1), tuple(t for t in tokens if len(t) > 1),
        words=(user,) if user else (),
    )


def login_redactor(username: str | None, password: str | None) -> Redactor:
    """The SMTP user name (as a word), the password, and the AUTH PLAIN / LOGIN encodings an
    SMTP trace would carry."""
    secrets: list[str] = []
    tokens: list[str] = []
    if username:
        secrets.append(_b64(username))
    if password:
        tokens += [password, _b64(password)]
        if username is not None:
            tokens.append(_b64(f"\0{username}\0{password}"))
    return Redactor(tuple(secrets), tuple(tokens), (username,) if username else ())


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
