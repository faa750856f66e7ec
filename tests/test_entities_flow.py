"""New actors and towns through the real pipeline: init builds the seed baseline, a run
over invented articles stores exactly the new entities, and their alerts reach a real SMTP
server and a Slack-like webhook on 127.0.0.1 once, and only once.

The articles below are INVENTED for these tests: their people, groups and villages do not
exist (the seed entities they mention do).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from alert_standins import SlackWebhook, SmtpServer, parts
from corpus import NEW_GROUP
from feedsite import Site, article_page, rss

from flows.ingest import ingest
from flows.setup import initialise

pytestmark = pytest.mark.usefixtures("prefect_harness")

SEED_FORMS = (
    "Hollande keeps French troops in Sevare as Mali talks resume",
    [
        "Hollande told reporters on Wednesday that French troops would remain in Sevare "
        "until the Malian army could hold the town on its own.",
        "Fighters of al-Qaeda in the Islamic Maghreb were reported to be regrouping in the "
        "desert, far north of Konna and Diabaly, according to a security source.",
        "Fabius is expected to brief European foreign ministers on the situation next week, "
        "his office said in a statement released on Wednesday evening.",
    ],
)


EXPECTED_NEW = {
    ("actor", "armed_group", "Sahel Mujahideen Brigade"),
    ("actor", "person", "Oumarou Sangaré"),
    ("town", None, "Ndiagourou"),
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackWebhook]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with SlackWebhook() as server:
        monkeypatch.setenv("MALI_MONITOR_SLACK_WEBHOOK", server.url())
        yield server


def _config(tmp_path: Path, smtp_port: int) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(
        "[fetch]\nallow_private_addresses = true\nper_host_delay_s = 0\ntimeout_s = 5\n"
        "retries = 0\n"
        '[alerts]\nchannels = ["email", "slack"]\n'
        f'[alerts.email]\nhost = "127.0.0.1"\nport = {smtp_port}\n'
        'recipients = ["analyst@example.org"]\n',
        encoding="utf-8",
    )
    return path


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_only_new_entities_are_stored_and_alerted_once(
    site: Site, db_path: Path, tmp_path: Path, smtp: SmtpServer, hook: SlackWebhook
) -> None:
    known = site.add("/known", article_page(*SEED_FORMS))
    new = site.add("/new", article_page(*NEW_GROUP))
    feed = site.add_feed(
        "/rss.xml",
        rss("Sahel Test Daily", [{"title": SEED_FORMS[0], "link": known},
                                  {"title": NEW_GROUP[0], "link": new}]),
    )
    init = initialise(db_path)
    assert init.baseline_entities_added > 0
    baseline = dict(_rows(db_path, "select name, kind from entities where in_seed_baseline"))
    for town in ("Konna", "Diabaly", "Mopti", "Bamako", "Kidal"):
        assert baseline.get(town) == "town", town
    assert "Mali" not in baseline

    summary = ingest(str(_config(tmp_path, smtp.port)), str(db_path), [feed])

    new_rows = set(
        _rows(db_path, "select kind, subtype, name from entities where not in_seed_baseline")
    )
    assert new_rows == EXPECTED_NEW
    assert summary.entities_new == 3
    # seed entities under other forms were recognised, not created again
    mentioned = {
        entity_id for (entity_id,) in _rows(
            db_path,
            "select distinct m.entity_id from mentions m join articles a using (article_id) "
            "where a.url like '%/known'",
        )
    }
    assert {"actor:francois-hollande", "town:sevare", "actor:laurent-fabius"} <= mentioned
    # the evidence sentence is kept with each mention
    sentence = _rows(
        db_path,
        "select m.sentence from mentions m join entities e using (entity_id) "
        "where e.name = 'Ndiagourou'",
    )[0][0]
    assert "village of Ndiagourou" in sentence

    # one digest per channel, holding the three entities
    assert len(smtp.received) == 1
    plain, html = parts(smtp.received[0].message)
    for _, _, name in EXPECTED_NEW:
        assert name in plain and name in html
    assert smtp.received[0].rcpt_tos == ["analyst@example.org"]
    assert len(hook.accepted) >= 1
    slack_text = " ".join(h.raw for h in hook.accepted)
    assert "Sahel Mujahideen Brigade" in slack_text
    statuses = _rows(db_path, "select channel, status, count(*) from alerts group by all")
    assert sorted(statuses) == [("email", "sent", 3), ("slack", "sent", 3)]

    # a second run over the same feeds finds nothing new and sends nothing
    webhook_posts = len(hook.hits)
    again = ingest(str(_config(tmp_path, smtp.port)), str(db_path), [feed])
    assert again.entities_new == 0 and again.articles_new == 0
    assert len(smtp.received) == 1
    assert len(hook.hits) == webhook_posts
    assert _rows(db_path, "select count(*) from alerts") == [(6,)]
