"""Slack digests through slack_sdk's WebhookClient to a real HTTP server on 127.0.0.1
standing in for Slack's incoming webhook."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_standins import (
    NOW,
    RUN,
    SlackWebhook,
    add_article,
    add_entity,
    add_mention,
    alert_rows,
    every_text_value,
    free_port,
    leaked,
    many_findings,
    standard_findings,
    warehouse,
)
from pydantic import SecretStr

from alerts.channels.slack_channel import (
    MAX_BLOCKS,
    MAX_HEADER_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_SECTION_CHARS,
    SlackSender,
    limit_problems,
)
from alerts.delivery import deliver_pending, example_digest
from alerts.errors import DeliveryError
from warehouse import outbox


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackWebhook]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)  # slack_sdk would send 127.0.0.1 to a proxy
    with SlackWebhook() as server:
        yield server


def slack(hook: SlackWebhook, **kwargs: Any) -> SlackSender:
    kwargs.setdefault("timeout_s", 5)
    kwargs.setdefault("server_error_pause_s", 0.05)
    return SlackSender(SecretStr(hook.url()), **kwargs)


def section_texts(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def check_limits(payload: dict[str, Any]) -> None:
    """Slack's documented limits, checked independently of the renderer's own guard."""
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= MAX_BLOCKS == 50
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= MAX_HEADER_CHARS == 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_CHARS == 3000
            assert block["text"]["verbatim"] is True
    assert payload["text"] and payload["unfurl_links"] is False
    total = sum(len(b.get("text", {}).get("text", "")) for b in blocks) + sum(
        len(e["text"]) for b in blocks for e in b.get("elements", [])
    )
    assert total <= MAX_MESSAGE_CHARS <= 12_000  # msg_blocks_too_long beyond
    assert limit_problems(payload) == []


def test_the_digest_is_posted_as_blocks_with_a_fallback(
    hook: SlackWebhook, db_path: Path
) -> None:
    with warehouse(db_path) as con:
        standard_findings(con, channels=["slack"])
        report = deliver_pending(con, [slack(hook)], run_id=RUN, max_attempts=10, now=NOW)
        assert report.sent == 2 and report.channels["slack"].messages == 1

    assert len(hook.accepted) == 1
    hit = hook.accepted[0]
    assert hit.path == "/services/T0123ABCD/B0456EFGH/s3cr3tT0k3nW3bh00kXYZ"
    payload = hit.payload
    check_limits(payload)
    assert payload["blocks"][0]["text"]["text"] == "mali-monitor: 1 new actor, 1 new town"
    assert payload["text"] == "mali-monitor: 1 new actor, 1 new town: Katiba Test, Boni"
    texts = section_texts(payload)
    assert texts[0] == "*Actors* (1)"
    katiba = texts[1]
    assert katiba.startswith("*Katiba Test*  ·  armed group")
    assert (
        "<https://www.rfi.fr/fr/afrique/a1|Attack near Mopti claimed by the Katiba Test>"
        in katiba
    )
    assert "RFI Afrique, 2025-03-01" in katiba
    assert ">\u201cFighters of the *Katiba Test* attacked the camp on Sunday.\u201d" in katiba
    assert "_2 articles · 2 sources in this run_" in katiba
    assert [b["type"] for b in payload["blocks"]].count("divider") == 1
    assert texts[2] == "*Towns* (1)"
    boni = texts[3]
    assert (
        "Mopti region, Mali  ·  <https://www.openstreetmap.org/?mlat=15.08330&amp;mlon=-1.96670"
        "#map=11/15.08330/-1.96670|15.0833°N 1.9667°W>"
    ) in boni
    assert ">\u201cThe army left *Boni* after the attack.\u201d" in boni
    assert ":mag:" not in katiba + boni  # no evidence stored: no "why" line


def test_each_alert_says_why_and_how_confidently(hook: SlackWebhook, db_path: Path) -> None:
    with warehouse(db_path) as con:
        standard_findings(con, channels=["slack"])
        con.execute("UPDATE entities SET evidence = ['gazetteer'], confidence = 0.85 "
                    "WHERE entity_id = 'e-boni'")
        con.execute("UPDATE entities SET evidence = ['model'], confidence = 0.6 "
                    "WHERE entity_id = 'e-katiba'")
        report = deliver_pending(con, [slack(hook)], run_id=RUN, max_attempts=10, now=NOW)
        assert report.sent == 2

    payload = hook.accepted[0].payload
    check_limits(payload)
    texts = section_texts(payload)
    katiba, boni = texts[1], texts[3]
    assert ":round_pushpin: Mopti region, Mali  ·  " in boni
    assert "\n:mag: why: in the gazetteer (Mopti region, Mali) · confidence 0.85\n" in boni
    assert "\n:mag: why: model only · confidence 0.60\n" in katiba


def test_120_entities_are_split_into_several_messages_nothing_lost_nothing_twice(
    hook: SlackWebhook, db_path: Path
) -> None:
    with warehouse(db_path) as con:
        ids = many_findings(con, 120)
        report = deliver_pending(con, [slack(hook)], run_id=RUN, max_attempts=10, now=NOW)
        assert report.sent == 120
        assert all(r["status"] == "sent" for r in alert_rows(con).values())
        digests = {r["digest_id"] for r in alert_rows(con).values()}
        assert deliver_pending(con, [slack(hook)], run_id="r2", max_attempts=10, now=NOW).sent == 0

    messages = hook.accepted
    assert len(messages) >= 3 and len(messages) == report.channels["slack"].messages
    assert len(digests) == len(messages)  # each message is its own digest
    names: list[str] = []
    for n, hit in enumerate(messages, start=1):
        check_limits(hit.payload)
        assert hit.payload["blocks"][0]["text"]["text"].endswith(
            f"(part {n} of {len(messages)})"
        )
        for text in section_texts(hit.payload):
            found = re.match(r"\*(Actor Number \d{4}|Town \d{4})\*", text)
            if found:
                names.append(found.group(1))
    assert len(names) == 120 and len(set(names)) == 120
    assert len(ids) == 120


def test_500_then_429_then_200_is_one_message_and_the_alerts_are_sent(
    hook: SlackWebhook, db_path: Path
) -> None:
    hook.script = [(500, {}, "internal_error"), (429, {"Retry-After": "1"}, "rate_limited")]
    with warehouse(db_path) as con:
        standard_findings(con, channels=["slack"])
        started = time.monotonic()
        report = deliver_pending(con, [slack(hook)], run_id=RUN, max_attempts=10, now=NOW)
        elapsed = time.monotonic() - started
        assert report.sent == 2 and report.failed == 0
        rows = alert_rows(con)
        assert all(r["status"] == "sent" and r["attempts"] == 1 for r in rows.values())
    assert [h.status for h in hook.hits] == [500, 429, 200]
    assert len(hook.accepted) == 1
    assert 1.0 <= elapsed < 5  # Retry-After honoured, and bounded


def test_a_slack_outage_fails_now_and_delivers_next_run(
    hook: SlackWebhook, db_path: Path
) -> None:
    hook.script = [(503, {}, "service_unavailable"), (503, {}, "service_unavailable")]
    with warehouse(db_path) as con:
        standard_findings(con, channels=["slack"])
        report = deliver_pending(con, [slack(hook)], run_id="r1", max_attempts=10, now=NOW)
        assert report.failed == 2
        rows = alert_rows(con)
        assert all(r["status"] == "failed" and r["attempts"] == 1 for r in rows.values())
        assert all("HTTP 503 service_unavailable" in r["last_error"] for r in rows.values())
        report = deliver_pending(con, [slack(hook)], run_id="r2", max_attempts=10, now=NOW)
        assert report.sent == 2
    assert len(hook.accepted) == 1


def test_a_long_retry_after_is_not_waited_for(hook: SlackWebhook) -> None:
    hook.script = [(429, {"Retry-After": "3600"}, "rate_limited")]
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="HTTP 429 rate limited .*3600"):
        slack(hook, max_retry_wait_s=2).send(example_digest("slack"))
    assert time.monotonic() - started < 2


def test_nothing_listening_is_a_clear_error_without_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{free_port()}/services/T0/B0/s3cr3tT0k3nW3bh00kXYZ"
    with pytest.raises(DeliveryError) as error:
        SlackSender(SecretStr(url), timeout_s=2).send(example_digest("slack"))
    assert str(error.value) == "slack webhook: connection refused"
    assert error.value.channel == "slack"
    assert "s3cr3tT0k3n" not in caplog.text


def test_a_failure_in_the_middle_of_a_split_digest_resends_nothing_twice(
    hook: SlackWebhook, db_path: Path
) -> None:
    hook.script = [(200, {}, "ok"), (500, {}, "boom"), (500, {}, "boom")]
    with warehouse(db_path) as con:
        many_findings(con, 120)
        first = deliver_pending(con, [slack(hook)], run_id="r1", max_attempts=10, now=NOW)
        c = first.channels["slack"]
        assert c.messages == 1 and c.sent > 0 and c.failed > 0 and c.deferred > 0
        assert c.sent + c.failed + c.deferred == 120
        assert "deferred to the next run" in first.summary()
        second = deliver_pending(con, [slack(hook)], run_id="r2", max_attempts=10, now=NOW)
        assert second.sent == 120 - c.sent
        assert all(r["status"] == "sent" for r in alert_rows(con).values())

    names = [
        m.group(1)
        for hit in hook.accepted
        for text in section_texts(hit.payload)
        if (m := re.match(r"\*(Actor Number \d{4}|Town \d{4})\*", text))
    ]
    assert len(names) == 120 and len(set(names)) == 120


def test_a_hostile_title_cannot_mention_format_or_link(
    hook: SlackWebhook, db_path: Path
) -> None:
    title = (
        "<!channel> <!here> <@U123> <#C1> <https://evil.example|click> *bold* _it_ ~s~ `code`"
        " <script>alert(1)</script>\nBcc: evil@example.org"
    )
    with warehouse(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        add_article(con, "a1", title=title, url="https://news.example.org/a|b>c")
        add_entity(con, "e1", "*Group* <!everyone>")
        add_mention(con, "a1", "e1", "Group", "> quoted `code` and *Group* & <@W1>")
        outbox.create_alerts(con, [("e1", "a1")], ["slack"], NOW)
        con.execute("COMMIT")
        assert deliver_pending(con, [slack(hook)], run_id=RUN, max_attempts=10, now=NOW).sent == 1

    raw = hook.accepted[0].raw
    payload = hook.accepted[0].payload
    check_limits(payload)
    everything = payload["text"] + "".join(section_texts(payload))
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<@W1>", "<#C1>",
                      "<script>", "<https://evil.example", "`", "~", "_it_"):
        assert forbidden not in everything, forbidden
    assert "\\u003c!channel" not in raw.lower()
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C1&gt;" in everything
    item = section_texts(payload)[1]
    assert item.startswith("*\u2217Group\u2217 &lt;!everyone&gt;*")  # our bold, their stars
    assert "\u2217bold\u2217 \u02cdit\u02cd \u223cs\u223c \u02cbcode\u02cb" in item
    assert "<https://news.example.org/a%7Cb%3Ec|" in item  # the URL cannot end the link early
    assert "\nBcc" not in item and "Bcc: evil@example.org" in item
    assert ">\u201c&gt; quoted" in item  # a quote only where we put one


def test_the_webhook_url_never_reaches_the_warehouse_or_the_log(
    hook: SlackWebhook, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = hook.url()
    token = "s3cr3tT0k3nW3bh00kXYZ"
    # a server that echoes the request path in its error, as proxies and gateways do
    hook.script = [(404, {}, f"no_service for POST {url.split('127.0.0.1')[1]} ({url})")]
    with warehouse(db_path) as con:
        standard_findings(con, channels=["slack"])
        report = deliver_pending(con, [slack(hook)], run_id=RUN, max_attempts=10, now=NOW)
        assert report.failed == 2
        for row in alert_rows(con).values():
            assert "HTTP 404 no_service" in row["last_error"] and "***" in row["last_error"]
        values = every_text_value(con)
    for secret in (url, token, "/services/T0123ABCD/B0456EFGH"):
        assert not [v for v in values if secret in v]
        assert secret not in report.summary()
        assert secret not in caplog.text

    hook.script = [(200, {}, "ok")]
    with pytest.raises(DeliveryError) as bad:
        SlackSender(SecretStr("hooks.slack.com/services/T0/B0/" + token))
    assert token not in str(bad.value) and "https://" in str(bad.value)


TOKEN = "s3cr3tT0k3nW3bh00kXYZ"  # the last segment of SlackWebhook.url()


@pytest.mark.parametrize("status", [400, 500])
def test_an_endpoint_echoing_its_webhook_url_leaves_no_piece_of_the_token(
    hook: SlackWebhook, db_path: Path, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    """A long error body repeating the URL and the token, and ending in a copy the server
    cut itself: redacted before anything is cut, so no 6 characters of the token remain in
    the error, the log, the report or the warehouse."""
    caplog.set_level(logging.DEBUG)
    url = hook.url()
    body = "no_service " + f"bad webhook {url} token={TOKEN} " * 12 + url[:-4]
    assert len(body) > 1000
    hook.script = [(status, {}, body)] * 4  # a 500 is retried once within a send

    with pytest.raises(DeliveryError) as error:
        slack(hook).send(example_digest("slack"))
    text = str(error.value)
    assert text.startswith(f"slack webhook: HTTP {status} no_service bad webhook *** token=***")
    assert not leaked(TOKEN, text)

    with warehouse(db_path) as con:
        standard_findings(con, channels=["slack"])
        report = deliver_pending(con, [slack(hook)], run_id=RUN, max_attempts=10, now=NOW)
        assert report.failed == 2
        errors = [row["last_error"] for row in alert_rows(con).values()]
        assert all(e.startswith(f"slack webhook: HTTP {status} no_service") for e in errors)
        values = every_text_value(con)
    for secret in (TOKEN, "T0123ABCD", "B0456EFGH"):
        assert not [v for v in values if leaked(secret, v)], secret
        assert not leaked(secret, report.summary())
        assert not leaked(secret, caplog.text)
    assert url.split("/services/")[0] not in caplog.text  # (not even the test server's host)


def test_only_https_or_a_loopback_http_webhook_is_accepted() -> None:
    path = "/services/T0/B0/" + TOKEN
    for url in (
        "https://hooks.slack.com" + path, "HTTPS://hooks.slack.com" + path,
        "http://127.0.0.1:8080" + path, "http://localhost:8080" + path,
        "http://[::1]:8080" + path, "http://127.0.0.5" + path,
    ):
        assert SlackSender(SecretStr(url)).channel == "slack"
    for url in (
        "http://hooks.slack.com" + path, "http://10.0.0.5" + path,
        "http://monitorbot@hooks.slack.com" + path, "http://localhost.example.org" + path,
        "ftp://hooks.slack.com" + path, "hooks.slack.com" + path, "https://" + path,
    ):
        with pytest.raises(DeliveryError) as refused:
            SlackSender(SecretStr(url), source="$MALI_MONITOR_SLACK_WEBHOOK")
        assert str(refused.value) == (
            "slack: the webhook URL must start with https:// (http:// only to a loopback "
            "host: 127.0.0.1, ::1, localhost) and hold no user:password@ part; its value, "
            "from $MALI_MONITOR_SLACK_WEBHOOK, is not shown"
        ), url
