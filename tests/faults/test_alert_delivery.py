"""SMTP down during a run: the alerts of the new actor and town wait in the outbox as
failed; the next run, with the server up, delivers each exactly once; a third sends nothing.
A Slack endpoint echoing its webhook URL in long errors: no piece of the token reaches the
warehouse or the log. (Delivery-level faults, Slack 429/500 included, are in
tests/test_alerts_*.py.)"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest
from alert_standins import (
    SlackWebhook,
    SmtpServer,
    every_text_value,
    free_port,
    leaked,
    parts,
)
from feedsite import article_page, rss

from flows.ingest import ingest

from .hostile_server import HostileServer, respond
from .support import assert_nothing_stored_twice, rows

pytestmark = pytest.mark.usefixtures("prefect_harness")

SERMA = (
    "Gunmen attack village in central Mali",
    [
        "Fighters of the armed group Katiba Serma attacked the village of Dinangourou, in "
        "the Mopti region, on Sunday, killing at least seven civilians and burning the "
        "market, local officials said.",
        "Residents said the attackers arrived on motorbikes at dawn and stayed for several "
        "hours before withdrawing towards the border with Burkina Faso.",
        "The Malian army said it had sent reinforcements to the area. No group has claimed "
        "the attack, but the Katiba Serma has been active in the area for two years.",
    ],
)


def alert_state(db: Path) -> dict[str, tuple[str, int, str | None]]:
    return {
        name: (status, attempts, error)
        for name, status, attempts, error in rows(
            db, "select e.name, a.status, a.attempts, a.last_error from alerts a "
            "join entities e using (entity_id)",
        )
    }


@pytest.mark.slow  # three runs against a failing SMTP server
def test_alerts_wait_while_smtp_is_down_then_arrive_exactly_once(
    hostile: HostileServer, warehouse: Path, write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("MALI_MONITOR_SMTP_USER", "MALI_MONITOR_SMTP_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    port = free_port()  # nothing listens here during the first run
    page = hostile.route("/news/dinangourou", respond(200, article_page(*SERMA)))
    feed = hostile.route("/feed.xml", respond(200, rss("Sahel", [
        {"title": SERMA[0], "link": page, "description": "Attack in central Mali."},
    ]), content_type="application/rss+xml"))
    config = str(write_config(feeds=[feed], alerts={
        "channels": ["email"],
        "email": {"host": "127.0.0.1", "port": port, "tls": "none",
                  "sender": "monitor@example.org", "recipients": ["analyst@example.org"],
                  "timeout_s": 5},
    }))

    first = ingest(config, str(warehouse))

    assert first.entities_new >= 2
    assert (first.alerts.sent, first.alerts.failed) == (0, 2)
    waiting = alert_state(warehouse)
    assert set(waiting) == {"Katiba Serma", "Dinangourou"}
    for status, attempts, error in waiting.values():
        assert (status, attempts) == ("failed", 1)
        assert f"127.0.0.1:{port}" in error and "connection refused" in error
    assert rows(warehouse, "select status from runs") == [("completed",)]

    with SmtpServer(port) as server:
        second = ingest(config, str(warehouse))
        third = ingest(config, str(warehouse))

    assert (second.alerts.sent, second.alerts.failed) == (2, 0)
    assert (third.alerts.sent, third.alerts.failed) == (0, 0)
    assert len(server.received) == 1  # one digest, holding both
    plain, _ = parts(server.received[0].message)
    assert "Katiba Serma" in plain and "Dinangourou" in plain
    assert alert_state(warehouse) == {
        "Katiba Serma": ("sent", 2, None), "Dinangourou": ("sent", 2, None),
    }
    assert rows(warehouse, "select count(*) from entities where name in "
                "('Katiba Serma', 'Dinangourou')") == [(2,)]
    assert [s for (s,) in rows(warehouse, "select status from runs")] == ["completed"] * 3
    assert_nothing_stored_twice(warehouse)


def test_a_slack_endpoint_echoing_its_webhook_url_leaks_no_piece_of_it(
    hostile: HostileServer, warehouse: Path, write_config, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    token = "s3cr3tT0k3nW3bh00kXYZ"
    page = hostile.route("/news/dinangourou", respond(200, article_page(*SERMA)))
    feed = hostile.route("/feed.xml", respond(200, rss("Sahel", [
        {"title": SERMA[0], "link": page, "description": "Attack in central Mali."},
    ]), content_type="application/rss+xml"))
    config = str(write_config(feeds=[feed], alerts={
        "channels": ["slack"], "slack": {"timeout_s": 5},
    }))
    with SlackWebhook() as hook:
        url = hook.url()
        monkeypatch.setenv("MALI_MONITOR_SLACK_WEBHOOK", url)
        body = "invalid_payload " + f"{url} token={token} " * 15 + url[:-5]
        hook.script = [(500, {}, body)] * 2  # retried once within the send
        run = ingest(config, str(warehouse))

    assert (run.alerts.sent, run.alerts.failed) == (0, 2)
    for status, attempts, error in alert_state(warehouse).values():
        assert (status, attempts) == ("failed", 1)
        assert error.startswith("slack webhook: HTTP 500 invalid_payload ***")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        values = every_text_value(con)
    for secret in (token, "T0123ABCD", "B0456EFGH"):
        assert not [v for v in values if leaked(secret, v)], secret
        assert not leaked(secret, caplog.text), secret
