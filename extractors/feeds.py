"""Feed parsing: RSS 2.0, RSS 1.0/RDF and Atom bytes -> `ParsedFeed`.

feedparser is always handed the bytes we fetched, never a string: given a string it may
open a local path or URL itself.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser

from extractors.errors import FeedError
from extractors.models import EntryProblem, FeedEntry, ParsedFeed
from extractors.text import html_to_text, normalise_whitespace
from extractors.urls import absolute_url, is_http_url


def parse_feed(
    content: bytes,
    *,
    feed_url: str,
    content_type: str | None = None,
    source: str | None = None,
    language: str | None = None,
    max_entries: int = 500,
) -> ParsedFeed:
    """Parse feed bytes; raise FeedError when they are not a feed at all.

    A feed that is not well-formed but still yields entries is accepted (feedparser is
    lenient on purpose) and the problem is reported beside the entries.
    """
    if not content or not content.strip():
        raise FeedError(f"feed {feed_url} answered with an empty body", url=feed_url)
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=True)
    problems: list[EntryProblem] = []
    if not parsed.entries:
        if parsed.bozo or not parsed.version:
            reason = _bozo_reason(parsed)
            raise FeedError(
                f"{feed_url} is not a readable RSS/Atom feed ({reason}); check the feed URL",
                url=feed_url,
            )
        return ParsedFeed(feed_url, _feed_title(parsed), language, [], [])
    if parsed.bozo:
        problems.append(
            EntryProblem(
                feed_url,
                f"feed is not well-formed ({_bozo_reason(parsed)}); "
                f"read {len(parsed.entries)} entries anyway",
            )
        )
    feed_language = language or _language_tag(parsed.feed.get("language"))
    base = parsed.get("href") or feed_url
    entries: list[FeedEntry] = []
    for raw in parsed.entries[:max_entries]:
        entry = _entry(raw, feed_url=feed_url, base=base, source=source or _feed_title(parsed),
                       language=feed_language)
        if isinstance(entry, EntryProblem):
            problems.append(entry)
        else:
            entries.append(entry)
    if len(parsed.entries) > max_entries:
        problems.append(
            EntryProblem(
                feed_url,
                f"feed has {len(parsed.entries)} entries; read the first {max_entries} "
                f"(raise [fetch] max_entries_per_feed to read more)",
            )
        )
    return ParsedFeed(feed_url, _feed_title(parsed), feed_language, entries, problems)


def _entry(
    raw: Any, *, feed_url: str, base: str, source: str | None, language: str | None
) -> FeedEntry | EntryProblem:
    title = normalise_whitespace(html_to_text(raw.get("title", "") or ""))
    link = _link(raw)
    label = f"entry {title[:80]!r}" if title else "an entry with no title"
    if not link:
        return EntryProblem(feed_url, f"{label} has no link; skipped")
    url = absolute_url(link, base)
    if not is_http_url(url):
        return EntryProblem(feed_url, f"{label} has a non-http link {link[:120]!r}; skipped",
                            url=link[:500])
    summary = html_to_text(_summary_html(raw))
    tags = tuple(t.get("term", "") for t in raw.get("tags", []) if t.get("term"))
    return FeedEntry(
        feed_url=feed_url,
        url=url,
        title=title,
        summary=summary,
        guid=raw.get("id") or None,
        published_at=_timestamp(raw.get("published_parsed") or raw.get("updated_parsed")),
        author=(raw.get("author") or None),
        tags=tags,
        language=language,
        source=source,
    )


def _link(raw: Any) -> str | None:
    link = raw.get("link")
    if link:
        return str(link)
    for candidate in raw.get("links", []):
        if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
            return str(candidate["href"])
    guid = raw.get("id")
    if guid and raw.get("guidislink"):
        return str(guid)
    return None


def _summary_html(raw: Any) -> str:
    for content in raw.get("content", []) or []:
        if content.get("value"):
            return str(content["value"])
    return str(raw.get("summary", "") or "")


def _timestamp(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _feed_title(parsed: Any) -> str | None:
    title = parsed.feed.get("title")
    return normalise_whitespace(title) if title else None


def _language_tag(value: Any) -> str | None:
    if not value or not isinstance(value, str):
        return None
    return value.split("-")[0].split("_")[0].lower() or None


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "no RSS or Atom elements found"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
