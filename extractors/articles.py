"""From feed entries to storable articles: choose entries, fetch, extract, clean, filter.

Plain functions: the fetcher is passed in (anything with `HttpFetcher.fetch`'s signature),
so tests and the demo can hand in their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
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
from extractors.retry_queue import (
    DONE,
    RETRYING,
    PageAttempt,
    QueuedPage,
    is_permanent,
    next_state,
    runs_to_wait,
)
from extractors.topic import TopicDecision, TopicFilter
from extractors.urls import canonical_url, is_http_url, url_key

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
MIN_SUMMARY_CHARS = 40  # a shorter summary is a headline echo, not an article text


# [[feeds]] topic: "all" (every entry fetched and stored: a Malian outlet), "filter" (title
# and summary decide: on topic, in doubt, off topic) or "auto" (filter, or Mali-focused when
# the feed's own recent decisions say so). `select_entries` takes the resolved modes:
# "all", "filter" or "mali" (Mali-focused: every entry not on topic is in doubt).
TOPIC_MODES = ("auto", "all", "filter")
MALI_FOCUSED = "mali"


@dataclass
class EntrySelection:
    to_fetch: list[FeedEntry] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)
    already_known: int = 0
    on_topic: int = 0
    # canonical URL -> why the entry is in doubt: fetched only so that its page decides
    doubts: dict[str, str] = field(default_factory=dict)
    # canonical URLs of entries of `topic = "all"` feeds: stored whatever their text says
    trusted: set[str] = field(default_factory=set)
    # in doubt beyond the run's budget: not decided, not recorded, seen again next run
    deferred: list[FeedEntry] = field(default_factory=list)


@dataclass
class BatchOutcome:
    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    # canonical URLs of the entries that became articles (the entry's key, which may
    # differ from the page's own canonical URL)
    stored_entry_keys: dict[str, str] = field(default_factory=dict)
    # articles stored from their feed summary whose page was read now: same article id
    upgrades: list[Article] = field(default_factory=list)
    # entries given up on (no page after the retries, no summary): decision 'gave_up'
    gave_up: list[SkippedEntry] = field(default_factory=list)
    # `page_attempts` rows: each failed page, and each queued page tried again
    attempts: list[PageAttempt] = field(default_factory=list)


def select_entries(
    entries: Iterable[FeedEntry],
    known: Collection[str],
    topic: TopicFilter,
    *,
    feed_topics: Mapping[str, str] | None = None,
    doubt_per_feed: int | None = None,
    doubt_per_run: int | None = None,
) -> EntrySelection:
    """Drop entries already decided (same canonical URL) and duplicates within this poll,
    then give each a topic outcome from its title, summary and tags: on topic (fetched),
    off topic (kept as skipped) or in doubt (fetched so that the page decides). Any Mali
    term, however weak, is doubt, and so is every entry of a Mali-focused feed
    (`feed_topics[feed_url] == "mali"`); a `topic = "all"` feed's entries are all fetched.
    Entries in doubt beyond `doubt_per_feed` (per feed) or `doubt_per_run` are deferred:
    neither fetched nor recorded, so the next run decides them."""
    selection = EntrySelection()
    modes = feed_topics or {}
    taken: set[str] = set()
    doubts_by_feed: Counter[str] = Counter()
    for entry in entries:
        key = canonical_url(entry.url)
        if key in known or key in taken:
            selection.already_known += 1
            continue
        taken.add(key)
        mode = modes.get(entry.feed_url, "filter")
        decision = topic.assess(entry.title, entry.summary, " ".join(entry.tags))
        if mode == "all":
            selection.trusted.add(key)
        if decision.relevant or mode == "all":
            selection.on_topic += 1
            selection.to_fetch.append(entry)
            continue
        if not decision.in_doubt and mode != MALI_FOCUSED:
            selection.skipped.append(
                SkippedEntry(key, entry.url, entry.feed_url, entry.title, decision.reason)
            )
            continue
        over_feed = doubt_per_feed is not None and doubts_by_feed[entry.feed_url] >= doubt_per_feed
        over_run = doubt_per_run is not None and len(selection.doubts) >= doubt_per_run
        if over_feed or over_run:
            selection.deferred.append(entry)
            continue
        doubts_by_feed[entry.feed_url] += 1
        selection.doubts[key] = _doubt_reason(decision, mode)
        selection.to_fetch.append(entry)
    return selection


def _doubt_reason(decision: TopicDecision, mode: str) -> str:
    if mode != MALI_FOCUSED:
        return decision.reason
    if decision.matched:
        return decision.reason[:-1] + "; Mali-focused feed)"
    return "in doubt (Mali-focused feed)"


def build_articles(
    entries: Sequence[FeedEntry],
    fetcher: Fetcher,
    topic: TopicFilter,
    *,
    fetched_at: datetime,
    run_id: str | None = None,
    doubts: Mapping[str, str] | None = None,
    trusted: Collection[str] = (),
    queued: Mapping[str, QueuedPage] | None = None,
    page_retries: int = 5,
) -> BatchOutcome:
    """Fetch and extract each entry's page, falling back to the feed summary.

    A page that fails leaves an error record; the article is still stored from its summary
    when the summary holds enough text. A failure that may pass (timeout, 429, 5xx, a reset,
    an unresolved host) queues the page for later runs (`outcome.attempts`), so an article
    stored from its summary is upgraded once its page is read (`outcome.upgrades`); an entry
    with neither page nor summary waits for that retry, and gives up (`outcome.gave_up`)
    after a permanent failure (404, 410, not HTML, no article in the page) or once the first
    try and `page_retries` more have failed.

    Every article's full text is checked for the topic, except those of `trusted` entries
    (canonical URLs of `topic = "all"` feeds). An entry in doubt (`doubts`: canonical URL ->
    why) whose page is off topic is skipped with both reasons; one whose page could not be
    read is left undecided (queued like a page without a summary): its summary alone was
    doubt. `queued` holds the entries tried again from the queue (canonical URL -> row).
    """
    doubts = doubts or {}
    queued = queued or {}
    outcome = BatchOutcome()
    for entry in entries:
        entry_key = canonical_url(entry.url)
        item = queued.get(entry_key)
        doubt = doubts.get(entry_key) or (item.doubt if item else None)
        is_trusted = entry_key in trusted or bool(item and item.trusted)
        tries = (item.attempts if item else 0) + 1
        page, final_url, error, failure = _fetch_and_extract(entry, fetcher)
        if error:
            outcome.errors.append(error)
        article = _assemble(entry, page, final_url, fetched_at=fetched_at, run_id=run_id)

        attempt = partial(_attempt, entry_key, entry, tries, doubt, is_trusted, problem=failure)
        if item is not None and item.article_id is not None:
            _upgrade(outcome, item, article, entry, topic, failure, attempt, page_retries)
            continue
        if article is None or (
            doubt and article.text_origin != "page" and not is_trusted
            and not topic.assess(article.title, entry.summary, article.text).relevant
        ):
            problem = failure or ExtractionError("the page holds no article text", url=entry.url)
            state = next_state(tries, permanent=is_permanent(problem), page_retries=page_retries)
            undecided = bool(doubt) and not is_trusted
            why = (
                f"{doubt} and the page could not be read" if undecided
                else f"no article text for {entry.url}: the page gave none and the feed "
                "summary is too short"
            )
            if state == RETRYING:
                outcome.errors.append(ErrorRecord(
                    "extract", f"{why}: undecided, will retry next run" if undecided
                    else f"{why}; will retry next run",
                    url=entry.url, feed_url=entry.feed_url,
                ))
            else:
                reason = f"{why}; gave up after {_tries(tries)} ({problem})"
                outcome.errors.append(
                    ErrorRecord("extract", reason, url=entry.url, feed_url=entry.feed_url)
                )
                outcome.gave_up.append(
                    SkippedEntry(entry_key, entry.url, entry.feed_url, entry.title, reason)
                )
            outcome.attempts.append(attempt(state, problem=problem))
            continue
        decision = topic.assess(article.title, entry.summary, article.text)
        if not decision.relevant and not is_trusted:
            reason = f"{doubt}; page {decision.verdict}" if doubt else (
                f"article text {decision.verdict}"
            )
            outcome.skipped.append(
                SkippedEntry(entry_key, entry.url, entry.feed_url, entry.title, reason)
            )
            if item is not None:
                outcome.attempts.append(attempt(DONE))
            continue
        article = replace(article, topic_terms=decision.matched)
        outcome.articles.append(article)
        outcome.stored_entry_keys[article.article_id] = entry_key
        if article.text_origin == "summary" and failure is not None:
            state = next_state(tries, permanent=is_permanent(failure), page_retries=page_retries)
            outcome.attempts.append(attempt(state, "summary", article.article_id))
        elif item is not None:
            outcome.attempts.append(attempt(DONE, article.text_origin, article.article_id))
    return outcome


def _upgrade(
    outcome: BatchOutcome,
    item: QueuedPage,
    article: Article | None,
    entry: FeedEntry,
    topic: TopicFilter,
    failure: Exception | None,
    attempt: Callable[..., PageAttempt],
    page_retries: int,
) -> None:
    """A retried page of an article stored from its summary: its text replaces the summary
    (same article id), or the try is counted."""
    assert item.article_id is not None
    if article is not None and article.text_origin == "page":
        outcome.upgrades.append(replace(
            article,
            article_id=item.article_id,
            canonical_url=canonical_url(entry.url),
            topic_terms=topic.assess(article.title, entry.summary, article.text).matched,
        ))
        outcome.attempts.append(attempt(DONE, "page", item.article_id))
        return
    problem = failure or ExtractionError("the page holds no article text", url=entry.url)
    state = next_state(item.attempts + 1, permanent=is_permanent(problem),
                       page_retries=page_retries)
    outcome.attempts.append(attempt(state, "summary", item.article_id, problem=problem))


def _attempt(
    entry_key: str,
    entry: FeedEntry,
    tries: int,
    doubt: str | None,
    trusted: bool,
    state: str,
    origin: str | None = None,
    article_id: str | None = None,
    *,
    problem: Exception | None,
) -> PageAttempt:
    fetch_error = problem if isinstance(problem, FetchError) else None
    return PageAttempt(
        entry_key, entry, tries, state, error=str(problem) if problem else None,
        status=fetch_error.status if fetch_error else None,
        runs_to_wait=runs_to_wait(tries) if state == RETRYING else 0,
        retry_after_s=fetch_error.retry_after if fetch_error else None,
        doubt=doubt, trusted=trusted, text_origin=origin, article_id=article_id,
    )


def _tries(n: int) -> str:
    return "1 try" if n == 1 else f"{n} tries"


def _fetch_and_extract(
    entry: FeedEntry, fetcher: Fetcher
) -> tuple[ExtractedPage | None, str, ErrorRecord | None, Exception | None]:
    try:
        result = fetcher.fetch(entry.url, accept=HTML_ACCEPT, allowed_types=HTML_TYPES)
    except FetchError as e:
        record = ErrorRecord("page", str(e), entry.url, entry.feed_url, e.status)
        return None, entry.url, record, e
    try:
        page = extract_page(decode_html(result.content, result.charset), url=result.final_url)
    except ExtractionError as e:
        record = ErrorRecord("extract", str(e), entry.url, entry.feed_url)
        return None, result.final_url, record, e
    return page, result.final_url, None, None


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
