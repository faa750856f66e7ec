"""Pages that fail are tried again by later runs, thin articles are upgraded, and entries
with neither page nor summary give up after the cap (issue 15). Real runs on 127.0.0.1;
the warehouse is checked after each: nothing stored twice, no alert twice, every failure
recorded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from corpus import GAO_CONVOY, MOPTI_ATTACK, NEW_GROUP
from feedsite import Site, article_page, rss

from extractors.errors import ExtractionError, FetchError
from extractors.models import FeedEntry
from extractors.retry_queue import (
    GAVE_UP,
    RETRYING,
    interleave_by_host,
    is_permanent,
    next_state,
    runs_to_wait,
)
from flows.ingest import ingest
from flows.run_summary import RunSummary
from flows.setup import initialise

pytestmark = pytest.mark.usefixtures("prefect_harness")

LONG_SUMMARY = (
    "Gunmen from the Sahel Mujahideen Brigade attacked the village of Ndiagourou in central "
    "Mali on Tuesday, killing at least 12 civilians, local officials said."
)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("retries") / "seeded.duckdb"
    initialise(path, extract_entities=False)  # the seeds only: no NER at setup
    return path


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(seeded, path)
    wal = seeded.with_name(seeded.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, path.with_name(path.name + ".wal"))
    return path


def config(tmp_path: Path, page_retries: int = 5, entities: bool = False) -> str:
    """Alerts queued for Slack (not delivered: runs pass deliver_alerts=False); entity
    extraction only where a test needs it (it costs the NER models)."""
    path = tmp_path / "retries.toml"
    path.write_text(
        "[fetch]\nallow_private_addresses = true\nper_host_delay_s = 0\ntimeout_s = 1\n"
        f"retries = 0\nretry_delay_s = 0\nbatch_size = 2\npage_retries = {page_retries}\n"
        '[alerts]\nchannels = ["slack"]\n'
        f"[entities]\nenabled = {'true' if entities else 'false'}\n",
        encoding="utf-8",
    )
    return str(path)


def rows(db: Path, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def run(cfg: str, db: Path, feed: str) -> RunSummary:
    return ingest(cfg, str(db), [feed], deliver_alerts=False)


def assert_consistent(db: Path) -> None:
    """Nothing stored twice, each entry decided once, one alert per entity and channel,
    and every run's error count matching its fetch_errors rows."""
    assert rows(db, "select count(*) - count(distinct canonical_url) from articles") == [(0,)]
    assert rows(db, "select count(*) - count(distinct canonical_url) from seen_entries") == [(0,)]
    assert rows(db, "select count(*) from (select entity_id, channel from alerts "
                    "group by all having count(*) > 1)") == [(0,)]
    assert rows(db, "select count(*) from runs r where errors <> (select count(*) from "
                    "fetch_errors e where e.run_id = r.run_id)") == [(0,)]


def hits(site: Site, path: str) -> int:
    return len(site.requests_to(path))


# --- pure parts --------------------------------------------------------------------------


def test_backoff_cap_and_kinds_of_failure() -> None:
    assert [runs_to_wait(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 16, 16]
    assert next_state(1, permanent=False, page_retries=2) == RETRYING
    assert next_state(3, permanent=False, page_retries=2) == GAVE_UP  # first try + 2
    assert next_state(1, permanent=True, page_retries=5) == GAVE_UP
    assert next_state(1, permanent=False, page_retries=0) == GAVE_UP
    assert not is_permanent(FetchError("x", url="u", status=503))
    assert not is_permanent(FetchError("x", url="u", status=429))
    assert not is_permanent(FetchError("x", url="u"))  # timeout, reset
    assert not is_permanent(FetchError("x", url="u", unresolved=True))  # a later run may
    assert is_permanent(FetchError("x", url="u", status=404))
    assert is_permanent(FetchError("x", url="u", status=410))
    assert is_permanent(FetchError("x", url="u", refused=True))  # not HTML, too big ...
    assert is_permanent(ExtractionError("x", url="u"))


def test_entries_are_interleaved_round_robin_by_host() -> None:
    def e(url: str) -> FeedEntry:
        return FeedEntry("f", url, "t", "s")

    entries = [e("https://slow.example/1"), e("https://slow.example/2"),
               e("https://slow.example/3"), e("https://a.example/1"),
               e("https://b.example/1"), e("https://a.example/2")]
    assert [x.url for x in interleave_by_host(entries)] == [
        "https://slow.example/1", "https://a.example/1", "https://b.example/1",
        "https://slow.example/2", "https://a.example/2", "https://slow.example/3",
    ]
    assert interleave_by_host([]) == []


# --- through the flow ---------------------------------------------------------------------


def test_summary_article_is_upgraded_when_its_page_comes_back(
    site: Site, db: Path, tmp_path: Path
) -> None:
    page = site.add("/news/village", article_page(*NEW_GROUP), status=503)
    other = site.add("/news/mopti", article_page(*MOPTI_ATTACK))
    feed = site.add_feed("/rss.xml", rss("Sahel", [
        {"title": NEW_GROUP[0], "link": page, "description": LONG_SUMMARY},
        {"title": MOPTI_ATTACK[0], "link": other, "description": "Attack in central Mali."},
    ]))
    cfg = config(tmp_path, entities=True)

    first = run(cfg, db, feed)
    assert first.articles_new == 2
    ((article_id, origin, hash_1, text_1),) = rows(
        db, "select article_id, text_origin, content_hash, text from articles where url = ?",
        [page])
    assert origin == "summary" and "Ndiagourou" in text_1
    assert rows(db, "select stage, http_status from fetch_errors where url = ?", [page]) == [
        ("page", 503)]
    assert rows(db, "select state, attempts, text_origin, last_status from page_attempts") == [
        ("retrying", 1, "summary", 503)]
    alerted_1 = set(rows(db, "select entity_id from alerts"))
    tokens_1 = rows(db, "select token_count from article_signatures where article_id = ?",
                    [article_id])[0][0]
    assert_consistent(db)

    # -- the page is back; the feed answers 304, the retry comes from the warehouse
    site.routes["/news/village"].status = 200
    site.clear_hits()
    second = run(cfg, db, feed)

    assert second.not_modified == 1 and second.pages_retried == 1
    assert second.upgraded == 1 and second.articles_new == 0
    assert hits(site, "/news/village") == 1 and hits(site, "/news/mopti") == 0
    ((origin, hash_2, text_2),) = rows(
        db, "select text_origin, content_hash, text from articles where url = ?", [page])
    assert origin == "page" and hash_2 != hash_1 and "Oumarou Sangaré" in text_2
    tokens_2 = rows(db, "select token_count from article_signatures where article_id = ?",
                    [article_id])[0][0]
    assert tokens_2 > tokens_1  # the signature is the page's now
    assert rows(db, "select state, attempts, text_origin from page_attempts") == [
        ("done", 2, "page")]
    mentioned = {r[0] for r in rows(db, "select surface from mentions where article_id = ?",
                                    [article_id])}
    assert any("Sangaré" in m for m in mentioned)
    # entities known from the summary are not new: their alerts were not queued again
    alerted_2 = set(rows(db, "select entity_id from alerts"))
    assert alerted_1 <= alerted_2
    assert rows(db, "select count(*) from alerts a join entities e using (entity_id) "
                    "where a.entity_id in (select unnest(?)) and e.first_run_id <> "
                    "(select run_id from articles where article_id = ?)",
                [[e for (e,) in alerted_1], article_id]) == [(0,)]
    assert rows(db, "select decision from seen_entries where url = ?", [page]) == [("stored",)]
    assert_consistent(db)

    # -- and never again
    site.clear_hits()
    third = run(cfg, db, feed)
    assert third.pages_retried == 0 and hits(site, "/news/village") == 0
    assert rows(db, "select count(*) from articles where not is_seed") == [(2,)]
    assert_consistent(db)


def test_page_without_summary_backs_off_then_gives_up_and_is_recorded(
    site: Site, db: Path, tmp_path: Path
) -> None:
    page = site.add("/news/busy", article_page(*GAO_CONVOY), status=503)
    doubtful = site.add("/news/doubt", article_page(*GAO_CONVOY), status=500)
    feed = site.add_feed("/rss.xml", rss("Sahel", [
        {"title": "Mali: convoy hit", "link": page, "description": "Mali."},
        # in doubt (Gao alone is a weak signal): its page must decide, and it keeps failing
        {"title": "Convoy hit near Gao", "link": doubtful, "description": "Four wounded."},
    ]))
    cfg = config(tmp_path, page_retries=2)

    tries = []
    for _ in range(5):
        site.clear_hits()
        run(cfg, db, feed)
        tries.append((hits(site, "/news/busy"), hits(site, "/news/doubt")))
        assert_consistent(db)

    # runs 1, 2 and 4 (after waiting 1 run, then 2): the first try and 2 retries, no more
    assert tries == [(1, 1), (1, 1), (0, 0), (1, 1), (0, 0)]
    # the feed's validators advanced anyway (the queue is in the warehouse)
    assert [h.status for h in site.requests_to("/rss.xml")] == [304]
    states = {r[0]: r[1:] for r in rows(
        db, "select url, state, attempts, last_status from page_attempts")}
    assert states == {page: ("gave_up", 3, 503), doubtful: ("gave_up", 3, 500)}
    decisions = {r[0]: r[1:] for r in rows(
        db, "select url, decision, reason from seen_entries where url in (?, ?)",
        [page, doubtful])}
    assert decisions[page][0] == "gave_up"
    assert "summary is too short; gave up after 3 tries" in decisions[page][1]
    assert decisions[doubtful][0] == "gave_up"
    assert decisions[doubtful][1].startswith("in doubt")
    for url, status in ((page, 503), (doubtful, 500)):
        assert rows(db, "select count(*) from fetch_errors where url = ? and stage = 'page' "
                        "and http_status = ?", [url, status]) == [(3,)]
        notes = [e for (e,) in rows(db, "select error from fetch_errors where url = ? "
                                        "and stage = 'extract' order by occurred_at", [url])]
        assert len(notes) == 3 and "will retry next run" in notes[0]
        assert "gave up after 3 tries" in notes[-1]
    assert rows(db, "select count(*) from articles where not is_seed") == [(0,)]


def test_permanent_failures_are_not_retried(site: Site, db: Path, tmp_path: Path) -> None:
    gone_with_summary = site.add("/news/404", "no", status=404)
    gone = site.add("/news/410", "no", status=410)
    pdf = site.add("/news/report.pdf", b"%PDF-1.7", content_type="application/pdf")
    later = site.add("/news/429", "no", status=429, headers={"Retry-After": "3600"})
    feed = site.add_feed("/rss.xml", rss("Sahel", [
        {"title": NEW_GROUP[0], "link": gone_with_summary, "description": LONG_SUMMARY},
        {"title": "Mali: gone", "link": gone, "description": "Mali."},
        {"title": "Mali: UN report (PDF)", "link": pdf, "description": "Mali."},
        {"title": "Mali: rate limited", "link": later, "description": "Mali."},
    ]))
    cfg = config(tmp_path)

    first = run(cfg, db, feed)
    assert first.articles_new == 1 and first.gave_up == 2
    states = {r[0]: r[1:] for r in rows(db, "select url, state, text_origin from page_attempts")}
    assert states == {
        gone_with_summary: ("gave_up", "summary"),  # stored from its summary, for good
        gone: ("gave_up", None), pdf: ("gave_up", None),
        later: ("retrying", None),  # 429: may pass, but not before its Retry-After
    }
    assert dict(rows(db, "select url, decision from seen_entries where url <> ?", [feed])) == {
        gone_with_summary: "stored", gone: "gave_up", pdf: "gave_up"}
    assert_consistent(db)

    site.clear_hits()
    second = run(cfg, db, feed)
    assert second.pages_retried == 0
    assert [h.path for h in site.hits if h.path.startswith("/news")] == []
    assert_consistent(db)


def test_page_that_recovers_is_stored_once_from_the_page(
    site: Site, db: Path, tmp_path: Path
) -> None:
    page = site.add("/news/gao", article_page(*GAO_CONVOY), delay_s=1.5)  # times out
    feed = site.add_feed("/rss.xml", rss("Sahel", [
        {"title": GAO_CONVOY[0] + " in Mali", "link": page, "description": "Mali."},
    ]))
    site.routes["/rss.xml"].etag = False  # the entry is listed again: still fetched once a run
    cfg = config(tmp_path)

    first = run(cfg, db, feed)
    assert first.articles_new == 0
    assert rows(db, "select state, attempts, last_status from page_attempts") == [
        ("retrying", 1, None)]
    assert rows(db, "select count(*) from seen_entries where url = ?", [page]) == [(0,)]

    site.routes["/news/gao"].delay_s = 0
    site.clear_hits()
    second = run(cfg, db, feed)
    assert second.articles_new == 1 and hits(site, "/news/gao") == 1
    assert rows(db, "select text_origin from articles where url = ?", [page]) == [("page",)]
    assert rows(db, "select state, attempts, text_origin from page_attempts") == [
        ("done", 2, "page")]
    assert rows(db, "select decision from seen_entries where url = ?", [page]) == [("stored",)]
    assert_consistent(db)

    site.clear_hits()
    run(cfg, db, feed)
    assert hits(site, "/news/gao") == 0
    assert rows(db, "select count(*) from articles where not is_seed") == [(1,)]


def test_an_upgraded_text_is_deduplicated_against_the_warehouse(
    site: Site, db: Path, tmp_path: Path
) -> None:
    original = site.add("/news/mopti", article_page(*MOPTI_ATTACK))
    reprint = site.add("/wire/mopti", article_page(*MOPTI_ATTACK), status=502)
    feed = site.add_feed("/rss.xml", rss("Sahel", [
        {"title": MOPTI_ATTACK[0], "link": original, "description": "Attack in Mali."},
        {"title": MOPTI_ATTACK[0] + " (wire)", "link": reprint,
         "description": MOPTI_ATTACK[1][0]},
    ]))
    cfg = config(tmp_path)
    run(cfg, db, feed)
    ids = dict(rows(db, "select url, article_id from articles where not is_seed"))
    assert rows(db, "select duplicate_of from articles where url = ?", [reprint]) == [(None,)]

    site.routes["/wire/mopti"].status = 200
    second = run(cfg, db, feed)

    assert second.upgraded == 1
    ((origin, duplicate_of, similarity),) = rows(
        db, "select text_origin, duplicate_of, similarity from articles where url = ?", [reprint])
    assert (origin, duplicate_of) == ("page", ids[original]) and similarity > 0.8
    assert rows(db, "select copy_id from story_copies") == [(ids[reprint],)]
    assert_consistent(db)
