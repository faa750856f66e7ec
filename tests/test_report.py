"""`mali-monitor report`: a real warehouse (seeds loaded by `initialise`, then a few articles,
new towns and actors with coordinates and mentions, a reprinted story and two feeds), the
page written through the command line, and opened in headless Chromium.

Checked: the page rendered (the map's colours are on the screenshot), it holds the map and
timeline as inline SVG, hostile text from the warehouse is escaped, only http(s) article
links are links, and nothing in it points outside the file (Chromium's network log holds no
http(s) request).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from alerts.charts import countries, map_svg
from flows.cli import main as cli_main
from flows.report import render_report, safe_href
from flows.setup import initialise
from warehouse.connection import opened
from warehouse.publish import publish_read_copy
from warehouse.report_queries import TownPoint, read_report_data

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists()
                                        else None)
NOW = datetime.now(UTC).replace(microsecond=0)
HOSTILE_TITLE = '<script>alert("title")</script> Ménaka & "friends"'
HOSTILE_SENTENCE = 'Fighters <img src=x onerror=alert(1)> entered Ménaka at dawn.'
# Chromium's own services (clock sync, component updates), which it calls whatever the page;
# a request the page made would go elsewhere (fonts, tiles, scripts, the article links).
CHROMIUM_SERVICES = ("clients2.google.com", "update.googleapis.com", "redirector.gvt1.com",
                     "edgedl.me.gvt1.com", "optimizationguide-pa.googleapis.com",
                     "safebrowsingohttpgateway.googleapis.com", "accounts.google.com")
MALI_FILL = (0xF6, 0xE7, 0xC1)  # alerts.charts.FILL["focus"]
NEW_TOWN_RED = (0xC0, 0x39, 0x2B)  # alerts.charts.NEW_TOWN


def _article(con: Any, article_id: str, url: str, title: str, *, source: str, days_ago: int,
             feed: str, duplicate_of: str | None = None) -> None:
    fetched = NOW - timedelta(days=days_ago, hours=1)
    con.execute(
        "INSERT INTO articles (article_id, url, canonical_url, feed_url, source, title, "
        "published_at, fetched_at, language, text, content_hash, is_seed, duplicate_of, "
        "similarity, text_origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'en', 'text', ?, false, ?, ?, "
        "'page')",
        [article_id, url, url, feed, source, title, fetched - timedelta(hours=3), fetched,
         f"hash-{article_id}", duplicate_of, 0.9 if duplicate_of else None],
    )


def _entity(con: Any, entity_id: str, kind: str, name: str, article_id: str | None, *,
            baseline: bool = False, lat: float | None = None, lon: float | None = None,
            subtype: str | None = None, days_ago: int = 1) -> None:
    con.execute(
        "INSERT INTO entities (entity_id, kind, subtype, name, first_seen_at, "
        "first_article_id, in_seed_baseline, latitude, longitude, country_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [entity_id, kind, subtype, name, NOW - timedelta(days=40 if baseline else days_ago),
         article_id, baseline, lat, lon, "ML" if lat is not None else None],
    )


def _mention(con: Any, article_id: str, entity_id: str, surface: str, sentence: str,
             start: int = 0) -> None:
    con.execute("INSERT INTO mentions VALUES (?, ?, ?, ?, ?)",
                [article_id, entity_id, surface, sentence, start])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds (no NER: fast), then three days of news with new and known towns and actors."""
    db = tmp_path_factory.mktemp("report") / "mali-monitor.duckdb"
    initialise(db, extract_entities=False)
    feed_a, feed_b = "https://feeds.example.org/sahel.rss", "http://127.0.0.1:9/failing.rss"
    with opened(db) as con:
        _article(con, "a1", "https://news.example.org/menaka", HOSTILE_TITLE,
                 source="Sahel Dispatch", days_ago=3, feed=feed_a)
        _article(con, "a2", "javascript:alert(document.cookie)", "A link that is no link",
                 source="Evil <b>Press</b>", days_ago=2, feed=feed_a)
        _article(con, "a3", "https://news.example.org/gao", "Army reinforces Gao",
                 source="Sahel Dispatch", days_ago=1, feed=feed_a)
        _article(con, "a4", "https://copy.example.net/gao", "Gao: army sends reinforcements",
                 source="Copy Wire", days_ago=1, feed=feed_a, duplicate_of="a3")
        _entity(con, "t-mopti", "town", "Mopti", None, baseline=True, lat=14.4843, lon=-4.18296)
        _entity(con, "t-menaka", "town", "Ménaka", "a1", lat=15.91985, lon=2.39609, days_ago=3)
        _entity(con, "t-gao", "town", "Gao", "a3", lat=16.27167, lon=-0.04472)
        _entity(con, "t-nocoord", "town", "Boulkessi", "a2", days_ago=2)
        _entity(con, "x-jnim", "actor", "Katiba Macina", "a1", subtype="armed_group",
                days_ago=3)
        _entity(con, "x-evil", "actor", "<svg onload=alert(2)>", "a2", subtype="person",
                days_ago=2)
        _mention(con, "a1", "t-menaka", "Ménaka", HOSTILE_SENTENCE)
        _mention(con, "a1", "x-jnim", "Katiba Macina",
                 "Katiba Macina fighters blockaded villages near Mopti.", 40)
        _mention(con, "a1", "t-mopti", "Mopti", "Katiba Macina fighters blockaded villages "
                 "near Mopti.", 80)
        _mention(con, "a2", "x-evil", "<svg onload=alert(2)>", "He said <svg onload=alert(2)>.")
        _mention(con, "a2", "t-nocoord", "Boulkessi", "Boulkessi base was attacked.", 9)
        _mention(con, "a3", "t-gao", "Gao", "The army sent troops to Gao.")
        _mention(con, "a3", "t-mopti", "Mopti", "They left from Mopti.", 30)
        con.execute(
            "INSERT INTO feed_state (feed_url, last_polled_at, last_status, "
            "consecutive_failures, last_error, next_poll_at) VALUES (?, ?, 'ok', 0, NULL, NULL),"
            " (?, ?, 'error', 3, ?, ?)",
            [feed_a, NOW, feed_b, NOW, "HTTP 503 <b>Service Unavailable</b>",
             NOW + timedelta(hours=2)],
        )
        publish_read_copy(con, db)
    return db


@pytest.fixture(scope="module")
def page(warehouse: Path) -> tuple[Path, str]:
    out = warehouse.parent / "out" / "report.html"
    assert cli_main(["report", "--db", str(warehouse), "--out", str(out)]) == 0  # read copy
    return out, out.read_text(encoding="utf-8")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_data_of_the_period(warehouse: Path) -> None:
    data = read_report_data(warehouse, NOW - timedelta(days=30), NOW)
    assert (data.totals.articles, data.totals.copies) == (4, 1)
    assert (data.totals.new_actors, data.totals.new_towns) == (2, 3)
    towns = {t.name: t for t in data.towns}
    assert towns["Ménaka"].is_new and not towns["Mopti"].is_new and towns["Mopti"].articles == 2
    menaka = next(e for e in data.new_towns if e.name == "Ménaka")
    assert menaka.sentence == HOSTILE_SENTENCE and menaka.article_title == HOSTILE_TITLE
    assert [len(s.copies) for s in data.stories] == [1]
    assert sum(d.articles + d.copies for d in data.days) == 4
    # a shorter period: only yesterday's articles and entities
    recent = read_report_data(warehouse, NOW - timedelta(days=1, hours=12), NOW)
    assert recent.totals.articles == 2 and {e.name for e in recent.new_entities} == {"Gao"}


def test_page_is_self_contained_and_escaped(page: tuple[Path, str]) -> None:
    _, html = page
    tags = _tags(html)
    names = Counter(tag for tag, _ in tags)
    assert names["svg"] >= 2 and 'id="map"' in html and 'id="timeline"' in html
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(names)
    # no reference outside the file, except the article links (<a href>)
    for tag, attrs in tags:
        for attr in ("src", "href", "xlink:href", "srcset", "action", "poster", "data"):
            value = (attrs.get(attr) or "").strip().lower()
            if tag == "a" and attr == "href":
                assert value.startswith(("http://", "https://")), value
            else:
                assert not value or value.startswith("#"), (tag, attr, value)
    assert "@import" not in html
    assert all(u.startswith("#") for u in re.findall(r"url\(\s*['\"]?([^'\")]*)", html))
    # hostile text from the warehouse is text, never markup
    assert "<script" not in html.lower()
    assert not [(tag, a) for tag, attrs in tags for a in attrs if a.lower().startswith("on")]
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;svg onload=alert(2)&gt;" in html and "<svg onload" not in html
    assert "Evil &lt;b&gt;Press&lt;/b&gt;" in html and "&lt;b&gt;Service" in html
    assert "javascript:" not in html.lower()  # not a link, not even shown
    assert "Boulkessi" in html  # named, no coordinates: listed under the map


def test_new_towns_show_their_country_by_name(page: tuple[Path, str]) -> None:
    html = page[1]
    section = html[html.index('id="new-entities"'):]
    gao = section[section.index("<b>Gao</b>"):]
    assert gao.startswith('<b>Gao</b><br><span class="kind">town · Mali</span>')


def test_safe_href() -> None:
    assert safe_href("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&amp;c=2"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "seed:001",
                "file:///etc/passwd", "//evil.example/x", "http://", " java\nscript:x", None):
        assert safe_href(bad) is None, bad


def test_map_without_towns_and_the_outlines() -> None:
    codes = {f["properties"]["iso_a2"] for f in countries()}
    assert {"ML", "DZ", "NE", "BF", "CI", "GN", "SN", "MR"} <= codes
    svg = map_svg([TownPoint("Nowhere", None, None, None, None, 1, True)])
    assert svg.startswith("<svg") and "<!DOCTYPE" not in svg and "Nowhere" not in svg
    assert "<metadata" not in svg and not re.search(r"(?:href|src)=\"https?:", svg)


def test_report_of_an_empty_period(warehouse: Path, tmp_path: Path) -> None:
    data = read_report_data(warehouse, NOW + timedelta(days=1), NOW)
    html = render_report(data)
    assert "No new actors in the period" in html and "<svg" in html


def test_cli_errors(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert cli_main(["report", "--db", str(warehouse), "--out", str(out), "--since", "soon"]) == 2
    assert cli_main(["report", "--db", str(tmp_path / "none.duckdb"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--since" in err and "no warehouse" in err and "Traceback" not in err
    assert cli_main(["report", "--db", str(warehouse), "--out", str(out), "--since", "all",
                     "--live"]) == 0
    assert "4 articles" in capsys.readouterr().out


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y "
                    "chromium): the page is not opened in a browser")
def test_opens_offline_in_chromium(page: tuple[Path, str], tmp_path: Path) -> None:
    from PIL import Image

    path, _ = page
    png, netlog = tmp_path / "report.png", tmp_path / "netlog.json"
    flags = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # the test itself reaches nothing
        f"--user-data-dir={tmp_path / 'profile'}", f"--log-net-log={netlog}",
    ]
    shot = subprocess.run(
        [*flags, f"--screenshot={png}", "--window-size=1200,2000", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert png.exists(), shot.stderr[-2000:]
    dom = subprocess.run([*flags, "--dump-dom", path.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert 'id="map"' in dom.stdout and dom.stdout.count("<svg") >= 2, dom.stderr[-2000:]

    with Image.open(png) as image:
        pixels = Counter(image.convert("RGB").getdata())
    assert len(pixels) > 50  # not a blank page
    assert pixels[MALI_FILL] > 20_000, "the map of Mali was not drawn"
    assert sum(n for c, n in pixels.items() if _near(c, NEW_TOWN_RED)) > 30, "no new-town dot"

    # the page asked for nothing: no http(s) request in Chromium's network log but its own
    log = netlog.read_text(encoding="utf-8", errors="replace") if netlog.exists() else ""
    urls = set(re.findall(r'"url"\s*:\s*"([^"]+)"', log))
    requested = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                 and urlsplit(u).hostname not in CHROMIUM_SERVICES]
    assert not requested, requested


def _near(color: tuple[int, ...], target: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color, target, strict=False))
