"""The counts of an `ingest` run in progress, and the `RunSummary` made of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from extractors.articles import BatchOutcome
from extractors.backoff import BackedOff
from extractors.polling import FeedPoll
from flows.run_summary import AlertTally, BackedOffFeed, FailedFeed, RunSummary
from warehouse.store import BatchSaved, RunCounts


@dataclass
class RunTally:
    """The counts of a run in progress. `counts` is what `runs` records (also when the run
    fails half way); the rest goes to the summary."""

    run_id: str
    started_at: datetime  # also the time feeds are polled, for their backoff
    counts: RunCounts = field(default_factory=RunCounts)
    errors_by_feed: Counter[str] = field(default_factory=Counter)
    entities_new: int = 0
    pages_fetched: int = 0
    upgraded: int = 0
    gave_up: int = 0
    failed_feeds: list[FailedFeed] = field(default_factory=list)
    backed_off_feeds: list[BackedOffFeed] = field(default_factory=list)

    def add_backed_off(self, backed_off: Sequence[BackedOff]) -> None:
        self.counts.backed_off = len(backed_off)
        self.backed_off_feeds = [
            BackedOffFeed(b.feed_url, b.next_poll_at.isoformat(timespec="seconds"),
                          b.consecutive_failures)
            for b in backed_off
        ]

    def add_polls(self, polls: Sequence[FeedPoll]) -> None:
        self.counts.feeds_polled = len(polls)
        self.counts.not_modified = sum(p.status == "not_modified" for p in polls)
        for p in polls:
            self.counts.errors += len(p.errors)
            self.errors_by_feed[p.feed_url] += len(p.errors)
        self.counts.entries_seen = sum(len(p.entries) for p in polls)
        self.failed_feeds = [FailedFeed(p.feed_url, p.error) for p in polls
                             if p.status == "failed"]

    def add_batch(self, outcome: BatchOutcome, saved: BatchSaved, pages: int) -> None:
        self.pages_fetched += pages
        self.upgraded += saved.upgraded
        self.gave_up += len(outcome.gave_up)
        self.counts.articles_new += saved.articles_new
        self.counts.duplicates += saved.duplicates
        self.counts.skipped += len(outcome.skipped)
        self.counts.errors += len(outcome.errors)
        self.entities_new += saved.entities_new
        for error in outcome.errors:
            self.errors_by_feed[error.feed_url or "(unknown feed)"] += 1

    def summary(
        self,
        *,
        warehouse: str,
        flow_run_id: str | None,
        in_doubt: int,
        deferred: int,
        pages_retried: int,
        mali_focused_feeds: Iterable[str],
        alerts: AlertTally,
        read_copy: str | None,
        export: str | None,
    ) -> RunSummary:
        c = self.counts
        return RunSummary(
            run_id=self.run_id, warehouse=warehouse, flow_run_id=flow_run_id,
            feeds_polled=c.feeds_polled, entries_seen=c.entries_seen,
            articles_new=c.articles_new, duplicates=c.duplicates, errors=c.errors,
            skipped=c.skipped, not_modified=c.not_modified, backed_off=c.backed_off,
            entities_new=self.entities_new, in_doubt=in_doubt, deferred=deferred,
            pages_retried=pages_retried, upgraded=self.upgraded, gave_up=self.gave_up,
            mali_focused_feeds=tuple(sorted(mali_focused_feeds)),
            errors_by_feed={feed: n for feed, n in self.errors_by_feed.items() if n},
            failed_feeds=tuple(self.failed_feeds),
            backed_off_feeds=tuple(self.backed_off_feeds),
            alerts=alerts, read_copy=read_copy, export=export,
        )
