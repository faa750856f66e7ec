"""`init`: create or migrate the warehouse and load the seed corpus (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from extractors.articles import article_from_seed
from extractors.dedup import DedupSettings
from warehouse import signatures, store
from warehouse.connection import opened, transaction
from warehouse.migrations import migrate
from warehouse.seeds import seed_files


@dataclass(frozen=True)
class InitResult:
    path: Path
    migrations_applied: list[str]
    seeds_added: int
    seeds_total: int


def initialise(db_path: Path, dedup: DedupSettings | None = None) -> InitResult:
    """Seeds go through the same duplicate index as fetched articles, so their signatures
    are stored with them (and an older warehouse gets its missing signatures here)."""
    loaded_at = datetime.now(UTC)
    seeds = [article_from_seed(name, raw, loaded_at=loaded_at) for name, raw in seed_files()]
    with opened(db_path, create=True) as con:
        applied = migrate(con)
        marked = signatures.load_index(con, dedup).mark(seeds)
        with transaction(con):
            added = store.insert_articles(con, seeds)
            signatures.insert_signatures(con, marked.signatures)
    return InitResult(
        path=db_path,
        migrations_applied=[f"{m.version:03d}_{m.name}" for m in applied],
        seeds_added=added,
        seeds_total=len(seeds),
    )
