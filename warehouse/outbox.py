"""The alerts outbox: every SQL statement about the `alerts` table.

Life of an alert (one row per entity and channel):

    create_alerts         pending, attempts 0          (inside the entity pipeline's transaction)
    claim                 claimed_at, digest_id, last_run_id set; attempts + 1   (before sending)
    mark_sent             sent, sent_at; claim cleared                            (after sending)
    mark_failed           failed, last_error; claim cleared
    ... retried by every later run while attempts < max_attempts; then it stays failed (capped)

A row still claimed at the start of a delivery (status not 'sent', claimed_at set) belongs to
a digest whose process stopped between sending and marking: it may have been delivered.
`interrupted_digests` hands those rows back grouped by digest_id, so the same digest (same
alerts, same id, hence the same email Message-ID) is sent again: at-least-once.

`alert_rows` hands back what a digest shows about each alert as plain values (`AlertRow`);
`alerts.digest` makes them the items it renders. Nothing here imports `alerts`.

Each function is one statement, so it is atomic on its own and joins the caller's transaction
when there is one (`create_alerts` relies on that). Delivery calls the others outside any
transaction, so a mark is durable as soon as it returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb


def alert_id_for(entity_id: str, channel: str) -> str:
    """Deterministic: one entity has at most one alert per channel, whatever re-runs."""
    key = f"{entity_id}\x1f{channel}".encode()
    return hashlib.sha256(key).hexdigest()[:24]


def create_alerts(
    con: duckdb.DuckDBPyConnection,
    entity_ids_with_article: Iterable[tuple[str, str | None]],
    channels: Sequence[str],
    now: datetime,
) -> int:
    """Queue one pending alert per (entity, channel); return how many rows were added.

    `entity_ids_with_article` is (entity_id, the article that revealed it) for each new
    entity. Opens no transaction: the entity pipeline calls it inside the transaction that
    inserts the entities, so entities and their alerts land together or not at all. An
    entity already alerted on a channel is ignored (ON CONFLICT DO NOTHING), so a re-run adds
    nothing. With no channels nothing is queued.
    """
    first_article: dict[str, str | None] = {}
    for entity_id, article_id in entity_ids_with_article:
        first_article.setdefault(entity_id, article_id)
    if not first_article or not channels:
        return 0
    ids, entities, articles, chans = [], [], [], []
    for channel in dict.fromkeys(channels):
        for entity_id, article_id in first_article.items():
            ids.append(alert_id_for(entity_id, channel))
            entities.append(entity_id)
            articles.append(article_id)
            chans.append(channel)
    added = con.execute(
        """
        INSERT INTO alerts (alert_id, entity_id, article_id, channel, status, attempts,
                            created_at)
        SELECT unnest($ids), unnest($entities), unnest($articles), unnest($channels),
               'pending', 0, $now
        ON CONFLICT DO NOTHING
        RETURNING alert_id
        """,
        {"ids": ids, "entities": entities, "articles": articles, "channels": chans,
         "now": now},
    ).fetchall()
    return len(added)


# --- what to deliver ---------------------------------------------------------------------


def interrupted_digests(
    con: duckdb.DuckDBPyConnection, channel: str, max_attempts: int
) -> list[list[str]]:
    """Alert ids of digests claimed but never marked (the process stopped in between),
    one list per digest, oldest first; only those still under the attempt cap."""
    rows = con.execute(
        """
        SELECT digest_id, list(alert_id ORDER BY alert_id)
        FROM alerts
        WHERE channel = ? AND status <> 'sent' AND claimed_at IS NOT NULL AND attempts < ?
        GROUP BY digest_id
        ORDER BY min(claimed_at), digest_id
        """,
        [channel, max_attempts],
    ).fetchall()
    return [list(row[1]) for row in rows]


def release_capped_claims(
    con: duckdb.DuckDBPyConnection, channel: str, max_attempts: int, now: datetime
) -> int:
    """Claimed rows that reached the cap while interrupted: failed for good, with a reason."""
    rows = con.execute(
        """
        UPDATE alerts SET status = 'failed', claimed_at = NULL, last_attempt_at = ?,
            last_error = 'delivery interrupted (the process stopped while sending); '
                         || 'attempt cap reached'
        WHERE channel = ? AND status <> 'sent' AND claimed_at IS NOT NULL AND attempts >= ?
        RETURNING alert_id
        """,
        [now, channel, max_attempts],
    ).fetchall()
    return len(rows)


def due_alert_ids(
    con: duckdb.DuckDBPyConnection, channel: str, max_attempts: int
) -> list[str]:
    """Pending and failed alerts of a channel below the attempt cap, not claimed."""
    rows = con.execute(
        """
        SELECT alert_id FROM alerts
        WHERE channel = ? AND status IN ('pending', 'failed') AND attempts < ?
              AND claimed_at IS NULL
        ORDER BY created_at, alert_id
        """,
        [channel, max_attempts],
    ).fetchall()
    return [row[0] for row in rows]


_ITEMS_SQL = """
SELECT al.alert_id, al.entity_id,
       e.kind, e.subtype, e.name, e.region, e.latitude, e.longitude, e.country_code,
       e.evidence, e.confidence,
       art.article_id, art.title, art.url, art.source,
       coalesce(art.published_at, art.fetched_at) AS published,
       ev.surface, ev.sentence,
       coalesce(stats.n_articles, 0), coalesce(stats.n_sources, 0)
FROM alerts al
LEFT JOIN entities e ON e.entity_id = al.entity_id
-- the evidence: the article named on the alert, else the entity's first article
LEFT JOIN articles art ON art.article_id = coalesce(al.article_id, e.first_article_id)
-- the sentence: the first mention in that article, else the first mention anywhere
LEFT JOIN LATERAL (
    SELECT m.surface, m.sentence
    FROM mentions m
    WHERE m.entity_id = al.entity_id
    ORDER BY (m.article_id = art.article_id) DESC NULLS LAST,
             (m.sentence IS NULL OR m.sentence = ''), m.start_char, m.article_id
    LIMIT 1
) ev ON true
-- how widely the run that found it reported it: original articles (copies of an article
-- stored earlier are not independent reports) and their distinct sources
LEFT JOIN LATERAL (
    SELECT count(DISTINCT a2.article_id) AS n_articles, count(DISTINCT a2.source) AS n_sources
    FROM mentions m2 JOIN articles a2 ON a2.article_id = m2.article_id
    WHERE m2.entity_id = al.entity_id AND a2.run_id IS NOT DISTINCT FROM art.run_id
          AND a2.duplicate_of IS NULL
) stats ON true
WHERE al.alert_id IN (SELECT unnest($ids))
ORDER BY al.alert_id
"""


@dataclass(frozen=True)
class AlertRow:
    """One alert with its evidence, as stored: text untrusted and unbounded (from the web),
    None where nothing was stored. `alerts.digest.item_from_row` cleans it for a message."""

    alert_id: str
    entity_id: str
    kind: str | None
    subtype: str | None
    name: str | None
    region: str | None
    latitude: float | None
    longitude: float | None
    country_code: str | None
    evidence: tuple[str, ...]  # why the extractor believes it: ("gazetteer",), ("model",) ...
    confidence: float | None  # 0..1, from that evidence
    article_id: str | None  # the evidence: the alert's article, else the entity's first
    title: str | None
    url: str | None
    source: str | None
    published_at: datetime | None  # published, else fetched
    surface: str | None  # the first mention: its text and its sentence
    sentence: str | None
    article_count: int  # original articles of the discovering run naming it
    source_count: int  # their distinct sources


def alert_rows(con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str]) -> list[AlertRow]:
    """Everything a digest shows about these alerts, in one query over alerts, entities,
    mentions and articles (`entities.region` comes from migration 004, `evidence` and
    `confidence` from 003)."""
    if not alert_ids:
        return []
    rows = con.execute(_ITEMS_SQL, {"ids": list(alert_ids)}).fetchall()
    return [_row(row) for row in rows]


def _row(row: tuple[Any, ...]) -> AlertRow:
    (alert_id, entity_id, kind, subtype, name, region, lat, lon, country, evidence, confidence,
     article_id, title, url, source, published, surface, sentence, n_articles, n_sources) = row
    return AlertRow(
        alert_id=alert_id, entity_id=entity_id, kind=kind, subtype=subtype, name=name,
        region=region, latitude=lat, longitude=lon, country_code=country,
        evidence=tuple(code for code in evidence or () if code),
        confidence=None if confidence is None else float(confidence),
        article_id=article_id, title=title, url=url, source=source, published_at=published,
        surface=surface, sentence=sentence, article_count=int(n_articles),
        source_count=int(n_sources),
    )


# --- marking -----------------------------------------------------------------------------


def claim(
    con: duckdb.DuckDBPyConnection,
    alert_ids: Sequence[str],
    *,
    digest_id: str,
    run_id: str,
    now: datetime,
) -> set[str]:
    """Mark alerts as being sent in digest `digest_id` and count the attempt, before the
    message leaves. Returns the ids actually claimed (never one already sent)."""
    if not alert_ids:
        return set()
    rows = con.execute(
        """
        UPDATE alerts SET claimed_at = $now, digest_id = $digest, last_run_id = $run,
            last_attempt_at = $now, attempts = attempts + 1
        WHERE alert_id IN (SELECT unnest($ids)) AND status <> 'sent'
        RETURNING alert_id
        """,
        {"now": now, "digest": digest_id, "run": run_id, "ids": list(alert_ids)},
    ).fetchall()
    return {row[0] for row in rows}


def set_digest(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str], digest_id: str
) -> None:
    con.execute(
        "UPDATE alerts SET digest_id = ? WHERE alert_id IN (SELECT unnest(?))",
        [digest_id, list(alert_ids)],
    )


def mark_sent(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str], now: datetime
) -> None:
    if not alert_ids:
        return
    con.execute(
        "UPDATE alerts SET status = 'sent', sent_at = ?, claimed_at = NULL, last_error = NULL "
        "WHERE alert_id IN (SELECT unnest(?)) AND status <> 'sent'",
        [now, list(alert_ids)],
    )


def mark_failed(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str], error: str, now: datetime
) -> None:
    """`error` must already be scrubbed of secrets (DeliveryError does that)."""
    if not alert_ids:
        return
    con.execute(
        "UPDATE alerts SET status = 'failed', last_error = ?, claimed_at = NULL, "
        "last_attempt_at = ? WHERE alert_id IN (SELECT unnest(?)) AND status <> 'sent'",
        [error, now, list(alert_ids)],
    )


# --- reporting ---------------------------------------------------------------------------


def capped_count(con: duckdb.DuckDBPyConnection, channel: str, max_attempts: int) -> int:
    """Alerts given up on: failed at the attempt cap (no run retries them)."""
    rows = con.execute(
        "SELECT count(*) FROM alerts WHERE channel = ? AND status = 'failed' "
        "AND attempts >= ?",
        [channel, max_attempts],
    ).fetchall()
    return int(rows[0][0])


def waiting_by_channel(
    con: duckdb.DuckDBPyConnection, max_attempts: int
) -> dict[str, int]:
    """Alerts still to deliver (pending or failed under the cap), per channel."""
    rows = con.execute(
        "SELECT channel, count(*) FROM alerts WHERE status IN ('pending', 'failed') "
        "AND attempts < ? GROUP BY channel ORDER BY channel",
        [max_attempts],
    ).fetchall()
    return {row[0]: int(row[1]) for row in rows}
