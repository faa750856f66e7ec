"""Dataclasses passed between extractors, flows and the warehouse."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class FetchSettings:
    """How pages and feeds are fetched; built from the `[fetch]` config section."""

    timeout_s: float = 20.0
    max_bytes: int = 5_000_000
    allow_private_addresses: bool = False
    user_agent: str = "mali-monitor/0.1 (+https://github.com/mali-monitor/mali-monitor)"
    max_redirects: int = 5
    per_host_delay_s: float = 1.0
    # host names, IP addresses and networks (CIDR), each optionally with a port ("10.0.0.5:8080",
    # "[::1]:8080"): see extractors.fetching.parse_allowed_host. A name alone does not open a
    # private address: the address connected to must be public or listed itself.
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchResult:
    """One HTTP response, body already read (and capped)."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str  # media type without parameters, lower case ("" when absent)
    charset: str | None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    not_modified: bool = False
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class FeedEntry:
    """One feed item, links resolved, summary as plain text."""

    feed_url: str
    url: str
    title: str
    summary: str
    guid: str | None = None
    published_at: datetime | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None  # the feed's or the config's
    source: str | None = None  # the feed's name


@dataclass(frozen=True)
class EntryProblem:
    """A feed item that could not become an entry (no link, a javascript: link ...)."""

    feed_url: str
    message: str
    url: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    feed_url: str
    title: str | None
    language: str | None
    entries: list[FeedEntry]
    problems: list[EntryProblem]


@dataclass(frozen=True)
class ErrorRecord:
    """A failure to keep as a `fetch_errors` row."""

    stage: str  # feed | entry | page | extract | topic | store
    error: str
    url: str | None = None
    feed_url: str | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class SkippedEntry:
    """An entry decided against (off topic): remembered so it is never fetched again."""

    canonical_url: str
    url: str
    feed_url: str
    title: str
    reason: str


@dataclass
class Article:
    """An article ready to store (one `articles` row)."""

    article_id: str
    url: str
    canonical_url: str
    feed_url: str | None
    source: str | None
    title: str | None
    author: str | None
    published_at: datetime | None
    fetched_at: datetime
    language: str | None
    text: str
    content_hash: str
    text_origin: str  # page | summary | seed
    is_seed: bool = False
    duplicate_of: str | None = None
    similarity: float | None = None
    run_id: str | None = None
    topic_terms: tuple[str, ...] = ()


class Fetcher(Protocol):
    """What the extractors need from an HTTP client (`extractors.fetching.HttpFetcher`)."""

    def fetch(
        self,
        url: str,
        *,
        accept: str = ...,
        etag: str | None = ...,
        last_modified: str | None = ...,
        allowed_types: Collection[str] | None = ...,
    ) -> FetchResult: ...
