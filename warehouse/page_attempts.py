"""The page retry queue (`page_attempts`, migration 006) and the upgrade of articles stored
from their feed summary. Policy lives in extractors/retry_queue.py; only SQL here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import duckdb

from extractors.models import Article, FeedEntry
from extractors.retry_queue import RETRYING, PageAttempt, QueuedPage, next_try_at


def take_due(
    con: duckdb.DuckDBPyConnection, feed_urls: Collection[str], now: datetime
) -> list[QueuedPage]:
    """Count one run off the wait of the queued pages of these feeds, and return those due
    now (oldest first). Call once per run."""
    if not feed_urls:
        return []
    feeds = list(feed_urls)
    con.execute(
        "UPDATE page_attempts SET runs_to_wait = runs_to_wait - 1 "
        "WHERE state = 'retrying' AND runs_to_wait > 0 AND feed_url IN (SELECT unnest(?))",
        [feeds],
    )
    rows = con.execute(
        "SELECT feed_url, url, title, summary, published_at, author, language, source, "
        "attempts, doubt, trusted, article_id FROM page_attempts "
        "WHERE state = 'retrying' AND runs_to_wait <= 0 AND feed_url IN (SELECT unnest(?)) "
        "AND (next_try_at IS NULL OR next_try_at <= ?) ORDER BY first_tried_at, canonical_url",
        [feeds, now],
    ).fetchall()
    return [
        QueuedPage(
            FeedEntry(r[0], r[1], r[2] or "", r[3] or "", published_at=r[4], author=r[5],
                      language=r[6], source=r[7]),
            attempts=r[8], doubt=r[9], trusted=r[10], article_id=r[11],
        )
        for r in rows
    ]


def record_attempts(
    con: duckdb.DuckDBPyConnection, attempts: Sequence[PageAttempt], run_id: str, now: datetime
) -> None:
    """Write each try (insert or update its entry's row). Joins the caller's transaction."""
    for a in attempts:
        e = a.entry
        con.execute(
            """
            INSERT INTO page_attempts AS p (canonical_url, feed_url, url, title, summary,
                published_at, author, language, source, doubt, trusted, attempts, last_error,
                last_status, first_tried_at, last_tried_at, last_run_id, runs_to_wait,
                next_try_at, state, text_origin, article_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (canonical_url) DO UPDATE SET
                attempts = excluded.attempts,
                last_error = coalesce(excluded.last_error, p.last_error),
                last_status = CASE WHEN excluded.last_error IS NULL THEN p.last_status
                                   ELSE excluded.last_status END,
                last_tried_at = excluded.last_tried_at, last_run_id = excluded.last_run_id,
                runs_to_wait = excluded.runs_to_wait, next_try_at = excluded.next_try_at,
                state = excluded.state,
                text_origin = coalesce(excluded.text_origin, p.text_origin),
                article_id = coalesce(excluded.article_id, p.article_id)
            """,
            [a.canonical_url, e.feed_url, e.url, e.title, e.summary, e.published_at, e.author,
             e.language, e.source, a.doubt, a.trusted, a.attempts, a.error, a.status, now, now,
             run_id, a.runs_to_wait,
             next_try_at(a.retry_after_s, now) if a.state == RETRYING else None, a.state,
             a.text_origin, a.article_id],
        )


def upgrade_articles(con: duckdb.DuckDBPyConnection, articles: Sequence[Article]) -> set[str]:
    """Replace the summary text of stored articles with their page's (same article id):
    text, content hash, origin, language, duplicate marking, topic terms, and the metadata
    the summary lacked. Only rows still `text_origin = 'summary'` change (a batch stored
    twice upgrades once). Returns the ids upgraded. Joins the caller's transaction."""
    upgraded: set[str] = set()
    for a in articles:
        rows = con.execute(
            """
            UPDATE articles SET text = ?, content_hash = ?, text_origin = 'page', language = ?,
                duplicate_of = ?, similarity = ?, topic_terms = ?,
                author = coalesce(author, ?), published_at = coalesce(published_at, ?),
                title = coalesce(title, ?)
            WHERE article_id = ? AND text_origin = 'summary'
            RETURNING article_id
            """,
            [a.text, a.content_hash, a.language, a.duplicate_of, a.similarity,
             list(a.topic_terms), a.author, a.published_at, a.title, a.article_id],
        ).fetchall()
        if rows:
            upgraded.add(a.article_id)
    if upgraded:
        # its mentions are found again in the page text (positions change)
        con.execute("DELETE FROM mentions WHERE article_id IN (SELECT unnest(?))",
                    [sorted(upgraded)])
    return upgraded
