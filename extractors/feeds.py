"""Feed parsing: RSS 2.0, RSS 1.0/RDF and Atom bytes -> `ParsedFeed`.

feedparser is always handed the bytes we fetched, never a string: given a string it may
open a local path or URL itself.

XML entities: feedparser already strips entity declarations it does not consider safe and
turns off external entities, and Python's expat (2.4+) stops "billion laughs" expansion. A
feed that declares an external, parameter or nested entity is refused here anyway, before
parsing, so that safety does not hang on those two libraries' internals: no news feed needs
one, and they are the shape of entity-expansion and external-entity (XXE) attacks. A
declaration of a plain character (`<!ENTITY nbsp "&#160;">`) is accepted.
"""

from __future__ import annotations

import calendar
import codecs
import re
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
    _refuse_entity_declarations(content, feed_url)
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


# --------------------------------------------------------------------------------------------
# Entity declarations
# --------------------------------------------------------------------------------------------

_ENTITY_START = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ENTITY_DECL = re.compile(
    rb"""<!ENTITY\s+(?P<parameter>%\s+)?[^\s%"'>]+\s+"""
    rb"""(?:(?P<external>SYSTEM|PUBLIC)\b|"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""",
    re.IGNORECASE,
)
_SAFE_VALUE = re.compile(rb"^(?:&#[0-9]{1,7};|&#x[0-9a-f]{1,6};|[^&%<]{0,200})$", re.IGNORECASE)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _refuse_entity_declarations(content: bytes, feed_url: str) -> None:
    """Raise FeedError when the document declares an entity other than a plain character."""
    text = _ascii_compatible(content)
    for start in _ENTITY_START.finditer(text):
        declaration = _ENTITY_DECL.match(text, start.start())
        if declaration is None:
            reason = "an entity declaration that cannot be read"
        elif declaration.group("parameter"):
            reason = "a parameter entity"
        elif declaration.group("external"):
            reason = "an external entity (SYSTEM or PUBLIC)"
        elif not _SAFE_VALUE.match(declaration.group("dq") or declaration.group("sq") or b""):
            reason = "an entity that expands to other entities, markup or long text"
        else:
            continue
        raise FeedError(
            f"{feed_url} declares XML entities ({reason}); refused: a feed has no need of "
            f"them and they are the shape of entity-expansion and external-entity attacks",
            url=feed_url,
        )


def _ascii_compatible(content: bytes) -> bytes:
    """The document in an ASCII-compatible encoding, so markup can be searched as bytes
    (UTF-16 and UTF-32 documents are re-encoded; others are left as they are)."""
    for bom, codec in _WIDE_BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(codec, errors="replace").encode("utf-8")
    head = content[:4]
    if len(head) == 4 and b"\x00" in head:  # no BOM: guess the width from where "<" is
        for codec in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
            if head.startswith("<".encode(codec)):
                return content.decode(codec, errors="replace").encode("utf-8")
    return content
