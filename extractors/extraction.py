"""Article text and metadata from an HTML page, with trafilatura.

Works on a decoded string; never fetches. Reader comments are excluded (trafilatura's
default would append them to the text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura
from lxml import etree
from trafilatura.settings import Document

from extractors.errors import ExtractionError
from extractors.text import normalise_whitespace

MIN_TEXT_CHARS = 200  # below this a "page" is a teaser, a paywall or an error page


@dataclass(frozen=True)
class ExtractedPage:
    text: str
    title: str | None
    author: str | None
    published_at: datetime | None
    site_name: str | None
    language: str | None
    canonical_url: str | None  # the page's own <link rel=canonical> / og:url


def extract_page(html: str, *, url: str, min_chars: int = MIN_TEXT_CHARS) -> ExtractedPage:
    """Extract the main text; raise ExtractionError when the page holds no article."""
    if not html or not html.strip():
        raise ExtractionError(f"page {url} is empty", url=url)
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=False,
            include_images=False,
            with_metadata=True,
            deduplicate=False,
        )
    except (ValueError, TypeError, RecursionError, UnicodeError, etree.LxmlError) as e:
        # hostile or broken markup inside lxml: a failure of this page, not of the run
        raise ExtractionError(f"could not parse page {url}: {e}", url=url) from e
    text = normalise_whitespace(document.text or "") if isinstance(document, Document) else ""
    if len(text) < min_chars:
        raise ExtractionError(
            f"page {url} yielded {len(text)} characters of article text (fewer than {min_chars}); "
            f"not an article page, or one behind a paywall or script",
            url=url,
        )
    assert isinstance(document, Document)  # text was found, and long enough
    return ExtractedPage(
        text=text,
        title=_clean(document.title),
        author=_clean(document.author),
        published_at=_date(document.date),
        site_name=_clean(document.sitename),
        language=_clean(document.language) or _declared_language(html),
        canonical_url=_clean(document.url) if document.url != url else None,
    )


_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)


def _declared_language(html: str) -> str | None:
    match = _HTML_LANG.search(html[:5000])
    return match[1].lower() if match else None


def _clean(value: object) -> str | None:
    if not value or not isinstance(value, str):
        return None
    return normalise_whitespace(value) or None


def _date(value: object) -> datetime | None:
    """trafilatura gives 'YYYY-MM-DD'; keep it as midnight UTC."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
