"""The listings behind `mali-monitor entities`, `alerts`, `feeds` and `articles`: one query
each, over the read copy (or the warehouse with `--live`).

Every value a user typed (a kind, a status, a date, search words) is a bound parameter; the
SQL text is fixed. Search words are matched with ILIKE as literal text: `%`, `_` and `\\` in
them are escaped, so `100%` finds "100%" and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import opened
from warehouse.errors import WarehouseError

__all__ = [
    "Listing",
    "list_alerts",
    "list_articles",
    "list_entities",
    "list_feeds",
    "read_listing",
    "search_pattern",
]


@dataclass(frozen=True)
class Listing:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def read_listing(
    db_path: str | Path, query: Any, /, *, lock_wait_s: float | None = None, **options: Any
) -> Listing:
    """Open `db_path` read-only and run one listing function (`list_entities` ...) on it."""
    with opened(db_path, create=False, read_only=True, lock_wait_s=lock_wait_s) as con:
        try:
            return query(con, **options)
        except duckdb.Error as e:
            raise WarehouseError(
                f"cannot list from {db_path}: {' '.join(str(e).split())}", path=str(db_path)
            ) from None


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> Listing:
    cursor = con.execute(sql, dict(params))
    return Listing([d[0] for d in cursor.description], cursor.fetchall())


def _limit(limit: int | None) -> int | None:
    return limit if limit and limit > 0 else None


# --- entities ----------------------------------------------------------------------------

_ENTITIES = """
WITH counts AS (
    SELECT entity_id, count(*) AS mentions FROM mentions GROUP BY entity_id
), first_mention AS (
    SELECT m.entity_id, arg_min(m.sentence, m.start_char) AS sentence
    FROM mentions m JOIN entities e
      ON e.entity_id = m.entity_id AND e.first_article_id = m.article_id
    GROUP BY m.entity_id
)
SELECT e.name,
       e.kind,
       e.subtype,
       e.first_seen_at AS first_seen,
       e.country_code AS country,
       e.region,
       CASE WHEN e.latitude IS NOT NULL AND e.longitude IS NOT NULL
            THEN printf('%.4f, %.4f', e.latitude, e.longitude) END AS coords,
       -- one short column (the table has room for one more at 120 characters): the
       -- confidence first, so a cut cell keeps it
       nullif(concat_ws(' ', printf('%.2f', e.confidence),
                        nullif(array_to_string(e.evidence, '+'), '')), '') AS why,
       a.source,
       a.title AS article,
       coalesce(fm.sentence, (SELECT any_value(m.sentence) FROM mentions m
                              WHERE m.entity_id = e.entity_id)) AS evidence,
       coalesce(c.mentions, 0) AS mentions,
       NOT e.in_seed_baseline AS new
FROM entities e
LEFT JOIN articles a ON a.article_id = e.first_article_id
LEFT JOIN counts c ON c.entity_id = e.entity_id
LEFT JOIN first_mention fm ON fm.entity_id = e.entity_id
WHERE (NOT $new_only OR NOT e.in_seed_baseline)
  AND ($kind IS NULL OR e.kind = $kind)
  AND ($since IS NULL OR e.first_seen_at >= $since)
ORDER BY e.first_seen_at DESC, e.kind, e.name
LIMIT $limit
"""


def list_entities(
    con: duckdb.DuckDBPyConnection,
    *,
    new_only: bool = False,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> Listing:
    """Actors and towns, newest first: how sure the extractor was and why (`why`: its
    confidence, then its evidence codes: "0.85 gazetteer", "0.55 model+speech"), where each
    was first seen (`source` and `article`, the title, and `evidence`, the sentence of its
    first mention there) and how often it was named (`mentions`).
    `new_only`: those not in the seed baseline."""
    return _fetch(
        con, _ENTITIES,
        {"new_only": new_only, "kind": kind, "since": since, "limit": _limit(limit)},
    )


# --- alerts ------------------------------------------------------------------------------

_ALERTS = """
SELECT al.created_at AS created,
       al.status,
       al.channel,
       e.name AS entity,
       e.kind,
       al.attempts,
       al.last_attempt_at AS last_attempt,
       al.sent_at AS sent,
       al.last_error,
       a.source,
       a.title AS article,
       al.alert_id
FROM alerts al
LEFT JOIN entities e ON e.entity_id = al.entity_id
LEFT JOIN articles a ON a.article_id = al.article_id
WHERE ($status IS NULL OR al.status = $status)
  AND ($since IS NULL OR al.created_at >= $since)
ORDER BY al.created_at DESC, e.name, al.channel
LIMIT $limit
"""


def list_alerts(
    con: duckdb.DuckDBPyConnection,
    *,
    status: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> Listing:
    """The outbox, newest first: each alert's entity, channel, status and last error."""
    return _fetch(con, _ALERTS, {"status": status, "since": since, "limit": _limit(limit)})


# --- feeds -------------------------------------------------------------------------------

_FEEDS = """
WITH configured AS (
    SELECT unnest($urls::VARCHAR[]) AS feed_url, unnest($names::VARCHAR[]) AS name
), stored AS (
    SELECT feed_url, count(*) AS articles, max(fetched_at) AS last_article,
           mode(source) AS source
    FROM articles WHERE feed_url IS NOT NULL GROUP BY feed_url
), errors AS (
    SELECT feed_url, count(*) AS errors_7d
    FROM fetch_errors
    WHERE feed_url IS NOT NULL AND occurred_at >= now() - INTERVAL 7 DAY
    GROUP BY feed_url
)
SELECT coalesce(f.feed_url, c.feed_url) AS url,
       coalesce(c.name, s.source) AS name,
       coalesce(f.last_status, 'never polled') AS last_status,
       f.last_polled_at AS last_polled,
       coalesce(f.consecutive_failures, 0) AS failures,
       f.last_error,
       CASE WHEN f.next_poll_at IS NOT NULL AND f.next_poll_at > now()
            THEN f.next_poll_at END AS backed_off_until,
       f.retry_after_s,
       coalesce(s.articles, 0) AS articles,
       s.last_article,
       coalesce(x.errors_7d, 0) AS errors_7d,
       c.feed_url IS NOT NULL AS configured
FROM feed_state f
FULL OUTER JOIN configured c ON c.feed_url = f.feed_url
LEFT JOIN stored s ON s.feed_url = coalesce(f.feed_url, c.feed_url)
LEFT JOIN errors x ON x.feed_url = coalesce(f.feed_url, c.feed_url)
ORDER BY coalesce(f.consecutive_failures, 0) DESC, (f.feed_url IS NULL), url
"""


def list_feeds(
    con: duckdb.DuckDBPyConnection, *, names: Mapping[str, str | None] | None = None
) -> Listing:
    """Feed health, failing feeds first: last poll and its status, the failure streak and
    last error, until when a failing feed is backed off (empty: the next run polls it),
    articles stored and errors of the last 7 days. `names`: the configured feeds (url ->
    name), listed even when never polled; other names come from the stored articles."""
    names = dict(names or {})
    return _fetch(con, _FEEDS, {"urls": list(names), "names": list(names.values())})


# --- articles ----------------------------------------------------------------------------

_ARTICLES = """
SELECT a.published_at AS published,
       a.fetched_at AS fetched,
       a.source,
       a.title,
       a.url,
       a.language,
       CASE WHEN a.duplicate_of IS NOT NULL
            THEN coalesce(o.title, o.url, a.duplicate_of) END AS duplicate_of,
       a.article_id
FROM articles a
LEFT JOIN articles o ON o.article_id = a.duplicate_of
WHERE ($since IS NULL OR a.fetched_at >= $since)
  AND NOT EXISTS (
      SELECT 1 FROM unnest($patterns::VARCHAR[]) AS w(pattern)
      WHERE NOT (coalesce(a.title, '') ILIKE w.pattern ESCAPE '\\'
                 OR a.text ILIKE w.pattern ESCAPE '\\'))
ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.fetched_at DESC, a.article_id
LIMIT $limit
"""


def search_pattern(word: str) -> str:
    """An ILIKE pattern matching `word` literally anywhere (ESCAPE '\\')."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_articles(
    con: duckdb.DuckDBPyConnection,
    *,
    words: Sequence[str] = (),
    since: datetime | None = None,
    limit: int | None = None,
) -> Listing:
    """Articles, newest first (published, else fetched); `since` on when they were fetched.
    `words`: each must appear in the title or the text, case-insensitively. A copy names its
    original (title, else URL) in `duplicate_of`."""
    patterns = [search_pattern(w) for w in words if w]
    return _fetch(
        con, _ARTICLES, {"patterns": patterns, "since": since, "limit": _limit(limit)}
    )
