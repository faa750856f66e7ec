"""`init`: create or migrate the warehouse and load the seed corpus (idempotent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from extractors.articles import article_from_seed
from extractors.dedup import DedupSettings
from extractors.entities.gazetteer import load_geonames_extract
from extractors.entities.novelty import EntityWrites, assess_novelty
from extractors.entities.recognizer import EntityRecognizer
from extractors.models import Article
from warehouse import entities as entity_store
from warehouse import signatures, store
from warehouse.connection import opened, transaction
from warehouse.migrations import migrate
from warehouse.publish import publish_read_copy
from warehouse.seeds import seed_files


@dataclass(frozen=True)
class InitResult:
    path: Path
    migrations_applied: list[str]
    seeds_added: int
    seeds_total: int
    baseline_entities_added: int = 0


def initialise(
    db_path: Path,
    dedup: DedupSettings | None = None,
    *,
    alias_file: Path | None = None,
    extract_entities: bool = True,
) -> InitResult:
    """Seeds go through the same duplicate index and entity extraction as fetched articles:
    their signatures are stored with them, and their entities form the baseline
    (`in_seed_baseline`, never alerted). Re-running adds nothing; a warehouse made before
    a step existed gets that step's rows here."""
    loaded_at = datetime.now(UTC)
    seeds = [article_from_seed(name, raw, loaded_at=loaded_at) for name, raw in seed_files()]
    with opened(db_path, create=True) as con:
        applied = migrate(con)
        marked = signatures.load_index(con, dedup).mark(seeds)
        seeds = marked.apply(seeds)
        writes = _baseline_entities(con, seeds, alias_file) if extract_entities else None
        with transaction(con):
            added = store.insert_articles(con, seeds)
            signatures.insert_signatures(con, marked.signatures)
            entities_added = 0
            if writes is not None:
                entities_added = entity_store.save_entity_writes(
                    con, writes, run_id=None, article_ids={a.article_id for a in seeds}
                )
        publish_read_copy(con, db_path)
    return InitResult(
        path=db_path,
        migrations_applied=[f"{m.version:03d}_{m.name}" for m in applied],
        seeds_added=added,
        seeds_total=len(seeds),
        baseline_entities_added=entities_added,
    )


def _baseline_entities(
    con: duckdb.DuckDBPyConnection, seeds: Sequence[Article], alias_file: Path | None
) -> EntityWrites:
    recognizer = EntityRecognizer.build(
        entity_store.load_entities(con),
        places=entity_store.load_places(con),
        alias_file=alias_file,
    )
    return assess_novelty(
        recognizer.extract(seeds),
        known_keys=recognizer.known_keys,
        seen_at=datetime.now(UTC),
        baseline=True,
    )


def import_gazetteer(db_path: Path, file: Path) -> tuple[int, int]:
    """Load a GeoNames extract's populated places; (rows added, places read)."""
    places = load_geonames_extract(file)
    with opened(db_path, create=False) as con:
        migrate(con)
        with transaction(con):
            added = entity_store.import_places(
                con, places, source=file.name, now=datetime.now(UTC)
            )
        publish_read_copy(con, db_path)
    return added, len(places)
