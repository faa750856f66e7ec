"""The `ingest` flow: poll feeds, fetch and extract articles, store them.

`_run` is the list of steps of a run (README, "What a run does"); each step is a task or a
small function of `flows.polls`, `flows.batches` and `flows.publishing`, wrapping plain
functions of `extractors` and `warehouse` that can be tested alone. No parsing and no SQL
here. Polls and page fetches go to the one task runner of the run (`flows.runners`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import duckdb
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import batches, polls, publishing, runners
from flows.publishing import SUMMARY_ARTIFACT_KEY, publish_summary_task
from flows.run_summary import AlertTally, RunSummary
from flows.settings import Settings, load_settings
from flows.tally import RunTally
from flows.writing import writing
from warehouse import store
from warehouse.connection import run_lock
from warehouse.errors import WarehouseError
from warehouse.migrations import migrate

__all__ = ["SUMMARY_ARTIFACT_KEY", "ingest", "publish_summary_task", "scheduled_ingest"]


@flow(name="ingest", log_prints=False)
def ingest(
    config_path: str | None = None,
    db_path: str | None = None,
    feed_urls: list[str] | None = None,
    deliver_alerts: bool = True,
) -> RunSummary:
    """One ingest run: every configured feed polled once (except those backed off after
    repeated failures; feeds named in `feed_urls` are polled regardless), new Mali articles
    stored, new actors and towns recorded, and pending alerts delivered (unless
    `deliver_alerts` is off: they then wait in the outbox)."""
    settings = load_settings(config_path, feed_urls=feed_urls, db_path=db_path)
    try:
        with run_lock(settings.db_path, wait_s=settings.warehouse.lock_wait_s):
            with writing(settings) as con:
                migrate(con)
            return _run(settings, deliver_alerts=deliver_alerts, ignore_backoff=bool(feed_urls))
    except duckdb.Error as e:  # e.g. a full disk outside a batch: one clear error
        raise WarehouseError(
            f"the warehouse {settings.db_path} failed during the run: {e}",
            path=str(settings.db_path),
        ) from e


@flow(name="ingest", log_prints=False)
def scheduled_ingest() -> RunSummary:
    """The flow `serve` deploys: no parameters, so a run started through the API cannot pick
    the configuration or the warehouse; `serve` sets MALI_MONITOR_CONFIG and MALI_MONITOR_DB
    for its flow-run processes (flows.serve)."""
    return ingest.fn()


def _run(settings: Settings, *, deliver_alerts: bool, ignore_backoff: bool = False) -> RunSummary:
    tally = RunTally(run_id=str(uuid.uuid4()), started_at=datetime.now(UTC))
    with writing(settings) as con:
        store.start_run(con, tally.run_id, tally.started_at)
        plan = polls.plan_polls(
            con, settings, started_at=tally.started_at, ignore_backoff=ignore_backoff
        )
    tally.add_backed_off(plan.backed_off)
    try:
        with runners.open_task_runner(settings) as runner:
            # poll feeds (conditional GET), then the topic gate on their new entries
            polled = polls.poll_feeds(runner, settings, plan)
            tally.add_polls(polled)
            with writing(settings) as con:
                selection = polls.select_entries_task(con, settings, plan, polled, tally.run_id)
            tally.counts.skipped += len(selection.skipped)
            # fetch pages, extract + clean (in parallel); dedup, entities, store, novelty
            decided = batches.fetch_and_store(runner, settings, tally, selection, plan.queue)
        # the feeds' polls last: validators, failure streaks, next polls
        with writing(settings) as con:
            polls.record_polls_task(
                con, polled, polls.unresolved_feeds(selection, decided), plan,
                tally.run_id, tally.started_at,
            )
        # alerts
        report = publishing.deliver_alerts(settings, tally) if deliver_alerts else None
    except BaseException as e:
        publishing.record_failure(settings, tally, e)
        raise
    finally:
        runners.release_process_resources()
    # publish: the run recorded, the read copy, the export, the summary
    read_copy = publishing.finish_run(settings, tally)
    summary = tally.summary(
        warehouse=str(settings.db_path),
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        in_doubt=len(selection.doubts),  # fetched so that the page decides
        deferred=len(selection.deferred),  # in doubt over the budget: next run
        pages_retried=len(plan.queue),  # failed pages of earlier runs tried again
        mali_focused_feeds=plan.focused,
        alerts=AlertTally.of(report, deliver=deliver_alerts),
        read_copy=read_copy,
        export=publishing.refresh_export(settings, tally.started_at),
    )
    publish_summary_task(summary, settings)
    get_run_logger().info(
        "run %s finished: %d feeds polled, %d new articles, %d duplicates, %d errors",
        summary.run_id, summary.feeds_polled, summary.articles_new, summary.duplicates,
        summary.errors,
    )
    return summary
