"""Small text helpers shared by the extractors."""

from __future__ import annotations

import html
import re
import unicodedata

from lxml import etree
from lxml import html as lxml_html

_WS = re.compile(r"[ \t\r\f\v\u00a0\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary); tolerant of broken markup."""
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        return normalise_whitespace(html.unescape(fragment))
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalise_whitespace(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    for br in root.xpath(".//br|.//p|.//div|.//li"):
        br.tail = "\n" + (br.tail or "")
    return normalise_whitespace(root.text_content())


def normalise_whitespace(text: str) -> str:
    """NFC, single spaces inside lines, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text)
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def word_list(words: str) -> list[str]:
    """The words of a whitespace-separated list: long lists of words read better as text
    than as a list of quoted strings."""
    return words.split()
