"""A feed that keeps failing is backed off and reported, not hammered; a 429/503
Retry-After is honoured; `run --feed URL` polls a backed-off feed regardless."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from feedsite import rss

from extractors.backoff import (
    BackedOff,
    BackoffPolicy,
    backoff_delay,
    cron_interval,
    next_poll_at,
    split_due,
)
from extractors.polling import FeedSource
from flows.ingest import ingest
from flows.output import run_summary, summary_markdown
from flows.run_summary import BackedOffFeed

from .hostile_server import HostileServer, respond, sequence
from .support import rows

RSS = "application/rss+xml; charset=utf-8"
POLICY = BackoffPolicy(interval=timedelta(minutes=30))
T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


# --- the rule -------------------------------------------------------------------------------


def test_the_wait_doubles_after_three_failures_and_stops_at_a_day() -> None:
    waits = [backoff_delay(n, POLICY) for n in range(0, 12)]
    minutes = [None if w is None else w / timedelta(minutes=1) for w in waits]
    assert minutes == [None, None, None, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440]
    assert backoff_delay(10_000, POLICY) == timedelta(hours=24)


def test_retry_after_is_a_floor_even_on_the_first_failure() -> None:
    assert backoff_delay(1, POLICY, retry_after_s=600) == timedelta(minutes=10)
    assert backoff_delay(4, POLICY, retry_after_s=600) == timedelta(minutes=60)  # backoff wins
    assert backoff_delay(5, POLICY, retry_after_s=3 * 3600) == timedelta(hours=3)
    assert backoff_delay(0, POLICY, retry_after_s=0) is None
    assert next_poll_at(0, polled_at=T0, policy=POLICY) is None
    assert next_poll_at(3, polled_at=T0, policy=POLICY) == T0 + timedelta(minutes=30)


def test_a_feed_is_due_from_a_little_before_its_time() -> None:
    feeds = [FeedSource("http://a/"), FeedSource("http://b/"), FeedSource("http://c/")]
    states = {
        "http://a/": (T0 + timedelta(minutes=2), 3),  # within the grace (3 min)
        "http://b/": (T0 + timedelta(minutes=30), 3),
    }
    due, backed_off = split_due(feeds, states, now=T0, policy=POLICY)
    assert [f.url for f in due] == ["http://a/", "http://c/"]
    assert backed_off == [BackedOff("http://b/", T0 + timedelta(minutes=30), 3)]


@pytest.mark.parametrize(
    ("cron", "interval"),
    [
        ("*/30 * * * *", timedelta(minutes=30)),
        ("*/5 9-17 * * 1-5", timedelta(minutes=5)),
        ("0 * * * *", timedelta(hours=1)),
        ("0 6,18 * * *", timedelta(hours=12)),
        ("0 0 * * 7", timedelta(days=7)),
        ("not a cron", timedelta(minutes=30)),
    ],
)
def test_the_interval_of_a_cron_schedule(cron: str, interval: timedelta) -> None:
    assert cron_interval(cron) == interval


# --- the flow -------------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_a_failing_feed_is_backed_off_reported_and_polled_again_by_hand(
    hostile: HostileServer, warehouse: Path, write_config
) -> None:
    failing = hostile.route("/b/failing.xml", sequence(
        respond(500, "down"), respond(500, "down"),  # run 1 and its retry
        respond(200, rss("Back", []), content_type=RSS),  # fixed by the time of run 3
    ))
    limited = hostile.route("/b/limited.xml", respond(
        429, "slow down", headers={"Retry-After": "600"}))
    healthy = hostile.route("/b/healthy.xml", respond(200, rss("Fine", []), content_type=RSS))
    # Two earlier runs already failed on this feed: the next failure is the third.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into feed_state (feed_url, last_status, consecutive_failures) "
            "values (?, 'failed', 2)", [failing],
        )
    config_path = write_config(feeds=[failing, limited, healthy])

    # Run 1 (scheduled: the configured feeds): the third failure starts the backoff; the
    # 429's Retry-After is honoured (not retried now, next poll in 10 minutes).
    first = ingest(str(config_path), str(warehouse))
    assert first.backed_off == 0 and first.feeds_polled == 3
    assert (hostile.count("/b/failing.xml"), hostile.count("/b/limited.xml")) == (2, 1)
    state = {
        url: (failures, next_poll, last_status)
        for url, failures, next_poll, last_status in rows(
            warehouse, "select feed_url, consecutive_failures, next_poll_at, last_status "
            "from feed_state",
        )
    }
    (started_1,) = rows(warehouse, "select started_at from runs")[0]
    assert state[failing] == (3, started_1 + timedelta(minutes=30), "failed")
    assert state[limited] == (1, started_1 + timedelta(minutes=10), "failed")
    assert state[healthy] == (0, None, "ok")

    # Run 2, a minute later: both are skipped, counted and reported with their time.
    second = ingest(str(config_path), str(warehouse))
    assert second.backed_off == 2 and second.feeds_polled == 1
    assert (hostile.count("/b/failing.xml"), hostile.count("/b/limited.xml")) == (2, 1)
    reported = {b.feed_url: b for b in second.backed_off_feeds}
    assert reported[failing] == BackedOffFeed(
        feed_url=failing, consecutive_failures=3,
        next_poll_at=(started_1 + timedelta(minutes=30)).isoformat(timespec="seconds"),
    )
    assert reported[limited].consecutive_failures == 1
    text = run_summary(second, 1.0)
    assert "  backed off     2 (failing feeds not polled this run)" in text
    assert f"    {failing}: 3 failures, next poll at {reported[failing].next_poll_at}" in text
    assert "| feeds backed off | 2 |" in summary_markdown(second)
    assert rows(warehouse, "select status, feeds_polled, backed_off from runs "
                "order by started_at") == [("completed", 3, 0), ("completed", 1, 2)]
    assert rows(warehouse, "select count(*) from fetch_errors where run_id = "
                "(select run_id from runs order by started_at desc limit 1)") == [(0,)]

    # Run 3, by hand (`mali-monitor run --feed URL`): polled regardless; it works again, so
    # its streak and its wait are cleared.
    third = ingest(str(config_path), str(warehouse), [failing])
    assert third.backed_off == 0 and third.feeds_polled == 1
    assert hostile.count("/b/failing.xml") == 3
    assert rows(warehouse, "select consecutive_failures, next_poll_at, last_status "
                "from feed_state where feed_url = ?", [failing]) == [(0, None, "ok")]
