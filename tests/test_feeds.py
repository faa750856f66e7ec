"""Feed parsing on bytes: RSS 2.0, RSS 1.0/RDF, Atom, and feeds that are not feeds."""

from __future__ import annotations

import pytest
from feedsite import atom, rss

from extractors.errors import FeedError
from extractors.feeds import parse_feed

FEED = "http://127.0.0.1:8000/feeds/mali.xml"


def test_rss2_entries_with_relative_links_html_summaries_and_dates() -> None:
    xml = rss(
        "Test",
        [{"title": "Mali: attaque &amp; riposte", "link": "/a/1",
          "description": "<p>Une <b>attaque</b> à Gao.</p><script>alert(1)</script>",
          "pubDate": "Mon, 14 Jan 2013 10:00:00 GMT", "guid": "id-1"}],
        language="fr-FR",
    )
    feed = parse_feed(xml.encode(), feed_url=FEED, source="Test FR")
    (entry,) = feed.entries
    assert entry.url == "http://127.0.0.1:8000/a/1"
    assert entry.summary == "Une attaque à Gao."
    assert entry.published_at is not None
    assert entry.published_at.isoformat().startswith("2013-01-14T10")
    assert entry.language == "fr" and entry.source == "Test FR" and entry.guid == "id-1"


def test_atom_entries() -> None:
    xml = atom("A", [{"title": "Kidal", "link": "https://example.org/kidal", "summary": "x"}])
    (entry,) = parse_feed(xml.encode(), feed_url=FEED).entries
    assert entry.url == "https://example.org/kidal" and entry.title == "Kidal"


def test_rss1_rdf() -> None:
    xml = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://allafrica.com/"><title>AllAfrica</title><link>https://allafrica.com/</link></channel>
<item rdf:about="https://allafrica.com/stories/1.html"><title>Mali: Headline</title>
<link>https://allafrica.com/stories/1.html</link><description>Text</description></item>
</rdf:RDF>"""
    (entry,) = parse_feed(xml, feed_url=FEED).entries
    assert entry.url == "https://allafrica.com/stories/1.html"


def test_entries_without_usable_links_become_problems() -> None:
    xml = rss("T", [{"title": "No link"}, {"title": "JS", "link": "javascript:alert(1)"},
                    {"title": "Ok", "link": "https://example.org/ok"}])
    feed = parse_feed(xml.encode(), feed_url=FEED)
    assert [e.title for e in feed.entries] == ["Ok"]
    messages = " | ".join(p.message for p in feed.problems)
    assert "has no link" in messages and "non-http link" in messages


def test_utf8_and_declared_latin1_feeds_decode_right() -> None:
    text = "Mali : l’armée à Tombouctou"
    latin = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>{text}</title><link>https://e.org/1</link></item></channel></rss>"
    ).encode("cp1252")
    assert parse_feed(latin, feed_url=FEED).entries[0].title == text
    bom = b"\xef\xbb\xbf" + rss("T", [{"title": text, "link": "https://e.org/1"}]).encode()
    assert parse_feed(bom, feed_url=FEED).entries[0].title == text


@pytest.mark.parametrize(
    "body",
    [b"", b"   \n", b"<html><body><h1>Welcome</h1></body></html>",
     b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti<<tle></channel'],
)
def test_not_a_feed_raises_feed_error_naming_the_url(body: bytes) -> None:
    with pytest.raises(FeedError) as error:
        parse_feed(body, feed_url=FEED)
    assert FEED in str(error.value)


def test_malformed_feed_with_entries_is_read_with_a_problem() -> None:
    body = b'<rss version="2.0"><channel><item><title>Mali</title><link>https://e.org/1</link></item>'
    feed = parse_feed(body, feed_url=FEED)
    assert len(feed.entries) == 1
    assert "not well-formed" in feed.problems[0].message


def test_huge_feed_is_capped() -> None:
    items = [{"title": f"Mali {i}", "link": f"https://e.org/{i}"} for i in range(50)]
    feed = parse_feed(rss("T", items).encode(), feed_url=FEED, max_entries=10)
    assert len(feed.entries) == 10
    assert "read the first 10" in feed.problems[-1].message
