"""The outbox in a real migrated DuckDB file: queuing, the digest query, retries, the cap,
dry runs. Real SMTP and Slack servers are in test_alerts_email.py / test_alerts_slack.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from alert_standins import (
    NOW,
    RUN,
    add_article,
    add_entity,
    alert_rows,
    standard_findings,
    warehouse,
)

from alerts.delivery import alert_items, deliver_pending
from alerts.digest import Digest
from alerts.errors import DeliveryError
from warehouse import outbox


class Recorder:
    """A sender that keeps what it is given (the protocol needs only these two members)."""

    def __init__(self, channel: str = "email", fail_with: str | None = None) -> None:
        self.channel = channel
        self.fail_with = fail_with
        self.sent: list[Digest] = []

    def send(self, digest: Digest) -> None:
        if self.fail_with:
            raise DeliveryError(self.fail_with, channel=self.channel)
        self.sent.append(digest)


def test_one_alert_per_entity_and_channel_and_a_rerun_adds_none(db_path: Path) -> None:
    with warehouse(db_path) as con:
        ids = standard_findings(con, channels=["email", "slack"])
        assert len(set(ids)) == 4
        rows = alert_rows(con)
        assert set(rows) == set(ids)
        assert {(r["entity_id"], r["channel"]) for r in rows.values()} == {
            ("e-katiba", "email"), ("e-boni", "email"), ("e-katiba", "slack"), ("e-boni", "slack")
        }
        assert all(r["status"] == "pending" and r["attempts"] == 0 for r in rows.values())
        assert all(r["article_id"] == "a1" for r in rows.values())

        again = outbox.create_alerts(
            con, [("e-katiba", "a2"), ("e-katiba", "a1"), ("e-boni", None)],
            ["email", "slack", "email"], NOW,
        )
        assert again == 0
        assert alert_rows(con) == rows
        assert outbox.create_alerts(con, [("e-new", "a1")], [], NOW) == 0


def test_create_alerts_joins_the_callers_transaction(db_path: Path) -> None:
    """The entity pipeline inserts entities and alerts in one transaction: a rollback
    removes both; create_alerts never commits on its own."""
    with warehouse(db_path) as con:
        add_article(con, "a1")
        con.execute("BEGIN TRANSACTION")
        add_entity(con, "e1", "Katiba Test")
        assert outbox.create_alerts(con, [("e1", "a1")], ["email"], NOW) == 1
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM alerts").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM entities").fetchall() == [(0,)]


def test_one_query_gathers_the_evidence(db_path: Path) -> None:
    with warehouse(db_path) as con:
        ids = standard_findings(con)
        items = {i.name: i for i in alert_items(con, ids)}

    katiba, boni = items["Katiba Test"], items["Boni"]
    assert (katiba.kind, katiba.subtype) == ("actor", "armed_group")
    assert katiba.article is not None
    assert katiba.article.title == "Attack near Mopti claimed by the Katiba Test"
    assert katiba.article.url == "https://www.rfi.fr/fr/afrique/a1"
    assert (katiba.article.source, katiba.article.published_at) == ("RFI Afrique", NOW)
    # the sentence of the alert's own article, the name highlighted
    assert katiba.sentence == "Fighters of the Katiba Test attacked the camp on Sunday."
    assert [t for t, hit in katiba.sentence_parts() if hit] == ["Katiba Test"]
    # a1 and a2 (two sources); a3 is a copy of a1 and is not counted
    assert (katiba.article_count, katiba.source_count) == (2, 2)

    assert (boni.kind, boni.region, boni.latitude, boni.longitude) == (
        "town", "Mopti", 15.0833, -1.9667
    )
    assert boni.map_url == (
        "https://www.openstreetmap.org/?mlat=15.08330&mlon=-1.96670#map=11/15.08330/-1.96670"
    )
    assert (boni.article_count, boni.source_count) == (1, 1)


def test_delivery_marks_sent_and_a_rerun_sends_nothing(db_path: Path) -> None:
    sender = Recorder()
    with warehouse(db_path) as con:
        ids = standard_findings(con)
        report = deliver_pending(con, [sender], run_id=RUN, max_attempts=10, now=NOW)
        assert report.sent == 2 and report.channels["email"].messages == 1
        assert len(sender.sent) == 1
        digest = sender.sent[0]
        assert [kind for kind, _ in digest.groups()] == ["actor", "town"]
        assert set(digest.alert_ids) == set(ids)
        rows = alert_rows(con)
        assert all(r["status"] == "sent" and r["attempts"] == 1 for r in rows.values())
        assert all(r["sent_at"] == NOW and r["claimed_at"] is None for r in rows.values())
        assert {r["digest_id"] for r in rows.values()} == {digest.digest_id}
        assert {r["last_run_id"] for r in rows.values()} == {RUN}

        again = deliver_pending(con, [sender], run_id="run-2", max_attempts=10, now=NOW)
        assert again.sent == 0 and len(sender.sent) == 1
        assert again.summary() == "alerts email  nothing to send"


def test_capped_alerts_stay_failed_are_not_retried_and_are_reported(db_path: Path) -> None:
    broken = Recorder(fail_with="email via mail.example.org:25: connection refused")
    with warehouse(db_path) as con:
        standard_findings(con)
        for n in range(3):
            report = deliver_pending(con, [broken], run_id=f"r{n}", max_attempts=3, now=NOW)
            assert report.failed == 2
        assert report.capped == 2
        assert "2 given up after 3 attempts" in report.summary()
        rows = alert_rows(con)
        assert all(r["status"] == "failed" and r["attempts"] == 3 for r in rows.values())
        assert all("connection refused" in r["last_error"] for r in rows.values())

        working = Recorder()
        report = deliver_pending(con, [working], run_id="r4", max_attempts=3, now=NOW)
        assert working.sent == [] and report.failed == 0 and report.capped == 2
        assert "given up after 3 attempts" in report.summary()
        # a higher cap in the configuration lets them go again
        report = deliver_pending(con, [working], run_id="r5", max_attempts=10, now=NOW)
        assert report.sent == 2 and report.capped == 0


def test_dry_run_renders_and_changes_nothing(db_path: Path) -> None:
    sender = Recorder()
    with warehouse(db_path) as con:
        standard_findings(con, channels=["email", "slack"])
        before = alert_rows(con)
        report = deliver_pending(
            con, [sender, Recorder("slack")], run_id=RUN, max_attempts=10, dry_run=True, now=NOW
        )
        assert sender.sent == [] and alert_rows(con) == before
        by_channel = {r.channel: r.text for r in report.rendered}
        assert "Subject: [mali-monitor] 1 new actor, 1 new town: Katiba Test, Boni" in (
            by_channel["email"]
        )
        assert '"type": "header"' in by_channel["slack"]
        assert "dry run" in report.summary()


def test_alerts_of_a_channel_without_sender_wait_and_are_reported(db_path: Path) -> None:
    with warehouse(db_path) as con:
        standard_findings(con, channels=["email", "slack"])
        report = deliver_pending(con, [Recorder()], run_id=RUN, max_attempts=10, now=NOW)
        assert report.unconfigured == {"slack": 2}
        assert "slack  2 waiting" in report.summary()
        statuses = {(r["channel"], r["status"]) for r in alert_rows(con).values()}
        assert statuses == {("email", "sent"), ("slack", "pending")}


def test_an_interrupted_digest_is_resent_whole_and_once(db_path: Path) -> None:
    """The process dies after the channel accepted the digest, before the 'sent' mark."""

    class DiesAfterSending(Recorder):
        def send(self, digest: Digest) -> None:
            super().send(digest)
            raise KeyboardInterrupt  # the process is killed here

    with warehouse(db_path) as con:
        standard_findings(con)
        dying = DiesAfterSending()
        with pytest.raises(KeyboardInterrupt):
            deliver_pending(con, [dying], run_id="r1", max_attempts=10, now=NOW)
        rows = alert_rows(con)
        assert all(r["status"] == "pending" and r["claimed_at"] == NOW for r in rows.values())

        # a new alert arrives before the next run: it goes in a digest of its own
        con.execute("BEGIN TRANSACTION")
        add_entity(con, "e-late", "Late Group")
        outbox.create_alerts(con, [("e-late", "a1")], ["email"], NOW)
        con.execute("COMMIT")

        sender = Recorder()
        report = deliver_pending(con, [sender], run_id="r2", max_attempts=10, now=NOW)
        assert [d.digest_id for d in sender.sent][0] == dying.sent[0].digest_id
        assert sender.sent[0].alert_ids == dying.sent[0].alert_ids
        assert [d.alert_ids for d in sender.sent[1:]] == [[outbox.alert_id_for("e-late", "email")]]
        assert report.channels["email"].resent_after_interruption == 2
        assert all(r["status"] == "sent" for r in alert_rows(con).values())
        assert deliver_pending(con, [sender], run_id="r3", max_attempts=10, now=NOW).sent == 0
