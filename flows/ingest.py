"""The `ingest` flow: poll feeds, fetch and extract articles, store them.

A short script of tasks: a task per feed and per batch of articles, one writer.
No parsing and no SQL here; each task wraps a plain function from `extractors` or
`warehouse` that can be tested alone.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run, task_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from alerts.delivery import DeliveryReport, deliver_pending
from alerts.errors import DeliveryError
from alerts.senders import build_sender
from extractors import backoff
from extractors.articles import BatchOutcome, build_articles, select_entries
from extractors.dedup import DedupOutcome, DedupSettings, DuplicateIndex
from extractors.entities.extract import precompute_spans
from extractors.entities.model import NerModelError
from extractors.entities.novelty import EntityWrites, NoveltySettings, assess_novelty
from extractors.entities.recognizer import EntityRecognizer
from extractors.entities.records import RawSpan
from extractors.fetching import HttpFetcher
from extractors.models import ErrorRecord, FeedEntry, FetchSettings
from extractors.polling import FeedPoll, FeedSource, FeedValidators, poll_feed
from extractors.retry_queue import QueuedPage, interleave_by_host, mark_upgrades
from extractors.topic import TopicFilter, TopicSettings
from extractors.urls import canonical_url
from flows import progress, runners
from flows.output import summary_images, summary_markdown
from flows.settings import Settings, load_settings
from warehouse import entities as entity_store
from warehouse import feed_topics, page_attempts, signatures, store
from warehouse.connection import opened, run_lock
from warehouse.errors import WarehouseError
from warehouse.export import export_tables
from warehouse.migrations import migrate
from warehouse.publish import publish_read_copy, read_copy_path
from warehouse.report_queries import read_run_map

MAX_WORKERS = 8
SUMMARY_ARTIFACT_KEY = "ingest-summary"


def _thread_runner() -> TaskRunner[Any]:
    """The flow's own runner (polls, writer steps); fetching may go to another
    (`runners.open_task_runner`)."""
    runner: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=MAX_WORKERS)
    return runner


class RetryableFeedFailure(Exception):
    """Raised inside the poll task so that Prefect retries a feed failure that may pass."""


@task(name="poll-feed", cache_policy=NO_CACHE, task_run_name="poll {feed.url}")
def poll_feed_task(
    feed: FeedSource,
    validators: FeedValidators,
    fetcher: HttpFetcher,
    max_entries: int,
    retries: int = 0,
) -> FeedPoll:
    """Poll one feed; a timeout, 429 or 5xx is retried (with backoff) `retries` times, a 4xx
    or a document that is not a feed is not, nor a 429/503 with Retry-After (the feed's next
    poll waits for it instead). The last failure comes back as data."""
    poll = poll_feed(feed, validators, fetcher, max_entries=max_entries)
    if poll.status == "failed":
        logger = get_run_logger()
        if poll.retryable and not poll.retry_after and task_run.run_count <= retries:
            logger.warning("feed %s failed, will retry: %s", feed.url, poll.error)
            raise RetryableFeedFailure(poll.error)
        logger.warning("feed %s failed: %s", feed.url, poll.error)
    return poll


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
    readable = [(a.article_id, a.text, a.language) for a in outcome.articles + outcome.upgrades]
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
def mark_duplicates_task(index: DuplicateIndex, outcome: BatchOutcome) -> DedupOutcome:
    """New articles, then upgraded ones (their page text compared with all but their own
    summary); the signatures of both are stored with the batch."""
    dedup = index.mark(outcome.articles)
    dedup.signatures.extend(mark_upgrades(index, outcome.upgrades))
    return dedup


@task(name="extract-entities", cache_policy=NO_CACHE)
def extract_entities_task(
    recognizer: EntityRecognizer | None,
    outcome: BatchOutcome,
    novelty: NoveltySettings,
    spans: dict[str, list[RawSpan]] | None = None,
) -> EntityWrites | None:
    if recognizer is None:
        return None
    found = recognizer.extract(outcome.articles + outcome.upgrades, spans)
    return assess_novelty(
        found, known_keys=recognizer.known_keys, seen_at=datetime.now(UTC), settings=novelty
    )


@task(name="store-batch", cache_policy=NO_CACHE)
def store_batch_task(
    con: duckdb.DuckDBPyConnection,
    outcome: BatchOutcome,
    run_id: str,
    dedup: DedupOutcome,
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
        signatures=dedup.signatures,
        entity_writes=writes,
        alert_channels=alert_channels,
        upgrades=outcome.upgrades,
        gave_up=outcome.gave_up,
        attempts=outcome.attempts,
    )


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts_task(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str
) -> tuple[DeliveryReport, list[ErrorRecord]]:
    """One digest per configured channel. A channel that cannot be used (its secret unset)
    is recorded and skipped; its alerts wait in the outbox for a run where it works."""
    logger = get_run_logger()
    senders, problems = [], []
    for channel in settings.alerts.channels:
        try:
            senders.append(build_sender(channel, settings.alerts))
        except DeliveryError as e:
            logger.warning("alerts: %s", e)
            problems.append(ErrorRecord("alert", str(e), url=f"alerts:{channel}"))
    report = deliver_pending(
        con,
        senders,
        run_id=run_id,
        max_attempts=settings.alerts.max_attempts,
        dry_run=settings.alerts.dry_run,
        now=datetime.now(UTC),
    )
    for line in report.summary().splitlines():
        logger.info("%s", line)
    store.insert_errors(con, problems, run_id)
    return report, problems


@task(name="record-polls", cache_policy=NO_CACHE)
def record_polls_task(
    con: duckdb.DuckDBPyConnection,
    polls: Sequence[FeedPoll],
    unresolved_feeds: set[str],
    previous: dict[str, store.FeedStateRow],
    run_id: str,
    policy: backoff.BackoffPolicy,
    polled_at: datetime,
) -> None:
    for poll in polls:
        validators = poll.validators
        if poll.feed_url in unresolved_feeds:
            validators = _validators(previous.get(poll.feed_url))
        state = previous.get(poll.feed_url)
        failures = 0
        if poll.status == "failed":
            failures = (state.consecutive_failures if state else 0) + 1
        store.record_feed_poll(
            con,
            poll.feed_url,
            status=poll.status,
            etag=validators.etag,
            last_modified=validators.last_modified,
            error=poll.error,
            next_poll_at=backoff.next_poll_at(
                failures, polled_at=polled_at, policy=policy, retry_after_s=poll.retry_after
            ),
            retry_after_s=poll.retry_after,
        )
        store.insert_errors(con, poll.errors, run_id)


@task(name="publish-read-copy", cache_policy=NO_CACHE)
def publish_read_copy_task(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """Readers' snapshot of the warehouse (warehouse.publish); a failure is logged and
    leaves the previous copy, it does not fail the run."""
    try:
        published = publish_read_copy(con, settings.db_path)
    except WarehouseError as e:
        get_run_logger().error("%s", e)
        return f"not published: {e}"
    return f"{published.path} ({published.bytes / 1e6:.1f} MB in {published.seconds:.1f} s)"


@task(name="refresh-export", cache_policy=NO_CACHE)
def refresh_export_task(settings: Settings, months: set[str]) -> str:
    """`[warehouse] export_dir`: the tables as Parquet, from the read copy just published
    (the writer's file is already let go); articles and mentions only for the months this
    run stored in (UTC), once a first full export is there. A failure is logged; the run
    stands."""
    folder = settings.export_dir()
    assert folder is not None
    try:
        done = export_tables(read_copy_path(settings.db_path), folder, months=months)
    except WarehouseError as e:
        get_run_logger().error("%s", e)
        return f"not refreshed: {e}"
    return f"{done.folder} ({len(done.tables)} tables in {done.seconds:.1f} s)"


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_summary_task(summary: dict[str, Any], settings: Settings | None = None) -> None:
    """The run's summary as a Prefect markdown artifact, visible in the UI and to `trigger`;
    with `settings`, when the run stored articles naming towns with coordinates, the map of
    those towns and the 30-day timeline below it (PNG images; `trigger` prints no image)."""
    markdown = summary_markdown(summary)
    if settings is not None and summary.get("articles_new"):
        markdown += _summary_pictures(settings, summary["run_id"])
    create_markdown_artifact(
        markdown=markdown,
        key=SUMMARY_ARTIFACT_KEY,
        description=f"mali-monitor ingest run {summary['run_id']}",
    )


def _summary_pictures(settings: Settings, run_id: str) -> str:
    """The summary's map and timeline: the warehouse read a moment, then drawn. Any
    failure is logged and the summary goes without them: never a failed run."""
    try:
        with _writing(settings) as con:
            data = read_run_map(con, run_id, datetime.now(UTC))
        return summary_images(data)
    except Exception as e:  # a picture is never worth a failed run
        get_run_logger().warning(
            "the run summary goes without its map: %s: %s", type(e).__name__, e
        )
        return ""


def _validators(state: store.FeedStateRow | None) -> FeedValidators:
    return FeedValidators(state.etag, state.last_modified) if state else FeedValidators()


def _queued_in(
    batch: Sequence[FeedEntry], queued: dict[str, QueuedPage]
) -> dict[str, QueuedPage]:
    keys = (canonical_url(e.url) for e in batch)
    return {key: queued[key] for key in keys if key in queued}


def _batches(entries: Sequence[FeedEntry], size: int) -> list[list[FeedEntry]]:
    return [list(entries[i : i + size]) for i in range(0, len(entries), size)]


@flow(name="ingest", task_runner=_thread_runner(), log_prints=False)
def ingest(
    config_path: str | None = None,
    db_path: str | None = None,
    feed_urls: list[str] | None = None,
    deliver_alerts: bool = True,
) -> dict[str, Any]:
    """One ingest run: every configured feed polled once (except those backed off after
    repeated failures; feeds named in `feed_urls` are polled regardless), new Mali articles
    stored, new actors and towns recorded, and pending alerts delivered (unless
    `deliver_alerts` is off: they then wait in the outbox)."""
    settings = load_settings(config_path, feed_urls=feed_urls, db_path=db_path)
    try:
        with run_lock(settings.db_path, wait_s=settings.warehouse.lock_wait_s):
            with _writing(settings) as con:
                migrate(con)
            return _run(settings, deliver_alerts=deliver_alerts, ignore_backoff=bool(feed_urls))
    except duckdb.Error as e:  # e.g. a full disk outside a batch: one clear error
        raise WarehouseError(
            f"the warehouse {settings.db_path} failed during the run: {e}",
            path=str(settings.db_path),
        ) from e


def _writing(settings: Settings) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The warehouse, open for one step's reads and writes. The run holds the file only
    while it uses it, never while it fetches, so a reader opening the writer's file by
    mistake blocks one step at most (and the run lock keeps runs apart meanwhile)."""
    return opened(settings.db_path, create=False, lock_wait_s=settings.warehouse.lock_wait_s)


@flow(name="ingest", task_runner=_thread_runner(), log_prints=False)
def scheduled_ingest() -> dict[str, Any]:
    """The flow `serve` deploys: no parameters, so a run started through the API cannot pick
    the configuration or the warehouse; `serve` sets MALI_MONITOR_CONFIG and MALI_MONITOR_DB
    for its flow-run processes (flows.serve)."""
    return ingest.fn()


def _run(
    settings: Settings,
    *,
    deliver_alerts: bool,
    ignore_backoff: bool = False,
) -> dict[str, Any]:
    logger = get_run_logger()
    run_id = str(uuid.uuid4())
    started_at = datetime.now(UTC)  # also the time feeds are polled, for their backoff
    counts = store.RunCounts()
    errors_by_feed: Counter[str] = Counter()
    entities_new = 0
    feeds = settings.feed_sources()
    with _writing(settings) as con:
        store.start_run(con, run_id, started_at)
        states = store.feed_states(con, [f.url for f in feeds])
        focused = feed_topics.mali_focused_feeds(
            con, [f.url for f in feeds if f.topic == "auto"]
        )
        # pages that failed in earlier runs and are due again: read from the warehouse, so
        # they are retried even when their feed answers 304
        queue = page_attempts.take_due(con, [f.url for f in feeds], started_at)
    feed_modes = {f.url: "mali" if f.url in focused else f.topic for f in feeds}
    fetcher = HttpFetcher(settings.fetch_settings())
    try:
        topic = TopicFilter(settings.topic_settings())
        policy = settings.backoff_policy()
        feeds, backed_off = backoff.split_due(
            feeds,
            {} if ignore_backoff else {
                url: (s.next_poll_at, s.consecutive_failures) for url, s in states.items()
            },
            now=started_at,
            policy=policy,
        )
        counts.backed_off = len(backed_off)
        progress.update(stage="polling feeds", feeds_total=len(feeds))
        for skipped_feed in backed_off:
            logger.warning(
                "feed %s backed off after %d failures: next poll at %s",
                skipped_feed.feed_url, skipped_feed.consecutive_failures,
                skipped_feed.next_poll_at.isoformat(timespec="seconds"),
            )
        poll = poll_feed_task.with_options(
            retries=settings.fetch.retries,
            retry_delay_seconds=[
                settings.fetch.retry_delay_s * 3**i for i in range(settings.fetch.retries)
            ],
        )
        polls = [
            poll.submit(
                feed,
                _validators(states.get(feed.url)),
                fetcher,
                settings.fetch.max_entries_per_feed,
                settings.fetch.retries,
            )
            for feed in feeds
        ]
        results = []
        for p in polls:
            results.append(p.result())
            progress.update(feeds_polled=len(results))
        counts.feeds_polled = len(results)
        counts.not_modified = sum(r.status == "not_modified" for r in results)
        for r in results:
            counts.errors += len(r.errors)
            errors_by_feed[r.feed_url] += len(r.errors)
        entries = [e for r in results for e in r.entries]
        counts.entries_seen = len(entries)
        with _writing(settings) as con:
            known = store.known_canonical_urls(con, [canonical_url(e.url) for e in entries])
            selection = select_entries(
                entries, known, topic, feed_topics=feed_modes,
                doubt_per_feed=settings.topic.doubt_per_feed,
                doubt_per_run=settings.topic.doubt_per_run,
            )
            store.save_batch(
                con, run_id=run_id, articles=[], entry_keys=[], skipped=selection.skipped,
                errors=[],
            )
        counts.skipped += len(selection.skipped)
        logger.info(
            "%d feeds polled (%d unchanged), %d entries: %d to fetch, %d off topic, %d known",
            counts.feeds_polled, counts.not_modified, counts.entries_seen,
            len(selection.to_fetch), len(selection.skipped), selection.already_known,
        )
        decided: set[str] = set()
        queued = {canonical_url(q.entry.url): q for q in queue}
        # outlets interleaved: a slow or polite host does not hold one worker for a batch
        to_fetch = interleave_by_host([*selection.to_fetch, *(q.entry for q in queue)])
        batches = _batches(to_fetch, settings.fetch.batch_size)
        pages_fetched = upgraded = gave_up = 0
        progress.update(stage="fetching pages", pages_total=len(to_fetch))
        ner = runners.ner_mode(settings, len(to_fetch))
        with runners.open_task_runner(settings) if batches else nullcontext() as runner:
            runners.start_ner(ner if batches else "")
            futures = [
                runner.submit(  # type: ignore[union-attr]  # None only without batches
                    fetch_articles_task,
                    {"entries": batch, "fetch": settings.fetch_settings(),
                     "topic": settings.topic_settings(), "run_id": run_id, "ner": ner,
                     "doubts": selection.doubts, "trusted": frozenset(selection.trusted),
                     "queued": _queued_in(batch, queued),
                     "page_retries": settings.fetch.page_retries},
                )
                for batch in batches
            ]
            # The writer's state is loaded while the first pages are fetched, and only when
            # there is something to write: a run where no feed changed never pays for it.
            if batches:
                with _writing(settings) as con:
                    index = build_dedup_index_task(con, settings.dedup_settings())
                    recognizer = build_recognizer_task(con, settings)
            # Pages are fetched in parallel; dedup, entities and storage run here, one batch
            # at a time in submission order, so which copy of a story is its original, and
            # which article first names an entity, never depends on which page answered
            # first.
            for batch, future in zip(batches, futures, strict=True):
                outcome, spans = future.result()
                pages_fetched += len(batch)
                dedup = mark_duplicates_task(index, outcome)
                writes = extract_entities_task(
                    recognizer, outcome, settings.novelty_settings(), spans
                )
                with _writing(settings) as con:
                    saved = store_batch_task(
                        con, outcome, run_id, dedup, writes, settings.alerts.channels
                    )
                if recognizer is not None and writes is not None:
                    recognizer.remember(writes)
                decided.update(outcome.stored_entry_keys.values())
                decided.update(s.canonical_url for s in outcome.skipped)
                decided.update(a.canonical_url for a in outcome.attempts)  # queued or gave up
                upgraded += saved.upgraded
                gave_up += len(outcome.gave_up)
                counts.articles_new += saved.articles_new
                counts.duplicates += saved.duplicates
                counts.skipped += len(outcome.skipped)
                counts.errors += len(outcome.errors)
                entities_new += saved.entities_new
                for error in outcome.errors:
                    errors_by_feed[error.feed_url or "(unknown feed)"] += 1
                progress.update(pages_fetched=pages_fetched, stored=counts.articles_new)
        # Validators last, and not for a feed with an entry still to retry: a crash or a
        # failed page must not turn into a 304 that hides the entry for good.
        unresolved = {
            e.feed_url for e in selection.to_fetch if canonical_url(e.url) not in decided
        } | {e.feed_url for e in selection.deferred}  # in doubt over budget: next run
        with _writing(settings) as con:
            record_polls_task(con, results, unresolved, states, run_id, policy, started_at)
        report = None
        if deliver_alerts:
            with _writing(settings) as con:
                progress.update(stage="sending alerts")
                report, problems = deliver_alerts_task(con, settings, run_id)
            progress.update(alerts_sent=report.sent)
            counts.errors += len(problems)
    except BaseException as e:
        try:
            with _writing(settings) as con:
                store.finish_run(
                    con, run_id, counts, status="failed", message=f"{type(e).__name__}: {e}"
                )
                publish_read_copy_task(con, settings)
        except (WarehouseError, duckdb.Error) as unrecorded:  # the next run marks it
            logger.error("could not record the failure of run %s: %s", run_id, unrecorded)
        raise
    finally:
        fetcher.close()
        runners.release_process_resources()
    with _writing(settings) as con:
        store.finish_run(con, run_id, counts)
        read_copy = publish_read_copy_task(con, settings)
    export = None
    if settings.export_dir():
        months = {started_at.strftime("%Y-%m"), datetime.now(UTC).strftime("%Y-%m")}
        export = refresh_export_task(settings, months)
    summary = {
        "run_id": run_id,
        "flow_run_id": str(flow_run.id) if flow_run.id else None,
        "warehouse": str(settings.db_path),
        **asdict(counts),
        "entities_new": entities_new,
        "in_doubt": len(selection.doubts),  # fetched so that the page decides
        "deferred": len(selection.deferred),  # in doubt over the budget: next run
        "pages_retried": len(queue),  # failed pages of earlier runs tried again
        "upgraded": upgraded,  # articles stored from their summary, now from their page
        "gave_up": gave_up,  # entries with neither page nor summary after their tries
        "mali_focused_feeds": sorted(focused),  # topic = "auto" feeds learnt to be about Mali
        "errors_by_feed": {feed: n for feed, n in errors_by_feed.items() if n},
        "failed_feeds": [
            {"feed_url": r.feed_url, "error": r.error} for r in results if r.status == "failed"
        ],
        "backed_off_feeds": [
            {"feed_url": b.feed_url, "next_poll_at": b.next_poll_at.isoformat(timespec="seconds"),
             "consecutive_failures": b.consecutive_failures}
            for b in backed_off
        ],
        "alerts": _alert_summary(report, settings, deliver_alerts),
        "read_copy": read_copy,
        "export": export,
    }
    publish_summary_task(summary, settings)
    logger.info(
        "run %s finished: %d feeds polled, %d new articles, %d duplicates, %d errors",
        run_id, counts.feeds_polled, counts.articles_new, counts.duplicates, counts.errors,
    )
    return summary


def _alert_summary(
    report: DeliveryReport | None, settings: Settings, deliver_alerts: bool
) -> dict[str, Any]:
    if report is None:
        reason = "not delivered (--no-alerts)" if not deliver_alerts else "no channel"
        return {"sent": 0, "failed": 0, "capped": 0, "text": f"alerts: {reason}"}
    return {
        "sent": report.sent,
        "failed": report.failed,
        "capped": report.capped,
        "text": report.summary(),
        "rendered": [r.text for r in report.rendered],
    }
