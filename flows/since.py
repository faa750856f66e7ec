"""`--since` as users type it: a span back from now (`30d`, `12h`, `2w`, `45m`) or a date or
time (`2026-11-01`, `2026-11-01T08:00`, UTC unless it says otherwise)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class SinceError(ValueError):
    """The text is neither a span nor a date."""


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """The moment `text` names, timezone-aware."""
    now = now or datetime.now(UTC)
    span = _SPAN.match(text)
    if span:
        amount, unit = float(span[1]), span[2].lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SinceError(
            f"--since {text!r}: give a span back from now (30d, 12h, 2w, 45m) or a date "
            f"(2026-11-01, 2026-11-01T08:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
