"""Pages tried again in later runs, and the order pages are fetched in. Plain functions.

A page that failed for a reason that may pass (a timeout, 429, 5xx, a reset, a host name
that did not resolve) is queued (`page_attempts`) and tried again by later runs: the next
run, then after 2, 4, 8 ... runs, at most `[fetch] page_retries` times; a `Retry-After`
pushes the next try further. A permanent failure (404, 410, not HTML, a refused URL, a page
without an article) is not tried again. The queue lives in the warehouse, so a retry does
not depend on the feed still listing the entry (a 304 feed still has its pages retried).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from extractors.errors import ExtractionError, FetchError
from extractors.models import FeedEntry

RETRYING, GAVE_UP, DONE = "retrying", "gave_up", "done"
MAX_RUNS_TO_WAIT = 16


@dataclass(frozen=True)
class QueuedPage:
    """A `page_attempts` row due for another try this run."""

    entry: FeedEntry
    attempts: int  # tries so far
    doubt: str | None = None  # the entry was in doubt: its page decides
    trusted: bool = False  # a `topic = "all"` feed's entry
    article_id: str | None = None  # the article stored from its summary, to upgrade


@dataclass(frozen=True)
class PageAttempt:
    """One try of one entry's page, as a `page_attempts` row to write."""

    canonical_url: str  # the entry's key
    entry: FeedEntry
    attempts: int  # tries so far, this one included
    state: str  # retrying | gave_up | done
    error: str | None = None
    status: int | None = None
    runs_to_wait: int = 0  # runs to let pass before the next try
    retry_after_s: float | None = None
    doubt: str | None = None
    trusted: bool = False
    text_origin: str | None = None  # of the stored article (page, summary) or None
    article_id: str | None = None


def is_permanent(error: Exception) -> bool:
    """Trying again later cannot help: a 4xx other than 408/429, a refused URL or content
    type, a page that was read but holds no article."""
    if isinstance(error, ExtractionError):
        return True
    return isinstance(error, FetchError) and error.permanent


def runs_to_wait(attempts: int) -> int:
    """Runs to let pass after the `attempts`-th failed try: the next run, then every 2nd,
    4th, 8th ... run (capped), counted down by each run."""
    return min(2 ** max(attempts - 1, 0), MAX_RUNS_TO_WAIT)


def next_state(attempts: int, *, permanent: bool, page_retries: int) -> str:
    """After a failed try: `retrying` while tries remain, `gave_up` after a permanent failure
    or once the first try and `page_retries` more have failed."""
    if permanent or attempts > page_retries:
        return GAVE_UP
    return RETRYING


def next_try_at(retry_after_s: float | None, now: datetime) -> datetime | None:
    return now + timedelta(seconds=retry_after_s) if retry_after_s else None


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc or parts.path).lower()


def interleave_by_host(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Entries round-robin by host (each host's entries keep their order), so that a batch
    holds many outlets and one slow or polite host does not keep a worker waiting."""
    queues: OrderedDict[str, list[FeedEntry]] = OrderedDict()
    for entry in entries:
        queues.setdefault(host_of(entry.url), []).append(entry)
    ordered: list[FeedEntry] = []
    depth = 0
    while len(ordered) < len(entries):
        for queue in queues.values():
            if depth < len(queue):
                ordered.append(queue[depth])
        depth += 1
    return ordered

