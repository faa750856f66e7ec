"""Hostile feed entries: no link, no title, script and file links, relative links, the same
GUID or link twice in one feed and across two feeds. One flow run."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import BAMAKO_TALKS_FR, GAO_CONVOY, MOPTI_ATTACK
from feedsite import article_page, atom, rss

from flows.ingest import ingest

from .hostile_server import HostileServer, respond
from .support import assert_nothing_stored_twice, rows, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")

RSS = "application/rss+xml; charset=utf-8"
LONG_SUMMARY = (
    "Armed men attacked a village in central Mali's Mopti region on Saturday, local "
    "officials said."
)


def test_hostile_entries_are_skipped_with_a_reason_and_duplicates_stored_once(
    hostile: HostileServer, warehouse: Path, write_config
) -> None:
    untitled = hostile.route("/e/untitled", respond(200, article_page(*MOPTI_ATTACK)))
    hostile.route("/e/relative", respond(200, article_page(*GAO_CONVOY)))
    talks = article_page(*BAMAKO_TALKS_FR, lang="fr", site_name="Le Test")
    dup = hostile.route("/e/dup", respond(200, talks))
    dup_copy = hostile.route("/e/dup-copy", respond(200, talks))  # same story, other URL
    feed_1 = hostile.route("/e/feed1.xml", respond(200, rss("Entries", [
        {"title": "Mali: an entry without a link", "description": LONG_SUMMARY},
        {"link": untitled, "description": LONG_SUMMARY},  # no title
        {"title": "Mali: a script link", "link": "javascript:alert(document.cookie)",
         "description": LONG_SUMMARY},
        {"title": "Mali: a file link", "link": "file:///etc/passwd",
         "description": LONG_SUMMARY},
        {"title": GAO_CONVOY[0], "link": "/e/relative", "description": LONG_SUMMARY},
        {"title": BAMAKO_TALKS_FR[0], "link": dup, "guid": "urn:story:1",
         "description": "Reprise du dialogue au Mali."},
        {"title": BAMAKO_TALKS_FR[0], "link": dup + "?utm_source=rss", "guid": "urn:story:1",
         "description": "Reprise du dialogue au Mali."},
    ]), content_type=RSS))
    feed_2 = hostile.route("/e/feed2.atom", respond(200, atom("Other", [
        {"title": BAMAKO_TALKS_FR[0], "link": dup, "summary": "Dialogue au Mali."},
        {"title": "Bamako : le dialogue reprend", "link": dup_copy, "id": "urn:story:1",
         "summary": "Dialogue au Mali."},
    ]), content_type="application/atom+xml"))

    summary = ingest(str(write_config()), str(warehouse), [feed_1, feed_2])

    entry_errors = {
        error: (url, status, feed)
        for url, error, status, feed in rows(
            warehouse, "select url, error, http_status, feed_url from fetch_errors "
            "where stage = 'entry'",
        )
    }
    assert entry_errors == {
        "entry 'Mali: an entry without a link' has no link; skipped": (None, None, feed_1),
        "entry 'Mali: a script link' has a non-http link 'javascript:alert(document.cookie)'; "
        "skipped": ("javascript:alert(document.cookie)", None, feed_1),
        # feedparser writes file:///etc/passwd as file://etc/passwd; never fetched either way
        "entry 'Mali: a file link' has a non-http link 'file://etc/passwd'; skipped": (
            "file://etc/passwd", None, feed_1),
    }
    assert scalar(warehouse, "select count(*) from fetch_errors") == 3

    stored = {
        url: (title, duplicate_of)
        for url, title, duplicate_of in rows(
            warehouse, "select url, title, duplicate_of from articles where not is_seed"
        )
    }
    assert set(stored) == {untitled, hostile.url("/e/relative"), dup, dup_copy}
    assert MOPTI_ATTACK[0] in stored[untitled][0]  # the title came from the page
    dup_id = scalar(warehouse, "select article_id from articles where url = ?", [dup])
    assert stored[dup] == (BAMAKO_TALKS_FR[0], None)
    assert stored[dup_copy][1] == dup_id  # the same story under another URL: a copy
    # Each page fetched once, whatever the number of entries pointing at it.
    assert {p: hostile.count(p) for p in ("/e/untitled", "/e/relative", "/e/dup",
                                          "/e/dup-copy")} == dict.fromkeys(
        ("/e/untitled", "/e/relative", "/e/dup", "/e/dup-copy"), 1)
    assert rows(warehouse, "select status, feeds_polled, entries_seen, articles_new, "
                "duplicates, errors from runs") == [("completed", 2, 6, 3, 1, 3)]
    assert summary.articles_new == 3 and summary.duplicates == 1
    assert_nothing_stored_twice(warehouse)
