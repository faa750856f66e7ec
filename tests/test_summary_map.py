"""The run summary's pictures (`ingest-summary` artifact): the towns named in one run's
articles on a map and the 30-day timeline, read from a real warehouse (seeds loaded by
`initialise`, no NER) and appended to the markdown as PNG `data:` images, which the plain
text of `trigger --wait` leaves out."""

from __future__ import annotations

import base64
import re
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.output import markdown_as_text, summary_images, summary_markdown
from flows.run_summary import RunSummary
from flows.setup import initialise
from warehouse.connection import opened
from warehouse.report_queries import read_run_map

NOW = datetime.now(UTC).replace(microsecond=0)
RUN, EARLIER = "run-today", "run-before"
IMAGE = re.compile(r"^!\[([^\]]+)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)$", re.M)


def _article(con: Any, article_id: str, run_id: str, days_ago: int) -> None:
    fetched = NOW - timedelta(days=days_ago, hours=1)
    url = f"https://news.example.org/{article_id}"
    con.execute(
        "INSERT INTO articles (article_id, url, canonical_url, feed_url, source, title, "
        "published_at, fetched_at, language, text, content_hash, is_seed, run_id, "
        "text_origin) VALUES (?, ?, ?, 'https://news.example.org/rss', 'Sahel Dispatch', ?, "
        "?, ?, 'en', 'text', ?, false, ?, 'page')",
        [article_id, url, url, f"title {article_id}", fetched - timedelta(hours=2), fetched,
         f"hash-{article_id}", run_id],
    )


def _town(con: Any, entity_id: str, name: str, article_id: str | None, run_id: str | None,
          *, lat: float | None = None, lon: float | None = None,
          baseline: bool = False) -> None:
    con.execute(
        "INSERT INTO entities (entity_id, kind, subtype, name, first_seen_at, "
        "first_article_id, in_seed_baseline, latitude, longitude, country_code, first_run_id) "
        "VALUES (?, 'town', 'town', ?, ?, ?, ?, ?, ?, 'ML', ?)",
        [entity_id, name, NOW - timedelta(days=40 if baseline else 1), article_id, baseline,
         lat, lon, run_id],
    )


def _mention(con: Any, article_id: str, entity_id: str, name: str) -> None:
    con.execute("INSERT INTO mentions VALUES (?, ?, ?, ?, ?)",
                [article_id, entity_id, name, f"Troops reached {name}.", 15])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("summary-map") / "mali-monitor.duckdb"
    initialise(db, extract_entities=False)
    with opened(db) as con:
        _article(con, "old", EARLIER, days_ago=45)  # outside the 30 days
        _article(con, "b1", EARLIER, days_ago=3)
        _article(con, "r1", RUN, days_ago=0)
        _article(con, "r2", RUN, days_ago=0)
        _town(con, "t-mopti", "Mopti", None, None, lat=14.4843, lon=-4.18296, baseline=True)
        _town(con, "t-gao", "Gao", "b1", EARLIER, lat=16.27167, lon=-0.04472)
        _town(con, "t-menaka", "Ménaka", "r1", RUN, lat=15.91985, lon=2.39609)
        _town(con, "t-boulkessi", "Boulkessi", "r2", RUN)  # no coordinates
        _mention(con, "b1", "t-gao", "Gao")  # an earlier run's town: not on this run's map
        _mention(con, "r1", "t-menaka", "Ménaka")
        _mention(con, "r2", "t-menaka", "Ménaka")
        _mention(con, "r1", "t-mopti", "Mopti")
        _mention(con, "r2", "t-boulkessi", "Boulkessi")
    return db


def _summary() -> RunSummary:
    return RunSummary.from_dict(
        {"run_id": RUN, "feeds_polled": 1, "not_modified": 0, "entries_seen": 2,
         "articles_new": 2, "duplicates": 0, "skipped": 0, "errors": 0,
         "entities_new": 2, "alerts": {"sent": 1, "failed": 0, "capped": 0}}
    )


def test_the_run_map_holds_the_towns_of_the_run_and_the_last_30_days(warehouse: Path) -> None:
    with opened(warehouse, create=False, read_only=True) as con:
        data = read_run_map(con, RUN, NOW)
    towns = {t.name: t for t in data.towns}
    assert set(towns) == {"Ménaka", "Mopti", "Boulkessi"}  # not Gao: an earlier run's
    assert towns["Ménaka"].is_new and towns["Ménaka"].articles == 2
    assert towns["Ménaka"].latitude == pytest.approx(15.91985)
    assert not towns["Mopti"].is_new  # the seed baseline
    assert towns["Boulkessi"].is_new and towns["Boulkessi"].latitude is None
    assert data.towns[0].name == "Ménaka"  # new and most named first
    days = {d.day: d for d in data.days}
    assert min(days) >= (NOW - timedelta(days=31)).date()  # not the 45-day-old article
    assert sum(d.articles for d in data.days) == 3
    assert sum(d.new_towns for d in data.days) == 3  # Gao, Ménaka, Boulkessi


def test_the_summary_carries_the_map_and_timeline_and_its_text_is_unchanged(
    warehouse: Path,
) -> None:
    with opened(warehouse, create=False, read_only=True) as con:
        data = read_run_map(con, RUN, NOW)
    text_part = summary_markdown(_summary())
    images = summary_images(data)
    markdown = text_part + images
    assert markdown.startswith(text_part)
    found = IMAGE.findall(images)
    assert [alt for alt, _ in found] == [
        "Towns named in this run", "Articles, new actors and new towns per day, last 30 days"
    ]
    for _, encoded in found:
        png = base64.b64decode(encoded, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        assert width == 600 and 200 < height < 700
        assert len(png) < 150_000
    # `trigger --wait` prints the same text as before: no image, no base64
    assert markdown_as_text(markdown) == markdown_as_text(text_part)
    assert "base64" not in markdown_as_text(markdown)
    assert "new articles" in markdown_as_text(markdown)


def test_no_picture_when_no_town_of_the_run_has_coordinates(warehouse: Path) -> None:
    with opened(warehouse, create=False, read_only=True) as con:
        assert summary_images(read_run_map(con, EARLIER, NOW)) != ""  # Gao: on the map
        assert read_run_map(con, "no-such-run", NOW).towns == []
        assert summary_images(read_run_map(con, "no-such-run", NOW)) == ""
        without = read_run_map(con, RUN, NOW)
    only_unplaced = [t for t in without.towns if t.latitude is None]
    assert [t.name for t in only_unplaced] == ["Boulkessi"]
    assert summary_images(type(without)(RUN, only_unplaced, without.days)) == ""
