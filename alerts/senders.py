"""The sender interface, and the one place real senders are built from the settings.

Secrets come from the environment variable a key names (`*_env`) or, when that is unset or
empty, from the Prefect Secret block another names (`*_block`): the variable wins, so one
machine can override a shared block without touching it, and no Prefect API call is made when
the variable is set. Both are read when the sender is built, at send time.

Tests and the demo build `SmtpSender` / `SlackSender` themselves (pointed at servers on
127.0.0.1) or pass any object with a `channel` and a `send(digest)`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from alerts.digest import Digest
from alerts.errors import DeliveryError, login_redactor
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


BLOCK_NOT_FOUND = "Unable to find block document named"


def _block(name: str, channel: str, key: str) -> str | None:
    """The text a Prefect Secret block holds (None when `name` is ""). Read raw, not through
    `Secret.get()`, which would turn a password such as "123456" into a number. A block that
    cannot be read is a DeliveryError naming the block and the key, never showing a value."""
    if not name:
        return None
    where = f"the Prefect Secret block {name!r} ([alerts.{channel}] {key})"
    try:
        from prefect.blocks.system import Secret

        block = Secret.load(name, _sync=True)  # type: ignore[call-arg]  # sync even in async code
    except Exception as e:  # not found, API unreachable, not a Secret block ...
        if isinstance(e, ValueError) and str(e).startswith(BLOCK_NOT_FOUND):
            problem = (
                "does not exist on this Prefect server; create it with "
                f"Secret(value=...).save({name!r}) (from prefect.blocks.system import Secret)"
            )
        else:  # the text of a validation error could quote the value: not shown
            problem = f"cannot be loaded ({type(e).__name__}; is the Prefect API reachable?)"
        raise DeliveryError(f"{channel}: {where} {problem}", channel=channel) from None
    if not isinstance(block, Secret):  # `_sync=True`: the block itself, never a coroutine
        raise DeliveryError(f"{channel}: {where} is not a Secret block", channel=channel)
    value = block.value.get_secret_value()
    if not isinstance(value, str) or not value.strip():
        raise DeliveryError(
            f"{channel}: {where} does not hold a text value", channel=channel
        )
    return value


def _secret(
    env: Mapping[str, str], env_name: str | None, block_name: str, channel: str, key: str
) -> tuple[str | None, str]:
    """A secret and where it came from: the environment variable when it is set and not
    empty, else the Prefect Secret block (loaded only then)."""
    value = _env(env, env_name)
    if value is not None:
        return value, f"${env_name}"
    value = _block(block_name, channel, key)
    if value is not None:
        return value, f"Prefect Secret block {block_name!r}"
    sources = [f"${env_name}"] if env_name else []
    if block_name:
        sources.append(f"Prefect Secret block {block_name!r}")
    return None, " or ".join(sources) or f"({key})"


def build_sender(
    channel: str, alerts: AlertsSection, env: Mapping[str, str] | None = None
) -> AlertSender:
    """The real sender of a channel, with its secrets read from the environment variables
    the configuration names, else from the Prefect Secret blocks it names (read now, at send
    time). Raises DeliveryError when the channel cannot be used."""
    env = os.environ if env is None else env
    if channel == "email":
        cfg = alerts.email
        username, user_from = _secret(
            env, cfg.username_env, cfg.username_block, "email", "username_block"
        )
        password, password_from = _secret(
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
    if channel == "slack":
        cfg_slack = alerts.slack
        name = cfg_slack.webhook_url_env
        url, url_from = _secret(
            env, name, cfg_slack.webhook_url_block, "slack", "webhook_url_block"
        )
        if url is None:
            raise DeliveryError(
                f"slack: the environment variable {name} is not set; set it to the channel's "
                f"incoming webhook URL (https://hooks.slack.com/services/...), or name a "
                f"Prefect Secret block holding it in [alerts.slack] webhook_url_block",
                channel="slack",
            )
        return SlackSender(
            SecretStr(url.strip()), timeout_s=cfg_slack.timeout_s, source=url_from
        )
    raise DeliveryError(
        f"unknown alert channel {channel!r} (known: {', '.join(CHANNELS)})", channel=channel
    )


