"""The `ingest` flow's first steps: which feeds to poll (backoff), polling them, choosing the
entries to fetch (the topic gate), and recording each feed's poll at the end of the run.

Each task wraps plain functions of `extractors` (polling, backoff, topic) and `warehouse`
(feed state, retry queue, seen entries); nothing here parses or holds SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run
from prefect.task_runners import TaskRunner

from extractors import backoff
from extractors.articles import EntrySelection, select_entries
from extractors.models import FeedEntry, FetchSettings
from extractors.polling import FeedPoll, FeedSource, FeedValidators, poll_feed
from extractors.retry_queue import QueuedPage
from extractors.urls import canonical_url
from flows import progress, runners
from flows.settings import Settings
from warehouse import feed_topics, page_attempts, store


class RetryableFeedFailure(Exception):
    """Raised inside the poll task so that Prefect retries a feed failure that may pass."""


@dataclass(frozen=True)
class PollPlan:
    """What the warehouse says before a run polls: the feeds due now and those backed off,
    each feed's stored state, its topic mode, and the failed pages due again."""

    due: list[FeedSource]
    backed_off: list[backoff.BackedOff]
    states: dict[str, store.FeedStateRow]
    feed_modes: dict[str, str]  # feed URL -> "mali" (learnt), "auto", "all" or "filter"
    focused: set[str]  # topic = "auto" feeds learnt to be about Mali
    queue: list[QueuedPage]  # pages that failed in earlier runs, due again
    policy: backoff.BackoffPolicy

    def validators(self, feed_url: str) -> FeedValidators:
        state = self.states.get(feed_url)
        return FeedValidators(state.etag, state.last_modified) if state else FeedValidators()


def plan_polls(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    started_at: datetime,
    ignore_backoff: bool = False,
) -> PollPlan:
    """Read the feeds' state and split the configured feeds into due and backed off
    (`ignore_backoff`: every feed is due, as with `run --feed URL`)."""
    feeds = settings.feed_sources()
    urls = [f.url for f in feeds]
    states = store.feed_states(con, urls)
    focused = feed_topics.mali_focused_feeds(con, [f.url for f in feeds if f.topic == "auto"])
    # pages that failed in earlier runs and are due again: read from the warehouse, so they
    # are retried even when their feed answers 304
    queue = page_attempts.take_due(con, urls, started_at)
    policy = settings.backoff_policy()
    due, backed_off = backoff.split_due(
        feeds,
        {} if ignore_backoff else {
            url: (s.next_poll_at, s.consecutive_failures) for url, s in states.items()
        },
        now=started_at,
        policy=policy,
    )
    logger = get_run_logger()
    for skipped in backed_off:
        logger.warning(
            "feed %s backed off after %d failures: next poll at %s",
            skipped.feed_url, skipped.consecutive_failures,
            skipped.next_poll_at.isoformat(timespec="seconds"),
        )
    return PollPlan(
        due=due, backed_off=backed_off, states=states,
        feed_modes={f.url: "mali" if f.url in focused else f.topic for f in feeds},
        focused=focused, queue=queue, policy=policy,
    )


@task(name="poll-feed", cache_policy=NO_CACHE, task_run_name="poll {feed.url}")
def poll_feed_task(
    feed: FeedSource,
    validators: FeedValidators,
    fetch: FetchSettings,
    max_entries: int,
    retries: int = 0,
) -> FeedPoll:
    """Poll one feed; a timeout, 429 or 5xx is retried (with backoff) `retries` times, a 4xx
    or a document that is not a feed is not, nor a 429/503 with Retry-After (the feed's next
    poll waits for it instead). The last failure comes back as data. Takes settings, not a
    fetcher: it may run in another process (`flows.runners`)."""
    poll = poll_feed(feed, validators, runners.fetcher_for(fetch), max_entries=max_entries)
    if poll.status == "failed":
        logger = get_run_logger()
        if poll.retryable and not poll.retry_after and task_run.run_count <= retries:
            logger.warning("feed %s failed, will retry: %s", feed.url, poll.error)
            raise RetryableFeedFailure(poll.error)
        logger.warning("feed %s failed: %s", feed.url, poll.error)
    return poll


def poll_feeds(runner: TaskRunner[Any], settings: Settings, plan: PollPlan) -> list[FeedPoll]:
    """Every due feed polled on the run's task runner, in parallel; results in feed order."""
    progress.update(stage="polling feeds", feeds_total=len(plan.due))
    fetch = settings.fetch
    poll = poll_feed_task.with_options(
        retries=fetch.retries,
        retry_delay_seconds=[fetch.retry_delay_s * 3**i for i in range(fetch.retries)],
    )
    futures = [
        runner.submit(poll, {
            "feed": feed, "validators": plan.validators(feed.url),
            "fetch": settings.fetch_settings(), "max_entries": fetch.max_entries_per_feed,
            "retries": fetch.retries,
        })
        for feed in plan.due
    ]
    results: list[FeedPoll] = []
    for future in futures:
        results.append(future.result())
        progress.update(feeds_polled=len(results))
    return results


@task(name="select-entries", cache_policy=NO_CACHE)
def select_entries_task(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    plan: PollPlan,
    polls: Sequence[FeedPoll],
    run_id: str,
) -> EntrySelection:
    """The topic gate: the entries not seen before, each on topic (fetched), in doubt
    (fetched so that the page decides) or off topic (recorded as skipped now)."""
    entries = [e for p in polls for e in p.entries]
    known = store.known_canonical_urls(con, [canonical_url(e.url) for e in entries])
    selection = select_entries(
        entries, known, runners.topic_filter_for(settings.topic_settings()),
        feed_topics=plan.feed_modes,
        doubt_per_feed=settings.topic.doubt_per_feed,
        doubt_per_run=settings.topic.doubt_per_run,
    )
    store.save_batch(con, run_id=run_id, articles=[], entry_keys=[], skipped=selection.skipped,
                     errors=[])
    get_run_logger().info(
        "%d feeds polled (%d unchanged), %d entries: %d to fetch, %d off topic, %d known",
        len(polls), sum(p.status == "not_modified" for p in polls), len(entries),
        len(selection.to_fetch), len(selection.skipped), selection.already_known,
    )
    return selection


def unresolved_feeds(selection: EntrySelection, decided: set[str]) -> set[str]:
    """Feeds with an entry still to decide: one fetched but neither stored, skipped nor
    queued (the run failed before it), or one deferred (in doubt over the budget)."""
    return {
        e.feed_url for e in selection.to_fetch if canonical_url(e.url) not in decided
    } | {e.feed_url for e in selection.deferred}


@task(name="record-polls", cache_policy=NO_CACHE)
def record_polls_task(
    con: duckdb.DuckDBPyConnection,
    polls: Sequence[FeedPoll],
    unresolved: set[str],
    plan: PollPlan,
    run_id: str,
    polled_at: datetime,
) -> None:
    """Each feed's poll, last. A feed with an entry still to decide keeps its previous
    validators: a crash or a failed page must not turn into a 304 that hides the entry for
    good. The warehouse counts each feed's failure streak and sets its next poll."""
    for poll in polls:
        validators = (plan.validators(poll.feed_url) if poll.feed_url in unresolved
                      else poll.validators)
        store.record_feed_poll(
            con,
            poll.feed_url,
            status=poll.status,
            etag=validators.etag,
            last_modified=validators.last_modified,
            error=poll.error,
            retry_after_s=poll.retry_after,
            policy=plan.policy,
            polled_at=polled_at,
        )
        store.insert_errors(con, poll.errors, run_id)


def queued_in(batch: Sequence[FeedEntry], queued: dict[str, QueuedPage]) -> dict[str, QueuedPage]:
    keys = (canonical_url(e.url) for e in batch)
    return {key: queued[key] for key in keys if key in queued}
