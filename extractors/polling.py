"""Poll one feed: conditional GET, then parse. Failures come back as data, not exceptions,
so a failing feed is recorded and the run goes on."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.errors import FeedError, FetchError
from extractors.feeds import parse_feed
from extractors.models import ErrorRecord, FeedEntry, Fetcher

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True)
class FeedSource:
    url: str
    name: str | None = None
    language: str | None = None
    topic: str = "auto"  # auto | all | filter (extractors.articles.TOPIC_MODES)


@dataclass(frozen=True)
class FeedValidators:
    """What the server told us last time, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FeedPoll:
    feed_url: str
    status: str  # ok | not_modified | failed
    entries: list[FeedEntry] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    validators: FeedValidators = field(default_factory=FeedValidators)
    error: str | None = None  # why the feed itself failed
    retryable: bool = False  # a failure that may pass (timeout, 5xx, 429), not a 404
    retry_after: float | None = None  # seconds a 429/503 asked us to wait (Retry-After)


def poll_feed(
    feed: FeedSource,
    validators: FeedValidators,
    fetcher: Fetcher,
    *,
    max_entries: int = 500,
) -> FeedPoll:
    try:
        result = fetcher.fetch(
            feed.url,
            accept=FEED_ACCEPT,
            etag=validators.etag,
            last_modified=validators.last_modified,
        )
    except FetchError as e:
        return _failed(
            feed, str(e), e.status, validators, retryable=e.retry_soon,
            retry_after=e.retry_after,
        )
    if result.not_modified:
        return FeedPoll(feed.url, "not_modified", validators=validators)
    try:
        parsed = parse_feed(
            result.content,
            feed_url=feed.url,
            content_type=result.headers.get("content-type"),
            source=feed.name,
            language=feed.language,
            max_entries=max_entries,
        )
    except FeedError as e:
        return _failed(feed, str(e), result.status, validators, retryable=False)
    errors = [
        ErrorRecord("entry", problem.message, url=problem.url, feed_url=feed.url)
        for problem in parsed.problems
    ]
    fresh = FeedValidators(
        etag=result.headers.get("etag"), last_modified=result.headers.get("last-modified")
    )
    return FeedPoll(feed.url, "ok", parsed.entries, errors, fresh)


def _failed(
    feed: FeedSource,
    message: str,
    status: int | None,
    validators: FeedValidators,
    *,
    retryable: bool,
    retry_after: float | None = None,
) -> FeedPoll:
    error = ErrorRecord("feed", message, url=feed.url, feed_url=feed.url, http_status=status)
    return FeedPoll(
        feed.url, "failed", errors=[error], validators=validators, error=message,
        retryable=retryable, retry_after=retry_after,
    )
