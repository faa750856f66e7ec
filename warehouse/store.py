"""Every write the pipeline makes, and the reads it needs while running.

Batches go in through Arrow tables (`INSERT ... SELECT FROM arrow ON CONFLICT DO NOTHING`),
which DuckDB loads ~50x faster than `executemany`, and keyed on content so a re-run or a
duplicate run changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from extractors import backoff
from extractors.backoff import BackoffPolicy
from extractors.dedup import ArticleSignature
from extractors.entities.novelty import EntityWrites
from extractors.models import Article, ErrorRecord, SkippedEntry
from extractors.retry_queue import PageAttempt
from warehouse import page_attempts
from warehouse.arrow import insert_new, registered
from warehouse.connection import transaction
from warehouse.entities import save_entity_writes
from warehouse.outbox import create_alerts
from warehouse.signatures import insert_signatures

ARTICLE_COLUMNS = (
    "article_id", "url", "canonical_url", "feed_url", "source", "title", "author",
    "published_at", "fetched_at", "language", "text", "content_hash", "is_seed",
    "duplicate_of", "similarity", "run_id", "text_origin", "topic_terms",
)

_ARTICLE_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
        ("feed_url", pa.string()), ("source", pa.string()), ("title", pa.string()),
        ("author", pa.string()), ("published_at", pa.timestamp("us", tz="UTC")),
        ("fetched_at", pa.timestamp("us", tz="UTC")), ("language", pa.string()),
        ("text", pa.string()), ("content_hash", pa.string()), ("is_seed", pa.bool_()),
        ("duplicate_of", pa.string()), ("similarity", pa.float64()), ("run_id", pa.string()),
        ("text_origin", pa.string()), ("topic_terms", pa.list_(pa.string())),
    ]
)


def now() -> datetime:
    return datetime.now(UTC)


# --- runs -------------------------------------------------------------------------------


@dataclass
class RunCounts:
    feeds_polled: int = 0
    entries_seen: int = 0
    articles_new: int = 0
    duplicates: int = 0
    errors: int = 0
    skipped: int = 0
    not_modified: int = 0
    backed_off: int = 0  # feeds not polled: still waiting after repeated failures


def start_run(
    con: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime | None = None
) -> None:
    """Record a run as running; runs left 'running' by a killed process become 'interrupted'."""
    with transaction(con):
        con.execute(
            "UPDATE runs SET status = 'interrupted', "
            "message = 'the process stopped before the run finished' "
            "WHERE status = 'running' AND run_id <> ?",
            [run_id],
        )
        con.execute(
            "INSERT INTO runs (run_id, started_at, status) VALUES (?, ?, 'running') "
            "ON CONFLICT DO NOTHING",
            [run_id, started_at or now()],
        )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    counts: RunCounts,
    *,
    status: str = "completed",
    message: str | None = None,
) -> None:
    with transaction(con):  # a failure to write becomes a WarehouseError
        _update_run(con, run_id, counts, status, message)


def _update_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    counts: RunCounts,
    status: str,
    message: str | None,
) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, feeds_polled = ?, entries_seen = ?, "
        "articles_new = ?, duplicates = ?, errors = ?, skipped = ?, not_modified = ?, "
        "backed_off = ?, message = ? WHERE run_id = ?",
        [now(), status, counts.feeds_polled, counts.entries_seen, counts.articles_new,
         counts.duplicates, counts.errors, counts.skipped, counts.not_modified,
         counts.backed_off, message, run_id],
    )


# --- feeds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedStateRow:
    feed_url: str
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    next_poll_at: datetime | None = None  # backed off until then (None: any run polls it)


def feed_states(con: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> dict[str, FeedStateRow]:
    if not urls:
        return {}
    rows = con.execute(
        "SELECT feed_url, etag, last_modified, consecutive_failures, next_poll_at "
        "FROM feed_state WHERE feed_url IN (SELECT unnest(?))",
        [list(urls)],
    ).fetchall()
    return {row[0]: FeedStateRow(*row) for row in rows}


def record_feed_poll(
    con: duckdb.DuckDBPyConnection,
    feed_url: str,
    *,
    status: str,
    etag: str | None,
    last_modified: str | None,
    error: str | None,
    next_poll_at: datetime | None = None,
    retry_after_s: float | None = None,
    policy: BackoffPolicy | None = None,
    polled_at: datetime | None = None,
) -> int:
    """Keep the validators of a successful poll, and the failure streak of a failing feed
    with when it may be polled again. The streak is counted here, and only here (0 after a
    success, one more after each failure); it is returned. With a backoff `policy`, the
    next poll is `extractors.backoff.next_poll_at` of that streak from `polled_at` (the
    run's start); without one, `next_poll_at` as given."""
    failed = status == "failed"
    with transaction(con):
        row = con.execute(
            """
            INSERT INTO feed_state AS f (feed_url, etag, last_modified, last_polled_at,
                                         last_status, consecutive_failures, last_error,
                                         next_poll_at, retry_after_s)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (feed_url) DO UPDATE SET
                next_poll_at = excluded.next_poll_at,
                retry_after_s = excluded.retry_after_s,
                etag = CASE WHEN excluded.last_status = 'failed'
                            THEN f.etag ELSE excluded.etag END,
                last_modified = CASE WHEN excluded.last_status = 'failed'
                                     THEN f.last_modified ELSE excluded.last_modified END,
                last_polled_at = excluded.last_polled_at,
                last_status = excluded.last_status,
                consecutive_failures = CASE WHEN excluded.last_status = 'failed'
                                            THEN f.consecutive_failures + 1 ELSE 0 END,
                last_error = excluded.last_error
            RETURNING consecutive_failures
            """,
            [feed_url, etag, last_modified, now(), status, 1 if failed else 0, error,
             next_poll_at, retry_after_s],
        ).fetchone()
        failures = int(row[0]) if row else 0
        if policy is not None:
            when = backoff.next_poll_at(
                failures, polled_at=polled_at or now(), policy=policy,
                retry_after_s=retry_after_s,
            )
            con.execute("UPDATE feed_state SET next_poll_at = ? WHERE feed_url = ?",
                        [when, feed_url])
    return failures


# --- entries and articles ---------------------------------------------------------------


def known_canonical_urls(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> set[str]:
    """Which of these canonical URLs were already decided (stored, skipped, given up) or
    are in the page retry queue (`page_attempts`: a later run tries them from there)."""
    wanted = list(set(keys))
    if not wanted:
        return set()
    rows = con.execute(
        "SELECT canonical_url FROM seen_entries WHERE canonical_url IN (SELECT unnest($keys)) "
        "UNION SELECT canonical_url FROM articles WHERE canonical_url IN (SELECT unnest($keys)) "
        "UNION SELECT canonical_url FROM page_attempts "
        "WHERE canonical_url IN (SELECT unnest($keys))",
        {"keys": wanted},
    ).fetchall()
    return {row[0] for row in rows}


def _articles_table(articles: Sequence[Article]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in ARTICLE_COLUMNS}
    for article in articles:
        values = dataclasses.asdict(article)
        for name in ARTICLE_COLUMNS:
            value = values[name]
            columns[name].append(list(value) if name == "topic_terms" else value)
    return pa.table(columns, schema=_ARTICLE_SCHEMA)


def insert_articles(con: duckdb.DuckDBPyConnection, articles: Sequence[Article]) -> int:
    """Insert new articles; rows whose canonical URL or id is stored already are ignored.
    Returns how many rows were actually added."""
    if not articles:
        return 0
    return insert_new(con, "articles", _articles_table(articles), ARTICLE_COLUMNS)


def insert_skipped(
    con: duckdb.DuckDBPyConnection, skipped: Sequence[SkippedEntry], run_id: str
) -> None:
    _insert_seen(
        con,
        [(s.canonical_url, s.feed_url, s.url, s.title, "off_topic", s.reason) for s in skipped],
        run_id,
    )


def insert_gave_up(
    con: duckdb.DuckDBPyConnection, gave_up: Sequence[SkippedEntry], run_id: str
) -> None:
    """Entries whose page could not be read after its tries and which had no summary to
    store instead: decided 'gave_up', never fetched again."""
    _insert_seen(
        con,
        [(s.canonical_url, s.feed_url, s.url, s.title, "gave_up", s.reason) for s in gave_up],
        run_id,
    )


def insert_stored_entries(
    con: duckdb.DuckDBPyConnection, entries: Sequence[tuple[str, str | None, str, str | None]],
    run_id: str,
) -> None:
    """(entry canonical URL, feed URL, URL, title) of entries that became articles."""
    _insert_seen(con, [(k, f, u, t, "stored", None) for k, f, u, t in entries], run_id)


def _insert_seen(
    con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[Any, ...]], run_id: str
) -> None:
    if not rows:
        return
    stamp = now()
    batch = pa.table(
        {
            "canonical_url": [r[0] for r in rows],
            "feed_url": [r[1] for r in rows],
            "url": [r[2] for r in rows],
            "title": [r[3] for r in rows],
            "decision": [r[4] for r in rows],
            "reason": [r[5] for r in rows],
            "run_id": [run_id] * len(rows),
            "decided_at": pa.array([stamp] * len(rows), pa.timestamp("us", tz="UTC")),
        }
    )
    with registered(con, "seen_batch", batch):
        con.execute(
            "INSERT INTO seen_entries (canonical_url, feed_url, url, title, decision, reason, "
            "run_id, decided_at) SELECT canonical_url, feed_url, url, title, decision, reason, "
            "run_id, decided_at FROM seen_batch ON CONFLICT DO NOTHING"
        )


def insert_errors(
    con: duckdb.DuckDBPyConnection, errors: Sequence[ErrorRecord], run_id: str | None
) -> None:
    if not errors:
        return
    stamp = now()
    batch = pa.table(
        {
            "run_id": [run_id] * len(errors),
            "url": [e.url for e in errors],
            "stage": [e.stage for e in errors],
            "error": [e.error for e in errors],
            "occurred_at": pa.array([stamp] * len(errors), pa.timestamp("us", tz="UTC")),
            "feed_url": [e.feed_url for e in errors],
            "http_status": pa.array([e.http_status for e in errors], pa.int32()),
        }
    )
    with registered(con, "error_batch", batch):
        con.execute(
            "INSERT INTO fetch_errors (run_id, url, stage, error, occurred_at, feed_url, "
            "http_status) SELECT run_id, url, stage, error, occurred_at, feed_url, http_status "
            "FROM error_batch"
        )



@dataclass(frozen=True)
class BatchSaved:
    articles_new: int
    duplicates: int
    entities_new: int = 0
    alerts_queued: int = 0
    upgraded: int = 0  # articles stored from their summary, now from their page


def save_batch(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    articles: Sequence[Article],
    entry_keys: Sequence[tuple[str, str | None, str, str | None]],
    skipped: Sequence[SkippedEntry],
    errors: Sequence[ErrorRecord],
    signatures: Sequence[ArticleSignature] = (),
    entity_writes: EntityWrites | None = None,
    alert_channels: Sequence[str] = (),
    upgrades: Sequence[Article] = (),
    gave_up: Sequence[SkippedEntry] = (),
    attempts: Sequence[PageAttempt] = (),
) -> BatchSaved:
    """One transaction per batch: articles, their dedup signatures, the entries they came
    from, skipped entries and errors land together or not at all; so do the upgrades of
    articles stored from their summary (text, signature, mentions, new entities), entries
    given up on and the page tries (`page_attempts`)."""
    with transaction(con):
        present = _present_canonical_urls(con, [a.canonical_url for a in articles])
        fresh = []
        for article in articles:  # the first of a batch's articles with one canonical URL
            if article.canonical_url not in present:
                present.add(article.canonical_url)
                fresh.append(article)
        insert_articles(con, fresh)
        fresh_ids = {a.article_id for a in fresh}
        insert_signatures(con, [s for s in signatures if s.article_id in fresh_ids])
        upgraded = page_attempts.upgrade_articles(con, upgrades)
        insert_signatures(con, [s for s in signatures if s.article_id in upgraded])
        insert_stored_entries(con, entry_keys, run_id)
        insert_skipped(con, skipped, run_id)
        insert_gave_up(con, gave_up, run_id)
        insert_errors(con, errors, run_id)
        page_attempts.record_attempts(con, attempts, run_id, now())
        written = fresh_ids | upgraded
        entities_new = alerts_queued = 0
        if entity_writes is not None:
            # An article and its entities, and a new entity and its alerts, land together.
            # An upgraded article's known entities are not new: no alert twice.
            entities_new = save_entity_writes(
                con, entity_writes, run_id=run_id, article_ids=written
            )
            alerts_queued = create_alerts(
                con,
                [(e, a) for e, a in entity_writes.alerts if a in written],
                alert_channels,
                now(),
            )
    duplicates = sum(1 for a in fresh if a.duplicate_of)
    return BatchSaved(
        articles_new=len(fresh) - duplicates,
        duplicates=duplicates,
        entities_new=entities_new,
        alerts_queued=alerts_queued,
        upgraded=len(upgraded),
    )


def _present_canonical_urls(con: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> set[str]:
    if not urls:
        return set()
    rows = con.execute(
        "SELECT canonical_url FROM articles WHERE canonical_url IN (SELECT unnest(?))",
        [list(urls)],
    ).fetchall()
    return {row[0] for row in rows}
