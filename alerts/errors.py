"""Delivery failures, and the one place secrets are scrubbed from error text.

    MonitorError (extractors.errors)
     +-- DeliveryError   a channel could not deliver, or is not configured   (.channel)

A `DeliveryError`'s message is stored in `alerts.last_error` and printed by the CLI, so it is
scrubbed when the error is made: every secret the sender knows (the Slack webhook URL and its
path, the SMTP password) is replaced by `***` before the text exists anywhere else.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import urlsplit

from extractors.errors import MonitorError

REDACTED = "***"
MAX_ERROR_CHARS = 500


class DeliveryError(MonitorError):
    """A channel failed to deliver (or cannot be built from the configuration)."""

    def __init__(self, message: str, *, channel: str, secrets: Iterable[str] = ()) -> None:
        text = scrub(message, secrets)
        if len(text) > MAX_ERROR_CHARS:
            text = text[: MAX_ERROR_CHARS - 1] + "…"
        super().__init__(text)
        self.channel = channel


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (longest first, so a URL goes before its own path) by ***."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def url_secrets(url: str) -> list[str]:
    """What of a webhook URL must never be shown: the URL, its path, and each long path
    segment (Slack's are /services/T…/B…/<token>), also without its scheme."""
    parts = urlsplit(url)
    found = [url, url.split("://", 1)[-1], parts.path]
    if parts.query:
        found.append(parts.query)
    found += [segment for segment in parts.path.split("/") if len(segment) >= 9]
    return [s for s in found if len(s) > 1]


def password_secrets(password: str, username: str | None = None) -> list[str]:
    """The password, and the AUTH PLAIN / LOGIN encodings an SMTP trace would carry."""
    if not password:
        return []
    found = [password, base64.b64encode(password.encode()).decode()]
    if username is not None:
        plain = f"\0{username}\0{password}".encode()
        found.append(base64.b64encode(plain).decode())
    return found
