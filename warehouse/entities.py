"""Every SQL statement about entities, mentions and imported gazetteer places."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from extractors.entities.novelty import (
    EntityWrites,
    HeldEntity,
    NoveltySettings,
    release_held,
    source_of,
)
from extractors.entities.records import KnownEntity, Place
from warehouse.arrow import insert_new, registered
from warehouse.connection import transaction
from warehouse.outbox import create_alerts


def load_entities(con: duckdb.DuckDBPyConnection) -> list[KnownEntity]:
    """Every stored entity, to resolve new mentions against (one query per run)."""
    rows = con.execute(
        "SELECT entity_id, kind, subtype, name, coalesce(aliases, []), latitude, longitude, "
        "country_code, region FROM entities"
    ).fetchall()
    return [
        KnownEntity(
            name=r[3], kind=r[1], subtype=r[2], aliases=frozenset(r[4]), key=r[0],
            latitude=r[5], longitude=r[6], country_code=r[7], region=r[8],
        )
        for r in rows
    ]


def save_entity_writes(
    con: duckdb.DuckDBPyConnection,
    writes: EntityWrites,
    *,
    run_id: str | None,
    article_ids: Collection[str],
) -> int:
    """New entities, their mentions and new aliases of known ones, for the articles actually
    stored. Joins the caller's transaction. Returns how many entities were added."""
    entities = [e for e in writes.new_entities if e.first_article_id in article_ids]
    added = 0
    if entities:
        table = pa.table(
            {
                "entity_id": [e.candidate.key for e in entities],
                "kind": [e.candidate.kind for e in entities],
                "subtype": [e.candidate.subtype for e in entities],
                "name": [e.candidate.name for e in entities],
                "aliases": [sorted(e.candidate.aliases - {e.candidate.name}) for e in entities],
                "first_seen_at": pa.array(
                    [e.first_seen_at for e in entities], pa.timestamp("us", tz="UTC")
                ),
                "first_article_id": [e.first_article_id for e in entities],
                "in_seed_baseline": [e.in_seed_baseline for e in entities],
                "latitude": pa.array([e.candidate.latitude for e in entities], pa.float64()),
                "longitude": pa.array([e.candidate.longitude for e in entities], pa.float64()),
                "country_code": [e.candidate.country_code for e in entities],
                "region": [e.candidate.region for e in entities],
                "confidence": [e.candidate.confidence for e in entities],
                "evidence": [list(e.candidate.evidence) for e in entities],
                "first_run_id": [run_id] * len(entities),
                "alert_held": [e.held for e in entities],  # migration 007
            }
        )
        added = insert_new(con, "entities", table)
    _insert_mentions(con, [m for m in writes.mentions if m[0] in article_ids])
    _add_aliases(con, writes.aliases)
    return added


def _insert_mentions(
    con: duckdb.DuckDBPyConnection, mentions: Sequence[tuple[str, str, Any]]
) -> None:
    if not mentions:
        return
    table = pa.table(
        {
            "article_id": [m[0] for m in mentions],
            "entity_id": [m[1] for m in mentions],
            "surface": [m[2].surface for m in mentions],
            "sentence": [m[2].sentence for m in mentions],
            "start_char": pa.array([m[2].start_char for m in mentions], pa.int32()),
        }
    )
    with registered(con, "mention_batch", table):
        con.execute(
            "INSERT INTO mentions (article_id, entity_id, surface, sentence, start_char) "
            "SELECT article_id, entity_id, surface, sentence, start_char FROM mention_batch "
            "WHERE entity_id IN (SELECT entity_id FROM entities) ON CONFLICT DO NOTHING"
        )


def _add_aliases(con: duckdb.DuckDBPyConnection, aliases: dict[str, set[str]]) -> None:
    """Names under which a known entity was seen again, so later runs resolve them too."""
    if not aliases:
        return
    table = pa.table(
        {
            "entity_id": list(aliases),
            "names": [sorted(names) for names in aliases.values()],
        }
    )
    with registered(con, "alias_batch", table):
        con.execute(
            "UPDATE entities SET aliases = list_filter(list_distinct(list_concat("
            "coalesce(entities.aliases, []), alias_batch.names)), lambda x: x <> entities.name) "
            "FROM alias_batch WHERE entities.entity_id = alias_batch.entity_id "
            "AND NOT list_has_all(coalesce(entities.aliases, []), "
            "list_filter(alias_batch.names, lambda x: x <> entities.name))"
        )


# --- held alerts ([entities] min_sources) ------------------------------------------------


def any_held(con: duckdb.DuckDBPyConnection) -> bool:
    """Is any entity's alert held, waiting for more sources?"""
    row = con.execute("SELECT EXISTS (SELECT 1 FROM entities WHERE alert_held)").fetchone()
    return bool(row and row[0])


def held_entities(con: duckdb.DuckDBPyConnection) -> list[HeldEntity]:
    """Entities whose alert is held, each with the distinct sources of the original, non-seed
    articles that mention it (`source_of`: the feed's name, else its host)."""
    rows = con.execute(
        """
        SELECT e.entity_id, e.kind, e.country_code, e.first_article_id,
               a.source, a.feed_url, a.url
        FROM entities e
        LEFT JOIN mentions m ON m.entity_id = e.entity_id
        LEFT JOIN articles a ON a.article_id = m.article_id
             AND NOT a.is_seed AND a.duplicate_of IS NULL
        WHERE e.alert_held
        GROUP BY ALL
        ORDER BY e.entity_id
        """
    ).fetchall()
    found: dict[str, tuple[tuple[str, str | None, str | None], set[str]]] = {}
    for entity_id, kind, country, first_article, source, feed_url, url in rows:
        _, sources = found.setdefault(entity_id, ((kind, country, first_article), set()))
        if url is not None:
            sources.add(source_of(source, feed_url, url))
    return [
        HeldEntity(key, kind, country, first_article, frozenset(sources - {""}))
        for key, ((kind, country, first_article), sources) in found.items()
    ]


def release_held_alerts(
    con: duckdb.DuckDBPyConnection,
    settings: NoveltySettings,
    channels: Sequence[str],
    now: datetime,
) -> int:
    """Queue the alerts of held entities now named by `settings.min_sources` sources (the
    same outbox rows a new entity gets, so never twice) and hold them no longer, in one
    transaction. Call it after a batch's mentions are stored. Returns alerts queued."""
    with transaction(con):
        alerts, released = release_held(held_entities(con), settings)
        if not released:
            return 0
        queued = create_alerts(con, alerts, channels, now)
        con.execute(
            "UPDATE entities SET alert_held = false WHERE entity_id IN (SELECT unnest(?))",
            [released],
        )
    return queued


# --- gazetteer ---------------------------------------------------------------------------


def import_places(
    con: duckdb.DuckDBPyConnection, places: Sequence[Place], *, source: str, now: datetime
) -> int:
    """Store imported GeoNames places (a re-import replaces nothing). Returns rows added."""
    rows = [p for p in places if p.geoname_id is not None]
    if not rows:
        return 0
    table = pa.table(
        {
            "geoname_id": pa.array([p.geoname_id for p in rows], pa.int64()),
            "name": [p.name for p in rows],
            "ascii_name": [p.ascii_name for p in rows],
            "alternate_names": [list(p.alternate_names) for p in rows],
            "latitude": [p.latitude for p in rows],
            "longitude": [p.longitude for p in rows],
            "country_code": [p.country_code for p in rows],
            "admin1": [p.admin1 for p in rows],
            "region": [p.region for p in rows],
            "population": pa.array([p.population for p in rows], pa.int64()),
            "feature_code": [p.feature_code for p in rows],
            "source": [source] * len(rows),
            "imported_at": pa.array([now] * len(rows), pa.timestamp("us", tz="UTC")),
        }
    )
    return insert_new(con, "gazetteer_places", table)


def load_places(con: duckdb.DuckDBPyConnection) -> list[Place]:
    rows = con.execute(
        "SELECT geoname_id, name, ascii_name, coalesce(alternate_names, []), latitude, "
        "longitude, country_code, admin1, region, coalesce(population, 0), "
        "coalesce(feature_code, 'PPL') FROM gazetteer_places"
    ).fetchall()
    return [
        Place(r[0], r[1], r[2] or r[1], tuple(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], r[10])
        for r in rows
    ]
