"""The `ingest` flow's middle steps, batch by batch: fetch pages, extract and clean them (on
the run's task runner, in parallel), then in the flow, one batch at a time in submission
order: dedup, entities, store, novelty (the single writer).

Each task wraps plain functions of `extractors` and `warehouse`. The fetch task takes
settings, not live objects: it may run in another process (`flows.runners`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner

from extractors.articles import BatchOutcome, EntrySelection, build_articles
from extractors.dedup import ArticleSignature, DedupSettings, DuplicateIndex
from extractors.entities.extract import precompute_spans
from extractors.entities.model import NerModelError
from extractors.entities.novelty import (
    EntityWrites,
    NoveltySettings,
    article_sources,
    assess_novelty,
)
from extractors.entities.recognizer import EntityRecognizer, reading_input
from extractors.entities.records import RawSpan
from extractors.models import FeedEntry, FetchSettings
from extractors.retry_queue import QueuedPage, interleave_by_host
from extractors.topic import TopicSettings
from extractors.urls import canonical_url
from flows import progress, runners
from flows.polls import queued_in
from flows.settings import Settings
from flows.tally import RunTally
from flows.writing import writing
from warehouse import entities as entity_store
from warehouse import signatures, store

FetchedBatch = tuple[BatchOutcome, dict[str, list[RawSpan]]]


@task(name="fetch-articles", cache_policy=NO_CACHE)
def fetch_articles_task(
    entries: Sequence[FeedEntry],
    fetch: FetchSettings,
    topic: TopicSettings,
    run_id: str,
    ner: str = "",
    doubts: dict[str, str] | None = None,
    trusted: frozenset[str] = frozenset(),
    queued: dict[str, QueuedPage] | None = None,
    page_retries: int = 5,
) -> FetchedBatch:
    """Fetch, extract and clean a batch of pages, then run the NER model over their texts
    (the costly part of entity extraction, here on the parallel workers), so the writer only
    applies the rules. Takes settings, not live objects: it may run in another process,
    whose fetcher, topic filter and model come from `flows.runners` (`ner`: a `ner_mode`)."""
    outcome = build_articles(
        entries,
        runners.fetcher_for(fetch),
        runners.topic_filter_for(topic),
        fetched_at=datetime.now(UTC),
        run_id=run_id,
        doubts=doubts,
        trusted=trusted,
        queued=queued,
        page_retries=page_retries,
    )
    model = runners.ner_model_for(ner)
    if model is None:
        return outcome, {}
    readable = [reading_input(a) for a in outcome.articles + outcome.upgrades]
    try:
        return outcome, precompute_spans(readable, model)
    except NerModelError as e:  # e.g. a helper process died: the writer runs the model
        get_run_logger().warning("NER left to the writer for this batch: %s", e)
        return outcome, {}


@task(name="build-dedup-index", cache_policy=NO_CACHE)
def build_dedup_index_task(
    con: duckdb.DuckDBPyConnection, settings: DedupSettings
) -> DuplicateIndex:
    return signatures.load_index(con, settings)


@task(name="load-entities", cache_policy=NO_CACHE)
def build_recognizer_task(
    con: duckdb.DuckDBPyConnection, settings: Settings
) -> EntityRecognizer | None:
    """Stored entities, imported places and the user's alias file, indexed and ready; the
    NER models load once per process on first use."""
    if not settings.entities.enabled:
        return None
    recognizer = EntityRecognizer.build(
        entity_store.load_entities(con),
        places=entity_store.load_places(con),
        alias_file=settings.alias_file(),
    )
    recognizer.prepare()
    return recognizer


@task(name="mark-duplicates", cache_policy=NO_CACHE)
def mark_duplicates_task(
    index: DuplicateIndex, outcome: BatchOutcome
) -> tuple[BatchOutcome, list[ArticleSignature]]:
    """New articles, then upgraded ones (their page text compared with all but their own
    summary), returned marked (new objects); the signatures of both are stored with the
    batch."""
    new = index.mark(outcome.articles)
    upgrades = index.mark_upgrades(outcome.upgrades)
    marked = replace(outcome, articles=new.apply(outcome.articles),
                     upgrades=upgrades.apply(outcome.upgrades))
    return marked, new.signatures + upgrades.signatures


@task(name="extract-entities", cache_policy=NO_CACHE)
def extract_entities_task(
    recognizer: EntityRecognizer | None,
    outcome: BatchOutcome,
    novelty: NoveltySettings,
    spans: dict[str, list[RawSpan]] | None = None,
) -> EntityWrites | None:
    if recognizer is None:
        return None
    articles = outcome.articles + outcome.upgrades
    found = recognizer.extract(articles, spans)
    return assess_novelty(
        found, known_keys=recognizer.known_keys, seen_at=datetime.now(UTC), settings=novelty,
        sources=article_sources(articles),
    )


@task(name="store-batch", cache_policy=NO_CACHE)
def store_batch_task(
    con: duckdb.DuckDBPyConnection,
    outcome: BatchOutcome,
    run_id: str,
    batch_signatures: Sequence[ArticleSignature],
    writes: EntityWrites | None,
    alert_channels: Sequence[str],
) -> store.BatchSaved:
    entry_keys = [
        (outcome.stored_entry_keys[a.article_id], a.feed_url, a.url, a.title)
        for a in outcome.articles
    ]
    return store.save_batch(
        con,
        run_id=run_id,
        articles=outcome.articles,
        entry_keys=entry_keys,
        skipped=outcome.skipped,
        errors=outcome.errors,
        signatures=list(batch_signatures),
        entity_writes=writes,
        alert_channels=alert_channels,
        upgrades=outcome.upgrades,
        gave_up=outcome.gave_up,
        attempts=outcome.attempts,
    )


@task(name="release-held-alerts", cache_policy=NO_CACHE)
def release_held_alerts_task(
    con: duckdb.DuckDBPyConnection,
    saved: store.BatchSaved,
    novelty: NoveltySettings,
    alert_channels: Sequence[str],
) -> store.BatchSaved:
    """After a batch is stored: the alerts of held weak names now named by enough sources
    (`[entities] min_sources`), counted with the batch's own."""
    queued = entity_store.release_held_alerts(con, novelty, alert_channels, datetime.now(UTC))
    return replace(saved, alerts_queued=saved.alerts_queued + queued) if queued else saved


@dataclass
class Writer:
    """The single writer's state for a run: the duplicate index and the entity
    recognizer, loaded once, fed each batch in order."""

    index: DuplicateIndex
    recognizer: EntityRecognizer | None
    # held weak names may wait for sources: min_sources > 1 now or held under an earlier
    # setting; otherwise no batch needs the release query
    may_hold: bool = False

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, settings: Settings) -> Writer:
        may_hold = settings.entities.min_sources > 1 or entity_store.any_held(con)
        return cls(build_dedup_index_task(con, settings.dedup_settings()),
                   build_recognizer_task(con, settings), may_hold)

    def write(
        self, settings: Settings, fetched: FetchedBatch, run_id: str
    ) -> tuple[BatchOutcome, store.BatchSaved]:
        """Dedup, entities, store, novelty for one fetched batch."""
        outcome, spans = fetched
        outcome, batch_signatures = mark_duplicates_task(self.index, outcome)
        novelty = settings.novelty_settings()
        writes = extract_entities_task(self.recognizer, outcome, novelty, spans)
        with writing(settings) as con:
            saved = store_batch_task(
                con, outcome, run_id, batch_signatures, writes, settings.alerts.channels
            )
            if writes is not None and self.may_hold:
                saved = release_held_alerts_task(con, saved, novelty, settings.alerts.channels)
        if self.recognizer is not None and writes is not None:
            self.recognizer.remember(writes)
        return outcome, saved


def fetch_and_store(
    runner: TaskRunner[Any],
    settings: Settings,
    tally: RunTally,
    selection: EntrySelection,
    queue: Sequence[QueuedPage],
) -> set[str]:
    """Fetch the selected entries and the queued pages in batches on the task runner, and
    write each batch as it comes, in submission order (so which copy of a story is its
    original, and which article first names an entity, never depends on which page
    answered first). Counts go to `tally` batch by batch; returns the canonical URLs
    decided (stored, skipped, queued again or given up)."""
    queued = {canonical_url(q.entry.url): q for q in queue}
    # outlets interleaved: a slow or polite host does not hold one worker for a batch
    to_fetch = interleave_by_host([*selection.to_fetch, *(q.entry for q in queue)])
    size = settings.fetch.batch_size
    batches = [to_fetch[i : i + size] for i in range(0, len(to_fetch), size)]
    progress.update(stage="fetching pages", pages_total=len(to_fetch))
    decided: set[str] = set()
    if not batches:
        return decided
    ner = runners.ner_mode(settings, len(to_fetch))
    runners.start_ner(ner)
    futures = [
        runner.submit(fetch_articles_task, {
            "entries": batch, "fetch": settings.fetch_settings(),
            "topic": settings.topic_settings(), "run_id": tally.run_id, "ner": ner,
            "doubts": selection.doubts, "trusted": frozenset(selection.trusted),
            "queued": queued_in(batch, queued), "page_retries": settings.fetch.page_retries,
        })
        for batch in batches
    ]
    # The writer's state is loaded while the first pages are fetched, and only when there
    # is something to write: a run where no feed changed never pays for it.
    with writing(settings) as con:
        writer = Writer.load(con, settings)
    for batch, future in zip(batches, futures, strict=True):
        outcome, saved = writer.write(settings, future.result(), tally.run_id)
        decided.update(outcome.stored_entry_keys.values())
        decided.update(s.canonical_url for s in outcome.skipped)
        decided.update(a.canonical_url for a in outcome.attempts)  # queued or gave up
        tally.add_batch(outcome, saved, pages=len(batch))
        progress.update(pages_fetched=tally.pages_fetched, stored=tally.counts.articles_new)
    return decided
