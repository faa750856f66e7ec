"""The alert channels: one module each, registered here, and nowhere else.

    spec.py            what a channel module provides (Channel, ChannelSettings, AlertSender)
    email_channel.py   [alerts.email]: an email digest (plain text + HTML) over SMTP
    slack_channel.py   [alerts.slack]: Block Kit messages to an incoming webhook

To add a channel "x": write `alerts/channels/x_channel.py` (its `[alerts.x]` settings, its
renderer, its sender and `CHANNEL = Channel("x", ...)`; spec.py says what each is) and add
one `register(...)` line at the end of this file. `[alerts] channels = ["x"]` and the
`[alerts.x]` section are then read by flows.settings, `mali-monitor alerts test --channel x`
and `mali-monitor config` know it, and every run delivers through it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from alerts.channels import email_channel, slack_channel
from alerts.channels.spec import AlertSender, Channel, ChannelSettings
from alerts.errors import DeliveryError

# the keys of [alerts] itself: no channel may be called so
COMMON_KEYS = frozenset({"channels", "max_attempts", "dry_run"})

CHANNELS: dict[str, Channel[Any]] = {}  # name -> spec, in the order registered


def register(channel: Channel[Any]) -> Channel[Any]:
    """Make a channel known to the settings, the command line and delivery."""
    name = channel.name
    if not name.isidentifier() or not name.islower() or name in COMMON_KEYS:
        raise ValueError(
            f"alert channel name {name!r}: use lowercase letters, digits and '_', and none "
            f"of {', '.join(sorted(COMMON_KEYS))}"
        )
    if CHANNELS.get(name, channel) is not channel:
        raise ValueError(f"alert channel {name!r} is already registered")
    CHANNELS[name] = channel
    return channel


def names() -> tuple[str, ...]:
    return tuple(CHANNELS)


def unknown_channel(name: str) -> str:
    return f"unknown alert channel {name!r} (known: {', '.join(CHANNELS) or 'none'})"


def get_channel(name: str) -> Channel[Any]:
    """The registered channel, or DeliveryError naming those there are."""
    try:
        return CHANNELS[name]
    except KeyError:
        raise DeliveryError(unknown_channel(name), channel=name) from None


class ChannelSections(Protocol):
    """Where each channel's settings section is found (flows.settings.AlertsSection)."""

    def section(self, name: str) -> ChannelSettings: ...


def build_sender(
    channel: str, alerts: ChannelSections, env: Mapping[str, str] | None = None
) -> AlertSender:
    """The real sender of a channel, built from its section of the settings, with its
    secrets read now (at send time) from the environment variables the configuration names,
    else from the Prefect Secret blocks it names. Raises DeliveryError when the channel is
    unknown or cannot be used."""
    spec = get_channel(channel)
    return spec.sender(alerts.section(channel), os.environ if env is None else env)


# --- the registered channels ---------------------------------------------------------------

register(email_channel.CHANNEL)
register(slack_channel.CHANNEL)
