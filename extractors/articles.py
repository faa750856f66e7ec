"""From feed entries to storable articles: choose entries, fetch, extract, clean, filter.

Plain functions: the fetcher is passed in (anything with `HttpFetcher.fetch`'s signature),
so tests and the demo can hand in their own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from extractors.cleaning import clean_text, parse_plain_article
from extractors.errors import ExtractionError, FetchError
from extractors.extraction import ExtractedPage, extract_page
from extractors.fetching import decode_html
from extractors.fingerprints import content_hash
from extractors.language import detect_language
from extractors.models import (
    Article,
    ErrorRecord,
    FeedEntry,
    Fetcher,
    SkippedEntry,
)
from extractors.topic import TopicFilter
from extractors.urls import canonical_url, is_http_url, url_key

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
MIN_SUMMARY_CHARS = 40  # a shorter summary is a headline echo, not an article text


@dataclass
class EntrySelection:
    to_fetch: list[FeedEntry] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)
    already_known: int = 0


@dataclass
class BatchOutcome:
    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    # canonical URLs of the entries that became articles (the entry's key, which may
    # differ from the page's own canonical URL)
    stored_entry_keys: dict[str, str] = field(default_factory=dict)


def select_entries(
    entries: Iterable[FeedEntry], known: Collection[str], topic: TopicFilter
) -> EntrySelection:
    """Drop entries already decided (same canonical URL), duplicates within this poll, and
    entries whose title and summary are not about Mali (kept as skipped)."""
    selection = EntrySelection()
    taken: set[str] = set()
    for entry in entries:
        key = canonical_url(entry.url)
        if key in known or key in taken:
            selection.already_known += 1
            continue
        taken.add(key)
        decision = topic.assess(entry.title, entry.summary, " ".join(entry.tags))
        if decision.relevant:
            selection.to_fetch.append(entry)
        else:
            selection.skipped.append(
                SkippedEntry(key, entry.url, entry.feed_url, entry.title, decision.reason)
            )
    return selection


def build_articles(
    entries: Sequence[FeedEntry],
    fetcher: Fetcher,
    topic: TopicFilter,
    *,
    fetched_at: datetime,
    run_id: str | None = None,
) -> BatchOutcome:
    """Fetch and extract each entry's page, falling back to the feed summary.

    A page that fails leaves an error record; the article is still stored from its summary
    when the summary holds enough text. An entry with neither is not stored (and so is
    tried again next run).
    """
    outcome = BatchOutcome()
    for entry in entries:
        page, final_url, error = _fetch_and_extract(entry, fetcher)
        if error:
            outcome.errors.append(error)
        article = _assemble(entry, page, final_url, fetched_at=fetched_at, run_id=run_id)
        entry_key = canonical_url(entry.url)
        if article is None:
            outcome.errors.append(
                ErrorRecord(
                    "extract",
                    f"no article text for {entry.url}: the page gave none and the feed "
                    f"summary is too short; will retry next run",
                    url=entry.url,
                    feed_url=entry.feed_url,
                )
            )
            continue
        decision = topic.assess(article.title, entry.summary, article.text)
        if not decision.relevant:
            outcome.skipped.append(
                SkippedEntry(entry_key, entry.url, entry.feed_url, entry.title,
                             f"article text {decision.reason}")
            )
            continue
        article.topic_terms = decision.matched
        outcome.articles.append(article)
        outcome.stored_entry_keys[article.article_id] = entry_key
    return outcome


def _fetch_and_extract(
    entry: FeedEntry, fetcher: Fetcher
) -> tuple[ExtractedPage | None, str, ErrorRecord | None]:
    try:
        result = fetcher.fetch(entry.url, accept=HTML_ACCEPT, allowed_types=HTML_TYPES)
    except FetchError as e:
        return None, entry.url, ErrorRecord("page", str(e), entry.url, entry.feed_url, e.status)
    try:
        page = extract_page(decode_html(result.content, result.charset), url=result.final_url)
    except ExtractionError as e:
        return None, result.final_url, ErrorRecord("extract", str(e), entry.url, entry.feed_url)
    return page, result.final_url, None


def _assemble(
    entry: FeedEntry,
    page: ExtractedPage | None,
    final_url: str,
    *,
    fetched_at: datetime,
    run_id: str | None,
) -> Article | None:
    title = entry.title or (page.title if page else None) or None
    text = _page_text(page, title) if page else ""
    origin = "page"
    if not text:
        text = clean_text(entry.summary)
        origin = "summary"
        if len(text) < MIN_SUMMARY_CHARS:
            return None
    canonical = canonical_url(_trusted_canonical(page, final_url) or entry.url)
    language = entry.language or (page.language if page else None)
    return Article(
        article_id=url_key(canonical),
        url=entry.url,
        canonical_url=canonical,
        feed_url=entry.feed_url,
        source=(page.site_name if page else None) or entry.source or urlsplit(entry.url).hostname,
        title=title,
        author=entry.author or (page.author if page else None),
        published_at=entry.published_at or (page.published_at if page else None),
        fetched_at=fetched_at,
        language=detect_language(text, declared=language),
        text=text,
        content_hash=content_hash(text),
        text_origin=origin,
        run_id=run_id,
    )


def _page_text(page: ExtractedPage, title: str | None) -> str:
    """Cleaned page text without a first line that repeats the headline."""
    text = clean_text(page.text)
    first, _, rest = text.partition("\n")
    headline = (title or page.title or "").strip().casefold()
    if headline and first.strip().casefold() == headline:
        text = rest.strip()
    return text


def _trusted_canonical(page: ExtractedPage | None, final_url: str) -> str | None:
    """The page's own canonical URL, only when it stays on the same site: a page must not
    be able to claim another site's article."""
    if not page or not page.canonical_url or not is_http_url(page.canonical_url):
        return final_url
    own = urlsplit(canonical_url(final_url))
    claimed = urlsplit(canonical_url(page.canonical_url))
    if own.hostname != claimed.hostname:
        return final_url
    # A canonical pointing at the home or a section page ("/africa" for "/africa/story")
    # is a site template error: trusting it would fold every article into one.
    if claimed.path in ("", "/") or (
        own.path != claimed.path and own.path.startswith(claimed.path.rstrip("/") + "/")
    ):
        return final_url
    return page.canonical_url


def article_from_seed(name: str, raw: str, *, loaded_at: datetime) -> Article:
    """A seed file as an `articles` row, cleaned by the same cleaner as fetched pages."""
    document = parse_plain_article(raw)
    key = f"seed:{name}"
    return Article(
        article_id=url_key(key),
        url=key,
        canonical_url=key,
        feed_url=None,
        source="seed corpus",
        title=document.title,
        author=None,
        published_at=None,
        fetched_at=loaded_at,
        language=detect_language(document.body),
        text=document.body,
        content_hash=content_hash(document.body),
        text_origin="seed",
        is_seed=True,
    )
