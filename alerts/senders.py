"""The sender interface, and the one place real senders are built from the settings.

Tests and the demo build `SmtpSender` / `SlackSender` themselves (pointed at servers on
127.0.0.1) or pass any object with a `channel` and a `send(digest)`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from alerts.digest import Digest
from alerts.errors import DeliveryError
from alerts.slack_sender import SlackSender
from alerts.smtp_sender import SmtpSender

if TYPE_CHECKING:
    from flows.settings import AlertsSection

CHANNELS = ("email", "slack")


class AlertSender(Protocol):
    """Delivers one digest as one message on its channel, or raises DeliveryError (whose
    text is free of secrets). Rendering and splitting are the channel's renderer's job."""

    channel: str

    def send(self, digest: Digest) -> None: ...


def _env(env: Mapping[str, str], name: str | None) -> str | None:
    if not name:
        return None
    value = env.get(name, "")
    return value if value.strip() else None


def build_sender(
    channel: str, alerts: AlertsSection, env: Mapping[str, str] | None = None
) -> AlertSender:
    """The real sender of a channel, with its secrets read from the environment variables
    the configuration names. Raises DeliveryError when the channel cannot be used."""
    env = os.environ if env is None else env
    if channel == "email":
        cfg = alerts.email
        username = _env(env, cfg.username_env)
        password = _env(env, cfg.password_env)
        if username and not password:
            raise DeliveryError(
                f"email: ${cfg.username_env} is set but ${cfg.password_env or '(password_env)'} "
                f"is not; set both to log in, or neither",
                channel="email",
            )
        if password and not username:
            raise DeliveryError(
                f"email: ${cfg.password_env} is set but ${cfg.username_env or '(username_env)'} "
                f"is not; set both to log in, or neither",
                channel="email",
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
        )
    if channel == "slack":
        name = alerts.slack.webhook_url_env
        url = _env(env, name)
        if url is None:
            raise DeliveryError(
                f"slack: the environment variable {name} is not set; set it to the channel's "
                f"incoming webhook URL (https://hooks.slack.com/services/...)",
                channel="slack",
            )
        return SlackSender(SecretStr(url.strip()), timeout_s=alerts.slack.timeout_s)
    raise DeliveryError(
        f"unknown alert channel {channel!r} (known: {', '.join(CHANNELS)})", channel=channel
    )


