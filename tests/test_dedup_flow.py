"""Duplicates through the real ingest flow: `init`, then runs against feeds and pages served
on 127.0.0.1, under Prefect's test harness, into a DuckDB file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from feedsite import Site, article_page, rss
from test_dedup import (
    SAME_EVENT_PAIRS,
    SHORT_SUMMARIES,
    edit_words,
    frame_blog,
    frame_portal,
    paragraphs,
    seed_articles,
    wire_dressing,
)

from flows.ingest import ingest
from flows.setup import initialise

pytestmark = pytest.mark.usefixtures("prefect_harness")

# New headlines a reprinting site gives the five seed stories.
REPRINT_HEADLINES = [
    "Paris to deploy surveillance drones as militants pour into northern Mali",
    "French forces land in Mali while Washington weighs drone strikes",
    "Paris looks for partners as its Mali campaign enters a fourth day",
    "French jets and helicopters go into action against Mali's jihadists",
    "France asks its allies for combat troops as the Mali war widens",
]


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def count(db: Path, sql: str) -> int:
    return int(rows(db, sql)[0][0])


def test_reprints_of_the_seeds_are_copies_of_their_seed(
    site: Site, db_path: Path, config_file: Path
) -> None:
    seeds = seed_articles()
    items, expected = [], {}
    for i, (seed, headline) in enumerate(zip(seeds, REPRINT_HEADLINES, strict=True)):
        frame = frame_portal if i % 2 else frame_blog
        text = wire_dressing(edit_words(paragraphs(seed.text), 5, seed=i))
        url = site.add(f"/world/africa/{i}-reprint", frame(headline, text))
        items.append({"title": headline, "link": url, "description": f"Mali: {headline}."})
        expected[url] = seed.article_id
    feed = site.add_feed("/rss.xml", rss("Sahel Wire Portal", items))
    initialise(db_path)
    signed_at = rows(db_path, "select article_id, computed_at from article_signatures")

    summary = ingest(str(config_file), str(db_path), [feed])

    assert (summary.articles_new, summary.duplicates) == (0, 5)
    stored = rows(db_path, "select url, duplicate_of, similarity, text_origin from articles "
                           "where not is_seed")
    assert {url: of for url, of, _, _ in stored} == expected
    assert all(origin == "page" and 0.75 <= similarity < 1.0
               for _, _, similarity, origin in stored)
    assert count(db_path, "select count(*) from articles where is_seed and "
                          "duplicate_of is not null") == 0  # seeds are not copies of each other
    assert count(db_path, "select count(*) from story_copies where original_is_seed "
                          "and match = 'near'") == 5
    assert rows(db_path, "select duplicates from runs") == [(5,)]
    # the run read the seeds' stored signatures; it did not recompute them
    assert set(signed_at) <= set(rows(db_path, "select article_id, computed_at "
                                               "from article_signatures"))
    assert count(db_path, "select count(*) from article_signatures") == 10


def publish_story_and_copies(site: Site) -> tuple[list[str], dict[str, str]]:
    """One story under a tracking-parameter link, an exact copy on an AMP path and a lightly
    edited copy on a partner site's path: three URLs, two canonical forms that differ."""
    title, text = "Malian army enters Kidal", SAME_EVENT_PAIRS[0][0]
    original = site.add("/news/kidal-army", article_page(title, paragraphs(text)))
    amp = site.add("/amp-stories/kidal-army", article_page(title, paragraphs(text)))
    edited = wire_dressing(edit_words(paragraphs(text), 4, seed=1))
    partner = site.add("/partners/wire/2024/kidal",
                       frame_portal("Mali's soldiers retake the rebel town of Kidal", edited))
    first = site.add_feed("/rss.xml", rss("Sahel Test Daily", [
        {"title": title, "link": original + "?utm_source=rss&utm_medium=feed&at_xtor=1",
         "description": "The army of Mali enters Kidal."},
        {"title": "Mali's soldiers retake the rebel town of Kidal", "link": partner,
         "description": "Kidal, Mali: the army takes control."},
    ]), etag=False)
    second = site.add_feed("/feeds/mobile.xml", rss("Sahel Test Daily mobile", [
        {"title": title, "link": original, "description": "The army of Mali enters Kidal."},
        {"title": title, "link": amp, "description": "The army of Mali enters Kidal."},
    ]), etag=False)
    return [first, second], {"original": original, "amp": amp, "partner": partner}


def test_tracking_amp_and_edited_copies_make_one_original_with_two_copies(
    site: Site, db_path: Path, config_file: Path
) -> None:
    feeds, urls = publish_story_and_copies(site)
    initialise(db_path)

    summary = ingest(str(config_file), str(db_path), feeds)

    assert (summary.articles_new, summary.duplicates) == (1, 2)
    assert len(site.requests_to("/news/kidal-army")) == 1  # tracking link and plain link: one
    copies = rows(db_path, "select original_url, copy_url, match, similarity, copies "
                           "from story_copies order by copy_url")
    original = urls["original"] + "?utm_source=rss&utm_medium=feed&at_xtor=1"
    assert [(o, c, m) for o, c, m, _, _ in copies] == [
        (original, urls["amp"], "exact"),
        (original, urls["partner"], "near"),
    ]
    assert copies[0][3] == 1.0 and 0.75 <= copies[1][3] < 1.0 and copies[0][4] == 2


def test_a_second_run_over_the_same_feeds_adds_no_copies(
    site: Site, db_path: Path, config_file: Path
) -> None:
    feeds, _ = publish_story_and_copies(site)  # no ETag: every entry is seen again
    initialise(db_path)
    ingest(str(config_file), str(db_path), feeds)
    before = [count(db_path, f"select count(*) from {t}")
              for t in ("articles", "story_copies", "article_signatures")]
    site.clear_hits()

    summary = ingest(str(config_file), str(db_path), feeds)

    assert summary.entries_seen == 4
    assert (summary.articles_new, summary.duplicates) == (0, 0)
    assert [h.path for h in site.hits if not h.path.endswith(".xml")] == []
    assert [count(db_path, f"select count(*) from {t}")
            for t in ("articles", "story_copies", "article_signatures")] == before == [8, 2, 8]


def test_reports_of_one_event_and_short_summaries_are_not_copies(
    site: Site, db_path: Path, config_file: Path
) -> None:
    items = []
    for i, pair in enumerate(SAME_EVENT_PAIRS):
        for side, text in enumerate(pair):
            title = f"Mali report {i}{'ab'[side]}"
            url = site.add(f"/news/{i}/{side}", article_page(title, paragraphs(text)))
            items.append({"title": title, "link": url, "description": "Mali."})
    for i, pair in enumerate(SHORT_SUMMARIES):
        for side, summary in enumerate(pair):  # no page: stored from the feed summary
            items.append({"title": f"Mali brief {i}{'ab'[side]}",
                          "link": site.url(f"/briefs/{i}/{side}"), "description": summary})
    feed = site.add_feed("/rss.xml", rss("Sahel Test Daily", items))
    initialise(db_path)

    summary = ingest(str(config_file), str(db_path), [feed])

    assert (summary.articles_new, summary.duplicates) == (10, 0)
    origins = rows(db_path, "select text_origin, count(*) from articles where not is_seed "
                            "group by all order by 1")
    assert origins == [("page", 6), ("summary", 4)]
    assert count(db_path, "select count(*) from story_copies") == 0
