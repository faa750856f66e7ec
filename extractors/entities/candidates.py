"""Candidate spans of one article and the filters they go through.

A candidate (`_Cand`) is a span with where it came from (known name, acronym, rule,
gazetteer, model), its priority and the evidence gathered on it. Here: the model labels
the extractor reads, the noise filters (weekdays, generic words, lower case, gazetteer
words), overlap resolution (the longer, more authoritative span wins), credit zones,
hyphen-glued parts of names, a model's guess at a sentence or line start, and a person's
surname with its particles.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractors.entities.knowledge import (
    EQUIPMENT_WORDS,
    GENERIC_WORDS,
    TIME_WORDS,
    common_french_words,
)
from extractors.entities.names import is_title_word
from extractors.entities.normalize import has_upper, norm, norm_tokens
from extractors.entities.records import KnownEntity, Place
from extractors.entities.stopwords import stop_words
from extractors.text import word_list

_LABELS = {
    "PERSON": "person",
    "PER": "person",
    "ORG": "org",
    "GPE": "place",
    "LOC": "area",
    "FAC": "fac",
    "NORP": "norp",
    "MISC": "misc",
}
_SOURCE_RANK = {"known": 0, "acronym": 1, "rule": 2, "gazetteer": 3, "model": 4, "propagated": 5}


@dataclass
class _Cand:
    start: int
    end: int
    source: str
    prio: int
    labels: list[str] = field(default_factory=list)
    cues: set[str] = field(default_factory=set)
    known: KnownEntity | None = None
    place: Place | None = None
    foreign_name: str | None = None
    possessor: str | None = None
    country: str | None = None  # ISO code of a country the context puts it in
    weak: bool = False  # capitalised only because of headline case or a sentence start

    @property
    def length(self) -> int:
        return self.end - self.start


_REGION_NOUNS = frozenset(
    [
        "region",
        "regions",
        "province",
        "provinces",
        "cercle",
        "circle",
        "district",
        "prefecture",
        "department",
    ]
)


def _is_noise(surface: str) -> bool:
    """Weekdays, months, generic words, single letters, numbers, lower-case words."""
    toks = norm_tokens(surface)
    if not toks:
        return True
    letters = sum(c.isalpha() for c in surface)
    if letters < 2:
        return True
    if not surface[0].isupper() and not surface[0].isdigit():
        return True
    if surface[0].isdigit():
        return True
    if not has_upper(surface):
        return True
    joined = " ".join(toks)
    if joined in TIME_WORDS or joined in GENERIC_WORDS:
        return True
    if len(toks) == 1 and joined in stop_words():
        return True
    if any(t in EQUIPMENT_WORDS for t in toks):
        return True
    return all(t in GENERIC_WORDS or t in TIME_WORDS or t.isdigit() for t in toks)


def _scan_ok(surface: str) -> bool:
    """A gazetteer name found by scanning: capitalised, not a word."""
    return (
        surface[:1].isupper()
        and len(surface) >= 3
        and not _is_noise(surface)
        and norm(surface) not in stop_words()
    )


def _resolve_overlaps(cands: list[_Cand]) -> list[_Cand]:
    cands.sort(key=lambda c: (-c.prio, -c.length, _SOURCE_RANK[c.source], c.start))
    accepted: list[_Cand] = []
    taken: dict[tuple[int, int], _Cand] = {}
    starts: list[int] = []
    ends: list[int] = []
    for cand in cands:
        same = taken.get((cand.start, cand.end))
        if same is not None:
            same.labels.extend(cand.labels)
            same.cues |= cand.cues
            same.known = same.known or cand.known
            same.place = same.place or cand.place
            continue
        i = bisect.bisect_right(starts, cand.start)
        overlap = (i > 0 and ends[i - 1] > cand.start) or (i < len(starts) and starts[i] < cand.end)
        if overlap:
            continue
        starts.insert(i, cand.start)
        ends.insert(i, cand.end)
        taken[(cand.start, cand.end)] = cand
        accepted.append(cand)
    accepted.sort(key=lambda c: c.start)
    return accepted


def _in_zones(zones: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(zs <= start and end <= ze for zs, ze in zones)


_ARTICLE_BEFORE = re.compile(r"(?:\b(?:le|la|les|un|une|du|des|au|aux|the|a|an)|\bl['’])[ \t]*$")
_STRONG_CUES = frozenset(
    ["town", "town_geo", "loc", "person", "person_weak", "person_name", "speech", "armed", "org",
     "operation", "acronym", "group"]
)


def _weak_openers(accepted: list[_Cand], text: str) -> None:
    """One word the model labelled, written only where any word takes a capital (a sentence
    or line start: "Crise", "Lire", "Collectif") and with nothing else to say it is a name,
    is a guess, not an entity: drop it unless the same name shows up elsewhere."""
    for c in accepted:
        if c.source != "model" or c.known is not None or c.place is not None:
            continue
        surface = text[c.start : c.end]
        line_start = text.rfind("\n", 0, c.start) + 1
        line_end = text.find("\n", c.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)].strip(" \t:|•-")
        if surface.isupper() and " " in surface and len(surface) > 8 and line == surface:
            c.weak = True  # a heading in capitals: "FAITS SAILLANTS", "RÉPONSE HUMANITAIRE"
            continue
        if " " in surface or "-" in surface or surface.isupper() or c.cues & _STRONG_CUES:
            continue
        if line == surface:
            c.weak = True  # a word alone on its line: page furniture ("Partager", "Commenter")
            continue
        word = surface.casefold()
        french = common_french_words()
        if word in french or (word[-1:] in "sx" and word[:-1] in french):
            c.weak = True  # "Communiqué", "Culture", "Catégorie": a French word, nothing more
            continue
        before = text[max(0, c.start - 200) : c.start]
        kept = before.rstrip(" \t\n\"“«(‘'-–—•*")
        gap = before[len(kept) :]
        # a sentence's or a paragraph's first word, not a line of a hard-wrapped paragraph
        if not kept or kept[-1] in ".!?:…»”\"|•·>" or "\n\n" in gap:
            c.weak = True
        elif _ARTICLE_BEFORE.search(text, max(0, c.start - 8), c.start):
            c.weak = True  # "le Fonds", "la Sécurité", "the Château": a noun, not a name


def _after_capitalised_word(text: str, start: int) -> bool:
    """Is text[start:] preceded, on the same line, by a capitalised word that is not a
    sentence's first ("Salif Keïta" is not "Keïta" of "Ibrahim Boubacar Keïta")?"""
    m = re.search(r"([^\W\d_][\w'’\-]*)[ \t]+$", text[max(0, start - 40) : start])
    if m is None or not m.group(1)[:1].isupper() or is_title_word(m.group(1)):
        return False
    before = text[: start - len(m.group(0))].rstrip(" \t")
    return bool(before) and before[-1] not in ".!?\n:«\"“"


_PLACE_AND = re.compile(r"[ \t]+(?:and|et|or|ou)[ \t]+(?=[A-ZÀ-Ý])")


def _split_places(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, pos = [], start
    for m in _PLACE_AND.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    return pieces


def _hyphen_glued(text: str, start: int, end: int) -> bool:
    """Is text[start:end] one part of a hyphenated name ("Ogossagou-Peul")?"""
    before = start >= 2 and text[start - 1] in "-‐‑" and text[start - 2].isalpha()
    after = end + 1 < len(text) and text[end] in "-‐‑" and text[end + 1].isalpha()
    return before or after


_PARTICLES = frozenset(
    word_list(
        """
        le la les de du des van von der den da di dos al el ag ould ben bin ibn abu abou
        """
    )
)


def _surname(toks: Sequence[str]) -> str:
    """Last name with its particles: ("jean", "yves", "le", "drian") -> "le drian"."""
    i = len(toks) - 1
    while i > 1 and toks[i - 1] in _PARTICLES:
        i -= 1
    return " ".join(toks[i:])
