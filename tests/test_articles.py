"""Choosing an article's canonical URL: a page may name its own, never another's."""

from __future__ import annotations

import pytest

from extractors.articles import _trusted_canonical
from extractors.extraction import ExtractedPage


def _page(canonical: str | None) -> ExtractedPage:
    return ExtractedPage("text", None, None, None, None, None, canonical)


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [
        ("https://www.example.org/africa/mali-story", "https://www.example.org/africa/mali-story"),
        ("https://other.example.com/africa/mali-story", "https://example.org/news/1"),
        ("https://example.org/", "https://example.org/news/1"),
        ("https://example.org/news", "https://example.org/news/1"),
        ("javascript:alert(1)", "https://example.org/news/1"),
        (None, "https://example.org/news/1"),
    ],
)
def test_page_canonical_trusted_only_on_the_same_site_and_below_home(
    claimed: str | None, expected: str
) -> None:
    assert _trusted_canonical(_page(claimed), "https://example.org/news/1") == expected
