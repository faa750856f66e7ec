"""Topic relevance and URL canonicalisation: pure functions."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.topic import TopicFilter, TopicSettings, merged_terms
from extractors.urls import canonical_url

topic = TopicFilter()


@pytest.mark.parametrize(
    "text",
    [
        "Mali junta says it has seized rebel stronghold of Kidal",
        "Les soldats maliens ont repris Tombouctou",
        "Attaque près de Ségou : 12 morts",
        "UN force quits base early as MINUSMA winds down",
        "Jihadists in the Sahel attack a convoy near Gao",
        "MALI: ELECTIONS POSTPONED",
    ],
)
def test_about_mali(text: str) -> None:
    assert topic.assess(text).relevant


@pytest.mark.parametrize(
    "text",
    [
        "Gao Xiang wins the marathon in Beijing",
        "Tourism booms on Mali Lošinj, Croatia",
        "Somalia: pirates release a tanker",
        "The animal was small and malicious",
        "Tuareg music festival opens in Paris",
        "",
    ],
)
def test_not_about_mali(text: str) -> None:
    assert not topic.assess(text).relevant


def test_user_terms_add_and_disable() -> None:
    custom = TopicFilter(TopicSettings(terms=merged_terms({"Léré": 1.0, "Mali": 0})))
    assert custom.assess("Fighting near Lere").relevant
    assert not custom.assess("Mali").relevant


def test_decision_reason_is_readable() -> None:
    assert "no Mali term" in topic.assess("Football").reason
    assert "Kidal" in topic.assess("Kidal").reason


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example.COM/a/b/?utm_source=x&b=2&a=1#frag", "https://example.com/a/b?a=1&b=2"),
        ("http://m.bbc.co.uk/news/world-africa-1/amp", "https://bbc.co.uk/news/world-africa-1"),
        ("https://amp.theguardian.com/world/mali?CMP=share", "https://theguardian.com/world/mali"),
        ("https://example.com:443/x?fbclid=1&gclid=2&at_medium=rss", "https://example.com/x"),
        ("http://127.0.0.1:8080/news/a/", "https://127.0.0.1:8080/news/a"),
        # French paths: raw, upper- and lower-case escapes are one page
        ("https://www.lemonde.fr/afrique/mali-l-armée_6.html?xtor=RSS-3208",
         "https://lemonde.fr/afrique/mali-l-arm%C3%A9e_6.html"),
        ("https://lemonde.fr/afrique/mali-l-arm%c3%a9e_6.html",
         "https://lemonde.fr/afrique/mali-l-arm%C3%A9e_6.html"),
        ("https://example.com/a%2Fb/100%/a b", "https://example.com/a%2Fb/100%25/a%20b"),
        # Google AMP cache (https and http origins, viewer parameters)
        ("https://www-bbc-co-uk.cdn.ampproject.org/c/s/www.bbc.co.uk/news/world-africa-1.amp",
         "https://bbc.co.uk/news/world-africa-1"),
        ("https://e-org.cdn.ampproject.org/v/e.org/amp/story?amp_js_v=0.1&usqp=mq331AQ",
         "https://e.org/story"),
        # session ids and more trackers
        ("https://example.com/news/story;jsessionid=AB12?id=4", "https://example.com/news/story?id=4"),
        ("https://example.com/s?WT.mc_id=rss&_hsenc=x&mkt_tok=y&ncid=z&icid=q&outputType=amp",
         "https://example.com/s"),
        ("https://www.studiotamani.org/?p=12345", "https://studiotamani.org/?p=12345"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@given(st.text(alphabet="abcxyzéèàçôœ'-_~/.:", max_size=20))
def test_escaped_and_raw_paths_are_one_canonical_url(path: str) -> None:
    """A raw "%ab" is an escape and a trailing space no part of a URL: not generated here."""
    raw = canonical_url("https://example.org/" + path)
    assert canonical_url("https://example.org/" + quote(path, safe="/")) == raw
    assert canonical_url(raw) == raw


@given(st.from_regex(r"https?://[a-z]{1,10}\.[a-z]{2,3}(/[a-z0-9]{0,8}){0,3}(\?[a-z]=[0-9])?",
                     fullmatch=True))
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
