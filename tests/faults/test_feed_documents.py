"""Hostile feeds: documents that are not feeds, entity attacks, a feed of 10,000 entries, and
every HTTP failure a feed server can answer with. One flow run holds them all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from corpus import MOPTI_ATTACK
from feedsite import article_page, rss

from extractors.errors import FeedError
from extractors.feeds import parse_feed
from flows.ingest import ingest

from .hostile_server import HostileServer, respond
from .support import assert_nothing_stored_twice, every_text, rows, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")

RSS = "application/rss+xml; charset=utf-8"
SECRET_MARKER = "s3cr3t-marker-7f3a"
LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)


def billion_laughs(title: str) -> str:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY lol0 "lol">' + LAUGHS + "]>\n"
        '<rss version="2.0"><channel><title>Laughs</title><item>'
        f"<title>{title} &lol9;</title><link>http://127.0.0.1:9/laughs</link>"
        "<description>Mali &lol9;</description></item></channel></rss>"
    )


def external_entity(title: str, secret: Path) -> str:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<rss version="2.0"><channel><title>XXE</title><item>'
        f"<title>{title} &xxe;</title><link>http://127.0.0.1:9/xxe</link>"
        "<description>Attack in Mali. &xxe;</description></item></channel></rss>"
    )


def test_feedparser_alone_neither_expands_entities_nor_reads_files(tmp_path: Path) -> None:
    """The second line of defence, below our refusal: feedparser drops unsafe entity
    declarations and turns external entities off; expat (2.4+) caps expansion."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_MARKER, encoding="utf-8")

    laughs = feedparser.parse(billion_laughs("Mali").encode())
    xxe = feedparser.parse(external_entity("Mali", secret).encode())

    assert all(len(e.get("title", "")) < 100 for e in laughs.entries)
    assert all("lollollol" not in str(e) for e in laughs.entries)
    assert SECRET_MARKER not in str(xxe)


@pytest.mark.parametrize(
    "declaration",
    [
        '<!ENTITY a "x"><!ENTITY b "&a;&a;">',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
        "<!ENTITY x SYSTEM 'file:///etc/passwd'>",
        '<!ENTITY x PUBLIC "-//X//EN" "http://127.0.0.1:9/x.dtd">',
        '<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;',
        '<!ENTITY big "' + "A" * 500 + '">',
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_declarations_are_refused_before_parsing(declaration: str, encoding: str) -> None:
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [{declaration}]>'
        '<rss version="2.0"><channel><title>t</title><item><title>Mali</title>'
        "<link>http://example.org/a</link></item></channel></rss>"
    )
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(document.encode(encoding), feed_url="http://example.org/feed")


def test_a_plain_character_entity_and_a_public_dtd_are_still_read() -> None:
    items = "<item><title>Mali</title><link>http://example.org/a</link></item>"
    for doctype in (
        '<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>',
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
    ):
        document = (
            f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel>{items}</channel></rss>'
        )
        parsed = parse_feed(document.encode(), feed_url="http://example.org/feed")
        assert [e.title for e in parsed.entries] == ["Mali"]


def test_hostile_feeds_are_recorded_each_with_its_error_and_the_run_goes_on(
    hostile: HostileServer, warehouse: Path, write_config, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_MARKER, encoding="utf-8")
    page = hostile.route("/news/mopti", respond(200, article_page(*MOPTI_ATTACK)))
    feeds = {
        "good": hostile.route("/f/good.xml", respond(200, rss("Good", [
            {"title": MOPTI_ATTACK[0], "link": page, "description": "Attack in Mali."}
        ]), content_type=RSS)),
        "malformed": hostile.route("/f/malformed.xml", respond(
            200, '<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti<<tle></chan',
            content_type=RSS)),
        "empty": hostile.route("/f/empty.xml", respond(200, b"", content_type=RSS)),
        "html": hostile.route("/f/html.xml", respond(200, article_page(*MOPTI_ATTACK))),
        "huge": hostile.route("/f/huge.xml", respond(200, rss("Markets", [
            {"title": f"Grain market report {i}", "link": hostile.url(f"/m/{i}"),
             "description": "Prices of millet and sorghum."}
            for i in range(10_000)
        ]), content_type=RSS)),
        "laughs": hostile.route("/f/laughs.xml", respond(
            200, billion_laughs("Mali"), content_type=RSS)),
        "xxe": hostile.route("/f/xxe.xml", respond(
            200, external_entity("Mali", secret), content_type=RSS)),
    }
    statuses = {
        403: respond(403, "forbidden"),
        404: respond(404, "not found"),
        410: respond(410, "gone"),
        429: respond(429, "slow down", headers={"Retry-After": "120"}),
        500: respond(500, "oops"),
        503: respond(503, "maintenance"),
    }
    by_status = {code: hostile.route(f"/f/{code}.xml", b) for code, b in statuses.items()}

    summary = ingest(
        str(write_config()), str(warehouse), [*feeds.values(), *by_status.values()]
    )

    feed_errors = {
        url: (error, status)
        for url, error, status in rows(
            warehouse, "select url, error, http_status from fetch_errors where stage = 'feed'"
        )
    }
    expected = {
        "malformed": "is not a readable RSS/Atom feed",
        "empty": "answered with an empty body",
        "html": "is not a readable RSS/Atom feed",
        "laughs": "declares XML entities (an entity that expands to other entities",
        "xxe": "declares XML entities (an external entity (SYSTEM or PUBLIC))",
    }
    for name, message in expected.items():
        error, status = feed_errors.pop(feeds[name])
        assert message in error and status == 200, (name, error)
    for code, url in by_status.items():
        error, status = feed_errors.pop(url)
        assert status == code and error.startswith(f"HTTP {code} "), error
    assert feed_errors == {}  # the good and the huge feed did not fail

    # The huge feed: capped, the cap recorded, its first 50 entries read (off topic: skipped).
    (cap,) = rows(
        warehouse, "select error, http_status from fetch_errors where stage = 'entry' "
        "and feed_url = ?", [feeds["huge"]],
    )
    assert cap == ("feed has 10000 entries; read the first 50 (raise [fetch] "
                   "max_entries_per_feed to read more)", None)
    assert scalar(warehouse, "select count(*) from seen_entries where feed_url = ? "
                  "and decision = 'off_topic'", [feeds["huge"]]) == 50

    # Retries: a 5xx is retried (retries = 1), a 4xx is not, nor a 429 that says when to
    # come back (its Retry-After is the feed's next poll time instead).
    assert {code: hostile.count(f"/f/{code}.xml") for code in statuses} == {
        403: 1, 404: 1, 410: 1, 429: 1, 500: 2, 503: 2,
    }
    state = {
        url: (failures, next_poll, retry_after)
        for url, failures, next_poll, retry_after in rows(
            warehouse, "select feed_url, consecutive_failures, next_poll_at, retry_after_s "
            "from feed_state",
        )
    }
    (started,) = rows(warehouse, "select started_at from runs")[0]
    failures, next_poll, retry_after = state[by_status[429]]
    assert failures == 1 and retry_after == 120
    assert timedelta(seconds=119) < next_poll - started < timedelta(seconds=130)
    for code in (403, 404, 410, 500, 503):
        assert state[by_status[code]] == (1, None, None)  # one failure: no backoff yet
    assert state[feeds["good"]][0] == state[feeds["huge"]][0] == 0

    # The run completed and counted everything; nothing leaked, nothing twice.
    run = rows(warehouse, "select status, feeds_polled, entries_seen, articles_new, skipped, "
               "errors from runs")
    total_errors = scalar(warehouse, "select count(*) from fetch_errors")
    assert run == [("completed", 13, 51, 1, 50, total_errors)]
    assert summary.errors == total_errors == 12
    assert rows(warehouse, "select url, text_origin from articles where not is_seed") == [
        (page, "page")
    ]
    assert hostile.count("/news/mopti") == 1
    assert not any(h.path.startswith("/m/") for h in hostile.hits)
    stored = every_text(warehouse)
    assert SECRET_MARKER not in stored and "lollollol" not in stored
    assert_nothing_stored_twice(warehouse)
