"""What a channel module provides: its `Channel` spec, the base of its settings section, the
`AlertSender` interface its sender implements, and the checks its settings keys share.

A channel is one module in `alerts/channels/` (see `email_channel.py`, `slack_channel.py`),
registered in `alerts/channels/__init__.py`. It defines:

    class XSettings(ChannelSettings)   its `[alerts.x]` section: keys, defaults, validation
    a renderer                         a Digest as the channel's message(s)
    a sender                           delivers one digest or raises DeliveryError
    def build(section, env)            the sender, its secrets read now (alerts.credentials)
    CHANNEL = Channel("x", XSettings, build, ...)

Nothing else names the channel: the settings, `mali-monitor alerts test --channel`,
`mali-monitor config` and delivery all read the registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from alerts.digest import Digest, describe_subtype

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AlertSender(Protocol):
    """Delivers one digest as one message on its channel, or raises DeliveryError (whose
    text is free of secrets). Rendering and splitting are the channel's renderer's job."""

    channel: str

    def send(self, digest: Digest) -> None: ...


class ChannelSettings(BaseModel):
    """A channel's `[alerts.<name>]` section: every key has a default, unknown keys are
    refused, and the section cannot change once read. Secrets are never keys of their own:
    only the names of the environment variables or Prefect Secret blocks holding them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def check_enabled(self) -> None:
        """Raise ValueError when the channel is listed in `[alerts] channels` but this
        section cannot be used as it is (email without recipients)."""


@dataclass(frozen=True)
class SecretKey:
    """A secret of a channel, as `mali-monitor config` shows it (set or not set, never its
    value): `env_key` names the section's key holding the environment variable's name,
    `block_key` the one holding the Prefect Secret block's name."""

    name: str  # shown as alerts.<channel>.<name>
    what: str  # "SMTP password"
    env_key: str | None
    block_key: str | None = None


def one_message(digest: Digest) -> list[Digest]:
    """A channel without size limits sends the whole digest as one message."""
    return [digest]


def text_preview(digest: Digest) -> str:
    """A digest as plain text, for a dry run of a channel that has no preview of its own."""
    lines = [f"{digest.channel}: {digest.counts_text()}{digest.part_suffix()}"]
    lines += [f"* {item.name} ({describe_subtype(item)})" for item in digest.items]
    return "\n".join(lines)


S = TypeVar("S", bound=ChannelSettings)


@dataclass(frozen=True)
class Channel(Generic[S]):
    """Everything the rest of mali-monitor knows about one channel."""

    name: str  # the `[alerts] channels` entry and the `[alerts.<name>]` section
    settings: type[S]  # that section
    build_sender: Callable[[S, Mapping[str, str]], AlertSender]  # (section, environment)
    split: Callable[[Digest], list[Digest]] = one_message  # a digest cut to message limits
    preview: Callable[[Digest], str] = text_preview  # a message as text, for dry runs
    secrets: tuple[SecretKey, ...] = ()

    def sender(self, section: ChannelSettings, env: Mapping[str, str]) -> AlertSender:
        if not isinstance(section, self.settings):
            raise TypeError(f"[alerts.{self.name}] is a {self.settings.__name__}, "
                            f"not a {type(section).__name__}")
        return self.build_sender(section, env)


# --- checks the settings keys of channels share -------------------------------------------


def env_name(value: Any) -> Any:
    """A key naming an environment variable holds its NAME, never the secret itself."""
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError("must be the NAME of an environment variable, not its value")
    return value


def block_name(value: Any) -> Any:
    """A Prefect block document name ("" = none): lowercase letters, digits and dashes."""
    if value and not re.fullmatch(r"[a-z0-9-]+", value):
        raise ValueError(
            "must be the NAME of a Prefect Secret block (lowercase letters, digits and "
            "dashes), not its value"
        )
    return value
