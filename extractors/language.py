"""Cheap English/French detection for text whose page declares no language."""

from __future__ import annotations

import re

from extractors.text import word_list

_WORD = re.compile(r"[a-zà-ÿ']+")
_STOPWORDS = {
    "en": frozenset(
        word_list(
            """
            the of and to in is was for that on with as by at from are were has have it its this
            be an said after which who their they not but had will been
            """
        )
    ),
    "fr": frozenset(
        word_list(
            """
            le la les des du de et un une est dans pour que qui sur au aux par avec ont sont ce
            cette il elle ne pas plus été a selon leur
            """
        )
    ),
}
MIN_HITS = 3


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The declared language when it is a plain tag, else 'en' or 'fr' by stop-word count."""
    if declared:
        tag = declared.strip().split("-")[0].split("_")[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", tag):
            return tag
    words = _WORD.findall(text[:5000].lower())
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    if counts[best] < MIN_HITS:
        return None
    return best
