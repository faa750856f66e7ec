"""The sender interface and `build_sender`, under their former names (flows.ingest imports
them from here). They live in `alerts.channels`: the registry builds each channel's sender
from its settings section."""

from __future__ import annotations

from alerts.channels import build_sender
from alerts.channels.spec import AlertSender

__all__ = ["AlertSender", "build_sender"]
