"""The ingest flow for real: Prefect test harness, HTTP server on 127.0.0.1, DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from corpus import BAMAKO_TALKS_FR, FOOTBALL, GAO_CONVOY, MOPTI_ATTACK
from feedsite import Site, article_page, atom, rss

from flows.ingest import ingest
from flows.run_summary import RunSummary
from flows.setup import initialise

pytestmark = pytest.mark.usefixtures("prefect_harness")

SUMMARY_OF_GAO = (
    "A roadside bomb struck a supply convoy on the road between Gao and Ansongo in northern "
    "Mali on Thursday, wounding four soldiers."
)


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def count(db: Path, sql: str) -> int:
    return rows(db, sql)[0][0]


def publish_standard_site(site: Site) -> tuple[str, str]:
    """An English RSS feed and a French Atom feed with Mali and off-topic items."""
    mopti = site.add("/news/mopti-attack", article_page(*MOPTI_ATTACK, author="Awa Diallo"))
    gao = site.add("/news/gao-convoy", article_page(*GAO_CONVOY))
    football = site.add("/sport/derby", article_page(*FOOTBALL))
    talks = site.add(
        "/fr/bamako-dialogue", article_page(*BAMAKO_TALKS_FR, lang="fr", site_name="Le Test")
    )
    en_feed = site.add_feed(
        "/rss.xml",
        rss(
            "Sahel Test Daily",
            [
                {"title": MOPTI_ATTACK[0], "link": mopti + "?utm_source=rss",
                 "description": "Attack in central Mali.",
                 "pubDate": "Sat, 02 Mar 2024 08:00:00 GMT"},
                {"title": GAO_CONVOY[0], "link": gao, "description": SUMMARY_OF_GAO},
                {"title": FOOTBALL[0], "link": football, "description": "Derby report."},
            ],
        ),
    )
    fr_feed = site.add_feed(
        "/atom.xml",
        atom("Le Test", [{"title": BAMAKO_TALKS_FR[0], "link": talks,
                          "summary": "Reprise du dialogue au Mali."}]),
        content_type="application/atom+xml",
    )
    return en_feed, fr_feed


def test_init_is_idempotent_and_loads_five_cleaned_seeds(db_path: Path) -> None:
    first = initialise(db_path)
    second = initialise(db_path)
    assert (first.seeds_added, second.seeds_added) == (5, 0)
    assert second.migrations_applied == []
    assert count(db_path, "select count(*) from articles where is_seed") == 5
    texts = dict(rows(db_path, "select url, text from articles where is_seed"))
    first_seed = texts["seed:000_d4d8c48c2bb8d081"]
    assert first_seed.startswith("France is to send surveillance drones")
    assert "Page not found" not in first_seed and "newsletter" not in first_seed


def test_run_stores_on_topic_articles_from_rss_and_atom(
    site: Site, db_path: Path, config_file: Path
) -> None:
    en_feed, fr_feed = publish_standard_site(site)
    initialise(db_path)

    summary = ingest(str(config_file), str(db_path), [en_feed, fr_feed])

    assert isinstance(summary, RunSummary)
    assert summary.feeds_polled == 2
    assert summary.entries_seen == 4
    assert summary.articles_new == 3
    assert summary.skipped == 1  # the football match
    # plain data: its JSON form round-trips, and still reads like the old dictionary
    assert RunSummary.from_dict(json.loads(json.dumps(summary.as_dict()))) == summary
    assert summary.articles_new == 3 and summary.failed_feeds == ()
    stored = {
        r[0]: r[1:]
        for r in rows(
            db_path,
            "select title, canonical_url, author, language, published_at, text_origin, source "
            "from articles where not is_seed",
        )
    }
    assert set(stored) == {MOPTI_ATTACK[0], GAO_CONVOY[0], BAMAKO_TALKS_FR[0]}
    canonical, author, language, published, origin, source = stored[MOPTI_ATTACK[0]]
    assert "utm_source" not in canonical
    assert (author, language, origin, source) == ("Awa Diallo", "en", "page", "Sahel Test Daily")
    assert published.year == 2024
    assert stored[BAMAKO_TALKS_FR[0]][2] == "fr"
    text = rows(db_path, f"select text from articles where title = '{GAO_CONVOY[0]}'")[0][0]
    assert text.startswith("A roadside bomb struck")
    assert "Most read" not in text and "All rights reserved" not in text
    assert site.requests_to("/sport/derby") == []  # off topic: never fetched
    assert count(db_path, "select count(*) from seen_entries where decision = 'off_topic'") == 1
    run = rows(db_path, "select status, articles_new, skipped, errors from runs")[0]
    assert run == ("completed", 3, 1, 0)


def test_second_run_uses_conditional_get_and_adds_nothing(
    site: Site, db_path: Path, config_file: Path
) -> None:
    feeds = list(publish_standard_site(site))
    initialise(db_path)
    ingest(str(config_file), str(db_path), feeds)
    site.clear_hits()

    summary = ingest(str(config_file), str(db_path), feeds)

    assert summary.not_modified == 2 and summary.articles_new == 0
    assert [h.status for h in site.requests_to("/rss.xml")] == [304]
    assert "If-None-Match" in site.requests_to("/rss.xml")[0].headers
    assert [h.path for h in site.hits if h.path.startswith(("/news", "/fr"))] == []
    assert count(db_path, "select count(*) from articles where not is_seed") == 3


def test_feed_without_validators_refetched_but_nothing_stored_twice(
    site: Site, db_path: Path, config_file: Path
) -> None:
    feeds = list(publish_standard_site(site))
    site.routes["/rss.xml"].etag = False  # a server that ignores conditional GET
    initialise(db_path)
    ingest(str(config_file), str(db_path), feeds)
    site.clear_hits()

    summary = ingest(str(config_file), str(db_path), feeds)

    assert summary.entries_seen == 3 and summary.articles_new == 0
    assert site.requests_to("/news/mopti-attack") == []
    assert count(db_path, "select count(*) from articles where not is_seed") == 3
    assert count(db_path, "select count(*) from articles") == count(
        db_path, "select count(distinct canonical_url) from articles"
    )


def test_bad_inputs_are_recorded_and_the_run_goes_on(
    site: Site, db_path: Path, config_file: Path
) -> None:
    good = site.add("/news/mopti-attack", article_page(*MOPTI_ATTACK))
    site.add("/news/slow", article_page(*GAO_CONVOY), delay_s=4)
    site.add("/news/report.pdf", b"%PDF-1.7 binary", content_type="application/pdf")
    site.add("/news/empty", "<html><body><nav>Home</nav></body></html>")
    feed = site.add_feed(
        "/rss.xml",
        rss(
            "Mixed",
            [
                {"title": MOPTI_ATTACK[0], "link": good, "description": "Mali attack."},
                {"title": "Mali: slow page", "link": site.url("/news/slow"),
                 "description": SUMMARY_OF_GAO},
                {"title": "Mali: UN report (PDF)", "link": site.url("/news/report.pdf"),
                 "description": "Report on Mali. " + SUMMARY_OF_GAO},
                {"title": "Mali: empty page", "link": site.url("/news/empty"),
                 "description": "Mali."},
                {"title": "Mali: entry without a link", "description": "Mali."},
            ],
        ),
    )
    broken = site.add_feed(
        "/broken.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti<<tle></channel',
        etag=False,
    )
    missing = site.url("/gone.xml")
    failing = site.add("/error.xml", "oops", status=500)

    initialise(db_path)
    summary = ingest(str(config_file), str(db_path), [feed, broken, missing, failing])

    errors = rows(db_path, "select stage, url, error, http_status from fetch_errors")
    by_url = {url: (stage, error, status) for stage, url, error, status in errors}
    assert by_url[missing][0] == "feed" and by_url[missing][2] == 404
    assert by_url[failing][0] == "feed" and by_url[failing][2] == 500
    assert by_url[broken][0] == "feed" and "not a readable RSS/Atom feed" in by_url[broken][1]
    assert by_url[site.url("/news/slow")][0] == "page"
    assert "content type" in by_url[site.url("/news/report.pdf")][1]
    assert by_url[site.url("/news/empty")][0] == "extract"
    assert any(stage == "entry" and "no link" in error for stage, _, error, _ in errors)
    assert summary.errors == len(errors)
    # the slow page and the PDF fall back to their feed summaries; the empty page has no text
    origins = dict(rows(db_path, "select url, text_origin from articles where not is_seed"))
    assert origins[good] == "page"
    assert origins[site.url("/news/slow")] == "summary"
    assert origins[site.url("/news/report.pdf")] == "summary"
    assert site.url("/news/empty") not in origins
    assert rows(db_path, "select status from runs") == [("completed",)]


def test_each_run_publishes_its_summary_as_a_prefect_artifact(
    site: Site, db_path: Path, config_file: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    from flows.serve import read_summary_artifact

    feeds = list(publish_standard_site(site))
    initialise(db_path)
    summary = ingest(str(config_file), str(db_path), feeds)

    markdown = read_summary_artifact(PREFECT_API_URL.value(), summary.flow_run_id)
    assert markdown is not None
    assert f"`{summary.run_id}`" in markdown
    assert "| new articles | 3 |" in markdown and "| new entities |" in markdown
