"""Feed backoff: a feed that keeps failing is polled less and less often, not hammered.

Plain functions over numbers and datetimes; the flow asks them which feeds are due and when
a failing feed should be polled next, and the warehouse keeps the answer
(`feed_state.next_poll_at`).

The rule, with the defaults of `[fetch]`:

- the first `backoff_after_failures - 1` (2) consecutive failures change nothing: the feed is
  polled by every run (a run already retries a timeout, 429 or 5xx a few times);
- after `n >= backoff_after_failures` (3) consecutive failures the next poll waits
  `2**(n - 3)` schedule intervals: 1, 2, 4, 8 ... capped at `backoff_max_hours` (24 h);
- a 429 or 503 with `Retry-After` sets a floor: the feed is not polled again before that time,
  whatever the failure count (itself capped at one hour by the fetcher);
- one successful poll clears the streak and the wait.

A run starting a little before a feed's time (`grace`: a tenth of the interval, at most five
minutes) still polls it, so "wait one interval" means "the next scheduled run", not the one
after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

__all__ = [
    "BackedOff",
    "BackoffPolicy",
    "backoff_delay",
    "cron_interval",
    "next_poll_at",
    "split_due",
]

_MAX_EXPONENT = 20  # 2**20 intervals is far beyond any cap; keeps the arithmetic small
_MAX_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class BackoffPolicy:
    interval: timedelta = timedelta(minutes=30)  # the schedule's interval between runs
    after_failures: int = 3  # consecutive failures before a feed is backed off
    max_delay: timedelta = timedelta(hours=24)

    @property
    def grace(self) -> timedelta:
        return min(self.interval / 10, _MAX_GRACE)


@dataclass(frozen=True)
class BackedOff:
    """A feed skipped by a run because it is backed off."""

    feed_url: str
    next_poll_at: datetime
    consecutive_failures: int


class _Feed(Protocol):
    @property
    def url(self) -> str: ...


F = TypeVar("F", bound=_Feed)


def backoff_delay(
    consecutive_failures: int, policy: BackoffPolicy, *, retry_after_s: float | None = None
) -> timedelta | None:
    """How long to wait before polling a feed again; None when the next run may poll it."""
    delay: timedelta | None = None
    if consecutive_failures >= policy.after_failures:
        exponent = min(consecutive_failures - policy.after_failures, _MAX_EXPONENT)
        delay = min(policy.interval * 2**exponent, policy.max_delay)
    if retry_after_s is not None and retry_after_s > 0:
        asked = min(timedelta(seconds=retry_after_s), policy.max_delay)
        delay = asked if delay is None else max(delay, asked)
    return delay


def next_poll_at(
    consecutive_failures: int,
    *,
    polled_at: datetime,
    policy: BackoffPolicy,
    retry_after_s: float | None = None,
) -> datetime | None:
    """When a feed polled at `polled_at`, now failing `consecutive_failures` times in a row
    (0 after a success), may be polled again; None: whenever the next run comes."""
    delay = backoff_delay(consecutive_failures, policy, retry_after_s=retry_after_s)
    return None if delay is None else polled_at + delay


def split_due(
    feeds: Iterable[F],
    states: Mapping[str, tuple[datetime | None, int]],
    *,
    now: datetime,
    policy: BackoffPolicy,
) -> tuple[list[F], list[BackedOff]]:
    """Feeds to poll now, and those backed off. `states`: feed URL -> (next_poll_at,
    consecutive_failures) as stored; a feed without state is due."""
    due: list[F] = []
    backed_off: list[BackedOff] = []
    for feed in feeds:
        when, failures = states.get(feed.url, (None, 0))
        if when is None or when <= now + policy.grace:
            due.append(feed)
        else:
            backed_off.append(BackedOff(feed.url, when, failures))
    return due, backed_off


# --------------------------------------------------------------------------------------------
# The interval of a cron schedule
# --------------------------------------------------------------------------------------------

_FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))  # weekday 0 and 7: Sunday
_SCAN = timedelta(days=15)  # two weeks and a day: a weekly pattern fires twice inside it


def cron_interval(expression: str, *, default: timedelta = timedelta(minutes=30)) -> timedelta:
    """The shortest gap between two firings of a 5-field cron expression (numbers, `*`,
    ranges, lists and steps; names such as MON are not supported). Fifteen days for a
    schedule firing less often than that (a monthly run), `default` when the expression
    cannot be read or never fires."""
    fields = expression.split()
    if len(fields) != 5:
        return default
    try:
        allowed = [
            _cron_field(text, low, high)
            for text, (low, high) in zip(fields, _FIELD_RANGES, strict=True)
        ]
    except ValueError:
        return default
    minutes, hours, days, months, weekdays = allowed
    if 7 in weekdays:
        weekdays.add(0)
    day_restricted, weekday_restricted = fields[2] != "*", fields[4] != "*"
    start = datetime(2001, 1, 1)  # a Monday; any date would do
    firings: list[datetime] = []
    for hour_offset in range(int(_SCAN / timedelta(hours=1))):
        at_hour = start + timedelta(hours=hour_offset)
        if at_hour.hour not in hours or at_hour.month not in months:
            continue
        day_ok = at_hour.day in days
        weekday_ok = (at_hour.weekday() + 1) % 7 in weekdays  # cron: 0 = Sunday
        if day_restricted and weekday_restricted:
            if not (day_ok or weekday_ok):
                continue
        elif not (day_ok and weekday_ok):
            continue
        firings += [at_hour.replace(minute=m) for m in sorted(minutes)]
    if not firings:
        return default
    gaps = [b - a for a, b in zip(firings, firings[1:], strict=False)]
    return min(gaps) if gaps else _SCAN


_STEP = re.compile(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$")


def _cron_field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        match = _STEP.match(part)
        if match is None:
            raise ValueError(part)
        span, step = match.group(1), int(match.group(2) or 1)
        if step < 1:
            raise ValueError(part)
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (int(v) for v in span.split("-"))
        else:
            first = int(span)
            last = high if match.group(2) else first
        if not low <= first <= last <= high:
            raise ValueError(part)
        values.update(range(first, last + 1, step))
    return values
